package dev.appliance.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Enriched predictions through the HTTP API with the real CQL stand-in behind the service: the write API,
 * looked-up features, per-feature status, and what happens when the store stops under load.
 */
class EnrichedPredictionTest {

    private static final String TOKEN = TestSecrets.register("test-ingest-token-" + java.util.UUID.randomUUID());
    private static final double[] RECENT = {30, 42, 38.5, 51, 27};

    private static FeatureStoreFixture fixture;
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        fixture = FeatureStoreFixture.create("features_http");
        Map<String, String> settings = new HashMap<>(fixture.serviceSettings());
        settings.putAll(Map.of(
                "models.root",
                TestRepository.demo().toString(),
                "models.labels.risk.stable",
                "1",
                "models.labels.risk.canary",
                "2",
                "features.ingest.token",
                TOKEN));
        server = new TestServer(settings).awaitReady(Duration.ofSeconds(60));
        StringBuilder events = new StringBuilder();
        for (int i = 0; i < RECENT.length; i++) {
            events.append(i == 0 ? "" : ", ")
                    .append("{\"occurred_at\": \"")
                    .append(java.time.Instant.now().minus(Duration.ofHours(i + 1)))
                    .append("\", \"amount\": ")
                    .append(RECENT[i])
                    .append("}");
        }
        HttpResponse<String> written = ingest(
                "u-1", "{\"features\": {\"account_age_days\": 800}, \"events\": [" + events + "]}", "Bearer " + TOKEN);
        assertEquals(200, written.statusCode(), written.body());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theWriteApiRequiresTheBearerToken() throws Exception {
        assertEquals(
                401,
                ingest("u-2", "{\"features\": {\"account_age_days\": 1}}", null).statusCode());
        assertEquals(
                401,
                ingest("u-2", "{\"features\": {\"account_age_days\": 1}}", "Bearer wrong")
                        .statusCode());
        HttpResponse<String> bad = ingest("u-2", "{\"features\": {\"account_age_days\": \"old\"}}", "Bearer " + TOKEN);
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("features.account_age_days must be a finite number"), bad.body());
    }

    @Test
    void lookedUpFeaturesGiveTheSamePredictionAsTheCallerSendingThem() throws Exception {
        HttpResponse<String> enriched = server.post(
                "/v1/models/risk/labels/canary:predict",
                "{\"instances\": [{\"user_id\": \"u-1\", \"amount\": 950, \"merchant_category\": 7, \"hour\": 3}]}");
        assertEquals(200, enriched.statusCode(), enriched.body());
        JsonNode reply = TestServer.json(enriched);
        for (String f : List.of("account_age_days", "recent_amount_mean", "recent_amount_zscore")) {
            assertEquals(
                    "PRESENT", reply.at("/feature_status/0/" + f + "/status").asText(), reply.toString());
            assertEquals(false, reply.at("/feature_status/0/" + f + "/default").asBoolean());
        }
        double mean = java.util.Arrays.stream(RECENT).average().orElseThrow();
        double squares = java.util.Arrays.stream(RECENT)
                .map(a -> (a - mean) * (a - mean))
                .sum();
        double z = (950 - mean) / Math.max(Math.sqrt(squares / (RECENT.length - 1)), 1.0);
        HttpResponse<String> direct = server.post(
                "/v1/models/risk/labels/canary:predict",
                "{\"instances\": [[950, 7, 3, 800, " + (float) mean + ", " + (float) z + "]]}");
        assertEquals(TestServer.json(direct).get("predictions"), reply.get("predictions"));
        String metrics = server.get("/observe/metrics").body();
        assertTrue(
                metrics.contains("# TYPE feature_store_driver_requests_total counter")
                        && metrics.contains("# TYPE feature_store_driver_client_timeouts_total counter"),
                "the driver's counts are counters");

        HttpResponse<String> oip = server.post("/v2/models/risk/versions/2/infer", """
                {"inputs": [{"name": "user_id", "shape": [1], "datatype": "BYTES", "data": ["u-1"]},
                            {"name": "amount", "shape": [1], "datatype": "FP32", "data": [950]},
                            {"name": "merchant_category", "shape": [1], "datatype": "INT32", "data": [7]},
                            {"name": "hour", "shape": [1], "datatype": "INT32", "data": [3]}]}""");
        assertEquals(200, oip.statusCode(), oip.body());
        assertEquals(
                reply.at("/predictions/0/0").asDouble(),
                TestServer.json(oip).at("/outputs/0/data/0").asDouble());
        assertEquals(
                "PRESENT",
                TestServer.json(oip)
                        .at("/parameters/feature_status/0/account_age_days/status")
                        .asText());
    }

    @Test
    void anUnknownEntityGetsDefaultsWhereDeclaredAndA422Elsewhere() throws Exception {
        String body =
                "{\"instances\": [{\"user_id\": \"never-seen\", \"amount\": 20, \"merchant_category\": 1, \"hour\": 12}]}";
        HttpResponse<String> stable = server.post("/v1/models/risk/labels/stable:predict", body);
        assertEquals(200, stable.statusCode(), stable.body());
        assertEquals(
                "MISSING",
                TestServer.json(stable)
                        .at("/feature_status/0/account_age_days/status")
                        .asText());
        assertTrue(TestServer.json(stable)
                .at("/feature_status/0/account_age_days/default")
                .asBoolean());
        HttpResponse<String> canary = server.post("/v1/models/risk/labels/canary:predict", body);
        assertEquals(422, canary.statusCode(), canary.body());
        assertTrue(
                canary.body().contains("feature 'account_age_days' of user_id 'never-seen' is missing"), canary.body());
    }

    @Test
    void withTheStoreStoppedRecentEntitiesAreServedStaleAndOthersGetDefaultsOr503() throws Exception {
        String body =
                "{\"instances\": [{\"user_id\": \"u-1\", \"amount\": 950, \"merchant_category\": 7, \"hour\": 3}]}";
        String unseen = body.replace("u-1", "u-never-read");
        try (RequestLoad load = new RequestLoad(server, 2, "/v1/models/risk/labels/stable:predict", i -> body)) {
            load.awaitMoreAnswers(20);
            HttpResponse<String> before = server.post("/v1/models/risk/labels/canary:predict", body);
            assertEquals(200, before.statusCode(), before.body());
            fixture.server().stop();
            try {
                Await.until(
                        () -> status("/v1/models/risk/labels/canary:predict", unseen) == 503,
                        Duration.ofSeconds(30),
                        "a model without defaults answers 503 for an entity it never read");
                HttpResponse<String> refused = server.post("/v1/models/risk/labels/canary:predict", unseen);
                assertTrue(
                        refused.body().contains("needs feature 'account_age_days' from the feature store"),
                        refused.body());

                HttpResponse<String> stale = server.post("/v1/models/risk/labels/canary:predict", body);
                assertEquals(
                        200, stale.statusCode(), "u-1 was read a moment ago: served from its copy " + stale.body());
                assertEquals(
                        TestServer.json(before).at("/predictions"),
                        TestServer.json(stale).at("/predictions"),
                        "the copy gives the prediction the store gave");
                JsonNode feature = TestServer.json(stale).at("/feature_status/0/account_age_days");
                assertEquals("STALE", feature.at("/status").asText(), stale.body());
                assertFalse(feature.at("/default").asBoolean(), stale.body());
                assertTrue(
                        feature.at("/age_seconds").isIntegralNumber()
                                && feature.at("/age_seconds").asLong() < 300,
                        stale.body());

                HttpResponse<String> stable = server.post("/v1/models/risk/labels/stable:predict", unseen);
                assertEquals(200, stable.statusCode(), stable.body());
                assertEquals(
                        "UNAVAILABLE",
                        TestServer.json(stable)
                                .at("/feature_status/0/account_age_days/status")
                                .asText());
                assertTrue(server.metric("feature_stale_served_total", "") > 0);
                assertEquals(503, server.get("/observe/health/ready").statusCode(), "a required store down: not ready");
                assertEquals(0, server.metric("inference_ready", "check=\"feature-store\""));
                assertEquals(1, server.metric("inference_ready", "check=\"models\""));
                load.awaitMoreAnswers(20);
            } finally {
                fixture.server().start();
            }
            Await.until(
                    () -> status("/v1/models/risk/labels/canary:predict", unseen) == 422,
                    Duration.ofSeconds(60),
                    "the store is asked again after it comes back (the unseen entity is missing there)");
            load.stop();
            assertEquals(List.of(), load.failures(), "requests for a recently read entity never failed");
            System.out.printf(
                    "feature store outage: %d requests, %d failed%n",
                    load.answers(), load.failures().size());
        }
    }

    private static int status(String path, String body) {
        try {
            return server.post(path, body).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void featureWritesAndRefusalsAreAuditedWithTheRequestIdAndWithoutTheToken() throws Exception {
        String wrongToken = TestSecrets.register("wrong-" + java.util.UUID.randomUUID());
        try (LogCapture log = new LogCapture()) {
            HttpResponse<String> written =
                    ingest("u-4", "{\"features\": {\"account_age_days\": 12}}", "Bearer " + TOKEN, "write-1");
            assertEquals(200, written.statusCode(), written.body());
            assertEquals("write-1", written.headers().firstValue("X-Request-Id").orElseThrow());
            HttpResponse<String> refused =
                    ingest("u-4", "{\"features\": {\"account_age_days\": 13}}", "Bearer " + wrongToken, "write-2");
            assertEquals(401, refused.statusCode());

            JsonNode write = single(log.lines(l -> l.path("event").asText().equals("feature_write")));
            assertEquals("write-1", write.path("request_id").asText());
            assertTrue(write.path("audit").asBoolean());
            assertEquals("dev.appliance.inference.audit", write.path("logger").asText());
            assertEquals("user_id", write.path("entity_key").asText());
            assertEquals("u-4", write.path("entity_id").asText());
            assertEquals("[\"account_age_days\"]", write.path("features").toString());
            JsonNode refusal = single(log.lines(l -> l.path("event").asText().equals("feature_write_refused")));
            assertEquals("write-2", refusal.path("request_id").asText());
            assertEquals("wrong bearer token", refusal.path("reason").asText());
            assertTrue(!log.text().contains(TOKEN) && !log.text().contains(wrongToken), "no token is logged");
        }
    }

    private static JsonNode single(List<JsonNode> lines) {
        assertEquals(1, lines.size(), lines.toString());
        return lines.get(0);
    }

    private static HttpResponse<String> ingest(String user, String body, String authorization) throws Exception {
        return ingest(user, body, authorization, null);
    }

    private static HttpResponse<String> ingest(String user, String body, String authorization, String requestId)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + server.appliance().server().port() + "/v1/features/user_id/" + user))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (requestId != null) {
            request.header("X-Request-Id", requestId);
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
