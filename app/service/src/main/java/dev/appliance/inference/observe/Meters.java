package dev.appliance.inference.observe;

import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import java.util.function.Predicate;

/**
 * Meters that read the object they were registered with (gauges, functional counters) must be replaced when
 * a new object takes over, in the same JVM: {@code getOrCreate} would keep the old one. Each registering
 * class removes its earlier meters with {@link #remove} before it registers its own.
 */
public final class Meters {

    private Meters() {}

    /** Removes every meter of the registry that {@code which} selects. */
    public static void remove(MeterRegistry registry, Predicate<Meter> which) {
        registry.meters().stream().filter(which).toList().forEach(registry::remove);
    }
}
