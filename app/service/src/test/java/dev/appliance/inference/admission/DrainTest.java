package dev.appliance.inference.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.health.HealthCheckResponse;
import io.helidon.webserver.http.FilterChain;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A stop turns readiness DOWN at once, keeps answering, and returns only when requests in flight are done. */
class DrainTest {

    /** One thread per request and per stop; the common pool has a single worker on two cores. */
    private static final Executor THREADS = Executors.newVirtualThreadPerTaskExecutor();

    /** A request in flight: the filter runs it until the test lets it finish. */
    private static CompletableFuture<Void> request(Drain drain, CountDownLatch finish) {
        CountDownLatch entered = new CountDownLatch(1);
        CompletableFuture<Void> done = CompletableFuture.runAsync(
                () -> drain.filter(
                        new FilterChain() {
                            @Override
                            public void proceed() {
                                entered.countDown();
                                try {
                                    finish.await();
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            }
                        },
                        null,
                        null),
                THREADS);
        try {
            assertTrue(entered.await(30, TimeUnit.SECONDS), "request started");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        return done;
    }

    @Test
    void keepsAnsweringThroughTheDrainAndWaitsForRequestsInFlight() throws Exception {
        Drain drain = new Drain(Duration.ofMillis(300), Duration.ofSeconds(30));
        assertEquals(HealthCheckResponse.Status.UP, drain.readiness().call().status());
        CountDownLatch slowDone = new CountDownLatch(1);
        CompletableFuture<Void> slow = request(drain, slowDone);

        CompletableFuture<Void> stop = CompletableFuture.runAsync(drain::run, THREADS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!drain.draining()) {
            assertTrue(System.nanoTime() < deadline, "drain did not begin");
            Thread.sleep(5);
        }
        assertEquals(HealthCheckResponse.Status.DOWN, drain.readiness().call().status(), "readiness DOWN at once");

        // A request arriving during the drain period is still answered.
        CountDownLatch quickDone = new CountDownLatch(1);
        CompletableFuture<Void> quick = request(drain, quickDone);
        quickDone.countDown();
        quick.get(30, TimeUnit.SECONDS);

        Thread.sleep(600);
        assertFalse(stop.isDone(), "the drain waits past its period while a request is in flight");
        assertEquals(1, drain.inFlight());
        slowDone.countDown();
        slow.get(30, TimeUnit.SECONDS);
        stop.get(30, TimeUnit.SECONDS);
        assertEquals(0, drain.inFlight());
    }

    @Test
    void givesUpOnRequestsInFlightAfterTheDrainTimeout() throws Exception {
        Drain drain = new Drain(Duration.ZERO, Duration.ofMillis(200));
        CountDownLatch never = new CountDownLatch(1);
        request(drain, never);
        long start = System.nanoTime();
        drain.run();
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(took >= 200 && took < 10_000, "stopped after the drain timeout: " + took + " ms");
        never.countDown();
    }
}
