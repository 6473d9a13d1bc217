package dev.appliance.inference.secrets;

import dev.appliance.inference.lifecycle.Scheduler;
import dev.appliance.inference.lifecycle.Upkeep;
import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.response.AuthResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The service's Vault token: logs in, renews ahead of expiry, and logs in again early, while the old token still
 * has a third of its lifetime left (see {@link Renewal}), or at once when renewal is refused (the token was
 * revoked). Leases die with the token that created them, so a replaced token is retired, not revoked: the lease
 * holders rotate their credentials under the new token first, and the old token is revoked only once no lease in
 * use came from it. With Vault unreachable it keeps the token it holds until that expires and retries with
 * exponential backoff.
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
    private final List<Supplier<Optional<Token>>> leaseIssuers = new CopyOnWriteArrayList<>();
    private final List<Token> retired = new ArrayList<>();
    private volatile Token current;
    private Duration lifetime;
    private Instant replaceAt;
    private String lastFailure;

    VaultToken(
            VaultSettings settings,
            AppRoleLogin login,
            VaultClients clients,
            SecretsMetrics metrics,
            Clock clock,
            Scheduler scheduler) {
        this.login = login;
        this.clients = clients;
        this.renewal = settings.renewal();
        this.metrics = metrics;
        this.clock = clock;
        this.scheduler = scheduler;
        this.upkeep = new Upkeep("the Vault token", settings.backoff(), scheduler, "not logged in yet");
        metrics.ttl(
                "token",
                () -> current == null
                        ? -1.0
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

    /**
     * Registers a holder of leases: {@code issuer} tells which token created the lease it uses now. A replaced
     * token is revoked only once no holder's lease came from it; holders call {@link #releaseRetired()} after
     * they rotated.
     */
    void leasesFrom(Supplier<Optional<Token>> issuer) {
        leaseIssuers.add(issuer);
    }

    /** A client acting with the current token. */
    Vault client() throws VaultException {
        Token token = current;
        if (token == null) {
            throw new VaultException("not logged in to Vault");
        }
        return clients.withToken(token.value());
    }

    /** A client acting with {@code token} (one the caller took from {@link #current()}). */
    Vault client(Token token) throws VaultException {
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

    /** Revokes each replaced token that no lease in use came from any more; drops those that expired. */
    synchronized void releaseRetired() {
        Instant now = clock.instant();
        for (Token old : List.copyOf(retired)) {
            boolean inUse = leaseIssuers.stream()
                    .map(Supplier::get)
                    .flatMap(Optional::stream)
                    .anyMatch(t -> t.accessor().equals(old.accessor()));
            if (old.expiredAt(now)) {
                retired.remove(old);
                if (inUse) {
                    LOG.warning(() -> "replaced Vault token " + old + " expired before every lease it created was "
                            + "rotated; Vault has revoked those leases");
                }
            } else if (!inUse) {
                retired.remove(old);
                revoke(old, "replaced vault token");
            }
        }
    }

    private synchronized void renew() {
        Token token = current;
        if (upkeep.closed() || token == null) {
            return;
        }
        Instant now = clock.instant();
        if (token.expiredAt(now) || !token.renewable()) {
            relogin(token.renewable() ? "token expired" : "token not renewable");
            return;
        }
        if (replaceAt != null && !now.isBefore(replaceAt)) {
            relogin("a third of the token's lifetime left");
            return;
        }
        try {
            AuthResponse response = clients.withToken(token.value()).auth().renewSelf();
            Duration granted = Duration.ofSeconds(response.getAuthLeaseDuration());
            now = clock.instant();
            current = token.renewedUntil(now.plus(granted));
            metrics.renewal("token");
            upkeep.succeeded();
            LOG.fine(() -> "Vault token renewed for " + granted.toSeconds() + " s");
            if (Renewal.capped(token.ttl(), granted)) {
                learnLifetime(token, current.expiresAt());
                if (!now.isBefore(replaceAt)) {
                    relogin("max TTL at " + current.expiresAt());
                    return;
                }
            }
            upkeep.schedule(renewal.next(now, current.expiresAt(), replaceAt), this::renew);
        } catch (VaultException e) {
            metrics.renewalFailure("token");
            if (Redact.refused(e)) {
                LOG.warning(() -> "Vault refused to renew the token (" + Redact.reason(e) + "); logging in again");
                relogin("renewal refused");
            } else {
                retryLater(this::renew, "token renewal failed: " + Redact.reason(e), true);
            }
        }
    }

    /** A capped renewal showed where the token's max TTL ends; its successors get the same lifetime. */
    private void learnLifetime(Token token, Instant end) {
        Duration learned = Duration.between(token.issuedAt(), end);
        if (lifetime == null) {
            LOG.info(() -> "Vault tokens of this role live at most " + learned.toSeconds() + " s; logging in again"
                    + " with a third of that left");
        }
        lifetime = learned;
        replaceAt = renewal.replaceAt(token.issuedAt(), learned);
    }

    private synchronized void relogin(String reason) {
        if (upkeep.closed()) {
            return;
        }
        try {
            replace(login.login(), reason);
        } catch (LoginException | VaultException e) {
            metrics.loginFailure();
            String why = "login failed: " + message(e);
            boolean news = !why.equals(lastFailure);
            lastFailure = why;
            if (news && !(e instanceof LoginException le && le.suspicious())) {
                Audit.failure("vault login (" + reason + ") failed", e);
            }
            retryLater(() -> relogin(reason), why, news);
        }
    }

    private void replace(Token token, String reason) {
        Token old = current;
        current = token;
        lastFailure = null;
        replaceAt = lifetime == null ? null : renewal.replaceAt(token.issuedAt(), lifetime);
        upkeep.succeeded();
        metrics.login();
        LOG.info(() -> "logged in to Vault (" + reason + "); token valid until " + token.expiresAt());
        if (old != null) {
            metrics.rotation("token");
            retired.add(old);
            // Each holder rotates on its own thread, so the old token waits for the slowest, not for their sum.
            replacedListeners.forEach(listener -> scheduler.schedule(Duration.ZERO, listener));
            scheduler.schedule(Duration.ZERO, this::releaseRetired);
        }
        upkeep.schedule(renewal.next(clock.instant(), token.expiresAt(), replaceAt), this::renew);
    }

    private void retryLater(Runnable task, String why, boolean loud) {
        Duration delay = upkeep.retry(task, why);
        Token token = current;
        LOG.log(
                loud ? Level.WARNING : Level.FINE,
                () -> why + "; " + (token == null ? "no token" : "token valid until " + token.expiresAt())
                        + "; retrying in " + delay.toMillis() + " ms");
    }

    private static String message(Exception e) {
        return e instanceof LoginException ? e.getMessage() : Redact.reason(e);
    }

    private void revoke(Token token, String what) {
        try {
            clients.withToken(token.value()).auth().revokeSelf();
            Audit.revocation(what, token.accessor());
        } catch (VaultException e) {
            Audit.failure("revoking " + what + " " + token + " failed; it expires on its own", e);
        }
    }

    /**
     * Stops renewing and revokes the token and any replaced one still valid: nothing the service held outlives
     * it. The persisted secret_id stays: the next start logs in with it.
     */
    @Override
    public synchronized void close() {
        upkeep.close();
        Instant now = clock.instant();
        for (Token old : retired) {
            if (!old.expiredAt(now)) {
                revoke(old, "replaced vault token");
            }
        }
        retired.clear();
        Token token = current;
        if (token != null && valid()) {
            revoke(token, "vault token");
        }
    }
}
