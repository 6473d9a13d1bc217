package dev.appliance.inference.observe;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import java.util.List;

/**
 * Publishes every readiness check as {@code inference_ready{check}}: 1 while it is UP, 0 while it is
 * DOWN, evaluated at scrape time, so alerts see what {@code /observe/health/ready} answers. The {@code check}
 * tag takes the checks' fixed names only.
 */
public final class ReadinessMetrics {

    static final String NAME = "inference_ready";

    private ReadinessMetrics() {}

    /** Registers one gauge per check, replacing gauges an earlier instance left in the registry. */
    public static void register(MeterRegistry registry, List<? extends HealthCheck> checks) {
        Meters.remove(registry, m -> m.id().name().equals(NAME));
        for (HealthCheck check : checks) {
            registry.getOrCreate(Gauge.builder(NAME, () -> up(check))
                    .description("Readiness check state: 1 UP, 0 DOWN (see /observe/health for the reason)")
                    .tags(List.of(Tag.create("check", check.name()))));
        }
    }

    private static double up(HealthCheck check) {
        try {
            return check.call().status() == HealthCheckResponse.Status.UP ? 1 : 0;
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
