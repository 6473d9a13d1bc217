package dev.appliance.inference.secrets;

import java.time.Duration;
import java.time.Instant;

/**
 * A Vault token the service holds. {@link #toString()} never shows the token itself.
 *
 * @param value     the token, sent to Vault and nowhere else
 * @param accessor  the token's accessor, for audit lines (a prefix of it)
 * @param issuedAt  when the login issued it
 * @param ttl       the TTL the login granted: a renewal granting less has hit the max TTL
 * @param expiresAt when the token stops working unless renewed
 * @param renewable whether Vault lets it be renewed
 */
record Token(String value, String accessor, Instant issuedAt, Duration ttl, Instant expiresAt, boolean renewable) {

    Token renewedUntil(Instant newExpiry) {
        return new Token(value, accessor, issuedAt, ttl, newExpiry, renewable);
    }

    boolean expiredAt(Instant now) {
        return !now.isBefore(expiresAt);
    }

    @Override
    public String toString() {
        return "Token[accessor=" + Audit.prefix(accessor) + ", expiresAt=" + expiresAt + "]";
    }
}
