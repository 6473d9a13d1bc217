package dev.appliance.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Sticky steering places a request by the entity id it carries: in the X-Entity-Id header or in its body. */
class StickySteeringTest {

    private static TestServer server;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer(Map.of(
                        "models.root", TestRepository.demo().toString(),
                        "models.names", "risk",
                        "models.signature.key", TestRepository.publicKey().toString(),
                        "models.labels.risk.stable", "1",
                        "models.labels.risk.canary", "2",
                        "models.steering.risk.canary-weight", "50",
                        "models.steering.risk.sticky", "true"))
                .awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theEntityIdInTheBodyPlacesARequestAsTheHeaderDoes() throws Exception {
        Set<String> sides = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            String entity = "u-" + i;
            String byHeader = version("/v1/models/risk:predict", "{\"instances\": [[950, 7, 3, 2, 25, 8.5]]}", entity);
            String tfRows =
                    "{\"instances\": [{\"user_id\": \"" + entity + "\", \"amount\": 950, \"merchant_category\": 7,"
                            + " \"hour\": 3, \"account_age_days\": 2, \"recent_amount_mean\": 25, \"recent_amount_zscore\": 8.5}]}";
            String tfColumns =
                    "{\"inputs\": {\"user_id\": [\"" + entity + "\"], \"amount\": [950], \"merchant_category\":"
                            + " [7], \"hour\": [3], \"account_age_days\": [2], \"recent_amount_mean\": [25],"
                            + " \"recent_amount_zscore\": [8.5]}}";
            StringBuilder oip = new StringBuilder("{\"inputs\": [{\"name\": \"user_id\", \"shape\": [1], \"datatype\":"
                    + " \"BYTES\", \"data\": [\"" + entity + "\"]}");
            String[] names = {
                "amount", "merchant_category", "hour", "account_age_days", "recent_amount_mean", "recent_amount_zscore"
            };
            double[] values = {950, 7, 3, 2, 25, 8.5};
            for (int f = 0; f < names.length; f++) {
                oip.append(", {\"name\": \"")
                        .append(names[f])
                        .append("\", \"shape\": [1], \"datatype\": \"FP32\"," + " \"data\": [")
                        .append(values[f])
                        .append("]}");
            }
            oip.append("]}");
            assertEquals(byHeader, version("/v1/models/risk:predict", tfRows, null), entity + " in TF instances");
            assertEquals(byHeader, version("/v1/models/risk:predict", tfColumns, null), entity + " in TF inputs");
            assertEquals(
                    byHeader, version("/v2/models/risk/infer", oip.toString(), null), entity + " as a BYTES input");
            sides.add(byHeader);
        }
        assertEquals(Set.of("1", "2"), sides, "30 entities at 50 % land on both sides");
    }

    private String version(String path, String body, String entityHeader) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + server.appliance().server().port() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (entityHeader != null) {
            request.header("X-Entity-Id", entityHeader);
        }
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.headers().firstValue("X-Model-Version").orElseThrow();
    }
}
