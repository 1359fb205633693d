#!/usr/bin/env bash
# test-stream.sh - streaming jobs (apps/stream.so): the word counts of
# examples/streaming/ (Python and awk) equal mrsequential wc.so's, through
# the engine and through mrsequential; a mapper and a reducer that write
# megabytes before reading do not deadlock; a mapper that exits 3 or is
# killed fails the job with its status or signal and the last lines of its
# stderr; lines without a tab, a '\r', a last line without '\n', an empty
# input, NUL bytes and invalid UTF-8 pass through as Hadoop Streaming
# passes them; the child sees only its three pipes and its task's
# variables; a mapper that stops reading early; a missing parameter.
#
# Usage: tests/test-stream.sh [TEST...]     (no arguments: all tests)
# Needs `make`, python3 and awk on PATH.
# Environment: see tests/tools/testlib.sh (MR_BUILD, MR_DATA, MR_KEEP_TMP).
# Output: "ok N - NAME" / "not ok N - NAME" with "# " lines, then
# "stream: P passed, F failed"; exits 1 if anything failed.

SUITE=stream
. "$(dirname "$0")/tools/testlib.sh"

STREAM=$BUILD/apps/stream.so
WC=$BUILD/apps/wc.so
EX=$ROOT/examples/streaming
PY_MAP="python3 $EX/wc_map.py"
PY_RED="python3 $EX/wc_reduce.py"
AWK_MAP="LC_ALL=C awk -f $EX/wc_map.awk"
AWK_RED="LC_ALL=C awk -f $EX/wc_reduce.awk"

# ascii_inputs N: the first N texts with every non-ASCII byte removed, in
# T/in (awk cannot tell Unicode letters as wc.so does).
ascii_inputs() {
	local f i=0
	setup 0
	INPUTS=()
	for f in "$DATA"/pg-*.txt; do
		[ $i -lt "$1" ] || break
		tr -cd '\0-\177' <"$f" >"$T/in/${f##*/}"
		INPUTS+=("../in/${f##*/}")
		i=$((i + 1))
	done
}

# seq_stream NAME MAP REDUCE: mrsequential stream.so over INPUTS in T/NAME.
seq_stream() {
	mkdir -p "$T/$1" || exit 1
	(cd "$T/$1" && run "$1" 60 "$SEQ_BIN" --param "map=$2" --param "reduce=$3" \
		"$STREAM" "${INPUTS[@]}")
}

# stream_job MAP REDUCE [OPTION...]: a job of stream.so with two workers,
# waited for.
stream_job() {
	local map=$1 red=$2
	shift 2
	start_coord c --param "map=$map" --param "reduce=$red" "$@"
	start_workers w 2 "$STREAM"
	await c 60
}

# Python word count, through the engine (files split too) and through
# mrsequential, equals wc.so's on the texts as they are (UTF-8).
t_wc_python() {
	setup 3
	reference "$WC" "$T/correct"
	stream_job "$PY_MAP" "$PY_RED" --split-size 256k --nreduce 3
	expect_job_ok c 3 "$T/correct"
	expect_workers_ok w 2
	seq_stream pyseq "$PY_MAP" "$PY_RED" || fail "mrsequential stream.so exited $(rc_of pyseq)"
	sort "$T/pyseq/mr-out-0" >"$T/got-seq"
	same "$T/correct" "$T/got-seq" "mrsequential stream.so differs from wc.so"
	return "$FAILED"
}

# awk word count, through the engine and mrsequential, equals wc.so's on
# ASCII text.
t_wc_awk() {
	ascii_inputs 4
	reference "$WC" "$T/correct"
	stream_job "$AWK_MAP" "$AWK_RED" --nreduce 4
	expect_job_ok c 4 "$T/correct"
	seq_stream awkseq "$AWK_MAP" "$AWK_RED" || fail "mrsequential stream.so exited $(rc_of awkseq)"
	sort "$T/awkseq/mr-out-0" >"$T/got-seq"
	same "$T/correct" "$T/got-seq" "mrsequential stream.so (awk) differs from wc.so"
	return "$FAILED"
}

# A mapper and a reducer that each write 1.5 MB before reading a byte of
# their 2 MB input (more than a pipe holds): both directions full at once
# must not deadlock.
t_write_before_read() {
	setup 0
	awk 'BEGIN { for (i = 0; i < 200000; i++) printf "in%06d\tv\n", i }' >"$T/in/big.txt"
	INPUTS=(../in/big.txt)
	stream_job 'yes "first	m" | head -n 250000; cat' 'yes "first	r" | head -n 250000; cat' \
		--nreduce 1
	expect_rc c 0
	[ "$(grep -c '^first	r$' mr-out-0)" = 250000 ] ||
		fail "the reducer's first 250000 lines are not all in mr-out-0"
	[ "$(grep -c '^first	m$' mr-out-0)" = 250000 ] ||
		fail "the mapper's first 250000 lines did not all reach the reducer"
	[ "$(grep -c '^in[0-9]*	v$' mr-out-0)" = 200000 ] ||
		fail "the 200000 input lines did not all come through"
	return "$FAILED"
}

# A mapper that exits 3: the job fails after --max-attempts, the
# coordinator says the plugin failed, and the worker's message gives the
# status and the last 10 lines of its stderr.
t_mapper_exit_status() {
	local i
	setup 1
	stream_job 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "complaint $i" >&2; done; exit 3' \
		cat --max-attempts 2
	expect_rc c 1
	expect_in c err "failed in the plugin 2 times" "the coordinator does not say the plugin failed"
	cat "$T"/w*.err >"$T/w.err"
	grep -q "streaming mapper 'for i in .*' exited with status 3; last lines of its stderr: complaint 3 | complaint 4 | .* | complaint 12\$" \
		"$T/w.err" || fail "no worker message with the status and the last 10 stderr lines"
	grep -q "stderr: complaint 2 |" "$T/w.err" && fail "the message quotes more than 10 stderr lines"
	# the plugin's words reach the coordinator (mr_fail) and the report
	expect_in c err "exited with status 3; last lines of its stderr: complaint 3" \
		"the coordinator's error does not carry the mapper's status and stderr"
	grep -q 'exited with status 3; last lines of its stderr' mr-report.json ||
		fail "mr-report.json does not carry the mapper's status and stderr"
	[ -e mr-report.json ] && ! grep -q '"failure": "plugin"' mr-report.json &&
		fail "mr-report.json does not blame the plugin"
	for i in 1 2; do await "w$i" 10; done
	return "$FAILED"
}

# A mapper killed by a signal, and one whose command the shell reports as
# killed (status 137): both named, through mrsequential.
t_mapper_killed() {
	setup 1
	seq_stream k1 'echo dying >&2; kill -9 $$' cat && fail "mrsequential succeeded"
	expect_in k1 err "streaming mapper 'echo dying >&2; kill -9 \$\$' was killed by signal 9 (Killed); last lines of its stderr: dying"
	seq_stream k3 'cat >/dev/null; sh -c "kill -KILL \$\$"' cat && fail "mrsequential succeeded"
	expect_in k3 err "exited with status 137 (its command was killed by signal 9 (Killed))"
	return "$FAILED"
}

# A reducer that fails is named as such; a line longer than 64 MiB is
# refused, saying so.
t_reducer_fails_long_line() {
	setup 1
	seq_stream r1 cat 'cat >/dev/null; echo "reducer gives up" >&2; exit 2' &&
		fail "mrsequential succeeded"
	expect_in r1 err "streaming reducer 'cat >/dev/null; echo \"reducer gives up\" >&2; exit 2' exited with status 2; last lines of its stderr: reducer gives up"
	seq_stream long 'cat >/dev/null; head -c 70000000 /dev/zero | tr "\0" a' cat &&
		fail "mrsequential succeeded"
	expect_in long err "streaming mapper 'cat >/dev/null; head -c 70000000 /dev/zero | tr \"\\0\" a' wrote a line longer than 64 MiB"
	return "$FAILED"
}

# Lines without a tab are all key; a '\r' stays; a last line without '\n'
# counts; the reducer sees KEY<TAB>VALUE and its lines are the output.
t_lines_as_hadoop() {
	setup 0
	printf 'alpha\nbeta\tx\ty\ngamma\r\n\tlead\n\ndelta' >"$T/in/a.txt"
	INPUTS=(../in/a.txt)
	printf '\t\n\tlead\nalpha\t\nbeta\tx\ty\ndelta\t\ngamma\r\t\n' >"$T/correct"
	stream_job cat cat --nreduce 2
	expect_rc c 0
	cat mr-out-* | sort >"$T/got"
	same "$T/correct" "$T/got" "the pairs did not come through as Hadoop Streaming passes them"
	seq_stream seq cat cat || fail "mrsequential exited $(rc_of seq)"
	sort "$T/seq/mr-out-0" >"$T/got-seq"
	same "$T/correct" "$T/got-seq" "mrsequential's output differs"
	return "$FAILED"
}

# NUL bytes and bytes that are not UTF-8 pass through, in keys and values.
t_binary() {
	setup 0
	printf 'k\0ey\t\xff\xfe\0v\nk2\xc3\x28\tw\0\n' >"$T/in/bin.txt"
	INPUTS=(../in/bin.txt)
	printf 'k\0ey\t\xff\xfe\0v\nk2\xc3\x28\tw\0\n' >"$T/correct"
	seq_stream seq cat cat || fail "mrsequential exited $(rc_of seq)"
	cmp -s "$T/correct" "$T/seq/mr-out-0" || fail "mrsequential: the bytes did not pass through: $(od -c "$T/seq/mr-out-0" | head -n 3)"
	stream_job cat cat --nreduce 1
	expect_rc c 0
	cmp -s "$T/correct" mr-out-0 || fail "the engine: the bytes did not pass through: $(od -c mr-out-0 | head -n 3)"
	return "$FAILED"
}

# An empty input still gets its mapper, which sees its task's variables
# and no descriptor but its three pipes (it lists the shell's: "0", "1"
# and "2" become keys); a mapper that stops reading early (head) is judged
# by its status alone, also in mrsequential, which does not ignore SIGPIPE.
t_empty_env_fds() {
	setup 0
	: >"$T/in/empty.txt"
	awk 'BEGIN { for (i = 0; i < 400000; i++) print "line " i }' >"$T/in/long.txt"
	INPUTS=(../in/empty.txt ../in/long.txt)
	stream_job 'case $map_input_file in
		*empty*) printf "%s\t%s %s %s\n" "$mapreduce_map_input_file" "$mapreduce_task_ismap" \
			"$mapreduce_task_partition" "$map_input_file"; ls /proc/$$/fd;;
		*) head -n 1;;
		esac' \
		'cat; echo "reducer $mapreduce_task_ismap $mapreduce_task_partition"' --nreduce 1
	expect_rc c 0
	printf '%s\n' '0	' '1	' '2	' '../in/empty.txt	true 0 ../in/empty.txt' 'line 0	' \
		'reducer false 0' | sort >"$T/correct"
	sort mr-out-0 >"$T/got"
	same "$T/correct" "$T/got" "wrong variables, descriptors, or lines from head"
	# mrsequential does not ignore SIGPIPE: writing to head after it exited
	# must not kill it.
	seq_stream seq 'head -n 1' cat || fail "mrsequential with head exited $(rc_of seq)"
	printf 'line 0\t\n' | cmp -s - "$T/seq/mr-out-0" || fail "mrsequential with head: wrong output"
	return "$FAILED"
}

# No map parameter, or no reduce: the job fails naming the parameter.
t_missing_param() {
	setup 1
	start_coord c --param reduce=cat --max-attempts 1
	start_workers w 1 "$STREAM"
	await c 30
	expect_rc c 1
	expect_in w1 err "the streaming job has no map command: give the job --param map=COMMAND"
	seq_stream seq cat '' && fail "mrsequential without a reducer succeeded"
	expect_in seq err "the streaming job has no reduce command"
	return "$FAILED"
}

ALL=(
	wc-python:t_wc_python
	wc-awk:t_wc_awk
	write-before-read:t_write_before_read
	mapper-exit-status:t_mapper_exit_status
	mapper-killed:t_mapper_killed
	reducer-fails-long-line:t_reducer_fails_long_line
	lines-as-hadoop:t_lines_as_hadoop
	binary:t_binary
	empty-env-fds:t_empty_env_fds
	missing-param:t_missing_param
)

require_built mrcoordinator mrworker mrsequential apps/stream.so apps/wc.so
run_selected "${ALL[@]}" -- "$@"
summary
