package dev.appliance.inference;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.appliance.inference.lifecycle.ManualScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        bao.call("POST", "database/config/cassandra", Map.of(
                "plugin_name", "cassandra-database-plugin",
                "hosts", "127.0.0.1", "port", fixture.server().contactPoint().getPort(),
                "username", fixture.server().superuser().user(), "password", fixture.server().superuser().password(),
                "protocol_version", 4, "allowed_roles", "inference-*"), null);
        bao.policy("inference", """
                path "kv/data/inference/*"       { capabilities = ["read"] }
                path "database/creds/inference-*" { capabilities = ["read"] }
                path "sys/leases/renew"          { capabilities = ["update"] }
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
                Await.until(() -> server.metric("vault_rotations_total", "what=\"kv\"") > kvBefore,
                        Duration.ofSeconds(30), "the Memcached credentials rotate");
                Await.until(() -> server.metric("vault_rotations_total", "what=\"lease\"") > leaseBefore,
                        Duration.ofSeconds(60), "the CQL credentials rotate before the lease's max TTL");
                load.awaitMoreAnswers(200);
                load.stop();
                assertEquals(List.of(), load.failures(), "no request fails while credentials rotate");
                assertTrue(load.cacheOutcomesSeen().contains("hit"), "the cache works with the rotated login");
                System.out.printf("vault rotations (kv and CQL lease): %d requests, %d failed%n", load.answers(),
                        load.failures().size());
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
                assertTrue(server.metric("vault_renewals_total", "") > renewalsBefore,
                        "renewals resume after Vault is back");
                load.awaitMoreAnswers(100);
                load.stop();
                assertEquals(List.of(), load.failures(), "no request fails while Vault is down");
                System.out.printf("vault outage of 12 s service time (%d ms real): %d requests, %d failed%n", outage,
                        load.answers(), load.failures().size());
            }
        }
    }

    /** Settings of a service whose token and CQL lease have these TTLs, renewed {@code margin} before they run out. */
    private static Map<String, String> settings(String role, String tokenTtl, String margin, String leaseTtl,
                                                String leaseMaxTtl) throws Exception {
        bao.call("POST", "database/roles/" + role, Map.of(
                "db_name", "cassandra",
                "creation_statements", "CREATE ROLE '{{username}}' WITH PASSWORD = '{{password}}' AND LOGIN = true;"
                        + "GRANT SELECT ON KEYSPACE " + fixture.keyspace() + " TO '{{username}}';"
                        + "GRANT MODIFY ON KEYSPACE " + fixture.keyspace() + " TO '{{username}}'",
                "revocation_statements", "DROP ROLE '{{username}}'",
                "default_ttl", leaseTtl, "max_ttl", leaseMaxTtl), null);
        bao.appRole(role, Map.of("token_ttl", tokenTtl, "token_max_ttl", "10m", "token_policies", List.of("inference")));
        Map<String, String> settings = new HashMap<>(fixture.serviceSettings());
        settings.remove("features.username");
        settings.remove("features.password");
        settings.putAll(Map.of(
                "models.root", TestRepository.demo().toString(),
                "models.labels.risk.canary", "2",
                "features.ingest.token", TOKEN,
                "cache.enabled", "true",
                "cache.servers", memcached.address(),
                "cache.feature-ttl", "1s"));
        settings.putAll(Map.of(
                "vault.enabled", "true",
                "vault.address", bao.address(),
                "vault.role-id-file", bao.privateFile(role + ".role_id", bao.roleId(role)).toString(),
                "vault.secret-id-file", bao.privateFile(role + ".secret_id",
                        bao.wrappedSecretId(role, Duration.ofMinutes(1))).toString(),
                "vault.kv.memcached-path", "inference/memcached",
                "vault.kv.poll-interval", "500ms",
                "vault.database.role", role,
                "vault.renew-margin", margin,
                "vault.min-renew-interval", "1s"));
        settings.put("vault.backoff-max", "2s");
        return settings;
    }

    private static void seedUsers(TestServer server) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        for (int u = 0; u < USERS; u++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                            + server.appliance().server().port() + "/v1/features/user_id/v-" + u))
                    .header("Authorization", "Bearer " + TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"features\": {\"account_age_days\": " + (30 + u)
                            + "}, \"events\": [{\"occurred_at\": \"" + java.time.Instant.now().minusSeconds(600)
                            + "\", \"amount\": " + (20 + u) + "}]}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
        }
    }

    private static RequestLoad load(TestServer server) {
        return new RequestLoad(server, 4, "/v1/models/risk/labels/canary:predict",
                i -> "{\"instances\": [{\"user_id\": \"v-" + (i % USERS) + "\", \"amount\": " + (i % 7 * 10 + 5)
                        + ", \"merchant_category\": 3, \"hour\": 14}]}");
    }
}
