package dev.appliance.inference.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import dev.appliance.inference.model.ModelRejectedException.Reason;

/**
 * Checks a version folder before anything of it reaches the engine: the manifest's signature (when a
 * signing key is configured), the manifest itself, and that the folder holds exactly the files the
 * manifest lists with the SHA-256 it lists.
 */
final class ModelVerifier {

    private final Optional<PublicKey> signingKey;

    ModelVerifier(Optional<PublicKey> signingKey) {
        this.signingKey = signingKey;
    }

    Manifest verify(Path versionDir, String model, long version) throws ModelRejectedException {
        byte[] manifestBytes = readManifest(versionDir);
        if (signingKey.isPresent()) {
            verifySignature(versionDir, manifestBytes, signingKey.get());
        }
        Manifest manifest = Manifest.parse(manifestBytes);
        if (!manifest.model().equals(model)) {
            throw new ModelRejectedException(Reason.MANIFEST,
                    "manifest.json names model '" + manifest.model() + "' but lives under '" + model + "'");
        }
        if (manifest.version() != version) {
            throw new ModelRejectedException(Reason.MANIFEST,
                    "manifest.json names version " + manifest.version() + " but lives under " + version);
        }
        verifyFiles(versionDir, manifest.files());
        return manifest;
    }

    private static byte[] readManifest(Path versionDir) throws ModelRejectedException {
        try {
            return Files.readAllBytes(versionDir.resolve(Manifest.FILE));
        } catch (IOException e) {
            throw new ModelRejectedException(Reason.MANIFEST, "manifest.json cannot be read: " + e);
        }
    }

    private static void verifySignature(Path versionDir, byte[] manifestBytes, PublicKey key)
            throws ModelRejectedException {
        Path sigFile = versionDir.resolve(Manifest.SIGNATURE_FILE);
        if (!Files.isRegularFile(sigFile)) {
            throw new ModelRejectedException(Reason.SIGNATURE,
                    "manifest.sig is missing and a model signing key is configured");
        }
        try {
            byte[] sig = Base64.getDecoder().decode(Files.readString(sigFile).trim());
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(key);
            verifier.update(manifestBytes);
            if (!verifier.verify(sig)) {
                throw new ModelRejectedException(Reason.SIGNATURE,
                        "manifest.sig is not a valid signature of manifest.json by the configured key");
            }
        } catch (IOException | IllegalArgumentException | GeneralSecurityException e) {
            throw new ModelRejectedException(Reason.SIGNATURE, "manifest.sig cannot be checked: " + e.getMessage());
        }
    }

    private static void verifyFiles(Path versionDir, Map<String, String> expected) throws ModelRejectedException {
        Set<String> present = listFiles(versionDir);
        for (String file : present) {
            if (!expected.containsKey(file)) {
                throw new ModelRejectedException(Reason.INTEGRITY, "file '" + file + "' is not listed in manifest.json");
            }
        }
        for (Map.Entry<String, String> e : expected.entrySet()) {
            if (!present.contains(e.getKey())) {
                throw new ModelRejectedException(Reason.INTEGRITY,
                        "file '" + e.getKey() + "' listed in manifest.json is missing");
            }
            String actual = sha256(versionDir.resolve(e.getKey()));
            if (!actual.equals(e.getValue())) {
                throw new ModelRejectedException(Reason.INTEGRITY,
                        "SHA-256 of '" + e.getKey() + "' does not match manifest.json");
            }
        }
    }

    /** Every entry under the folder but the manifest and its signature; anything not a regular file is listed too. */
    private static Set<String> listFiles(Path versionDir) throws ModelRejectedException {
        try (Stream<Path> walk = Files.walk(versionDir)) {
            Set<String> files = new TreeSet<>();
            walk.filter(p -> !Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .map(p -> versionDir.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.equals(Manifest.FILE) && !p.equals(Manifest.SIGNATURE_FILE))
                    .forEach(files::add);
            return files;
        } catch (IOException e) {
            throw new ModelRejectedException(Reason.INTEGRITY, "version folder cannot be listed: " + e);
        }
    }

    private static String sha256(Path file) throws ModelRejectedException {
        if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new ModelRejectedException(Reason.INTEGRITY, "'" + file.getFileName() + "' is not a regular file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException | GeneralSecurityException e) {
            throw new ModelRejectedException(Reason.INTEGRITY, "cannot hash '" + file.getFileName() + "': " + e);
        }
    }
}
