package dev.appliance.inference.model;

import java.util.Locale;

/** A model version that must not be served, with the reason an operator needs to fix it. */
public final class ModelRejectedException extends Exception {

    /** Why a version was refused; also the {@code reason} tag of the load-failure metric. */
    public enum Reason {
        /** manifest.json missing, malformed or inconsistent with its folder. */
        MANIFEST,
        /** a file is missing, unlisted, or its SHA-256 differs from the manifest. */
        INTEGRITY,
        /** signature missing or not made by the configured key. */
        SIGNATURE,
        /** the engine could not load the SavedModel or its signature does not match the manifest. */
        LOAD,
        /** the warm-up inference failed. */
        WARMUP;

        /** Lowercase tag value. */
        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Reason reason;

    ModelRejectedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    ModelRejectedException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** Why the version was refused. */
    public Reason reason() {
        return reason;
    }
}
