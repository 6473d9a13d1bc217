package dev.appliance.inference.admission;

import java.time.Duration;

/**
 * More work arrived than a model version can take: its queue is full, or a call waited the longest it may.
 * Refused at once so the caller can retry elsewhere or later: a 503 with {@code Retry-After}.
 */
public final class OverloadedException extends Exception {

    private final Duration retryAfter;

    /**
     * @param message    what is overloaded, naming the model and version
     * @param retryAfter when a retry is worth trying
     */
    public OverloadedException(String message, Duration retryAfter) {
        super(message, null, false, false);
        this.retryAfter = retryAfter;
    }

    /** When a retry is worth trying. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
