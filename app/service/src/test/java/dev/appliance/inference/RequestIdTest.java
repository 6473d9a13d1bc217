package dev.appliance.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Request ids through a real server: taken from the caller or generated, returned, and on the request's log lines. */
class RequestIdTest {

    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    /** Logs at FINE, on the request's thread, when a result is too large to cache. */
    private static final Logger CACHE_STORE = Logger.getLogger("dev.appliance.inference.cache.CacheStore");

    private static MemcachedServer memcached;
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        memcached = MemcachedServer.plain();
        server = new TestServer(Map.of(
                        "models.root",
                        TestRepository.demo().toString(),
                        "cache.enabled",
                        "true",
                        "cache.servers",
                        memcached.address(),
                        "cache.max-item-bytes",
                        "1024"))
                .awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        memcached.close();
    }

    @Test
    void theCallersRequestIdIsReturned() throws Exception {
        assertEquals("order-42.retry:1", requestId(Map.of("X-Request-Id", "order-42.retry:1")));
    }

    @Test
    void aTraceparentGivesItsTraceId() throws Exception {
        assertEquals(
                "4bf92f3577b34da6a3ce929d0e0e4736",
                requestId(Map.of("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")));
    }

    @Test
    void withoutOneOrWithAnUnsafeOneANewIdIsGenerated() throws Exception {
        String first = requestId(Map.of());
        String second = requestId(Map.of("X-Request-Id", "a b\"c"));
        assertTrue(first.matches("[0-9a-f-]{36}"), first);
        assertTrue(second.matches("[0-9a-f-]{36}"), second);
        assertNotEquals(first, second);
        assertTrue(
                requestId(Map.of("traceparent", "00-" + "0".repeat(32) + "-00f067aa0ba902b7-01"))
                        .matches("[0-9a-f-]{36}"),
                "an all-zero trace id is invalid");
    }

    @Test
    void everyLineLoggedWhileServingCarriesTheRequestIdModelAndVersion() throws Exception {
        Level level = CACHE_STORE.getLevel();
        CACHE_STORE.setLevel(Level.FINE);
        try (LogCapture log = new LogCapture()) {
            // 300 rows give 8 + 300 * 4 = 1208 bytes of output: over the 1024-byte limit.
            StringBuilder rows = new StringBuilder();
            for (int i = 0; i < 300; i++) {
                rows.append(i == 0 ? "" : ", ").append("[").append(i).append(", 7, 3, 2, 25, 8.5]");
            }
            HttpResponse<String> answer = post(
                    "/v1/models/risk/versions/2:predict",
                    "{\"instances\": [" + rows + "]}",
                    Map.of("X-Request-Id", "predict-7"));
            assertEquals(200, answer.statusCode(), answer.body());
            List<JsonNode> lines = log.lines(l -> l.path("request_id").asText().equals("predict-7"));
            assertTrue(
                    lines.stream().anyMatch(l -> l.path("message").asText().contains("exceed the item limit")),
                    "the request logged: " + log.text());
            for (JsonNode line : lines) {
                assertEquals("risk", line.path("model").asText(), line.toString());
                assertEquals("2", line.path("version").asText(), line.toString());
                assertTrue(line.path("time").asText().endsWith("Z"), line.toString());
                assertTrue(line.has("level") && line.has("logger") && line.has("message"), line.toString());
            }
            assertTrue(
                    log.lines().stream()
                            .noneMatch(l -> l.has("request_id")
                                    && l.path("message").asText().contains("serving on port")),
                    "lines outside a request carry no request id");
        } finally {
            CACHE_STORE.setLevel(level);
        }
    }

    private static String requestId(Map<String, String> headers) throws Exception {
        HttpResponse<String> answer = post("/v2/models/risk", null, headers);
        assertEquals(200, answer.statusCode(), answer.body());
        return answer.headers().firstValue("X-Request-Id").orElseThrow();
    }

    private static HttpResponse<String> post(String path, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.appliance().server().port() + path));
        request = body == null ? request.GET() : request.POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
