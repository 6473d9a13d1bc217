package dev.appliance.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.appliance.inference.cache.CacheSettings;
import dev.appliance.inference.cache.Caches;
import dev.appliance.inference.features.EntityData;
import dev.appliance.inference.features.FeatureCache;
import dev.appliance.inference.lifecycle.Scheduler;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.metrics.api.Metrics;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Per-entity feature data in a real memcached, with its own TTL. */
class FeatureCacheTest {

    private static final Scheduler SCHEDULER = Scheduler.threads("test-cache", 1);

    @AfterAll
    static void stopScheduler() {
        SCHEDULER.close();
    }

    private static Caches caches(MemcachedServer memcached, String featureTtl) throws Exception {
        Config config = Config.just(ConfigSources.create(Map.of(
                "cache.enabled", "true", "cache.servers", memcached.address(), "cache.feature-ttl", featureTtl)));
        return Caches.create(CacheSettings.from(config.get("cache")), Metrics.createMeterRegistry(), SCHEDULER);
    }

    @Test
    void storesAndReturnsAnEntitysDataUntilItsTtlEndsOrAWriteInvalidatesIt() throws Exception {
        Instant updated = Instant.parse("2026-11-21T10:15:30.123Z");
        EntityData row = new EntityData(
                Map.of(
                        "account_age_days",
                        new EntityData.StoredValue(800, updated),
                        "home_distance_km",
                        new EntityData.StoredValue(3.5, updated.minusSeconds(60))),
                List.of(new EntityData.Event(updated, 12.5), new EntityData.Event(updated.minusSeconds(3600), 40)));
        try (MemcachedServer memcached = MemcachedServer.plain();
                Caches caches = caches(memcached, "1s")) {
            FeatureCache features = new FeatureCache(caches.features().orElseThrow());
            Await.until(
                    () -> {
                        features.put("user_id", "u-42", row);
                        return features.get("user_id", "u-42").isPresent();
                    },
                    java.time.Duration.ofSeconds(10),
                    "the client has connected");
            assertEquals(Optional.of(row), features.get("user_id", "u-42"));
            assertEquals(Optional.empty(), features.get("user_id", "u-43"));
            assertEquals(Optional.empty(), features.get("account_id", "u-42"));
            features.invalidate("user_id", "u-42");
            assertEquals(Optional.empty(), features.get("user_id", "u-42"), "a write invalidates the entry");
            features.put("user_id", "u-42", row);
            Await.until(
                    () -> features.get("user_id", "u-42").isEmpty(),
                    java.time.Duration.ofSeconds(10),
                    "the row expires after the feature TTL");
        }
    }
}
