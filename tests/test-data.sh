#!/usr/bin/env bash
# test-data.sh - end-to-end tests of the data path with inputs that stress
# it: big inputs cut into splits, small memory limits that force spills, a
# hot key, awkward bytes, and many tiny files.  Every job's sorted output
# must equal mrsequential's over the same inputs.
#
# Usage: tests/test-data.sh [TEST...]
#   TEST is one of: split-wc split-indexer spill-wc spill-indexer hotkey-wc
#   hotkey-indexer odd-wc odd-indexer many-files many-files-lowfd
#   spill-lowfd.  Without arguments all of them run, in that order.
#
#   split-*    ~20 MB of input (data/*.txt five times over, a CRLF file, a
#              file without a final newline, a 3 MB file that is one line),
#              --split-size 1M, 2 workers
#   spill-*    the same inputs, and workers with --memory-limit 1M
#   hotkey-*   one word is half of all words, --memory-limit 1M
#   odd-*      NUL bytes, invalid UTF-8, 1 MB words, empty files, UTF-8
#              letters; --split-size 512K
#   many-files 2000 tiny input files (wc), 2 workers
#   many-files-lowfd  the same with workers limited to 128 descriptors
#              (ulimit -n), far fewer than a reduce's 2000 runs: reduces
#              merge the runs in passes
#   spill-lowfd  the split-* inputs unsplit, --memory-limit 1M and 128
#              descriptors: a map's spills outgrow the limit and are merged
#
# Environment:
#   MR_BUILD      directory with mrcoordinator, mrworker, mrsequential and
#                 apps/*.so (default: build/ of this repository)
#   MR_DATA       directory with the pg-*.txt texts (default: data/)
#   MR_TIMEOUT    seconds any one process may run (default 20; a job takes
#                 one or two seconds on a normal build, so raise it for a
#                 sanitizer or valgrind build)
#   MR_KEEP_TMP   if set to 1, keep the temp directory of a failed test
#   TMPDIR        where the temp directories go (default /tmp)
#
# The inputs are generated once per run into a shared directory (read
# only for the tests), and so are mrsequential's reference outputs.  Each
# test runs in a subshell of its own, in its own mktemp -d directory with
# its own coordinator socket, every process under timeout.  Input names are
# absolute paths, the same for the job and for mrsequential (the indexer's
# output holds them).  When python3 is there, each reference is also checked
# once against an independent count written in Python, since mrsequential
# shares the map output and merge code with the workers.
#
# Output: "ok N - NAME" or "not ok N - NAME", then "# " lines (the time, and
# for a failure the reasons), then "data: P passed, F failed".  Exits 1 if
# anything failed, 2 on a usage error.

set -u
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${MR_BUILD:-$ROOT/build}
DATA=${MR_DATA:-$ROOT/data}
TO=${MR_TIMEOUT:-20}
NREDUCE=10	# the coordinator's default

case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
case $DATA in /*) ;; *) DATA=$PWD/$DATA ;; esac

# shellcheck source=tools/jobproc.sh
. "$HERE/tools/jobproc.sh"

ALL_TESTS=(split-wc split-indexer spill-wc spill-indexer hotkey-wc hotkey-indexer
	odd-wc odd-indexer many-files many-files-lowfd spill-lowfd)

usage() {
	echo "usage: $0 [TEST...]" >&2
	echo "tests: ${ALL_TESTS[*]}" >&2
	exit 2
}

# ---------------------------------------------------------------------------
# Shared inputs and references, made once.  SHARED is the suite's own
# directory: in/SET/ holds the inputs of each input set, ref/SET-APP the
# sorted mrsequential output.

SHARED=

# make_big DIR: ~20 MB - data five times over, CRLF, no final newline, one 3 MB line.
make_big() {
	local d=$1 i
	for i in 1 2 3 4 5; do
		cat "$DATA"/pg-*.txt
	done >"$d/big.txt" || return 1
	sed 's/$/\r/' "$DATA/pg-grimm.txt" >"$d/crlf.txt" || return 1
	# every newline at the end removed
	sed -z 's/\n*$//' "$DATA/pg-dorian_gray.txt" >"$d/no-final-newline.txt" || return 1
	cat "$DATA"/pg-*.txt | tr '\r\n' '  ' | head -c $((3 << 20)) >"$d/one-line.txt" || return 1
}

# make_hot DIR: every word followed by "hot", so "hot" is half of all words.
make_hot() {
	local d=$1 f n=0
	for f in "$DATA"/pg-*.txt; do
		n=$((n + 1))
		sed -E 's/([A-Za-z]+)/\1 hot/g' "$f" >>"$d/hot-$((n % 2)).txt" || return 1
	done
}

# make_odd DIR: NUL bytes, invalid UTF-8, 1 MB words, empty files, UTF-8 letters.
make_odd() {
	local d=$1 i
	# spaces turned into NULs, and NUL runs between words
	tr ' ' '\000' <"$DATA/pg-metamorphosis.txt" >"$d/nul.bin" || return 1
	printf 'alpha\0\0\0beta\0gamma\n\0\0\0\n' >>"$d/nul.bin"
	# invalid UTF-8: stray continuation bytes, truncated sequences,
	# overlong forms, surrogates, code points past U+10FFFF, bytes F5..FF
	for ((i = 0; i < 300; i++)); do
		printf 'abc\x80def \xc3 ghi\xe2\x82 jkl \xc0\xaf mno \xed\xa0\x80 pqr \xf4\x90\x80\x80 stu\xff\xfevwx \xc3\xa9t\xc3 w%d\n' "$i"
	done >"$d/bad-utf8.bin"
	awk 'BEGIN { srand(7); for (i = 0; i < 200000; i++) printf "%c", 1 + int(rand() * 255) }' \
		>>"$d/bad-utf8.bin" || return 1
	# a 1 MB ASCII word, a 1 MB word of two-byte letters, a 1 MB word of mixed
	# letters, each among ordinary words, one of them twice
	{
		printf 'before the long words\n'
		head -c $((1 << 20)) /dev/zero | tr '\0' 'x'
		printf '\nbetween\n'
		head -c $((1 << 19)) /dev/zero | tr '\0' 'x' | sed 's/x/\xc3\xa9/g'
		printf ' after\n'
		head -c $((1 << 20)) /dev/zero | tr '\0' 'x'
		printf ' the same long word again\n'
	} >"$d/long-words.txt" || return 1
	cat "$DATA"/pg-*.txt | tr -cd 'A-Za-z' | head -c $((1 << 20)) >"$d/long-mixed.txt" || return 1
	: >"$d/empty-1.txt"
	: >"$d/empty-2.txt"
	# UTF-8 letters of several scripts; combining marks and symbols separate words
	for ((i = 0; i < 2000; i++)); do
		printf 'caf\xc3\xa9 na\xc3\xafve stra\xc3\x9fe \xce\xa9\xce\xbc\xce\xad\xce\xb3\xce\xb1 '
		printf '\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e '
		printf 'e\xcc\x81t\xc3\xa9 \xe2\x82\xac10 \xf0\x9d\x90\x80bc \xc7\x85emal w%d\n' $((i % 37))
	done >"$d/utf8.txt"
}

# make_many DIR: 2000 tiny files, a few of them empty.
make_many() {
	local d=$1 i
	for ((i = 0; i < 2000; i++)); do
		if ((i % 97 == 0)); then
			: >"$d/f$i.txt"
		else
			printf 'word%d common w%d\nsecond line %d\n' $((i % 50)) $((i % 7)) $((i % 3)) >"$d/f$i.txt"
		fi
	done
}

# An independent word count / inverted index (when python3 is there), to
# check mrsequential itself: it shares the map output and merge code with
# the workers, so a bug there could hide in both.  A word is a maximal run
# of code points of general category L (str.isalpha()); input decoded as
# UTF-8 with each invalid sequence a non-letter, as words.h says.
write_independent() {
	cat >"$1" <<'PYEOF'
import re
import sys
from collections import Counter

app, files = sys.argv[1], sys.argv[2:]
candidates = re.compile(r'[^\W\d_]+')


def words(text):
    for m in candidates.finditer(text):
        w = m.group()
        if w.isalpha():
            yield w
            continue
        cur = []
        for ch in w:
            if ch.isalpha():
                cur.append(ch)
            elif cur:
                yield ''.join(cur)
                cur = []
        if cur:
            yield ''.join(cur)


def text_of(path):
    with open(path, 'rb') as f:
        return f.read().decode('utf-8', errors='replace')


lines = []
if app == 'wc':
    count = Counter()
    for path in files:
        count.update(words(text_of(path)))
    lines = [w.encode() + b' ' + str(n).encode() for w, n in count.items()]
else:
    where = {}
    for path in files:
        for w in set(words(text_of(path))):
            where.setdefault(w, set()).add(path.encode())
    for w, paths in where.items():
        lines.append(w.encode() + b' ' + str(len(paths)).encode() + b' ' +
                     b','.join(sorted(paths)))
lines.sort()
sys.stdout.buffer.write(b''.join(line + b'\n' for line in lines))
PYEOF
}

# inputs SET: the input files of a set, absolute, one per line.
inputs() {
	local f
	for f in "$SHARED/in/$1"/*; do
		[ -f "$f" ] && printf '%s\n' "$f"
	done
}

# ---------------------------------------------------------------------------
# Helpers used inside a test's subshell (besides those of tools/jobproc.sh).
# INPUTS holds absolute input names.

# setup SET: make the test directory, cd into its job/ directory, and list
# the inputs of SET in INPUTS.
setup() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/test-data.XXXXXX") || {
		fail "mktemp -d failed"
		return 1
	}
	mkdir "$T/job" || return 1
	mapfile -t INPUTS < <(inputs "$1")
	if [ ${#INPUTS[@]} -eq 0 ]; then
		fail "no inputs in $SHARED/in/$1"
		return 1
	fi
	SOCK=$T/mr.sock
	export MR_SOCKET=$SOCK	# in case something ignores --socket
	cd "$T/job" || return 1
}

# reference SET APP: the sorted mrsequential output over SET into OUT
# (cached in $SHARED/ref); prints its path.
REF=
reference() {
	local set=$1 app=$2 out=$SHARED/ref/$1-$2 dir rc
	REF=$out
	[ -s "$out" ] && return 0
	dir=$(mktemp -d "$SHARED/ref/seq.XXXXXX") || return 1
	(cd "$dir" && timeout -k 2s "$TO" "$BUILD/mrsequential" "$BUILD/apps/$app.so" \
		"${INPUTS[@]}") >"$T/seq.out" 2>"$T/seq.err"
	rc=$?
	if [ $rc != 0 ]; then
		fail "mrsequential $app.so over the $set inputs exited $rc"
		show_err seq
		rm -rf "$dir"
		return 1
	fi
	sort "$dir/mr-out-0" | grep -a . >"$out.tmp"
	rm -rf "$dir"
	if [ ! -s "$out.tmp" ]; then
		fail "mrsequential $app.so produced no output"
		return 1
	fi
	# checked once against the independent count, when python3 is there
	if command -v python3 >/dev/null; then
		[ -f "$SHARED/independent.py" ] || write_independent "$SHARED/independent.py"
		if ! timeout -k 2s "$TO" python3 "$SHARED/independent.py" "$app" "${INPUTS[@]}" \
			>"$out.py" 2>"$T/py.err"; then
			fail "the independent $app count failed:"
			tail -n 3 "$T/py.err" | sed 's/^/  /'
			return 1
		fi
		if ! same "$out.py" "$out.tmp" \
			"mrsequential $app.so differs from the independent count (python3)"; then
			return 1
		fi
	fi
	mv "$out.tmp" "$out"
}

# start_coord OPTION...: start the coordinator in job/ and wait (up to 10 s)
# for its socket.
start_coord() {
	local i
	spawn coord "$TO" "$BUILD/mrcoordinator" --socket "$SOCK" "$@" "${INPUTS[@]}"
	COORD=$LAST
	for ((i = 0; i < 100; i++)); do
		[ -e "$SOCK" ] && return 0
		[ -e "$T/coord.rc" ] && break
		sleep 0.1
	done
	if [ -e "$T/coord.rc" ]; then
		fail "coordinator exited $(rc_of coord) before serving"
	else
		fail "coordinator socket $SOCK did not appear within 10 s"
	fi
	show_err coord
	return 1
}

# start_workers APP N OPTION...: start workers w1..wN (with at most
# $FD_LIMIT open descriptors when that is set).
start_workers() {
	local app=$1 n=$2 i
	local -a lim=()
	shift 2
	# shellcheck disable=SC2016
	[ -z "${FD_LIMIT:-}" ] || lim=(bash -c 'ulimit -n "$0" && exec "$@"' "$FD_LIMIT")
	for ((i = 1; i <= n; i++)); do
		spawn "w$i" "$TO" "${lim[@]}" "$BUILD/mrworker" --socket "$SOCK" "$@" \
			"$BUILD/apps/$app.so"
	done
}

# snapshot OUT: the job's output as the lab reads it: sort mr-out* | grep .
snapshot() {
	local f=()
	shopt -s nullglob
	f=(mr-out*)
	shopt -u nullglob
	if [ ${#f[@]} -eq 0 ]; then
		: >"$1"
	else
		sort "${f[@]}" | grep -a . >"$1"
	fi
}

# same EXPECTED GOT WHAT: the two files must be identical.
same() {
	cmp -s "$1" "$2" && return 0
	fail "$3 ($(wc -l <"$2") lines, expected $(wc -l <"$1")); diff expected got:"
	diff -a "$1" "$2" | head -n 8 | cut -c 1-160 | sed 's/^/  /'
	return 1
}

# check_coord: the coordinator exited 0, removed its socket, published
# mr-out-0 .. mr-out-(NREDUCE-1).
check_coord() {
	local rc r missing=
	rc=$(rc_of coord)
	case $rc in
	0) ;;
	124 | 137) fail "coordinator timed out after ${TO}s (the job did not finish)" ;;
	*) fail "coordinator exited $rc" ;;
	esac
	[ -e "$SOCK" ] && fail "coordinator left its socket behind"
	for ((r = 0; r < NREDUCE; r++)); do
		[ -f "mr-out-$r" ] || missing="$missing mr-out-$r"
	done
	[ -n "$missing" ] && fail "not published:$missing"
	[ "$rc" != 0 ] && show_err coord
}

# check_clean: once everything exited, the job directory holds the outputs
# and the job report only: no intermediate mr-M-R files, no temp files, no
# spill files.
check_clean() {
	local f left=()
	shopt -s nullglob dotglob
	for f in *; do
		[[ $f =~ ^mr-out-[0-9]+$ || $f == mr-report.json ]] || left+=("$f")
	done
	shopt -u nullglob dotglob
	[ ${#left[@]} -eq 0 ] || fail "left in the job directory: ${left[*]:0:5}"
}

# job SET APP NWORKERS COORD_OPTIONS WORKER_OPTIONS: the whole test: the
# reference, the job, the checks.  The option lists are single words,
# split on spaces.
job() {
	local set=$1 app=$2 n=$3 copts=$4 wopts=$5
	need mrcoordinator mrworker mrsequential "apps/$app.so" || return 1
	setup "$set" || return 1
	reference "$set" "$app" || return 1
	# shellcheck disable=SC2086
	start_coord $copts || return 1
	# shellcheck disable=SC2086
	start_workers "$app" "$n" $wopts
	wait "$COORD"
	snapshot "$T/all"
	wait
	check_coord
	# an unfinished job has no output worth a diff
	[ "$(rc_of coord)" = 0 ] && same "$REF" "$T/all" "output differs from mrsequential's"
	check_workers "$n"
	[ "$FAILED" = 0 ] && check_clean
	return $FAILED
}

# ---------------------------------------------------------------------------
# The tests.  Each returns 0 on pass; its stdout is the reason for a failure.

t_split_wc() { job big wc 2 "--split-size 1M" ""; }
t_split_indexer() { job big indexer 2 "--split-size 1M" ""; }
t_spill_wc() { job big wc 2 "--split-size 1M" "--memory-limit 1M"; }
t_spill_indexer() { job big indexer 2 "--split-size 1M" "--memory-limit 1M"; }
t_hotkey_wc() { job hot wc 2 "" "--memory-limit 1M"; }
t_hotkey_indexer() { job hot indexer 2 "" "--memory-limit 1M"; }
t_odd_wc() { job odd wc 2 "--split-size 512K" ""; }
t_odd_indexer() { job odd indexer 2 "--split-size 512K" ""; }
t_many_files() { job many wc 2 "" ""; }
t_many_files_lowfd() { FD_LIMIT=128 job many wc 2 "" ""; }
t_spill_lowfd() { FD_LIMIT=128 job big wc 2 "" "--memory-limit 1M"; }

# ---------------------------------------------------------------------------
# The runner.

selected=()
for arg in "$@"; do
	case $arg in
	-h | --help) usage ;;
	esac
	found=0
	for t in "${ALL_TESTS[@]}"; do
		[ "$arg" = "$t" ] && found=1
	done
	[ $found = 1 ] || {
		echo "$0: unknown test '$arg'" >&2
		usage
	}
	selected+=("$arg")
done
[ ${#selected[@]} -gt 0 ] || selected=("${ALL_TESTS[@]}")

SHARED=$(mktemp -d "${TMPDIR:-/tmp}/test-data-shared.XXXXXX") || exit 1
LOG=$SHARED/log
TESTPID=
npass=0
nfail=0
num=0

on_signal() {
	trap - INT TERM
	if [ -n "$TESTPID" ]; then
		kill -TERM "$TESTPID" 2>/dev/null
		wait "$TESTPID" 2>/dev/null
	fi
	rm -rf "$SHARED"
	echo "data: interrupted"
	exit "$1"
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'rm -rf "$SHARED"' EXIT

# The input sets the selected tests need.
mkdir -p "$SHARED/ref" || exit 1
for name in "${selected[@]}"; do
	case $name in
	split-* | spill-*) set=big ;;
	hotkey-*) set=hot ;;
	odd-*) set=odd ;;
	many-files | many-files-lowfd) set=many ;;
	esac
	[ -d "$SHARED/in/$set" ] && continue
	mkdir -p "$SHARED/in/$set" || exit 1
	if ! "make_$set" "$SHARED/in/$set" 2>"$LOG"; then
		echo "data: cannot make the $set inputs:" >&2
		cat "$LOG" >&2
		exit 1
	fi
done

run_tests data/ "${selected[@]}"

echo "data: $npass passed, $nfail failed"
[ $nfail = 0 ]
