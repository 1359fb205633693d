#!/usr/bin/env bash
# test-errors.sh - bad input and misbehaving plugins: every mistake a user
# or a plugin can make must end in the documented exit status (0 done, 1
# failure, 2 usage) with a message naming what is wrong and why, and a job
# whose workers crash must still finish with the right output.  A disk that
# fills up (as root: a small tmpfs as the job directory; skipped otherwise)
# fails the job saying so, and leaves nothing of the attempts that failed.
#
# Usage: tests/test-errors.sh [TEST...]     (no arguments: all tests)
# Needs `make` and `make test-errors-bins` (the plugins in build/tests/).
# Environment: see tests/tools/testlib.sh (MR_BUILD, MR_DATA, MR_KEEP_TMP).
# Output: "ok N - NAME" / "not ok N - NAME" with "# " lines (reasons, time),
# then "errors: P passed, F failed"; exits 1 if anything failed.

SUITE=errors
. "$(dirname "$0")/tools/testlib.sh"

# A user who is not root, for the checks that root's privileges would defeat
# (an unreadable input, a job directory without write permission).
AS_USER=()
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null &&
		setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
		AS_USER=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	fi
fi

# as_user_or_skip: as root, the directory tree must be open to nobody; when
# we are root and cannot switch users, skip.
as_user_or_skip() {
	[ "$(id -u)" = 0 ] || return 0
	[ ${#AS_USER[@]} -gt 0 ] ||
		skip "running as root and cannot switch to uid 65534: root ignores permissions"
	chmod 755 "$T" "$T/in" "$T/job"
	[ -x "$COORD_BIN" ] && "${AS_USER[@]}" test -x "$COORD_BIN" ||
		skip "running as root and uid 65534 cannot run $COORD_BIN"
}

# --- usage ----------------------------------------------------------------

t_no_inputs() {
	setup 1
	run c 10 "$COORD_BIN" --socket "$SOCK"
	expect_rc c 2
	expect_in c err "no input files"
	expect_in c err "usage:"
	[ -e "$SOCK" ] && fail "a socket was created for a usage error"
	return $FAILED
}

t_help() {
	setup 1
	run c 10 "$COORD_BIN" --help
	expect_rc c 0
	expect_in c out "usage: mrcoordinator"
	expect_in c out "--nreduce"
	expect_empty c err
	run w 10 "$WORKER_BIN" --help
	expect_rc w 0
	expect_in w out "usage: mrworker"
	expect_empty w err
	return $FAILED
}

t_unknown_option() {
	setup 1
	run c 10 "$COORD_BIN" --socket "$SOCK" --bogus "${INPUTS[@]}"
	expect_rc c 2
	expect_in c err "--bogus"
	expect_in c err "usage:"
	expect_empty c out
	run c2 10 "$COORD_BIN" --socket "$SOCK" -Z "${INPUTS[@]}"
	expect_rc c2 2
	expect_in c2 err "-Z"
	run c3 10 "$COORD_BIN" --socket "$SOCK" "${INPUTS[@]}" --nreduce
	expect_rc c3 2
	expect_in c3 err "--nreduce"
	run w 10 "$WORKER_BIN" --socket "$SOCK" --bogus "$BUILD/apps/wc.so"
	expect_rc w 2
	expect_in w err "usage:"
	expect_empty w out
	[ -e "$SOCK" ] && fail "a socket was created for a usage error"
	return $FAILED
}

t_bad_nreduce() {
	local v i=0
	setup 1
	for v in 0 -1 -5 abc 5x '' 3.5 100001 99999999999999999999; do
		i=$((i + 1))
		run "c$i" 10 "$COORD_BIN" --socket "$SOCK" --nreduce "$v" "${INPUTS[@]}"
		if [ "$(rc_of "c$i")" != 2 ]; then
			fail "--nreduce '$v': exit $(rc_of "c$i"), expected 2"
			show_err "c$i"
			continue
		fi
		expect_in "c$i" err "--nreduce" "--nreduce '$v': the message does not name the option"
		expect_in "c$i" err "'$v'" "--nreduce '$v': the message does not quote the value"
	done
	# the largest allowed value is accepted (the job is not run: no inputs)
	run big 10 "$COORD_BIN" --socket "$SOCK" --nreduce 100000
	expect_in big err "no input files" "--nreduce 100000 was refused"
	[ -e "$SOCK" ] && fail "a socket was created for a usage error"
	return $FAILED
}

t_bad_numbers() {
	local v i=0
	setup 1
	for v in 0 -1 abc '' 1e9 nan; do
		i=$((i + 1))
		run "t$i" 10 "$COORD_BIN" --socket "$SOCK" --task-timeout "$v" "${INPUTS[@]}"
		if [ "$(rc_of "t$i")" != 2 ]; then
			fail "--task-timeout '$v': exit $(rc_of "t$i"), expected 2"
			show_err "t$i"
		else
			expect_in "t$i" err "--task-timeout" "--task-timeout '$v': message does not name the option"
		fi
	done
	for v in 0 -3 x ''; do
		i=$((i + 1))
		run "a$i" 10 "$COORD_BIN" --socket "$SOCK" --max-attempts "$v" "${INPUTS[@]}"
		if [ "$(rc_of "a$i")" != 2 ]; then
			fail "--max-attempts '$v': exit $(rc_of "a$i"), expected 2"
			show_err "a$i"
		else
			expect_in "a$i" err "--max-attempts" "--max-attempts '$v': message does not name the option"
		fi
	done
	return $FAILED
}

# --- inputs -----------------------------------------------------------------

t_missing_input() {
	setup 2
	run c 10 "$COORD_BIN" --socket "$SOCK" "${INPUTS[0]}" ../in/no-such.txt "${INPUTS[1]}"
	expect_rc c 1
	expect_in c err "../in/no-such.txt"
	expect_in c err "No such file or directory"
	# a path through a regular file: ENOTDIR, whoever we are
	run d 10 "$COORD_BIN" --socket "$SOCK" "${INPUTS[0]}/x"
	expect_rc d 1
	expect_in d err "${INPUTS[0]}/x"
	expect_in d err "Not a directory"
	[ -e "$SOCK" ] && fail "a socket was created although the inputs are bad"
	ls mr-* >/dev/null 2>&1 && fail "files were written although the inputs are bad"
	return $FAILED
}

t_unreadable_input() {
	setup 1
	cp "$DATA/pg-grimm.txt" "$T/in/secret.txt" && chmod 000 "$T/in/secret.txt"
	as_user_or_skip
	run c 10 "${AS_USER[@]}" "$COORD_BIN" --socket "$SOCK" "${INPUTS[0]}" ../in/secret.txt
	expect_rc c 1
	expect_in c err "../in/secret.txt"
	expect_in c err "Permission denied"
	[ -e "$SOCK" ] && fail "a socket was created although an input is unreadable"
	return $FAILED
}

t_directory_input() {
	setup 1
	mkdir "$T/in/adir"
	run c 10 "$COORD_BIN" --socket "$SOCK" "${INPUTS[0]}" ../in/adir
	expect_rc c 1
	expect_in c err "../in/adir"
	expect_in c err "directory"
	[ -e "$SOCK" ] && fail "a socket was created although an input is a directory"
	return $FAILED
}

t_duplicate_input() {
	setup 2
	run c 10 "$COORD_BIN" --socket "$SOCK" "${INPUTS[0]}" "${INPUTS[1]}" "${INPUTS[0]}"
	expect_rc c 1
	expect_in c err "${INPUTS[0]}"
	expect_in c err "twice"
	# the same file under another name counts too
	run d 10 "$COORD_BIN" --socket "$SOCK" "${INPUTS[0]}" "../in/./${INPUTS[0]#../in/}"
	expect_rc d 1
	expect_in d err "twice"
	[ -e "$SOCK" ] && fail "a socket was created although an input is duplicated"
	return $FAILED
}

t_empty_input() {
	local r
	setup 0
	: >"$T/in/empty.txt"
	INPUTS=(../in/empty.txt)
	start_coord c --nreduce 3
	start_workers w 1 "$BUILD/apps/wc.so"
	await c 20
	expect_rc c 0
	for r in 0 1 2; do
		if [ ! -f "mr-out-$r" ]; then
			fail "mr-out-$r was not published"
		elif [ -s "mr-out-$r" ]; then
			fail "mr-out-$r is not empty: $(head -c 80 "mr-out-$r")"
		fi
	done
	[ -e mr-out-3 ] && fail "mr-out-3 exists with --nreduce 3"
	expect_workers_ok w 1
	(cd "$T/seq" && timeout -k 2s 20 "$SEQ_BIN" "$BUILD/apps/wc.so" ../in/empty.txt) \
		>"$T/seq.out" 2>"$T/seq.err"
	r=$?
	[ $r = 0 ] || fail "mrsequential over an empty input exited $r"
	[ -f "$T/seq/mr-out-0" ] && [ ! -s "$T/seq/mr-out-0" ] ||
		fail "mrsequential over an empty input did not write an empty mr-out-0"
	return $FAILED
}

# --- job directory and socket -------------------------------------------------

t_job_dir_not_writable() {
	setup 1
	as_user_or_skip
	if [ "$(id -u)" != 0 ]; then
		chmod 555 "$T/job"
		run c 10 "$COORD_BIN" --socket "$SOCK" "${INPUTS[@]}"
		chmod 755 "$T/job"
	else
		# T is root's and 755: uid 65534 may read it but not write.
		run c 10 "${AS_USER[@]}" "$COORD_BIN" --socket "$SOCK" "${INPUTS[@]}"
	fi
	expect_rc c 1
	expect_in c err "not writable"
	[ -e "$SOCK" ] && fail "a socket was created although the job cannot run"
	return $FAILED
}

t_socket_too_long() {
	local long
	setup 1
	long=$T/$(printf 'x%.0s' $(seq 1 120)).sock
	run c 10 "$COORD_BIN" --socket "$long" "${INPUTS[@]}"
	expect_rc c 1
	expect_in c err "too long"
	expect_in c err "$long"
	[ -e "$long" ] && fail "something was created at the too-long path"
	run w 10 "$WORKER_BIN" --socket "$long" "$BUILD/apps/wc.so"
	expect_rc w 1
	expect_in w err "too long"
	return $FAILED
}

t_socket_not_a_socket() {
	setup 1
	echo "precious" >"$SOCK"
	run c 10 "$COORD_BIN" --socket "$SOCK" "${INPUTS[@]}"
	expect_rc c 1
	expect_in c err "$SOCK"
	expect_in c err "not a socket"
	[ "$(cat "$SOCK" 2>/dev/null)" = precious ] || fail "the file at the socket path was changed"
	return $FAILED
}

# A second coordinator on a live coordinator's socket is refused and the
# first job goes on unharmed.
t_socket_in_use() {
	need tests/plugins/slow.so
	setup 8
	reference "$TPLUG/slow.so" "$T/correct" TP_SLOW_MS=0
	start_coord c1 --nreduce 4
	start_workers w 2 "$TPLUG/slow.so" TP_SLOW_MS=250
	run c2 10 "$COORD_BIN" --socket "$SOCK" --nreduce 4 "${INPUTS[@]}"
	expect_rc c2 1
	expect_in c2 err "$SOCK"
	expect_in c2 err "another coordinator"
	ended c1 && fail "the first coordinator had ended when the second was refused (exit $(rc_of c1))"
	[ -S "$SOCK" ] || fail "the first coordinator's socket is gone after the refused start"
	await c1 40
	expect_job_ok c1 4 "$T/correct"
	expect_workers_ok w 2
	return $FAILED
}

# The socket file of a SIGKILLed coordinator is replaced by the next one
# (which carries on the job from its journal).
t_socket_stale() {
	local p
	need tests/tools/mrpeer
	setup 4
	reference "$BUILD/apps/wc.so" "$T/correct"
	start_coord c1 --nreduce 3
	p=$(pid_of c1)
	kill -KILL "$p"
	await c1 5 || fail "SIGKILLed coordinator $p did not end"
	[ -S "$SOCK" ] || fail "no stale socket after SIGKILL (test premise)"
	start_coord c2 --recover --nreduce 3
	expect_in c2 err "stale" "the second coordinator did not say it replaced a stale socket"
	start_workers w 2 "$BUILD/apps/wc.so"
	await c2 30
	expect_job_ok c2 3 "$T/correct"
	expect_workers_ok w 2
	return $FAILED
}

# --- worker: bad plugins, no coordinator -----------------------------------------

# bad_plugin NAME PATH TEXT...: a worker with plugin PATH exits 1 at once
# (no coordinator needed), its message naming PATH and containing each TEXT.
bad_plugin() {
	local name=$1 path=$2 t0 t1 x
	shift 2
	t0=$(date +%s)
	run "$name" 20 "$WORKER_BIN" --socket "$SOCK" "$path"
	t1=$(date +%s)
	expect_rc "$name" 1
	expect_in "$name" err "$path"
	for x in "$@"; do
		expect_in "$name" err "$x"
	done
	[ $((t1 - t0)) -le 3 ] || fail "$name took $((t1 - t0)) s to refuse the plugin"
}

t_worker_missing_plugin() {
	setup 0
	bad_plugin w "$T/no-such-plugin.so" "No such file"
	return $FAILED
}

t_worker_not_a_shared_object() {
	setup 0
	head -c 4096 "$DATA/pg-grimm.txt" >"$T/text.so"
	bad_plugin w "$T/text.so" "invalid ELF header"
	return $FAILED
}

t_worker_no_symbols() {
	setup 0
	need tests/plugins/no_symbols.so
	bad_plugin w "$TPLUG/no_symbols.so" "mr_map" "undefined symbol"
	return $FAILED
}

t_worker_bad_abi() {
	setup 0
	need tests/plugins/bad_abi.so
	bad_plugin w "$TPLUG/bad_abi.so" "ABI version 2"
	return $FAILED
}

t_worker_no_coordinator() {
	local t0 t1
	setup 0
	t0=$(date +%s.%N)
	run w 30 "$WORKER_BIN" --socket "$SOCK" "$BUILD/apps/wc.so"
	t1=$(date +%s.%N)
	expect_rc w 1
	expect_in w err "$SOCK"
	expect_in w err "no coordinator"
	awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 2 && b - a <= 10) }' ||
		fail "worker gave up after $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s, expected a few seconds (2..10)"
	return $FAILED
}

# --- plugins that crash or fail ---------------------------------------------------

# crash_once PLUGIN PHASE RC: the first PHASE call kills its worker (exit
# status RC; for SIGSEGV under ASan, 1 with ASan's SEGV report); the task is
# re-issued after the 2 s timeout (or sooner, as a backup attempt, when it is
# the last of its phase) and the job ends with mrsequential's output.
crash_once() {
	local plugin=$1 phase=$2 want=$3 i crashed=0 rc
	need "tests/plugins/$plugin.so"
	setup 8
	reference "$TPLUG/$plugin.so" "$T/correct"
	start_coord c --nreduce 5 --task-timeout 2
	start_workers w 2 "$TPLUG/$plugin.so" TP_ONCE_PHASE="$phase"
	await c 40
	expect_job_ok c 5 "$T/correct"
	[ -e ".$plugin-once-$phase" ] || fail "the plugin never misbehaved (no marker file)"
	# Handed to another worker: after the timeout ("re-issuing"), or sooner
	# as a backup attempt when it is the last task of its phase.
	grep -qE 're-issuing|backup attempt' "$T/c.err" || {
		fail "the coordinator never handed the crashed task out again"
		show_err c
	}
	[ "$want" = 139 ] && SAN_SEGV_OK=1
	for i in 1 2; do
		await "w$i" 10
		rc=$(rc_of "w$i")
		[ "$want" = 139 ] && [ "$rc" = 1 ] &&
			grep -q 'AddressSanitizer: SEGV' "$T/w$i.err" && rc=139
		case $rc in
		0) ;;
		"$want") crashed=$((crashed + 1)) ;;
		*) fail "worker w$i exited $(rc_of "w$i") (expected 0, or $want for the one that crashed)" ;;
		esac
	done
	[ $crashed = 1 ] || fail "$crashed workers died with status $want, expected exactly 1"
	return $FAILED
}

t_segv_in_map() { crash_once segv_once map 139; }
t_segv_in_reduce() { crash_once segv_once reduce 139; }
t_exit_in_map() { crash_once exit_once map 3; }
t_exit_in_reduce() { crash_once exit_once reduce 3; }

# A map that fails every time on one input: with --max-attempts 3 the job
# fails promptly (well before the 10 s task timeout could be involved), the
# coordinator naming the task, its input and the worker's error.
t_map_always_fails() {
	local t0 t1
	need tests/plugins/fail_map.so
	setup 3
	cp "$DATA/pg-metamorphosis.txt" "$T/in/poison.txt"
	INPUTS+=(../in/poison.txt)
	t0=$(date +%s.%N)
	start_coord c --nreduce 3 --max-attempts 3
	start_workers w 2 "$TPLUG/fail_map.so" TP_FAIL=poison
	await c 30
	t1=$(date +%s.%N)
	expect_rc c 1
	awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 8) }' ||
		fail "the job took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s to fail, expected < 8 s"
	expect_in c err "map task 3" "the coordinator's message does not name map task 3"
	expect_in c err "../in/poison.txt" "the coordinator's message does not name the input ../in/poison.txt"
	expect_in c err "3 times" "the coordinator's message does not say the task failed 3 times"
	expect_in c err "failed in plugin $TPLUG/fail_map.so" "the coordinator's message does not carry the worker's error text"
	[ -e "$SOCK" ] && fail "the coordinator left its socket behind"
	ls mr-out-* >/dev/null 2>&1 && fail "mr-out files exist although no reduce ran: $(ls mr-out-*)"
	expect_workers_ok w 2
	return $FAILED
}

# A reduce that fails every time for reduce task 0 only: the job fails, and
# the other reduce tasks' published outputs stay, complete and correct.
t_reduce_always_fails() {
	local r missing=
	need tests/plugins/fail_reduce.so
	setup 3
	printf 'poison apple\npoison comb\npoison\n' >"$T/in/poison.txt"
	INPUTS+=(../in/poison.txt)
	reference "$TPLUG/fail_reduce.so" "$T/all-correct"
	grep -v '^poison ' "$T/all-correct" >"$T/correct"
	start_coord c --nreduce 4 --max-attempts 3
	start_workers w 2 "$TPLUG/fail_reduce.so" TP_FAIL=300
	await c 30
	expect_rc c 1
	expect_in c err "reduce task 0" "the coordinator's message does not name reduce task 0"
	expect_in c err "3 times" "the coordinator's message does not say the task failed 3 times"
	expect_in c err "reduce of key 'poison'" "the coordinator's message does not carry the worker's error text"
	[ -e mr-out-0 ] && fail "mr-out-0 exists although its reduce always fails"
	for r in 1 2 3; do
		[ -f "mr-out-$r" ] || missing="$missing mr-out-$r"
	done
	[ -z "$missing" ] || fail "published outputs are missing:$missing"
	sort mr-out-[123] 2>/dev/null >"$T/got"
	same "$T/correct" "$T/got" "the published mr-out-1..3 are not the correct output"
	awk '{ print $1 }' "$T/got" | uniq -d | head -n 3 | grep -q . &&
		fail "a key appears twice in the published outputs"
	[ -e "$SOCK" ] && fail "the coordinator left its socket behind"
	expect_workers_ok w 2
	return $FAILED
}

# --- a full disk ---------------------------------------------------------------

# make_records FILE MB: MB MiB of sort records (as scripts/bench/genrecords.c
# makes them): 100 bytes each, a key of 10 printable bytes, 89 letters and
# digits, a newline.  The same every time.
make_records() {
	awk -v n="$(($2 * 1048576 / 100))" 'BEGIN {
		srand(12)
		for (c = 32; c < 127; c++)
			chars = chars sprintf("%c", c)
		pay = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		pay = substr(pay pay, 1, 89)
		for (i = 0; i < n; i++) {
			k = ""
			for (j = 0; j < 10; j++)
				k = k substr(chars, 1 + int(rand() * 95), 1)
			print k pay
		}
	}' >"$1" || exit 1
}

# mount_job_tmpfs SIZE: make the job directory a tmpfs of SIZE, a disk that
# fills up, unmounted (lazily, whatever still runs in it) when the test
# ends however it ends.  Skips the test unless we are root.
mount_job_tmpfs() {
	[ "$(id -u)" = 0 ] || skip "needs root (mounts a $1 tmpfs as the job directory)"
	cd "$T" || exit 1
	mount -t tmpfs -o "size=$1,mode=0755" mr-test-full "$T/job" ||
		skip "cannot mount a tmpfs on $T/job, even as root"
	trap 'cd / && umount -l "$T/job"; cleanup' EXIT
	cd "$T/job" || exit 1
}

# no_leftovers WHAT 'PATTERN'...: no file of the job directory matches a
# PATTERN (quoted: expanded here).
no_leftovers() {
	local what=$1 pat f left=
	shift
	shopt -s nullglob
	for pat; do
		for f in $pat; do
			left="$left $f"
		done
	done
	shopt -u nullglob
	[ -z "$left" ] || fail "$what left in the job directory:$left"
}

# worker_errors_all NAME TEXT: NAME's stderr has at least one "error:" line,
# and every one of them matches the extended regular expression TEXT.
worker_errors_all() {
	grep -q 'error:' "$T/$1.err" || {
		fail "$1 printed no error"
		return 1
	}
	grep 'error:' "$T/$1.err" | grep -qvE -- "$2" || return 0
	fail "$1 printed an error other than /$2/:"
	grep 'error:' "$T/$1.err" | grep -vE -- "$2" | head -n 3 | sed 's/^/    /'
}

# The disk fills up under a map, as a new user would find it: a 6 MB job
# directory, a 10 MB sort job, the default nReduce.  Each attempt fails
# with one message naming the run it could not write and ENOSPC, the job
# fails (exit 1) saying so, and neither a run of the map that never
# finished nor a temp file is left.  Every attempt fails at the same run:
# the ones before it left nothing behind to take up the space (which also
# shows that each attempt removed its own temp files: the coordinator's
# sweep at the end of the job would hide those).
t_disk_full_map() {
	local files
	setup 0
	mount_job_tmpfs 6m
	make_records "$T/in/records.txt" 10
	INPUTS=(../in/records.txt)
	start_coord c --max-attempts 3
	start_workers w 1 "$BUILD/apps/sort.so"
	await c 60
	expect_rc c 1
	expect_in c err "map task 0" "the coordinator's message does not name map task 0"
	expect_in c err "3 times" "the coordinator's message does not say the map failed 3 times"
	grep -qE 'cannot write mr-0-[0-9]+: No space left on device' "$T/c.err" || {
		fail "the coordinator's message does not carry the worker's: cannot write mr-0-R: No space left on device"
		show_err c
	}
	expect_workers_ok w 1
	worker_errors_all w1 'map 0 attempt [0-9]+: error: cannot write mr-0-[0-9]+: No space left on device$'
	[ "$(grep -c 'error:' "$T/w1.err")" = 3 ] ||
		fail "the worker printed $(grep -c 'error:' "$T/w1.err") error lines for 3 attempts, expected one each"
	files=$(grep -oE 'cannot write mr-0-[0-9]+' "$T/w1.err" | sort -u | wc -l)
	[ "$files" = 1 ] ||
		fail "the attempts failed at $files different runs: a failed attempt left files taking up space"
	no_leftovers "runs of the unfinished map 0 were" 'mr-0-*'
	no_leftovers "temp files were" '.mr-tmp-*'
	return $FAILED
}

# The disk fills up under a reduce (the maps fit, the output does not):
# the job fails naming mr-out-R and ENOSPC, and no mr-out-R, whole or
# torn, and no temp file is left.
t_disk_full_reduce() {
	setup 0
	mount_job_tmpfs 5m
	make_records "$T/in/records.txt" 4 # runs of about 4.5 MB, outputs of 2 MB each
	INPUTS=(../in/records.txt)
	start_coord c --nreduce 2 --max-attempts 2
	start_workers w 1 "$BUILD/apps/sort.so"
	await c 60
	expect_rc c 1
	grep -qE 'reduce task [01] failed .*cannot write mr-out-[01]: No space left on device' "$T/c.err" || {
		fail "the coordinator's message does not name a reduce, mr-out-R and ENOSPC"
		show_err c
	}
	expect_workers_ok w 1
	worker_errors_all w1 'reduce [01] attempt [0-9]+: error: cannot write mr-out-[01]: No space left on device$'
	no_leftovers "outputs of failed reduces were" 'mr-out-*'
	no_leftovers "temp files were" '.mr-tmp-*'
	return $FAILED
}

ALL=(
	no-inputs:t_no_inputs
	help:t_help
	unknown-option:t_unknown_option
	bad-nreduce:t_bad_nreduce
	bad-timeout-attempts:t_bad_numbers
	missing-input:t_missing_input
	unreadable-input:t_unreadable_input
	directory-input:t_directory_input
	duplicate-input:t_duplicate_input
	empty-input:t_empty_input
	job-dir-not-writable:t_job_dir_not_writable
	socket-too-long:t_socket_too_long
	socket-not-a-socket:t_socket_not_a_socket
	socket-in-use:t_socket_in_use
	socket-stale:t_socket_stale
	worker-missing-plugin:t_worker_missing_plugin
	worker-not-a-shared-object:t_worker_not_a_shared_object
	worker-no-symbols:t_worker_no_symbols
	worker-bad-abi:t_worker_bad_abi
	worker-no-coordinator:t_worker_no_coordinator
	segv-in-map:t_segv_in_map
	segv-in-reduce:t_segv_in_reduce
	exit-in-map:t_exit_in_map
	exit-in-reduce:t_exit_in_reduce
	map-always-fails:t_map_always_fails
	reduce-always-fails:t_reduce_always_fails
	disk-full-map:t_disk_full_map
	disk-full-reduce:t_disk_full_reduce
)

require_built mrcoordinator mrworker mrsequential apps/wc.so
run_selected "${ALL[@]}" -- "$@"
summary
