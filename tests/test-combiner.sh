#!/usr/bin/env bash
# test-combiner.sh - the built-in "sum" combiner (mr_combiner = "sum") end to
# end: wc with the built-in sum and with its own mr_combine
# (--plugin-combiner) gives the same output as mrsequential both ways, also
# when a small memory limit makes the sum table drain and spill; a value
# that is not a count, or a total past 2^64 - 1, fails the job naming the
# key; an unknown combiner name fails the plugin's loading; --help tells
# about --plugin-combiner.
#
# Usage: tests/test-combiner.sh [TEST...]     (no arguments: all tests)
# Needs `make` and `make test-bins` (apps/wc.so and the plugins in
# build/tests/plugins: sum_bad.so, sum_unknown.so).
# Environment: see tests/tools/testlib.sh (MR_BUILD, MR_DATA, MR_KEEP_TMP).
# Output: "ok N - NAME" / "not ok N - NAME" with "# " lines, then
# "combiner: P passed, F failed"; exits 1 if anything failed.

SUITE=combiner
. "$(dirname "$0")/tools/testlib.sh"

WC=$BUILD/apps/wc.so

# seq_run NAME DIR CMD...: run CMD (under timeout, via run) in directory
# DIR, a sibling of T/in, so the relative INPUTS resolve.
seq_run() {
	local name=$1 dir=$2
	shift 2
	mkdir -p "$dir" || return 1
	(cd "$dir" && run "$name" 120 "$@")
}

# seq_ref NAME OUT [--plugin-combiner] PLUGIN [VAR=VALUE...]: mrsequential
# over INPUTS in T/NAME, its mr-out-0 sorted into OUT; fails the test
# (exit) if it does not succeed.
seq_ref() {
	local name=$1 out=$2 flag=() plugin
	shift 2
	if [ "$1" = --plugin-combiner ]; then
		flag=("$1")
		shift
	fi
	plugin=$1
	shift
	seq_run "$name" "$T/$name" env "$@" "$SEQ_BIN" "${flag[@]}" "$plugin" "${INPUTS[@]}"
	if [ "$(rc_of "$name")" != 0 ] || [ ! -s "$T/$name/mr-out-0" ]; then
		fail "mrsequential ${flag[*]} $plugin exited $(rc_of "$name") or wrote nothing"
		show_err "$name"
		exit 1
	fi
	sort "$T/$name/mr-out-0" >"$out"
}

# counter NAME: the job's total of counter NAME in ./mr-report.json (the
# first occurrence: the job's counters come before the tasks').
counter() {
	grep -o "\"$1\": *[0-9]*" mr-report.json 2>/dev/null | head -n 1 | sed 's/.*: *//'
}

# workers_done PREFIX N: workers PREFIX1..N ended (within 10 s) with 0, or
# with 1 because the job had failed and gone before they connected.
workers_done() {
	local i
	for ((i = 1; i <= $2; i++)); do
		await "$1$i" 10
		[ "$(rc_of "$1$i")" = 1 ] && grep -q "no coordinator answers" "$T/$1$i.err" &&
			continue
		expect_rc "$1$i" 0
	done
}

# odd_inputs: small inputs of the awkward kinds, added to T/in and INPUTS.
odd_inputs() {
	local big
	: >"$T/in/empty.txt"
	printf 'Hello world\r\nhello World\r\n\r\nthe end without newline\r' >"$T/in/crlf.txt"
	printf 'caf\xc3\xa9 na\xc3\xafve \xff\xfe word\xc3\x28end \xe2\x82 trunc \xf0\x9f\x98\x80 emoji\xc0\xafover\xed\xa0\x80x \xce\xb1\xce\xb2\xce\xb3 \xce\xb1\xce\xb2\xce\xb3\n' \
		>"$T/in/badutf8.txt"
	printf 'nulaaa\0nulbbb\0\0nulccc nulaaa\0\0\0nulbbb\n\0' >"$T/in/nul.txt"
	big=$(head -c 102400 /dev/zero | tr '\0' 'q')
	printf '%s small %s\nq q %s\n' "$big" "$big" "$big" >"$T/in/bigword.txt"
	INPUTS+=(../in/empty.txt ../in/crlf.txt ../in/badutf8.txt ../in/nul.txt ../in/bigword.txt)
}

# many_words FILE N: N distinct words (letters only), some repeated, 8 a line.
many_words() {
	awk -v n="$2" '
	function w(i,   s) {
		s = ""
		do {
			s = substr("abcdefghijklmnopqrstuvwxyz", i % 26 + 1, 1) s
			i = int(i / 26)
		} while (i > 0)
		return s
	}
	BEGIN {
		for (i = 1; i <= n; i++) {
			line = line " " w(i)
			if (i % 7 == 0) line = line " " w(i) " " w(i / 7)
			if (i % 8 == 0) { print substr(line, 2); line = "" }
		}
		if (line != "") print substr(line, 2)
	}' >"$1"
}

# (a) wc, built-in sum vs its own combine, on workers and in mrsequential:
# the same output four ways, on the texts plus odd inputs.
t_wc_builtin_vs_plugin() {
	local i in out
	need apps/wc.so
	setup
	odd_inputs
	seq_ref seq-sum "$T/ref" "$WC"
	seq_ref seq-plugin "$T/ref-plugin" --plugin-combiner "$WC"
	same "$T/ref" "$T/ref-plugin" "mrsequential: the built-in sum and --plugin-combiner differ"
	grep -q "^$(head -c 102400 /dev/zero | tr '\0' 'q') 3\$" "$T/ref" ||
		fail "mrsequential: the 100 KB word is not counted 3 times"
	grep -qx 'nulaaa 2' "$T/ref" && grep -qx 'nulbbb 2' "$T/ref" && grep -qx 'nulccc 1' "$T/ref" ||
		fail "mrsequential: the words between NUL bytes are not counted right"

	# the built-in sum (several map tasks per big text: --split-size)
	start_coord c --nreduce 4 --split-size 200K
	start_workers w 3 "$WC"
	await c 120
	expect_job_ok c 4 "$T/ref"
	cp "$T/got" "$T/got-sum"
	expect_workers_ok w 3
	in=$(counter mr.combine.input.records)
	out=$(counter mr.combine.output.records)
	[ -n "$in" ] && [ "$in" = "$(counter mr.map.output.records)" ] ||
		fail "built-in sum: mr.combine.input.records is '$in', expected every map output record ($(counter mr.map.output.records))"
	[ -n "$out" ] && [ "$out" -lt "$in" ] && [ "$out" = "$(counter mr.reduce.input.records)" ] ||
		fail "built-in sum: mr.combine.output.records is '$out', expected fewer than $in and what the reduces read ($(counter mr.reduce.input.records))"

	# the plugin's mr_combine on the workers
	mkdir "$T/job2" && cd "$T/job2" || exit 1
	SOCK=$T/mr2.sock
	start_coord c2 --nreduce 4 --split-size 200K
	for i in 1 2 3; do
		spawn "p$i" 60 "$WORKER_BIN" --plugin-combiner --socket "$SOCK" "$WC"
	done
	await c2 120
	expect_job_ok c2 4 "$T/ref"
	expect_workers_ok p 3
	same "$T/got-sum" "$T/got" "the job's output with the built-in sum and with --plugin-combiner differ"
	in=$(counter mr.combine.input.records)
	[ -n "$in" ] && [ "$in" -gt 0 ] &&
		[ "$(counter mr.reduce.input.records)" -lt "$(counter mr.map.output.records)" ] ||
		fail "--plugin-combiner: mr.combine.input.records is '$in' and the reduces read $(counter mr.reduce.input.records) of $(counter mr.map.output.records) map output records: the plugin's combine did not run"
	return "$FAILED"
}

# (b) a 1 MiB memory limit and many distinct words: the sum table drains
# into the partitions and they spill; the output is still mrsequential's.
t_small_memory_limit() {
	local spills
	need apps/wc.so
	setup 1
	many_words "$T/in/words1.txt" 150000
	many_words "$T/in/words2.txt" 120000
	INPUTS+=(../in/words1.txt ../in/words2.txt)
	seq_ref seq "$T/ref" "$WC"
	[ "$(wc -l <"$T/ref")" -gt 150000 ] || fail "the generated input has too few distinct words"
	start_coord c --nreduce 3
	for i in 1 2; do
		spawn "w$i" 60 "$WORKER_BIN" --memory-limit 1M --socket "$SOCK" "$WC"
	done
	await c 120
	expect_job_ok c 3 "$T/ref"
	expect_workers_ok w 2
	spills=$(counter mr.spills)
	[ -n "$spills" ] && [ "$spills" -gt 0 ] ||
		fail "mr.spills is '$spills' with --memory-limit 1M and 150000 words: the sum table did not drain and spill (the test proves nothing)"
	# with spills a key's totals are summed again on the way out, so the
	# combine output counts more records than the reduces read
	[ "$(counter mr.combine.input.records)" -ge "$(counter mr.map.output.records)" ] &&
		[ "$(counter mr.combine.output.records)" -ge "$(counter mr.reduce.input.records)" ] &&
		[ "$(counter mr.reduce.input.records)" -lt "$(counter mr.map.output.records)" ] ||
		fail "implausible counters: mr.map.output.records $(counter mr.map.output.records), mr.combine.input.records $(counter mr.combine.input.records), mr.combine.output.records $(counter mr.combine.output.records), mr.reduce.input.records $(counter mr.reduce.input.records)"
	return "$FAILED"
}

# (c) a value that is no count ("x"): every attempt of that map fails, the
# job fails (exit 1) naming the key and the value, and no output appears.
t_bad_value_fails_job() {
	need tests/plugins/sum_bad.so
	setup 2
	printf 'an apple\nthe poison apple\n' >"$T/in/poison.txt"
	INPUTS+=(../in/poison.txt)
	start_coord c --nreduce 3 --max-attempts 2
	start_workers w 2 "$TPLUG/sum_bad.so" SUM_BAD_VALUE=x
	await c 60
	expect_rc c 1
	cat "$T"/c.err "$T"/w*.err >"$T/all-err"
	grep -qF "value 'x' of key 'poison'" "$T/all-err" ||
		fail "neither the coordinator's nor a worker's stderr says value 'x' of key 'poison'"
	expect_in c err "poison" "the coordinator's message does not name the key 'poison'"
	expect_in c err "../in/poison.txt" "the coordinator's message does not name the input"
	[ -e "$SOCK" ] && fail "the coordinator left its socket behind"
	ls mr-out-* >/dev/null 2>&1 && fail "mr-out files exist although the maps failed: $(ls mr-out-*)"
	workers_done w 2
	return "$FAILED"
}

# (c') a total past 2^64 - 1 within one map task fails the job the same way.
t_overflow_fails_job() {
	need tests/plugins/sum_bad.so
	setup 1
	printf 'poison\nand poison again\n' >"$T/in/poison.txt"
	INPUTS+=(../in/poison.txt)
	start_coord c --nreduce 2 --max-attempts 2
	start_workers w 2 "$TPLUG/sum_bad.so" SUM_BAD_VALUE=18446744073709551615
	await c 60
	expect_rc c 1
	expect_in c err "total of key 'poison' passes 2^64 - 1" \
		"the coordinator's message does not say the total of key 'poison' passes 2^64 - 1"
	ls mr-out-* >/dev/null 2>&1 && fail "mr-out files exist although the maps failed: $(ls mr-out-*)"
	workers_done w 2
	return "$FAILED"
}

# (d) mrsequential (one map output for all inputs): 2^64 - 1 twice for one
# key exits 1 naming the key; three values adding up to exactly 2^64 - 1,
# over two inputs, are fine, one more in each and not; a 20-digit value
# above 2^64 - 1 is refused naming it.
t_sequential_overflow() {
	need tests/plugins/sum_bad.so
	setup 0
	printf 'poison and\npoison\n' >"$T/in/a.txt"
	printf 'no poison here\n' >"$T/in/b.txt"
	INPUTS+=(../in/a.txt ../in/b.txt)
	seq_run s1 "$T/s1" env SUM_BAD_VALUE=18446744073709551615 "$SEQ_BIN" "$TPLUG/sum_bad.so" "${INPUTS[@]}"
	expect_rc s1 1
	expect_in s1 err "total of key 'poison' passes 2^64 - 1"
	expect_in s1 err "sum_bad.so"
	seq_run s2 "$T/s2" env SUM_BAD_VALUE=6148914691236517205 "$SEQ_BIN" "$TPLUG/sum_bad.so" "${INPUTS[@]}"
	expect_rc s2 0 # 3 x (2^64 - 1) / 3, over two inputs: exactly 2^64 - 1
	grep -qx 'poison 18446744073709551615' "$T/s2/mr-out-0" ||
		fail "3 x 6148914691236517205 is not 18446744073709551615 in mr-out-0: $(grep poison "$T/s2/mr-out-0")"
	seq_run s3 "$T/s3" env SUM_BAD_VALUE=6148914691236517206 "$SEQ_BIN" "$TPLUG/sum_bad.so" "${INPUTS[@]}"
	expect_rc s3 1
	expect_in s3 err "'poison'"
	seq_run s4 "$T/s4" env SUM_BAD_VALUE=99999999999999999999 "$SEQ_BIN" "$TPLUG/sum_bad.so" "${INPUTS[@]}"
	expect_rc s4 1
	expect_in s4 err "value '99999999999999999999' of key 'poison'"
	return "$FAILED"
}

# (e) mr_combiner = "max": loading the plugin fails in mrworker and mrsequential.
t_unknown_combiner() {
	need tests/plugins/sum_unknown.so
	setup 1
	run w1 20 "$WORKER_BIN" --socket "$SOCK" "$TPLUG/sum_unknown.so"
	expect_rc w1 1
	expect_in w1 err "'max'"
	expect_in w1 err "mr_combiner"
	seq_run s1 "$T/seq" "$SEQ_BIN" "$TPLUG/sum_unknown.so" "${INPUTS[@]}"
	expect_rc s1 1
	expect_in s1 err "'max'"
	expect_in s1 err "mr_combiner"
	[ -e "$T/seq/mr-out-0" ] && fail "mrsequential wrote mr-out-0 although the plugin did not load"
	return "$FAILED"
}

# (f) --help of both tells about --plugin-combiner.
t_help() {
	setup 0
	run h1 20 "$SEQ_BIN" --help
	expect_rc h1 0
	expect_in h1 out "--plugin-combiner"
	run h2 20 "$WORKER_BIN" --help
	expect_rc h2 0
	expect_in h2 out "--plugin-combiner"
	run h3 20 "$SEQ_BIN" --plugin-combiner
	expect_rc h3 2
	return "$FAILED"
}

ALL=(
	wc-builtin-vs-plugin:t_wc_builtin_vs_plugin
	small-memory-limit:t_small_memory_limit
	bad-value-fails-job:t_bad_value_fails_job
	overflow-fails-job:t_overflow_fails_job
	sequential-overflow:t_sequential_overflow
	unknown-combiner:t_unknown_combiner
	help:t_help
)

require_built mrcoordinator mrworker mrsequential
run_selected "${ALL[@]}" -- "$@"
summary
