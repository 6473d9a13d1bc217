#!/usr/bin/env python3
"""Logs in to a CQL server with credentials read as JSON on stdin, so no password is on a command line:
  {"host": "10.89.0.5", "port": 9042, "username": "u", "password": "...", "keyspace": "features",
   "expect": "read-only" | "refused"}
read-only: the login works, the keyspace can be read and a write is refused.
refused:   the login is refused.
Prints one line per check and a closing "N passed, N failed" line; exits 1 if any check failed.
"""
import json
import sys

from cassandra import Unauthorized
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster, NoHostAvailable
from cassandra.policies import DCAwareRoundRobinPolicy


def connect(cfg):
    cluster = Cluster([cfg["host"]], port=int(cfg["port"]), protocol_version=4,
                      auth_provider=PlainTextAuthProvider(cfg["username"], cfg["password"]),
                      load_balancing_policy=DCAwareRoundRobinPolicy(local_dc="datacenter1"),
                      connect_timeout=10, control_connection_timeout=10)
    return cluster, cluster.connect()


def main():
    cfg = json.load(sys.stdin)
    results = []
    if cfg["expect"] == "refused":
        try:
            cluster, _ = connect(cfg)
            cluster.shutdown()
            results.append((False, "the login was accepted"))
        except NoHostAvailable as exc:
            auth = any("Authentication" in type(e).__name__ or "authentication" in str(e).lower()
                       or "bad credentials" in str(e).lower() for e in exc.errors.values())
            results.append((auth, f"login refused: {'authentication error' if auth else exc}"))
    else:
        cluster, session = connect(cfg)
        results.append((True, f"logged in as {cfg['username'][:12]}..."))
        rows = list(session.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s",
                                    [cfg["keyspace"]]))
        results.append((len(rows) > 0, f"the keyspace {cfg['keyspace']} has {len(rows)} tables"))
        table = rows[0].table_name if rows else "entity_features"
        try:
            session.execute(f"SELECT * FROM {cfg['keyspace']}.{table} LIMIT 1")
            results.append((True, f"read {cfg['keyspace']}.{table}"))
        except Unauthorized as exc:
            results.append((False, f"read refused: {exc}"))
        try:
            session.execute(f"TRUNCATE {cfg['keyspace']}.{table}")
            results.append((False, f"TRUNCATE {cfg['keyspace']}.{table} was allowed"))
        except Unauthorized:
            results.append((True, f"write (TRUNCATE {table}) refused"))
        cluster.shutdown()
    for ok, line in results:
        print(("ok: " if ok else "FAILED: ") + line)
    failed = sum(1 for ok, _ in results if not ok)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
