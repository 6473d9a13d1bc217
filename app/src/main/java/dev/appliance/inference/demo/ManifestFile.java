package dev.appliance.inference.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Writes {@code manifest.json} (schema 1) for a version folder: what the model is, its signature's input
 * and output, the input's feature columns in order, and the SHA-256 of every other file in the folder.
 */
final class ManifestFile {

    static final String NAME = "manifest.json";
    static final String SIGNATURE_NAME = "manifest.sig";

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

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ManifestFile() {
    }

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
        ObjectNode age = looked.addObject().put("name", "account_age_days").put("source", "stored").put("max_age", "2d");
        ObjectNode mean = looked.addObject().put("name", "recent_amount_mean").put("source", "mean").put("of", "amount")
                .put("last", RECENT).put("max_age", "90d");
        ObjectNode zscore = looked.addObject().put("name", "recent_amount_zscore").put("source", "zscore")
                .put("of", "amount").put("last", RECENT).put("max_age", "90d");
        if (defaults) {
            // Neutral values: a one-year-old account, the data set's typical amount, an unremarkable amount.
            age.put("default", 365.0);
            mean.put("default", 45.0);
            zscore.put("default", 0.0);
        }
        ObjectNode files = root.putObject("files");
        hashes(versionDir).forEach(files::put);
        byte[] bytes = JSON.writeValueAsBytes(root);
        byte[] withNewline = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, withNewline, 0, bytes.length);
        withNewline[bytes.length] = '\n';
        Files.write(versionDir.resolve(NAME), withNewline);
    }

    /** SHA-256 of every regular file but the manifest and its signature, by '/'-separated relative path, sorted. */
    static SortedMap<String, String> hashes(Path versionDir) throws IOException {
        SortedMap<String, String> hashes = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(versionDir)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                String relative = versionDir.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
                if (!relative.equals(NAME) && !relative.equals(SIGNATURE_NAME)) {
                    hashes.put(relative, sha256(file));
                }
            }
        }
        return hashes;
    }

    private static ObjectNode tensor(String name) {
        return JSON.createObjectNode().put("name", name).put("dtype", "float32");
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
