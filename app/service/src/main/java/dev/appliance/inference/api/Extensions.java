package dev.appliance.inference.api;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.appliance.inference.model.Manifest;
import dev.appliance.inference.model.ModelRegistry;
import dev.appliance.inference.model.ModelState;
import dev.appliance.inference.model.ServedVersion;

/**
 * The Open Inference Protocol extensions that map onto this service, in their JSON form (the gRPC service
 * converts the same data): the model repository index, statistics and model configuration.
 */
final class Extensions {

    /** Extension names as server metadata advertises them. */
    static final List<String> NAMES = List.of("binary_tensor_data", "model_repository", "statistics",
            "model_configuration", "parameters");

    private Extensions() {
    }

    /** Every model version the repository holds: READY when serving, UNAVAILABLE with the reason when refused. */
    static ArrayNode repositoryIndex(ModelRegistry registry) {
        ArrayNode index = Json.MAPPER.createArrayNode();
        for (ModelState state : registry.models().values()) {
            state.loaded().keySet().forEach(v -> index.addObject().put("name", state.name())
                    .put("version", Long.toString(v)).put("state", "READY").put("reason", ""));
            state.refused().forEach((v, why) -> index.addObject().put("name", state.name())
                    .put("version", Long.toString(v)).put("state", "UNAVAILABLE").put("reason", why));
        }
        return index;
    }

    /**
     * Statistics of the serving versions: of every model when {@code model} is null, of one version when
     * {@code version} is set.
     */
    static JsonNode statistics(Models models, String model, Long version) {
        ObjectNode reply = Json.MAPPER.createObjectNode();
        ArrayNode list = reply.putArray("model_stats");
        for (Map.Entry<String, ModelState> e : models.registry().models().entrySet()) {
            if (model != null && !model.equals(e.getKey())) {
                continue;
            }
            for (long v : e.getValue().loaded().keySet()) {
                if (version == null || version == v) {
                    Statistics.write(list.addObject(), e.getKey(), v, models.statistics().of(e.getKey(), v));
                }
            }
        }
        return reply;
    }

    /** The model configuration in Triton's JSON form: platform, batch limit and the tensors with their types. */
    static JsonNode config(ServedVersion version, int maxRows) {
        Manifest m = version.manifest();
        ObjectNode config = Json.MAPPER.createObjectNode().put("name", m.model())
                .put("platform", "tensorflow_savedmodel").put("backend", "tensorflow")
                .put("max_batch_size", maxRows);
        ObjectNode input = config.putArray("input").addObject().put("name", m.input().name())
                .put("data_type", "TYPE_FP32");
        input.putArray("dims").add(m.features().size());
        ObjectNode output = config.putArray("output").addObject().put("name", m.output().name())
                .put("data_type", "TYPE_FP32");
        output.putArray("dims").add(version.outputWidth());
        config.putObject("parameters").putObject("features").put("string_value",
                String.join(",", m.features().stream().map(f -> f.name() + ":" + f.dtype()).toList()));
        return config;
    }
}
