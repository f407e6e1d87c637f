#!/bin/bash
# build.sh: prints the directory holding OpenSSL's own TLS test programs,
# built from the source of the INSTALLED OpenSSL version (fetch-source.sh)
# and linked against the SYSTEM libssl.so.3 / libcrypto.so.3. Nothing of
# OpenSSL's libssl or libcrypto is compiled: the test programs' objects and
# libtestutil.a only. At run time ShimSSL replaces libssl.so.3 through
# LD_LIBRARY_PATH (gate.py does that).
#
# Cached in $SHIMSSL_CONFORMANCE_CACHE (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/shimssl-conformance), keyed by the
# installed libssl3 version and a hash of this script and fetch-source.sh,
# so a second run takes a second. Never depends on the cache existing.
#
# Configuration: as Debian 12 configures its package (the options below; the
# compile flags and options `openssl version -a` reports for the installed
# library). The build checks that the generated <openssl/configuration.h>
# defines exactly the same OPENSSL_NO_* macros as the installed one and
# fails if not, so the test programs see the features the library has.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache_root=${SHIMSSL_CONFORMANCE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shimssl-conformance}
version=$(dpkg-query -W -f='${Version}' libssl3)
key=$(cat "$here/build.sh" "$here/fetch-source.sh" | sha256sum | cut -c1-12)
top=$cache_root/${version//[^A-Za-z0-9.+-]/_}-$key
mkdir -p "$top"
exec 9>"$top/.lock"
flock 9

# The programs: OpenSSL's TLS/DTLS API tests that link libssl.so.3 (shared).
# Programs linking libssl.a or compiling libssl's own sources read private
# structures and cannot run against a drop-in (see README.md, internals).
programs=(ssl_test sslapitest servername_test clienthellotest sslbuffertest
    sslcorrupttest tls13ccstest recordlentest ssl_ctx_test cipherlist_test
    ciphername_test asynciotest fatalerrtest cipherbytes_test sysdefaulttest
    ssl_test_ctx_test danetest tls13ticket_test
    dtlstest dtls_mtu_test dtlsv1listentest bad_dtls_test)

if [ -f "$top/done" ]; then
    echo "$top"
    exit 0
fi

log() { echo "conformance build: $*" >&2; }
# Builds of other versions / older scripts are dead weight: remove them.
for old in "$cache_root"/*; do
    if [ -d "$old" ] && [ "$old" != "$top" ]; then
        rm -rf "$old"
    fi
done
src=$("$here/fetch-source.sh" "$top/src")
bld=$top/build
rm -rf "$bld"
mkdir -p "$bld"
cd "$bld"

multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
case "$multiarch" in
    x86_64-*) target=linux-x86_64; extra=(enable-ec_nistp_64_gcc_128) ;;
    aarch64-*) target=linux-aarch64; extra=(enable-ec_nistp_64_gcc_128) ;;
    *) target=linux-generic64; extra=() ;;
esac
# Debian 12's debian/rules CONFARGS (openssl 3.0.x), plus the -D flags of
# `openssl version -a`: security level 2 compiled in, no zlib.
log "Configure $target (Debian 12 options)"
perl "$src/Configure" "$target" shared --prefix=/usr --openssldir=/usr/lib/ssl \
    --libdir="lib/$multiarch" no-idea no-mdc2 no-rc5 no-zlib no-ssl3 \
    no-ssl3-method enable-unit-test enable-rfc3779 enable-cms no-capieng \
    no-rdrand enable-ktls "${extra[@]}" \
    -DOPENSSL_TLS_SECURITY_LEVEL=2 -DOPENSSL_USE_NODELETE >configure.log 2>&1 ||
    { cat configure.log >&2; log "FAILED: Configure"; exit 1; }
log "make build_generated"
make build_generated >generate.log 2>&1 ||
    { tail -n 30 generate.log >&2; log "FAILED: make build_generated"; exit 1; }

sys_conf=/usr/include/$multiarch/openssl/configuration.h
[ -f "$sys_conf" ] || sys_conf=/usr/include/openssl/configuration.h
nos() { grep -o 'define OPENSSL_NO_[A-Z0-9_]*' "$1" | sort; }
if ! diff <(nos include/openssl/configuration.h) <(nos "$sys_conf") >&2; then
    log "FAILED: the configured feature set differs from the installed $sys_conf (< ours, > installed)"
    exit 1
fi

# Link against the system libraries: libssl.so / libcrypto.so in the build
# tree are links to them, and make is told (-o) never to build them.
libdir=/usr/lib/$multiarch
ln -sf "$libdir/libssl.so.3" libssl.so
ln -sf "$libdir/libcrypto.so.3" libcrypto.so
old=(-o libssl.so -o libcrypto.so -o libssl.so.3 -o libcrypto.so.3 -o libssl.a -o libcrypto.a)
jobs=$(nproc 2>/dev/null || echo 2)
log "make ${programs[*]}"
# engines/dasync.so: OpenSSL's test engine (a libcrypto engine, public API)
# that the pipelining tests load with ENGINE_by_id("dasync").
targets=("${programs[@]/#/test/}" engines/dasync.so)
if ! make -j "$jobs" "${old[@]}" "${targets[@]}" >make.log 2>&1; then
    # keep going per program so one that does not build is named
    for p in "${programs[@]}"; do
        make "${old[@]}" "test/$p" >"make-$p.log" 2>&1 || log "program $p does not build (make-$p.log)"
    done
fi
for p in "${programs[@]}"; do
    if [ -x "test/$p" ]; then
        deps=$(ldd "test/$p" 2>/dev/null || true)
        if [[ "$deps" == *"libssl.so.3 => $libdir/libssl.so.3"* || "$deps" == *"libssl.so.3 => /lib/$multiarch/libssl.so.3"* ]]; then
            echo "$p" >>programs.txt.new
        else
            log "program $p does not link the system libssl.so.3: left out"
        fi
    fi
done
mv programs.txt.new programs.txt

# ssl_test's configurations, generated as test/recipes/80-test_ssl_new.t
# does, for the "none" and "default" provider modes (no FIPS provider here).
mkdir -p ssl-tests
for mode in none default; do
    for in in "$src"/test/ssl-tests/*.cnf.in; do
        out=ssl-tests/$(basename "$in" .in).$mode
        SRCTOP=$src BLDTOP=$bld perl -I"$src/util/perl" -I"$bld" \
            "$src/test/generate_ssl_tests.pl" "$in" "$mode" >"$out" 2>>generate-ssl-tests.log ||
            { log "FAILED: generate_ssl_tests.pl $in $mode"; exit 1; }
    done
done
rm -rf test-runs

ln -sfn "$src" "$top/source"
touch "$top/done"
log "built $(wc -l <programs.txt) programs in $bld"
echo "$top"
