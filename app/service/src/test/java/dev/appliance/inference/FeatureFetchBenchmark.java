package dev.appliance.inference;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import dev.appliance.inference.features.EntityData;
import dev.appliance.inference.features.FeatureStore;
import dev.appliance.inference.features.FeatureStoreSettings;
import dev.appliance.inference.features.NewEvent;
import dev.appliance.inference.lifecycle.Scheduler;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.metrics.api.Metrics;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Latency of one entity's feature fetch, measured in one run against the CQL stand-in: the same two
 * prepared reads done directly with the driver, through the service's feature store client, and as the
 * extra cost inside an HTTP prediction (enriched vs. the caller sending every feature; no caches).
 * Not part of {@code make test}; run with {@code make bench-features}.
 */
class FeatureFetchBenchmark {

    private static final int WARMUP = 300;
    private static final int RUNS = 2000;
    private static final int HTTP_RUNS = 1000;

    @Test
    void featureFetchLatency() throws Exception {
        FeatureStoreFixture fixture = FeatureStoreFixture.create("features_bench");
        Map<String, String> settings = new HashMap<>(fixture.serviceSettings());
        FeatureStoreSettings storeSettings = FeatureStoreSettings.from(
                Config.just(ConfigSources.create(settings)).get("features"));
        try (Scheduler scheduler = Scheduler.threads("bench-feature-store", 1);
             FeatureStore store = new FeatureStore(storeSettings, Metrics.createMeterRegistry(), scheduler);
             CqlSession direct = fixture.server().connect(
                     new CqlServer.Credentials(fixture.app().username(), fixture.app().password()))) {
            store.start(fixture.app());
            store.upsert("user_id", "bench-1", Map.of("account_age_days", 800.0), Instant.now());
            List<NewEvent> events = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                events.add(new NewEvent(Instant.now().minusSeconds(3600L * i), 20 + i, 3));
            }
            store.append("user_id", "bench-1", events);

            String ks = fixture.keyspace();
            PreparedStatement features = direct.prepare("SELECT feature, value, updated_at FROM " + ks
                    + ".entity_features WHERE entity_type = ? AND entity_id = ?");
            PreparedStatement history = direct.prepare("SELECT occurred_at, amount FROM " + ks
                    + ".entity_events WHERE entity_type = ? AND entity_id = ? LIMIT ?");
            Runnable directRead = () -> {
                CompletionStage<AsyncResultSet> a = direct.executeAsync(features.bind("user_id", "bench-1")
                        .setConsistencyLevel(ConsistencyLevel.LOCAL_ONE));
                CompletionStage<AsyncResultSet> b = direct.executeAsync(history.bind("user_id", "bench-1", 200)
                        .setConsistencyLevel(ConsistencyLevel.LOCAL_ONE));
                a.toCompletableFuture().join();
                b.toCompletableFuture().join();
            };
            Runnable serviceRead = () -> {
                try {
                    EntityData data = store.read("user_id", "bench-1");
                    assertEquals(20, data.events().size());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            // Interleaved rounds so both see the same machine state.
            long[] directNs = new long[RUNS];
            long[] serviceNs = new long[RUNS];
            for (int i = 0; i < WARMUP; i++) {
                directRead.run();
                serviceRead.run();
            }
            for (int i = 0; i < RUNS; i++) {
                directNs[i] = time(directRead);
                serviceNs[i] = time(serviceRead);
            }
            report("driver, directly (2 prepared reads in parallel)", directNs);
            report("service's FeatureStore.read (same reads)", serviceNs);
        }

        settings.putAll(Map.of("models.root", TestRepository.demo().toString(), "models.labels.risk.canary", "2"));
        try (TestServer server = new TestServer(settings).awaitReady(Duration.ofSeconds(60))) {
            String enriched = "{\"instances\": [{\"user_id\": \"bench-1\", \"amount\": 950, \"merchant_category\": 7,"
                    + " \"hour\": 3}]}";
            String complete = "{\"instances\": [[950, 7, 3, 800, 29.5, 8.5]]}";
            long[] enrichedNs = new long[HTTP_RUNS];
            long[] completeNs = new long[HTTP_RUNS];
            for (int i = 0; i < WARMUP; i++) {
                server.post("/v1/models/risk/labels/canary:predict", enriched);
                server.post("/v1/models/risk/labels/canary:predict", complete);
            }
            for (int i = 0; i < HTTP_RUNS; i++) {
                enrichedNs[i] = time(() -> post(server, enriched));
                completeNs[i] = time(() -> post(server, complete));
            }
            report("HTTP predict, features looked up (no caches)", enrichedNs);
            report("HTTP predict, caller sends every feature", completeNs);
        }
    }

    private static void post(TestServer server, String body) {
        try {
            assertEquals(200, server.post("/v1/models/risk/labels/canary:predict", body).statusCode());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long time(Runnable r) {
        long start = System.nanoTime();
        r.run();
        return System.nanoTime() - start;
    }

    private static void report(String what, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf("BENCH %-50s p50 %7.3f ms  p99 %7.3f ms  (n=%d)%n", what,
                sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.99)] / 1e6, sorted.length);
    }
}
