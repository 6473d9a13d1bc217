package dev.appliance.inference.features;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import dev.appliance.inference.lifecycle.Backoff;
import dev.appliance.inference.lifecycle.Holder;
import dev.appliance.inference.lifecycle.Scheduler;
import dev.appliance.inference.lifecycle.Upkeep;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The CQL session of one login (the reader's, or the write API's): connects now or keeps trying in the
 * background, and switches to new credentials by swapping in a new session whose old one closes after its
 * requests finish.
 */
final class Sessions implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Sessions.class.getName());
    private static final Duration DRAIN_GRACE = Duration.ofSeconds(10);
    private static final Backoff RECONNECT = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));

    private final String name;
    private final FeatureStoreSettings settings;
    private final Holder<StoreConnection> connections;
    private final Upkeep reconnect;
    private volatile CqlCredentials credentials;
    private volatile String problem = "not connected yet";

    /** @param name whose session this is, for log lines ("feature store", "feature store writer") */
    Sessions(String name, FeatureStoreSettings settings, Scheduler scheduler) {
        this.name = name;
        this.settings = settings;
        this.connections =
                new Holder<>("the CQL session of the " + name, StoreConnection::close, DRAIN_GRACE, scheduler);
        this.reconnect = new Upkeep("the " + name + " connection", RECONNECT, scheduler, problem);
    }

    void start(CqlCredentials login) {
        this.credentials = login;
        try {
            connections.swap(open(login));
            LOG.info(() -> name + " connected as '" + login.username() + "' to " + settings.contactPoints());
        } catch (DriverException e) {
            problem = FeatureStore.describe(e, login);
            LOG.warning(() -> name + " not reachable at start: " + problem + "; retrying in the background");
            reconnect.retry(this::reconnect, problem);
        }
    }

    void rotate(CqlCredentials login) throws FeatureStoreUnavailableException {
        StoreConnection fresh;
        try {
            fresh = open(login);
        } catch (DriverException e) {
            throw new FeatureStoreUnavailableException(
                    "new credentials do not work: " + FeatureStore.describe(e, login), e);
        }
        credentials = login;
        Optional<Holder.Held<StoreConnection>> old = connections.swap(fresh);
        LOG.info(() -> "audit: " + name + " session switched to user '" + login.username() + "'");
        try {
            if (old.isPresent() && !old.get().awaitClosed(DRAIN_GRACE.plusSeconds(1))) {
                LOG.warning(() -> "the replaced " + name + " session did not close within its grace period");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    Optional<Holder.Held<StoreConnection>> acquire() {
        return connections.acquire();
    }

    Optional<StoreConnection> peek() {
        return connections.peek();
    }

    CqlCredentials credentials() {
        return credentials;
    }

    String problem() {
        return problem;
    }

    void failed(String why) {
        problem = why;
    }

    private StoreConnection open(CqlCredentials login) {
        DriverConfigLoader config = DriverConfigLoader.programmaticBuilder()
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, settings.requestTimeout())
                .withDuration(DefaultDriverOption.CONNECTION_CONNECT_TIMEOUT, Duration.ofSeconds(2))
                .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(2))
                .withDuration(DefaultDriverOption.RECONNECTION_MAX_DELAY, Duration.ofSeconds(5))
                .withStringList(
                        DefaultDriverOption.METRICS_SESSION_ENABLED,
                        List.of("connected-nodes", "cql-requests", "cql-client-timeouts"))
                .build();
        List<InetSocketAddress> points = settings.contactPoints().stream()
                .map(p -> new InetSocketAddress(p.getHostString(), p.getPort()))
                .toList();
        CqlSession session = CqlSession.builder()
                .addContactPoints(points)
                .withLocalDatacenter(settings.localDatacenter())
                .withAuthCredentials(login.username(), login.password())
                .withConfigLoader(config)
                .build();
        try {
            return new StoreConnection(session, settings.keyspace());
        } catch (RuntimeException e) {
            session.closeAsync();
            throw e;
        }
    }

    private void reconnect() {
        if (connections.peek().isPresent()) {
            return;
        }
        CqlCredentials login = credentials;
        try {
            connections.swap(open(login));
            reconnect.succeeded();
            LOG.info(() -> name + " connected as '" + login.username() + "'");
        } catch (DriverException e) {
            problem = FeatureStore.describe(e, login);
            LOG.log(Level.FINE, name + " still unreachable: " + problem);
            reconnect.retry(this::reconnect, problem);
        }
    }

    @Override
    public void close() {
        reconnect.close();
        connections.close();
    }
}
