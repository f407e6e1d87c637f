#!/bin/bash
# The ShimSSL demo: Debian's own curl, unmodified, running on ShimSSL's
# libssl.so.3 (LD_PRELOAD), fetches a page from a local `openssl s_server`
# (system OpenSSL) over TLS 1.3 and shows what was negotiated.
#   demo/run.sh            (after building into ./build)
#   SHIMSSL_LIB=/path/to/libssl.so.3 demo/run.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
lib=$(readlink -f "${SHIMSSL_LIB:-$root/build/lib/libssl.so.3}")
certs=$root/tests/certs
if [ ! -r "$lib" ]; then
    echo "demo: $lib not found; build first: cmake -S . -B build && cmake --build build -j2" >&2
    exit 1
fi

work=$(mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# Port 0: the kernel picks a free loopback port and s_server reports it.
timeout 120 openssl s_server -accept 127.0.0.1:0 -tls1_3 -www \
    -cert "$certs/server.pem" -key "$certs/server.key" \
    </dev/null >"$work/server.log" 2>&1 &
server_pid=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/server.log")
    [ -n "$port" ] && break
    sleep 0.1
done
if [ -z "$port" ]; then
    echo "demo: openssl s_server did not start:" >&2
    cat "$work/server.log" >&2
    exit 1
fi

echo "== ShimSSL demo"
echo "library : $lib"
echo "server  : openssl s_server -tls1_3 on 127.0.0.1:$port (system OpenSSL $(openssl version | cut -d' ' -f2))"
echo "client  : LD_PRELOAD=$lib curl https://localhost:$port/"
echo

status=0
LD_PRELOAD="$lib" LD_DEBUG=files LD_DEBUG_OUTPUT="$work/ld" \
    curl -v --max-time 15 --cacert "$certs/ca.pem" \
    --resolve "localhost:$port:127.0.0.1" "https://localhost:$port/" \
    -o "$work/page.html" \
    -w 'http_code=%{http_code} ssl_verify_result=%{ssl_verify_result}\n' \
    >"$work/curl.out" 2>"$work/curl.err" || status=$?

grep -E 'SSL connection using|ALPN|SSL certificate verify|subject:|issuer:' "$work/curl.err" | sed 's/^\* */  /' || true
sed 's/^/  /' "$work/curl.out"
echo "  page    : $(grep -c '' "$work/page.html" 2>/dev/null || echo 0) lines from the server, session as the server saw it:"
grep -E '^(New,|    Protocol|    Cipher)' "$work/page.html" 2>/dev/null | sed 's/^ */    /' || true

# Which libssl did curl actually run on? The dynamic linker's own trace.
echo
if cat "$work"/ld.* 2>/dev/null | grep -q "calling init: $lib\$"; then
    echo "proof   : the dynamic linker initialised $lib"
else
    echo "proof   : $lib was NOT loaded" >&2
    status=1
fi
if cat "$work"/ld.* 2>/dev/null | grep -Eq 'calling init: /(usr/)?lib/x86_64-linux-gnu/libssl\.so\.3$' &&
    [ "$lib" != /usr/lib/x86_64-linux-gnu/libssl.so.3 ]; then
    echo "proof   : but the system libssl was loaded too" >&2
    status=1
fi

if [ "$status" = 0 ]; then
    echo "result  : OK, curl fetched the page over TLS on ShimSSL"
else
    echo "result  : FAILED (curl exit code $status); curl said:" >&2
    grep -v '^[{}<>] ' "$work/curl.err" | tail -n 15 >&2
fi
exit "$status"
