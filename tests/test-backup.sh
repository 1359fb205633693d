#!/usr/bin/env bash
# test-backup.sh - backup tasks: one straggling map attempt must not hold
# the job up when backups are on, and nothing else may be re-run.
#
# Usage: tests/test-backup.sh [TEST...]     (no arguments: all tests)
# Needs `make` and `make test-errors-bins` (the plugins in build/tests/).
# Environment: see tests/tools/testlib.sh (MR_BUILD, MR_DATA, MR_KEEP_TMP).
# Output: "ok N - NAME" / "not ok N - NAME" with "# " lines, then
# "backup: P passed, F failed"; exits 1 if anything failed.

SUITE=backup
. "$(dirname "$0")/tools/testlib.sh"

TPLUG=$BUILD/tests/plugins
# The straggling attempt sleeps this long; the task timeout is 8 s, so a
# backup may start after 4 s (half the timeout) and a plain re-issue at 8 s.
SLOW_MS=20000

# elapsed T0: seconds since T0 (date +%s.%N), one decimal.
elapsed() {
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

# straggler_job OUTVAR [OPTION...]: a wc job over the 8 texts with 2 workers
# where the first map of the Sherlock Holmes text sleeps SLOW_MS; sets
# OUTVAR to the seconds it took.
straggler_job() {
	local __out=$1 t0
	shift
	need tests/plugins/straggler.so
	setup 8
	reference "$TPLUG/straggler.so" "$T/correct"
	t0=$(date +%s.%N)
	start_coord c --task-timeout 8 "$@"
	start_workers w 2 "$TPLUG/straggler.so" TP_ONCE_PHASE=map TP_STRAGGLER=sherlock TP_STRAGGLER_MS=$SLOW_MS
	await c 40
	printf -v "$__out" '%s' "$(elapsed "$t0")"
	expect_job_ok c 10 "$T/correct"
	[ -e .straggler-once-map ] || fail "the straggler never slept (no marker file)"
}

# With backups, the job ends soon after the 4 s mark, long before the slow
# attempt (20 s) or the timeout (8 s) would end it; exactly one backup.
t_backup_shortens_job() {
	local secs
	straggler_job secs
	awk -v s="$secs" 'BEGIN { exit !(s < 7.5) }' ||
		fail "the job took $secs s; with a backup it should end within 7.5 s"
	expect_in c err "backup attempt" "the coordinator started no backup attempt"
	expect_in c err "1 backups (1 won)" "the summary does not report one backup that won"
	echo "job took $secs s"
	return "$FAILED"
}

# With --no-backup the same job waits for the timeout to re-issue the task.
t_no_backup_waits() {
	local secs
	straggler_job secs --no-backup
	awk -v s="$secs" 'BEGIN { exit !(s >= 8) }' ||
		fail "the job took $secs s; without backups it cannot end before the 8 s timeout"
	grep -q "backup attempt" "$T/c.err" && fail "--no-backup, yet a backup attempt was started"
	expect_in c err "re-issuing" "the coordinator never re-issued the slow task"
	echo "job took $secs s"
	return "$FAILED"
}

ALL=(
	backup-shortens-job:t_backup_shortens_job
	no-backup-waits:t_no_backup_waits
)

require_built mrcoordinator mrworker mrsequential
run_selected "${ALL[@]}" -- "$@"
summary
