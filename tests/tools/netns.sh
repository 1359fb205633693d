# shellcheck shell=bash
# netns.sh - hosts for network tests: network namespaces joined by veth
# pairs to a bridge, all made and removed by the test itself.  Sourced by
# tests/test-net.sh after testlib.sh.
#
#   hosts_up N      coordinator host "c" and worker hosts "w1".."wN"; sets
#                   HOST_ADDR[c|wI] and NETNS (1 when namespaces are used)
#   on HOST CMD...  run CMD on HOST (inside its namespace)
#   onp HOST        the words to put before a command to run it on HOST
#                   (for spawn and run, which exec their command)
#   host_pids HOST  the pids of every process running on HOST
#   tcp_coord NAME [OPTION...]
#                   a coordinator on host c listening on CADDR with SECRET,
#                   NREDUCE reduces and INPUTS; waits until it serves
#   hosts_down      remove every namespace and link made (also on EXIT)
#
# Without root (or without `ip netns`, or with MR_NET_NO_NETNS=1), every
# host is this machine and the addresses are 127.0.0.1: the jobs are the
# same, but "a host" is then only the processes the test started for it
# and their children.  Addresses are 10.213.0.0/24,
# which exists only inside the namespaces made here.

NS_PREFIX="mrt$$"
NETNS=0
declare -A HOST_ADDR=()
NS_MADE=()

# ns_try: can we make namespaces here?
ns_try() {
	[ "${MR_NET_NO_NETNS:-0}" = 1 ] && return 1
	[ "$(id -u)" = 0 ] || return 1
	command -v ip >/dev/null || return 1
	ip netns add "$NS_PREFIX-probe" 2>/dev/null || return 1
	ip netns del "$NS_PREFIX-probe"
}

# ns_host NAME ADDR: a namespace for host NAME with ADDR on a veth to the bridge.
ns_host() {
	local ns=$NS_PREFIX-$1 a=${NS_PREFIX}$1a b=${NS_PREFIX}$1b
	ip netns add "$ns" && NS_MADE+=("$ns") &&
		ip link add "$a" type veth peer name "$b" &&
		ip link set "$a" netns "$ns" &&
		ip link set "$b" netns "$NS_PREFIX-br" &&
		ip -n "$NS_PREFIX-br" link set "$b" master br0 up &&
		ip -n "$ns" addr add "$2/24" dev "$a" &&
		ip -n "$ns" link set "$a" up &&
		ip -n "$ns" link set lo up
}

hosts_up() {
	local n=$1 i
	HOST_ADDR[c]=127.0.0.1
	for ((i = 1; i <= n; i++)); do HOST_ADDR[w$i]=127.0.0.1; done
	ns_try || return 0
	# (testlib.sh's EXIT trap, if any, still runs)
	trap 'hosts_down; declare -F tl_exit >/dev/null && tl_exit' EXIT
	if ! { ip netns add "$NS_PREFIX-br" && NS_MADE+=("$NS_PREFIX-br") &&
		ip -n "$NS_PREFIX-br" link add br0 type bridge &&
		ip -n "$NS_PREFIX-br" link set br0 up &&
		ns_host c 10.213.0.1; }; then
		hosts_down
		return 0
	fi
	HOST_ADDR[c]=10.213.0.1
	for ((i = 1; i <= n; i++)); do
		ns_host "w$i" "10.213.0.$((10 + i))" || { hosts_down; HOST_ADDR[c]=127.0.0.1; return 0; }
		HOST_ADDR[w$i]=10.213.0.$((10 + i))
	done
	NETNS=1
}

on() {
	local host=$1
	shift
	if [ "$NETNS" = 1 ]; then
		ip netns exec "$NS_PREFIX-$host" "$@"
	else
		"$@"
	fi
}

onp() {
	[ "$NETNS" = 1 ] && echo "ip netns exec $NS_PREFIX-$1"
}

# tcp_coord NAME [OPTION...]: a coordinator on host c listening on CADDR
# with $SECRET, given TCP_COORD_LIMIT seconds (default 120) to live, and
# waited for until it serves (each probe bounded to 5 s, 500 probes).
tcp_coord() {
	local name=$1 i
	shift
	spawn "$name" "${TCP_COORD_LIMIT:-120}" $(onp c) "$COORD_BIN" --listen "$CADDR" \
		--secret-file "$SECRET" --nreduce $NREDUCE "$@" "${INPUTS[@]}"
	for ((i = 0; i < 500; i++)); do
		on c timeout 5 "$BUILD/mrctl" status --coordinator "$CADDR" \
			--secret-file "$SECRET" >/dev/null 2>&1 && return 0
		ended "$name" && break
		sleep 0.02
	done
	fail "coordinator $name did not serve on $CADDR"
	show_err "$name"
	exit 1
}

host_pids() {
	local p
	if [ "$NETNS" = 1 ]; then
		ip netns pids "$NS_PREFIX-$1"
	else
		# The processes started for the host, and their children (a
		# worker's fetch service).
		for p in $(cat "$T"/"$1"-*.pid 2>/dev/null); do
			echo "$p"
			pgrep -P "$p"
		done
	fi
}

hosts_down() {
	local ns p
	for ns in "${NS_MADE[@]}"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	NS_MADE=()
	NETNS=0
}
