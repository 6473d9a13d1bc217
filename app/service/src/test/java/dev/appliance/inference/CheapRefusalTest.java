package dev.appliance.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bodies over the size limit and requests with too many rows are refused before the body becomes a JSON tree. */
class CheapRefusalTest {

    private static final int MAX_ROWS = 4;
    private static final String ROW = "[12.5, 3, 14, 800, 20, -0.3]";

    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer(Map.of(
                        "models.root", TestRepository.demo().toString(),
                        "models.signature.key", TestRepository.publicKey().toString(),
                        "models.max-rows", Integer.toString(MAX_ROWS),
                        "server.max-payload-size", "4096"))
                .awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aBodyOverTheMaximumPayloadSizeIsA413() throws Exception {
        String big = "{\"instances\": [" + ROW + "], \"padding\": \"" + "x".repeat(8192) + "\"}";
        HttpResponse<String> response = server.post("/v1/models/risk:predict", big);
        assertEquals(413, response.statusCode(), response.body());
        assertEquals(
                200,
                server.post("/v1/models/risk:predict", "{\"instances\": [" + ROW + "]}")
                        .statusCode());
    }

    @Test
    void tooManyRowsIsRefusedBeforeTheRestOfTheBodyIsParsed() throws Exception {
        // The rows come first and the body breaks after them: a refusal that names the rows, not the broken
        // JSON, was made by the streaming count before any full parse.
        String rows = (ROW + ", ").repeat(MAX_ROWS + 1);
        HttpResponse<String> tf = server.post("/v1/models/risk:predict", "{\"instances\": [" + rows + " ]] {{");
        assertEquals(400, tf.statusCode(), tf.body());
        assertTrue(tf.body().contains("instances holds more than 4 rows; at most 4 per request"), tf.body());

        HttpResponse<String> oip = server.post(
                "/v2/models/risk/infer",
                "{\"inputs\": [{\"name\": \"features\","
                        + " \"shape\": [5, 6], \"datatype\": \"FP32\", \"data\": [1, 2, 3,,, ");
        assertEquals(400, oip.statusCode(), oip.body());
        assertTrue(oip.body().contains("inputs[0].shape[0] holds more than 4 rows"), oip.body());
    }

    @Test
    void rowsWithinTheLimitStillPredict() throws Exception {
        String rows = String.join(", ", java.util.Collections.nCopies(MAX_ROWS, ROW));
        HttpResponse<String> response = server.post("/v1/models/risk:predict", "{\"instances\": [" + rows + "]}");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals(MAX_ROWS, TestServer.json(response).get("predictions").size());
    }
}
