package dev.appliance.inference.cache;

import dev.appliance.inference.lifecycle.Scheduler;
import io.helidon.metrics.api.MeterRegistry;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The result and feature caches over one Memcached connection, or both switched off. Owns the
 * connection: credentials rotate here and closing stops the client.
 */
public final class Caches implements AutoCloseable {

    private final Optional<MemcachedConnection> connection;
    private final ResultCache results;
    private final Map<String, CacheStore> stores;

    private Caches(Optional<MemcachedConnection> connection, ResultCache results, Map<String, CacheStore> stores) {
        this.connection = connection;
        this.results = results;
        this.stores = stores;
    }

    /**
     * Connects when caching is enabled; a server that is down now only opens the breakers. A client replaced
     * by a rotation is shut down on {@code scheduler} if requests still hold it after its grace period.
     */
    public static Caches create(CacheSettings settings, MeterRegistry registry, Scheduler scheduler)
            throws IOException {
        if (!settings.enabled()) {
            return new Caches(Optional.empty(), ResultCache.disabled(), Map.of());
        }
        MemcachedConnection connection = new MemcachedConnection(settings, scheduler);
        new ServerStats(connection, registry); // registers the eviction counters, which keep it alive
        CacheStore results = new CacheStore("result", connection, settings.resultTtl(), settings, registry);
        CacheStore features = new CacheStore("feature", connection, settings.featureTtl(), settings, registry);
        Map<String, CacheStore> stores = new LinkedHashMap<>();
        stores.put(results.name(), results);
        stores.put(features.name(), features);
        return new Caches(Optional.of(connection), new ResultCache(results), Map.copyOf(stores));
    }

    /** Cached predictions. */
    public ResultCache results() {
        return results;
    }

    /** The byte-level store for feature rows (the feature code builds its cache on it); empty when off. */
    public Optional<CacheStore> features() {
        return Optional.ofNullable(stores.get("feature"));
    }

    /** Switches to new SASL credentials without failing a request; see {@link MemcachedConnection#rotate}. */
    public void rotate(MemcachedCredentials credentials) throws IOException {
        if (connection.isEmpty()) {
            throw new IllegalStateException("caching is disabled; there are no credentials to rotate");
        }
        connection.get().rotate(credentials);
    }

    /** Per cache: "disabled", "ok", or "degraded (breaker open|half_open)", for health details. */
    public Map<String, String> health() {
        if (stores.isEmpty()) {
            return Map.of("result", "disabled", "feature", "disabled");
        }
        Map<String, String> health = new LinkedHashMap<>();
        stores.forEach((name, store) ->
                health.put(name, store.state().equals("closed") ? "ok" : "degraded (breaker " + store.state() + ")"));
        return health;
    }

    @Override
    public void close() {
        connection.ifPresent(MemcachedConnection::close);
    }
}
