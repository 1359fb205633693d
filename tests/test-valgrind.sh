#!/usr/bin/env bash
# test-valgrind.sh - one word-count job with the coordinator and a worker
# under valgrind, and mrsequential under valgrind as the reference.
#
# Usage: tests/test-valgrind.sh
#
# Valgrind runs with
#   --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
#   --track-fds=no -q
# so any memory error (invalid read/write, use of uninitialised memory,
# bad free, ...) and any definitely lost block makes the process exit 99.
# Leaks counted: "definitely lost" only.  "Indirectly lost" blocks hang off a
# definitely lost one, so they never come alone; "possibly lost" and "still
# reachable" are what libtirpc and the dynamic loader keep in static state
# until exit, which we neither own nor can free.  They are still listed in
# the valgrind log, not counted.
#
# Results, one line each:
#   1 coordinator   exits 0 under valgrind (99 = valgrind found errors)
#   2 worker        exits 0 under valgrind
#   3 mrsequential  exits 0 under valgrind
#   4 output        `sort mr-out-* | grep .` of the job equals mrsequential's
#
# Environment:
#   MR_BUILD    binaries (default: build/ of this repository; `make` is run
#               first when mrworker is missing)
#   MR_DATA     the pg-*.txt texts (default: data/ of this repository)
#   VG_TIMEOUT  seconds each process may run (default 50)
#   VG_KEEP     1: keep the temp directory (logs) when something failed
#   TMPDIR      where the temp directory goes (default /tmp)
#
# Output: "ok N - valgrind NAME" / "not ok N - valgrind NAME" with "# "
# reason lines (the valgrind log for errors), then
# "valgrind: P passed, F failed".  Exits 1 if anything failed.

set -u
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${MR_BUILD:-$ROOT/build}
DATA=${MR_DATA:-$ROOT/data}
TO=${VG_TIMEOUT:-50}
KEEP=${VG_KEEP:-0}

case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
case $DATA in /*) ;; *) DATA=$PWD/$DATA ;; esac
case $TO in '' | *[!0-9]* | 0) echo "$0: bad VG_TIMEOUT '$TO'" >&2; exit 2 ;; esac
[ $# -eq 0 ] || { echo "usage: $0" >&2; exit 2; }

# The three smallest texts keep the job to a few seconds under valgrind.
TEXTS=(pg-being_ernest.txt pg-metamorphosis.txt pg-tom_sawyer.txt)
NAMES=(coordinator worker mrsequential output)
VG=(valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --track-fds=no -q)

PASSED=0
FAILED=0
N=0
T=
PIDS=()

result() {	# result OK NAME [REASON...]
	local ok=$1 name=$2 r
	shift 2
	N=$((N + 1))
	if [ "$ok" = 0 ]; then
		echo "ok $N - valgrind $name"
		PASSED=$((PASSED + 1))
	else
		echo "not ok $N - valgrind $name"
		for r in "$@"; do
			printf '%s\n' "$r" | sed 's/^/# /'
		done
		FAILED=$((FAILED + 1))
	fi
}

# all_fail REASON: every result fails for the same reason; then exit.
all_fail() {
	local n
	for n in "${NAMES[@]}"; do
		result 1 "$n" "$1"
	done
	echo "valgrind: $PASSED passed, $FAILED failed"
	exit 1
}

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		# only what still runs in our temp dir: a reaped pid may be reused
		if [ -n "$T" ] && { [ /proc/"$p"/cwd -ef "$T/job" ] || [ /proc/"$p"/cwd -ef "$T/seq" ]; }; then
			kill -KILL "$p" 2>/dev/null
		fi
	done
	wait 2>/dev/null
	[ -n "$T" ] || return
	if [ "$FAILED" != 0 ] && [ "$KEEP" = 1 ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v valgrind >/dev/null 2>&1 ||
	all_fail "valgrind is not installed (apt-get install valgrind)"
if [ ! -x "$BUILD/mrworker" ]; then
	if [ -n "${MR_BUILD:-}" ]; then
		make -C "$ROOT" B="$BUILD" >&2
	else
		make -C "$ROOT" >&2
	fi
fi
for f in mrcoordinator mrworker mrsequential apps/wc.so; do
	[ -f "$BUILD/$f" ] || all_fail "missing $BUILD/$f (make failed?)"
done
INPUTS=()
for f in "${TEXTS[@]}"; do
	[ -f "$DATA/$f" ] || all_fail "missing input $DATA/$f"
	INPUTS+=("$DATA/$f")
done

T=$(mktemp -d "${TMPDIR:-/tmp}/test-valgrind.XXXXXX") || all_fail "mktemp -d failed"
mkdir "$T/job" "$T/seq" "$T/logs" || all_fail "mkdir in $T failed"
SOCK=$T/mr.sock
L=$T/logs

# verdict NAME RC VGLOG ERRLOG [EXTRA-REASON...]: the result line of one
# process.  RC 99 is valgrind's; 124/137 are timeout's.
verdict() {
	local name=$1 rc=$2 vglog=$3 errlog=$4 why=()
	shift 4
	case $rc in
	0) ;;
	99) why+=("valgrind reported errors (exit 99); its log (VG_KEEP=1 keeps $vglog):") ;;
	124 | 137) why+=("did not finish within $TO s under valgrind (timeout, status $rc)") ;;
	*) why+=("exited $rc") ;;
	esac
	why+=("$@")
	if [ ${#why[@]} -gt 0 ]; then
		[ -s "$vglog" ] && why+=("$(head -n 40 "$vglog" | sed 's/^/    /')")
		[ -s "$errlog" ] && why+=("stderr, last lines:" "$(tail -n 5 "$errlog" | sed 's/^/    /')")
		result 1 "$name" "${why[@]}"
	else
		result 0 "$name"
	fi
}

start=${EPOCHREALTIME/./}

# The reference, in the background while the job runs.
(cd "$T/seq" && exec timeout -k 5 "$TO" "${VG[@]}" --log-file="$L/seq.vg" \
	"$BUILD/mrsequential" "$BUILD/apps/wc.so" "${INPUTS[@]}") \
	>"$L/seq.out" 2>"$L/seq.err" &
SEQ=$!
PIDS+=("$SEQ")

(cd "$T/job" && exec timeout -k 5 "$TO" "${VG[@]}" --log-file="$L/coord.vg" \
	"$BUILD/mrcoordinator" --socket "$SOCK" "${INPUTS[@]}") \
	>"$L/coord.out" 2>"$L/coord.err" &
COORD=$!
PIDS+=("$COORD")

# A worker gives up after 5 s without a coordinator; one starting under
# valgrind may need longer, so start the worker once the socket is there.
for ((i = 0; i < 200; i++)); do
	[ -S "$SOCK" ] && break
	kill -0 "$COORD" 2>/dev/null || break
	sleep 0.1
done
(cd "$T/job" && exec timeout -k 5 "$TO" "${VG[@]}" --log-file="$L/worker.vg" \
	"$BUILD/mrworker" --socket "$SOCK" "$BUILD/apps/wc.so") \
	>"$L/worker.out" 2>"$L/worker.err" &
WORKER=$!
PIDS+=("$WORKER")

wait "$COORD"
crc=$?
wait "$WORKER"
wrc=$?
wait "$SEQ"
src=$?
end=${EPOCHREALTIME/./}

verdict coordinator "$crc" "$L/coord.vg" "$L/coord.err"
verdict worker "$wrc" "$L/worker.vg" "$L/worker.err"
verdict mrsequential "$src" "$L/seq.vg" "$L/seq.err"

# The job's result against the reference.
why=()
if [ ! -s "$T/seq/mr-out-0" ]; then
	why+=("mrsequential wrote no mr-out-0")
else
	sort "$T/seq/mr-out-0" | grep . >"$L/ref.sorted"
	if ! ls "$T/job"/mr-out-* >/dev/null 2>&1; then
		why+=("the job wrote no mr-out-* file")
	else
		sort "$T/job"/mr-out-* | grep . >"$L/out.sorted"
		if ! cmp -s "$L/out.sorted" "$L/ref.sorted"; then
			why+=("sorted mr-out-* differs from mrsequential's ($(wc -l <"$L/out.sorted") vs $(wc -l <"$L/ref.sorted") lines):"
			      "$(diff "$L/ref.sorted" "$L/out.sorted" | grep '^[<>]' | head -n 6)")
		fi
	fi
fi
if [ ${#why[@]} -gt 0 ]; then
	result 1 output "${why[@]}"
else
	result 0 output
fi

echo "# valgrind: ${#TEXTS[@]} inputs, $(( (end - start) / 1000000 )).$(( (end - start) / 100000 % 10 ))s"
echo "valgrind: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
