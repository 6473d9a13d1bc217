package dev.appliance.inference.secrets;

import java.time.Duration;
import java.time.Instant;

/**
 * When to renew and when to replace a token or lease. Renewal follows Spring Vault's lease container: renew
 * {@code margin} before expiry but not sooner than {@code minInterval}; a TTL too short for both is renewed at
 * half-life. Replacement (a new login, new database credentials) starts early, so that the old token or lease
 * outlives its successor's start by a wide overlap: once a third of its lifetime (issue to max TTL) is left, and at
 * least {@code margin} before its end. The max TTL is not visible up front; a renewal that grants less than the
 * TTL asked for reveals where it ends (see {@link #capped}), and the same role issues its successor with the same
 * lifetime, so what one renewal revealed times the next replacement.
 *
 * @param margin      how long before expiry to renew, and the least time left when a replacement starts
 * @param minInterval shortest wait before a renewal of a long-lived token or lease
 */
record Renewal(Duration margin, Duration minInterval) {

    /** How long to wait before renewing something that is valid for {@code ttl} from now. */
    Duration delay(Duration ttl) {
        Duration beforeMargin = ttl.minus(margin);
        if (beforeMargin.compareTo(minInterval) >= 0) {
            return beforeMargin;
        }
        Duration half = ttl.dividedBy(2);
        return half.compareTo(minInterval) < 0 ? half : minInterval;
    }

    /**
     * Whether a renewal that asked for {@code asked} and was granted {@code granted} hit the max TTL: Vault grants
     * the full TTL until the max TTL is less than one TTL away (a periodic token is never capped).
     */
    static boolean capped(Duration asked, Duration granted) {
        return granted.compareTo(asked) < 0;
    }

    /**
     * When to replace something issued at {@code issuedAt} that lives at most {@code lifetime}: with a third of
     * it left, but no later than {@code margin} before its end (and at half-life when the margin is longer than
     * that, so that a replacement is never due the moment it was made).
     */
    Instant replaceAt(Instant issuedAt, Duration lifetime) {
        Instant end = issuedAt.plus(lifetime);
        Instant third = end.minus(lifetime.dividedBy(3));
        Instant last = end.minus(margin);
        Instant half = issuedAt.plus(lifetime.dividedBy(2));
        Instant at = third.isBefore(last) ? third : last;
        return at.isBefore(half) ? half : at;
    }

    /** The wait until the next renewal of something valid until {@code expiresAt}, or its replacement if sooner. */
    Duration next(Instant now, Instant expiresAt, Instant replaceAt) {
        Duration renew = delay(Duration.between(now, expiresAt));
        if (replaceAt == null) {
            return renew;
        }
        Duration replace = Duration.between(now, replaceAt);
        return replace.compareTo(renew) < 0 ? replace : renew;
    }
}
