package dev.appliance.inference.lifecycle;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Capped exponential backoff between retries of failed upkeep work: {@code min}, then doubling up to
 * {@code max}. Immutable; {@link #next()} gives the backoff for the following failure and {@link #reset()}
 * the first one. {@link #jittered} spreads the waits of many retries so they do not fall in step.
 *
 * @param min      first wait
 * @param max      longest wait
 * @param failures failures so far
 */
public record Backoff(Duration min, Duration max, int failures) {

    /** A backoff with no failures yet. */
    public Backoff(Duration min, Duration max) {
        this(min, max, 0);
    }

    /** The nominal wait before the next retry. */
    public Duration delay() {
        Duration d = min;
        for (int i = 1; i < failures && d.compareTo(max) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(max) > 0 ? max : d;
    }

    /** The wait with "equal jitter": between half the nominal wait and all of it, never longer. */
    public Duration jittered(RandomGenerator random) {
        long nanos = delay().toNanos();
        return Duration.ofNanos(nanos / 2 + (long) (random.nextDouble() * (nanos - nanos / 2)));
    }

    /** The backoff after one more failure. */
    public Backoff next() {
        return new Backoff(min, max, failures + 1);
    }

    /** The backoff after a success. */
    public Backoff reset() {
        return new Backoff(min, max, 0);
    }
}
