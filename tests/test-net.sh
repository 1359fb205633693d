#!/usr/bin/env bash
# test-net.sh - jobs over TCP across hosts: a coordinator host and three
# worker hosts made of network namespaces and veth pairs (tests/tools/
# netns.sh; without root, every "host" is this machine on 127.0.0.1 and
# the tests that need real hosts say so).  Every job's output must equal
# mrsequential's.
#
# Usage: tests/test-net.sh [TEST...]     (no arguments: all tests)
#        tests/test-net.sh --except TEST...  (all tests but those)
# Environment: see tests/tools/testlib.sh.
# Output: "ok N - NAME" / "not ok N - NAME" with "# " lines, then
# "net: P passed, F failed"; exits 1 if anything failed.

SUITE=net
. "$(dirname "$0")/tools/testlib.sh"
. "$(dirname "$0")/tools/netns.sh"

PORT=7070
WC=$BUILD/apps/wc.so
IX=$BUILD/apps/indexer.so
NREDUCE=6

# net_setup [N]: test directory (testlib's setup), a secret, a local
# directory per worker host, and the coordinator's address CADDR.
net_setup() {
	setup "${1:-8}"
	SECRET=$T/secret
	(umask 077 && head -c 48 /dev/urandom >"$SECRET")
	mkdir -p "$T/local/w1" "$T/local/w2" "$T/local/w3"
	CADDR=${HOST_ADDR[c]}:$PORT
	if [ "$NETNS" = 0 ]; then
		PORT=$((20000 + RANDOM % 20000))
		CADDR=127.0.0.1:$PORT
	fi
}

# tcp_worker NAME HOST PLUGIN [OPTION...]: a worker on HOST with its own local dir.
tcp_worker() {
	local name=$1 host=$2 plugin=$3
	shift 3
	spawn "$name" 120 $(onp "$host") "$WORKER_BIN" --coordinator "$CADDR" \
		--secret-file "$SECRET" --local-dir "$T/local/$host" "$@" "$plugin"
}

# three_workers PREFIX PLUGIN [OPTION...]: one worker on each of w1..w3,
# named PREFIX-w1 ..
three_workers() {
	local p=$1 plugin=$2 h
	shift 2
	for h in w1 w2 w3; do tcp_worker "$h-$p" "$h" "$plugin" "$@"; done
}

# job_done COORD SECS REF: the coordinator ended 0 within SECS and the
# output equals REF; no run was left in the job directory.
job_done() {
	if ! await "$1" "$2"; then
		fail "the job did not finish within $2 s"
		show_err "$1"
		return 1
	fi
	expect_rc "$1" 0 || show_err "$1"
	snapshot "$T/got"
	same "$3" "$T/got" "job output differs from mrsequential's"
	ls | grep -qE '^mr-[0-9]+-[0-9]+$' && fail "runs in the job directory: $(ls | head)"
	return 0
}

# report_has TEXT: mr-report.json holds TEXT.
report_has() {
	grep -q "$1" mr-report.json || fail "mr-report.json has no $1"
}

# await_reduces COORD: wait (30 s at most) until the job is in its reduce
# phase with a reduce running, asking the coordinator (mrctl status).
await_reduces() {
	local i
	for ((i = 0; i < 600; i++)); do
		on c "$BUILD/mrctl" status --coordinator "$CADDR" --secret-file "$SECRET" \
			>"$T/status" 2>/dev/null
		grep -q '^reduce: .* [1-9][0-9]* running' "$T/status" && return 0
		ended "$1" && break
		sleep 0.05
	done
	fail "the job never got to a running reduce: $(head -n 3 "$T/status" | tr '\n' '|')"
	show_err "$1"
	return 1
}

# signal_host SIG HOST: send SIG to every process running on HOST.
signal_host() {
	local p n=0
	for p in $(host_pids "$2"); do
		kill "-$1" "$p" 2>/dev/null && n=$((n + 1))
	done
	[ $n -gt 0 ] || fail "no process on host $2 to send SIG$1 to"
	echo "SIG$1 to $n process(es) on $2"
}

# slow_job: mrsequential's answer for slow.so, a coordinator, three workers
# whose reduces take about a second each (so the reduce phase can be hit).
SLOW_ENV=(TP_SLOW_MS=0 TP_SLOW_REDUCE_US=300)
slow_job() {
	need tests/plugins/slow.so
	net_setup
	reference "$TPLUG/slow.so" "$T/ref" TP_SLOW_MS=0
	tcp_coord c --task-timeout 2 "$@"
	for h in w1 w2 w3; do
		tcp_worker_env "$h-s" "$h" "$TPLUG/slow.so"
	done
}

# tcp_worker_env NAME HOST PLUGIN: tcp_worker with SLOW_ENV.
tcp_worker_env() {
	local name=$1 host=$2 plugin=$3
	spawn "$name" 120 $(onp "$host") env "${SLOW_ENV[@]}" "$WORKER_BIN" --coordinator "$CADDR" \
		--secret-file "$SECRET" --local-dir "$T/local/$host" "$plugin"
}

# --- 1. nothing lost ----------------------------------------------------------

t_wc_indexer() {
	net_setup
	reference "$WC" "$T/wc.ref"
	reference "$IX" "$T/ix.ref"
	tcp_coord c1
	three_workers a "$WC"
	job_done c1 60 "$T/wc.ref" || return 1
	# The runs were served by the hosts that made them.
	[ "$(grep -o '"host": *"[^"]*"' mr-report.json | sort -u | wc -l)" -ge 2 ] ||
		fail "map output was not spread over the hosts: $(grep -o '"host": *"[^"]*"' mr-report.json | sort | uniq -c)"
	rm -f mr-out-* mr-report.json
	tcp_coord c2
	three_workers b "$IX"
	job_done c2 60 "$T/ix.ref"
	return $FAILED
}

# --- 2. a host killed during the reduces ----------------------------------------

t_kill_host() {
	slow_job
	await_reduces c || return 1
	signal_host KILL w3
	job_done c 90 "$T/ref" || return 1
	report_has '"output_lost": "worker lost"'
	grep -q '"reexecuted": [1-9]' mr-report.json || fail "the report counts no re-execution"
	return $FAILED
}

# --- 3. a host frozen (port still open) -----------------------------------------

t_stop_host() {
	local t0 t1
	slow_job
	await_reduces c || return 1
	t0=$(date +%s)
	signal_host STOP w3
	job_done c 90 "$T/ref"
	t1=$(date +%s)
	signal_host CONT w3 >/dev/null
	echo "the job ended $((t1 - t0)) s after the host froze"
	report_has '"output_lost"'
	return $FAILED
}

# --- 4. a host's local directory deleted ----------------------------------------

t_local_dir_gone() {
	slow_job
	await_reduces c || return 1
	rm -rf "$T/local/w3"
	echo "removed $T/local/w3 under its live worker"
	job_done c 90 "$T/ref" || return 1
	report_has '"output_lost": "run missing on its worker"'
	return $FAILED
}

# --- 5. secrets ------------------------------------------------------------------

t_secrets() {
	net_setup 1
	reference "$WC" "$T/ref"
	tcp_coord c
	(umask 077 && head -c 48 /dev/urandom >"$T/other")
	run bad 20 $(onp w1) "$WORKER_BIN" --coordinator "$CADDR" --secret-file "$T/other" "$WC"
	expect_rc bad 1
	expect_in bad err "authentication with the coordinator at $CADDR failed" \
		"a wrong secret is not reported as an authentication failure"
	run none 20 $(onp w1) "$WORKER_BIN" --coordinator "$CADDR" "$WC"
	expect_rc none 2
	expect_in none err "needs --secret-file" "a missing secret file is not named"
	cp "$SECRET" "$T/loose" && chmod 644 "$T/loose"
	run loose 20 $(onp w1) "$WORKER_BIN" --coordinator "$CADDR" --secret-file "$T/loose" "$WC"
	expect_rc loose 2
	expect_in loose err "$T/loose is readable or writable by group or others" \
		"a loose secret file is not refused by name"
	run cloose 20 "$COORD_BIN" --listen 127.0.0.1:0 --secret-file "$T/loose" "${INPUTS[@]}"
	expect_rc cloose 2
	expect_in cloose err "chmod 600" "the coordinator does not say how to fix the mode"
	head -c 16 /dev/urandom >"$T/short" && chmod 600 "$T/short"
	run cshort 20 "$COORD_BIN" --listen 127.0.0.1:0 --secret-file "$T/short" "${INPUTS[@]}"
	expect_rc cshort 2
	expect_in cshort err "at least 32" "a short secret is not refused"
	run cnone 20 "$COORD_BIN" --listen 127.0.0.1:0 "${INPUTS[@]}"
	expect_rc cnone 2
	three_workers a "$WC"
	job_done c 60 "$T/ref" || return 1
	grep -q '"mr.net.auth.failures": [1-9]' mr-report.json ||
		fail "the refused worker is not counted in mr.net.auth.failures"
	return $FAILED
}

# --- 6. hostile TCP peers --------------------------------------------------------

t_hostile() {
	local name
	need tests/tools/netpeer
	net_setup
	reference "$WC" "$T/ref"
	tcp_coord c
	# Before any worker: each attack once, answered as it should be.
	run p1 30 $(onp w1) "$BUILD/tests/tools/netpeer" "$CADDR" replay-handshake "$SECRET"
	grep -q '^dropped' "$T/p1.out" || fail "a replayed handshake: $(cat "$T/p1.out")"
	run p2 30 $(onp w1) "$BUILD/tests/tools/netpeer" "$CADDR" replay-call "$SECRET"
	grep -q '^dropped' "$T/p2.out" || fail "a replayed call: $(cat "$T/p2.out")"
	run p3 30 $(onp w1) "$BUILD/tests/tools/netpeer" "$CADDR" idle
	grep -qE '^hangup [0-9]+' "$T/p3.out" || fail "an idle peer was not dropped: $(cat "$T/p3.out")"
	# While a job runs: attacks in rounds until the coordinator ends.
	for name in garbage:garbage:20 partial:partial flood:flood:500 replay:replay-handshake:$SECRET; do
		IFS=: read -r n cmd arg <<<"$name"
		spawn "a-$n" 90 $(onp w2) "$BUILD/tests/tools/netpeer" -r 60 "$CADDR" $cmd $arg
	done
	three_workers a "$WC"
	job_done c 90 "$T/ref" || return 1
	for n in garbage partial flood replay; do
		await "a-$n" 20 || fail "netpeer $n still running after the job"
		grep -q '^rounds [1-9]' "$T/a-$n.out" || fail "netpeer $n did no round: $(cat "$T/a-$n.out")"
	done
	grep -q '"mr.net.auth.failures": [1-9]' mr-report.json ||
		fail "the attacks are not counted in mr.net.auth.failures"
	return $FAILED
}

# --- 7. the lab's crash test over TCP -------------------------------------------

# crash_host HOST: keep a crash.so worker running on HOST while the coordinator runs.
crash_host() {
	local h=$1 i=0
	while ! ended c && [ $i -lt 200 ]; do
		i=$((i + 1))
		on "$h" timeout -k 2 60 "$WORKER_BIN" --coordinator "$CADDR" --secret-file "$SECRET" \
			--local-dir "$T/local/$h" "$BUILD/apps/crash.so" >>"$T/$h-crash.out" 2>>"$T/$h-crash.err"
	done
}

t_crash() {
	local h
	need apps/crash.so apps/nocrash.so
	net_setup
	reference "$BUILD/apps/nocrash.so" "$T/ref"
	tcp_coord c --task-timeout 3
	for h in w1 w2 w3; do crash_host "$h" & done
	job_done c 240 "$T/ref"
	wait
	grep -q '"output_lost"\|"timed out"\|"failed"' mr-report.json ||
		fail "no worker crashed: the test proved nothing"
	echo "re-executed maps: $(grep -o '"reexecuted": [0-9]*' mr-report.json)"
	return $FAILED
}

ALL=(
	wc-indexer:t_wc_indexer
	kill-host:t_kill_host
	stop-host:t_stop_host
	local-dir-gone:t_local_dir_gone
	secrets:t_secrets
	hostile:t_hostile
	crash:t_crash
)

require_built mrcoordinator mrworker mrsequential mrctl apps/wc.so apps/indexer.so
hosts_up 3
if [ "$NETNS" = 1 ]; then
	echo "# hosts: network namespaces, coordinator ${HOST_ADDR[c]}, workers ${HOST_ADDR[w1]} ${HOST_ADDR[w2]} ${HOST_ADDR[w3]}"
else
	echo "# hosts: no network namespaces here (needs root and ip netns): every host is 127.0.0.1"
fi
run_selected "${ALL[@]}" -- "$@"
hosts_down
summary
