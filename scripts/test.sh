#!/usr/bin/env bash
# Builds vmux and runs all its tests, as CI does (.ci/run calls this):
#   1. deps      apt-get installs what is missing (scripts/deps.sh)
#   2. build     meson + ninja in build/
#   3. unit+integration tests (meson suites 'unit' and 'integration')
#   4. the same tests built with AddressSanitizer + UBSan in build-asan/
#   4b. install (suite 'install'): meson install's files, the man pages, the
#      completions, and the Debian package built and installed into a clean
#      Debian 12 chroot (built once into /var/cache/vmux-e2e/bookworm)
#   5. e2e: real QEMU 11 + Linux guests against build/vmux (suite 'e2e'); the
#      first run builds a Debian unstable chroot in /var/cache/vmux-e2e
#   6. the e2e suite again against build-asan/vmux (if that build succeeded),
#      then the lab suite once: a QEMU 11 VM on Debian 12's own 6.1 kernel over
#      the host's read-only / (VFIO, TC flower, dummy links, passthrough; about 80 s)
#   7. fault injection (suite 'fault'): misbehaving in-tree guests SIGKILLed at
#      random moments (100 times; 40 against build-asan/vmux) and real QEMU
#      guests SIGKILLed during setup or traffic (4 times; 2), and vmux with two
#      workers and 140 devices stopped with SIGTERM under floods (3 times; 3)
#   8. fuzz: the libFuzzer targets built with clang + ASan/UBSan in build-fuzz/,
#      their seed corpora replayed and each target run for a short fixed budget
# Prints a summary and exits non-zero if any step or test failed.
# Run as root from anywhere: scripts/test.sh (sudo scripts/test.sh works too)
# Environment: VMUX_BUILDDIR (default build), VMUX_ASAN_BUILDDIR (default
# build-asan), VMUX_FUZZ_BUILDDIR (default build-fuzz), VMUX_SKIP_DEPS=1,
# VMUX_SKIP_INSTALL=1, VMUX_SKIP_E2E=1, VMUX_SKIP_FUZZ=1, VMUX_CACHE (see
# tests/e2e/lib.sh).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

BUILD=${VMUX_BUILDDIR:-build}
ASAN=${VMUX_ASAN_BUILDDIR:-build-asan}
FUZZ=${VMUX_FUZZ_BUILDDIR:-build-fuzz}
JOBS=2

STEPS=()
FAILED=0
T_START=$(date +%s)
N_PASS=0
N_FAIL=0
N_SKIP=0
# One line per failed test (its log, name and the lines that say why): the
# summary ends with them, so the tail of a CI log names what failed.
FAILURES=()

# step NAME COMMAND...: runs COMMAND, records its status and duration.
step() {
	local name=$1 t0 rc
	shift
	echo
	echo "==> $name"
	t0=$(date +%s)
	"$@"
	rc=$?
	local secs=$(($(date +%s) - t0))
	case $rc in
	0) STEPS+=("$(printf '%-36s ok    %4d s' "$name" "$secs")") ;;
	77) STEPS+=("$(printf '%-36s SKIP  %4d s' "$name" "$secs")") ;;
	*)
		STEPS+=("$(printf '%-36s FAIL  %4d s  (status %d)' "$name" "$secs" "$rc")")
		FAILED=$((FAILED + 1))
		;;
	esac
	return "$rc"
}

# Adds up the results of a meson test run from its JSON log; fails when the
# run executed no test at all.
count_results() {
	local json=$1 counts p f s line
	[ -f "$json" ] || { echo "no test log $json: no test ran" >&2; return 1; }
	counts=$(python3 - "$json" 2>"$json.failed" <<'EOF'
import json, re, sys
p = f = s = 0
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    rec = json.loads(line)
    r = rec.get("result")
    if r in ("OK", "EXPECTEDFAIL"):
        p += 1
    elif r == "SKIP":
        s += 1
    else:
        f += 1
        why = [l.strip() for l in (rec.get("stdout") or "").splitlines()
               if re.search(r"FAIL|ERROR|runtime error|Sanitizer|Assertion|timed out", l)]
        print("F", sys.argv[1].rsplit("/", 1)[-1], rec.get("name"), r,
              "|", " / ".join(why[-3:])[:400] or "(no FAIL or ERROR line in its output)",
              file=sys.stderr)
print(p, f, s)
EOF
	) || { cat "$json.failed" >&2; return 1; }
	while IFS= read -r line; do
		FAILURES+=("${line#F }")
	done < <(grep '^F ' "$json.failed")
	read -r p f s <<<"$counts"
	N_PASS=$((N_PASS + p))
	N_FAIL=$((N_FAIL + f))
	N_SKIP=$((N_SKIP + s))
	echo "($json: $p passed, $f failed, $s skipped)"
	[ $((p + f + s)) -gt 0 ] || { echo "no test ran" >&2; return 1; }
}

# run_suites BUILDDIR LOGBASE MESON-TEST-ARGS...
run_suites() {
	local dir=$1 base=$2 rc
	shift 2
	rm -f "$dir/meson-logs/$base.json"
	meson test -C "$dir" --num-processes "$JOBS" --print-errorlogs --logbase "$base" "$@"
	rc=$?
	count_results "$dir/meson-logs/$base.json" || rc=1
	return "$rc"
}

configure() {
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson configure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@"
	fi
}

build_main() {
	configure "$BUILD" && ninja -C "$BUILD" -j "$JOBS"
}

build_asan() {
	configure "$ASAN" -Db_sanitize=address,undefined -Db_lundef=false &&
		ninja -C "$ASAN" -j "$JOBS"
}

# run_asan LOGBASE MESON-TEST-ARGS...: meson test in the sanitizer build,
# any error fatal.
run_asan() {
	ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1} \
		run_suites "$ASAN" "$@"
}

build_fuzz() {
	if [ -f "$FUZZ/build.ninja" ]; then
		meson configure "$FUZZ" -Dfuzz=true >/dev/null
	else
		CC=clang meson setup "$FUZZ" -Dfuzz=true -Db_sanitize=address,undefined \
			-Db_lundef=false
	fi && ninja -C "$FUZZ" -j "$JOBS" fuzz
}

summary() {
	local line
	echo
	echo "==> summary ($(($(date +%s) - T_START)) s in all)"
	for line in "${STEPS[@]}"; do
		echo "  $line"
	done
	echo "tests: $N_PASS passed, $N_FAIL failed, $N_SKIP skipped"
	for line in "${FAILURES[@]}"; do
		echo "  failed: $line"
	done
}

if [ "${VMUX_SKIP_DEPS:-0}" != 1 ]; then
	step "dependencies" scripts/deps.sh || { summary; exit 1; }
fi
if step "build ($BUILD)" build_main; then
	step "unit+integration" run_suites "$BUILD" unit-integration --suite unit --suite integration
else
	echo "build failed: skipping its tests"
fi
ASAN_OK=0
if step "build ASan+UBSan ($ASAN)" build_asan; then
	ASAN_OK=1
	step "unit+integration ASan+UBSan" run_asan asan --suite unit --suite integration
fi
if [ "${VMUX_SKIP_INSTALL:-0}" = 1 ]; then
	echo "VMUX_SKIP_INSTALL=1: install tests not run"
elif [ -x "$BUILD/vmux" ]; then
	step "install: files, man pages, .deb" run_suites "$BUILD" install --suite install --verbose
fi
if [ "${VMUX_SKIP_E2E:-0}" = 1 ]; then
	echo "VMUX_SKIP_E2E=1: e2e tests not run"
elif [ ! -x "$BUILD/vmux" ]; then
	STEPS+=("$(printf '%-36s FAIL  (no %s/vmux)' e2e "$BUILD")")
	FAILED=$((FAILED + 1))
else
	step "e2e: chroot with QEMU 11" tests/e2e/prepare.sh
	# Run the suite even when preparing failed: its tests report why.
	step "e2e" run_suites "$BUILD" e2e --suite e2e --verbose
	# The same guests against the sanitizer build of vmux: memory errors
	# that only a real QEMU and a real driver provoke.
	if [ "$ASAN_OK" = 1 ]; then
		step "e2e ASan+UBSan" run_asan e2e-asan --suite e2e --verbose
	fi
	# Kernel features the host's kernel may lack, in a VM on Debian 12's
	# kernel (tests/lab/): the smoke test and vmux's passthrough of the lab
	# VM's NICs; once, against the normal build.
	step "lab VM (Debian 12 kernel)" run_suites "$BUILD" lab --suite lab --verbose
fi
if [ -x "$BUILD/vmux" ]; then
	FAULT_KILLS=${FAULT_KILLS:-100} QEMU_KILLS=${QEMU_KILLS:-4} step "fault injection" \
		run_suites "$BUILD" fault --suite fault --verbose
	if [ "$ASAN_OK" = 1 ]; then
		FAULT_KILLS=${FAULT_KILLS:-40} QEMU_KILLS=${QEMU_KILLS:-2} \
			step "fault injection ASan+UBSan" run_asan fault-asan \
			--suite fault --verbose
	fi
fi
if [ "${VMUX_SKIP_FUZZ:-0}" = 1 ]; then
	echo "VMUX_SKIP_FUZZ=1: fuzz targets not run"
elif step "build fuzz targets ($FUZZ)" build_fuzz; then
	# Any crash, leak, sanitizer report or timeout fails (tests/fuzz/run.sh).
	step "fuzz (short runs)" run_suites "$FUZZ" fuzz --suite fuzz
fi
summary
[ "$FAILED" -eq 0 ] && [ "$N_FAIL" -eq 0 ]
