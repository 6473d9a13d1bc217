package dev.appliance.inference.demo;

import dev.appliance.inference.manifest.ManifestException;
import dev.appliance.inference.manifest.SignedManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Trains and writes the demo models, reporting progress to a callback. Keeps the data set and the trained
 * models, so building the whole repository generates and trains each only once.
 */
final class DemoModelBuilder {

    static final String RISK = "risk";
    static final String HEAVY = "risk_heavy";
    static final int DATA_SET_SIZE = 25_000;
    static final int TRAINING_ROWS = 20_000;

    private static final String RISK_DESCRIPTION =
            "Probability that a card transaction is risky (demo, synthetic data)";
    private static final String HEAVY_DESCRIPTION = "Probability that a card transaction is risky, with a deliberately"
            + " expensive extra branch (demo, synthetic data; about 1.6 GFLOP per row)";

    /** What distinguishes the two risk versions: v2 adds interaction columns and trains longer. */
    private static final Map<Integer, Recipe> RECIPES = Map.of(
            1, new Recipe(FeatureEncoding.BASE, 150),
            2, new Recipe(FeatureEncoding.WITH_INTERACTIONS, 400));

    private record Recipe(FeatureEncoding encoding, int epochs) {}

    private final Consumer<String> progress;
    private final Map<FeatureEncoding, LogisticModel> trained = new EnumMap<>(FeatureEncoding.class);
    private List<SyntheticTransactions.Labelled> dataSet;

    DemoModelBuilder(Consumer<String> progress) {
        this.progress = progress;
    }

    /** The trained risk model of {@code version} (1 or 2). */
    LogisticModel risk(int version) {
        Recipe recipe = RECIPES.get(version);
        if (recipe == null) {
            throw new IllegalArgumentException("risk demo model has versions 1 and 2, not " + version);
        }
        return trained.computeIfAbsent(recipe.encoding(), e -> train(version, recipe));
    }

    void writeRisk(Path versionDir, int version, Optional<KeyPair> signer) throws IOException {
        LogisticModel model = risk(version);
        write(versionDir, RISK, version, RISK_DESCRIPTION, model, Optional.empty(), signer);
    }

    void writeHeavy(Path versionDir, Optional<KeyPair> signer) throws IOException {
        LogisticModel model = risk(1);
        progress.accept("risk_heavy v1: the risk v1 model plus a fixed random " + HeavyBranch.WIDTH + "x"
                + HeavyBranch.WIDTH + " per-row branch (nudges the log-odds by at most 0.05)");
        write(
                versionDir,
                HEAVY,
                1,
                HEAVY_DESCRIPTION,
                model,
                Optional.of(HeavyBranch.forInputWidth(model.encoding().width())),
                signer);
    }

    void writeRepository(Path root, Optional<KeyPair> signer) throws IOException {
        writeRisk(root.resolve(RISK).resolve("1"), 1, signer);
        writeRisk(root.resolve(RISK).resolve("2"), 2, signer);
        writeHeavy(root.resolve(HEAVY).resolve("1"), signer);
    }

    private void write(
            Path versionDir,
            String name,
            int version,
            String description,
            LogisticModel model,
            Optional<HeavyBranch> heavy,
            Optional<KeyPair> signer)
            throws IOException {
        StagedVersion.publish(versionDir, staging -> {
            SavedModelExport.export(staging, model, heavy);
            // The canary (risk v2) declares no defaults: without fresh features it refuses rather than guesses.
            ManifestFile.write(staging, name, version, description, !(name.equals(RISK) && version == 2));
            if (signer.isPresent()) {
                SignedManifest.sign(staging, signer.get().getPrivate());
                try {
                    SignedManifest.verifySignature(
                            staging,
                            Files.readAllBytes(staging.resolve(SignedManifest.FILE)),
                            signer.get().getPublic());
                } catch (ManifestException e) {
                    throw new IllegalStateException("the signing key's .pub does not match its private key", e);
                }
            }
        });
        try (Stream<Path> files = Files.walk(versionDir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                progress.accept(String.format("  wrote %s (%,d bytes)", f, Files.size(f)));
            }
        }
    }

    private LogisticModel train(int version, Recipe recipe) {
        List<SyntheticTransactions.Labelled> rows = dataSet();
        progress.accept(String.format(
                "risk v%d: logistic regression on %d encoded columns (%s), %d epochs of"
                        + " full-batch gradient descent",
                version, recipe.encoding().width(), recipe.encoding(), recipe.epochs()));
        LogisticModel model =
                GradientDescent.train(recipe.encoding(), rows.subList(0, TRAINING_ROWS), recipe.epochs(), 50, progress);
        progress.accept("risk v" + version + ": " + HeldOutMetrics.of(model, rows.subList(TRAINING_ROWS, rows.size())));
        return model;
    }

    private List<SyntheticTransactions.Labelled> dataSet() {
        if (dataSet == null) {
            dataSet = SyntheticTransactions.generate(DATA_SET_SIZE, SyntheticTransactions.SEED);
            long risky = dataSet.stream()
                    .filter(SyntheticTransactions.Labelled::risky)
                    .count();
            progress.accept(String.format(
                    "data set: %,d synthetic transactions (seed %d), %,d for training and %,d"
                            + " held out; %.1f%% risky",
                    dataSet.size(),
                    SyntheticTransactions.SEED,
                    TRAINING_ROWS,
                    dataSet.size() - TRAINING_ROWS,
                    100.0 * risky / dataSet.size()));
        }
        return dataSet;
    }
}
