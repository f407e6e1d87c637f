#!/usr/bin/env python3
"""Every ctest name is unique, and a GoogleTest suite lives in one directory.

  check_test_names.py CTEST BUILD_DIR

Reads `ctest --show-only=json-v1` of BUILD_DIR. Fails when two tests have
the same name, or when tests of one suite (the name's part before '.', after
an instantiation prefix 'Prefix/') come from executables in different
tests/ directories: `ctest -R '^Suite\\.'` must select one directory's tests.
The reference builds' twins (prefix "OpenSsl.") sit beside their originals
and are left out of the second check.
"""
import collections
import json
import os
import subprocess
import sys


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    ctest, build = argv[1], os.path.realpath(argv[2])
    out = subprocess.run([ctest, "--test-dir", build, "--show-only=json-v1"],
                         check=True, capture_output=True, text=True).stdout
    tests = json.loads(out).get("tests", [])
    if not tests:
        sys.exit("no tests listed")
    names = collections.Counter(t["name"] for t in tests)
    bad = [n for n, k in names.items() if k > 1]
    for n in bad:
        print(f"DUPLICATE ctest name: {n}")
    suites = collections.defaultdict(set)
    for t in tests:
        name, cmd = t["name"], t.get("command") or []
        if name.startswith("OpenSsl.") or "." not in name or not cmd:
            continue
        rel = os.path.relpath(os.path.realpath(cmd[0]), build)
        if not rel.startswith("tests" + os.sep):
            continue
        directory = rel.split(os.sep)[1]
        suites[name.split(".", 1)[0].split("/")[-1]].add(directory)
    shared = {s: d for s, d in suites.items() if len(d) > 1}
    for s, d in sorted(shared.items()):
        print(f"SUITE {s} in several directories: {', '.join(sorted(d))}: rename one")
    print(f"{len(tests)} tests, {len(bad)} duplicate names, {len(suites)} suites, "
          f"{len(shared)} in several directories")
    return 1 if bad or shared else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
