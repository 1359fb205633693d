#!/usr/bin/env bash
# run-all.sh - the `make test` driver: runs every test suite listed in SUITES
# from the repository root, passes their output through, and adds up their
# "ok N - name" / "not ok N - name" lines.
#
# A suite that exits non-zero without printing any "not ok" line counts as one
# failure named after the suite.  Every suite runs under timeout
# (MR_SUITE_TIMEOUT seconds, default 1800).
#
# A suite written "&SUITE" starts in the background and runs beside the
# suites after it, up to and including the next one written without "&";
# its output is held back and passed through (and counted) after that
# one's.  Only suites that mostly wait (and check nothing about timing) go
# there, beside ones that keep the cores busy.
#
# After each suite a line "# time: SUITE N s" gives its wall time.  The last
# line is exactly "P passed, F failed"; the one before it gives the wall time
# of the whole run.  Exits 1 if anything failed or if no test ran at all.

set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")

# The suites, one command each (word-split), relative to the repository root.
# Add a suite by adding a line.  Under sanitizers (MR_SANITIZE set by the
# Makefile) valgrind cannot run, and the fuzzers bring their own sanitizers.
SUITES=(
	"tests/unit.sh"
	"tests/test-mr.sh --except crash"
	"tests/test-data.sh"
	"tests/test-errors.sh"
	"tests/test-faults.sh"
	"tests/test-backup.sh"
	"tests/test-report.sh"
	"tests/test-timeline.sh"
	"tests/test-skip.sh"
	"tests/test-params.sh"
	"tests/test-combiner.sh"
	"tests/test-stream.sh"
	"tests/test-grep.sh"
	"tests/test-sort.sh"
	"tests/test-hostile.sh"
	"tests/test-lookup.sh"
	"tests/test-net.sh --except crash"
	"tests/test-reconnect.sh"
	"tests/test-recover.sh"
	"tests/test-inputs.sh"
	# The lab's crash test waits out stalled workers (10 s task timeout):
	# almost no CPU, beside chaos's busy jobs.  So does test-net's.
	"&tests/test-mr.sh crash"
	"tests/chaos.sh ${MR_CHAOS_JOBS:-10}"
	"&tests/test-net.sh crash"
	"env CHAOS_COORD=1 tests/chaos.sh ${MR_CHAOS_COORD_JOBS:-5}"
	"scripts/bench.sh --quick"
)
if [ -z "${MR_SANITIZE:-}" ]; then
	SUITES+=("tests/test-valgrind.sh" "tests/fuzz.sh")
	# Docs and install: no C code of their own to sanitize.
	SUITES+=("tests/test-docs.sh" "tests/test-install.sh")
	# The launchers (scripts and manifests; the programs they start are
	# the plain build's).
	SUITES+=("tests/test-ssh.sh" "tests/test-slurm.sh" "tests/test-deploy.sh")
fi

cd "$ROOT" || exit 1

npass=0
nfail=0
nskip=0
failed=()
RUNPID=
BG=()		# background suites running: "PID START SUITE" (PID of their timeout, START in epoch seconds)
FIFODIR=$(mktemp -d "${TMPDIR:-/tmp}/run-all.XXXXXX") || exit 1

on_signal() {
	trap - INT TERM
	if [ -n "$RUNPID" ]; then
		kill -TERM "$RUNPID" 2>/dev/null
		wait "$RUNPID" 2>/dev/null
	fi
	for b in "${BG[@]}"; do
		kill -TERM "${b%% *}" 2>/dev/null
		wait "${b%% *}" 2>/dev/null
	done
	echo "run-all: interrupted"
	exit "$1"
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'rm -rf "$FIFODIR"' EXIT

# count SUITE: pass stdin through and count its result lines.  Sets sfail.
count() {
	local line
	sfail=0
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case $line in
		"ok "*" # "[Ss][Kk][Ii][Pp]*)
			npass=$((npass + 1))	# as the suites count it
			nskip=$((nskip + 1))
			;;
		"ok "*)
			npass=$((npass + 1))
			;;
		"not ok "*)
			nfail=$((nfail + 1))
			sfail=$((sfail + 1))
			line=${line#not ok }
			failed+=("$1: ${line#* - }")
			;;
		esac
	done
}

# finish SUITE RC SECS: the time line, and a failure for a suite that
# exited RC != 0 without a "not ok" line (sfail, from count).
finish() {
	local why
	echo "# time: $1 $3 s"
	if [ "$2" != 0 ] && [ $sfail = 0 ]; then
		case $2 in
		124 | 137) why="timed out after ${MR_SUITE_TIMEOUT:-1800} s" ;;
		*) why="exited $2" ;;
		esac
		echo "not ok - $1 ($why)"
		nfail=$((nfail + 1))
		failed+=("$1: $why")
	fi
}

# start_bg SUITE: start SUITE in the background, its output in a file of
# FIFODIR (whose last change is when the suite ended: its summary line).
start_bg() {
	local -a cmd
	read -r -a cmd <<<"$1"
	timeout -k 10s "${MR_SUITE_TIMEOUT:-1800}" "${cmd[@]}" >"$FIFODIR/bg.${#BG[@]}" 2>&1 &
	BG+=("$! $EPOCHSECONDS $1")
}

# finish_bg: wait for every background suite, pass its output through, count it.
finish_bg() {
	local i pid t0 suite rc out
	for i in "${!BG[@]}"; do
		read -r pid t0 suite <<<"${BG[i]}"
		out=$FIFODIR/bg.$i
		wait "$pid"
		rc=$?
		count "$suite" <"$out"
		finish "$suite" "$rc" $(($(stat -c %Y "$out") - t0))
		rm -f "$out"
	done
	BG=()
}

start=$SECONDS
for suite in "${SUITES[@]}"; do
	case $suite in
	"&"*)
		start_bg "${suite#&}"
		continue
		;;
	esac
	read -r -a cmd <<<"$suite"
	# The suite runs in the background behind a FIFO so that a signal reaches
	# our trap at once and we still read its output as it comes.
	fifo=$FIFODIR/out
	rm -f "$fifo"
	mkfifo "$fifo" || exit 1
	sstart=$SECONDS
	timeout -k 10s "${MR_SUITE_TIMEOUT:-1800}" "${cmd[@]}" >"$fifo" 2>&1 &
	RUNPID=$!
	count "$suite" <"$fifo"
	rm -f "$fifo"
	wait "$RUNPID"
	rc=$?
	RUNPID=
	finish "$suite" $rc $((SECONDS - sstart))
	finish_bg
done
finish_bg

for f in "${failed[@]}"; do
	echo "# failed: $f"
done
[ $nskip = 0 ] || echo "# skipped (counted as passed): $nskip"
echo "# wall time: $((SECONDS - start)) s"
echo "$npass passed, $nfail failed"
[ $nfail = 0 ] && [ $((npass + nfail)) -gt 0 ]
