package dev.appliance.inference;

import dev.appliance.inference.admission.Drain;
import dev.appliance.inference.admission.RequestSettings;
import dev.appliance.inference.api.Api;
import dev.appliance.inference.api.ModelControlSettings;
import dev.appliance.inference.cache.CacheSettings;
import dev.appliance.inference.cache.Caches;
import dev.appliance.inference.cache.MemcachedCredentials;
import dev.appliance.inference.config.ConfigurationException;
import dev.appliance.inference.config.Settings;
import dev.appliance.inference.features.CqlCredentials;
import dev.appliance.inference.features.Enricher;
import dev.appliance.inference.features.FeatureCache;
import dev.appliance.inference.features.FeatureStore;
import dev.appliance.inference.features.FeatureStoreSettings;
import dev.appliance.inference.features.LoadFeaturesCommand;
import dev.appliance.inference.features.StaleIfError;
import dev.appliance.inference.grpc.GrpcServer;
import dev.appliance.inference.grpc.GrpcSettings;
import dev.appliance.inference.lifecycle.Scheduler;
import dev.appliance.inference.model.ModelRegistry;
import dev.appliance.inference.model.ModelSettings;
import dev.appliance.inference.model.Steering;
import dev.appliance.inference.observe.JsonFormatter;
import dev.appliance.inference.observe.ModelAudit;
import dev.appliance.inference.observe.ReadinessCheck;
import dev.appliance.inference.observe.ReadinessMetrics;
import dev.appliance.inference.observe.RequestIdFilter;
import dev.appliance.inference.observe.ServiceMetrics;
import dev.appliance.inference.secrets.Login;
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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The only wiring point: reads configuration, builds the components and starts the server. With a
 * sub-command as first argument it runs that tool instead ({@code load-features}).
 */
public final class Main {

    /** Environment variable naming an operator's YAML file layered over the built-in defaults. */
    static final String CONFIG_FILE_ENV = "INFERENCE_CONFIG_FILE";

    private static final Logger LOG = Logger.getLogger(Main.class.getName());

    private Main() {}

    /**
     * Starts the service, or runs a sub-command.
     *
     * @param args none to serve; {@code load-features FILE [--from-line N]} to load features into the store
     */
    public static void main(String[] args) {
        LogConfig.configureRuntime();
        JsonFormatter.applyConfigured();
        if (args.length > 0) {
            System.exit(command(args));
        }
        Appliance appliance;
        try {
            appliance = start(config(operatorFile()));
        } catch (ConfigurationException e) {
            System.err.println("configuration error: " + e.getMessage());
            System.exit(2);
            return;
        } catch (RuntimeException e) {
            System.err.println("cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        // SIGTERM (systemctl stop/restart) drains before it closes; Helidon's own hook is off so it cannot race us.
        Runtime.getRuntime().addShutdownHook(new Thread(appliance::stop, "shutdown"));
    }

    private static int command(String[] args) {
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "load-features" -> LoadFeaturesCommand.run(rest, () -> config(operatorFile()));
            default -> {
                System.err.println(
                        "unknown command '" + args[0] + "'; commands: load-features" + " (or no argument to serve)");
                yield 2;
            }
        };
    }

    private static Optional<Path> operatorFile() {
        return Optional.ofNullable(System.getenv(CONFIG_FILE_ENV)).map(Path::of);
    }

    /** Environment variables, then system properties, then the operator's file if any, then built-in defaults. */
    static Config config(Optional<Path> operatorFile) {
        Config.Builder builder = Config.builder()
                .disableSystemPropertiesSource()
                .disableEnvironmentVariablesSource()
                .addSource(ConfigSources.environmentVariables())
                .addSource(ConfigSources.systemProperties());
        operatorFile.ifPresent(file -> {
            if (!Files.isRegularFile(file)) {
                throw new ConfigurationException(CONFIG_FILE_ENV + " names " + file + ", which is not a file");
            }
            builder.addSource(ConfigSources.file(file));
        });
        return builder.addSource(ConfigSources.classpath("application.yaml")).build();
    }

    /**
     * Builds every component from configuration and starts serving. Settings errors throw before any
     * component starts; a start that fails later closes, in reverse order, what it had already started.
     */
    static Appliance start(Config config) {
        // Renewals, polls, reconnects and forced closes of replaced resources.
        return start(config, Clock.systemUTC(), Scheduler.threads("upkeep", 4));
    }

    /**
     * Like {@link #start(Config)} with the given clock and the scheduler of all timed work (tests pass a
     * manual one and advance it). The scheduler is closed with the rest, last.
     */
    static Appliance start(Config config, Clock clock, Scheduler scheduler) {
        Started started = new Started();
        started.add(scheduler);
        try {
            return wire(config, clock, scheduler, started);
        } catch (RuntimeException e) {
            started.close();
            throw e;
        }
    }

    private static Appliance wire(Config config, Clock clock, Scheduler scheduler, Started started) {
        ModelSettings modelSettings = ModelSettings.from(config.get("models"));
        CacheSettings cacheSettings = CacheSettings.from(config.get("cache"));
        FeatureStoreSettings featureSettings = FeatureStoreSettings.from(config.get("features"));
        VaultSettings vaultSettings = VaultSettings.from(config.get("vault"));
        if (!featureSettings.enabled() || featureSettings.ingestToken().isEmpty()) {
            vaultSettings = vaultSettings.withoutWriterRole(); // no write API: no writer lease to hold
        }
        GrpcSettings grpcSettings = GrpcSettings.from(config.get("grpc"));
        RequestSettings requestSettings = RequestSettings.from(config.get("requests"));
        ModelControlSettings modelControl = ModelControlSettings.from(config.get("model-control"));
        Steering steering = Steering.from(config.get("models.steering"), modelSettings.labels());
        MeterRegistry meters = Metrics.globalRegistry();
        ServiceMetrics metrics = new ServiceMetrics(meters);
        // Vault first: with it enabled, the cache and the store log in with what it hands out.
        Secrets secrets = started.add(Secrets.start(vaultSettings, meters, clock, scheduler));
        Caches caches;
        try {
            caches = started.add(Caches.create(
                    cacheSettings.withCredentials(
                            secrets.memcachedCredentials().map(Main::memcached).or(cacheSettings::credentials)),
                    meters,
                    scheduler));
        } catch (IOException e) {
            throw new ConfigurationException("cache.servers cannot be used: " + e.getMessage(), e);
        }
        secrets.onMemcachedCredentials(login -> caches.rotate(memcached(login)));
        Optional<FeatureStore> store = Optional.empty();
        if (featureSettings.enabled()) {
            CqlCredentials login = secrets.cqlCredentials()
                    .map(Main::cql)
                    .or(featureSettings::credentials)
                    .orElseThrow(() -> new ConfigurationException("features.username and features.password (or"
                            + " vault.database.role) are required when features.enabled is true"));
            FeatureStore featureStore = started.add(new FeatureStore(featureSettings, meters, scheduler));
            featureStore.start(login);
            secrets.onCqlCredentials(fresh -> featureStore.rotate(cql(fresh)));
            secrets.writerCredentials().map(Main::cql).ifPresent(featureStore::startWriter);
            secrets.onWriterCredentials(fresh -> featureStore.rotateWriter(cql(fresh)));
            store = Optional.of(featureStore);
        }
        FeatureCache featureCache = caches.features().map(FeatureCache::new).orElseGet(FeatureCache::disabled);
        StaleIfError stale = StaleIfError.from(config.get("features.stale-if-error"));
        stale.registerMeters(meters);
        Enricher enricher = new Enricher(
                store,
                featureCache,
                stale,
                clock,
                Settings.intInRange(config.get("features.lookup-parallelism"), 8, 1, 256));
        ModelRegistry registry = started.add(new ModelRegistry(modelSettings, new ModelAudit(metrics), scheduler));
        Drain drain = new Drain(requestSettings.drainPeriod(), requestSettings.drainTimeout());
        List<HealthCheck> readiness = new ArrayList<>(List.of(
                ReadinessCheck.models(registry), ReadinessCheck.cache(caches), ReadinessCheck.secrets(secrets)));
        store.ifPresent(s -> readiness.add(ReadinessCheck.featureStore(s)));
        readiness.add(drain.readiness());
        HealthObserverConfig.Builder health =
                HealthObserver.builder().details(true).addHealthChecks(readiness);
        ReadinessMetrics.register(meters, readiness);
        Api api = new Api(
                registry,
                store,
                featureCache,
                featureSettings.ingestToken(),
                enricher,
                caches.results(),
                metrics,
                modelSettings.maxRows(),
                version(),
                steering,
                modelControl,
                clock,
                requestSettings.defaultTimeout(),
                drain::draining);
        WebServer server = WebServer.builder()
                .config(config.get("server"))
                .shutdownHook(false)
                .addFeature(ObserveFeature.builder()
                        .addObserver(health.build())
                        .addObserver(MetricsObserver.create())
                        .build())
                .routing(routing -> api.register(routing.addFilter(drain).addFilter(new RequestIdFilter())))
                .build();
        registry.start();
        server.start();
        started.add(server::stop);
        Optional<GrpcServer> grpc = grpcSettings.enabled()
                ? Optional.of(started.add(GrpcServer.start(grpcSettings, api.grpcServices())))
                : Optional.empty();
        Optional<FeatureStore> served = store;
        LOG.info(() -> "serving on port " + server.port()
                + grpc.map(g -> ", gRPC on port " + g.port()).orElse("") + "; models from " + modelSettings.root()
                + " (required: " + registry.required() + "); cache " + caches.health()
                + "; feature store " + served.map(FeatureStore::health).orElse("disabled")
                + "; vault " + (secrets.enabled() ? "enabled" : "disabled"));
        return new Appliance(server, registry, caches, drain, started);
    }

    private static MemcachedCredentials memcached(Login login) {
        return new MemcachedCredentials(login.username(), login.password());
    }

    private static CqlCredentials cql(Login login) {
        return new CqlCredentials(login.username(), login.password());
    }

    private static String version() {
        return Optional.ofNullable(Main.class.getPackage().getImplementationVersion())
                .orElse("dev");
    }

    /**
     * What a start has brought up so far, closed in reverse order: the server first, then the models, the
     * feature store and the caches, then the secrets (closing them revokes the token and the CQL lease the
     * store used until then), and the scheduler last.
     */
    private static final class Started implements AutoCloseable {
        private final Deque<AutoCloseable> opened = new ArrayDeque<>();

        <T extends AutoCloseable> T add(T component) {
            opened.push(component);
            return component;
        }

        @Override
        public void close() {
            while (!opened.isEmpty()) {
                try {
                    opened.pop().close();
                } catch (Exception e) {
                    LOG.log(Level.WARNING, "closing a component failed; closing the rest", e);
                }
            }
        }
    }

    /** The running service: the server and what it serves. Closing stops all of it at once; {@link #stop} drains first. */
    record Appliance(WebServer server, ModelRegistry registry, Caches caches, Drain drain, AutoCloseable components)
            implements AutoCloseable {

        /** A graceful stop (SIGTERM): readiness DOWN, answer through the drain period and in-flight work, then close. */
        void stop() {
            drain.run();
            close();
        }

        @Override
        public void close() {
            try {
                components.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "shutdown failed", e);
            }
        }
    }
}
