package dev.appliance.inference.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Typed settings reads: defaults, accepted forms, and errors that name the key and the range. */
class SettingsTest {

    private static Config config(String key, String value) {
        return Config.just(ConfigSources.create(Map.of(key, value))).get(key);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"500ms, 500", "5s, 5000", "2m, 120000", "1h, 3600000", "PT1.5S, 1500"})
    void readsDurationsInShortAndIsoForm(String text, long millis) {
        assertEquals(
                Duration.ofMillis(millis),
                Settings.durationInRange(config("a.poll", text), Duration.ZERO, Duration.ZERO, Duration.ofDays(1)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "5 parsecs | a.poll must be a duration such as 500ms, 5s, 2m or PT5S, got '5 parsecs'",
                "2d        | a.poll must be between 0s and 3600s, got '2d'"
            })
    void refusesBadDurationsNamingTheKey(String text, String message) {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Settings.durationInRange(
                        config("a.poll", text), Duration.ZERO, Duration.ZERO, Duration.ofHours(1)));
        assertEquals(message, e.getMessage());
    }

    @Test
    void refusesIntegersOutsideTheRangeNamingTheKey() {
        assertEquals(
                "a.size must be between 1 and 64, got '0'",
                assertThrows(IllegalArgumentException.class, () -> Settings.intInRange(config("a.size", "0"), 2, 1, 64))
                        .getMessage());
        assertEquals(
                "a.size must be an integer between 1 and 64, got 'two'",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> Settings.intInRange(config("a.size", "two"), 2, 1, 64))
                        .getMessage());
        assertEquals(2, Settings.intInRange(Config.empty().get("a.size"), 2, 1, 64));
    }
}
