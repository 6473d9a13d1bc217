package dev.appliance.inference.cache;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/** The meters of one named cache ({@code result} or {@code feature}). */
final class CacheMetrics {

    private final MeterRegistry registry;
    private final Tag cache;

    CacheMetrics(MeterRegistry registry, String cache, Supplier<Double> breakerState) {
        this.registry = registry;
        this.cache = Tag.create("cache", cache);
        registry.getOrCreate(Gauge.builder("cache_breaker_state", breakerState)
                .description("Circuit breaker around the cache: 0 closed, 1 half-open, 2 open")
                .tags(List.of(this.cache)));
    }

    void request(String operation, Duration took) {
        List<Tag> tags = List.of(cache, Tag.create("operation", operation));
        registry.getOrCreate(Counter.builder("cache_requests")
                        .description("Cache operations attempted")
                        .tags(tags))
                .increment();
        registry.getOrCreate(Timer.builder("cache_operation_duration")
                        .description("Cache operation latency")
                        .publishPercentileHistogram(true)
                        .tags(tags))
                .record(took);
    }

    void hit() {
        registry.getOrCreate(Counter.builder("cache_hits")
                        .description("Cache lookups that found a value")
                        .tags(List.of(cache)))
                .increment();
    }

    void miss() {
        registry.getOrCreate(Counter.builder("cache_misses")
                        .description("Cache lookups that found nothing")
                        .tags(List.of(cache)))
                .increment();
    }

    void sharedWait() {
        registry.getOrCreate(Counter.builder("cache_singleflight_waits")
                        .description("Lookups that waited for an identical one in flight instead of running their own")
                        .tags(List.of(cache)))
                .increment();
    }

    void error(String operation, String reason) {
        registry.getOrCreate(Counter.builder("cache_errors")
                        .description(
                                "Failed cache operations by reason: timeout, connection, auth, serialization, too_large")
                        .tags(List.of(cache, Tag.create("operation", operation), Tag.create("reason", reason))))
                .increment();
    }

    void bypass(String reason) {
        registry.getOrCreate(Counter.builder("cache_bypasses")
                        .description("Requests served without the cache, by reason: breaker_open, error")
                        .tags(List.of(cache, Tag.create("reason", reason))))
                .increment();
    }
}
