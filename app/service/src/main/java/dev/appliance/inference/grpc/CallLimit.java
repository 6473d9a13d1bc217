package dev.appliance.inference.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bounds the calls the gRPC server works on at once: a call over the limit is closed at once with
 * RESOURCE_EXHAUSTED instead of waiting. A call holds its permit until it is closed or cancelled.
 */
final class CallLimit implements ServerInterceptor {

    private final Semaphore permits;
    private final int limit;

    CallLimit(int limit) {
        this.permits = new Semaphore(limit);
        this.limit = limit;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        if (!permits.tryAcquire()) {
            call.close(
                    Status.RESOURCE_EXHAUSTED.withDescription("the gRPC server is working on " + limit
                            + " calls (grpc.max-concurrent-calls); retry later"),
                    new Metadata());
            return new ServerCall.Listener<>() {};
        }
        AtomicBoolean held = new AtomicBoolean(true);
        Runnable release = () -> {
            if (held.compareAndSet(true, false)) {
                permits.release();
            }
        };
        ServerCall.Listener<Q> listener;
        try {
            listener = next.startCall(
                    new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                        @Override
                        public void close(Status status, Metadata trailers) {
                            release.run();
                            super.close(status, trailers);
                        }
                    },
                    headers);
        } catch (RuntimeException e) {
            release.run();
            throw e;
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onCancel() {
                release.run();
                super.onCancel();
            }
        };
    }
}
