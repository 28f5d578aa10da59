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
# Environment: VMUX_FUZZ_ARGS (extra libFuzzer flags); VMUX_FUZZ_RUNS=N stops
# each target after N executions (libFuzzer's -runs; the time limit still
# applies); VMUX_FUZZ_JOBS=J runs J processes of each target at once on the
# same corpus, each with N/J of the runs (one per core to spare), e.g. the
# long runs of docs/RELIABILITY.md:
#   VMUX_FUZZ_JOBS=2 VMUX_FUZZ_RUNS=10000000 tests/fuzz/run.sh 14400 e1000
#
# Internal (meson test): run.sh --one EXE TARGET SECONDS MAX_LEN WORKDIR
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

# Maximum input length per target (keep in step with tests/fuzz/meson.build).
declare -A MAX_LEN=([vfu_msgs]=16384 [e1000]=32768 [switch]=6144 [config]=4096 [e810]=8192 [e810_rules]=8192)
# Extra flags per target. fuzz_e1000 and fuzz_vfu_msgs see many features per
# input, and the entropic scheduler's bookkeeping took 40% and 51% of their
# time (measured: e1000 266 vs 693 executions/s; vfu_msgs 1500 vs 2300), so
# they run with the plain scheduler; so does fuzz_e810 (31% of its profile:
# 15,000 vs 25,000 executions/s).
declare -A EXTRA=([e1000]="-entropic=0" [vfu_msgs]="-entropic=0" [e810]="-entropic=0" [e810_rules]="-entropic=0")

run_one() {
	local exe=$1 name=$2 secs=$3 maxlen=$4 work=$5
	local corpus="$work/corpus/$name" art="$work/artifacts/$name" logs="$work/logs"
	local seeds="$HERE/corpus/$name" dict="$HERE/$name.dict" rc=0
	local jobs=${VMUX_FUZZ_JOBS:-1}
	mkdir -p "$corpus" "$art" "$logs"
	local args=(-max_total_time="$secs" -max_len="$maxlen" -timeout=10 -rss_limit_mb=2048
		-print_final_stats=1 -artifact_prefix="$art/")
	[ -f "$dict" ] && args+=(-dict="$dict")
	# With jobs, each takes its share of the runs; they share the corpus
	# directory, so each picks up what the others found (libFuzzer -reload).
	[ -n "${VMUX_FUZZ_RUNS:-}" ] && args+=(-runs="$(( (VMUX_FUZZ_RUNS + jobs - 1) / jobs ))")
	# shellcheck disable=SC2206
	args+=(${EXTRA[$name]:-} ${VMUX_FUZZ_ARGS:-})
	echo "==> fuzz_$name: $secs s${VMUX_FUZZ_RUNS:+ or $VMUX_FUZZ_RUNS runs}, max_len $maxlen, $jobs job(s), corpus $corpus"
	echo "    $(date -u '+%F %T UTC'): $exe ${args[*]} $corpus $seeds"
	local logv=() pids=() j
	for ((j = 1; j <= jobs; j++)); do
		if [ "$jobs" -eq 1 ]; then logv+=("$logs/$name.log"); else logv+=("$logs/$name.job$j.log"); fi
		ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1} \
			"$exe" "${args[@]}" "$corpus" "$seeds" >"${logv[-1]}" 2>&1 &
		pids+=($!)
	done
	local st=()
	for j in "${!pids[@]}"; do
		wait "${pids[$j]}"
		st+=($?)
	done
	# The final statistics of each job: executions, coverage, features, corpus.
	local total=0 log done_line execs
	for j in "${!logv[@]}"; do
		log=${logv[$j]}
		done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
		echo "    ${done_line:-no DONE line}"
		echo "    executions: ${execs:-?}  log: $log"
		total=$((total + ${execs:-0}))
		if [ "${st[$j]}" -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|fuzz harness:|SUMMARY: ' "$log"; then
			echo "FAIL fuzz_$name (status ${st[$j]}); the end of $log:"
			tail -n 60 "$log"
			ls -l "$art"
			rc=1
		fi
	done
	[ "$jobs" -gt 1 ] && echo "    executions of all jobs: $total"
	[ "$rc" -eq 0 ] && echo "ok   fuzz_$name"
	return "$rc"
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
