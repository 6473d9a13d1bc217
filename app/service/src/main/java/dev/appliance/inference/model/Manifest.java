package dev.appliance.inference.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.appliance.inference.config.Settings;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code manifest.json} of one model version: what the model expects and the SHA-256 of every file
 * that belongs to it. Parsing is strict (unknown fields are refused) so a typo cannot silently change
 * what is served.
 *
 * @param schema        manifest format version, currently 1
 * @param model         model name; must equal the repository folder name
 * @param version       version number; must equal the version folder name
 * @param description   free text for humans
 * @param signatureName SavedModel signature to run
 * @param input         the single input tensor, shape {@code [-1, features.size()]}
 * @param output        the single output tensor, shape {@code [-1, k]}
 * @param features      input columns in tensor order
 * @param files         relative path ('/'-separated) to lowercase hex SHA-256, for every file of the version
 * @param entity        optional: the entity whose stored and derived features the service looks up; features
 *                      not listed there come from the request
 */
public record Manifest(
        int schema,
        String model,
        long version,
        String description,
        @JsonProperty("signature_name") String signatureName,
        Tensor input,
        Tensor output,
        List<Feature> features,
        Map<String, String> files,
        Entity entity) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final List<String> SOURCES = List.of("stored", "mean", "zscore", "count");

    /**
     * A named tensor of the SavedModel signature.
     *
     * @param name  tensor key in the signature
     * @param dtype element type; only {@code float32} is served
     */
    public record Tensor(String name, String dtype) {
        /** The parsed dtype ({@link Dtype#FLOAT32} once the manifest is validated). */
        public Dtype type() {
            return Dtype.fromManifest(dtype);
        }
    }

    /**
     * One input column.
     *
     * @param name  feature name callers use
     * @param dtype {@code float32} or {@code int32}
     */
    public record Feature(String name, String dtype) {
        /** The parsed dtype. */
        public Dtype type() {
            return Dtype.fromManifest(dtype);
        }
    }

    /**
     * The entity a request names (e.g. {@code user_id}) and the features looked up for it.
     *
     * @param key      name of the request field that holds the entity id
     * @param features features the service supplies, stored or derived from the entity's history
     */
    public record Entity(String key, List<EnrichedFeature> features) {}

    /**
     * A feature the service supplies instead of the caller.
     *
     * @param name         model feature it fills
     * @param source       {@code stored} (a stored value), {@code mean} (of the last N history values),
     *                     {@code zscore} (of the request's value against the last N) or {@code count}
     *                     (history events within a window)
     * @param of           for mean and zscore: the history field, and for zscore also the request feature
     * @param last         for mean and zscore: how many recent events
     * @param window       for count: how far back, e.g. {@code 1h}
     * @param maxAge       how old the stored value or the newest event used may be, e.g. {@code 30d}
     * @param defaultValue value to use when the feature is missing, stale or the store is down; without
     *                     one such a request is refused
     */
    public record EnrichedFeature(
            String name,
            String source,
            String of,
            Integer last,
            String window,
            @JsonProperty("max_age") String maxAge,
            @JsonProperty("default") Double defaultValue) {

        /** The max age as a duration (validated when the manifest is parsed). */
        public Duration maxAgeDuration() {
            return maxAge == null ? null : Settings.parseDuration(maxAge).orElseThrow();
        }

        /** The count window as a duration (validated when the manifest is parsed). */
        public Duration windowDuration() {
            return window == null ? null : Settings.parseDuration(window).orElseThrow();
        }
    }

    /** Parses and validates manifest bytes; the message of the exception says which field is wrong. */
    public static Manifest parse(byte[] bytes) throws ModelRejectedException {
        Manifest m;
        try {
            m = JSON.readValue(bytes, Manifest.class);
        } catch (JsonProcessingException e) {
            throw new ModelRejectedException(
                    ModelRejectedException.Reason.MANIFEST, "manifest.json is not valid: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ModelRejectedException(
                    ModelRejectedException.Reason.MANIFEST, "manifest.json cannot be read: " + e.getMessage());
        }
        m.validate();
        return m;
    }

    private void validate() throws ModelRejectedException {
        require(schema == 1, "schema must be 1, got " + schema);
        require(model != null && !model.isBlank(), "model is required");
        require(signatureName != null && !signatureName.isBlank(), "signature_name is required");
        require(input != null && input.name() != null, "input.name is required");
        require(output != null && output.name() != null, "output.name is required");
        require("float32".equals(input.dtype()), "input.dtype must be float32, got " + input.dtype());
        require("float32".equals(output.dtype()), "output.dtype must be float32, got " + output.dtype());
        require(features != null && !features.isEmpty(), "features must list at least one feature");
        Set<String> names = new HashSet<>();
        for (int i = 0; i < features.size(); i++) {
            Feature f = features.get(i);
            require(f != null && f.name() != null && !f.name().isBlank(), "features[" + i + "].name is required");
            require(names.add(f.name()), "features[" + i + "].name '" + f.name() + "' is a duplicate");
            try {
                f.type();
            } catch (IllegalArgumentException e) {
                throw rejected("features[" + i + "].dtype: " + e.getMessage());
            }
        }
        if (entity != null) {
            validateEntity();
        }
        require(files != null && !files.isEmpty(), "files must list the SavedModel's files");
        for (Map.Entry<String, String> e : files.entrySet()) {
            require(
                    e.getValue() != null && SHA256.matcher(e.getValue()).matches(),
                    "files['" + e.getKey() + "'] must be a lowercase hex SHA-256");
            require(
                    !e.getKey().startsWith("/")
                            && !List.of(e.getKey().split("/")).contains(".."),
                    "files['" + e.getKey() + "'] must be a relative path inside the version folder");
        }
    }

    private void validateEntity() throws ModelRejectedException {
        require(entity.key() != null && !entity.key().isBlank(), "entity.key is required");
        require(entity.features() != null && !entity.features().isEmpty(), "entity.features must not be empty");
        Set<String> modelFeatures = new HashSet<>();
        features.forEach(f -> modelFeatures.add(f.name()));
        require(!modelFeatures.contains(entity.key()), "entity.key '" + entity.key() + "' must not be a model feature");
        Set<String> enriched = new HashSet<>();
        entity.features().forEach(f -> enriched.add(f == null ? null : f.name()));
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < entity.features().size(); i++) {
            EnrichedFeature f = entity.features().get(i);
            String at = "entity.features[" + i + "]";
            require(f != null && modelFeatures.contains(f.name()), at + ".name must be one of the model's features");
            require(seen.add(f.name()), at + ".name '" + f.name() + "' is a duplicate");
            require(SOURCES.contains(f.source()), at + ".source must be one of " + SOURCES + ", got " + f.source());
            require(
                    f.maxAge() == null || Settings.parseDuration(f.maxAge()).isPresent(),
                    at + ".max_age must be a duration such as 30d, got " + f.maxAge());
            switch (f.source()) {
                case "count" ->
                    require(
                            f.window() != null
                                    && Settings.parseDuration(f.window()).isPresent(),
                            at + ".window must be a duration such as 1h");
                case "stored" -> require(f.maxAge() != null, at + ".max_age is required for a stored feature");
                default -> {
                    require("amount".equals(f.of()), at + ".of must be 'amount' (the history field)");
                    require(f.last() != null && f.last() >= 1 && f.last() <= 1000, at + ".last must be 1..1000");
                    require(f.maxAge() != null, at + ".max_age is required for a derived feature");
                    require(
                            !"zscore".equals(f.source())
                                    || (modelFeatures.contains(f.of()) && !enriched.contains(f.of())),
                            at + ": zscore needs '" + f.of() + "' as a model feature the request supplies");
                }
            }
        }
    }

    private static void require(boolean condition, String message) throws ModelRejectedException {
        if (!condition) {
            throw rejected(message);
        }
    }

    private static ModelRejectedException rejected(String message) {
        return new ModelRejectedException(ModelRejectedException.Reason.MANIFEST, "manifest.json: " + message);
    }
}
