package dev.appliance.inference.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

/** Serves the OpenAPI document of the API at {@code /openapi} (YAML). */
final class OpenApiService implements HttpService {

    private static final String RESOURCE = "/META-INF/openapi.yaml";

    private final byte[] document;

    OpenApiService() {
        try (InputStream in = OpenApiService.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the JAR");
            }
            document = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void routing(HttpRules rules) {
        rules.any("/", (req, res) -> {
            if (!req.prologue().method().equals(Method.GET)) {
                Endpoints.methodNotAllowed(res, req.prologue().method(), Method.GET);
                return;
            }
            res.header(HeaderNames.CONTENT_TYPE, "application/yaml");
            res.send(document);
        });
    }
}
