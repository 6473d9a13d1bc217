package dev.appliance.inference.features;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;

/**
 * One CQL session with its prepared statements. Requests hold it while they run; once retired (after a
 * credential rotation) it closes when the last of them finishes, or after a grace period at the latest.
 */
final class StoreConnection {

    private final CqlSession session;
    private final PreparedStatement readFeatures;
    private final PreparedStatement readEvents;
    private final PreparedStatement upsertFeature;
    private final PreparedStatement insertEvent;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean retired;

    StoreConnection(CqlSession session, String keyspace) {
        this.session = session;
        this.readFeatures = session.prepare("SELECT feature, value, updated_at FROM " + keyspace
                + ".entity_features WHERE entity_type = ? AND entity_id = ?");
        this.readEvents = session.prepare("SELECT occurred_at, amount FROM " + keyspace
                + ".entity_events WHERE entity_type = ? AND entity_id = ? LIMIT ?");
        this.upsertFeature = session.prepare("INSERT INTO " + keyspace
                + ".entity_features (entity_type, entity_id, feature, value, updated_at) VALUES (?, ?, ?, ?, ?)");
        this.insertEvent = session.prepare("INSERT INTO " + keyspace
                + ".entity_events (entity_type, entity_id, occurred_at, event_id, amount, merchant_category)"
                + " VALUES (?, ?, ?, ?, ?, ?)");
    }

    CqlSession session() {
        return session;
    }

    PreparedStatement readFeatures() {
        return readFeatures;
    }

    PreparedStatement readEvents() {
        return readEvents;
    }

    PreparedStatement upsertFeature() {
        return upsertFeature;
    }

    PreparedStatement insertEvent() {
        return insertEvent;
    }

    boolean tryAcquire() {
        inFlight.incrementAndGet();
        if (retired) {
            release();
            return false;
        }
        return true;
    }

    void release() {
        if (inFlight.decrementAndGet() == 0 && retired) {
            close();
        }
    }

    /** Takes no new requests; closes when the ones in flight are done, or after {@code grace} regardless. */
    void retire(Duration grace) {
        retired = true;
        if (inFlight.get() == 0) {
            close();
            return;
        }
        Thread.ofVirtual().name("cql-session-drain").start(() -> {
            try {
                Thread.sleep(grace);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            close();
        });
    }

    boolean isClosed() {
        return closed.get();
    }

    void close() {
        if (closed.compareAndSet(false, true)) {
            session.closeAsync();
        }
    }
}
