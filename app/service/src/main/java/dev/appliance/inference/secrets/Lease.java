package dev.appliance.inference.secrets;

import java.time.Duration;
import java.time.Instant;

/**
 * Database credentials with their Vault lease.
 *
 * @param credentials the username and password
 * @param id          the lease id, for renewal and revocation (logged by prefix only)
 * @param issuedBy    the token that created the lease: Vault revokes the lease when that token ends
 * @param issuedAt    when the credentials were issued
 * @param duration    the TTL Vault granted when the credentials were issued: the increment asked for on renewal
 * @param expiresAt   when the credentials stop working unless the lease is renewed
 * @param renewable   whether Vault lets the lease be renewed
 */
record Lease(
        Login credentials,
        String id,
        Token issuedBy,
        Instant issuedAt,
        Duration duration,
        Instant expiresAt,
        boolean renewable) {

    Lease renewedUntil(Instant newExpiry) {
        return new Lease(credentials, id, issuedBy, issuedAt, duration, newExpiry, renewable);
    }

    boolean expiredAt(Instant now) {
        return !now.isBefore(expiresAt);
    }

    @Override
    public String toString() {
        return "Lease[user=" + credentials.username() + ", id=" + Audit.prefix(id) + ", expiresAt=" + expiresAt + "]";
    }
}
