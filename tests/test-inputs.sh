#!/usr/bin/env bash
# test-inputs.sh - inputs and outputs the way users have them: directories
# as inputs, --inputs-from lists (a file and the standard input), gzip,
# zstd and xz inputs (equal to the plain job, corrupt ones failing the
# job with the file and the library's message, a decompression bomb
# stopped at --input-limit), and --output DIR (over the Unix socket and
# TCP, and with --recover).  mrsequential takes the same forms.
#
# Usage: tests/test-inputs.sh [TEST...]     (no arguments: all tests)
# Needs `make` and `make test-errors-bins` (the plugins in build/tests/).
# Environment: see tests/tools/testlib.sh (MR_BUILD, MR_DATA, MR_KEEP_TMP).
# Output: "ok N - NAME" / "not ok N - NAME" with "# " lines, then
# "inputs: P passed, F failed"; exits 1 if anything failed.

SUITE=inputs
. "$(dirname "$0")/tools/testlib.sh"

WC=$BUILD/apps/wc.so

# seq_ref OUT ARG...: mrsequential wc.so ARG... from T/seq, sorted into OUT.
seq_ref() {
	local out=$1 rc
	shift
	rm -f "$T/seq/mr-out-0"
	(cd "$T/seq" && timeout -k 2s 60 "$SEQ_BIN" "$@") >"$T/seq.out" 2>"$T/seq.err"
	rc=$?
	if [ $rc != 0 ] || [ ! -f "$T/seq/mr-out-0" ]; then
		fail "mrsequential $* exited $rc or wrote nothing"
		show_err seq
		return 1
	fi
	sort "$T/seq/mr-out-0" >"$out"
}

# job NAME WORKERS ARG...: a coordinator on $SOCK with ARG... (options and
# inputs), WORKERS wc workers, waited for.
job() {
	local name=$1 n=$2
	shift 2
	spawn "$name" 60 "$COORD_BIN" --socket "$SOCK" "$@"
	wait_socket "$name"
	start_workers "$name-w" "$n" "$WC"
	await "$name" 60
}

# report_inputs FILE: the "inputs" of a report, one per line.
report_inputs() {
	python3 -c 'import json, sys; print("\n".join(json.load(open(sys.argv[1]))["inputs"]))' "$1"
}

# report_value FILE EXPR: a value of a report (a Python expression over r).
report_value() {
	python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# job_dir_empty: nothing at all left in the job directory.
job_dir_empty() {
	local left
	left=$(ls -A)
	[ -z "$left" ] || fail "left in the job directory: $(echo $left | cut -c 1-200)"
}

# tree: T/in/tree holding three texts, nested, hidden entries, links.
TEXTS=()
tree() {
	local f
	setup 0
	for f in "$DATA"/pg-*.txt; do TEXTS+=("$f"); done
	[ ${#TEXTS[@]} -ge 4 ] || {
		fail "fewer than 4 inputs in $DATA"
		exit 1
	}
	mkdir -p "$T/in/tree/b" "$T/in/tree/.git" || exit 1
	cp "${TEXTS[0]}" "$T/in/tree/z.txt"
	cp "${TEXTS[1]}" "$T/in/tree/b/c.txt"
	cp "${TEXTS[2]}" "$T/in/tree/b.txt"
	ln -s "${TEXTS[3]}" "$T/in/tree/link.txt"    # a link to a file counts
	ln -s b "$T/in/tree/dirlink"                  # a link to a directory does not
	echo "hiddenword one" >"$T/in/tree/.hidden.txt"
	echo "hiddenword two" >"$T/in/tree/.git/config"
	echo "hiddenword three" >"$T/in/tree/b/.swp"
	mkfifo "$T/in/tree/fifo"                      # not a regular file: skipped
	printf '%s\n' ../in/tree/b.txt ../in/tree/b/c.txt ../in/tree/link.txt \
		../in/tree/z.txt >"$T/tree-order"
}

# A directory: every regular file under it, nested, in byte order of the
# paths ("b.txt" before "b/c.txt"), hidden ones skipped, links to files
# followed, links to directories not; the same output as the files named
# one by one, and mrsequential agrees.
t_directory() {
	tree
	seq_ref "$T/ref" "$WC" $(cat "$T/tree-order") || return 1
	job c 2 --nreduce 3 ../in/tree
	expect_job_ok c 3 "$T/ref"
	report_inputs mr-report.json >"$T/got-order"
	same "$T/tree-order" "$T/got-order" "the report's inputs are not the directory's files in sorted order"
	grep -q hiddenword mr-out-* && fail "a hidden file was read"
	seq_ref "$T/ref-dir" "$WC" ../in/tree || return 1
	same "$T/ref" "$T/ref-dir" "mrsequential over the directory differs"
	return "$FAILED"
}

# A file given twice, through a directory and by name, is refused (naming
# both and the directory), as is a directory with no file; nothing starts.
t_directory_duplicate() {
	tree
	run c 10 "$COORD_BIN" --socket "$SOCK" ../in/tree ../in/tree/b/c.txt
	expect_rc c 1
	expect_in c err "twice"
	expect_in c err "../in/tree/b/c.txt"
	expect_in c err "directory ../in/tree"
	run s 10 "$SEQ_BIN" "$WC" ../in/tree ../in/tree/z.txt
	expect_rc s 1
	expect_in s err "twice"
	mkdir -p "$T/in/empty/.hidden" && echo x >"$T/in/empty/.hidden/x"
	run e 10 "$COORD_BIN" --socket "$SOCK" ../in/tree ../in/empty
	expect_rc e 1
	expect_in e err "../in/empty"
	expect_in e err "no regular file"
	[ -e "$SOCK" ] && fail "a socket was created although the inputs are bad"
	job_dir_empty
	return "$FAILED"
}

# --inputs-from FILE: one path per line as written (a space and a '#' are
# part of a name), empty lines skipped, directories expanded, after the
# INPUT arguments; the same output as the files named one by one.
t_inputs_from_file() {
	tree
	cp "${TEXTS[4]:-${TEXTS[0]}}" "$T/in/with space #1.txt"
	printf '\n../in/with space #1.txt\n\n../in/tree\n\n' >"$T/list"
	seq_ref "$T/ref" "$WC" "${TEXTS[5]:-${TEXTS[1]}}" "$T/in/with space #1.txt" \
		$(cat "$T/tree-order") || return 1
	ln -s "${TEXTS[5]:-${TEXTS[1]}}" "$T/in/first.txt"
	job c 2 --nreduce 4 --inputs-from ../list ../in/first.txt
	expect_job_ok c 4 "$T/ref"
	{ echo ../in/first.txt; echo "../in/with space #1.txt"; cat "$T/tree-order"; } >"$T/want-order"
	report_inputs mr-report.json >"$T/got-order"
	same "$T/want-order" "$T/got-order" "the report's inputs are not the arguments, then the list, in order"
	seq_ref "$T/ref-list" "$WC" --inputs-from ../list ../in/first.txt || return 1
	same "$T/ref" "$T/ref-list" "mrsequential --inputs-from differs"
	return "$FAILED"
}

# --inputs-from - reads the standard input (and no INPUT argument is
# needed); a list naming a missing file, or nothing at all, is refused.
t_inputs_from_stdin() {
	setup 3
	printf '%s\n' "${INPUTS[@]}" >"$T/list"
	seq_ref "$T/ref" "$WC" "${INPUTS[@]}" || return 1
	spawn c 60 sh -c 'exec "$@" <"$0"' "$T/list" "$COORD_BIN" --socket "$SOCK" \
		--nreduce 2 --inputs-from -
	wait_socket c
	start_workers w 1 "$WC"
	await c 60
	expect_job_ok c 2 "$T/ref"
	rm -f mr-*
	printf '%s\n' "${INPUTS[0]}" ../in/no-such.txt >"$T/bad"
	run b 10 "$COORD_BIN" --socket "$SOCK" --inputs-from ../bad
	expect_rc b 1
	expect_in b err "../in/no-such.txt"
	expect_in b err "No such file or directory"
	printf '\n\n' >"$T/empty"
	run e 10 "$COORD_BIN" --socket "$SOCK" --inputs-from ../empty
	expect_rc e 1
	expect_in e err "names no input"
	run m 10 "$COORD_BIN" --socket "$SOCK" --inputs-from ../no-such-list
	expect_rc m 1
	expect_in m err "../no-such-list"
	run n 10 "$COORD_BIN" --socket "$SOCK"
	expect_rc n 2
	expect_in n err "no input files"
	run s 10 "$SEQ_BIN" "$WC"
	expect_rc s 2
	expect_in s err "no input files"
	job_dir_empty
	return "$FAILED"
}

# need_tools TOOL...: skip without the compressors.
need_tools() {
	local t
	for t; do
		command -v "$t" >/dev/null || skip "no $t command"
	done
}

# gzip, zstd and xz inputs (and a gzip file of two members): the output of
# the plain job, each one map task whatever --split-size says, named in the
# report as given, mr.map.input.bytes counting decompressed bytes.
t_compressed() {
	local bytes
	need_tools gzip zstd xz
	setup 3
	cp "$T/in/$(basename "${INPUTS[0]}")" "$T/one.txt"
	cp "$T/in/$(basename "${INPUTS[1]}")" "$T/two.txt"
	cp "$T/in/$(basename "${INPUTS[2]}")" "$T/three.txt"
	cat "$T/one.txt" "$T/two.txt" >"$T/onetwo.txt"
	gzip -c "$T/one.txt" >"$T/in/one.txt.gz"
	zstd -q -c "$T/two.txt" >"$T/in/two.txt.zst"
	xz -c "$T/three.txt" >"$T/in/three.txt.xz"
	{ gzip -c "$T/one.txt"; gzip -c "$T/two.txt"; } >"$T/in/onetwo.gz"
	seq_ref "$T/ref" "$WC" ../one.txt ../two.txt ../three.txt ../onetwo.txt || return 1
	INPUTS=(../in/one.txt.gz ../in/two.txt.zst ../in/three.txt.xz ../in/onetwo.gz)
	job c 2 --nreduce 3 --split-size 64K "${INPUTS[@]}"
	expect_job_ok c 3 "$T/ref"
	[ "$(report_value mr-report.json 'r["nmap"]')" = 4 ] ||
		fail "compressed inputs were split: nmap $(report_value mr-report.json 'r["nmap"]'), expected 4"
	printf '%s\n' "${INPUTS[@]}" >"$T/want-order"
	report_inputs mr-report.json >"$T/got-order"
	same "$T/want-order" "$T/got-order" "the report does not name the inputs as given"
	bytes=$(cat "$T/one.txt" "$T/two.txt" "$T/three.txt" "$T/onetwo.txt" | wc -c)
	[ "$(report_value mr-report.json 'r["counters"]["mr.map.input.bytes"]')" = "$bytes" ] ||
		fail "mr.map.input.bytes is $(report_value mr-report.json 'r["counters"]["mr.map.input.bytes"]'), expected $bytes (decompressed)"
	seq_ref "$T/ref-z" "$WC" "${INPUTS[@]}" || return 1
	same "$T/ref" "$T/ref-z" "mrsequential over the compressed inputs differs"
	return "$FAILED"
}

# A corrupt .gz, .zst or .xz fails its map as the engine's fault with the
# library's message and the file name, on every attempt, and the job then
# fails naming the file, as an unreadable input does; mrsequential fails
# the same way.  So does a file cut short.
t_corrupt() {
	local ext lib n=0
	need_tools gzip zstd xz
	setup 1
	cp "$DATA/pg-grimm.txt" "$T/plain.txt"
	gzip -c "$T/plain.txt" >"$T/in/bad.gz"
	zstd -q -c "$T/plain.txt" >"$T/in/bad.zst"
	xz -c "$T/plain.txt" >"$T/in/bad.xz"
	for ext in gz zst xz; do
		printf 'XXXXXXXX' | dd of="$T/in/bad.$ext" bs=1 seek=3000 conv=notrunc 2>/dev/null
	done
	xz -c "$T/plain.txt" | head -c 5000 >"$T/in/cut.xz"
	for ext in gz zst xz cut.xz; do
		n=$((n + 1))
		case $ext in
		gz) lib=zlib ;; zst) lib=libzstd ;; *) lib=liblzma ;;
		esac
		case $ext in *.*) f=../in/$ext ;; *) f=../in/bad.$ext ;; esac
		job c$n 1 --max-attempts 2 --nreduce 2 "${INPUTS[0]}" "$f"
		expect_rc c$n 1
		expect_in c$n err "map task 1 ($f) failed in the engine 2 times"
		expect_in c$n err "cannot decompress $f"
		expect_in c$n err "$lib: "
		[ "$(report_value mr-report.json '[a.get("failure") for t in r["tasks"] if t["kind"] == "map" and t["id"] == 1 for a in t["attempts"]]')" = "['engine', 'engine']" ] ||
			fail "$f: the report does not blame the engine for both attempts"
		run s$n 10 "$SEQ_BIN" "$WC" "$f"
		expect_rc s$n 1
		expect_in s$n err "cannot decompress $f"
		rm -f mr-journal mr-report.json mr-*-*
	done
	return "$FAILED"
}

# A small file that decompresses past --input-limit fails its map saying
# so, before it takes that memory; within the limit it is read.
t_bomb() {
	setup 0
	head -c 3000000 /dev/zero | tr '\0' 'a' | gzip -c >"$T/in/bomb.gz"
	spawn c 60 "$COORD_BIN" --socket "$SOCK" --max-attempts 1 --nreduce 1 ../in/bomb.gz
	wait_socket c
	spawn w 60 "$WORKER_BIN" --socket "$SOCK" --input-limit 1M "$WC"
	await c 30
	expect_rc c 1
	expect_in c err "more than 1048576 bytes decompressed"
	expect_in c err "../in/bomb.gz"
	run s 20 "$SEQ_BIN" --input-limit 1M "$WC" ../in/bomb.gz
	expect_rc s 1
	expect_in s err "input limit"
	run s2 20 "$SEQ_BIN" --input-limit 3000000 "$WC" ../in/bomb.gz
	expect_rc s2 0
	return "$FAILED"
}

# --output DIR: made with its parents, mr-out-R and mr-report.json in it,
# nothing left in the job directory (the intermediates removed as ever);
# mrsequential --output too.
t_output() {
	local r
	setup 3
	seq_ref "$T/ref" "$WC" "${INPUTS[@]}" || return 1
	job c 2 --nreduce 3 --output ../res/sub "${INPUTS[@]}"
	expect_rc c 0
	for r in 0 1 2; do
		[ -f "$T/res/sub/mr-out-$r" ] || fail "mr-out-$r is not in the --output directory"
	done
	[ -f "$T/res/sub/mr-report.json" ] || fail "mr-report.json is not in the --output directory"
	ls -A "$T/res/sub" | grep -qv -e '^mr-out-[0-2]$' -e '^mr-report.json$' &&
		fail "other files in the --output directory: $(ls -A "$T/res/sub" | tr '\n' ' ')"
	sort "$T"/res/sub/mr-out-* | grep . >"$T/got"
	same "$T/ref" "$T/got" "output differs from mrsequential's"
	expect_in c err "results in ../res/sub/mr-out-0..mr-out-2"
	job_dir_empty
	run s 20 "$SEQ_BIN" --output ../sres "$WC" "${INPUTS[@]}"
	expect_rc s 0
	[ -f "$T/sres/mr-out-0" ] || fail "mrsequential --output did not write mr-out-0 there"
	job_dir_empty
	echo x >"$T/afile"
	run b 10 "$COORD_BIN" --socket "$SOCK" --output ../afile "${INPUTS[@]}"
	expect_rc b 1
	expect_in b err "../afile"
	return "$FAILED"
}

# A worker waiting with --reconnect for a coordinator that ended the job
# knows it ended from the new mr-report.json in the --output directory,
# and leaves at once rather than after its window.
t_output_reconnect() {
	setup 1
	printf 'not gzip at all\n' >"$T/in/bad.gz"
	spawn c 60 "$COORD_BIN" --socket "$SOCK" --max-attempts 1 --nreduce 2 --output ../res \
		"${INPUTS[0]}" ../in/bad.gz
	wait_socket c
	spawn w 60 "$WORKER_BIN" --socket "$SOCK" --reconnect 30 "$WC"
	await c 30
	expect_rc c 1
	await w 10 || fail "the worker still waits 10 s after the coordinator ended the job"
	expect_rc w 0
	return "$FAILED"
}

# --output DIR on a TCP job: the workers learn the directory from the
# coordinator and publish there.
t_output_tcp() {
	local port i
	setup 3
	seq_ref "$T/ref" "$WC" "${INPUTS[@]}" || return 1
	(umask 077 && head -c 48 /dev/urandom >"$T/secret")
	spawn c 60 "$COORD_BIN" --listen 127.0.0.1:0 --secret-file "$T/secret" --nreduce 3 \
		--output ../res "${INPUTS[@]}"
	for ((i = 0; i < 500; i++)); do
		port=$(sed -n 's/.* on 127\.0\.0\.1:\([0-9]*\) (TCP).*/\1/p' "$T/c.err" 2>/dev/null)
		[ -n "$port" ] && break
		ended c && break
		sleep 0.02
	done
	[ -n "$port" ] || {
		fail "the coordinator did not say which port it serves"
		show_err c
		return 1
	}
	for i in 1 2; do
		spawn w$i 60 "$WORKER_BIN" --coordinator "127.0.0.1:$port" --secret-file "$T/secret" \
			--local-dir "$T/local$i" "$WC"
	done
	await c 60
	expect_rc c 0
	sort "$T"/res/mr-out-* | grep . >"$T/got"
	same "$T/ref" "$T/got" "output differs from mrsequential's"
	[ -f "$T/res/mr-report.json" ] || fail "mr-report.json is not in the --output directory"
	job_dir_empty
	return "$FAILED"
}

# --recover with --output: a job that failed (one reduce always fails)
# keeps its journal; recovered with another --output it is refused, with
# the same one it finds the finished reduces' mr-out-R there, runs only
# the rest, and leaves the job directory empty; then it has nothing left
# to recover.
t_output_recover() {
	local r
	need tests/plugins/fail_reduce.so
	setup 3
	printf 'poison\npoison apple\n' >"$T/in/poison.txt"
	INPUTS+=(../in/poison.txt)
	seq_ref "$T/ref" "$TPLUG/fail_reduce.so" "${INPUTS[@]}" || return 1
	spawn c1 60 "$COORD_BIN" --socket "$SOCK" --nreduce 3 --max-attempts 2 --output ../res \
		"${INPUTS[@]}"
	wait_socket c1
	start_workers w 2 "$TPLUG/fail_reduce.so" TP_FAIL=300
	await c1 60
	expect_rc c1 1
	[ -s mr-journal ] || fail "the failed job's journal is gone"
	for r in 1 2; do
		[ -f "$T/res/mr-out-$r" ] || fail "mr-out-$r of the failed job is not in ../res"
	done
	for r in 1 2; do await w$r 20; done
	run c2 10 "$COORD_BIN" --socket "$SOCK" --recover --nreduce 3 --max-attempts 2 \
		--output ../elsewhere "${INPUTS[@]}"
	expect_rc c2 2
	expect_in c2 err "output directory is ../elsewhere, the journal's job had ../res"
	spawn c3 60 "$COORD_BIN" --socket "$SOCK" --recover --nreduce 3 --max-attempts 2 \
		--output ../res "${INPUTS[@]}"
	wait_socket c3
	start_workers v 1 "$TPLUG/fail_reduce.so"
	await c3 60
	expect_rc c3 0
	expect_in c3 err "2 of 3 reduce tasks were finished and keep their output"
	sort "$T"/res/mr-out-* | grep . >"$T/got"
	same "$T/ref" "$T/got" "the recovered job's output differs from mrsequential's"
	job_dir_empty
	run c4 10 "$COORD_BIN" --socket "$SOCK" --recover --nreduce 3 --output ../res "${INPUTS[@]}"
	expect_rc c4 0
	expect_in c4 err "nothing to recover"
	return "$FAILED"
}

# The journal records the expanded list: a job over a directory that
# failed is not recovered once the directory has another file (exit 2,
# naming the difference), and is recovered from a list naming the same
# files in the same order.
t_recover_directory() {
	local f
	need tests/plugins/fail_reduce.so
	setup 0
	mkdir "$T/in/d" || exit 1
	for f in "$DATA"/pg-being_ernest.txt "$DATA"/pg-grimm.txt; do cp "$f" "$T/in/d/"; done
	printf 'poison\npoison apple\n' >"$T/in/d/poison.txt"
	seq_ref "$T/ref" "$TPLUG/fail_reduce.so" ../in/d || return 1
	spawn c1 60 "$COORD_BIN" --socket "$SOCK" --nreduce 3 --max-attempts 2 ../in/d
	wait_socket c1
	start_workers w 2 "$TPLUG/fail_reduce.so" TP_FAIL=300
	await c1 60
	expect_rc c1 1
	for f in 1 2; do await w$f 20; done
	echo "a new file" >"$T/in/d/new.txt"
	run c2 10 "$COORD_BIN" --socket "$SOCK" --recover --nreduce 3 --max-attempts 2 ../in/d
	expect_rc c2 2
	expect_in c2 err "4 inputs given, the journal's job had 3"
	rm "$T/in/d/new.txt"
	ls "$T"/in/d/* | sed "s|^$T/|../|" >"$T/list"
	spawn c3 60 "$COORD_BIN" --socket "$SOCK" --recover --nreduce 3 --max-attempts 2 \
		--inputs-from ../list
	wait_socket c3
	start_workers v 1 "$TPLUG/fail_reduce.so"
	await c3 60
	expect_job_ok c3 3 "$T/ref"
	expect_in c3 err "2 of 3 reduce tasks were finished and keep their output"
	return "$FAILED"
}

ALL=(
	directory:t_directory
	directory-duplicate:t_directory_duplicate
	inputs-from-file:t_inputs_from_file
	inputs-from-stdin:t_inputs_from_stdin
	compressed:t_compressed
	corrupt:t_corrupt
	bomb:t_bomb
	output:t_output
	output-reconnect:t_output_reconnect
	output-tcp:t_output_tcp
	output-recover:t_output_recover
	recover-directory:t_recover_directory
)

require_built mrcoordinator mrworker mrsequential apps/wc.so
run_selected "${ALL[@]}" -- "$@"
summary
