#!/usr/bin/env python3
"""Regenerate compat/symbols.tsv and compat/libssl.map from the system's
OpenSSL 3.0 libssl.so.3 and headers.

Why committed output: the build and the stubs must not depend on a system
libssl being installed, so the list of exported names, their return kinds and
the documented failure values are recorded once here and checked in.

Names come from `nm -D --defined-only` on the system library; return types
come from the compiler itself (gcc -aux-info prints every prototype of a
translation unit in canonical form), which resolves the deprecation macros
and declarations spread over ssl.h, tls1.h, srtp.h and dtls1.h for us.

Usage: tools/gen_symbols.py [--lib PATH] [--cc gcc] [--srcdir DIR]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

VERSION_NODE = "OPENSSL_3.0.0"

# The failure value a not-yet-implemented function returns, where it is not
# the natural 0 / NULL. Each entry cites the documented return convention
# (OpenSSL 3.0 man pages) that makes it the failure value.
FAILURE_VALUES = {
    # "<0: fatal error" (SSL_accept(3), SSL_connect(3), SSL_do_handshake(3))
    "SSL_accept": ("-1", "SSL_accept(3): <0 on fatal error"),
    "SSL_connect": ("-1", "SSL_connect(3): <0 on fatal error"),
    "SSL_do_handshake": ("-1", "SSL_do_handshake(3): <0 on fatal error"),
    "SSL_read": ("-1", "SSL_read(3): <=0 on failure"),
    "SSL_peek": ("-1", "SSL_read(3): <=0 on failure"),
    "SSL_write": ("-1", "SSL_write(3): <0 on failure"),
    "SSL_shutdown": ("-1", "SSL_shutdown(3): <0 on failure"),
    "SSL_sendfile": ("-1", "SSL_write(3): SSL_sendfile returns -1 on failure"),
    "DTLSv1_listen": ("-1", "DTLSv1_listen(3): <0 on fatal error"),
    "SSL_stateless": ("-1", "DTLSv1_listen(3): -1 on any other error"),
    "SSL_get_fd": ("-1", "SSL_get_fd(3): -1 on failure"),
    "SSL_get_rfd": ("-1", "SSL_get_fd(3): -1 on failure"),
    "SSL_get_wfd": ("-1", "SSL_get_fd(3): -1 on failure"),
    "SSL_COMP_get_id": ("-1", "SSL_COMP_add_compression_method(3): -1 on error"),
    "SSL_CONF_cmd_argv": ("-1", "SSL_CONF_cmd_argv(3): -1 on error"),
    "SSL_CONF_cmd": ("0", "SSL_CONF_cmd(3): 0 when the operation failed"),
    "SSL_get0_dane_authority": ("-1", "SSL_CTX_dane_enable(3): negative when DANE failed or is off"),
    "SSL_get0_dane_tlsa": ("-1", "SSL_CTX_dane_enable(3): negative when DANE failed or is off"),
    "SSL_CTX_dane_enable": ("-1", "SSL_CTX_dane_enable(3): negative on library problems"),
    "SSL_CTX_dane_mtype_set": ("-1", "SSL_CTX_dane_enable(3): negative on library problems"),
    "SSL_dane_enable": ("-1", "SSL_CTX_dane_enable(3): negative on library problems"),
    "SSL_dane_tlsa_add": ("-1", "SSL_CTX_dane_enable(3): negative on library problems"),
    "SSL_set_srp_server_param": ("-1", "SSL_CTX_set_srp_password(3): -1 on failure"),
    "SSL_set_srp_server_param_pw": ("-1", "same convention as SSL_set_srp_server_param"),
    # SSL3_AL_FATAL: the alert level this internal SRP helper reports on error.
    "SSL_srp_server_param_with_username": ("2", "returns SSL3_AL_FATAL (2) on error"),
    "SSL_get_servername_type": ("-1", "SSL_get_servername(3): -1 if no server name"),
    "SSL_get_ex_data_X509_STORE_CTX_idx": ("-1", "-1 when no index could be allocated"),
    # SSL_KEY_UPDATE_NONE
    "SSL_get_key_update_type": ("-1", "SSL_key_update(3): SSL_KEY_UPDATE_NONE (-1)"),
    # These two return 0 on success and 1 on failure.
    "SSL_CTX_set_alpn_protos": ("1", "SSL_CTX_set_alpn_protos(3): 0 on success, 1 on failure"),
    "SSL_set_alpn_protos": ("1", "SSL_CTX_set_alpn_protos(3): 0 on success, 1 on failure"),
    "SSL_CTX_set_tlsext_use_srtp": ("1", "SSL_CTX_set_tlsext_use_srtp(3): 0 on success, 1 on failure"),
    "SSL_set_tlsext_use_srtp": ("1", "SSL_CTX_set_tlsext_use_srtp(3): 0 on success, 1 on failure"),
    "SSL_COMP_add_compression_method": ("1", "SSL_COMP_add_compression_method(3): 0 on success, 1 on failure"),
    # SSL_ERROR_SSL: a caller must see a fatal error, never SSL_ERROR_NONE.
    "SSL_get_error": ("1", "SSL_get_error(3): SSL_ERROR_SSL (1), never SSL_ERROR_NONE"),
    # X509_V_ERR_UNSPECIFIED: returning X509_V_OK would claim a verified peer.
    "SSL_get_verify_result": ("1", "X509_V_ERR_UNSPECIFIED (1); X509_V_OK would claim success"),
    # SSL_NOTHING
    "SSL_want": ("1", "SSL_want(3): SSL_NOTHING (1)"),
}

# gcc -aux-info spelling of a return type -> the kind recorded in the table.
SCALAR_KINDS = {
    "int": "int",
    "OSSL_HANDSHAKE_STATE": "int",   # an enum: returned in a 32-bit register
    "unsigned int": "unsigned int",
    "long int": "long",
    "long unsigned int": "unsigned long",
    "size_t": "size_t",
    "ssize_t": "ssize_t",
    "uint8_t": "uint8_t",
    "uint16_t": "uint16_t",
    "uint32_t": "uint32_t",
    "uint64_t": "uint64_t",
    "void": "void",
}
# Typedefs that name pointer-to-function types.
POINTER_TYPEDEFS = {"SSL_verify_cb", "SSL_CTX_keylog_cb_func"}

HEADERS = ["openssl/ssl.h", "openssl/tls1.h", "openssl/srtp.h", "openssl/dtls1.h"]


def exported_names(lib):
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in ("T", "W", "i"):
            names.add(parts[2].split("@")[0])
    return sorted(names)


def prototypes(cc):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "p.c")
        aux = os.path.join(tmp, "aux.txt")
        with open(src, "w") as f:
            for h in HEADERS:
                f.write("#include <%s>\n" % h)
        subprocess.run([cc, "-c", "-aux-info", aux, src, "-o", os.devnull], check=True)
        with open(aux) as f:
            return f.read().splitlines()


def split_decl(decl, name):
    """Return (C return type, kind) of `name` in one aux-info prototype."""
    start = decl.index(name + " (")
    prefix = decl[:start].replace("extern ", "", 1).strip()
    if prefix.endswith("(*"):
        # A function returning a function pointer: "R (*NAME (args)) (fargs)".
        depth, i = 0, start + len(name) + 1
        while True:
            if decl[i] == "(":
                depth += 1
            elif decl[i] == ")":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        rest = decl[i + 1:].strip().rstrip(";").strip()
        assert rest.startswith(")"), decl
        if rest == ")":
            # "T (*NAME (args))" is just a pointer to typedef T.
            ctype = prefix[:-2].strip() + " *"
        else:
            ctype = prefix[:-2].strip() + " (*)" + rest[1:].strip()
        return " ".join(ctype.split()), "pointer"
    ctype = " ".join(prefix.split())
    if ctype.endswith("*"):
        return ctype, "const pointer" if ctype.startswith("const ") else "pointer"
    if ctype in POINTER_TYPEDEFS:
        return ctype, "pointer"
    if ctype not in SCALAR_KINDS:
        sys.exit("gen_symbols: unknown return type %r of %s" % (ctype, name))
    return ctype, SCALAR_KINDS[ctype]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", default="/usr/lib/x86_64-linux-gnu/libssl.so.3")
    ap.add_argument("--cc", default="gcc")
    ap.add_argument("--srcdir", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    args = ap.parse_args()

    names = exported_names(args.lib)
    wanted = set(names)
    found = {}
    decl_re = re.compile(r"/\* (\S+):(\d+):\S+ \*/ (.*)$")
    for line in prototypes(args.cc):
        m = decl_re.match(line)
        if not m:
            continue
        header, decl = m.group(1), m.group(3)
        for ident in re.findall(r"([A-Za-z_][A-Za-z_0-9]*) \(", decl):
            if ident in wanted and ident not in found:
                ctype, kind = split_decl(decl, ident)
                found[ident] = (ctype, kind, os.path.relpath(header, "/usr/include"))
    missing = [n for n in names if n not in found]
    if missing:
        sys.exit("gen_symbols: no prototype for: " + " ".join(missing))
    unknown = set(FAILURE_VALUES) - wanted
    if unknown:
        sys.exit("gen_symbols: failure values for non-exported names: " + " ".join(sorted(unknown)))

    rows = []
    for n in names:
        ctype, kind, header = found[n]
        if n in FAILURE_VALUES:
            fail, why = FAILURE_VALUES[n]
        elif kind == "void":
            fail, why = "-", ""
        elif kind.endswith("pointer"):
            fail, why = "NULL", ""
        else:
            fail, why = "0", ""
        rows.append("\t".join([n, kind, fail, ctype, header, why]))

    tsv = os.path.join(args.srcdir, "compat", "symbols.tsv")
    with open(tsv, "w") as f:
        f.write("# Generated by tools/gen_symbols.py from the system OpenSSL 3.0 libssl.so.3\n"
                "# and its headers. One line per function libssl exports (version %s).\n"
                "# Columns: name, return kind, failure value of a stub ('-' for void),\n"
                "# declared return type, declaring header, why the failure value is not 0/NULL.\n"
                % VERSION_NODE)
        f.write("\n".join(rows) + "\n")

    mapfile = os.path.join(args.srcdir, "compat", "libssl.map")
    with open(mapfile, "w") as f:
        f.write("/* Generated by tools/gen_symbols.py: exactly the functions OpenSSL 3.0's\n"
                "   libssl.so.3 exports, all under its version node; everything else local. */\n")
        f.write("%s {\n  global:\n" % VERSION_NODE)
        for n in names:
            f.write("    %s;\n" % n)
        f.write("  local:\n    *;\n};\n")
    print("gen_symbols: %d functions -> %s, %s" % (len(names), tsv, mapfile))


if __name__ == "__main__":
    main()
