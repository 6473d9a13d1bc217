package dev.appliance.inference.lifecycle;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Holds the current instance of a resource that is replaced at run time (a CQL session, a Memcached
 * client). {@link #acquire()} hands out the current one for a single use; {@link #swap} puts a new one in
 * and {@link Retirable retires} the old one, which closes once its users are done or its grace period
 * ends. Lock-free on the request path.
 *
 * @param <T> the resource
 */
public final class Holder<T> implements AutoCloseable {

    /**
     * One instance with its users; a request releases it in {@code finally}.
     *
     * @param <T> the resource
     */
    public static final class Held<T> {
        private final T resource;
        private final Retirable users;

        private Held(T resource, Retirable users) {
            this.resource = resource;
            this.users = users;
        }

        /** The instance. */
        public T get() {
            return resource;
        }

        /** Ends this use of the instance. */
        public void release() {
            users.release();
        }

        /** Whether the instance has been closed. */
        public boolean isClosed() {
            return users.isClosed();
        }

        /** See {@link Retirable#awaitClosed}. */
        public boolean awaitClosed(Duration timeout) throws InterruptedException {
            return users.awaitClosed(timeout);
        }
    }

    private final String name;
    private final Consumer<T> closer;
    private final Duration grace;
    private final Scheduler scheduler;
    private final AtomicReference<Held<T>> current = new AtomicReference<>();
    private volatile boolean closed;

    /**
     * @param name      what the resource is, for log lines
     * @param closer    closes one instance
     * @param grace     how long a replaced instance waits for its users before it is closed regardless
     * @param scheduler runs forced closes
     */
    public Holder(String name, Consumer<T> closer, Duration grace, Scheduler scheduler) {
        this.name = name;
        this.closer = closer;
        this.grace = grace;
        this.scheduler = scheduler;
    }

    /** The current instance held for one use, or empty when there is none (never set, or closed). */
    public Optional<Held<T>> acquire() {
        while (true) {
            Held<T> held = current.get();
            if (held == null) {
                return Optional.empty();
            }
            if (held.users.tryAcquire()) {
                return Optional.of(held);
            }
            // Retired under us: a swap has already put its successor in (or close emptied the holder).
        }
    }

    /** The current instance without holding it (for metrics and health), if any. */
    public Optional<T> peek() {
        return Optional.ofNullable(current.get()).map(Held::get);
    }

    /**
     * Puts {@code fresh} in; the instance it replaces is retired. Returns what the holder held. A holder that
     * was closed closes {@code fresh} at once instead (a replacement that finished during shutdown).
     */
    public Optional<Held<T>> swap(T fresh) {
        Held<T> held = new Held<>(fresh, new Retirable(name, () -> closer.accept(fresh), grace, scheduler));
        Held<T> old = current.getAndSet(held);
        if (closed) {
            close();
        }
        if (old == null) {
            return Optional.empty();
        }
        old.users.retire();
        return Optional.of(old);
    }

    /** Empties the holder and closes the instance it held at once. */
    @Override
    public void close() {
        closed = true;
        Held<T> old = current.getAndSet(null);
        if (old != null) {
            old.users.close();
        }
    }
}
