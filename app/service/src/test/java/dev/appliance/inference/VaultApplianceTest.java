package dev.appliance.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.appliance.inference.features.LoadFeaturesCommand;
import dev.appliance.inference.lifecycle.ManualScheduler;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole service with every credential from a real OpenBao: AppRole login with a wrapped secret_id,
 * Memcached SASL credentials from KV v2, dynamic CQL credentials from the database engine (Cassandra
 * plugin) against the CQL stand-in. Under a constant request load (the canary model, which declares no
 * feature defaults, so any failed CQL read fails its request) the credentials rotate and Vault goes away
 * for longer than a renewal interval, and no request fails.
 */
class VaultApplianceTest {

    private static final String TOKEN = "vault-test-ingest-token-" + java.util.UUID.randomUUID();
    private static final int USERS = 40;

    private static final List<Path> IDENTITY_DIRS = new java.util.concurrent.CopyOnWriteArrayList<>();

    private static OpenBaoServer bao;
    private static MemcachedServer memcached;
    private static FeatureStoreFixture fixture;

    @BeforeAll
    static void startDependencies() throws Exception {
        fixture = FeatureStoreFixture.create("features_vault");
        memcached = MemcachedServer.withUsers(Map.of("mc-user-1", "mc-pass-1", "mc-user-2", "mc-pass-2"));
        bao = OpenBaoServer.start(Path.of("..", "..").toAbsolutePath().normalize());
        bao.enableAuth("approle");
        bao.enableKv2("kv");
        bao.call("POST", "sys/mounts/database", Map.of("type", "database"), null);
        // The stand-in's throw-away superuser lets Vault create and drop the service's roles.
        bao.call(
                "POST",
                "database/config/cassandra",
                Map.of(
                        "plugin_name",
                        "cassandra-database-plugin",
                        "hosts",
                        "127.0.0.1",
                        "port",
                        fixture.server().contactPoint().getPort(),
                        "username",
                        fixture.server().superuser().user(),
                        "password",
                        fixture.server().superuser().password(),
                        "protocol_version",
                        4,
                        "allowed_roles",
                        "inference-*"),
                null);
        bao.policy("inference", """
                path "kv/data/inference/*"       { capabilities = ["read"] }
                path "database/creds/inference-*" { capabilities = ["read"] }
                path "sys/leases/renew"          { capabilities = ["update"] }
                path "sys/leases/renew/database/creds/inference-*" { capabilities = ["update"] }
                path "sys/leases/revoke"         { capabilities = ["update"] }
                """);
        bao.writeKv("kv", "inference/memcached", Map.of("username", "mc-user-1", "password", "mc-pass-1"));
    }

    @AfterAll
    static void stopDependencies() throws Exception {
        if (bao != null) {
            bao.close();
        }
        if (memcached != null) {
            memcached.close();
        }
        for (Path dir : IDENTITY_DIRS) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    // Real time on purpose: the CQL lease rotates because its max TTL runs out on the OpenBao server's clock.
    @Test
    void credentialsRotateUnderLoadAndNoRequestFails() throws Exception {
        try (TestServer server = new TestServer(settings("inference-rotate", "8s", "3s", "6s", "14s"))
                .awaitReady(Duration.ofSeconds(90))) {
            seedUsers(server);
            double kvBefore = server.metric("vault_rotations_total", "what=\"kv\"");
            double leaseBefore = server.metric("vault_rotations_total", "what=\"lease\"");
            try (RequestLoad load = load(server)) {
                load.awaitMoreAnswers(100);
                bao.writeKv("kv", "inference/memcached", Map.of("username", "mc-user-2", "password", "mc-pass-2"));
                Await.until(
                        () -> server.metric("vault_rotations_total", "what=\"kv\"") > kvBefore,
                        Duration.ofSeconds(30),
                        "the Memcached credentials rotate");
                Await.until(
                        () -> server.metric("vault_rotations_total", "what=\"lease\"") > leaseBefore,
                        Duration.ofSeconds(60),
                        "the CQL credentials rotate before the lease's max TTL");
                load.awaitMoreAnswers(200);
                load.stop();
                assertEquals(List.of(), load.failures(), "no request fails while credentials rotate");
                assertTrue(load.cacheOutcomesSeen().contains("hit"), "the cache works with the rotated login");
                System.out.printf(
                        "vault rotations (kv and CQL lease): %d requests, %d failed%n",
                        load.answers(), load.failures().size());
            }
        }
    }

    @Test
    void aVaultOutageLongerThanARenewalIntervalFailsNoRequest() throws Exception {
        // Token TTL 30 s renewed 20 s ahead: every 10 s. A 12 s outage outlasts a renewal interval but not the token.
        ManualScheduler time = new ManualScheduler();
        try (TestServer server = new TestServer(settings("inference-outage", "30s", "20s", "60s", "5m"), time)) {
            time.advance(Duration.ZERO); // the first model load
            server.awaitReady(Duration.ofSeconds(90));
            seedUsers(server);
            try (RequestLoad load = load(server)) {
                load.awaitMoreAnswers(100);
                double renewalsBefore = server.metric("vault_renewals_total", "");
                bao.stop();
                long stopped = System.nanoTime();
                time.advance(Duration.ofSeconds(12)); // the token renewal falls due at 10 s, fails and backs off
                load.awaitMoreAnswers(100);
                assertEquals(200, server.get("/observe/health/ready").statusCode(), "ready on what it holds");
                bao.start();
                long outage = (System.nanoTime() - stopped) / 1_000_000;
                time.advance(Duration.ofSeconds(2)); // vault.backoff-max: a retry falls due on the way
                assertTrue(
                        server.metric("vault_renewals_total", "") > renewalsBefore,
                        "renewals resume after Vault is back");
                load.awaitMoreAnswers(100);
                load.stop();
                assertEquals(List.of(), load.failures(), "no request fails while Vault is down");
                System.out.printf(
                        "vault outage of 12 s service time (%d ms real): %d requests, %d failed%n",
                        outage, load.answers(), load.failures().size());
            }
        }
    }

    // Real time on purpose: the token and lease max TTLs run out on the OpenBao server's clock. Tokens live at most
    // 21 s and are replaced with 7 s left; leases live at most 20 s. A token's first replacement happens with what
    // the first capped renewal leaves (at least renew-margin, 6 s here): under a load average of 32, 4 s was not
    // enough for the rotation of two leases.
    @Test
    void crossesThreeTokenMaxTtlsUnderConcurrentLoadWithoutAFailedRequest() throws Exception {
        try (TestServer server = new TestServer(settings("inference-boundary", "10s", "21s", "6s", "8s", "20s"))
                .awaitReady(Duration.ofSeconds(90))) {
            seedUsers(server);
            double tokens = server.metric("vault_rotations_total", "what=\"token\"");
            double leases = server.metric("vault_rotations_total", "what=\"lease\"");
            long start = System.nanoTime();
            try (RequestLoad load = new RequestLoad(
                    server,
                    8,
                    "/v1/models/risk/labels/canary:predict",
                    i -> "{\"instances\": [{\"user_id\": \"v-" + (i % USERS) + "\", \"amount\": " + (i % 7 * 10 + 5)
                            + ", \"merchant_category\": 3, \"hour\": 14}]}")) {
                // The lease is rotated under a new token just after the token itself: wait for both counts.
                Await.until(
                        () -> (server.metric("vault_rotations_total", "what=\"token\"") >= tokens + 3
                                        && server.metric("vault_rotations_total", "what=\"lease\"") >= leases + 3)
                                || !load.failures().isEmpty(),
                        Duration.ofSeconds(120),
                        "three token max-TTL boundaries, each with its lease rotation");
                load.awaitMoreAnswers(100);
                load.stop();
                double leaseRotations = server.metric("vault_rotations_total", "what=\"lease\"") - leases;
                System.out.printf(
                        "token/lease boundaries: %.0f token and %.0f lease rotations in %d s: %d requests,"
                                + " %d failed%n",
                        server.metric("vault_rotations_total", "what=\"token\"") - tokens,
                        leaseRotations,
                        (System.nanoTime() - start) / 1_000_000_000,
                        load.answers(),
                        load.failures().size());
                assertEquals(List.of(), load.failures(), "no request fails across token and lease boundaries");
                assertTrue(leaseRotations >= 3, "the CQL lease rotated under each new token: " + leaseRotations);
                assertTrue(server.get("/v2/health/ready").statusCode() == 200);
            }
        }
    }

    @Test
    void theReaderCannotWriteTheWriterRoleCanAndARestartKeepsTheIdentity() throws Exception {
        Map<String, String> settings = settings("inference-writer", "60s", "5s", "60s", "10m");
        Map<String, String> readerOnly = new HashMap<>(settings);
        readerOnly.remove("vault.database.writer-role");
        try (LogCapture log = new LogCapture()) {
            try (TestServer server = new TestServer(readerOnly).awaitReady(Duration.ofSeconds(90))) {
                HttpResponse<String> refused = write(server, 0);
                assertEquals(403, refused.statusCode(), refused.body());
                assertEquals(
                        "store_permission_denied",
                        TestServer.json(refused).path("code").asText(),
                        refused.body());
                assertTrue(refused.body().contains("MODIFY"), refused.body());
            }
            // load-features beside the service: it logs in with the kept secret_id and writes as the writer role;
            // without a writer role it refuses to start, since the reader's login cannot write.
            Path lines = Files.createTempFile("features", ".jsonl");
            Files.writeString(
                    lines,
                    "{\"entity_key\": \"user_id\", \"entity_id\": \"v-bulk\","
                            + " \"features\": {\"account_age_days\": 77}, \"events\": [{\"occurred_at\": \""
                            + java.time.Instant.now().minusSeconds(600) + "\", \"amount\": 21}]}\n");
            assertEquals(2, LoadFeaturesCommand.run(new String[] {lines.toString()}, () -> config(readerOnly)));
            assertEquals(0, LoadFeaturesCommand.run(new String[] {lines.toString()}, () -> config(settings)));
            // The same files again: the restart logs in with the kept secret_id, with no alarm.
            try (TestServer server = new TestServer(settings).awaitReady(Duration.ofSeconds(90))) {
                HttpResponse<String> bulk = server.post(
                        "/v1/models/risk/labels/canary:predict",
                        "{\"instances\": [{\"user_id\": \"v-bulk\", \"amount\": 5, \"merchant_category\": 3,"
                                + " \"hour\": 14}]}");
                assertEquals(200, bulk.statusCode(), "the bulk-loaded entity is served enriched " + bulk.body());
                assertEquals(
                        "PRESENT",
                        TestServer.json(bulk)
                                .at("/feature_status/0/account_age_days/status")
                                .asText());
                HttpResponse<String> written = write(server, 0);
                assertEquals(200, written.statusCode(), written.body());
                assertTrue(server.get("/observe/health/ready").body().contains("cql_writer"));
                double identity = gauge(server, "vault_identity_ttl_seconds");
                assertTrue(identity > 3000 && identity <= 3600, "vault_identity_ttl_seconds " + identity);
            }
            assertTrue(!log.text().contains("SUSPICIOUS"), "no tamper alarm on a restart");
        }
    }

    /** Settings of a service whose token and CQL lease have these TTLs, renewed {@code margin} before they run out. */
    private static Map<String, String> settings(
            String role, String tokenTtl, String margin, String leaseTtl, String leaseMaxTtl) throws Exception {
        return settings(role, tokenTtl, "10m", margin, leaseTtl, leaseMaxTtl);
    }

    /**
     * Settings of a service with these token and lease TTLs. The reader's database role may only SELECT; the write
     * API gets its own role ({@code <role>-writer}, SELECT and MODIFY). The identity is kept in a private folder.
     */
    private static Map<String, String> settings(
            String role, String tokenTtl, String tokenMaxTtl, String margin, String leaseTtl, String leaseMaxTtl)
            throws Exception {
        databaseRole(role, "SELECT", leaseTtl, leaseMaxTtl);
        databaseRole(role + "-writer", "SELECT,MODIFY", leaseTtl, leaseMaxTtl);
        bao.appRole(
                role,
                Map.of(
                        "token_ttl",
                        tokenTtl,
                        "token_max_ttl",
                        tokenMaxTtl,
                        "token_policies",
                        List.of("inference"),
                        "secret_id_ttl",
                        "1h"));
        Path identity = Files.createTempDirectory(
                "identity", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        IDENTITY_DIRS.add(identity);
        Map<String, String> settings = new HashMap<>(fixture.serviceSettings());
        settings.remove("features.username");
        settings.remove("features.password");
        settings.putAll(Map.of(
                "models.root",
                TestRepository.demo().toString(),
                "models.labels.risk.canary",
                "2",
                "features.ingest.token",
                TOKEN,
                "cache.enabled",
                "true",
                "cache.servers",
                memcached.address(),
                "cache.feature-ttl",
                "1s"));
        settings.putAll(Map.of(
                "vault.enabled",
                "true",
                "vault.address",
                bao.address(),
                "vault.role-id-file",
                bao.privateFile(role + ".role_id", bao.roleId(role)).toString(),
                "vault.secret-id-file",
                bao.privateFile(role + ".secret_id", bao.wrappedSecretId(role, Duration.ofMinutes(1)))
                        .toString(),
                "vault.identity-dir",
                identity.toString(),
                "vault.kv.memcached-path",
                "inference/memcached",
                "vault.kv.poll-interval",
                "500ms",
                "vault.database.role",
                role,
                "vault.database.writer-role",
                role + "-writer",
                "vault.renew-margin",
                margin));
        settings.put("vault.min-renew-interval", "500ms");
        settings.put("vault.backoff-max", "2s");
        return settings;
    }

    private static Config config(Map<String, String> settings) {
        return Config.just(ConfigSources.create(settings));
    }

    /** A gauge's value as exported, with or without labels. */
    private static double gauge(TestServer server, String name) throws Exception {
        String line = server.get("/observe/metrics")
                .body()
                .lines()
                .filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
                .findFirst()
                .orElseThrow(() -> new AssertionError(name + " is not exported"));
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    private static void databaseRole(String name, String grants, String ttl, String maxTtl) throws Exception {
        StringBuilder statements =
                new StringBuilder("CREATE ROLE '{{username}}' WITH PASSWORD = '{{password}}' AND " + "LOGIN = true;");
        for (String grant : grants.split(",")) {
            statements
                    .append("GRANT ")
                    .append(grant)
                    .append(" ON KEYSPACE ")
                    .append(fixture.keyspace())
                    .append(" TO '{{username}}';");
        }
        bao.call(
                "POST",
                "database/roles/" + name,
                Map.of(
                        "db_name",
                        "cassandra",
                        "creation_statements",
                        statements.toString(),
                        "revocation_statements",
                        "DROP ROLE '{{username}}'",
                        "default_ttl",
                        ttl,
                        "max_ttl",
                        maxTtl),
                null);
    }

    private static void seedUsers(TestServer server) throws Exception {
        for (int u = 0; u < USERS; u++) {
            HttpResponse<String> r = write(server, u);
            assertEquals(200, r.statusCode(), r.body());
        }
    }

    private static HttpResponse<String> write(TestServer server, int user) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                        + server.appliance().server().port() + "/v1/features/user_id/v-" + user))
                                .header("Authorization", "Bearer " + TOKEN)
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"features\": {\"account_age_days\": " + (30 + user)
                                                + "}, \"events\": [{\"occurred_at\": \""
                                                + java.time.Instant.now().minusSeconds(600)
                                                + "\", \"amount\": " + (20 + user) + "}]}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    private static RequestLoad load(TestServer server) {
        return new RequestLoad(
                server,
                4,
                "/v1/models/risk/labels/canary:predict",
                i -> "{\"instances\": [{\"user_id\": \"v-" + (i % USERS) + "\", \"amount\": " + (i % 7 * 10 + 5)
                        + ", \"merchant_category\": 3, \"hour\": 14}]}");
    }
}
