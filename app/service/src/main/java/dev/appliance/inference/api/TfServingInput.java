package dev.appliance.inference.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.appliance.inference.model.Manifest;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decodes a TF Serving REST predict body into rows in manifest feature order.
 *
 * <p>Row format: {@code {"instances": [...]}} where each instance is an array in feature order, an object
 * keyed by feature name, or {@code {"<input tensor>": [...]}}. Columnar format: {@code {"inputs": ...}}
 * holding an object of feature name to column, {@code {"<input tensor>": [[...], ...]}}, or the rows
 * directly. In the keyed forms a row may name the manifest's entity (e.g. {@code "user_id": "u-42"}) and
 * leave out the features the service looks up for it.
 *
 * @param rows     decoded rows
 * @param columnar whether the caller used {@code inputs} (and so expects {@code outputs} back)
 */
record TfServingInput(RequestRows rows, boolean columnar) implements Models.Decoded {

    private static final Set<String> FIELDS = Set.of("signature_name", "instances", "inputs");

    static TfServingInput decode(JsonNode body, Manifest manifest, int maxRows) throws ApiException {
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!FIELDS.contains(field)) {
                throw ApiException.badRequest(
                        "unknown field '" + field + "' (allowed: signature_name, instances, inputs)");
            }
        }
        JsonNode signature = body.get("signature_name");
        if (signature != null && !(signature.isTextual() && signature.asText().equals(manifest.signatureName()))) {
            throw ApiException.badRequest("signature_name " + signature + " is not served by model '" + manifest.model()
                    + "' (signatures: " + manifest.signatureName() + ")");
        }
        boolean hasInstances = body.has("instances");
        if (hasInstances == body.has("inputs")) {
            throw ApiException.badRequest("give exactly one of 'instances' (row format) or 'inputs' (columnar format)");
        }
        return hasInstances
                ? new TfServingInput(instances(body.get("instances"), manifest, maxRows), false)
                : new TfServingInput(inputs(body.get("inputs"), manifest, maxRows), true);
    }

    private static RequestRows instances(JsonNode instances, Manifest manifest, int maxRows) throws ApiException {
        if (!instances.isArray()) {
            throw ApiException.badRequest("instances must be an array of rows, got " + Json.typeOf(instances));
        }
        FeatureValues.checkRows(instances.size(), maxRows, "instances");
        int n = instances.size();
        int width = manifest.features().size();
        RequestRows rows = new RequestRows(new float[n][width], new boolean[n][width], new String[n]);
        for (int i = 0; i < n; i++) {
            JsonNode instance = instances.get(i);
            String path = "instances[" + i + "]";
            JsonNode tensor = instance.isObject() && instance.size() == 1
                    ? instance.get(manifest.input().name())
                    : null;
            if (tensor != null) {
                fill(
                        rows,
                        i,
                        FeatureValues.row(
                                tensor, manifest, path + "." + manifest.input().name()));
            } else if (instance.isObject()) {
                named(instance, manifest, path, rows, i);
            } else if (instance.isArray()) {
                fill(rows, i, FeatureValues.row(instance, manifest, path));
            } else {
                throw ApiException.badRequest(path + " must be an array in feature order or an object keyed by"
                        + " feature name (" + FeatureValues.names(manifest) + "), got " + Json.typeOf(instance));
            }
        }
        return rows;
    }

    private static void named(JsonNode instance, Manifest manifest, String path, RequestRows rows, int i)
            throws ApiException {
        rejectUnknownFields(instance, manifest, path);
        String entityKey = manifest.entity() == null ? null : manifest.entity().key();
        if (entityKey != null && instance.has(entityKey)) {
            rows.entityIds()[i] = FeatureValues.entityId(instance.get(entityKey), path + "." + entityKey);
        }
        List<Manifest.Feature> features = manifest.features();
        for (int j = 0; j < features.size(); j++) {
            Manifest.Feature f = features.get(j);
            if (instance.has(f.name())) {
                rows.values()[i][j] = FeatureValues.read(instance.get(f.name()), f, path + "." + f.name());
                rows.provided()[i][j] = true;
            } else if (rows.entityIds()[i] == null || !FeatureValues.enrichable(manifest, f)) {
                throw FeatureValues.missing(manifest, f, path + "." + f.name());
            }
        }
    }

    private static RequestRows inputs(JsonNode inputs, Manifest manifest, int maxRows) throws ApiException {
        if (inputs.isArray()) {
            return RequestRows.complete(rows(inputs, manifest, maxRows, "inputs"));
        }
        if (!inputs.isObject()) {
            throw ApiException.badRequest(
                    "inputs must be an object of feature columns or an array of rows, got " + Json.typeOf(inputs));
        }
        JsonNode tensor = inputs.size() == 1 ? inputs.get(manifest.input().name()) : null;
        if (tensor != null) {
            return RequestRows.complete(
                    rows(tensor, manifest, maxRows, "inputs." + manifest.input().name()));
        }
        rejectUnknownFields(inputs, manifest, "inputs");
        int n = columnLength(inputs, maxRows);
        int width = manifest.features().size();
        RequestRows rows = new RequestRows(new float[n][width], new boolean[n][width], new String[n]);
        String entityKey = manifest.entity() == null ? null : manifest.entity().key();
        if (entityKey != null && inputs.has(entityKey)) {
            JsonNode ids = column(inputs, entityKey, n);
            for (int i = 0; i < n; i++) {
                rows.entityIds()[i] = FeatureValues.entityId(ids.get(i), "inputs." + entityKey + "[" + i + "]");
            }
        }
        List<Manifest.Feature> features = manifest.features();
        for (int j = 0; j < features.size(); j++) {
            Manifest.Feature f = features.get(j);
            String path = "inputs." + f.name();
            if (!inputs.has(f.name())) {
                if (rows.entityIds()[0] == null || !FeatureValues.enrichable(manifest, f)) {
                    throw FeatureValues.missing(manifest, f, path);
                }
                continue;
            }
            JsonNode values = column(inputs, f.name(), n);
            for (int i = 0; i < n; i++) {
                rows.values()[i][j] = FeatureValues.read(values.get(i), f, path + "[" + i + "]");
                rows.provided()[i][j] = true;
            }
        }
        return rows;
    }

    /** The row count every column must have: the length of the first column. */
    private static int columnLength(JsonNode inputs, int maxRows) throws ApiException {
        Iterator<String> names = inputs.fieldNames();
        if (!names.hasNext()) {
            throw ApiException.badRequest("inputs must name at least one feature column");
        }
        String first = names.next();
        JsonNode column = inputs.get(first);
        if (!column.isArray()) {
            throw ApiException.badRequest(
                    "inputs." + first + " must be an array (one value per row), got " + Json.typeOf(column));
        }
        FeatureValues.checkRows(column.size(), maxRows, "inputs." + first);
        return column.size();
    }

    private static JsonNode column(JsonNode inputs, String name, int n) throws ApiException {
        JsonNode column = inputs.get(name);
        if (!column.isArray()) {
            throw ApiException.badRequest(
                    "inputs." + name + " must be an array (one value per row), got " + Json.typeOf(column));
        }
        if (column.size() != n) {
            throw ApiException.badRequest("inputs." + name + " has " + column.size() + " values but inputs."
                    + inputs.fieldNames().next() + " has " + n + "; every column needs one value per row");
        }
        return column;
    }

    private static float[][] rows(JsonNode array, Manifest manifest, int maxRows, String path) throws ApiException {
        if (!array.isArray()) {
            throw ApiException.badRequest(path + " must be an array of rows, got " + Json.typeOf(array));
        }
        FeatureValues.checkRows(array.size(), maxRows, path);
        float[][] rows = new float[array.size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = FeatureValues.row(array.get(i), manifest, path + "[" + i + "]");
        }
        return rows;
    }

    private static void fill(RequestRows rows, int i, float[] values) {
        rows.values()[i] = values;
        java.util.Arrays.fill(rows.provided()[i], true);
    }

    private static void rejectUnknownFields(JsonNode object, Manifest manifest, String path) throws ApiException {
        Set<String> known =
                manifest.features().stream().map(Manifest.Feature::name).collect(Collectors.toSet());
        if (manifest.entity() != null) {
            known.add(manifest.entity().key());
        }
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) {
                throw ApiException.badRequest(path + "." + name + " is not a feature of model '" + manifest.model()
                        + "' (features: " + FeatureValues.names(manifest) + ")");
            }
        }
    }
}
