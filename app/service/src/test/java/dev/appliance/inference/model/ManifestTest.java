package dev.appliance.inference.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The manifest parser is strict and says which field is wrong. */
class ManifestTest {

    private static final String SHA = "a".repeat(64);
    private static final String VALID = ModelVerifierTest.manifest("risk", 1, SHA, SHA);

    @Test
    void parsesAValidManifest() throws Exception {
        Manifest m = Manifest.parse(VALID.getBytes(StandardCharsets.UTF_8));
        assertEquals("serving_default", m.signatureName());
        assertEquals("recent_amount_zscore", m.features().get(5).name());
        assertEquals(2, m.files().size());
    }

    static Stream<Arguments> broken() {
        return Stream.of(
                Arguments.of(VALID.replace("\"schema\": 1", "\"schema\": 2"), "schema must be 1"),
                Arguments.of(
                        VALID.replace("\"description\"", "\"colour\": 1, \"description\""),
                        "Unrecognized field \"colour\""),
                Arguments.of(
                        VALID.replace("\"dtype\": \"int32\"", "\"dtype\": \"string\""),
                        "features[1].dtype: unknown dtype 'string'"),
                Arguments.of(
                        VALID.replace("\"name\": \"hour\"", "\"name\": \"amount\""),
                        "features[2].name 'amount' is a duplicate"),
                Arguments.of(
                        VALID.replace("\"files\": {", "\"files\": {\"../../etc/passwd\": \"" + SHA + "\", "),
                        "must be a relative path inside the version folder"),
                Arguments.of(VALID.replaceFirst(SHA, "xyz"), "must be a lowercase hex SHA-256"),
                Arguments.of(
                        VALID.replace(
                                "{\"name\": \"features\", \"dtype\": \"float32\"}",
                                "{\"name\": \"features\", \"dtype\": \"float64\"}"),
                        "input.dtype must be float32"),
                Arguments.of("{\"schema\": 1", "manifest.json is not valid"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("broken")
    void refusesABrokenManifestNamingTheField(String json, String expected) {
        ModelRejectedException e =
                assertThrows(ModelRejectedException.class, () -> Manifest.parse(json.getBytes(StandardCharsets.UTF_8)));
        assertEquals(ModelRejectedException.Reason.MANIFEST, e.reason());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
