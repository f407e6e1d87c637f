#!/usr/bin/python3
"""Writes the seed corpora from real server flights.

For each server configuration, starts Debian's `openssl s_server` on
loopback, sends a ClientHello made by Python's ssl module (memory BIOs, no
handshake completion) and records the raw bytes the server answers with:
  corpus/fuzz_record/<name>            chunk-selector byte + raw flight
  corpus/fuzz_client_handshake/<name>  the plaintext handshake messages of
                                       the flight in that target's framing
Run from anywhere: tests/fuzz/make-corpus.py
"""
import os
import re
import socket
import ssl
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CERTS = os.path.join(HERE, "..", "certs")

CONFIGS = {
    "tls13_rsa": ["-tls1_3"],
    "tls13_ecdsa": ["-tls1_3", "-cert", "server-ec.pem", "-key", "server-ec.key"],
    "tls13_ed25519": ["-tls1_3", "-cert", "server-ed25519.pem", "-key", "server-ed25519.key"],
    "tls13_chacha": ["-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"],
    "tls13_hrr_p384": ["-tls1_3", "-groups", "P-384"],
    "tls12_rsa": ["-tls1_2"],
    "tls12_ecdsa": ["-tls1_2", "-cert", "server-ec.pem", "-key", "server-ec.key"],
}


def client_hello():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def flight(args):
    cmd = ["openssl", "s_server", "-accept", "127.0.0.1:0", "-www"]
    if "-cert" not in args:
        cmd += ["-cert", "server.pem", "-key", "server.key"]
    proc = subprocess.Popen(cmd + args, cwd=CERTS, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        port = None
        deadline = time.time() + 10
        while port is None and time.time() < deadline:
            m = re.search(r"ACCEPT 127\.0\.0\.1:(\d+)", proc.stdout.readline())
            if m:
                port = int(m.group(1))
        if port is None:
            raise RuntimeError("s_server did not start")
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(client_hello())
            s.settimeout(1.0)
            data = b""
            try:
                while True:
                    d = s.recv(65536)
                    if not d:
                        break
                    data += d
            except socket.timeout:
                pass
        return data
    finally:
        proc.kill()
        proc.wait()


def handshake_framing(data):
    """Plaintext handshake messages (records of type 22 before any
    encryption) as fuzz_client_handshake input."""
    body = b""
    off = 0
    while off + 5 <= len(data):
        ctype, length = data[off], int.from_bytes(data[off + 3:off + 5], "big")
        frag = data[off + 5:off + 5 + length]
        off += 5 + length
        if ctype == 22:
            body += frag
        elif ctype == 23:
            break  # encrypted from here on
    out = b"\x80"  # flags: records of 16384 bytes, leading CCS
    off = 0
    while off + 4 <= len(body):
        mtype, mlen = body[off], int.from_bytes(body[off + 1:off + 4], "big")
        out += bytes([mtype]) + mlen.to_bytes(2, "big") + body[off + 4:off + 4 + mlen]
        off += 4 + mlen
    return out


def main():
    for sub in ("fuzz_record", "fuzz_client_handshake"):
        os.makedirs(os.path.join(HERE, "corpus", sub), exist_ok=True)
    for i, (name, args) in enumerate(CONFIGS.items()):
        data = flight(args)
        with open(os.path.join(HERE, "corpus", "fuzz_record", name), "wb") as f:
            f.write(bytes([i]) + data)
        with open(os.path.join(HERE, "corpus", "fuzz_client_handshake", name), "wb") as f:
            f.write(handshake_framing(data))
        print("%-16s %5d bytes" % (name, len(data)))


if __name__ == "__main__":
    main()
