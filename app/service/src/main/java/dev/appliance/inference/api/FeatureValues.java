package dev.appliance.inference.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.appliance.inference.model.Dtype;
import dev.appliance.inference.model.Manifest;
import java.util.List;
import java.util.stream.Collectors;

/** Converts JSON values to model input, checking each against its feature's declared type. */
final class FeatureValues {

    private FeatureValues() {}

    /** One value for one feature; {@code path} names the value in the request for the error message. */
    static float read(JsonNode value, Manifest.Feature feature, String path) throws ApiException {
        if (value == null || !value.isNumber()) {
            throw ApiException.badRequest(path + " (" + feature.name() + ", " + feature.dtype()
                    + ") must be a number, got " + (value == null ? "nothing" : Json.typeOf(value)));
        }
        double d = value.doubleValue();
        if (!Double.isFinite(d) || Math.abs(d) > Float.MAX_VALUE) {
            throw ApiException.badRequest(path + " (" + feature.name() + ") is outside the float32 range: " + value);
        }
        if (feature.type() == Dtype.INT32 && (d != Math.rint(d) || d < Integer.MIN_VALUE || d > Integer.MAX_VALUE)) {
            throw ApiException.badRequest(
                    path + " (" + feature.name() + ", int32) must be a whole number, got " + value);
        }
        return (float) d;
    }

    /** One row given as an array in feature order. */
    static float[] row(JsonNode array, Manifest manifest, String path) throws ApiException {
        List<Manifest.Feature> features = manifest.features();
        if (!array.isArray() || array.size() != features.size()) {
            throw ApiException.badRequest(path + " must be an array of " + features.size() + " numbers ("
                    + names(manifest) + "), got " + describe(array));
        }
        float[] row = new float[features.size()];
        for (int j = 0; j < row.length; j++) {
            row[j] = read(array.get(j), features.get(j), path + "[" + j + "]");
        }
        return row;
    }

    /** Checks a row count against the limit and that there is at least one row. */
    static void checkRows(int rows, int maxRows, String path) throws ApiException {
        if (rows == 0) {
            throw ApiException.badRequest(path + " must hold at least one row");
        }
        if (rows > maxRows) {
            throw ApiException.badRequest(path + " holds " + rows + " rows; at most " + maxRows + " per request");
        }
    }

    /** Whether the service can look the feature up for an entity instead of the caller giving it. */
    static boolean enrichable(Manifest manifest, Manifest.Feature feature) {
        return manifest.entity() != null
                && manifest.entity().features().stream().anyMatch(f -> f.name().equals(feature.name()));
    }

    /** The 400 for an absent feature, saying how else it could be given. */
    static ApiException missing(Manifest manifest, Manifest.Feature feature, String path) {
        return ApiException.badRequest(path + " is missing"
                + (enrichable(manifest, feature)
                        ? " (or give " + manifest.entity().key() + " so the service looks it up)"
                        : ""));
    }

    /** An entity id: a non-empty string or a whole number, at most 256 characters. */
    static String entityId(JsonNode value, String path) throws ApiException {
        if (value != null && (value.isTextual() || value.isIntegralNumber())) {
            String id = value.asText();
            if (!id.isEmpty() && id.length() <= 256) {
                return id;
            }
        }
        throw ApiException.badRequest(
                path + " must be a non-empty string (at most 256 characters) or a whole number, got "
                        + (value == null ? "nothing" : Json.typeOf(value)));
    }

    static String names(Manifest manifest) {
        return manifest.features().stream().map(Manifest.Feature::name).collect(Collectors.joining(", "));
    }

    static String describe(JsonNode node) {
        return node.isArray() ? "an array of " + node.size() : Json.typeOf(node);
    }
}
