package dev.appliance.inference.api;

import java.time.Clock;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.appliance.inference.cache.ResultCache;
import dev.appliance.inference.features.Enricher;
import dev.appliance.inference.features.EnrichmentException;
import dev.appliance.inference.features.FeatureReport;
import dev.appliance.inference.features.FeatureStoreUnavailableException;
import dev.appliance.inference.model.ModelNotFoundException;
import dev.appliance.inference.model.ModelRegistry;
import dev.appliance.inference.model.ModelState;
import dev.appliance.inference.model.ModelUnavailableException;
import dev.appliance.inference.model.ServedVersion;
import dev.appliance.inference.model.Steering;
import dev.appliance.inference.model.VersionSelector;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

/**
 * The API's view of the registry: resolves a {@link ModelPath} (steering requests that name no version),
 * records metric tags on the way, and keeps the statistics of each version.
 */
final class Models {

    /**
     * What a caller asked for beside the URL, from headers (HTTP) or metadata (gRPC): a version or label
     * to pin instead of steering, and the entity id that sticky steering hashes. Each may be null.
     *
     * @param version  pinned version number
     * @param label    pinned label
     * @param entityId entity id for sticky steering
     */
    record Pin(String version, String label, String entityId) {
        static final Pin NONE = new Pin(null, null, null);
        /** Request header pinning a version number. */
        static final String VERSION_HEADER = "X-Model-Version";
        /** Request header pinning a label. */
        static final String LABEL_HEADER = "X-Model-Label";
        /** Request header carrying the entity id sticky steering hashes. */
        static final String ENTITY_HEADER = "X-Entity-Id";

        static Pin of(ServerRequest request) {
            return new Pin(header(request, VERSION_HEADER), header(request, LABEL_HEADER),
                    header(request, ENTITY_HEADER));
        }

        private static String header(ServerRequest request, String name) {
            return request.headers().first(HeaderNames.create(name)).orElse(null);
        }
    }

    private final ModelRegistry registry;
    private final Enricher enricher;
    private final ResultCache results;
    private final int maxRows;
    private final Steering steering;
    private final Statistics statistics = new Statistics(Clock.systemUTC());

    Models(ModelRegistry registry, Enricher enricher, ResultCache results, int maxRows, Steering steering) {
        this.registry = registry;
        this.enricher = enricher;
        this.results = results;
        this.maxRows = maxRows;
        this.steering = steering;
    }

    /**
     * A prediction and, for rows that named an entity, how each looked-up feature was filled.
     *
     * @param prediction outputs and cache outcome
     * @param features   per row, feature name to report (empty when nothing was looked up)
     */
    record Answer(ResultCache.Prediction prediction, List<Map<String, FeatureReport>> features) {

        /** Adds the feature reports to a reply body, when there are any. */
        void reportFeatures(ObjectNode body) {
            if (features.isEmpty()) {
                return;
            }
            ArrayNode rows = body.putArray("feature_status");
            for (Map<String, FeatureReport> row : features) {
                ObjectNode node = rows.addObject();
                row.forEach((name, report) -> node.putObject(name).put("status", report.status().name())
                        .put("default", report.usedDefault()));
            }
        }
    }

    /** Looks up the features the rows leave to the service, then predicts through the result cache. */
    Answer answer(ServedVersion version, RequestRows rows)
            throws ModelUnavailableException, EnrichmentException, FeatureStoreUnavailableException {
        long start = System.nanoTime();
        String model = version.manifest().model();
        try {
            List<Map<String, FeatureReport>> features = rows.namesAnEntity()
                    ? enricher.enrich(version.manifest(), rows.values(), rows.provided(), rows.entityIds())
                    : List.of();
            Answer answer = new Answer(results.predict(model, version.version(), rows.values(), version::predict),
                    features);
            statistics.success(model, version.version(), rows.values().length, answer.prediction().outcome(),
                    System.nanoTime() - start);
            return answer;
        } catch (ModelUnavailableException | EnrichmentException | FeatureStoreUnavailableException
                 | RuntimeException e) {
            statistics.failure(model, version.version(), System.nanoTime() - start);
            throw e;
        }
    }

    Statistics statistics() {
        return statistics;
    }

    ModelRegistry registry() {
        return registry;
    }

    int maxRows() {
        return maxRows;
    }

    boolean ready() {
        return registry.ready();
    }

    /**
     * Holds the version a predict call asked for; the caller releases it. A path without a version takes
     * the pinned version or label if any, else the model's steering decides.
     */
    ServedVersion acquire(ModelPath path, Pin pin, Endpoints.Tags tags)
            throws ModelNotFoundException, ModelUnavailableException, ApiException {
        tagModel(path.model(), tags);
        ServedVersion version = registry.acquire(path.model(), select(path, pin));
        tags.version(version.version());
        return version;
    }

    private VersionSelector select(ModelPath path, Pin pin) throws ApiException {
        if (!(path.selector() instanceof VersionSelector.Latest)) {
            return path.selector();
        }
        if (pin.version() != null) {
            if (!pin.version().matches("\\d{1,18}")) {
                throw ApiException.badRequest("the pinned version must be a non-negative integer, got '"
                        + pin.version() + "'");
            }
            return new VersionSelector.Exact(Long.parseLong(pin.version()));
        }
        if (pin.label() != null) {
            return new VersionSelector.Label(pin.label());
        }
        return steering.route(path.model(), pin.entityId());
    }

    /** The model's current state, for status and metadata. */
    ModelState state(ModelPath path, Endpoints.Tags tags) throws ModelNotFoundException, ModelUnavailableException {
        tagModel(path.model(), tags);
        return registry.state(path.model());
    }

    /** The version a metadata call asked for, without holding it. */
    ServedVersion peek(ModelPath path, Endpoints.Tags tags) throws ModelNotFoundException, ModelUnavailableException {
        tagModel(path.model(), tags);
        ServedVersion version = registry.acquire(path.model(), path.selector());
        tags.version(version.version());
        version.release();
        return version;
    }

    private void tagModel(String name, Endpoints.Tags tags) {
        if (registry.models().containsKey(name) || registry.required().contains(name)) {
            tags.model(name);
        }
    }
}
