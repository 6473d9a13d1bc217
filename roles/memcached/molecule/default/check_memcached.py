#!/usr/bin/env python3
"""Behavioural check of a memcached server over the binary protocol with SASL (PLAIN).

Reads its settings as JSON on stdin, so the password never appears on a command line:
  {"host": "10.89.0.5", "port": 11211, "username": "u", "password": "...",
   "memory_mb": 48, "max_connections": 256, "max_item_size": "2m", "sasl": true,
   "refused_password": "a previous password, optional"}
Prints one line per check and a closing "N passed, N failed" line; exits 1 if any check failed.
The password is never printed.
"""
import json
import os
import sys

from bmemcached.exceptions import InvalidCredentials, MemcachedException
from bmemcached.protocol import Protocol

STATUS_AUTH_ERROR = 0x20
STATUS_TOO_LARGE = 0x03
TIMEOUT_S = 5


def size_in_bytes(text):
    units = {"k": 1024, "m": 1024 * 1024}
    return int(text[:-1]) * units[text[-1].lower()]


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, func):
        try:
            detail = func()
        except Exception as exc:  # a check that raises has failed; say why
            self.failed += 1
            print(f"FAILED: {name}: {type(exc).__name__}: {exc}")
            return
        self.passed += 1
        print(f"ok: {name}{': ' + detail if detail else ''}")


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def main():
    cfg = json.load(sys.stdin)
    server = f"{cfg['host']}:{cfg['port']}"
    sasl = cfg.get("sasl", True)
    checks = Checks()

    def client(password=None, username=None):
        return Protocol(server, username=username or (cfg["username"] if password else None),
                        password=password, socket_timeout=TIMEOUT_S)

    good = client(cfg["password"]) if sasl else client()
    key = "molecule-check-" + os.urandom(6).hex()
    value = os.urandom(32)

    def set_and_get():
        assert good.set(key, value, 60, compress_level=0), "set returned no success"
        got, _ = good.get(key)
        assert got == value, f"get returned {got!r}, expected the value just set"
        if sasl:
            assert good.authenticated, "client did not authenticate"
        return f"{len(value)} bytes round-tripped"

    def refused(password):
        bad = client(password)
        try:
            bad.set(key, b"intruder", 60, compress_level=0)
        except InvalidCredentials:
            return "server answered auth error"
        except MemcachedException as exc:
            assert exc.code == STATUS_AUTH_ERROR, f"expected auth error 0x20, got {exc.code}"
            return f"server answered auth error: {exc}"
        raise AssertionError("the password was accepted")

    def wrong_password_refused():
        return refused(cfg["password"] + "-wrong")

    def previous_password_refused():
        return refused(cfg["refused_password"])

    def anonymous_refused():
        anonymous = client()
        try:
            anonymous.get(key)
        except MemcachedException as exc:
            assert exc.code == STATUS_AUTH_ERROR, f"expected auth error 0x20, got {exc.code}"
            return "unauthenticated get answered auth error"
        raise AssertionError("an unauthenticated client could read a key")

    def stats_answer():
        stats = good.stats()
        assert "pid" in stats and "uptime" in stats, f"stats lacks pid/uptime: {sorted(stats)[:8]}"
        expected = int(cfg["memory_mb"]) * 1024 * 1024
        assert int(stats["limit_maxbytes"]) == expected, \
            f"limit_maxbytes is {stats['limit_maxbytes']}, expected {expected}"
        return f"version {text(stats.get('version'))}, limit_maxbytes {text(stats['limit_maxbytes'])}"

    def settings_in_effect():
        settings = good.stats("settings")
        assert int(settings["maxconns"]) == int(cfg["max_connections"]), \
            f"maxconns is {settings['maxconns']}, expected {cfg['max_connections']}"
        assert int(settings["item_size_max"]) == size_in_bytes(cfg["max_item_size"]), \
            f"item_size_max is {settings['item_size_max']}, expected {cfg['max_item_size']}"
        return f"maxconns {text(settings['maxconns'])}, item_size_max {text(settings['item_size_max'])}"

    def item_size_limit_enforced():
        limit = size_in_bytes(cfg["max_item_size"])
        fits = os.urandom(limit * 3 // 4)
        assert good.set(key + "-fits", fits, 60, compress_level=0), f"an item of {len(fits)} bytes (under the limit) was refused"
        try:
            good.set(key + "-big", os.urandom(limit + 1024), 60, compress_level=0)
        except MemcachedException as exc:
            assert exc.code == STATUS_TOO_LARGE, f"expected 'too large', got {exc.code}"
            return f"{len(fits)} bytes stored, {limit + 1024} bytes refused"
        raise AssertionError(f"an item over the {cfg['max_item_size']} limit was stored")

    checks.check("the right credentials set and get a key", set_and_get)
    if sasl:
        checks.check("a wrong password is refused", wrong_password_refused)
        checks.check("a client without credentials is refused", anonymous_refused)
        if cfg.get("refused_password"):
            checks.check("the previous password is refused", previous_password_refused)
    checks.check("stats answers with the configured memory limit", stats_answer)
    checks.check("connections and item size settings are in effect", settings_in_effect)
    checks.check("the max item size is enforced", item_size_limit_enforced)
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
