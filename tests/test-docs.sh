#!/usr/bin/env bash
# test-docs.sh - the manual pages in man/: each is clean under
# `mandoc -T lint -W warning` (any warning fails), each binary's page names
# every option its --help lists, every MR_* environment variable the code
# reads is documented, and mapreduce(3) names every function, type and macro
# of the plugin header (src/apps/mapreduce.h).
#
# Usage: tests/test-docs.sh [TEST...]     (no arguments: all tests)
# Needs `make` (for the --help texts) and mandoc.  Environment: see
# tests/tools/testlib.sh (MR_BUILD).
# Output: "ok N - NAME" / "not ok N - NAME" with "# " lines, then
# "docs: P passed, F failed"; exits 1 if anything failed.

SUITE=docs
. "$(dirname "$0")/tools/testlib.sh"

MAN=$ROOT/man
PAGES=(mrcoordinator.1 mrworker.1 mrsequential.1 mrctl.1 mapreduce.3)

# Every page is there, and mandoc finds nothing to say about any page of man/.
t_lint() {
	local p out rc
	command -v mandoc >/dev/null || {
		fail "mandoc is not installed (apt-get install mandoc)"
		return 1
	}
	for p in "${PAGES[@]}"; do
		[ -f "$MAN/$p" ] || fail "man/$p is missing"
	done
	for p in "$MAN"/*.[1-9]; do
		[ -f "$p" ] || continue
		out=$(mandoc -T lint -W warning "$p" 2>&1)
		rc=$?
		if [ $rc != 0 ] || [ -n "$out" ]; then
			fail "mandoc -T lint: ${out:-exit status $rc}"
		fi
		mandoc -T utf8 "$p" >/dev/null 2>&1 || fail "mandoc cannot render ${p##*/}"
	done
	return "$FAILED"
}

# options_of BIN: the options BIN --help lists, one a line (--long, -x).
options_of() {
	"$BUILD/$1" --help 2>&1 | grep -oE -- '(^|[^[:alnum:]-])--?[[:alnum:]][[:alnum:]-]*' |
		sed -E 's/^[^-]+//' | grep -vE -- '^-[0-9]' | sort -u
}

# Each binary's page has every option of its --help, as .Fl.
t_every_option() {
	local bin o n
	for bin in mrcoordinator mrworker mrsequential mrctl; do
		n=0
		while IFS= read -r o; do
			n=$((n + 1))
			case $o in
			--*) grep -qE "Fl \\\\-${o#--}([^[:alnum:]-]|\$)" "$MAN/$bin.1" ||
				fail "$bin --help lists $o; man/$bin.1 does not" ;;
			-*) grep -qE "Fl ([[:alnum:]]*${o#-}[[:alnum:]]*)( |\$)" "$MAN/$bin.1" ||
				fail "$bin --help lists $o; man/$bin.1 does not" ;;
			esac
		done < <(options_of "$bin")
		[ $n -ge 1 ] || fail "$bin --help lists no options (is $BUILD/$bin built?)"
	done
	return "$FAILED"
}

# Every MR_* variable named in the code is in some page's ENVIRONMENT.
t_environment() {
	local v n=0
	for v in $(grep -rhoE '"MR_[A-Z_]+"' "$ROOT/src" | tr -d '"' | sort -u); do
		n=$((n + 1))
		awk '/^\.Sh ENVIRONMENT/ { e = 1; next } /^\.Sh / { e = 0 } e' "$MAN"/*.[1-9] |
			grep -q "Ev $v\\b" || fail "$v is read by the code but in no ENVIRONMENT section"
	done
	[ $n -ge 3 ] || fail "found only $n MR_* variables in src/"
	return "$FAILED"
}

# mapreduce(3) names everything the header declares (mr_*, MR_*).
t_abi_page() {
	local w n=0
	for w in $(grep -oE '\b(mr_[a-z0-9_]+|MR_[A-Z0-9_]+)\b' "$ROOT/src/apps/mapreduce.h" | sort -u); do
		n=$((n + 1))
		grep -q -- "$w" "$MAN/mapreduce.3" || fail "src/apps/mapreduce.h has $w; man/mapreduce.3 does not"
	done
	[ $n -ge 10 ] || fail "found only $n names in src/apps/mapreduce.h"
	return "$FAILED"
}

ALL=(
	lint:t_lint
	every-option:t_every_option
	environment:t_environment
	abi-page:t_abi_page
)

require_built mrcoordinator mrworker mrsequential mrctl
run_selected "${ALL[@]}" -- "$@"
summary
