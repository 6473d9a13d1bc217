package dev.appliance.inference.features;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.NoNodeAvailableException;
import com.datastax.oss.driver.api.core.auth.AuthenticationException;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.metadata.NodeState;
import com.datastax.oss.driver.api.core.servererrors.UnauthorizedException;
import dev.appliance.inference.lifecycle.Holder;
import dev.appliance.inference.lifecycle.Scheduler;
import io.helidon.metrics.api.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The feature store over CQL (ScyllaDB in production, any Cassandra-compatible server in tests):
 * prepared statements, a timeout on every request, queries routed to the local data centre. The
 * service starts even when the store is down; a background loop keeps trying to connect, and requests
 * meanwhile fail fast with {@link FeatureStoreUnavailableException}. New credentials get a new session
 * that is swapped in atomically; the old one closes after its requests finish.
 */
public final class FeatureStore implements AutoCloseable {

    private final FeatureStoreSettings settings;
    private final StoreMetrics metrics;
    private final Scheduler scheduler;
    private final Sessions reader;
    private volatile Optional<Sessions> writer = Optional.empty();

    /** Creates the store; call {@link #start(CqlCredentials)} to connect. Reconnects run on {@code scheduler}. */
    public FeatureStore(FeatureStoreSettings settings, MeterRegistry registry, Scheduler scheduler) {
        this.settings = settings;
        this.scheduler = scheduler;
        this.reader = new Sessions("feature store", settings, scheduler);
        this.metrics = new StoreMetrics(registry, () -> reader.peek().map(StoreConnection::session));
    }

    /** Connects now if the store answers, otherwise keeps trying in the background. */
    public void start(CqlCredentials login) {
        reader.start(login);
    }

    /**
     * Gives writes ({@link #upsert}, {@link #append}) a login of their own, such as Vault's writer role, so that
     * the reader's login can stay read-only. Without it, writes use the reader's login.
     */
    public void startWriter(CqlCredentials login) {
        Sessions sessions = new Sessions("feature store writer", settings, scheduler);
        sessions.start(login);
        writer = Optional.of(sessions);
    }

    /**
     * Switches to new credentials: a new session with its statements prepared is swapped in, and the old
     * one closes after its requests in flight finish. Returns once it has (within the grace period), so
     * the caller may then revoke the old login without failing a request still using it.
     *
     * @throws FeatureStoreUnavailableException the new login does not work; the old session stays in use
     */
    public void rotate(CqlCredentials login) throws FeatureStoreUnavailableException {
        reader.rotate(login);
    }

    /** Like {@link #rotate}, for the login of writes given to {@link #startWriter}. */
    public void rotateWriter(CqlCredentials login) throws FeatureStoreUnavailableException {
        writer.orElseThrow(() -> new IllegalStateException("no writer login was started"))
                .rotate(login);
    }

    /** The entity's stored values and its most recent events, read in parallel. */
    public EntityData read(String entityType, String entityId) throws FeatureStoreUnavailableException {
        return call("read", reader, c -> {
            CompletionStage<AsyncResultSet> features = c.session()
                    .executeAsync(c.readFeatures()
                            .bind(entityType, entityId)
                            .setTimeout(settings.requestTimeout())
                            .setConsistencyLevel(ConsistencyLevel.LOCAL_ONE));
            CompletionStage<AsyncResultSet> events = c.session()
                    .executeAsync(c.readEvents()
                            .bind(entityType, entityId, settings.historyLimit())
                            .setTimeout(settings.requestTimeout())
                            .setConsistencyLevel(ConsistencyLevel.LOCAL_ONE));
            Map<String, EntityData.StoredValue> stored = new LinkedHashMap<>();
            for (Row row : all(features)) {
                stored.put(
                        row.getString("feature"),
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
        call("upsert", writes(), c -> {
            BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.UNLOGGED);
            values.forEach((feature, value) ->
                    batch.addStatement(c.upsertFeature().bind(entityType, entityId, feature, value, updatedAt)));
            c.session()
                    .execute(batch.setTimeout(settings.requestTimeout())
                            .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)
                            .build());
            return null;
        });
    }

    /** Appends history events of one entity. */
    public void append(String entityType, String entityId, List<NewEvent> events)
            throws FeatureStoreUnavailableException {
        call("append", writes(), c -> {
            BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.UNLOGGED);
            for (NewEvent e : events) {
                batch.addStatement(c.insertEvent()
                        .bind(
                                entityType,
                                entityId,
                                e.occurredAt(),
                                FeatureWrite.eventId(entityType, entityId, e),
                                e.amount(),
                                e.merchantCategory()));
            }
            c.session()
                    .execute(batch.setTimeout(settings.requestTimeout())
                            .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)
                            .build());
            return null;
        });
    }

    /** Whether a session is open and at least one node is up. */
    public boolean available() {
        return reader.peek()
                .map(c -> c.session().getMetadata().getNodes().values().stream()
                        .anyMatch(n -> n.getState() == NodeState.UP))
                .orElse(false);
    }

    /** For health details: "available" or what is wrong. */
    public String health() {
        return available() ? "available" : reader.problem();
    }

    /** Whether readiness must fail while the store is unavailable. */
    public boolean required() {
        return settings.required();
    }

    private interface Operation<T> {
        T run(StoreConnection connection);
    }

    private Sessions writes() {
        return writer.orElse(reader);
    }

    private <T> T call(String operation, Sessions sessions, Operation<T> op) throws FeatureStoreUnavailableException {
        Holder.Held<StoreConnection> connection = sessions.acquire()
                .orElseThrow(() ->
                        new FeatureStoreUnavailableException("feature store unavailable: " + sessions.problem(), null));
        long start = System.nanoTime();
        try {
            T result = op.run(connection.get());
            metrics.operation(operation, "ok", Duration.ofNanos(System.nanoTime() - start));
            return result;
        } catch (DriverException | CompletionException e) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            metrics.operation(operation, "error", Duration.ofNanos(System.nanoTime() - start));
            String problem = describe(cause, sessions.credentials());
            if (cause instanceof UnauthorizedException) {
                throw new FeatureStoreUnavailableException(
                        "the feature store refused the " + operation + " of user '"
                                + sessions.credentials().username() + "': " + cause.getMessage(),
                        cause,
                        true);
            }
            sessions.failed(problem);
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

    /** A one-line reason an operator can act on; never includes the password. */
    static String describe(Throwable e, CqlCredentials login) {
        if (e instanceof AllNodesFailedException all) {
            boolean auth = all.getAllErrors().values().stream()
                    .flatMap(List::stream)
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
        writer.ifPresent(Sessions::close);
        reader.close();
    }
}
