package dev.appliance.inference.model;

import dev.appliance.inference.manifest.ManifestException;
import dev.appliance.inference.manifest.SignedManifest;
import dev.appliance.inference.model.ModelRejectedException.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Optional;

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
        try {
            if (signingKey.isPresent()) {
                SignedManifest.verifySignature(versionDir, manifestBytes, signingKey.get());
            }
            Manifest manifest = Manifest.parse(manifestBytes);
            if (!manifest.model().equals(model)) {
                throw new ModelRejectedException(
                        Reason.MANIFEST,
                        "manifest.json names model '" + manifest.model() + "' but lives under '" + model + "'");
            }
            if (manifest.version() != version) {
                throw new ModelRejectedException(
                        Reason.MANIFEST,
                        "manifest.json names version " + manifest.version() + " but lives under " + version);
            }
            SignedManifest.verifyFiles(versionDir, manifest.files());
            return manifest;
        } catch (ManifestException e) {
            Reason reason = switch (e.problem()) {
                case SIGNATURE -> Reason.SIGNATURE;
                case INTEGRITY -> Reason.INTEGRITY;
            };
            throw new ModelRejectedException(reason, e.getMessage());
        }
    }

    private static byte[] readManifest(Path versionDir) throws ModelRejectedException {
        try {
            return Files.readAllBytes(versionDir.resolve(SignedManifest.FILE));
        } catch (IOException e) {
            throw new ModelRejectedException(Reason.MANIFEST, "manifest.json cannot be read: " + e);
        }
    }
}
