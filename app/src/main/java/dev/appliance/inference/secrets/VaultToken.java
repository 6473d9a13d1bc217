package dev.appliance.inference.secrets;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

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
    private final ScheduledExecutorService scheduler;
    private final List<Runnable> replacedListeners = new CopyOnWriteArrayList<>();
    private volatile Token current;
    private volatile String problem = "not logged in yet";
    private Backoff backoff;
    private ScheduledFuture<?> next;
    private boolean closed;

    VaultToken(VaultSettings settings, AppRoleLogin login, VaultClients clients, SecretsMetrics metrics, Clock clock,
               ScheduledExecutorService scheduler) {
        this.login = login;
        this.clients = clients;
        this.renewal = settings.renewal();
        this.backoff = settings.backoff();
        this.metrics = metrics;
        this.clock = clock;
        this.scheduler = scheduler;
        metrics.ttl("token", () -> current == null ? -1.0
                : Duration.between(clock.instant(), current.expiresAt()).toMillis() / 1000.0);
    }

    /** Logs in now, and from then on keeps the token alive on the scheduler. */
    synchronized void start() throws LoginException, VaultException {
        try {
            replace(login.login(), "start");
        } catch (LoginException | VaultException e) {
            metrics.loginFailure();
            problem = "login failed: " + message(e);
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
        scheduleNow(() -> relogin("token refused"));
    }

    /** Whether the token is valid now. */
    boolean valid() {
        Token token = current;
        return token != null && !token.expiredAt(clock.instant());
    }

    /** For health details: "valid until ..." or why it cannot serve. */
    String status() {
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
        if (closed || token == null) {
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
            backoff = backoff.reset();
            problem = "";
            LOG.fine(() -> "Vault token renewed for " + ttl.toSeconds() + " s");
            if (renewal.maxTtlNear(ttl)) {
                relogin("max TTL near: renewal granted only " + ttl.toSeconds() + " s");
            } else {
                schedule(this::renew, renewal.delay(ttl));
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
        if (closed) {
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
        backoff = backoff.reset();
        problem = "";
        metrics.login();
        LOG.info(() -> "logged in to Vault (" + reason + "); token valid until " + token.expiresAt());
        if (replacing) {
            metrics.rotation("token");
            replacedListeners.forEach(listener -> scheduler.execute(listener));
        }
        Duration ttl = Duration.between(clock.instant(), token.expiresAt());
        schedule(this::renew, renewal.delay(ttl));
    }

    private void retryLater(Runnable task, String why) {
        backoff = backoff.next();
        Duration delay = backoff.delay();
        problem = why;
        Token token = current;
        LOG.warning(() -> why + "; " + (token == null ? "no token" : "token valid until " + token.expiresAt())
                + "; retrying in " + delay.toMillis() + " ms");
        schedule(task, delay);
    }

    private synchronized void scheduleNow(Runnable task) {
        schedule(task, Duration.ZERO);
    }

    private synchronized void schedule(Runnable task, Duration delay) {
        if (closed) {
            return;
        }
        if (next != null) {
            next.cancel(false);
        }
        next = scheduler.schedule(() -> guarded(task), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void guarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "unexpected failure in Vault token upkeep; retrying", e);
            synchronized (this) {
                retryLater(task, "unexpected failure: " + e.getClass().getSimpleName());
            }
        }
    }

    private static String message(Exception e) {
        return e instanceof LoginException ? e.getMessage() : Redact.reason(e);
    }

    /** Stops renewing and revokes the token: nothing the service held outlives it. */
    @Override
    public synchronized void close() {
        closed = true;
        if (next != null) {
            next.cancel(false);
        }
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
