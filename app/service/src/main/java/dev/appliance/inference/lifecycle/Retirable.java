package dev.appliance.inference.lifecycle;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The users of one instance of a live resource (a model version, a CQL session, a Memcached client).
 * Requests hold it between {@link #tryAcquire()} and {@link #release()}. Once {@link #retire() retired}
 * it takes no new users and closes when the last one releases it, or when the grace period ends at the
 * latest, so a replacement fails no request and a stuck user cannot keep the old instance open forever.
 */
public final class Retirable {

    private static final Logger LOG = Logger.getLogger(Retirable.class.getName());

    private final String name;
    private final Runnable closer;
    private final Duration grace;
    private final Scheduler scheduler;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean retired;

    /**
     * @param name      what the instance is, for the log line of a forced close
     * @param closer    releases the instance; runs exactly once
     * @param grace     how long a retired instance waits for its users before it is closed regardless
     * @param scheduler runs the forced close
     */
    public Retirable(String name, Runnable closer, Duration grace, Scheduler scheduler) {
        this.name = name;
        this.closer = closer;
        this.grace = grace;
        this.scheduler = scheduler;
    }

    /** Takes a hold for one use; false once retired. */
    public boolean tryAcquire() {
        inFlight.incrementAndGet();
        if (retired) {
            release();
            return false;
        }
        return true;
    }

    /** Gives back a hold taken by {@link #tryAcquire()}; the last one out of a retired instance closes it. */
    public void release() {
        if (inFlight.decrementAndGet() == 0 && retired) {
            close();
        }
    }

    /** Takes no new users; closes as soon as none is in flight, or after the grace period regardless. */
    public void retire() {
        retired = true;
        if (inFlight.get() == 0) {
            close();
        } else {
            scheduler.schedule(grace, () -> {
                if (!closed.get()) {
                    LOG.warning(() -> name + " still had " + inFlight.get() + " user(s) " + grace.toSeconds()
                            + " s after it was retired; closing it regardless");
                    close();
                }
            });
        }
    }

    /** Whether the instance has been closed. */
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Waits until the instance is closed (its last user left, or the grace period ended) or {@code timeout}
     * passed; true if closed. For what must not happen while users remain, such as revoking their login.
     */
    public boolean awaitClosed(Duration timeout) throws InterruptedException {
        return done.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Closes now, whoever still uses the instance (shutdown). */
    public void close() {
        retired = true;
        if (closed.compareAndSet(false, true)) {
            try {
                closer.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "closing " + name + " failed", e);
            } finally {
                done.countDown();
            }
        }
    }
}
