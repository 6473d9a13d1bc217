package dev.appliance.inference.model;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

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
 */
public record Manifest(int schema,
                       String model,
                       long version,
                       String description,
                       @JsonProperty("signature_name") String signatureName,
                       Tensor input,
                       Tensor output,
                       List<Feature> features,
                       Map<String, String> files) {

    /** File name of the manifest inside a version folder. */
    public static final String FILE = "manifest.json";
    /** File name of the detached Ed25519 signature over the manifest's bytes. */
    public static final String SIGNATURE_FILE = "manifest.sig";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /**
     * A named tensor of the SavedModel signature.
     *
     * @param name  tensor key in the signature
     * @param dtype element type; only {@code float32} is served
     */
    public record Tensor(String name, String dtype) {
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

    /** Parses and validates manifest bytes; the message of the exception says which field is wrong. */
    static Manifest parse(byte[] bytes) throws ModelRejectedException {
        Manifest m;
        try {
            m = JSON.readValue(bytes, Manifest.class);
        } catch (JsonProcessingException e) {
            throw new ModelRejectedException(ModelRejectedException.Reason.MANIFEST,
                    "manifest.json is not valid: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ModelRejectedException(ModelRejectedException.Reason.MANIFEST,
                    "manifest.json cannot be read: " + e.getMessage());
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
        require(files != null && !files.isEmpty(), "files must list the SavedModel's files");
        for (Map.Entry<String, String> e : files.entrySet()) {
            require(e.getValue() != null && SHA256.matcher(e.getValue()).matches(),
                    "files['" + e.getKey() + "'] must be a lowercase hex SHA-256");
            require(!e.getKey().startsWith("/") && !List.of(e.getKey().split("/")).contains(".."),
                    "files['" + e.getKey() + "'] must be a relative path inside the version folder");
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
