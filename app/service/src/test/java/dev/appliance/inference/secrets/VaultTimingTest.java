package dev.appliance.inference.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appliance.inference.lifecycle.Backoff;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** When tokens and leases are renewed and how retries back off (Spring Vault's lease timing: docs/secrets-flow.md). */
class VaultTimingTest {

    private static final Renewal SPRING_VAULT_TIMING = new Renewal(Duration.ofSeconds(60), Duration.ofSeconds(10));

    @ParameterizedTest(name = "ttl {0}s -> renew after {1}ms")
    @CsvSource({"3600, 3540000", "120, 60000", "70, 10000", "30, 10000", "12, 6000", "5, 2500"})
    void renewsSixtySecondsBeforeExpiryButNotSoonerThanTenSecondsNorPastHalfLifeOfShortTtls(long ttl, long delay) {
        assertEquals(Duration.ofMillis(delay), SPRING_VAULT_TIMING.delay(Duration.ofSeconds(ttl)));
    }

    @Test
    void renewalGrantingLessThanAskedHasHitTheMaxTtl() {
        assertTrue(Renewal.capped(Duration.ofSeconds(3600), Duration.ofSeconds(3599)));
        assertFalse(Renewal.capped(Duration.ofSeconds(3600), Duration.ofSeconds(3600)));
    }

    @ParameterizedTest(name = "lifetime {0}s -> replace after {1}s")
    @CsvSource({"86400, 57600", "3600, 2400", "150, 90", "100, 50", "12, 6"})
    void replacesWithAThirdOfTheLifetimeLeftAtLeastTheMarginBeforeItsEndButNotBeforeHalfLife(
            long lifetime, long after) {
        Instant issued = Instant.parse("2026-01-01T00:00:00Z");
        assertEquals(issued.plusSeconds(after), SPRING_VAULT_TIMING.replaceAt(issued, Duration.ofSeconds(lifetime)));
    }

    @Test
    void backsOffExponentiallyUpToTheMaximumAndResetsAfterSuccess() {
        Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(2));
        long[] expected = {200, 400, 800, 1600, 2000, 2000};
        for (long millis : expected) {
            backoff = backoff.next();
            assertEquals(Duration.ofMillis(millis), backoff.delay());
        }
        assertEquals(Duration.ofMillis(200), backoff.reset().next().delay());
    }
}
