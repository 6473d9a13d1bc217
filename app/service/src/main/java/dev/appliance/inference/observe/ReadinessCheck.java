package dev.appliance.inference.observe;

import dev.appliance.inference.cache.Caches;
import dev.appliance.inference.features.FeatureStore;
import dev.appliance.inference.model.ModelRegistry;
import dev.appliance.inference.model.ModelState;
import dev.appliance.inference.secrets.Secrets;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One readiness check of {@code /observe/health}: its name and how it answers. The service's checks are the
 * factories below; each is also the gauge {@code inference_ready{check=<name>}} ({@link ReadinessMetrics}).
 */
public record ReadinessCheck(String name, Supplier<HealthCheckResponse> answer) implements HealthCheck {

    /** Every required model has at least one version loaded and warmed up. Details list them. */
    public static ReadinessCheck models(ModelRegistry registry) {
        return new ReadinessCheck("models", () -> {
            HealthCheckResponse.Builder response = HealthCheckResponse.builder().status(registry.ready());
            Map<String, ModelState> models = registry.models();
            for (String name : registry.required()) {
                ModelState state = models.get(name);
                response.detail(
                        name,
                        state == null || state.loaded().isEmpty()
                                ? "no version loaded"
                                : "loaded versions " + state.loaded().keySet());
            }
            return response.build();
        });
    }

    /**
     * Each cache as ok, degraded or disabled. Always UP: predictions are served without the cache, so a cache
     * outage must not take the service out of rotation.
     */
    public static ReadinessCheck cache(Caches caches) {
        return new ReadinessCheck("cache", () -> {
            HealthCheckResponse.Builder response = HealthCheckResponse.builder().status(true);
            caches.health().forEach(response::detail);
            return response.build();
        });
    }

    /**
     * The Vault token and leased credentials. DOWN once they expired (Vault unreachable for longer than they
     * last), with the reason in the details; UP while they are valid, also during a Vault outage.
     */
    public static ReadinessCheck secrets(Secrets secrets) {
        return new ReadinessCheck("secrets", () -> {
            Secrets.Health health = secrets.health();
            HealthCheckResponse.Builder response = HealthCheckResponse.builder().status(health.ready());
            health.details().forEach(response::detail);
            return response.build();
        });
    }

    /**
     * The feature store: DOWN while it is unreachable if it is configured as required; when it is optional the
     * service stays ready (models with defaults answer) and the details say what is wrong.
     */
    public static ReadinessCheck featureStore(FeatureStore store) {
        return new ReadinessCheck(
                "feature-store",
                () -> HealthCheckResponse.builder()
                        .status(store.available() || !store.required())
                        .detail("state", store.health())
                        .detail("required", store.required())
                        .build());
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.READINESS;
    }

    @Override
    public HealthCheckResponse call() {
        return answer.get();
    }
}
