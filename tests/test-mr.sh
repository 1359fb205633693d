#!/usr/bin/env bash
# test-mr.sh - end-to-end tests of the MapReduce engine: one coordinator,
# several workers, a plugin, and the output compared with what the lab's
# tests demand.
#
# Usage: tests/test-mr.sh [TEST...]
#        tests/test-mr.sh --except TEST...
#   TEST is one of: wc indexer map-parallel reduce-parallel job-count
#   early-exit crash.  Without arguments all of them run, in that order;
#   with --except all but those.
#
# Environment:
#   MR_BUILD      directory with mrcoordinator, mrworker, mrsequential and
#                 apps/*.so (default: build/ of this repository)
#   MR_DATA       directory with the pg-*.txt inputs (default: data/)
#   MR_TIMEOUT    seconds any one process may run (default 180; the crash
#                 test's workers get 120)
#   MR_KEEP_TMP   if set to 1, keep the temp directory of a failed test
#   TMPDIR        where the temp directories go (default /tmp)
#
# Each test runs in a subshell of its own, in its own mktemp -d directory,
# with its own coordinator socket inside that directory, so two runs can
# share a machine.  Layout of a test directory:
#   in/    symlinks to the inputs        job/   coordinator and workers run here
#   seq/   mrsequential runs here        NAME.{out,err,pid,rc}  per process
# The coordinator is given the inputs as ../in/pg-*.txt, relative to job/, as
# the lab does; mrsequential gets the same names from seq/.
#
# Output: "ok N - NAME" or "not ok N - NAME", then "# " lines (the time, and
# for a failure the reasons), then "test-mr: P passed, F failed".  Exits 1 if
# anything failed, 2 on a usage error.

set -u
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${MR_BUILD:-$ROOT/build}
DATA=${MR_DATA:-$ROOT/data}
TO=${MR_TIMEOUT:-180}
CRASH_TO=120
NREDUCE=10	# the coordinator's default; the tests do not pass --nreduce

case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
case $DATA in /*) ;; *) DATA=$PWD/$DATA ;; esac

# shellcheck source=tools/jobproc.sh
. "$HERE/tools/jobproc.sh"

ALL_TESTS=(wc indexer map-parallel reduce-parallel job-count early-exit crash)

usage() {
	echo "usage: $0 [TEST...]" >&2
	echo "tests: ${ALL_TESTS[*]}" >&2
	exit 2
}

# ---------------------------------------------------------------------------
# Helpers used inside a test's subshell (besides those of tools/jobproc.sh).
# INPUTS holds input names relative to job/.

# setup: make the test directory and cd into its job/ directory.
setup() {
	local f
	T=$(mktemp -d "${TMPDIR:-/tmp}/test-mr.XXXXXX") || {
		fail "mktemp -d failed"
		return 1
	}
	mkdir "$T/in" "$T/job" "$T/seq" || return 1
	for f in "$DATA"/pg-*.txt; do
		[ -f "$f" ] || {
			fail "no inputs $DATA/pg-*.txt"
			return 1
		}
		ln -s "$f" "$T/in/" || return 1
		INPUTS+=("../in/${f##*/}")
	done
	SOCK=$T/mr.sock
	export MR_SOCKET=$SOCK	# in case something ignores --socket
	cd "$T/job" || return 1
}

# reference PLUGIN OUT: run mrsequential over the same inputs from seq/ and
# sort its output into OUT.
reference() {
	local rc
	(cd "$T/seq" && timeout -k 2s "$TO" "$BUILD/mrsequential" \
		"$BUILD/apps/$1.so" "${INPUTS[@]}") >"$T/seq.out" 2>"$T/seq.err"
	rc=$?
	if [ $rc != 0 ]; then
		fail "mrsequential $1.so exited $rc"
		show_err seq
		return 1
	fi
	sort "$T/seq/mr-out-0" >"$2" || return 1
	if [ ! -s "$2" ]; then
		fail "mrsequential $1.so produced no output"
		return 1
	fi
}

# start_coord: start the coordinator in job/ and wait (up to 10 s) for
# its socket before returning, so workers started next find it.
start_coord() {
	local i
	spawn coord "$TO" "$BUILD/mrcoordinator" --socket "$SOCK" "${INPUTS[@]}"
	COORD=$LAST
	for ((i = 0; i < 100; i++)); do
		[ -e "$SOCK" ] && return 0
		[ -e "$T/coord.rc" ] && break
		sleep 0.1
	done
	if [ -e "$T/coord.rc" ]; then
		fail "coordinator exited $(rc_of coord) before serving"
	else
		fail "coordinator socket $SOCK did not appear within 10 s"
	fi
	show_err coord
	return 1
}

# start_workers PLUGIN N: start workers w1..wN with apps/PLUGIN.so.
start_workers() {
	local i
	for ((i = 1; i <= $2; i++)); do
		spawn "w$i" "$TO" "$BUILD/mrworker" --socket "$SOCK" "$BUILD/apps/$1.so"
	done
}

# snapshot OUT: the job's output as the lab reads it: sort mr-out* | grep .
snapshot() {
	local f=()
	shopt -s nullglob
	f=(mr-out*)
	shopt -u nullglob
	if [ ${#f[@]} -eq 0 ]; then
		: >"$1"
	else
		sort "${f[@]}" | grep . >"$1"
	fi
}

# same EXPECTED GOT WHAT: the two files must be identical.
same() {
	cmp -s "$1" "$2" && return 0
	fail "$3 ($(wc -l <"$2") lines, expected $(wc -l <"$1")); diff expected got:"
	diff "$1" "$2" | head -n 8 | sed 's/^/  /'
	return 1
}

# check_coord: after the coordinator ended: it exited 0, removed its socket,
# and published mr-out-0 .. mr-out-(NREDUCE-1).
check_coord() {
	local rc r missing=
	rc=$(rc_of coord)
	case $rc in
	0) ;;
	124 | 137) fail "coordinator timed out after ${TO}s" ;;
	*) fail "coordinator exited $rc" ;;
	esac
	if [ -e "$SOCK" ]; then
		fail "coordinator left its socket behind"
	fi
	for ((r = 0; r < NREDUCE; r++)); do
		[ -f "mr-out-$r" ] || missing="$missing mr-out-$r"
	done
	if [ -n "$missing" ]; then
		fail "not published:$missing"
	fi
	if [ "$rc" != 0 ]; then
		show_err coord
	fi
}

# run_job PLUGIN NWORKERS: coordinator plus workers; waits for the
# coordinator, snapshots the output into $T/all (as the lab does, before the
# workers are waited for), then waits for the workers.
run_job() {
	start_coord || return 1
	start_workers "$1" "$2"
	wait "$COORD"
	snapshot "$T/all"
	wait
}

# ---------------------------------------------------------------------------
# The tests.  Each returns 0 on pass; its stdout is the reason for a failure.

# wc with 3 workers: same output as mrsequential.
t_wc() {
	need mrcoordinator mrworker mrsequential apps/wc.so || return 1
	setup || return 1
	reference wc "$T/correct" || return 1
	run_job wc 3 || return 1
	same "$T/correct" "$T/all" "output differs from mrsequential's"
	check_coord
	check_workers 3
	return $FAILED
}

# indexer with 2 workers: same output as mrsequential.
t_indexer() {
	need mrcoordinator mrworker mrsequential apps/indexer.so || return 1
	setup || return 1
	reference indexer "$T/correct" || return 1
	run_job indexer 2 || return 1
	same "$T/correct" "$T/all" "output differs from mrsequential's"
	check_coord
	check_workers 2
	return $FAILED
}

# Two workers run map tasks at the same time: both show up as "times-PID",
# and some map saw 2 maps running.
t_map_parallel() {
	local n
	need mrcoordinator mrworker apps/mtiming.so || return 1
	setup || return 1
	run_job mtiming 2 || return 1
	n=$(grep -c '^times-' "$T/all")
	if [ "$n" != 2 ]; then
		fail "$n 'times-' lines, expected 2 (one per worker that ran maps)"
		grep '^times-' "$T/all" | head -n 4 | sed 's/^/  /'
	fi
	if ! grep -q '^parallel.* 2' "$T/all"; then
		fail "no map saw 2 maps running at once; parallel lines:"
		grep '^parallel' "$T/all" | cut -c 1-120 | head -n 4 | sed 's/^/  /'
	fi
	check_coord
	check_workers 2
	return $FAILED
}

# Two workers run reduce tasks at the same time: at least 2 reduces saw 2
# reduces running.
t_reduce_parallel() {
	local n
	need mrcoordinator mrworker apps/rtiming.so || return 1
	setup || return 1
	run_job rtiming 2 || return 1
	n=$(grep -c '^[a-z] 2' "$T/all")
	if [ "$n" -lt 2 ]; then
		fail "$n reduces saw 2 reduces running at once, expected at least 2; output:"
		head -n 6 "$T/all" | sed 's/^/  /'
	fi
	check_coord
	check_workers 2
	return $FAILED
}

# Each map task runs exactly once when no worker fails: jobcount's single
# output value is 8 (one per input file) with 4 workers.
t_job_count() {
	local v
	need mrcoordinator mrworker apps/jobcount.so || return 1
	setup || return 1
	run_job jobcount 4 || return 1
	v=$(awk '{ print $2 }' "$T/all")
	if [ "$v" != 8 ]; then
		fail "map tasks ran '${v//$'\n'/ }' times, expected exactly 8; output:"
		head -n 4 "$T/all" | sed 's/^/  /'
	fi
	check_coord
	check_workers 4
	return $FAILED
}

# No process exits before the job is done: the output seen when the first of
# coordinator and workers exits is the final output.
t_early_exit() {
	local first='' p i
	need mrcoordinator mrworker apps/early_exit.so || return 1
	setup || return 1
	start_coord || return 1
	start_workers early_exit 3
	for ((i = 0; i < (TO + 10) * 20; i++)); do
		for p in coord w1 w2 w3; do
			if [ -e "$T/$p.rc" ]; then
				first=$p
				break 2
			fi
		done
		sleep 0.05
	done
	snapshot "$T/initial"
	wait
	snapshot "$T/final"
	if [ ! -s "$T/final" ]; then
		fail "no output at all"
	else
		same "$T/final" "$T/initial" \
			"output when ${first:-nothing} exited first was not the final output"
	fi
	check_coord
	check_workers 3
	return $FAILED
}

# Workers crash and stall at random; the coordinator re-issues their tasks and
# the output still equals mrsequential's with the crash-free plugin.
t_crash() {
	local i
	need mrcoordinator mrworker mrsequential apps/crash.so apps/nocrash.so ||
		return 1
	setup || return 1
	reference nocrash "$T/correct" || return 1
	start_coord || return 1
	spawn w1 "$CRASH_TO" "$BUILD/mrworker" --socket "$SOCK" "$BUILD/apps/crash.so"
	for i in 2 3 4; do
		(
			while [ -e "$SOCK" ] && [ ! -e "$T/coord.rc" ]; do
				timeout -k 2s "$CRASH_TO" "$BUILD/mrworker" --socket "$SOCK" \
					"$BUILD/apps/crash.so" >>"$T/w$i.out" 2>>"$T/w$i.err" &
				echo $! >"$T/w$i.pid"
				wait $!
				rm -f "$T/w$i.pid"
				sleep 1
			done
		) &
		PIDS+=("$!")
	done
	while [ -e "$SOCK" ] && [ ! -e "$T/coord.rc" ]; do
		sleep 0.2
	done
	wait
	snapshot "$T/all"
	same "$T/correct" "$T/all" "output differs from mrsequential nocrash.so's"
	check_coord
	return $FAILED
}

# ---------------------------------------------------------------------------
# The runner.

selected=()
except=0
[ "${1:-}" = --except ] && except=1 && shift
for arg in "$@"; do
	case $arg in
	-h | --help) usage ;;
	esac
	found=0
	for t in "${ALL_TESTS[@]}"; do
		[ "$arg" = "$t" ] && found=1
	done
	[ $found = 1 ] || {
		echo "$0: unknown test '$arg'" >&2
		usage
	}
	selected+=("$arg")
done
if [ $except = 1 ]; then
	skipped=" ${selected[*]} "
	selected=()
	for t in "${ALL_TESTS[@]}"; do
		[[ $skipped == *" $t "* ]] || selected+=("$t")
	done
	[ ${#selected[@]} -gt 0 ] || usage
fi
[ ${#selected[@]} -gt 0 ] || selected=("${ALL_TESTS[@]}")

LOG=$(mktemp "${TMPDIR:-/tmp}/test-mr-log.XXXXXX") || exit 1
TESTPID=
npass=0
nfail=0
num=0

on_signal() {
	trap - INT TERM
	if [ -n "$TESTPID" ]; then
		kill -TERM "$TESTPID" 2>/dev/null
		wait "$TESTPID" 2>/dev/null
	fi
	rm -f "$LOG"
	echo "test-mr: interrupted"
	exit "$1"
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'rm -f "$LOG"' EXIT

run_tests "" "${selected[@]}"

echo "test-mr: $npass passed, $nfail failed"
[ $nfail = 0 ]
