#!/bin/sh
# tests/unit.sh - run the cmocka unit tests ($MR_BUILD/tests/unit/test_*).
#
# Each binary runs under `timeout 60` in its own temp dir, with cmocka's TAP
# output; every test case becomes one "ok N - unit/BINARY/CASE" or
# "not ok N - ..." line (numbered across all binaries), followed for a
# failure by the reason as "# ..." lines.  A binary that crashes, times out
# or exits non-zero without a failed case (e.g. a sanitizer's leak report)
# is one more "not ok".  Ends with "unit: N passed, M failed"; exit 1 when
# anything failed.
#
# MR_BUILD: the build directory (default: build/ next to this tests/ dir).
# MR_UNIT_TIMEOUT: seconds per binary (default 60).
# Build the binaries first: make build/tests/unit/test_NAME ... (or make test).

here=$(cd "$(dirname "$0")" && pwd)
build=${MR_BUILD:-$here/../build}
limit=${MR_UNIT_TIMEOUT:-60}

n=0
passed=0
failed=0

ok() {
	n=$((n + 1))
	passed=$((passed + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/mr-unit.XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT
trap 'exit 130' INT TERM HUP

found=0
for bin in "$build"/tests/unit/test_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	found=$((found + 1))
	name=$(basename "$bin")
	dir="$scratch/$name"
	mkdir -p "$dir"
	( cd "$dir" && CMOCKA_MESSAGE_OUTPUT=TAP exec timeout "$limit" "$bin" ) \
		>"$scratch/$name.out" 2>"$scratch/$name.err"
	rc=$?

	# Translate cmocka's TAP.  "# " lines printed before a result belong to
	# it (unit_fail() messages); those after a "not ok" are cmocka's reason.
	cases=0
	bad=0
	plan=
	pending=
	after_fail=0
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in
		1..*)
			plan=${line#1..}
			;;
		"ok "*)
			cases=$((cases + 1))
			ok "unit/$name/${line#ok * - }"
			pending=
			after_fail=0
			;;
		"not ok "*" # SKIP "*)
			cases=$((cases + 1))
			ok "unit/$name/${line#* # SKIP } # SKIP"
			pending=
			after_fail=0
			;;
		"not ok "*)
			cases=$((cases + 1))
			bad=$((bad + 1))
			not_ok "unit/$name/${line#not ok * - }"
			[ -n "$pending" ] && printf '%s\n' "$pending"
			pending=
			after_fail=1
			;;
		"# ok - "* | "# not ok - "*)
			# cmocka's group summary line: not a test
			;;
		"#"*)
			if [ "$after_fail" = 1 ]; then
				echo "$line"
			elif [ -n "$pending" ]; then
				pending="$pending
$line"
			else
				pending=$line
			fi
			;;
		*)
			;;
		esac
	done <"$scratch/$name.out"

	why=
	if [ "$rc" -eq 124 ]; then
		why="timed out after $limit s"
	elif [ "$rc" -gt 128 ]; then
		why="killed by signal $((rc - 128))"
	elif [ -z "$plan" ]; then
		why="no TAP plan (exit status $rc)"
	elif [ "$cases" -lt "$plan" ]; then
		why="ran $cases of $plan test cases (exit status $rc)"
	elif [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		why="exit status $rc although every case passed"
	fi
	if [ -n "$why" ]; then
		not_ok "unit/$name"
		echo "# $why"
		[ -n "$pending" ] && printf '%s\n' "$pending"
		if [ -s "$scratch/$name.err" ]; then
			echo "# last lines of its stderr:"
			tail -n 20 "$scratch/$name.err" | sed 's/^/#   /'
		fi
	fi
done

if [ "$found" -eq 0 ]; then
	not_ok "unit: no test binaries in $build/tests/unit"
	echo "# build them first: make $build/tests/unit/test_timerq ... (or make test)"
fi

echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
