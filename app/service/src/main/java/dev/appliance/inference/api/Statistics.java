package dev.appliance.inference.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.appliance.inference.cache.ResultCache;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per model version counts and times of inference calls, for the statistics extension (HTTP and gRPC share
 * them): successes and failures, and of the successes which the result cache answered.
 */
final class Statistics {

    /** Counters of one model version. */
    static final class Counts {
        final LongAdder successCount = new LongAdder();
        final LongAdder successNanos = new LongAdder();
        final LongAdder failCount = new LongAdder();
        final LongAdder failNanos = new LongAdder();
        final LongAdder hitCount = new LongAdder();
        final LongAdder hitNanos = new LongAdder();
        final LongAdder missCount = new LongAdder();
        final LongAdder missNanos = new LongAdder();
        final LongAdder rows = new LongAdder();
        final LongAdder executions = new LongAdder();
        final AtomicLong lastInferenceMillis = new AtomicLong();
    }

    private final Map<String, Counts> byVersion = new ConcurrentHashMap<>();
    private final Clock clock;

    Statistics(Clock clock) {
        this.clock = clock;
    }

    void success(String model, long version, int rows, ResultCache.Outcome outcome, long nanos) {
        Counts c = counts(model, version);
        c.successCount.increment();
        c.successNanos.add(nanos);
        c.rows.add(rows);
        if (outcome == ResultCache.Outcome.HIT) {
            c.hitCount.increment();
            c.hitNanos.add(nanos);
        } else {
            c.executions.increment();
            if (outcome == ResultCache.Outcome.MISS) {
                c.missCount.increment();
                c.missNanos.add(nanos);
            }
        }
        c.lastInferenceMillis.set(clock.millis());
    }

    void failure(String model, long version, long nanos) {
        Counts c = counts(model, version);
        c.failCount.increment();
        c.failNanos.add(nanos);
    }

    /** The counters of one version; zeros when it has not answered yet. */
    Counts of(String model, long version) {
        return byVersion.getOrDefault(key(model, version), new Counts());
    }

    /** One version's statistics in the extension's JSON form. */
    static void write(ObjectNode stats, String model, long version, Counts c) {
        stats.put("name", model)
                .put("version", Long.toString(version))
                .put("last_inference", c.lastInferenceMillis.get())
                .put("inference_count", c.rows.sum())
                .put("execution_count", c.executions.sum());
        ObjectNode infer = stats.putObject("inference_stats");
        duration(infer, "success", c.successCount, c.successNanos);
        duration(infer, "fail", c.failCount, c.failNanos);
        duration(infer, "cache_hit", c.hitCount, c.hitNanos);
        duration(infer, "cache_miss", c.missCount, c.missNanos);
    }

    private static void duration(ObjectNode parent, String name, LongAdder count, LongAdder nanos) {
        parent.putObject(name).put("count", count.sum()).put("ns", nanos.sum());
    }

    private Counts counts(String model, long version) {
        return byVersion.computeIfAbsent(key(model, version), k -> new Counts());
    }

    private static String key(String model, long version) {
        return model + "\n" + version;
    }
}
