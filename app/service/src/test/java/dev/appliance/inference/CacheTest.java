package dev.appliance.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appliance.inference.cache.MemcachedCredentials;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.spy.memcached.AddrUtil;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.transcoders.SerializingTranscoder;
import org.junit.jupiter.api.Test;

/** The prediction cache against a real memcached: hits, misses, single flight, SASL, rotation, outages. */
class CacheTest {

    private static final AtomicInteger UNIQUE = new AtomicInteger();

    /** A transaction no other test asked about, so its first request is a miss. */
    private static String freshBody() {
        return "{\"instances\": [["
                + (1000 + UNIQUE.incrementAndGet() + ThreadLocalRandom.current().nextInt(1_000_000))
                + ", 7, 3, 2, 25, 8.5]]}";
    }

    private static TestServer serve(MemcachedServer memcached, Map<String, String> extra) throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of(
                "models.root", TestRepository.demo().toString(),
                "cache.enabled", "true",
                "cache.servers", memcached.address(),
                "cache.operation-timeout", "200ms",
                "cache.breaker.volume", "4",
                "cache.breaker.delay", "500ms"));
        settings.putAll(extra);
        return new TestServer(settings).awaitReady(Duration.ofSeconds(60));
    }

    @Test
    void missThenHitReturnsTheSamePredictionWithoutRunningTheModel() throws Exception {
        try (MemcachedServer memcached = MemcachedServer.plain();
                TestServer server = serve(memcached, Map.of())) {
            String body = freshBody();
            double before = inferences(server, "risk_heavy");
            HttpResponse<String> first = server.post("/v1/models/risk_heavy:predict", body);
            HttpResponse<String> second = server.post("/v1/models/risk_heavy:predict", body);
            assertEquals("miss", first.headers().firstValue("X-Cache").orElseThrow());
            assertEquals("hit", second.headers().firstValue("X-Cache").orElseThrow());
            assertEquals(first.body(), second.body());
            assertEquals(before + 1, inferences(server, "risk_heavy"), "the hit did not run the model");
            assertTrue(server.metric("cache_hits_total", "cache=\"result\"") >= 1);
        }
    }

    @Test
    void aResultLargerThanTheItemLimitIsNotStoredAndIsCounted() throws Exception {
        try (MemcachedServer memcached = MemcachedServer.plain();
                TestServer server = serve(memcached, Map.of("cache.max-item-bytes", "1024"))) {
            // 300 rows give 8 + 300 * 4 = 1208 bytes of output: over the 1024-byte limit.
            StringBuilder rows = new StringBuilder();
            int base = UNIQUE.incrementAndGet() * 1000;
            for (int i = 0; i < 300; i++) {
                rows.append(i == 0 ? "" : ", ").append("[").append(base + i).append(", 7, 3, 2, 25, 8.5]");
            }
            String body = "{\"instances\": [" + rows + "]}";
            double before = server.metric("cache_errors_total", "reason=\"too_large\"");
            assertEquals("miss", cacheOutcome(server.post("/v1/models/risk:predict", body)));
            assertEquals("miss", cacheOutcome(server.post("/v1/models/risk:predict", body)), "it was not stored");
            assertEquals(before + 2, server.metric("cache_errors_total", "reason=\"too_large\""));
            for (int i = 0; i < 4; i++) {
                server.post("/v1/models/risk:predict", body);
            }
            assertEquals("ok", cacheHealth(server), "oversized values say nothing about Memcached's health");
        }
    }

    @Test
    void aNewModelVersionMissesForTheSameInput() throws Exception {
        try (MemcachedServer memcached = MemcachedServer.plain();
                TestServer server = serve(memcached, Map.of("models.labels.risk.stable", "1"))) {
            String body = freshBody();
            assertEquals("miss", cacheOutcome(server.post("/v1/models/risk/versions/1:predict", body)));
            assertEquals("hit", cacheOutcome(server.post("/v1/models/risk/versions/1:predict", body)));
            HttpResponse<String> v2 = server.post("/v1/models/risk/versions/2:predict", body);
            assertEquals("miss", cacheOutcome(v2));
            assertEquals("2", v2.headers().firstValue("X-Model-Version").orElseThrow());
        }
    }

    @Test
    void concurrentIdenticalRequestsRunTheModelOnce() throws Exception {
        try (MemcachedServer memcached = MemcachedServer.plain();
                TestServer server = serve(memcached, Map.of())) {
            String body = freshBody();
            double before = inferences(server, "risk_heavy");
            double waitsBefore = server.metric("cache_singleflight_waits_total", "cache=\"result\"");
            double hitsBefore = server.metric("cache_hits_total", "cache=\"result\"");
            int clients = 16;
            CyclicBarrier start = new CyclicBarrier(clients);
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < clients; i++) {
                    answers.add(executor.submit(() -> {
                        start.await();
                        return server.post("/v1/models/risk_heavy:predict", body);
                    }));
                }
            }
            String expected = answers.get(0).get().body();
            for (Future<HttpResponse<String>> answer : answers) {
                assertEquals(200, answer.get().statusCode());
                assertEquals(expected, answer.get().body());
            }
            assertEquals(before + 1, inferences(server, "risk_heavy"), clients + " identical requests, one model call");
            double waited = server.metric("cache_singleflight_waits_total", "cache=\"result\"") - waitsBefore;
            double hit = server.metric("cache_hits_total", "cache=\"result\"") - hitsBefore;
            assertTrue(waited >= 1, "requests arriving together waited for the one in flight");
            assertEquals(clients - 1, waited + hit, "every request but the first waited for it or hit its answer");
        }
    }

    @Test
    void memcachedEvictionsArePublishedPerServer() throws Exception {
        try (MemcachedServer memcached = MemcachedServer.plain();
                TestServer server = serve(memcached, Map.of())) {
            MemcachedClient filler = new MemcachedClient(
                    new ConnectionFactoryBuilder()
                            .setProtocol(ConnectionFactoryBuilder.Protocol.BINARY)
                            .build(),
                    AddrUtil.getAddresses(memcached.address()));
            try {
                SerializingTranscoder uncompressed = new SerializingTranscoder(2_000_000);
                uncompressed.setCompressionThreshold(Integer.MAX_VALUE);
                byte[] value = new byte[1_000_000];
                for (int i = 0; i < 100; i++) { // 100 MB into a 64 MB memcached
                    assertTrue(filler.set("filler-" + i, 0, value, uncompressed).get(5, TimeUnit.SECONDS));
                }
                long evicted = Long.parseLong(
                        filler.getStats().values().iterator().next().get("evictions"));
                assertTrue(evicted > 0, "memcached evicted items to make room");
                assertEquals(
                        evicted,
                        server.metric("cache_server_evictions_total", "server=\"" + memcached.address() + "\""));
            } finally {
                filler.shutdown();
            }
        }
    }

    @Test
    void saslCredentialsAreCheckedAndAWrongPasswordBypassesTheCacheWithoutHanging() throws Exception {
        try (MemcachedServer memcached = MemcachedServer.withUsers(Map.of("inference", "right-pass"))) {
            try (TestServer server =
                    serve(memcached, Map.of("cache.username", "inference", "cache.password", "right-pass"))) {
                String body = freshBody();
                assertEquals("miss", cacheOutcome(server.post("/v1/models/risk:predict", body)));
                assertEquals("hit", cacheOutcome(server.post("/v1/models/risk:predict", body)));
            }
            try (TestServer server =
                    serve(memcached, Map.of("cache.username", "inference", "cache.password", "wrong-pass"))) {
                for (int i = 0; i < 6; i++) {
                    Instant start = Instant.now();
                    HttpResponse<String> response = server.post("/v1/models/risk:predict", freshBody());
                    assertEquals(200, response.statusCode(), "predictions still work: " + response.body());
                    assertEquals("bypass", cacheOutcome(response));
                    assertTrue(Duration.between(start, Instant.now()).toMillis() < 2000, "no hang on bad credentials");
                }
                assertTrue(
                        server.metric("cache_errors_total", "reason=\"auth\"") >= 1,
                        "a refused login is counted as an auth error");
            }
        }
    }

    @Test
    void rotatingCredentialsUnderLoadFailsNoRequest() throws Exception {
        try (MemcachedServer memcached =
                        MemcachedServer.withUsers(Map.of("old-user", "old-pass", "new-user", "new-pass"));
                TestServer server =
                        serve(memcached, Map.of("cache.username", "old-user", "cache.password", "old-pass"));
                RequestLoad load = new RequestLoad(
                        server,
                        4,
                        "/v1/models/risk:predict",
                        i -> "{\"instances\": [[" + (i % 20) + ", 7, 3, 2, 25, 8.5]]}")) {
            load.awaitMoreAnswers(100);
            double errorsBefore = server.metric("cache_errors_total", "cache=\"result\"");
            server.appliance().caches().rotate(new MemcachedCredentials("new-user", "new-pass"));
            load.awaitMoreAnswers(200);
            load.stop();
            assertEquals(List.of(), load.failures(), "no request fails while the client is swapped");
            assertTrue(
                    load.cacheOutcomesSeen().contains("hit"), "the cache kept answering: " + load.cacheOutcomesSeen());
            assertEquals(
                    errorsBefore,
                    server.metric("cache_errors_total", "cache=\"result\""),
                    "no cache operation failed during the swap");
            System.out.printf(
                    "credential rotation: %d requests, %d failed%n",
                    load.answers(), load.failures().size());
        }
    }

    @Test
    void killingMemcachedUnderLoadOpensTheBreakerAndRestartingItClosesIt() throws Exception {
        try (MemcachedServer memcached = MemcachedServer.plain();
                TestServer server = serve(memcached, Map.of());
                RequestLoad load = new RequestLoad(
                        server,
                        4,
                        "/v1/models/risk:predict",
                        i -> "{\"instances\": [[" + (i % 20) + ", 7, 3, 2, 25, 8.5]]}")) {
            load.awaitMoreAnswers(50);
            memcached.stop();
            Await.until(
                    () -> cacheHealth(server).contains("breaker open"), Duration.ofSeconds(30), "the breaker opens");
            load.awaitMoreAnswers(100);
            assertEquals(200, server.get("/observe/health/ready").statusCode(), "still ready with the cache down");
            assertTrue(load.cacheOutcomesSeen().contains("bypass"));

            memcached.start();
            Await.until(() -> cacheHealth(server).equals("ok"), Duration.ofSeconds(60), "the breaker closes again");
            String body = freshBody();
            server.post("/v1/models/risk:predict", body);
            assertEquals("hit", cacheOutcome(server.post("/v1/models/risk:predict", body)), "the cache is used again");
            load.stop();
            assertEquals(List.of(), load.failures(), "no request failed while memcached was down");
            System.out.printf(
                    "memcached outage: %d requests, %d failed%n",
                    load.answers(), load.failures().size());
        }
    }

    private static String cacheOutcome(HttpResponse<String> response) {
        assertEquals(200, response.statusCode(), response.body());
        return response.headers().firstValue("X-Cache").orElseThrow();
    }

    private static String cacheHealth(TestServer server) {
        try {
            return TestServer.json(server.get("/observe/health/ready"))
                    .at("/checks/1/data/result")
                    .asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static double inferences(TestServer server, String model) {
        return server.metric("model_inference_duration_seconds_count", "model=\"" + model + "\"");
    }
}
