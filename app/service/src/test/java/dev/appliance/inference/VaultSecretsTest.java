package dev.appliance.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appliance.inference.lifecycle.ManualScheduler;
import dev.appliance.inference.lifecycle.Scheduler;
import dev.appliance.inference.secrets.Login;
import dev.appliance.inference.secrets.Secrets;
import dev.appliance.inference.secrets.VaultSettings;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Vault client against a real OpenBao: AppRole with a wrapped or plain secret_id, token renewal and
 * re-login, KV v2 rotation, and an outage. Where a test waits for the client's own renewals and polls it
 * advances a {@link ManualScheduler}; where it waits for a TTL on the server, short TTLs keep it to seconds.
 */
class VaultSecretsTest {

    private final Scheduler scheduler = Scheduler.threads("test-vault", 2);

    private static final Logger AUDIT = Logger.getLogger("dev.appliance.inference.secrets.audit");
    private static final String POLICY = """
            path "kv/data/inference/*" { capabilities = ["read"] }
            path "sys/leases/renew"    { capabilities = ["update"] }
            path "sys/leases/revoke"   { capabilities = ["update"] }
            """;

    private static OpenBaoServer bao;
    private final List<LogRecord> audit = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            audit.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    private final Map<String, Double> baseline = new HashMap<>();
    private MeterRegistry meters;
    private static final AtomicInteger ROLES = new AtomicInteger();

    @BeforeAll
    static void startOpenBao() throws Exception {
        bao = OpenBaoServer.start(Path.of("..", "..").toAbsolutePath().normalize());
        bao.enableAuth("approle");
        bao.enableKv2("kv");
        bao.policy("inference", POLICY);
    }

    @AfterAll
    static void stopOpenBao() throws Exception {
        if (bao != null) {
            bao.close();
        }
    }

    @BeforeEach
    void captureAudit() {
        AUDIT.addHandler(capture);
        meters = Metrics.globalRegistry();
        for (String name : List.of("vault_logins", "vault_renewals", "vault_rotations", "vault_renewal_failures")) {
            for (String what : List.of("token", "lease", "kv")) {
                baseline.put(name + "/" + what, total(name, what));
            }
        }
    }

    @AfterEach
    void releaseAudit() {
        AUDIT.removeHandler(capture);
        scheduler.close();
    }

    private Secrets start(VaultSettings settings) {
        return Secrets.start(settings, meters, Clock.systemUTC(), scheduler);
    }

    /** Starts with every renewal, poll and retry on {@code time}: they run only when the test advances it. */
    private Secrets start(VaultSettings settings, ManualScheduler time) {
        return Secrets.start(settings, meters, time, time);
    }

    @Test
    void logsInWithWrappedSecretIdAndRefusesToUnwrapItTwice() throws Exception {
        String role = role(60, 600);
        String wrapped = bao.wrappedSecretId(role, Duration.ofMinutes(1));
        Map<String, String> settings = settings(role, bao.privateFile(role + ".secret_id", wrapped));
        try (Secrets secrets = start(vault(settings))) {
            assertTrue(secrets.health().ready(), secrets.health().details().toString());
            assertEquals(
                    new Login("user-" + role, "pw-" + role),
                    secrets.memcachedCredentials().orElseThrow());
        }

        IllegalStateException second = assertThrows(IllegalStateException.class, () -> start(vault(settings)));
        assertTrue(second.getMessage().contains("already unwrapped"), second.getMessage());
        assertTrue(
                audit.stream()
                        .anyMatch(r -> r.getLevel() == Level.WARNING
                                && r.getMessage().contains("SUSPICIOUS")
                                && r.getMessage().contains("possible interception")),
                "a suspicious audit line");
        assertTrue(audit.stream().noneMatch(r -> r.getMessage().contains(wrapped)), "the token is never logged");
    }

    @Test
    void logsInWithPlainSecretId() throws Exception {
        String role = role(60, 600);
        String secretId = bao.secretId(role);
        try (Secrets secrets = start(vault(settings(role, bao.privateFile(role + ".secret_id", secretId))))) {
            assertTrue(secrets.health().ready());
            assertTrue(secrets.health().details().get("token").startsWith("valid until"));
            assertEquals(1.0, count("vault_logins", "token"));
        }
        assertTrue(audit.stream().noneMatch(r -> r.getMessage().contains(secretId)), "the secret_id is never logged");
    }

    @Test
    void logsInOverTlsTrustingOnlyTheConfiguredCa() throws Exception {
        String role = role(60, 600);
        Map<String, String> settings = settings(role, bao.privateFile(role + ".secret_id", bao.secretId(role)));
        settings.put("vault.address", bao.tlsAddress());
        settings.put("vault.startup-timeout", "1s");
        IllegalStateException untrusted = assertThrows(IllegalStateException.class, () -> start(vault(settings)));
        assertTrue(
                untrusted.getMessage().contains(bao.tlsAddress())
                        && untrusted.getMessage().contains("CertPath"),
                untrusted.getMessage());

        settings.put("vault.ca-file", bao.caFile().toString());
        try (Secrets secrets = start(vault(settings))) {
            assertTrue(secrets.health().ready(), secrets.health().details().toString());
            assertEquals(
                    "user-" + role, secrets.memcachedCredentials().orElseThrow().username());
        }
    }

    @Test
    void refusesToStartWhenCaFileIsNoCertificate() throws Exception {
        String role = role(60, 600);
        Map<String, String> settings = settings(role, bao.privateFile(role + ".secret_id", bao.secretId(role)));
        settings.put("vault.address", bao.tlsAddress());
        settings.put(
                "vault.ca-file",
                bao.privateFile("not-a-ca.pem", "not a certificate").toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> start(vault(settings)));
        assertTrue(e.getMessage().startsWith("vault.ca-file "), e.getMessage());
    }

    // Real time on purpose: the max TTL that ends the renewals runs out on the OpenBao server's own clock.
    @Test
    void renewsTokenAheadOfExpiryAndLogsInAgainWhenMaxTtlIsNear() throws Exception {
        String role = role(4, 10);
        Map<String, String> settings = settings(role, bao.privateFile(role + ".secret_id", bao.secretId(role)));
        settings.put("vault.renew-margin", "2s");
        try (Secrets secrets = start(vault(settings))) {
            Instant start = Instant.now();
            Await.until(
                    () -> count("vault_rotations", "token") >= 1,
                    Duration.ofSeconds(20),
                    "a new login before the max TTL");
            double renewals = count("vault_renewals", "token");
            System.out.printf(
                    "token: %.0f renewals, then a new login after %d ms%n",
                    renewals, Duration.between(start, Instant.now()).toMillis());
            assertTrue(renewals >= 2, "renewals before the max TTL: " + renewals);
            assertEquals(0.0, count("vault_renewal_failures", "token"));
            assertTrue(secrets.health().ready());
            double ttl = gauge("vault_token_ttl_seconds");
            assertTrue(ttl > 0 && ttl <= 4, "token TTL gauge " + ttl);
        }
    }

    @Test
    void logsInAgainWhenTokenIsRevoked() throws Exception {
        String role = role(60, 600);
        Map<String, String> settings = settings(role, bao.privateFile(role + ".secret_id", bao.secretId(role)));
        ManualScheduler time = new ManualScheduler();
        try (Secrets secrets = start(vault(settings), time)) {
            assertTrue(bao.revokeAppRoleTokens() >= 1);
            // The next KV poll (200 ms) is refused, which logs in again at once; the retried poll reads.
            time.advance(Duration.ofSeconds(2));
            assertTrue(count("vault_rotations", "token") >= 1, "a new login after the token was revoked");
            assertEquals(2.0, count("vault_logins", "token"));
            bao.writeKv("kv", "inference/" + role, Map.of("username", "after-revoke", "password", "p2"));
            time.advance(Duration.ofSeconds(2));
            assertEquals(
                    "after-revoke",
                    secrets.memcachedCredentials().orElseThrow().username(),
                    "the new token reads the secret");
            assertTrue(secrets.health().ready());
        }
    }

    @Test
    void passesEachNewKvVersionToListenersOnce() throws Exception {
        String role = role(60, 600);
        Map<String, String> settings = settings(role, bao.privateFile(role + ".secret_id", bao.secretId(role)));
        List<Login> seen = new CopyOnWriteArrayList<>();
        ManualScheduler time = new ManualScheduler();
        try (Secrets secrets = start(vault(settings), time)) {
            secrets.onMemcachedCredentials(seen::add);
            assertEquals(
                    "user-" + role, secrets.memcachedCredentials().orElseThrow().username());
            time.advance(Duration.ofMillis(500)); // two polls of the KV secret (every 200 ms)
            assertEquals(List.of(), seen, "no callback without a new version");
            for (int v = 2; v <= 3; v++) {
                bao.writeKv("kv", "inference/" + role, Map.of("username", "user-v" + v, "password", "pw-v" + v));
                time.advance(Duration.ofMillis(200));
                assertTrue(seen.size() >= v - 1, "version " + v + " seen");
            }
            time.advance(Duration.ofMillis(500));
            assertEquals(List.of(new Login("user-v2", "pw-v2"), new Login("user-v3", "pw-v3")), seen);
            assertEquals("user-v3", secrets.memcachedCredentials().orElseThrow().username());
            assertEquals(2.0, count("vault_rotations", "kv"));
        }
        assertTrue(audit.stream().anyMatch(r -> r.getMessage().contains("rotated to user 'user-v3'")));
        assertTrue(audit.stream().noneMatch(r -> r.getMessage().contains("pw-v")), "no password in the audit log");
    }

    @Test
    void keepsTokenThroughVaultOutageLongerThanRenewalIntervalAndResumesAfterRestart() throws Exception {
        String role = role(12, 600);
        Map<String, String> settings = settings(role, bao.privateFile(role + ".secret_id", bao.secretId(role)));
        settings.put("vault.renew-margin", "8s");
        settings.put("vault.backoff-min", "200ms");
        settings.put("vault.backoff-max", "2s");
        ManualScheduler time = new ManualScheduler();
        try (Secrets secrets = start(vault(settings), time)) {
            time.advance(Duration.ofSeconds(4)); // TTL 12 s renewed 8 s ahead: the first renewal is due at 4 s
            assertTrue(count("vault_renewals", "token") >= 1, "a first renewal");
            bao.stop();
            int notReady = 0;
            for (int step = 0; step < 70; step++) { // 7 s of the service's time, 100 ms at a time
                time.advance(Duration.ofMillis(100));
                notReady += secrets.health().ready() ? 0 : 1;
            }
            double failures = count("vault_renewal_failures", "token");
            String during = secrets.health().details().get("token");
            bao.start();
            double renewalsBefore = count("vault_renewals", "token");
            time.advance(Duration.ofSeconds(2)); // the longest backoff: a retry falls due on the way
            assertTrue(count("vault_renewals", "token") > renewalsBefore, "renewal after Vault is back");
            System.out.printf(
                    "outage of 7 s (service time): %.0f failed token renewals (backoff 200ms..2s), readiness"
                            + " never lost, renewed within 2 s of the restart; during: %s%n",
                    failures, during);
            assertEquals(0, notReady, "ready throughout the outage");
            assertTrue(failures >= 2 && failures <= 10, "retries back off: " + failures + " failures in 7 s");
            assertTrue(during.startsWith("valid until") && during.contains("unreachable"), during);
            assertEquals(1.0, count("vault_logins", "token"), "the same token was kept");
            assertTrue(secrets.health().ready());
        }
    }

    private String role(int tokenTtlSeconds, int maxTtlSeconds) throws Exception {
        return bao.serviceRole("svc" + ROLES.incrementAndGet(), tokenTtlSeconds + "s", maxTtlSeconds + "s");
    }

    private Map<String, String> settings(String role, Path secretIdFile) throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("vault.enabled", "true");
        settings.put("vault.address", bao.address());
        settings.put(
                "vault.role-id-file",
                bao.privateFile(role + ".role_id", bao.roleId(role)).toString());
        settings.put("vault.secret-id-file", secretIdFile.toString());
        settings.put("vault.kv.memcached-path", "inference/" + role);
        settings.put("vault.kv.poll-interval", "200ms");
        settings.put("vault.renew-margin", "2s");
        settings.put("vault.min-renew-interval", "500ms");
        settings.put("vault.backoff-min", "200ms");
        settings.put("vault.backoff-max", "1s");
        settings.put("vault.startup-timeout", "5s");
        return settings;
    }

    private static VaultSettings vault(Map<String, String> settings) {
        return VaultSettings.from(Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.create(settings))
                .build()
                .get("vault"));
    }

    /** The counter's increase during this test (the registry is the process-wide one the service uses). */
    private double count(String name, String what) {
        return total(name, what) - baseline.getOrDefault(name + "/" + what, 0.0);
    }

    private double total(String name, String what) {
        return meters.meters().stream()
                .filter(m -> m instanceof Counter && m.id().name().equals(name))
                .filter(m -> m.id().tagsMap().getOrDefault("what", "").equals(what))
                .mapToDouble(m -> ((Counter) m).count())
                .sum();
    }

    private double gauge(String name) {
        return meters.meters().stream()
                .filter(m -> m instanceof Gauge && m.id().name().equals(name))
                .mapToDouble(m -> ((Gauge<?>) m).value().doubleValue())
                .findFirst()
                .orElseThrow();
    }
}
