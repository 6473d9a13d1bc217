package dev.appliance.inference.features;

/**
 * How one enriched feature of one request row was filled.
 *
 * @param status      present, missing, stale or unavailable
 * @param usedDefault whether the manifest's default was used instead of a looked-up value
 */
public record FeatureReport(FeatureStatus status, boolean usedDefault) {
}
