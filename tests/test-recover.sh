#!/usr/bin/env bash
# test-recover.sh - the coordinator survives its own death: the job journal
# (mr-journal) and --recover.
#
# Usage: tests/test-recover.sh [TEST...]     (no arguments: all tests)
# Needs `make` and `make test-errors-bins` (the plugins in build/tests/).
# Environment: see tests/tools/testlib.sh, and
#   MR_RECOVER_JOBS  jobs of kill-random (default 30; 10 under sanitizers)
#   MR_RECOVER_SEED  seed for the kill instants (printed)
#   MR_RECOVER_TCP_JOBS  jobs of tcp-kill-random (default 6; 3 under sanitizers)
#   MR_NET_NO_NETNS=1  the TCP test on 127.0.0.1 instead of namespaced hosts
# Output: "ok N - NAME" / "not ok N - NAME" with "# " lines, then
# "recover: P passed, F failed"; exits 1 if anything failed.

SUITE=recover
. "$(dirname "$0")/tools/testlib.sh"
. "$(dirname "$0")/tools/netns.sh"

MRCTL=$BUILD/mrctl
WC=$BUILD/apps/wc.so
# Workers keep trying to reach a coordinator that went away.
RECONNECT=(--reconnect 30)
"$WORKER_BIN" --help 2>&1 | grep -q -- --reconnect || RECONNECT=()

# workers PREFIX N PLUGIN [VAR=VALUE...]: N reconnecting workers.
workers() {
	local prefix=$1 n=$2 plugin=$3 i
	shift 3
	for ((i = 1; i <= n; i++)); do
		spawn "$prefix$i" 120 env "$@" "$WORKER_BIN" --socket "$SOCK" "${RECONNECT[@]}" \
			"$plugin"
	done
}

# copies N: T/in holds N copies of every text (distinct files), INPUTS names them.
copies() {
	local n=$1 f k
	INPUTS=()
	rm -f "$T"/in/*
	for ((k = 0; k < n; k++)); do
		for f in "$DATA"/pg-*.txt; do
			cp "$f" "$T/in/c$k-${f##*/}" || exit 1
			INPUTS+=("../in/c$k-${f##*/}")
		done
	done
}

# done_tasks KIND: the ids of the KIND (map, reduce) tasks mr-journal records as done.
done_tasks() {
	"$MRCTL" journal 2>&1 | awk -v k="$1" '$1 == "done" && $2 == k { print $3 }' | sort -nu
}

# kill_coord NAME: SIGKILL a coordinator; true if it was still running.
kill_coord() {
	local p
	p=$(pid_of "$1")
	ended "$1" && return 1
	kill -KILL "$p" 2>/dev/null || return 1
	await "$1" 5 || fail "SIGKILLed coordinator $1 ($p) did not end"
	[ "$(rc_of "$1")" = 137 ] || [ "$(rc_of "$1")" = 124 ] || [ "$(rc_of "$1")" = 143 ]
}

# recovered_ok MAPS REDUCES: in mr-report.json, every map id in MAPS and
# reduce id in REDUCES (space-separated) was recovered from the journal and
# ran no attempt of its own; prints the count of recovered tasks.
recovered_ok() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
maps = set(int(x) for x in sys.argv[1].split())
reds = set(int(x) for x in sys.argv[2].split())
r = json.load(open("mr-report.json"))
bad = []
n = 0
for t in r["tasks"]:
    want = maps if t["kind"] == "map" else reds
    rec = [a for a in t["attempts"] if a.get("recovered")]
    n += len(rec)
    if t["id"] in want and (len(rec) != 1 or len(t["attempts"]) != 1):
        bad.append("%s %d: attempts %s" % (t["kind"], t["id"], t["attempts"]))
print(n)
if bad:
    print("finished before the kill but ran again:", "; ".join(bad[:3]))
    sys.exit(1)
EOF
}

# nothing_left: the job directory holds only mr-out-* and the report.
nothing_left() {
	local extra
	extra=$(ls -A | grep -v -e '^mr-out-[0-9]*$' -e '^mr-report.json$')
	[ -z "$extra" ] || fail "left behind: $(echo $extra | cut -c 1-200)"
}

# kill_and_recover K DELAY: job K killed at a random instant DELAY seconds
# after its coordinator served (none: not killed), then recovered.  Sets
# KILLED=1 when the kill landed mid-job.  Its names and files are its own
# (job K's), so that jobs may run side by side (random_kills).
KILLED=0
kill_and_recover() {
	local k=$1 delay=$2 maps reds
	mkdir "$T/job$k" && cd "$T/job$k" || exit 1
	SOCK=$T/s$k.sock # a worker left waiting must not find the next job
	start_coord c$k
	workers w$k- 4 "$WC"
	KILLED=0
	if [ "$delay" = none ]; then
		await c$k 100
	else
		sleep "$delay" # the random instant itself, not a synchronisation
		kill_coord c$k && KILLED=1
	fi
	if [ $KILLED = 1 ]; then
		maps=$(done_tasks map)
		reds=$(done_tasks reduce)
		[ ${#RECONNECT[@]} = 0 ] && workers v$k- 4 "$WC"
		# (Killed while ending the job, it may have nothing left to do.)
		spawn r$k 120 "$COORD_BIN" --socket "$SOCK" --recover "${INPUTS[@]}"
		await r$k 100 || fail "job $k: the recovered coordinator did not finish"
		expect_job_ok r$k 10 "$T/correct" || return 1
		recovered_ok "$maps" "$reds" >"$T/rec$k.txt" || {
			fail "job $k (killed at $delay s): $(tail -n 1 "$T/rec$k.txt")"
			return 1
		}
		[ -e mr-journal ] && fail "job $k: the journal is left after the job is done"
	else
		expect_job_ok c$k 10 "$T/correct"
	fi
	for n in "${NAMES[@]}"; do
		case $n in w$k-* | v$k-*) await "$n" 40 || fail "job $k: worker $n did not exit" ;; esac
	done
	nothing_left
	cd "$T" || exit 1
	rm -rf "$T/job$k"
}

# Kill -9 the coordinator at random instants over many wc jobs (64 copies of
# the texts, 4 workers); restart it with --recover: every output equals
# mrsequential's, no map the journal had as done ran again, nothing is left.
# Two jobs run side by side (each with its own directory, socket and
# workers): a job leaves much of two cores idle, so a pair takes little
# longer than one job alone.  The kill instants are timed on a pair.
t_kill_random() {
	local jobs seed
	[ ${#RECONNECT[@]} -gt 0 ] || skip "needs mrworker --reconnect"
	jobs=${MR_RECOVER_JOBS:-30}
	[ -n "${MR_SANITIZE:-}" ] && jobs=${MR_RECOVER_JOBS:-10}
	seed=${MR_RECOVER_SEED:-$$}
	RANDOM=$seed
	echo "seed $seed, $jobs jobs, workers ${RECONNECT[*]:-without --reconnect}"
	setup 0
	copies 64
	reference "$WC" "$T/correct"
	random_kills kill_and_recover "$jobs" $((jobs * 2 / 3)) 2
	return $FAILED
}

# random_kills FN JOBS MIN [PAR]: jobs of FN (FN K DELAY), PAR at a time
# (default 1; each job in a subshell of its own).  Jobs -PAR+1..0 run
# unkilled, all at once, to time a job under that load; jobs 1..JOBS are
# killed at random instants in the first 90% of that span, the next one
# started as soon as one ends.  At least MIN kills must land while a job runs.
random_kills() {
	local fn=$1 jobs=$2 min=$3 par=${4:-1} k t0 t1 dur delay landed=0 bad=0
	t0=$(date +%s%N)
	for ((k = 1 - par; k <= 0; k++)); do
		beside "$fn" $k none
	done
	beside_wait_all || return 1
	t1=$(date +%s%N)
	dur=$(( (t1 - t0) / 1000000 ))
	echo "an uninterrupted job takes $dur ms ($par at a time)"
	for ((k = 1; k <= jobs; k++)); do
		delay=$(awk -v r=$RANDOM -v d=$dur 'BEGIN { printf "%.3f", r / 32768 * d * 0.9 / 1000 }')
		if [ ${#BESIDE[@]} -ge "$par" ]; then
			beside_wait_one || { bad=1; break; }
		fi
		beside "$fn" $k "$delay"
	done
	beside_wait_all || bad=1
	[ $bad = 0 ] || return 1
	landed=$(find "$T" -maxdepth 1 -name 'landed.*' | wc -l)
	echo "$landed of $jobs kills landed while the job ran"
	[ $landed -ge "$min" ] || fail "only $landed of $jobs kills hit a running job"
}

# beside FN K DELAY: FN K DELAY in a subshell of its own, in BESIDE.  It
# exits 1 if FN returned non-zero, else 2 if FN called fail, else 0, and
# leaves $T/landed.K when FN set KILLED=1.  On SIGTERM (the test's cleanup)
# it ends what it spawned.
beside() {
	(
		NAMES=()
		GOT=$T/got.$2
		trap stop_spawned EXIT
		trap 'exit 143' TERM
		"$1" "$2" "$3" || exit 1
		[ $KILLED = 1 ] && : >"$T/landed.$2"
		[ $FAILED = 0 ] || exit 2
		exit 0
	) &
	BESIDE+=($!)
}

# beside_wait_one: wait for one job of BESIDE to end; sets FAILED if it
# failed, and is false if it gave up (FN returned non-zero, or died).
beside_wait_one() {
	local id rc i
	wait -n -p id "${BESIDE[@]}"
	rc=$?
	for i in "${!BESIDE[@]}"; do
		[ "${BESIDE[i]}" = "$id" ] && unset 'BESIDE[i]'
	done
	BESIDE=("${BESIDE[@]}")
	[ $rc = 0 ] || FAILED=1
	[ $rc = 0 ] || [ $rc = 2 ]
}

# beside_wait_all: wait for every job of BESIDE; false if one gave up.
beside_wait_all() {
	local bad=0
	while [ ${#BESIDE[@]} -gt 0 ]; do
		beside_wait_one || bad=1
	done
	return $bad
}

# wait_journal KIND N: wait (up to 30 s) until the journal has N done KIND tasks.
wait_journal() {
	local i
	for ((i = 0; i < 1500; i++)); do
		[ "$(done_tasks "$1" | wc -l)" -ge "$2" ] && return 0
		sleep 0.02
	done
	fail "the journal did not get $2 done $1 tasks in 30 s"
	exit 1
}

# A torn last record (killed mid-write) is cut, with a warning; the job finishes.
t_torn_tail() {
	local end
	need tests/plugins/slow.so
	setup 8
	reference "$TPLUG/slow.so" "$T/correct" TP_SLOW_MS=0
	start_coord c1 --nreduce 4
	workers w 2 "$TPLUG/slow.so" TP_SLOW_MS=200
	wait_journal map 2
	kill_coord c1 || fail "the job ended before the kill (test premise)"
	# The head of a record that claims 200 bytes, and only 6 of them, where
	# the next record goes: after the last one, in the room the journal
	# made ahead (zeros), or at the end of the file.
	end=$("$MRCTL" journal mr-journal | sed -n 's/^# .* clean end at offset \([0-9]*\)$/\1/p')
	[ -n "$end" ] || fail "mrctl journal does not give the clean end's offset"
	printf '\310\000\000\000\004\000\000\000abcdef' |
		dd of=mr-journal bs=1 seek="${end:-0}" conv=notrunc status=none
	[ ${#RECONNECT[@]} = 0 ] && workers v 2 "$TPLUG/slow.so" TP_SLOW_MS=200
	start_coord c2 --recover --nreduce 4
	await c2 60
	expect_job_ok c2 4 "$T/correct"
	expect_in c2 err "torn"
	expect_in c2 err "recovered the job"
	return $FAILED
}

# kill_midway PLUGIN [VAR=VALUE...]: a job over INPUTS killed once 2 maps are done.
kill_midway() {
	local plugin=$1
	shift
	start_coord c1 --nreduce 4
	workers w 2 "$plugin" "$@"
	wait_journal map 2
	kill_coord c1 || fail "the job ended before the kill (test premise)"
}

# A journal of another job, changed inputs, other options: exit 2 naming the difference.
t_other_job() {
	local saved
	need tests/plugins/slow.so
	setup 8
	kill_midway "$TPLUG/slow.so" TP_SLOW_MS=200
	saved=("${INPUTS[@]}")
	INPUTS=("${saved[@]:0:5}")
	run o1 10 "$COORD_BIN" --socket "$SOCK" --recover --nreduce 4 "${INPUTS[@]}"
	expect_rc o1 2
	expect_in o1 err "different job"
	expect_in o1 err "5 inputs given, the journal's job had 8"
	INPUTS=("${saved[@]}")
	run o2 10 "$COORD_BIN" --socket "$SOCK" --recover --nreduce 5 "${INPUTS[@]}"
	expect_rc o2 2
	expect_in o2 err "--nreduce is 5, the journal's job had 4"
	rm "$T/in/pg-grimm.txt" && cp "$DATA/pg-grimm.txt" "$T/in/" && echo extra >>"$T/in/pg-grimm.txt"
	run o3 10 "$COORD_BIN" --socket "$SOCK" --recover --nreduce 4 "${INPUTS[@]}"
	expect_rc o3 2
	expect_in o3 err "input ../in/pg-grimm.txt has changed"
	[ -s mr-journal ] || fail "a refused --recover removed the journal"
	ls mr-out-* >/dev/null 2>&1 && fail "a refused --recover wrote output"
	return $FAILED
}

# Without --recover, a journal stops the coordinator (exit 2); --recover
# without a journal too; a second coordinator while the first runs: exit 1.
t_journal_rules() {
	need tests/plugins/slow.so
	setup 4
	run n1 10 "$COORD_BIN" --socket "$SOCK" --recover "${INPUTS[@]}"
	expect_rc n1 2
	expect_in n1 err "nothing to recover"
	start_coord c1 --nreduce 2
	run n2 10 "$COORD_BIN" --socket "$T/other.sock" --recover --nreduce 2 "${INPUTS[@]}"
	expect_rc n2 1
	expect_in n2 err "another coordinator"
	kill_coord c1 || fail "the coordinator had ended (test premise)"
	run n3 10 "$COORD_BIN" --socket "$SOCK" --nreduce 2 "${INPUTS[@]}"
	expect_rc n3 2
	expect_in n3 err "--recover"
	expect_in n3 err "mr-journal"
	[ -s mr-journal ] || fail "the refused start touched the journal"
	return $FAILED
}

# A finished reduce whose mr-out-R is gone: that reduce alone runs again.
t_missing_output() {
	local maps
	need tests/plugins/slow.so
	setup 8
	reference "$TPLUG/slow.so" "$T/correct" TP_SLOW_MS=0
	start_coord c1 --nreduce 4
	workers w 1 "$TPLUG/slow.so" TP_SLOW_MS=0 TP_SLOW_REDUCE_US=100
	wait_journal reduce 1
	kill_coord c1 || fail "the job ended before the kill (test premise)"
	maps=$(done_tasks map)
	r=$(done_tasks reduce | head -n 1)
	rm "mr-out-$r" || fail "no mr-out-$r of a finished reduce"
	[ ${#RECONNECT[@]} = 0 ] && workers v 1 "$TPLUG/slow.so" TP_SLOW_MS=0
	start_coord c2 --recover --nreduce 4
	await c2 60
	expect_job_ok c2 4 "$T/correct"
	expect_in c2 err "mr-out-$r is missing"
	recovered_ok "$maps" "" >"$T/rec.txt" || fail "$(tail -n 1 "$T/rec.txt")"
	python3 - "$r" <<'EOF' || fail "reduce $r did not run again alone"
import json, sys
r = json.load(open("mr-report.json"))
t = [t for t in r["tasks"] if t["kind"] == "reduce" and t["id"] == int(sys.argv[1])][0]
ok = not any(a.get("recovered") for a in t["attempts"])
ok = ok and "missing" in t.get("redone_after_restart", "")
ok = ok and r["stats"]["redone_after_restart"] == 1
sys.exit(0 if ok else 1)
EOF
	return $FAILED
}

# A job that failed keeps its journal and the runs of its finished maps, not
# those of the failed one; --recover finishes it without redoing those maps.
t_failed_job() {
	local maps
	need tests/plugins/fail_map.so
	setup 8
	reference "$TPLUG/fail_map.so" "$T/correct"
	start_coord c1 --nreduce 3 --max-attempts 2
	workers w 2 "$TPLUG/fail_map.so" TP_FAIL=pg-tom_sawyer
	await c1 60
	expect_rc c1 1
	expect_in c1 err "--recover"
	[ -s mr-journal ] || fail "the failed job's journal is gone"
	ls | grep -q '^mr-7-' && fail "runs of the failed map are left: $(ls | grep '^mr-7-' | head -3)"
	maps=$(done_tasks map)
	[ -n "$maps" ] || fail "no map finished before the job failed (test premise)"
	for n in w1 w2; do await $n 20; done
	workers v 2 "$TPLUG/fail_map.so"
	start_coord c2 --recover --nreduce 3 --max-attempts 2
	await c2 60
	expect_job_ok c2 3 "$T/correct"
	recovered_ok "$maps" "" >"$T/rec.txt" || fail "$(tail -n 1 "$T/rec.txt")"
	nothing_left
	return $FAILED
}

# The coordinator crashes (MR_FAULTS) at each of its named points: after a
# record is buffered but before it is synced, after the sync but before the
# replies, between the final fsyncs, after the report but before the
# journal goes.  --recover finishes every job; no map the journal had as
# done runs again.
t_crash_points() {
	local spec n=0 maps reds name
	[ ${#RECONNECT[@]} -gt 0 ] || skip "needs mrworker --reconnect"
	setup 8
	reference "$WC" "$T/correct"
	for spec in crash:after-append@5 crash:after-sync@2 crash:final-fsync@2 \
		crash:after-report@1; do
		n=$((n + 1))
		mkdir "$T/job$n" && cd "$T/job$n" || exit 1
		SOCK=$T/s$n.sock # a worker left waiting must not find the next job
		# A sync per loop pass (no commit window): the 2nd sync, the first
		# batch after the journal's head, comes mid-job.
		spawn c$n 60 env MR_FAULTS="$spec" "$COORD_BIN" --socket "$SOCK" --nreduce 3 \
			--commit-interval 0 "${INPUTS[@]}"
		wait_socket c$n
		workers w$n- 2 "$WC"
		await c$n 40
		expect_rc c$n 86 || continue
		name=${spec#crash:}
		expect_in c$n err "fault injected: crash ${name%@*}" || continue
		maps=$(done_tasks map)
		reds=$(done_tasks reduce)
		# (It may have nothing left to do but end the job: not waited for as a server.)
		spawn r$n 60 "$COORD_BIN" --socket "$SOCK" --recover --nreduce 3 "${INPUTS[@]}"
		await r$n 40
		expect_job_ok r$n 3 "$T/correct"
		recovered_ok "$maps" "$reds" >"$T/rec.txt" || fail "$spec: $(tail -n 1 "$T/rec.txt")"
		for i in 1 2; do
			await w$n-$i 40 || fail "$spec: worker $i did not exit"
		done
		nothing_left
	done
	return $FAILED
}

# --keep-journal keeps it (ending in END), --no-journal writes none;
# --recover of a job that is done does nothing (exit 0), of another exit 2.
t_keep_journal() {
	setup 4
	reference "$WC" "$T/correct"
	start_coord c1 --nreduce 2 --keep-journal
	workers w 2 "$WC"
	await c1 60
	expect_job_ok c1 2 "$T/correct"
	"$MRCTL" journal >"$T/j.txt" 2>&1 || fail "mrctl journal failed: $(tail -n 2 "$T/j.txt")"
	grep -q '^end status=0' "$T/j.txt" || fail "the kept journal does not end with END"
	[ "$(grep -c '^done' "$T/j.txt")" = 6 ] || fail "the kept journal does not hold 6 done tasks"
	rm -f mr-journal mr-out-*
	start_coord c2 --nreduce 2 --no-journal
	workers v 2 "$WC"
	await c2 60
	expect_job_ok c2 2 "$T/correct"
	[ -e mr-journal ] && fail "--no-journal wrote a journal"
	# A job that is done (its report says so): --recover has nothing to do.
	run d 10 "$COORD_BIN" --socket "$SOCK" --recover --nreduce 2 "${INPUTS[@]}"
	expect_rc d 0
	expect_in d err "nothing to recover: the job of this directory is done"
	run d2 10 "$COORD_BIN" --socket "$SOCK" --recover --nreduce 3 "${INPUTS[@]}"
	expect_rc d2 2
	return $FAILED
}

# --- TCP: three namespaced worker hosts (tests/tools/netns.sh) -----------------

# tcp_job K DELAY: TCP job K (coordinator on host c, one reconnecting worker
# on each of w1..w3, map output in their local directories), killed DELAY
# seconds after it serves (none: not killed), then recovered.  Sets KILLED.
tcp_job() {
	local k=$1 delay=$2 caddr maps reds h
	mkdir "$T/job$k" && cd "$T/job$k" || exit 1
	caddr=${HOST_ADDR[c]}:7070
	[ "$NETNS" = 1 ] || caddr=127.0.0.1:$((20000 + RANDOM % 20000))
	spawn c$k 120 $(onp c) "$COORD_BIN" --listen "$caddr" --secret-file "$SECRET" \
		"${INPUTS[@]}"
	for h in w1 w2 w3; do
		mkdir -p "$T/local$k/$h"
		spawn w$k-$h 150 $(onp $h) "$WORKER_BIN" --coordinator "$caddr" \
			--secret-file "$SECRET" --local-dir "$T/local$k/$h" --reconnect 30 "$WC"
	done
	KILLED=0
	if [ "$delay" = none ]; then
		await c$k 100
	else
		sleep "$delay" # the random instant itself, not a synchronisation
		kill_coord c$k && KILLED=1
	fi
	if [ $KILLED = 1 ]; then
		maps=$(done_tasks map)
		reds=$(done_tasks reduce)
		spawn r$k 120 $(onp c) "$COORD_BIN" --listen "$caddr" --secret-file "$SECRET" \
			--recover "${INPUTS[@]}"
		await r$k 100 || fail "TCP job $k: the recovered coordinator did not finish"
		expect_job_ok r$k 10 "$T/correct" || return 1
		recovered_ok "$maps" "$reds" >"$T/rec.txt" || {
			fail "TCP job $k (killed at $delay s): $(tail -n 1 "$T/rec.txt")"
			show_err r$k
			return 1
		}
	else
		expect_job_ok c$k 10 "$T/correct" || return 1
	fi
	for h in w1 w2 w3; do
		await w$k-$h 40 || fail "TCP job $k: worker on $h did not exit"
	done
	nothing_left
	cd "$T" || exit 1
	rm -rf "$T/job$k" "$T/local$k"
}

# The coordinator of a TCP job (three worker hosts) killed at random
# instants and recovered: the maps it had as done are taken back from the
# hosts that hold them, the output equals mrsequential's.
t_tcp_kill_random() {
	local jobs seed
	[ ${#RECONNECT[@]} -gt 0 ] || skip "needs mrworker --reconnect"
	jobs=${MR_RECOVER_TCP_JOBS:-6}
	[ -n "${MR_SANITIZE:-}" ] && jobs=${MR_RECOVER_TCP_JOBS:-3}
	seed=${MR_RECOVER_SEED:-$$}
	RANDOM=$seed
	echo "seed $seed, $jobs jobs, hosts: $([ "$NETNS" = 1 ] && echo namespaces || echo 127.0.0.1)"
	setup 0
	copies 16
	SECRET=$T/secret
	(umask 077 && head -c 48 /dev/urandom >"$SECRET")
	reference "$WC" "$T/correct"
	random_kills tcp_job "$jobs" $((jobs / 2))
	return $FAILED
}

# A host lost a finished map's runs while the coordinator was away: when its
# fetch service registers again it says what it holds (HOLDS), and that map
# alone runs again.
t_tcp_lost_run() {
	local caddr h m= f
	need tests/plugins/slow.so
	[ ${#RECONNECT[@]} -gt 0 ] || skip "needs mrworker --reconnect"
	setup 8
	reference "$TPLUG/slow.so" "$T/correct" TP_SLOW_MS=0
	SECRET=$T/secret
	(umask 077 && head -c 48 /dev/urandom >"$SECRET")
	caddr=${HOST_ADDR[c]}:7070
	[ "$NETNS" = 1 ] || caddr=127.0.0.1:$((20000 + RANDOM % 20000))
	spawn c1 60 $(onp c) "$COORD_BIN" --listen "$caddr" --secret-file "$SECRET" \
		--nreduce 3 "${INPUTS[@]}"
	for h in w1 w2; do
		mkdir -p "$T/local/$h"
		spawn w-$h 90 $(onp $h) env TP_SLOW_MS=300 "$WORKER_BIN" --coordinator "$caddr" \
			--secret-file "$SECRET" --local-dir "$T/local/$h" --reconnect 30 \
			"$TPLUG/slow.so"
	done
	wait_journal map 3
	kill_coord c1 || fail "the job ended before the kill (test premise)"
	for f in $(done_tasks map); do
		if ls "$T/local/w1/mr-$f-"* >/dev/null 2>&1; then
			m=$f
			break
		fi
	done
	[ -n "$m" ] || { fail "no finished map's runs on w1 (test premise)"; return 1; }
	rm -f "$T/local/w1/mr-$m-"*
	spawn c2 60 $(onp c) "$COORD_BIN" --listen "$caddr" --secret-file "$SECRET" \
		--recover --nreduce 3 "${INPUTS[@]}"
	await c2 60
	expect_job_ok c2 3 "$T/correct"
	expect_in c2 err "no longer holds 1 finished map"
	python3 - "$m" <<'PY' || fail "map $m did not run again as lost"
import json, sys
r = json.load(open("mr-report.json"))
t = r["tasks"][int(sys.argv[1])]
sys.exit(0 if any(a.get("output_lost") == "run missing on its worker" for a in t["attempts"]) else 1)
PY
	return $FAILED
}

ALL=(
	kill-random:t_kill_random
	tcp-lost-run:t_tcp_lost_run
	tcp-kill-random:t_tcp_kill_random
	torn-tail:t_torn_tail
	other-job:t_other_job
	journal-rules:t_journal_rules
	missing-output:t_missing_output
	failed-job:t_failed_job
	keep-journal:t_keep_journal
	crash-points:t_crash_points
)

require_built mrcoordinator mrworker mrsequential mrctl apps/wc.so
hosts_up 3
run_selected "${ALL[@]}" -- "$@"
hosts_down
summary
