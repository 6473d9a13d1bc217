package dev.appliance.inference.model;

import java.time.Duration;

/** What the model layer reports to observability; implemented by the metrics of the service. */
public interface ModelEvents {

    /** A version passed its checks, loaded and warmed up. */
    void loaded(String model, long version, Duration took);

    /** A version was refused and will not be served. */
    void loadFailed(String model, long version, ModelRejectedException.Reason reason);

    /** One call into the engine: a batch of {@code calls} requests' rows, {@code rows} in all. */
    void inference(String model, long version, int calls, int rows, Duration took);

    /** Reports nothing; for tools and tests that do not observe. */
    ModelEvents NONE = new ModelEvents() {
        @Override
        public void loaded(String model, long version, Duration took) {}

        @Override
        public void loadFailed(String model, long version, ModelRejectedException.Reason reason) {}

        @Override
        public void inference(String model, long version, int calls, int rows, Duration took) {}
    };
}
