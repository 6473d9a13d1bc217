#!/usr/bin/env python3
"""Stops the packages scenario at once when ScyllaDB's apt repository cannot be reached from here.
Usage: check_repository.py URL   (the Release file of the repository the scenario installs from)"""
import sys
import urllib.request

url = sys.argv[1]
try:
    with urllib.request.urlopen(url, timeout=10) as answer:
        answer.read(1)
except OSError as exc:
    sys.exit(f"ScyllaDB's apt repository is unreachable from this machine ({url}: {exc}). The packages "
             "scenario cannot run here; it has NOT passed. Run it where that repository is reachable.")
print(f"ScyllaDB's apt repository answers: {url}")
