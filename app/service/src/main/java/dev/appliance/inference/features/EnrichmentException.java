package dev.appliance.inference.features;

/** A feature the model needs is missing or stale and its manifest declares no default: a 422. */
public final class EnrichmentException extends Exception {

    EnrichmentException(String message) {
        super(message);
    }
}
