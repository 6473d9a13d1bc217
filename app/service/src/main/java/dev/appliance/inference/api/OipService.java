package dev.appliance.inference.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;

/**
 * The Open Inference Protocol (KServe v2) under {@code /v2}: server and model metadata, health, infer, and the
 * extensions (repository index, load and unload when enabled, statistics, model configuration).
 */
final class OipService implements HttpService {

    private static final String MODELS = "/v2/models/";
    private static final String REPOSITORY_MODELS = "/v2/repository/models/";
    private static final HeaderName BINARY_HEADER = HeaderNames.create(BinaryTensors.HEADER);

    private final Models models;
    private final ModelControl control;
    private final Endpoints endpoints;
    private final String serverVersion;

    OipService(Models models, ModelControl control, Endpoints endpoints, String serverVersion) {
        this.models = models;
        this.control = control;
        this.endpoints = endpoints;
        this.serverVersion = serverVersion;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.any("/", endpoints.handler("v2_server", (req, tags) -> {
                    ApiException.requireMethod(req, Method.GET);
                    ArrayNode extensions = Json.MAPPER.createArrayNode();
                    Extensions.names(control.enabled()).forEach(extensions::add);
                    return Reply.ok(Json.MAPPER
                            .createObjectNode()
                            .put("name", "inference-service")
                            .put("version", serverVersion)
                            .set("extensions", extensions));
                }))
                .any("/health/live", endpoints.handler("v2_live", (req, tags) -> {
                    ApiException.requireMethod(req, Method.GET);
                    return Reply.ok(Json.MAPPER.createObjectNode().put("live", true));
                }))
                .any("/health/ready", endpoints.handler("v2_ready", (req, tags) -> {
                    ApiException.requireMethod(req, Method.GET);
                    boolean ready = models.ready();
                    return Reply.of(
                            ready ? 200 : 503, Json.MAPPER.createObjectNode().put("ready", ready));
                }))
                .any("/repository/index", endpoints.handler("v2_repository", (req, tags) -> {
                    ApiException.requireMethod(req, Method.POST);
                    return Reply.ok(Extensions.repositoryIndex(models.registry()));
                }))
                .any("/repository/models/*", endpoints.handler("v2_repository_control", this::control))
                .any("/models/*", endpoints.handler("v2_models", this::dispatch));
    }

    private Reply control(ServerRequest request, Endpoints.Tags tags) throws RequestFailure {
        String full = request.path().absolute().path();
        String[] parts = full.substring(REPOSITORY_MODELS.length()).split("/", -1);
        if (parts.length != 2 || parts[0].isEmpty() || !(parts[1].equals("load") || parts[1].equals("unload"))) {
            throw ApiException.notFound("use POST /v2/repository/models/{model}/load or .../unload");
        }
        ApiException.requireMethod(request, Method.POST);
        byte[] raw = Json.body(request);
        JsonNode body = raw.length == 0 ? Json.MAPPER.createObjectNode() : Json.parseObject(raw);
        JsonNode parameters = body.path("parameters");
        if (!parameters.isMissingNode() && !parameters.isObject()) {
            throw ApiException.badRequest("parameters must be an object, got " + Json.typeOf(parameters));
        }
        return Reply.ok(control.run(
                parts[1],
                parts[0],
                request.headers().first(HeaderNames.AUTHORIZATION).orElse(null),
                parameters.isObject() ? parameters : Json.MAPPER.createObjectNode(),
                tags));
    }

    private Reply dispatch(ServerRequest request, Endpoints.Tags tags) throws RequestFailure {
        String full = request.path().absolute().path();
        String rest = full.startsWith(MODELS) ? full.substring(MODELS.length()) : "";
        if (rest.equals("stats")) {
            ApiException.requireMethod(request, Method.GET);
            return Reply.ok(Extensions.statistics(models, null, tags));
        }
        ModelPath path = ModelPath.oip(rest);
        ApiException.requireMethod(request, path.action().equals("infer") ? Method.POST : Method.GET);
        return switch (path.action()) {
            case "infer" -> infer(request, path, tags);
            case "stats" -> Reply.ok(Extensions.statistics(models, path, tags));
            case "config" -> Reply.ok(Extensions.config(models, path, tags));
            case "ready" -> {
                var version = models.peek(path, tags);
                yield Reply.ok(Json.MAPPER
                        .createObjectNode()
                        .put("name", version.manifest().model())
                        .put("version", Long.toString(version.version()))
                        .put("ready", true));
            }
            default -> Reply.ok(Extensions.metadata(models, path, tags));
        };
    }

    private Reply infer(ServerRequest request, ModelPath path, Endpoints.Tags tags) throws RequestFailure {
        byte[] raw = Json.body(request);
        RowCount.refuseOver(raw, models.maxRows());
        JsonNode body = BinaryTensors.readRequest(
                raw, request.headers().first(BINARY_HEADER).orElse(null));
        Models.Inference<OipInput> inference = models.infer(
                path,
                Models.Pin.of(request),
                models.deadline(
                        RequestTimeout.first(RequestTimeout.header(request), RequestTimeout.oipParameter(body))),
                body,
                tags,
                (manifest, maxRows) -> OipInput.decode(body, manifest, maxRows));
        float[][] output = inference.outputs();
        ObjectNode reply = Json.MAPPER
                .createObjectNode()
                .put("model_name", inference.manifest().model())
                .put("model_version", Long.toString(inference.version()));
        if (inference.input().id() != null) {
            reply.put("id", inference.input().id());
        }
        String outputName = inference.manifest().output().name();
        ObjectNode tensor = reply.putArray("outputs")
                .addObject()
                .put("name", outputName)
                .put(
                        "datatype",
                        OipDatatype.of(inference.manifest().output().type()).name());
        tensor.putArray("shape").add(output.length).add(output[0].length);
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
        if (!inference.answer().features().isEmpty()) {
            inference.answer().reportFeatures(reply.putObject("parameters"));
        }
        return Reply.ok(reply).withBinary(binary).withHeaders(inference.facts());
    }
}
