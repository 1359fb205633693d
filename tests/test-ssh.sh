#!/usr/bin/env bash
# test-ssh.sh - scripts/mr-ssh against real OpenSSH servers: two worker
# hosts made of network namespaces (tests/tools/netns.sh), each running
# Debian's /usr/sbin/sshd with a host key, a client key and an
# authorized_keys file made here; the coordinator host runs the coordinator
# and mr-ssh.  Checks a whole TCP job (output equal to mrsequential's, the
# workers' connections from the namespaced addresses, one ssh session per
# host in sshd's log), Ctrl-C (SIGINT to mr-ssh, and to its whole process
# group as a terminal sends it) and mr-ssh killed leaving no mrworker on the
# hosts, a host's connection lost stopping its workers alone, failures
# named by host, and the usage errors.
#
# Needs root, sshd and ssh; without them the tests that need them are
# skipped and say why.  Without network namespaces (or with
# MR_NET_NO_NETNS=1) every host is 127.0.0.1: the sshds listen on ports
# picked at random, the host files name them by aliases of an ssh_config
# made here, and the workers are told apart by their command lines.
#
# Usage: tests/test-ssh.sh [TEST...]     (no arguments: all tests)
# Environment: see tests/tools/testlib.sh.
# Output: "ok N - NAME" / "not ok N - NAME" with "# " lines, then
# "ssh: P passed, F failed"; exits 1 if anything failed.

SUITE=ssh
. "$(dirname "$0")/tools/testlib.sh"
. "$(dirname "$0")/tools/netns.sh"

MRSSH=$ROOT/scripts/mr-ssh
SSHD=/usr/sbin/sshd
PORT=7070
WC=$BUILD/apps/wc.so
NREDUCE=4

# --- the ssh servers (for the whole suite) ----------------------------------------

KEYS=		# host key, client key, known_hosts, sshd configs and logs
SSHD_WHY=	# why there are no ssh servers (empty: they run)
SSHD_PIDS=()
MADE_PRIVSEP=0
# What the host files name each host by, and its sshd's port.  With
# namespaces: its address, port 22.  Without (every host is 127.0.0.1):
# an alias of the ssh_config made here, a port picked at random.
declare -A SSH_HOST=() SSH_PORT=() SSHD_PID=()

# sshd_start HOST: an sshd on HOST's address and port, logging to
# $KEYS/sshd-HOST.log; waits until it listens.
sshd_start() {
	local h=$1 addr=${HOST_ADDR[$1]} port=${SSH_PORT[$1]} i
	cat >"$KEYS/sshd-$h.conf" <<-EOF
		ListenAddress $addr:$port
		HostKey $KEYS/host_key
		AuthorizedKeysFile $KEYS/authorized_keys
		PidFile $KEYS/sshd-$h.pid
		StrictModes no
		UsePAM no
		PermitRootLogin prohibit-password
		PubkeyAuthentication yes
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		AllowTcpForwarding no
		X11Forwarding no
		PrintMotd no
		LogLevel VERBOSE
	EOF
	# A simple command: $! is sshd itself (ip netns exec execs it).
	$(onp "$h") "$SSHD" -D -e -f "$KEYS/sshd-$h.conf" 2>"$KEYS/sshd-$h.log" &
	SSHD_PIDS+=($!)
	SSHD_PID[$h]=$!
	for ((i = 0; i < 500; i++)); do
		grep -q "Server listening on $addr port $port" "$KEYS/sshd-$h.log" 2>/dev/null && return 0
		kill -0 $! 2>/dev/null || break
		sleep 0.01
	done
	SSHD_WHY="sshd on $h ($addr) did not start: $(tail -n 2 "$KEYS/sshd-$h.log" | tr '\n' ' ')"
	return 1
}

# servers_up: namespaces c, w1, w2 (or 127.0.0.1 for all three); keys; an
# sshd on w1 and w2.  Sets SSHD_WHY when that cannot be done here.
servers_up() {
	local h
	KEYS=$(mktemp -d "${TMPDIR:-/tmp}/mr-ssh-keys.XXXXXX") || exit 1
	trap servers_down EXIT
	if [ "$(id -u)" != 0 ]; then
		SSHD_WHY="needs root (sshd, logins as root, network namespaces)"
		return
	fi
	for h in "$SSHD" ssh ssh-keygen; do
		command -v "$h" >/dev/null || {
			SSHD_WHY="no $h here (openssh-server, openssh-client)"
			return
		}
	done
	hosts_up 2
	trap servers_down EXIT	# hosts_up set its own
	local base=$((20000 + RANDOM % 20000))
	for h in c w1 w2; do
		if [ "$NETNS" = 1 ]; then
			SSH_HOST[$h]=${HOST_ADDR[$h]}
			SSH_PORT[$h]=22
		else
			SSH_HOST[$h]=$h
			SSH_PORT[$h]=$base	# c's: nothing listens there
			base=$((base + 1))
		fi
	done
	# sshd refuses to start without its privilege separation directory.
	if [ ! -d /run/sshd ]; then
		mkdir -m 0755 /run/sshd && MADE_PRIVSEP=1
	fi
	ssh-keygen -q -t ed25519 -N '' -C mr-test-host -f "$KEYS/host_key" &&
		ssh-keygen -q -t ed25519 -N '' -C mr-test-client -f "$KEYS/id" &&
		cp "$KEYS/id.pub" "$KEYS/authorized_keys" || {
		SSHD_WHY="ssh-keygen failed"
		return
	}
	: >"$KEYS/known_hosts"
	for h in w1 w2; do
		if [ "$NETNS" = 1 ]; then
			echo "${HOST_ADDR[$h]} $(cut -d' ' -f1,2 "$KEYS/host_key.pub")"
		else
			echo "[${HOST_ADDR[$h]}]:${SSH_PORT[$h]} $(cut -d' ' -f1,2 "$KEYS/host_key.pub")"
		fi >>"$KEYS/known_hosts"
		sshd_start "$h" || return
	done
	# The ssh command mr-ssh is given: this key, these host keys, no user
	# config (without namespaces, a config of aliases for the hosts).
	: >"$KEYS/ssh_config"
	if [ "$NETNS" != 1 ]; then
		for h in c w1 w2; do
			printf 'Host %s\n  HostName %s\n  Port %s\n' "$h" "${HOST_ADDR[$h]}" "${SSH_PORT[$h]}"
		done >"$KEYS/ssh_config"
	fi
	SSH_CMD="ssh -F $KEYS/ssh_config -i $KEYS/id -o UserKnownHostsFile=$KEYS/known_hosts"
	[ "$NETNS" = 1 ] && SSH_CMD="ssh -F /dev/null -i $KEYS/id -o UserKnownHostsFile=$KEYS/known_hosts"
	SSH_CMD+=" -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=5"
}

servers_down() {
	local p
	for p in "${SSHD_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${SSHD_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	SSHD_PIDS=()
	hosts_down
	[ "$MADE_PRIVSEP" = 1 ] && rmdir /run/sshd 2>/dev/null
	MADE_PRIVSEP=0
	[ -n "$KEYS" ] && rm -rf "$KEYS"
	KEYS=
	rm -f "$TL_OUT"
}

# need_sshd: skip the test when there are no ssh servers.
need_sshd() {
	[ -z "$SSHD_WHY" ] || skip "$SSHD_WHY"
}

# --- helpers -------------------------------------------------------------------

# ssh_setup [N]: testlib's setup with N inputs, a secret, the coordinator's
# address CADDR.
ssh_setup() {
	setup "${1:-8}"
	SECRET=$T/secret
	(umask 077 && head -c 48 /dev/urandom >"$SECRET")
	[ "$NETNS" = 1 ] || PORT=$((40000 + RANDOM % 20000))
	CADDR=${HOST_ADDR[c]}:$PORT
}

# accepted HOST: how many ssh logins HOST's sshd accepted from host c.
accepted() {
	grep -c "Accepted publickey for $(id -un) from ${HOST_ADDR[c]} " "$KEYS/sshd-$1.log"
}

# all_mrworkers: the pids of the processes named mrworker on w1 and w2
# (workers, their fetch services and map children).  Without namespaces:
# those whose command line names this test's directory.
all_mrworkers() {
	local p
	if [ "$NETNS" = 1 ]; then
		for p in $(host_pids w1; host_pids w2); do
			[ "$(cat "/proc/$p/comm" 2>/dev/null)" = mrworker ] && echo "$p"
		done
	else
		for p in $(pgrep -x mrworker); do
			{ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | grep -qF -- "$T/" && echo "$p"
		done
	fi
}

# await_no_workers SECS: true once no mrworker runs on w1 or w2 (waits up
# to SECS seconds); says how long it took.
await_no_workers() {
	local i n left
	n=$(($1 * 50))
	for ((i = 0; i <= n; i++)); do
		left=$(all_mrworkers)
		if [ -z "$left" ]; then
			echo "no mrworker left on the hosts after $((i * 20)) ms"
			return 0
		fi
		sleep 0.02
	done
	fail "mrworker processes left on the hosts $1 s after mr-ssh ended:" $left
	return 1
}

# await_workers N SECS: wait until N or more workers (mrworker processes
# whose parent is not one: not fetch services or map children) run on w1
# and w2 together.
await_workers() {
	local i n got p
	n=$(($2 * 50))
	for ((i = 0; i < n; i++)); do
		got=0
		for p in $(all_mrworkers); do
			p=$(ps -o ppid= -p "$p" | tr -d ' ')
			[ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" != mrworker ] && got=$((got + 1))
		done
		[ "$got" -ge "$1" ] && return 0
		sleep 0.02
	done
	fail "only $got workers on the hosts after $2 s (want $1)"
	return 1
}

# report_hosts: "ADDRESS WORKERS" for every worker host in mr-report.json:
# the address its workers' fetch services announced, and how many workers
# (pids) ran attempts from it.
report_hosts() {
	python3 - mr-report.json <<-'EOF'
		import json, sys
		seen = {}
		def walk(o):
		    if isinstance(o, dict):
		        if "host" in o and "worker" in o:
		            a = o["host"].rsplit(":", 1)[0].strip("[]")
		            seen.setdefault(a, set()).add(o["worker"])
		        for v in o.values():
		            walk(v)
		    elif isinstance(o, list):
		        for v in o:
		            walk(v)
		walk(json.load(open(sys.argv[1])))
		for a in sorted(seen):
		    print(a, len(seen[a]))
	EOF
}

# --- 1. usage ----------------------------------------------------------------------

# usage_case WANT-RC TEXT ARGS...: mr-ssh ARGS exits WANT-RC and its stderr
# (stdout for --help) holds TEXT.
usage_case() {
	local want=$1 text=$2 rc
	shift 2
	timeout 10 "$MRSSH" "$@" >"$T/u.out" 2>"$T/u.err"
	rc=$?
	[ "$rc" = "$want" ] || fail "mr-ssh $*: exit $rc, want $want: $(head -c 300 "$T/u.err")"
	grep -qF -- "$text" "$T/u.out" "$T/u.err" ||
		fail "mr-ssh $*: no '$text' in its output: $(head -c 300 "$T/u.err")"
}

t_usage() {
	local w=(--coordinator 127.0.0.1:1 --secret-file /nonexistent "$WC")
	setup 1
	printf '# a comment\n\nhostA 2   # two there\nhostB\n' >hosts
	printf 'hostA x\n' >badcount
	printf 'hostA 1\n\nhostB 1 extra\n' >toomany
	printf '# nothing\n\n' >empty
	printf -- '-oProxyCommand=x 1\n' >dash
	usage_case 0 "usage: mr-ssh" --help
	usage_case 2 "no HOSTFILE"
	usage_case 2 "unknown option --bogus" --bogus hosts -- "${w[@]}"
	usage_case 2 "expected -- after HOSTFILE hosts" hosts "${w[@]}"
	usage_case 2 "no PLUGIN after --" hosts --
	usage_case 2 "host file nothere: no such file" nothere -- "${w[@]}"
	usage_case 2 "host file $T: is a directory" "$T" -- "${w[@]}"
	usage_case 2 "badcount:1: bad worker count 'x' for hostA" badcount -- "${w[@]}"
	usage_case 2 "toomany:3: too many fields" toomany -- "${w[@]}"
	usage_case 2 "host file empty names no host" empty -- "${w[@]}"
	usage_case 2 "dash:1: a host cannot start with '-'" dash -- "${w[@]}"
	usage_case 2 "need --coordinator" hosts -- --secret-file x "$WC"
	usage_case 2 "-n: bad worker count '0'" -n 0 hosts -- "${w[@]}"
	usage_case 2 "--dir rel: not an absolute path" -C rel hosts -- "${w[@]}"
	usage_case 2 "--stop-timeout: bad value" --stop-timeout 0 hosts -- "${w[@]}"
	usage_case 1 "no-such-ssh: command not found" --ssh no-such-ssh hosts -- "${w[@]}"
	return $FAILED
}

# --- 2. a whole job ------------------------------------------------------------------

t_job() {
	local a1 a2 got want t0 t1
	need_sshd
	need tests/plugins/slow.so
	ssh_setup
	# slow.so: wc whose maps take 300 ms each, so that every host's workers
	# are there before the job ends (their first tries to reach the
	# coordinator are up to 200 ms apart; a wc job here takes less).
	reference "$TPLUG/slow.so" "$T/ref" TP_SLOW_MS=0
	a1=$(accepted w1)
	a2=$(accepted w2)
	cat >hosts <<-EOF
		# worker hosts of this job
		${SSH_HOST[w1]} 3   # three workers
		${SSH_HOST[w2]}     # -n of them
	EOF
	# The workers first: they wait up to 5 s for a coordinator, and this
	# job is over in about a second, sooner than a late ssh login.
	spawn ssh 60 $(onp c) "$MRSSH" --ssh "$SSH_CMD" --worker "$WORKER_BIN" -n 2 hosts -- \
		--coordinator "$CADDR" --secret-file "$SECRET" "$TPLUG/slow.so"
	t0=$(date +%s.%N)
	await_workers 5 4 || { show_err ssh; return 1; }
	t1=$(date +%s.%N)
	tcp_coord c
	awk -v a="$t0" -v b="$t1" -v c="$(date +%s.%N)" \
		'BEGIN { printf "workers up on the hosts %.2f s after mr-ssh started; coordinator serving %.2f s later\n", b - a, c - b }'
	if ! await c 60; then
		fail "the job did not end within 60 s"
		show_err c
		show_err ssh
		return 1
	fi
	expect_rc c 0
	await ssh 10 || fail "mr-ssh still running 10 s after the job ended"
	expect_rc ssh 0
	expect_in ssh err "every worker ended"
	snapshot "$T/got"
	same "$T/ref" "$T/got" "job output differs from mrsequential's"
	# One ssh session per host, from the coordinator's host.
	[ "$(accepted w1)" = $((a1 + 1)) ] || fail "sshd on w1 accepted $(($(accepted w1) - a1)) logins, want 1"
	[ "$(accepted w2)" = $((a2 + 1)) ] || fail "sshd on w2 accepted $(($(accepted w2) - a2)) logins, want 1"
	# The workers ran there: the report's attempts name the namespaced
	# addresses, and no more workers than started on each.
	got=$(report_hosts)
	echo "report: hosts and their workers: $(echo "$got" | tr '\n' ',')"
	want="${HOST_ADDR[w1]} ${HOST_ADDR[w2]}"
	[ "$NETNS" = 1 ] || want=127.0.0.1
	[ "$(echo "$got" | cut -d' ' -f1 | tr '\n' ' ')" = "$want " ] ||
		fail "the attempts came from '$(echo "$got" | cut -d' ' -f1 | tr '\n' ' ')', want '$want'"
	if [ "$NETNS" = 1 ]; then
		echo "$got" | awk -v a="${HOST_ADDR[w1]}" '$1 == a && ($2 < 1 || $2 > 3) { exit 1 }' ||
			fail "more workers than 3 on w1"
		echo "$got" | awk -v a="${HOST_ADDR[w2]}" '$1 == a && ($2 < 1 || $2 > 2) { exit 1 }' ||
			fail "more workers than 2 on w2"
	else
		echo "$got" | awk '$2 > 5 { exit 1 }' || fail "more workers than the 5 started"
	fi
	await_no_workers 5
	return $FAILED
}

# --- 3. Ctrl-C --------------------------------------------------------------------

# slow_run NAME [SETSID]: mr-ssh NAME (its own process group with SETSID=1)
# starting 2 + 1 workers whose maps take 30 s each, against coordinator c;
# waits until the 3 workers run on the hosts and hold map tasks.
slow_run() {
	local name=$1 pre=()
	[ "${2:-0}" = 1 ] && pre=(setsid)
	printf '%s 2\n%s\n' "${SSH_HOST[w1]}" "${SSH_HOST[w2]}" >hosts
	# The environment does not cross ssh: env(1) is the "worker".
	spawn "$name" 60 $(onp c) "${pre[@]}" "$MRSSH" --ssh "$SSH_CMD" --worker env --stop-timeout 5 \
		hosts -- TP_SLOW_MS=30000 "$WORKER_BIN" --coordinator "$CADDR" --secret-file "$SECRET" \
		"$TPLUG/slow.so"
	await_workers 3 15 || { show_err "$name"; return 1; }
	for ((i = 0; i < 500; i++)); do
		on c "$BUILD/mrctl" status --coordinator "$CADDR" --secret-file "$SECRET" >"$T/status" 2>&1
		grep -q '^map: .* 3 running' "$T/status" && return 0
		sleep 0.02
	done
	fail "the 3 workers never held 3 maps: $(head -n 3 "$T/status" | tr '\n' '|')"
	return 1
}

t_interrupt() {
	need_sshd
	need tests/plugins/slow.so
	ssh_setup 4
	tcp_coord c
	slow_run ssh || return 1
	echo "$(all_mrworkers | wc -l) mrworker processes on the hosts; SIGINT to mr-ssh"
	kill -INT "$(pid_of ssh)"
	await ssh 10 || fail "mr-ssh did not end within 10 s of SIGINT"
	expect_rc ssh 1
	expect_in ssh err "interrupted: stopping the workers on 2 host(s)"
	expect_in ssh err "interrupted; the workers were stopped"
	await_no_workers 5
	ended c && fail "the coordinator ended with the workers (exit $(rc_of c))"
	return $FAILED
}

# A terminal's Ctrl-C reaches the whole foreground process group: ssh ends
# at once, and sshd's end of the session is what stops the workers.
t_ctrl_c() {
	local pg
	need_sshd
	need tests/plugins/slow.so
	ssh_setup 4
	tcp_coord c
	slow_run ssh 1 || return 1
	pg=$(pid_of ssh)
	[ "$(ps -o pgid= -p "$pg" | tr -d ' ')" = "$pg" ] || fail "mr-ssh does not lead its process group"
	echo "SIGINT to process group $pg: $(ps -o pid=,comm= -g "$pg" | awk '{ print $2 }' | sort | uniq -c | tr -s ' \n' ' ')"
	kill -INT -- "-$pg"
	await ssh 10 || fail "mr-ssh did not end within 10 s of SIGINT"
	expect_rc ssh 1
	await_no_workers 5
	return $FAILED
}

# mr-ssh killed outright: the pipe it held closes, the ssh sessions see the
# end of their stdin, the hosts stop their workers, and the ssh processes
# left behind end with them.
t_killed() {
	local p sshs
	need_sshd
	need tests/plugins/slow.so
	ssh_setup 4
	tcp_coord c
	slow_run ssh || return 1
	p=$(pid_of ssh)
	sshs=$(pgrep -P "$p" | tr '\n' ' ')
	echo "SIGKILL to mr-ssh $p; its children: $sshs"
	kill -KILL "$p"
	await ssh 5 || fail "mr-ssh did not end at SIGKILL"
	await_no_workers 5
	for ((i = 0; i < 250; i++)); do
		[ -z "$(alive $sshs)" ] && break
		sleep 0.02
	done
	for p in $(alive $sshs); do
		fail "process $p ($(cat "/proc/$p/comm" 2>/dev/null)) of the killed mr-ssh still runs"
	done
	return $FAILED
}

# under_sshd HOST NAME: the pids of the processes named NAME that HOST's
# sshd started (its descendants): its session processes (sshd), the
# workers of its sessions (mrworker).
under_sshd() {
	ps -e -o pid=,ppid=,comm= | awk -v top="${SSHD_PID[$1]}" -v want="$2" '
		{ parent[$1] = $2; name[$1] = $3 }
		END {
			for (p in parent) {
				if (name[p] != want) continue
				for (q = parent[p]; q > 1; q = parent[q])
					if (q == top) { print p; break }
			}
		}'
}

# alive PID...: those of the PIDs that still run (a zombie has ended: an
# orphan's waits for whoever reaps orphans here).
alive() {
	local p
	for p; do
		kill -0 "$p" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$p/status" 2>/dev/null &&
			echo "$p"
	done
}

# The connection to a host lost (its sshd's session processes killed): that
# host's workers are stopped, mr-ssh says so, the other host's go on.
t_connection_lost() {
	local s w1 i
	need_sshd
	need tests/plugins/slow.so
	ssh_setup 4
	tcp_coord c
	slow_run ssh || return 1
	s=$(under_sshd w1 sshd)
	w1=$(under_sshd w1 mrworker)
	[ -n "$s" ] && [ -n "$w1" ] || { fail "no session or worker under the sshd on w1"; return 1; }
	echo "SIGKILL to the sshd session processes on w1:" $s "(its mrworkers:" $w1")"
	kill -KILL $s
	for ((i = 0; i < 250; i++)); do
		grep -q "^mr-ssh: ${SSH_HOST[w1]}: ssh failed (exit 255" "$T/ssh.err" && break
		sleep 0.02
	done
	expect_in ssh err "mr-ssh: ${SSH_HOST[w1]}: ssh failed (exit 255"
	# The wrapper on w1 read the end of its stdin: no worker there.
	for ((i = 0; i < 250; i++)); do
		[ -z "$(alive $w1)" ] && break
		sleep 0.02
	done
	[ -z "$(alive $w1)" ] || fail "mrworkers left on w1 after its connection was lost:" $(alive $w1)
	[ -n "$(under_sshd w2 mrworker)" ] || fail "the workers on w2 did not go on"
	ended ssh && fail "mr-ssh ended with one host's connection (exit $(rc_of ssh))"
	kill -INT "$(pid_of ssh)"
	await ssh 10 || fail "mr-ssh did not end within 10 s of SIGINT"
	expect_rc ssh 1
	await_no_workers 5
	return $FAILED
}

# --- 4. failures named -----------------------------------------------------------

t_failures() {
	need_sshd
	ssh_setup 1
	# Host c runs no sshd; w1 has no such plugin; w2 no such job directory.
	printf '%s\n%s\n' "${SSH_HOST[c]}" "${SSH_HOST[w1]}" >hosts
	run ssh 30 $(onp c) "$MRSSH" --ssh "$SSH_CMD" --worker "$WORKER_BIN" hosts -- \
		--coordinator "$CADDR" --secret-file "$SECRET" "$T/nothere.so"
	expect_rc ssh 1
	expect_in ssh err "${SSH_HOST[c]}: ssh failed (exit 255"
	expect_in ssh err "${SSH_HOST[c]}: ssh: connect to host ${HOST_ADDR[c]} port ${SSH_PORT[c]}: Connection refused"
	expect_in ssh err "${SSH_HOST[w1]}: exit 1 (a worker failed"
	expect_in ssh err "${SSH_HOST[w1]}: mr-ssh: worker"
	expect_in ssh err "nothere.so"
	expect_in ssh err "2 of 2 host(s) failed"
	# A host's own lines come before what mr-ssh says about it.
	[ "$(grep -n "^${SSH_HOST[c]}: ssh: connect" "$T/ssh.err" | cut -d: -f1)" -lt \
		"$(grep -n "^mr-ssh: ${SSH_HOST[c]}: ssh failed" "$T/ssh.err" | cut -d: -f1)" ] ||
		fail "ssh's message came after mr-ssh's line about it: $(cat "$T/ssh.err")"
	echo "${SSH_HOST[w2]}" >hosts
	run ssh2 30 $(onp c) "$MRSSH" --ssh "$SSH_CMD" --worker "$WORKER_BIN" -C "$T/gone" hosts -- \
		--coordinator "$CADDR" --secret-file "$SECRET" "$WC"
	expect_rc ssh2 1
	expect_in ssh2 err "${SSH_HOST[w2]}: mr-ssh: no job directory $T/gone on this host"
	run ssh3 30 $(onp c) "$MRSSH" --ssh "$SSH_CMD" --worker /no/such/mrworker hosts -- \
		--coordinator "$CADDR" --secret-file "$SECRET" "$WC"
	expect_rc ssh3 1
	expect_in ssh3 err "/no/such/mrworker not found there (exit 127"
	await_no_workers 2
	return $FAILED
}

ALL=(
	usage:t_usage
	job:t_job
	interrupt:t_interrupt
	ctrl-c:t_ctrl_c
	killed:t_killed
	connection-lost:t_connection_lost
	failures:t_failures
)

require_built mrcoordinator mrworker mrsequential mrctl apps/wc.so
servers_up
if [ -n "$SSHD_WHY" ]; then
	echo "# no ssh servers: $SSHD_WHY"
elif [ "$NETNS" = 1 ]; then
	echo "# hosts: coordinator ${HOST_ADDR[c]}, sshd on ${HOST_ADDR[w1]} and ${HOST_ADDR[w2]} (network namespaces)"
else
	echo "# hosts: no network namespaces here: every host is 127.0.0.1, sshd on ports ${SSH_PORT[w1]} and ${SSH_PORT[w2]} (ssh_config aliases w1, w2)"
fi
run_selected "${ALL[@]}" -- "$@"
servers_down
summary
