#!/usr/bin/env python3
"""Mutation check: every security check listed in mutants.ini must be noticed
by a test when it is taken out.

Each entry names a source file, an anchor (the exact source text of the
check, matched with any run of whitespace standing for any other, so it
survives reformatting and line shifts; it must occur exactly once), the
replacement that disables the check, the CMake targets holding the tests
(the test executables; they pull in shimssl_static / shimssl_corelib / ssl),
and the ctest regex of the tests that must fail then.

The script keeps a copy of the source tree under <dir>/src (synchronised
with the working tree at each start: only changed files are rewritten, so
the build in <dir>/build, configured once, stays incremental). For each
mutant it rewrites the one file in the copy, rebuilds only the entry's
targets, runs the entry's tests, and puts the file back. The working tree is
never touched.

Exit status 0 only if every selected mutant was killed. Anything else is a
failure: a mutant that survived, an anchor that is missing or not unique (the
list must not rot silently: anchors of ALL entries are checked on every run,
selected or not), a mutant that does not compile, a test regex matching no
test, or tests that fail before any mutation.

    tools/mutation/run.py            the quick subset (entries with quick = yes)
    tools/mutation/run.py --all      every entry
    tools/mutation/run.py NAME...    the named entries
    tools/mutation/run.py --list     list the entries
    tools/mutation/run.py --check    check the anchors only (no build)

Python 3 standard library only.
"""

import argparse
import configparser
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LIST = os.path.join(HERE, "mutants.ini")
FIELDS = ("what", "file", "anchor", "replace", "targets", "tests")


class Entry:
    def __init__(self, name, sec):
        self.name = name
        missing = [f for f in FIELDS if f not in sec]
        if missing:
            raise ValueError("[%s] lacks %s" % (name, ", ".join(missing)))
        self.what = sec["what"]
        self.file = sec["file"]
        self.anchor = sec["anchor"]
        self.replace = sec["replace"]
        self.targets = sec["targets"].split()
        self.tests = sec["tests"].replace("\n", "")
        self.quick = sec.get("quick", "no").strip().lower() in ("yes", "true", "1")
        if not self.anchor.strip() or not self.targets or not self.tests:
            raise ValueError("[%s] has an empty anchor, targets or tests" % name)


def load_entries(path):
    cp = configparser.ConfigParser(interpolation=None, comment_prefixes=("#",),
                                   inline_comment_prefixes=None, strict=True)
    cp.optionxform = str
    with open(path, encoding="utf-8") as f:
        cp.read_file(f)
    return [Entry(n, cp[n]) for n in cp.sections()]


def anchor_regex(anchor):
    """The anchor with every whitespace run matching any whitespace run."""
    parts = anchor.strip().split()
    return re.compile(r"\s+".join(re.escape(p) for p in parts))


def find_anchor(text, e):
    """(start, end) of the single occurrence, or an error message."""
    hits = list(anchor_regex(e.anchor).finditer(text))
    if len(hits) != 1:
        return None, "anchor found %d times in %s (must be exactly once)" % (len(hits), e.file)
    return (hits[0].start(), hits[0].end()), None


def check_anchors(entries, root):
    bad = []
    for e in entries:
        p = os.path.join(root, e.file)
        if not os.path.isfile(p):
            bad.append((e.name, "no such file %s" % e.file))
            continue
        with open(p, encoding="utf-8") as f:
            _, err = find_anchor(f.read(), e)
        if err:
            bad.append((e.name, err))
    return bad


# --- the copy of the tree -----------------------------------------------------

SKIP_DIRS = {".git", "__pycache__"}


def source_files(root):
    """Files of the tree: git's view (tracked and untracked, not ignored) when
    there is one, else everything outside build directories."""
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], check=True, capture_output=True).stdout
        files = [f for f in out.decode().split("\0") if f]
        return [f for f in files if os.path.isfile(os.path.join(root, f))]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for d, dirs, names in os.walk(root):
            rel = os.path.relpath(d, root)
            dirs[:] = [x for x in dirs if x not in SKIP_DIRS and not x.startswith("build")]
            files += [os.path.normpath(os.path.join(rel, n)) for n in names]
        return files


def same_content(a, b):
    try:
        if os.path.getsize(a) != os.path.getsize(b):
            return False
        with open(a, "rb") as fa, open(b, "rb") as fb:
            return fa.read() == fb.read()
    except OSError:
        return False


def sync_copy(root, copy):
    """Make copy/ hold the tree's files; rewrite only what differs."""
    changed = 0
    for rel in source_files(root):
        src, dst = os.path.join(root, rel), os.path.join(copy, rel)
        if same_content(src, dst):
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)
        os.utime(dst)  # newer than any object built from an older version
        changed += 1
    return changed


# --- build and test ----------------------------------------------------------

def sh(cmd, log, timeout=None):
    """Runs cmd with output appended to log; returns the exit status."""
    with open(log, "a") as f:
        f.write("\n$ %s\n" % " ".join(cmd))
        f.flush()
        try:
            return subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT,
                                  timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            f.write("\n(timed out after %ss)\n" % timeout)
            return 124


def configure(copy, build, log):
    if os.path.exists(os.path.join(build, "CMakeCache.txt")):
        return 0
    # No -Werror: a mutant may leave a variable unused, which must not count
    # as the mutant being killed (a build failure is reported as an error).
    return sh(["cmake", "-S", copy, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
               "-DSHIMSSL_WERROR=OFF", "-DSHIMSSL_TESTS=ON"], log)


def build(build_dir, targets, jobs, log):
    return sh(["cmake", "--build", build_dir, "-j", str(jobs), "--target"] + targets, log)


def run_tests(build_dir, regex, jobs, timeout, log):
    return sh(["ctest", "--test-dir", build_dir, "-R", regex, "--no-tests=error",
               "--output-on-failure", "-j", str(jobs), "--timeout", str(timeout)], log,
              timeout=timeout * 4 + 60)


def count_tests(build_dir, regex):
    out = subprocess.run(["ctest", "--test-dir", build_dir, "-N", "-R", regex],
                         capture_output=True, text=True).stdout
    m = re.search(r"Total Tests:\s*(\d+)", out)
    return int(m.group(1)) if m else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="entries to run (default: the quick subset)")
    ap.add_argument("--all", action="store_true", help="run every entry")
    ap.add_argument("--list", action="store_true", help="list the entries and exit")
    ap.add_argument("--check", action="store_true", help="check the anchors only")
    ap.add_argument("--dir", default=os.environ.get("SHIMSSL_MUTATION_DIR",
                                                    os.path.join(ROOT, "build-mutation")),
                    help="work directory (copy of the tree + build); default "
                         "$SHIMSSL_MUTATION_DIR or ./build-mutation")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=int, default=120, help="per-test timeout (s)")
    args = ap.parse_args()

    entries = load_entries(LIST)
    names = [e.name for e in entries]
    if args.list:
        for e in entries:
            print("%-34s %s %s\n%34s   %s" % (e.name, "quick" if e.quick else "     ", e.file, "",
                                              e.what))
        return 0

    # Anchors of every entry, on every run: a check that moved or changed
    # its text must fail here, not silently drop out of the quick subset.
    bad = check_anchors(entries, ROOT)
    for n, why in bad:
        print("ANCHOR  %-32s %s" % (n, why))
    if args.check:
        print("%d entries, %d bad anchors" % (len(entries), len(bad)))
        return 1 if bad else 0

    unknown = [n for n in args.names if n not in names]
    if unknown:
        print("unknown entries: %s" % ", ".join(unknown))
        return 2
    if args.names:
        sel = [e for e in entries if e.name in args.names]
    elif args.all:
        sel = entries
    else:
        sel = [e for e in entries if e.quick]
    if bad:
        return 1

    work = os.path.abspath(args.dir)
    copy, bdir = os.path.join(work, "src"), os.path.join(work, "build")
    os.makedirs(work, exist_ok=True)
    log = os.path.join(work, "mutation.log")
    open(log, "w").close()
    t0 = time.time()
    print("mutation check: %d of %d entries; tree copy %s; log %s" % (len(sel), len(entries),
                                                                      copy, log))
    n = sync_copy(ROOT, copy)
    print("  copy synchronised (%d files updated)" % n)
    if configure(copy, bdir, log) != 0:
        print("configure FAILED (see %s)" % log)
        return 1

    # Baseline: the tests pass on the unmutated tree, and each regex names
    # at least one test.
    targets = sorted({t for e in sel for t in e.targets})
    if build(bdir, targets, args.jobs, log) != 0:
        print("baseline build FAILED (see %s)" % log)
        return 1
    empty = [e.name for e in sel if count_tests(bdir, e.tests) == 0]
    if empty:
        print("test regex matches no test: %s" % ", ".join(empty))
        return 1
    # One ctest run per regex (CMake's regex engine has too few groups for
    # their union); the tests themselves are quick.
    broken = [e.name for e in sel
              if run_tests(bdir, e.tests, args.jobs, args.timeout, log) != 0]
    if broken:
        print("baseline tests FAILED before any mutation: %s (see %s)" % (", ".join(broken), log))
        return 1
    print("  baseline: %d targets built, tests pass  [%.0fs]" % (len(targets), time.time() - t0))

    results = []
    for e in sel:
        t1 = time.time()
        path = os.path.join(copy, e.file)
        with open(path, encoding="utf-8") as f:
            orig = f.read()
        span, err = find_anchor(orig, e)
        if err:
            results.append((e, "ANCHOR", 0.0))
            print("ANCHOR    %-32s %s" % (e.name, err))
            continue
        with open(log, "a") as f:
            f.write("\n===== mutant %s (%s)\n" % (e.name, e.file))
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(orig[:span[0]] + e.replace + orig[span[1]:])
            if build(bdir, e.targets, args.jobs, log) != 0:
                status = "NOBUILD"
            elif run_tests(bdir, e.tests, args.jobs, args.timeout, log) != 0:
                status = "killed"
            else:
                status = "SURVIVED"
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(orig)
        dt = time.time() - t1
        results.append((e, status, dt))
        print("%-9s %-32s %5.0fs  %s" % (status, e.name, dt, e.what), flush=True)

    # Leave the build matching the tree again (objects of the last mutant).
    build(bdir, targets, args.jobs, log)
    failed = [r for r in results if r[1] != "killed"]
    print("\n%d mutants: %d killed, %d not  [%.0fs total]" %
          (len(results), len(results) - len(failed), len(failed), time.time() - t0))
    for e, status, _ in failed:
        hint = {"SURVIVED": "no test noticed: add one, or fix the entry's tests regex",
                "NOBUILD": "the mutant does not compile: fix its replacement",
                "ANCHOR": "the anchor is gone: update the entry"}[status]
        print("  %s %s (%s): %s" % (status, e.name, e.file, hint))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
