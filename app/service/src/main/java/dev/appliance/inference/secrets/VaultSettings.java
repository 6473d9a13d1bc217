package dev.appliance.inference.secrets;

import dev.appliance.inference.config.Settings;
import dev.appliance.inference.lifecycle.Backoff;
import io.helidon.config.Config;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Settings of the Vault client, read from the {@code vault} config subtree. Nothing here is secret: the
 * role_id and secret_id are read from the files named here, never from configuration.
 *
 * @param enabled          whether credentials come from Vault; off, the embedded defaults are used ({@code make run})
 * @param address          Vault's base URL, such as {@code https://vault.example:8200}
 * @param namespace        Vault Enterprise namespace; empty for none (OpenBao and Vault OSS)
 * @param caFile           PEM file of the CA that signed Vault's TLS certificate (a private CA), trusted instead of
 *                         the JDK's CAs; empty: the JDK's CAs
 * @param roleIdFile       file holding the AppRole role_id
 * @param secretIdFile     file holding a response-wrapped secret_id (a wrapping token) or a plain secret_id
 * @param secretIdFormat   how to read the secret_id file; see {@link SecretIdFormat}
 * @param identityDir      private directory (0700) where the secret_id unwrapped from the file is kept across
 *                         restarts ({@link Identity}); empty: kept in memory only, so a restart needs a new delivery
 * @param secretIdPollInterval how often the secret_id file is checked for a new delivery (a deploy rotates it)
 * @param appRoleMount     mount path of the AppRole auth method
 * @param openTimeout      connect timeout of one Vault call
 * @param readTimeout      read timeout of one Vault call
 * @param startupTimeout   how long {@link Secrets#start} keeps trying to log in and fetch the first credentials
 * @param renewMargin      renew a token or lease this long before it expires; a renewal that grants no more than
 *                         this means the max TTL is near, so the service logs in again or rotates the credentials
 * @param minRenewInterval shortest wait between two renewals of a long-lived token or lease
 * @param backoffMin       first wait after a failed Vault call; doubles on each further failure
 * @param backoffMax       longest wait between retries
 * @param kvMount          mount path of the KV v2 engine
 * @param memcachedPath    path of the Memcached SASL secret (fields username, password) in that engine; empty: not read
 * @param kvPollInterval   how often the secret's version is checked
 * @param databaseMount    mount path of the database secrets engine
 * @param databaseRole     database role issuing the CQL credentials; empty: not read
 * @param databaseWriterRole database role issuing the CQL credentials of the feature write API (MODIFY); empty: the
 *                         write API has no login of its own under Vault
 */
public record VaultSettings(
        boolean enabled,
        URI address,
        Optional<String> namespace,
        Optional<Path> caFile,
        Path roleIdFile,
        Path secretIdFile,
        SecretIdFormat secretIdFormat,
        Optional<Path> identityDir,
        Duration secretIdPollInterval,
        String appRoleMount,
        Duration openTimeout,
        Duration readTimeout,
        Duration startupTimeout,
        Duration renewMargin,
        Duration minRenewInterval,
        Duration backoffMin,
        Duration backoffMax,
        String kvMount,
        Optional<String> memcachedPath,
        Duration kvPollInterval,
        String databaseMount,
        Optional<String> databaseRole,
        Optional<String> databaseWriterRole) {

    private static final Pattern MOUNT = Pattern.compile("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*");

    /** What the secret_id file holds. */
    public enum SecretIdFormat {
        /** A wrapping token unless the content is a UUID (Vault's generated secret_ids are UUIDs). */
        AUTO,
        /** Always a response-wrapping token, unwrapped once. */
        WRAPPED,
        /** Always a plain secret_id (also for custom, non-UUID secret_ids). */
        PLAIN
    }

    /** The settings with Vault switched off. */
    public static VaultSettings disabled() {
        return from(Config.empty());
    }

    /** Builds and validates the settings; the exception message names the bad key. */
    public static VaultSettings from(Config vault) {
        boolean enabled = vault.get("enabled").asBoolean().orElse(false);
        Duration backoffMin = Settings.durationInRange(
                vault.get("backoff-min"), Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMinutes(5));
        Duration backoffMax = Settings.durationInRange(
                vault.get("backoff-max"), Duration.ofMinutes(1), Duration.ofMillis(10), Duration.ofHours(1));
        if (backoffMax.compareTo(backoffMin) < 0) {
            throw Settings.invalid(
                    vault.get("backoff-max"),
                    "must not be shorter than vault.backoff-min",
                    vault.get("backoff-max").asString().orElse(backoffMax.toString()));
        }
        return new VaultSettings(
                enabled,
                address(vault.get("address"), enabled),
                Settings.optionalString(vault.get("namespace")),
                Settings.optionalString(vault.get("ca-file")).map(Path::of),
                path(vault.get("role-id-file"), "/etc/inference-service/vault/role_id"),
                path(vault.get("secret-id-file"), "/etc/inference-service/vault/secret_id"),
                format(vault.get("secret-id-format")),
                Settings.optionalString(vault.get("identity-dir")).map(Path::of),
                Settings.durationInRange(
                        vault.get("secret-id-poll-interval"),
                        Duration.ofSeconds(10),
                        Duration.ofMillis(100),
                        Duration.ofHours(1)),
                mount(vault.get("approle-mount"), "approle"),
                Settings.durationInRange(
                        vault.get("open-timeout"), Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofMinutes(1)),
                Settings.durationInRange(
                        vault.get("read-timeout"),
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(1),
                        Duration.ofMinutes(5)),
                Settings.durationInRange(
                        vault.get("startup-timeout"),
                        Duration.ofMinutes(1),
                        Duration.ofSeconds(1),
                        Duration.ofHours(1)),
                Settings.durationInRange(
                        vault.get("renew-margin"), Duration.ofSeconds(60), Duration.ofMillis(100), Duration.ofDays(1)),
                Settings.durationInRange(
                        vault.get("min-renew-interval"),
                        Duration.ofSeconds(10),
                        Duration.ofMillis(100),
                        Duration.ofHours(1)),
                backoffMin,
                backoffMax,
                mount(vault.get("kv.mount"), "kv"),
                Settings.optionalString(vault.get("kv.memcached-path"))
                        .map(p -> stripSlashes(vault.get("kv.memcached-path"), p)),
                Settings.durationInRange(
                        vault.get("kv.poll-interval"),
                        Duration.ofSeconds(30),
                        Duration.ofMillis(100),
                        Duration.ofHours(1)),
                mount(vault.get("database.mount"), "database"),
                Settings.optionalString(vault.get("database.role"))
                        .map(r -> stripSlashes(vault.get("database.role"), r)),
                Settings.optionalString(vault.get("database.writer-role"))
                        .map(r -> stripSlashes(vault.get("database.writer-role"), r)));
    }

    /** These settings without {@code vault.database.writer-role}: for a service whose write API is off. */
    public VaultSettings withoutWriterRole() {
        return new VaultSettings(
                enabled,
                address,
                namespace,
                caFile,
                roleIdFile,
                secretIdFile,
                secretIdFormat,
                identityDir,
                secretIdPollInterval,
                appRoleMount,
                openTimeout,
                readTimeout,
                startupTimeout,
                renewMargin,
                minRenewInterval,
                backoffMin,
                backoffMax,
                kvMount,
                memcachedPath,
                kvPollInterval,
                databaseMount,
                databaseRole,
                Optional.empty());
    }

    /**
     * These settings for a command that only writes features (load-features) beside the running service: it
     * logs in with the secret_id the service keeps in {@code vault.identity-dir} (read as a plain secret_id, so
     * it never unwraps a delivery or touches the kept identity) and asks only for the writer's credentials.
     * Without an identity dir, the configured secret_id file is used as it is.
     */
    public VaultSettings forWriterOnly() {
        Path secretId = identityDir.map(dir -> dir.resolve(Identity.SECRET_ID)).orElse(secretIdFile);
        SecretIdFormat format = identityDir.isPresent() ? SecretIdFormat.PLAIN : secretIdFormat;
        return new VaultSettings(
                enabled,
                address,
                namespace,
                caFile,
                roleIdFile,
                secretId,
                format,
                Optional.empty(),
                secretIdPollInterval,
                appRoleMount,
                openTimeout,
                readTimeout,
                startupTimeout,
                renewMargin,
                minRenewInterval,
                backoffMin,
                backoffMax,
                kvMount,
                Optional.empty(),
                kvPollInterval,
                databaseMount,
                Optional.empty(),
                databaseWriterRole);
    }

    /** When to renew something that is valid for {@code ttl}; see {@link Renewal#delay}. */
    Renewal renewal() {
        return new Renewal(renewMargin, minRenewInterval);
    }

    /** The backoff for retries of failed Vault calls. */
    Backoff backoff() {
        return new Backoff(backoffMin, backoffMax);
    }

    private static URI address(Config node, boolean enabled) {
        Optional<String> raw = Settings.optionalString(node);
        if (raw.isEmpty()) {
            if (enabled) {
                throw Settings.invalid(node, "must be set when vault.enabled is true", "");
            }
            return URI.create("http://127.0.0.1:8200");
        }
        try {
            URI uri = new URI(raw.get().replaceAll("/+$", ""));
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                    || uri.getHost() == null
                    || (uri.getPath() != null && !uri.getPath().isEmpty())) {
                throw Settings.invalid(node, "must be an http(s)://host:port URL without a path", raw.get());
            }
            return uri;
        } catch (URISyntaxException e) {
            throw Settings.invalid(node, "must be an http(s)://host:port URL without a path", raw.get());
        }
    }

    private static Path path(Config node, String defaultValue) {
        return Path.of(Settings.optionalString(node).orElse(defaultValue));
    }

    private static SecretIdFormat format(Config node) {
        String raw = Settings.optionalString(node).orElse("auto");
        try {
            return SecretIdFormat.valueOf(raw.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw Settings.invalid(node, "must be one of auto, wrapped, plain", raw);
        }
    }

    private static String mount(Config node, String defaultValue) {
        String raw = Settings.optionalString(node).orElse(defaultValue);
        return stripSlashes(node, raw);
    }

    private static String stripSlashes(Config node, String raw) {
        String value = raw.replaceAll("^/+|/+$", "");
        if (!MOUNT.matcher(value).matches()) {
            throw Settings.invalid(node, "must be a Vault path of letters, digits, '_', '.', '-' and '/'", raw);
        }
        return value;
    }
}
