#!/usr/bin/python
"""Ansible module of the scylladb role: authentication, replication, schema and roles over CQL."""

DOCUMENTATION = r"""
module: scylladb_cql
short_description: Manage auth, replication, schema and roles of a ScyllaDB (or CQL-compatible) cluster
description:
  - Talks CQL with the Python driver (Debian's python3-cassandra). Credentials reach it as module
    arguments (never a command line) and are never returned.
  - C(superuser) makes sure the operator superuser logs in; on a fresh cluster it is created as the default
    superuser, which is then made unusable (random password, not superuser, no login).
  - C(replication) sets a keyspace's NetworkTopologyStrategy replication.
  - C(schema) applies a schema file when the keyspace's schema_version is older than the file's and refuses
    a database newer than the file; then sets the keyspace's replication.
  - C(role) creates or corrects a role (login, password, not superuser) and its permissions, granting what
    is missing and revoking what is not listed.
options:
  action: {type: str, required: true, choices: [superuser, replication, schema, role]}
  contact_points: {type: list, elements: str, required: true}
  port: {type: int, default: 9042}
  local_datacenter: {type: str, required: true}
  login_user: {type: str, required: true}
  login_password: {type: str, required: true, no_log: true}
  wait: {type: int, default: 0, description: Seconds to wait for CQL to answer (and accept a login).}
  default_user: {type: str}
  default_password: {type: str, no_log: true}
  keyspace: {type: str}
  replication: {type: dict}
  schema: {type: str, description: The schema file's text with __KEYSPACE__ and __REPLICATION__ placeholders.}
  component: {type: str, default: feature_store}
  name: {type: str}
  login: {type: bool, default: true}
  password: {type: str, no_log: true}
  permissions:
    type: list
    elements: dict
    default: []
    description: Items with C(resource) (CQL syntax, e.g. C(KEYSPACE features), C(ALL ROLES)) and C(permissions).
requirements: [python3-cassandra]
"""

import re
import secrets
import time

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:
    from cassandra import AuthenticationFailed, ConsistencyLevel
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, NoHostAvailable
    from cassandra.policies import DCAwareRoundRobinPolicy
    HAS_DRIVER = True
except ImportError:
    HAS_DRIVER = False

NTS = "NetworkTopologyStrategy"
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


class LoginRefused(Exception):
    """The server answered and refused these credentials."""


def literal(value):
    return "'" + value.replace("'", "''") + "'"


def identifier(name):
    if not IDENTIFIER.match(name):
        raise ValueError("not a plain CQL identifier: %r" % name)
    return name


class Cql:
    def __init__(self, module):
        self.module = module
        self.p = module.params

    def connect(self, user, password, wait=0):
        """A session as this user. Raises LoginRefused when the server refuses the login."""
        deadline = time.monotonic() + wait
        while True:
            profile = ExecutionProfile(
                load_balancing_policy=DCAwareRoundRobinPolicy(local_dc=self.p["local_datacenter"]),
                consistency_level=ConsistencyLevel.LOCAL_QUORUM, request_timeout=30)
            cluster = Cluster(self.p["contact_points"], port=self.p["port"], protocol_version=4,
                              auth_provider=PlainTextAuthProvider(user, password),
                              execution_profiles={EXEC_PROFILE_DEFAULT: profile}, connect_timeout=20)
            try:
                session = cluster.connect()
                session.cluster_ref = cluster
                return session
            except NoHostAvailable as exc:
                cluster.shutdown()
                if any(isinstance(e, AuthenticationFailed) for e in exc.errors.values()):
                    raise LoginRefused(user)
                if time.monotonic() > deadline:
                    self.module.fail_json(msg="no CQL server answers on %s port %d: %s"
                                          % (", ".join(self.p["contact_points"]), self.p["port"], exc))
                time.sleep(2)

    def accepts(self, user, password):
        try:
            self.close(self.connect(user, password, self.p["wait"]))
            return True
        except LoginRefused:
            return False

    @staticmethod
    def close(session):
        session.cluster_ref.shutdown()

    def admin(self):
        try:
            return self.connect(self.p["login_user"], self.p["login_password"], self.p["wait"])
        except LoginRefused:
            self.module.fail_json(msg="the operator superuser %s cannot log in (wrong password?)" % self.p["login_user"])


def superuser(cql, changes):
    """The operator superuser logs in; the default superuser does not."""
    p = cql.p
    user, password = p["login_user"], p["login_password"]
    deadline = time.monotonic() + p["wait"]
    while True:
        try:
            session = cql.connect(user, password, p["wait"])
            break
        except LoginRefused:
            pass
        try:
            default = cql.connect(p["default_user"], p["default_password"], p["wait"])
        except LoginRefused:
            # A fresh node creates its default superuser a moment after CQL starts answering.
            if time.monotonic() > deadline:
                cql.module.fail_json(msg=(
                    "neither the operator superuser %s nor the default superuser %s can log in. If the "
                    "operator password was changed since the last run, set the old one back or reset it "
                    "on the cluster; this role never re-enables the default superuser." % (user, p["default_user"])))
            time.sleep(2)
            continue
        exists = any(r.role == user for r in default.execute("LIST ROLES"))
        default.execute("%s ROLE %s WITH SUPERUSER = true AND LOGIN = true AND PASSWORD = %s"
                        % ("ALTER" if exists else "CREATE", identifier(user), literal(password)))
        cql.close(default)
        changes.append("created the operator superuser %s" % user)
        # The next round logs in as the operator.
    default_role = [r for r in session.execute("LIST ROLES") if r.role == p["default_user"]]
    if default_role and (default_role[0].super or default_role[0].login):
        # A random password nobody keeps, no superuser status, no login: unusable. Kept as a disabled role
        # rather than dropped, so no start-up logic that creates a missing default role brings it back.
        session.execute("ALTER ROLE %s WITH PASSWORD = %s AND SUPERUSER = false AND LOGIN = false"
                        % (identifier(p["default_user"]), literal(secrets.token_urlsafe(32))))
        changes.append("disabled the default superuser %s" % p["default_user"])
    return session


def replication_map(replication):
    return ", ".join("%s: %d" % (literal(dc), int(rf)) for dc, rf in sorted(replication.items()))


def ensure_replication(session, keyspace, replication, changes):
    row = session.execute("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = %s",
                          (keyspace,)).one()
    if row is None:
        raise ValueError("keyspace %s does not exist" % keyspace)
    current = dict(row.replication)
    wanted = {dc: str(int(rf)) for dc, rf in replication.items()}
    if current.pop("class", "").endswith(NTS) and current == wanted:
        return
    session.execute("ALTER KEYSPACE %s WITH replication = {'class': '%s', %s}"
                    % (identifier(keyspace), NTS, replication_map(replication)))
    changes.append("set the replication of %s to %s (run a repair to stream existing data)"
                   % (keyspace, replication_map(replication)))


def schema(cql, session, changes):
    p = cql.p
    keyspace, component = identifier(p["keyspace"]), p["component"]
    text = p["schema"].replace("__KEYSPACE__", keyspace).replace("__REPLICATION__", replication_map(p["replication"]))
    found = re.search(r"schema_version\s*\(component, version, applied_at\)\s*VALUES\s*\('%s',\s*(\d+)"
                      % re.escape(component), text)
    if not found:
        cql.module.fail_json(msg="the schema file does not record a version of %s in schema_version" % component)
    repo_version = int(found.group(1))
    db_version = 0
    has_table = session.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s "
                                "AND table_name = 'schema_version'", (keyspace,)).one()
    if has_table:
        row = session.execute("SELECT version FROM %s.schema_version WHERE component = %%s" % keyspace,
                              (component,)).one()
        db_version = row.version if row else 0
    if db_version > repo_version:
        cql.module.fail_json(msg=(
            "keyspace %s is at %s schema version %d, newer than this repository's schema (version %d): "
            "refusing to change it. Deploy the repository release that wrote version %d."
            % (keyspace, component, db_version, repo_version, db_version)), db_version=db_version,
            repo_version=repo_version)
    if db_version < repo_version:
        body = re.sub(r"(?m)^\s*--.*$", "", text)
        for statement in (s.strip() for s in body.split(";")):
            if statement:
                session.execute(statement)
        changes.append("migrated %s.%s from schema version %d to %d" % (keyspace, component, db_version, repo_version))
    ensure_replication(session, keyspace, p["replication"], changes)
    return db_version, repo_version


def resource_cql(key):
    """The form LIST PERMISSIONS prints (<table features.t>) back to GRANT syntax (TABLE features.t)."""
    inner = key[1:-1]
    if inner.startswith("all "):
        return inner.upper()
    kind, name = inner.split(" ", 1)
    return "%s %s" % (kind.upper(), name)


def resource_key(resource):
    """GRANT syntax (KEYSPACE features) to the form LIST PERMISSIONS prints (<keyspace features>)."""
    return "<%s>" % " ".join(resource.split()).lower()


def role(cql, session, changes):
    p = cql.p
    name = identifier(p["name"])
    rows = [r for r in session.execute("LIST ROLES") if r.role == name]
    if not rows:
        options = "LOGIN = %s" % ("true" if p["login"] else "false")
        if p["login"]:
            options += " AND PASSWORD = %s" % literal(p["password"])
        session.execute("CREATE ROLE %s WITH %s" % (name, options))
        changes.append("created role %s" % name)
    else:
        if rows[0].super or rows[0].login != p["login"]:
            session.execute("ALTER ROLE %s WITH SUPERUSER = false AND LOGIN = %s"
                            % (name, "true" if p["login"] else "false"))
            changes.append("set role %s to superuser=false, login=%s" % (name, p["login"]))
        if p["login"] and not cql.accepts(name, p["password"]):
            session.execute("ALTER ROLE %s WITH PASSWORD = %s" % (name, literal(p["password"])))
            changes.append("set the password of role %s" % name)
    wanted = {}
    for item in p["permissions"]:
        wanted.setdefault(resource_key(item["resource"]), (item["resource"], set()))[1].update(
            x.upper() for x in item["permissions"])
    held = {}
    for row in session.execute("LIST ALL PERMISSIONS OF %s NORECURSIVE" % name):
        held.setdefault(row.resource, set()).add(row.permission)
    for key, (resource, permissions) in wanted.items():
        for permission in sorted(permissions - held.get(key, set())):
            session.execute("GRANT %s ON %s TO %s" % (permission, resource, name))
            changes.append("granted %s on %s to %s" % (permission, resource, name))
    for key, permissions in held.items():
        if key.startswith("<role ") and key not in wanted:
            continue  # a role this role created (and so owns): Vault's service users
        for permission in sorted(permissions - wanted.get(key, (None, set()))[1]):
            session.execute("REVOKE %s ON %s FROM %s" % (permission, resource_cql(key), name))
            changes.append("revoked %s on %s from %s" % (permission, key, name))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            action=dict(type="str", required=True, choices=["superuser", "replication", "schema", "role"]),
            contact_points=dict(type="list", elements="str", required=True),
            port=dict(type="int", default=9042),
            local_datacenter=dict(type="str", required=True),
            login_user=dict(type="str", required=True),
            login_password=dict(type="str", required=True, no_log=True),
            wait=dict(type="int", default=0),
            default_user=dict(type="str"),
            default_password=dict(type="str", no_log=True),
            keyspace=dict(type="str"),
            replication=dict(type="dict"),
            schema=dict(type="str"),
            component=dict(type="str", default="feature_store"),
            name=dict(type="str"),
            login=dict(type="bool", default=True),
            password=dict(type="str", no_log=True),
            permissions=dict(type="list", elements="dict", default=[]),
        ),
        required_if=[
            ("action", "superuser", ["default_user", "default_password"]),
            ("action", "replication", ["keyspace", "replication"]),
            ("action", "schema", ["keyspace", "replication", "schema"]),
            ("action", "role", ["name"]),
        ],
    )
    if not HAS_DRIVER:
        module.fail_json(msg=missing_required_lib("cassandra-driver (Debian: python3-cassandra)"))
    p = module.params
    if p["action"] == "role" and p["login"] and not p["password"]:
        module.fail_json(msg="role %s logs in: give it a password" % p["name"])
    cql = Cql(module)
    changes = []
    result = {}
    if p["action"] == "superuser":
        session = superuser(cql, changes)
    else:
        session = cql.admin()
    try:
        if p["action"] == "replication":
            ensure_replication(session, p["keyspace"], p["replication"], changes)
        elif p["action"] == "schema":
            result["db_version"], result["repo_version"] = schema(cql, session, changes)
        elif p["action"] == "role":
            role(cql, session, changes)
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    finally:
        cql.close(session)
    module.exit_json(changed=bool(changes), changes=changes, **result)


if __name__ == "__main__":
    main()
