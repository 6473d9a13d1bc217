package dev.appliance.inference.secrets;

import dev.appliance.inference.lifecycle.Scheduler;
import dev.appliance.inference.lifecycle.Upkeep;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.response.LogicalResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Watches the Memcached SASL secret in KV v2: polls it, and when its version changes passes the new username and
 * password to the listeners. A listener that fails leaves the version unseen, so the next poll offers it again.
 */
final class KvWatcher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KvWatcher.class.getName());

    private final String path;
    private final Duration interval;
    private final VaultToken token;
    private final SecretsMetrics metrics;
    private final Upkeep upkeep;
    private final List<Listener<Login>> listeners = new CopyOnWriteArrayList<>();
    private volatile Versioned current;

    /** The credentials of one version of the secret. */
    record Versioned(long version, Login credentials) {}

    KvWatcher(VaultSettings settings, String path, VaultToken token, SecretsMetrics metrics, Scheduler scheduler) {
        this.path = settings.kvMount() + "/" + path;
        this.interval = settings.kvPollInterval();
        this.token = token;
        this.metrics = metrics;
        this.upkeep = new Upkeep("the watch of " + this.path, settings.backoff(), scheduler, "");
    }

    /** Reads the secret now (the credentials to start with), then polls it on the scheduler. */
    synchronized void start() throws VaultException {
        current = read();
        Audit.rotation(
                "memcached",
                current.credentials().username(),
                "kv " + path + " version " + current.version() + ", at start");
        upkeep.schedule(interval, this::poll);
    }

    void onChange(Listener<Login> listener) {
        listeners.add(listener);
    }

    Optional<Login> credentials() {
        return Optional.ofNullable(current).map(Versioned::credentials);
    }

    String status() {
        String problem = upkeep.problem();
        Versioned seen = current;
        String version = seen == null
                ? "not read yet"
                : "version " + seen.version() + " (user '" + seen.credentials().username() + "')";
        return problem.isEmpty() ? version : version + "; " + problem;
    }

    private synchronized void poll() {
        try {
            Versioned latest = read();
            upkeep.succeeded();
            if (latest.version() != current.version()) {
                for (Listener<Login> listener : listeners) {
                    listener.accept(latest.credentials());
                }
                current = latest;
                metrics.rotation("kv");
                Audit.rotation(
                        "memcached", latest.credentials().username(), "kv " + path + " version " + latest.version());
            }
            upkeep.schedule(interval, this::poll);
        } catch (VaultException e) {
            metrics.readFailure("kv");
            if (e.getHttpStatusCode() == 403) {
                token.refused();
            }
            retry("reading " + path + " failed: " + Redact.reason(e));
        } catch (Exception e) {
            metrics.readFailure("kv");
            LOG.log(Level.WARNING, "switching to the new Memcached credentials failed; the old ones stay", e);
            retry("switching to new credentials failed: " + e.getClass().getSimpleName());
        }
    }

    private void retry(String why) {
        Duration delay = upkeep.retry(this::poll, why, interval);
        LOG.warning(() -> why + "; retrying in " + delay.toMillis() + " ms");
    }

    private Versioned read() throws VaultException {
        LogicalResponse response = token.client().logical().read(path);
        int status = response.getRestResponse().getStatus();
        if (status != 200) {
            throw new VaultException("reading " + path + " answered HTTP " + status, status);
        }
        Map<String, String> data = response.getData();
        String user = data.get("username");
        String password = data.get("password");
        Long version = response.getDataMetadata() == null
                ? null
                : response.getDataMetadata().getVersion();
        if (user == null || user.isBlank() || password == null || password.isEmpty() || version == null) {
            throw new VaultException("the secret at " + path + " needs the fields username and password (KV v2)", 422);
        }
        return new Versioned(version, new Login(user, password));
    }

    @Override
    public void close() {
        upkeep.close();
    }
}
