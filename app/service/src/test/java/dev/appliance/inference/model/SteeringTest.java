package dev.appliance.inference.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SteeringTest {

    private static final Map<String, Map<String, Long>> LABELS = Map.of("risk", Map.of("stable", 1L, "canary", 2L));

    private static Steering steering(Map<String, String> settings) {
        Config config = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.create(settings))
                .build();
        return Steering.from(config.get("steering"), LABELS);
    }

    @Test
    void unsteeredModelsAnswerFromTheLatestVersion() {
        assertEquals(VersionSelector.LATEST, new Steering(Map.of()).route("risk", "u-1"));
    }

    @Test
    void weightsZeroAndHundredSendEverythingToOneSide() {
        Steering none = new Steering(Map.of("risk", new Steering.Split(0, false)));
        Steering all = new Steering(Map.of("risk", new Steering.Split(100, false)));
        IntStream.range(0, 200).forEach(i -> {
            assertEquals(new VersionSelector.Label("stable"), none.route("risk", null));
            assertEquals(new VersionSelector.Label("canary"), all.route("risk", null));
        });
    }

    @Test
    void stickyAssignmentKeepsAnEntityOnOneSideAndSplitsEntitiesByWeight() {
        Steering sticky = steering(Map.of("steering.risk.canary-weight", "25", "steering.risk.sticky", "true"));
        long canary = IntStream.range(0, 4000)
                .filter(i -> {
                    VersionSelector first = sticky.route("risk", "u-" + i);
                    assertEquals(first, sticky.route("risk", "u-" + i));
                    return first.equals(new VersionSelector.Label("canary"));
                })
                .count();
        assertTrue(Math.abs(canary - 1000) < 4 * Math.sqrt(4000 * 0.25 * 0.75), canary + " of 4000 on the canary");
    }

    @Test
    void refusesASteeredModelWithoutBothLabelsNamingTheKey() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Steering.from(
                        Config.builder()
                                .disableEnvironmentVariablesSource()
                                .disableSystemPropertiesSource()
                                .addSource(ConfigSources.create(Map.of("steering.fraud.canary-weight", "5")))
                                .build()
                                .get("steering"),
                        LABELS));
        assertTrue(e.getMessage().contains("steering.fraud"), e.getMessage());
    }

    @Test
    void refusesAWeightOutsideZeroToHundred() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> steering(Map.of("steering.risk.canary-weight", "120")));
        assertTrue(e.getMessage().contains("steering.risk.canary-weight must be between 0 and 100"), e.getMessage());
    }
}
