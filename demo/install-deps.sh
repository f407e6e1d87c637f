#!/bin/bash
# Installs every Debian 12 package the build, the demo and the test suite
# need (run as root, or it uses sudo). Used by README's first command and
# by .ci/run.
set -euo pipefail

packages=(
    # build
    build-essential cmake pkg-config libssl-dev libgtest-dev zlib1g-dev python3
    # fuzzing (libFuzzer and the sanitizer runtimes for clang)
    clang libclang-rt-14-dev
    # real programs and peers the tests run
    openssl curl socat ca-certificates nginx-light haproxy stunnel4
    lighttpd lighttpd-mod-openssl gnutls-bin
    # tooling used by tests and packaging
    valgrind dpkg-dev file binutils
)

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive

# Installing nginx/haproxy/lighttpd would start system services listening
# on ports 80/443; tests start their own instances. On a CI machine, stop
# the package scripts from starting anything (policy-rc.d, exit 101).
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ "${CI:-}" = true ] && [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    made_policy=1
fi
cleanup() { if [ "$made_policy" = 1 ]; then "${sudo[@]}" rm -f "$policy"; fi; }
trap cleanup EXIT

"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends "${packages[@]}" </dev/null
