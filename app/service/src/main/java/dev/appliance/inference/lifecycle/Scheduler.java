package dev.appliance.inference.lifecycle;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs tasks after a delay. {@code Main} passes one backed by a small thread pool to every component with
 * timed work (renewals, polls, reconnects, forced closes); tests pass one that runs due tasks when they
 * advance a clock, so no test sleeps for a timer.
 */
public interface Scheduler extends AutoCloseable {

    /** A scheduled task that has not run yet can be cancelled. */
    interface Task {
        /** Cancels the task if it has not started; no effect otherwise. */
        void cancel();
    }

    /** Runs {@code task} once, {@code delay} from now (at once for a zero or negative delay). */
    Task schedule(Duration delay, Runnable task);

    /** Stops running tasks; pending ones are dropped. */
    @Override
    void close();

    /** A scheduler on {@code threads} daemon threads named {@code name-N}. */
    static Scheduler threads(String name, int threads) {
        AtomicInteger count = new AtomicInteger();
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(threads, runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        return new Scheduler() {
            @Override
            public Task schedule(Duration delay, Runnable task) {
                ScheduledFuture<?> future =
                        executor.schedule(task, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
                return () -> future.cancel(false);
            }

            @Override
            public void close() {
                executor.shutdownNow();
                try {
                    executor.awaitTermination(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }
}
