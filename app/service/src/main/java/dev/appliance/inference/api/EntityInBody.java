package dev.appliance.inference.api;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Finds the entity id a request body names, before it is decoded, so that sticky steering can place a
 * request by it: an Open Inference Protocol input named after the entity key (BYTES or integer), TF
 * Serving's columnar {@code inputs} entry or the first instance's field (gRPC Predict arrives in the
 * columnar form). A request of several rows is placed by its first row's entity.
 */
final class EntityInBody {

    private EntityInBody() {}

    /** The first entity id under {@code key}, or null when the body names none. */
    static String find(JsonNode body, String key) {
        JsonNode inputs = body.path("inputs");
        if (inputs.isArray()) {
            for (JsonNode input : inputs) {
                if (key.equals(input.path("name").asText(null))) {
                    return first(input.path("data"));
                }
            }
            return null;
        }
        if (inputs.isObject()) {
            return first(inputs.path(key));
        }
        return first(body.path("instances").path(0).path(key));
    }

    private static String first(JsonNode node) {
        JsonNode value = node;
        while (value.isArray()) {
            value = value.path(0);
        }
        return value.isTextual() || value.isIntegralNumber() ? value.asText() : null;
    }
}
