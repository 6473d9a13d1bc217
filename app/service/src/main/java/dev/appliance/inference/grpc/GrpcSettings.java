package dev.appliance.inference.grpc;

import dev.appliance.inference.config.Settings;
import io.helidon.config.Config;

/**
 * Settings of the gRPC port, read from the {@code grpc} config subtree.
 *
 * @param enabled        whether the gRPC server runs
 * @param host           address to listen on
 * @param port           port to listen on; 0 picks a free one (tests)
 * @param maxMessageSize largest request message in bytes; a larger one is refused with RESOURCE_EXHAUSTED
 * @param maxConcurrentCalls calls worked on at once; one more is refused at once with RESOURCE_EXHAUSTED
 * @param maxConcurrentCallsPerConnection
 *                       calls one connection may have open at once (HTTP/2 MAX_CONCURRENT_STREAMS)
 */
public record GrpcSettings(
        boolean enabled,
        String host,
        int port,
        int maxMessageSize,
        int maxConcurrentCalls,
        int maxConcurrentCallsPerConnection) {

    /** Builds and validates the settings; the exception message names the bad key. */
    public static GrpcSettings from(Config grpc) {
        Config enabled = grpc.get("enabled");
        String flag = enabled.asString().orElse("true").trim();
        if (!flag.equals("true") && !flag.equals("false")) {
            throw Settings.invalid(enabled, "must be true or false", flag);
        }
        return new GrpcSettings(
                Boolean.parseBoolean(flag),
                Settings.optionalString(grpc.get("host")).orElse("0.0.0.0"),
                Settings.intInRange(grpc.get("port"), 8081, 0, 65535),
                Settings.intInRange(grpc.get("max-message-size"), 10_485_760, 1024, 268_435_456),
                Settings.intInRange(grpc.get("max-concurrent-calls"), 512, 1, 100_000),
                Settings.intInRange(grpc.get("max-concurrent-calls-per-connection"), 100, 1, 100_000));
    }
}
