package dev.appliance.bench;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * The feature-fetch limit: the CQL driver alone doing the service's read of one entity (its stored
 * values and most recent events, two prepared reads in parallel, LOCAL_ONE), from several threads.
 * Options: {@code --contact-point HOST:PORT --keyspace KS --entity-type T --entity-ids ID1,ID2
 * --threads N --warmup S --seconds S}; the login from FEATURES_USERNAME and FEATURES_PASSWORD.
 */
final class DriverRead {

    private static final int HISTORY_LIMIT = 200;

    private DriverRead() {}

    static void run(Args args) throws Exception {
        String[] hostPort = args.string("contact-point").split(":");
        String keyspace = args.string("keyspace");
        String entityType = args.string("entity-type");
        String[] ids = args.string("entity-ids").split(",");
        try (CqlSession session = CqlSession.builder()
                .addContactPoint(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])))
                .withLocalDatacenter("datacenter1")
                .withAuthCredentials(System.getenv("FEATURES_USERNAME"), System.getenv("FEATURES_PASSWORD"))
                .build()) {
            PreparedStatement features = session.prepare("SELECT feature, value, updated_at FROM " + keyspace
                    + ".entity_features WHERE entity_type = ? AND entity_id = ?");
            PreparedStatement events = session.prepare("SELECT occurred_at, amount FROM " + keyspace
                    + ".entity_events WHERE entity_type = ? AND entity_id = ? LIMIT ?");
            Duration timeout = Duration.ofMillis(500);
            Latencies.Operation read = (thread, counter) -> {
                String id = ids[(int) (counter % ids.length)];
                CompletionStage<AsyncResultSet> a = session.executeAsync(features.bind(entityType, id)
                        .setTimeout(timeout)
                        .setConsistencyLevel(ConsistencyLevel.LOCAL_ONE));
                CompletionStage<AsyncResultSet> b = session.executeAsync(events.bind(entityType, id, HISTORY_LIMIT)
                        .setTimeout(timeout)
                        .setConsistencyLevel(ConsistencyLevel.LOCAL_ONE));
                if (a.toCompletableFuture().join().one() == null
                        || b.toCompletableFuture().join().one() == null) {
                    throw new IllegalStateException("entity " + id + " has no features or events");
                }
            };
            int threads = args.integer("threads", 32);
            Latencies.measure(threads, args.decimal("warmup", 2), read);
            System.out.println(Latencies.measure(threads, args.decimal("seconds", 10), read)
                    .json());
        }
    }
}
