package dev.appliance.inference.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appliance.inference.observe.ServiceMetrics;
import io.grpc.stub.StreamObserver;
import io.helidon.logging.common.HelidonMdc;
import io.helidon.metrics.api.Metrics;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A gRPC call's model and version are in the logging context while it runs, and gone after it. */
class GrpcLogContextTest {

    private final GrpcCalls grpc = new GrpcCalls(new Endpoints(new ServiceMetrics(Metrics.globalRegistry())));
    private final List<String> seen = new ArrayList<>();

    @AfterEach
    void clearContext() {
        HelidonMdc.remove("model");
        HelidonMdc.remove("version");
    }

    @Test
    void anAnsweredCallLeavesNoLogContextOnItsThread() {
        grpc.unary("grpc_test", new Collector(), (tags, reply) -> {
            tags.model("risk");
            tags.version(2);
            seen.add(HelidonMdc.get("model").orElse("") + "/"
                    + HelidonMdc.get("version").orElse(""));
            return "answer";
        });
        assertEquals(List.of("risk/2"), seen, "the call logs under its model and version");
        assertContextEmpty();
    }

    @Test
    void aFailedCallLeavesNoLogContextOnItsThread() {
        grpc.unary("grpc_test", new Collector(), (tags, reply) -> {
            tags.model("risk");
            tags.version(2);
            throw new IllegalStateException("failed after naming its model");
        });
        assertContextEmpty();
    }

    private static void assertContextEmpty() {
        assertTrue(HelidonMdc.get("model").isEmpty(), "model left in the logging context");
        assertTrue(HelidonMdc.get("version").isEmpty(), "version left in the logging context");
    }

    /** Takes the call's answer or error; the test looks only at the thread's logging context. */
    private static final class Collector implements StreamObserver<String> {
        @Override
        public void onNext(String value) {}

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
    }
}
