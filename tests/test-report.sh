#!/usr/bin/env bash
# test-report.sh - counters and the job report: mr-report.json is written
# when a job ends, its built-in counters match the data, user counters of
# lost attempts are not summed, a failed job's report says why and whose
# fault each failed attempt was (plugin or engine), and `mrctl report`
# summarizes it.
#
# Usage: tests/test-report.sh [TEST...]     (no arguments: all tests)
# Needs `make` and `make test-errors-bins` (the plugins in build/tests/).
# Environment: see tests/tools/testlib.sh (MR_BUILD, MR_DATA, MR_KEEP_TMP).
# Output: "ok N - NAME" / "not ok N - NAME" with "# " lines, then
# "report: P passed, F failed"; exits 1 if anything failed.

SUITE=report
. "$(dirname "$0")/tools/testlib.sh"

TPLUG=$BUILD/tests/plugins
CTL=$BUILD/mrctl

# counter NAME: NAME's total as `mrctl report` prints it (empty if absent).
counter() {
	awk -v n="$1" '$1 == n { print $2 }' "$T/summary"
}

# summarize: mrctl report of the job directory's report into $T/summary.
summarize() {
	[ -s mr-report.json ] || {
		fail "no mr-report.json in the job directory"
		return 1
	}
	"$CTL" report mr-report.json >"$T/summary" 2>"$T/ctl.err" || {
		fail "mrctl report exited $?: $(head -n 3 "$T/ctl.err")"
		return 1
	}
}

# expect_counter NAME WANT
expect_counter() {
	local got
	got=$(counter "$1")
	[ "$got" = "$2" ] || fail "counter $1 is '${got}', expected $2"
}

# The built-in counters agree with the data: input bytes and lines, output
# lines and bytes, reduce groups; the summary names the outcome.
t_builtin_counters() {
	local bytes lines outlines outbytes
	setup 8
	start_coord c
	start_workers w 2 "$BUILD/apps/wc.so"
	await c 60
	expect_rc c 0
	summarize || return "$FAILED"
	grep -q '^job: done' "$T/summary" || fail "the summary does not say the job is done: $(head -n 1 "$T/summary")"
	bytes=$(cat "${INPUTS[@]}" | wc -c)
	lines=$(cat "${INPUTS[@]}" | wc -l)
	outlines=$(cat mr-out-* | wc -l)
	outbytes=$(cat mr-out-* | wc -c)
	expect_counter mr.map.input.bytes "$bytes"
	expect_counter mr.map.input.records "$lines"
	expect_counter mr.output.records "$outlines"
	expect_counter mr.output.bytes "$outbytes"
	expect_counter mr.reduce.input.groups "$outlines"
	grep -q '^slowest tasks:' "$T/summary" || fail "the summary lists no slowest tasks"
	return "$FAILED"
}

# User counters are summed over the attempts that succeeded only: the first
# map dies after counting, is re-issued, and "maps" is still exactly nmap.
t_user_counters_once() {
	local words
	need tests/plugins/counting.so
	setup 8
	reference "$TPLUG/counting.so" "$T/correct"
	start_coord c --task-timeout 2
	start_workers w 2 "$TPLUG/counting.so" TP_ONCE_PHASE=map
	await c 60
	expect_job_ok c 10 "$T/correct"
	[ -e .counting-once-map ] || fail "the plugin never crashed (no marker file)"
	summarize || return "$FAILED"
	words=$(cat "${INPUTS[@]}" | tr -cs 'A-Za-z' '\n' | grep -c .)
	expect_counter maps 8
	expect_counter words "$words"
	expect_counter keys "$(wc -l <"$T/correct")"
	grep -q 'tasks with more than one attempt' "$T/summary" ||
		fail "the summary does not show the re-run task"
	return "$FAILED"
}

# poison_job N W [OPTION...]: a job over the first N inputs and poison.txt,
# whose map always fails in the fail_map plugin, run to its failure by W
# workers (w1...).
poison_job() {
	local n=$1 w=$2
	shift 2
	need tests/plugins/fail_map.so
	setup "$n"
	cp "$DATA/pg-metamorphosis.txt" "$T/in/poison.txt"
	INPUTS+=(../in/poison.txt)
	start_coord c "$@"
	start_workers w "$w" "$TPLUG/fail_map.so" TP_FAIL=poison
	await c 30
	expect_rc c 1
}

# count_in_report TEXT: how many lines of mr-report.json hold TEXT.
count_in_report() {
	grep -cF -- "$1" mr-report.json
}

# expect_failures FAULT N TEXT: the job failed after N failure reports of
# one task, all FAULT's (plugin|engine): so say the failed attempts in
# mr-report.json (with the worker's error, containing TEXT) and its stats,
# mrctl report (in $T/summary) and the coordinator's message.
expect_failures() {
	local fault=$1 n=$2 text=$3 got plugin=0 engine=0
	got=$(count_in_report "\"failure\": \"$fault\"")
	[ "$got" = "$n" ] ||
		fail "$got failed attempts say \"failure\": \"$fault\", expected $n: $(grep '"failure"' mr-report.json | sort | uniq -c | tr '\n' '|')"
	grep -A1 -F "\"failure\": \"$fault\"" mr-report.json | grep '"error"' | grep -qF -- "$text" ||
		fail "the failed attempts do not carry the worker's error text ($text)"
	grep -q "\"failed_reports_$fault\": $n" mr-report.json || fail "stats.failed_reports_$fault is not $n"
	if [ "$fault" = plugin ]; then plugin=$n; else engine=$n; fi
	grep -q "failure reports (plugin $plugin, engine $engine)" "$T/summary" ||
		fail "mrctl report does not split the failure reports: $(grep '^attempts' "$T/summary")"
	grep -q "failed in the $fault on" "$T/summary" ||
		fail "mrctl report does not say where the attempts failed"
	expect_in c err "failed in the $fault $n times" "the coordinator does not say the task failed in the $fault"
}

# A failed job still leaves a report, with the outcome and the last error.
t_failed_job_report() {
	poison_job 3 2 --nreduce 3 --max-attempts 2
	summarize || return "$FAILED"
	grep -q '^job: failed' "$T/summary" || fail "the summary does not say the job failed: $(head -n 1 "$T/summary")"
	grep -q 'last error: .*poison' "$T/summary" || fail "the summary does not show the failing task's last error"
	return "$FAILED"
}

# A plugin's failure is the plugin's in the report, mrctl report and the
# coordinator's message.
t_plugin_failure_in_report() {
	poison_job 1 2 --nreduce 2 --max-attempts 2
	summarize || return "$FAILED"
	expect_failures plugin 2 "failed in plugin $TPLUG/fail_map.so"
	return "$FAILED"
}

# An input that is gone when the map runs is the engine's failure.
t_engine_failure_in_report() {
	setup 1
	cp "$DATA/pg-metamorphosis.txt" "$T/in/gone.txt"
	INPUTS+=(../in/gone.txt)
	start_coord c --nreduce 2 --max-attempts 2
	rm "$T/in/gone.txt" # after the coordinator checked it, before any map
	start_workers w 1 "$BUILD/apps/wc.so"
	await c 30
	expect_rc c 1
	summarize || return "$FAILED"
	expect_failures engine 2 "gone.txt"
	return "$FAILED"
}

# A damaged intermediate run fails the reduce in the engine: mrpeer takes
# the only map and reports it done over a run that is not one.
t_damaged_run_in_report() {
	local a
	need tests/tools/mrpeer
	setup 1
	start_coord c --nreduce 1 --max-attempts 2
	a=$("$PEER" "$SOCK" ask 2>&1)
	case $a in
	"map 0 "*) ;;
	*) fail "mrpeer was not given map 0: $a"; return "$FAILED" ;;
	esac
	printf 'not a run' >mr-0-0
	a=$("$PEER" "$SOCK" report map 0 "$(echo "$a" | awk '{ print $3 }')" 1 2>&1)
	[ "$a" = ACCEPTED ] || fail "the coordinator did not accept mrpeer's map: $a"
	start_workers w 1 "$BUILD/apps/wc.so"
	await c 30
	expect_rc c 1
	summarize || return "$FAILED"
	expect_failures engine 2 "mr-0-0"
	return "$FAILED"
}

# mrctl status while a job runs: phase, counts, running attempts with their
# workers; --json too; and exit 1 once the coordinator is gone.
t_status_live() {
	local i
	need tests/plugins/slow.so
	setup 4
	start_coord c
	start_workers w 2 "$TPLUG/slow.so" TP_SLOW_MS=1500
	# Until both workers have a map (up to 10 s; each map lasts 1.5 s).
	for ((i = 0; i < 500; i++)); do
		grep -Eq '^map: +[0-9]+/4 done, 2 running' "$T/st.out" 2>/dev/null && break
		sleep 0.02
		"$CTL" status --socket "$SOCK" >"$T/st.out" 2>"$T/st.err" ||
			{ fail "mrctl status exited $?: $(head -n 2 "$T/st.err")"; break; }
	done
	grep -q '^job: map phase' "$T/st.out" || fail "status does not show the map phase: $(head -n 1 "$T/st.out")"
	grep -Eq '^map: +[0-9]+/4 done, 2 running' "$T/st.out" ||
		fail "status does not show 2 running maps of 4: $(grep '^map' "$T/st.out")"
	[ "$(grep -c 'worker' "$T/st.out")" = 2 ] || fail "status does not list the 2 running attempts"
	"$CTL" status --json --socket "$SOCK" >"$T/st.json" 2>"$T/stj.err" ||
		fail "mrctl status --json exited $?"
	grep -q '"phase": "map"' "$T/st.json" || fail "status --json has no map phase"
	grep -q '"nmap": 4' "$T/st.json" || fail "status --json has no nmap 4"
	await c 60
	expect_rc c 0
	"$CTL" status --socket "$SOCK" >/dev/null 2>"$T/gone.err"
	[ $? = 1 ] || fail "mrctl status without a coordinator did not exit 1"
	grep -q 'no coordinator answers' "$T/gone.err" || fail "mrctl status does not say no coordinator answers"
	return "$FAILED"
}

# On a terminal the coordinator redraws one progress line and ends with the
# counters; -q shows neither.  (script(1) gives it a terminal.)
t_progress_line() {
	command -v script >/dev/null || skip "script(1) is not installed"
	setup 8
	spawn c 60 script -qfec "$COORD_BIN --socket $SOCK ${INPUTS[*]}" "$T/tty.out"
	wait_socket c
	start_workers w 2 "$BUILD/apps/wc.so"
	await c 60
	expect_rc c 0
	tr '\r' '\n' <"$T/tty.out" >"$T/tty.lines"
	grep -Eq '^.*map 8/8, reduce 10/10, [0-9.]+ MB/s' "$T/tty.lines" ||
		fail "no final progress line 'map 8/8, reduce 10/10, ... MB/s': $(tail -n 3 "$T/tty.lines" | tr '\n' '|')"
	grep -q 'counters: .*mr.map.input.bytes=' "$T/tty.lines" ||
		fail "the coordinator did not show the counters at the end"
	rm -f mr-* && spawn q 60 script -qfec "$COORD_BIN -q --socket $SOCK ${INPUTS[*]}" "$T/q.out"
	wait_socket q
	start_workers v 2 "$BUILD/apps/wc.so"
	await q 60
	expect_rc q 0
	grep -q 'map 8/8' "$T/q.out" && fail "-q still drew the progress line"
	grep -q 'counters:' "$T/q.out" && fail "-q still logged the counters"
	return "$FAILED"
}

# Worker log lines name the pid and the task; a plugin's own stderr shows.
t_worker_lines_name_task() {
	poison_job 2 1 --max-attempts 2
	grep -Eq '^mrworker\[[0-9]+\] map 2 attempt [0-9]+: error: ' "$T/w1.err" ||
		fail "no worker error line naming pid and task: $(head -n 2 "$T/w1.err" | tr '\n' '|')"
	expect_in w1 err "fail_map: refusing input ../in/poison.txt" "the plugin's own stderr line is missing"
	return "$FAILED"
}

# mrctl's own usage errors.
t_mrctl_usage() {
	setup 1
	"$CTL" --help >"$T/h.out" 2>&1 || fail "mrctl --help exited $?"
	grep -q 'usage: mrctl' "$T/h.out" || fail "mrctl --help prints no usage"
	"$CTL" frobnicate >/dev/null 2>&1
	[ $? = 2 ] || fail "mrctl with an unknown command did not exit 2"
	"$CTL" report no-such-file.json >/dev/null 2>"$T/e.err"
	[ $? = 1 ] || fail "mrctl report of a missing file did not exit 1"
	grep -q 'no-such-file.json' "$T/e.err" || fail "mrctl's error does not name the file"
	echo '{"not": "a report"}' >bogus.json
	"$CTL" report bogus.json >/dev/null 2>&1
	[ $? = 1 ] || fail "mrctl report of a non-report did not exit 1"
	return "$FAILED"
}

# An input whose name is not UTF-8 (any bytes but '/' and NUL are a file
# name): the job is done and mr-report.json is valid JSON naming it with
# U+FFFD for the bad bytes; --recover of the done job recognises it.
t_non_utf8_name() {
	local bad
	setup 1
	bad=$(printf 'bad\xff\xfename.txt')
	printf 'hello world\nhello\n' >"$T/in/$bad"
	INPUTS+=("../in/$bad")
	start_coord c --nreduce 2
	start_workers w 1 "$BUILD/apps/wc.so"
	await c 30
	expect_rc c 0
	[ -s mr-report.json ] || { fail "no mr-report.json"; return "$FAILED"; }
	python3 -c 'import json,sys; r=json.load(open("mr-report.json")); sys.exit(0 if "../in/bad\ufffd\ufffdname.txt" in r["inputs"] else 1)' ||
		fail "mr-report.json does not name the input with U+FFFD for its bad bytes"
	[ -e mr-journal ] && fail "the done job left its journal"
	run r 10 "$COORD_BIN" --socket "$SOCK" --recover --nreduce 2 "${INPUTS[@]}"
	expect_rc r 0
	return "$FAILED"
}

ALL=(
	non-utf8-name:t_non_utf8_name
	builtin-counters:t_builtin_counters
	user-counters-once:t_user_counters_once
	failed-job-report:t_failed_job_report
	plugin-failure-in-report:t_plugin_failure_in_report
	engine-failure-in-report:t_engine_failure_in_report
	damaged-run-in-report:t_damaged_run_in_report
	status-live:t_status_live
	progress-line:t_progress_line
	worker-lines-name-task:t_worker_lines_name_task
	mrctl-usage:t_mrctl_usage
)

require_built mrcoordinator mrworker mrsequential mrctl apps/wc.so
run_selected "${ALL[@]}" -- "$@"
summary
