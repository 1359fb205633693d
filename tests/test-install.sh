#!/usr/bin/env bash
# test-install.sh - `make install PREFIX=... DESTDIR=...` and `make uninstall`
# (README "Installing"): the installed tree holds exactly the binaries, the
# bundled plugins in lib/mapreduce/, include/mapreduce.h, the man pages and
# lib/pkgconfig/mapreduce.pc; installing rebuilds nothing and writes nothing
# in the source tree; pkg-config finds the header, which compiles on its
# own; the README's example plugin builds with the README's pkg-config
# command, and a job run with the installed binaries only (bundled wc by
# name, the example by path and by $MR_PLUGIN_PATH) matches the installed
# mrsequential; a tree moved elsewhere still finds its plugins; uninstall
# removes exactly what was installed.
#
# Usage: tests/test-install.sh [TEST...]     (no arguments: all tests)
# Needs `make` (the build directory inside this repository: MR_BUILD defaults
# to build/), pkg-config and a C compiler.  Environment: see
# tests/tools/testlib.sh (MR_BUILD, MR_DATA, MR_KEEP_TMP).
# Output: "ok N - NAME" / "not ok N - NAME" with "# " lines, then
# "install: P passed, F failed"; exits 1 if anything failed.

SUITE=install
. "$(dirname "$0")/tools/testlib.sh"

unset MR_PLUGIN_PATH PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
BREL=$(realpath --relative-to="$ROOT" "$BUILD")
BINS=(mrcoordinator mrworker mrsequential mrctl)

# mk TARGET PREFIX: make TARGET PREFIX=PREFIX DESTDIR=$D in the repository,
# output in $T/make.out.  Returns make's status.
mk() {
	timeout -k 5s 300 make --no-print-directory -C "$ROOT" B="$BREL" "$1" PREFIX="$2" DESTDIR="$D" \
		>"$T/make.out" 2>&1 && return 0
	fail "make $1 PREFIX=$2 DESTDIR=$D failed:"
	tail -n 5 "$T/make.out" | sed 's/^/    /'
	return 1
}

# install_to PREFIX: setup's directories, D=$T/dest, and make install there.
install_to() {
	D=$T/dest
	mkdir "$D" || exit 1
	mk install "$1" || exit 1
}

# expected PREFIX: the files an install holds, relative to DESTDIR, sorted.
expected() {
	local f
	{
		for f in "${BINS[@]}"; do echo "$1/bin/$f"; done
		# the bundled plugins: the sources that declare the ABI (not helpers)
		for f in $(grep -l '^MR_PLUGIN_ABI;' "$ROOT"/src/apps/*.c); do
			f=${f##*/}
			echo "$1/lib/mapreduce/${f%.c}.so"
		done
		echo "$1/include/mapreduce.h"
		echo "$1/lib/pkgconfig/mapreduce.pc"
		for f in "$ROOT"/man/*.[1-9]; do
			f=${f##*/}
			echo "$1/share/man/man${f##*.}/$f"
		done
	} | sort
}

# files: what is under $D that is not a directory, relative to it, sorted.
files() {
	(cd "$D" && find . ! -type d | sed 's|^\.||' | sort)
}

# tree: every file of the repository (build directories included, .git
# not) with its size, modification time and inode number.
tree() {
	find "$ROOT" -path "$ROOT/.git" -prune -o -printf '%p %s %T@ %i\n' | sort
}

# pc ARGS...: pkg-config on the installed .pc, as a user of DESTDIR would.
pc() {
	PKG_CONFIG_PATH=$D/usr/local/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$D pkg-config "$@"
}

# The installed files, their modes and contents; nothing rebuilt, nothing
# written in the source tree.
t_layout() {
	local f mode
	setup 0
	tree >"$T/tree.before"
	install_to /usr/local
	tree >"$T/tree.after"
	cmp -s "$T/tree.before" "$T/tree.after" ||
		fail "make install changed the source or build tree: $(diff "$T/tree.before" "$T/tree.after" | grep '^[<>]' | head -n 3 | tr '\n' ' ')"
	expected /usr/local >"$T/want"
	files >"$T/got"
	same "$T/want" "$T/got" "the installed files are not the expected ones"
	for f in "${BINS[@]}"; do
		cmp -s "$BUILD/$f" "$D/usr/local/bin/$f" || fail "bin/$f is not $BREL/$f"
		mode=$(stat -c %a "$D/usr/local/bin/$f")
		[ "$mode" = 755 ] || fail "bin/$f has mode $mode, not 755"
	done
	for f in "$D"/usr/local/lib/mapreduce/*.so "$D"/usr/local/include/mapreduce.h \
		"$D"/usr/local/lib/pkgconfig/mapreduce.pc "$D"/usr/local/share/man/man*/*; do
		mode=$(stat -c %a "$f")
		[ "$mode" = 644 ] || fail "${f#"$D"} has mode $mode, not 644"
	done
	cmp -s "$ROOT/src/apps/mapreduce.h" "$D/usr/local/include/mapreduce.h" ||
		fail "include/mapreduce.h is not src/apps/mapreduce.h"
	cmp -s "$BUILD/apps/wc.so" "$D/usr/local/lib/mapreduce/wc.so" || fail "lib/mapreduce/wc.so is not $BREL/apps/wc.so"
	cmp -s "$ROOT/man/mapreduce.3" "$D/usr/local/share/man/man3/mapreduce.3" || fail "man3/mapreduce.3 is not man/mapreduce.3"
	return "$FAILED"
}

# pkg-config finds the header under DESTDIR; the header compiles alone,
# strict C99; the .pc names the real prefix.
t_pkg_config() {
	local cflags
	setup 0
	install_to /usr/local
	cflags=$(pc --cflags mapreduce) || fail "pkg-config --cflags mapreduce failed"
	read -r cflags <<<"$cflags" # without pkg-config's trailing blank
	[ "$cflags" = "-I$D/usr/local/include" ] || fail "pkg-config --cflags gives '$cflags'"
	grep -qx 'prefix=/usr/local' "$D/usr/local/lib/pkgconfig/mapreduce.pc" ||
		fail "mapreduce.pc does not say prefix=/usr/local: $(grep prefix= "$D/usr/local/lib/pkgconfig/mapreduce.pc")"
	[ -n "$(pc --modversion mapreduce)" ] || fail "pkg-config --modversion mapreduce is empty"
	[ "$(pc --variable=plugindir mapreduce)" = "$D/usr/local/lib/mapreduce" ] ||
		fail "plugindir is '$(pc --variable=plugindir mapreduce)'"
	printf '#include <mapreduce.h>\n' >"$T/alone.c"
	# shellcheck disable=SC2086
	cc -std=c99 -pedantic -Wall -Wextra -Werror $cflags -c -o "$T/alone.o" "$T/alone.c" 2>"$T/cc.err" ||
		fail "the installed mapreduce.h does not compile alone (-std=c99 -pedantic): $(head -n 3 "$T/cc.err")"
	return "$FAILED"
}

# use_installed: the job helpers of testlib.sh run the installed binaries,
# found through PATH only.
use_installed() {
	export PATH=$D/usr/local/bin:/usr/bin:/bin
	COORD_BIN=$(command -v mrcoordinator)
	WORKER_BIN=$(command -v mrworker)
	SEQ_BIN=$(command -v mrsequential)
	case $COORD_BIN:$WORKER_BIN:$SEQ_BIN in
	"$D/usr/local/bin/mrcoordinator:$D/usr/local/bin/mrworker:$D/usr/local/bin/mrsequential") ;;
	*) fail "PATH finds $COORD_BIN, $WORKER_BIN, $SEQ_BIN" && exit 1 ;;
	esac
}

# The README's example plugin, built as the README says with pkg-config, and
# the bundled wc by name: jobs of the installed binaries match mrsequential.
t_readme_plugin_job() {
	local cmd f
	setup 3
	install_to /usr/local
	use_installed
	# shellcheck disable=SC2016 # the README's text, run by sh -c below
	cmd='cc -shared -fPIC $(pkg-config --cflags mapreduce) -o lines.so lines.c'
	grep -qF "$cmd" "$ROOT/README.md" || fail "README.md does not say to build a plugin with: $cmd"
	mkdir "$T/plug" || exit 1
	awk '/^## /{ s = ($0 ~ /^## Writing a plugin/) } s && /^```c$/ { c = 1; next } c && /^```$/ { exit } c' \
		"$ROOT/README.md" >"$T/plug/lines.c"
	grep -q 'mr_reduce' "$T/plug/lines.c" || { fail "no example plugin in README.md's \"Writing a plugin\""; return 1; }
	(cd "$T/plug" && PKG_CONFIG_PATH=$D/usr/local/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$D \
		timeout 60 sh -c "$cmd") >"$T/cc.err" 2>&1 ||
		{ fail "the README's build command failed: $(head -n 3 "$T/cc.err")"; return 1; }

	# The bundled wc, by name, from the installed tree.
	reference wc "$T/want-wc"
	start_coord c1 --nreduce 3
	start_workers w 2 wc
	await c1 30
	expect_job_ok c1 3 "$T/want-wc"
	expect_workers_ok w 2
	[ "$(wc -l <"$T/want-wc")" -gt 100 ] || fail "the installed mrsequential wc counted too few words"
	rm -f mr-out-* mr-report.json

	# The example plugin: by path, and by name through MR_PLUGIN_PATH.
	reference "$T/plug/lines.so" "$T/want-lines"
	for f in "${INPUTS[@]}"; do
		echo "$f $(wc -l <"$f")"
	done | sort >"$T/truth"
	same "$T/truth" "$T/want-lines" "the example plugin does not count lines"
	start_coord c2 --nreduce 2
	spawn p1 30 "$WORKER_BIN" --socket "$SOCK" "$T/plug/lines.so"
	spawn p2 30 env MR_PLUGIN_PATH="$T/plug" "$WORKER_BIN" --socket "$SOCK" lines
	await c2 30
	expect_job_ok c2 2 "$T/want-lines"

	# A name found nowhere: the installed tree's plugin directory is where it looked.
	run nf 10 "$WORKER_BIN" --socket "$SOCK" nosuch
	expect_rc nf 1
	expect_in nf err "$D/usr/local/lib/mapreduce"
	grep -qF "$BUILD" "$T/nf.err" && fail "the installed mrworker looked in the build tree: $(head -n 1 "$T/nf.err")"
	return "$FAILED"
}

# Another PREFIX, then the installed tree moved: the .pc names that prefix,
# and the binaries find their bundled plugins wherever the tree is.
t_relocatable() {
	setup 2
	reference "$BUILD/apps/wc.so" "$T/want"
	install_to /opt/mr
	grep -qx 'prefix=/opt/mr' "$D/opt/mr/lib/pkgconfig/mapreduce.pc" || fail "mapreduce.pc does not say prefix=/opt/mr"
	[ -f "$D/opt/mr/lib/mapreduce/wc.so" ] || fail "no lib/mapreduce/wc.so under PREFIX=/opt/mr"
	mv "$D/opt/mr" "$D/moved" || exit 1
	(cd "$T/seq" && timeout 30 "$D/moved/bin/mrsequential" wc "${INPUTS[@]}") >/dev/null 2>"$T/seq.err" ||
		fail "the moved tree's mrsequential did not find wc: $(head -n 2 "$T/seq.err")"
	sort "$T/seq/mr-out-0" >"$T/got" 2>/dev/null
	same "$T/want" "$T/got" "the moved tree's mrsequential wc differs"
	return "$FAILED"
}

# Uninstall removes exactly what install wrote: files of others stay (and
# so does lib/mapreduce/ while it holds one), a second uninstall is fine, and
# at the end nothing is left but directories.
t_uninstall() {
	local left
	setup 0
	install_to /usr/local
	echo other >"$D/usr/local/bin/other-tool"
	echo mine >"$D/usr/local/lib/mapreduce/mine.so"
	mk uninstall /usr/local || return 1
	left=$(files | tr '\n' ' ')
	[ "$left" = "/usr/local/bin/other-tool /usr/local/lib/mapreduce/mine.so " ] ||
		fail "after uninstall with two files of others, left: $left"
	rm -f "$D/usr/local/bin/other-tool" "$D/usr/local/lib/mapreduce/mine.so"
	mk uninstall /usr/local || return 1
	[ -z "$(files)" ] || fail "files left after uninstall: $(files | head -n 3 | tr '\n' ' ')"
	[ -d "$D/usr/local/lib/mapreduce" ] && fail "uninstall left the empty lib/mapreduce/"
	return "$FAILED"
}

ALL=(
	layout:t_layout
	pkg-config:t_pkg_config
	readme-plugin-job:t_readme_plugin_job
	relocatable:t_relocatable
	uninstall:t_uninstall
)

require_built mrcoordinator mrworker mrsequential mrctl apps/wc.so
command -v pkg-config >/dev/null || { echo "pkg-config is not installed" >&2; exit 1; }
run_selected "${ALL[@]}" -- "$@"
summary
