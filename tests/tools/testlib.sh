# shellcheck shell=bash
# testlib.sh - helpers shared by tests/test-errors.sh and tests/test-hostile.sh.
# Sourced, not run.  The sourcing script sets SUITE (its name for the summary
# line) before sourcing.
#
# Environment:
#   MR_BUILD      directory with mrcoordinator, mrworker, mrsequential, apps/
#                 and tests/ (default: build/ of this repository)
#   MR_DATA       directory with the pg-*.txt inputs (default: data/)
#   MR_KEEP_TMP   if 1, keep the temp directory of a failed test
#   TMPDIR        where the temp directories go (default /tmp)
#
# A test is a shell function run in a subshell of its own by run_test: it
# calls setup (its own mktemp -d directory T, its own socket SOCK inside it,
# current directory T/job), starts processes with spawn or runs them with
# run, and calls fail for every broken expectation.  Its stdout becomes the
# "# " lines under the result.  It returns $FAILED, or calls skip.

set -u
export LC_ALL=C

TL_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$TL_HERE/../.." && pwd)
BUILD=${MR_BUILD:-$ROOT/build}
DATA=${MR_DATA:-$ROOT/data}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
case $DATA in /*) ;; *) DATA=$PWD/$DATA ;; esac
COORD_BIN=$BUILD/mrcoordinator
WORKER_BIN=$BUILD/mrworker
SEQ_BIN=$BUILD/mrsequential
TPLUG=$BUILD/tests/plugins
PEER=$BUILD/tests/tools/mrpeer

T=
SOCK=
FAILED=0
NAMES=()	# every name given to spawn in this test

# fail MSG...: record a failure and say why.
fail() {
	FAILED=1
	printf '%s\n' "$*"
}

# skip REASON: end the test as skipped.
skip() {
	printf '%s\n' "$*"
	exit 77
}

# need FILE...: build products (relative to BUILD) the test uses.
need() {
	local f missing=0
	for f in "$@"; do
		if [ ! -e "$BUILD/$f" ]; then
			fail "missing $BUILD/$f (run make and make test-errors-bins)"
			missing=1
		fi
	done
	[ $missing = 0 ] || exit 1
}

# setup [N]: make the test directory T with T/job (the job directory, made
# the current directory), T/seq (for mrsequential) and T/in holding symlinks
# to the first N inputs (all by default); INPUTS lists them as the
# coordinator sees them, relative to T/job.
INPUTS=()
setup() {
	local n=${1:-1000} f i=0
	T=$(mktemp -d "${TMPDIR:-/tmp}/mr-$SUITE.XXXXXX") || {
		fail "mktemp -d failed"
		exit 1
	}
	mkdir "$T/in" "$T/job" "$T/seq" || exit 1
	for f in "$DATA"/pg-*.txt; do
		[ $i -lt "$n" ] || break
		[ -f "$f" ] || {
			fail "no inputs $DATA/pg-*.txt"
			exit 1
		}
		ln -s "$f" "$T/in/" || exit 1
		INPUTS+=("../in/${f##*/}")
		i=$((i + 1))
	done
	SOCK=$T/mr.sock
	export MR_SOCKET=$T/not-this.sock # a binary ignoring --socket fails visibly
	cd "$T/job" || exit 1
}

# spawn NAME SECS CMD...: start CMD in the background under timeout, with
# stdout and stderr in $T/NAME.out and .err.  $T/NAME.pid holds the pid of
# CMD itself (not of timeout); $T/NAME.rc appears with the exit status when
# it ends.  Environment assignments go before CMD via env(1).
spawn() {
	local name=$1 secs=$2
	shift 2
	NAMES+=("$name")
	rm -f "$T/$name.pid" "$T/$name.rc"
	(
		timeout -k 2s "$secs" sh -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' \
			"$T/$name.pid" "$@" >"$T/$name.out" 2>"$T/$name.err"
		echo $? >"$T/$name.rc.tmp" && mv "$T/$name.rc.tmp" "$T/$name.rc"
	) </dev/null >/dev/null 2>&1 &
}

# run NAME SECS CMD...: spawn and wait for it; returns its exit status.
run() {
	spawn "$@"
	await "$1" $(($2 + 5)) || return 124
	return "$(rc_of "$1")"
}

# pid_of NAME: the pid of a spawned command (waits up to 5 s for it).
pid_of() {
	local i
	for ((i = 0; i < 500; i++)); do
		[ -s "$T/$1.pid" ] && break
		sleep 0.01
	done
	cat "$T/$1.pid" 2>/dev/null
}

# ended NAME: true once a spawned command has ended.
ended() {
	[ -e "$T/$1.rc" ]
}

# await NAME SECS: wait up to SECS (may be fractional) for NAME to end; true if it did.
await() {
	local i n
	n=$(awk -v s="$2" 'BEGIN { printf "%d", s * 50 }')
	for ((i = 0; i < n; i++)); do
		ended "$1" && return 0
		sleep 0.02
	done
	ended "$1"
}

# rc_of NAME: the exit status a spawned command left, or "?".
rc_of() {
	local rc
	rc=$(cat "$T/$1.rc" 2>/dev/null)
	echo "${rc:-?}"
}

# show_err NAME: the last lines of a command's stderr.
show_err() {
	[ -s "$T/$1.err" ] || return 0
	echo "  $1 stderr, last lines:"
	tail -n 6 "$T/$1.err" | cut -c 1-300 | sed 's/^/    /'
}

# expect_rc NAME WANT: NAME ended with status WANT.
expect_rc() {
	local rc
	rc=$(rc_of "$1")
	[ "$rc" = "$2" ] && return 0
	case $rc in
	'?') fail "$1 had not ended (expected exit $2)" ;;
	124 | 137) fail "$1 timed out (expected exit $2)" ;;
	*) fail "$1 exited $rc, expected $2" ;;
	esac
	show_err "$1"
	return 1
}

# expect_in NAME STREAM TEXT [WHY]: NAME's stdout/stderr (STREAM out|err)
# contains TEXT (a fixed string).
expect_in() {
	grep -qF -- "$3" "$T/$1.$2" && return 0
	fail "${4:-$1 std$2 does not contain '$3'}"
	[ "$2" = err ] && show_err "$1"
	[ "$2" = out ] && [ -s "$T/$1.out" ] && tail -n 4 "$T/$1.out" | sed 's/^/    /'
	return 1
}

# expect_empty NAME STREAM: nothing on NAME's stdout/stderr.
expect_empty() {
	[ -s "$T/$1.$2" ] || return 0
	fail "$1 wrote to std$2, expected nothing:"
	head -n 3 "$T/$1.$2" | sed 's/^/    /'
	return 1
}

# wait_socket NAME [stale]: wait (up to 10 s) until NAME, a coordinator,
# serves $SOCK.  With "stale" a dead socket file is there already, so wait
# until the socket accepts connections (mrpeer connects once).
wait_socket() {
	local i
	for ((i = 0; i < 500; i++)); do
		if [ -S "$SOCK" ]; then
			[ "${2:-}" != stale ] && return 0
			timeout 5 "$PEER" "$SOCK" idle 0 >/dev/null 2>&1 && return 0
		fi
		ended "$1" && break
		sleep 0.02
	done
	if ended "$1"; then
		fail "coordinator $1 exited $(rc_of "$1") before serving"
	else
		fail "socket $SOCK did not appear within 10 s"
	fi
	show_err "$1"
	exit 1
}

# start_coord NAME [OPTION...]: a coordinator on $SOCK over INPUTS, waited
# for until it serves (when a socket file is there already, until it is
# replaced).
start_coord() {
	local name=$1 old=
	shift
	[ -e "$SOCK" ] && old=stale
	spawn "$name" 60 "$COORD_BIN" --socket "$SOCK" "$@" "${INPUTS[@]}"
	wait_socket "$name" $old
}

# start_workers PREFIX N PLUGIN [VAR=VALUE...]: workers PREFIX1..PREFIXN.
start_workers() {
	local prefix=$1 n=$2 plugin=$3 i
	shift 3
	for ((i = 1; i <= n; i++)); do
		spawn "$prefix$i" 60 env "$@" "$WORKER_BIN" --socket "$SOCK" "$plugin"
	done
}

# reference PLUGIN OUT [VAR=VALUE...]: mrsequential over INPUTS, from
# T/seq, sorted into OUT.
reference() {
	local plugin=$1 out=$2 rc
	shift 2
	(cd "$T/seq" && timeout -k 2s 60 env "$@" "$SEQ_BIN" "$plugin" "${INPUTS[@]}") \
		>"$T/seq.out" 2>"$T/seq.err"
	rc=$?
	if [ $rc != 0 ] || [ ! -s "$T/seq/mr-out-0" ]; then
		fail "mrsequential $plugin exited $rc or wrote nothing"
		show_err seq
		exit 1
	fi
	sort "$T/seq/mr-out-0" >"$out"
}

# snapshot OUT: the job's output, sorted: sort mr-out-* | grep .
snapshot() {
	local f
	shopt -s nullglob
	f=(mr-out-*)
	shopt -u nullglob
	if [ ${#f[@]} = 0 ]; then
		: >"$1"
	else
		sort "${f[@]}" | grep . >"$1"
	fi
}

# same EXPECTED GOT WHAT: identical files.
same() {
	cmp -s "$1" "$2" && return 0
	fail "$3 ($(wc -l <"$2") lines, expected $(wc -l <"$1")); diff expected got:"
	diff "$1" "$2" | head -n 6 | sed 's/^/    /'
	return 1
}

# expect_job_ok COORD NREDUCE REF: COORD exited 0, removed its socket,
# published mr-out-0..NREDUCE-1, and the sorted output, left in $GOT
# (default $T/got; jobs side by side each need their own), equals REF.
GOT=
expect_job_ok() {
	local r missing= got=${GOT:-$T/got}
	expect_rc "$1" 0
	[ -e "$SOCK" ] && fail "$1 left its socket $SOCK behind"
	for ((r = 0; r < $2; r++)); do
		[ -f "mr-out-$r" ] || missing="$missing mr-out-$r"
	done
	[ -z "$missing" ] || fail "not published:$missing"
	snapshot "$got"
	same "$3" "$got" "job output differs from mrsequential's"
}

# expect_workers_ok PREFIX N: workers PREFIX1..N ended (within 10 s) with 0.
expect_workers_ok() {
	local i
	for ((i = 1; i <= $2; i++)); do
		await "$1$i" 10
		expect_rc "$1$i" 0
	done
}

# stop_spawned: end everything spawn started here that still runs.
stop_spawned() {
	local n p
	for n in "${NAMES[@]}"; do
		ended "$n" && continue
		p=$(cat "$T/$n.pid" 2>/dev/null)
		[ -n "$p" ] && kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
}

# cleanup: end everything this test started that still runs (first the
# subshells in BESIDE, each of which ends what it spawned on SIGTERM), remove T.
BESIDE=()
cleanup() {
	local p
	for p in "${BESIDE[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	stop_spawned
	cd / || return
	if [ -n "$T" ]; then
		if [ "$FAILED" != 0 ] && [ "${MR_KEEP_TMP:-0}" = 1 ]; then
			echo "kept $T"
		else
			rm -rf "$T"
		fi
	fi
}

# sanitizer_check: no sanitizer report in any stderr of the test (for a
# SANITIZE= build).  A test whose plugin crashes on purpose sets SAN_SEGV_OK=1
# to allow ASan's report of that SEGV (and nothing else).
SAN_SEGV_OK=0
sanitizer_check() {
	local f bad=0
	[ -n "$T" ] || return 0
	for f in "$T"/*.err; do
		[ -f "$f" ] || continue
		grep -qE 'Sanitizer|runtime error:' "$f" || continue
		if [ "$SAN_SEGV_OK" = 1 ] && ! grep -E 'Sanitizer|runtime error:' "$f" |
			grep -vqE 'AddressSanitizer:? ?(SEGV|DEADLYSIGNAL|can not provide)|ABORTING'; then
			continue
		fi
		fail "sanitizer report in ${f##*/}:"
		grep -E -m 3 'Sanitizer|runtime error:|^    #[0-4] ' "$f" | cut -c 1-200 | sed 's/^/    /'
		bad=1
	done
	return $bad
}

# run_test NAME FUNCTION: run one test in a subshell and print its result.
# The subshell runs in the background so that a signal to this script can
# end it, and with it (its EXIT trap) whatever the test started.
TESTS_RUN=0
TESTS_PASSED=0
TESTS_FAILED=0
TL_PID=
TL_OUT=$(mktemp "${TMPDIR:-/tmp}/mr-$SUITE-out.XXXXXX") || exit 1
# tl_exit: what the script must do on its way out (a script that sets an
# EXIT trap of its own calls it from there).
tl_exit() {
	rm -f "$TL_OUT"
}
trap tl_exit EXIT
trap 'echo "interrupted" >&2; [ -n "$TL_PID" ] && kill -TERM "$TL_PID" 2>/dev/null; wait; exit 130' INT TERM HUP
run_test() {
	local name=$1 fn=$2 out rc t0 t1
	TESTS_RUN=$((TESTS_RUN + 1))
	t0=$(date +%s.%N)
	(
		trap cleanup EXIT
		trap 'exit 143' TERM
		"$fn"
		rc=$?
		[ $rc = 77 ] && exit 77
		sanitizer_check || rc=1
		exit $rc
	) </dev/null >"$TL_OUT" 2>&1 &
	TL_PID=$!
	wait "$TL_PID"
	rc=$?
	TL_PID=
	out=$(cat "$TL_OUT")
	t1=$(date +%s.%N)
	if [ $rc = 0 ]; then
		TESTS_PASSED=$((TESTS_PASSED + 1))
		echo "ok $TESTS_RUN - $name"
	elif [ $rc = 77 ]; then
		TESTS_PASSED=$((TESTS_PASSED + 1))
		echo "ok $TESTS_RUN - $name # skip ${out%%$'\n'*}"
		out=
	else
		TESTS_FAILED=$((TESTS_FAILED + 1))
		echo "not ok $TESTS_RUN - $name"
	fi
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "# %.1f s\n", b - a }'
}

# require_built FILE...: exit 1 unless every FILE exists under $BUILD.
require_built() {
	local f
	for f; do
		[ -e "$BUILD/$f" ] || {
			echo "missing $BUILD/$f: run make first" >&2
			exit 1
		}
	done
}

# summary: the final line; exit 1 if anything failed.
summary() {
	echo "$SUITE: $TESTS_PASSED passed, $TESTS_FAILED failed"
	[ "$TESTS_FAILED" = 0 ]
}

# select_tests ALL... -- ARGS...: run the tests named in ARGS (all without;
# with "--except NAME...", all but those).  Each entry of ALL is "name:function".
run_selected() {
	local all=() args=() e want found except=0 skip
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		all+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	[ "${1:-}" = --except ] && except=1 && shift
	args=("$@")
	for want in "${args[@]}"; do
		found=
		for e in "${all[@]}"; do
			[ "${e%%:*}" = "$want" ] && found=$e
		done
		if [ -z "$found" ]; then
			echo "unknown test '$want'; tests:" >&2
			for e in "${all[@]}"; do echo "  ${e%%:*}" >&2; done
			exit 2
		fi
		[ $except = 0 ] && run_test "${found%%:*}" "${found#*:}"
	done
	[ ${#args[@]} = 0 ] || [ $except = 1 ] || return
	for e in "${all[@]}"; do
		skip=0
		for want in "${args[@]}"; do
			[ "${e%%:*}" = "$want" ] && skip=1
		done
		[ $skip = 0 ] && run_test "${e%%:*}" "${e#*:}"
	done
}
