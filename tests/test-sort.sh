#!/usr/bin/env bash
# test-sort.sh - the sort job (apps/sort.so) end to end: a few MB of the
# benchmark's records (scripts/bench/genrecords.c) sorted by the engine
# with 2 workers and --nreduce 4 and by mrsequential, and odd records
# (shorter than the key, empty, without a final newline, duplicate keys,
# bytes >= 0x80 and control bytes, first bytes that straddle partition
# boundaries with --nreduce 100), and every two-byte prefix but those
# with '\n' or NUL (--nreduce 97).  Every output, mr-out-0..R-1 read in
# order, must be the input's lines, byte for byte, in the order of a
# stable sort on their first 10 bytes (GNU sort -s on the key: globally
# sorted, the same records, a key's lines in input order).  Also: the
# benchmark's checker (scripts/bench/sortcheck.c) accepts those outputs and
# catches a record out of order, lost, doubled or changed; and
# `scripts/bench.sh --sort --quick --mb 2` passes its own checks.
#
# Usage: tests/test-sort.sh [TEST...]     (no arguments: all tests)
# Needs `make` and cc (the bench programs are built into $MR_BUILD/bench
# as bench.sh builds them).  Environment: see tests/tools/testlib.sh.
# Output: "ok N - NAME" / "not ok N - NAME" with "# " lines, then
# "sort: P passed, F failed"; exits 1 if anything failed.

SUITE="sort"
. "$(dirname "$0")/tools/testlib.sh"

SORT_SO=$BUILD/apps/sort.so
GENRECORDS=$BUILD/bench/genrecords
SORTCHECK=$BUILD/bench/sortcheck

# build_tool NAME: $BUILD/bench/NAME from scripts/bench/NAME.c, when
# missing or older than its source (published with a rename, as bench.sh
# does, so a concurrent build is never half seen).
build_tool() {
	local out=$BUILD/bench/$1 src=$ROOT/scripts/bench/$1.c
	[ -x "$out" ] && [ ! "$src" -nt "$out" ] && return 0
	mkdir -p "$BUILD/bench" &&
		cc -O2 -Wall -Wextra -Werror -o "$out.tmp.$$" "$src" &&
		mv -f "$out.tmp.$$" "$out" && return 0
	rm -f "$out.tmp.$$"
	echo "test-sort: cannot build $out" >&2
	exit 1
}

# expected OUT FILE...: the FILEs' lines (a last line without '\n' gets
# one) stably sorted on their first 10 bytes, as the sort job must write
# them.  GNU sort, C locale; '\0' as the field separator makes the whole
# line field 1 (the inputs hold no NUL).
expected() {
	local out=$1 f
	shift
	for f; do
		cat "$f"
		[ ! -s "$f" ] || [ "$(tail -c 1 "$f" | od -An -tx1 | tr -d ' ')" = 0a ] || echo
	done | sort -s -t '\0' -k1.1,1.10 >"$out"
}

# same_output WHAT EXPECTED FILE...: the FILEs, concatenated in order, are
# EXPECTED byte for byte; on a difference, says whether the order or the
# records are wrong.
same_output() {
	local what=$1 want=$2
	shift 2
	cat "$@" >"$T/got" || { fail "$what: output files missing"; return 1; }
	cmp -s "$want" "$T/got" && return 0
	if ! cut -c 1-10 "$T/got" | sort -c 2>"$T/sortc.err"; then
		fail "$what: not sorted by key: $(head -c 200 "$T/sortc.err")"
	fi
	if ! cmp -s <(sort "$want") <(sort "$T/got"); then
		fail "$what: not the input's records ($(wc -l <"$T/got") lines, expected $(wc -l <"$want"))"
	fi
	fail "$what: differs from a stable sort of the input on the key; first differences:"
	cmp "$want" "$T/got" 2>&1 | head -n 1 | sed 's/^/    /'
	return 1
}

# outs N: mr-out-0 .. mr-out-(N-1), in order.
outs() {
	local r
	for ((r = 0; r < $1; r++)); do
		printf 'mr-out-%d\n' "$r"
	done
}

# sort_job NREDUCE: mrsequential (in T/seq) and the engine with 2 workers
# and --nreduce NREDUCE (in T/job) over INPUTS; both outputs must be
# $T/want.
sort_job() {
	local n=$1 files i
	(cd "$T/seq" && run s 60 "$SEQ_BIN" "$SORT_SO" "${INPUTS[@]}")
	expect_rc s 0 && same_output "mrsequential" "$T/want" "$T/seq/mr-out-0"
	start_coord c --nreduce "$n"
	start_workers w 2 "$SORT_SO"
	await c 60
	expect_rc c 0 || return 1
	for i in 1 2; do
		# a worker that came after the job ended finds no coordinator: exit 1
		await "w$i" 10
		[ "$(rc_of "w$i")" = 1 ] && grep -q "no coordinator answers" "$T/w$i.err" && continue
		expect_rc "w$i" 0
	done
	mapfile -t files < <(outs "$n")
	same_output "the engine (2 workers, --nreduce $n)" "$T/want" "${files[@]}"
}

# A few MB of the benchmark's records in 4 files.
t_sort_records() {
	need apps/sort.so
	setup 0
	"$GENRECORDS" --seed 7 --mb 3 --files 4 --outdir "$T/in/rec" ||
		{ fail "genrecords failed"; return 1; }
	INPUTS=(../in/rec/records-000.txt ../in/rec/records-001.txt
		../in/rec/records-002.txt ../in/rec/records-003.txt)
	expected "$T/want" "$T"/in/rec/records-00[0-3].txt
	[ "$(wc -l <"$T/want")" = 31457 ] || fail "expected 31457 records, have $(wc -l <"$T/want")"
	sort_job 4
	return "$FAILED"
}

# Odd records: what the plugin does with them is sort them as bytes (see
# src/apps/sort.c).  With --nreduce 100 the partition boundaries fall
# between "\x01~" and "\x02 " and between "\x80~" and "\x81 ": keys with a
# first byte outside printable ASCII must not be spread by their second.
t_sort_odd_records() {
	need apps/sort.so
	setup 0
	printf '%s\n' short '' KKKKKKKKKKfirst $'\x80\x80abcdefghij' $'\x80~xxxxxxxx-a' \
		KKKKKKKKKKsecond $'\x01~zzzzzzzz' $'tab\there\r' $'\xff\xfe\xfd high' \
		KKKKKKKKK 'a key with spaces' '~~~~~~~~~~' ' ' >"$T/in/a.txt"
	printf '%s\n' KKKKKKKKKKthird $'\x81 yyyyyyyy' $'\x02 wwwwwww' $'caf\xc3\xa9 utf-8' '' \
		'' $'\x7f delete' short >"$T/in/b.txt"
	printf 'no final newline' >>"$T/in/b.txt"
	: >"$T/in/empty.txt"
	printf 'KKKKKKKKKKfourth' >"$T/in/c.txt"
	INPUTS=(../in/a.txt ../in/b.txt ../in/empty.txt ../in/c.txt)
	expected "$T/want" "$T/in/a.txt" "$T/in/b.txt" "$T/in/empty.txt" "$T/in/c.txt"
	[ "$(wc -l <"$T/want")" = 23 ] || fail "expected 23 lines, have $(wc -l <"$T/want")"
	# The duplicate keys, in input order (map tasks in id order).
	grep -a '^KKKKKKKKKK' "$T/want" | tr '\n' ' ' |
		grep -qx 'KKKKKKKKKKfirst KKKKKKKKKKsecond KKKKKKKKKKthird KKKKKKKKKKfourth ' ||
		fail "the expected output does not keep the duplicate keys in input order"
	sort_job 100
	if [ ! -s mr-out-0 ] || [ ! -s mr-out-99 ]; then
		fail "mr-out-0 and mr-out-99 should hold the control and the high first bytes"
	fi
	return "$FAILED"
}

# Every two-byte prefix (but those holding '\n' or NUL), shuffled over 3
# files: with --nreduce 97 the range partition cuts between all kinds of
# neighbours, and mr-out-0..96 in order must still be sorted.
t_sort_every_prefix() {
	need apps/sort.so
	setup 0
	awk 'BEGIN {
		for (i = 1; i < 256; i++)
			for (j = 1; j < 256; j++)
				if (i != 10 && j != 10)
					printf "%c%c%d %d\n", i, j, i, j > (ARGV[1] "/p" (i * 7 + j) % 3 ".txt")
	}' "$T/in" || { fail "awk failed"; return 1; }
	INPUTS=(../in/p0.txt ../in/p1.txt ../in/p2.txt)
	expected "$T/want" "$T/in/p0.txt" "$T/in/p1.txt" "$T/in/p2.txt"
	[ "$(wc -l <"$T/want")" = 64516 ] || fail "expected 64516 lines, have $(wc -l <"$T/want")"
	sort_job 97
	return "$FAILED"
}

# sortcheck, the benchmark's checker: it accepts a sorted output of the
# input's records and reports a record out of order, lost, doubled or
# changed.
t_sortcheck_catches() {
	local in got bad
	setup 0
	"$GENRECORDS" --seed 3 --mb 0.2 --files 2 --outdir "$T/in/rec" ||
		{ fail "genrecords failed"; return 1; }
	cat "$T"/in/rec/records-*.txt | sort >"$T/sorted"
	head -n 1000 "$T/sorted" >"$T/p0"
	tail -n +1001 "$T/sorted" >"$T/p1"
	in=$("$SORTCHECK" --any-order "$T"/in/rec/records-*.txt) || fail "sortcheck --any-order failed"
	case $in in
	"2097 207603 "*) ;;
	*) fail "sortcheck on the input: '$in', expected 2097 records of 99 bytes and their newlines" ;;
	esac
	got=$("$SORTCHECK" "$T/p0" "$T/p1") || fail "sortcheck rejects a sorted output"
	[ "$got" = "$in" ] || fail "the sorted output's digest '$got' differs from the input's '$in'"
	run x 10 "$SORTCHECK" "$T/p1" "$T/p0"
	expect_rc x 1
	expect_in x err "p0:1: key" "sortcheck does not name where the order breaks"
	# one record dropped, one doubled, one byte of payload changed
	for bad in '500d' '500p' '500s/./+/50'; do
		sed "$bad" "$T/p0" >"$T/p0.bad"
		got=$("$SORTCHECK" "$T/p0.bad" "$T/p1") || fail "sed '$bad': sortcheck rejects the order"
		[ "$got" != "$in" ] || fail "sed '$bad': sortcheck does not see the records changed"
	done
	# the same records with the order of two equal keys swapped: still fine
	printf 'KKKKKKKKKKb\nKKKKKKKKKKa\n' >"$T/eq"
	"$SORTCHECK" "$T/eq" >/dev/null || fail "sortcheck rejects equal keys in any order"
	run x 10 "$SORTCHECK" --key 0 "$T/eq"
	expect_rc x 2
	return "$FAILED"
}

# The benchmark's --sort mode at 2 MB: every contender's output passes.
t_bench_sort_quick() {
	setup 0
	MR_BUILD=$BUILD MR_BENCH_DIR=$T timeout -k 5 120 "$ROOT/scripts/bench.sh" \
		--sort --quick --mb 2 >"$T/bench.out" 2>"$T/bench.err"
	local rc=$?
	[ "$rc" = 0 ] || fail "bench.sh --sort exited $rc"
	grep -qx 'bench: 4 passed, 0 failed' "$T/bench.out" || {
		fail "bench.sh --sort did not pass its 4 checks:"
		grep -E '^(not ok|#)' "$T/bench.out" | head -n 6 | sed 's/^/    /'
		tail -n 3 "$T/bench.err" | sed 's/^/    /'
	}
	return "$FAILED"
}

ALL=(
	sort-records:t_sort_records
	sort-odd-records:t_sort_odd_records
	sort-every-prefix:t_sort_every_prefix
	sortcheck-catches:t_sortcheck_catches
	bench-sort-quick:t_bench_sort_quick
)

require_built mrcoordinator mrworker mrsequential apps/sort.so
build_tool genrecords
build_tool sortcheck
run_selected "${ALL[@]}" -- "$@"
summary
