#!/usr/bin/env bash
# run-all.sh - the `make test` driver: runs every test suite listed in SUITES
# from the repository root, passes their output through, and adds up their
# "ok N - name" / "not ok N - name" lines.
#
# A suite that exits non-zero without printing any "not ok" line counts as one
# failure named after the suite.  Every suite runs under timeout
# (MR_SUITE_TIMEOUT seconds, default 1800).
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
	"tests/test-mr.sh"
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
	"tests/test-net.sh"
	"tests/test-reconnect.sh"
	"tests/test-recover.sh"
	"tests/test-inputs.sh"
	"tests/chaos.sh ${MR_CHAOS_JOBS:-10}"
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
FIFODIR=$(mktemp -d "${TMPDIR:-/tmp}/run-all.XXXXXX") || exit 1

on_signal() {
	trap - INT TERM
	if [ -n "$RUNPID" ]; then
		kill -TERM "$RUNPID" 2>/dev/null
		wait "$RUNPID" 2>/dev/null
	fi
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

start=$SECONDS
for suite in "${SUITES[@]}"; do
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
	echo "# time: $suite $((SECONDS - sstart)) s"
	if [ $rc != 0 ] && [ $sfail = 0 ]; then
		case $rc in
		124 | 137) why="timed out after ${MR_SUITE_TIMEOUT:-1800} s" ;;
		*) why="exited $rc" ;;
		esac
		echo "not ok - $suite ($why)"
		nfail=$((nfail + 1))
		failed+=("$suite: $why")
	fi
done

for f in "${failed[@]}"; do
	echo "# failed: $f"
done
[ $nskip = 0 ] || echo "# skipped (counted as passed): $nskip"
echo "# wall time: $((SECONDS - start)) s"
echo "$npass passed, $nfail failed"
[ $nfail = 0 ] && [ $((npass + nfail)) -gt 0 ]
