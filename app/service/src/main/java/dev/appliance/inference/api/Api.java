package dev.appliance.inference.api;

import dev.appliance.inference.cache.ResultCache;
import dev.appliance.inference.features.Enricher;
import dev.appliance.inference.features.FeatureCache;
import dev.appliance.inference.features.FeatureStore;
import dev.appliance.inference.model.ModelRegistry;
import dev.appliance.inference.model.Steering;
import dev.appliance.inference.observe.ServiceMetrics;
import io.grpc.ServerServiceDefinition;
import io.helidon.http.Method;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The service's API: over HTTP TF Serving REST under /v1/models, the feature write API under /v1/features,
 * Open Inference Protocol under /v2, OpenAPI at /openapi, and the tester and status page at / (files under
 * /ui/); over gRPC the Open Inference Protocol's GRPCInferenceService and TF Serving's PredictionService and
 * ModelService. Both share one view of the models, so caching, enrichment, steering, statistics and errors
 * are the same.
 */
public final class Api {

    private final Models models;
    private final ModelControl control;
    private final Endpoints endpoints;
    private final Optional<FeatureStore> store;
    private final FeatureCache featureCache;
    private final Optional<String> ingestToken;
    private final String serverVersion;
    private final Clock clock;

    /**
     * Builds the API over the served components.
     *
     * @param registry      the served models
     * @param store         the feature store, when configured
     * @param featureCache  cached feature data, invalidated by writes
     * @param ingestToken   bearer token of the feature write API; empty disables it
     * @param enricher      looks up the features a manifest leaves to the service
     * @param results       the prediction cache (possibly disabled)
     * @param metrics       request metrics
     * @param maxRows       largest number of rows one request may carry
     * @param serverVersion version reported by server metadata
     * @param steering      canary/A-B splits of requests that name no version
     * @param modelControl  whether load and unload are offered, and their admin token
     * @param clock         the time written features are stamped with when the caller gives none
     * @param defaultTimeout how long a request that names no timeout may take before it is dropped (504)
     * @param stopping      whether the service is draining: readiness answers 503 meanwhile
     */
    public Api(
            ModelRegistry registry,
            Optional<FeatureStore> store,
            FeatureCache featureCache,
            Optional<String> ingestToken,
            Enricher enricher,
            ResultCache results,
            ServiceMetrics metrics,
            int maxRows,
            String serverVersion,
            Steering steering,
            ModelControlSettings modelControl,
            Clock clock,
            Duration defaultTimeout,
            BooleanSupplier stopping) {
        this.models = new Models(registry, enricher, results, maxRows, steering, defaultTimeout, metrics, stopping);
        this.control = new ModelControl(registry, modelControl);
        this.endpoints = new Endpoints(metrics);
        this.store = store;
        this.featureCache = featureCache;
        this.ingestToken = ingestToken;
        this.serverVersion = serverVersion;
        this.clock = clock;
    }

    /** Adds every HTTP route to the routing. */
    public void register(HttpRouting.Builder routing) {
        routing.register("/v1/models", new TfServingService(models, endpoints))
                .register("/v1/features", new FeatureIngestService(store, featureCache, ingestToken, endpoints, clock))
                .register("/v2", new OipService(models, control, endpoints, serverVersion))
                .register("/openapi", new OpenApiService(models, control.enabled()))
                .register("/", new PageService(models.registry(), endpoints))
                // Helidon's observers and the page answer GET only; other methods get a 405 naming it, not a 404.
                .any("/observe/health", Api::getOnly)
                .any("/observe/metrics", Api::getOnly)
                .any("/", Api::getOnly)
                .any("/ui/{file}", Api::getOnly);
    }

    private static void getOnly(ServerRequest request, ServerResponse response) {
        Method method = request.prologue().method();
        if (method.equals(Method.GET) || method.equals(Method.HEAD)) {
            response.next();
        } else {
            Endpoints.methodNotAllowed(response, method, Method.GET);
        }
    }

    /** The gRPC services, for a gRPC server on its own port. */
    public List<ServerServiceDefinition> grpcServices() {
        GrpcCalls calls = new GrpcCalls(endpoints);
        return List.of(
                calls.intercept(new OipGrpcService(models, control, calls, serverVersion)),
                calls.intercept(new TfServingGrpcService(models, calls)),
                calls.intercept(new TfModelGrpcService(models, calls)));
    }
}
