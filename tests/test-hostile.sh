#!/usr/bin/env bash
# test-hostile.sh - hostile peers and signals.  Each attack (by
# build/tests/tools/mrpeer) hits the coordinator once before any worker
# exists and then again and again while a real word count job runs with 2
# workers on the same socket; the job must still finish with mrsequential's
# output.  Also: the socket's mode, and what SIGKILL, SIGTERM, SIGINT and
# SIGHUP of the coordinator do to the job and its workers.
#
# Usage: tests/test-hostile.sh [TEST...]     (no arguments: all tests)
# Needs `make` and `make test-errors-bins` (mrpeer and the test plugins).
# Environment: see tests/tools/testlib.sh (MR_BUILD, MR_DATA, MR_KEEP_TMP).
# Output: "ok N - NAME" / "not ok N - NAME" with "# " lines (reasons, time),
# then "hostile: P passed, F failed"; exits 1 if anything failed.

SUITE=hostile
. "$(dirname "$0")/tools/testlib.sh"

NREDUCE=5
WC=$BUILD/apps/wc.so

# peer NAME ARGS...: run mrpeer ARGS... against $SOCK to the end (10 s at
# most); its output is in $T/NAME.out.  Returns mrpeer's status.
peer() {
	local name=$1
	shift
	run "$name" 10 "$PEER" "$SOCK" "$@"
}

# peer_says NAME TEXT: mrpeer NAME printed TEXT.
peer_says() {
	expect_in "$1" out "$2" "mrpeer $1 printed '$(tr '\n' '|' <"$T/$1.out")', expected '$2'"
}

# begin [COORD OPTION...]: test directory, reference output, a coordinator
# serving the 8 inputs.  The workers are started by job_run.
begin() {
	need tests/tools/mrpeer
	setup 8
	reference "$WC" "$T/correct"
	start_coord c --nreduce $NREDUCE "$@"
}

# job_run [SECS]: 2 wc workers; wait (SECS, default 30) for the coordinator
# and check the job: exit 0, socket removed, output = mrsequential's,
# workers exited 0.
job_run() {
	start_workers w 2 "$WC"
	if ! await c "${1:-30}"; then
		fail "the job did not finish within ${1:-30} s"
		show_err c
		return 1
	fi
	expect_job_ok c $NREDUCE "$T/correct"
	expect_workers_ok w 2
}

# attack_during NAME ARGS...: mrpeer -r 60 ARGS... in the background,
# repeating the attack until the coordinator's socket goes away.
attack_during() {
	local name=$1
	shift
	spawn "$name" 70 "$PEER" -r 60 "$SOCK" "$@"
}

# attack_ended NAME: the repeating attacker stopped by itself (within 5 s of
# the coordinator's end) with status 0 after at least one round.
attack_ended() {
	await "$1" 5 || fail "mrpeer $1 still running 5 s after the coordinator ended"
	expect_rc "$1" 0 || return 1
	grep -q '^rounds [1-9]' "$T/$1.out" || fail "mrpeer $1 did no round: $(cat "$T/$1.out")"
}

# --- byte-level attacks ---------------------------------------------------------

t_garbage() {
	begin
	peer p garbage 20 || fail "mrpeer garbage exited $(rc_of p)"
	attack_during a garbage 5
	job_run
	attack_ended a
	return $FAILED
}

# Half a record, then close; and half a record left hanging for the whole job.
t_truncated() {
	begin
	peer p truncated || fail "mrpeer truncated exited $(rc_of p)"
	spawn h 70 "$PEER" "$SOCK" partial 60
	attack_during a truncated
	job_run
	attack_ended a
	await h 5 || fail "the peer with half a record was not hung up on within 5 s of the coordinator's end"
	peer_says h hangup
	return $FAILED
}

# A complete record whose call lacks its arguments: GARBAGE_ARGS (4) back.
t_bad_args() {
	begin
	peer p badargs || fail "mrpeer badargs exited $(rc_of p)"
	peer_says p "reply accept_stat 4"
	attack_during a badargs
	job_run
	attack_ended a
	return $FAILED
}

# A record mark announcing 0x7fffffff bytes, and a record of endless
# 1000-byte fragments: the coordinator hangs up once the record passes its
# limit, neither reading forever nor stalling.
t_huge_record() {
	begin
	peer p huge || fail "mrpeer huge exited $(rc_of p)"
	peer_says p "hangup after"
	peer p2 fragments || fail "mrpeer fragments exited $(rc_of p2)"
	peer_says p2 "hangup after"
	attack_during a huge
	attack_during a2 fragments
	job_run
	attack_ended a
	attack_ended a2
	grep -q ' stall 0 no-hangup 0 ' "$T/a.out" ||
		fail "during the job some huge records were not refused: $(cat "$T/a.out")"
	grep -q ' stall 0 no-hangup 0 ' "$T/a2.out" ||
		fail "during the job some endless records were not refused: $(cat "$T/a2.out")"
	return $FAILED
}

# A client that connects and never sends, for the whole job.
t_idle_client() {
	begin
	spawn i 70 "$PEER" "$SOCK" idle 60
	sleep 0.2
	ended i && fail "the idle client ended before the job started: $(cat "$T/i.out")"
	job_run
	await i 5 || fail "the idle client was not hung up on within 5 s of the coordinator's end"
	peer_says i hangup
	return $FAILED
}

# 200 connections opened at once and dropped, before and during the job.
t_flood() {
	begin
	peer p flood 200 || fail "mrpeer flood 200 exited $(rc_of p)"
	attack_during a flood 200
	job_run
	attack_ended a
	return $FAILED
}

# More idle connections than the coordinator has descriptors (its limit set
# to 64): they must not lock the workers out.
t_fd_exhaustion() {
	need tests/tools/mrpeer
	setup 8
	reference "$WC" "$T/correct"
	spawn c 60 sh -c 'ulimit -n 64 && exec "$@"' sh "$COORD_BIN" --socket "$SOCK" \
		--nreduce $NREDUCE "${INPUTS[@]}"
	wait_socket c
	spawn h 70 "$PEER" "$SOCK" hold 300 60
	for ((i = 0; i < 250; i++)); do
		[ -s "$T/h.out" ] && break
		sleep 0.02
	done
	peer_says h "opened 300"
	job_run 30
	await h 5 || fail "the idle connections were not all closed within 5 s of the coordinator's end"
	return $FAILED
}

# A peer that pipelines calls and never reads the replies must not stall the
# coordinator for the others: a REPORT probe sent meanwhile is answered
# within 0.5 s, and the job, normally well under a second, finishes within
# 10 s while such peers keep coming.
t_never_reads() {
	local t0 t1 took
	begin
	attack_during a noread 20000 5
	sleep 0.5
	t0=$(date +%s.%N)
	peer probe report map 99999 1 1
	t1=$(date +%s.%N)
	took=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	peer_says probe IGNORED
	awk -v t="$took" 'BEGIN { exit !(t < 0.5) }' ||
		fail "a REPORT probe took $took s to be answered while a peer was not reading its replies"
	if ! job_run 10; then
		echo "  published $(ls mr-out-* 2>/dev/null | wc -l) of $NREDUCE outputs;" \
			"never-reading peers so far: $(grep -c . "$T/a.out"), each hung up on after:"
		head -n 3 "$T/a.out" | sed 's/^/    /'
		return 1
	fi
	attack_ended a
	return $FAILED
}

# --- RPC-level attacks -------------------------------------------------------------

# Wrong procedure and wrong version get RPC errors, not a dead coordinator.
t_bad_procedure() {
	begin
	peer p badproc || fail "mrpeer badproc exited $(rc_of p)"
	peer_says p "proc 99: RPC: Procedure unavailable"
	peer_says p "version 2: RPC: Program/version mismatch"
	job_run
	return $FAILED
}

# REPORTs for tasks that do not exist or are not running are ignored.
t_report_unknown() {
	begin --max-attempts 1
	peer r1 report map 99999 1 1
	peer_says r1 IGNORED
	peer r2 report map -1 1 0
	peer_says r2 IGNORED
	peer r3 report reduce 0 1 1 # reduce tasks do not run yet
	peer_says r3 IGNORED
	peer r4 report reduce $NREDUCE 1 0
	peer_says r4 IGNORED
	peer r5 report 7 0 1 0 # not a task kind
	peer_says r5 IGNORED
	peer r6 report 2 0 1 1 # MR_TASK_WAIT
	peer_says r6 IGNORED
	job_run
	return $FAILED
}

# REPORTs quoting an attempt that is not the live one are ignored, both for a
# task never handed out and for one whose attempt timed out.  With
# --max-attempts 1 a counted failure would fail the job.
t_report_stale() {
	local attempt
	begin --max-attempts 1 --task-timeout 1
	peer r1 report map 0 999999 1
	peer_says r1 IGNORED
	peer r2 report map 0 999999 0
	peer_says r2 IGNORED
	peer a1 ask # map 0, attempt A; never reported
	attempt=$(awk '$1 == "map" && $2 == 0 { print $3 }' "$T/a1.out")
	if [ -z "$attempt" ]; then
		fail "the first ASK did not get map task 0: $(cat "$T/a1.out")"
	else
		sleep 1.5 # the attempt times out, the task is queued again
		peer r3 report map 0 "$attempt" 1
		peer_says r3 IGNORED
		peer r4 report map 0 "$attempt" 0
		peer_says r4 IGNORED
	fi
	job_run
	expect_in c err "not done after" "the coordinator did not report the timed-out attempt"
	return $FAILED
}

# The same failure reported twice counts once: with --max-attempts 2 a
# second count would fail the job.  A later "done" for that attempt is
# ignored too (the task was handed back).
t_report_duplicate() {
	begin --max-attempts 2
	peer p dup-fail || fail "mrpeer dup-fail exited $(rc_of p)"
	peer_says p "ACCEPTED IGNORED IGNORED"
	job_run
	return $FAILED
}

# A fake worker takes a task and never reports: it is handed out again (after
# --task-timeout, or as a backup attempt) and the job finishes; the fake worker, still connected, is
# hung up on when the coordinator exits.
t_ask_never_report() {
	begin --task-timeout 2
	spawn f 70 "$PEER" "$SOCK" ask-hold 60
	for ((i = 0; i < 250; i++)); do
		[ -s "$T/f.out" ] && break
		sleep 0.02
	done
	grep -q '^map 0 ' "$T/f.out" || fail "the fake worker did not get map task 0: $(cat "$T/f.out")"
	job_run 30
	# Handed out again: after the timeout, or sooner as a backup attempt
	# (it is the last task of its phase).
	grep -qE 'not done after 2000 ms|backup attempt' "$T/c.err" || {
		fail "the coordinator did not hand the fake worker's task out again"
		show_err c
	}
	await f 5 || fail "the fake worker was not hung up on within 5 s of the coordinator's end"
	peer_says f hangup
	return $FAILED
}

# --- the socket and signals ------------------------------------------------------------

# The socket is mode 0600 even under umask 000.
t_socket_mode() {
	local mode
	need tests/tools/mrpeer
	setup 8
	reference "$WC" "$T/correct"
	spawn c 60 sh -c 'umask 000 && exec "$@"' sh "$COORD_BIN" --socket "$SOCK" \
		--nreduce $NREDUCE "${INPUTS[@]}"
	wait_socket c
	mode=$(stat -c %a "$SOCK")
	[ "$mode" = 600 ] || fail "socket $SOCK has mode $mode, expected 600"
	job_run
	return $FAILED
}

# A coordinator of another user (nobody) on a socket a worker can reach: the
# worker and mrctl refuse it, naming both uids, and write nothing for it;
# and the coordinator refuses a peer of another user (root).
# Needs root (to run the coordinator as nobody).
t_foreign_coordinator() {
	local f sock i
	[ "$(id -u)" = 0 ] || skip "needs root to run a coordinator as another user"
	command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
	setup 1
	f=$T/foreign
	sock=$f/mr.sock
	mkdir "$f" && cp "$T/in/"* "$f/input.txt" && chmod 755 "$T" "$f" &&
		chown -R 65534:65534 "$f" || fail "cannot make a job directory for nobody"
	spawn fc 60 setpriv --reuid=65534 --regid=65534 --clear-groups \
		sh -c 'cd "$0" && exec "$@"' "$f" "$COORD_BIN" --socket "$sock" input.txt
	for ((i = 0; i < 500; i++)); do
		[ -S "$sock" ] || ended fc && break
		sleep 0.02
	done
	[ -S "$sock" ] || { fail "nobody's coordinator did not serve"; show_err fc; return 1; }
	run w 20 "$WORKER_BIN" --socket "$sock" "$WC"
	expect_rc w 1
	expect_in w err "runs as uid 65534" "the worker does not name the coordinator's uid"
	expect_in w err "uid $(id -u)" "the worker does not name its own uid"
	run s 20 "$BUILD/mrctl" status --socket "$sock"
	expect_rc s 1
	expect_in s err "runs as uid 65534" "mrctl does not name the coordinator's uid"
	# And the coordinator serves no peer of another user (root, here).
	run p 20 "$PEER" "$sock" ask
	grep -q 'MAP\|REDUCE' "$T/p.out" && fail "nobody's coordinator gave root a task: $(cat "$T/p.out")"
	expect_in fc err "refusing a peer of uid $(id -u)" "the coordinator does not name the stranger's uid"
	# (mr-journal is the coordinator's own state, written before anyone asks.)
	ls "$f" | grep -v '^mr-journal$' | grep -q '^mr-' &&
		fail "files were written for the foreign coordinator: $(ls "$f")"
	ended fc && fail "nobody's coordinator exited $(rc_of fc): did it hand out work?"
	return $FAILED
}

# kill_mid_job SIGNAL: a slow job (maps sleep 400 ms) with 2 workers; after
# 0.6 s, SIGNAL to the coordinator.  Sets COORD_PID, WPIDS.
COORD_PID=
WPIDS=()
kill_mid_job() {
	need tests/plugins/slow.so
	setup 8
	start_coord c --nreduce $NREDUCE
	COORD_PID=$(pid_of c)
	start_workers w 2 "$TPLUG/slow.so" TP_SLOW_MS=400
	WPIDS=("$(pid_of w1)" "$(pid_of w2)")
	sleep 0.6
	ended c && fail "the coordinator ended before the signal (exit $(rc_of c)); test premise broken"
	kill -"$1" "$COORD_PID"
}

# workers_gone SECS: both workers ended by themselves within SECS, exit 0.
workers_gone() {
	local i t0 left
	t0=$(date +%s.%N)
	for i in 1 2; do
		left=$(awk -v a="$t0" -v s="$1" -v b="$(date +%s.%N)" 'BEGIN { l = s - (b - a); printf "%.2f", (l > 0 ? l : 0) }')
		if ! await "w$i" "$left" || kill -0 "${WPIDS[$((i - 1))]}" 2>/dev/null; then
			fail "worker w$i (pid ${WPIDS[$((i - 1))]}) still running $1 s after the coordinator died"
			continue
		fi
		expect_rc "w$i" 0
	done
}

t_sigkill() {
	kill_mid_job KILL
	await c 5 || fail "the coordinator did not die of SIGKILL"
	workers_gone 5
	return $FAILED
}

# signal_ends SIGNAL: exit status 1, a message naming the signal, the
# socket removed, the workers gone too.
signal_ends() {
	kill_mid_job "$1"
	await c 3 || fail "the coordinator did not end within 3 s of SIG$1"
	expect_rc c 1
	expect_in c err "signal" "the coordinator did not say it was interrupted by a signal"
	[ -e "$SOCK" ] && fail "the coordinator left its socket behind after SIG$1"
	workers_gone 5
	return $FAILED
}

t_sigterm() { signal_ends TERM; }
t_sigint() { signal_ends INT; }
t_sighup() { signal_ends HUP; }

ALL=(
	garbage:t_garbage
	truncated-record:t_truncated
	bad-arguments:t_bad_args
	huge-record:t_huge_record
	idle-client:t_idle_client
	connection-flood:t_flood
	fd-exhaustion:t_fd_exhaustion
	never-reads-replies:t_never_reads
	bad-procedure:t_bad_procedure
	report-unknown-task:t_report_unknown
	report-stale-attempt:t_report_stale
	report-duplicate:t_report_duplicate
	ask-never-report:t_ask_never_report
	socket-mode:t_socket_mode
	foreign-coordinator:t_foreign_coordinator
	sigkill-workers-exit:t_sigkill
	sigterm:t_sigterm
	sigint:t_sigint
	sighup:t_sighup
)

require_built mrcoordinator mrworker mrsequential apps/wc.so
run_selected "${ALL[@]}" -- "$@"
summary
