package dev.appliance.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.appliance.inference.lifecycle.ManualScheduler;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/** The service started through {@link Main}'s own wiring on an ephemeral port, and a small HTTP client for it. */
final class TestServer implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    private final Main.Appliance appliance;
    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Starts with the built-in defaults overridden by {@code settings} (flat keys such as models.root). */
    TestServer(Map<String, String> settings) {
        this(settings, Main::start);
    }

    /**
     * Like {@link #TestServer(Map)}, with every timer of the service on {@code time}: nothing timed runs
     * (not even the first model load) until the test advances it.
     */
    TestServer(Map<String, String> settings, ManualScheduler time) {
        this(settings, config -> Main.start(config, time, time));
    }

    private TestServer(Map<String, String> settings, Function<Config, Main.Appliance> start) {
        Map<String, String> all = new HashMap<>(settings);
        all.putIfAbsent("server.port", "0");
        all.putIfAbsent("server.host", "127.0.0.1");
        all.putIfAbsent("grpc.port", "0");
        all.putIfAbsent("grpc.host", "127.0.0.1");
        Config config = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.create(all))
                .addSource(ConfigSources.classpath("application.yaml"))
                .build();
        this.appliance = start.apply(config);
    }

    Main.Appliance appliance() {
        return appliance;
    }

    /** Waits until readiness says ready, or fails after the timeout. */
    TestServer awaitReady(Duration timeout) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (get("/v2/health/ready").statusCode() != 200) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("service not ready within " + timeout);
            }
            Thread.sleep(100);
        }
        return this;
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return client.send(
                HttpRequest.newBuilder(uri(path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
        return client.send(
                HttpRequest.newBuilder(uri(path))
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Sum of a Prometheus series over the lines whose labels contain the fragment ("" for all). */
    double metric(String name, String labelFragment) {
        try {
            return get("/observe/metrics")
                    .body()
                    .lines()
                    .filter(l -> l.startsWith(name + "{") && l.contains(labelFragment))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                    .sum();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + appliance.server().port() + path);
    }

    @Override
    public void close() {
        appliance.close();
    }
}
