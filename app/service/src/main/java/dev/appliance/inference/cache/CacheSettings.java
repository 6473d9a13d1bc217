package dev.appliance.inference.cache;

import dev.appliance.inference.config.Settings;
import io.helidon.config.Config;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Settings of the Memcached caches, read from the {@code cache} config subtree.
 *
 * @param enabled          whether predictions and feature rows are cached at all
 * @param servers          Memcached servers; keys are spread over them by consistent hashing
 * @param resultTtl        how long a prediction stays cached
 * @param featureTtl       how long a feature row stays cached (short: features change)
 * @param operationTimeout how long one cache operation may take before it counts as failed
 * @param maxItemBytes     largest value stored; Memcached's item size limit (its {@code -I}, 1 MiB by default)
 * @param credentials      SASL credentials; empty means no authentication (trusted network)
 * @param breakerVolume    how many recent calls the circuit breaker judges
 * @param breakerErrorRatio percentage of failed calls among them that opens the breaker
 * @param breakerDelay     how long the breaker stays open before it lets a trial call through
 */
public record CacheSettings(
        boolean enabled,
        List<InetSocketAddress> servers,
        Duration resultTtl,
        Duration featureTtl,
        Duration operationTimeout,
        int maxItemBytes,
        Optional<MemcachedCredentials> credentials,
        int breakerVolume,
        int breakerErrorRatio,
        Duration breakerDelay) {

    /** The same settings with other SASL credentials (from Vault instead of configuration). */
    public CacheSettings withCredentials(Optional<MemcachedCredentials> replacement) {
        return new CacheSettings(
                enabled,
                servers,
                resultTtl,
                featureTtl,
                operationTimeout,
                maxItemBytes,
                replacement,
                breakerVolume,
                breakerErrorRatio,
                breakerDelay);
    }

    /** Builds and validates the settings; the exception message names the bad key. */
    public static CacheSettings from(Config cache) {
        boolean enabled = cache.get("enabled").asBoolean().orElse(false);
        Config serversNode = cache.get("servers");
        List<InetSocketAddress> servers = Settings.hostPorts(serversNode);
        if (enabled && servers.isEmpty()) {
            throw Settings.invalid(serversNode, "must list at least one host:port when cache.enabled is true", "");
        }
        Optional<MemcachedCredentials> credentials = Settings.login(cache, MemcachedCredentials::new);
        return new CacheSettings(
                enabled,
                servers,
                Settings.durationInRange(
                        cache.get("result-ttl"), Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofDays(30)),
                Settings.durationInRange(
                        cache.get("feature-ttl"), Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofDays(1)),
                Settings.durationInRange(
                        cache.get("operation-timeout"),
                        Duration.ofMillis(250),
                        Duration.ofMillis(5),
                        Duration.ofSeconds(10)),
                Settings.intInRange(cache.get("max-item-bytes"), 1024 * 1024, 1024, 128 * 1024 * 1024),
                credentials,
                Settings.intInRange(cache.get("breaker.volume"), 10, 1, 10_000),
                Settings.intInRange(cache.get("breaker.error-ratio"), 50, 1, 100),
                Settings.durationInRange(
                        cache.get("breaker.delay"),
                        Duration.ofSeconds(5),
                        Duration.ofMillis(100),
                        Duration.ofMinutes(10)));
    }
}
