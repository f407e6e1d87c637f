#!/bin/bash
# Runs each libFuzzer target for a fixed number of inputs from a fixed seed,
# bounded in time:
#   tests/fuzz/run.sh FUZZ_BUILD_DIR [SECONDS_PER_TARGET]
# SHIMSSL_FUZZ_RUNS (default 100000) inputs per target and SHIMSSL_FUZZ_SEED
# (default 1) give every machine the same amount of fuzzing and the same
# mutation sequence (the engine's fresh keys and randoms still steer which
# inputs count as new, so a run is close to, not exactly, repeatable; a
# slower machine may stop at the time bound first). Set
# SHIMSSL_FUZZ_RUNS=-1 and a random seed for open-ended exploration.
# FUZZ_BUILD_DIR is where the fuzz_* executables are (a build configured
# with CC=clang CXX=clang++ -DSHIMSSL_FUZZ=ON, its tests/fuzz directory, or
# the build root). New interesting inputs go to a scratch corpus, never into
# the committed one; crashes are left in FUZZ_BUILD_DIR/fuzz-artifacts.
set -euo pipefail
dir=${1:?usage: run.sh FUZZ_BUILD_DIR [SECONDS]}
secs=${2:-60}
runs=${SHIMSSL_FUZZ_RUNS:-100000}
seed=${SHIMSSL_FUZZ_SEED:-1}
src=$(cd "$(dirname "$0")" && pwd)
status=0
for t in fuzz_record fuzz_client_handshake fuzz_client_hello fuzz_ticket fuzz_server12_handshake fuzz_client12_handshake fuzz_record12; do
    exe=$(find "$dir" -type f -name "$t" -perm -u+x | head -n 1)
    if [ -z "$exe" ]; then
        echo "run.sh: $t not found under $dir" >&2
        exit 1
    fi
    work=$(mktemp -d)
    art="$dir/fuzz-artifacts/$t/"
    mkdir -p "$art"
    echo "--- $t: $runs inputs from seed $seed, at most ${secs}s"
    # -max_total_time bounds the run; timeout(1) bounds it even if libFuzzer
    # hangs in a single input.
    if ! timeout --kill-after=30 $((secs + 60)) "$exe" -seed="$seed" -runs="$runs" -max_total_time="$secs" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art" \
        "$work" "$src/corpus/$t"; then
        echo "run.sh: $t FAILED (artifacts in $art)" >&2
        status=1
    fi
    rm -rf "$work"
done
exit $status
