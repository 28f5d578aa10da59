#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs the libFuzzer targets from their seed corpora for a fixed time each.
#
#   tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default 60 s, all targets)
#
# Builds build-fuzz/ first if needed (clang, ASan+UBSan; VMUX_FUZZ_BUILDDIR
# overrides the directory). The growing corpora, crash artifacts and logs go
# to $BUILD/tests/fuzz/work/{corpus,artifacts,logs}/<target>. Exits non-zero
# if any target crashed, leaked, hit a sanitizer report or a timeout; the
# input that did it is in the artifacts directory: replay it with
#   $BUILD/tests/fuzz/fuzz_<target> <file>
# Environment: VMUX_FUZZ_ARGS (extra libFuzzer flags, e.g. -fork=2 on a machine
# with cores to spare); VMUX_FUZZ_RUNS=N stops each target after N executions
# (libFuzzer's -runs; the time limit still applies), e.g. the long runs of
# docs/RELIABILITY.md: VMUX_FUZZ_RUNS=10000000 tests/fuzz/run.sh 7200 config.
#
# Internal (meson test): run.sh --one EXE TARGET SECONDS MAX_LEN WORKDIR
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

# Maximum input length per target (keep in step with tests/fuzz/meson.build).
declare -A MAX_LEN=([vfu_msgs]=16384 [e1000]=32768 [switch]=6144 [config]=4096)
# Extra flags per target. fuzz_e1000 runs many features per input, and the
# entropic scheduler's bookkeeping took 40% of its time (measured: 266 vs 693
# executions/s), so it runs with the plain scheduler.
declare -A EXTRA=([e1000]="-entropic=0")

run_one() {
	local exe=$1 name=$2 secs=$3 maxlen=$4 work=$5
	local corpus="$work/corpus/$name" art="$work/artifacts/$name" logs="$work/logs"
	local seeds="$HERE/corpus/$name" dict="$HERE/$name.dict" log rc
	mkdir -p "$corpus" "$art" "$logs"
	log="$logs/$name.log"
	local args=(-max_total_time="$secs" -max_len="$maxlen" -timeout=10 -rss_limit_mb=2048
		-print_final_stats=1 -artifact_prefix="$art/")
	[ -f "$dict" ] && args+=(-dict="$dict")
	[ -n "${VMUX_FUZZ_RUNS:-}" ] && args+=(-runs="$VMUX_FUZZ_RUNS")
	# shellcheck disable=SC2206
	args+=(${EXTRA[$name]:-} ${VMUX_FUZZ_ARGS:-})
	echo "==> fuzz_$name: $secs s${VMUX_FUZZ_RUNS:+ or $VMUX_FUZZ_RUNS runs}, max_len $maxlen, corpus $corpus"
	echo "    $(date -u '+%F %T UTC'): $exe ${args[*]} $corpus $seeds"
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1} \
		"$exe" "${args[@]}" "$corpus" "$seeds" >"$log" 2>&1
	rc=$?
	# The final statistics: executions, coverage, features, corpus.
	local done_line execs
	done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	echo "    ${done_line:-no DONE line}"
	echo "    executions: ${execs:-?}  log: $log"
	if [ "$rc" -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|fuzz harness:|SUMMARY: ' "$log"; then
		echo "FAIL fuzz_$name (status $rc); the end of $log:"
		tail -n 60 "$log"
		ls -l "$art"
		return 1
	fi
	echo "ok   fuzz_$name"
	return 0
}

if [ "${1:-}" = "--one" ]; then
	shift
	[ $# -eq 5 ] || { echo "usage: $0 --one EXE TARGET SECONDS MAX_LEN WORKDIR" >&2; exit 2; }
	run_one "$@"
	exit $?
fi

SECS=${1:-60}
shift || true
BUILD=${VMUX_FUZZ_BUILDDIR:-$ROOT/build-fuzz}
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
	for d in "$HERE"/corpus/*/; do
		TARGETS+=("$(basename "$d")")
	done
fi

if [ ! -f "$BUILD/build.ninja" ]; then
	CC=clang meson setup "$BUILD" "$ROOT" -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false || exit 1
fi
exes=()
for t in "${TARGETS[@]}"; do
	exes+=("tests/fuzz/fuzz_$t")
done
ninja -C "$BUILD" -j 2 "${exes[@]}" || exit 1

FAILED=0
for t in "${TARGETS[@]}"; do
	run_one "$BUILD/tests/fuzz/fuzz_$t" "$t" "$SECS" "${MAX_LEN[$t]:-16384}" \
		"$BUILD/tests/fuzz/work" || FAILED=$((FAILED + 1))
done
echo "$((${#TARGETS[@]} - FAILED)) of ${#TARGETS[@]} targets clean"
[ "$FAILED" -eq 0 ]
