package dev.appliance.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appliance.inference.observe.JsonFormatter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.logging.FileHandler;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scan behind {@link LoggedSecretsScan} finds a secret that was logged, and only then. */
class SecretScannerTest {

    private static final Logger LOG = Logger.getLogger(SecretScannerTest.class.getName());

    @TempDir
    Path dir;

    @Test
    void aSecretLoggedThroughTheServicesLogFormatIsFound() throws Exception {
        String secret = "s3cr3t-" + UUID.randomUUID();
        log(dir.resolve("service.log"), "connecting as app with password " + secret);
        List<String> findings = SecretScanner.findings(SecretScanner.files(dir), List.of("other-secret", secret));
        assertEquals(1, findings.size(), findings.toString());
        assertTrue(findings.get(0).startsWith(dir.resolve("service.log") + ":1: secret s3cr"), findings.get(0));
        assertTrue(!findings.get(0).contains(secret), "a finding does not repeat the secret");
    }

    @Test
    void aLogWithoutTheSecretHasNoFinding() throws Exception {
        log(dir.resolve("service.log"), "connecting as app with a password from Vault");
        assertEquals(
                List.of(), SecretScanner.findings(SecretScanner.files(dir), List.of("s3cr3t-" + UUID.randomUUID())));
    }

    private static void log(Path file, String message) throws Exception {
        FileHandler handler = new FileHandler(file.toString());
        handler.setFormatter(new JsonFormatter());
        LOG.addHandler(handler);
        try {
            LOG.warning(message);
        } finally {
            LOG.removeHandler(handler);
            handler.close();
        }
        assertTrue(Files.size(file) > 0);
    }
}
