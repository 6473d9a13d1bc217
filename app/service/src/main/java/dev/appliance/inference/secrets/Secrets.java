package dev.appliance.inference.secrets;

import dev.appliance.inference.config.ConfigurationException;
import dev.appliance.inference.lifecycle.Backoff;
import dev.appliance.inference.lifecycle.Scheduler;
import io.github.jopenlibs.vault.VaultException;
import io.helidon.metrics.api.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Every credential the service uses, from Vault: logs in with AppRole, keeps the token alive, watches the
 * Memcached secret in KV v2 and keeps the dynamic CQL credentials leased, passing new credentials to the
 * registered listeners. With {@code vault.enabled=false} nothing starts and no credentials are offered: the
 * components use their embedded defaults.
 *
 * <p>Wiring: {@link #start} before the components that need credentials, give them the initial values, register
 * their switch methods as listeners, and {@link #close} after them (closing revokes the lease and the token).
 */
public final class Secrets implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Secrets.class.getName());

    private final Optional<AppRoleLogin> login;
    private final Optional<SecretIdWatch> delivery;
    private final Optional<VaultToken> token;
    private final Optional<KvWatcher> memcached;
    private final Optional<LeasedCredentials> cql;
    private final Optional<LeasedCredentials> writer;

    private Secrets(
            Optional<AppRoleLogin> login,
            Optional<SecretIdWatch> delivery,
            Optional<VaultToken> token,
            Optional<KvWatcher> memcached,
            Optional<LeasedCredentials> cql,
            Optional<LeasedCredentials> writer) {
        this.login = login;
        this.delivery = delivery;
        this.token = token;
        this.memcached = memcached;
        this.cql = cql;
        this.writer = writer;
    }

    /**
     * Logs in and fetches the first credentials, retrying with backoff for up to {@code vault.startup-timeout}
     * while Vault is unreachable; then keeps everything fresh on {@code scheduler}.
     *
     * @throws IllegalStateException when the login or the first credentials fail for good (refused, a wrapped
     *                               secret_id already unwrapped) or not within the startup timeout
     * @throws ConfigurationException when {@code vault.ca-file} is not a readable PEM certificate, or
     *                                {@code vault.identity-dir} is not a private directory
     */
    public static Secrets start(VaultSettings settings, MeterRegistry registry, Clock clock, Scheduler scheduler) {
        if (!settings.enabled()) {
            return new Secrets(
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty());
        }
        VaultClients clients = new VaultClients(settings);
        SecretsMetrics metrics = new SecretsMetrics(registry);
        Optional<Identity> identity = settings.secretIdFormat() == VaultSettings.SecretIdFormat.PLAIN
                ? Optional.empty()
                : settings.identityDir().map(Identity::open);
        if (identity.isEmpty() && settings.secretIdFormat() != VaultSettings.SecretIdFormat.PLAIN) {
            LOG.warning("vault.identity-dir is unset: a secret_id unwrapped from " + settings.secretIdFile()
                    + " is kept in memory only, so a restart needs a new delivery");
        }
        AppRoleLogin login = new AppRoleLogin(settings, clients, identity, clock);
        identity.ifPresent(kept -> metrics.identityTtl(login::remainingSeconds));
        VaultToken token = new VaultToken(settings, login, clients, metrics, clock, scheduler);
        Optional<SecretIdWatch> delivery = identity.map(kept -> new SecretIdWatch(settings, login, scheduler));
        Optional<KvWatcher> memcached =
                settings.memcachedPath().map(path -> new KvWatcher(settings, path, token, metrics, scheduler));
        Optional<LeasedCredentials> cql = settings.databaseRole()
                .map(role -> new LeasedCredentials(settings, "lease", role, token, metrics, clock, scheduler));
        Optional<LeasedCredentials> writer = settings.databaseWriterRole()
                .map(role -> new LeasedCredentials(settings, "writer_lease", role, token, metrics, clock, scheduler));
        Secrets secrets = new Secrets(Optional.of(login), delivery, Optional.of(token), memcached, cql, writer);
        try {
            Instant deadline = clock.instant().plus(settings.startupTimeout());
            retrying(settings, clock, deadline, "log in to Vault at " + settings.address(), token::start);
            delivery.ifPresent(SecretIdWatch::start);
            if (memcached.isPresent()) {
                retrying(
                        settings,
                        clock,
                        deadline,
                        "read the Memcached credentials from " + settings.kvMount() + "/"
                                + settings.memcachedPath().orElseThrow(),
                        memcached.get()::start);
            }
            if (cql.isPresent()) {
                retrying(
                        settings,
                        clock,
                        deadline,
                        "get CQL credentials from " + settings.databaseMount() + "/creds/"
                                + settings.databaseRole().orElseThrow(),
                        cql.get()::start);
            }
            if (writer.isPresent()) {
                retrying(
                        settings,
                        clock,
                        deadline,
                        "get CQL writer credentials from " + settings.databaseMount() + "/creds/"
                                + settings.databaseWriterRole().orElseThrow(),
                        writer.get()::start);
            }
        } catch (RuntimeException e) {
            secrets.close();
            throw e;
        }
        LOG.info(() -> "credentials from Vault: " + secrets.health().details());
        return secrets;
    }

    private interface Step {
        void run() throws LoginException, VaultException;
    }

    private static void retrying(VaultSettings settings, Clock clock, Instant deadline, String what, Step step) {
        Backoff backoff = settings.backoff();
        while (true) {
            try {
                step.run();
                return;
            } catch (LoginException e) {
                throw new IllegalStateException("vault: cannot " + what + ": " + e.getMessage(), e);
            } catch (VaultException e) {
                if (Redact.refused(e)) {
                    throw new IllegalStateException("vault: cannot " + what + ": refused, " + Redact.reason(e), e);
                }
                backoff = backoff.next();
                Duration wait = backoff.delay();
                if (clock.instant().plus(wait).isAfter(deadline)) {
                    throw new IllegalStateException(
                            "vault: cannot " + what + " within vault.startup-timeout "
                                    + settings.startupTimeout().toSeconds() + "s: " + Redact.reason(e),
                            e);
                }
                LOG.warning(() ->
                        "cannot " + what + " yet (" + Redact.reason(e) + "); retrying in " + wait.toMillis() + " ms");
                try {
                    Thread.sleep(wait.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("vault: interrupted while trying to " + what, interrupted);
                }
            }
        }
    }

    /** Whether credentials come from Vault at all. */
    public boolean enabled() {
        return token.isPresent();
    }

    /** The Memcached SASL credentials in use now; empty when Vault is off or no KV path is configured. */
    public Optional<Login> memcachedCredentials() {
        return memcached.flatMap(KvWatcher::credentials);
    }

    /**
     * Calls {@code listener} with each new version of the Memcached credentials (for example
     * {@code caches::rotate}); a listener that throws is called again with the same version at the next poll.
     */
    public void onMemcachedCredentials(Listener<Login> listener) {
        memcached.ifPresent(watcher -> watcher.onChange(listener));
    }

    /** The CQL credentials in use now; empty when Vault is off or no database role is configured. */
    public Optional<Login> cqlCredentials() {
        return cql.flatMap(LeasedCredentials::credentials);
    }

    /**
     * Calls {@code listener} with new CQL credentials before the current ones expire; it returns once they are in
     * use (new session swapped in), and only then is the old lease revoked. A listener that throws keeps the old
     * credentials in use, and the rotation is retried with backoff.
     */
    public void onCqlCredentials(Listener<Login> listener) {
        cql.ifPresent(leased -> leased.onRotation(listener));
    }

    /**
     * The CQL credentials of the feature write API now; empty when Vault is off or no writer role is configured
     * ({@code vault.database.writer-role}).
     */
    public Optional<Login> writerCredentials() {
        return writer.flatMap(LeasedCredentials::credentials);
    }

    /** Like {@link #onCqlCredentials}, for the write API's credentials. */
    public void onWriterCredentials(Listener<Login> listener) {
        writer.ifPresent(leased -> leased.onRotation(listener));
    }

    /** Whether the credentials can serve now, with details for the readiness check. */
    public Health health() {
        Map<String, String> details = new LinkedHashMap<>();
        if (token.isEmpty()) {
            details.put("vault", "disabled");
            return new Health(true, details);
        }
        details.put("token", token.get().status());
        login.ifPresent(l -> details.put(
                "identity",
                l.status()
                        + delivery.map(SecretIdWatch::problem)
                                .filter(p -> !p.isEmpty())
                                .map(p -> "; " + p)
                                .orElse("")));
        memcached.ifPresent(watcher -> details.put("memcached", watcher.status()));
        cql.ifPresent(leased -> details.put("cql", leased.status()));
        writer.ifPresent(leased -> details.put("cql_writer", leased.status()));
        boolean ready = token.get().valid() && cql.map(LeasedCredentials::valid).orElse(true);
        return new Health(ready, Collections.unmodifiableMap(details));
    }

    /**
     * Readiness of the credentials.
     *
     * @param ready   whether the service can use its credentials now
     * @param details per credential: what is held and until when, or why it cannot serve
     */
    public record Health(boolean ready, Map<String, String> details) {}

    /**
     * Stops all upkeep, revokes the CQL leases and then the token (leases die with their token anyway): no
     * credential outlives the process. The secret_id kept in {@code vault.identity-dir} stays: the next start
     * logs in with it. Close the consumers (the CQL sessions) first.
     */
    @Override
    public void close() {
        delivery.ifPresent(SecretIdWatch::close);
        memcached.ifPresent(KvWatcher::close);
        writer.ifPresent(LeasedCredentials::close);
        cql.ifPresent(LeasedCredentials::close);
        token.ifPresent(VaultToken::close);
    }
}
