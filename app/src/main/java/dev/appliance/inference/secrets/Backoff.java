package dev.appliance.inference.secrets;

import java.time.Duration;

/**
 * Exponential backoff between retries of a failed Vault call: {@code min}, then doubling up to {@code max}.
 * Immutable; {@link #next()} gives the backoff for the following failure and {@link #reset()} the first one.
 *
 * @param min      first wait
 * @param max      longest wait
 * @param failures failures so far
 */
record Backoff(Duration min, Duration max, int failures) {

    Backoff(Duration min, Duration max) {
        this(min, max, 0);
    }

    /** The wait before the next retry. */
    Duration delay() {
        Duration d = min;
        for (int i = 1; i < failures && d.compareTo(max) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(max) > 0 ? max : d;
    }

    /** The backoff after one more failure. */
    Backoff next() {
        return new Backoff(min, max, failures + 1);
    }

    /** The backoff after a success. */
    Backoff reset() {
        return new Backoff(min, max, 0);
    }
}
