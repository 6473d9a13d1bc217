package dev.appliance.inference.features;

/** Where an enriched feature's value came from, reported per feature in the response. */
public enum FeatureStatus {
    /** Found in the store (or computed from history) and fresh enough. */
    PRESENT,
    /** The store has no value (or no history) for the entity. */
    MISSING,
    /** The stored value or the newest event used is older than the feature's max age. */
    STALE,
    /** The store could not be asked. */
    UNAVAILABLE
}
