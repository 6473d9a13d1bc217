package dev.appliance.inference.secrets;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import dev.appliance.inference.cache.MemcachedCredentials;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.response.LogicalResponse;

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
    private final ScheduledExecutorService scheduler;
    private final List<Listener<MemcachedCredentials>> listeners = new CopyOnWriteArrayList<>();
    private volatile Versioned current;
    private volatile String problem = "";
    private Backoff backoff;
    private ScheduledFuture<?> next;
    private boolean closed;

    /** The credentials of one version of the secret. */
    record Versioned(long version, MemcachedCredentials credentials) {
    }

    KvWatcher(VaultSettings settings, String path, VaultToken token, SecretsMetrics metrics,
              ScheduledExecutorService scheduler) {
        this.path = settings.kvMount() + "/" + path;
        this.interval = settings.kvPollInterval();
        this.backoff = settings.backoff();
        this.token = token;
        this.metrics = metrics;
        this.scheduler = scheduler;
    }

    /** Reads the secret now (the credentials to start with), then polls it on the scheduler. */
    synchronized void start() throws VaultException {
        current = read();
        Audit.rotation("memcached", current.credentials().username(), "kv " + path + " version "
                + current.version() + ", at start");
        schedule(interval);
    }

    void onChange(Listener<MemcachedCredentials> listener) {
        listeners.add(listener);
    }

    Optional<MemcachedCredentials> credentials() {
        return Optional.ofNullable(current).map(Versioned::credentials);
    }

    String status() {
        Versioned seen = current;
        String version = seen == null ? "not read yet" : "version " + seen.version() + " (user '"
                + seen.credentials().username() + "')";
        return problem.isEmpty() ? version : version + "; " + problem;
    }

    private synchronized void poll() {
        if (closed) {
            return;
        }
        try {
            Versioned latest = read();
            backoff = backoff.reset();
            problem = "";
            if (latest.version() != current.version()) {
                for (Listener<MemcachedCredentials> listener : listeners) {
                    listener.accept(latest.credentials());
                }
                current = latest;
                metrics.rotation("kv");
                Audit.rotation("memcached", latest.credentials().username(), "kv " + path + " version "
                        + latest.version());
            }
            schedule(interval);
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
        problem = why;
        backoff = backoff.next();
        Duration delay = backoff.delay().compareTo(interval) < 0 ? interval : backoff.delay();
        LOG.warning(() -> why + "; retrying in " + delay.toMillis() + " ms");
        schedule(delay);
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
        Long version = response.getDataMetadata() == null ? null : response.getDataMetadata().getVersion();
        if (user == null || user.isBlank() || password == null || password.isEmpty() || version == null) {
            throw new VaultException("the secret at " + path + " needs the fields username and password (KV v2)",
                    422);
        }
        return new Versioned(version, new MemcachedCredentials(user, password));
    }

    private synchronized void schedule(Duration delay) {
        if (closed) {
            return;
        }
        next = scheduler.schedule(this::poll, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (next != null) {
            next.cancel(false);
        }
    }
}
