#!/usr/bin/env bash
# test-reconnect.sh - mrworker --reconnect SEC: workers whose coordinator is
# killed (SIGKILL) wait for a new one, for up to SEC seconds, and finish the
# job with it; without the flag they exit at once, as in the lab.
#
#   restart         Unix socket: 3 workers with --reconnect 20, the
#                   coordinator killed during the maps, a new one started in
#                   the same job directory; the same worker processes
#                   reconnect, send the report that failed again, work for
#                   the new coordinator, and the output equals
#                   mrsequential's; they exit at once when it ends
#   give-up         --reconnect 1 and no coordinator comes back: the workers
#                   exit 0 after 1 s (within 3.5 s of the kill), saying so
#   default         no flag: the workers exit 0 at once, without reconnecting
#   tcp-restart     TCP (tests/tools/netns.sh hosts, or 127.0.0.1): the same
#                   as restart with two worker hosts; the fetch services keep
#                   serving their map output while the coordinator is away (a
#                   run fetched and compared), and register again with the
#                   new coordinator, whose reduces fetch from them
#   usage           --help documents --reconnect; a bad SEC is a usage error
#   tcp-wrong-secret  the coordinator that comes back does not know the
#                   secret: the worker exits 1 saying authentication failed
#                   (as it would at its start)
#
# The new coordinator is the same command with --recover: it carries on
# from the job's journal (tests/test-recover.sh checks what it keeps).
#
# Usage: tests/test-reconnect.sh [TEST...]     (no arguments: all tests)
# Needs `make` and `make test-errors-bins` (slow.so and mrfetch in build/tests/).
# Environment: see tests/tools/testlib.sh; MR_NET_NO_NETNS=1 runs the TCP
# tests on 127.0.0.1.
# Output: "ok N - NAME" / "not ok N - NAME" with "# " lines, then
# "reconnect: P passed, F failed"; exits 1 if anything failed.

SUITE=reconnect
. "$(dirname "$0")/tools/testlib.sh"
. "$(dirname "$0")/tools/netns.sh"

NREDUCE=4
SLOW_MS=300          # each map sleeps this long (slow.so), so the maps last a while
PORT=7070
CTL=$BUILD/mrctl
TCP_COORD_LIMIT=90   # tools/netns.sh's tcp_coord: the coordinators' time limit
FETCH=$BUILD/tests/tools/mrfetch
STATUS=()            # the mrctl status command of the running test (under timeout)

# job_setup: the test directory with 16 inputs, the 8 texts and a copy of
# each (copies: a coordinator refuses one file named twice), and the
# reference output of slow.so.
job_setup() {
	local f
	setup 8
	mkdir "$T/copies" || exit 1
	for f in "$DATA"/pg-*.txt; do
		cp "$f" "$T/copies/copy-${f##*/}" || exit 1
		INPUTS+=("../copies/copy-${f##*/}")
	done
	reference "$TPLUG/slow.so" "$T/ref" TP_SLOW_MS=0
}

# elapsed T0: seconds since T0 (date +%s.%N), two decimals.
elapsed() {
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'
}

# await_maps COORD N: wait (20 s at most) until COORD says N maps are done.
await_maps() {
	local i n
	for ((i = 0; i < 400; i++)); do
		"${STATUS[@]}" >"$T/status" 2>/dev/null
		n=$(sed -n 's|^map: *\([0-9]*\)/.*|\1|p' "$T/status")
		[ "${n:-0}" -ge "$2" ] && return 0
		ended "$1" && break
		sleep 0.05
	done
	fail "$1 never had $2 maps done: $(head -n 2 "$T/status" | tr '\n' '|')"
	show_err "$1"
	return 1
}

# kill_coord NAME: SIGKILL the coordinator NAME and prove it is dead (its
# status is 137, its pid gone).  Sets KILLED_AT (date +%s.%N).
KILLED_AT=
kill_coord() {
	local p
	p=$(pid_of "$1")
	if [ -z "$p" ] || ! kill -KILL "$p"; then
		fail "cannot kill $1 (pid '$p')"
		return 1
	fi
	KILLED_AT=$(date +%s.%N)
	if ! await "$1" 5; then
		fail "$1 (pid $p) still runs 5 s after SIGKILL"
		return 1
	fi
	[ "$(rc_of "$1")" = 137 ] || fail "$1 ended with status $(rc_of "$1"), not by SIGKILL (137)"
	kill -0 "$p" 2>/dev/null && fail "pid $p of $1 is still there after SIGKILL"
	echo "killed $1 (pid $p) with SIGKILL during the maps"
	return 0
}

# await_line NAME TEXT SECS: wait until NAME's stderr has TEXT (fixed string).
await_line() {
	local i n
	n=$(awk -v s="$3" 'BEGIN { printf "%d", s * 50 }')
	for ((i = 0; i < n; i++)); do
		grep -qF -- "$2" "$T/$1.err" && return 0
		sleep 0.02
	done
	fail "$1 did not log '$2' within $3 s"
	show_err "$1"
	return 1
}

# line_of_pid NAME TEXT: NAME's line with TEXT was logged by NAME's own
# process (mrworker[PID]), the one started at the beginning.
line_of_pid() {
	local p
	p=$(pid_of "$1")
	grep -F -- "$2" "$T/$1.err" | grep -q "^mrworker\[$p\]" ||
		fail "$1's '$2' line is not from its process $p: $(grep -F -- "$2" "$T/$1.err" | head -n 1)"
}

# resent NAME: if NAME was in a task's report when the coordinator went
# away ("map 3 attempt 4: coordinator gone"), that report went again to the
# new coordinator (-v line), quoting the same task and attempt.
resent() {
	local ctx
	ctx=$(sed -n 's/^mrworker\[[0-9]*\] \(\(map\|reduce\) [0-9]* attempt [0-9]*\): coordinator gone.*/\1/p' \
		"$T/$1.err" | head -n 1)
	[ -n "$ctx" ] || return 0
	grep -qF "$ctx: report sent again" "$T/$1.err" ||
		fail "$1 did not send the report of $ctx again after reconnecting"
	echo "$1 sent the report of $ctx again"
}

# worked_for_report NAME: mr-report.json (the new coordinator's) has an
# attempt run by NAME's process.
worked_for_report() {
	grep -qE "\"worker\": *$(pid_of "$1")[,}]" mr-report.json ||
		fail "$1 (pid $(pid_of "$1")) ran no task for the new coordinator"
}

# workers_end_soon T0 NAME...: the workers exit 0 within 5 s of T0 (the
# new coordinator's end): they saw it end the job and did not wait out
# their reconnect window.
workers_end_soon() {
	local t0=$1 n
	shift
	for n in "$@"; do
		await "$n" 5 || fail "$n still runs 5 s after the coordinator ended the job"
		expect_rc "$n" 0
	done
	echo "workers gone $(elapsed "$t0") s after the coordinator ended"
}

# --- Unix socket -------------------------------------------------------------

t_restart() {
	local i t_end names=(w1 w2 w3)
	need tests/plugins/slow.so
	job_setup
	STATUS=(timeout 5 "$CTL" status --socket "$SOCK")
	start_coord c1 --nreduce $NREDUCE
	for i in "${names[@]}"; do
		spawn "$i" 90 env TP_SLOW_MS=$SLOW_MS "$WORKER_BIN" --socket "$SOCK" --reconnect 20 -v \
			"$TPLUG/slow.so"
	done
	await_maps c1 2 || return 1
	kill_coord c1 || return 1
	for i in "${names[@]}"; do
		await_line "$i" "coordinator gone; reconnecting for up to 20 s" 10 || return 1
		ended "$i" && fail "$i exited while the coordinator was away ($(rc_of "$i"))"
		line_of_pid "$i" "coordinator gone; reconnecting"
	done
	ls mr-out-* >/dev/null 2>&1 && fail "reduce output before the restart: the kill came too late"
	start_coord c2 --recover --nreduce $NREDUCE
	if ! await c2 60; then
		fail "the new coordinator did not finish within 60 s"
		show_err c2
		return 1
	fi
	t_end=$(date +%s.%N)
	expect_job_ok c2 $NREDUCE "$T/ref"
	for i in "${names[@]}"; do
		expect_in "$i" err "coordinator back at $SOCK" || continue
		line_of_pid "$i" "coordinator back at $SOCK"
		resent "$i"
		worked_for_report "$i"
	done
	workers_end_soon "$t_end" "${names[@]}"
	return $FAILED
}

# gone_test RECONNECT-OPTION...: 3 workers (with the options), the
# coordinator killed during the maps; waits up to 8 s for the workers.
# Sets GONE_SECS: seconds from the kill until the last worker ended.
GONE_SECS=
gone_test() {
	local i
	need tests/plugins/slow.so
	job_setup
	STATUS=(timeout 5 "$CTL" status --socket "$SOCK")
	start_coord c --nreduce $NREDUCE
	for i in 1 2 3; do
		spawn "w$i" 60 env TP_SLOW_MS=$SLOW_MS "$WORKER_BIN" --socket "$SOCK" "$@" "$TPLUG/slow.so"
	done
	await_maps c 1 || return 1
	kill_coord c || return 1
	for i in 1 2 3; do
		await "w$i" 8 || fail "w$i still runs 8 s after the coordinator was killed"
	done
	GONE_SECS=$(elapsed "$KILLED_AT")
	for i in 1 2 3; do
		expect_rc "w$i" 0
	done
	echo "the workers were gone $GONE_SECS s after the kill"
	return 0
}

t_give_up() {
	local i
	gone_test --reconnect 1 || return 1
	for i in 1 2 3; do
		expect_in "w$i" err "coordinator gone; reconnecting for up to 1 s"
		expect_in "w$i" err "the coordinator did not come back within 1 s"
	done
	awk -v s="$GONE_SECS" 'BEGIN { exit !(s >= 1.0 && s <= 3.5) }' ||
		fail "the workers ended $GONE_SECS s after the kill; with --reconnect 1, expected 1 to 3.5 s"
	return $FAILED
}

t_default() {
	local i
	gone_test || return 1
	for i in 1 2 3; do
		grep -q "reconnecting" "$T/w$i.err" && fail "w$i tried to reconnect without --reconnect"
	done
	awk -v s="$GONE_SECS" 'BEGIN { exit !(s <= 2.0) }' ||
		fail "the workers ended $GONE_SECS s after the kill; without --reconnect, at once (2 s)"
	return $FAILED
}

t_usage() {
	local v i=0
	setup 1
	run h 10 "$WORKER_BIN" --help
	expect_rc h 0
	expect_in h out "--reconnect SEC"
	for v in -1 abc 86401 ""; do
		i=$((i + 1))
		run "u$i" 10 "$WORKER_BIN" --socket "$SOCK" --reconnect "$v" "$TPLUG/slow.so"
		expect_rc "u$i" 2
		expect_in "u$i" err "--reconnect must be a number of seconds from 0 to 86400, not '$v'"
	done
	return $FAILED
}

# --- TCP -----------------------------------------------------------------------

# tcp_setup: job_setup, a secret, a local directory per worker host, the
# coordinator's address CADDR and the status command.
tcp_setup() {
	job_setup
	SECRET=$T/secret
	(umask 077 && head -c 48 /dev/urandom >"$SECRET")
	mkdir -p "$T/local/w1" "$T/local/w2"
	CADDR=${HOST_ADDR[c]}:$PORT
	[ "$NETNS" = 1 ] || CADDR=127.0.0.1:$((20000 + RANDOM % 20000))
	STATUS=(on c timeout 5 "$CTL" status --coordinator "$CADDR" --secret-file "$SECRET")
}

# tcp_worker NAME HOST: a slow.so worker on HOST with --reconnect 20.
tcp_worker() {
	spawn "$1" 90 $(onp "$2") env TP_SLOW_MS=$SLOW_MS "$WORKER_BIN" --coordinator "$CADDR" \
		--secret-file "$SECRET" --local-dir "$T/local/$2" --reconnect 20 -v "$TPLUG/slow.so"
}

# service_of NAME: the fetch service of worker NAME: "PID ADDR" (the
# worker has logged "fetch service on ADDR" already).
service_of() {
	local addr
	addr=$(sed -n 's/.*: fetch service on \([^,]*\), map output in .*/\1/p' "$T/$1.err" | head -n 1)
	echo "$(pgrep -P "$(pid_of "$1")" | head -n 1) $addr"
}

t_tcp_restart() {
	local h src= dst m r run svc addr t_end
	local -A spid saddr
	need tests/plugins/slow.so tests/tools/mrfetch
	tcp_setup
	tcp_coord c1
	tcp_worker a-w1 w1
	tcp_worker a-w2 w2
	await_maps c1 3 || return 1
	for h in w1 w2; do
		await_line "a-$h" "fetch service on " 5 || return 1
		read -r svc addr <<<"$(service_of "a-$h")"
		[ -n "$svc" ] && [ -n "$addr" ] || { fail "no fetch service found for a-$h"; return 1; }
		spid[$h]=$svc
		saddr[$h]=$addr
	done
	kill_coord c1 || return 1
	for h in w1 w2; do
		await_line "a-$h" "fetch service: coordinator gone; reconnecting for up to 20 s" 5 || return 1
		await_line "a-$h" "coordinator gone; reconnecting for up to 20 s" 10 || return 1
	done
	# While no coordinator runs, a run of one host is fetched from the other.
	for h in w1 w2; do
		run=$(ls "$T/local/$h" | grep -m 1 -E '^mr-[0-9]+-[0-9]+$')
		[ -n "$run" ] && { src=$h; break; }
	done
	[ -n "$src" ] || { fail "no map output in any local directory after 3 maps"; return 1; }
	dst=w1
	[ "$src" = w1 ] && dst=w2
	IFS=- read -r _ m r <<<"$run"
	mkdir "$T/fetched"
	run f 20 $(onp "$dst") "$FETCH" "$SECRET" "${saddr[$src]}" "$m" "$r" "$T/fetched"
	if expect_rc f 0; then
		cmp -s "$T/local/$src/$run" "$T/fetched/$run" ||
			fail "$run fetched from ${saddr[$src]} differs from the one in $T/local/$src"
		echo "fetched $run from $src's fetch service ${saddr[$src]} with no coordinator"
	else
		sed 's/^/    /' "$T/f.out"
	fi
	for h in w1 w2; do
		kill -0 "${spid[$h]}" 2>/dev/null || fail "the fetch service of a-$h (pid ${spid[$h]}) has ended"
	done
	rm -rf "$T/fetched"
	tcp_coord c2 --recover
	for h in w1 w2; do
		await_line "a-$h" "fetch service: coordinator back at $CADDR; serving map output at ${saddr[$h]} again" 10
		kill -0 "${spid[$h]}" 2>/dev/null || fail "the fetch service of a-$h (pid ${spid[$h]}) has ended"
	done
	if ! await c2 90; then
		fail "the new coordinator did not finish within 90 s"
		show_err c2
		return 1
	fi
	t_end=$(date +%s.%N)
	expect_rc c2 0
	snapshot "$T/got"
	same "$T/ref" "$T/got" "job output differs from mrsequential's"
	for h in w1 w2; do
		expect_in "a-$h" err "coordinator back at $CADDR" || continue
		line_of_pid "a-$h" "coordinator back at $CADDR"
		resent "a-$h"
		worked_for_report "a-$h"
		# The new coordinator knew each service by the address it had.
		grep -q "\"host\": *\"${saddr[$h]}\"" mr-report.json ||
			fail "the new coordinator's report has no attempt on ${saddr[$h]} (a-$h's service)"
	done
	workers_end_soon "$t_end" a-w1 a-w2
	return $FAILED
}

t_tcp_wrong_secret() {
	need tests/plugins/slow.so
	tcp_setup
	tcp_coord c1
	tcp_worker a-w1 w1
	await_maps c1 1 || return 1
	kill_coord c1 || return 1
	await_line a-w1 "coordinator gone; reconnecting for up to 20 s" 10 || return 1
	(umask 077 && head -c 48 /dev/urandom >"$T/other")
	SECRET=$T/other
	STATUS=(on c timeout 5 "$CTL" status --coordinator "$CADDR" --secret-file "$SECRET")
	tcp_coord c2 --recover
	if ! await a-w1 10; then
		fail "the worker still runs 10 s after a coordinator with another secret came"
		return 1
	fi
	expect_rc a-w1 1
	expect_in a-w1 err "error: authentication with $CADDR failed" \
		"the worker does not say that authentication failed"
	return $FAILED
}

ALL=(
	restart:t_restart
	give-up:t_give_up
	default:t_default
	usage:t_usage
	tcp-restart:t_tcp_restart
	tcp-wrong-secret:t_tcp_wrong_secret
)

require_built mrcoordinator mrworker mrsequential mrctl
hosts_up 2
if [ "$NETNS" = 1 ]; then
	echo "# hosts: network namespaces, coordinator ${HOST_ADDR[c]}, workers ${HOST_ADDR[w1]} ${HOST_ADDR[w2]}"
else
	echo "# hosts: no network namespaces here (needs root and ip netns): every host is 127.0.0.1"
fi
run_selected "${ALL[@]}" -- "$@"
hosts_down
summary
