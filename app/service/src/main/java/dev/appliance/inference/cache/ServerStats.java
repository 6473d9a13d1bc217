package dev.appliance.inference.cache;

import dev.appliance.inference.observe.Meters;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Memcached's own eviction counter per server, republished as {@code cache_server_evictions_total{server}}.
 * The service reads it over its authenticated connection because no memcached exporter can log in with
 * SASL. One {@code stats} round per scrape at most every few seconds; a server that does not answer keeps
 * its last value, so the counter never goes backwards except when memcached itself restarts.
 */
final class ServerStats {

    private static final String NAME = "cache_server_evictions";
    private static final long REFRESH_NANOS = 5_000_000_000L;

    private final MemcachedConnection connection;
    private final Map<String, Long> evictions = new ConcurrentHashMap<>();
    private long refreshedAt;
    private boolean refreshed;

    ServerStats(MemcachedConnection connection, MeterRegistry registry) {
        this.connection = connection;
        for (String server : connection.serverNames()) {
            evictions.put(server, 0L);
            Tag tag = Tag.create("server", server);
            // A counter reads the object it was registered with: replace one left by an earlier connection.
            Meters.remove(
                    registry,
                    m -> m.id().name().equals(NAME)
                            && server.equals(m.id().tagsMap().get("server")));
            // The connection (held by Caches) is the state object; the function keeps this instance alive.
            registry.getOrCreate(FunctionalCounter.builder(NAME, connection, c -> evictions(server))
                    .description("Items Memcached evicted before they expired, to make room (its stats 'evictions')")
                    .tags(List.of(tag)));
        }
    }

    private long evictions(String server) {
        refresh();
        return evictions.getOrDefault(server, 0L);
    }

    private synchronized void refresh() {
        long now = System.nanoTime();
        if (refreshed && now - refreshedAt < REFRESH_NANOS) {
            return;
        }
        refreshed = true;
        refreshedAt = now;
        Map<String, Map<String, String>> answers;
        try {
            answers = connection.stats();
        } catch (RuntimeException e) {
            return; // a client being swapped out refuses new operations; the next scrape asks the new one
        }
        answers.forEach((server, stats) -> {
            String value = stats.get("evictions");
            if (value != null && value.matches("\\d{1,19}")) {
                evictions.put(server, Long.parseLong(value));
            }
        });
    }
}
