#!/bin/bash
# Installs what building the library and running the demo need, and nothing
# else (run as root, or it uses sudo). README's first command.
# The test suite's peers (web and mail servers, fuzzing tools) are installed
# by tests/install-deps.sh instead, so that trying the library never puts a
# server on anyone's machine.
set -euo pipefail

packages=(
    # build: compiler, cmake, libcrypto headers, zlib (TLS 1.2 compression),
    # python3 (the build generates the stubs and the coverage document)
    build-essential cmake pkg-config libssl-dev zlib1g-dev python3
    # the demo: Debian's curl on ShimSSL against Debian's openssl s_server
    openssl curl ca-certificates
)

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends "${packages[@]}" </dev/null
