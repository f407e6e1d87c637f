#!/bin/bash
# The whole test suite, exactly as CI runs it (.ci/run = install packages,
# then this script). Needs the packages of demo/install-deps.sh.
#
#   0. source format: tools/format-check.sh (clang-format, core/ and compat/)
#   1. Release build (-Werror), the demo, ctest (all labels)
#   2. harness self-check: apps/interop tests pointed at the SYSTEM
#      libssl must pass (proves the tests, not the library)
#   2b. proof of the library under test: every apps/interop/shimonly test
#      pointed at a library that does not exist must FAIL (a test passing
#      there never proved it ran on ShimSSL)
#   2c. conformance gate (tests/conformance, ctest label "conformance"):
#      OpenSSL's own TLS test programs, built from the installed version's
#      Debian source (needs deb.debian.org), run on the system libssl (all
#      must pass) and on ShimSSL (failures == expected-failures.txt)
#   3. ASan+UBSan build (-DSHIMSSL_SANITIZE=ON), ctest (all labels)
#   3b. mutation check: the quick subset of tools/mutation/mutants.ini
#   4. clang libFuzzer build, each target on $SHIMSSL_FUZZ_RUNS (100000)
#      inputs from seed $SHIMSSL_FUZZ_SEED (1), at most $SHIMSSL_FUZZ_SECONDS (120) s
#
# Every ctest run is followed by a skip check: a test ctest reports as not
# run (GTEST_SKIP, disabled) must be listed in tests/skip-allowlist.txt with
# its reason, and an entry that skipped in no run fails the last check.
#
# Build trees go to $SHIMSSL_CI_DIR (default: ./build-ci). Every stage runs
# even if an earlier one's tests failed; the exit status is non-zero if any
# stage failed.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${SHIMSSL_CI_DIR:-$root/build-ci}
jobs=$(nproc 2>/dev/null || echo 2)
fuzz_secs=${SHIMSSL_FUZZ_SECONDS:-120}
system_libssl=/usr/lib/x86_64-linux-gnu/libssl.so.3
failed=()
start=$(date +%s)

# ---- h-proof: honest skips and the proof of the library under test ----------
skip_allowlist=$root/tests/skip-allowlist.txt
junits=()        # ctest's JUnit files of this run, for the final stale-entry check
junits_missing=0 # ctest runs that left no JUnit file
verdicts() { python3 "$root/tests/ctest-verdicts.py" "$1" "$skip_allowlist" "${@:2}"; }
# check_skips JUNIT: the tests of one ctest run that did not run are allowed.
check_skips() {
    if [ ! -e "$1" ]; then
        echo "no JUnit file $1: ctest did not finish"
        junits_missing=$((junits_missing + 1))
        return 1
    fi
    junits+=("$1")
    verdicts skips "$1"
}
# no_shim_run BUILD-DIR: the apps/interop/shimonly tests with the library
# under test pointed at a file that does not exist. The harness fails a test
# at its first program on ShimSSL, so this takes seconds; every test must
# fail (ctest's own status is therefore not the verdict).
no_shim_run() {
    local dir=$1 junit=$1/junit-no-shim.xml
    rm -f "$junit"
    SHIMSSL_TEST_LIB=/nonexistent/shimssl-not-built/libssl.so.3 \
        ctest --test-dir "$dir" -j "$jobs" --timeout 120 -L 'apps|interop|shimonly' \
        --output-junit "$junit" >"$dir/no-shim-ctest.log" 2>&1 || true
    tail -n 3 "$dir/no-shim-ctest.log"
    verdicts all-fail "$junit"
}
# ---- end h-proof ---------------------------------------------------------------

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

section "0. Source format (.clang-format over core/ and compat/)"
run_stage "format check" "$root/tools/format-check.sh" || true

section "1. Release build (-Werror)"
run_stage "release build" configure_and_build "$out/release" -DCMAKE_BUILD_TYPE=Release -DSHIMSSL_WERROR=ON || true
if [ -e "$out/release/lib/libssl.so.3" ]; then
    section "1. Demo (curl on ShimSSL)"
    run_stage "demo" env SHIMSSL_LIB="$out/release/lib/libssl.so.3" "$root/demo/run.sh" || true
    section "1. Test suite (Release)"
    run_stage "release tests" ctest_all "$out/release" --output-junit "$out/release/junit-release.xml" || true
    run_stage "release skips" check_skips "$out/release/junit-release.xml" || true

    section "2. Harness self-check: apps/interop tests on the system libssl"
    run_stage "harness self-check" env SHIMSSL_TEST_LIB="$system_libssl" \
        ctest --test-dir "$out/release" --output-on-failure -j "$jobs" --timeout 600 -L 'apps|interop' \
        --output-junit "$out/release/junit-system-libssl.xml" || true
    run_stage "harness self-check skips" check_skips "$out/release/junit-system-libssl.xml" || true

    section "2b. Proof of the library under test: apps/interop/shimonly tests without it must all fail"
    run_stage "no-shim negative run" no_shim_run "$out/release" || true

    # Not in the ASan stage: the test programs are not instrumented (only the
    # shim would be, through LD_PRELOAD of the runtime) and it would double
    # the gate's time for little: ShimSSL's own tests run under ASan there.
    section "2c. Conformance gate: fetch and build OpenSSL's test programs"
    if run_stage "conformance build (Debian source fetch + build)" "$root/tests/conformance/build.sh"; then
        section "2c. Conformance self-check: OpenSSL's tests on the system libssl"
        run_stage "conformance self-check (system libssl)" \
            ctest --test-dir "$out/release" -V --no-tests=error --timeout 3600 -R '^conformance_system$' || true
        section "2c. Conformance gate: OpenSSL's tests on ShimSSL"
        run_stage "conformance gate (ShimSSL vs expected-failures.txt)" \
            ctest --test-dir "$out/release" -V --no-tests=error --timeout 3600 -R '^conformance_shimssl$' || true
    fi
fi

section "3. ASan+UBSan build"
run_stage "sanitizer build" configure_and_build "$out/asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHIMSSL_SANITIZE=ON -DSHIMSSL_WERROR=ON || true
if [ -e "$out/asan/lib/libssl.so.3" ]; then
    section "3. Test suite (ASan+UBSan)"
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    run_stage "sanitizer tests" ctest_all "$out/asan" --output-junit "$out/asan/junit-asan.xml" || true
    run_stage "sanitizer skips" check_skips "$out/asan/junit-asan.xml" || true
    unset ASAN_OPTIONS UBSAN_OPTIONS
fi

section "3b. Mutation check (quick subset of tools/mutation/mutants.ini)"
# Each listed security check taken out in turn (in a copy of the tree, build
# in $out/mutation) must make its tests fail; all anchors are checked too.
# The whole list: tools/mutation/run.py --all.
run_stage "mutation check" python3 "$root/tools/mutation/run.py" --dir "$out/mutation" --jobs "$jobs" || true

section "4. Fuzzing (clang, libFuzzer, ${SHIMSSL_FUZZ_RUNS:-100000} inputs per target from a fixed seed, at most ${fuzz_secs}s each)"
if run_stage "fuzz build" bash -c "CC=clang CXX=clang++ cmake -S '$root' -B '$out/fuzz' -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHIMSSL_FUZZ=ON && cmake --build '$out/fuzz' -j '$jobs' --target fuzz_record fuzz_client_handshake fuzz_client_hello fuzz_ticket fuzz_server12_handshake fuzz_client12_handshake fuzz_record12"; then
    run_stage "fuzz run" "$root/tests/fuzz/run.sh" "$out/fuzz/tests/fuzz" "$fuzz_secs" || true
fi

# h-proof: the allowlist only shrinks. Judged only when every ctest run
# (Release, system libssl, ASan+UBSan: at least 3) left its verdicts, as an
# entry may be about one stage only.
if [ "${#junits[@]}" -ge 3 ] && [ "$junits_missing" -eq 0 ]; then
    section "Skip allowlist: entries that skipped in no run"
    run_stage "skip allowlist" verdicts stale "${junits[@]}" || true
fi

section "Summary"
if [ "${#failed[@]}" -eq 0 ]; then
    echo "ALL STAGES PASSED in $(($(date +%s) - start))s"
    exit 0
fi
echo "FAILED STAGES (${#failed[@]}):"
printf '  - %s\n' "${failed[@]}"
exit 1
