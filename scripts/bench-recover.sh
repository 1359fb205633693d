#!/usr/bin/env bash
# bench-recover.sh - what --recover saves: a word count (COPIES copies of
# the texts in data/, default 64; 4 workers with --reconnect 30) run whole,
# and the same job with its coordinator SIGKILLed at 50% of that time and
# restarted with --recover.  Each is run REPS times (default 3), alternating;
# reports the medians of: the whole job, the recovery (restart to the job's
# end), the whole killed run (start to end, the kill and restart included),
# and how many tasks the journal kept.  Every output must equal
# mrsequential's.
#
# Usage: scripts/bench-recover.sh [--reps N] [--copies N]
# Environment: MR_BUILD (default build/), TMPDIR.
set -u
export LC_ALL=C
top=$(cd "$(dirname "$0")/.." && pwd)
build=${MR_BUILD:-$top/build}
reps=3
copies=64
while [ $# -gt 0 ]; do
	case $1 in
	--reps) reps=$2; shift ;;
	--copies) copies=$2; shift ;;
	*) echo "usage: $0 [--reps N] [--copies N]" >&2; exit 2 ;;
	esac
	shift
done
work=$(mktemp -d "${TMPDIR:-/tmp}/mrrecover.XXXXXX") || exit 1
trap 'pkill -KILL -f "$work/" 2>/dev/null; rm -rf "$work"' EXIT
mkdir "$work/in" "$work/seq"
inputs=()
for ((k = 0; k < copies; k++)); do
	for f in "$top"/data/pg-*.txt; do
		cp "$f" "$work/in/c$k-${f##*/}"
		inputs+=("$work/in/c$k-${f##*/}")
	done
done
(cd "$work/seq" && "$build/mrsequential" "$build/apps/wc.so" "${inputs[@]}") || exit 1
sort "$work/seq/mr-out-0" >"$work/ref"

now() { date +%s%N; }

# job DIR: start a coordinator (in the background, pid in CPID) and 4 workers.
job() {
	local dir=$1 i
	mkdir -p "$dir"
	(cd "$dir" && exec "$build/mrcoordinator" -q --socket "$dir.sock" "${@:2}" \
		"${inputs[@]}") 2>>"$dir.err" &
	CPID=$!
}
workers() {
	local dir=$1 i
	WPIDS=()
	for i in 1 2 3 4; do
		(cd "$dir" && exec "$build/mrworker" -q --socket "$dir.sock" --reconnect 30 \
			"$build/apps/wc.so") 2>>"$dir.w.err" &
		WPIDS+=($!)
	done
}
check() {
	sort "$1"/mr-out-* | grep . >"$1.out"
	cmp -s "$1.out" "$work/ref" || { echo "bench-recover: output of $1 differs" >&2; exit 1; }
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

whole=() rec=() total=() kept=()
for ((r = 1; r <= reps; r++)); do
	d=$work/whole$r
	t0=$(now); job "$d"; workers "$d"; wait "$CPID"; t1=$(now)
	wait "${WPIDS[@]}"
	check "$d"
	w=$(( (t1 - t0) / 1000000 ))
	whole+=("$w")
	d=$work/killed$r
	t0=$(now); job "$d"; workers "$d"
	sleep "$(awk -v w="$w" 'BEGIN { printf "%.3f", w / 2000 }')"
	kill -KILL "$CPID"; wait "$CPID" 2>/dev/null
	n=$("$build/mrctl" journal "$d/mr-journal" | grep -c '^done')
	t2=$(now); job "$d" --recover; wait "$CPID"; rc=$?; t3=$(now)
	wait "${WPIDS[@]}"
	[ "$rc" = 0 ] || { echo "bench-recover: the recovered job exited $rc" >&2; tail -3 "$d.err" >&2; exit 1; }
	check "$d"
	rec+=("$(( (t3 - t2) / 1000000 ))")
	total+=("$(( (t3 - t0) / 1000000 ))")
	kept+=("$n")
	echo "# run $r: whole ${w} ms; killed at $((w / 2)) ms with $n tasks in the journal, recovered in $(( (t3 - t2) / 1000000 )) ms, $(( (t3 - t0) / 1000000 )) ms in all"
done
nt=$(( ${#inputs[@]} + 10 ))
W=$(median "${whole[@]}") R=$(median "${rec[@]}") A=$(median "${total[@]}") K=$(median "${kept[@]}")
echo "whole job: $W ms; killed at 50%: $K of $nt tasks kept, recovery $R ms ($(awk -v r="$R" -v w="$W" 'BEGIN { printf "%.2f", r / w }')x the whole job), $A ms start to end ($(awk -v a="$A" -v w="$W" 'BEGIN { printf "%.2f", a / w }')x; a restart from scratch would be 1.50x)"
