#!/usr/bin/env bash
# test-lookup.sh - plugins by name (src/runner/pluginpath.h): mrworker and
# mrsequential take a bare NAME or NAME.so and find it in the current
# directory, then in $MR_PLUGIN_PATH, then among the bundled plugins beside
# the running program (here the build tree's apps/); a file in the current
# directory wins, a directory never does, a path is never searched, and
# nothing found is an error that lists where it looked.
#
# Usage: tests/test-lookup.sh [TEST...]     (no arguments: all tests)
# Needs `make`.  Environment: see tests/tools/testlib.sh (MR_BUILD, MR_DATA,
# MR_KEEP_TMP).
# Output: "ok N - NAME" / "not ok N - NAME" with "# " lines, then
# "lookup: P passed, F failed"; exits 1 if anything failed.

SUITE=lookup
. "$(dirname "$0")/tools/testlib.sh"

unset MR_PLUGIN_PATH

# seq_by NAME WHAT [VAR=VALUE...]: mrsequential NAME over INPUTS in a fresh
# directory T/WHAT (made here; the current directory is left alone), its
# sorted output in T/WHAT.out.  Returns its exit status.
seq_by() {
	local plugin=$1 what=$2 rc
	shift 2
	mkdir -p "$T/$what" || return 1
	(cd "$T/$what" && timeout -k 2s 30 env "$@" "$SEQ_BIN" "$plugin" "${INPUTS[@]}") \
		>"$T/$what.stdout" 2>"$T/$what.err"
	rc=$?
	[ -f "$T/$what/mr-out-0" ] && sort "$T/$what/mr-out-0" >"$T/$what.out"
	return $rc
}

# seq_here NAME WHAT [VAR=VALUE...]: the same, run in the job directory
# (where a plugin file of that name may be), output moved to T/WHAT.out.
seq_here() {
	local plugin=$1 what=$2 rc
	shift 2
	timeout -k 2s 30 env "$@" "$SEQ_BIN" "$plugin" "${INPUTS[@]}" >"$T/$what.stdout" 2>"$T/$what.err"
	rc=$?
	[ -f mr-out-0 ] && sort mr-out-0 >"$T/$what.out" && rm -f mr-out-0
	return $rc
}

# A bare name and NAME.so, from a directory that holds neither, run the
# bundled plugin: the same output as its path.
t_name_finds_bundled() {
	setup 2
	reference "$BUILD/apps/wc.so" "$T/want"
	seq_by wc byname || fail "mrsequential wc exited $?: $(head -n 2 "$T/byname.err")"
	same "$T/want" "$T/byname.out" "mrsequential wc differs from mrsequential $BUILD/apps/wc.so"
	seq_by wc.so bynameso || fail "mrsequential wc.so exited $?: $(head -n 2 "$T/bynameso.err")"
	same "$T/want" "$T/bynameso.out" "mrsequential wc.so differs from the bundled wc.so"
	seq_by indexer idx || fail "mrsequential indexer exited $?"
	grep -q ',' "$T/idx.out" || fail "mrsequential indexer wrote no file lists: not the indexer"
	return "$FAILED"
}

# A job whose workers name their plugin: the output is mrsequential's.
t_worker_by_name() {
	setup 3
	reference "$BUILD/apps/wc.so" "$T/want"
	start_coord c --nreduce 3
	start_workers w 2 wc
	await c 30
	expect_job_ok c 3 "$T/want"
	expect_workers_ok w 2
	return "$FAILED"
}

# The program's own directory is found through /proc/self/exe: a link to
# the binary elsewhere still finds the bundled plugins beside the real one.
t_through_a_link() {
	setup 1
	mkdir "$T/bin" && ln -s "$SEQ_BIN" "$T/bin/mrsequential" || exit 1
	reference "$BUILD/apps/wc.so" "$T/want"
	(cd "$T/seq" && rm -f mr-out-0 && timeout 30 "$T/bin/mrsequential" wc "${INPUTS[@]}") \
		>/dev/null 2>"$T/link.err" || fail "a linked mrsequential did not find wc: $(head -n 2 "$T/link.err")"
	sort "$T/seq/mr-out-0" >"$T/link.out" 2>/dev/null
	same "$T/want" "$T/link.out" "a linked mrsequential ran another wc"
	return "$FAILED"
}

# A plugin file in the current directory wins over the bundled one of
# that name, given as NAME or NAME.so; for mrworker too.
t_current_dir_wins() {
	setup 2
	reference "$BUILD/apps/indexer.so" "$T/want"
	cp "$BUILD/apps/indexer.so" wc.so || exit 1
	seq_here wc name || fail "mrsequential wc exited $?"
	same "$T/want" "$T/name.out" "mrsequential wc did not run ./wc.so"
	seq_here wc.so nameso || fail "mrsequential wc.so exited $?"
	same "$T/want" "$T/nameso.out" "mrsequential wc.so did not run ./wc.so"
	start_coord c --nreduce 2
	start_workers w 1 wc
	await c 30
	expect_job_ok c 2 "$T/want"
	return "$FAILED"
}

# A directory named like the plugin does not hide the bundled one.
t_directory_is_not_a_plugin() {
	setup 1
	reference "$BUILD/apps/wc.so" "$T/want"
	mkdir wc wc.so || exit 1
	seq_here wc dir || fail "mrsequential wc exited $? with directories wc and wc.so here: $(head -n 2 "$T/dir.err")"
	same "$T/want" "$T/dir.out" "mrsequential wc did not run the bundled wc"
	return "$FAILED"
}

# $MR_PLUGIN_PATH: its directories in order, empty entries skipped; before
# the bundled plugins, after the current directory.
t_plugin_path() {
	setup 2
	reference "$BUILD/apps/indexer.so" "$T/idx"
	reference "$BUILD/apps/wc.so" "$T/wc"
	mkdir "$T/p1" "$T/p2" || exit 1
	cp "$BUILD/apps/indexer.so" "$T/p2/mine.so" || exit 1
	seq_by mine own MR_PLUGIN_PATH="::$T/p1::$T/p2:" ||
		fail "mrsequential mine exited $? with it in \$MR_PLUGIN_PATH: $(head -n 2 "$T/own.err")"
	same "$T/idx" "$T/own.out" "mrsequential mine did not run \$MR_PLUGIN_PATH's mine.so"
	cp "$BUILD/apps/wc.so" "$T/p1/mine.so" || exit 1
	seq_by mine first MR_PLUGIN_PATH="$T/p1:$T/p2" || fail "mrsequential mine exited $?"
	same "$T/wc" "$T/first.out" "the first directory of \$MR_PLUGIN_PATH does not win"
	cp "$BUILD/apps/indexer.so" "$T/p1/wc.so" || exit 1
	seq_by wc over MR_PLUGIN_PATH="$T/p1" || fail "mrsequential wc exited $?"
	same "$T/idx" "$T/over.out" "\$MR_PLUGIN_PATH's wc.so does not come before the bundled one"
	cp "$BUILD/apps/wc.so" wc.so || exit 1
	seq_here wc cwd MR_PLUGIN_PATH="$T/p1" || fail "mrsequential wc exited $?"
	same "$T/wc" "$T/cwd.out" "\$MR_PLUGIN_PATH comes before the current directory"
	start_coord c --nreduce 2
	spawn w1 30 env MR_PLUGIN_PATH="$T/p2" "$WORKER_BIN" --socket "$SOCK" mine
	await c 30
	expect_job_ok c 2 "$T/idx"
	return "$FAILED"
}

# Nothing found: exit 1 at once, naming the plugin and every place looked
# in; mrworker says so before it looks for a coordinator.  An empty name is
# refused as such.
t_not_found() {
	setup 1
	run s 10 env MR_PLUGIN_PATH="$T/nowhere" "$SEQ_BIN" nosuch "${INPUTS[@]}"
	expect_rc s 1
	expect_in s err "cannot find plugin nosuch: no nosuch or nosuch.so in the current directory"
	expect_in s err "\$MR_PLUGIN_PATH ($T/nowhere)"
	expect_in s err "$BUILD/apps"
	[ -e mr-out-0 ] && fail "mrsequential wrote mr-out-0 without a plugin"
	run w 10 "$WORKER_BIN" --socket "$SOCK" nosuch.so
	expect_rc w 1
	expect_in w err "cannot find plugin nosuch.so: no nosuch.so in the current directory"
	grep -q 'MR_PLUGIN_PATH' "$T/w.err" && fail "the error names \$MR_PLUGIN_PATH although it is not set"
	grep -qi 'coordinator' "$T/w.err" && fail "mrworker looked for a coordinator before its plugin: $(head -n 2 "$T/w.err")"
	run e 10 "$SEQ_BIN" "" "${INPUTS[@]}"
	expect_rc e 1
	expect_in e err "the plugin's name is empty"
	return "$FAILED"
}

# A name with a '/' is a path: never searched, even when the bundled
# plugin has that base name.
t_path_is_not_searched() {
	setup 1
	run s 10 "$SEQ_BIN" ./wc.so "${INPUTS[@]}"
	expect_rc s 1
	expect_in s err "cannot load plugin ./wc.so"
	expect_in s err "No such file"
	run w 10 "$WORKER_BIN" --socket "$SOCK" sub/wc
	expect_rc w 1
	expect_in w err "cannot load plugin sub/wc"
	return "$FAILED"
}

ALL=(
	name-finds-bundled:t_name_finds_bundled
	worker-by-name:t_worker_by_name
	through-a-link:t_through_a_link
	current-dir-wins:t_current_dir_wins
	directory-is-not-a-plugin:t_directory_is_not_a_plugin
	plugin-path:t_plugin_path
	not-found:t_not_found
	path-is-not-searched:t_path_is_not_searched
)

require_built mrcoordinator mrworker mrsequential apps/wc.so apps/indexer.so
run_selected "${ALL[@]}" -- "$@"
summary
