"""Reading compat/symbols.tsv, shared by the generators in tools/."""
import subprocess


class Symbol:
    __slots__ = ("name", "kind", "fail", "ctype", "header", "why")

    def __init__(self, fields):
        self.name, self.kind, self.fail, self.ctype, self.header = fields[:5]
        self.why = fields[5] if len(fields) > 5 else ""


def load(path):
    syms = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) < 5:
                raise SystemExit("%s: malformed line: %r" % (path, line))
            syms.append(Symbol(fields))
    return syms


def defined_functions(nm, paths):
    """Global functions defined in object files or a shared library.

    nm -P prints "name type value size"; T/W/i are defined (weak, ifunc) code.
    Version suffixes (name@@NODE) are dropped.
    """
    if not paths:
        return set()
    out = subprocess.run([nm, "-P", "--defined-only"] + list(paths), check=True,
                         capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1] in ("T", "W", "i"):
            names.add(parts[0].split("@")[0])
    return names


def read_list(path):
    with open(path) as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#")]
