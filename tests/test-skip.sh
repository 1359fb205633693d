#!/usr/bin/env bash
# test-skip.sh - bad records: a plugin that crashes on some lines (a
# per-record map) fails the job naming the file and the line's offset, and
# with --skip-bad-records the job skips exactly those lines and finishes.
#
# Usage: tests/test-skip.sh [TEST...]     (no arguments: all tests)
# Needs `make` and `make test-errors-bins` (the plugins in build/tests/).
# Environment: see tests/tools/testlib.sh (MR_BUILD, MR_DATA, MR_KEEP_TMP).
# Output: "ok N - NAME" / "not ok N - NAME" with "# " lines, then
# "skip: P passed, F failed"; exits 1 if anything failed.

SUITE=skip
. "$(dirname "$0")/tools/testlib.sh"

TPLUG=$BUILD/tests/plugins

# poisoned: 3 texts plus a copy of a fourth with two "POISON" lines added;
# POISON_AT gets their byte offsets.
poisoned() {
	setup 3
	awk 'NR == 100 || NR == 2000 { print "a POISON line here" } { print }' \
		"$DATA/pg-grimm.txt" >"$T/in/poison.txt"
	INPUTS+=(../in/poison.txt)
	POISON_AT=$(grep -b POISON "$T/in/poison.txt" | cut -d: -f1 | tr '\n' ' ')
}

# Without --skip-bad-records: exit 1, naming the file and the first bad line.
t_bad_record_fails_job() {
	local first
	need tests/plugins/poison.so
	SAN_SEGV_OK=1 # the plugin crashes on purpose
	poisoned
	first=${POISON_AT%% *}
	start_coord c --max-attempts 3
	start_workers w 2 "$TPLUG/poison.so"
	await c 30
	expect_rc c 1
	expect_in c err "../in/poison.txt" "the coordinator's message does not name the input"
	expect_in c err "line at byte $first" "the coordinator's message does not name the line at byte $first"
	return "$FAILED"
}

# With --skip-bad-records: the job finishes with the output of the input
# without those lines, and the report lists both offsets.
t_skip_bad_records() {
	local off
	need tests/plugins/poison.so
	SAN_SEGV_OK=1 # the plugin crashes on purpose
	poisoned
	mkdir "$T/clean"
	for f in "$T"/in/*; do
		grep -v POISON "$f" >"$T/clean/${f##*/}"
	done
	(cd "$T/seq" && timeout -k 2s 60 "$SEQ_BIN" "$TPLUG/poison.so" ../clean/*) \
		>/dev/null 2>"$T/seq.err" || fail "mrsequential over the clean inputs failed"
	sort "$T/seq/mr-out-0" >"$T/correct"
	start_coord c --skip-bad-records --max-attempts 2
	start_workers w 2 "$TPLUG/poison.so"
	await c 60
	expect_job_ok c 10 "$T/correct"
	for off in $POISON_AT; do
		grep -q "skipping the bad record at byte $off" "$T/c.err" ||
			fail "the coordinator did not log skipping the record at byte $off"
		tr -d ' \n' <mr-report.json | grep -q "\"skipped_records\":\[[0-9,]*$off" ||
			fail "mr-report.json does not list the skipped record at byte $off"
	done
	tr -d ' \n' <mr-report.json | grep -q '"mr.map.skipped.records":2' ||
		fail "mr-report.json does not count 2 skipped records"
	return "$FAILED"
}

ALL=(
	bad-record-fails-job:t_bad_record_fails_job
	skip-bad-records:t_skip_bad_records
)

require_built mrcoordinator mrworker mrsequential
run_selected "${ALL[@]}" -- "$@"
summary
