package dev.appliance.inference.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.appliance.inference.model.Manifest;
import dev.appliance.inference.model.ModelRegistry;
import dev.appliance.inference.model.ModelState;
import dev.appliance.inference.model.ServedVersion;
import dev.appliance.inference.model.VersionSelector;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The Open Inference Protocol's model answers that HTTP and gRPC share, in their JSON form (the gRPC
 * service parses the same JSON into its messages): model metadata, and the extensions that map onto this
 * service: the model repository index, statistics and model configuration.
 */
final class Extensions {

    /** Extension names as server metadata advertises them; with model control also load and unload. */
    static List<String> names(boolean modelControl) {
        List<String> names =
                List.of("binary_tensor_data", "model_repository", "statistics", "model_configuration", "parameters");
        return modelControl
                ? Stream.concat(names.stream(), Stream.of(LOAD_UNLOAD)).toList()
                : names;
    }

    /** Load and unload of the repository extension, named in Triton's style of a qualified extension. */
    static final String LOAD_UNLOAD = "model_repository(load_unload)";

    private Extensions() {}

    /**
     * Every model version the repository holds: READY when serving, UNAVAILABLE with the reason when refused;
     * an unloaded model is one UNAVAILABLE entry without a version.
     */
    static ArrayNode repositoryIndex(ModelRegistry registry) {
        ArrayNode index = Json.MAPPER.createArrayNode();
        registry.unloaded().stream()
                .sorted()
                .forEach(name -> index.addObject()
                        .put("name", name)
                        .put("version", "")
                        .put("state", "UNAVAILABLE")
                        .put("reason", "unloaded"));
        for (ModelState state : registry.models().values()) {
            state.loaded()
                    .keySet()
                    .forEach(v -> index.addObject()
                            .put("name", state.name())
                            .put("version", Long.toString(v))
                            .put("state", "READY")
                            .put("reason", ""));
            state.refused()
                    .forEach((v, why) -> index.addObject()
                            .put("name", state.name())
                            .put("version", Long.toString(v))
                            .put("state", "UNAVAILABLE")
                            .put("reason", why));
        }
        return index;
    }

    /**
     * Statistics of the serving versions: of every model when {@code path} is null, of the model's versions,
     * or of one version when the path names it.
     */
    static JsonNode statistics(Models models, ModelPath path, Endpoints.Tags tags) throws RequestFailure {
        String model = path == null ? null : path.model();
        Long version = null;
        if (path != null) {
            ServedVersion served = models.peek(path, tags);
            version = path.selector() instanceof VersionSelector.Exact ? served.version() : null;
        }
        ObjectNode reply = Json.MAPPER.createObjectNode();
        ArrayNode list = reply.putArray("model_stats");
        for (Map.Entry<String, ModelState> e : models.registry().models().entrySet()) {
            if (model != null && !model.equals(e.getKey())) {
                continue;
            }
            for (long v : e.getValue().loaded().keySet()) {
                if (version == null || version == v) {
                    Statistics.write(
                            list.addObject(), e.getKey(), v, models.statistics().of(e.getKey(), v));
                }
            }
        }
        return reply;
    }

    /** Model metadata in the Open Inference Protocol's JSON form (the gRPC answer has the same fields). */
    static JsonNode metadata(Models models, ModelPath path, Endpoints.Tags tags) throws RequestFailure {
        Models.Description d = models.describe(path, tags);
        Manifest m = d.version().manifest();
        ObjectNode reply =
                Json.MAPPER.createObjectNode().put("name", m.model()).put("platform", "tensorflow_savedmodel");
        ArrayNode versions = reply.putArray("versions");
        d.versions().forEach(v -> versions.add(Long.toString(v)));
        ObjectNode input = reply.putArray("inputs")
                .addObject()
                .put("name", m.input().name())
                .put("datatype", OipDatatype.of(m.input().type()).name());
        input.putArray("shape").add(-1).add(m.features().size());
        ObjectNode output = reply.putArray("outputs")
                .addObject()
                .put("name", m.output().name())
                .put("datatype", OipDatatype.of(m.output().type()).name());
        output.putArray("shape").add(-1).add(d.version().outputWidth());
        ArrayNode features = reply.putObject("parameters").putArray("features");
        m.features().forEach(f -> features.addObject().put("name", f.name()).put("dtype", f.dtype()));
        return reply;
    }

    /** The model configuration in Triton's JSON form: platform, batch limit and the tensors with their types. */
    static JsonNode config(Models models, ModelPath path, Endpoints.Tags tags) throws RequestFailure {
        ServedVersion version = models.peek(path, tags);
        int maxRows = models.maxRows();
        Manifest m = version.manifest();
        ObjectNode config = Json.MAPPER
                .createObjectNode()
                .put("name", m.model())
                .put("platform", "tensorflow_savedmodel")
                .put("backend", "tensorflow")
                .put("max_batch_size", maxRows);
        ObjectNode input = config.putArray("input")
                .addObject()
                .put("name", m.input().name())
                .put("data_type", "TYPE_FP32");
        input.putArray("dims").add(m.features().size());
        ObjectNode output = config.putArray("output")
                .addObject()
                .put("name", m.output().name())
                .put("data_type", "TYPE_FP32");
        output.putArray("dims").add(version.outputWidth());
        config.putObject("parameters")
                .putObject("features")
                .put(
                        "string_value",
                        String.join(
                                ",",
                                m.features().stream()
                                        .map(f -> f.name() + ":" + f.dtype())
                                        .toList()));
        return config;
    }
}
