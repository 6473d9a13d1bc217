package dev.appliance.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appliance.inference.proto.oip.GRPCInferenceServiceGrpc;
import dev.appliance.inference.proto.oip.InferTensorContents;
import dev.appliance.inference.proto.oip.ModelInferRequest;
import dev.appliance.inference.proto.oip.ModelInferResponse;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The gRPC port refuses oversized messages and calls over its concurrent-call limit. */
class GrpcBoundsTest {

    private static TestServer server;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        server = new TestServer(Map.of(
                        "models.root", TestRepository.demo().toString(),
                        "models.signature.key", TestRepository.publicKey().toString(),
                        "grpc.port", Integer.toString(port),
                        "grpc.max-message-size", "1024",
                        "grpc.max-concurrent-calls", "2"))
                .awaitReady(Duration.ofSeconds(60));
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", port)
                .usePlaintext()
                .build();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.close();
    }

    private static ModelInferRequest infer(int rows) {
        InferTensorContents.Builder values = InferTensorContents.newBuilder();
        for (int i = 0; i < rows; i++) {
            values.addFp32Contents(12.5f)
                    .addFp32Contents(3)
                    .addFp32Contents(14)
                    .addFp32Contents(800)
                    .addFp32Contents(20)
                    .addFp32Contents(-0.3f);
        }
        return ModelInferRequest.newBuilder()
                .setModelName("risk")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("features")
                        .setDatatype("FP32")
                        .addShape(rows)
                        .addShape(6)
                        .setContents(values))
                .build();
    }

    @Test
    void aMessageOverTheMaximumSizeIsResourceExhausted() {
        var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        assertEquals(1, stub.modelInfer(infer(1)).getOutputsCount());
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> stub.modelInfer(infer(100)));
        assertEquals(
                Status.Code.RESOURCE_EXHAUSTED,
                refused.getStatus().getCode(),
                refused.getStatus().toString());
    }

    /** Starts a call that holds a permit until cancelled; counts it in {@code lost} if it is refused. */
    private static ClientCall<ModelInferRequest, ModelInferResponse> hold(AtomicInteger lost) {
        ClientCall<ModelInferRequest, ModelInferResponse> call =
                channel.newCall(GRPCInferenceServiceGrpc.getModelInferMethod(), CallOptions.DEFAULT);
        call.start(
                new ClientCall.Listener<>() {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                            lost.incrementAndGet();
                        }
                    }
                },
                new Metadata());
        call.request(1);
        call.sendMessage(infer(1));
        return call;
    }

    @Test
    void aCallOverTheConcurrentCallLimitIsRefusedAtOnceAndServedAgainWhenCallsEnd() throws Exception {
        // Two calls that send their message but never half-close hold both permits: a unary call runs only
        // once the client half-closes. A held call that lost the race for a permit to a probe is replaced.
        var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        assertEquals(
                1,
                stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                        .modelInfer(infer(1))
                        .getOutputsCount());
        List<ClientCall<ModelInferRequest, ModelInferResponse>> held = new ArrayList<>();
        AtomicInteger lost = new AtomicInteger(2);
        Status refused = Status.OK;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (refused.getCode() != Status.Code.RESOURCE_EXHAUSTED && System.nanoTime() < until) {
            while (lost.get() > 0) {
                lost.decrementAndGet();
                held.add(hold(lost));
            }
            long start = System.nanoTime();
            try {
                stub.withDeadlineAfter(10, TimeUnit.SECONDS).modelInfer(infer(1));
            } catch (StatusRuntimeException e) {
                refused = e.getStatus();
                assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "refused at once, not queued");
            }
        }
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getCode(), refused.toString());
        assertTrue(refused.getDescription().contains("grpc.max-concurrent-calls"), refused.toString());

        held.forEach(call -> call.cancel("test over", null));
        ModelInferResponse served = null;
        until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (served == null && System.nanoTime() < until) {
            try {
                served = stub.withDeadlineAfter(10, TimeUnit.SECONDS).modelInfer(infer(1));
            } catch (StatusRuntimeException e) {
                assertEquals(
                        Status.Code.RESOURCE_EXHAUSTED,
                        e.getStatus().getCode(),
                        e.getStatus().toString());
                Thread.sleep(50);
            }
        }
        assertTrue(served != null && served.getOutputsCount() == 1, "cancelled calls give their permits back");
    }
}
