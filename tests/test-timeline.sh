#!/usr/bin/env bash
# test-timeline.sh - `mrctl timeline`, the picture of a job's report, and
# `mrctl status --watch`.
#
# The timeline of a real job (the lab's crash plugin: workers that die and
# stall, restarted as they go, so attempts time out and get backups) and of
# a made-up report of 10,000 maps on 100 workers must parse as XML
# (xmllint) and render to PNG (rsvg-convert); the header's totals, the
# lanes (one per worker, at most 64 and a "+N workers" line), the marked
# attempts and, by the bars' data-attempts, every attempt drawn are
# checked against the report, the 10,000-task picture's size is bounded
# per lane, and strings from the report are escaped.  A missing or damaged
# report is an error naming it, with nothing on stdout and no file left by
# -o.  status --watch follows a live job until it ends by itself, clears
# the screen only on a terminal, and stops at SIGINT.
#
# Usage: tests/test-timeline.sh [TEST...]     (no arguments: all tests)
# Needs `make`, `make test-bins` (tests/plugins/slow.so), xmllint
# (libxml2-utils), rsvg-convert (librsvg2-bin) and script (util-linux).
# Environment: see tests/tools/testlib.sh (MR_BUILD, MR_DATA, MR_KEEP_TMP).
# Output: "ok N - NAME" / "not ok N - NAME" with "# " lines, then
# "timeline: P passed, F failed"; exits 1 if anything failed.

SUITE=timeline
. "$(dirname "$0")/tools/testlib.sh"

CTL=$BUILD/mrctl
LANE_BYTES=2048   # the bound on a drawn lane of the 10,000-task picture
FIXED_BYTES=16384 # ... and on the rest of it (header, legend, axis)

# tools: xmllint and rsvg-convert are there, or the test fails saying so.
tools() {
	local t
	for t in xmllint rsvg-convert; do
		command -v "$t" >/dev/null || {
			fail "$t is not installed (Debian: libxml2-utils, librsvg2-bin)"
			exit 1
		}
	done
}

# xpath FILE EXPR: the value of an XPath expression over an SVG (the
# namespace is matched by local-name()).
xpath() {
	xmllint --xpath "$2" "$1" 2>/dev/null
}

# svg_ok SVG: well-formed XML, and rendered to SVG.png by rsvg-convert.
svg_ok() {
	local magic
	xmllint --noout "$1" 2>"$T/xmllint.err" ||
		fail "xmllint rejects $1: $(head -n 3 "$T/xmllint.err" | tr '\n' '|')"
	rsvg-convert "$1" -o "$1.png" 2>"$T/rsvg.err" ||
		fail "rsvg-convert failed on $1: $(head -n 3 "$T/rsvg.err" | tr '\n' '|')"
	magic=$(head -c 8 "$1.png" 2>/dev/null | od -An -c | tr -d ' ')
	[ "$magic" = '211PNG\r\n032\n' ] || fail "rsvg-convert wrote no PNG ($magic)"
}

# n_in_report TEXT: how many lines of mr-report.json hold TEXT.
n_in_report() {
	grep -cF -- "$1" "${2:-mr-report.json}"
}

# drawn SVG CLASS: how many attempts the bars of class CLASS stand for.
drawn() {
	xpath "$1" "sum(//*[local-name()='rect'][@data-attempts][contains(concat(' ', @class, ' '), ' $2 ')]/@data-attempts)"
}

# crash_loop I: a crash-plugin worker, started again each time it dies,
# until $T/stop exists; the running one's pid is in $T/loopI.pid, and
# $T/loopI.end appears when the loop is over.
crash_loop() {
	while [ ! -e "$T/stop" ] && [ -e "$SOCK" ]; do
		timeout -k 1s 20 sh -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' \
			"$T/loop$1.pid" "$WORKER_BIN" --socket "$SOCK" "$BUILD/apps/crash.so" \
			>>"$T/loop$1.out" 2>>"$T/loop$1.err" </dev/null
	done
	: >"$T/loop$1.end"
}

# stop_loops N: end crash loops 1..N and the workers they run (a stalled
# one would sleep on for seconds).
stop_loops() {
	local i n=0
	: >"$T/stop"
	while [ $n -lt 500 ]; do
		n=$((n + 1))
		for ((i = 1; i <= $1; i++)); do
			[ -e "$T/loop$i.end" ] || break
		done
		[ $i -gt "$1" ] && return 0
		for ((i = 1; i <= $1; i++)); do
			[ -e "$T/loop$i.end" ] || kill -KILL "$(cat "$T/loop$i.pid" 2>/dev/null)" 2>/dev/null
		done
		sleep 0.02
	done
	fail "the crash loops did not stop"
}

# The lab's crash test (fewer inputs and reduces, a short task timeout):
# several workers, restarted as they die; every worker a lane, every
# attempt in a bar, the timed-out ones marked, the header's totals those of
# the report, the reduce phase drawn; -o writes the same picture.
t_crash_job() {
	local i want got totals n
	tools
	need mrctl apps/crash.so
	setup 8
	start_coord c --task-timeout 0.25 --nreduce 2
	for ((i = 1; i <= 16; i++)); do
		crash_loop "$i" 2>/dev/null &
	done
	await c 60
	echo "the job took $(awk '/"elapsed_ms"/ { print $2 + 0; exit }' mr-report.json) ms"
	stop_loops 16
	expect_rc c 0 || return "$FAILED"
	"$CTL" timeline >"$T/job.svg" 2>"$T/tl.err" || fail "mrctl timeline exited $?: $(head -n 2 "$T/tl.err")"
	svg_ok "$T/job.svg"
	cp "$T/job.svg.png" "$T/crash.png" # kept with MR_KEEP_TMP
	want=$(grep -o '"worker": [0-9]*' mr-report.json | sort -u | wc -l)
	got=$(xpath "$T/job.svg" "count(//*[@class='worker'])")
	[ "$got" = "$want" ] || fail "$got lanes, expected one per worker: $want"
	want=$(n_in_report '"attempt": ')
	got=$(xpath "$T/job.svg" "sum(//*[local-name()='rect']/@data-attempts)")
	[ "$got" = "$want" ] || fail "the bars stand for $got attempts, the report has $want"
	want=$(n_in_report '"outcome": "timed out"')
	[ "$want" -gt 0 ] || fail "no attempt timed out: the crash plugin did not crash?"
	got=$(drawn "$T/job.svg" timedout)
	[ "$got" = "$want" ] || fail "$got timed-out attempts drawn, the report has $want"
	got=$(drawn "$T/job.svg" superseded)
	[ "$got" = "$(n_in_report '"outcome": "superseded"')" ] || fail "superseded attempts: $got drawn"
	got=$(drawn "$T/job.svg" backup)
	[ "$got" = "$(n_in_report '"backup": true')" ] || fail "backups: $got drawn"
	totals=$(xpath "$T/job.svg" "string(//*[@id='totals'])")
	# (one "outcome": "done" is the job's)
	want="$(n_in_report '"attempt": ') attempts: $(($(n_in_report '"outcome": "done"') - 1)) done, 0 failed, $(n_in_report '"outcome": "timed out"') timed out, $(n_in_report '"outcome": "superseded"') superseded, 0 running; $(n_in_report '"backup": true') backups"
	[ "$totals" = "$want" ] || fail "header totals '$totals', expected '$want'"
	n=$(grep -o '"worker": [0-9]*' mr-report.json | sort -u | wc -l)
	got=$(xpath "$T/job.svg" "string(//*[@id='title'])")
	case $got in
	"Job done in "*": 8 map and 2 reduce tasks, $n workers") ;;
	*) fail "header title '$got'" ;;
	esac
	[ "$(xpath "$T/job.svg" "count(//*[@id='phase'])")" = 1 ] || fail "no phase boundary"
	[ "$(xpath "$T/job.svg" "count(//*[local-name()='script'])")" = 0 ] || fail "a script in the picture"
	"$CTL" timeline -o "$T/out.svg" mr-report.json 2>"$T/o.err" || fail "mrctl timeline -o exited $?"
	cmp -s "$T/job.svg" "$T/out.svg" || fail "-o wrote another picture than stdout got"
	compgen -G "$T/.mr-tmp*" >/dev/null && fail "-o left a temp file"
	return "$FAILED"
}

# gen_report: a made-up report of 10,000 maps (10 ms each, 100 per worker
# on workers 1000..1099, every 50th failing once first with an error full
# of markup) and 100 reduces, reduce 0 a straggler (superseded at 31 s by a
# backup on another worker); inputs named with markup and control
# characters.  On stdout.
gen_report() {
	awk 'BEGIN {
		printf "{\n \"outcome\": \"done\",\n \"elapsed_ms\": 31000,\n \"nmap\": 10000,\n \"nreduce\": 100,\n \"tasks\": [\n"
		for (i = 0; i < 10000; i++) {
			w = 1000 + i % 100; s = int(i / 100) * 10
			printf "  {\"kind\": \"map\", \"id\": %d, \"input\": \"in/<part&\\\"%d\047>\\u0001\\ufffe.txt\", \"attempts\": [", i, i
			if (int(i / 100) % 50 == 7) {
				printf "{\"attempt\": %d, \"worker\": %d, \"backup\": false, \"start_ms\": %d, \"end_ms\": %d, \"outcome\": \"failed\", \"failure\": \"plugin\", \"error\": \"<bad> & \\\"worse\\\"\"}, ", 2 * i + 1, w, s, s + 4
				printf "{\"attempt\": %d, \"worker\": %d, \"backup\": false, \"start_ms\": %d, \"end_ms\": %d, \"outcome\": \"done\"}", 2 * i + 2, w, s + 5, s + 9
			} else {
				printf "{\"attempt\": %d, \"worker\": %d, \"backup\": false, \"start_ms\": %d, \"end_ms\": %d, \"outcome\": \"done\"}", 2 * i + 1, w, s, s + 9
			}
			printf "]},\n"
		}
		for (r = 0; r < 100; r++) {
			printf "  {\"kind\": \"reduce\", \"id\": %d, \"attempts\": [", r
			if (r == 0) {
				printf "{\"attempt\": 30001, \"worker\": 1000, \"backup\": false, \"start_ms\": 1010, \"end_ms\": 31000, \"outcome\": \"superseded\"}, "
				printf "{\"attempt\": 30002, \"worker\": 1001, \"backup\": true, \"start_ms\": 30000, \"end_ms\": 30990, \"outcome\": \"done\"}"
			} else {
				printf "{\"attempt\": %d, \"worker\": %d, \"backup\": false, \"start_ms\": 1010, \"end_ms\": 1030, \"outcome\": \"done\"}", 30002 + r, 1000 + r
			}
			printf "]}%s\n", r < 99 ? "," : ""
		}
		printf " ]\n}\n"
	}'
}

# 10,000 maps on 100 workers: 64 lanes and "+36 workers", sub-pixel bars
# merged (every attempt still counted in data-attempts) within a size
# bound per lane, the failed attempts marked, the straggler and its backup
# drawn, every string escaped.
t_ten_thousand() {
	local size bound got want hidden
	tools
	need mrctl
	setup 0
	gen_report >big.json
	"$CTL" timeline big.json >"$T/big.svg" 2>"$T/tl.err" || fail "mrctl timeline exited $?: $(head -n 2 "$T/tl.err")"
	svg_ok "$T/big.svg"
	got=$(xpath "$T/big.svg" "count(//*[@class='worker'])")
	[ "$got" = 64 ] || fail "$got lanes drawn, expected 64"
	# Workers 1064..1099 are not drawn: 100 maps each, and their reduce.
	hidden=$((36 * 100 + 36 * 2 + 36))
	got=$(xpath "$T/big.svg" "string(//*[@id='more'])")
	[ "$got" = "+36 workers ($hidden attempts) not shown" ] || fail "the note on the lanes not drawn says '$got'"
	want=$((10000 + 200 + 100 + 1 - hidden))
	got=$(xpath "$T/big.svg" "sum(//*[local-name()='rect']/@data-attempts)")
	[ "$got" = "$want" ] || fail "the bars stand for $got attempts, expected $want"
	got=$(xpath "$T/big.svg" "count(//*[local-name()='rect'][@data-attempts])")
	[ "$got" -lt 1000 ] || fail "$got bars: the sub-pixel ones were not merged"
	size=$(wc -c <"$T/big.svg")
	bound=$((FIXED_BYTES + 64 * LANE_BYTES))
	[ "$size" -le "$bound" ] || fail "the picture is $size bytes, more than $bound (64 lanes of $LANE_BYTES)"
	echo "$size bytes, $got bars for 10,301 attempts"
	got=$(drawn "$T/big.svg" failed)
	[ "$got" = 128 ] || fail "$got failed attempts drawn, expected 128 (2 on each of 64 workers)"
	[ "$(drawn "$T/big.svg" superseded)" = 1 ] || fail "the superseded straggler is not drawn"
	[ "$(drawn "$T/big.svg" backup)" = 1 ] || fail "the backup is not drawn"
	got=$(xpath "$T/big.svg" "string(//*[@id='totals'])")
	[ "$got" = "10301 attempts: 10100 done, 200 failed, 0 timed out, 1 superseded, 0 running; 1 backups" ] ||
		fail "header totals '$got'"
	# A bar of its own (the straggler, 30 s wide) names its task; merged ones count.
	got=$(xpath "$T/big.svg" "string(//*[local-name()='rect'][contains(@class,'superseded')]/*)")
	case $got in "reduce 0 attempt 30001: superseded, 1.010 to 31.000 s, worker 1000") ;;
	*) fail "the straggler's tooltip says '$got'" ;;
	esac
	# Markup, controls and non-characters of a name survive as text.
	printf '{"outcome": "done", "elapsed_ms": 100, "tasks": [{"kind": "map", "id": 0, "input": "a<b&c\\"d\x27e\\u0001\\uffff.txt", "attempts": [{"attempt": 1, "worker": 7, "start_ms": 0, "end_ms": 90, "outcome": "failed", "error": "x]]>y\\n"}]}]}\n' >odd.json
	"$CTL" timeline odd.json >"$T/odd.svg" 2>"$T/odd.err" || fail "mrctl timeline odd.json exited $?"
	svg_ok "$T/odd.svg"
	got=$(xpath "$T/odd.svg" "string(//*[local-name()='rect'][@data-attempts]/*)")
	want=$(printf 'map 0 (a<b&c"d\x27e\xef\xbf\xbd\xef\xbf\xbd.txt) attempt 1: failed, 0.000 to 0.090 s, worker 7: x]]>y\n')
	[ "$got" = "$want" ] || fail "the escaped tooltip reads back as '$got'"
	return "$FAILED"
}

# An input whose name is not UTF-8 (and holds markup): the job ends well,
# its report says the name with U+FFFD for the bad byte, and the picture
# is XML that says the same.
t_odd_name_job() {
	local name got
	tools
	need mrctl apps/wc.so
	setup 1
	name=$(printf 'bad\xff<&>.txt')
	cp "$DATA/pg-metamorphosis.txt" "$T/in/$name"
	INPUTS=("../in/$name")
	start_coord c --nreduce 1
	start_workers w 1 "$BUILD/apps/wc.so"
	await c 30
	expect_rc c 0 || return "$FAILED"
	grep -qF "\"input\": \"../in/bad$(printf '\xef\xbf\xbd')<&>.txt\"" mr-report.json ||
		fail "the report does not give the name with U+FFFD: $(grep '"input"' mr-report.json)"
	"$CTL" timeline >"$T/odd.svg" 2>"$T/tl.err" || fail "mrctl timeline exited $?: $(head -n 2 "$T/tl.err")"
	svg_ok "$T/odd.svg"
	got=$(xpath "$T/odd.svg" "string(//*[local-name()='rect'][contains(@class,'map')][@data-attempts]/*)")
	case $got in "map 0 (../in/bad"$'\xef\xbf\xbd'"<&>.txt) attempt "*) ;;
	*) fail "the map's tooltip says '$got'" ;;
	esac
	return "$FAILED"
}

# An interrupted TCP job's report: a lane per host and pid (the same pid on
# two hosts is two workers), an attempt still running drawn to the job's
# end, one recovered from a journal counted but not drawn.
t_interrupted_tcp() {
	local got
	tools
	need mrctl
	setup 0
	cat >tcp.json <<-'EOF'
	{"outcome": "interrupted", "elapsed_ms": 5000, "nmap": 3, "nreduce": 1, "tasks": [
	 {"kind": "map", "id": 0, "input": "a.txt", "attempts": [
	  {"attempt": 1, "worker": 11, "backup": false, "start_ms": 0, "end_ms": 1000, "outcome": "done", "host": "10.0.0.2:4000"}]},
	 {"kind": "map", "id": 1, "input": "b.txt", "attempts": [
	  {"attempt": 2, "worker": 12, "backup": false, "outcome": "done", "recovered": true}]},
	 {"kind": "map", "id": 2, "input": "c.txt", "attempts": [
	  {"attempt": 3, "worker": 11, "backup": false, "start_ms": 2000, "outcome": "running", "host": "10.0.0.3:4000"}]},
	 {"kind": "reduce", "id": 0, "attempts": []}]}
	EOF
	"$CTL" timeline tcp.json >"$T/tcp.svg" 2>"$T/tl.err" || fail "mrctl timeline exited $?: $(head -n 2 "$T/tl.err")"
	svg_ok "$T/tcp.svg"
	got=$(xpath "$T/tcp.svg" "count(//*[@class='worker'])")
	[ "$got" = 2 ] || fail "$got lanes, expected 2 (pid 11 on two hosts)"
	got=$(xpath "$T/tcp.svg" "string((//*[@class='worker'])[2]/*[local-name()='text'])")
	[ "$got" = "10.0.0.3:4000 pid 11" ] || fail "the second lane is labelled '$got'"
	got=$(xpath "$T/tcp.svg" "string(//*[local-name()='rect'][contains(@class,'running')][@data-attempts]/@width)")
	[ "$got" = 564.00 ] || fail "the running attempt is $got px wide, not from 2 s to the job's end at 5 s (564.00)"
	got=$(xpath "$T/tcp.svg" "string(//*[@id='totals'])")
	[ "$got" = "3 attempts: 2 done, 0 failed, 0 timed out, 0 superseded, 1 running; 0 backups; 1 recovered from the journal (not drawn)" ] ||
		fail "header totals '$got'"
	got=$(xpath "$T/tcp.svg" "string(//*[@id='title'])")
	[ "$got" = "Job interrupted in 5.0 s: 3 map and 1 reduce tasks, 2 workers" ] || fail "header title '$got'"
	[ "$(xpath "$T/tcp.svg" "count(//*[@id='phase'])")" = 0 ] || fail "a reduce phase drawn where no reduce ran"
	return "$FAILED"
}

# A report that is missing, damaged or no report: exit 1 naming it, nothing
# on stdout, no file from -o; usage errors exit 2.
t_bad_report() {
	local rc
	need mrctl
	setup 0
	expect_fail() { # WHAT ARGS...: exit 1, nothing on stdout, a message naming the file
		local what=$1
		shift
		"$CTL" timeline "$@" >"$T/out" 2>"$T/err"
		rc=$?
		[ $rc = 1 ] || fail "$what: exit $rc, expected 1"
		[ -s "$T/out" ] && fail "$what: something on stdout"
		grep -q "$what" "$T/err" || fail "$what: the message does not name it: $(head -n 2 "$T/err")"
	}
	expect_fail mr-report.json
	expect_fail missing.json missing.json
	printf '{"outcome": "done", "tasks": [{"kind": "map", "att' >torn.json
	expect_fail torn.json torn.json
	grep -q 'cannot read report torn.json' "$T/err" || fail "a torn report is not called unreadable"
	echo '{"not": "a report"}' >other.json
	expect_fail other.json other.json
	echo '{"tasks": [{"kind": "map", "attempts": [1]}]}' >bad.json
	expect_fail bad.json bad.json
	expect_fail torn.json -o pic.svg torn.json
	[ -e pic.svg ] && fail "-o left a picture of a torn report"
	compgen -G ".mr-tmp*" >/dev/null && fail "a temp file was left behind"
	echo '{"outcome": "done", "elapsed_ms": 5, "tasks": []}' >empty.json
	"$CTL" timeline -o no/such/dir/pic.svg empty.json >/dev/null 2>"$T/err"
	rc=$?
	[ $rc = 1 ] || fail "-o into a missing directory: exit $rc, expected 1"
	grep -q 'no/such/dir' "$T/err" || fail "-o into a missing directory: no message naming it"
	"$CTL" timeline empty.json >"$T/empty.svg" || fail "a report without tasks: exit $?"
	xmllint --noout "$T/empty.svg" 2>/dev/null || fail "the picture of a report without tasks is not XML"
	"$CTL" timeline --frobnicate >/dev/null 2>&1
	[ $? = 2 ] || fail "an unknown option did not exit 2"
	"$CTL" timeline a.json b.json >/dev/null 2>&1
	[ $? = 2 ] || fail "two reports did not exit 2"
	"$CTL" timeline empty.json -o >/dev/null 2>"$T/err"
	[ $? = 2 ] || fail "-o without a file did not exit 2"
	grep -q -- '-o needs a file' "$T/err" || fail "-o without a file: $(head -n 1 "$T/err")"
	return "$FAILED"
}

# wait_for FILE TEXT SECS: poll until FILE holds TEXT; false after SECS.
wait_for() {
	local i
	for ((i = 0; i < $3 * 50; i++)); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.02
	done
	return 1
}

# status --watch follows a live job (4 maps of 1.2 s on 4 workers) and
# ends by itself when the job ends: a snapshot shows running maps, the last
# one says how the job ended; not a terminal: no screen clearing.
t_watch_live() {
	need mrctl tests/plugins/slow.so
	setup 4
	start_coord c --nreduce 2
	start_workers w 4 "$TPLUG/slow.so" TP_SLOW_MS=1200
	spawn watch 30 "$CTL" status --watch --socket "$SOCK"
	await c 30
	expect_rc c 0
	await watch 5 || fail "status --watch did not end within 5 s of the job"
	expect_rc watch 0
	[ "$(grep -c '^job: ' "$T/watch.out")" -ge 2 ] || fail "fewer than 2 snapshots: $(cat "$T/watch.out")"
	grep -Eq '^map: .* [1-4] running' "$T/watch.out" || fail "no snapshot shows a running map"
	grep -q '^  map .* worker ' "$T/watch.out" || fail "no snapshot lists a running attempt"
	[ "$(grep -c '^job: .* phase' "$T/watch.out")" = "$(grep -c '^map: ' "$T/watch.out")" ] ||
		fail "a snapshot is cut short"
	tail -n 3 "$T/watch.out" | head -n 1 | grep -q '^$' || fail "no blank line before the end"
	tail -n 2 "$T/watch.out" | grep -q '^the coordinator has gone: the job has ended' ||
		fail "the last frame does not say the job ended: $(tail -n 2 "$T/watch.out")"
	tail -n 1 "$T/watch.out" | grep -q '^job: done in .*, 4 map and 2 reduce tasks' ||
		fail "the last frame does not give the report's outcome: $(tail -n 1 "$T/watch.out")"
	grep -q $'\033' "$T/watch.out" && fail "escape sequences written to a file"
	expect_empty watch err
	return "$FAILED"
}

# On a terminal (script(1)) each frame clears the screen first; a job
# stopped by a signal ends the watch too, which says so.
t_watch_tty() {
	command -v script >/dev/null || skip "script(1) is not installed"
	need mrctl
	setup 2
	start_coord c
	spawn watch 30 script -qfec "$CTL status --watch --socket $SOCK" "$T/tty.out"
	wait_for "$T/tty.out" 'job: map phase' 10 || fail "no frame on the terminal within 10 s"
	kill -TERM "$(pid_of c)"
	await c 10
	expect_rc c 1
	await watch 5 || fail "status --watch did not end within 5 s of the coordinator"
	expect_rc watch 0
	grep -q $'\033\[H\033\[2J' "$T/tty.out" || fail "no screen clearing on a terminal"
	grep -q 'job: interrupted' "$T/tty.out" || fail "the last frame does not say the job was interrupted"
	awk 'BEGIN { RS = "\033\\[H\033\\[2J" } { last = $0 } END { printf "%s", last }' "$T/tty.out" >"$T/last"
	grep -q '^job: map phase' "$T/last" && grep -q 'the coordinator has gone' "$T/last" ||
		fail "the last frame on the terminal is not the last status and the end: $(tr '\r\n' '||' <"$T/last")"
	return "$FAILED"
}

# SIGINT (Ctrl-C) ends a watch at once with status 0; without a
# coordinator it exits 1 saying so; --json --watch is a usage error.
t_watch_signal() {
	local rc
	need mrctl
	setup 2
	start_coord c
	spawn watch 30 "$CTL" status --watch --socket "$SOCK"
	wait_for "$T/watch.out" 'job: map phase' 10 || fail "no frame within 10 s"
	kill -INT "$(pid_of watch)"
	await watch 3 || fail "status --watch did not stop within 3 s of SIGINT"
	expect_rc watch 0
	expect_empty watch err
	ended c && fail "the coordinator ended with the watch"
	"$CTL" status --watch --socket "$T/nobody.sock" >"$T/n.out" 2>"$T/n.err"
	rc=$?
	[ $rc = 1 ] || fail "--watch without a coordinator exited $rc, expected 1"
	grep -q 'nobody.sock' "$T/n.err" || fail "--watch without a coordinator does not name the socket"
	"$CTL" status --watch --json --socket "$SOCK" >/dev/null 2>&1
	[ $? = 2 ] || fail "--watch --json was not a usage error"
	return "$FAILED"
}

ALL=(
	crash-job:t_crash_job
	ten-thousand:t_ten_thousand
	odd-name-job:t_odd_name_job
	interrupted-tcp:t_interrupted_tcp
	bad-report:t_bad_report
	watch-live:t_watch_live
	watch-tty:t_watch_tty
	watch-signal:t_watch_signal
)

require_built mrcoordinator mrworker mrctl
run_selected "${ALL[@]}" -- "$@"
summary
