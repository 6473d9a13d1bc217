package dev.appliance.inference.features;

import dev.appliance.inference.config.ConfigurationException;
import dev.appliance.inference.lifecycle.Scheduler;
import dev.appliance.inference.secrets.Secrets;
import dev.appliance.inference.secrets.VaultSettings;
import io.helidon.config.Config;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The {@code load-features FILE [--from-line N]} command: loads JSON lines of feature writes into the
 * feature store named by the service's own {@code features} settings (see {@link FeatureLoader}). With
 * {@code vault.enabled} it logs in as the service does (the same configuration, run as the service's user so
 * it can read the identity the service keeps) and writes with CQL credentials of
 * {@code vault.database.writer-role}, never the reader's; at the end its Vault token, and with it that lease,
 * is revoked.
 * Exit codes: 0 all written, 1 some lines rejected, 2 bad usage or configuration, 3 store or Vault unavailable
 * (or Vault refused the login).
 */
public final class LoadFeaturesCommand {

    private LoadFeaturesCommand() {}

    /** Runs the command with the {@code features} settings of {@code config}, read only once usage is right. */
    public static int run(String[] args, Supplier<Config> config) {
        if (args.length != 1 && !(args.length == 3 && args[1].equals("--from-line") && args[2].matches("\\d{1,18}"))) {
            System.err.println("usage: load-features FILE [--from-line N]   (JSON lines; see docs/feature-store.md)");
            return 2;
        }
        Path file = Path.of(args[0]);
        if (!Files.isReadable(file)) {
            System.err.println("load-features: cannot read " + file);
            return 2;
        }
        FeatureStoreSettings settings;
        VaultSettings vault;
        try {
            settings = FeatureStoreSettings.from(config.get().get("features"));
            vault = VaultSettings.from(config.get().get("vault"));
        } catch (ConfigurationException e) {
            System.err.println("configuration error: " + e.getMessage());
            return 2;
        }
        if (vault.enabled() && vault.databaseWriterRole().isEmpty()) {
            System.err.println("load-features with vault.enabled needs vault.database.writer-role (the feature"
                    + " writer's database role); the reader's credentials cannot write");
            return 2;
        }
        if (settings.contactPoints().isEmpty()
                || (!vault.enabled() && settings.credentials().isEmpty())) {
            System.err.println("load-features needs features.contact-points, and features.username and"
                    + " features.password (FEATURES_CONTACT_dash_POINTS, FEATURES_USERNAME, FEATURES_PASSWORD)"
                    + " or vault.enabled with vault.database.writer-role");
            return 2;
        }
        MeterRegistry meters = Metrics.createMeterRegistry();
        try (Scheduler scheduler = Scheduler.threads("feature-store", 1);
                Secrets secrets = Secrets.start(vault.forWriterOnly(), meters, Clock.systemUTC(), scheduler);
                FeatureStore store = new FeatureStore(settings, meters, scheduler)) {
            Optional<CqlCredentials> writer =
                    secrets.writerCredentials().map(login -> new CqlCredentials(login.username(), login.password()));
            store.start(writer.or(settings::credentials).orElseThrow());
            if (!store.available()) {
                System.err.println("load-features: feature store unavailable: " + store.health());
                return 3;
            }
            return new FeatureLoader(store, System.out, System.err, Clock.systemUTC())
                    .load(file, args.length == 3 ? Long.parseLong(args[2]) : 1);
        } catch (IllegalStateException e) {
            System.err.println("load-features: " + e.getMessage());
            return 3;
        } catch (IOException e) {
            System.err.println("load-features: " + e.getMessage());
            return 2;
        }
    }
}
