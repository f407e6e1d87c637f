#!/usr/bin/env python3
"""Holds ctest's verdicts (its --output-junit file) to what CI requires.

  ctest-verdicts.py skips ALLOWLIST JUNIT
      Every test that did not run (skipped: the program exited with the
      SKIP_RETURN_CODE; disabled; not run) must match an entry of ALLOWLIST.
      Lists each with the entry's reason; exit 1 if one is not allowed.
  ctest-verdicts.py stale ALLOWLIST JUNIT...
      Entries of ALLOWLIST that matched no test that did not run, in any of
      the given runs: the skip is gone, so is the entry. Exit 1 if any.
  ctest-verdicts.py all-fail ALLOWLIST JUNIT
      The run without the library under test: every test must have failed.
      A test that passed never proved it ran on ShimSSL: listed, exit 1. A
      test that did not run must be allowed as above.

ALLOWLIST (tests/skip-allowlist.txt): one entry a line, a regular expression
that matches the whole ctest test name, then whitespace, then the reason
(required). '#' starts a comment line.
"""
import re
import sys
import xml.etree.ElementTree as ET

NOT_RUN = ("notrun", "disabled")


def load_allowlist(path):
    entries = []
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 1)
            if len(parts) < 2 or not parts[1].strip():
                sys.exit(f"{path}:{n}: an entry needs a reason: {line}")
            try:
                rx = re.compile(parts[0])
            except re.error as e:
                sys.exit(f"{path}:{n}: bad regular expression {parts[0]!r}: {e}")
            entries.append((parts[0], rx, parts[1].strip(), n))
    return entries


def load_junit(path):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        sys.exit(f"cannot read ctest's JUnit file {path}: {e}")
    cases = [(tc.get("name", ""), tc.get("status", "")) for tc in root.iter("testcase")]
    if not cases:
        sys.exit(f"{path}: no tests in it")
    return cases


def allowed_by(entries, name):
    for entry in entries:
        if entry[1].fullmatch(name):
            return entry
    return None


def check_not_run(entries, cases, where):
    """Prints the tests that did not run; returns how many are not allowed."""
    bad = 0
    for name, status in cases:
        if status not in NOT_RUN:
            continue
        entry = allowed_by(entries, name)
        if entry is None:
            print(f"NOT ALLOWED: {name} ({status}) in {where}: a test that does not run "
                  f"hides whatever it would find; make it run, or list it in the allowlist "
                  f"with the reason")
            bad += 1
        else:
            print(f"allowed: {name} ({status}): {entry[2]}")
    return bad


def main(argv):
    if len(argv) < 4 or argv[1] not in ("skips", "stale", "all-fail"):
        sys.exit(__doc__)
    mode, allowlist, files = argv[1], argv[2], argv[3:]
    entries = load_allowlist(allowlist)

    if mode == "skips":
        cases = load_junit(files[0])
        bad = check_not_run(entries, cases, files[0])
        skipped = sum(1 for _, s in cases if s in NOT_RUN)
        print(f"{len(cases)} tests, {skipped} did not run, {bad} of them not allowed")
        return 1 if bad else 0

    if mode == "stale":
        used = set()
        for path in files:
            for name, status in load_junit(path):
                if status in NOT_RUN:
                    entry = allowed_by(entries, name)
                    if entry is not None:
                        used.add(entry[0])
        stale = [e for e in entries if e[0] not in used]
        for e in stale:
            print(f"STALE: {allowlist}:{e[3]}: {e[0]} skipped in none of the runs "
                  f"({', '.join(files)}): remove the entry")
        print(f"{len(entries)} allowlist entries, {len(stale)} stale")
        return 1 if stale else 0

    # all-fail
    cases = load_junit(files[0])
    passed = [name for name, status in cases if status == "run"]
    for name in passed:
        print(f"PASSED WITHOUT SHIMSSL: {name}: it never proved that it ran on the library "
              f"under test")
    bad = check_not_run(entries, cases, files[0])
    failed = sum(1 for _, s in cases if s == "fail")
    print(f"{len(cases)} tests: {failed} failed as they must, {len(passed)} passed, "
          f"{sum(1 for _, s in cases if s in NOT_RUN)} did not run ({bad} not allowed)")
    return 1 if passed or bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
