package dev.appliance.inference.secrets;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Logger;

import dev.appliance.inference.lifecycle.Scheduler;
import dev.appliance.inference.lifecycle.Upkeep;
import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.response.AuthResponse;

/**
 * The service's Vault token: logs in, renews ahead of expiry, and logs in again when renewal is refused (the
 * token was revoked) or the max TTL is near (a renewal granted no more than the margin). With Vault unreachable it
 * keeps the token it holds until that expires and retries with exponential backoff. Replaced tokens are left to
 * expire, not revoked: leases created with a token are revoked with it, and the database credentials still in use
 * were created with the old token until {@link LeasedCredentials} has rotated them.
 */
final class VaultToken implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(VaultToken.class.getName());

    private final AppRoleLogin login;
    private final VaultClients clients;
    private final Renewal renewal;
    private final SecretsMetrics metrics;
    private final Clock clock;
    private final Scheduler scheduler;
    private final Upkeep upkeep;
    private final List<Runnable> replacedListeners = new CopyOnWriteArrayList<>();
    private volatile Token current;

    VaultToken(VaultSettings settings, AppRoleLogin login, VaultClients clients, SecretsMetrics metrics, Clock clock,
               Scheduler scheduler) {
        this.login = login;
        this.clients = clients;
        this.renewal = settings.renewal();
        this.metrics = metrics;
        this.clock = clock;
        this.scheduler = scheduler;
        this.upkeep = new Upkeep("the Vault token", settings.backoff(), scheduler, "not logged in yet");
        metrics.ttl("token", () -> current == null ? -1.0
                : Duration.between(clock.instant(), current.expiresAt()).toMillis() / 1000.0);
    }

    /** Logs in now, and from then on keeps the token alive on the scheduler. */
    synchronized void start() throws LoginException, VaultException {
        try {
            replace(login.login(), "start");
        } catch (LoginException | VaultException e) {
            metrics.loginFailure();
            upkeep.failed("login failed: " + message(e));
            throw e;
        }
    }

    /** Runs {@code listener} (on the scheduler) after each login that replaced the token. */
    void onReplaced(Runnable listener) {
        replacedListeners.add(listener);
    }

    /** A client acting with the current token. */
    Vault client() throws VaultException {
        Token token = current;
        if (token == null) {
            throw new VaultException("not logged in to Vault");
        }
        return clients.withToken(token.value());
    }

    /** The current token, if logged in. */
    Optional<Token> current() {
        return Optional.ofNullable(current);
    }

    /**
     * Tells that Vault answered 403 to a call made with the current token: it was probably revoked. Logs in
     * again now instead of at the next renewal.
     */
    void refused() {
        LOG.warning("Vault refused a call made with the current token (HTTP 403); logging in again");
        upkeep.now(() -> relogin("token refused"));
    }

    /** Whether the token is valid now. */
    boolean valid() {
        Token token = current;
        return token != null && !token.expiredAt(clock.instant());
    }

    /** For health details: "valid until ..." or why it cannot serve. */
    String status() {
        String problem = upkeep.problem();
        Token token = current;
        if (token == null) {
            return problem;
        }
        Instant now = clock.instant();
        if (token.expiredAt(now)) {
            return "expired at " + token.expiresAt() + ": cannot serve; " + problem;
        }
        return "valid until " + token.expiresAt() + (problem.isEmpty() ? "" : " (" + problem + ")");
    }

    private synchronized void renew() {
        Token token = current;
        if (upkeep.closed() || token == null) {
            return;
        }
        if (token.expiredAt(clock.instant()) || !token.renewable()) {
            relogin(token.renewable() ? "token expired" : "token not renewable");
            return;
        }
        try {
            AuthResponse response = clients.withToken(token.value()).auth().renewSelf();
            Duration ttl = Duration.ofSeconds(response.getAuthLeaseDuration());
            current = token.renewedUntil(clock.instant().plus(ttl));
            metrics.renewal("token");
            upkeep.succeeded();
            LOG.fine(() -> "Vault token renewed for " + ttl.toSeconds() + " s");
            if (renewal.maxTtlNear(ttl)) {
                relogin("max TTL near: renewal granted only " + ttl.toSeconds() + " s");
            } else {
                upkeep.schedule(renewal.delay(ttl), this::renew);
            }
        } catch (VaultException e) {
            metrics.renewalFailure("token");
            if (Redact.refused(e)) {
                LOG.warning(() -> "Vault refused to renew the token (" + Redact.reason(e) + "); logging in again");
                relogin("renewal refused");
            } else {
                retryLater(this::renew, "token renewal failed: " + Redact.reason(e));
            }
        }
    }

    private synchronized void relogin(String reason) {
        if (upkeep.closed()) {
            return;
        }
        try {
            replace(login.login(), reason);
        } catch (LoginException | VaultException e) {
            metrics.loginFailure();
            if (!(e instanceof LoginException le && le.suspicious())) {
                Audit.failure("vault login (" + reason + ") failed", e);
            }
            retryLater(() -> relogin(reason), "login failed: " + message(e));
        }
    }

    private void replace(Token token, String reason) {
        boolean replacing = current != null;
        current = token;
        upkeep.succeeded();
        metrics.login();
        LOG.info(() -> "logged in to Vault (" + reason + "); token valid until " + token.expiresAt());
        if (replacing) {
            metrics.rotation("token");
            replacedListeners.forEach(listener -> scheduler.schedule(Duration.ZERO, listener));
        }
        Duration ttl = Duration.between(clock.instant(), token.expiresAt());
        upkeep.schedule(renewal.delay(ttl), this::renew);
    }

    private void retryLater(Runnable task, String why) {
        Duration delay = upkeep.retry(task, why);
        Token token = current;
        LOG.warning(() -> why + "; " + (token == null ? "no token" : "token valid until " + token.expiresAt())
                + "; retrying in " + delay.toMillis() + " ms");
    }

    private static String message(Exception e) {
        return e instanceof LoginException ? e.getMessage() : Redact.reason(e);
    }

    /** Stops renewing and revokes the token: nothing the service held outlives it. */
    @Override
    public synchronized void close() {
        upkeep.close();
        Token token = current;
        if (token != null && valid()) {
            try {
                clients.withToken(token.value()).auth().revokeSelf();
                Audit.revocation("vault token", token.accessor());
            } catch (VaultException e) {
                Audit.failure("revoking the vault token at shutdown failed", e);
            }
        }
    }
}
