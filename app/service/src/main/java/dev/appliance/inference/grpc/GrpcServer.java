package dev.appliance.inference.grpc;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;

/** The gRPC server on its own port, serving the API's gRPC services. */
public final class GrpcServer implements AutoCloseable {

    private final Server server;

    private GrpcServer(Server server) {
        this.server = server;
    }

    /**
     * Binds and starts the server.
     *
     * @throws IllegalStateException when the port cannot be bound
     */
    public static GrpcServer start(GrpcSettings settings, List<ServerServiceDefinition> services) {
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(settings.host(), settings.port()))
                .maxInboundMessageSize(settings.maxMessageSize());
        services.forEach(builder::addService);
        try {
            return new GrpcServer(builder.build().start());
        } catch (IOException e) {
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
        }
    }
}
