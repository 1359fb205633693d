#!/usr/bin/env bash
# test-params.sh - job parameters (--param) and the plugin's task hooks
# (mr_task_start / mr_task_end) and raw output lines (mr_emit_line), through
# mrsequential and through the engine, with the test plugin
# tests/plugins/hooks.c.
#
# Usage: tests/test-params.sh [TEST...]     (no arguments: all tests)
# Needs `make` and `make test-bins`.  Environment: see tests/tools/testlib.sh.
# Output: "ok N - NAME" / "not ok N - NAME", then "params: P passed, F failed".

SUITE=params
. "$(dirname "$0")/tools/testlib.sh"

HOOKS=$TPLUG/hooks.so
# A value with a tab, a quote, '=' and bytes that are not UTF-8.
TAG=$'x\ty "q" =\xff\xfe end'

# two small inputs of our own (lines repeat across them)
small_inputs() {
	setup 0
	printf 'alpha\nbeta\nalpha\n\ngamma' >"$T/in/one.txt"
	printf 'beta\nalpha\n' >"$T/in/two.txt"
	: >"$T/in/empty.txt"
	INPUTS=(../in/one.txt ../in/two.txt ../in/empty.txt)
}

# The engine and mrsequential agree, with parameters, raw lines and both
# hooks; the reduce's end line comes once per reduce task.
t_params_through_engine() {
	local r
	need tests/plugins/hooks.so
	small_inputs
	(cd "$T/seq" && timeout -k 2s 30 "$SEQ_BIN" --param "tag=$TAG" --param raw=1 "$HOOKS" \
		"${INPUTS[@]}") >"$T/seq.out" 2>"$T/seq.err" || fail "mrsequential failed: $(cat "$T/seq.err")"
	grep -a '^#maps	3	' "$T/seq/mr-out-0" >/dev/null ||
		fail "mrsequential: each of the 3 maps' mr_task_end should emit once"
	grep -av '^#end of reduce' "$T/seq/mr-out-0" | sort >"$T/correct"
	grep -aq "^alpha	3	$TAG\$" "$T/correct" || fail "the tag did not reach the output unchanged"
	start_coord c --nreduce 3 --param raw=1 --param "tag=$TAG"
	start_workers w 2 "$HOOKS"
	await c 30
	expect_rc c 0
	cat mr-out-* | grep -av '^#end of reduce' | sort >"$T/got"
	same "$T/correct" "$T/got" "the engine's output differs from mrsequential's"
	for ((r = 0; r < 3; r++)); do
		grep -aq "^#end of reduce $r: [0-9]* keys\$" "mr-out-$r" ||
			fail "mr-out-$r lacks its reduce's end line"
	done
	python3 - "$TAG" <<'PY' || fail "mr-report.json does not list the parameters"
import json, sys
r = json.load(open("mr-report.json"))
want = {"raw": "1", "tag": sys.argv[1].encode("utf-8", "surrogateescape").decode("utf-8", "replace")}
sys.exit(0 if r.get("params") == want else 1)
PY
	return "$FAILED"
}

# No --param: mr_param gives NULL (the plugin's "none"), nothing listed.
t_no_params() {
	need tests/plugins/hooks.so
	small_inputs
	start_coord c --nreduce 2
	start_workers w 1 "$HOOKS"
	await c 30
	expect_rc c 0
	grep -aq '^alpha 3$' mr-out-* || fail "expected 'alpha 3' from mr_emit without raw=1"
	tr -d ' \n' <mr-report.json | grep -q '"params":{}' || fail "the report should list no parameters"
	return "$FAILED"
}

# Bad --param: usage errors (exit 2) naming the rule, for both binaries.
t_bad_params() {
	local a
	need tests/plugins/hooks.so
	small_inputs
	for a in novalue "=x" "bad key=1" "k=1 --param k=2"; do
		# shellcheck disable=SC2086
		run c 10 "$COORD_BIN" --socket "$SOCK" --param $a "${INPUTS[@]}"
		expect_rc c 2
		# shellcheck disable=SC2086
		run s 10 "$SEQ_BIN" --param $a "$HOOKS" "${INPUTS[@]}"
		expect_rc s 2
	done
	expect_in c err "given twice" "a key given twice is not named as such"
	run c 10 "$COORD_BIN" --socket "$SOCK" --param "k=$(head -c 5000 /dev/zero | tr '\0' v)" \
		"${INPUTS[@]}"
	expect_rc c 2
	expect_in c err "longer than 4096" "a too long value is not said to be too long"
	[ -e mr-journal ] && fail "a usage error left a journal"
	return "$FAILED"
}

# A failing mr_task_end fails the attempt (the plugin's fault, named).
t_hook_failure() {
	need tests/plugins/hooks.so
	small_inputs
	start_coord c --nreduce 2 --max-attempts 2 --param fail_end=map
	start_workers w 1 "$HOOKS"
	await c 30
	expect_rc c 1
	expect_in c err "mr_task_end of map" "the coordinator does not say mr_task_end failed"
	grep -q '"failure": "plugin"' mr-report.json || fail "the failure is not the plugin's in the report"
	return "$FAILED"
}

# A failing map: mr_task_end hears ok=0 and its emits are refused.
t_end_after_failure() {
	need tests/plugins/hooks.so
	small_inputs
	start_coord c --nreduce 2 --max-attempts 1 --param fail_map=1
	start_workers w 1 "$HOOKS"
	await c 30
	expect_rc c 1
	expect_in w1 err "hooks: end of map 0 with ok=0" "mr_task_end was not told the map failed"
	grep -q "emit after a failure was taken" "$T/w1.err" && fail "an emit after the failure was taken"
	return "$FAILED"
}

# mr_emit_line in a map is refused as the plugin's mistake.
t_line_in_map() {
	need tests/plugins/hooks.so
	small_inputs
	run s 10 "$SEQ_BIN" --param line_in_map=1 "$HOOKS" "${INPUTS[@]}"
	expect_rc s 1
	expect_in s err "mr_emit_line in a map" "mr_emit_line in a map is not refused by name"
	[ -e mr-out-0 ] && fail "a failed mrsequential left mr-out-0"
	return "$FAILED"
}

# --recover with other parameters: exit 2 naming the difference; with the
# same ones (in another order) the job carries on.
t_recover_params() {
	need tests/plugins/hooks.so
	small_inputs
	start_coord c --nreduce 2 --max-attempts 1 --param a=1 --param b=2 --param fail_start=reduce
	start_workers w 1 "$HOOKS"
	await c 30
	expect_rc c 1
	[ -e mr-journal ] || fail "the failed job left no journal"
	run r 10 "$COORD_BIN" --socket "$SOCK" --recover --nreduce 2 --param a=1 --param b=3 \
		--param fail_start=reduce "${INPUTS[@]}"
	expect_rc r 2
	expect_in r err "--param" "the mismatch does not name --param"
	start_coord r2 --recover --nreduce 2 --param b=2 --param fail_start=reduce --param a=1 \
		--max-attempts 1
	start_workers v 1 "$HOOKS"
	await r2 30
	expect_rc r2 1
	expect_in r2 err "mr_task_start of reduce" "the recovered job did not get as far as the reduces"
	return "$FAILED"
}

# Over TCP (loopback): the parameters travel in the TCP transport's frames too.
t_params_over_tcp() {
	local addr= i
	need tests/plugins/hooks.so
	small_inputs
	"$ROOT/scripts/mksecret.sh" "$T/secret" >/dev/null || fail "mksecret failed"
	spawn c 30 "$COORD_BIN" --listen 127.0.0.1:0 --secret-file "$T/secret" --nreduce 2 \
		--param "tag=$TAG" --param raw=1 "${INPUTS[@]}"
	for ((i = 0; i < 100; i++)); do
		addr=$(grep -o 'on 127\.0\.0\.1:[0-9]* (TCP)' "$T/c.err" 2>/dev/null | cut -d' ' -f2)
		[ -n "$addr" ] && break
		ended c && break
		sleep 0.05
	done
	[ -n "$addr" ] || { fail "the coordinator did not say where it listens"; return "$FAILED"; }
	spawn w1 30 "$WORKER_BIN" --coordinator "$addr" --secret-file "$T/secret" "$HOOKS"
	await c 30
	expect_rc c 0
	grep -aq "^alpha	3	$TAG\$" mr-out-* || fail "the tag did not come through TCP unchanged"
	return "$FAILED"
}

# A counter name that is not UTF-8 (a plugin's bytes): the job is done and
# mr-report.json stays valid JSON, with U+FFFD for the bad bytes.
t_counter_name_bytes() {
	need tests/plugins/hooks.so
	small_inputs
	start_coord c --nreduce 2 --param badcounter=1
	start_workers w 1 "$HOOKS"
	await c 30
	expect_rc c 0
	python3 -c 'import json,sys; r=json.load(open("mr-report.json")); sys.exit(0 if r["counters"].get("bad\ufffd\ufffd") == 3 else 1)' ||
		fail "mr-report.json does not count 3 maps under the name with U+FFFD"
	return "$FAILED"
}

ALL=(
	params-through-engine:t_params_through_engine
	no-params:t_no_params
	bad-params:t_bad_params
	hook-failure:t_hook_failure
	end-after-failure:t_end_after_failure
	line-in-map:t_line_in_map
	recover-params:t_recover_params
	params-over-tcp:t_params_over_tcp
	counter-name-bytes:t_counter_name_bytes
)

require_built mrcoordinator mrworker mrsequential
run_selected "${ALL[@]}" -- "$@"
summary
