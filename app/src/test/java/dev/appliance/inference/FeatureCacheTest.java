package dev.appliance.inference;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import dev.appliance.inference.cache.CacheSettings;
import dev.appliance.inference.cache.Caches;
import dev.appliance.inference.cache.FeatureRow;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.metrics.api.Metrics;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Per-entity feature rows in a real memcached, with their own TTL. */
class FeatureCacheTest {

    private static Caches caches(MemcachedServer memcached, String featureTtl) throws Exception {
        Config config = Config.just(ConfigSources.create(Map.of("cache.enabled", "true",
                "cache.servers", memcached.address(), "cache.feature-ttl", featureTtl)));
        return Caches.create(CacheSettings.from(config.get("cache")), Metrics.createMeterRegistry());
    }

    @Test
    void storesAndReturnsAnEntitysRowUntilItsTtlEnds() throws Exception {
        FeatureRow row = new FeatureRow(Instant.parse("2026-11-21T10:15:30.123Z"),
                Map.of("txn_count_1h", 3.0, "avg_amount_30d", 41.5));
        try (MemcachedServer memcached = MemcachedServer.plain(); Caches caches = caches(memcached, "1s")) {
            Await.until(() -> {
                caches.features().put("user_id", "u-42", row);
                return caches.features().get("user_id", "u-42").isPresent();
            }, java.time.Duration.ofSeconds(10), "the client has connected");
            assertEquals(Optional.of(row), caches.features().get("user_id", "u-42"));
            assertEquals(Optional.empty(), caches.features().get("user_id", "u-43"));
            assertEquals(Optional.empty(), caches.features().get("account_id", "u-42"));
            Await.until(() -> caches.features().get("user_id", "u-42").isEmpty(), java.time.Duration.ofSeconds(10),
                    "the row expires after the feature TTL");
        }
    }
}
