package dev.appliance.inference;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A bad setting stops startup with a message that names the key, before the server listens. */
class StartupTest {

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "models.root                   | /no/such/folder | models.root must be an existing folder",
                "models.poll-interval          | soon            | models.poll-interval must be a duration",
                "models.predictors-per-version | 0               | models.predictors-per-version must be between 1 and 64",
                "models.engine-threads         | 0               | models.engine-threads must be between 1 and 64",
                "models.max-rows               | lots            | models.max-rows must be an integer",
                "models.batch.max-rows         | 0               | models.batch.max-rows must be between 1 and 100000",
                "models.batch.max-delay        | 1s              | models.batch.max-delay must be between 0s and 100ms",
                "models.labels.risk.stable     | latest          | models.labels.risk.stable must be a version number",
                "models.signature.key          | /no/such.pub    | models.signature.key must be a readable Ed25519 public key",
                "models.names                  | risk,bad/name   | models.names must hold model folder names",
                "cache.username                | inference       | cache.password must be set together with cache.username",
                "features.password             | secret          | features.username must be set together with features.password"
            })
    void badSettingStopsStartupNamingTheKey(String key, String value, String message) {
        Map<String, String> settings = new java.util.HashMap<>(
                Map.of("models.root", TestRepository.demo().toString()));
        settings.put(key, value);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new TestServer(settings).close());
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }
}
