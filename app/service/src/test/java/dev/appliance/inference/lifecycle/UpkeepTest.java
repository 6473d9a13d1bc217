package dev.appliance.inference.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class UpkeepTest {

    private static final Backoff BACKOFF = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(8));

    private final ManualScheduler scheduler = new ManualScheduler();
    private final Upkeep upkeep = new Upkeep("test", BACKOFF, scheduler, "not started");

    @Test
    void runsATaskWhenItFallsDueAndNotBefore() {
        AtomicInteger runs = new AtomicInteger();
        upkeep.schedule(Duration.ofSeconds(30), runs::incrementAndGet);
        scheduler.advance(Duration.ofSeconds(29));
        assertEquals(0, runs.get());
        scheduler.advance(Duration.ofSeconds(1));
        assertEquals(1, runs.get());
    }

    @Test
    void schedulingAgainReplacesThePendingTask() {
        List<String> ran = new ArrayList<>();
        upkeep.schedule(Duration.ofSeconds(30), () -> ran.add("renew"));
        upkeep.now(() -> ran.add("login"));
        scheduler.advance(Duration.ofMinutes(1));
        assertEquals(List.of("login"), ran);
    }

    @Test
    void retriesBackOffWithJitterUpToTheCapAndResetAfterSuccess() {
        List<Duration> waits = new ArrayList<>();
        Runnable failing = new Runnable() {
            @Override
            public void run() {
                waits.add(upkeep.retry(this, "still down"));
            }
        };
        upkeep.now(failing);
        scheduler.advance(Duration.ofMinutes(5));
        upkeep.close();

        long[] nominal = {1, 2, 4, 8, 8};
        for (int i = 0; i < nominal.length; i++) {
            Duration wait = waits.get(i);
            Duration max = Duration.ofSeconds(nominal[i]);
            assertTrue(
                    wait.compareTo(max.dividedBy(2)) >= 0 && wait.compareTo(max) <= 0,
                    "retry " + (i + 1) + " waits " + wait + ", not within [" + max.dividedBy(2) + ", " + max + "]");
        }
        assertEquals("still down", upkeep.problem());

        upkeep.succeeded();
        assertEquals("", upkeep.problem());
        assertTrue(upkeep.retry(() -> {}, "down").compareTo(Duration.ofSeconds(1)) <= 0);
    }

    @Test
    void aRetryWaitsAtLeastTheGivenFloor() {
        Duration wait = upkeep.retry(() -> {}, "poll failed", Duration.ofSeconds(30));
        assertEquals(Duration.ofSeconds(30), wait);
    }

    @Test
    void retriesATaskThatThrowsUnexpectedly() {
        AtomicInteger attempts = new AtomicInteger();
        upkeep.now(() -> {
            if (attempts.incrementAndGet() == 1) {
                throw new IllegalStateException("bug");
            }
            upkeep.succeeded();
        });
        scheduler.advance(Duration.ofSeconds(1));
        assertEquals(2, attempts.get());
        assertEquals("", upkeep.problem());
    }

    @Test
    void reportsItsProblemBeforeTheFirstSuccess() {
        assertEquals("not started", upkeep.problem());
    }

    @Test
    void runsNothingAfterClose() {
        AtomicInteger runs = new AtomicInteger();
        upkeep.schedule(Duration.ofSeconds(1), runs::incrementAndGet);
        upkeep.close();
        upkeep.schedule(Duration.ofSeconds(1), runs::incrementAndGet);
        scheduler.advance(Duration.ofMinutes(1));
        assertEquals(0, runs.get());
        assertEquals(0, scheduler.waiting());
    }

    @Test
    void jitterNeverWaitsLongerThanTheNominalBackoffNorLessThanHalf() {
        SplittableRandom random = new SplittableRandom(1);
        Backoff third = BACKOFF.next().next().next();
        for (int i = 0; i < 1000; i++) {
            Duration wait = third.jittered(random);
            assertTrue(wait.compareTo(Duration.ofSeconds(2)) >= 0 && wait.compareTo(Duration.ofSeconds(4)) <= 0);
        }
    }
}
