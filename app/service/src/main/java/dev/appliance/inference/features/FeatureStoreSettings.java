package dev.appliance.inference.features;

import dev.appliance.inference.config.Settings;
import io.helidon.config.Config;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Settings of the feature store connection and its write API, from the {@code features} config subtree.
 *
 * @param enabled          whether requests are enriched from the store at all
 * @param contactPoints    CQL nodes to start from (host:port)
 * @param localDatacenter  the data centre this service runs in; queries go to its nodes
 * @param keyspace         keyspace holding the schema of {@code schema/feature_store.cql}
 * @param credentials      static login; empty when Vault supplies dynamic credentials
 * @param requestTimeout   per-request timeout of every query
 * @param historyLimit     most recent events read per entity (bounds derived features and count windows)
 * @param required         whether readiness fails while the store is unreachable
 * @param ingestToken      bearer token the write API requires; empty disables the write API
 */
public record FeatureStoreSettings(
        boolean enabled,
        List<InetSocketAddress> contactPoints,
        String localDatacenter,
        String keyspace,
        Optional<CqlCredentials> credentials,
        Duration requestTimeout,
        int historyLimit,
        boolean required,
        Optional<String> ingestToken) {

    private static final Pattern KEYSPACE = Pattern.compile("[a-z][a-z0-9_]{0,47}");

    /** Builds and validates the settings; the exception message names the bad key. */
    public static FeatureStoreSettings from(Config features) {
        boolean enabled = features.get("enabled").asBoolean().orElse(false);
        Config pointsNode = features.get("contact-points");
        List<InetSocketAddress> points = Settings.hostPorts(pointsNode);
        if (enabled && points.isEmpty()) {
            throw Settings.invalid(pointsNode, "must list at least one host:port when features.enabled is true", "");
        }
        Config keyspaceNode = features.get("keyspace");
        String keyspace = Settings.optionalString(keyspaceNode).orElse("features");
        if (!KEYSPACE.matcher(keyspace).matches()) {
            throw Settings.invalid(keyspaceNode, "must be a lowercase CQL identifier", keyspace);
        }
        Optional<CqlCredentials> credentials = Settings.login(features, CqlCredentials::new);
        Optional<String> token = Settings.optionalString(features.get("ingest.token"));
        if (token.isPresent() && token.get().length() < 24) {
            throw Settings.invalid(features.get("ingest.token"), "must be at least 24 characters", "(hidden)");
        }
        return new FeatureStoreSettings(
                enabled,
                points,
                Settings.optionalString(features.get("local-datacenter")).orElse("datacenter1"),
                keyspace,
                credentials,
                Settings.durationInRange(
                        features.get("request-timeout"),
                        Duration.ofMillis(500),
                        Duration.ofMillis(10),
                        Duration.ofSeconds(30)),
                Settings.intInRange(features.get("history-limit"), 200, 1, 10_000),
                features.get("required").asBoolean().orElse(true),
                token);
    }
}
