package dev.appliance.inference.secrets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.appliance.inference.lifecycle.Scheduler;
import dev.appliance.inference.lifecycle.Upkeep;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.response.DatabaseResponse;
import io.github.jopenlibs.vault.response.VaultResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Dynamic CQL credentials from one role of the database secrets engine. The lease is renewed ahead of expiry and
 * replaced early: with a third of its lifetime left (see {@link Renewal}), when Vault refuses to renew, or when
 * the token that created it was replaced (its leases die with that token). New credentials are issued under the
 * current token and passed to the listeners (the feature store builds a new session and swaps it in); once they
 * all switched, the old lease is revoked, and then the old token if nothing else came from it.
 */
final class LeasedCredentials implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LeasedCredentials.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String what;
    private final String mount;
    private final String role;
    private final VaultToken token;
    private final Renewal renewal;
    private final SecretsMetrics metrics;
    private final Clock clock;
    private final Upkeep upkeep;
    private final List<Listener<Login>> listeners = new CopyOnWriteArrayList<>();
    private volatile Lease current;
    private Duration lifetime;

    /**
     * @param what the metrics tag and log name of these credentials: {@code lease} (the reader) or
     *             {@code writer_lease}
     */
    LeasedCredentials(
            VaultSettings settings,
            String what,
            String role,
            VaultToken token,
            SecretsMetrics metrics,
            Clock clock,
            Scheduler scheduler) {
        this.what = what;
        this.mount = settings.databaseMount();
        this.role = role;
        this.token = token;
        this.renewal = settings.renewal();
        this.metrics = metrics;
        this.clock = clock;
        this.upkeep = new Upkeep("the CQL " + what + " of " + role, settings.backoff(), scheduler, "");
        metrics.ttl(
                what,
                () -> current == null
                        ? -1.0
                        : Duration.between(clock.instant(), current.expiresAt()).toMillis() / 1000.0);
        token.onReplaced(() -> rotate("the token that created the lease was replaced"));
        token.leasesFrom(() -> Optional.ofNullable(current).map(Lease::issuedBy));
    }

    /** Issues the credentials to start with, then keeps them alive on the scheduler. */
    synchronized void start() throws VaultException {
        current = issue();
        Audit.rotation(
                "cql " + what, current.credentials().username(), "lease " + Audit.prefix(current.id()) + ", at start");
        scheduleRenewal(current);
    }

    void onRotation(Listener<Login> listener) {
        listeners.add(listener);
    }

    Optional<Login> credentials() {
        return Optional.ofNullable(current).map(Lease::credentials);
    }

    boolean valid() {
        Lease lease = current;
        return lease != null && !lease.expiredAt(clock.instant());
    }

    String status() {
        String problem = upkeep.problem();
        Lease lease = current;
        if (lease == null) {
            return "no credentials yet" + (problem.isEmpty() ? "" : "; " + problem);
        }
        String state = lease.expiredAt(clock.instant())
                ? "lease expired at " + lease.expiresAt() + ": cannot serve"
                : "user '" + lease.credentials().username() + "', lease valid until " + lease.expiresAt();
        return problem.isEmpty() ? state : state + "; " + problem;
    }

    private synchronized void renew() {
        Lease lease = current;
        if (upkeep.closed() || lease == null) {
            return;
        }
        Instant now = clock.instant();
        if (lease.expiredAt(now) || !lease.renewable()) {
            rotate(lease.renewable() ? "lease expired" : "lease not renewable");
            return;
        }
        if (replaceAt(lease) != null && !now.isBefore(replaceAt(lease))) {
            rotate("a third of the lease's lifetime left");
            return;
        }
        try {
            VaultResponse response =
                    token.client().leases().renew(lease.id(), lease.duration().toSeconds());
            Duration granted = leaseDuration(response);
            now = clock.instant();
            current = lease.renewedUntil(now.plus(granted));
            metrics.renewal(what);
            upkeep.succeeded();
            if (Renewal.capped(lease.duration(), granted)) {
                Duration learned = Duration.between(lease.issuedAt(), current.expiresAt());
                if (lifetime == null) {
                    LOG.info(() -> "CQL leases of " + role + " live at most " + learned.toSeconds() + " s; rotating"
                            + " them with a third of that left");
                }
                lifetime = learned;
                if (!now.isBefore(replaceAt(current))) {
                    rotate("max TTL at " + current.expiresAt());
                    return;
                }
            }
            scheduleRenewal(current);
        } catch (VaultException e) {
            metrics.renewalFailure(what);
            if (Redact.refused(e)) {
                // Not a sign of a bad token (a policy may lack sys/leases/renew/<lease path>): issuing new
                // credentials tells, and logs in again if the token was refused.
                LOG.warning(() -> "Vault refused to renew the CQL " + what + " (" + Redact.reason(e) + "); the policy"
                        + " needs update on sys/leases/renew/" + mount + "/creds/" + role + "/*; rotating instead");
                rotate("renewal refused (" + Redact.reason(e) + ")");
            } else {
                retry(this::renew, "lease renewal failed: " + Redact.reason(e));
            }
        }
    }

    /** When to replace {@code lease}: unknown (null) until a capped renewal showed the role's max TTL. */
    private Instant replaceAt(Lease lease) {
        return lifetime == null ? null : renewal.replaceAt(lease.issuedAt(), lifetime);
    }

    private synchronized void rotate(String reason) {
        if (upkeep.closed() || current == null) {
            return;
        }
        Lease fresh;
        try {
            fresh = issue();
        } catch (VaultException e) {
            metrics.readFailure(what);
            if (e.getHttpStatusCode() == 403) {
                token.refused();
            }
            retry(() -> rotate(reason), "issuing new CQL credentials failed: " + Redact.reason(e));
            return;
        }
        try {
            for (Listener<Login> listener : listeners) {
                listener.accept(fresh.credentials());
            }
        } catch (Exception e) {
            LOG.log(Level.WARNING, "switching to new CQL credentials failed; the old ones stay", e);
            revoke(fresh, "unused new credentials");
            retry(
                    () -> rotate(reason),
                    "switching to new CQL credentials failed: " + e.getClass().getSimpleName());
            return;
        }
        Lease old = current;
        current = fresh;
        upkeep.succeeded();
        metrics.rotation(what);
        Audit.rotation(
                "cql " + what, fresh.credentials().username(), "lease " + Audit.prefix(fresh.id()) + "; " + reason);
        revoke(old, "replaced credentials of user '" + old.credentials().username() + "'");
        scheduleRenewal(fresh);
        token.releaseRetired();
    }

    private Lease issue() throws VaultException {
        Token issuer = token.current().orElseThrow(() -> new VaultException("not logged in to Vault"));
        DatabaseResponse response = token.client(issuer).database(mount).creds(role);
        int status = response.getRestResponse().getStatus();
        if (status != 200
                || response.getCredential() == null
                || response.getCredential().getUsername() == null
                || response.getLeaseId() == null
                || response.getLeaseDuration() == null) {
            throw new VaultException("reading " + mount + "/creds/" + role + " answered HTTP " + status, status);
        }
        Duration ttl = Duration.ofSeconds(response.getLeaseDuration());
        Instant now = clock.instant();
        return new Lease(
                new Login(
                        response.getCredential().getUsername(),
                        response.getCredential().getPassword()),
                response.getLeaseId(),
                issuer,
                now,
                ttl,
                now.plus(ttl),
                Boolean.TRUE.equals(response.getRenewable()));
    }

    private void revoke(Lease lease, String what) {
        try {
            token.client().leases().revoke(lease.id());
            Audit.revocation("cql " + this.what + " (" + what + ")", lease.id());
        } catch (VaultException e) {
            Audit.failure(
                    "revoking cql " + this.what + " " + Audit.prefix(lease.id()) + " failed; it expires on its own at "
                            + lease.expiresAt(),
                    e);
        }
    }

    /** The driver returns a lease renewal as a bare response: read {@code lease_duration} from the body. */
    static Duration leaseDuration(VaultResponse response) throws VaultException {
        try {
            JsonNode body = JSON.readTree(new String(response.getRestResponse().getBody(), StandardCharsets.UTF_8));
            JsonNode duration = body.path("lease_duration");
            if (!duration.canConvertToLong()) {
                throw new VaultException("lease renewal answered without lease_duration", 502);
            }
            return Duration.ofSeconds(duration.asLong());
        } catch (IOException e) {
            throw new VaultException("lease renewal answered with a body that is not JSON", 502);
        }
    }

    private void scheduleRenewal(Lease lease) {
        upkeep.schedule(renewal.next(clock.instant(), lease.expiresAt(), replaceAt(lease)), this::renew);
    }

    private void retry(Runnable task, String why) {
        Duration delay = upkeep.retry(task, why);
        LOG.warning(() -> why + "; " + current + " stays in use; retrying in " + delay.toMillis() + " ms");
    }

    /** Stops renewing and revokes the lease: call after the CQL session using it was closed. */
    @Override
    public synchronized void close() {
        upkeep.close();
        if (current != null && valid()) {
            revoke(current, "shutdown");
        }
    }
}
