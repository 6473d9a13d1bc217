package dev.appliance.inference.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.appliance.inference.manifest.SignedManifest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes {@code manifest.json} (schema 1) for a version folder: what the model is, its signature's input
 * and output, the input's feature columns in order, and (by {@link SignedManifest}) the SHA-256 of every
 * other file in the folder.
 */
final class ManifestFile {

    /** Feature columns of the {@code features} tensor, in order, with their logical dtypes. */
    private static final List<String[]> FEATURES = List.of(
            new String[] {"amount", "float32"},
            new String[] {"merchant_category", "int32"},
            new String[] {"hour", "int32"},
            new String[] {"account_age_days", "float32"},
            new String[] {"recent_amount_mean", "float32"},
            new String[] {"recent_amount_zscore", "float32"});

    /** How many recent amounts the mean and z-score use: the most the synthetic data set gives a user. */
    private static final int RECENT = 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private ManifestFile() {}

    /**
     * Hashes the folder's files and writes the manifest beside them. Every demo model looks up the
     * user's account age and recent amounts by {@code user_id}; with {@code defaults} it also declares
     * what to use when they are missing, stale or the store is down (otherwise such requests are refused).
     */
    static void write(Path versionDir, String model, int version, String description, boolean defaults)
            throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("schema", 1);
        root.put("model", model);
        root.put("version", version);
        root.put("description", description);
        root.put("signature_name", SavedModelExport.SIGNATURE);
        root.set("input", tensor(SavedModelExport.INPUT));
        root.set("output", tensor(SavedModelExport.OUTPUT));
        ArrayNode features = root.putArray("features");
        for (String[] f : FEATURES) {
            features.addObject().put("name", f[0]).put("dtype", f[1]);
        }
        ObjectNode entity = root.putObject("entity").put("key", "user_id");
        ArrayNode looked = entity.putArray("features");
        ObjectNode age = looked.addObject()
                .put("name", "account_age_days")
                .put("source", "stored")
                .put("max_age", "2d");
        ObjectNode mean = looked.addObject()
                .put("name", "recent_amount_mean")
                .put("source", "mean")
                .put("of", "amount")
                .put("last", RECENT)
                .put("max_age", "90d");
        ObjectNode zscore = looked.addObject()
                .put("name", "recent_amount_zscore")
                .put("source", "zscore")
                .put("of", "amount")
                .put("last", RECENT)
                .put("max_age", "90d");
        if (defaults) {
            // Neutral values: a one-year-old account, the data set's typical amount, an unremarkable amount.
            age.put("default", 365.0);
            mean.put("default", 45.0);
            zscore.put("default", 0.0);
        }
        SignedManifest.write(versionDir, root);
    }

    private static ObjectNode tensor(String name) {
        return JSON.createObjectNode().put("name", name).put("dtype", "float32");
    }
}
