package dev.appliance.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.auth.AuthenticationException;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.servererrors.UnauthorizedException;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The CQL stand-in the feature-store tests run against: password logins, permissions, restarts. */
class CqlServerTest {

    private static CqlServer cql;
    private static CqlServer.Credentials app;

    @BeforeAll
    static void startStandIn() throws Exception {
        cql = CqlServer.shared();
        cql.executeAsSuperuser(
                "CREATE KEYSPACE IF NOT EXISTS standin_test WITH replication = "
                        + "{'class': 'NetworkTopologyStrategy', '" + CqlServer.DATACENTER + "': 1}",
                "CREATE TABLE IF NOT EXISTS standin_test.kv (k text PRIMARY KEY, v int)");
        // A fresh password per run: nothing secret is committed, not even for a throw-away server.
        app = cql.createLoginRole("app", UUID.randomUUID().toString());
        cql.executeAsSuperuser("GRANT SELECT ON KEYSPACE standin_test TO app");
    }

    @Test
    void superuserLogsInWithTheDriver() {
        try (CqlSession session = CqlSession.builder()
                .addContactPoint(cql.contactPoint())
                .withLocalDatacenter(CqlServer.DATACENTER)
                .withAuthCredentials(cql.superuser().user(), cql.superuser().password())
                .build()) {
            Row row =
                    session.execute("SELECT release_version FROM system.local").one();
            assertFalse(row.getString("release_version").isBlank());
        }
    }

    @Test
    void appRoleLogsInAndHasOnlyTheGrantedPermissions() {
        cql.executeAsSuperuser("INSERT INTO standin_test.kv (k, v) VALUES ('granted', 1)");
        try (CqlSession session = cql.connect(app)) {
            Row row = session.execute("SELECT v FROM standin_test.kv WHERE k = 'granted'")
                    .one();
            assertEquals(1, row.getInt("v"));
            assertThrows(
                    UnauthorizedException.class,
                    () -> session.execute("INSERT INTO standin_test.kv (k, v) VALUES ('refused', 2)"));
        }
    }

    @Test
    void wrongPasswordFailsAuthentication() {
        CqlServer.Credentials wrong = new CqlServer.Credentials(app.user(), app.password() + "-wrong");
        AllNodesFailedException failure = assertThrows(AllNodesFailedException.class, () -> cql.connect(wrong));
        Throwable cause = failure.getAllErrors().values().iterator().next().get(0);
        assertInstanceOf(AuthenticationException.class, cause);
        assertTrue(cause.getMessage().contains("Authentication error"), cause.getMessage());
    }

    @Test
    void tableWrittenBeforeStopIsReadableAfterStart() throws Exception {
        cql.executeAsSuperuser("INSERT INTO standin_test.kv (k, v) VALUES ('before-restart', 42)");
        cql.stop();
        cql.start();
        try (CqlSession session = cql.connect(app)) {
            Row row = session.execute("SELECT v FROM standin_test.kv WHERE k = 'before-restart'")
                    .one();
            assertEquals(42, row.getInt("v"));
        }
    }
}
