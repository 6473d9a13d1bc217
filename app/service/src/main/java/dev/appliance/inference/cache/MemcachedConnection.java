package dev.appliance.inference.cache;

import dev.appliance.inference.lifecycle.Holder;
import dev.appliance.inference.lifecycle.Scheduler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.logging.Logger;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.DefaultHashAlgorithm;
import net.spy.memcached.FailureMode;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.auth.AuthDescriptor;
import net.spy.memcached.auth.PlainCallbackHandler;

/**
 * The spymemcached client in use, replaceable at run time. Binary protocol (required for SASL),
 * consistent hashing over the servers, short operation timeouts, and operations on an unreachable server
 * cancelled at once instead of queued. New credentials get a new client that must answer before it is
 * swapped in; the old one shuts down once the operations in flight on it are done (within a grace period),
 * so a swap fails no request.
 */
public final class MemcachedConnection implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(MemcachedConnection.class.getName());
    /** Failed SASL attempts before spymemcached stops retrying (it retries forever without this). */
    private static final String AUTH_THRESHOLD = "net.spy.memcached.auth.AuthThreshold";

    private static final Duration DRAIN_GRACE = Duration.ofSeconds(5);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);

    private final List<InetSocketAddress> servers;
    private final Duration timeout;
    private final int maxItemBytes;
    private final Holder<Client> current;

    private record Client(MemcachedClient memcached, Optional<AuthDescriptor> auth, RawBytes transcoder) {
        boolean authFailed() {
            return auth.map(AuthDescriptor::authThresholdReached).orElse(false);
        }
    }

    /** Connects (lazily: a server that is down now is retried in the background); forced closes run on {@code scheduler}. */
    public MemcachedConnection(CacheSettings settings, Scheduler scheduler) throws IOException {
        this.servers = settings.servers();
        this.timeout = settings.operationTimeout();
        this.maxItemBytes = settings.maxItemBytes();
        this.current = new Holder<>("the Memcached client", MemcachedConnection::shutdown, DRAIN_GRACE, scheduler);
        current.swap(connect(settings.credentials()));
    }

    /** Shuts a client down off the caller's thread: spymemcached's shutdown waits for its I/O thread. */
    private static void shutdown(Client client) {
        Thread.ofVirtual()
                .name("memcached-shutdown")
                .start(() -> client.memcached().shutdown(1, TimeUnit.SECONDS));
    }

    /**
     * Replaces the credentials: builds a client with them, checks that it can read, swaps it in, then
     * shuts the old one down once its queued operations finish.
     *
     * @throws IOException the new client cannot authenticate or reach a server; the old one stays in use
     */
    public void rotate(MemcachedCredentials credentials) throws IOException {
        Client fresh = connect(Optional.of(credentials));
        try {
            awaitReady(fresh);
        } catch (IOException e) {
            fresh.memcached().shutdown(0, TimeUnit.SECONDS);
            throw new IOException(
                    "new Memcached credentials for user '" + credentials.username() + "' do not work: "
                            + e.getMessage(),
                    e);
        }
        current.swap(fresh);
        LOG.info(() -> "audit: memcached client switched to user '" + credentials.username() + "'");
    }

    /**
     * Waits until a new client has connected and authenticated: it must answer a read. Operations sent
     * before that are cancelled (failure mode Cancel), so a cancelled probe is retried until the deadline.
     */
    private void awaitReady(Client client) throws IOException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (true) {
            try {
                client.memcached()
                        .asyncGet("probe:" + UUID.randomUUID(), client.transcoder())
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                if (client.authFailed()) {
                    throw new IOException("authentication refused", e);
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("no server answered within " + READY_TIMEOUT.toSeconds() + " s", e);
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    /** The value, or null on a miss. */
    byte[] get(String key) {
        return onCurrentClient(c -> c.memcached().asyncGet(key, c.transcoder()));
    }

    /** Stores a value with a time-to-live and waits until Memcached confirms it. */
    void set(String key, Duration ttl, byte[] value) {
        int seconds = (int) Math.max(1, ttl.toSeconds());
        Boolean stored = onCurrentClient(c -> c.memcached().set(key, seconds, value, c.transcoder()));
        if (!Boolean.TRUE.equals(stored)) {
            throw new CacheException(CacheException.Reason.CONNECTION, "Memcached did not store the item", null);
        }
    }

    /** Removes a value; a key that is not there counts as removed. */
    void delete(String key) {
        onCurrentClient(c -> c.memcached().delete(key));
    }

    /**
     * Sends an operation with the current client and waits for its answer, holding the client meanwhile. A
     * client that has shut down refuses operations (spymemcached shuts one down by itself once its login
     * was refused too often): that is a cache failure like any other, not an error of the request.
     */
    private <T> T onCurrentClient(Function<Client, Future<T>> operation) {
        Holder.Held<Client> held = current.acquire()
                .orElseThrow(() ->
                        new CacheException(CacheException.Reason.CONNECTION, "the Memcached client is closed", null));
        Client client = held.get();
        try {
            return await(operation.apply(client), client);
        } catch (IllegalStateException e) {
            throw new CacheException(
                    client.authFailed() ? CacheException.Reason.AUTH : CacheException.Reason.CONNECTION,
                    "the Memcached client has shut down" + (client.authFailed() ? ": authentication refused" : ""),
                    e);
        } finally {
            held.release();
        }
    }

    private <T> T await(Future<T> future, Client client) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(false);
            throw new CacheException(CacheException.Reason.TIMEOUT, "interrupted", e);
        } catch (TimeoutException e) {
            future.cancel(false);
            throw new CacheException(
                    client.authFailed() ? CacheException.Reason.AUTH : CacheException.Reason.TIMEOUT,
                    client.authFailed() ? "authentication refused" : "no answer within " + timeout.toMillis() + " ms",
                    e);
        } catch (CancellationException | ExecutionException e) {
            throw new CacheException(
                    client.authFailed() ? CacheException.Reason.AUTH : CacheException.Reason.CONNECTION,
                    client.authFailed() ? "authentication refused" : "server unreachable",
                    e);
        }
    }

    private Client connect(Optional<MemcachedCredentials> credentials) throws IOException {
        if (System.getProperty(AUTH_THRESHOLD) == null) {
            System.setProperty(AUTH_THRESHOLD, "2");
        }
        RawBytes transcoder = new RawBytes(maxItemBytes);
        // PLAIN only: with AuthDescriptor.typical spymemcached tries CRAM-MD5 as well, and memcached 1.6
        // answers the second SASL round on an authenticated connection with "Auth failure".
        Optional<AuthDescriptor> auth = credentials.map(
                c -> new AuthDescriptor(new String[] {"PLAIN"}, new PlainCallbackHandler(c.username(), c.password())));
        ConnectionFactoryBuilder builder = new ConnectionFactoryBuilder()
                .setProtocol(ConnectionFactoryBuilder.Protocol.BINARY)
                .setLocatorType(ConnectionFactoryBuilder.Locator.CONSISTENT)
                .setHashAlg(DefaultHashAlgorithm.KETAMA_HASH)
                .setFailureMode(FailureMode.Cancel)
                .setOpTimeout(timeout.toMillis())
                .setMaxReconnectDelay(2)
                .setDaemon(true);
        auth.ifPresent(a -> builder.setAuthDescriptor(a).setAuthWaitTime(Math.max(timeout.toMillis(), 1000)));
        List<InetSocketAddress> resolved = servers.stream()
                .map(s -> new InetSocketAddress(s.getHostString(), s.getPort()))
                .toList();
        return new Client(new MemcachedClient(builder.build(), resolved), auth, transcoder);
    }

    /**
     * Memcached's own {@code stats} of every server that answered within the operation timeout, keyed
     * {@code host:port} as configured. Asked over the authenticated connection, so it works with SASL on.
     */
    Map<String, Map<String, String>> stats() {
        Map<String, Map<String, String>> byServer = new HashMap<>();
        Optional<Holder.Held<Client>> held = current.acquire();
        if (held.isEmpty()) {
            return byServer;
        }
        try {
            held.get().get().memcached().getStats().forEach((address, stats) -> {
                if (address instanceof InetSocketAddress inet && !stats.isEmpty()) {
                    byServer.put(inet.getHostString() + ":" + inet.getPort(), stats);
                }
            });
        } finally {
            held.get().release();
        }
        return byServer;
    }

    /** The configured servers, {@code host:port}. */
    List<String> serverNames() {
        return servers.stream().map(s -> s.getHostString() + ":" + s.getPort()).toList();
    }

    @Override
    public void close() {
        current.close();
    }
}
