#!/bin/bash
# The whole test suite, exactly as CI runs it (.ci/run = install packages,
# then this script). Needs the packages of demo/install-deps.sh.
#
#   1. Release build (-Werror), the demo, ctest (all labels)
#   2. harness self-check: apps/interop tests pointed at the SYSTEM
#      libssl must pass (proves the tests, not the library)
#   2b. conformance gate (tests/conformance, ctest label "conformance"):
#      OpenSSL's own TLS test programs, built from the installed version's
#      Debian source (needs deb.debian.org), run on the system libssl (all
#      must pass) and on ShimSSL (failures == expected-failures.txt)
#   3. ASan+UBSan build (-DSHIMSSL_SANITIZE=ON), ctest (all labels)
#   4. clang libFuzzer build, each target for $SHIMSSL_FUZZ_SECONDS (60) s
#
# Build trees go to $SHIMSSL_CI_DIR (default: ./build-ci). Every stage runs
# even if an earlier one's tests failed; the exit status is non-zero if any
# stage failed.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${SHIMSSL_CI_DIR:-$root/build-ci}
jobs=$(nproc 2>/dev/null || echo 2)
fuzz_secs=${SHIMSSL_FUZZ_SECONDS:-60}
system_libssl=/usr/lib/x86_64-linux-gnu/libssl.so.3
failed=()
start=$(date +%s)

section() { printf '\n========== %s  [%ss]\n' "$*" "$(($(date +%s) - start))"; }
# run_stage NAME CMD...: runs CMD, records NAME as failed if it fails.
run_stage() {
    local name=$1
    shift
    if "$@"; then
        echo "---------- $name: OK"
        return 0
    fi
    echo "---------- $name: FAILED"
    failed+=("$name")
    return 1
}
# configure_and_build DIR CMAKE-ARGS...: a failing target does not stop the
# others (make -k), so the tests of everything that did build still run.
configure_and_build() {
    local dir=$1
    shift
    cmake -S "$root" -B "$dir" "$@" || return 1
    local keep_going=()
    if grep -q '^CMAKE_GENERATOR:INTERNAL=Unix Makefiles' "$dir/CMakeCache.txt"; then
        keep_going=(-- -k)
    fi
    cmake --build "$dir" -j "$jobs" "${keep_going[@]}"
}
ctest_all() { # build-dir [extra ctest args]
    local dir=$1
    shift
    # The conformance gate has its own stage (2b), on the Release build only.
    ctest --test-dir "$dir" --output-on-failure --no-tests=error -j "$jobs" --timeout 600 -LE conformance "$@"
}

section "Environment"
echo "source: $root  builds: $out  jobs: $jobs"
uname -srm
cmake --version | head -n1
gcc --version | head -n1
openssl version
curl --version | head -n1

section "1. Release build (-Werror)"
run_stage "release build" configure_and_build "$out/release" -DCMAKE_BUILD_TYPE=Release -DSHIMSSL_WERROR=ON || true
if [ -e "$out/release/lib/libssl.so.3" ]; then
    section "1. Demo (curl on ShimSSL)"
    run_stage "demo" env SHIMSSL_LIB="$out/release/lib/libssl.so.3" "$root/demo/run.sh" || true
    section "1. Test suite (Release)"
    run_stage "release tests" ctest_all "$out/release" || true

    section "2. Harness self-check: apps/interop tests on the system libssl"
    run_stage "harness self-check" env SHIMSSL_TEST_LIB="$system_libssl" \
        ctest --test-dir "$out/release" --output-on-failure -j "$jobs" --timeout 600 -L 'apps|interop' || true

    # Not in the ASan stage: the test programs are not instrumented (only the
    # shim would be, through LD_PRELOAD of the runtime) and it would double
    # the gate's time for little: ShimSSL's own tests run under ASan there.
    section "2b. Conformance gate: fetch and build OpenSSL's test programs"
    if run_stage "conformance build (Debian source fetch + build)" "$root/tests/conformance/build.sh"; then
        section "2b. Conformance self-check: OpenSSL's tests on the system libssl"
        run_stage "conformance self-check (system libssl)" \
            ctest --test-dir "$out/release" -V --no-tests=error --timeout 3600 -R '^conformance_system$' || true
        section "2b. Conformance gate: OpenSSL's tests on ShimSSL"
        run_stage "conformance gate (ShimSSL vs expected-failures.txt)" \
            ctest --test-dir "$out/release" -V --no-tests=error --timeout 3600 -R '^conformance_shimssl$' || true
    fi
fi

section "3. ASan+UBSan build"
run_stage "sanitizer build" configure_and_build "$out/asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHIMSSL_SANITIZE=ON -DSHIMSSL_WERROR=ON || true
if [ -e "$out/asan/lib/libssl.so.3" ]; then
    section "3. Test suite (ASan+UBSan)"
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    run_stage "sanitizer tests" ctest_all "$out/asan" || true
    unset ASAN_OPTIONS UBSAN_OPTIONS
fi

section "4. Fuzzing (clang, libFuzzer, ${fuzz_secs}s per target)"
if run_stage "fuzz build" bash -c "CC=clang CXX=clang++ cmake -S '$root' -B '$out/fuzz' -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHIMSSL_FUZZ=ON && cmake --build '$out/fuzz' -j '$jobs' --target fuzz_record fuzz_client_handshake fuzz_client_hello fuzz_ticket fuzz_server12_handshake fuzz_client12_handshake fuzz_record12"; then
    run_stage "fuzz run" "$root/tests/fuzz/run.sh" "$out/fuzz/tests/fuzz" "$fuzz_secs" || true
fi

section "Summary"
if [ "${#failed[@]}" -eq 0 ]; then
    echo "ALL STAGES PASSED in $(($(date +%s) - start))s"
    exit 0
fi
echo "FAILED STAGES (${#failed[@]}):"
printf '  - %s\n' "${failed[@]}"
exit 1
