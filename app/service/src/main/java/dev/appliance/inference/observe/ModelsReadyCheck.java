package dev.appliance.inference.observe;

import java.util.Map;

import dev.appliance.inference.model.ModelRegistry;
import dev.appliance.inference.model.ModelState;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

/** Readiness: every required model has at least one version loaded and warmed up. Details list them. */
public final class ModelsReadyCheck implements HealthCheck {

    private final ModelRegistry registry;

    /** Creates the check over the registry's current view. */
    public ModelsReadyCheck(ModelRegistry registry) {
        this.registry = registry;
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.READINESS;
    }

    @Override
    public String name() {
        return "models";
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponse.Builder response = HealthCheckResponse.builder().status(registry.ready());
        Map<String, ModelState> models = registry.models();
        for (String name : registry.required()) {
            ModelState state = models.get(name);
            response.detail(name, state == null || state.loaded().isEmpty()
                    ? "no version loaded" : "loaded versions " + state.loaded().keySet());
        }
        return response.build();
    }
}
