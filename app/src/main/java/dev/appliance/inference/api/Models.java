package dev.appliance.inference.api;

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

/** The API's view of the registry: resolves a {@link ModelPath} and records metric tags on the way. */
final class Models {

    private final ModelRegistry registry;
    private final Enricher enricher;
    private final ResultCache results;
    private final int maxRows;

    Models(ModelRegistry registry, Enricher enricher, ResultCache results, int maxRows) {
        this.registry = registry;
        this.enricher = enricher;
        this.results = results;
        this.maxRows = maxRows;
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
        List<Map<String, FeatureReport>> features = rows.namesAnEntity()
                ? enricher.enrich(version.manifest(), rows.values(), rows.provided(), rows.entityIds())
                : List.of();
        return new Answer(results.predict(version.manifest().model(), version.version(), rows.values(),
                version::predict), features);
    }

    int maxRows() {
        return maxRows;
    }

    boolean ready() {
        return registry.ready();
    }

    /** Holds the version a predict call asked for; the caller releases it. */
    ServedVersion acquire(ModelPath path, Endpoints.Tags tags) throws ModelNotFoundException, ModelUnavailableException {
        tagModel(path.model(), tags);
        ServedVersion version = registry.acquire(path.model(), path.selector());
        tags.version(version.version());
        return version;
    }

    /** The model's current state, for status and metadata. */
    ModelState state(ModelPath path, Endpoints.Tags tags) throws ModelNotFoundException, ModelUnavailableException {
        tagModel(path.model(), tags);
        return registry.state(path.model());
    }

    /** The version a metadata call asked for, without holding it. */
    ServedVersion peek(ModelPath path, Endpoints.Tags tags) throws ModelNotFoundException, ModelUnavailableException {
        ServedVersion version = acquire(path, tags);
        version.release();
        return version;
    }

    private void tagModel(String name, Endpoints.Tags tags) {
        if (registry.models().containsKey(name) || registry.required().contains(name)) {
            tags.model(name);
        }
    }
}
