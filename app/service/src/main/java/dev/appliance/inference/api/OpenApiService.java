package dev.appliance.inference.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.appliance.inference.model.Dtype;
import dev.appliance.inference.model.Manifest;
import dev.appliance.inference.model.ModelState;
import dev.appliance.inference.model.ServedVersion;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Serves the OpenAPI document of the API at {@code /openapi} (YAML). The routes that take a request body
 * are described per served model and version, from its manifest: the exact tensor shape, datatype, feature
 * names and each feature's value range, so that a body the document allows is a body that version accepts.
 * Other model names answer 404 and are not listed. Load and unload are described only when they are enabled.
 */
final class OpenApiService implements HttpService {

    private static final String RESOURCE = "/META-INF/openapi.yaml";
    private static final String ERROR = "#/components/responses/Error";

    private final Models models;
    private final boolean modelControl;
    private final JsonNode template;

    OpenApiService(Models models, boolean modelControl) {
        this.models = models;
        this.modelControl = modelControl;
        try (InputStream in = OpenApiService.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the JAR");
            }
            template = Json.MAPPER.valueToTree(new Yaml().load(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void routing(HttpRules rules) {
        rules.any("/", (req, res) -> {
            if (!req.prologue().method().equals(Method.GET)) {
                Endpoints.methodNotAllowed(res, req.prologue().method(), Method.GET);
                return;
            }
            DumperOptions options = new DumperOptions();
            options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
            res.header(HeaderNames.CONTENT_TYPE, "application/yaml");
            res.send(new Yaml(options)
                    .dump(Json.MAPPER.convertValue(document(), Map.class))
                    .getBytes(StandardCharsets.UTF_8));
        });
    }

    /** The template with the served models' routes filled in. */
    ObjectNode document() {
        ObjectNode doc = template.deepCopy();
        ObjectNode paths = (ObjectNode) doc.get("paths");
        for (ModelState state : models.registry().models().values()) {
            state.loaded().forEach((v, version) -> {
                String summary = " with version " + v + " of " + state.name();
                paths.putObject("/v1/models/" + state.name() + "/versions/" + v + ":predict")
                        .set("post", predict("Predict" + summary, version.manifest(), false));
                paths.putObject("/v2/models/" + state.name() + "/versions/" + v + "/infer")
                        .set("post", infer("Inference" + summary, version.manifest(), false));
            });
            state.labels().forEach((label, v) -> {
                ServedVersion version = state.loaded().get(v);
                if (version != null) {
                    paths.putObject("/v1/models/" + state.name() + "/labels/" + label + ":predict")
                            .set(
                                    "post",
                                    predict(
                                            "Predict with " + state.name() + "'s version labelled " + label + " (" + v
                                                    + ")",
                                            version.manifest(),
                                            false));
                }
            });
            // A request naming no version may go to any loaded one (latest, steering or a pin): described
            // only when they all take the same input.
            if (state.loaded().values().stream()
                            .map(ServedVersion::manifest)
                            .map(Manifest::features)
                            .distinct()
                            .count()
                    == 1) {
                Manifest any = state.loaded().firstEntry().getValue().manifest();
                paths.putObject("/v1/models/" + state.name() + ":predict")
                        .set(
                                "post",
                                predict(
                                        "Predict with " + state.name()
                                                + " as it is steered (latest, canary weight or pin)",
                                        any,
                                        true));
                paths.putObject("/v2/models/" + state.name() + "/infer")
                        .set(
                                "post",
                                infer(
                                        "Inference with " + state.name()
                                                + " as it is steered (latest, canary weight or pin)",
                                        any,
                                        true));
            }
        }
        if (!modelControl) {
            paths.remove(List.of("/v2/repository/models/{model}/load", "/v2/repository/models/{model}/unload"));
        }
        return doc;
    }

    private ObjectNode predict(String summary, Manifest m, boolean steered) {
        ObjectNode row = Json.MAPPER.createObjectNode().put("type", "object").put("additionalProperties", false);
        ArrayNode required = row.putArray("required");
        ObjectNode properties = row.putObject("properties");
        for (Manifest.Feature f : m.features()) {
            required.add(f.name());
            properties.set(f.name(), value(f));
        }
        ObjectNode instances = Json.MAPPER
                .createObjectNode()
                .put("type", "array")
                .put("minItems", 1)
                .put("maxItems", models.maxRows());
        instances.putObject("items").putArray("oneOf").add(ordered(m)).add(row);
        ObjectNode body = Json.MAPPER.createObjectNode().put("type", "object").put("additionalProperties", false);
        body.putArray("required").add("instances");
        body.putObject("properties").set("instances", instances);
        ((ObjectNode) body.get("properties"))
                .putObject("signature_name")
                .putArray("enum")
                .add(m.signatureName());
        return operation(summary, "tf-serving", body, "Predict", steered);
    }

    private ObjectNode infer(String summary, Manifest m, boolean steered) {
        ObjectNode tensor = Json.MAPPER.createObjectNode().put("type", "object").put("additionalProperties", false);
        tensor.putArray("required").add("name").add("shape").add("datatype").add("data");
        ObjectNode properties = tensor.putObject("properties");
        properties.putObject("name").putArray("enum").add(m.input().name());
        properties
                .putObject("shape")
                .putArray("enum")
                .addArray()
                .add(1)
                .add(m.features().size());
        properties
                .putObject("datatype")
                .putArray("enum")
                .add(OipDatatype.of(m.input().type()).name());
        properties.set("data", ordered(m));
        ObjectNode output = Json.MAPPER.createObjectNode().put("type", "object").put("additionalProperties", false);
        output.putArray("required").add("name");
        output.putObject("properties")
                .putObject("name")
                .putArray("enum")
                .add(m.output().name());
        ObjectNode body = Json.MAPPER.createObjectNode().put("type", "object").put("additionalProperties", false);
        body.putArray("required").add("inputs");
        ObjectNode fields = body.putObject("properties");
        fields.putObject("id").put("type", "string");
        fields.putObject("inputs")
                .put("type", "array")
                .put("minItems", 1)
                .put("maxItems", 1)
                .set("items", tensor);
        fields.putObject("outputs").put("type", "array").set("items", output);
        return operation(summary, "oip", body, "Infer", steered);
    }

    /** One row in feature order: exactly as many values as features, each in its feature's range. */
    private static ObjectNode ordered(Manifest m) {
        ObjectNode row = Json.MAPPER
                .createObjectNode()
                .put("type", "array")
                .put("minItems", m.features().size())
                .put("maxItems", m.features().size())
                .put("items", false);
        ArrayNode prefix = row.putArray("prefixItems");
        m.features().forEach(f -> prefix.add(value(f)));
        return row;
    }

    private static ObjectNode value(Manifest.Feature f) {
        ObjectNode value = Json.MAPPER.createObjectNode();
        if (f.type() == Dtype.INT32) {
            value.put("type", "integer").put("minimum", Integer.MIN_VALUE).put("maximum", Integer.MAX_VALUE);
        } else {
            value.put("type", "number")
                    .put("minimum", -(double) Float.MAX_VALUE)
                    .put("maximum", (double) Float.MAX_VALUE);
        }
        return value.put("description", f.name() + " (" + f.dtype() + ")");
    }

    private static ObjectNode operation(
            String summary, String tag, ObjectNode schema, String response, boolean steered) {
        ObjectNode op = Json.MAPPER.createObjectNode().put("summary", summary);
        op.putArray("tags").add(tag);
        ArrayNode parameters = op.putArray("parameters");
        parameters.addObject().put("$ref", "#/components/parameters/requestTimeout");
        if (steered) {
            for (String pin : new TreeSet<>(List.of("pinVersion", "pinLabel", "entityId"))) {
                parameters.addObject().put("$ref", "#/components/parameters/" + pin);
            }
        }
        ObjectNode body = op.putObject("requestBody").put("required", true);
        body.putObject("content").putObject("application/json").set("schema", schema);
        ObjectNode responses = op.putObject("responses");
        responses.putObject("200").put("$ref", "#/components/responses/" + response);
        for (String status : List.of("400", "404", "422", "504")) {
            responses.putObject(status).put("$ref", ERROR);
        }
        responses.putObject("503").put("$ref", "#/components/responses/Unavailable");
        return op;
    }
}
