package dev.appliance.inference.observe;

import dev.appliance.inference.features.FeatureStore;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

/**
 * Readiness of the feature store: DOWN while it is unreachable if it is configured as required; when it
 * is optional the service stays ready (models with defaults answer) and the details say what is wrong.
 */
public final class FeatureStoreHealthCheck implements HealthCheck {

    private final FeatureStore store;

    /** Creates the check. */
    public FeatureStoreHealthCheck(FeatureStore store) {
        this.store = store;
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.READINESS;
    }

    @Override
    public String name() {
        return "feature-store";
    }

    @Override
    public HealthCheckResponse call() {
        boolean available = store.available();
        return HealthCheckResponse.builder()
                .status(available || !store.required())
                .detail("state", store.health())
                .detail("required", store.required())
                .build();
    }
}
