package dev.appliance.inference;

import dev.appliance.inference.features.CqlCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * A keyspace of the shared CQL stand-in with the schema of {@code schema/feature_store.cql} applied the
 * way the scylladb role applies it, and an application role that may read and write it (and nothing else).
 */
final class FeatureStoreFixture {

    private static final Path SCHEMA = Path.of("..", "..", "schema", "feature_store.cql");

    private final CqlServer server;
    private final String keyspace;
    private final CqlCredentials app;

    private FeatureStoreFixture(CqlServer server, String keyspace, CqlCredentials app) {
        this.server = server;
        this.keyspace = keyspace;
        this.app = app;
    }

    /** Applies the schema to a new keyspace and creates its application role. */
    static FeatureStoreFixture create(String keyspace) throws IOException, InterruptedException {
        CqlServer server = CqlServer.shared();
        String schema = Files.readString(SCHEMA)
                .replace("__KEYSPACE__", keyspace)
                .replace("__REPLICATION__", "'" + CqlServer.DATACENTER + "': 1");
        String[] statements = Arrays.stream(schema.replaceAll("(?m)^--.*$", "").split(";"))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toArray(String[]::new);
        server.executeAsSuperuser(statements);
        String password = "pw-" + java.util.UUID.randomUUID();
        CqlServer.Credentials role = server.createLoginRole(keyspace + "_app", password);
        server.executeAsSuperuser(
                "GRANT SELECT ON KEYSPACE " + keyspace + " TO " + role.user(),
                "GRANT MODIFY ON KEYSPACE " + keyspace + " TO " + role.user());
        return new FeatureStoreFixture(server, keyspace, new CqlCredentials(role.user(), role.password()));
    }

    CqlServer server() {
        return server;
    }

    String keyspace() {
        return keyspace;
    }

    /** The application role's login. */
    CqlCredentials app() {
        return app;
    }

    /** Service settings that point the feature store at this keyspace with the application role. */
    Map<String, String> serviceSettings() {
        return Map.of(
                "features.enabled",
                "true",
                "features.contact-points",
                "127.0.0.1:" + server.contactPoint().getPort(),
                "features.local-datacenter",
                CqlServer.DATACENTER,
                "features.keyspace",
                keyspace,
                "features.username",
                app.username(),
                "features.password",
                app.password(),
                "features.request-timeout",
                "2s");
    }
}
