package dev.appliance.inference.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.appliance.inference.cache.ResultCache;
import dev.appliance.inference.model.Manifest;
import dev.appliance.inference.model.ModelState;
import dev.appliance.inference.model.ServedVersion;
import dev.appliance.inference.model.VersionSelector;
import io.helidon.http.Method;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;

/** TF Serving's REST dialect under {@code /v1/models}: predict, model status and metadata. */
final class TfServingService implements HttpService {

    static final String PREFIX = "/v1/models/";

    private final Models models;
    private final Endpoints endpoints;

    TfServingService(Models models, Endpoints endpoints) {
        this.models = models;
        this.endpoints = endpoints;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.any(endpoints.handler("v1", this::dispatch));
    }

    private Reply dispatch(ServerRequest request, Endpoints.Tags tags) throws Exception {
        String full = request.path().absolute().path();
        ModelPath path = ModelPath.tfServing(full.startsWith(PREFIX) ? full.substring(PREFIX.length()) : "");
        ApiException.requireMethod(request, path.action().equals("predict") ? Method.POST : Method.GET);
        return switch (path.action()) {
            case "predict" -> predict(request, path, tags);
            case "metadata" -> metadata(models.peek(path, tags));
            default -> status(models.state(path, tags), path);
        };
    }

    private Reply predict(ServerRequest request, ModelPath path, Endpoints.Tags tags) throws Exception {
        JsonNode body = Json.readObject(request);
        ServedVersion version = models.acquire(path, Models.Pin.of(request), tags);
        try {
            TfServingInput input = TfServingInput.decode(body, version.manifest(), models.maxRows());
            Models.Answer answer = models.answer(version, input.rows());
            ResultCache.Prediction prediction = answer.prediction();
            float[][] output = prediction.outputs();
            ObjectNode reply = Json.MAPPER.createObjectNode();
            ArrayNode rows = reply.putArray(input.columnar() ? "outputs" : "predictions");
            for (float[] row : output) {
                ArrayNode values = rows.addArray();
                for (float v : row) {
                    values.add(v);
                }
            }
            answer.reportFeatures(reply);
            return Reply.ok(reply).withHeader("X-Model-Version", Long.toString(version.version()))
                    .withHeader("X-Cache", prediction.outcome().header());
        } finally {
            version.release();
        }
    }

    private static Reply status(ModelState state, ModelPath path) throws ApiException {
        ObjectNode reply = Json.MAPPER.createObjectNode();
        ArrayNode statuses = reply.putArray("model_version_status");
        Long only = switch (path.selector()) {
            case VersionSelector.Exact exact -> exact.version();
            case VersionSelector.Label label -> {
                Long v = state.labels().get(label.label());
                if (v == null) {
                    throw ApiException.notFound("label '" + label.label() + "' is not defined for model '"
                            + state.name() + "' (defined: " + String.join(", ", state.labels().keySet()) + ")");
                }
                yield v;
            }
            case VersionSelector.Latest latest -> null;
        };
        state.loaded().keySet().stream().filter(v -> only == null || v.equals(only))
                .forEach(v -> addStatus(statuses, v, "AVAILABLE", "OK", ""));
        state.refused().entrySet().stream().filter(e -> only == null || e.getKey().equals(only))
                .forEach(e -> addStatus(statuses, e.getKey(), "END", "FAILED_PRECONDITION", e.getValue()));
        if (only != null && statuses.isEmpty()) {
            throw ApiException.notFound("version " + only + " of model '" + state.name()
                    + "' is not loaded (loaded: " + state.loaded().keySet() + ")");
        }
        return Reply.ok(reply);
    }

    private static void addStatus(ArrayNode statuses, long version, String state, String code, String message) {
        ObjectNode s = statuses.addObject().put("version", Long.toString(version)).put("state", state);
        s.putObject("status").put("error_code", code).put("error_message", message);
    }

    private static Reply metadata(ServedVersion version) {
        Manifest m = version.manifest();
        ObjectNode reply = Json.MAPPER.createObjectNode();
        reply.putObject("model_spec").put("name", m.model()).put("signature_name", "")
                .put("version", Long.toString(m.version()));
        ObjectNode signature = reply.putObject("metadata").putObject("signature_def").putObject("signature_def")
                .putObject(m.signatureName());
        tensor(signature.putObject("inputs"), m.input().name(), m.features().size());
        tensor(signature.putObject("outputs"), m.output().name(), version.outputWidth());
        signature.put("method_name", "tensorflow/serving/predict");
        ArrayNode features = reply.putArray("features");
        m.features().forEach(f -> features.addObject().put("name", f.name()).put("dtype", f.dtype()));
        return Reply.ok(reply);
    }

    private static void tensor(ObjectNode parent, String name, int width) {
        ObjectNode t = parent.putObject(name).put("dtype", "DT_FLOAT").put("name", name);
        ArrayNode dims = t.putObject("tensor_shape").putArray("dim");
        dims.addObject().put("size", "-1").put("name", "");
        dims.addObject().put("size", Integer.toString(width)).put("name", "");
    }
}
