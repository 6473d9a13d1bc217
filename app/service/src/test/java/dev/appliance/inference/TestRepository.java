package dev.appliance.inference;

import dev.appliance.inference.demo.DemoModels;
import dev.appliance.inference.manifest.SignedManifest;
import dev.appliance.inference.manifest.SigningKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.stream.Stream;

/** The demo model repository, built once per test run with the real builder, and copies of it to alter. */
final class TestRepository {

    private static Path built;

    private TestRepository() {}

    /** The signed demo repository: risk/1, risk/2, risk_heavy/1. Do not modify it; {@link #copyTo} first. */
    static synchronized Path demo() {
        if (built == null) {
            try {
                Path base = Files.createTempDirectory("demo-models");
                DemoModels.writeRepository(base.resolve("models"), Optional.of(signingKey(base)));
                built = base.resolve("models");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return built;
    }

    /** The public key the demo repository is signed with. */
    static Path publicKey() {
        return signingKey(demo().getParent()).resolveSibling("model.key.pub");
    }

    /** Signs a version folder's manifest with the demo key, as `make models` does. */
    static void sign(Path versionDir) throws IOException {
        SignedManifest.sign(
                versionDir,
                SigningKeys.loadOrCreateKeyPair(signingKey(demo().getParent())).getPrivate());
    }

    /** Turns a copied version folder into another version number by rewriting its manifest. */
    static void renumber(Path versionDir, long from, long to) throws IOException {
        Path manifest = versionDir.resolve("manifest.json");
        String text = Files.readString(manifest);
        String renumbered = text.replaceFirst("\"version\"\\s*:\\s*" + from + "\\b", "\"version\" : " + to);
        if (renumbered.equals(text)) {
            throw new IllegalStateException("no version " + from + " in " + manifest);
        }
        Files.writeString(manifest, renumbered);
    }

    /** Copies the demo repository into {@code target} and returns target. */
    static Path copyTo(Path target) throws IOException {
        copyTree(demo(), target);
        return target;
    }

    /** Copies one folder tree, keeping relative paths. */
    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static Path signingKey(Path base) {
        return base.resolve("keys").resolve("model.key");
    }
}
