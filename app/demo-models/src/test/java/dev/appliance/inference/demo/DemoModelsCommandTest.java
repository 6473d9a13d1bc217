package dev.appliance.inference.demo;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.appliance.inference.manifest.SignedManifest;
import dev.appliance.inference.manifest.SigningKeys;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DemoModelsCommandTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void buildsSignsAndReplacesTheRepositoryLikeMakeModels(@TempDir Path dir) throws Exception {
        Path models = dir.resolve("models");
        Path key = dir.resolve(".cache/keys/model-signing.key");
        Files.createDirectories(models.resolve("risk/1"));
        Files.writeString(models.resolve("risk/1/stale.txt"), "from an older build");
        Files.createDirectories(models.resolve("risk/7"));
        Files.writeString(models.resolve("risk/7/keep.txt"), "not ours to touch");

        int code = run("build-demo-models", "--output", models.toString(), "--signing-key", key.toString());

        assertEquals(0, code, err.toString());
        String progress = out.toString(StandardCharsets.UTF_8);
        for (String expected : List.of(
                "25,000 synthetic transactions",
                "training log-loss",
                "AUC",
                "generated a new signing key",
                "risk_heavy/1/saved_model.pb",
                "risk/2/manifest.sig")) {
            assertTrue(progress.contains(expected), "progress lacks '" + expected + "':\n" + progress);
        }
        assertFalse(progress.contains("PRIVATE"), "progress must not show key material");
        assertFalse(Files.exists(models.resolve("risk/1/stale.txt")), "risk/1 was replaced, not merged");
        assertTrue(Files.exists(models.resolve("risk/7/keep.txt")), "versions it does not write are kept");
        List<Path> leftovers = Stream.of(models.resolve("risk"), models.resolve("risk_heavy"))
                .flatMap(DemoModelsCommandTest::list)
                .filter(p -> p.getFileName().toString().startsWith("."))
                .toList();
        assertEquals(List.of(), leftovers, "no staging folders are left behind");

        PublicKey publicKey = SigningKeys.readPublicKey(Path.of(key + ".pub"));
        ObjectMapper json = new ObjectMapper();
        for (String version : List.of("risk/1", "risk/2", "risk_heavy/1")) {
            Path dirOfVersion = models.resolve(version);
            assertDoesNotThrow(
                    () -> SignedManifest.verifySignature(
                            dirOfVersion, Files.readAllBytes(dirOfVersion.resolve("manifest.json")), publicKey),
                    version + " signature");
            JsonNode manifest =
                    json.readTree(dirOfVersion.resolve("manifest.json").toFile());
            assertEquals(
                    version.substring(0, version.indexOf('/')),
                    manifest.get("model").asText());
            assertEquals(
                    Integer.parseInt(version.substring(version.indexOf('/') + 1)),
                    manifest.get("version").asInt());
            try (SavedModels model = SavedModels.load(dirOfVersion)) {
                assertEquals(3, model.predict(new float[6], new float[6], new float[6]).length);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "--output", "--signing-key k --output", "--output out --colour", "--signing-key k"})
    void rejectsBadUsageWithExitCodeTwoAndAUsageLine(String args) {
        int code = run(args.isEmpty() ? new String[0] : args.split(" "));

        assertEquals(2, code);
        assertTrue(
                err.toString().contains("usage: build-demo-models --output DIR [--signing-key FILE]"), err.toString());
        assertEquals("", out.toString());
    }

    private int run(String... args) {
        return DemoModelsCommand.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private static Stream<Path> list(Path dir) {
        try {
            return Files.list(dir).toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
