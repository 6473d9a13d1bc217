package dev.appliance.inference.features;

/** The feature store cannot answer now (down, unreachable, timed out, login refused). */
public final class FeatureStoreUnavailableException extends Exception {

    FeatureStoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
