package dev.appliance.inference.features;

import com.codahale.metrics.Counting;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Sampling;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.metrics.DefaultSessionMetric;
import com.datastax.oss.driver.api.core.metrics.SessionMetric;
import dev.appliance.inference.observe.Meters;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Feature-store meters: latency and outcome of each operation as the service sees it, and the CQL
 * driver's own session metrics (requests, client timeouts, connected nodes) republished as Helidon
 * meters that follow whichever session is current. The driver's counts restart with each new session
 * (credential rotation), which Prometheus's rate() reads as a counter reset.
 */
final class StoreMetrics {

    private final MeterRegistry registry;
    private final Supplier<Optional<CqlSession>> session;

    StoreMetrics(MeterRegistry registry, Supplier<Optional<CqlSession>> session) {
        this.registry = registry;
        this.session = session;
        // Driver meters read the store they were registered with: replace those an earlier store left.
        Meters.remove(registry, m -> m.id().name().startsWith("feature_store_driver_"));
        gauge(
                "feature_store_driver_connected_nodes",
                "Nodes the CQL driver is connected to",
                DefaultSessionMetric.CONNECTED_NODES,
                m -> m instanceof Gauge<?> g && g.getValue() instanceof Number n ? n.doubleValue() : 0);
        counter("feature_store_driver_requests", "CQL requests sent by the driver", DefaultSessionMetric.CQL_REQUESTS);
        gauge(
                "feature_store_driver_request_p99_seconds",
                "99th percentile of CQL request latency, driver view",
                DefaultSessionMetric.CQL_REQUESTS,
                m -> m instanceof Sampling s ? s.getSnapshot().get99thPercentile() / 1e9 : 0);
        counter(
                "feature_store_driver_client_timeouts",
                "CQL requests that timed out on the client",
                DefaultSessionMetric.CQL_CLIENT_TIMEOUTS);
    }

    void operation(String operation, String outcome, Duration took) {
        List<Tag> tags = List.of(Tag.create("operation", operation), Tag.create("outcome", outcome));
        registry.getOrCreate(Counter.builder("feature_store_requests")
                        .description("Feature store operations by operation (read, upsert, append) and outcome")
                        .tags(tags))
                .increment();
        registry.getOrCreate(Timer.builder("feature_store_duration")
                        .description("Feature store operation latency as the service sees it")
                        .publishPercentileHistogram(true)
                        .tags(tags))
                .record(took);
    }

    private void counter(String name, String description, SessionMetric metric) {
        registry.getOrCreate(FunctionalCounter.builder(
                        name,
                        this,
                        self -> self.session
                                .get()
                                .flatMap(CqlSession::getMetrics)
                                .flatMap(m -> m.<com.codahale.metrics.Metric>getSessionMetric(metric))
                                .map(m -> m instanceof Counting c ? c.getCount() : 0L)
                                .orElse(0L))
                .description(description));
    }

    private void gauge(
            String name,
            String description,
            SessionMetric metric,
            java.util.function.ToDoubleFunction<com.codahale.metrics.Metric> read) {
        registry.getOrCreate(io.helidon.metrics.api.Gauge.builder(
                        name,
                        () -> session.get()
                                .flatMap(CqlSession::getMetrics)
                                .flatMap(m -> m.<com.codahale.metrics.Metric>getSessionMetric(metric))
                                .map(read::applyAsDouble)
                                .orElse(0.0))
                .description(description));
    }
}
