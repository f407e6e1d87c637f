#!/usr/bin/env python3
"""Compare two sets of libssl public headers by compiler.

The reference set is the system's OpenSSL 3.0 headers; the candidate set is
ours. Text comparison would be useless (ours are written differently), so every
fact is computed by gcc on each side and the results are compared:

  names      object-like macros, function-like macros (with arity and full
             expansion of a call), function declarations, typedef names,
             enumerators and the headers pulled in (programs rely on ssl.h
             including x509.h, pem.h ...) must be the same on both sides.
  functions  a translation unit that includes the CANDIDATE headers asserts,
             for every function, that __typeof__(&name) is compatible with the
             type the REFERENCE headers declare (and the other way round),
             and that the same functions carry deprecation attributes.
  typedefs   same, for every typedef name.
  values     a program built against each side prints the type and value the
             compiler gives every object-like macro, enumerator and public
             struct layout; the two listings must be identical. Macros that
             are not C values (empty, attributes, aliases of function names)
             are compared by their fully expanded token sequence instead.

Exit status 0 when identical, 1 with a list of differences otherwise.
"""
import argparse
import functools
import os
import re
import subprocess
import sys
import tempfile

HEADERS = ["ssl.h", "ssl2.h", "ssl3.h", "tls1.h", "dtls1.h", "srtp.h",
           "sslerr.h", "sslerr_legacy.h"]

# Macros that exist only to implement the header itself and that a program
# cannot meaningfully use. Empty today: add a name here only with a reason.
INTERNAL_ONLY = set()

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# preprocessor output names the same few hundred files tens of thousands of
# times; resolving each once keeps the test fast
realpath = functools.lru_cache(maxsize=None)(os.path.realpath)


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, **kw)


class Side:
    """Everything gcc tells us about one header set."""

    def __init__(self, label, incdir, cflags, work):
        self.label = label
        self.incdir = incdir  # directory holding openssl/<header>, or None
        self.cflags = cflags
        self.work = os.path.join(work, label)
        os.makedirs(self.work, exist_ok=True)
        self.hdrdir = realpath(
            os.path.join(incdir or "/usr/include", "openssl"))

    def relname(self, path):
        path = realpath(path)
        if self.ours(path):
            return "openssl/" + os.path.basename(path)
        for d in ("/usr/include/x86_64-linux-gnu/", "/usr/include/"):
            if path.startswith(d):
                return path[len(d):]
        return path

    def incflags(self):
        return (["-I", self.incdir] if self.incdir else []) + self.cflags

    def ours(self, path):
        path = realpath(path)
        return (os.path.dirname(path) == self.hdrdir
                and os.path.basename(path) in HEADERS)

    def write(self, name, text):
        p = os.path.join(self.work, name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def prelude(self):
        return "".join("#include <openssl/%s>\n" % h for h in HEADERS)

    def gcc(self, args, src):
        return run(["gcc", "-std=gnu11"] + self.incflags() + args + [src])

    def includes_of(self, header):
        """Headers reached when a program includes only openssl/<header>:
        programs rely on ssl.h pulling in x509.h, pem.h, ..."""
        src = self.write("only_" + header.replace(".", "_") + ".c",
                         "#include <openssl/%s>\n" % header)
        r = self.gcc(["-E"], src)
        seen = set()
        for m in re.finditer(r'^# \d+ "([^"<][^"]*)"', r.stdout, re.M):
            if realpath(m.group(1)) != realpath(src):
                seen.add(self.relname(m.group(1)))
        return seen

    # -- names --------------------------------------------------------------
    def collect(self):
        src = self.write("all.c", self.prelude())
        r = self.gcc(["-E", "-dD"], src)
        if r.returncode:
            raise SystemExit("%s: preprocessing failed:\n%s" % (self.label, r.stderr))
        self.objmacros, self.fnmacros = {}, {}
        cur = ""
        for line in r.stdout.splitlines():
            m = re.match(r'# \d+ "([^"]+)"', line)
            if m:
                cur = m.group(1)
                continue
            m = re.match(r"#define ([A-Za-z_]\w*)(\(([^)]*)\))?", line)
            if m and self.ours(cur):
                if m.group(2):
                    args = m.group(3).strip()
                    self.fnmacros[m.group(1)] = 0 if not args else len(args.split(","))
                else:
                    self.objmacros[m.group(1)] = line
                continue
            m = re.match(r"#undef ([A-Za-z_]\w*)", line)
            if m:
                self.objmacros.pop(m.group(1), None)
                self.fnmacros.pop(m.group(1), None)
        self.collect_decls()
        self.collect_functions(src)

    def collect_decls(self):
        """Typedef names, enumerators and complete structs from the
        preprocessed text that came from our eight headers."""
        src = os.path.join(self.work, "all.c")
        r = self.gcc(["-E"], src)
        chunks, cur = [], ""
        for line in r.stdout.splitlines():
            m = re.match(r'# \d+ "([^"]+)"', line)
            if m:
                cur = m.group(1)
                continue
            if self.ours(cur):
                chunks.append(line)
        text = "\n".join(chunks)
        text = re.sub(r"__attribute__\s*\(\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)\)", "", text)
        stmts, depth, buf = [], 0, []
        for ch in text:
            buf.append(ch)
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                # a function definition ends at its closing brace
                head = "".join(buf).lstrip()
                if depth == 0 and not re.match(r"(typedef|struct|enum|union)\b", head):
                    stmts.append(head)
                    buf = []
            elif ch == ";" and depth == 0:
                stmts.append("".join(buf).strip())
                buf = []
        self.typedefs, self.enums, self.structs = {}, [], {}
        for s in stmts:
            s = " ".join(s.split())
            if s.startswith("static ") or s.startswith("extern "):
                continue
            for em in re.finditer(r"\benum\b[^{;]*\{([^}]*)\}", s):
                for item in em.group(1).split(","):
                    item = item.strip()
                    if item:
                        self.enums.append(IDENT.match(item).group(0))
            for sm in re.finditer(r"\bstruct\s+(\w+)\s*\{([^{}]*)\}", s):
                members = []
                for decl in sm.group(2).split(";"):
                    ids = IDENT.findall(decl)
                    if ids:
                        members.append(ids[-1])
                self.structs[sm.group(1)] = members
            if s.startswith("typedef "):
                body = s[len("typedef "):-1]
                body = re.sub(r"\{.*\}", "", body)
                m = re.search(r"\(\s*\*\s*(\w+)\s*\)", body)
                if m:
                    name = m.group(1)
                    tname = body[:m.start(1)] + body[m.end(1):]
                else:
                    ids = list(IDENT.finditer(body))
                    name = ids[-1].group(0)
                    tname = body[:ids[-1].start()] + body[ids[-1].end():]
                if re.search(r"\benum\s*$|\benum\s+[^\w]", tname) or \
                        re.fullmatch(r"\s*enum\s*", tname):
                    tname = None  # anonymous enum: only the name is compared
                self.typedefs[name] = tname

    def collect_functions(self, src):
        aux = os.path.join(self.work, "aux.txt")
        r = self.gcc(["-c", "-o", os.devnull, "-aux-info", aux], src)
        if r.returncode:
            raise SystemExit("%s: compile failed:\n%s" % (self.label, r.stderr))
        self.functions = {}
        self.oldstyle = []
        for line in open(aux):
            m = re.match(r"/\* (.*):\d+:(\w+) \*/ (.*)$", line.strip())
            if not m or not self.ours(m.group(1)):
                continue
            decl = re.sub(r"/\*.*?\*/", "", m.group(3)).strip().rstrip(";").strip()
            decl = re.sub(r"^(extern|static)\s+", "", decl)
            decl = re.sub(r"\b__inline__\b|\binline\b", "", decl).strip()
            # the declared name is the identifier right before the first "("
            # that opens the parameter list
            fm = re.search(r"(\w+)\s*\((?!\s*\*)", decl)
            name = fm.group(1)
            if name == "__attribute__":
                continue
            tname = decl[:fm.start(1)] + "(*)" + decl[fm.end(1):]
            self.functions[name] = tname
            if m.group(2).startswith("O"):
                self.oldstyle.append(name)

    def deprecated(self, names):
        """Names whose use gcc reports as deprecated (OSSL_DEPRECATEDIN_*)."""
        body = "".join("__typeof__(&%s) shimssl_use_%d = &%s;\n" % (n, i, n)
                       for i, n in enumerate(names))
        src = self.write("deprecated.c", self.prelude() + body)
        r = self.gcc(["-fsyntax-only", "-Wdeprecated-declarations"], src)
        return set(re.findall(r"warning: .(\w+). is deprecated", r.stderr))

    # -- compiled checks ----------------------------------------------------
    def compile_asserts(self, name, facts):
        """Each fact is (label, C condition). Returns the labels whose
        _Static_assert fails or does not compile."""
        bad = set()
        facts = list(facts)
        lines = [self.prelude(), "#include <stddef.h>\n"]
        first = len("".join(lines).splitlines()) + 1
        for i, (label, cond) in enumerate(facts):
            lines.append("_Static_assert(%s, \"%s\");\n" % (cond, label))
        src = self.write(name, "".join(lines))
        r = self.gcc(["-fsyntax-only", "-w", "-ftrack-macro-expansion=0"], src)
        for m in re.finditer(r"%s:(\d+):\d+: error" % re.escape(src), r.stderr):
            idx = int(m.group(1)) - first
            if 0 <= idx < len(facts):
                bad.add(facts[idx][0])
        if r.returncode and not bad:
            bad.add("<%s did not compile: %s>" % (name, r.stderr[:2000]))
        return bad

    def expansions(self, names, arity=None):
        """Fully expanded token text of each name; with arity, of a call
        with placeholder arguments __a0, __a1, ..."""
        def use(n):
            if arity is None:
                return n
            return "%s(%s)" % (n, ", ".join("__a%d" % i for i in range(arity[n])))
        body = "".join("@@\"%s\"@@ %s\n" % (n, use(n)) for n in names)
        src = self.write("expand.c", self.prelude() + body)
        r = self.gcc(["-E", "-P"], src)
        out = {}
        for line in r.stdout.splitlines():
            m = re.match(r'@@"(\w+)"@@(.*)$', line)
            if m:
                out[m.group(1)] = "".join(m.group(2).split())
        return out

    def values(self, exprs):
        """exprs: list of (label, C expression). Returns label -> text for
        those that compile to an integer or string; the rest are dropped."""
        todo = list(exprs)
        for _ in range(6):
            head = self.prelude() + VALUE_PRINTER
            first = len(head.splitlines()) + 1
            body = "".join("P(\"%s\", (%s));\n" % (l, e) for l, e in todo)
            src = self.write("values.c", head + body + "return 0; }\n")
            exe = os.path.join(self.work, "values")
            r = self.gcc(["-w", "-ftrack-macro-expansion=0", "-o", exe, "-Wl,--unresolved-symbols=ignore-all"], src)
            if r.returncode == 0:
                break
            bad = {int(m.group(1)) - first for m in re.finditer(
                r"%s:(\d+):\d+: error" % re.escape(src), r.stderr)}
            if not bad:
                raise SystemExit("%s: values program:\n%s" % (self.label, r.stderr[:3000]))
            todo = [t for i, t in enumerate(todo) if i not in bad]
        else:
            raise SystemExit("%s: values program never compiled" % self.label)
        r = run([exe])
        out = {}
        for line in r.stdout.splitlines():
            label, _, val = line.partition("\t")
            if not val.startswith("other"):
                out[label] = val
        return out


VALUE_PRINTER = r"""
#include <stdio.h>
#include <stddef.h>
static void pi(const char *n, int v) { printf("%s\tint %d\n", n, v); }
static void pu(const char *n, unsigned v) { printf("%s\tunsigned %u\n", n, v); }
static void pl(const char *n, long v) { printf("%s\tlong %ld\n", n, v); }
static void pul(const char *n, unsigned long v) { printf("%s\tunsigned long %lu\n", n, v); }
static void pll(const char *n, long long v) { printf("%s\tlong long %lld\n", n, v); }
static void pull(const char *n, unsigned long long v) { printf("%s\tunsigned long long %llu\n", n, v); }
static void pc(const char *n, int v) { printf("%s\tchar %d\n", n, v); }
static void ps(const char *n, const char *s) {
    printf("%s\tstring \"", n);
    for (; *s; s++) printf(*s >= 32 && *s < 127 ? "%c" : "\\x%02x", (unsigned char)*s);
    printf("\"\n");
}
static void po(const char *n, ...) { printf("%s\tother\n", n); }
#define P(n, e) _Generic((e), char *: ps, const char *: ps, char: pc, \
    signed char: pc, unsigned char: pc, short: pi, unsigned short: pu, \
    int: pi, unsigned: pu, long: pl, unsigned long: pul, long long: pll, \
    unsigned long long: pull, default: po)(n, e)
int main(void) {
"""


def arity(tname):
    """Parameter count of a function pointer type text '(ret (*)(params))'."""
    i = tname.index("(*)") + 3
    depth, count, seen = 0, 0, False
    for ch in tname[i:]:
        if ch == "(":
            depth += 1
            if depth == 1:
                continue
        elif ch == ")":
            depth -= 1
            if depth == 0:
                break
        if depth == 1:
            if ch == ",":
                count += 1
            elif not ch.isspace():
                seen = True
    inner = tname[i:]
    if re.match(r"\s*\(\s*void\s*\)", inner):
        return 0
    return count + 1 if seen else 0


def diff_sets(what, a, b, la, lb, out, verb="declared by"):
    for n in sorted(set(a) - set(b) - INTERNAL_ONLY):
        out.append("%s %s: %s %s only" % (what, n, verb, la))
    for n in sorted(set(b) - set(a) - INTERNAL_ONLY):
        out.append("%s %s: %s %s only" % (what, n, verb, lb))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", required=True, help="include dir with openssl/")
    ap.add_argument("--ref", default=None, help="reference include dir (default: system)")
    ap.add_argument("--only", default="names,functions,typedefs,values")
    ap.add_argument("-D", action="append", default=[], help="extra define for both sides")
    ap.add_argument("--keep", help="keep generated files in this directory")
    a = ap.parse_args()
    if a.keep:
        return compare(a, a.keep)
    with tempfile.TemporaryDirectory(prefix="abi_compare.") as work:
        return compare(a, work)


def compare(a, work):
    cflags = ["-D" + d for d in a.D]
    ref = Side("reference", a.ref, cflags, work)
    ours = Side("ours", a.ours, cflags, work)
    if ref.hdrdir == ours.hdrdir:
        raise SystemExit("both sides are the same directory")
    for s in (ref, ours):
        s.collect()
    only = set(a.only.split(","))
    out = []

    if "names" in only:
        diff_sets("object-like macro", ref.objmacros, ours.objmacros, "reference", "ours", out)
        diff_sets("function-like macro", ref.fnmacros, ours.fnmacros, "reference", "ours", out)
        for n in sorted(set(ref.fnmacros) & set(ours.fnmacros)):
            if ref.fnmacros[n] != ours.fnmacros[n]:
                out.append("function-like macro %s: %d parameters, reference has %d"
                           % (n, ours.fnmacros[n], ref.fnmacros[n]))
        diff_sets("function", ref.functions, ours.functions, "reference", "ours", out)
        diff_sets("typedef", ref.typedefs, ours.typedefs, "reference", "ours", out)
        diff_sets("enumerator", ref.enums, ours.enums, "reference", "ours", out)
        diff_sets("struct definition", ref.structs, ours.structs, "reference", "ours", out)
        for h in HEADERS:
            diff_sets("header reached from openssl/%s:" % h, ref.includes_of(h),
                      ours.includes_of(h), "reference", "ours", out, "pulled in by")
        for n in ours.oldstyle:
            out.append("function %s: declared without a prototype" % n)

    if "names" in only:
        # Function-like macros: the preprocessor's full expansion of a call
        # with placeholder arguments must be the same token sequence, so a
        # wrapper passes the same ctrl command and arguments as OpenSSL's.
        common = sorted(n for n in set(ref.fnmacros) & set(ours.fnmacros)
                        if ref.fnmacros[n] == ours.fnmacros[n])
        er = ref.expansions(common, ref.fnmacros)
        eo = ours.expansions(common, ours.fnmacros)
        for n in common:
            if er.get(n) != eo.get(n):
                out.append("function-like macro %s: expands to '%s', reference '%s'"
                           % (n, eo.get(n), er.get(n)))

    if "functions" in only:
        common = sorted(set(ref.functions) & set(ours.functions))
        for n in common:
            if arity(ref.functions[n]) != arity(ours.functions[n]):
                out.append("function %s: %d parameters, reference has %d"
                           % (n, arity(ours.functions[n]), arity(ref.functions[n])))
        # a program must get the same deprecation warnings from ours
        dr, do = ref.deprecated(common), ours.deprecated(common)
        for n in sorted(dr - do):
            out.append("function %s: deprecated in reference, not in ours" % n)
        for n in sorted(do - dr):
            out.append("function %s: deprecated in ours, not in reference" % n)
        ndeprecated = len(dr)
        for side, other, tag in ((ours, ref, "fn_in_ours.c"), (ref, ours, "fn_in_ref.c")):
            facts = [(n, "__builtin_types_compatible_p(__typeof__(&%s), %s)"
                      % (n, other.functions[n])) for n in common]
            for n in sorted(side.compile_asserts(tag, facts)):
                out.append("function %s: type differs (reference: %s; ours: %s)"
                           % (n, ref.functions.get(n), ours.functions.get(n)))

    if "typedefs" in only:
        common = sorted(n for n in set(ref.typedefs) & set(ours.typedefs)
                        if ref.typedefs[n] and ours.typedefs[n])
        for n in sorted(set(ref.typedefs) & set(ours.typedefs)):
            if bool(ref.typedefs[n]) != bool(ours.typedefs[n]):
                out.append("typedef %s: anonymous enum on one side only" % n)
        for side, other in ((ours, ref), (ref, ours)):
            facts = [(n, "__builtin_types_compatible_p(%s, %s)" % (n, other.typedefs[n]))
                     for n in common]
            for n in sorted(side.compile_asserts("td_in_%s.c" % side.label, facts)):
                out.append("typedef %s: type differs (reference: %s; ours: %s)"
                           % (n, ref.typedefs[n], ours.typedefs[n]))

    if "values" in only:
        names = sorted((set(ref.objmacros) & set(ours.objmacros)) - INTERNAL_ONLY)
        enums = sorted(set(ref.enums) & set(ours.enums))
        layout = []
        for st in sorted(set(ref.structs) & set(ours.structs)):
            layout.append(("sizeof(struct %s)" % st, "sizeof(struct %s)" % st))
            for mem in ref.structs[st]:
                layout.append(("offsetof(struct %s, %s)" % (st, mem),
                               "offsetof(struct %s, %s)" % (st, mem)))
        exprs = [(n, n) for n in names + enums] + layout
        vals = {}
        exps = {}
        for s in (ref, ours):
            vals[s.label] = s.values(exprs)
            exps[s.label] = s.expansions(names)
        for l, _ in exprs:
            vr, vo = vals["reference"].get(l), vals["ours"].get(l)
            if vr is None and vo is None:
                er, eo = exps["reference"].get(l), exps["ours"].get(l)
                if er != eo:
                    out.append("macro %s: expands to '%s', reference '%s'" % (l, eo, er))
            elif vr != vo:
                out.append("%s: ours %s, reference %s" % (l, vo, vr))
        print("compared %d values, %d functions, %d typedefs"
              % (len(vals["reference"]), len(ref.functions), len(ref.typedefs)))
    if "functions" in only:
        print("compared deprecation of %d functions (%d deprecated)"
              % (len(ref.functions), ndeprecated))

    out = list(dict.fromkeys(out))  # both directions may report the same fact
    for line in out:
        print("MISMATCH " + line)
    print("%d mismatches" % len(out))
    return 1 if out else 0


if __name__ == "__main__":
    sys.exit(main())
