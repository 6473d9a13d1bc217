package dev.appliance.inference.features;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.logging.Level;
import java.util.logging.Logger;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.NoNodeAvailableException;
import com.datastax.oss.driver.api.core.auth.AuthenticationException;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.metadata.NodeState;
import dev.appliance.inference.lifecycle.Backoff;
import dev.appliance.inference.lifecycle.Holder;
import dev.appliance.inference.lifecycle.Scheduler;
import dev.appliance.inference.lifecycle.Upkeep;
import io.helidon.metrics.api.MeterRegistry;

/**
 * The feature store over CQL (ScyllaDB in production, any Cassandra-compatible server in tests):
 * prepared statements, a timeout on every request, queries routed to the local data centre. The
 * service starts even when the store is down; a background loop keeps trying to connect, and requests
 * meanwhile fail fast with {@link FeatureStoreUnavailableException}. New credentials get a new session
 * that is swapped in atomically; the old one closes after its requests finish.
 */
public final class FeatureStore implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(FeatureStore.class.getName());
    private static final Duration DRAIN_GRACE = Duration.ofSeconds(10);
    private static final Backoff RECONNECT = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));

    private final FeatureStoreSettings settings;
    private final StoreMetrics metrics;
    private final Holder<StoreConnection> connections;
    private final Upkeep reconnect;
    private volatile CqlCredentials credentials;
    private volatile String problem = "not connected yet";

    /** Creates the store; call {@link #start(CqlCredentials)} to connect. Reconnects run on {@code scheduler}. */
    public FeatureStore(FeatureStoreSettings settings, MeterRegistry registry, Scheduler scheduler) {
        this.settings = settings;
        this.connections = new Holder<>("the CQL session", StoreConnection::close, DRAIN_GRACE, scheduler);
        this.reconnect = new Upkeep("the feature store connection", RECONNECT, scheduler, problem);
        this.metrics = new StoreMetrics(registry, () -> connections.peek().map(StoreConnection::session));
    }

    /** Connects now if the store answers, otherwise keeps trying in the background. */
    public void start(CqlCredentials login) {
        this.credentials = login;
        try {
            connections.swap(open(login));
            LOG.info(() -> "feature store connected as '" + login.username() + "' to " + settings.contactPoints());
        } catch (DriverException e) {
            problem = describe(e, login);
            LOG.warning(() -> "feature store not reachable at start: " + problem + "; retrying in the background");
            reconnect.retry(this::reconnect, problem);
        }
    }

    /**
     * Switches to new credentials: a new session with its statements prepared is swapped in, and the old
     * one closes after its requests in flight finish. Returns once it has (within the grace period), so
     * the caller may then revoke the old login without failing a request still using it.
     *
     * @throws FeatureStoreUnavailableException the new login does not work; the old session stays in use
     */
    public void rotate(CqlCredentials login) throws FeatureStoreUnavailableException {
        StoreConnection fresh;
        try {
            fresh = open(login);
        } catch (DriverException e) {
            throw new FeatureStoreUnavailableException("new credentials do not work: " + describe(e, login), e);
        }
        credentials = login;
        Optional<Holder.Held<StoreConnection>> old = connections.swap(fresh);
        LOG.info(() -> "audit: feature store session switched to user '" + login.username() + "'");
        try {
            if (old.isPresent() && !old.get().awaitClosed(DRAIN_GRACE.plusSeconds(1))) {
                LOG.warning("the replaced feature store session did not close within its grace period");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The entity's stored values and its most recent events, read in parallel. */
    public EntityData read(String entityType, String entityId) throws FeatureStoreUnavailableException {
        return call("read", c -> {
            CompletionStage<AsyncResultSet> features = c.session().executeAsync(c.readFeatures()
                    .bind(entityType, entityId).setTimeout(settings.requestTimeout())
                    .setConsistencyLevel(ConsistencyLevel.LOCAL_ONE));
            CompletionStage<AsyncResultSet> events = c.session().executeAsync(c.readEvents()
                    .bind(entityType, entityId, settings.historyLimit()).setTimeout(settings.requestTimeout())
                    .setConsistencyLevel(ConsistencyLevel.LOCAL_ONE));
            Map<String, EntityData.StoredValue> stored = new LinkedHashMap<>();
            for (Row row : all(features)) {
                stored.put(row.getString("feature"),
                        new EntityData.StoredValue(row.getDouble("value"), row.getInstant("updated_at")));
            }
            List<EntityData.Event> history = new ArrayList<>();
            for (Row row : all(events)) {
                history.add(new EntityData.Event(row.getInstant("occurred_at"), row.getDouble("amount")));
            }
            return new EntityData(stored, history);
        });
    }

    /** Writes feature values of one entity with one update time. */
    public void upsert(String entityType, String entityId, Map<String, Double> values, Instant updatedAt)
            throws FeatureStoreUnavailableException {
        call("upsert", c -> {
            BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.UNLOGGED);
            values.forEach((feature, value) -> batch.addStatement(
                    c.upsertFeature().bind(entityType, entityId, feature, value, updatedAt)));
            c.session().execute(batch.setTimeout(settings.requestTimeout())
                    .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM).build());
            return null;
        });
    }

    /** Appends history events of one entity. */
    public void append(String entityType, String entityId, List<NewEvent> events)
            throws FeatureStoreUnavailableException {
        call("append", c -> {
            BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.UNLOGGED);
            for (NewEvent e : events) {
                batch.addStatement(c.insertEvent().bind(entityType, entityId, e.occurredAt(),
                        FeatureWrite.eventId(entityType, entityId, e), e.amount(), e.merchantCategory()));
            }
            c.session().execute(batch.setTimeout(settings.requestTimeout())
                    .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM).build());
            return null;
        });
    }

    /** Whether a session is open and at least one node is up. */
    public boolean available() {
        return connections.peek().map(c -> c.session().getMetadata().getNodes().values().stream()
                .anyMatch(n -> n.getState() == NodeState.UP)).orElse(false);
    }

    /** For health details: "available" or what is wrong. */
    public String health() {
        return available() ? "available" : problem;
    }

    /** Whether readiness must fail while the store is unavailable. */
    public boolean required() {
        return settings.required();
    }

    private interface Operation<T> {
        T run(StoreConnection connection);
    }

    private <T> T call(String operation, Operation<T> op) throws FeatureStoreUnavailableException {
        Holder.Held<StoreConnection> connection = connections.acquire().orElseThrow(() ->
                new FeatureStoreUnavailableException("feature store unavailable: " + problem, null));
        long start = System.nanoTime();
        try {
            T result = op.run(connection.get());
            metrics.operation(operation, "ok", Duration.ofNanos(System.nanoTime() - start));
            return result;
        } catch (DriverException | CompletionException e) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            metrics.operation(operation, "error", Duration.ofNanos(System.nanoTime() - start));
            problem = describe(cause, credentials);
            throw new FeatureStoreUnavailableException("feature store " + operation + " failed: " + problem, cause);
        } finally {
            connection.release();
        }
    }

    private static Iterable<Row> all(CompletionStage<AsyncResultSet> stage) {
        AsyncResultSet page = stage.toCompletableFuture().join();
        List<Row> rows = new ArrayList<>();
        while (true) {
            page.currentPage().forEach(rows::add);
            if (!page.hasMorePages()) {
                return rows;
            }
            page = page.fetchNextPage().toCompletableFuture().join();
        }
    }

    private StoreConnection open(CqlCredentials login) {
        DriverConfigLoader config = DriverConfigLoader.programmaticBuilder()
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, settings.requestTimeout())
                .withDuration(DefaultDriverOption.CONNECTION_CONNECT_TIMEOUT, Duration.ofSeconds(2))
                .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(2))
                .withDuration(DefaultDriverOption.RECONNECTION_MAX_DELAY, Duration.ofSeconds(5))
                .withStringList(DefaultDriverOption.METRICS_SESSION_ENABLED,
                        List.of("connected-nodes", "cql-requests", "cql-client-timeouts"))
                .build();
        List<InetSocketAddress> points = settings.contactPoints().stream()
                .map(p -> new InetSocketAddress(p.getHostString(), p.getPort())).toList();
        CqlSession session = CqlSession.builder()
                .addContactPoints(points)
                .withLocalDatacenter(settings.localDatacenter())
                .withAuthCredentials(login.username(), login.password())
                .withConfigLoader(config)
                .build();
        try {
            return new StoreConnection(session, settings.keyspace());
        } catch (RuntimeException e) {
            session.closeAsync();
            throw e;
        }
    }

    private void reconnect() {
        if (connections.peek().isPresent()) {
            return;
        }
        CqlCredentials login = credentials;
        try {
            connections.swap(open(login));
            reconnect.succeeded();
            LOG.info(() -> "feature store connected as '" + login.username() + "'");
        } catch (DriverException e) {
            problem = describe(e, login);
            LOG.log(Level.FINE, "feature store still unreachable: " + problem);
            reconnect.retry(this::reconnect, problem);
        }
    }

    /** A one-line reason an operator can act on; never includes the password. */
    static String describe(Throwable e, CqlCredentials login) {
        if (e instanceof AllNodesFailedException all) {
            boolean auth = all.getAllErrors().values().stream().flatMap(List::stream)
                    .anyMatch(t -> t instanceof AuthenticationException);
            if (auth) {
                return "authentication failed for user '" + (login == null ? "?" : login.username()) + "'";
            }
            return "no node reachable (" + all.getAllErrors().keySet().size() + " tried)";
        }
        if (e instanceof NoNodeAvailableException) {
            return "no node available";
        }
        if (e instanceof DriverTimeoutException) {
            return "timed out: " + e.getMessage();
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    @Override
    public void close() {
        reconnect.close();
        connections.close();
    }
}
