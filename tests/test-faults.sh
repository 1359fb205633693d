#!/usr/bin/env bash
# test-faults.sh - MR_FAULTS (src/common/faults.h): every fault point wired
# into the binaries, armed at least once, and the contract checked each
# time: the right exit status and a message naming the cause, the
# "fault injected" line (proof that the fault fired), no temp file left and
# every mr-out-R either absent or whole, and the job either finishing with
# mrsequential's output (transient faults) or failing with a message that
# names the cause (lasting ones).
#
# Points: open, write, fsync, rename (afile.c: map runs, mr-out-R, the
# report, the coordinator's final fsyncs, mrsequential); rpc ask, report,
# status, heartbeat (drop, lose, delay); crash before-publish and
# after-publish; the coordinator's journal (write, fsync of mr-journal).
# The coordinator's crash points (after-append, after-sync, final-fsync,
# after-report) are in tests/test-recover.sh, which restarts it.
#
# Usage: tests/test-faults.sh [TEST...]     (no arguments: all tests)
# Environment: see tests/tools/testlib.sh (MR_BUILD, MR_DATA, MR_KEEP_TMP).
# Output: "ok N - NAME" / "not ok N - NAME" with "# " lines (reasons, time),
# then "faults: P passed, F failed"; exits 1 if anything failed.

SUITE=faults
. "$(dirname "$0")/tools/testlib.sh"

WC=$BUILD/apps/wc.so
NREDUCE=3

# --- helpers ------------------------------------------------------------------

# fired NAME TEXT: NAME's stderr has the line of a fault that fired, whose
# description starts with TEXT ("write mr-1-0: Input/output error").
fired() {
	expect_in "$1" err "fault injected: $2" "$1 shows no 'fault injected: $2' line: the fault never fired"
}

# no_temp: no hidden temp file of a publication is left in the job directory.
no_temp() {
	local left
	left=$(ls -A | grep '^\.mr-tmp-' | head -n 3)
	[ -z "$left" ] || fail "temp files left in the job directory: $left"
}

# no_runs: no intermediate mr-M-R is left in the job directory.
no_runs() {
	local left
	left=$(ls | grep -E '^mr-[0-9]+-[0-9]+$' | head -n 3)
	[ -z "$left" ] || fail "intermediate files left in the job directory: $left"
}

# clean_run: the same job without faults, in T/clean: each mr-out-R there
# is what a whole mr-out-R of the faulty job must equal.
clean_run() {
	mkdir "$T/clean" && cd "$T/clean" || exit 1
	SOCK=$T/clean.sock start_coord clean --nreduce $NREDUCE
	SOCK=$T/clean.sock start_workers cw 1 "$WC"
	await clean 30
	cd "$T/job" || exit 1
	expect_rc clean 0 || exit 1
}

# outputs_whole: every mr-out-R of the job directory is absent or equal to
# the clean run's.
outputs_whole() {
	local r
	for ((r = 0; r < NREDUCE; r++)); do
		[ -e "mr-out-$r" ] || continue
		cmp -s "mr-out-$r" "$T/clean/mr-out-$r" ||
			fail "mr-out-$r is there but not whole ($(wc -c <"mr-out-$r") bytes, expected $(wc -c <"$T/clean/mr-out-$r"))"
	done
}

# report_has TEXT: mr-report.json holds TEXT (a fixed string).
report_has() {
	grep -qF -- "$1" mr-report.json 2>/dev/null || fail "mr-report.json has no '$1'"
}

# outcomes PID: the outcomes of the attempts worker PID made, one a line,
# from mr-report.json.
outcomes() {
	tr -d '\n' <mr-report.json | sed -E 's/[[:space:]]*([:,{}])[[:space:]]*/\1/g' |
		grep -o '"worker":'"$1"',[^}]*' | grep -o '"outcome":"[^"]*"' | cut -d'"' -f4
}

# transient_job WORKER_FAULTS: one worker (so that it runs every task),
# with MR_FAULTS set to WORKER_FAULTS: an attempt fails, the task runs again
# at once, and the job ends as if nothing had happened.
transient_job() {
	setup 8
	reference "$WC" "$T/correct"
	start_coord c --nreduce $NREDUCE
	spawn w1 60 env MR_FAULTS="$1" "$WORKER_BIN" --socket "$SOCK" "$WC"
	await c 40
	expect_job_ok c $NREDUCE "$T/correct"
	no_temp
	no_runs
	expect_workers_ok w 1
}

# failed_attempt TEXT: w1 reported an attempt failed, with TEXT in the
# report (its error).
failed_attempt() {
	outcomes "$(pid_of w1)" | grep -qx failed || fail "the report shows no failed attempt"
	report_has "$1"
}

# alone_then_helper FAULTS [CHECK]: worker w1 with MR_FAULTS=FAULTS runs
# alone until it exits (the fault decides what it got to do; CHECK, a
# function, looks at the job directory then), then w2 finishes the job
# (tasks lost with w1 come back after the 1 s task timeout).
alone_then_helper() {
	setup 8
	reference "$WC" "$T/correct"
	start_coord c --nreduce $NREDUCE --task-timeout 1
	spawn w1 60 env MR_FAULTS="$1" "$WORKER_BIN" --socket "$SOCK" "$WC"
	await w1 30 || fail "w1 did not exit"
	[ -z "${2:-}" ] || "$2"
	spawn w2 60 "$WORKER_BIN" --socket "$SOCK" "$WC"
	await c 40
	expect_job_ok c $NREDUCE "$T/correct"
	await w2 10
	expect_rc w2 0
	no_temp
	no_runs
}

# lost_attempt: one of w1's attempts was given up (timed out, or
# superseded by a backup attempt that won).
lost_attempt() {
	outcomes "$(pid_of w1)" | grep -qxE 'timed out|superseded' ||
		fail "no attempt of w1 was given up: $(outcomes "$(pid_of w1)" | sort | uniq -c | tr '\n' ' ')"
}

# --- a bad MR_FAULTS ------------------------------------------------------------

# Every binary refuses a malformed MR_FAULTS before doing anything: exit 2,
# one line naming the entry.
t_bad_spec() {
	local spec='write:mr-out-*:enospc@1,rpc:reprot:drop@2' name
	setup 1
	run c 10 env MR_FAULTS="$spec" "$COORD_BIN" --socket "$SOCK" "${INPUTS[@]}"
	run w 10 env MR_FAULTS="$spec" "$WORKER_BIN" --socket "$SOCK" "$WC"
	run s 10 env MR_FAULTS="$spec" "$SEQ_BIN" "$WC" "${INPUTS[@]}"
	run m 10 env MR_FAULTS="$spec" "$BUILD/mrctl" status --socket "$SOCK"
	for name in c w s m; do
		expect_rc $name 2
		expect_in $name err "bad MR_FAULTS entry 2 'rpc:reprot:drop@2': no procedure 'reprot'"
		[ "$(wc -l <"$T/$name.err")" = 1 ] ||
			fail "$name printed $(wc -l <"$T/$name.err") lines, expected one"
		expect_empty $name out
	done
	for spec in 'write:eio' 'write:mr-out-0:enospace@1' 'crash:after-publsh@1' \
		'write:x:eio@0' 'fsync:a:b:eio@1' 'rpc:report:eio@1' 'write:drop@1' ','; do
		run bad 10 env MR_FAULTS="$spec" "$SEQ_BIN" "$WC" "${INPUTS[@]}"
		if [ "$(rc_of bad)" != 2 ]; then
			fail "MR_FAULTS='$spec': exit $(rc_of bad), expected 2"
		else
			expect_in bad err "bad MR_FAULTS entry 1 '${spec%,}'"
		fi
	done
	[ -e "$SOCK" ] && fail "a socket was created for a usage error"
	[ -z "$(ls -A)" ] || fail "files were written for a usage error: $(ls -A | head -n 3)"
	return $FAILED
}

# --- file points: transient faults in a worker ----------------------------------

# A map's run cannot be written once: that attempt fails (reported with
# the error), the map runs again at once, the output is right.
t_map_write_eio() {
	transient_job 'write:mr-1-*:eio@1'
	fired w1 "write mr-1-"
	expect_in w1 err "cannot write mr-1-"
	failed_attempt 'Input/output error'
	report_has '"failure": "engine"'
	return $FAILED
}

t_map_open_emfile() {
	transient_job 'open:mr-2-*:emfile@1'
	fired w1 "open mr-2-"
	expect_in w1 err "cannot create a temp file for mr-2-"
	failed_attempt 'Too many open files'
	return $FAILED
}

# The second run of map 0 is refused its rename, after the first was
# published: the attempt fails, the map runs again and replaces it (and
# the coordinator removes the runs at the end).
t_map_rename_eacces() {
	transient_job 'rename:mr-0-1:eacces@1'
	fired w1 "rename mr-0-1: Permission denied"
	expect_in w1 err "cannot publish mr-0-1: Permission denied"
	failed_attempt 'cannot publish mr-0-1'
	return $FAILED
}

t_output_write_once() {
	transient_job 'write:mr-out-0:enospc@1'
	fired w1 "write mr-out-0: No space left on device"
	failed_attempt 'cannot write mr-out-0: No space left on device'
	return $FAILED
}

# --- file points: lasting faults --------------------------------------------------

# A full disk stays full for mr-out-1: its reduce fails --max-attempts
# times and the job fails naming it and the cause; mr-out-1 is never
# published, the others are whole or absent.
t_output_enospc_lasting() {
	setup 4
	clean_run
	start_coord c --nreduce $NREDUCE --max-attempts 3
	start_workers w 2 "$WC" MR_FAULTS='write:mr-out-1:enospc@1+'
	await c 40
	expect_rc c 1
	expect_in c err "reduce task 1"
	expect_in c err "3 times"
	expect_in c err "cannot write mr-out-1: No space left on device"
	grep -q "fault injected: write mr-out-1" "$T/w1.err" "$T/w2.err" ||
		fail "no worker shows the fault line"
	[ -e mr-out-1 ] && fail "mr-out-1 was published although it could never be written"
	outputs_whole
	no_temp
	report_has '"outcome": "failed"'
	expect_workers_ok w 2
	return $FAILED
}

# The coordinator's final fsync of mr-out-1 fails: it must not say "job
# done" (exit 1, naming the file and the error); the outputs are whole.
t_coord_final_fsync() {
	setup 4
	clean_run
	spawn c2 60 env MR_FAULTS='fsync:mr-out-1:eio@1' "$COORD_BIN" --socket "$SOCK" \
		--nreduce $NREDUCE "${INPUTS[@]}"
	wait_socket c2
	start_workers w 1 "$WC"
	await c2 40
	expect_rc c2 1
	fired c2 "fsync mr-out-1: Input/output error"
	expect_in c2 err "cannot flush mr-out-1 to disk: Input/output error"
	grep -q "job done" "$T/c2.err" && fail "the coordinator said 'job done'"
	outputs_whole
	no_temp
	expect_workers_ok w 1
	return $FAILED
}

# The job report cannot be published (renamed) or made durable (fsync):
# the error names it, no report and no temp file are left.  The report is
# not the job's output: the job itself still succeeds.
t_coord_report() {
	local spec n=0
	setup 4
	reference "$WC" "$T/correct"
	for spec in 'rename:mr-report.json:eio@1' 'fsync:mr-report.json:edquot@1'; do
		n=$((n + 1))
		rm -f mr-out-* mr-report.json
		spawn "c$n" 60 env MR_FAULTS="$spec" "$COORD_BIN" --socket "$SOCK" \
			--nreduce $NREDUCE "${INPUTS[@]}"
		wait_socket "c$n"
		start_workers "w$n-" 1 "$WC"
		await "c$n" 40
		expect_job_ok "c$n" $NREDUCE "$T/correct"
		fired "c$n" "${spec%%:*} mr-report.json"
		[ -e mr-report.json ] && fail "$spec: mr-report.json was published"
		no_temp
	done
	expect_in c1 err "cannot publish mr-report.json: Input/output error"
	expect_in c2 err "cannot flush mr-report.json to disk: Disk quota exceeded"
	return $FAILED
}

# mrsequential: every file point on mr-out-0 fails it with exit 1 and the
# cause; nothing is left but (for fsync, after the rename) the whole file.
t_sequential() {
	local spec n=0
	setup 2
	for spec in 'open:mr-out-0:emfile@1' 'write:mr-out-*:enospc@1' \
		'rename:mr-out-0:erofs@1' 'fsync:mr-out-0:eio@1'; do
		n=$((n + 1))
		rm -f mr-out-0
		run "s$n" 30 env MR_FAULTS="$spec" "$SEQ_BIN" "$WC" "${INPUTS[@]}"
		expect_rc "s$n" 1
		fired "s$n" "${spec%%:*} mr-out-0"
		no_temp
	done
	expect_in s1 err "cannot create a temp file for mr-out-0: Too many open files"
	expect_in s2 err "cannot write mr-out-0: No space left on device"
	expect_in s3 err "cannot publish mr-out-0: Read-only file system"
	expect_in s4 err "cannot flush mr-out-0 to disk: Input/output error"
	[ -e mr-out-0 ] || fail "mr-out-0 is missing after the fsync fault (it was renamed first)"
	return $FAILED
}

# --- rpc points -----------------------------------------------------------------------

# ASK never sent: the worker takes the coordinator for gone and exits 0
# at once; the other worker does the job.
t_rpc_ask_drop() {
	alone_then_helper 'rpc:ask:drop@1'
	expect_rc w1 0
	fired w1 "rpc ask: call dropped, not sent"
	[ -z "$(outcomes "$(pid_of w1)")" ] || fail "w1 ran a task although its first ASK was dropped"
	return $FAILED
}

# The reply to the first ASK (a map) is lost: the worker exits, the map it
# was given times out and runs elsewhere.
t_rpc_ask_lose() {
	alone_then_helper 'rpc:ask:lose@1'
	expect_rc w1 0
	fired w1 "rpc ask: reply lost"
	lost_attempt
	return $FAILED
}

# The first REPORT (map 0, done) is never sent: the worker removes the
# output the coordinator never heard of and exits; the map runs again.
no_map0_runs() {
	[ -z "$(ls | grep '^mr-0-')" ] || fail "w1 left the runs of its unreported map 0: $(ls | grep '^mr-0-')"
}
t_rpc_report_drop() {
	alone_then_helper 'rpc:report:drop@1' no_map0_runs
	expect_rc w1 0
	fired w1 "rpc report: call dropped, not sent"
	lost_attempt
	return $FAILED
}

# A delayed REPORT changes nothing but the time.
t_rpc_report_delay() {
	transient_job 'rpc:report:delay=300@1'
	fired w1 "rpc report: delayed 300 ms"
	return $FAILED
}

# mrctl status: a dropped call or a lost reply is a failure naming the
# coordinator and why.
t_rpc_status() {
	setup 1
	start_coord c
	run m0 10 "$BUILD/mrctl" status --socket "$SOCK"
	expect_rc m0 0
	run m1 10 env MR_FAULTS='rpc:status:drop@1' "$BUILD/mrctl" status --socket "$SOCK"
	expect_rc m1 1
	fired m1 "rpc status: call dropped, not sent"
	expect_in m1 err "status call to $SOCK failed: call dropped (MR_FAULTS)"
	run m2 10 env MR_FAULTS='rpc:*:lose@1' "$BUILD/mrctl" status --socket "$SOCK"
	expect_rc m2 1
	fired m2 "rpc status: reply lost"
	kill -TERM "$(pid_of c)" 2>/dev/null
	await c 10
	return $FAILED
}

# TCP on 127.0.0.1: the fetch service's first HEARTBEAT dropped makes its
# worker exit 1 at start; its third dropped ends the service mid-job: the
# coordinator loses the host, its maps run again elsewhere, and the job
# (slow maps, so that it is still running) ends right.
t_rpc_heartbeat() {
	local port addr i try
	setup 8
	reference "$TPLUG/slow.so" "$T/correct" TP_SLOW_MS=0
	(umask 077 && head -c 48 /dev/urandom >"$T/secret")
	mkdir -p "$T/l1" "$T/l2" "$T/l3"
	# a random port; another one if it is taken
	for try in 1 2 3; do
		port=$((20000 + RANDOM % 20000))
		addr=127.0.0.1:$port
		spawn c 60 "$COORD_BIN" --listen "$addr" --secret-file "$T/secret" \
			--nreduce $NREDUCE --task-timeout 2 "${INPUTS[@]}"
		for ((i = 0; i < 500; i++)); do
			"$BUILD/mrctl" status --coordinator "$addr" --secret-file "$T/secret" \
				>/dev/null 2>&1 && break 2
			ended c && break
			sleep 0.02
		done
		ended c || break
	done
	ended c && { fail "coordinator exited $(rc_of c) before serving on $addr"; show_err c; return 1; }
	run w0 20 env MR_FAULTS='rpc:heartbeat:drop@1' "$WORKER_BIN" --coordinator "$addr" \
		--secret-file "$T/secret" --local-dir "$T/l3" "$WC"
	expect_rc w0 1
	fired w0 "rpc heartbeat: call dropped, not sent"
	expect_in w0 err "the fetch service did not start"
	spawn w1 60 env TP_SLOW_MS=300 MR_FAULTS='rpc:heartbeat:drop@3' "$WORKER_BIN" \
		--coordinator "$addr" --secret-file "$T/secret" --local-dir "$T/l1" "$TPLUG/slow.so"
	spawn w2 60 env TP_SLOW_MS=300 "$WORKER_BIN" --coordinator "$addr" \
		--secret-file "$T/secret" --local-dir "$T/l2" "$TPLUG/slow.so"
	await c 40
	expect_rc c 0
	snapshot "$T/got"
	same "$T/correct" "$T/got" "job output differs from mrsequential's"
	fired w1 "rpc heartbeat: call dropped, not sent"
	expect_in c err "lost worker"
	no_temp
	await w1 10
	await w2 10
	return $FAILED
}

# --- crash points -------------------------------------------------------------------

# before-publish at the first reduce (w1 alone ran the 8 maps first): its
# temp file is left by the "crash" and swept by the coordinator at the
# end; the reduce runs again elsewhere.
left_temp() {
	ls -A | grep -q '^\.mr-tmp-mr-out-' || fail "the crash left no temp file of mr-out-R: not before its publication?"
}
t_crash_before_publish() {
	alone_then_helper 'crash:before-publish@9' left_temp
	expect_rc w1 86
	fired w1 "crash before-publish: exit 86"
	lost_attempt
	return $FAILED
}

# after-publish at the first reduce: mr-out-R is there but never reported;
# the reduce runs again and replaces it whole.
left_output() {
	ls | grep -q '^mr-out-' || fail "the crash left no mr-out-R: not after its publication?"
}
t_crash_after_publish() {
	alone_then_helper 'crash:after-publish@9' left_output
	expect_rc w1 86
	fired w1 "crash after-publish: exit 86"
	lost_attempt
	return $FAILED
}

# after-publish with abort, on the first map: SIGABRT.
t_crash_abort() {
	alone_then_helper 'crash:after-publish:abort@1'
	expect_rc w1 134
	fired w1 "crash after-publish: abort"
	lost_attempt
	return $FAILED
}

# journal_fault SPEC: the coordinator's journal cannot be written (SPEC
# arms it): the job stops (exit 1) naming the journal and the error, keeps
# the journal and says --recover; --recover then finishes the job.
journal_fault() {
	setup 8
	reference "$WC" "$T/correct"
	# A sync per loop pass (no commit window): the Nth sync comes mid-job.
	spawn c 60 env MR_FAULTS="$1" "$COORD_BIN" --socket "$SOCK" --nreduce $NREDUCE \
		--commit-interval 0 "${INPUTS[@]}"
	wait_socket c
	start_workers w 2 "$WC"
	await c 40
	expect_rc c 1
	fired c "${1%%:*} mr-journal: $2"
	expect_in c err "stopping the job: its journal mr-journal cannot be written"
	expect_in c err "--recover"
	grep -q "job done" "$T/c.err" && fail "the coordinator said 'job done'"
	[ -e mr-journal ] || fail "the journal is gone"
	no_temp
	# The job may stop before the second worker connects: it then finds no
	# coordinator (exit 1, saying so).
	for i in 1 2; do
		await w$i 10
		[ "$(rc_of w$i)" = 1 ] && grep -q "no coordinator answers" "$T/w$i.err" && continue
		expect_rc w$i 0
	done
	start_coord r --recover --nreduce $NREDUCE
	start_workers v 2 "$WC"
	await r 40
	expect_job_ok r $NREDUCE "$T/correct"
	[ -e mr-journal ] && fail "the journal is left after the recovered job"
	no_runs
}

# The journal's fdatasync fails at a finished task's record (the third sync).
t_journal_fsync_eio() {
	journal_fault 'fsync:mr-journal:eio@3' "Input/output error"
	return $FAILED
}

# The disk fills up under the journal (its fourth write, and every later one).
t_journal_write_enospc() {
	journal_fault 'write:mr-journal:enospc@4+' "No space left on device"
	return $FAILED
}

ALL=(
	bad-spec:t_bad_spec
	map-write-eio:t_map_write_eio
	map-open-emfile:t_map_open_emfile
	map-rename-eacces:t_map_rename_eacces
	output-write-once:t_output_write_once
	output-enospc-lasting:t_output_enospc_lasting
	coord-final-fsync:t_coord_final_fsync
	coord-report:t_coord_report
	sequential:t_sequential
	rpc-ask-drop:t_rpc_ask_drop
	rpc-ask-lose:t_rpc_ask_lose
	rpc-report-drop:t_rpc_report_drop
	rpc-report-delay:t_rpc_report_delay
	rpc-status:t_rpc_status
	rpc-heartbeat:t_rpc_heartbeat
	crash-before-publish:t_crash_before_publish
	crash-after-publish:t_crash_after_publish
	crash-abort:t_crash_abort
	journal-fsync-eio:t_journal_fsync_eio
	journal-write-enospc:t_journal_write_enospc
)

require_built mrcoordinator mrworker mrsequential mrctl apps/wc.so tests/plugins/slow.so
run_selected "${ALL[@]}" -- "$@"
summary
