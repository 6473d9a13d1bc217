package dev.appliance.inference.manifest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.appliance.inference.manifest.ManifestException.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The signed manifest of a model version folder, written by the demo-model builder and checked by the
 * service. {@code manifest.json} lists, under {@code files}, the lowercase hex SHA-256 of every other
 * entry of the folder by '/'-separated relative path. {@code manifest.sig} is the standard Base64, on one
 * line, of the Ed25519 signature over the exact bytes of {@code manifest.json}; since the manifest carries
 * the hash of every other file, the signature covers the whole version. What the rest of the manifest
 * says is the service's business ({@code model.Manifest}).
 */
public final class SignedManifest {

    /** File name of the manifest inside a version folder. */
    public static final String FILE = "manifest.json";
    /** File name of the detached Ed25519 signature over the manifest's bytes. */
    public static final String SIGNATURE_FILE = "manifest.sig";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SignedManifest() {}

    /**
     * Hashes the folder's files and writes {@code manifest.json} beside them: {@code fields} in their order,
     * then {@code files}, indented, with a final newline.
     */
    public static void write(Path versionDir, ObjectNode fields) throws IOException {
        ObjectNode root = fields.deepCopy();
        ObjectNode files = root.putObject("files");
        try {
            for (String file : entries(versionDir)) {
                files.put(file, sha256(versionDir.resolve(file)));
            }
        } catch (ManifestException e) {
            throw new IOException(e.getMessage(), e);
        }
        byte[] bytes = JSON.writeValueAsBytes(root);
        byte[] withNewline = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, withNewline, 0, bytes.length);
        withNewline[bytes.length] = '\n';
        Files.write(versionDir.resolve(FILE), withNewline);
    }

    /** Signs {@code versionDir/manifest.json} and writes {@code versionDir/manifest.sig}. */
    public static void sign(Path versionDir, PrivateKey key) throws IOException {
        try {
            Signature signer = Signature.getInstance(SigningKeys.ALGORITHM);
            signer.initSign(key);
            signer.update(Files.readAllBytes(versionDir.resolve(FILE)));
            String line = Base64.getEncoder().encodeToString(signer.sign()) + "\n";
            Files.writeString(versionDir.resolve(SIGNATURE_FILE), line, StandardCharsets.US_ASCII);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with an Ed25519 key: " + e.getMessage(), e);
        }
    }

    /** Checks that {@code versionDir/manifest.sig} is {@code key}'s signature of {@code manifest}, the bytes read. */
    public static void verifySignature(Path versionDir, byte[] manifest, PublicKey key) throws ManifestException {
        Path sigFile = versionDir.resolve(SIGNATURE_FILE);
        if (!Files.isRegularFile(sigFile)) {
            throw new ManifestException(
                    Problem.SIGNATURE, "manifest.sig is missing and a model signing key is configured");
        }
        try {
            byte[] sig = Base64.getDecoder()
                    .decode(Files.readString(sigFile, StandardCharsets.US_ASCII).trim());
            Signature verifier = Signature.getInstance(SigningKeys.ALGORITHM);
            verifier.initVerify(key);
            verifier.update(manifest);
            if (!verifier.verify(sig)) {
                throw new ManifestException(
                        Problem.SIGNATURE,
                        "manifest.sig is not a valid signature of manifest.json by the configured key");
            }
        } catch (IOException | IllegalArgumentException | GeneralSecurityException e) {
            throw new ManifestException(Problem.SIGNATURE, "manifest.sig cannot be checked: " + e.getMessage());
        }
    }

    /** Checks that the folder holds exactly the files {@code expected} lists, with the SHA-256 it lists. */
    public static void verifyFiles(Path versionDir, Map<String, String> expected) throws ManifestException {
        SortedSet<String> present = entries(versionDir);
        for (String file : present) {
            if (!expected.containsKey(file)) {
                throw new ManifestException(Problem.INTEGRITY, "file '" + file + "' is not listed in manifest.json");
            }
        }
        for (Map.Entry<String, String> e : expected.entrySet()) {
            if (!present.contains(e.getKey())) {
                throw new ManifestException(
                        Problem.INTEGRITY, "file '" + e.getKey() + "' listed in manifest.json is missing");
            }
            if (!sha256(versionDir.resolve(e.getKey())).equals(e.getValue())) {
                throw new ManifestException(
                        Problem.INTEGRITY, "SHA-256 of '" + e.getKey() + "' does not match manifest.json");
            }
        }
    }

    /** Every entry under the folder but the manifest and its signature; anything not a regular file is listed too. */
    private static SortedSet<String> entries(Path versionDir) throws ManifestException {
        try (Stream<Path> walk = Files.walk(versionDir)) {
            SortedSet<String> files = new TreeSet<>();
            walk.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .map(p -> versionDir.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.equals(FILE) && !p.equals(SIGNATURE_FILE))
                    .forEach(files::add);
            return files;
        } catch (IOException e) {
            throw new ManifestException(Problem.INTEGRITY, "version folder cannot be listed: " + e);
        }
    }

    private static String sha256(Path file) throws ManifestException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new ManifestException(Problem.INTEGRITY, "'" + file.getFileName() + "' is not a regular file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException | GeneralSecurityException e) {
            throw new ManifestException(Problem.INTEGRITY, "cannot hash '" + file.getFileName() + "': " + e);
        }
    }
}
