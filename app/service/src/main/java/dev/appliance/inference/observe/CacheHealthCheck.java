package dev.appliance.inference.observe;

import dev.appliance.inference.cache.Caches;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

/**
 * Reports each cache as ok, degraded or disabled. Always UP: predictions are served without the cache,
 * so a cache outage must not take the service out of rotation.
 */
public final class CacheHealthCheck implements HealthCheck {

    private final Caches caches;

    /** Creates the check over the caches' breakers. */
    public CacheHealthCheck(Caches caches) {
        this.caches = caches;
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.READINESS;
    }

    @Override
    public String name() {
        return "cache";
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponse.Builder response = HealthCheckResponse.builder().status(true);
        caches.health().forEach(response::detail);
        return response.build();
    }
}
