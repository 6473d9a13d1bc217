package dev.appliance.inference.features;

import java.time.Duration;
import java.util.Optional;

/**
 * How one enriched feature of one request row was filled.
 *
 * @param status      present, missing, stale or unavailable
 * @param usedDefault whether the manifest's default was used instead of a looked-up value
 * @param copyAge     set when the store could not answer and the value came from the service's last copy of
 *                    the entity (stale-if-error, status STALE): how long ago that copy was read
 */
public record FeatureReport(FeatureStatus status, boolean usedDefault, Optional<Duration> copyAge) {

    /** A report of a value read now, or of a default. */
    public FeatureReport(FeatureStatus status, boolean usedDefault) {
        this(status, usedDefault, Optional.empty());
    }
}
