package dev.appliance.inference.api;

import dev.appliance.inference.cache.ResultCache;
import dev.appliance.inference.model.ModelRegistry;
import dev.appliance.inference.observe.ServiceMetrics;
import io.helidon.webserver.http.HttpRouting;

/** Registers the HTTP API: TF Serving REST under /v1, Open Inference Protocol under /v2, OpenAPI at /openapi. */
public final class Api {

    private Api() {
    }

    /**
     * Adds every API route to the routing.
     *
     * @param routing       routing to add to
     * @param registry      the served models
     * @param results       the prediction cache (possibly disabled)
     * @param metrics       request metrics
     * @param maxRows       largest number of rows one request may carry
     * @param serverVersion version reported by {@code GET /v2}
     */
    public static void register(HttpRouting.Builder routing, ModelRegistry registry, ResultCache results,
                                ServiceMetrics metrics, int maxRows, String serverVersion) {
        Models models = new Models(registry, results, maxRows);
        Endpoints endpoints = new Endpoints(metrics);
        routing.register("/v1/models", new TfServingService(models, endpoints))
                .register("/v2", new OipService(models, endpoints, serverVersion))
                .register("/openapi", new OpenApiService());
    }
}
