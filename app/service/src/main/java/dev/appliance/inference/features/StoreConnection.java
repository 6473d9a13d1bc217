package dev.appliance.inference.features;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;

/**
 * One CQL session with its prepared statements. The feature store keeps the current one in a
 * {@link dev.appliance.inference.lifecycle.Holder}, which closes it once a rotation replaced it and its
 * requests finished.
 */
final class StoreConnection {

    private final CqlSession session;
    private final PreparedStatement readFeatures;
    private final PreparedStatement readEvents;
    private final PreparedStatement upsertFeature;
    private final PreparedStatement insertEvent;

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

    void close() {
        session.closeAsync();
    }
}
