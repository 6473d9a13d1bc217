package dev.appliance.inference.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.appliance.inference.cache.ResultCache;
import dev.appliance.inference.model.Manifest;
import dev.appliance.inference.model.ModelState;
import dev.appliance.inference.model.ServedVersion;
import dev.appliance.inference.model.VersionSelector;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;

/** The Open Inference Protocol (KServe v2) under {@code /v2}: server and model metadata, health, infer. */
final class OipService implements HttpService {

    private static final String MODELS = "/v2/models/";
    private static final HeaderName BINARY_HEADER = HeaderNames.create(BinaryTensors.HEADER);

    private final Models models;
    private final Endpoints endpoints;
    private final String serverVersion;

    OipService(Models models, Endpoints endpoints, String serverVersion) {
        this.models = models;
        this.endpoints = endpoints;
        this.serverVersion = serverVersion;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.any("/", endpoints.handler("v2_server", (req, tags) -> {
                    ApiException.requireMethod(req, Method.GET);
                    return Reply.ok(Json.MAPPER.createObjectNode().put("name", "inference-service")
                            .put("version", serverVersion).set("extensions", extensions()));
                }))
                .any("/health/live", endpoints.handler("v2_live", (req, tags) -> {
                    ApiException.requireMethod(req, Method.GET);
                    return Reply.ok(Json.MAPPER.createObjectNode().put("live", true));
                }))
                .any("/health/ready", endpoints.handler("v2_ready", (req, tags) -> {
                    ApiException.requireMethod(req, Method.GET);
                    boolean ready = models.ready();
                    return Reply.of(ready ? 200 : 503, Json.MAPPER.createObjectNode().put("ready", ready));
                }))
                .any("/repository/index", endpoints.handler("v2_repository", (req, tags) -> {
                    ApiException.requireMethod(req, Method.POST);
                    return Reply.ok(Extensions.repositoryIndex(models.registry()));
                }))
                .any("/models/*", endpoints.handler("v2_models", this::dispatch));
    }

    /** The protocol extensions this server implements, as server metadata lists them. */
    static ArrayNode extensions() {
        ArrayNode list = Json.MAPPER.createArrayNode();
        Extensions.NAMES.forEach(list::add);
        return list;
    }

    private Reply dispatch(ServerRequest request, Endpoints.Tags tags) throws Exception {
        String full = request.path().absolute().path();
        String rest = full.startsWith(MODELS) ? full.substring(MODELS.length()) : "";
        if (rest.equals("stats")) {
            ApiException.requireMethod(request, Method.GET);
            return Reply.ok(Extensions.statistics(models, null, null));
        }
        ModelPath path = ModelPath.oip(rest);
        ApiException.requireMethod(request, path.action().equals("infer") ? Method.POST : Method.GET);
        return switch (path.action()) {
            case "infer" -> infer(request, path, tags);
            case "stats" -> {
                ServedVersion version = models.peek(path, tags);
                yield Reply.ok(Extensions.statistics(models, path.model(),
                        path.selector() instanceof VersionSelector.Exact ? version.version() : null));
            }
            case "config" -> Reply.ok(Extensions.config(models.peek(path, tags), models.maxRows()));
            case "ready" -> {
                ServedVersion version = models.peek(path, tags);
                yield Reply.ok(Json.MAPPER.createObjectNode().put("name", version.manifest().model())
                        .put("version", Long.toString(version.version())).put("ready", true));
            }
            default -> metadata(models.peek(path, tags), models.state(path, tags));
        };
    }

    private Reply infer(ServerRequest request, ModelPath path, Endpoints.Tags tags) throws Exception {
        JsonNode body = BinaryTensors.readRequest(Json.body(request),
                request.headers().first(BINARY_HEADER).orElse(null));
        ServedVersion version = models.acquire(path, Models.Pin.of(request), tags);
        try {
            OipInput input = OipInput.decode(body, version.manifest(), models.maxRows());
            Models.Answer answer = models.answer(version, input.rows());
            ResultCache.Prediction prediction = answer.prediction();
            float[][] output = prediction.outputs();
            ObjectNode reply = Json.MAPPER.createObjectNode()
                    .put("model_name", version.manifest().model())
                    .put("model_version", Long.toString(version.version()));
            if (input.id() != null) {
                reply.put("id", input.id());
            }
            int width = output[0].length;
            String outputName = version.manifest().output().name();
            ObjectNode tensor = reply.putArray("outputs").addObject()
                    .put("name", outputName).put("datatype", "FP32");
            tensor.putArray("shape").add(output.length).add(width);
            byte[] binary = null;
            if (BinaryTensors.binaryOutput(body, outputName)) {
                binary = TensorBytes.fp32(output);
                tensor.putObject("parameters").put("binary_data_size", binary.length);
            } else {
                ArrayNode data = tensor.putArray("data");
                for (float[] row : output) {
                    for (float v : row) {
                        data.add(v);
                    }
                }
            }
            if (!answer.features().isEmpty()) {
                answer.reportFeatures(reply.putObject("parameters"));
            }
            return Reply.ok(reply).withBinary(binary)
                    .withHeader("X-Model-Version", Long.toString(version.version()))
                    .withHeader("X-Cache", prediction.outcome().header());
        } finally {
            version.release();
        }
    }

    private static Reply metadata(ServedVersion version, ModelState state) {
        Manifest m = version.manifest();
        ObjectNode reply = Json.MAPPER.createObjectNode().put("name", m.model())
                .put("platform", "tensorflow_savedmodel");
        ArrayNode versions = reply.putArray("versions");
        state.loaded().keySet().forEach(v -> versions.add(Long.toString(v)));
        ObjectNode input = reply.putArray("inputs").addObject().put("name", m.input().name()).put("datatype", "FP32");
        input.putArray("shape").add(-1).add(m.features().size());
        ObjectNode output = reply.putArray("outputs").addObject().put("name", m.output().name()).put("datatype", "FP32");
        output.putArray("shape").add(-1).add(version.outputWidth());
        ArrayNode features = reply.putObject("parameters").putArray("features");
        m.features().forEach(f -> features.addObject().put("name", f.name()).put("dtype", f.dtype()));
        return Reply.ok(reply);
    }
}
