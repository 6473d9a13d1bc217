package dev.appliance.inference.api;

import dev.appliance.inference.admission.DeadlineExceededException;
import dev.appliance.inference.admission.OverloadedException;
import dev.appliance.inference.features.EnrichmentException;
import dev.appliance.inference.features.FeatureStoreUnavailableException;
import dev.appliance.inference.model.ModelNotFoundException;
import dev.appliance.inference.model.ModelUnavailableException;
import java.time.Duration;

/**
 * Every way the API answers a request other than with success. The set is closed, so the one place that
 * turns a failure into an answer ({@link Endpoints#failure}) is a switch the compiler checks for
 * exhaustiveness: a new kind of failure cannot silently become a 500. HTTP and gRPC share it. The layers
 * below the API keep their own exceptions; the {@code of} methods translate them where the API calls them.
 */
abstract sealed class RequestFailure extends Exception
        permits ApiException,
                RequestFailure.Unavailable,
                RequestFailure.FeatureMissing,
                RequestFailure.Overloaded,
                RequestFailure.DeadlineExceeded {

    RequestFailure(String message, Throwable cause) {
        super(message, cause, false, false);
    }

    /** A dependency cannot answer now (model not loaded, engine failure, feature store down): 503. */
    static final class Unavailable extends RequestFailure {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A feature the model needs is missing or stale and has no default: 422. */
    static final class FeatureMissing extends RequestFailure {
        FeatureMissing(String message) {
            super(message, null);
        }
    }

    /** The model version's queue is full or the call waited its longest: 503 with {@code Retry-After}. */
    static final class Overloaded extends RequestFailure {
        private final Duration retryAfter;

        Overloaded(String message, Duration retryAfter) {
            super(message, null);
            this.retryAfter = retryAfter;
        }

        /** Whole seconds, at least 1, as {@code Retry-After} carries them. */
        long retryAfterSeconds() {
            return Math.max(1, (retryAfter.toMillis() + 999) / 1000);
        }
    }

    /** The request's deadline passed before the answer was ready; the work was dropped: 504. */
    static final class DeadlineExceeded extends RequestFailure {
        DeadlineExceeded(String message) {
            super(message, null);
        }
    }

    static ApiException of(ModelNotFoundException e) {
        return ApiException.notFound(e.getMessage());
    }

    static Unavailable of(ModelUnavailableException e) {
        return new Unavailable(e.getMessage(), e);
    }

    static Unavailable of(FeatureStoreUnavailableException e) {
        return new Unavailable(e.getMessage(), e);
    }

    static FeatureMissing of(EnrichmentException e) {
        return new FeatureMissing(e.getMessage());
    }

    static Overloaded of(OverloadedException e) {
        return new Overloaded(e.getMessage(), e.retryAfter());
    }

    static DeadlineExceeded of(DeadlineExceededException e) {
        return new DeadlineExceeded(e.getMessage());
    }
}
