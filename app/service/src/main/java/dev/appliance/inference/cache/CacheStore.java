package dev.appliance.inference.cache;

import io.helidon.faulttolerance.CircuitBreaker;
import io.helidon.faulttolerance.CircuitBreakerOpenException;
import io.helidon.metrics.api.MeterRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One named cache over the shared Memcached connection, behind its own circuit breaker. Nothing here
 * throws: a failed or refused lookup is reported as {@link Lookup.Bypass} and counted, so the caller
 * serves without the cache; a failed write or delete is counted and logged.
 */
public final class CacheStore {

    private static final Logger LOG = Logger.getLogger(CacheStore.class.getName());

    private final String name;
    private final MemcachedConnection connection;
    private final Duration ttl;
    private final int maxItemBytes;
    private final CircuitBreaker breaker;
    private final CacheMetrics metrics;

    /** What a lookup found. */
    public sealed interface Lookup {
        /** The stored value. */
        record Hit(byte[] value) implements Lookup {}

        /** Nothing stored under the key. */
        record Miss() implements Lookup {}

        /** The cache could not be asked; serve without it. */
        record Bypass() implements Lookup {}
    }

    CacheStore(
            String name, MemcachedConnection connection, Duration ttl, CacheSettings settings, MeterRegistry registry) {
        this.name = name;
        this.connection = connection;
        this.ttl = ttl;
        this.maxItemBytes = settings.maxItemBytes();
        this.breaker = CircuitBreaker.builder()
                .name("cache-" + name)
                .volume(settings.breakerVolume())
                .errorRatio(settings.breakerErrorRatio())
                .delay(settings.breakerDelay())
                .successThreshold(1)
                .build();
        this.metrics = new CacheMetrics(registry, name, this::breakerState);
    }

    String name() {
        return name;
    }

    /** A caller waited for an identical computation in flight (single flight) instead of running its own. */
    void sharedWait() {
        metrics.sharedWait();
    }

    public Lookup get(String key) {
        Optional<byte[]> value;
        try {
            value = call("get", () -> Optional.ofNullable(connection.get(key)));
        } catch (Skipped e) {
            metrics.bypass(e.reason);
            return new Lookup.Bypass();
        }
        if (value.isPresent()) {
            metrics.hit();
            return new Lookup.Hit(value.get());
        }
        metrics.miss();
        return new Lookup.Miss();
    }

    /**
     * Stores a value; a failure is counted and logged, never thrown. A value over the item size limit is
     * not sent at all: it says nothing about Memcached's health, so it must not count against the breaker.
     */
    public void put(String key, byte[] value) {
        if (value.length > maxItemBytes) {
            metrics.error("set", CacheException.Reason.TOO_LARGE.tag());
            LOG.fine(() -> "cache " + name + ": " + value.length + " bytes exceed the item limit of " + maxItemBytes);
            return;
        }
        try {
            call("set", () -> {
                connection.set(key, ttl, value);
                return Boolean.TRUE;
            });
        } catch (Skipped e) {
            // Counted by call(); the answer is served anyway.
        }
    }

    /** Removes a value; a failure is counted and logged, never thrown (the TTL bounds the staleness). */
    public void delete(String key) {
        try {
            call("delete", () -> {
                connection.delete(key);
                return Boolean.TRUE;
            });
        } catch (Skipped e) {
            // Counted by call(); the feature TTL bounds how long the old entry can be read.
        }
    }

    /** Counts a value that could not be decoded, so it is treated as a miss. */
    public void corrupt(String key, String problem) {
        metrics.error("get", CacheException.Reason.SERIALIZATION.tag());
        LOG.warning(() -> "cache " + name + ": undecodable value under " + key + ": " + problem);
    }

    /** The breaker's state for health details: closed, half_open or open. */
    String state() {
        return breaker.state().name().toLowerCase(java.util.Locale.ROOT);
    }

    private double breakerState() {
        return switch (breaker.state()) {
            case CLOSED -> 0;
            case HALF_OPEN -> 1;
            case OPEN -> 2;
        };
    }

    /** An operation that did not run (breaker open) or failed (counted as an error by reason). */
    private static final class Skipped extends Exception {
        private final String reason;

        Skipped(String reason) {
            super(reason, null, false, false);
            this.reason = reason;
        }
    }

    /** Runs one operation through the breaker. */
    private <T> T call(String operation, Supplier<T> op) throws Skipped {
        long start = System.nanoTime();
        try {
            return breaker.invoke(op);
        } catch (CircuitBreakerOpenException e) {
            throw new Skipped("breaker_open");
        } catch (CacheException e) {
            metrics.error(operation, e.reason().tag());
            LOG.log(Level.FINE, "cache " + name + " " + operation + " failed: " + e.getMessage(), e);
            throw new Skipped("error");
        } finally {
            metrics.request(operation, Duration.ofNanos(System.nanoTime() - start));
        }
    }
}
