package dev.appliance.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.appliance.inference.lifecycle.ManualScheduler;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Versions whose files or signature do not match are refused, reported, and never served. */
class ModelIntegrityTest {

    private static final String BODY = "{\"instances\": [[950, 7, 3, 2, 25, 8.5]]}";

    @TempDir
    Path repo;

    @Test
    void tamperedUnsignedOrPaddedVersionsAreRefusedAndTheLastGoodOneServes() throws Exception {
        TestRepository.copyTo(repo);
        Path risk = repo.resolve("risk");
        // 3: a byte of the graph changed after signing.
        Path tampered = newVersion(risk, 3);
        byte[] graph = Files.readAllBytes(tampered.resolve("saved_model.pb"));
        graph[graph.length / 2] ^= 0x01;
        Files.write(tampered.resolve("saved_model.pb"), graph);
        // 4: manifest edited after signing.
        Path unsigned = newVersion(risk, 4);
        Files.writeString(
                unsigned.resolve("manifest.json"),
                Files.readString(unsigned.resolve("manifest.json")).replace("synthetic data", "trust me"));
        // 5: a file the manifest does not list.
        Path padded = newVersion(risk, 5);
        Files.writeString(padded.resolve("variables").resolve("extra.bin"), "planted");

        ManualScheduler time = new ManualScheduler();
        try (TestServer server = new TestServer(
                Map.of(
                        "models.root",
                        repo.toString(),
                        "models.signature.key",
                        TestRepository.publicKey().toString(),
                        "models.poll-interval",
                        "200ms"),
                time)) {
            time.advance(Duration.ZERO);
            server.awaitReady(Duration.ofSeconds(60));
            HttpResponse<String> latest = server.post("/v1/models/risk:predict", BODY);
            assertEquals(200, latest.statusCode(), latest.body());
            assertEquals("2", latest.headers().firstValue("X-Model-Version").orElseThrow());

            HttpResponse<String> refused = server.post("/v1/models/risk/versions/3:predict", BODY);
            assertEquals(404, refused.statusCode());
            assertTrue(refused.body().contains("refused: SHA-256 of 'saved_model.pb' does not match"), refused.body());

            JsonNode status = TestServer.json(server.get("/v1/models/risk"));
            assertEquals("END", stateOf(status, "4").get("state").asText());
            assertTrue(
                    stateOf(status, "4").at("/status/error_message").asText().contains("not a valid signature"),
                    status.toString());
            assertTrue(
                    stateOf(status, "5")
                            .at("/status/error_message")
                            .asText()
                            .contains("file 'variables/extra.bin' is not listed"),
                    status.toString());

            String metrics = server.get("/observe/metrics").body();
            for (String reason : new String[] {"integrity", "signature"}) {
                assertTrue(
                        metrics.lines()
                                .anyMatch(l -> l.startsWith("model_load_failures_total{")
                                        && l.contains("model=\"risk\"")
                                        && l.contains("reason=\"" + reason + "\"")),
                        metrics);
            }

            // Removing the planted file makes version 5 whole again; the next poll loads and serves it.
            Files.delete(padded.resolve("variables").resolve("extra.bin"));
            time.advance(Duration.ofMillis(200));
            assertEquals(
                    "5",
                    server.post("/v1/models/risk:predict", BODY)
                            .headers()
                            .firstValue("X-Model-Version")
                            .orElse(""),
                    "version 5 was not loaded after it was repaired");
        }
    }

    @Test
    void unsignedModelsDoNotLoadWhenASigningKeyIsConfigured() throws Exception {
        TestRepository.copyTo(repo);
        try (var sigs = Files.walk(repo)) {
            for (Path sig : sigs.filter(p -> p.getFileName().toString().equals("manifest.sig"))
                    .toList()) {
                Files.delete(sig);
            }
        }
        ManualScheduler time = new ManualScheduler();
        try (TestServer server = new TestServer(
                Map.of(
                        "models.root",
                        repo.toString(),
                        "models.signature.key",
                        TestRepository.publicKey().toString()),
                time)) {
            time.advance(Duration.ZERO); // the first poll: every version is refused
            HttpResponse<String> ready = server.get("/v2/health/ready");
            assertEquals(503, ready.statusCode(), "nothing verifiable loaded, so not ready");
            assertEquals(0, server.metric("inference_ready", "check=\"models\""), "the readiness gauge agrees");
            HttpResponse<String> predict = server.post("/v1/models/risk:predict", BODY);
            assertEquals(503, predict.statusCode());
            assertTrue(TestServer.json(predict).get("error").asText().contains("no loaded version"), predict.body());
            assertTrue(TestServer.json(server.get("/v1/models/risk")).toString().contains("manifest.sig is missing"));
        }
    }

    private static Path newVersion(Path model, long version) throws Exception {
        Path dir = model.resolve(Long.toString(version));
        TestRepository.copyTree(model.resolve("2"), dir);
        TestRepository.renumber(dir, 2, version);
        TestRepository.sign(dir);
        return dir;
    }

    private static JsonNode stateOf(JsonNode status, String version) {
        for (JsonNode s : status.get("model_version_status")) {
            if (s.get("version").asText().equals(version)) {
                return s;
            }
        }
        throw new AssertionError("no status for version " + version + " in " + status);
    }
}
