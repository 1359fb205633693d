#!/usr/bin/env bash
# test-mr-many.sh - run test-mr.sh N times in a row, to catch the failures
# that only show up now and then (races, timing).
#
# Usage: tests/test-mr-many.sh N [TEST...]
#   TEST... is passed on to test-mr.sh (default: all its tests).
# Environment: MR_RUN_TIMEOUT, seconds one run may take (default 1800), and
# whatever test-mr.sh reads (MR_BUILD, ...).
#
# Prints one line per run and "test-mr-many: K of N runs passed"; the full
# output of each failed run is kept in a file named on its line.  Exits 0 only
# if every run passed.

set -u

HERE=$(cd "$(dirname "$0")" && pwd)

if [ $# -lt 1 ] || ! [[ $1 =~ ^[1-9][0-9]*$ ]]; then
	echo "usage: $0 N [TEST...]" >&2
	exit 2
fi
n=$1
shift

LOGDIR=$(mktemp -d "${TMPDIR:-/tmp}/test-mr-many.XXXXXX") || exit 1
RUNPID=
kept=0

on_signal() {
	trap - INT TERM
	if [ -n "$RUNPID" ]; then
		kill -TERM "$RUNPID" 2>/dev/null
		wait "$RUNPID" 2>/dev/null
	fi
	echo "test-mr-many: interrupted"
	exit "$1"
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap '[ $kept = 1 ] || rm -rf "$LOGDIR"' EXIT

pass=0
for ((i = 1; i <= n; i++)); do
	log=$LOGDIR/run-$i.log
	start=$SECONDS
	# In the background, so a signal reaches our trap at once; the trap
	# passes it on to timeout, which passes it to test-mr.sh.
	timeout -k 10s "${MR_RUN_TIMEOUT:-1800}" "$HERE/test-mr.sh" "$@" >"$log" 2>&1 &
	RUNPID=$!
	wait "$RUNPID"
	rc=$?
	RUNPID=
	took=$((SECONDS - start))
	if [ $rc = 0 ]; then
		pass=$((pass + 1))
		echo "run $i/$n: ok ($took s)"
		rm -f "$log"
	else
		kept=1
		failed=$(sed -n 's/^not ok [0-9]* - //p' "$log" | tr '\n' ' ')
		case $rc in
		124 | 137) why="timed out after ${MR_RUN_TIMEOUT:-1800} s" ;;
		*) why="failed: ${failed:-exit status $rc}" ;;
		esac
		echo "run $i/$n: ${why% } ($took s); log: $log"
	fi
done

echo "test-mr-many: $pass of $n runs passed"
[ "$pass" = "$n" ]
