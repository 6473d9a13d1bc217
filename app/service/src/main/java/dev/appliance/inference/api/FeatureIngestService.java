package dev.appliance.inference.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.appliance.inference.features.FeatureCache;
import dev.appliance.inference.features.FeatureStore;
import dev.appliance.inference.features.FeatureStoreUnavailableException;
import dev.appliance.inference.features.FeatureWrite;
import dev.appliance.inference.observe.Audit;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import java.time.Clock;
import java.util.Optional;

/**
 * {@code POST /v1/features/{entity_key}/{entity_id}}: upserts feature values and/or appends history
 * events of one entity. Off unless a bearer token is configured; every call must carry it.
 */
final class FeatureIngestService implements HttpService {

    private static final String PREFIX = "/v1/features/";

    private final Optional<FeatureStore> store;
    private final FeatureCache cache;
    private final Optional<BearerToken> token;
    private final Endpoints endpoints;
    private final Clock clock;

    FeatureIngestService(
            Optional<FeatureStore> store,
            FeatureCache cache,
            Optional<String> token,
            Endpoints endpoints,
            Clock clock) {
        this.store = store;
        this.cache = cache;
        this.token = token.map(BearerToken::new);
        this.endpoints = endpoints;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.any(endpoints.handler("v1_features", this::write));
    }

    private Reply write(ServerRequest request, Endpoints.Tags tags) throws RequestFailure {
        if (store.isEmpty() || token.isEmpty()) {
            throw ApiException.notFound(
                    "feature ingestion is disabled; set features.enabled and features.ingest.token");
        }
        authorize(request);
        ApiException.requireMethod(request, Method.POST);
        String[] parts =
                request.path().absolute().path().substring(PREFIX.length()).split("/", -1);
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw ApiException.notFound("use POST /v1/features/{entity_key}/{entity_id}");
        }
        JsonNode body = Json.readObject(request);
        FeatureWrite write;
        try {
            write = FeatureWrite.parse(body, parts[0], parts[1], clock.instant());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        try {
            write.apply(store.get(), cache);
        } catch (FeatureStoreUnavailableException e) {
            if (e.permissionDenied()) {
                // A setup error, not an outage: 503 would invite retries that cannot succeed.
                throw new ApiException(
                        403,
                        "store_permission_denied",
                        e.getMessage() + "; the service's feature "
                                + "store login may not write: give it a role with MODIFY (vault.database.writer-role), "
                                + "retrying will not help");
            }
            throw RequestFailure.of(e);
        }
        Audit.featureWrite(
                write.entityKey(),
                write.entityId(),
                write.features().keySet(),
                write.events().size());
        return Reply.ok(Json.MAPPER
                .createObjectNode()
                .put("entity_key", write.entityKey())
                .put("entity_id", write.entityId())
                .put("features_written", write.features().size())
                .put("events_appended", write.events().size()));
    }

    private void authorize(ServerRequest request) throws ApiException {
        String header = request.headers().first(HeaderNames.AUTHORIZATION).orElse("");
        if (!token.orElseThrow().authorizes(header)) {
            Audit.featureWriteRefused(
                    request.path().absolute().path(), header.isEmpty() ? "no bearer token" : "wrong bearer token");
            throw new ApiException(401, "unauthorized", "a valid bearer token is required (Authorization: Bearer ...)");
        }
    }
}
