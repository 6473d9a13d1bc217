package dev.appliance.inference;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real memcached (Debian's package, installed by {@code make bootstrap}) on a free loopback port,
 * optionally with SASL users in a private sasldb. Can be stopped and started again on the same port.
 */
final class MemcachedServer implements AutoCloseable {

    private static final Path BINARY = Path.of("/usr/bin/memcached");
    private static final Path SASLPASSWD = Path.of("/usr/sbin/saslpasswd2");

    private final int port;
    private final Path dir;
    private final boolean sasl;
    private Process process;

    private MemcachedServer(boolean sasl) throws IOException {
        if (!Files.isExecutable(BINARY) || (sasl && !Files.isExecutable(SASLPASSWD))) {
            throw new IllegalStateException("memcached and sasl2-bin are needed; run 'make bootstrap'");
        }
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            this.port = probe.getLocalPort();
        }
        this.sasl = sasl;
        this.dir = Files.createTempDirectory("memcached");
        if (sasl) {
            // Cyrus SASL reads <app>.conf from SASL_CONF_PATH; the sasldb lives beside it, not in /etc.
            Files.writeString(
                    dir.resolve("memcached.conf"), "mech_list: plain\nsasldb_path: " + dir.resolve("sasldb2") + "\n");
        }
    }

    /** A memcached without authentication. */
    static MemcachedServer plain() throws IOException, InterruptedException {
        MemcachedServer server = new MemcachedServer(false);
        server.start();
        return server;
    }

    /** A memcached that requires SASL, with these users (name to password). */
    static MemcachedServer withUsers(Map<String, String> users) throws IOException, InterruptedException {
        MemcachedServer server = new MemcachedServer(true);
        for (Map.Entry<String, String> user : users.entrySet()) {
            server.addUser(user.getKey(), user.getValue());
        }
        server.start();
        return server;
    }

    /** host:port for the service's cache.servers setting. */
    String address() {
        return "127.0.0.1:" + port;
    }

    /** Adds or changes a SASL user; the password goes through standard input, never the command line. */
    void addUser(String user, String password) throws IOException, InterruptedException {
        TestSecrets.register(password);
        Process p = new ProcessBuilder(
                        SASLPASSWD.toString(),
                        "-a",
                        "memcached",
                        "-c",
                        "-p",
                        "-f",
                        dir.resolve("sasldb2").toString(),
                        user)
                .redirectErrorStream(true)
                .start();
        p.getOutputStream().write(password.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        if (p.waitFor() != 0) {
            throw new IOException(
                    "saslpasswd2 failed: " + new String(p.getInputStream().readAllBytes()));
        }
    }

    /** Starts memcached and waits until it accepts connections. */
    void start() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                BINARY.toString(),
                "-l",
                "127.0.0.1",
                "-p",
                Integer.toString(port),
                "-U",
                "0",
                "-m",
                "64",
                "-t",
                "2",
                "-u",
                System.getProperty("user.name")));
        if (sasl) {
            command.add("-S");
        }
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("memcached.log").toFile());
        builder.environment().put("SASL_CONF_PATH", dir.toString());
        process = builder.start();
        Instant deadline = Instant.now().plusSeconds(10);
        while (!accepts()) {
            if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                throw new IOException("memcached did not start: " + Files.readString(dir.resolve("memcached.log")));
            }
            Thread.sleep(20);
        }
    }

    /** Kills memcached as a crash would. */
    void stop() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
        TestSecrets.keepLogs(dir, "memcached");
    }
}
