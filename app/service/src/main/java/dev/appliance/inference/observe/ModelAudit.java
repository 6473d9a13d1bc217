package dev.appliance.inference.observe;

import dev.appliance.inference.model.ModelEvents;
import dev.appliance.inference.model.ModelRejectedException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes an {@link Audit} record for every model version loaded ({@code model_load} the first time a model
 * is served, {@code model_reload} for each later version or changed files) and refused
 * ({@code model_refused}), then hands every event on to the next listener (the metrics).
 */
public final class ModelAudit implements ModelEvents {

    private final ModelEvents next;
    private final Set<String> served = ConcurrentHashMap.newKeySet();

    /** Audits, then passes every event to {@code next}. */
    public ModelAudit(ModelEvents next) {
        this.next = next;
    }

    @Override
    public void loaded(String model, long version, Duration took) {
        Audit.model(
                served.add(model) ? "model_load" : "model_reload",
                model,
                version,
                "loaded and warmed up in " + took.toMillis() + " ms");
        next.loaded(model, version, took);
    }

    @Override
    public void loadFailed(String model, long version, ModelRejectedException.Reason reason) {
        Audit.model("model_refused", model, version, "refused (" + reason.tag() + ")");
        next.loadFailed(model, version, reason);
    }

    @Override
    public void inference(String model, long version, int calls, int rows, Duration took) {
        next.inference(model, version, calls, rows, took);
    }
}
