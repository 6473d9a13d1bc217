package dev.appliance.inference.lifecycle;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The timed work that keeps one resource alive: renewals, polls, reconnects. At most one task is pending
 * (scheduling another replaces it). A failure is retried after a capped, jittered exponential
 * {@link Backoff}, and a success resets it; {@link #problem()} says what last went wrong, for health
 * details. A task that throws unexpectedly is logged and retried the same way. After {@link #close()}
 * nothing runs any more.
 */
public final class Upkeep implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Upkeep.class.getName());

    private final String name;
    private final Scheduler scheduler;
    private Backoff backoff;
    private Scheduler.Task next;
    private boolean closed;
    private volatile String problem;

    /**
     * @param name      what is kept alive, for log lines
     * @param backoff   the retry policy
     * @param scheduler runs the tasks
     * @param problem   the status before the first success (empty: none)
     */
    public Upkeep(String name, Backoff backoff, Scheduler scheduler, String problem) {
        this.name = name;
        this.backoff = backoff.reset();
        this.scheduler = scheduler;
        this.problem = problem;
    }

    /** Runs {@code task} after {@code delay}, instead of any task pending. */
    public synchronized void schedule(Duration delay, Runnable task) {
        if (closed) {
            return;
        }
        if (next != null) {
            next.cancel();
        }
        next = scheduler.schedule(delay, () -> guarded(task));
    }

    /** Runs {@code task} as soon as possible, instead of any task pending. */
    public void now(Runnable task) {
        schedule(Duration.ZERO, task);
    }

    /** Records a success: the backoff starts over and there is no problem to report. */
    public synchronized void succeeded() {
        backoff = backoff.reset();
        problem = "";
    }

    /** Records a failure without retrying (the caller decides what comes next). */
    public void failed(String why) {
        problem = why;
    }

    /** Records a failure and runs {@code task} again after the next backoff; returns that wait. */
    public Duration retry(Runnable task, String why) {
        return retry(task, why, Duration.ZERO);
    }

    /** Like {@link #retry(Runnable, String)}, but waits {@code atLeast} (a poll interval, say) in any case. */
    public synchronized Duration retry(Runnable task, String why, Duration atLeast) {
        problem = why;
        backoff = backoff.next();
        Duration wait = backoff.jittered(ThreadLocalRandom.current());
        Duration delay = wait.compareTo(atLeast) < 0 ? atLeast : wait;
        schedule(delay, task);
        return delay;
    }

    /** What last went wrong, or empty when the last attempt succeeded. */
    public String problem() {
        return problem;
    }

    /** Whether {@link #close()} was called. */
    public synchronized boolean closed() {
        return closed;
    }

    private void guarded(Runnable task) {
        if (closed()) {
            return;
        }
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "unexpected failure in the upkeep of " + name + "; retrying", e);
            retry(task, "unexpected failure: " + e.getClass().getSimpleName());
        }
    }

    /** Cancels the pending task; nothing is scheduled any more. */
    @Override
    public synchronized void close() {
        closed = true;
        if (next != null) {
            next.cancel();
        }
    }
}
