package dev.appliance.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Concurrent requests of both dialects share engine calls and still get exactly the answer each would get
 * alone; a malformed request among them is refused on its own.
 */
class BatchingTest {

    private static final String V1 = "/v1/models/risk/versions/2:predict";
    private static final String V2 = "/v2/models/risk/versions/2/infer";

    private static String row(int i) {
        return "[" + (10 + 37 * i) + ", " + (i % 9) + ", 3, " + (i % 5) + ", 25, " + (i % 7 - 3) + "]";
    }

    private static String body(int i) {
        return i % 2 == 0
                ? "{\"instances\": [" + row(i) + "]}"
                : "{\"inputs\": [{\"name\": \"features\", \"shape\": [1, 6], \"datatype\": \"FP32\", \"data\": "
                        + row(i) + "}]}";
    }

    private static double probability(HttpResponse<String> response, int i) throws Exception {
        assertEquals(200, response.statusCode(), response.body());
        JsonNode json = TestServer.json(response);
        return i % 2 == 0
                ? json.at("/predictions/0/0").asDouble()
                : json.at("/outputs/0/data/0").asDouble();
    }

    @Test
    void concurrentRequestsShareEngineCallsAndGetTheirOwnAnswers() throws Exception {
        int requests = 32;
        try (TestServer server = new TestServer(Map.of(
                                "models.root",
                                TestRepository.demo().toString(),
                                "models.predictors-per-version",
                                "1",
                                "models.batch.max-delay",
                                "20ms"))
                        .awaitReady(Duration.ofSeconds(60));
                ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Double> alone = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                alone.add(probability(server.post(i % 2 == 0 ? V1 : V2, body(i)), i));
            }
            double callsBefore = server.metric("model_batch_size_count", "version=\"2\"");
            double requestsBefore = server.metric("model_batch_size_sum", "version=\"2\"");

            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            List<Future<HttpResponse<String>>> malformed = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                String path = i % 2 == 0 ? V1 : V2;
                String body = body(i);
                answers.add(clients.submit(() -> server.post(path, body)));
                if (i % 8 == 0) {
                    malformed.add(clients.submit(() -> server.post(
                            V2,
                            "{\"inputs\": [{\"name\": \"features\", "
                                    + "\"shape\": [1, 5], \"datatype\": \"FP32\", \"data\": [1, 2, 3, 4, 5]}]}")));
                }
            }
            // TensorFlow's kernels differ with the batch shape in the last float bit, hence the tolerance.
            for (int i = 0; i < requests; i++) {
                assertEquals(alone.get(i), probability(answers.get(i).get(), i), 1e-6, "request " + i);
            }
            for (Future<HttpResponse<String>> bad : malformed) {
                assertEquals(400, bad.get().statusCode(), bad.get().body());
            }

            double calls = server.metric("model_batch_size_count", "version=\"2\"") - callsBefore;
            double batched = server.metric("model_batch_size_sum", "version=\"2\"") - requestsBefore;
            assertEquals(requests, batched, "every good request ran once, no malformed one ran");
            assertTrue(calls < requests, "requests shared engine calls: " + calls + " calls for " + requests);
            assertTrue(
                    server.metric("model_batch_size_bucket", "le=\"1.0\"") >= requests,
                    "the requests sent one by one ran alone");
        }
    }
}
