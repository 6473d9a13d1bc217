package dev.appliance.inference.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One computation per key; its waiters get its result or its failure, whatever kind of throwable. */
class SingleFlightTest {

    private static final Duration LIMIT = Duration.ofSeconds(30);

    private final AtomicInteger waits = new AtomicInteger();
    private final SingleFlight<String, String> flight = new SingleFlight<>(waits::incrementAndGet);
    private final ExecutorService threads = Executors.newFixedThreadPool(2);

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void aWaiterSharesTheRunningComputationsResult() throws Exception {
        assertEquals("v", shareOneComputation(() -> "v").get(LIMIT.toSeconds(), TimeUnit.SECONDS));
    }

    @Test
    void aWaiterGetsTheSameErrorInsteadOfWaitingForever() {
        Error failure = new StackOverflowError("computation died");
        Future<String> waiter = shareOneComputation(() -> {
            throw failure;
        });
        var thrown = assertTimeoutPreemptively(LIMIT, () -> assertThrows(Exception.class, waiter::get));
        assertSame(failure, thrown.getCause(), "the waiter gets the computation's own Error");
    }

    @Test
    void theKeyIsFreeAgainAfterAnError() throws Exception {
        assertThrows(
                StackOverflowError.class,
                () -> flight.run("k", () -> {
                    throw new StackOverflowError();
                }));
        assertEquals("again", flight.run("k", () -> "again"));
    }

    /**
     * Starts a computation on one thread that finishes with {@code outcome} only once a second caller waits
     * on it; returns that second caller's answer.
     */
    private Future<String> shareOneComputation(SingleFlight.Computation<String, RuntimeException> outcome) {
        CountDownLatch running = new CountDownLatch(1);
        threads.submit(() -> flight.run("k", () -> {
            running.countDown();
            while (waits.get() == 0) {
                Thread.onSpinWait();
            }
            return outcome.compute();
        }));
        assertTimeoutPreemptively(LIMIT, () -> running.await());
        Future<String> waiter = threads.submit(() -> flight.run("k", () -> "a second computation"));
        return waiter;
    }
}
