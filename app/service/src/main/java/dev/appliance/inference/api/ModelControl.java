package dev.appliance.inference.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.appliance.inference.model.ModelNotFoundException;
import dev.appliance.inference.model.ModelRegistry;
import dev.appliance.inference.model.ModelState;
import dev.appliance.inference.model.ModelUnavailableException;
import dev.appliance.inference.observe.Audit;
import java.util.Iterator;
import java.util.Set;

/**
 * Load and unload of the model repository extension, for HTTP and gRPC alike: offered only when
 * {@code model-control.enabled}, and only to a caller presenting the admin token ({@code Authorization:
 * Bearer <token>}; 401 without one, 403 with a wrong one). Unload retires the model's versions, which finish
 * their requests in flight; the model stays unloaded until load, which reads it from the repository again.
 */
final class ModelControl {

    /** The parameters Triton's clients send; none changes anything here (no model has dependents). */
    private static final Set<String> PARAMETERS = Set.of("unload_dependents");

    private final ModelRegistry registry;
    private final ModelControlSettings settings;

    ModelControl(ModelRegistry registry, ModelControlSettings settings) {
        this.registry = registry;
        this.settings = settings;
    }

    boolean enabled() {
        return settings.enabled();
    }

    /**
     * Loads ({@code action} "load") or unloads a model and says what it serves now.
     *
     * @param authorization the caller's Authorization value, or null
     * @param parameters    the request's parameters (JSON object; empty when none)
     */
    JsonNode run(String action, String model, String authorization, JsonNode parameters, Endpoints.Tags tags)
            throws RequestFailure {
        if (!settings.enabled()) {
            throw ApiException.notFound(
                    "model load and unload are disabled; an operator enables them with" + " model-control.enabled");
        }
        authorize(action, model, authorization);
        for (Iterator<String> it = parameters.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!PARAMETERS.contains(name)) {
                throw ApiException.badRequest(
                        "parameter '" + name + "' is not supported (supported: " + String.join(", ", PARAMETERS) + ")");
            }
        }
        if (registry.models().containsKey(model)) {
            tags.model(model);
        }
        Audit.modelControl(action, model);
        ObjectNode reply = Json.MAPPER.createObjectNode().put("name", model);
        try {
            if (action.equals("load")) {
                ModelState state = registry.load(model);
                tags.model(model);
                reply.put("state", "READY");
                state.loaded().keySet().forEach(v -> reply.withArray("versions").add(Long.toString(v)));
            } else {
                registry.unload(model);
                reply.put("state", "UNAVAILABLE").put("reason", "unloaded");
            }
        } catch (ModelNotFoundException e) {
            throw RequestFailure.of(e);
        } catch (ModelUnavailableException e) {
            throw RequestFailure.of(e);
        }
        return reply;
    }

    private void authorize(String action, String model, String authorization) throws ApiException {
        if (authorization == null || authorization.isBlank()) {
            Audit.modelControlRefused(action, model, "no bearer token");
            throw new ApiException(
                    401, "unauthorized", "model " + action + " needs the admin token (Authorization: Bearer ...)");
        }
        if (!settings.token().orElseThrow().authorizes(authorization)) {
            Audit.modelControlRefused(action, model, "wrong bearer token");
            throw new ApiException(403, "forbidden", "the admin token is not valid for model " + action);
        }
    }
}
