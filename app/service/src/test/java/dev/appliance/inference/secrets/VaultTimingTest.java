package dev.appliance.inference.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import dev.appliance.inference.lifecycle.Backoff;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** When tokens and leases are renewed and how retries back off (Spring Vault's lease timing: docs/secrets-flow.md). */
class VaultTimingTest {

    private static final Renewal SPRING_VAULT_TIMING = new Renewal(Duration.ofSeconds(60), Duration.ofSeconds(10));

    @ParameterizedTest(name = "ttl {0}s -> renew after {1}ms")
    @CsvSource({"3600, 3540000", "120, 60000", "70, 10000", "30, 10000", "12, 6000", "5, 2500"})
    void renewsSixtySecondsBeforeExpiryButNotSoonerThanTenSecondsNorPastHalfLifeOfShortTtls(long ttl, long delay) {
        assertEquals(Duration.ofMillis(delay), SPRING_VAULT_TIMING.delay(Duration.ofSeconds(ttl)));
    }

    @Test
    void renewalGrantingNoMoreThanTheMarginMeansMaxTtlIsNear() {
        assertTrue(SPRING_VAULT_TIMING.maxTtlNear(Duration.ofSeconds(60)));
        assertTrue(SPRING_VAULT_TIMING.maxTtlNear(Duration.ofSeconds(3)));
        assertFalse(SPRING_VAULT_TIMING.maxTtlNear(Duration.ofSeconds(61)));
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
