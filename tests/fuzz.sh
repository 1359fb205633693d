#!/usr/bin/env bash
# fuzz.sh - a short run of the libFuzzer targets of tests/fuzz/ (see
# tests/fuzz/fuzz.mk; longer runs: `make fuzz FUZZ_SECONDS=...`).
#
# Usage: tests/fuzz.sh [SECONDS_PER_TARGET]       (default 15)
#
# For each target T (xdr: the RPC messages; ifile: the intermediate file
# decoder; frame: the TCP framing and handshake of src/net/auth.h):
#   1. replay: every committed seed (tests/fuzz/corpus/T/) and regression
#      input (tests/fuzz/regress/T/) goes through the target once;
#   2. fuzz for SECONDS_PER_TARGET, starting from the working corpus
#      $BUILD/fuzz/corpus-T (kept and grown from run to run), the seeds and
#      the regression inputs.
# Two targets run at a time (libFuzzer runs on one core; this machine and
# CI's have two), so each still gets a core to itself for its SECONDS; the
# results are printed in the order of the targets.
# A crash, a sanitizer report, a failed check, a leak or a hang fails the
# target.  The input that did it is saved as $BUILD/fuzz/T-crash-* (or
# T-leak-*, T-timeout-*); once the bug is fixed, copy it into tests/fuzz/regress/T/.
# The target's own stderr (the engine's error messages) is thrown away with
# -close_fd_mask=2; libFuzzer and the sanitizers still report.
#
# The targets need clang with its libFuzzer runtime (libclang-rt-dev); when
# they cannot be built, each target is reported "not ok" with the reason.
#
# Environment:
#   MR_BUILD   build directory (default: build/ of this repository); the
#              targets are made there with `make fuzz-bins` if needed
#   TMPDIR     where the logs go while running (default /tmp)
#
# Output: "ok N - fuzz/T" or "not ok N - fuzz/T", "# " lines (speed, or the
# reason and the log of a failure), then "fuzz: P passed, F failed".  Exits 1
# if anything failed, 2 on a usage error.

set -u
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${MR_BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac

SECS=${1:-15}
case $SECS in ''|*[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET]" >&2; exit 2 ;; esac
[ $# -le 1 ] || { echo "usage: $0 [SECONDS_PER_TARGET]" >&2; exit 2; }

TARGETS=(xdr ifile frame)
N=0 PASS=0 FAIL=0

W=$(mktemp -d "${TMPDIR:-/tmp}/mr-fuzz.XXXXXX") || { echo "fuzz: mktemp -d failed" >&2; exit 1; }
trap 'kill $(jobs -p) 2>/dev/null; wait; rm -rf "$W"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ok() {
	N=$((N + 1)) PASS=$((PASS + 1))
	echo "ok $N - $1"
}

# not_ok NAME REASON...: one "# " line per REASON.
not_ok() {
	local name=$1 line
	shift
	N=$((N + 1)) FAIL=$((FAIL + 1))
	echo "not ok $N - $name"
	for line in "$@"; do
		echo "# $line"
	done
}

# result FILE: print the lines run_target wrote to FILE, its first line
# "ok NAME" or "not ok NAME", numbered and counted here.
result() {
	local first
	{
		IFS= read -r first
		case $first in
		"ok "*) ok "${first#ok }" ;;
		"not ok "*) not_ok "${first#not ok }" ;;
		*) not_ok "fuzz/?" "no result in $1" ;;
		esac
		cat
	} <"$1"
}

# Print the lines of libFuzzer log $1 that say what went wrong, as "# "
# lines; the last lines of the log when none does.
crash_reason() {
	local log=$1
	# Replaying, libFuzzer names each input before running it.
	grep 'Running: ' "$log" | tail -n 1 | sed 's/^/#   /'
	if grep -qE 'check failed|ERROR:|runtime error|SUMMARY:|Test unit written' "$log"; then
		# The stack frames shown are only those in this repository's code.
		grep -E "check failed|ERROR:|runtime error|SUMMARY:|Test unit written|^ *#[0-9]+ 0x.* in .*$ROOT/" "$log" |
			head -n 20 | sed 's/^/#   /'
	else
		tail -n 15 "$log" | sed 's/^/#   /'
	fi
}

# Keep a failed run's log next to the build, for after this script's cleanup.
keep_log() {
	local src=$1 dst=$BUILD/fuzz/fail-$2.log
	cp "$src" "$dst" 2>/dev/null && echo "#   whole log: $dst"
}

stat_of() {
	sed -n "s/^stat::$1: *//p" "$2" | tail -n 1
}

build() {
	local log=$W/build.log
	if [ -n "${MR_BUILD:-}" ]; then
		timeout 600 make -s --no-print-directory -C "$ROOT" B="$BUILD" fuzz-bins >"$log" 2>&1
	else
		timeout 600 make -s --no-print-directory -C "$ROOT" fuzz-bins >"$log" 2>&1
	fi
	local rc=$?
	[ $rc -eq 0 ] && return 0
	BUILD_WHY=$(sed -n 's/^fuzz: cannot build the fuzz targets: //p' "$log" | head -n 1)
	if [ -z "$BUILD_WHY" ]; then
		[ $rc -eq 124 ] && BUILD_WHY="make fuzz-bins timed out" ||
			BUILD_WHY="make fuzz-bins failed (exit $rc): $(grep -m 1 -E 'error|Error' "$log")"
	fi
	return 1
}

# run_target T: replay, then fuzz; one "ok NAME" or "not ok NAME" line,
# unnumbered (see result), then "# " lines.  Run in a subshell.
run_target() {
	ok() { echo "ok $1"; }
	not_ok() {
		local line
		echo "not ok $1"
		shift
		for line in "$@"; do
			echo "# $line"
		done
	}
	local t=$1 bin=$BUILD/fuzz/fuzz_$1 log rc
	local seeds=$ROOT/tests/fuzz/corpus/$t reg=$ROOT/tests/fuzz/regress/$t
	local dirs=("$seeds") files=()

	[ -d "$reg" ] && dirs+=("$reg")
	mapfile -t files < <(find "${dirs[@]}" -type f ! -name '.*' ! -name 'README*' | sort)
	if [ ${#files[@]} -eq 0 ]; then
		not_ok "fuzz/$t" "no seed inputs in $seeds"
		return
	fi

	log=$W/$t-replay.log
	timeout 120 "$bin" -close_fd_mask=2 -timeout=10 \
		-artifact_prefix="$BUILD/fuzz/$t-" "${files[@]}" >"$log" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		not_ok "fuzz/$t" "replaying the ${#files[@]} seed/regression inputs failed (exit $rc):"
		crash_reason "$log"
		keep_log "$log" "$t-replay"
		return
	fi

	mkdir -p "$BUILD/fuzz/corpus-$t"
	log=$W/$t-fuzz.log
	timeout $((SECS + 60)) "$bin" -max_total_time="$SECS" -timeout=10 -max_len=8192 \
		-close_fd_mask=2 -print_final_stats=1 \
		-artifact_prefix="$BUILD/fuzz/$t-" \
		"$BUILD/fuzz/corpus-$t" "${dirs[@]}" >"$log" 2>&1
	rc=$?
	if [ $rc -eq 124 ]; then
		not_ok "fuzz/$t" "libFuzzer did not stop after ${SECS}s (killed after $((SECS + 60))s)"
		crash_reason "$log"
		keep_log "$log" "$t-fuzz"
		return
	fi
	if [ $rc -ne 0 ]; then
		not_ok "fuzz/$t" "fuzzing found a failure (exit $rc):"
		crash_reason "$log"
		keep_log "$log" "$t-fuzz"
		return
	fi
	ok "fuzz/$t"
	echo "# ${#files[@]} inputs replayed; $(stat_of number_of_executed_units "$log") runs" \
		"in ${SECS}s, $(stat_of average_exec_per_sec "$log")/s," \
		"$(stat_of new_units_added "$log") new inputs," \
		"corpus-$t has $(find "$BUILD/fuzz/corpus-$t" -type f | wc -l)"
}

BUILD_WHY=
if ! build; then
	for t in "${TARGETS[@]}"; do
		not_ok "fuzz/$t" "cannot build the fuzz targets: $BUILD_WHY"
	done
else
	running=0
	for t in "${TARGETS[@]}"; do
		if [ $running -ge 2 ]; then
			wait -n
			running=$((running - 1))
		fi
		run_target "$t" >"$W/$t.result" 2>&1 &
		running=$((running + 1))
	done
	wait
	for t in "${TARGETS[@]}"; do
		result "$W/$t.result"
	done
fi

echo "fuzz: $PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
