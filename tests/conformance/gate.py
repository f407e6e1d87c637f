#!/usr/bin/env python3
"""The conformance gate: OpenSSL 3.0's own TLS test programs, built from the
installed version's source against the system libraries (build.sh), run
unmodified on a libssl.so.3 -- the system's (harness self-check: everything
must pass) or ShimSSL's (compared with expected-failures.txt).

Each test function -- each iteration of a parameterised one, each ssl_test
.cnf test -- runs in its own process with a timeout, so a crash or a hang
fails one case, not the run. See README.md for how to run and update.
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EXPECT_DEFAULT = os.path.join(HERE, "expected-failures.txt")
EXCLUDED = os.path.join(HERE, "excluded.txt")
SYSTEM_LIBSSL = "/usr/lib/x86_64-linux-gnu/libssl.so.3"
FAILED = ("fail", "crash", "timeout", "flaky-fail")
OWNERS = ("9", "10", "11", "12", "13", "dtls", "internals", "unknown")

# Programs whose cases need OpenSSL's private structures, or which are not
# built at all because they link libssl.a / compile libssl's own sources.
# Documented in README.md and docs/CONFORMANCE.md.
NOT_BUILT = {
    "ssl_old_test": "links libssl.a and libcrypto.a (static, private symbols)",
    "tls13secretstest": "compiles ssl/tls13_enc.c into itself and fills "
                        "OpenSSL's private SSL structure",
    "tls13encryptiontest": "links libssl.a; drives the private record layer",
    "wpackettest": "links libssl.a; tests the private WPACKET helper",
    "ext_internal_test": "links libssl.a; private extension tables",
    "cipher_overhead_test": "links libssl.a; private ssl_cipher_get_overhead",
}


def invocations(src, bld, programs):
    """[(program, variant, args, extra_env)] as test/recipes/*.t run them."""
    certs = os.path.join(src, "test", "certs")
    server_pem = os.path.join(src, "apps", "server.pem")
    two_pems = [server_pem, server_pem]
    simple = {
        "servername_test": two_pems, "sslbuffertest": two_pems,
        "sslcorrupttest": two_pems, "tls13ccstest": two_pems,
        "recordlentest": two_pems, "asynciotest": two_pems,
        "fatalerrtest": two_pems, "dtlstest": two_pems,
        "tls13ticket_test": two_pems,
        "clienthellotest": [os.path.join(src, "test", "session.pem")],
        "ssl_ctx_test": [], "ciphername_test": [], "dtls_mtu_test": [],
        "bad_dtls_test": [], "cipherbytes_test": [], "cipherlist_test": [],
        "dtlsv1listentest": [],
        "ssl_test_ctx_test": [os.path.join(src, "test", "ssl_test_ctx_test.cnf")],
    }
    out = []
    for prog in programs:
        if prog in simple:
            out.append((prog, "", simple[prog], {}))
        elif prog == "sysdefaulttest":
            out.append((prog, "", [], {"OPENSSL_CONF": os.path.join(src, "test", "sysdefault.cnf")}))
        elif prog == "sslapitest":
            data = os.path.join(src, "test", "recipes", "90-test_sslapi_data")
            out.append((prog, "", [certs, os.path.join(data, "passwd.txt"), "@TMPFILE@",
                                   "default", os.path.join(src, "test", "default.cnf"),
                                   os.path.join(data, "dhparams.pem")], {}))
        elif prog == "danetest":
            out.append((prog, "dane", ["example.com", os.path.join(src, "test", "danetest.pem"),
                                       os.path.join(src, "test", "danetest.in")], {}))
            out.append((prog, "dane-cross", ["server.example",
                                             os.path.join(certs, "cross-root.pem"),
                                             os.path.join(src, "test", "dane-cross.in")], {}))
        elif prog == "ssl_test":
            # 80-test_ssl_new.t: every configuration, providers "none" and
            # "default"; skipped there for this build's feature set:
            # 22-compression (no zlib), 29-dtls-sctp-label-bug (no sctp).
            skip = ("22-compression.cnf", "29-dtls-sctp-label-bug.cnf")
            for mode in ("none", "default"):
                cnfdir = os.path.join(bld, "ssl-tests")
                for name in sorted(os.listdir(cnfdir)):
                    if not name.endswith("." + mode):
                        continue
                    cnf = name[: -len(mode) - 1]
                    if cnf in skip:
                        continue
                    out.append((prog, mode + "/" + cnf, [os.path.join(cnfdir, name), mode],
                                {"TEST_CERTS_DIR": certs}))
    return out


def case_prefix(prog, variant):
    return prog + ("/" + variant if variant else "")


class Runner:
    def __init__(self, top, lib, timeout):
        self.src = os.path.join(top, "source")
        self.bld = os.path.join(top, "build")
        self.timeout = timeout
        self.tmp = tempfile.mkdtemp(prefix="shimssl-conformance-")
        env = dict(os.environ)
        for k in ("LD_LIBRARY_PATH", "LD_PRELOAD", "OPENSSL_MODULES", "OPENSSL_ENGINES",
                  "SSLKEYLOGFILE", "OPENSSL_TEST_RAND_ORDER", "HARNESS_OSSL_LEVEL"):
            env.pop(k, None)
        # As test/run_tests.pl sets them (the providers are the system's).
        env["OPENSSL_CONF"] = os.path.join(self.src, "apps", "openssl.cnf")
        env["OPENSSL_CONF_INCLUDE"] = os.path.join(self.bld, "test")
        env["CTLOG_FILE"] = os.path.join(self.src, "test", "ct", "log_list.cnf")
        # The Makefile's test target points at the tree's engines: the
        # dasync test engine (pipelining tests) is built by build.sh.
        env["OPENSSL_ENGINES"] = os.path.join(self.bld, "engines")
        if lib:
            libdir = os.path.join(self.tmp, "lib")
            os.mkdir(libdir)
            os.symlink(os.path.abspath(lib), os.path.join(libdir, "libssl.so.3"))
            env["LD_LIBRARY_PATH"] = libdir
        self.env = env
        self.lib = os.path.realpath(lib) if lib else None

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def exe(self, prog):
        return os.path.join(self.bld, "test", prog)

    def check_library(self, prog):
        """The program resolves libssl.so.3 to the library under test."""
        res = subprocess.run(["ldd", self.exe(prog)], env=self.env, capture_output=True, text=True)
        m = re.search(r"libssl\.so\.3 => (\S+)", res.stdout)
        got = os.path.realpath(m.group(1)) if m else None
        want = self.lib or os.path.realpath(SYSTEM_LIBSSL)
        if got != want:
            sys.exit("gate: %s resolves libssl.so.3 to %s, not %s" % (prog, got, want))

    def args(self, args, casedir):
        return [os.path.join(casedir, "tmpfile") if a == "@TMPFILE@" else a for a in args]

    def run(self, prog, args, extra_env, opts, timeout):
        casedir = tempfile.mkdtemp(dir=self.tmp)
        env = dict(self.env)
        env.update(extra_env)
        cmd = [self.exe(prog)] + opts + self.args(args, casedir)
        start = time.monotonic()
        try:
            p = subprocess.Popen(cmd, cwd=casedir, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, start_new_session=True)
            try:
                out, _ = p.communicate(timeout=timeout)
                rc = p.returncode
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                out, _ = p.communicate()
                rc = "timeout"
        finally:
            shutil.rmtree(casedir, ignore_errors=True)
        return rc, out.decode("utf-8", "replace"), time.monotonic() - start

    def list_cases(self, inv):
        prog, variant, args, extra_env = inv
        rc, out, _ = self.run(prog, args, extra_env, ["-list"], 120)
        if rc != 0:
            sys.exit("gate: %s -list failed (%s):\n%s" % (case_prefix(prog, variant), rc, out))
        cases = []
        for line in out.splitlines():
            m = re.match(r"\s*(?:#\s*)?\d+ - (\S+)(?: \((\d+)\.\.(\d+)\))?\s*$", line)
            if not m:
                continue
            name = m.group(1)
            if m.group(2):
                iters = range(int(m.group(2)), int(m.group(3)) + 1)
                cases += [(name, i) for i in iters]
            else:
                cases.append((name, None))
        if not cases:
            sys.exit("gate: %s -list printed no test:\n%s" % (case_prefix(prog, variant), out))
        return cases


def case_id(prog, variant, name, it):
    base = case_prefix(prog, variant)
    if prog != "ssl_test":   # ssl_test has one function, test_handshake
        base += "/" + name
    return base + ("#%d" % it if it is not None else "")


def summarize_output(out):
    """The lines that say why a case failed (OpenSSL's test framework prints
    '# ERROR:', '# FAIL', 'not ok', the expected/actual values)."""
    keep = []
    for line in out.splitlines():
        s = line.strip().lstrip("#").strip()
        if (not s or s.startswith("ok ") or s.startswith("not ok ") or s.startswith("Subtest:")
                or s.startswith("OPENSSL_TEST_RAND_ORDER=") or re.match(r"^\d+\.\.\d+$", s)):
            continue
        keep.append(s)
    return keep[:40]


def load_expectations(path):
    header, entries = [], {}
    if not os.path.exists(path):
        return header, entries
    with open(path) as f:
        for n, line in enumerate(f, 1):
            raw = line.rstrip("\n")
            if not raw.strip() or raw.lstrip().startswith("#"):
                if not entries:
                    header.append(raw)
                continue
            parts = raw.split(None, 2)
            if len(parts) < 3 or parts[1] not in OWNERS:
                sys.exit("gate: %s:%d: want '<case> <owner> <reason>' with owner in %s: %s"
                         % (path, n, "/".join(OWNERS), raw))
            if parts[0] in entries:
                sys.exit("gate: %s:%d: %s listed twice" % (path, n, parts[0]))
            entries[parts[0]] = (parts[1], parts[2])
    return header, entries


def load_excluded(path):
    """Cases that cannot pass on the installed library's build whatever the
    libssl (e.g. Debian compiles security level 2 in; upstream's tests expect
    level 1): <case-regex> <reason>. Not run on ShimSSL; on the system
    libssl they run and must FAIL, which keeps this list honest."""
    out = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if line.strip() and not line.lstrip().startswith("#"):
                    pat, reason = (line.split(None, 1) + [""])[:2]
                    out.append((re.compile(pat + "$"), pat, reason.strip()))
    return out


def ssl_test_method(bld, cid):
    """'DTLS' or 'TLS': the Method of ssl_test case ssl_test/<mode>/<cnf>#N."""
    m = re.match(r"ssl_test/(\w+)/(.+)#(\d+)$", cid)
    if not m:
        return None
    path = os.path.join(bld, "ssl-tests", "%s.%s" % (m.group(2), m.group(1)))
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    sect = re.search(r"^\[test-%d\]\n(.*?)(?=^\[|\Z)" % (int(m.group(3)) - 1), text, re.M | re.S)
    if sect and re.search(r"^Method = DTLS", sect.group(1), re.M):
        return "DTLS"
    return "TLS"


def ssl_test_name(bld, cid):
    """The name of ssl_test case ssl_test/<mode>/<cnf>#N in its .cnf."""
    m = re.match(r"ssl_test/(\w+)/(.+)#(\d+)$", cid)
    if not m or not bld:
        return ""
    try:
        with open(os.path.join(bld, "ssl-tests", "%s.%s" % (m.group(2), m.group(1)))) as f:
            n = re.search(r"^test-%d = (\S+)" % (int(m.group(3)) - 1), f.read(), re.M)
    except OSError:
        return ""
    return n.group(1) if n else ""


def clean_message(line):
    """An ERR line without the thread id and source path."""
    line = re.sub(r"^[0-9A-F]{8,16}:error:", "error:", line)
    line = re.sub(r":(/[^:]*|\.\./[^:]*):\d+:", ":", line)
    return line


# sslapitest functions that read OpenSSL's private structures (the test
# includes ssl/ssl_local.h): on any drop-in they read another layout.
INTERNALS = {
    "sslapitest/test_session_timeout": "links sessions by hand through SSL_SESSION's private "
                                       "prev/next/session_id fields",
    "sslapitest/test_ciphersuite_change": "assigns SSL_SESSION's private cipher field",
    "sslapitest/test_cleanse_plaintext": "reads the private record layer (serverssl->rlayer.rrec)",
    "sslapitest/test_session_with_only_int_cache": "checks SSL_SESSION's private owner field",
    "sslapitest/test_session_with_only_ext_cache": "checks SSL_SESSION's private owner field",
    "sslapitest/test_session_with_both_cache": "checks SSL_SESSION's private owner field",
    "sslapitest/test_session_wo_ca_names": "checks SSL_SESSION's private owner field",
    "sslapitest/test_ktls": "reads the private rlayer sequence numbers and wbio "
                            "(skipped without kernel TLS)",
    "sslapitest/test_ktls_sendfile": "reads the private wbio (skipped without kernel TLS)",
}

# First guesses of the owning issue, from the failure's messages; the first
# match wins. Reasons starting with "blocked:" name a blocker that hides the
# case's own subject: --update re-classifies those (and "unknown" ones) from
# the current output, and keeps every other reason as written.
MESSAGE_RULES = [
    (r"SSL_CTX_new_ex:unsupported protocol|DTLS_(server_|client_)?method\(\)\) != NULL",
     "dtls", "DTLS is not implemented (SSL_CTX_new with a DTLS method fails)"),
    (r"apply_named:invalid configuration name",
     "9", "blocked: SSL_CTX_config(ctx, \"server\") does not see the ssl_conf names the test "
          "loaded with CONF_modules_load (SSL_CTX_config via libcrypto's ssl_conf module, issue 9 "
          "blocker 2)"),
    (r"SSL_CTX_new_ex\(libctx|Global default library context, Algorithm \(CTR-DRBG|"
     r"SSL_CTX_set_max_proto_version\((server|client)_ctx, maxversion\)",
     "9", "blocked: SSL_CTX_new_ex with the test's library context returns NULL "
          "(library contexts, issue 9 blocker 1)"),
    (r"SSL_CTX_dane_enable|SSL_dane_", "12", "DANE is a stub (SSL_CTX_dane_enable not implemented)"),
    (r"(SSL_set_session_ticket_ext|SSL_SESSION_\w+|SSL_\w*session\w*) is not implemented",
     "10", "session API stub"),
    (r"SSL_bytes_to_cipher_list", "9", "SSL_bytes_to_cipher_list is a stub (cipher-list API)"),
    (r"(\w+) is not implemented in ShimSSL", "12", "stub"),
    (r"SSL_free_buffers", "9", "SSL_free_buffers semantics (returns 1 where OpenSSL refuses with "
                               "buffered data)"),
    (r"record_overflow|fail_due_to_record_overflow", "9", "record_overflow alert/reason on an oversized record"),
    (r"SSL_read_early_data|early_data", "10", "early data"),
    (r"ccsseen|badccs", "11", "TLS 1.3 middlebox-compatibility ChangeCipherSpec handling "
                              "(ClientHello/ServerHello shape)"),
    (r"tickets ==", "10", "TLS 1.3 tickets"),
]
NAME_RULES = [
    (r"dtls", "dtls", "DTLS"),
    (r"session_timeout", "internals", "reads OpenSSL's private SSL_SESSION list/timeout fields"),
    (r"session|resum|ticket|psk|early_data|earlydata|stateless|sni-ticket|ticket-appdata", "10",
     "sessions/tickets/PSK/early data"),
    (r"reneg|legacy|client_hello|clienthello|protocol-version|mac-then-encrypt|version", "11",
     "renegotiation/legacy versions/ClientHello shapes"),
    (r"chain|dane|srp|cert_cb|client_cert_cb|ca_names|certstatus|ocsp|verify|cert-select", "12",
     "certificate chains/DANE/SRP/stubs"),
    (r"npn|padding|12-ct|\bct\b|keylog|info_cb|cipher|group|curve|sigalg|seclevel|config|"
     r"key_update|key-update|shutdown|ssl_dup|set_bio|free_buffers|record_overflow|alpn|sni|"
     r"ext|pha|tls13|extended-master", "9", "configuration/negotiation API"),
]


def classify(cid, lines, bld=None):
    """A first guess of the owning issue from the case and its output;
    --update writes it for new failures, a human refines it."""
    text = "\n".join(lines)
    errs = [clean_message(l) for l in lines if ":error:" in l or l.startswith("ERROR:")]
    first = errs[0] if errs else (lines[0] if lines else "no output")
    func = cid.split("#")[0]
    if func in INTERNALS:
        return "internals", "reads OpenSSL's private structures: " + INTERNALS[func]
    if bld and cid.startswith("ssl_test/") and ssl_test_method(bld, cid) == "DTLS":
        return "dtls", "DTLS is not implemented (ssl_test case with Method = DTLS)"
    if re.match(r"(dtlstest|dtls_mtu_test|dtlsv1listentest|bad_dtls_test)/", cid):
        return "dtls", "DTLS is not implemented"
    for pat, owner, reason in MESSAGE_RULES:
        m = re.search(pat, text)
        if m:
            if reason == "stub":
                reason = "stub: %s is not implemented" % m.group(1)
            if reason.startswith("blocked:") and re.search(r"dtls", cid, re.I):
                return "dtls", "DTLS is not implemented (and: %s)" % reason[len("blocked: "):]
            if reason.startswith("blocked:"):
                # What the case tests, as far as its name tells: for whoever
                # picks it up once the blocker is gone.
                for pat, _o, subject in NAME_RULES:
                    if re.search(pat, (cid + " " + ssl_test_name(bld, cid)).lower()):
                        reason += "; then: %s (issue %s?)" % (subject, _o)
                        break
            return owner, reason
    low = (cid + " " + ssl_test_name(bld, cid)).lower()
    for pat, owner, reason in NAME_RULES:
        if re.search(pat, low):
            return owner, "%s (guess from the name; first message: %s)" % (reason, first[:150])
    return "unknown", "unclassified: %s" % first[:160]


def is_auto_reason(owner, reason):
    return owner == "unknown" or reason.startswith("blocked:")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--system", action="store_true",
                   help="run on the system libssl.so.3: every case must pass (harness self-check)")
    g.add_argument("--lib", help="run on this libssl.so.3 (ShimSSL's), compared with the expectation file")
    ap.add_argument("--expect", default=EXPECT_DEFAULT, help="expectation file (default: %(default)s)")
    ap.add_argument("--top", help="build directory of build.sh (default: run build.sh)")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=float, default=float(os.environ.get("SHIMSSL_CONFORMANCE_TIMEOUT", 120)),
                    help="seconds per case (default: %(default)s)")
    ap.add_argument("--only", help="regex: run only the cases whose id matches (no expectation check "
                                   "of the cases left out)")
    ap.add_argument("--programs", help="comma-separated programs to run (default: all built)")
    ap.add_argument("--update", action="store_true",
                    help="rewrite the expectation file with the cases failing now (keeps existing "
                         "reasons; new ones get a guessed owner). For developers, never CI.")
    ap.add_argument("--results", help="write every case's result as JSON here")
    ap.add_argument("--doc", help="write the Markdown report (docs/CONFORMANCE.md) here")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the output of every failing case")
    opts = ap.parse_args()

    if opts.update and (opts.system or opts.only or opts.programs):
        sys.exit("gate: --update needs a full run on --lib (no --only/--programs)")
    if opts.lib and not os.path.isfile(opts.lib):
        sys.exit("gate: no library %s (build ShimSSL first)" % opts.lib)

    top = opts.top
    if not top:
        res = subprocess.run([os.path.join(HERE, "build.sh")], stdout=subprocess.PIPE, text=True)
        if res.returncode != 0:
            sys.exit("gate: FAILED to fetch/build OpenSSL's test programs (build.sh, see above)")
        top = res.stdout.strip().splitlines()[-1]
    with open(os.path.join(top, "build", "programs.txt")) as f:
        programs = f.read().split()
    if opts.programs:
        want = opts.programs.split(",")
        unknown = [p for p in want if p not in programs]
        if unknown:
            sys.exit("gate: not built: %s" % ", ".join(unknown))
        programs = [p for p in programs if p in want]

    runner = Runner(top, opts.lib, opts.timeout)
    target = "system libssl (%s)" % SYSTEM_LIBSSL if opts.system else "libssl " + opts.lib
    print("conformance gate: OpenSSL %s test programs on %s" % (os.path.basename(os.path.realpath(runner.src)),
                                                                target), flush=True)
    started = time.monotonic()
    try:
        for prog in programs:
            runner.check_library(prog)
        invs = invocations(runner.src, runner.bld, programs)
        with concurrent.futures.ThreadPoolExecutor(opts.jobs) as ex:
            listed = list(ex.map(runner.list_cases, invs))
        cases = []
        excluded = load_excluded(EXCLUDED)
        excluded_ids = set()
        for inv, names in zip(invs, listed):
            for name, it in names:
                cid = case_id(inv[0], inv[1], name, it)
                if opts.only and not re.search(opts.only, cid):
                    continue
                if any(rx.match(cid) for rx, _, _ in excluded):
                    excluded_ids.add(cid)
                    if not opts.system:
                        continue
                cases.append((cid, inv, name, it))
        print("%d cases in %d programs, %d parallel, %gs timeout each" % (len(cases), len(programs),
                                                                      opts.jobs, opts.timeout), flush=True)

        expect_now = {} if opts.system else load_expectations(opts.expect)[1]

        def one(case):
            cid, (prog, _variant, args, extra_env), name, it = case
            o = ["-test", name] + (["-iter", str(it)] if it is not None else [])
            rc, out, secs = runner.run(prog, args, extra_env, o, opts.timeout)
            retried = False
            # A surprise must be reproducible to count (the machine may be
            # loaded): an unlisted failure, or a listed case passing, runs a
            # second time. A result that changes is reported as FLAKY and
            # counts as what the list says.
            listed = cid in expect_now
            if not opts.update and (rc != 0) != listed:
                rc2, out2, secs2 = runner.run(prog, args, extra_env, o, opts.timeout)
                retried = True
                if (rc2 != 0) != (rc != 0):
                    if listed:
                        rc, out = rc2, out2
                    return cid, dict(status="flaky-fail" if listed else "flaky", rc=rc,
                                     secs=secs + secs2, why=summarize_output(out2 if rc2 else out))
            if rc == 0:
                skipped = re.search(r"^ok \d+ - \S+.*# skipped", out, re.M) is not None
                return cid, {"status": "skip" if skipped else "pass", "secs": secs}
            status = "timeout" if rc == "timeout" else ("crash" if isinstance(rc, int) and rc < 0 else "fail")
            why = summarize_output(out)
            if status == "crash":
                why.append("killed by signal %d" % -rc)
            elif status == "timeout":
                why.append("no result after %gs" % opts.timeout)
            return cid, {"status": status, "rc": rc, "secs": secs, "why": why,
                         "retried": retried}

        results = {}
        done = 0
        with concurrent.futures.ThreadPoolExecutor(opts.jobs) as ex:
            for cid, r in ex.map(one, cases):
                results[cid] = r
                done += 1
                if done % 500 == 0:
                    print("  ... %d/%d" % (done, len(cases)), flush=True)
    finally:
        runner.close()
    elapsed = time.monotonic() - started

    # Excluded cases: on the system libssl they must fail (environmental
    # proof); they are not counted either way.
    excluded_passing = sorted(c for c in excluded_ids if c in results
                              and results[c]["status"] not in FAILED)
    for c in excluded_ids:
        results.pop(c, None)
    failing = {c for c, r in results.items() if r["status"] in FAILED}
    flaky = sorted(c for c, r in results.items() if r["status"] in ("flaky", "flaky-fail"))
    header, expect = load_expectations(opts.expect)
    if opts.system:
        expect = {}
    ran = set(results)
    relevant = {c: v for c, v in expect.items() if c in ran or not (opts.only or opts.programs)}
    unexpected = sorted(failing - set(relevant))
    fixed = sorted(c for c in relevant if c in ran and c not in failing and results[c]["status"] != "flaky")
    stale = sorted(c for c in relevant if c not in ran)

    # Per-program table.
    def prog_of(cid):
        return cid.split("/")[0] if not cid.startswith("ssl_test/") else "/".join(cid.split("/")[:2])

    table = {}
    for cid, r in results.items():
        row = table.setdefault(prog_of(cid), {"cases": 0, "pass": 0, "skip": 0, "fail": 0,
                                              "expected": 0, "unexpected": 0, "fixed": 0})
        row["cases"] += 1
        if r["status"] in ("pass", "flaky"):
            row["pass"] += 1
        elif r["status"] == "skip":
            row["skip"] += 1
        else:
            row["fail"] += 1
            row["expected" if cid in relevant else "unexpected"] += 1
        if cid in fixed:
            row["fixed"] += 1
    npass = sum(1 for r in results.values() if r["status"] in ("pass", "skip", "flaky"))
    nfail = len(failing)

    print()
    print("%-28s %6s %6s %6s %6s %6s %6s" % ("program", "cases", "pass", "skip", "fail", "unexp", "fixed"))
    for p in sorted(table):
        row = table[p]
        print("%-28s %6d %6d %6d %6d %6d %6d" % (p, row["cases"], row["pass"], row["skip"], row["fail"],
                                                 row["unexpected"], row["fixed"]))
    print()
    if opts.verbose:
        for c in sorted(failing):
            print("--- %s (%s)\n    %s" % (c, results[c]["status"], "\n    ".join(results[c]["why"][:25])))
    for c in flaky:
        print("FLAKY (%s on retry; counted as %s): %s" % (
            "passed" if results[c]["status"] == "flaky" else "failed",
            "passing" if results[c]["status"] == "flaky" else "failing", c))

    if opts.results:
        with open(opts.results, "w") as f:
            json.dump({"library": target, "results": results}, f, indent=1, sort_keys=True)

    if opts.update:
        write_expectations(opts.expect, header, expect, failing, results, runner.bld)
        print("gate: rewrote %s: %d entries" % (opts.expect, len(failing)))

    if opts.doc:
        write_doc(opts.doc, table, results, expect if not opts.update else load_expectations(opts.expect)[1],
                  npass, nfail, target, elapsed)
        print("gate: wrote %s" % opts.doc)

    ok = True
    if unexpected and not opts.update:
        ok = False
        print("UNEXPECTED FAILURES (%d): not in %s%s" % (len(unexpected), os.path.relpath(opts.expect, ROOT),
                                                        "" if not opts.system else " (system: all must pass)"))
        for c in unexpected:
            why = results[c]["why"]
            print("  %s  [%s] %s" % (c, results[c]["status"], why[0][:150] if why else ""))
    if excluded_passing:
        ok = False
        print("EXCLUDED CASES THAT PASS ON THE SYSTEM LIBSSL (%d): narrow tests/conformance/excluded.txt:"
              % len(excluded_passing))
        for c in excluded_passing:
            print("  " + c)
    if fixed and not opts.update:
        ok = False
        print("LISTED CASES THAT PASS NOW (%d): remove these lines from %s (or run gate.py --update):"
              % (len(fixed), os.path.relpath(opts.expect, ROOT)))
        for c in fixed:
            print("  %s %s %s" % (c, expect[c][0], expect[c][1]))
    if stale and not opts.update:
        ok = False
        print("LISTED CASES THAT DO NOT EXIST (%d): remove these lines:" % len(stale))
        for c in stale:
            print("  " + c)
    if opts.update:
        ok = True
    print("%d passed, %d failed (%d expected, %d unexpected, %d listed but passing), %d excluded, in %.0fs"
          % (npass, nfail, nfail - len(unexpected), len(unexpected), len(fixed), len(excluded_ids), elapsed))
    print("conformance gate: %s" % ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


def natural_key(text):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def write_expectations(path, header, expect, failing, results, bld):
    if not header:
        header = ["# Conformance gate expectations: the cases of OpenSSL's own test programs that",
                  "# do not pass on ShimSSL yet. One line each: <case> <owner> <reason>.",
                  "# owner: 9 10 11 12 13 (issue), dtls, internals, unknown. See README.md.", ""]
    lines = list(header)
    if lines and lines[-1].strip():
        lines.append("")
    for c in sorted(failing, key=natural_key):
        if c in expect and not is_auto_reason(*expect[c]):
            owner, reason = expect[c]
        else:
            owner, reason = classify(c, results[c]["why"], bld)
        lines.append("%s %s %s" % (c, owner, reason))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def write_doc(path, table, results, expect, npass, nfail, target, elapsed):
    total = len(results)
    by_owner = {}
    for c in results:
        if c in expect and results[c]["status"] in FAILED:
            by_owner.setdefault(expect[c][0], []).append(c)
    out = []
    out.append("# Conformance: OpenSSL's own test programs on ShimSSL")
    out.append("")
    out.append("Generated by `tests/conformance/gate.py --doc` (do not edit by hand; see")
    out.append("tests/conformance/README.md). OpenSSL 3.0's TLS test programs, built from the")
    out.append("installed version's source and linked against the system libraries, run")
    out.append("unmodified on %s. Each test function (each iteration of a" % target.replace(ROOT + "/", ""))
    out.append("parameterised one, each ssl_test configuration test) is one case in its own process.")
    out.append("")
    out.append("**%d of %d cases pass** (%.1f%%), %d fail; every failure is listed with its owning issue" %
               (npass, total, 100.0 * npass / total if total else 0, nfail))
    out.append("in tests/conformance/expected-failures.txt. On the system libssl all cases pass (CI's self-check).")
    out.append("")
    out.append("## Per program")
    out.append("")
    out.append("| program | cases | pass | skipped | fail |")
    out.append("|---|---:|---:|---:|---:|")
    for p in sorted(table):
        r = table[p]
        out.append("| %s | %d | %d | %d | %d |" % (p, r["cases"], r["pass"], r["skip"], r["fail"]))
    out.append("")
    out.append("(\"pass\" excludes cases the program itself skips, e.g. KTLS without kernel support;")
    out.append("those pass on both libraries.)")
    out.append("")
    out.append("## Failures by owner")
    out.append("")
    names = {"9": "issue 9 (configuration/negotiation API)", "10": "issue 10 (sessions/tickets/PSK/early data)",
             "11": "issue 11 (renegotiation/legacy versions/ClientHello shapes)",
             "12": "issue 12 (chains, DANE, SRP, stubs)", "13": "issue 13 (architecture)",
             "dtls": "DTLS (not filed yet)", "internals": "internals (reads OpenSSL's private structures)",
             "unknown": "not classified yet"}
    out.append("| owner | failing cases |")
    out.append("|---|---:|")
    for o in OWNERS:
        if o in by_owner:
            out.append("| %s | %d |" % (names[o], len(by_owner[o])))
    out.append("")
    for o in OWNERS:
        if o not in by_owner:
            continue
        out.append("### %s" % names[o])
        out.append("")
        # group identical reasons
        groups = {}
        for c in sorted(by_owner[o], key=natural_key):
            groups.setdefault(expect[c][1], []).append(c)
        for reason, cs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            # cases of one function / one .cnf together: `name` (count)
            per = {}
            for c in cs:
                per[c.split("#")[0]] = per.get(c.split("#")[0], 0) + 1
            single = {c.split("#")[0]: c for c in cs}
            shown = ", ".join("`%s`%s" % (k, " (%d)" % n) if n > 1 else "`%s`" % single[k]
                              for k, n in sorted(per.items(), key=lambda kv: natural_key(kv[0])))
            out.append("* **%s** (%d): %s" % (reason, len(cs), shown))
        out.append("")
    out.append("## Excluded cases")
    out.append("")
    out.append("Cases that fail on the system libssl as well, because Debian builds OpenSSL unlike")
    out.append("upstream's test assumptions (tests/conformance/excluded.txt; not run on ShimSSL, required")
    out.append("to fail on the system libssl):")
    out.append("")
    for _, pat, reason in load_excluded(EXCLUDED):
        out.append("* `%s`: %s" % (pat, reason))
    out.append("")
    out.append("## Programs not run")
    out.append("")
    out.append("These OpenSSL test programs need libssl's internals and cannot run on any drop-in")
    out.append("replacement (owner: internals):")
    out.append("")
    for p, why in sorted(NOT_BUILT.items()):
        out.append("* `%s`: %s" % (p, why))
    out.append("")
    with open(path, "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    sys.exit(main())
