package dev.appliance.inference.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The copies kept for stale-if-error: their age bound, their count bound, and the switch that turns them off. */
class StaleIfErrorTest {

    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

    private static EntityData data(double age) {
        return new EntityData(Map.of("account_age_days", new EntityData.StoredValue(age, T0)), List.of());
    }

    @Test
    void aCopyIsServedUpToItsMaxAgeAndCounted() {
        StaleIfError stale = new StaleIfError(Duration.ofMinutes(5), 100);
        stale.keep("user_id", "u-1", data(7), T0);

        StaleIfError.Copy copy =
                stale.recent("user_id", "u-1", T0.plus(Duration.ofMinutes(5))).orElseThrow();
        assertEquals(7, copy.data().stored().get("account_age_days").value());
        assertEquals(T0, copy.readAt());
        assertTrue(
                stale.recent("user_id", "u-1", T0.plus(Duration.ofMinutes(5)).plusMillis(1))
                        .isEmpty(),
                "older than max-age: not served");
        assertTrue(stale.recent("user_id", "u-2", T0).isEmpty(), "never read: no copy");
        assertTrue(stale.recent("other_key", "u-1", T0).isEmpty(), "the entity key is part of the identity");
    }

    @Test
    void aNewerReadReplacesTheCopy() {
        StaleIfError stale = new StaleIfError(Duration.ofMinutes(5), 100);
        stale.keep("user_id", "u-1", data(7), T0);
        stale.keep("user_id", "u-1", data(8), T0.plusSeconds(60));
        StaleIfError.Copy copy =
                stale.recent("user_id", "u-1", T0.plusSeconds(90)).orElseThrow();
        assertEquals(8, copy.data().stored().get("account_age_days").value());
        assertEquals(1, stale.size());
    }

    @Test
    void theLeastRecentlyUsedCopiesGoFirstBeyondMaxEntities() {
        StaleIfError stale = new StaleIfError(Duration.ofMinutes(5), 2);
        stale.keep("user_id", "a", data(1), T0);
        stale.keep("user_id", "b", data(2), T0);
        stale.recent("user_id", "a", T0); // a is now the most recently used
        stale.keep("user_id", "c", data(3), T0);
        assertEquals(2, stale.size());
        assertTrue(stale.recent("user_id", "b", T0).isEmpty(), "b was the least recently used");
        assertTrue(stale.recent("user_id", "a", T0).isPresent());
        assertTrue(stale.recent("user_id", "c", T0).isPresent());
    }

    @Test
    void zeroMaxAgeKeepsNothing() {
        StaleIfError stale = StaleIfError.from(Config.just(ConfigSources.create(Map.of("max-age", "0s"))));
        stale.keep("user_id", "u-1", data(7), T0);
        assertEquals(0, stale.size());
        assertTrue(stale.recent("user_id", "u-1", T0).isEmpty());
    }
}
