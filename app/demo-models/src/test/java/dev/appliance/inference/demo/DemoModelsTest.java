package dev.appliance.inference.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoModelsTest {

    /** 3 am, a brand-new account, a gift-card purchase 50 times the user's usual amount. */
    private static final float[] RISKY = new Transaction(2500f, 11, 3, 2f, 48f, 95f).features();
    /** Mid-afternoon grocery shopping of a usual amount on a three-year-old account. */
    private static final float[] ORDINARY = new Transaction(42.5f, 0, 15, 1100f, 45f, -0.2f).features();

    @TempDir
    static Path repo;

    @BeforeAll
    static void buildOnce() {
        DemoModels.writeRisk(repo.resolve("risk/1"), 1);
        DemoModels.writeRisk(repo.resolve("risk/2"), 2);
        DemoModels.writeHeavy(repo.resolve("risk_heavy/1"));
    }

    @Test
    void scoresAnObviouslyRiskyTransactionAboveAnOrdinaryOne() throws Exception {
        for (String version : List.of("risk/1", "risk/2", "risk_heavy/1")) {
            try (SavedModels model = SavedModels.load(repo.resolve(version))) {
                float[] p = model.predict(RISKY, ORDINARY);
                assertTrue(
                        p[0] > 0.5f && p[1] < 0.05f && p[0] > p[1],
                        version + ": risky " + p[0] + " vs ordinary " + p[1]);
            }
        }
    }

    @Test
    void exportedGraphComputesWhatWasTrained() throws Exception {
        DemoModelBuilder builder = new DemoModelBuilder(line -> {});
        List<float[]> rows = heldOutRows(200);
        for (int version : new int[] {1, 2}) {
            LogisticModel trained = builder.risk(version);
            try (SavedModels model = SavedModels.load(repo.resolve("risk/" + version))) {
                float[] p = model.predict(rows.toArray(float[][]::new));
                for (int i = 0; i < p.length; i++) {
                    assertEquals(trained.probability(rows.get(i)), p[i], 1e-5, "v" + version + " row " + i);
                }
            }
        }
    }

    @Test
    void versionTwoPredictsDifferentlyFromVersionOne() throws Exception {
        float[][] rows = heldOutRows(50).toArray(float[][]::new);
        try (SavedModels v1 = SavedModels.load(repo.resolve("risk/1"));
                SavedModels v2 = SavedModels.load(repo.resolve("risk/2"))) {
            float[] p1 = v1.predict(rows);
            float[] p2 = v2.predict(rows);
            long differing = IntStream.range(0, rows.length)
                    .filter(i -> Math.abs(p1[i] - p2[i]) > 1e-3)
                    .count();
            assertTrue(differing > rows.length / 2, differing + " of " + rows.length + " rows differ");
        }
    }

    @Test
    void buildingAVersionAgainGivesIdenticalFilesAndPredictions(@TempDir Path again) throws Exception {
        DemoModels.writeRisk(again.resolve("risk/2"), 2);
        assertArrayEquals(
                Files.readAllBytes(repo.resolve("risk/2/manifest.json")),
                Files.readAllBytes(again.resolve("risk/2/manifest.json")),
                "manifest, hence every file hash");
        float[][] rows = heldOutRows(100).toArray(float[][]::new);
        try (SavedModels first = SavedModels.load(repo.resolve("risk/2"));
                SavedModels second = SavedModels.load(again.resolve("risk/2"))) {
            assertArrayEquals(first.predict(rows), second.predict(rows));
        }
    }

    @Test
    void manifestDescribesTheModelAndHashesEveryFile() throws Exception {
        Path dir = repo.resolve("risk/2");
        JsonNode manifest =
                new ObjectMapper().readTree(dir.resolve("manifest.json").toFile());
        assertEquals(
                List.of(
                        "schema",
                        "model",
                        "version",
                        "description",
                        "signature_name",
                        "input",
                        "output",
                        "features",
                        "entity",
                        "files"),
                fieldNames(manifest));
        assertEquals(1, manifest.get("schema").asInt());
        assertEquals("risk", manifest.get("model").asText());
        assertEquals(2, manifest.get("version").asInt());
        assertEquals("serving_default", manifest.get("signature_name").asText());
        assertEquals("features", manifest.at("/input/name").asText());
        assertEquals("probability", manifest.at("/output/name").asText());
        List<String> features = new ArrayList<>();
        manifest.get("features")
                .forEach(f -> features.add(
                        f.get("name").asText() + ":" + f.get("dtype").asText()));
        assertEquals(
                List.of(
                        "amount:float32",
                        "merchant_category:int32",
                        "hour:int32",
                        "account_age_days:float32",
                        "recent_amount_mean:float32",
                        "recent_amount_zscore:float32"),
                features);

        List<String> listed = fieldNames(manifest.get("files"));
        assertEquals(listed.stream().sorted().toList(), listed);
        List<String> onDisk;
        try (Stream<Path> walk = Files.walk(dir)) {
            onDisk = walk.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p).toString())
                    .filter(p -> !p.equals("manifest.json"))
                    .sorted()
                    .toList();
        }
        assertEquals(onDisk, listed);
        assertTrue(listed.contains("saved_model.pb"));
        for (String file : listed) {
            assertEquals(
                    sha256(dir.resolve(file)), manifest.at("/files").get(file).asText(), file);
        }
        assertFalse(Files.exists(dir.resolve("manifest.sig")), "writeRisk does not sign");
    }

    @Test
    void heavyModelCostsMillisecondsPerRowAndStaysADeterministicProbability() throws Exception {
        Path dir = repo.resolve("risk_heavy/1");
        long bytes;
        try (Stream<Path> walk = Files.walk(dir)) {
            bytes = walk.filter(Files::isRegularFile)
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
        assertTrue(bytes < 5_000_000, "heavy model takes " + bytes + " bytes");
        double heavyMs;
        double lightMs;
        try (SavedModels heavy = SavedModels.load(dir);
                SavedModels light = SavedModels.load(repo.resolve("risk/1"))) {
            float[] first = heavy.predict(RISKY, ORDINARY);
            assertArrayEquals(first, heavy.predict(RISKY, ORDINARY));
            for (float p : first) {
                assertTrue(p >= 0 && p <= 1, "probability " + p);
            }
            heavyMs = medianSingleRowMillis(heavy);
            lightMs = medianSingleRowMillis(light);
        }
        System.out.printf(
                "median single-row inference through DJL: risk_heavy/1 %.2f ms, risk/1 %.3f ms%n", heavyMs, lightMs);
        // Timing on shared CI is noisy; only a generous, relative sanity bound is asserted here.
        assertTrue(heavyMs > 3 * lightMs, "heavy " + heavyMs + " ms vs light " + lightMs + " ms");
    }

    private static double medianSingleRowMillis(SavedModels model) throws Exception {
        for (int i = 0; i < 5; i++) {
            model.predict(ORDINARY);
        }
        double[] ms = new double[31];
        for (int i = 0; i < ms.length; i++) {
            long start = System.nanoTime();
            model.predict(ORDINARY);
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(ms);
        return ms[ms.length / 2];
    }

    private static List<float[]> heldOutRows(int n) {
        return SyntheticTransactions.generate(DemoModelBuilder.DATA_SET_SIZE, SyntheticTransactions.SEED)
                .subList(DemoModelBuilder.TRAINING_ROWS, DemoModelBuilder.TRAINING_ROWS + n)
                .stream()
                .map(row -> row.transaction().features())
                .toList();
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
