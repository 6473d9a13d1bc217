package dev.appliance.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.appliance.inference.config.ConfigurationException;
import dev.appliance.inference.model.ServedVersion;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Load and unload of the repository extension through a real server: the admin token, and what they do. */
class ModelControlTest {

    private static final String TOKEN = TestSecrets.register("admin-" + UUID.randomUUID());
    private static final String BODY = "{\"instances\": [[950, 7, 3, 2, 25, 8.5]]}";
    private static final String PREDICT = "/v1/models/risk_heavy:predict";

    private final HttpClient client = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void unloadStopsServingAfterInFlightRequestsAndLoadReadsTheModelAgain() throws Exception {
        try (TestServer server = enabled(tokenFile("rw-------"));
                LogCapture log = new LogCapture()) {
            ServedVersion before =
                    server.appliance().registry().models().get("risk_heavy").latest();
            JsonNode extensions = TestServer.json(server.get("/v2")).get("extensions");
            assertTrue(extensions.toString().contains("model_repository(load_unload)"), extensions.toString());

            HttpResponse<String> unloaded;
            try (RequestLoad load = new RequestLoad(server, 4, PREDICT, i -> BODY)) {
                load.awaitMoreAnswers(20);
                unloaded = control(server, "unload", "Bearer " + TOKEN);
                load.stop();
                assertTrue(
                        load.failures().stream().allMatch(f -> f.startsWith("404 ") && f.contains("unloaded")),
                        "requests fail only as not found once the model is unloaded: " + load.failures());
            }
            assertEquals(200, unloaded.statusCode(), unloaded.body());
            Await.until(before::isClosed, Duration.ofSeconds(30), "the unloaded version closes");
            HttpResponse<String> refused = server.post(PREDICT, BODY);
            assertEquals(404, refused.statusCode());
            assertTrue(refused.body().contains("unloaded"), refused.body());
            assertTrue(
                    server.post("/v2/repository/index", "{}")
                            .body()
                            .contains(
                                    "{\"name\":\"risk_heavy\",\"version\":\"\",\"state\":\"UNAVAILABLE\",\"reason\":\"unloaded\"}"));
            assertEquals(
                    200,
                    server.get("/v2/health/ready").statusCode(),
                    "an unloaded model does not make the service unready");
            Thread.sleep(600); // three repository polls: an unloaded model stays unloaded
            assertEquals(404, server.post(PREDICT, BODY).statusCode());

            HttpResponse<String> loaded = control(server, "load", "Bearer " + TOKEN);
            assertEquals(200, loaded.statusCode(), loaded.body());
            assertEquals("[\"1\"]", TestServer.json(loaded).get("versions").toString());
            assertEquals(200, server.post(PREDICT, BODY).statusCode());
            assertNotSame(
                    before,
                    server.appliance().registry().models().get("risk_heavy").latest(),
                    "load reads the model from the repository again");

            assertFalse(log.text().contains(TOKEN), "the admin token is never logged");
            assertEquals(
                    2,
                    log.lines(l -> l.path("audit").asBoolean()
                                    && l.path("event").asText().matches("model_(un)?load_requested"))
                            .size(),
                    "each action leaves an audit record");
        }
    }

    @Test
    void callsWithoutTheAdminTokenAreRefusedAndChangeNothing() throws Exception {
        try (TestServer server = enabled(tokenFile("r--------"))) {
            HttpResponse<String> none = control(server, "unload", null);
            assertEquals(401, none.statusCode());
            assertEquals("Bearer", none.headers().firstValue("WWW-Authenticate").orElseThrow());
            assertEquals("unauthorized", TestServer.json(none).get("code").asText());
            HttpResponse<String> wrong = control(server, "unload", "Bearer " + TOKEN + "x");
            assertEquals(403, wrong.statusCode());
            assertEquals("forbidden", TestServer.json(wrong).get("code").asText());
            assertEquals(403, control(server, "unload", TOKEN).statusCode(), "the token without the Bearer scheme");
            assertEquals(200, server.post(PREDICT, BODY).statusCode(), "the model still serves");
            assertEquals(404, control(server, "load", "Bearer " + TOKEN, "nope").statusCode());
        }
    }

    @Test
    void loadAndUnloadAreOffOnlyByDefault() throws Exception {
        try (TestServer server = new TestServer(settings()).awaitReady(Duration.ofSeconds(60))) {
            HttpResponse<String> response = control(server, "unload", "Bearer " + TOKEN);
            assertEquals(404, response.statusCode());
            assertTrue(response.body().contains("model-control.enabled"), response.body());
            assertFalse(server.get("/v2").body().contains("load_unload"));
        }
    }

    @Test
    void enablingWithoutAPrivateTokenFileStopsStartup() throws Exception {
        Map<String, String> noFile = settings();
        noFile.put("model-control.enabled", "true");
        assertTrue(assertThrows(ConfigurationException.class, () -> new TestServer(noFile))
                .getMessage()
                .contains("model-control.token-file is required"));

        Map<String, String> readable = settings();
        readable.put("model-control.enabled", "true");
        readable.put("model-control.token-file", tokenFile("rw-r--r--").toString());
        assertTrue(assertThrows(ConfigurationException.class, () -> new TestServer(readable))
                .getMessage()
                .contains("must not be readable or writable by group or others"));
    }

    private TestServer enabled(Path tokenFile) throws Exception {
        Map<String, String> settings = settings();
        settings.put("model-control.enabled", "true");
        settings.put("model-control.token-file", tokenFile.toString());
        return new TestServer(settings).awaitReady(Duration.ofSeconds(60));
    }

    private static Map<String, String> settings() {
        return new java.util.HashMap<>(Map.of(
                "models.root",
                TestRepository.demo().toString(),
                "models.names",
                "risk_heavy",
                "models.signature.key",
                TestRepository.publicKey().toString(),
                "models.poll-interval",
                "200ms"));
    }

    private Path tokenFile(String mode) throws Exception {
        Path file = dir.resolve("admin-token-" + mode);
        Files.writeString(file, TOKEN + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    private HttpResponse<String> control(TestServer server, String action, String authorization) throws Exception {
        return control(server, action, authorization, "risk_heavy");
    }

    private HttpResponse<String> control(TestServer server, String action, String authorization, String model)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + server.appliance().server().port() + "/v2/repository/models/" + model + "/" + action))
                .POST(HttpRequest.BodyPublishers.ofString("{}"));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
