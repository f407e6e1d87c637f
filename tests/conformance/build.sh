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
# Configuration: as Debian configures its package: Debian's patches that
# apply, the debian-<arch> target and debian/rules' CONFARGS (from the
# packaging tarball fetch-source.sh gets). The build checks that the generated <openssl/configuration.h>
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

multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
arch=$(dpkg --print-architecture)
cpu=$(dpkg-architecture -qDEB_HOST_ARCH_CPU 2>/dev/null || echo "$arch")
pkg=$src/debian-packaging/debian

# Debian's patches, in series order, on a pristine copy of the source: the
# ones that apply (the packaging ones: target debian-<arch>, apps/openssl.cnf,
# tests fixed for security level 2, ...). Those that do not apply are fixes
# this upstream version already has (the packaging may be an older revision's,
# see fetch-source.sh); they are listed in patches.log.
tree=$top/tree
rm -rf "$tree"
cp -a "$src" "$tree"
: >"$bld/patches.log"
while read -r p _; do
    case "$p" in ''|'#'*) continue ;; esac
    if patch -d "$tree" -p1 -N -s --dry-run <"$pkg/patches/$p" >/dev/null 2>&1; then
        patch -d "$tree" -p1 -N -s <"$pkg/patches/$p" >/dev/null
        echo "applied $p" >>"$bld/patches.log"
    else
        echo "skipped $p (does not apply: already upstream)" >>"$bld/patches.log"
    fi
done <"$pkg/patches/series"
for must in debian-targets.patch Fix-tests-for-new-default-security-level.patch; do
    if ! grep -q "^applied $must" "$bld/patches.log"; then
        log "FAILED: Debian's $must does not apply"
        exit 1
    fi
done
src=$tree

# debian/rules: CONFARGS (with the += of blocks whose DEB_HOST_ARCH[_CPU]
# condition matches this machine) and the target debian-$(DEB_HOST_ARCH).
confargs=$(awk -v cpu="$cpu" -v arch="$arch" '
    /^ifeq \(\$\(DEB_HOST_ARCH_CPU\), *[a-z0-9]+\)/ {c=$0; sub(/.*, */, "", c); sub(/\).*/, "", c); on=(c==cpu); depth++; next}
    /^ifeq \(\$\(DEB_HOST_ARCH\), *[a-z0-9]+\)/ {c=$0; sub(/.*, */, "", c); sub(/\).*/, "", c); on=(c==arch); depth++; next}
    /^if/ {depth++; other++; next}
    /^endif/ {depth--; if (other) other--; else on=0; next}
    /^CONFARGS *=/ && depth==0 {sub(/^CONFARGS *= */, ""); args=$0}
    /^[ \t]*CONFARGS *\+=/ && (depth==0 || on) {sub(/^[ \t]*CONFARGS *\+= */, ""); args=args " " $0}
    END {print args}' "$pkg/rules")
confargs=${confargs//\$(DEB_HOST_MULTIARCH)/$multiarch}
case "$confargs" in *'$('*|'') log "FAILED: cannot read CONFARGS from debian/rules: $confargs"; exit 1 ;; esac
target=debian-$arch
log "Configure shared $confargs $target ($(cat "$src/debian-packaging/SOURCE"))"
# shellcheck disable=SC2086 # CONFARGS is a word list
perl "$src/Configure" shared $confargs "$target" >configure.log 2>&1 ||
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

ln -sfn "$tree" "$top/source"
touch "$top/done"
log "built $(wc -l <programs.txt) programs in $bld"
echo "$top"
