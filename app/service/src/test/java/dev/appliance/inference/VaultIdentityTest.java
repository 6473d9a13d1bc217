package dev.appliance.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.appliance.inference.lifecycle.ManualScheduler;
import dev.appliance.inference.secrets.Secrets;
import dev.appliance.inference.secrets.VaultSettings;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Metrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The identity the service keeps in {@code vault.identity-dir}, against a real OpenBao: a restart logs in with
 * the kept secret_id instead of unwrapping again (no false alarm), a wrapping token someone else unwrapped is
 * still refused as tampering, and a new delivery is picked up without a restart. Timers run on a
 * {@link ManualScheduler}; nothing here waits for a TTL.
 */
class VaultIdentityTest {

    private static final Logger AUDIT = Logger.getLogger("dev.appliance.inference.secrets.audit");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger ROLES = new AtomicInteger();

    private static OpenBaoServer bao;
    private final List<String> audit = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            audit.add(record.getLevel() + " " + record.getMessage());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    private Path identityDir;

    @BeforeAll
    static void startOpenBao() throws Exception {
        bao = OpenBaoServer.start(Path.of("..", "..").toAbsolutePath().normalize());
        bao.enableAuth("approle");
        bao.enableKv2("kv");
        bao.policy("inference", """
                path "kv/data/inference/*" { capabilities = ["read"] }
                """);
    }

    @AfterAll
    static void stopOpenBao() throws Exception {
        if (bao != null) {
            bao.close();
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        AUDIT.addHandler(capture);
        identityDir = Files.createTempDirectory(
                "identity", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    @AfterEach
    void tearDown() throws Exception {
        AUDIT.removeHandler(capture);
        try (var files = Files.walk(identityDir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void restartLogsInWithTheKeptSecretIdWithoutUnwrappingAgainOrRaisingAnAlarm() throws Exception {
        String role = role();
        Path file = bao.privateFile(role + ".secret_id", bao.wrappedSecretId(role, Duration.ofMinutes(1)) + "\n");
        Map<String, String> settings = settings(role, file);
        try (Secrets first = start(settings, new ManualScheduler())) {
            assertTrue(first.health().ready(), first.health().details().toString());
        }
        JsonNode identity = JSON.readTree(identityDir.resolve("identity.json").toFile());
        assertEquals(
                sha256(Files.readAllBytes(file)),
                identity.path("wrapped_sha256").asText(),
                "the digest of the file's bytes as on disk");
        assertFalse(identity.path("secret_id_accessor").asText().isEmpty());
        assertTrue(identity.path("secret_id_expires_at").isTextual(), identity.toString());
        assertTrue(identity.path("consumed_at").isTextual(), identity.toString());
        for (String name : List.of("secret-id", "identity.json")) {
            assertEquals(
                    "rw-------",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(identityDir.resolve(name))),
                    name);
        }
        TestSecrets.register(Files.readString(identityDir.resolve("secret-id")));

        try (Secrets second = start(settings, new ManualScheduler())) { // a crash, a restart or a reboot
            assertTrue(second.health().ready(), second.health().details().toString());
            assertTrue(
                    second.health().details().get("identity").contains("expires at"),
                    second.health().details().toString());
            double ttl = gauge("vault_identity_ttl_seconds");
            assertTrue(ttl > 500 && ttl <= 600, "identity TTL gauge " + ttl);
        }
        assertEquals(
                1,
                audit.stream()
                        .filter(l -> l.contains("unwrapped the wrapped secret_id"))
                        .count(),
                audit.toString());
        assertTrue(audit.stream().noneMatch(l -> l.contains("SUSPICIOUS")), audit.toString());
    }

    @Test
    void aWrappingTokenSomeoneElseUnwrappedIsStillRefusedAsTampering() throws Exception {
        String role = role();
        Path file = bao.privateFile(role + ".secret_id", bao.wrappedSecretId(role, Duration.ofMinutes(1)));
        Map<String, String> settings = settings(role, file);
        try (Secrets first = start(settings, new ManualScheduler())) {
            assertTrue(first.health().ready());
        }
        String intercepted = bao.wrappedSecretId(role, Duration.ofMinutes(1));
        bao.call("POST", "sys/wrapping/unwrap", Map.of("token", intercepted), null); // the attacker's unwrap
        bao.privateFile(role + ".secret_id", intercepted);

        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> start(settings, new ManualScheduler()));
        assertTrue(e.getMessage().contains("already unwrapped"), e.getMessage());
        assertTrue(audit.stream().anyMatch(l -> l.startsWith("WARNING") && l.contains("SUSPICIOUS")), audit.toString());
        assertTrue(audit.stream().noneMatch(l -> l.contains(intercepted)), "the token is never logged");
    }

    @Test
    void aNewDeliveryIsPickedUpWithoutRestartAndTheOldSecretIdCanThenBeDestroyed() throws Exception {
        String role = role();
        Path file = bao.privateFile(role + ".secret_id", bao.wrappedSecretId(role, Duration.ofMinutes(1)));
        Map<String, String> settings = settings(role, file);
        ManualScheduler time = new ManualScheduler();
        try (Secrets secrets = start(settings, time)) {
            String oldAccessor = identity().path("secret_id_accessor").asText();
            bao.privateFile(role + ".secret_id", bao.wrappedSecretId(role, Duration.ofMinutes(1))); // a deploy
            time.advance(Duration.ofSeconds(10)); // vault.secret-id-poll-interval
            JsonNode rotated = identity();
            assertEquals(
                    sha256(Files.readAllBytes(file)),
                    rotated.path("wrapped_sha256").asText(),
                    "identity.json names the new delivery");
            assertFalse(rotated.path("secret_id_accessor").asText().equals(oldAccessor));
            // What the deploy does next: destroy the host's older secret_ids, then a new login must still work.
            bao.call(
                    "POST",
                    "auth/approle/role/" + role + "/secret-id-accessor/destroy",
                    Map.of("secret_id_accessor", oldAccessor),
                    null);
            assertTrue(bao.revokeAppRoleTokens() >= 1);
            time.advance(Duration.ofSeconds(2)); // the KV poll is refused, which logs in again with the new secret_id
            assertTrue(secrets.health().ready(), secrets.health().details().toString());
            assertTrue(
                    secrets.health().details().get("token").startsWith("valid until")
                            && !secrets.health().details().get("token").contains("failed"),
                    secrets.health().details().toString());
        }
        assertTrue(audit.stream().noneMatch(l -> l.contains("SUSPICIOUS")), audit.toString());
    }

    @Test
    void aSecretIdThatRanOutSaysToRunTheDeploy() throws Exception {
        String role = role();
        Path file = bao.privateFile(role + ".secret_id", bao.wrappedSecretId(role, Duration.ofMinutes(1)));
        ManualScheduler time = new ManualScheduler();
        try (Secrets secrets = start(settings(role, file), time)) {
            String accessor = identity().path("secret_id_accessor").asText();
            bao.call(
                    "POST",
                    "auth/approle/role/" + role + "/secret-id-accessor/destroy",
                    Map.of("secret_id_accessor", accessor),
                    null);
            assertTrue(bao.revokeAppRoleTokens() >= 1);
            time.advance(Duration.ofSeconds(2));
            String token = secrets.health().details().get("token");
            assertTrue(token.contains("login refused") && token.contains("run the deploy"), token);
        }
    }

    @Test
    void refusesAnIdentityDirectoryOthersCanRead() throws Exception {
        String role = role();
        Files.setPosixFilePermissions(identityDir, PosixFilePermissions.fromString("rwxr-x---"));
        Path file = bao.privateFile(role + ".secret_id", bao.wrappedSecretId(role, Duration.ofMinutes(1)));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> start(settings(role, file), new ManualScheduler()));
        assertTrue(e.getMessage().startsWith("vault.identity-dir "), e.getMessage());
    }

    private JsonNode identity() throws Exception {
        return JSON.readTree(identityDir.resolve("identity.json").toFile());
    }

    private static Secrets start(Map<String, String> settings, ManualScheduler time) {
        return Secrets.start(
                VaultSettings.from(Config.builder()
                        .disableEnvironmentVariablesSource()
                        .disableSystemPropertiesSource()
                        .addSource(ConfigSources.create(settings))
                        .build()
                        .get("vault")),
                Metrics.globalRegistry(),
                time,
                time);
    }

    private static String role() throws Exception {
        return bao.serviceRole("identity" + ROLES.incrementAndGet(), "60s", "600s");
    }

    private Map<String, String> settings(String role, Path secretIdFile) throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("vault.enabled", "true");
        settings.put("vault.address", bao.address());
        settings.put(
                "vault.role-id-file",
                bao.privateFile(role + ".role_id", bao.roleId(role)).toString());
        settings.put("vault.secret-id-file", secretIdFile.toString());
        settings.put("vault.secret-id-format", "wrapped");
        settings.put("vault.identity-dir", identityDir.toString());
        settings.put("vault.kv.memcached-path", "inference/" + role);
        settings.put("vault.kv.poll-interval", "200ms");
        settings.put("vault.backoff-min", "200ms");
        settings.put("vault.backoff-max", "1s");
        settings.put("vault.startup-timeout", "5s");
        return settings;
    }

    private static double gauge(String name) {
        return Metrics.globalRegistry().meters().stream()
                .filter(m -> m instanceof Gauge && m.id().name().equals(name))
                .mapToDouble(m -> ((Gauge<?>) m).value().doubleValue())
                .findFirst()
                .orElseThrow();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
