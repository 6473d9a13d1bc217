package dev.appliance.inference.features;

import dev.appliance.inference.config.Settings;
import dev.appliance.inference.observe.Meters;
import io.helidon.config.Config;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * Stale-if-error for features: the last copy of every entity read from the store, kept in memory (at most
 * {@code maxEntities}, the least recently read forgotten first), so that while the store cannot answer an
 * entity read within {@code maxAge} is still enriched, from that copy, instead of falling back to defaults or
 * a 503. Memory rather than Memcached, so the copies outlive a cache outage too; each service host keeps its
 * own.
 */
public final class StaleIfError {

    /** A copy of one entity's data and when it was read from the store. */
    record Copy(EntityData data, Instant readAt) {}

    private final Duration maxAge;
    private final Map<String, Copy> copies;
    private final LongAdder served = new LongAdder();

    /**
     * @param maxAge      oldest copy served during an outage; zero keeps no copies
     * @param maxEntities most copies kept
     */
    public StaleIfError(Duration maxAge, int maxEntities) {
        this.maxAge = maxAge;
        this.copies = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Copy> eldest) {
                return size() > maxEntities;
            }
        };
    }

    /**
     * From the {@code features.stale-if-error} subtree: {@code max-age} (5m; 0s turns it off) and
     * {@code max-entities} (10000).
     */
    public static StaleIfError from(Config node) {
        return new StaleIfError(
                Settings.durationInRange(node.get("max-age"), Duration.ofMinutes(5), Duration.ZERO, Duration.ofDays(1)),
                Settings.intInRange(node.get("max-entities"), 10_000, 1, 10_000_000));
    }

    /** Registers {@code feature_stale_copies} (copies kept) and {@code feature_stale_served} (lookups served). */
    public void registerMeters(MeterRegistry registry) {
        // The meters read the instance they were registered with: replace those an earlier one left.
        Meters.remove(registry, m -> m.id().name().startsWith("feature_stale_"));
        registry.getOrCreate(Gauge.builder("feature_stale_copies", () -> (double) size())
                .description("Entities whose last copy is kept for stale-if-error"));
        registry.getOrCreate(FunctionalCounter.builder("feature_stale_served", served, LongAdder::sum)
                .description("Entity lookups served from a kept copy because the feature store could not answer"));
    }

    /** Keeps the copy just read from the store. */
    synchronized void keep(String entityKey, String entityId, EntityData data, Instant readAt) {
        if (!maxAge.isZero()) {
            copies.put(key(entityKey, entityId), new Copy(data, readAt));
        }
    }

    /** The entity's copy, counted as served, if it was read no longer than max-age before {@code now}. */
    synchronized Optional<Copy> recent(String entityKey, String entityId, Instant now) {
        Copy copy = copies.get(key(entityKey, entityId));
        if (copy == null || copy.readAt().isBefore(now.minus(maxAge))) {
            return Optional.empty();
        }
        served.increment();
        return Optional.of(copy);
    }

    /** How many copies are kept. */
    public synchronized int size() {
        return copies.size();
    }

    private static String key(String entityKey, String entityId) {
        return entityKey + "\0" + entityId;
    }
}
