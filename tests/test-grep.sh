#!/usr/bin/env bash
# test-grep.sh - distributed grep (apps/grep.so): its lines equal GNU grep
# -n -H's over several files cut into splits, with and without the caseless
# flag, through the engine and through mrsequential; no match at all is an
# empty output of a job that succeeds; lines that are not UTF-8 or hold NUL
# bytes are matched as bytes, and as UTF-8 with flags=u; a bad pattern or
# flag fails the job with PCRE2's message and the offset.
#
# Usage: tests/test-grep.sh [TEST...]     (no arguments: all tests)
# Needs `make`, and GNU grep with -P (PCRE) for the reference.
# Environment: see tests/tools/testlib.sh (MR_BUILD, MR_DATA, MR_KEEP_TMP).
# Output: "ok N - NAME" / "not ok N - NAME" with "# " lines, then
# "grep: P passed, F failed"; exits 1 if anything failed.

SUITE=grep
. "$(dirname "$0")/tools/testlib.sh"

GREP=$BUILD/apps/grep.so

# need_grep_p: skip unless grep -P works here.
need_grep_p() {
	echo x | grep -qP 'x(?=)' 2>/dev/null || skip "grep -P (PCRE) is not available"
}

# expected ARGS...: GNU grep -n -H ARGS over INPUTS (from T/job), ordered
# as grep.so's whole output is: by file name (bytes), then by line.
expected() {
	(cd "$T/job" && grep -a -n -H "$@" "${INPUTS[@]}") | sort -s -t: -k1,1
}

# merged: the job's mr-out-* as one file ordered by file name, then line
# (each file's lines are in one mr-out-R, in order; README: distributed grep).
merged() {
	sort -m -s -t: -k1,1 mr-out-*
}

# seq_grep NAME PARAM...: mrsequential grep.so over INPUTS in T/NAME.
seq_grep() {
	local name=$1
	shift
	mkdir -p "$T/$name" || exit 1
	(cd "$T/$name" && run "$name" 60 "$SEQ_BIN" "$@" "$GREP" "${INPUTS[@]}")
}

# Three texts cut into 64 KiB splits: file and line numbers as grep's,
# through the engine (two workers, three reduces) and mrsequential.
t_splits() {
	local re='(?:[Tt]he|a) (?:wolf|monster|beetle)s?\b|^\s*CHAPTER [IVX]+\.?$'
	need_grep_p
	setup 3
	expected -P "$re" >"$T/correct"
	[ "$(wc -l <"$T/correct")" -gt 20 ] || fail "the reference has too few lines to tell"
	start_coord c --param "pattern=$re" --split-size 64k --nreduce 3
	start_workers w 2 "$GREP"
	await c 30
	expect_rc c 0
	[ "$(grep -o '"map"' mr-report.json | wc -l)" -gt 6 ] || fail "the files were not split"
	merged >"$T/got"
	same "$T/correct" "$T/got" "grep.so's lines differ from grep -n -H's"
	expect_workers_ok w 2
	seq_grep seq --param "pattern=$re" || fail "mrsequential exited $(rc_of seq)"
	same "$T/correct" "$T/seq/mr-out-0" "mrsequential grep.so differs from grep -n -H"
	return "$FAILED"
}

# flags=i is grep -i; without it case counts; flags=x ignores blanks.
t_caseless() {
	local re='dorian gray|frankenstein'
	need_grep_p
	setup 3
	expected -P -i "$re" >"$T/correct"
	expected -P "$re" >"$T/correct-case"
	cmp -s "$T/correct" "$T/correct-case" && fail "the inputs cannot tell caseless from not"
	start_coord c --param "pattern=$re" --param flags=i --split-size 200k --nreduce 2
	start_workers w 2 "$GREP"
	await c 30
	expect_rc c 0
	merged >"$T/got"
	same "$T/correct" "$T/got" "flags=i differs from grep -i"
	seq_grep seq --param "pattern=$re" || fail "mrsequential exited $(rc_of seq)"
	same "$T/correct-case" "$T/seq/mr-out-0" "without flags=i: differs from grep"
	# x: blanks and comments in the pattern do not count
	seq_grep ext --param 'pattern=dorian [ ] gray | frank enstein  # two names' --param flags=xi ||
		fail "mrsequential flags=xi exited $(rc_of ext)"
	same "$T/correct" "$T/ext/mr-out-0" "flags=xi differs from grep -i"
	return "$FAILED"
}

# No line matches: the job succeeds with empty outputs.
t_no_match() {
	setup 2
	start_coord c --param 'pattern=no such text \d{9}' --nreduce 2
	start_workers w 1 "$GREP"
	await c 30
	expect_job_ok c 2 /dev/null
	[ -s mr-out-0 ] || [ -s mr-out-1 ] && fail "the outputs are not empty"
	return "$FAILED"
}

# Bytes: lines with NUL and invalid UTF-8 matched as bytes; flags=u reads
# UTF-8 (é one character); a last line without '\n' and a '\r' kept.
t_bytes_and_utf8() {
	setup 0
	printf 'caf\xc3\xa9 au lait\nnul\0here cafe\nbad \xff\xfe cafe\r\nCAFE\nend cafe' >"$T/in/b.txt"
	printf 'nothing\n' >"$T/in/a.txt"
	INPUTS=(../in/b.txt ../in/a.txt)
	seq_grep s1 --param 'pattern=caf' || fail "mrsequential exited $(rc_of s1)"
	printf '../in/b.txt:1:caf\xc3\xa9 au lait\n../in/b.txt:2:nul\0here cafe\n../in/b.txt:3:bad \xff\xfe cafe\r\n../in/b.txt:5:end cafe\n' >"$T/correct"
	cmp -s "$T/correct" "$T/s1/mr-out-0" || fail "bytes: got $(od -c "$T/s1/mr-out-0" | head -n 4)"
	seq_grep s2 --param 'pattern=^caf.(?= )' || fail "mrsequential exited $(rc_of s2)"
	[ -s "$T/s2/mr-out-0" ] && fail "without u, é should be two bytes, not one character"
	seq_grep s3 --param 'pattern=^caf.(?= )|\xff' --param flags=u || fail "mrsequential exited $(rc_of s3)"
	printf '../in/b.txt:1:caf\xc3\xa9 au lait\n' | cmp -s - "$T/s3/mr-out-0" ||
		fail "flags=u: got $(od -c "$T/s3/mr-out-0" | head -n 3)"
	return "$FAILED"
}

# A bad pattern: the job fails after --max-attempts with PCRE2's message
# and offset in the worker's log; mrsequential fails at once with it; an
# unknown flag is named; no pattern is named.
t_bad_pattern() {
	setup 1
	start_coord c --param 'pattern=wolf(es|s' --max-attempts 2
	start_workers w 1 "$GREP"
	await c 30
	expect_rc c 1
	expect_in c err "failed in the plugin 2 times"
	expect_in w1 err "bad pattern 'wolf(es|s': missing closing parenthesis at offset 9"
	expect_in c err "bad pattern 'wolf(es|s': missing closing parenthesis at offset 9" \
		"the coordinator's final error does not carry PCRE2's message"
	seq_grep seq --param 'pattern=a[b'
	[ "$(rc_of seq)" = 1 ] || fail "mrsequential exited $(rc_of seq), expected 1"
	expect_in seq err "bad pattern 'a[b': missing terminating ] for character class at offset 3"
	seq_grep flag --param pattern=a --param flags=iq
	expect_in flag err "unknown flag 'q' in flags=iq"
	seq_grep none
	expect_in none err "the grep job has no pattern"
	return "$FAILED"
}

ALL=(
	splits:t_splits
	caseless:t_caseless
	no-match:t_no_match
	bytes-and-utf8:t_bytes_and_utf8
	bad-pattern:t_bad_pattern
)

require_built mrcoordinator mrworker mrsequential apps/grep.so
run_selected "${ALL[@]}" -- "$@"
summary
