#!/usr/bin/env bash
# chaos.sh - word-count jobs while workers are killed and frozen at random.
#
# Usage: tests/chaos.sh [N]          N jobs, one after the other (default 10)
#
# Each job: one coordinator (--task-timeout 2) and 4 workers running wc.so in
# a job directory of its own, with a socket of its own.  While the job runs,
# every 0.3-1.5 s (at random) a random live worker is either killed with
# SIGKILL or frozen with SIGSTOP and thawed with SIGCONT 0.5-3 s later; every
# killed worker is replaced at once, so 4 workers are alive (some perhaps
# frozen).  When the coordinator exits, every frozen worker is thawed.
#
# A job passes when
#   - the coordinator exits 0 within CHAOS_JOB_TIMEOUT seconds (a hang fails),
#     and removes its socket;
#   - every worker we did not kill exits by itself within GRACE seconds of the
#     coordinator's exit, with status 0 (or 1 for "no coordinator answers",
#     which a replacement started just as the job ended may say);
#   - no process of the job is left (none has the job directory as its cwd);
#   - mr-out-0..mr-out-9 all exist, every line of every one is "KEY COUNT"
#     and ends with a newline (no torn file);
#   - the job directory holds nothing but mr-out-0..mr-out-9 (no temp file,
#     hidden or not, and no intermediate file) once every process is gone;
#   - `sort mr-out-* | grep .` equals mrsequential's sorted output, byte for
#     byte.
#
# Inputs: the bundled texts take the engine about 0.2 s, less than the first
# chaos tick, so every job reads CHAOS_COPIES (default 64) distinct copies of
# each data/pg-*.txt (copies, not links: the coordinator refuses one file
# named twice).  The reference is mrsequential over the same copies.
#
# Environment:
#   MR_BUILD           binaries (default: build/ of this repository; `make`
#                      is run first when mrworker is missing)
#   MR_DATA            the pg-*.txt texts (default: data/ of this repository)
#   CHAOS_SEED         seed for $RANDOM: the same seed makes the same choices
#                      (which worker, kill or stop, the intervals); the timing
#                      of the engine still varies.  Printed on every run.
#   CHAOS_COPIES       copies of each text per job (default 64)
#   CHAOS_JOB_TIMEOUT  seconds a coordinator may run (default 120)
#   CHAOS_KEEP         1: keep the directory (job dir and logs) of a failed job
#   CHAOS_COORD        1: kill the coordinator too.  About one chaos step
#                      in four then SIGKILLs the coordinator and restarts it
#                      at once with --recover (workers run with --reconnect
#                      30 and carry on); a job passes as above, and the run
#                      fails unless at least one coordinator was killed.
#   TMPDIR             where the temp directories go (default /tmp)
#
# Output: "ok K - chaos job K (kills X, stops Y, Zs)" or "not ok ..." with
# "# " lines giving the reasons and log excerpts, then
# "chaos: P passed, F failed".  Exits 1 if a job failed, 2 on a usage error.

set -u
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${MR_BUILD:-$ROOT/build}
DATA=${MR_DATA:-$ROOT/data}
COPIES=${CHAOS_COPIES:-64}
JOB_TIMEOUT=${CHAOS_JOB_TIMEOUT:-120}
KEEP=${CHAOS_KEEP:-0}

case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
case $DATA in /*) ;; *) DATA=$PWD/$DATA ;; esac

NWORKERS=4
NREDUCE=10		# the coordinator's default
# A killed or frozen worker holds its task until the coordinator gives up on
# it: with the default 10 s every hit would stall the job for 10 s.  2 s gets
# lost work re-issued quickly, and is still far longer than any one wc task
# (tens of ms), so a task is re-issued only when its worker really is dead or
# frozen - and a frozen worker thawed later then races its replacement, which
# is exactly what we want to see.
TASK_TIMEOUT=2
GRACE=15		# seconds workers get to exit once the coordinator has
WORKER_TIMEOUT=$((JOB_TIMEOUT + GRACE + 15))	# backstop if this script dies

usage() {
	echo "usage: $0 [N]   (N jobs, default 10)" >&2
	exit 2
}

[ $# -le 1 ] || usage
N=${1:-10}
case $N in '' | *[!0-9]*) usage ;; esac
[ "$N" -ge 1 ] || usage
case $COPIES in '' | *[!0-9]* | 0) echo "$0: bad CHAOS_COPIES '$COPIES'" >&2; exit 2 ;; esac
case $JOB_TIMEOUT in '' | *[!0-9]* | 0) echo "$0: bad CHAOS_JOB_TIMEOUT '$JOB_TIMEOUT'" >&2; exit 2 ;; esac

if [ -n "${CHAOS_SEED:-}" ]; then
	case $CHAOS_SEED in *[!0-9]*) echo "$0: CHAOS_SEED must be a number" >&2; exit 2 ;; esac
	SEED=$CHAOS_SEED
else
	SEED=$(( (${EPOCHREALTIME/./} ^ $$) % 1000000 ))
fi
RANDOM=$SEED
echo "# chaos: seed $SEED (CHAOS_SEED=$SEED repeats the same choices)"

# Milliseconds since the epoch, without a fork.
now_ms() {
	NOW=$(( ${EPOCHREALTIME/./} / 1000 ))
}

# rand LO HI: a random integer in [LO, HI] into R.  Never call it in a
# subshell: that would fork the generator and break reproducibility.
rand() {
	R=$(( $1 + RANDOM % ($2 - $1 + 1) ))
}

# ---------------------------------------------------------------------------
# State of the current job.

TOP=			# temp dir of the whole run
JD=			# job directory (cwd of every process of the job)
LOGS=			# logs of the job (outside JD)
SOCK=
CPID=			# the coordinator's `timeout` process
CREAL=			# the coordinator itself
WT=()			# per worker: its `timeout` process
WP=()			# per worker: the worker
WS=()			# per worker: run, stopped, killed
CONT_AT=()		# per stopped worker: when to thaw it (ms)
KILLS=0
STOPS=0
CKILLS=0		# coordinators killed in this job
CKILLS_ALL=0		# ... in the whole run
COORD=${CHAOS_COORD:-0}
RECONNECT=()
[ "$COORD" = 1 ] && RECONNECT=(--reconnect 30)
REASONS=()
T0=0			# when the job started (ms), for the chaos log

fail() {
	REASONS+=("$*")
}

# child_of PID: the first child of PID into C (waits up to 1 s for the fork).
child_of() {
	local i
	C=
	for ((i = 0; i < 100; i++)); do
		C=$(pgrep -P "$1" | head -n 1)
		[ -n "$C" ] && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.01
	done
	return 1
}

# ours PID: PID is alive and runs in this job's directory.  Guards every
# signal sent at cleanup time against a pid reused by someone else.
ours() {
	[ -n "$1" ] && [ -n "$JD" ] && [ /proc/"$1"/cwd -ef "$JD" ]
}

start_worker() {
	local i=${#WT[@]}

	( cd "$JD" && exec timeout -s KILL "$WORKER_TIMEOUT" "$BUILD/mrworker" -v \
		--socket "$SOCK" "${RECONNECT[@]}" "$BUILD/apps/wc.so" ) \
		>"$LOGS/w$i.out" 2>"$LOGS/w$i.err" &
	WT[i]=$!
	WS[i]=run
	CONT_AT[i]=0
	if child_of "${WT[i]}"; then
		WP[i]=$C
	else
		WP[i]=
		WS[i]=gone
		fail "worker $i: could not find its pid under timeout ${WT[i]}"
	fi
}

# alive I: worker I has not exited.
alive() {
	[ -n "${WP[$1]}" ] && kill -0 "${WP[$1]}" 2>/dev/null
}

# thaw_all: SIGCONT every worker we froze.
thaw_all() {
	local i
	for i in "${!WS[@]}"; do
		if [ "${WS[i]}" = stopped ]; then
			kill -CONT "${WP[i]}" 2>/dev/null
			WS[i]=run
		fi
	done
}

# kill_all: thaw, then SIGKILL, every process of this job still alive.
kill_all() {
	local p
	for p in "${WP[@]}" "$CREAL" "${WT[@]}" "$CPID"; do
		ours "$p" && kill -CONT "$p" 2>/dev/null
	done
	for p in "${WP[@]}" "$CREAL" "${WT[@]}" "$CPID"; do
		ours "$p" && kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
}

on_exit() {
	kill_all
	if [ -n "$TOP" ] && [ "$KEEP" != 1 ]; then
		rm -rf "$TOP"
	fi
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_coord [--recover]: the job's coordinator (again), into CPID and CREAL.
start_coord() {
	( cd "$JD" && exec timeout -k 5 "$JOB_TIMEOUT" "$BUILD/mrcoordinator" -v \
		--task-timeout "$TASK_TIMEOUT" --socket "$SOCK" "$@" "${INPUTS[@]}" ) \
		>>"$LOGS/coord.out" 2>>"$LOGS/coord.err" &
	CPID=$!
	CREAL=
	child_of "$CPID" && CREAL=$C
}

# One chaos step: kill or freeze a random live worker, or (CHAOS_COORD)
# kill the coordinator and restart it with --recover.
chaos_step() {
	local i cand=()

	if [ "$COORD" = 1 ] && ((RANDOM % 4 == 0)) && [ -n "$CREAL" ] &&
		kill -KILL "$CREAL" 2>/dev/null; then
		wait "$CPID" 2>/dev/null
		CKILLS=$((CKILLS + 1))
		echo "+$((NOW - T0)) ms: kill coordinator (pid $CREAL); restarting it with --recover" \
			>>"$LOGS/chaos.log"
		start_coord --recover
		return 0
	fi
	if ((RANDOM % 2)); then
		for i in "${!WS[@]}"; do
			[ "${WS[i]}" = run ] || [ "${WS[i]}" = stopped ] || continue
			alive "$i" && cand+=("$i")
		done
		[ ${#cand[@]} -gt 0 ] || return 0
		i=${cand[RANDOM % ${#cand[@]}]}
		kill -KILL "${WP[i]}" 2>/dev/null || return 0
		WS[i]=killed
		# Its timeout dies of the same signal; we do not need that status,
		# and disowning keeps bash from printing "Killed" for it.
		disown "${WT[i]}" 2>/dev/null
		KILLS=$((KILLS + 1))
		echo "+$((NOW - T0)) ms: kill worker $i (pid ${WP[i]})" >>"$LOGS/chaos.log"
		start_worker
	else
		for i in "${!WS[@]}"; do
			[ "${WS[i]}" = run ] && alive "$i" && cand+=("$i")
		done
		[ ${#cand[@]} -gt 0 ] || return 0
		i=${cand[RANDOM % ${#cand[@]}]}
		kill -STOP "${WP[i]}" 2>/dev/null || return 0
		WS[i]=stopped
		rand 500 3000
		CONT_AT[i]=$((NOW + R))
		STOPS=$((STOPS + 1))
		echo "+$((NOW - T0)) ms: stop worker $i (pid ${WP[i]}) for $R ms" >>"$LOGS/chaos.log"
	fi
}

# show FILE LABEL: the last lines of a log, as comment lines.
show() {
	[ -s "$1" ] || return 0
	echo "# $2, last lines:"
	tail -n 8 "$1" | sed 's/^/#     /'
}

# run_job K: one job; prints its ok / not ok line.  Returns 0 if it passed.
run_job() {
	local k=$1 i t t0 next crc rc f r line rest bad=() entries=() left=()
	local secs

	JD=$(mktemp -d "$TOP/job$k.XXXXXX") || { echo "not ok $k - chaos job $k"; echo "# mktemp failed"; return 1; }
	LOGS=$TOP/logs$k
	mkdir "$LOGS" || return 1
	SOCK=$TOP/sock$k
	CPID='' CREAL='' WT=() WP=() WS=() CONT_AT=() KILLS=0 STOPS=0 CKILLS=0 REASONS=()

	now_ms
	t0=$NOW
	T0=$NOW
	start_coord
	for ((i = 0; i < NWORKERS; i++)); do
		start_worker
	done

	# The chaos loop, until the coordinator exits (or timeout ends it).
	rand 300 1500
	next=$((t0 + R))
	while kill -0 "$CPID" 2>/dev/null; do
		now_ms
		for i in "${!WS[@]}"; do
			if [ "${WS[i]}" = stopped ] && [ "$NOW" -ge "${CONT_AT[i]}" ]; then
				kill -CONT "${WP[i]}" 2>/dev/null
				WS[i]=run
				echo "+$((NOW - T0)) ms: cont worker $i (pid ${WP[i]})" >>"$LOGS/chaos.log"
			fi
		done
		if [ "$NOW" -ge "$next" ]; then
			chaos_step
			rand 300 1500
			next=$((NOW + R))
		fi
		sleep 0.05
	done
	wait "$CPID"
	crc=$?
	now_ms
	echo "+$((NOW - T0)) ms: coordinator exited $crc" >>"$LOGS/chaos.log"
	thaw_all

	if [ "$crc" = 124 ] || [ "$crc" = 137 ]; then
		fail "coordinator did not finish within $JOB_TIMEOUT s (hang): timeout killed it (status $crc)"
	elif [ "$crc" != 0 ]; then
		fail "coordinator exited $crc"
	fi
	[ -e "$SOCK" ] && fail "socket $SOCK still there after the coordinator exited"

	# Workers must now leave by themselves.
	for ((t = 0; t < GRACE * 10; t++)); do
		left=()
		for i in "${!WP[@]}"; do
			alive "$i" && left+=("$i")
		done
		[ ${#left[@]} -eq 0 ] && break
		sleep 0.1
	done
	for i in "${left[@]}"; do
		fail "worker $i (pid ${WP[i]}) still running $GRACE s after the coordinator exited" \
			"($(tr '\0' ' ' </proc/"${WP[i]}"/cmdline 2>/dev/null); state" \
			"$(awk '/^State/ {print $2}' /proc/"${WP[i]}"/status 2>/dev/null))"
	done
	[ ${#left[@]} -gt 0 ] && kill_all
	for i in "${!WT[@]}"; do
		[ "${WS[i]}" = killed ] && continue
		wait "${WT[i]}"
		rc=$?
		if [ "$rc" = 1 ] && grep -q 'no coordinator answers' "$LOGS/w$i.err"; then
			continue
		fi
		[ "$rc" = 0 ] || fail "worker $i (pid ${WP[i]}) exited $rc; its log: $LOGS/w$i.err" \
			"- $(tail -n 1 "$LOGS/w$i.err")"
	done
	now_ms
	secs=$(( (NOW - t0) / 1000 )).$(( (NOW - t0) % 1000 / 100 ))

	# No process of the job may be left.
	for f in /proc/[0-9]*; do
		if [ "$f/cwd" -ef "$JD" ]; then
			fail "process ${f#/proc/} ($(tr '\0' ' ' <"$f/cmdline" 2>/dev/null)) is still running in the job directory"
			kill -CONT "${f#/proc/}" 2>/dev/null
			kill -KILL "${f#/proc/}" 2>/dev/null
		fi
	done

	# Nothing but mr-out-0..9 and the job report in the job directory, hidden
	# files included.
	entries=()
	for f in "$JD"/* "$JD"/.*; do
		f=${f##*/}
		case $f in . | .. | '*' | '.*') continue ;; esac
		[ -e "$JD/$f" ] || [ -L "$JD/$f" ] || continue
		entries+=("$f")
	done
	bad=()
	for f in "${entries[@]}"; do
		case $f in mr-out-[0-9] | mr-report.json) ;; *) bad+=("$f") ;; esac
	done
	if [ ${#bad[@]} -gt 0 ]; then
		fail "${#bad[@]} leftover file(s) in the job directory after every process exited:" \
			"$(cd "$JD" && ls -lA --time-style=+%T.%N -- "${bad[@]}" | awk '{print $NF" ("$5" bytes, "$6")"}' | head -n 12 | tr '\n' ' ')"
	fi

	# Every mr-out-R, each line well formed, no torn tail.
	for ((r = 0; r < NREDUCE; r++)); do
		f=$JD/mr-out-$r
		if [ ! -f "$f" ]; then
			fail "mr-out-$r is missing"
			continue
		fi
		line=$(grep -anvE '^[^ ]+ [0-9]+$' "$f" | head -n 1)
		[ -n "$line" ] && fail "mr-out-$r has a malformed (torn?) line: $line"
		if [ -s "$f" ] && [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" != '\n' ]; then
			fail "mr-out-$r does not end with a newline (torn)"
		fi
	done

	# Same result as mrsequential.
	if ls "$JD"/mr-out-* >/dev/null 2>&1; then
		sort "$JD"/mr-out-* | grep . >"$LOGS/out.sorted"
		if ! cmp -s "$LOGS/out.sorted" "$TOP/ref.sorted"; then
			rest=$(diff "$TOP/ref.sorted" "$LOGS/out.sorted" | grep '^[<>]' | head -n 6 | tr '\n' ' ')
			fail "output differs from mrsequential's ($(wc -l <"$LOGS/out.sorted") vs" \
				"$(wc -l <"$TOP/ref.sorted") lines): $rest"
		fi
	fi

	[ $((KILLS + STOPS + CKILLS)) -gt 0 ] && HIT=$((HIT + 1))
	CKILLS_ALL=$((CKILLS_ALL + CKILLS))
	[ "$COORD" = 1 ] && STOPS="$STOPS, coordinator kills $CKILLS"
	if [ ${#REASONS[@]} -eq 0 ]; then
		echo "ok $k - chaos job $k (kills $KILLS, stops $STOPS, ${secs}s)"
		rm -rf "$JD" "$LOGS"
		JD=
		return 0
	fi
	echo "not ok $k - chaos job $k (kills $KILLS, stops $STOPS, ${secs}s)"
	for rest in "${REASONS[@]}"; do
		echo "# $rest"
	done
	show "$LOGS/coord.err" "coordinator log"
	show "$LOGS/chaos.log" "chaos log"
	if [ "$KEEP" = 1 ]; then
		echo "# kept $JD and $LOGS"
	fi
	JD=
	return 1
}

# ---------------------------------------------------------------------------

if [ ! -x "$BUILD/mrworker" ]; then
	if [ -n "${MR_BUILD:-}" ]; then
		make -C "$ROOT" B="$BUILD" >&2
	else
		make -C "$ROOT" >&2
	fi
fi
for f in mrcoordinator mrworker mrsequential apps/wc.so; do
	if [ ! -f "$BUILD/$f" ]; then
		for ((k = 1; k <= N; k++)); do
			echo "not ok $k - chaos job $k"
			echo "# missing $BUILD/$f (make failed?)"
		done
		echo "chaos: 0 passed, $N failed"
		exit 1
	fi
done

TOP=$(mktemp -d "${TMPDIR:-/tmp}/chaos.XXXXXX") || exit 1
mkdir "$TOP/in" "$TOP/ref" || exit 1
INPUTS=()
for f in "$DATA"/pg-*.txt; do
	[ -f "$f" ] || continue
	b=${f##*/}
	for ((c = 1; c <= COPIES; c++)); do
		cp "$f" "$TOP/in/${b%.txt}.$c.txt" || exit 1
		INPUTS+=("$TOP/in/${b%.txt}.$c.txt")
	done
done

REFERR=
if [ ${#INPUTS[@]} -eq 0 ]; then
	REFERR="no inputs $DATA/pg-*.txt"
elif ! (cd "$TOP/ref" && timeout -k 5 120 "$BUILD/mrsequential" "$BUILD/apps/wc.so" \
		"${INPUTS[@]}" >seq.out 2>seq.err); then
	REFERR="mrsequential failed: $(tail -n 3 "$TOP/ref/seq.err" | tr '\n' ' ')"
else
	sort "$TOP/ref/mr-out-0" | grep . >"$TOP/ref.sorted"
	[ -s "$TOP/ref.sorted" ] || REFERR="mrsequential wrote no output"
fi
echo "# chaos: $N jobs over ${#INPUTS[@]} inputs ($COPIES copies of each text), $NWORKERS workers, task timeout ${TASK_TIMEOUT}s"

PASSED=0
FAILED=0
HIT=0
for ((k = 1; k <= N; k++)); do
	if [ -n "$REFERR" ]; then
		echo "not ok $k - chaos job $k"
		echo "# $REFERR"
		FAILED=$((FAILED + 1))
	elif run_job "$k"; then
		PASSED=$((PASSED + 1))
	else
		FAILED=$((FAILED + 1))
	fi
done
# The jobs must have been long enough for the chaos to reach them: a job
# that ends before the first kill or stop proves nothing.  At least half of
# them must have seen one (a faster engine calls for more CHAOS_COPIES).
k=$((N + 1))
if [ $((HIT * 2)) -ge "$N" ]; then
	echo "ok $k - chaos reached $HIT of $N jobs"
	PASSED=$((PASSED + 1))
else
	echo "not ok $k - chaos reached $HIT of $N jobs"
	echo "# the jobs end before the first kill or stop; raise CHAOS_COPIES"
	FAILED=$((FAILED + 1))
fi
if [ "$COORD" = 1 ]; then
	k=$((k + 1))
	if [ "$CKILLS_ALL" -gt 0 ]; then
		echo "ok $k - chaos killed the coordinator $CKILLS_ALL times"
		PASSED=$((PASSED + 1))
	else
		echo "not ok $k - chaos killed no coordinator (CHAOS_COORD=1)"
		FAILED=$((FAILED + 1))
	fi
fi
echo "chaos: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
