package dev.appliance.inference.admission;

import java.time.Duration;

/**
 * The moment by which a request must be answered, on the monotonic clock ({@link System#nanoTime()}).
 * Work whose deadline has passed is dropped instead of done: the caller has stopped waiting for it.
 */
public final class Deadline {

    /** A deadline that never passes, for callers outside a request (warm-up, tools, tests). */
    public static final Deadline NONE = new Deadline(Long.MAX_VALUE, Duration.ofSeconds(Long.MAX_VALUE));

    private final long atNanos;
    private final Duration budget;

    private Deadline(long atNanos, Duration budget) {
        this.atNanos = atNanos;
        this.budget = budget;
    }

    /** The deadline {@code budget} from now. */
    public static Deadline after(Duration budget) {
        long now = System.nanoTime();
        long nanos = budget.compareTo(Duration.ofDays(365)) > 0 ? Long.MAX_VALUE - now : budget.toNanos();
        return new Deadline(now + Math.max(nanos, 0), budget);
    }

    /** Nanoseconds left, zero or less once passed. */
    public long remainingNanos() {
        return this == NONE ? Long.MAX_VALUE : atNanos - System.nanoTime();
    }

    /** Whether the deadline has passed. */
    public boolean expired() {
        return remainingNanos() <= 0;
    }

    /** The budget the request was given, for messages. */
    public Duration budget() {
        return budget;
    }

    /**
     * Throws unless time is left.
     *
     * @param where what was about to start, for the message ("before the model ran")
     */
    public void check(String where) throws DeadlineExceededException {
        if (expired()) {
            throw new DeadlineExceededException(this, where);
        }
    }
}
