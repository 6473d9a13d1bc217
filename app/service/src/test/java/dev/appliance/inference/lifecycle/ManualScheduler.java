package dev.appliance.inference.lifecycle;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A scheduler on a clock that only moves when a test calls {@link #advance}: due tasks then run on the
 * test's thread, in time order. Also the {@link Clock} of the code under test.
 */
public final class ManualScheduler extends Clock implements Scheduler {

    private record Pending(Instant due, long order, Runnable task, boolean[] cancelled) {}

    private final List<Pending> pending = new ArrayList<>();
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private long order;

    @Override
    public synchronized Task schedule(Duration delay, Runnable task) {
        boolean[] cancelled = {false};
        pending.add(new Pending(now.plus(delay.isNegative() ? Duration.ZERO : delay), order++, task, cancelled));
        return () -> {
            synchronized (this) {
                cancelled[0] = true;
            }
        };
    }

    /** Moves time forward, running every task that falls due on the way (and tasks they schedule). */
    public void advance(Duration by) {
        Instant until = now.plus(by);
        while (true) {
            Pending due;
            synchronized (this) {
                due = pending.stream()
                        .filter(p -> !p.due().isAfter(until))
                        .min(Comparator.comparing(Pending::due).thenComparingLong(Pending::order))
                        .orElse(null);
                if (due == null) {
                    now = until;
                    return;
                }
                pending.remove(due);
                now = due.due();
                if (due.cancelled()[0]) {
                    continue;
                }
            }
            due.task().run();
        }
    }

    /** Tasks waiting to fall due, not counting cancelled ones. */
    public synchronized long waiting() {
        return pending.stream().filter(p -> !p.cancelled()[0]).count();
    }

    @Override
    public synchronized Instant instant() {
        return now;
    }

    @Override
    public ZoneOffset getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
        throw new UnsupportedOperationException("the manual clock is UTC only");
    }

    @Override
    public void close() {
        synchronized (this) {
            pending.clear();
        }
    }
}
