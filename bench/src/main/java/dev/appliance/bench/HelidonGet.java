package dev.appliance.bench;

import io.helidon.http.HeaderValues;
import io.helidon.webserver.WebServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.DefaultHashAlgorithm;
import net.spy.memcached.FailureMode;
import net.spy.memcached.MemcachedClient;

/**
 * The hit-path limit: a bare Helidon SE server whose one POST route reads the body, does one
 * spymemcached get of a key derived from it (the client built as the service builds its own: binary
 * protocol, consistent hashing) and answers the cached bytes. A key not cached yet is set to a reply of
 * the service's size, so a warm-up pass fills the cache. Options: {@code --port P --memcached HOST:PORT}.
 * Prints {@code ready} once listening and serves until stopped.
 */
final class HelidonGet {

    /** About the size of the service's OIP v2 reply for one row. */
    private static final byte[] REPLY = ("{\"model_name\":\"risk\",\"model_version\":\"1\",\"outputs\":[{\"name\":"
                    + "\"probability\",\"datatype\":\"FP32\",\"shape\":[1,1],\"data\":[0.0123456]}]}")
            .getBytes(StandardCharsets.UTF_8);

    private HelidonGet() {}

    static void run(Args args) throws Exception {
        String[] hostPort = args.string("memcached").split(":");
        MemcachedClient client = new MemcachedClient(
                new ConnectionFactoryBuilder()
                        .setProtocol(ConnectionFactoryBuilder.Protocol.BINARY)
                        .setLocatorType(ConnectionFactoryBuilder.Locator.CONSISTENT)
                        .setHashAlg(DefaultHashAlgorithm.KETAMA_HASH)
                        .setFailureMode(FailureMode.Cancel)
                        .setOpTimeout(500)
                        .setDaemon(true)
                        .build(),
                List.of(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]))));
        WebServer.builder()
                .host("127.0.0.1")
                .port(args.integer("port", 0))
                .routing(routing -> routing.post("/get", (req, res) -> {
                    byte[] body = req.content().as(byte[].class);
                    String key = "bench-get-" + Integer.toHexString(Arrays.hashCode(body));
                    Object cached = client.get(key);
                    if (cached == null) {
                        client.set(key, 3600, REPLY);
                        cached = REPLY;
                    }
                    res.header(HeaderValues.CONTENT_TYPE_JSON).send((byte[]) cached);
                }))
                .build()
                .start();
        System.out.println("ready");
    }
}
