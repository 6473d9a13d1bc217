package dev.appliance.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs after every other test of {@code mvn verify} (its own surefire execution, see pom.xml): everything the
 * run logged, the test JVM's output (surefire-reports) and the logs of the servers the tests started
 * (memcached, OpenBao, the CQL stand-in), must not contain any secret the tests made. It refuses to pass on
 * nothing: the run must have registered secrets and left both kinds of logs. {@link SecretScannerTest} shows
 * the scan finds a secret that was logged.
 */
class LoggedSecretsScan {

    @Test
    void nothingTheTestRunLoggedContainsASecretItUsed() throws Exception {
        List<String> secrets = TestSecrets.registered();
        assertTrue(
                secrets.size() >= 10,
                "the run registered only " + secrets.size() + " secrets; the scan would"
                        + " prove nothing (run the whole suite: mvn verify)");
        Path reports = Path.of("target", "surefire-reports");
        List<Path> output = SecretScanner.files(reports).stream()
                .filter(f -> f.getFileName().toString().endsWith("-output.txt"))
                .toList();
        List<Path> harness = SecretScanner.files(TestSecrets.HARNESS_LOGS);
        assertTrue(output.size() >= 5, "the tests' output was not captured: " + output);
        assertTrue(
                harness.stream().anyMatch(f -> f.toString().contains("openbao"))
                        && harness.stream().anyMatch(f -> f.toString().contains("memcached"))
                        && harness.stream().anyMatch(f -> f.toString().contains("cql-standin")),
                "the harness servers' logs were not kept: " + harness);
        long bytes = 0;
        for (Path file : output) {
            bytes += Files.size(file);
        }
        assertTrue(bytes > 100_000, "only " + bytes + " bytes of test output: nothing was logged?");
        List<Path> everything = SecretScanner.files(reports, TestSecrets.HARNESS_LOGS);
        assertEquals(
                List.of(),
                SecretScanner.findings(everything, secrets),
                "secrets in the logs of the test run (" + everything.size() + " files scanned)");
    }
}
