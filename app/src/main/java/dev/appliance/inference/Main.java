package dev.appliance.inference;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

import dev.appliance.inference.api.Api;
import dev.appliance.inference.cache.CacheSettings;
import dev.appliance.inference.cache.Caches;
import dev.appliance.inference.demo.DemoModelsCommand;
import dev.appliance.inference.features.Enricher;
import dev.appliance.inference.features.FeatureLoader;
import dev.appliance.inference.features.FeatureStore;
import dev.appliance.inference.features.FeatureStoreSettings;
import dev.appliance.inference.model.ModelRegistry;
import dev.appliance.inference.model.ModelSettings;
import dev.appliance.inference.observe.CacheHealthCheck;
import dev.appliance.inference.observe.FeatureStoreHealthCheck;
import dev.appliance.inference.observe.JsonFormatter;
import dev.appliance.inference.observe.ModelAudit;
import dev.appliance.inference.observe.ModelsReadyCheck;
import dev.appliance.inference.observe.ReadinessMetrics;
import dev.appliance.inference.observe.RequestIdFilter;
import dev.appliance.inference.observe.SecretsHealthCheck;
import dev.appliance.inference.observe.ServiceMetrics;
import dev.appliance.inference.secrets.Secrets;
import dev.appliance.inference.secrets.VaultSettings;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.health.HealthCheck;
import io.helidon.logging.common.LogConfig;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.health.HealthObserverConfig;
import io.helidon.webserver.observe.metrics.MetricsObserver;

/**
 * The only wiring point: reads configuration, builds the components and starts the server. With a
 * sub-command as first argument it runs that tool instead ({@code build-demo-models}).
 */
public final class Main {

    /** Environment variable naming an operator's YAML file layered over the built-in defaults. */
    static final String CONFIG_FILE_ENV = "INFERENCE_CONFIG_FILE";

    private static final Logger LOG = Logger.getLogger(Main.class.getName());

    private Main() {
    }

    /**
     * Starts the service, or runs a sub-command.
     *
     * @param args none to serve; {@code build-demo-models --output DIR [--signing-key FILE]} to build the demo models
     */
    public static void main(String[] args) {
        LogConfig.configureRuntime();
        JsonFormatter.applyConfigured();
        if (args.length > 0) {
            System.exit(command(args));
        }
        Config config = config(Optional.ofNullable(System.getenv(CONFIG_FILE_ENV)).map(Path::of));
        Appliance appliance;
        try {
            appliance = start(config);
        } catch (IllegalArgumentException e) {
            System.err.println("configuration error: " + e.getMessage());
            System.exit(2);
            return;
        } catch (IllegalStateException e) {
            System.err.println("cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(appliance::close, "shutdown"));
    }

    private static int command(String[] args) {
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "build-demo-models" -> DemoModelsCommand.run(rest);
            case "load-features" -> loadFeatures(rest);
            default -> {
                System.err.println("unknown command '" + args[0] + "'; commands: build-demo-models, load-features"
                        + " (or no argument to serve)");
                yield 2;
            }
        };
    }

    /** {@code load-features FILE [--from-line N]}, with the service's own feature store settings. */
    private static int loadFeatures(String[] args) {
        if (args.length != 1 && !(args.length == 3 && args[1].equals("--from-line") && args[2].matches("\\d{1,18}"))) {
            System.err.println("usage: load-features FILE [--from-line N]   (JSON lines; see README)");
            return 2;
        }
        Path file = Path.of(args[0]);
        if (!Files.isReadable(file)) {
            System.err.println("load-features: cannot read " + file);
            return 2;
        }
        FeatureStoreSettings settings;
        try {
            settings = FeatureStoreSettings.from(
                    config(Optional.ofNullable(System.getenv(CONFIG_FILE_ENV)).map(Path::of)).get("features"));
        } catch (IllegalArgumentException e) {
            System.err.println("configuration error: " + e.getMessage());
            return 2;
        }
        if (settings.contactPoints().isEmpty() || settings.credentials().isEmpty()) {
            System.err.println("load-features needs features.contact-points, features.username and features.password"
                    + " (FEATURES_CONTACT_dash_POINTS, FEATURES_USERNAME, FEATURES_PASSWORD)");
            return 2;
        }
        try (FeatureStore store = new FeatureStore(settings, Metrics.createMeterRegistry())) {
            store.start(settings.credentials().get());
            if (!store.available()) {
                System.err.println("load-features: feature store unavailable: " + store.health());
                return 3;
            }
            return new FeatureLoader(store, System.out, System.err, Clock.systemUTC())
                    .load(file, args.length == 3 ? Long.parseLong(args[2]) : 1);
        } catch (IOException e) {
            System.err.println("load-features: " + e.getMessage());
            return 2;
        }
    }

    /** Environment variables, then system properties, then the operator's file if any, then built-in defaults. */
    static Config config(Optional<Path> operatorFile) {
        Config.Builder builder = Config.builder().disableSystemPropertiesSource().disableEnvironmentVariablesSource()
                .addSource(ConfigSources.environmentVariables())
                .addSource(ConfigSources.systemProperties());
        operatorFile.ifPresent(file -> {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(CONFIG_FILE_ENV + " names " + file + ", which is not a file");
            }
            builder.addSource(ConfigSources.file(file));
        });
        return builder.addSource(ConfigSources.classpath("application.yaml")).build();
    }

    /** Builds every component from configuration and starts serving; settings errors throw before anything starts. */
    static Appliance start(Config config) {
        ModelSettings modelSettings = ModelSettings.from(config.get("models"));
        CacheSettings cacheSettings = CacheSettings.from(config.get("cache"));
        FeatureStoreSettings featureSettings = FeatureStoreSettings.from(config.get("features"));
        VaultSettings vaultSettings = VaultSettings.from(config.get("vault"));
        MeterRegistry meters = Metrics.globalRegistry();
        ServiceMetrics metrics = new ServiceMetrics(meters);

        // Vault first: with it enabled, the cache and the store log in with what it hands out.
        Secrets secrets = Secrets.start(vaultSettings, meters);
        Caches caches;
        try {
            caches = Caches.create(cacheSettings.withCredentials(
                    secrets.memcachedCredentials().or(cacheSettings::credentials)), meters);
        } catch (IOException e) {
            secrets.close();
            throw new IllegalArgumentException("cache.servers cannot be used: " + e.getMessage(), e);
        }
        secrets.onMemcachedCredentials(caches::rotate);
        Optional<FeatureStore> store = Optional.empty();
        if (featureSettings.enabled()) {
            FeatureStore featureStore = new FeatureStore(featureSettings, meters);
            featureStore.start(secrets.cqlCredentials().or(featureSettings::credentials).orElseThrow(() ->
                    new IllegalArgumentException("features.username and features.password (or vault.database.role)"
                            + " are required when features.enabled is true")));
            secrets.onCqlCredentials(featureStore::rotate);
            store = Optional.of(featureStore);
        }
        Enricher enricher = new Enricher(store, caches.features(), Clock.systemUTC());
        ModelRegistry registry = new ModelRegistry(modelSettings, new ModelAudit(metrics));
        List<HealthCheck> readiness = new ArrayList<>(List.of(new ModelsReadyCheck(registry),
                new CacheHealthCheck(caches), new SecretsHealthCheck(secrets)));
        store.ifPresent(s -> readiness.add(new FeatureStoreHealthCheck(s)));
        HealthObserverConfig.Builder health = HealthObserver.builder().details(true).addHealthChecks(readiness);
        ReadinessMetrics.register(meters, readiness);
        Optional<FeatureStore> routedStore = store;
        WebServer server = WebServer.builder()
                .config(config.get("server"))
                .addFeature(ObserveFeature.builder()
                        .addObserver(health.build())
                        .addObserver(MetricsObserver.create())
                        .build())
                .routing(routing -> Api.register(routing.addFilter(new RequestIdFilter()), registry, routedStore,
                        caches.features(), featureSettings.ingestToken(), enricher, caches.results(), metrics,
                        modelSettings.maxRows(), version()))
                .build();
        registry.start();
        server.start();
        LOG.info(() -> "serving on port " + server.port() + "; models from " + modelSettings.root()
                + " (required: " + registry.required() + "); cache " + caches.health()
                + "; feature store " + routedStore.map(FeatureStore::health).orElse("disabled")
                + "; vault " + (secrets.enabled() ? "enabled" : "disabled"));
        return new Appliance(server, registry, caches, store, secrets);
    }

    private static String version() {
        return Optional.ofNullable(Main.class.getPackage().getImplementationVersion()).orElse("dev");
    }

    /** The running service: the server and what it serves. Closing stops both. */
    record Appliance(WebServer server, ModelRegistry registry, Caches caches, Optional<FeatureStore> store,
                     Secrets secrets) implements AutoCloseable {
        @Override
        public void close() {
            server.stop();
            registry.close();
            caches.close();
            store.ifPresent(FeatureStore::close);
            // Last: closing revokes the token and the CQL lease, which the store used until now.
            secrets.close();
        }
    }
}
