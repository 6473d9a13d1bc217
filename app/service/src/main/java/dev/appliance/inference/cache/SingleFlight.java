package dev.appliance.inference.cache;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;

/**
 * Runs at most one computation per key at a time: callers that arrive while it runs wait for its result
 * (or its failure) instead of starting their own; each such wait is reported to a callback.
 */
final class SingleFlight<K, V> {

    private final ConcurrentMap<K, CompletableFuture<V>> inFlight = new ConcurrentHashMap<>();
    private final Runnable onWait;

    SingleFlight(Runnable onWait) {
        this.onWait = onWait;
    }

    /** A computation that may fail with a checked exception. */
    @FunctionalInterface
    interface Computation<V, E extends Exception> {
        V compute() throws E;
    }

    <E extends Exception> V run(K key, Computation<V, E> computation) throws E {
        CompletableFuture<V> mine = new CompletableFuture<>();
        CompletableFuture<V> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            onWait.run();
            return join(running);
        }
        try {
            V value = computation.compute();
            mine.complete(value);
            return value;
        } catch (Throwable failure) {
            // Every failure, an Error too: a waiter whose computation died must not wait forever.
            mine.completeExceptionally(failure);
            throw failure;
        } finally {
            inFlight.remove(key, mine);
        }
    }

    @SuppressWarnings("unchecked")
    private static <V, E extends Exception> V join(CompletableFuture<V> running) throws E {
        try {
            return running.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a shared computation", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw (E) e.getCause();
        }
    }
}
