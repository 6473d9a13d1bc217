package dev.appliance.inference.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.appliance.inference.model.VersionSelector;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Model URLs of both dialects. */
class ModelPathTest {

    static Stream<Arguments> tfServing() {
        return Stream.of(
                Arguments.of("risk", new ModelPath("risk", VersionSelector.LATEST, "status")),
                Arguments.of("risk:predict", new ModelPath("risk", VersionSelector.LATEST, "predict")),
                Arguments.of("risk/metadata", new ModelPath("risk", VersionSelector.LATEST, "metadata")),
                Arguments.of(
                        "risk/versions/12:predict", new ModelPath("risk", new VersionSelector.Exact(12), "predict")),
                Arguments.of(
                        "risk/versions/12/metadata", new ModelPath("risk", new VersionSelector.Exact(12), "metadata")),
                Arguments.of(
                        "risk/labels/canary:predict",
                        new ModelPath("risk", new VersionSelector.Label("canary"), "predict")),
                Arguments.of(
                        "risk/labels/stable", new ModelPath("risk", new VersionSelector.Label("stable"), "status")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tfServing")
    void parsesTfServingPaths(String rest, ModelPath expected) throws Exception {
        assertEquals(expected, ModelPath.tfServing(rest));
    }

    static Stream<Arguments> oip() {
        return Stream.of(
                Arguments.of("risk", new ModelPath("risk", VersionSelector.LATEST, "metadata")),
                Arguments.of("risk/infer", new ModelPath("risk", VersionSelector.LATEST, "infer")),
                Arguments.of("risk/ready", new ModelPath("risk", VersionSelector.LATEST, "ready")),
                Arguments.of("risk/versions/2", new ModelPath("risk", new VersionSelector.Exact(2), "metadata")),
                Arguments.of("risk/versions/2/infer", new ModelPath("risk", new VersionSelector.Exact(2), "infer")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("oip")
    void parsesOpenInferenceProtocolPaths(String rest, ModelPath expected) throws Exception {
        assertEquals(expected, ModelPath.oip(rest));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource({
        "risk:regress, 404",
        "risk/versions/x:predict, 400",
        "risk/versions/-1, 400",
        "risk/labels/, 404",
        "risk/unknown/1, 404",
        "'', 404",
        "risk/versions/1/2, 404"
    })
    void refusesOtherTfServingPaths(String rest, int status) {
        assertEquals(
                status,
                assertThrows(ApiException.class, () -> ModelPath.tfServing(rest))
                        .status());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({"risk/labels/stable", "risk/versions/1/explain", "''"})
    void refusesOtherOpenInferenceProtocolPaths(String rest) {
        assertEquals(
                404, assertThrows(ApiException.class, () -> ModelPath.oip(rest)).status());
    }
}
