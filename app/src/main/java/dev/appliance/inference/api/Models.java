package dev.appliance.inference.api;

import dev.appliance.inference.cache.ResultCache;
import dev.appliance.inference.model.ModelNotFoundException;
import dev.appliance.inference.model.ModelRegistry;
import dev.appliance.inference.model.ModelState;
import dev.appliance.inference.model.ModelUnavailableException;
import dev.appliance.inference.model.ServedVersion;

/** The API's view of the registry: resolves a {@link ModelPath} and records metric tags on the way. */
final class Models {

    private final ModelRegistry registry;
    private final ResultCache results;
    private final int maxRows;

    Models(ModelRegistry registry, ResultCache results, int maxRows) {
        this.registry = registry;
        this.results = results;
        this.maxRows = maxRows;
    }

    /** Predicts with a held version, through the result cache. */
    ResultCache.Prediction predict(ServedVersion version, float[][] rows) throws ModelUnavailableException {
        return results.predict(version.manifest().model(), version.version(), rows, version::predict);
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
