package dev.appliance.inference.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.appliance.inference.admission.Deadline;
import dev.appliance.inference.admission.DeadlineExceededException;
import dev.appliance.inference.admission.OverloadedException;
import dev.appliance.inference.cache.ResultCache;
import dev.appliance.inference.features.Enricher;
import dev.appliance.inference.features.EnrichmentException;
import dev.appliance.inference.features.FeatureReport;
import dev.appliance.inference.features.FeatureStoreUnavailableException;
import dev.appliance.inference.model.Manifest;
import dev.appliance.inference.model.ModelNotFoundException;
import dev.appliance.inference.model.ModelRegistry;
import dev.appliance.inference.model.ModelState;
import dev.appliance.inference.model.ModelUnavailableException;
import dev.appliance.inference.model.ServedVersion;
import dev.appliance.inference.model.Steering;
import dev.appliance.inference.model.VersionSelector;
import dev.appliance.inference.observe.ServiceMetrics;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.function.BooleanSupplier;

/**
 * The API's view of the registry, shared by every transport: resolves a {@link ModelPath} (steering requests
 * that name no version), runs an inference through enrichment and the result cache, records metric tags on
 * the way, and keeps the statistics of each version. HTTP and gRPC only decode requests and encode answers.
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
        /** Request header pinning a version number. */
        static final String VERSION_HEADER = "X-Model-Version";
        /** Request header pinning a label. */
        static final String LABEL_HEADER = "X-Model-Label";
        /** Request header carrying the entity id sticky steering hashes. */
        static final String ENTITY_HEADER = "X-Entity-Id";

        static Pin of(ServerRequest request) {
            return new Pin(
                    header(request, VERSION_HEADER), header(request, LABEL_HEADER), header(request, ENTITY_HEADER));
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
    private final Duration defaultTimeout;
    private final ServiceMetrics metrics;
    private final BooleanSupplier stopping;
    private final Statistics statistics = new Statistics(Clock.systemUTC());

    Models(
            ModelRegistry registry,
            Enricher enricher,
            ResultCache results,
            int maxRows,
            Steering steering,
            Duration defaultTimeout,
            ServiceMetrics metrics,
            BooleanSupplier stopping) {
        this.registry = registry;
        this.enricher = enricher;
        this.results = results;
        this.maxRows = maxRows;
        this.steering = steering;
        this.defaultTimeout = defaultTimeout;
        this.metrics = metrics;
        this.stopping = stopping;
    }

    /** The deadline of a request that arrived now: the caller's timeout, else the configured default. */
    Deadline deadline(Duration requested) {
        return Deadline.after(requested != null ? requested : defaultTimeout);
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
                row.forEach((name, report) -> {
                    ObjectNode feature = node.putObject(name)
                            .put("status", report.status().name())
                            .put("default", report.usedDefault());
                    report.copyAge().ifPresent(age -> feature.put("age_seconds", age.toSeconds()));
                });
            }
        }
    }

    /** What a transport decodes a request body into: the rows to predict. */
    interface Decoded {
        RequestRows rows();
    }

    /** Decodes a request body against the manifest of the version chosen for it. */
    @FunctionalInterface
    interface Decoder<I extends Decoded> {
        I decode(Manifest manifest, int maxRows) throws ApiException;
    }

    /**
     * One answered inference.
     *
     * @param manifest the answering version's manifest
     * @param version  the answering version
     * @param input    the decoded request
     * @param answer   outputs, cache outcome and feature reports
     * @param <I>      the transport's decoded form
     */
    record Inference<I extends Decoded>(Manifest manifest, long version, I input, Answer answer) {

        float[][] outputs() {
            return answer.prediction().outputs();
        }

        /** The version that answered and the cache outcome, as HTTP headers (gRPC metadata in lower case). */
        Map<String, String> facts() {
            return Map.of(
                    Pin.VERSION_HEADER,
                    Long.toString(version),
                    "X-Cache",
                    answer.prediction().outcome().header());
        }
    }

    /**
     * Runs one inference: holds the version the path (or, for a path without one, the pin or steering)
     * chooses, decodes {@code body} against its manifest, enriches and predicts, and releases the version.
     * Sticky steering takes the entity id from the pin, else from the body's entity input. Work left when the
     * deadline passes is dropped: the features are not looked up, the model does not run.
     */
    <I extends Decoded> Inference<I> infer(
            ModelPath path, Pin pin, Deadline deadline, JsonNode body, Endpoints.Tags tags, Decoder<I> decoder)
            throws RequestFailure {
        tagModel(path.model(), tags);
        ServedVersion version = acquire(path.model(), select(path, pin, body));
        tags.version(version.version());
        try {
            I input = decoder.decode(version.manifest(), maxRows);
            return new Inference<>(
                    version.manifest(), version.version(), input, answer(version, input.rows(), deadline));
        } finally {
            version.release();
        }
    }

    private Answer answer(ServedVersion version, RequestRows rows, Deadline deadline) throws RequestFailure {
        long start = System.nanoTime();
        String model = version.manifest().model();
        try {
            deadline.check("before the request's features were looked up");
            List<Map<String, FeatureReport>> features = rows.namesAnEntity()
                    ? enricher.enrich(version.manifest(), rows.values(), rows.provided(), rows.entityIds(), deadline)
                    : List.of();
            Answer answer = new Answer(
                    results.predict(
                            model, version.version(), rows.values(), values -> predict(version, values, deadline)),
                    features);
            statistics.success(
                    model,
                    version.version(),
                    rows.values().length,
                    answer.prediction().outcome(),
                    System.nanoTime() - start);
            return answer;
        } catch (DeadlineExceededException e) {
            statistics.failure(model, version.version(), System.nanoTime() - start);
            metrics.refused(model, version.version(), "deadline");
            throw RequestFailure.of(e);
        } catch (EnrichmentException e) {
            statistics.failure(model, version.version(), System.nanoTime() - start);
            throw RequestFailure.of(e);
        } catch (FeatureStoreUnavailableException e) {
            statistics.failure(model, version.version(), System.nanoTime() - start);
            throw RequestFailure.of(e);
        } catch (RequestFailure | RuntimeException e) {
            statistics.failure(model, version.version(), System.nanoTime() - start);
            throw e;
        }
    }

    private float[][] predict(ServedVersion version, float[][] rows, Deadline deadline) throws RequestFailure {
        try {
            return version.predict(rows, deadline);
        } catch (ModelUnavailableException e) {
            throw RequestFailure.of(e);
        } catch (OverloadedException e) {
            metrics.refused(version.manifest().model(), version.version(), "overloaded");
            throw RequestFailure.of(e);
        } catch (DeadlineExceededException e) {
            metrics.refused(version.manifest().model(), version.version(), "deadline");
            throw RequestFailure.of(e);
        }
    }

    /** Holds the version the selector picks; the caller releases it. */
    private ServedVersion acquire(String model, VersionSelector selector) throws RequestFailure {
        try {
            return registry.acquire(model, selector);
        } catch (ModelNotFoundException e) {
            throw RequestFailure.of(e);
        } catch (ModelUnavailableException e) {
            throw RequestFailure.of(e);
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

    /** Whether the service takes traffic: every required model loaded, and not stopping. */
    boolean ready() {
        return registry.ready() && !stopping.getAsBoolean();
    }

    private VersionSelector select(ModelPath path, Pin pin, JsonNode body) throws ApiException {
        if (!(path.selector() instanceof VersionSelector.Latest)) {
            return path.selector();
        }
        if (pin.version() != null) {
            return new VersionSelector.Exact(ModelPath.versionNumber(pin.version(), "the pinned version"));
        }
        if (pin.label() != null) {
            return new VersionSelector.Label(pin.label());
        }
        return steering.route(path.model(), pin.entityId() != null ? pin.entityId() : entityInBody(path.model(), body));
    }

    /** The entity id the body names under the entity key of any loaded version of the model, or null. */
    private String entityInBody(String model, JsonNode body) {
        ModelState state = registry.models().get(model);
        if (state == null) {
            return null;
        }
        for (ServedVersion version : state.loaded().values()) {
            Manifest.Entity entity = version.manifest().entity();
            String id = entity == null ? null : EntityInBody.find(body, entity.key());
            if (id != null) {
                return id;
            }
        }
        return null;
    }

    /** The model's current state, for status and metadata. */
    ModelState state(ModelPath path, Endpoints.Tags tags) throws RequestFailure {
        tagModel(path.model(), tags);
        try {
            return registry.state(path.model());
        } catch (ModelNotFoundException e) {
            throw RequestFailure.of(e);
        } catch (ModelUnavailableException e) {
            throw RequestFailure.of(e);
        }
    }

    /** The version a metadata call asked for, without holding it. */
    ServedVersion peek(ModelPath path, Endpoints.Tags tags) throws RequestFailure {
        tagModel(path.model(), tags);
        ServedVersion version = acquire(path.model(), path.selector());
        tags.version(version.version());
        version.release();
        return version;
    }

    /**
     * One version's status.
     *
     * @param version the version number
     * @param refusal why it was refused, or null when it is serving
     */
    record VersionStatus(long version, String refusal) {}

    /**
     * The status of the versions a path names: every loaded and refused version for a path without one, else
     * the one version (a label resolves to the version it points at).
     *
     * @throws ApiException the model, label or version is unknown (404)
     */
    List<VersionStatus> statuses(ModelPath path, Endpoints.Tags tags) throws RequestFailure {
        ModelState state = state(path, tags);
        Long only = switch (path.selector()) {
            case VersionSelector.Exact exact -> exact.version();
            case VersionSelector.Label label -> {
                Long v = state.labels().get(label.label());
                if (v == null) {
                    throw ApiException.notFound(
                            "label '" + label.label() + "' is not defined for model '" + state.name() + "' (defined: "
                                    + String.join(", ", state.labels().keySet()) + ")");
                }
                yield v;
            }
            case VersionSelector.Latest latest -> null;
        };
        List<VersionStatus> statuses = new ArrayList<>();
        state.loaded().keySet().stream()
                .filter(v -> only == null || v.equals(only))
                .forEach(v -> statuses.add(new VersionStatus(v, null)));
        state.refused().entrySet().stream()
                .filter(e -> only == null || e.getKey().equals(only))
                .forEach(e -> statuses.add(new VersionStatus(e.getKey(), e.getValue())));
        if (only != null && statuses.isEmpty()) {
            throw ApiException.notFound("version " + only + " of model '" + state.name() + "' is not loaded (loaded: "
                    + state.loaded().keySet() + ")");
        }
        return statuses;
    }

    /**
     * What model metadata describes: the version a path names and the model's serving versions.
     *
     * @param version  the version the path names (not held)
     * @param versions every serving version of the model
     */
    record Description(ServedVersion version, NavigableSet<Long> versions) {}

    Description describe(ModelPath path, Endpoints.Tags tags) throws RequestFailure {
        ServedVersion version = peek(path, tags);
        return new Description(version, state(path, tags).loaded().navigableKeySet());
    }

    private void tagModel(String name, Endpoints.Tags tags) {
        if (registry.models().containsKey(name) || registry.required().contains(name)) {
            tags.model(name);
        }
    }
}
