package dev.appliance.inference.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.appliance.inference.model.Manifest;
import dev.appliance.inference.model.ServedVersion;
import io.helidon.http.Method;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import java.util.List;

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

    private Reply dispatch(ServerRequest request, Endpoints.Tags tags) throws RequestFailure {
        String full = request.path().absolute().path();
        ModelPath path = ModelPath.tfServing(full.startsWith(PREFIX) ? full.substring(PREFIX.length()) : "");
        ApiException.requireMethod(request, path.action().equals("predict") ? Method.POST : Method.GET);
        return switch (path.action()) {
            case "predict" -> predict(request, path, tags);
            case "metadata" -> metadata(models.peek(path, tags));
            default -> status(models.statuses(path, tags));
        };
    }

    private Reply predict(ServerRequest request, ModelPath path, Endpoints.Tags tags) throws RequestFailure {
        byte[] raw = Json.body(request);
        RowCount.refuseOver(raw, models.maxRows());
        JsonNode body = Json.parseObject(raw);
        Models.Inference<TfServingInput> inference = models.infer(
                path,
                Models.Pin.of(request),
                models.deadline(RequestTimeout.header(request)),
                body,
                tags,
                (manifest, maxRows) -> TfServingInput.decode(body, manifest, maxRows));
        ObjectNode reply = Json.MAPPER.createObjectNode();
        ArrayNode rows = reply.putArray(inference.input().columnar() ? "outputs" : "predictions");
        for (float[] row : inference.outputs()) {
            ArrayNode values = rows.addArray();
            for (float v : row) {
                values.add(v);
            }
        }
        inference.answer().reportFeatures(reply);
        return Reply.ok(reply).withHeaders(inference.facts());
    }

    private static Reply status(List<Models.VersionStatus> versions) {
        ObjectNode reply = Json.MAPPER.createObjectNode();
        ArrayNode statuses = reply.putArray("model_version_status");
        for (Models.VersionStatus v : versions) {
            if (v.refusal() == null) {
                addStatus(statuses, v.version(), "AVAILABLE", "OK", "");
            } else {
                addStatus(statuses, v.version(), "END", "FAILED_PRECONDITION", v.refusal());
            }
        }
        return Reply.ok(reply);
    }

    private static void addStatus(ArrayNode statuses, long version, String state, String code, String message) {
        ObjectNode s =
                statuses.addObject().put("version", Long.toString(version)).put("state", state);
        s.putObject("status").put("error_code", code).put("error_message", message);
    }

    private static Reply metadata(ServedVersion version) {
        Manifest m = version.manifest();
        ObjectNode reply = Json.MAPPER.createObjectNode();
        reply.putObject("model_spec")
                .put("name", m.model())
                .put("signature_name", "")
                .put("version", Long.toString(m.version()));
        ObjectNode signature = reply.putObject("metadata")
                .putObject("signature_def")
                .putObject("signature_def")
                .putObject(m.signatureName());
        tensor(signature.putObject("inputs"), m.input(), m.features().size());
        tensor(signature.putObject("outputs"), m.output(), version.outputWidth());
        signature.put("method_name", "tensorflow/serving/predict");
        ArrayNode features = reply.putArray("features");
        m.features().forEach(f -> features.addObject().put("name", f.name()).put("dtype", f.dtype()));
        return Reply.ok(reply);
    }

    private static void tensor(ObjectNode parent, Manifest.Tensor tensor, int width) {
        String name = tensor.name();
        ObjectNode t = parent.putObject(name)
                .put("dtype", TfDataTypes.of(tensor.type()).name())
                .put("name", name);
        ArrayNode dims = t.putObject("tensor_shape").putArray("dim");
        dims.addObject().put("size", "-1").put("name", "");
        dims.addObject().put("size", Integer.toString(width)).put("name", "");
    }
}
