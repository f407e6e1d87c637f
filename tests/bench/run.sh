#!/bin/sh
# Runs tls_bench from an existing build on the system OpenSSL and on ShimSSL
# and prints a comparison table. Builds nothing.
#
#   tests/bench/run.sh BUILD_DIR [RUNS] [extra tls_bench args...]
#
# RUNS (default 3) pairs of runs are interleaved (OpenSSL, ShimSSL, OpenSSL,
# ...) so slow drift on a shared machine hits both alike; the table shows the
# median of each figure. Each run prints which libssl it loaded, and the
# script stops if the ShimSSL run did not load the build's lib/libssl.so.3
# or the OpenSSL run did. Set BENCH_RAW_DIR to keep every run's raw output.
set -eu

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [RUNS] [tls_bench args...]" >&2; exit 2; }
build=$(cd "$1" && pwd)
shift
runs=3
if [ $# -ge 1 ]; then runs=$1; shift; fi
here=$(cd "$(dirname "$0")" && pwd)
certs=$here/../certs
bench=$build/tests/bench/tls_bench
shimlib=$build/lib
[ -x "$bench" ] || { echo "$bench not built (cmake --build $build --target tls_bench)" >&2; exit 1; }
[ -e "$shimlib/libssl.so.3" ] || { echo "$shimlib/libssl.so.3 not built" >&2; exit 1; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM
mkdir "$out/log"

failed() {
    echo "tls_bench failed on $1 (run $2):" >&2
    cat "$out/log/$1.$2" >&2
    exit 1
}

i=1
while [ "$i" -le "$runs" ]; do
    echo "run $i/$runs: OpenSSL" >&2
    env -u LD_LIBRARY_PATH -u LD_PRELOAD "$bench" --certs "$certs" "$@" \
        >"$out/openssl.$i" 2>"$out/log/openssl.$i" || failed openssl "$i"
    echo "run $i/$runs: ShimSSL" >&2
    env -u LD_PRELOAD LD_LIBRARY_PATH="$shimlib" "$bench" --certs "$certs" \
        --expect-lib "$shimlib" "$@" >"$out/shimssl.$i" 2>"$out/log/shimssl.$i" || failed shimssl "$i"
    case $(sed -n 's/^libssl: //p' "$out/openssl.$i") in
    "$shimlib"/*) echo "OpenSSL run loaded ShimSSL" >&2; exit 1 ;;
    esac
    i=$((i + 1))
done

if [ -n "${BENCH_RAW_DIR:-}" ]; then mkdir -p "$BENCH_RAW_DIR" && cp "$out"/*.[0-9]* "$BENCH_RAW_DIR"/; fi

echo "OpenSSL run loaded: $(sed -n 's/^libssl: //p' "$out/openssl.1")"
echo "ShimSSL run loaded: $(sed -n 's/^libssl: //p' "$out/shimssl.1")"
echo "median of $runs run(s) each; ratio = ShimSSL / OpenSSL"
echo

# Median per figure over the runs of one library; "n/a ..." figures pass through.
median() {
    lib=$1
    cat "$out/$lib".* | awk -F': ' '$1 != "libssl" {
        if ($2 ~ /^[0-9.]+$/) v[$1] = v[$1] " " $2; else t[$1] = $2
        if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 }
    } END {
        for (k = 1; k <= n; k++) {
            key = order[k]
            if (key in t) { print key "\t" t[key]; continue }
            m = split(substr(v[key], 2), a, " ")
            for (x = 1; x <= m; x++) for (y = x + 1; y <= m; y++)
                if (a[y] + 0 < a[x] + 0) { s = a[x]; a[x] = a[y]; a[y] = s }
            med = (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
            print key "\t" med
        }
    }'
}
median openssl >"$out/m.openssl"
median shimssl >"$out/m.shimssl"

awk -F'\t' 'NR == FNR { o[$1] = $2; next }
BEGIN { printf "%-34s %14s %14s %8s\n", "figure", "OpenSSL", "ShimSSL", "ratio" }
{
    r = "-"
    if (o[$1] ~ /^[0-9.]+$/ && $2 ~ /^[0-9.]+$/ && o[$1] > 0) r = sprintf("%.2f", $2 / o[$1])
    note = ($1 ~ /_KB$/) ? "  (memory: lower is better)" : ""
    if ($2 ~ /^[0-9.]+$/) printf "%-34s %14s %14s %8s%s\n", $1, o[$1], $2, r, note
    else printf "%-34s %s\n", $1, $2
}' "$out/m.openssl" "$out/m.shimssl"
