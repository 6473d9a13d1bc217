package dev.appliance.inference.config;

/**
 * A setting the service cannot start with: the message names the key, what it must be and what it got.
 * {@code Main} reports exactly these as configuration errors (exit code 2); any other exception at start
 * is a failure to start, whatever its type.
 */
public final class ConfigurationException extends IllegalArgumentException {

    /** A configuration error with the operator-facing message. */
    public ConfigurationException(String message) {
        super(message);
    }

    /** A configuration error with the operator-facing message and the failure behind it. */
    public ConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
