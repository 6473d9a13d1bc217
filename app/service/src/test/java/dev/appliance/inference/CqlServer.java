package dev.appliance.inference;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The CQL stand-in for ScyllaDB (Apache Cassandra 5.0 on JDK 17, see {@code scripts/cql-standin.sh}) on a
 * free loopback port, with password authentication and its data in a temporary folder.
 *
 * <p>One per test JVM: {@link #shared()} starts it on first use and every test class reuses it, because
 * a start takes seconds and half a gigabyte. A shutdown hook stops it and removes its folder; if the JVM
 * is killed instead, the script's owner watch stops it. Tests may {@link #stop()} it and {@link #start()}
 * it again on the same port and data, as a restarted feature store would be.
 *
 * <p>Tests must keep to CQL that ScyllaDB also accepts: the stand-in is Cassandra, production is not.
 */
final class CqlServer {

    /** The data center of the stand-in's SimpleSnitch, and of a single-DC ScyllaDB by default. */
    static final String DATACENTER = "datacenter1";

    /**
     * The default superuser Cassandra creates in a fresh data folder. It exists only inside this
     * throw-away stand-in; on a real host no default superuser survives (docs/secrets-flow.md).
     */
    private static final Credentials SUPERUSER = new Credentials("cassandra", "cassandra");

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);
    private static final long SCRIPT_TIMEOUT_SECONDS = 300;

    private static CqlServer shared;

    private final Path script;
    private final Path dir;
    private final int port;
    private boolean running;
    /** Kept between calls: building a session takes seconds here. Closed by {@link #stop()}. */
    private CqlSession superuserSession;

    /** A user name and password for a CQL login. */
    record Credentials(String user, String password) {
        @Override
        public String toString() {
            return "Credentials[user=" + user + ", password=<hidden>]";
        }
    }

    private CqlServer(Path script, Path dir, int port) {
        this.script = script;
        this.dir = dir;
        this.port = port;
    }

    /** The stand-in of this test JVM, started on first use. */
    static synchronized CqlServer shared() throws IOException, InterruptedException {
        if (shared == null) {
            CqlServer server = new CqlServer(findScript(), Files.createTempDirectory("cql-standin"), freePort());
            server.start();
            Runtime.getRuntime().addShutdownHook(new Thread(server::shutDown, "cql-standin-stop"));
            shared = server;
        }
        return shared;
    }

    /** Where the driver connects: 127.0.0.1 and the stand-in's native transport port. */
    InetSocketAddress contactPoint() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    /** The stand-in's default superuser (see {@link #SUPERUSER}). */
    Credentials superuser() {
        return SUPERUSER;
    }

    /** Starts the stand-in (again) on the same port and data, and returns once CQL accepts a login. */
    synchronized void start() throws IOException, InterruptedException {
        run(
                "start",
                "--dir",
                dir.toString(),
                "--port",
                Integer.toString(port),
                "--owner-pid",
                Long.toString(ProcessHandle.current().pid()));
        running = true;
    }

    /** Stops the stand-in cleanly (memtables flushed); {@link #start()} brings it back with its data. */
    synchronized void stop() throws IOException, InterruptedException {
        if (superuserSession != null) {
            superuserSession.close();
            superuserSession = null;
        }
        run("stop", "--dir", dir.toString());
        running = false;
    }

    /**
     * Freezes the node (SIGSTOP): connections stay open and requests go unanswered, as on a host that hangs.
     * {@link #resume()} lets it go on.
     */
    synchronized void pause() throws IOException, InterruptedException {
        signal("-STOP");
    }

    /** Lets a {@link #pause() paused} node go on (SIGCONT). */
    synchronized void resume() throws IOException, InterruptedException {
        signal("-CONT");
    }

    private void signal(String signal) throws IOException, InterruptedException {
        String pid = Files.readString(dir.resolve("cassandra.pid")).strip();
        Process kill = new ProcessBuilder("kill", signal, pid).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill " + signal + " " + pid + " failed");
        }
    }

    /** A session logged in as these credentials, with the local data center and a patient request timeout. */
    CqlSession connect(Credentials credentials) {
        return CqlSession.builder()
                .addContactPoint(contactPoint())
                .withLocalDatacenter(DATACENTER)
                .withAuthCredentials(credentials.user(), credentials.password())
                .withConfigLoader(DriverConfigLoader.programmaticBuilder()
                        .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, REQUEST_TIMEOUT)
                        .build())
                .build();
    }

    /** Runs statements as the superuser, in order. */
    synchronized void executeAsSuperuser(String... statements) {
        if (superuserSession == null) {
            superuserSession = connect(SUPERUSER);
        }
        for (String statement : statements) {
            superuserSession.execute(statement);
        }
    }

    /** Creates a role that can log in with this password, as an operator (or Vault) would for the app. */
    Credentials createLoginRole(String name, String password) {
        TestSecrets.register(password);
        executeAsSuperuser(
                "CREATE ROLE " + identifier(name) + " WITH PASSWORD = " + literal(password) + " AND LOGIN = true");
        return new Credentials(name, password);
    }

    private static String identifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    private static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    private void run(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(arguments));
        // To a file, not a pipe, so that the timeout holds whatever the script does.
        Path outputFile = dir.resolve("script.out");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(outputFile.toFile())
                .start();
        if (!process.waitFor(SCRIPT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish in " + SCRIPT_TIMEOUT_SECONDS + " s");
        }
        // A few lines that say how long the start or stop took.
        String output = Files.readString(outputFile, StandardCharsets.UTF_8);
        System.out.print(output);
        if (process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
        }
    }

    private void shutDown() {
        try {
            if (running) {
                stop();
            }
            TestSecrets.keepLogs(dir, "cql-standin");
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder())
                        .forEach(path -> path.toFile().delete());
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("could not stop the CQL stand-in in " + dir + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** scripts/cql-standin.sh of this repository, found from the working directory upwards. */
    private static Path findScript() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path script = dir.resolve("scripts/cql-standin.sh");
            if (Files.isExecutable(script)) {
                return script;
            }
        }
        throw new IllegalStateException(
                "scripts/cql-standin.sh not found above " + Path.of("").toAbsolutePath());
    }

    private static int freePort() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
