package dev.appliance.inference;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The secrets a test run makes (passwords, tokens, secret_ids, unseal keys) and the logs of the servers it ran,
 * kept under {@code target/} for {@link LoggedSecretsScan}, which runs after every other test and fails if
 * any of these secrets appears in anything the run logged. The list is mode 0600 and deleted by
 * {@code mvn clean}.
 */
final class TestSecrets {

    static final Path SECRETS = Path.of("target", "test-secrets.txt");
    static final Path HARNESS_LOGS = Path.of("target", "harness-logs");
    /** Shorter values are too likely to occur by chance (and no test secret is that short). */
    static final int MIN_LENGTH = 8;

    private static final AtomicInteger KEPT = new AtomicInteger();

    private TestSecrets() {}

    /** Remembers a secret the run made and returns it. */
    static synchronized String register(String secret) {
        if (secret == null || secret.length() < MIN_LENGTH || secret.contains("\n")) {
            return secret;
        }
        try {
            if (!Files.exists(SECRETS)) {
                Files.createDirectories(SECRETS.getParent());
                Files.createFile(
                        SECRETS, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            Files.writeString(SECRETS, secret + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return secret;
    }

    /** Every secret registered so far (by this and earlier test JVMs of the run). */
    static List<String> registered() throws IOException {
        return Files.exists(SECRETS) ? Files.readAllLines(SECRETS, StandardCharsets.UTF_8) : List.of();
    }

    /** Copies the log files (*.log, *.out) a harness server wrote under {@code dir}, before it is deleted. */
    static void keepLogs(Path dir, String server) {
        Path target =
                HARNESS_LOGS.resolve(server + "-" + ProcessHandle.current().pid() + "-" + KEPT.incrementAndGet());
        List<Path> logs = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            files.filter(Files::isRegularFile)
                    .filter(f -> f.toString().endsWith(".log") || f.toString().endsWith(".out"))
                    .sorted(Comparator.naturalOrder())
                    .forEach(logs::add);
            for (Path log : logs) {
                Path copy = target.resolve(dir.relativize(log).toString());
                Files.createDirectories(copy.getParent());
                Files.copy(log, copy);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the logs of " + server + " in " + dir, e);
        }
    }
}
