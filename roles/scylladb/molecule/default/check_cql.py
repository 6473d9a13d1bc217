#!/usr/bin/env python3
"""Behaviour checks of the scylladb role over CQL, run from the control node against the instance.

Reads JSON on stdin (never arguments: it holds passwords): host, port, dc, keyspace, schema_version,
replication, system_auth_replication, default superuser, and the operator, vault_admin and
feature_ingest logins, with the reader role's name. With "set_version": N it only sets the keyspace's
schema_version to N as the operator (to test migrations and the refusal of a newer database), with
"set_ingest_password" it changes feature_ingest's password behind the role's back.
Prints one line per check and exits 1 if any failed. No password is ever printed.
"""
import json
import sys
import time
import uuid

from cassandra import AuthenticationFailed, ConsistencyLevel, Unauthorized
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, NoHostAvailable
from cassandra.policies import DCAwareRoundRobinPolicy


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, fn):
        try:
            detail = fn()
            self.passed += 1
            print(f"PASS {name}" + (f": {detail}" if detail else ""))
        except Exception as exc:  # a failed check is reported, not raised
            self.failed += 1
            print(f"FAIL {name}: {type(exc).__name__}: {exc}")


def main():
    cfg = json.load(sys.stdin)
    ks = cfg["keyspace"]
    sessions = []

    def connect(user, password):
        profile = ExecutionProfile(load_balancing_policy=DCAwareRoundRobinPolicy(local_dc=cfg["dc"]),
                                   consistency_level=ConsistencyLevel.LOCAL_QUORUM, request_timeout=30)
        cluster = Cluster([cfg["host"]], port=cfg["port"], protocol_version=4, connect_timeout=20,
                          auth_provider=PlainTextAuthProvider(user, password),
                          execution_profiles={EXEC_PROFILE_DEFAULT: profile})
        session = cluster.connect()
        sessions.append(cluster)
        return session

    def refused_login(user, password):
        try:
            connect(user, password)
        except NoHostAvailable as exc:
            errors = list(exc.errors.values())
            assert errors and all(isinstance(e, AuthenticationFailed) for e in errors), f"not an auth error: {exc}"
            return "refused: " + str(errors[0]).split("message=")[-1].strip('"> ')[:80]
        raise AssertionError(f"{user} logged in")

    def unauthorized(session, statement):
        try:
            session.execute(statement)
        except Unauthorized as exc:
            return str(exc).split("message=")[-1].strip('"')[:100]
        raise AssertionError(f"allowed: {statement}")

    op = cfg["operator"]
    try:
        admin = connect(op["user"], op["password"])
        if "set_version" in cfg or "set_ingest_password" in cfg:
            if "set_version" in cfg:
                admin.execute(f"UPDATE {ks}.schema_version SET version = %s WHERE component = 'feature_store'",
                              (cfg["set_version"],))
                print(f"set {ks}.schema_version of feature_store to {cfg['set_version']}")
            if "set_ingest_password" in cfg:
                admin.execute(f"ALTER ROLE {cfg['ingest']['user']} WITH PASSWORD = %s", (cfg["set_ingest_password"],))
                print(f"changed the password of {cfg['ingest']['user']} behind the role's back")
            return 0
        return run_checks(cfg, ks, connect, refused_login, unauthorized, admin)
    finally:
        for cluster in sessions:
            cluster.shutdown()


def run_checks(cfg, ks, connect, refused_login, unauthorized, admin):
    checks = Checks()
    op, vault, ingest = cfg["operator"], cfg["vault_admin"], cfg["ingest"]
    reader_role = cfg["reader_role"]
    entity = "molecule-" + uuid.uuid4().hex[:8]
    issued = {"user": "v-molecule-" + uuid.uuid4().hex[:8], "password": uuid.uuid4().hex}

    def schema_version():
        row = admin.execute(f"SELECT version FROM {ks}.schema_version WHERE component = 'feature_store'").one()
        assert row is not None and row.version == cfg["schema_version"], \
            f"schema_version is {row and row.version}, the repository's is {cfg['schema_version']}"
        tables = {r.table_name for r in admin.execute(
            "SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s", (ks,))}
        assert {"entity_features", "entity_events", "schema_version"} <= tables, f"tables: {sorted(tables)}"
        return f"version {row.version}, tables {sorted(tables)}"

    def replication(keyspace, wanted):
        def check():
            row = admin.execute("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = %s",
                                (keyspace,)).one()
            got = dict(row.replication)
            assert got.pop("class").endswith("NetworkTopologyStrategy"), f"{keyspace}: {row.replication}"
            assert got == {dc: str(rf) for dc, rf in wanted.items()}, f"{keyspace}: {got}, wanted {wanted}"
            return f"{keyspace}: NetworkTopologyStrategy {got}"
        return check

    def default_superuser_unusable():
        detail = refused_login(cfg["default_superuser"], cfg["default_superuser_password"])
        row = [r for r in admin.execute("LIST ROLES") if r.role == cfg["default_superuser"]]
        assert not row or (not row[0].super and not row[0].login), f"{cfg['default_superuser']}: {row}"
        return detail + "; the role is neither superuser nor allowed to log in"

    def operator_is_superuser():
        row = [r for r in admin.execute("LIST ROLES") if r.role == op["user"]]
        assert row and row[0].super and row[0].login, f"{op['user']}: {row}"
        return f"{op['user']} is a superuser that logs in"

    def ingest_writes_and_reads():
        s = connect(ingest["user"], ingest["password"])
        s.execute(f"INSERT INTO {ks}.entity_features (entity_type, entity_id, feature, value, updated_at) "
                  "VALUES ('user_id', %s, 'account_age_days', 42, toTimestamp(now()))", (entity,))
        s.execute(f"INSERT INTO {ks}.entity_events (entity_type, entity_id, occurred_at, event_id, amount) "
                  "VALUES ('user_id', %s, toTimestamp(now()), uuid(), 12.5)", (entity,))
        rows = list(s.execute(f"SELECT value FROM {ks}.entity_features WHERE entity_type = 'user_id' "
                              "AND entity_id = %s", (entity,)))
        assert [r.value for r in rows] == [42.0], f"read back {rows}"
        return "wrote a feature and an event, read the feature back"

    def ingest_refused_beyond_data():
        s = connect(ingest["user"], ingest["password"])
        return "; ".join([
            unauthorized(s, f"INSERT INTO {ks}.schema_version (component, version) VALUES ('feature_store', 99)"),
            unauthorized(s, f"DROP TABLE {ks}.entity_events"),
            unauthorized(s, f"CREATE TABLE {ks}.intruder (k int PRIMARY KEY)"),
            unauthorized(s, "CREATE ROLE intruder WITH LOGIN = true AND PASSWORD = 'intruder-password'"),
        ])

    def vault_admin_issues_reader():
        s = connect(vault["user"], vault["password"])
        # Vault's database engine (Cassandra plugin) runs statements like these as vault_admin.
        s.execute(f"CREATE ROLE '{issued['user']}' WITH PASSWORD = '{issued['password']}' AND LOGIN = true")
        s.execute(f"GRANT {reader_role} TO '{issued['user']}'")
        return f"created {issued['user']} and granted it {reader_role}"

    def issued_user_reads_only():
        time.sleep(3)  # the stand-in caches roles and permissions for 2 s
        s = connect(issued["user"], issued["password"])
        rows = list(s.execute(f"SELECT feature, value FROM {ks}.entity_features WHERE entity_type = 'user_id' "
                              "AND entity_id = %s", (entity,)))
        assert len(rows) == 1, f"read {rows}"
        list(s.execute(f"SELECT amount FROM {ks}.entity_events WHERE entity_type = 'user_id' AND entity_id = %s",
                       (entity,)))
        # The service prepares its writes on the same session: preparing must work, executing must not.
        s.prepare(f"INSERT INTO {ks}.entity_features (entity_type, entity_id, feature, value, updated_at) "
                  "VALUES (?, ?, ?, ?, ?)")
        return "read features and events; " + "; ".join([
            unauthorized(s, f"INSERT INTO {ks}.entity_features (entity_type, entity_id, feature, value) "
                            f"VALUES ('user_id', '{entity}', 'x', 1)"),
            unauthorized(s, f"DELETE FROM {ks}.entity_events WHERE entity_type = 'user_id' AND entity_id = '{entity}'"),
            unauthorized(s, f"TRUNCATE {ks}.entity_features"),
            unauthorized(s, "SELECT * FROM molecule_scratch.other"),
        ])

    def vault_admin_refused_beyond_roles():
        s = connect(vault["user"], vault["password"])
        return "; ".join([
            unauthorized(s, f"SELECT * FROM {ks}.entity_features LIMIT 1"),
            unauthorized(s, f"GRANT {ingest['user']} TO '{issued['user']}'"),
            unauthorized(s, f"GRANT MODIFY ON KEYSPACE {ks} TO '{issued['user']}'"),
            unauthorized(s, "CREATE ROLE intruder WITH SUPERUSER = true AND LOGIN = true AND PASSWORD = 'x-intruder'"),
            unauthorized(s, f"ALTER ROLE {op['user']} WITH PASSWORD = 'taken-over-password'"),
        ])

    def vault_admin_drops_issued_user():
        s = connect(vault["user"], vault["password"])
        s.execute(f"DROP ROLE '{issued['user']}'")
        time.sleep(3)
        return "dropped it; " + refused_login(issued["user"], issued["password"])

    admin.execute("CREATE KEYSPACE IF NOT EXISTS molecule_scratch WITH replication = "
                  "{'class': 'NetworkTopologyStrategy', '%s': 1}" % cfg["dc"])
    admin.execute("CREATE TABLE IF NOT EXISTS molecule_scratch.other (k int PRIMARY KEY)")
    checks.check("the schema is at the repository's version", schema_version)
    checks.check("the feature keyspace is replicated as configured", replication(ks, cfg["replication"]))
    checks.check("system_auth is replicated per data centre", replication("system_auth", cfg["system_auth_replication"]))
    checks.check("the operator is a superuser", operator_is_superuser)
    checks.check("the default superuser is refused and disabled", default_superuser_unusable)
    checks.check("a wrong operator password is refused", lambda: refused_login(op["user"], op["password"] + "x"))
    checks.check("a wrong ingest password is refused", lambda: refused_login(ingest["user"], "wrong-" + ingest["password"]))
    checks.check(f"{reader_role} cannot log in", lambda: refused_login(reader_role, "any-password-at-all"))
    checks.check(f"{ingest['user']} writes and reads feature data", ingest_writes_and_reads)
    checks.check(f"{ingest['user']} is refused schema_version, DDL and roles", ingest_refused_beyond_data)
    checks.check(f"{vault['user']} creates a service user with {reader_role}", vault_admin_issues_reader)
    checks.check(f"the service user reads features and is refused writes and other keyspaces", issued_user_reads_only)
    checks.check(f"{vault['user']} is refused data, other grants and superusers", vault_admin_refused_beyond_roles)
    checks.check(f"{vault['user']} drops the service user, which can no longer log in", vault_admin_drops_issued_user)
    admin.execute("DROP KEYSPACE IF EXISTS molecule_scratch")
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
