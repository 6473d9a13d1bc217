package dev.appliance.inference.cache;

/** A cache operation that failed, with the reason used as the {@code reason} tag of the error metric. */
final class CacheException extends RuntimeException {

    /** Why a cache operation failed. */
    enum Reason {
        TIMEOUT,
        CONNECTION,
        AUTH,
        SERIALIZATION,
        TOO_LARGE;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Reason reason;

    CacheException(Reason reason, String message, Throwable cause) {
        super(message, cause, false, false);
        this.reason = reason;
    }

    Reason reason() {
        return reason;
    }
}
