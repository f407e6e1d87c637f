#!/bin/bash
# Installs every Debian 12 package the test suite needs (run as root, or it
# uses sudo): the build dependencies of demo/install-deps.sh, GoogleTest,
# the fuzzing toolchain, and the real programs the tests run on ShimSSL or
# use as peers. README's second command runs it before tests/run-all.sh;
# so does .ci/run.
#
# Servers among those packages (nginx, haproxy, lighttpd, apache2, ...) are
# neither started nor enabled: the tests start their own instances on
# loopback ports they pick. While this script installs, a policy-rc.d that
# refuses every start is in place (on any machine, not only CI), and any
# boot-time link that the installation adds under /etc/systemd/system or
# /etc/rc?.d is removed again. Services that were already installed or
# enabled before are left exactly as they were: nothing is stopped.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

packages=(
    # GoogleTest, fuzzing (libFuzzer and the sanitizer runtimes for clang)
    libgtest-dev clang libclang-rt-14-dev
    # the source format check (tools/format-check.sh)
    clang-format
    # real programs and peers the tests run
    openssl curl socat ca-certificates nginx-light haproxy stunnel4
    lighttpd lighttpd-mod-openssl gnutls-bin python3 dovecot-imapd
    postgresql apache2 postfix
    # tooling used by tests and packaging
    valgrind dpkg-dev file binutils
    # conformance gate (tests/conformance): fetches OpenSSL's Debian source
    # with apt-get source, patches it and builds its test programs
    perl make patch xz-utils
)

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive

"$here/../demo/install-deps.sh"

boot_links() {
    find /etc/systemd/system /etc/rc0.d /etc/rc1.d /etc/rc2.d /etc/rc3.d /etc/rc4.d \
        /etc/rc5.d /etc/rc6.d /etc/rcS.d -mindepth 1 -maxdepth 2 -type l 2>/dev/null | sort
}
before=$(mktemp)
boot_links >"$before"

policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# tests/install-deps.sh: start no service while it installs\nexit 101\n' |
        "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    made_policy=1
fi
cleanup() {
    if [ "$made_policy" = 1 ]; then "${sudo[@]}" rm -f "$policy"; fi
    rm -f "$before"
}
trap cleanup EXIT

"${sudo[@]}" apt-get install -y --no-install-recommends "${packages[@]}" </dev/null

# Undo what the installation enabled for boot (unit symlinks under *.wants,
# SysV start links); links that existed before stay.
comm -13 "$before" <(boot_links) | while read -r link; do
    case "$link" in
    /etc/systemd/system/*.wants/*)
        echo "tests/install-deps.sh: not enabling ${link##*/} at boot"
        # deb-systemd-helper also records the choice, so that a package
        # upgrade does not enable the unit again.
        "${sudo[@]}" deb-systemd-helper disable "${link##*/}" 2>/dev/null ||
            "${sudo[@]}" rm -f "$link"
        ;;
    /etc/rc?.d/S*)
        echo "tests/install-deps.sh: not starting ${link##*/} at boot"
        "${sudo[@]}" rm -f "$link"
        ;;
    esac
done
