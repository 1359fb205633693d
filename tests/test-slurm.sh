#!/usr/bin/env bash
# test-slurm.sh - scripts/slurm/mapreduce.sbatch on a real one-node Slurm
# cluster made of Debian's slurm-wlm and munge: munged with a key made here,
# slurmctld -D and slurmd -D on localhost, inside a network namespace of
# their own (no port of this machine is taken, and every process the
# cluster starts can be found and stopped), with their state, spool, logs
# and sockets in a temp directory; stopped after the suite whatever
# happens.  Jobs go in with sbatch; the tests follow them with scontrol.
# Checks a wc job, workers that cannot start, scancel of a running job, and
# the usage errors.
#
# Needs root and the slurm-wlm and munge packages; without them the tests
# that need a cluster are skipped and say why.  Without network namespaces
# (or with MR_NET_NO_NETNS=1) the cluster runs on 127.0.0.1, on ports
# picked at random.  When slurmd cannot set up its cgroup plugin (no usable
# /sys/fs/cgroup: it needs one whatever ProctrackType and TaskPlugin say)
# the tests are skipped with its log line; any other failure to start the
# cluster fails them.
#
# Usage: tests/test-slurm.sh [TEST...]     (no arguments: all tests)
# Environment: see tests/tools/testlib.sh.
# Output: "ok N - NAME" / "not ok N - NAME" with "# " lines, then
# "slurm: P passed, F failed"; exits 1 if anything failed.

SUITE=slurm
. "$(dirname "$0")/tools/testlib.sh"

SBATCH_SCRIPT=$ROOT/scripts/slurm/mapreduce.sbatch
WC=$BUILD/apps/wc.so

# --- the cluster (for the whole suite) ---------------------------------------------

SL=		# the cluster's directory
SL_NS=mrslurm$$
SL_WHY=		# why there is no cluster (empty: it runs)
SL_BROKEN=	# the cluster was to run but did not start: why (the tests fail)
SL_NS_MADE=0
SL_PIDS=()
SL_PORT=6817	# slurmctld's port; slurmd's is the next one

# in_ns CMD...: run CMD where the cluster is (its network namespace, or
# here), with its slurm.conf.  nsenter, not ip netns exec: that one mounts
# a /sys of its own, without the cgroup file system slurmd needs.
in_ns() {
	if [ "$SL_NS_MADE" = 1 ]; then
		nsenter --net="/run/netns/$SL_NS" env SLURM_CONF="$SL/slurm.conf" "$@"
	else
		env SLURM_CONF="$SL/slurm.conf" "$@"
	fi
}

# sl_start NAME CMD...: start a daemon (in the foreground of its own, in the
# background here) with its output in $SL/log/NAME.out.
sl_start() {
	local name=$1
	shift
	# A simple command, so that $! is the daemon itself (nsenter and env exec).
	if [ "$SL_NS_MADE" = 1 ]; then
		nsenter --net="/run/netns/$SL_NS" env SLURM_CONF="$SL/slurm.conf" "$@" >"$SL/log/$name.out" 2>&1 &
	else
		env SLURM_CONF="$SL/slurm.conf" "$@" >"$SL/log/$name.out" 2>&1 &
	fi
	SL_PIDS+=($!)
}

# sl_broken WHAT: the cluster did not start: SL_BROKEN says WHAT, with the
# last lines of the daemons' logs.  One cause alone makes the tests skip:
# slurmd cannot set up its cgroup plugin (no usable /sys/fs/cgroup here),
# which it needs whatever ProctrackType and TaskPlugin say.
sl_broken() {
	local f cg
	SL_BROKEN=$1
	for f in "$SL"/log/*; do
		[ -s "$f" ] && SL_BROKEN+=" | ${f##*/}: $(grep -v 'pmix\|PMIx\|MPI' "$f" | tail -n 2 | tr '\n' ' ')"
	done
	cg=$(grep -h -m 1 'Unable to initialize cgroup plugin' "$SL"/log/slurmd.* 2>/dev/null | head -n 1)
	if [ -n "$cg" ]; then
		SL_WHY="slurmd cannot start without a usable /sys/fs/cgroup here: $cg"
		SL_BROKEN=
	fi
}

cluster_up() {
	local p i cpus t0
	SL=$(mktemp -d "${TMPDIR:-/tmp}/mr-slurm.XXXXXX") || exit 1
	trap cluster_down EXIT
	if [ "$(id -u)" != 0 ]; then
		SL_WHY="needs root (slurmd runs the jobs as root here)"
		return
	fi
	for p in slurmctld slurmd sbatch scontrol sinfo scancel munged; do
		command -v "$p" >/dev/null || {
			SL_WHY="no $p here (packages slurm-wlm, munge)"
			return
		}
	done
	# Slurm resolves its listening addresses with AI_ADDRCONFIG, which
	# finds none where loopback is the only interface: the namespace gets a
	# veth pair of its own, both ends inside, with an address (reachable
	# from nowhere else).
	# Without namespaces (no ip netns, or not allowed), the cluster runs
	# on this machine's loopback, on ports picked at random; the jobs'
	# coordinators too (the script's default port comes from the job id).
	# MR_NET_NO_NETNS=1 asks for that (as in tests/tools/netns.sh).
	if [ "${MR_NET_NO_NETNS:-0}" != 1 ] && command -v ip >/dev/null &&
		command -v nsenter >/dev/null && ip netns add "$SL_NS" 2>/dev/null; then
		SL_NS_MADE=1
		ip -n "$SL_NS" link set lo up &&
			ip -n "$SL_NS" link add mr0 type veth peer name mr1 &&
			ip -n "$SL_NS" addr add 10.215.0.1/24 dev mr0 &&
			ip -n "$SL_NS" link set mr0 up && ip -n "$SL_NS" link set mr1 up || {
			SL_BROKEN="cannot set up the links of network namespace $SL_NS"
			return
		}
	else
		SL_PORT=$((20000 + RANDOM % 20000))
	fi
	# munged wants its socket's directory searchable by all, its key 0600.
	mkdir -p "$SL/munge" "$SL/state" "$SL/spool" "$SL/log" && chmod 0755 "$SL" "$SL/munge" &&
		(umask 077 && head -c 1024 /dev/urandom >"$SL/munge/munge.key") || {
		SL_BROKEN="cannot make $SL"
		return
	}
	cpus=$(nproc)
	cat >"$SL/slurm.conf" <<-EOF
		ClusterName=mrtest
		SlurmctldHost=localhost(127.0.0.1)
		SlurmctldPort=$SL_PORT
		SlurmdPort=$((SL_PORT + 1))
		SlurmUser=root
		SlurmdUser=root
		AuthType=auth/munge
		CredType=cred/munge
		AuthInfo=socket=$SL/munge/socket
		StateSaveLocation=$SL/state
		SlurmdSpoolDir=$SL/spool
		SlurmctldPidFile=$SL/slurmctld.pid
		SlurmdPidFile=$SL/slurmd.pid
		SlurmctldLogFile=$SL/log/slurmctld.log
		SlurmdLogFile=$SL/log/slurmd.log
		SlurmdDebug=verbose
		ProctrackType=proctrack/linuxproc
		TaskPlugin=task/none
		JobAcctGatherType=jobacct_gather/none
		AccountingStorageType=accounting_storage/none
		JobCompType=jobcomp/none
		SelectType=select/cons_tres
		SelectTypeParameters=CR_Core
		MpiDefault=none
		SwitchType=switch/none
		ReturnToService=2
		KillWait=5
		MailProg=/bin/true
		NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
		PartitionName=test Nodes=localhost Default=YES MaxTime=10 State=UP
	EOF
	sl_start munged munged -F --key-file="$SL/munge/munge.key" --socket="$SL/munge/socket" \
		--pid-file="$SL/munge/munged.pid" --log-file="$SL/log/munged.log" --seed-file="$SL/munge/seed"
	for ((i = 0; i < 500; i++)); do
		[ -S "$SL/munge/socket" ] && break
		sleep 0.01
	done
	[ -S "$SL/munge/socket" ] || { sl_broken "munged did not start"; return; }
	t0=$SECONDS
	sl_start slurmctld slurmctld -D -f "$SL/slurm.conf"
	sl_start slurmd slurmd -D -N localhost -f "$SL/slurm.conf"
	# Up when the node is idle (slurmd registered with slurmctld).  sinfo
	# waits long for a slurmctld that does not answer yet: bound each try.
	for ((i = 0; i < 300 && SECONDS - t0 < 20; i++)); do
		[ "$(in_ns timeout 2 sinfo -h -n localhost -o %t 2>/dev/null)" = idle ] && return
		for p in "${SL_PIDS[@]}"; do
			kill -0 "$p" 2>/dev/null || { sl_broken "a daemon exited"; return; }
		done
		sleep 0.05
	done
	sl_broken "the node did not become idle within 20 s: $(in_ns timeout 2 sinfo -h -o '%t %E' 2>&1 | head -n 1)"
}

cluster_down() {
	local p i
	if [ -z "$SL_WHY$SL_BROKEN" ] && [ -n "$SL" ]; then
		# No job left running (a test that failed half-way).
		in_ns timeout 5 scancel --full --quiet -u "$(id -un)" >/dev/null 2>&1
		for ((i = 0; i < 100; i++)); do
			[ -z "$(in_ns timeout 2 squeue -h -o %i 2>/dev/null)" ] && break
			sleep 0.05
		done
	fi
	# The daemons, then whatever a job left in the namespace.
	for p in "${SL_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for ((i = 0; i < 100; i++)); do
		for p in "${SL_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && sleep 0.05 && continue 2; done
		break
	done
	for p in "${SL_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	if [ "$SL_NS_MADE" = 1 ]; then
		for p in $(ip netns pids "$SL_NS" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "$SL_NS" 2>/dev/null
		SL_NS_MADE=0
	fi
	wait 2>/dev/null
	SL_PIDS=()
	[ -n "$SL" ] && rm -rf "$SL"
	SL=
	rm -f "$TL_OUT"
}

need_cluster() {
	[ -z "$SL_WHY" ] || skip "$SL_WHY"
	[ -z "$SL_BROKEN" ] || { fail "no Slurm cluster: $SL_BROKEN"; exit 1; }
}

# submit NAME SECS SBATCH-OPTION... -- SCRIPT-ARG...: sbatch the script from
# the current directory (the job directory) and wait (SECS at most) until
# the job has ended (job_end).
submit() {
	local name=$1 secs=$2
	shift 2
	submit_only "$name" "$@" || return 1
	job_end "$name" "$secs"
}

# submit_only NAME SBATCH-OPTION... -- SCRIPT-ARG...: sbatch the script from
# the current directory; the job's output goes to $T/NAME.job, its id to
# $T/NAME.id.
submit_only() {
	local name=$1 sb=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do sb+=("$1"); shift; done
	shift
	if ! in_ns timeout 10 sbatch --parsable --time=2 --output="$T/$name.job" "${sb[@]}" \
		"$SBATCH_SCRIPT" "$@" >"$T/$name.id" 2>"$T/$name.err"; then
		fail "sbatch failed: $(cat "$T/$name.err")"
		return 1
	fi
	cut -d';' -f1 "$T/$name.id" >"$T/$name.id.tmp" && mv "$T/$name.id.tmp" "$T/$name.id"
}

# job_end NAME SECS: wait (SECS at most) until job NAME has ended; its state
# in $T/NAME.state, its exit code in $T/NAME.rc.  (Not sbatch --wait: it
# polls at growing intervals, 30 s and more.)
job_end() {
	local name=$1 secs=$2 id i state
	id=$(cat "$T/$name.id")
	for ((i = 0; i < secs * 10; i++)); do
		state=$(in_ns timeout 5 scontrol -o show job "$id" 2>/dev/null)
		case $state in
		*" JobState=COMPLETED "* | *" JobState=FAILED "* | *" JobState=CANCELLED "* | \
			*" JobState=TIMEOUT "* | *" JobState=NODE_FAIL "* | *" JobState=OUT_OF_MEMORY "*)
			echo "$state" | grep -o 'JobState=[A-Z_]*' >"$T/$name.state"
			# ExitCode=STATUS:SIGNAL
			state=${state#* ExitCode=}
			echo "${state%%:*}" >"$T/$name.rc"
			return 0
			;;
		esac
		sleep 0.1
	done
	fail "Slurm job $id did not end within $secs s: $(echo "$state" | grep -o 'JobState=[A-Z_]*')"
	return 1
}

# --- tests -------------------------------------------------------------------------

t_outside() {
	setup 1
	run help 10 "$SBATCH_SCRIPT" --help
	expect_rc help 0
	expect_in help out "usage: sbatch"
	run outside 10 env -u SLURM_JOB_ID "$SBATCH_SCRIPT" "$WC" "${INPUTS[@]}"
	expect_rc outside 2
	expect_in outside err "not inside a Slurm job (no SLURM_JOB_ID): submit it with sbatch"
	run noinput 10 env SLURM_JOB_ID=1 "$SBATCH_SCRIPT" "$WC"
	expect_rc noinput 2
	expect_in noinput err "need a PLUGIN and at least one INPUT"
	run badw 10 env SLURM_JOB_ID=1 "$SBATCH_SCRIPT" -w 0 "$WC" "${INPUTS[@]}"
	expect_rc badw 2
	expect_in badw err "--workers-per-node: bad count '0'"
	run nobin 10 env SLURM_JOB_ID=1 "$SBATCH_SCRIPT" --bin "$T/nobin" "$WC" "${INPUTS[@]}"
	expect_rc nobin 1
	expect_in nobin err "no $T/nobin/mrcoordinator (see --bin)"
	return $FAILED
}

t_job() {
	local id got f
	need_cluster
	setup 8
	reference "$WC" "$T/ref"
	submit sb 60 --nodes=1 -- --workers-per-node 3 --bin "$BUILD" \
		--coordinator-options "--nreduce 5" "$WC" "${INPUTS[@]}"
	id=$(cat "$T/sb.id")
	if ! expect_rc sb 0; then
		sed 's/^/    job: /' "$T/sb.job" | tail -n 12
		return 1
	fi
	echo "Slurm job $id"
	snapshot "$T/got"
	same "$T/ref" "$T/got" "job output differs from mrsequential's"
	[ -f mr-out-4 ] && [ ! -e mr-out-5 ] || fail "--coordinator-options --nreduce 5 not applied: $(ls)"
	for f in .mr-secret*; do
		[ -e "$f" ] && fail "the job's secret $f was left in the job directory"
	done
	# It ran under Slurm: the batch script's lines and the coordinator's in
	# the job's output, and slurmd launched a step of 3 tasks.
	grep -q "mapreduce.sbatch: job $id: coordinator on localhost at 127.0.0.1:" "$T/sb.job" ||
		fail "the job's output has no start line: $(head -n 3 "$T/sb.job")"
	grep -q "mapreduce.sbatch: job done" "$T/sb.job" || fail "the job's output has no 'job done' line"
	grep -q "mrcoordinator: job done" "$T/sb.job" || fail "the coordinator's log is not in the job's output"
	grep -q "launch task StepId=$id\.0 request from UID:0" "$SL/log/slurmd.log" &&
		grep -q "\[$id\.0\] starting 3 tasks" "$SL/log/slurmd.log" ||
		fail "slurmd's log shows no step $id.0 of 3 tasks: $(grep "$id" "$SL/log/slurmd.log" | tail -n 3 | tr '\n' '|')"
	got=$(grep -o '"worker": *[0-9]*' mr-report.json | sort -u | wc -l)
	echo "$got distinct worker pids in the report"
	[ "$got" -ge 1 ] && [ "$got" -le 3 ] || fail "$got workers in the report, want 1 to 3"
	return $FAILED
}

t_workers_fail() {
	need_cluster
	setup 2
	submit sb 60 --nodes=1 -- --workers-per-node 2 --bin "$BUILD" "$T/nothere.so" "${INPUTS[@]}"
	expect_rc sb 1 || sed 's/^/    job: /' "$T/sb.job" | tail -n 8
	grep -q "every worker ended (srun exited 1) before the job was done; stopping the coordinator" "$T/sb.job" ||
		fail "the job's output does not say the workers were gone: $(tail -n 4 "$T/sb.job" | tr '\n' '|')"
	grep -q "nothere.so" "$T/sb.job" || fail "the workers' error is not in the job's output"
	[ -e mr-out-0 ] && fail "mr-out-0 published by a job without workers"
	return $FAILED
}

# job_procs: the pids of this test's mrcoordinator and mrworker processes
# (their command lines name its directory).
job_procs() {
	local p
	for p in $(pgrep -x mrworker; pgrep -x mrcoordinator); do
		{ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | grep -qF -- "$T/" && echo "$p"
	done
}

# scancel of a running job: the script stops the coordinator and the
# workers, removes its secret, and nothing of the job is left.
t_cancel() {
	local id i port left
	need_cluster
	need tests/plugins/slow.so
	setup 4
	# The environment goes with the job (sbatch --export=ALL): maps of 60 s.
	TP_SLOW_MS=60000 submit_only sb --nodes=1 -- --workers-per-node 2 --bin "$BUILD" \
		"$TPLUG/slow.so" "${INPUTS[@]}" || return 1
	id=$(cat "$T/sb.id")
	port=$((20000 + id % 20000))
	for ((i = 0; i < 300; i++)); do
		[ -f ".mr-secret-$id" ] && in_ns "$BUILD/mrctl" status --coordinator "127.0.0.1:$port" \
			--secret-file ".mr-secret-$id" >"$T/status" 2>&1 &&
			grep -q '^map: .* 2 running' "$T/status" && break
		sleep 0.1
	done
	grep -q '^map: .* 2 running' "$T/status" 2>/dev/null ||
		{ fail "job $id never ran 2 maps: $(tail -n 3 "$T/sb.job" | tr '\n' '|')"; return 1; }
	echo "job $id: $(job_procs | wc -l) processes of the job running; scancel"
	in_ns timeout 10 scancel "$id" || fail "scancel $id failed"
	job_end sb 30 || return 1
	grep -q CANCELLED "$T/sb.state" || fail "job $id ended $(cat "$T/sb.state"), not CANCELLED"
	grep -q "mapreduce.sbatch: terminated: stopping the coordinator and the workers" "$T/sb.job" ||
		fail "the script did not stop the job itself: $(tail -n 3 "$T/sb.job" | tr '\n' '|')"
	for ((i = 0; i < 100; i++)); do
		left=$(job_procs)
		[ -z "$left" ] && break
		sleep 0.05
	done
	[ -z "$left" ] || fail "processes of the cancelled job left: $left"
	[ -e ".mr-secret-$id" ] && fail "the cancelled job left its secret .mr-secret-$id"
	return $FAILED
}

ALL=(
	outside:t_outside
	job:t_job
	workers-fail:t_workers_fail
	cancel:t_cancel
)

require_built mrcoordinator mrworker mrsequential mrctl apps/wc.so
cluster_up
if [ -n "$SL_WHY$SL_BROKEN" ]; then
	echo "# no Slurm cluster: $SL_WHY$SL_BROKEN"
elif [ "$SL_NS_MADE" = 1 ]; then
	echo "# one-node Slurm cluster: $(in_ns sinfo -V), $(nproc) CPUs, in network namespace $SL_NS"
else
	echo "# one-node Slurm cluster: $(in_ns sinfo -V), $(nproc) CPUs, on 127.0.0.1 ports $SL_PORT-$((SL_PORT + 1)) (no network namespaces here)"
fi
run_selected "${ALL[@]}" -- "$@"
cluster_down
summary
