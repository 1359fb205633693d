# jobproc.sh - the process helpers of tests/test-mr.sh and tests/test-data.sh:
# spawning a program under timeout with its output, exit status and pid in
# files of the test directory, killing process trees, and the checks on the
# workers' exit.  Sourced, not run; the sourcing script sets $TO, $BUILD
# and $LOG.
#
# State of a test (its own subshell): T (the test directory), SOCK, INPUTS
# (its inputs), PIDS (what it started), FAILED, COORD and LAST (pids).

T=
SOCK=
INPUTS=()
PIDS=()
FAILED=0
COORD=
LAST=

# fail MSG: record a failure and say why (the runner prefixes it with '# ').
fail() {
	FAILED=1
	printf '%s\n' "$*"
}

# show_err NAME: the last lines of a process's stderr, if it wrote any.
show_err() {
	local f=$T/$1.err
	[ -s "$f" ] || return 0
	echo "  $1 stderr, last lines:"
	tail -n 5 "$f" | cut -c 1-200 | sed 's/^/    /'
}

# need FILE...: the build products this test uses must exist.
need() {
	local f ok=0
	for f in "$@"; do
		if [ ! -f "$BUILD/$f" ]; then
			fail "missing $BUILD/$f (run make first)"
			ok=1
		fi
	done
	return $ok
}

# kill_tree PID: stop PID so it cannot start anything new, take its children
# down the same way, then terminate it.  Every pid touched is added to KILLED.
KILLED=()
kill_tree() {
	local pid=$1 c
	kill -STOP "$pid" 2>/dev/null || return 0
	KILLED+=("$pid")
	for c in $(pgrep -P "$pid"); do
		kill_tree "$c"
	done
	kill -TERM "$pid" 2>/dev/null
	kill -CONT "$pid" 2>/dev/null
}

# cleanup: on the test subshell's exit, end whatever it started that is still
# running and remove its directory.
cleanup() {
	local p ppid f
	for p in "${PIDS[@]}"; do
		# only what is still our child: a reaped pid may have been reused
		ppid=$(ps -o ppid= -p "$p" 2>/dev/null)
		[ "${ppid// /}" = "$BASHPID" ] && kill_tree "$p"
	done
	# A wrapper that died first (say, a TERM sent to our whole process group)
	# orphans its timeout, which kill_tree cannot reach; but each timeout
	# leads a process group of its own, and the wrapper wrote its id to
	# NAME.pid.  A NAME.rc (or a removed NAME.pid) means that timeout ended
	# and was reaped, so its pid may belong to someone else by now.
	for f in "${T:-/nonexistent}"/*.pid; do
		if [ ! -f "$f" ] || [ -e "${f%.pid}.rc" ]; then
			continue
		fi
		p=$(cat "$f")
		if [ -n "$p" ] && [ "$(ps -o comm= -p "$p" 2>/dev/null)" = timeout ]; then
			kill -TERM -- "-$p" 2>/dev/null
			KILLED+=("-$p")
		fi
	done
	if [ ${#KILLED[@]} -gt 0 ]; then
		sleep 0.5
		for p in "${KILLED[@]}"; do
			kill -KILL -- "$p" 2>/dev/null
		done
	fi
	wait 2>/dev/null
	cd / || return
	if [ -n "$T" ]; then
		if [ "$FAILED" != 0 ] && [ "${MR_KEEP_TMP:-0}" = 1 ]; then
			echo "kept $T"
		else
			rm -rf "$T"
		fi
	fi
}

# spawn NAME SECS CMD...: run CMD in the background under timeout, stdout and
# stderr to $T/NAME.out and .err; $T/NAME.rc appears (with the exit status)
# when it ends.  Sets LAST to the pid of the wrapping subshell.
spawn() {
	local name=$1 secs=$2
	shift 2
	(
		timeout -k 2s "$secs" "$@" >"$T/$name.out" 2>"$T/$name.err" &
		echo $! >"$T/$name.pid"
		wait $!
		echo $? >"$T/$name.rc"
	) &
	LAST=$!
	PIDS+=("$LAST")
}

# rc_of NAME: the exit status a spawned process left, or "?".
rc_of() {
	local rc
	rc=$(cat "$T/$1.rc" 2>/dev/null)
	echo "${rc:-?}"
}

# check_workers N: workers w1..wN all exited 0.  Shows the stderr of the
# first one that did not.
check_workers() {
	local i rc shown=
	for ((i = 1; i <= $1; i++)); do
		rc=$(rc_of "w$i")
		case $rc in
		0) continue ;;
		124 | 137) fail "worker w$i timed out after ${TO}s" ;;
		*) fail "worker w$i exited $rc" ;;
		esac
		[ -n "$shown" ] || show_err "w$i"
		shown=1
	done
}

# microseconds since the epoch
now_us() {
	local t=$EPOCHREALTIME
	echo "${t/./}"
}

# run_tests PREFIX NAME...: run t_NAME (dashes as underscores) for each NAME,
# each in a subshell of its own that ends what it started (cleanup), with
# its output in $LOG; print "ok N - PREFIXNAME" or "not ok" with the first
# 40 lines of the reasons, then the time.  Counts go to num, npass and
# nfail; TESTPID is the running test, for the suite's signal handler.
run_tests() {
	local prefix=$1 name start rc ms secs
	shift
	for name; do
		num=$((num + 1))
		start=$(now_us)
		(
			trap cleanup EXIT
			trap 'exit 143' TERM
			"t_${name//-/_}"
		) >"$LOG" 2>&1 &
		TESTPID=$!
		wait "$TESTPID"
		rc=$?
		TESTPID=
		ms=$((($(now_us) - start) / 1000))
		secs=$(printf '%d.%d s' $((ms / 1000)) $((ms % 1000 / 100)))
		if [ $rc = 0 ]; then
			npass=$((npass + 1))
			echo "ok $num - $prefix$name"
			echo "# $secs"
		else
			nfail=$((nfail + 1))
			echo "not ok $num - $prefix$name"
			[ -s "$LOG" ] || echo "test exited $rc without a reason" >"$LOG"
			head -n 40 "$LOG" | sed 's/^/# /'
			echo "# $secs"
		fi
	done
}
