package dev.appliance.inference.demo;

import dev.appliance.inference.manifest.SigningKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Writes the demo model repository: {@code risk/1}, {@code risk/2} and {@code risk_heavy/1}, each a
 * TensorFlow SavedModel (tag {@code serve}, signature {@code serving_default}, input {@code features}
 * float32 {@code [-1, 6]}, output {@code probability} float32 {@code [-1, 1]}) with a
 * {@code manifest.json} and, when signing, a {@code manifest.sig}.
 *
 * <p>How they are made, honestly: the data set is synthetic ({@link SyntheticTransactions}, fixed seed);
 * each risk model is a logistic regression trained in plain Java by gradient descent; its inference graph
 * is then built with TensorFlow ops (feature encoding, weights as constants with the standardisation
 * folded in, sigmoid) and exported with the TensorFlow Java API that DJL runs. Every build gives the same
 * files byte for byte, hence the same predictions, manifests and signatures. {@code risk/2} adds
 * interaction columns and trains longer, so it predicts differently from {@code risk/1}.
 * {@code risk_heavy/1} is {@code risk/1} plus an expensive, nearly neutral branch ({@link HeavyBranch})
 * that costs several milliseconds per row.
 *
 * <p>Every version is written into a hidden staging folder beside it and renamed into place, replacing
 * what was there, so a running server never sees half a version. These methods print nothing; the
 * command prints progress.
 */
public final class DemoModels {

    private DemoModels() {}

    /** Writes risk model {@code version} (1 or 2) into {@code versionDir}, unsigned. */
    public static void writeRisk(Path versionDir, int version) {
        try {
            new DemoModelBuilder(line -> {}).writeRisk(versionDir, version, Optional.empty());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write risk v" + version + " to " + versionDir, e);
        }
    }

    /** Writes the heavy demo model (same input and output as risk) into {@code versionDir}, unsigned. */
    public static void writeHeavy(Path versionDir) {
        try {
            new DemoModelBuilder(line -> {}).writeHeavy(versionDir, Optional.empty());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write risk_heavy to " + versionDir, e);
        }
    }

    /**
     * Writes all three versions under {@code root}. With a signing key path, reads the key pair there (or
     * creates it, see {@link SigningKeys#loadOrCreateKeyPair}) and signs every version.
     */
    public static void writeRepository(Path root, Optional<Path> signingKey) {
        writeRepository(root, signingKey, line -> {});
    }

    static void writeRepository(Path root, Optional<Path> signingKey, Consumer<String> progress) {
        Optional<KeyPair> signer = signingKey.map(key -> {
            boolean existed = Files.exists(key);
            KeyPair pair = SigningKeys.loadOrCreateKeyPair(key);
            progress.accept((existed ? "signing with the existing key " : "generated a new signing key ") + key
                    + " (public key " + SigningKeys.publicKeyFile(key) + ")");
            return pair;
        });
        try {
            new DemoModelBuilder(progress).writeRepository(root, signer);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demo models to " + root, e);
        }
    }
}
