package dev.appliance.inference.observe;

import dev.appliance.inference.model.ModelEvents;
import dev.appliance.inference.model.ModelRejectedException;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.DistributionStatisticsConfig;
import io.helidon.metrics.api.DistributionSummary;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The service's own meters, published in Prometheus format at {@code /observe/metrics}. Tag values come
 * from served model names and fixed route names only, never from raw request input, so cardinality stays
 * bounded.
 */
public final class ServiceMetrics implements ModelEvents {

    /** Upper bounds of the batch-size histogram's buckets, in requests. */
    private static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128};

    private final MeterRegistry registry;
    /** The meters by tag values, so neither a request nor an engine call does a registry lookup. */
    private final Map<RequestKey, RequestMeters> requestMeters = new ConcurrentHashMap<>();

    private final Map<EngineKey, EngineMeters> engineMeters = new ConcurrentHashMap<>();

    private record RequestKey(String route, String model, String version, int status) {}

    private record RequestMeters(Counter count, Timer duration) {}

    private record EngineKey(String model, long version) {}

    private record EngineMeters(Timer duration, DistributionSummary rows, DistributionSummary batchSize) {}

    /** Registers meters in the given registry (the global one in the service, a fresh one in tests). */
    public ServiceMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** One answered API request. */
    public void request(String route, String model, String version, int status, Duration took) {
        RequestMeters meters =
                requestMeters.computeIfAbsent(new RequestKey(route, model, version, status), this::requestMeters);
        meters.count().increment();
        meters.duration().record(took);
    }

    private RequestMeters requestMeters(RequestKey key) {
        List<Tag> tags = List.of(
                Tag.create("route", key.route()),
                Tag.create("model", key.model()),
                Tag.create("version", key.version()),
                Tag.create("status", Integer.toString(key.status())));
        return new RequestMeters(
                registry.getOrCreate(Counter.builder("inference_requests")
                        .description("API requests by route, model, version and HTTP status")
                        .tags(tags)),
                registry.getOrCreate(Timer.builder("inference_request_duration")
                        .description("API request latency by route, model, version and HTTP status")
                        .publishPercentileHistogram(true)
                        .tags(tags)));
    }

    /**
     * One request a model version refused without running it: {@code overloaded} (queue full or waited too
     * long) or {@code deadline} (the caller's deadline passed first).
     */
    public void refused(String model, long version, String reason) {
        registry.getOrCreate(Counter.builder("model_requests_refused")
                        .description(
                                "Requests a model version refused without running them, by reason (overloaded, deadline)")
                        .tags(List.of(
                                Tag.create("model", model),
                                Tag.create("version", Long.toString(version)),
                                Tag.create("reason", reason))))
                .increment();
    }

    @Override
    public void loaded(String model, long version, Duration took) {
        registry.getOrCreate(Counter.builder("model_loads")
                        .description("Model versions verified, loaded and warmed up")
                        .tags(List.of(Tag.create("model", model))))
                .increment();
    }

    @Override
    public void loadFailed(String model, long version, ModelRejectedException.Reason reason) {
        registry.getOrCreate(Counter.builder("model_load_failures")
                        .description("Model versions refused, by reason (manifest, integrity, signature, load, warmup)")
                        .tags(List.of(
                                Tag.create("model", model),
                                Tag.create("version", Long.toString(version)),
                                Tag.create("reason", reason.tag()))))
                .increment();
    }

    @Override
    public void inference(String model, long version, int calls, int rows, Duration took) {
        EngineMeters meters = engineMeters.computeIfAbsent(new EngineKey(model, version), this::engineMeters);
        meters.duration().record(took);
        meters.rows().record(rows);
        meters.batchSize().record(calls);
    }

    private EngineMeters engineMeters(EngineKey key) {
        List<Tag> tags = List.of(Tag.create("model", key.model()), Tag.create("version", Long.toString(key.version())));
        return new EngineMeters(
                registry.getOrCreate(Timer.builder("model_inference_duration")
                        .description("Time spent in the engine per call")
                        .publishPercentileHistogram(true)
                        .tags(tags)),
                registry.getOrCreate(DistributionSummary.builder("model_inference_rows")
                        .description("Rows per engine call")
                        .tags(tags)),
                registry.getOrCreate(DistributionSummary.builder("model_batch_size")
                        .description("Requests run together per engine call (dynamic batching)")
                        .distributionStatisticsConfig(
                                DistributionStatisticsConfig.builder().buckets(BATCH_BUCKETS))
                        .tags(tags)));
    }
}
