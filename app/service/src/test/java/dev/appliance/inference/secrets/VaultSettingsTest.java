package dev.appliance.inference.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VaultSettingsTest {

    @Test
    void isOffByDefaultWithDesignTimings() {
        VaultSettings settings = VaultSettings.disabled();
        assertFalse(settings.enabled());
        assertEquals(Duration.ofSeconds(60), settings.renewMargin());
        assertEquals(Duration.ofSeconds(10), settings.minRenewInterval());
        assertEquals("kv", settings.kvMount());
        assertEquals("database", settings.databaseMount());
        assertEquals(Optional.empty(), settings.memcachedPath());
        assertEquals(VaultSettings.SecretIdFormat.AUTO, settings.secretIdFormat());
    }

    @Test
    void readsEveryKey() {
        VaultSettings settings = from(Map.of(
                "vault.enabled",
                "true",
                "vault.address",
                "https://vault.lab:8200/",
                "vault.kv.mount",
                "/secret/",
                "vault.kv.memcached-path",
                "inference/memcached",
                "vault.database.role",
                "inference",
                "vault.renew-margin",
                "2s",
                "vault.secret-id-format",
                "plain",
                "vault.ca-file",
                "/etc/inference-service/vault/ca.pem"));
        assertTrue(settings.enabled());
        assertEquals("https://vault.lab:8200", settings.address().toString());
        assertEquals("secret", settings.kvMount());
        assertEquals(Optional.of("inference/memcached"), settings.memcachedPath());
        assertEquals(Optional.of("inference"), settings.databaseRole());
        assertEquals(Duration.ofSeconds(2), settings.renewMargin());
        assertEquals(VaultSettings.SecretIdFormat.PLAIN, settings.secretIdFormat());
        assertEquals(Optional.of(Path.of("/etc/inference-service/vault/ca.pem")), settings.caFile());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "vault.address|ftp://vault:21|vault.address must be an http(s)://host:port URL",
                "vault.address|http://vault:8200/v1|vault.address must be an http(s)://host:port URL",
                "vault.renew-margin|-5s|vault.renew-margin must be a duration",
                "vault.backoff-max|100ms|vault.backoff-max must not be shorter than vault.backoff-min",
                "vault.secret-id-format|base64|vault.secret-id-format must be one of auto, wrapped, plain",
                "vault.kv.mount|kv v2|vault.kv.mount must be a Vault path",
                "vault.open-timeout|0s|vault.open-timeout must be between 1s and 60s"
            })
    void refusesBadValuesNamingTheKey(String key, String value, String message) {
        Map<String, String> raw =
                new HashMap<>(Map.of("vault.enabled", "true", "vault.address", "http://127.0.0.1:8200"));
        raw.put(key, value);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> from(raw));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    @Test
    void requiresAnAddressWhenEnabled() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> from(Map.of("vault.enabled", "true")));
        assertTrue(e.getMessage().startsWith("vault.address must be set"), e.getMessage());
    }

    private static VaultSettings from(Map<String, String> raw) {
        return VaultSettings.from(Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.create(raw))
                .build()
                .get("vault"));
    }
}
