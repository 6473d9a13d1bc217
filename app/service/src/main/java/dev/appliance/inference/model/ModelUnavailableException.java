package dev.appliance.inference.model;

/** The model exists but cannot answer now (nothing loaded yet, all predictors busy, engine failure): a 503. */
public final class ModelUnavailableException extends Exception {

    ModelUnavailableException(String message) {
        super(message);
    }

    ModelUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
