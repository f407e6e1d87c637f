#!/bin/bash
# Builds shimssl_<version>_<arch>.deb from a configured and built tree with
# nothing but cmake and dpkg-deb (no debhelper):
#   packaging/build-deb.sh BUILD_DIR [OUT_DIR]
# The package installs libssl.so.3 into /usr/lib/shimssl (private: it never
# replaces the system's libssl), headers into /usr/include/shimssl/openssl,
# /usr/lib/pkgconfig/shimssl.pc and /usr/bin/shimssl-run.
set -euo pipefail

build=${1:?usage: build-deb.sh BUILD_DIR [OUT_DIR]}
out=${2:-$build}
build=$(cd "$build" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
version=${version:-0.0.0}
arch=$(dpkg --print-architecture)

stage=$(mktemp -d)
chmod 755 "$stage"  # becomes "./" in the package: must not be 0700
trap 'rm -rf "$stage"' EXIT
DESTDIR="$stage" cmake --install "$build" --prefix /usr >/dev/null
# Debian policy: shared libraries are not executable-bit dependent, but are
# stripped of nothing here on purpose (debug info helps bug reports).
mkdir -p "$stage/DEBIAN" "$stage/usr/share/doc/shimssl"
src=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$src/README.md" ] && cp "$src/README.md" "$stage/usr/share/doc/shimssl/"

installed_size=$(du -sk "$stage/usr" | cut -f1)
cat >"$stage/DEBIAN/control" <<CONTROL
Package: shimssl
Version: $version
Architecture: $arch
Maintainer: ShimSSL developers <shimssl@localhost>
Installed-Size: $installed_size
Depends: libc6, libssl3 (>= 3.0.0)
Section: libs
Priority: optional
Description: TLS 1.2/1.3 library, drop-in replacement for OpenSSL 3.0 libssl
 ShimSSL provides libssl.so.3 with the OpenSSL 3.0 ABI (symbol version
 OPENSSL_3.0.0) on top of the system libcrypto. It is installed in a private
 directory, /usr/lib/shimssl; run a program on it with shimssl-run, or link
 with pkg-config shimssl.
CONTROL

deb="$out/shimssl_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$stage" "$deb" >/dev/null
echo "$deb"
