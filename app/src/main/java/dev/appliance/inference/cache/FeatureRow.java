package dev.appliance.inference.cache;

import java.time.Instant;
import java.util.Map;

/**
 * One entity's stored feature values and when they were last updated.
 *
 * @param updatedAt when the row was written to the feature store
 * @param values    feature name to value
 */
public record FeatureRow(Instant updatedAt, Map<String, Double> values) {

    /** Copies the map so the row is immutable. */
    public FeatureRow {
        values = Map.copyOf(values);
    }
}
