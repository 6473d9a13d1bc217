package dev.appliance.inference.api;

import java.time.Clock;
import java.util.Optional;

import dev.appliance.inference.cache.ResultCache;
import dev.appliance.inference.features.Enricher;
import dev.appliance.inference.features.FeatureCache;
import dev.appliance.inference.features.FeatureStore;
import dev.appliance.inference.model.ModelRegistry;
import dev.appliance.inference.observe.ServiceMetrics;
import io.helidon.webserver.http.HttpRouting;

/**
 * The HTTP API and what it serves from: TF Serving REST under /v1/models, the feature write API under
 * /v1/features, Open Inference Protocol under /v2, OpenAPI at /openapi, and the tester and status page at /
 * (files under /ui/). {@code Main} builds it from the running components and {@link #register registers} it.
 *
 * @param registry      the served models
 * @param store         the feature store, when configured
 * @param featureCache  cached feature data, invalidated by writes
 * @param ingestToken   bearer token of the feature write API; empty disables it
 * @param enricher      looks up the features a manifest leaves to the service
 * @param results       the prediction cache (possibly disabled)
 * @param metrics       request metrics
 * @param maxRows       largest number of rows one request may carry
 * @param serverVersion version reported by {@code GET /v2}
 * @param clock         the time written features are stamped with when the caller gives none
 */
public record Api(ModelRegistry registry, Optional<FeatureStore> store, FeatureCache featureCache,
                  Optional<String> ingestToken, Enricher enricher, ResultCache results, ServiceMetrics metrics,
                  int maxRows, String serverVersion, Clock clock) {

    /** Adds every API route to the routing. */
    public void register(HttpRouting.Builder routing) {
        Models models = new Models(registry, enricher, results, maxRows);
        Endpoints endpoints = new Endpoints(metrics);
        routing.register("/v1/models", new TfServingService(models, endpoints))
                .register("/v1/features", new FeatureIngestService(store, featureCache, ingestToken, endpoints,
                        clock))
                .register("/v2", new OipService(models, endpoints, serverVersion))
                .register("/openapi", new OpenApiService())
                .register("/", new PageService(registry, endpoints));
    }
}
