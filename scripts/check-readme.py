#!/usr/bin/env python3
"""Checks that every `make` target and every repository path README.md names exists.

Targets: the word after each `make ` in the README must be a target of the Makefile.
Paths: each Markdown link or image to a relative path, and each code span that looks like a path (has a
slash or a file suffix) and names something under the repository root, must exist. Generated paths
(.cache/, .venv/, app/target/, build/, models/) and placeholders (<...>) are skipped.
Usage: scripts/check-readme.py [README]   Exit 1 and one line per problem when anything is missing.
"""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATED = (".cache/", ".venv/", "app/target/", "build/", "models/", "inventory/lab/hosts")


def make_targets():
    out = subprocess.run(["make", "-qp", "-f", str(ROOT / "Makefile")], cwd=ROOT, capture_output=True,
                         text=True).stdout
    return {m.group(1) for m in re.finditer(r"^([A-Za-z0-9_.-]+):(?!=)", out, re.M)}


def main():
    readme = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "README.md"
    text = readme.read_text()
    problems = []
    targets = make_targets()
    for target in sorted(set(re.findall(r"\bmake ([a-z][a-z0-9-]*)", text))):
        if target not in targets:
            problems.append(f"make target '{target}' is not in the Makefile")
    paths = set(m.group(1) for m in re.finditer(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text))
    paths |= set(re.findall(r"`([A-Za-z0-9_.][A-Za-z0-9_./-]*/[A-Za-z0-9_./-]*|[A-Za-z0-9_-]+\.(?:md|yml|yaml|py|sh|txt|xml|dot|svg|cql))`", text))
    # The layout block: the first word of each line names a top-level file or folder.
    layout = re.search(r"## Layout\s+```\n(.*?)```", text, re.S)
    if layout:
        paths |= {line.split()[0] for line in layout.group(1).splitlines() if line and not line[0].isspace()}
    for path in sorted(paths):
        if re.match(r"[a-z]+://", path) or "<" in path or path.startswith(GENERATED):
            continue
        if not (ROOT / path).exists():
            problems.append(f"path '{path}' does not exist")
    for problem in problems:
        print(f"{readme.name}: {problem}")
    if problems:
        return 1
    print(f"{readme.name}: {len(paths)} paths and every make target named exist")
    return 0


if __name__ == "__main__":
    sys.exit(main())
