package dev.appliance.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The tester and status page at / and the catalog it is built from, through a real server. The page itself
 * runs in a browser in page-test/ (make test-page).
 */
class PageTest {

    private static Path repo;
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        repo = TestRepository.copyTo(Files.createTempDirectory("page-models"));
        // risk/3: a copy of version 2 renumbered after signing, so its signature no longer matches.
        TestRepository.copyTree(repo.resolve("risk/2"), repo.resolve("risk/3"));
        TestRepository.renumber(repo.resolve("risk/3"), 2, 3);
        server = new TestServer(Map.of(
                        "models.root",
                        repo.toString(),
                        "models.signature.key",
                        TestRepository.publicKey().toString(),
                        "models.labels.risk.stable",
                        "1",
                        "models.labels.risk.canary",
                        "2"))
                .awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void servesThePageAndItsModulesFromTheJarUnderAStrictContentPolicy() throws Exception {
        HttpResponse<String> page = server.get("/");
        assertEquals(200, page.statusCode());
        assertEquals(
                "text/html; charset=utf-8",
                page.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(page.headers()
                .firstValue("Content-Security-Policy")
                .orElseThrow()
                .startsWith("default-src 'self'"));
        assertTrue(page.body().contains("<script type=\"module\" src=\"/ui/app.js\">"), page.body());
        HttpResponse<String> script = server.get("/ui/app.js");
        assertEquals(200, script.statusCode());
        assertEquals(
                "text/javascript; charset=utf-8",
                script.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(
                "nosniff", script.headers().firstValue("X-Content-Type-Options").orElseThrow());
    }

    @Test
    void catalogListsLabelsEntitiesAndRefusedVersionsWithTheReason() throws Exception {
        HttpResponse<String> response = server.get("/ui/catalog");
        assertEquals(200, response.statusCode(), response.body());
        JsonNode models = TestServer.json(response).get("models");
        assertEquals("risk", models.get(0).get("name").asText());
        assertEquals("risk_heavy", models.get(1).get("name").asText());
        JsonNode risk = models.get(0);
        assertEquals(2, risk.get("latest").asLong());
        assertEquals(1, risk.at("/labels/stable").asLong());
        assertEquals(2, risk.at("/labels/canary").asLong());
        JsonNode versions = risk.get("versions");
        assertEquals(3, versions.size(), versions.toString());
        JsonNode first = versions.get(0);
        assertEquals("AVAILABLE", first.get("state").asText());
        assertEquals(6, first.get("features").size());
        assertEquals("user_id", first.at("/entity/key").asText());
        assertEquals("account_age_days", first.at("/entity/features/0/name").asText());
        assertEquals(365.0, first.at("/entity/features/0/default").asDouble());
        assertFalse(versions.get(1).at("/entity/features/0").has("default"), "version 2 declares no defaults");
        JsonNode refused = versions.get(2);
        assertEquals(3, refused.get("version").asLong());
        assertEquals("REFUSED", refused.get("state").asText());
        assertTrue(refused.get("reason").asText().contains("not a valid signature"), refused.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/ui/missing.js", "/ui/app.exe", "/ui/..%2FMETA-INF%2Fopenapi.yaml", "/ui/%2e%2e"})
    void answersNotFoundForAnythingButThePagesOwnFiles(String path) throws Exception {
        HttpResponse<String> response = server.get(path);
        assertEquals(404, response.statusCode(), response.body());
        assertFalse(response.body().contains("openapi"), response.body());
    }
}
