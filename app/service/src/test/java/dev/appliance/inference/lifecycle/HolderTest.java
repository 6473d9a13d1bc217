package dev.appliance.inference.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HolderTest {

    private static final Duration GRACE = Duration.ofSeconds(10);

    private final ManualScheduler scheduler = new ManualScheduler();
    private final List<String> closed = new ArrayList<>();
    private final Holder<String> holder = new Holder<>("test resource", closed::add, GRACE, scheduler);

    @Test
    void handsOutNothingBeforeTheFirstInstance() {
        assertTrue(holder.acquire().isEmpty());
        assertTrue(holder.peek().isEmpty());
    }

    @Test
    void newUsesGetTheNewInstanceWhileTheOldOneFinishesItsUses() {
        holder.swap("old");
        Holder.Held<String> inFlight = holder.acquire().orElseThrow();

        assertEquals("old", holder.swap("new").orElseThrow().get());
        Holder.Held<String> next = holder.acquire().orElseThrow();

        assertEquals("old", inFlight.get());
        assertEquals("new", next.get());
        assertEquals(List.of(), closed);
        inFlight.release();
        assertEquals(List.of("old"), closed);
        next.release();
        assertEquals(List.of("old"), closed);
    }

    @Test
    void closesAnUnusedReplacedInstanceAtOnce() {
        holder.swap("old");
        holder.swap("new");
        assertEquals(List.of("old"), closed);
        assertEquals(0, scheduler.waiting());
    }

    @Test
    void closesAReplacedInstanceAfterTheGracePeriodWhenAUseNeverEnds() throws InterruptedException {
        holder.swap("old");
        Holder.Held<String> stuck = holder.acquire().orElseThrow();
        holder.swap("new");

        scheduler.advance(GRACE.minusMillis(1));
        assertEquals(List.of(), closed);
        scheduler.advance(Duration.ofMillis(1));
        assertEquals(List.of("old"), closed);
        assertTrue(stuck.isClosed());
        assertTrue(stuck.awaitClosed(Duration.ZERO));

        stuck.release();
        assertEquals(List.of("old"), closed, "closed once only");
    }

    @Test
    void closingClosesTheCurrentInstanceAndHandsOutNothingMore() {
        holder.swap("only");
        Holder.Held<String> inFlight = holder.acquire().orElseThrow();
        holder.close();

        assertEquals(List.of("only"), closed);
        assertTrue(holder.acquire().isEmpty());
        inFlight.release();
        assertEquals(List.of("only"), closed);
    }

    @Test
    void anInstanceSwappedInAfterCloseIsClosedAtOnce() {
        holder.close();
        holder.swap("late");
        assertEquals(List.of("late"), closed);
        assertTrue(holder.acquire().isEmpty());
    }

    @Test
    void aRetiredInstanceTakesNoNewUsers() {
        Retirable users = new Retirable("test", () -> closed.add("x"), GRACE, scheduler);
        assertTrue(users.tryAcquire());
        users.retire();
        assertFalse(users.tryAcquire());
        assertFalse(users.isClosed());
        users.release();
        assertTrue(users.isClosed());
    }
}
