package dev.appliance.inference.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.appliance.inference.model.Manifest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decodes an Open Inference Protocol v2 infer body into rows in manifest feature order.
 *
 * <p>Either one input named after the model's input tensor with shape {@code [n, features]}, or one input
 * per feature with shape {@code [n]} or {@code [n, 1]}. {@code data} may be flat (row-major) or nested.
 * In the per-feature form a BYTES input named after the manifest's entity key (e.g. {@code user_id})
 * lets the service look up the features it lists, which may then be left out.
 *
 * @param rows decoded rows
 * @param id   the request id to echo, if given
 */
record OipInput(RequestRows rows, String id) implements Models.Decoded {

    /** Request fields; KServe's REST client also repeats the model name from the URL. */
    private static final Set<String> FIELDS = Set.of("id", "parameters", "inputs", "outputs", "model_name");

    private static final Set<String> OUTPUT_FIELDS = Set.of("name", "parameters");
    private static final Set<String> INPUT_FIELDS = Set.of("name", "shape", "datatype", "data", "parameters");

    static OipInput decode(JsonNode body, Manifest manifest, int maxRows) throws ApiException {
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!FIELDS.contains(field)) {
                throw ApiException.badRequest(
                        "unknown field '" + field + "' (allowed: id, parameters, inputs, outputs, model_name)");
            }
        }
        JsonNode modelName = body.get("model_name");
        if (modelName != null && !modelName.asText().equals(manifest.model())) {
            throw ApiException.badRequest(
                    "model_name " + modelName + " does not match the model in the URL, '" + manifest.model() + "'");
        }
        JsonNode parameters = body.get("parameters");
        if (parameters != null && !parameters.isObject()) {
            throw ApiException.badRequest("parameters must be an object, got " + Json.typeOf(parameters));
        }
        JsonNode id = body.get("id");
        if (id != null && !id.isTextual()) {
            throw ApiException.badRequest("id must be a string, got " + Json.typeOf(id));
        }
        checkRequestedOutputs(body.get("outputs"), manifest);
        JsonNode inputs = body.get("inputs");
        if (inputs == null || !inputs.isArray() || inputs.isEmpty()) {
            throw ApiException.badRequest("inputs must be a non-empty array of tensors");
        }
        RequestRows rows = inputs.size() == 1
                        && manifest.input()
                                .name()
                                .equals(inputs.get(0).path("name").asText())
                ? RequestRows.complete(wholeTensor(inputs.get(0), manifest, maxRows))
                : perFeature(inputs, manifest, maxRows);
        return new OipInput(rows, id == null ? null : id.asText());
    }

    private static float[][] wholeTensor(JsonNode input, Manifest manifest, int maxRows) throws ApiException {
        int width = manifest.features().size();
        OipDatatype datatype = datatype(input, "inputs[0]", OipDatatype.NUMERIC);
        long[] shape = shape(input, "inputs[0]");
        if (shape.length != 2 || shape[1] != width) {
            throw ApiException.badRequest("inputs[0].shape must be [rows, " + width + "], got " + input.get("shape"));
        }
        FeatureValues.checkRows((int) Math.min(shape[0], Integer.MAX_VALUE), maxRows, "inputs[0].shape[0]");
        List<JsonNode> data = data(input, "inputs[0]", datatype, shape[0] * width);
        float[][] rows = new float[(int) shape[0]][width];
        for (int k = 0; k < data.size(); k++) {
            int i = k / width;
            int j = k % width;
            rows[i][j] = FeatureValues.read(data.get(k), manifest.features().get(j), "inputs[0].data[" + k + "]");
        }
        return rows;
    }

    private static RequestRows perFeature(JsonNode inputs, Manifest manifest, int maxRows) throws ApiException {
        Map<String, Integer> column = new HashMap<>();
        for (int j = 0; j < manifest.features().size(); j++) {
            column.put(manifest.features().get(j).name(), j);
        }
        String entityKey = manifest.entity() == null ? null : manifest.entity().key();
        int width = manifest.features().size();
        RequestRows rows = null;
        Set<String> seen = new HashSet<>();
        for (int k = 0; k < inputs.size(); k++) {
            JsonNode input = inputs.get(k);
            String path = "inputs[" + k + "]";
            String name = input.path("name").asText("");
            Integer j = column.get(name);
            boolean entity = name.equals(entityKey);
            if (j == null && !entity) {
                throw ApiException.badRequest(path + ".name '" + name + "' is neither the input tensor '"
                        + manifest.input().name() + "' nor a feature (" + FeatureValues.names(manifest) + ")");
            }
            if (!seen.add(name)) {
                throw ApiException.badRequest(path + ".name '" + name + "' is given twice");
            }
            OipDatatype datatype = datatype(input, path, entity ? OipDatatype.ENTITY_ID : OipDatatype.NUMERIC);
            long[] shape = shape(input, path);
            if (!(shape.length == 1 || (shape.length == 2 && shape[1] == 1))) {
                throw ApiException.badRequest(path + ".shape must be [rows] or [rows, 1], got " + input.get("shape"));
            }
            if (rows == null) {
                FeatureValues.checkRows((int) Math.min(shape[0], Integer.MAX_VALUE), maxRows, path + ".shape[0]");
                int n = (int) shape[0];
                rows = new RequestRows(new float[n][width], new boolean[n][width], new String[n]);
            } else if (shape[0] != rows.values().length) {
                throw ApiException.badRequest(path + ".shape[0] is " + shape[0] + " but inputs[0] has "
                        + rows.values().length + " rows; every feature needs one value per row");
            }
            List<JsonNode> data = data(input, path, datatype, shape[0]);
            for (int i = 0; i < data.size(); i++) {
                if (entity) {
                    rows.entityIds()[i] = FeatureValues.entityId(data.get(i), path + ".data[" + i + "]");
                } else {
                    rows.values()[i][j] =
                            FeatureValues.read(data.get(i), manifest.features().get(j), path + ".data[" + i + "]");
                    rows.provided()[i][j] = true;
                }
            }
        }
        boolean hasEntity = seen.contains(entityKey);
        for (Manifest.Feature f : manifest.features()) {
            if (!seen.contains(f.name()) && !(hasEntity && FeatureValues.enrichable(manifest, f))) {
                throw ApiException.badRequest("inputs has no tensor for feature '" + f.name() + "' (give one input per"
                        + " feature, or one input named '" + manifest.input().name() + "'"
                        + (FeatureValues.enrichable(manifest, f)
                                ? ", or a '" + entityKey + "' input to look it up"
                                : "")
                        + ")");
            }
        }
        return rows;
    }

    /** Checks that {@code input} is a tensor object with known fields; returns its datatype if it is allowed. */
    private static OipDatatype datatype(JsonNode input, String path, Set<OipDatatype> allowed) throws ApiException {
        if (!input.isObject()) {
            throw ApiException.badRequest(path + " must be an object with name, shape, datatype and data");
        }
        for (Iterator<String> it = input.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!INPUT_FIELDS.contains(field)) {
                throw ApiException.badRequest(path + "." + field + " is not a field of an input tensor");
            }
        }
        String datatype = input.path("datatype").asText("");
        return OipDatatype.parse(datatype, allowed)
                .orElseThrow(() -> ApiException.badRequest(path + " '"
                        + input.path("name").asText("") + "': datatype '" + datatype
                        + "' is not supported for this tensor (supported: " + OipDatatype.list(allowed) + ")"));
    }

    private static long[] shape(JsonNode input, String path) throws ApiException {
        JsonNode shape = input.get("shape");
        if (shape == null || !shape.isArray() || shape.isEmpty()) {
            throw ApiException.badRequest(path + ".shape must be a non-empty array of sizes");
        }
        long[] dims = new long[shape.size()];
        for (int d = 0; d < dims.length; d++) {
            if (!shape.get(d).canConvertToLong()
                    || !shape.get(d).isIntegralNumber()
                    || shape.get(d).asLong() < 0) {
                throw ApiException.badRequest(
                        path + ".shape[" + d + "] must be a non-negative integer, got " + shape.get(d));
            }
            dims[d] = shape.get(d).asLong();
        }
        return dims;
    }

    /** The tensor's values in row-major order; nested arrays are flattened. */
    private static List<JsonNode> data(JsonNode input, String path, OipDatatype datatype, long expected)
            throws ApiException {
        JsonNode data = input.get("data");
        if (data == null || !data.isArray()) {
            throw ApiException.badRequest(path + ".data must be an array of values");
        }
        List<JsonNode> flat = new ArrayList<>();
        flatten(data, flat, expected);
        if (flat.size() != expected) {
            throw ApiException.badRequest(path + ".data holds " + flat.size() + " values but shape "
                    + input.get("shape") + " needs " + expected);
        }
        for (int k = 0; k < flat.size(); k++) {
            if (datatype.integral() && flat.get(k).isNumber() && !flat.get(k).isIntegralNumber()) {
                throw ApiException.badRequest(
                        path + ".data[" + k + "] must be an integer for datatype " + datatype + ", got " + flat.get(k));
            }
        }
        return flat;
    }

    private static void flatten(JsonNode node, List<JsonNode> into, long limit) {
        for (JsonNode element : node) {
            if (into.size() > limit) {
                return;
            }
            if (element.isArray()) {
                flatten(element, into, limit);
            } else {
                into.add(element);
            }
        }
    }

    private static void checkRequestedOutputs(JsonNode outputs, Manifest manifest) throws ApiException {
        if (outputs == null) {
            return;
        }
        if (!outputs.isArray()) {
            throw ApiException.badRequest("outputs must be an array of {\"name\": ...}");
        }
        for (int k = 0; k < outputs.size(); k++) {
            for (Iterator<String> it = outputs.get(k).fieldNames(); it.hasNext(); ) {
                String field = it.next();
                if (!OUTPUT_FIELDS.contains(field)) {
                    throw ApiException.badRequest(
                            "outputs[" + k + "]: unknown field '" + field + "' (allowed: name, parameters)");
                }
            }
            String name = outputs.get(k).path("name").asText("");
            if (!name.equals(manifest.output().name())) {
                throw ApiException.badRequest("outputs[" + k + "].name '" + name + "' is not an output of model '"
                        + manifest.model() + "' (outputs: " + manifest.output().name() + ")");
            }
        }
    }
}
