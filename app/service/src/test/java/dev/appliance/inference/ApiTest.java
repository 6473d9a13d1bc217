package dev.appliance.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/** The HTTP API through a real server, real signed SavedModels and real TensorFlow. */
class ApiTest {

    private static final String ORDINARY = """
            {"amount": 12.5, "merchant_category": 3, "hour": 14, "account_age_days": 800,
             "recent_amount_mean": 20, "recent_amount_zscore": -0.3}""";
    private static final String RISKY = """
            {"amount": 950, "merchant_category": 7, "hour": 3, "account_age_days": 2,
             "recent_amount_mean": 25, "recent_amount_zscore": 8.5}""";
    private static final String RISKY_ROW = "[950, 7, 3, 2, 25, 8.5]";

    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer(Map.of(
                        "models.root",
                        TestRepository.demo().toString(),
                        "models.signature.key",
                        TestRepository.publicKey().toString(),
                        "models.labels.risk.stable",
                        "1",
                        "models.labels.risk.canary",
                        "2"))
                .awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void predictsWithNamedFeaturesAndSaysWhichVersionAnswered() throws Exception {
        HttpResponse<String> response =
                server.post("/v1/models/risk:predict", "{\"instances\": [" + ORDINARY + ", " + RISKY + "]}");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("2", response.headers().firstValue("X-Model-Version").orElseThrow());
        JsonNode predictions = TestServer.json(response).get("predictions");
        assertEquals(2, predictions.size());
        double ordinary = predictions.get(0).get(0).asDouble();
        double risky = predictions.get(1).get(0).asDouble();
        assertTrue(ordinary >= 0 && ordinary < 0.5, "ordinary transaction scored " + ordinary);
        assertTrue(risky > 0.5 && risky <= 1, "risky transaction scored " + risky);
    }

    @Test
    void everyInputFormatOfBothDialectsGivesTheSamePrediction() throws Exception {
        List<Double> answers = List.of(
                v1("{\"instances\": [" + RISKY + "]}", "predictions"),
                v1("{\"instances\": [" + RISKY_ROW + "]}", "predictions"),
                v1("{\"instances\": [{\"features\": " + RISKY_ROW + "}]}", "predictions"),
                v1("{\"signature_name\": \"serving_default\", \"inputs\": [" + RISKY_ROW + "]}", "outputs"),
                v1("{\"inputs\": {\"features\": [" + RISKY_ROW + "]}}", "outputs"),
                v1("""
                        {"inputs": {"amount": [950], "merchant_category": [7], "hour": [3], "account_age_days": [2],
                                    "recent_amount_mean": [25], "recent_amount_zscore": [8.5]}}""", "outputs"),
                v2("{\"inputs\": [{\"name\": \"features\", \"shape\": [1, 6], \"datatype\": \"FP32\", \"data\": "
                        + RISKY_ROW + "}]}"),
                v2("{\"inputs\": [{\"name\": \"features\", \"shape\": [1, 6], \"datatype\": \"FP64\", \"data\": ["
                        + RISKY_ROW + "]}]}"),
                v2("""
                        {"inputs": [
                          {"name": "amount", "shape": [1], "datatype": "FP32", "data": [950]},
                          {"name": "merchant_category", "shape": [1, 1], "datatype": "INT32", "data": [7]},
                          {"name": "hour", "shape": [1], "datatype": "INT64", "data": [3]},
                          {"name": "account_age_days", "shape": [1], "datatype": "FP32", "data": [2]},
                          {"name": "recent_amount_mean", "shape": [1], "datatype": "FP32", "data": [25]},
                          {"name": "recent_amount_zscore", "shape": [1], "datatype": "FP32", "data": [8.5]}]}"""));
        assertEquals(1, answers.stream().distinct().count(), "answers differ: " + answers);
    }

    @Test
    void labelsAndVersionsRouteToTheirVersion() throws Exception {
        String body = "{\"instances\": [" + RISKY + "]}";
        HttpResponse<String> stable = server.post("/v1/models/risk/labels/stable:predict", body);
        HttpResponse<String> canary = server.post("/v1/models/risk/labels/canary:predict", body);
        HttpResponse<String> v1 = server.post("/v1/models/risk/versions/1:predict", body);
        assertEquals("1", stable.headers().firstValue("X-Model-Version").orElseThrow());
        assertEquals("2", canary.headers().firstValue("X-Model-Version").orElseThrow());
        assertEquals(TestServer.json(v1), TestServer.json(stable));
        assertNotEquals(TestServer.json(stable), TestServer.json(canary), "v1 and v2 are different models");
        HttpResponse<String> oip = server.post(
                "/v2/models/risk/versions/1/infer",
                "{\"id\": \"r-1\", \"inputs\": [{\"name\": \"features\", \"shape\": [1, 6], \"datatype\": \"FP32\","
                        + " \"data\": " + RISKY_ROW + "}]}");
        JsonNode reply = TestServer.json(oip);
        assertEquals("1", reply.get("model_version").asText());
        assertEquals("r-1", reply.get("id").asText());
        assertEquals(
                TestServer.json(v1).get("predictions").get(0).get(0).asDouble(),
                reply.get("outputs").get(0).get("data").get(0).asDouble());
    }

    @Test
    void statusListsLoadedVersionsAndMetadataDescribesTheSignature() throws Exception {
        JsonNode status = TestServer.json(server.get("/v1/models/risk"));
        assertEquals(2, status.get("model_version_status").size());
        assertEquals(
                "AVAILABLE",
                status.get("model_version_status").get(0).get("state").asText());
        JsonNode one = TestServer.json(server.get("/v1/models/risk/labels/stable"));
        assertEquals("1", one.get("model_version_status").get(0).get("version").asText());

        JsonNode metadata = TestServer.json(server.get("/v1/models/risk/versions/1/metadata"));
        assertEquals("1", metadata.at("/model_spec/version").asText());
        JsonNode input = metadata.at("/metadata/signature_def/signature_def/serving_default/inputs/features");
        assertEquals("6", input.at("/tensor_shape/dim/1/size").asText());
        assertEquals("amount", metadata.at("/features/0/name").asText());

        JsonNode v2 = TestServer.json(server.get("/v2/models/risk_heavy"));
        assertEquals("FP32", v2.at("/inputs/0/datatype").asText());
        assertEquals(1, v2.at("/outputs/0/shape/1").asInt());
        assertEquals(200, server.get("/v2/models/risk/versions/2/ready").statusCode());
        assertEquals(
                "inference-service",
                TestServer.json(server.get("/v2")).get("name").asText());
    }

    static Stream<Arguments> badRequests() {
        return Stream.of(
                Arguments.of("/v1/models/risk:predict", "{\"instances\": [1, 2", "malformed JSON"),
                Arguments.of("/v1/models/risk:predict", "", "request body is empty"),
                Arguments.of("/v1/models/risk:predict", "[1, 2]", "must be a JSON object"),
                Arguments.of("/v1/models/risk:predict", "{}", "exactly one of 'instances'"),
                Arguments.of("/v1/models/risk:predict", "{\"instances\": [], \"extra\": 1}", "unknown field 'extra'"),
                Arguments.of("/v1/models/risk:predict", "{\"instances\": []}", "instances must hold at least one row"),
                Arguments.of(
                        "/v1/models/risk:predict",
                        "{\"instances\": [[1, 2, 3]]}",
                        "instances[0] must be an array of 6 numbers"),
                Arguments.of(
                        "/v1/models/risk:predict",
                        "{\"instances\": [[950, 7, 3, 2, 25, \"high\"]]}",
                        "instances[0][5] (recent_amount_zscore, float32) must be a number, got a string"),
                Arguments.of(
                        "/v1/models/risk:predict",
                        "{\"instances\": [[950, 7.5, 3, 2, 25, 1]]}",
                        "instances[0][1] (merchant_category, int32) must be a whole number, got 7.5"),
                Arguments.of(
                        "/v1/models/risk:predict",
                        "{\"instances\": [{\"amount\": 1}]}",
                        "instances[0].merchant_category is missing"),
                Arguments.of(
                        "/v1/models/risk:predict",
                        "{\"instances\": [{\"amount\": 1, \"colour\": 2}]}",
                        "instances[0].colour is not a feature of model 'risk'"),
                Arguments.of(
                        "/v1/models/risk:predict",
                        "{\"instances\": [[1e39, 7, 3, 2, 25, 1]]}",
                        "outside the float32 range"),
                Arguments.of(
                        "/v1/models/risk:predict",
                        "{\"signature_name\": \"other\", \"instances\": [[1]]}",
                        "signature_name \"other\" is not served"),
                Arguments.of(
                        "/v1/models/risk:predict",
                        "{\"inputs\": {\"amount\": [1, 2], \"merchant_category\": [1]}}",
                        "inputs.merchant_category has 1 values but inputs.amount has 2"),
                Arguments.of(
                        "/v2/models/risk/infer",
                        "{\"inputs\": [{\"name\": \"features\", \"shape\": [1, 5],"
                                + " \"datatype\": \"FP32\", \"data\": [1, 2, 3, 4, 5]}]}",
                        "inputs[0].shape must be [rows, 6]"),
                Arguments.of(
                        "/v2/models/risk/infer",
                        "{\"inputs\": [{\"name\": \"features\", \"shape\": [2, 6],"
                                + " \"datatype\": \"FP32\", \"data\": [1, 2, 3, 4, 5, 6]}]}",
                        "inputs[0].data holds 6 values but shape [2,6] needs 12"),
                Arguments.of(
                        "/v2/models/risk/infer",
                        "{\"inputs\": [{\"name\": \"features\", \"shape\": [1, 6],"
                                + " \"datatype\": \"BYTES\", \"data\": [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\"]}]}",
                        "inputs[0] 'features': datatype 'BYTES' is not supported for this tensor (supported: FP32, FP64, INT16,"),
                Arguments.of(
                        "/v2/models/risk/infer",
                        "{\"inputs\": [{\"name\": \"features\", \"shape\": [1, 6],"
                                + " \"datatype\": \"INT32\", \"data\": [1.5, 2, 3, 4, 5, 6]}]}",
                        "inputs[0].data[0] must be an integer for datatype INT32"),
                Arguments.of(
                        "/v2/models/risk/infer",
                        "{\"inputs\": [{\"name\": \"amount\", \"shape\": [1],"
                                + " \"datatype\": \"FP32\", \"data\": [1]}]}",
                        "inputs has no tensor for feature 'merchant_category'"),
                Arguments.of(
                        "/v2/models/risk/infer",
                        "{\"inputs\": [{\"name\": \"features\", \"shape\": [1, 6],"
                                + " \"datatype\": \"FP32\", \"data\": [1, 2, 3, 4, 5, 6]}], \"outputs\": [{\"name\": \"x\"}]}",
                        "outputs[0].name 'x' is not an output of model 'risk'"),
                Arguments.of(
                        "/v1/models/risk/versions/abc:predict",
                        "{\"instances\": [[1]]}",
                        "version must be a non-negative integer, got 'abc'"));
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("badRequests")
    void badInputIsA400NamingTheFieldAndTheProblem(String path, String body, String expected) throws Exception {
        HttpResponse<String> response = server.post(path, body);
        assertEquals(400, response.statusCode(), response.body());
        JsonNode error = TestServer.json(response);
        assertEquals("invalid_input", error.get("code").asText());
        assertTrue(
                error.get("error").asText().contains(expected),
                "expected '" + expected + "' in: " + error.get("error").asText());
        assertFalse(response.body().contains("Exception"), "no Java internals reach the caller: " + response.body());
    }

    static Stream<Arguments> unknownThings() {
        return Stream.of(
                Arguments.of("POST", "/v1/models/fraud:predict", "model 'fraud' is not served"),
                Arguments.of("POST", "/v1/models/risk/versions/7:predict", "version 7 of model 'risk' is not loaded"),
                Arguments.of("POST", "/v1/models/risk/labels/beta:predict", "label 'beta' is not defined"),
                Arguments.of("GET", "/v1/models/risk/versions/9", "version 9 of model 'risk' is not loaded"),
                Arguments.of("GET", "/v1/models/risk/labels/beta", "label 'beta' is not defined"),
                Arguments.of("GET", "/v2/models/fraud", "model 'fraud' is not served"),
                Arguments.of("POST", "/v2/models/risk/versions/5/infer", "version 5 of model 'risk' is not loaded"),
                Arguments.of("POST", "/v1/models/risk:classify", "':classify' is not supported"),
                Arguments.of("GET", "/v1/models/risk/weights", "no such endpoint"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("unknownThings")
    void unknownModelVersionOrLabelIsA404(String method, String path, String expected) throws Exception {
        HttpResponse<String> response =
                method.equals("POST") ? server.post(path, "{\"instances\": [" + RISKY_ROW + "]}") : server.get(path);
        assertEquals(404, response.statusCode(), response.body());
        assertTrue(TestServer.json(response).get("error").asText().contains(expected), response.body());
    }

    @Test
    void wrongMethodIsA405ThatSaysWhichOneToUse() throws Exception {
        HttpResponse<String> response = server.get("/v1/models/risk:predict");
        assertEquals(405, response.statusCode());
        assertTrue(TestServer.json(response).get("error").asText().contains("use POST"), response.body());
        assertEquals(405, server.send("DELETE", "/v2/models/risk").statusCode());
    }

    @Test
    @SuppressWarnings("unchecked")
    void openApiDocumentDescribesEveryRouteAndEachServedVersionsExactInput() throws Exception {
        HttpResponse<String> response = server.get("/openapi");
        assertEquals(200, response.statusCode());
        Map<String, Object> document = new Yaml().load(response.body());
        Map<String, Object> paths = (Map<String, Object>) document.get("paths");
        for (String path : List.of(
                "/v1/models/{model}",
                "/v1/models/{model}/metadata",
                "/v1/models/risk:predict",
                "/v1/models/risk/versions/1:predict",
                "/v1/models/risk/versions/2:predict",
                "/v1/models/risk/labels/stable:predict",
                "/v1/models/risk/labels/canary:predict",
                "/v1/models/{model}/versions/{version}",
                "/v1/models/{model}/labels/{label}",
                "/v1/models/{model}/versions/{version}/metadata",
                "/v2",
                "/v2/health/live",
                "/v2/health/ready",
                "/v2/models/{model}",
                "/v2/models/{model}/ready",
                "/v2/models/risk/infer",
                "/v2/models/{model}/versions/{version}",
                "/v2/models/{model}/versions/{version}/ready",
                "/v2/models/risk/versions/2/infer",
                "/v1/features/{entity_key}/{entity_id}")) {
            assertTrue(paths.containsKey(path), "OpenAPI document lacks " + path);
        }
        assertFalse(paths.containsKey("/v2/repository/models/{model}/load"), "load and unload are off by default");
        JsonNode infer = TestServer.JSON.valueToTree(paths.get("/v2/models/risk/versions/2/infer"));
        JsonNode tensor =
                infer.at("/post/requestBody/content/application~1json/schema/properties/inputs/items/properties");
        assertEquals("[[1,6]]", tensor.at("/shape/enum").toString());
        assertEquals("integer", tensor.at("/data/prefixItems/1/type").asText(), "merchant_category is int32");
        assertEquals("number", tensor.at("/data/prefixItems/0/type").asText(), "amount is float32");
    }

    @Test
    void metricsCountRequestsByRouteModelVersionAndStatus() throws Exception {
        server.post("/v1/models/risk/versions/1:predict", "{\"instances\": [" + RISKY_ROW + "]}");
        server.post("/v1/models/nobody-knows:predict", "{\"instances\": [" + RISKY_ROW + "]}");
        String metrics = server.get("/observe/metrics").body();
        assertTrue(
                metrics.lines()
                        .anyMatch(l -> l.startsWith("inference_requests_total{")
                                && l.contains("model=\"risk\"")
                                && l.contains("route=\"v1\"")
                                && l.contains("status=\"200\"")
                                && l.contains("version=\"1\"")),
                metrics);
        assertTrue(
                metrics.lines()
                        .anyMatch(l -> l.startsWith("inference_requests_total{")
                                && l.contains("model=\"none\"")
                                && l.contains("status=\"404\"")),
                "unknown names are not tags");
        assertFalse(metrics.contains("nobody-knows"), "request input never becomes a tag value");
        assertTrue(
                metrics.lines()
                        .anyMatch(l -> l.startsWith("model_inference_duration_seconds_count{")
                                && l.contains("model=\"risk\"")),
                metrics);
    }

    @Test
    void healthSaysReadyWithTheLoadedVersionsAndLivenessIsUp() throws Exception {
        JsonNode ready = TestServer.json(server.get("/observe/health/ready"));
        assertEquals("UP", ready.get("status").asText());
        assertEquals("loaded versions [1, 2]", ready.at("/checks/0/data/risk").asText());
        assertEquals(200, server.get("/observe/health/live").statusCode());
        assertEquals(200, server.get("/v2/health/live").statusCode());
    }

    private static double v1(String body, String field) throws IOException, InterruptedException {
        HttpResponse<String> response = server.post("/v1/models/risk:predict", body);
        assertEquals(200, response.statusCode(), response.body());
        return TestServer.json(response).get(field).get(0).get(0).asDouble();
    }

    private static double v2(String body) throws IOException, InterruptedException {
        HttpResponse<String> response = server.post("/v2/models/risk/infer", body);
        assertEquals(200, response.statusCode(), response.body());
        return TestServer.json(response).at("/outputs/0/data/0").asDouble();
    }
}
