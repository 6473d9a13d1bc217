package dev.appliance.inference.api;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The streaming row count finds the rows of both dialects' bodies without building a tree. */
class RowCountTest {

    private static final int MAX = 3;

    static Stream<Arguments> overLimit() {
        return Stream.of(
                Arguments.of("{\"instances\": [[1], [2], [3], [4]]}", "instances"),
                Arguments.of(
                        "{\"signature_name\": \"x\", \"instances\": [{\"a\": 1}, {\"a\": 2}, {\"a\": 3}, {\"a\": 4}]}",
                        "instances"),
                Arguments.of("{\"inputs\": [[1, 2], [3, 4], [5, 6], [7, 8]]}", "inputs"),
                Arguments.of("{\"inputs\": {\"amount\": [1], \"hour\": [1, 2, 3, 4]}}", "inputs.hour"),
                Arguments.of(
                        "{\"inputs\": [{\"name\": \"features\", \"datatype\": \"FP32\", \"shape\": [4, 6],"
                                + " \"data\": []}]}",
                        "inputs[0].shape[0]"),
                Arguments.of(
                        "{\"inputs\": [{\"name\": \"a\", \"shape\": [1], \"data\": [1]},"
                                + " {\"name\": \"b\", \"parameters\": {\"shape\": [9]}, \"shape\": [5]}]}",
                        "inputs[1].shape[0]"),
                Arguments.of("{\"instances\": [[1], [2], [3], [4], ", "instances"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("overLimit")
    void refusesTheFirstRowArrayOverTheLimitEvenWhenTheRestIsBroken(String body, String path) {
        ApiException refused =
                assertThrows(ApiException.class, () -> RowCount.refuseOver(body.getBytes(StandardCharsets.UTF_8), MAX));
        assertEquals(path + " holds more than 3 rows; at most 3 per request", refused.getMessage());
    }

    static Stream<String> withinLimit() {
        return Stream.of(
                "{\"instances\": [[1, 2, 3, 4, 5], [2], [3]]}",
                "{\"inputs\": {\"amount\": [1, 2, 3], \"hour\": [[1, 2, 3, 4]]}}",
                "{\"inputs\": [{\"name\": \"a\", \"shape\": [3], \"data\": [1, 2, 3]}, {\"name\": \"b\", \"shape\": [3]},"
                        + " {\"name\": \"c\", \"shape\": [3]}, {\"name\": \"d\", \"shape\": [3]}]}",
                "{\"inputs\": [{\"name\": \"x\", \"shape\": [2, 6], \"parameters\": {\"binary_data_size\": 48}}]}"
                        + "\u0000\u0001binary tensor bytes follow the JSON",
                "{\"instances\": [[1], [2], [3]], \"parameters\": {\"rows\": [1, 2, 3, 4, 5]}}",
                "{\"instances\": [[1], [2]",
                "[1, 2, 3, 4, 5]",
                "");
    }

    @ParameterizedTest
    @MethodSource("withinLimit")
    void leavesBodiesWithinTheLimitOrUnreadableToTheFullParse(String body) {
        assertDoesNotThrow(() -> RowCount.refuseOver(body.getBytes(StandardCharsets.ISO_8859_1), MAX));
    }
}
