package dev.appliance.inference.api;

import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.appliance.inference.model.Manifest;

/**
 * Decodes a TF Serving REST predict body into rows in manifest feature order.
 *
 * <p>Row format: {@code {"instances": [...]}} where each instance is an array in feature order, an object
 * keyed by feature name, or {@code {"<input tensor>": [...]}}. Columnar format: {@code {"inputs": ...}}
 * holding an object of feature name to column, {@code {"<input tensor>": [[...], ...]}}, or the rows
 * directly.
 *
 * @param rows     one array per row, in feature order
 * @param columnar whether the caller used {@code inputs} (and so expects {@code outputs} back)
 */
record TfServingInput(float[][] rows, boolean columnar) {

    private static final Set<String> FIELDS = Set.of("signature_name", "instances", "inputs");

    static TfServingInput decode(JsonNode body, Manifest manifest, int maxRows) throws ApiException {
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!FIELDS.contains(field)) {
                throw ApiException.badRequest("unknown field '" + field + "' (allowed: signature_name, instances, inputs)");
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

    private static float[][] instances(JsonNode instances, Manifest manifest, int maxRows) throws ApiException {
        if (!instances.isArray()) {
            throw ApiException.badRequest("instances must be an array of rows, got " + Json.typeOf(instances));
        }
        FeatureValues.checkRows(instances.size(), maxRows, "instances");
        float[][] rows = new float[instances.size()][];
        for (int i = 0; i < rows.length; i++) {
            JsonNode instance = instances.get(i);
            String path = "instances[" + i + "]";
            JsonNode tensor = instance.isObject() && instance.size() == 1 ? instance.get(manifest.input().name()) : null;
            if (tensor != null) {
                rows[i] = FeatureValues.row(tensor, manifest, path + "." + manifest.input().name());
            } else if (instance.isObject()) {
                rows[i] = named(instance, manifest, path);
            } else if (instance.isArray()) {
                rows[i] = FeatureValues.row(instance, manifest, path);
            } else {
                throw ApiException.badRequest(path + " must be an array in feature order or an object keyed by"
                        + " feature name (" + FeatureValues.names(manifest) + "), got " + Json.typeOf(instance));
            }
        }
        return rows;
    }

    private static float[] named(JsonNode instance, Manifest manifest, String path) throws ApiException {
        rejectUnknownFeatures(instance, manifest, path);
        List<Manifest.Feature> features = manifest.features();
        float[] row = new float[features.size()];
        for (int j = 0; j < row.length; j++) {
            Manifest.Feature f = features.get(j);
            if (!instance.has(f.name())) {
                throw ApiException.badRequest(path + "." + f.name() + " is missing");
            }
            row[j] = FeatureValues.read(instance.get(f.name()), f, path + "." + f.name());
        }
        return row;
    }

    private static float[][] inputs(JsonNode inputs, Manifest manifest, int maxRows) throws ApiException {
        if (inputs.isArray()) {
            return rows(inputs, manifest, maxRows, "inputs");
        }
        if (!inputs.isObject()) {
            throw ApiException.badRequest("inputs must be an object of feature columns or an array of rows, got "
                    + Json.typeOf(inputs));
        }
        JsonNode tensor = inputs.size() == 1 ? inputs.get(manifest.input().name()) : null;
        if (tensor != null) {
            return rows(tensor, manifest, maxRows, "inputs." + manifest.input().name());
        }
        rejectUnknownFeatures(inputs, manifest, "inputs");
        List<Manifest.Feature> features = manifest.features();
        int n = -1;
        float[][] rows = null;
        for (int j = 0; j < features.size(); j++) {
            Manifest.Feature f = features.get(j);
            String path = "inputs." + f.name();
            JsonNode column = inputs.get(f.name());
            if (column == null) {
                throw ApiException.badRequest(path + " is missing");
            }
            if (!column.isArray()) {
                throw ApiException.badRequest(path + " must be an array (one value per row), got " + Json.typeOf(column));
            }
            if (n < 0) {
                n = column.size();
                FeatureValues.checkRows(n, maxRows, path);
                rows = new float[n][features.size()];
            } else if (column.size() != n) {
                throw ApiException.badRequest(path + " has " + column.size() + " values but inputs."
                        + features.get(0).name() + " has " + n + "; every column needs one value per row");
            }
            for (int i = 0; i < n; i++) {
                rows[i][j] = FeatureValues.read(column.get(i), f, path + "[" + i + "]");
            }
        }
        return rows;
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

    private static void rejectUnknownFeatures(JsonNode object, Manifest manifest, String path) throws ApiException {
        Set<String> known = manifest.features().stream().map(Manifest.Feature::name).collect(Collectors.toSet());
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) {
                throw ApiException.badRequest(path + "." + name + " is not a feature of model '" + manifest.model()
                        + "' (features: " + FeatureValues.names(manifest) + ")");
            }
        }
    }
}
