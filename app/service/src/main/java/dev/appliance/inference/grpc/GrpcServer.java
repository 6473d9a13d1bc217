package dev.appliance.inference.grpc;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC server on its own port, serving the API's gRPC services. Calls run on virtual threads (as
 * Helidon runs HTTP requests); {@link CallLimit} bounds how many are worked on at once and refuses the rest
 * at once, so the executor holds no unbounded backlog.
 */
public final class GrpcServer implements AutoCloseable {

    private final Server server;
    private final ExecutorService executor;

    private GrpcServer(Server server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Binds and starts the server.
     *
     * @throws IllegalStateException when the port cannot be bound
     */
    public static GrpcServer start(GrpcSettings settings, List<ServerServiceDefinition> services) {
        NettyServerBuilder builder = NettyServerBuilder.forAddress(
                        new InetSocketAddress(settings.host(), settings.port()))
                .maxInboundMessageSize(settings.maxMessageSize())
                .maxConcurrentCallsPerConnection(settings.maxConcurrentCallsPerConnection());
        ExecutorService executor = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("grpc-call-", 0).factory());
        builder.executor(executor);
        CallLimit limit = new CallLimit(settings.maxConcurrentCalls());
        services.forEach(service -> builder.addService(ServerInterceptors.intercept(service, limit)));
        try {
            return new GrpcServer(builder.build().start(), executor);
        } catch (IOException e) {
            executor.shutdownNow();
            throw new IllegalStateException("grpc.port " + settings.port() + " cannot be bound: " + e.getMessage(), e);
        }
    }

    /** The bound port. */
    public int port() {
        return server.getPort();
    }

    /** Stops taking calls and gives calls in flight a few seconds to finish. */
    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        } finally {
            executor.shutdownNow();
        }
    }
}
