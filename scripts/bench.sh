#!/usr/bin/env bash
# bench.sh - word-count and sort benchmarks of mapreduce-c, with output
# checks.
#
#   scripts/bench.sh [--quick] [--mb N] [--seed S] [--reps N] [--vocab N]
#	Generates a corpus (default 200 MiB in 8 files; --quick: 4 MiB in 4)
#	of words drawn from an N-word vocabulary (default 100,000; the
#	default corpus is the same as before --vocab existed; 1,000,000:
#	the tables no longer fit in the caches)
#	and times over the same data: the Unix pipeline tr | sort | uniq -c,
#	hashcount (a hand-written one-core C word counter, the baseline),
#	mrsequential, the engine with 1 and 2 workers, the engine with 2
#	workers on one file holding the whole corpus (cut with --split-size),
#	and the engine with 2 workers combining with wc's own mr_combine
#	(--plugin-combiner) instead of the built-in sum wc declares.  Each
#	timed run is repeated N times (default 3, 1 with --quick) and the
#	median time is reported: the ratios of one run of the script are
#	medians of the same number of runs of every contender.
#   scripts/bench.sh --sort [--quick] [--mb N] [--seed S] [--reps N]
#	A sort of 100-byte records (scripts/bench/genrecords.c: 10 printable
#	key bytes, 89 of payload, a newline; default 1000 MiB, --quick 8 MiB,
#	in 16 files) by their 10-byte key: GNU sort --parallel=2 -S M on
#	whole lines (which orders the keys too), mrsequential with sort.so,
#	and the engine with sort.so (its range partitioner, no combiner,
#	--nreduce 8) with 1 and 2 workers, each given --memory-limit 256M;
#	M is the workers' memory in all, 512M.  Each timed run is repeated
#	N times (default 3, 1 with --quick), medians reported.  Needs about
#	four times the data's size on disk.
#   scripts/bench.sh --memory [--mb N]
#	One word is half of all words (default 1024 MiB in 8 files); the
#	engine runs with 2 workers given --memory-limit 64M; reports each
#	worker's peak RSS (target < 160 MB).
#   scripts/bench.sh --net [--quick] [--reps N]
#	The word count and a 1 GB sort over TCP on two namespaced hosts
#	against the Unix socket on one: see scripts/bench-net.sh.
#   scripts/bench.sh --many-files [N]
#	N tiny files (default 10000); reports the coordinator's CPU time
#	(target < 1 s).
#   scripts/bench.sh --journal [--many-files [N]] [--reps N]
#	The cost of the coordinator's job journal: the engine with 2 workers
#	with --no-journal and with the journal, alternating run by run
#	(default 3 runs each), on the 200 MiB corpus or with --many-files on
#	the N tiny files (target: the journal's median within 10%).
#
# Every output of the engine and of mrsequential must equal hashcount's,
# line for line once sorted (--sort: every contender's output, its files
# read in order, must be sorted by key and hold the input's records,
# checked by scripts/bench/sortcheck.c without sorting anything):
# "ok N - bench/NAME output matches" or "not ok";
# the last line is "bench: N passed, M failed" and the exit status is 1 when
# something failed.  Timings never fail the run; the targets are reported
# as "# target ...: met/missed" lines.
#
# The bench programs (scripts/bench/*.c) are built with cc -O2 into
# $MR_BUILD/bench (MR_BUILD defaults to build/), when missing or older than
# their sources.  The engine's binaries are taken from $MR_BUILD and copied
# first, so a rebuild during the run does not disturb it.  Data goes to a
# temporary directory under $MR_BENCH_DIR (default $TMPDIR or /tmp),
# removed at the end unless MR_BENCH_KEEP=1.
set -u
export LC_ALL=C

usage() {
	cat <<'EOF'
usage: scripts/bench.sh [--quick] [--mb N] [--seed S] [--reps N] [--vocab N]
       scripts/bench.sh --sort [--quick] [--mb N] [--seed S] [--reps N]
       scripts/bench.sh --memory [--quick] [--mb N] [--seed S] [--vocab N]
       scripts/bench.sh --many-files [N] [--quick] [--seed S] [--vocab N]
       scripts/bench.sh --journal [--many-files [N]] [--reps N] [--vocab N]
       scripts/bench.sh --net [--quick] [--reps N]   (scripts/bench-net.sh)
Word-count benchmark: the engine against hashcount (one core, hand-written C),
mrsequential and the Unix pipeline, on a generated corpus (--vocab: words
drawn from N distinct ones, default 100000); checks every output.
--sort: a sort of 100-byte records by a 10-byte key (default 1000 MiB in 16
files): the engine with 1 and 2 workers against GNU sort --parallel=2 and
mrsequential; checks that every output is sorted and holds the input's records.
Environment: MR_BUILD (default build/), MR_BENCH_DIR (where data goes),
MR_BENCH_KEEP=1 (keep the data).
EOF
}

die() {
	echo "bench: $*" >&2
	exit 2
}

# --net is its own script: the engine over TCP against the Unix socket.
for arg; do
	[ "$arg" = --net ] && exec "$(dirname "$0")/bench-net.sh" "$@"
done

mode=main
quick=0
reps=
mb=
seed=42
many=
journal=0
vocab=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--journal) journal=1 ;;
	--memory) mode=memory ;;
	--sort) mode="sort" ;;
	--vocab)
		[ $# -gt 1 ] || die "--vocab needs an argument"
		vocab=$2
		shift
		;;
	--many-files)
		mode=many
		if [ $# -gt 1 ] && [[ $2 =~ ^[0-9]+$ ]]; then
			many=$2
			shift
		fi
		;;
	--reps)
		[ $# -gt 1 ] || die "--reps needs an argument"
		reps=$2
		shift
		;;
	--mb)
		[ $# -gt 1 ] || die "--mb needs an argument"
		mb=$2
		shift
		;;
	--seed)
		[ $# -gt 1 ] || die "--seed needs an argument"
		seed=$2
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		usage >&2
		die "unknown option $1"
		;;
	esac
	shift
done
[ -z "$mb" ] || [[ $mb =~ ^[1-9][0-9]*$ ]] || die "--mb must be a positive integer, not '$mb'"
[ -z "$reps" ] || [[ $reps =~ ^[1-9][0-9]*$ ]] || die "--reps must be a positive integer, not '$reps'"
# Timed runs are repeated and the median kept: this machine class is noisy.
[ -n "$reps" ] || { { [ "$mode" = main ] || [ "$mode" = sort ] || [ "$journal" = 1 ]; } &&
	[ "$quick" = 0 ] && reps=3 || reps=1; }
[ "$journal" = 0 ] || [ "$mode" = main ] || [ "$mode" = many ] ||
	die "--journal goes with the default corpus or --many-files"
[ -z "$vocab" ] || [[ $vocab =~ ^[1-9][0-9]*$ ]] || die "--vocab must be a positive integer, not '$vocab'"
[ -z "$vocab" ] || [ "$vocab" -le 67108864 ] || die "--vocab is at most 67108864 words"
[ -z "$vocab" ] || [ "$mode" != sort ] || die "--vocab goes with the word count, not --sort"
[[ $seed =~ ^[0-9]+$ ]] || die "--seed must be a non-negative integer, not '$seed'"
[ -z "$many" ] || [ "$many" -ge 1 ] || die "--many-files needs at least 1 file"

case $mode in
main)
	nfiles=8
	[ "$quick" = 1 ] && nfiles=4
	[ -n "$mb" ] || { [ "$quick" = 1 ] && mb=4 || mb=200; }
	;;
memory)
	nfiles=8
	[ -n "$mb" ] || { [ "$quick" = 1 ] && mb=16 || mb=1024; }
	;;
many)
	[ -n "$many" ] || { [ "$quick" = 1 ] && many=500 || many=10000; }
	nfiles=$many
	;;
sort)
	# Several files, so that both workers have maps from the start.
	nfiles=16
	[ -n "$mb" ] || { [ "$quick" = 1 ] && mb=8 || mb=1000; }
	;;
esac

top=$(cd "$(dirname "$0")/.." && pwd) || exit 2
build=${MR_BUILD:-$top/build}
build=$(cd "$build" && pwd) || die "no build directory $build; run make first"
src=$top/scripts/bench

# ---- build the bench programs ----

# True when $1 is missing or older than one of the other files.
stale() {
	local target=$1 f
	shift
	[ -x "$target" ] || return 0
	for f; do
		[ "$f" -nt "$target" ] && return 0
	done
	return 1
}

# compile OUTPUT SOURCE [DEPENDENCY...] -- CC_ARGS...
compile() {
	local out=$1 deps=()
	shift
	while [ "$1" != -- ]; do
		deps+=("$1")
		shift
	done
	shift
	stale "$out" "${deps[@]}" || return 0
	echo "# building $out"
	cc -O2 -Wall -Wextra -Werror -o "$out.tmp.$$" "${deps[0]}" "$@" && mv -f "$out.tmp.$$" "$out" && return 0
	rm -f "$out.tmp.$$"
	echo "bench: cannot build $out" >&2
	return 1
}

mkdir -p "$build/bench" || exit 1
if [ "$mode" = sort ]; then
	compile "$build/bench/genrecords" "$src/genrecords.c" -- || exit 1
	compile "$build/bench/sortcheck" "$src/sortcheck.c" -- || exit 1
	plugin=sort.so
	tools=(bench/genrecords bench/sortcheck)
else
	compile "$build/bench/gencorpus" "$src/gencorpus.c" -- -lm || exit 1
	compile "$build/bench/hashcount" "$src/hashcount.c" "$top/src/apps/words.h" -- \
		-I"$top/src/apps" -lunistring || exit 1
	plugin=wc.so
	tools=(bench/gencorpus bench/hashcount)
fi

# ---- a private workspace and copies of the engine ----

for f in mrcoordinator mrworker mrsequential "apps/$plugin"; do
	[ -e "$build/$f" ] || die "$build/$f is missing; run make first"
done
base=${MR_BENCH_DIR:-${TMPDIR:-/tmp}}
mkdir -p "$base" || exit 1
work=$(mktemp -d "$base/mrbench.XXXXXX") && work=$(cd "$work" && pwd) || exit 1
sockdir=$work
if [ ${#work} -gt 80 ]; then
	sockdir=$(mktemp -d /tmp/mrbs.XXXXXX) || exit 1
fi
live=()

cleanup() {
	local p
	for p in "${live[@]}"; do
		pkill -P "$p" 2>/dev/null # the program under /usr/bin/time
		kill "$p" 2>/dev/null
	done
	[ -z "${dog:-}" ] || kill "$dog" 2>/dev/null
	if [ "${MR_BENCH_KEEP:-0}" = 1 ]; then
		echo "# data kept in $work"
	else
		rm -rf "$work"
	fi
	[ "$sockdir" = "$work" ] || rm -rf "$sockdir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# Copy the binaries; one being relinked right now is retried for a while.
bin=$work/bin
mkdir -p "$bin" || exit 1
grab() {
	local f=$1 name try
	name=$(basename "$f")
	for try in 1 2 3 4 5 6 7 8 9 10; do
		if cp "$f" "$bin/$name.tmp" 2>/dev/null && chmod +x "$bin/$name.tmp" &&
			case $name in
			*.so) [ "$(head -c 4 "$bin/$name.tmp" | od -An -c | tr -d ' ')" = '177ELF' ] ;;
			*) "$bin/$name.tmp" --help >/dev/null 2>&1 ;;
			esac
		then
			mv -f "$bin/$name.tmp" "$bin/$name"
			return 0
		fi
		[ "$try" = 10 ] || sleep 1
	done
	die "cannot copy a working $f"
}
for f in mrcoordinator mrworker mrsequential "apps/$plugin" "${tools[@]}"; do
	grab "$build/$f"
done

# The longest any one process may run.
if [ "$quick" = 1 ]; then
	tmo=60
else
	tmo=$((120 + ${mb:-0} * 3))
fi

# ---- helpers ----

now() {
	if [ -n "${EPOCHREALTIME:-}" ]; then
		printf '%s\n' "$EPOCHREALTIME"
	else
		date +%s.%N
	fi
}

# calc EXPR VAR=VALUE...: evaluate an awk expression, print it.
calc() {
	local expr=$1
	shift
	awk "$@" "BEGIN { print ($expr) }"
}

ntest=0
npass=0
nfail=0
ok() {
	ntest=$((ntest + 1))
	npass=$((npass + 1))
	echo "ok $ntest - bench/$1"
}
not_ok() {
	local name=$1
	shift
	ntest=$((ntest + 1))
	nfail=$((nfail + 1))
	echo "not ok $ntest - bench/$name"
	printf '# %s\n' "$@"
}

# Last line of a /usr/bin/time output file (earlier ones may say how the
# command exited); "" when there is none.
timeline() {
	[ -s "$1" ] && tail -n 1 "$1"
}

# Peak RSS in MiB from a KiB count.
mib() {
	calc 'sprintf("%.0f", k / 1024)' -v k="$1"
}

# Results by run id: label, seconds, peak RSS (of the workers for the
# engine), coordinator CPU, or why there is no number; ids in table order.
declare -A label secs rss rsskb cpu na runs
names=()

# compare NAME FILE: FILE (unsorted "WORD COUNT" lines) must equal the
# reference once sorted.
compare() {
	local name=$1 out=$2
	sort "$out" >"$out.sorted" || return 1
	if cmp -s "$ref" "$out.sorted"; then
		ok "$name output matches"
	else
		not_ok "$name output matches" \
			"sorted output differs from hashcount's ($(wc -l <"$out.sorted") vs $(wc -l <"$ref") lines); first differences:" \
			"$(diff "$ref" "$out.sorted" | head -n 6 | tr '\n' '|')"
	fi
}

# Timed programs run as /usr/bin/time PROGRAM, without timeout(1) in front:
# two fewer fork+exec steps on the measured path of every process.  A hang
# still fails rather than blocks: watchdog PID... kills the time processes
# and their children after $tmo seconds; stop_watchdog calls it off.
watchdog() {
	(
		trap 'kill "$s" 2>/dev/null; exit 0' TERM
		sleep "$tmo" &
		s=$!
		wait "$s"
		echo "bench: a run took over $tmo s; killing it" >&2
		for p in "$@"; do
			pkill -KILL -P "$p" 2>/dev/null
			kill -KILL "$p" 2>/dev/null
		done
	) &
	dog=$!
}
stop_watchdog() {
	kill "$dog" 2>/dev/null
	wait "$dog" 2>/dev/null
}

# median V...: the middle one of the numbers (the lower middle of an even count).
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# run_one ID LABEL DIR OUT CMD...: run CMD in DIR with stdout to OUT, timed
# (the median of $reps runs), with its peak RSS (the largest).  Returns CMD's
# status; OUT holds the last run's output.
run_one() {
	local name=$1 dir=$3 out=$4 t0 t1 rc line pid r times=() peak=0 kb
	label[$1]=$2
	shift 4
	names+=("$name")
	for ((r = 1; r <= reps; r++)); do
		t0=$(now)
		(cd "$dir" && exec /usr/bin/time -f '%M %U %S' \
			-o "$work/$name.time" "$@") >"$out" 2>"$work/$name.err" &
		pid=$!
		watchdog "$pid"
		wait "$pid"
		rc=$?
		t1=$(now)
		stop_watchdog
		if [ "$rc" -ne 0 ]; then
			na[$name]="failed (exit $rc)"
			return "$rc"
		fi
		times+=("$(calc 'b - a' -v a="$t0" -v b="$t1")")
		line=$(timeline "$work/$name.time")
		kb=${line%% *}
		[ "${kb:-0}" -gt "$peak" ] && peak=$kb
	done
	secs[$name]=$(median "${times[@]}")
	runs[$name]="${times[*]}"
	rss[$name]=$(mib "$peak")
	return 0
}

# engine_once NAME NWORKERS REP: one run of the engine in job-NAME-REP.  Sets
# e_secs, e_rss ("w1/w2" MiB), e_rsskb, e_cpu and e_why (why it failed, or
# empty); returns non-zero on failure.
engine_once() {
	local name=$1 nw=$2 rep=$3 job=$work/job-$1-$3 sock=$sockdir/$1-$3.sock
	local t0 t1 cpid rc i line w wrc bad=()
	local pids=()
	e_secs= e_rss= e_rsskb= e_cpu= e_why=
	mkdir "$job" || { e_why="cannot create $job"; return 1; }
	t0=$(now)
	(cd "$job" && exec /usr/bin/time -f '%U %S %M' \
		-o "$work/$name.coord.time" "$bin/mrcoordinator" -q --socket "$sock" \
		"${coord_args[@]}" "${inputs[@]}") 2>"$work/$name.coord.err" &
	cpid=$!
	live+=("$cpid")
	for ((i = 1; i <= nw; i++)); do
		(cd "$job" && exec /usr/bin/time -f '%M' \
			-o "$work/$name.w$i.time" "$bin/mrworker" -q --socket "$sock" \
			"${worker_args[@]}" "$bin/$plugin") 2>"$work/$name.w$i.err" &
		pids+=($!)
		live+=($!)
	done
	watchdog "$cpid" "${pids[@]}"
	wait "$cpid"
	rc=$?
	t1=$(now)
	for ((i = 1; i <= nw; i++)); do
		wait "${pids[i - 1]}"
		wrc=$?
		line=$(timeline "$work/$name.w$i.time")
		w=$(mib "${line:-0}")
		e_rss=${e_rss:+$e_rss/}$w
		e_rsskb="$e_rsskb ${line:-0}"
		# A worker that starts only after a short job has ended finds no
		# coordinator and exits 1 by contract; that is not a failure.
		if [ "$wrc" -ne 0 ] && ! { [ "$wrc" = 1 ] && [ "$rc" = 0 ] &&
			grep -q 'no coordinator answers' "$work/$name.w$i.err"; }; then
			bad+=("worker $i exited with status $wrc: $(tail -n 2 "$work/$name.w$i.err" | tr '\n' ' ')")
		fi
	done
	stop_watchdog
	live=()
	line=$(timeline "$work/$name.coord.time")
	e_cpu=$(calc 'sprintf("%.2f", u + s)' -v u="$(echo "$line" | awk '{ print $1 }')" \
		-v s="$(echo "$line" | awk '{ print $2 }')")
	if [ "$rc" -ne 0 ]; then
		e_why="the coordinator exited with status $rc: $(tail -n 3 "$work/$name.coord.err" | tr '\n' ' ') ${bad[*]}"
		na[$name]="failed (exit $rc)"
		return 1
	fi
	if [ "${#bad[@]}" -gt 0 ]; then
		e_why="${bad[*]}"
		return 1
	fi
	e_secs=$(calc 'b - a' -v a="$t0" -v b="$t1")
	if [ "$mode" = sort ]; then
		e_why=$(sort_check "$job" "${sort_outs[@]}") || { e_why="run $rep: $e_why"; return 1; }
		rm -rf "$job"
		return 0
	fi
	cat "$job"/mr-out-* >"$work/$name.out" 2>/dev/null
	sort "$work/$name.out" >"$work/$name.out.sorted" || { e_why="cannot sort the output"; return 1; }
	if ! cmp -s "$ref" "$work/$name.out.sorted"; then
		e_why="run $rep: sorted output differs from hashcount's ($(wc -l <"$work/$name.out.sorted") vs $(wc -l <"$ref") lines); first differences: $(diff "$ref" "$work/$name.out.sorted" | head -n 6 | tr '\n' '|')"
		return 1
	fi
	rm -rf "$job"
	return 0
}

# sort_check DIR FILE...: the FILEs (in DIR), read in that order, are sorted
# by key and hold exactly the input's records ($in_digest); silent if so,
# else says why on stdout and returns 1.
sort_check() {
	local dir=$1 f got
	shift
	for f; do
		[ -f "$dir/$f" ] || { echo "$f is missing"; return 1; }
	done
	if ! got=$(cd "$dir" && "$bin/sortcheck" "$@" 2>&1); then
		echo "not sorted by key: $(echo "$got" | head -n 2 | tr '\n' ' ')"
		return 1
	fi
	[ "$got" = "$in_digest" ] && return 0
	echo "not the input's records: records, bytes, digest $got; the input's $in_digest"
	return 1
}

# run_engine ID LABEL NWORKERS: the coordinator with coord_args and inputs
# and NWORKERS workers with worker_args, in a fresh job directory, $reps
# times; timed from the coordinator's start to its exit (the median run).
# Every run's output must match the reference.
run_engine() {
	local name=$1 nw=$3 r times=() rc=0
	label[$1]=$2
	names+=("$name")
	for ((r = 1; r <= reps; r++)); do
		if ! engine_once "$name" "$nw" "$r"; then
			rc=1
			break
		fi
		times+=("$e_secs")
	done
	rss[$name]=$e_rss
	rsskb[$name]=$e_rsskb
	cpu[$name]=$e_cpu
	if [ "$rc" -ne 0 ]; then
		not_ok "$name output matches" "$e_why"
		return 1
	fi
	secs[$name]=$(median "${times[@]}")
	runs[$name]="${times[*]}"
	ok "$name output matches"
}

# The table: name, seconds, MiB/s, speed relative to the baseline
# (hashcount; --sort: GNU sort) and to mrsequential (their time / this
# time), workers' peak RSS, coordinator CPU.
base_id=hashcount
base_title="x hashcount"
print_table() {
	local n s hs ss rate vh vs
	hs=${secs[$base_id]:-}
	ss=${secs[mrsequential]:-}
	printf '| %-40s | %8s | %8s | %11s | %14s | %16s | %12s |\n' \
		run seconds MiB/s "$base_title" "x mrsequential" "peak RSS MiB" "coord CPU s"
	printf '|%s|%s:|%s:|%s:|%s:|%s:|%s:|\n' "$(printf -- '-%.0s' {1..42})" \
		"$(printf -- '-%.0s' {1..9})" "$(printf -- '-%.0s' {1..9})" \
		"$(printf -- '-%.0s' {1..12})" "$(printf -- '-%.0s' {1..15})" \
		"$(printf -- '-%.0s' {1..17})" "$(printf -- '-%.0s' {1..13})"
	for n in "${names[@]}"; do
		s=${secs[$n]:-}
		if [ -z "$s" ]; then
			printf '| %-40s | %8s | %8s | %11s | %14s | %16s | %12s |\n' \
				"${label[$n]}" "${na[$n]:-n/a}" - - - - -
			continue
		fi
		rate=$(calc 'sprintf("%.1f", b / 1048576 / s)' -v b="$bytes" -v s="$s")
		vh=-
		vs=-
		[ -n "$hs" ] && vh=$(calc 'sprintf("%.2fx", h / s)' -v h="$hs" -v s="$s")
		[ -n "$ss" ] && vs=$(calc 'sprintf("%.2fx", q / s)' -v q="$ss" -v s="$s")
		printf '| %-40s | %8.3f | %8s | %11s | %14s | %16s | %12s |\n' \
			"${label[$n]}" "$s" "$rate" "$vh" "$vs" "${rss[$n]:--}" "${cpu[$n]:--}"
	done
}

# target TEXT VALUE OP LIMIT DETAIL: "# target TEXT: met|missed (DETAIL)".
target() {
	local verdict
	verdict=$(calc "v $3 l ? \"met\" : \"missed\"" -v v="$2" -v l="$4")
	echo "# target $1: $verdict ($5)"
}

machine() {
	local model
	model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
	echo "# machine: $(nproc) CPUs, ${model:-unknown CPU}," \
		"$(awk '/^MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)," \
		"Linux $(uname -r)"
}

# ---- the data ----

corpus=$work/corpus
gen_args=(--seed "$seed" --outdir "$corpus")
case $mode in
main | sort) gen_args+=(--mb "$mb" --files "$nfiles") ;;
memory) gen_args+=(--mb "$mb" --files "$nfiles" --hot-word the --hot-frac 0.5) ;;
many) gen_args+=(--mb "$(calc 'n * 240 / 1048576' -v n="$nfiles")" --files "$nfiles") ;;
esac
# Without --vocab, gencorpus's default (100000): the corpus of old.
[ -z "$vocab" ] || gen_args+=(--vocab "$vocab")
t0=$(now)
if [ "$mode" = sort ]; then
	timeout -k 5 "$tmo" "$bin/genrecords" "${gen_args[@]}" || die "genrecords failed"
	inputs=("$corpus"/records-*.txt)
else
	timeout -k 5 "$tmo" "$bin/gencorpus" "${gen_args[@]}" || die "gencorpus failed"
	inputs=("$corpus"/corpus-*.txt)
fi
t1=$(now)
bytes=$(cat "${inputs[@]}" | wc -c)
case $mode in
memory) what=", one word 50% of all" ;;
sort) what=", 100-byte records, 10-byte keys" ;;
*) what= ;;
esac
[ "$mode" = sort ] || what="$what, ${vocab:-100000}-word vocabulary"
echo "# $([ "$mode" = sort ] && echo records || echo corpus): $nfiles files, $bytes bytes, seed $seed$what, generated in" \
	"$(calc 'sprintf("%.1f", b - a)' -v a="$t0" -v b="$t1") s"
machine

# ---- the reference ----

if [ "$mode" = sort ]; then
	# The input's records, count, bytes and digest, which every output
	# must show too.
	in_digest=$("$bin/sortcheck" --any-order "${inputs[@]}") || die "sortcheck cannot read the input"
	# GNU sort's -S: the memory the two workers are given in all.
	mem_worker=256
	mem_all=$((2 * mem_worker))
	echo "# memory: each worker --memory-limit ${mem_worker}M, ${mem_all}M for the two;" \
		"GNU sort -S ${mem_all}M --parallel=2; mrsequential its fixed ${mem_worker}M budget"
fi

ref=$work/hashcount.sorted
if [ "$mode" != sort ]; then
	if ! run_one hashcount "hashcount (C, 1 core)" "$work" "$work/hashcount.out" \
		"$bin/hashcount" "${inputs[@]}"; then
		not_ok "hashcount runs" "hashcount failed: $(tail -n 2 "$work/hashcount.err" | tr '\n' ' ')"
		echo "bench: $npass passed, $nfail failed"
		exit 1
	fi
	sort "$work/hashcount.out" >"$ref" || exit 1
fi

# ---- the runs ----

coord_args=()
worker_args=()

# The journal's cost: the same job with --no-journal and with the journal,
# alternating run by run so that both see the same machine.
run_journal_pair() {
	local r tn=() tj=() n=engine-2w-nojournal j=engine-2w-journal
	label[$n]="engine, 2 workers, --no-journal"
	label[$j]="engine, 2 workers, journal"
	names+=("$n" "$j")
	for ((r = 1; r <= reps; r++)); do
		coord_args=(--no-journal)
		engine_once "$n" 2 "$r" || { not_ok "$n output matches" "$e_why"; return 1; }
		tn+=("$e_secs")
		cpu[$n]=$e_cpu rss[$n]=$e_rss
		coord_args=()
		engine_once "$j" 2 "$r" || { not_ok "$j output matches" "$e_why"; return 1; }
		tj+=("$e_secs")
		cpu[$j]=$e_cpu rss[$j]=$e_rss
	done
	secs[$n]=$(median "${tn[@]}")
	secs[$j]=$(median "${tj[@]}")
	echo "# --no-journal runs: ${tn[*]} s; journal runs: ${tj[*]} s"
	ok "$n output matches"
	ok "$j output matches"
}

[ "$journal" = 1 ] && mode=journal-$mode
case $mode in
journal-*)
	run_journal_pair
	;;
main)
	# The Unix way, only timed: it counts ASCII words only.
	names=(unix "${names[@]}")
	label[unix]="unix: tr -cs, sort, uniq -c (ASCII)"
	t0=$(now)
	if timeout -k 5 "$tmo" sh -c 'cat "$@" | tr -cs A-Za-z "\n" | sort | uniq -c' sh \
		"${inputs[@]}" >"$work/unix.out" 2>"$work/unix.err"; then
		t1=$(now)
		secs[unix]=$(calc 'b - a' -v a="$t0" -v b="$t1")
	else
		na[unix]="failed"
	fi
	mkdir "$work/seq" || exit 1
	if run_one mrsequential mrsequential "$work/seq" "$work/seq.stdout" \
		"$bin/mrsequential" "$bin/wc.so" "${inputs[@]}"; then
		compare mrsequential "$work/seq/mr-out-0"
	else
		not_ok "mrsequential output matches" "mrsequential failed: $(tail -n 2 "$work/mrsequential.err" | tr '\n' ' ')"
	fi
	run_engine engine-1w "engine, 1 worker" 1
	run_engine engine-2w "engine, 2 workers" 2

	if [ "$quick" = 1 ]; then
		split=1M
	else
		split=$(((mb + 7) / 8))M
	fi
	one=engine-2w-onefile
	label[$one]="engine, 2 workers, 1 file, split $split"
	if "$bin/mrcoordinator" --help 2>&1 | grep -q -- --split-size; then
		cat "${inputs[@]}" >"$work/all.txt" || exit 1
		saved=("${inputs[@]}")
		inputs=("$work/all.txt")
		coord_args=(--split-size "$split")
		run_engine "$one" "${label[$one]}" 2
		inputs=("${saved[@]}")
		coord_args=()
	else
		names+=("$one")
		na[$one]="n/a (no --split-size)"
	fi

	# wc's own mr_combine instead of the built-in sum it declares.
	own=engine-2w-plugin-combiner
	label[$own]="engine, 2 workers, wc's own mr_combine"
	if "$bin/mrworker" --help 2>&1 | grep -q -- --plugin-combiner; then
		worker_args=(--plugin-combiner)
		run_engine "$own" "${label[$own]}" 2
		worker_args=()
	else
		names+=("$own")
		na[$own]="n/a (no --plugin-combiner)"
	fi
	;;
memory)
	name=engine-2w-memlimit
	label[$name]="engine, 2 workers, --memory-limit 64M"
	if "$bin/mrworker" --help 2>&1 | grep -q -- --memory-limit; then
		worker_args=(--memory-limit 64M)
		run_engine "$name" "${label[$name]}" 2
	else
		names+=("$name")
		na[$name]="n/a (no --memory-limit)"
	fi
	;;
many)
	run_engine engine-2w "engine, 2 workers" 2
	;;
sort)
	base_id=gnusort
	base_title="x GNU sort"
	# GNU sort on whole lines: sorted lines are sorted by key as well, and
	# with keys all but unique a comparison rarely looks past them.  Its
	# temporary files go where the engine's do.
	mkdir "$work/sort-tmp" || exit 1
	if run_one gnusort "GNU sort --parallel=2 -S ${mem_all}M" "$work" "$work/gnusort.stdout" \
		sort --parallel=2 -S "${mem_all}M" -T "$work/sort-tmp" -o "$work/gnusort.out" \
		"${inputs[@]}"; then
		if why=$(sort_check "$work" gnusort.out); then
			ok "gnusort output matches"
		else
			not_ok "gnusort output matches" "$why"
		fi
	else
		not_ok "gnusort output matches" "GNU sort failed: $(tail -n 2 "$work/gnusort.err" | tr '\n' ' ')"
	fi
	rm -f "$work/gnusort.out"
	mkdir "$work/seq" || exit 1
	if run_one mrsequential "mrsequential" "$work/seq" "$work/seq.stdout" \
		"$bin/mrsequential" "$bin/sort.so" "${inputs[@]}"; then
		if why=$(sort_check "$work/seq" mr-out-0); then
			ok "mrsequential output matches"
		else
			not_ok "mrsequential output matches" "$why"
		fi
	else
		not_ok "mrsequential output matches" "mrsequential failed: $(tail -n 2 "$work/mrsequential.err" | tr '\n' ' ')"
	fi
	rm -rf "$work/seq"
	nreduce=8
	sort_outs=()
	for ((r = 0; r < nreduce; r++)); do
		sort_outs+=("mr-out-$r")
	done
	coord_args=(--nreduce "$nreduce")
	worker_args=(--memory-limit "${mem_worker}M")
	run_engine engine-1w "engine, 1 worker" 1
	run_engine engine-2w "engine, 2 workers" 2
	;;
esac

# ---- the report ----

echo
print_table
echo
[ "$mode" = sort ] ||
	echo "# hashcount: $(calc 'sprintf("%.1f", b / 1048576 / s)' -v b="$bytes" -v s="${secs[hashcount]}") MiB/s on one core"
case $mode in
main)
	e2=${secs[engine-2w]:-}
	if [ "$quick" = 0 ] && [ -n "$e2" ] && [ "${vocab:-100000}" != 100000 ]; then
		# Another vocabulary: the engine's own target, with its tables
		# (the built-in combiner's) out of the caches at 1,000,000 words.
		r=$(calc 'sprintf("%.2f", h / e)' -v h="${secs[hashcount]}" -v e="$e2")
		target "engine (2 workers, built-in combiner) >= 1.3x hashcount, $vocab-word vocabulary" \
			"$r" '>=' 1.3 "ratio $r"
	elif [ "$quick" = 0 ] && [ -n "$e2" ]; then
		r=$(calc 'sprintf("%.2f", h / e)' -v h="${secs[hashcount]}" -v e="$e2")
		target "engine (2 workers) >= 1.3x hashcount" "$r" '>=' 1.3 "ratio $r"
		if [ -n "${secs[mrsequential]:-}" ]; then
			r=$(calc 'sprintf("%.2f", q / e)' -v q="${secs[mrsequential]}" -v e="$e2")
			target "engine (2 workers) >= 1.6x mrsequential" "$r" '>=' 1.6 "ratio $r"
		fi
	fi
	;;
memory)
	if [ -n "${secs[$name]:-}" ]; then
		max=$(echo "${rsskb[$name]}" | tr ' ' '\n' | sort -n | tail -n 1)
		max=$(calc 'sprintf("%.1f", k / 1024)' -v k="$max")
		target "worker peak RSS < 160 MiB" "$max" '<' 160 \
			"max $max MiB; workers ${rss[$name]} MiB"
	fi
	;;
journal-*)
	n=${secs[engine-2w-nojournal]:-} j=${secs[engine-2w-journal]:-}
	if [ -n "$n" ] && [ -n "$j" ]; then
		r=$(calc 'sprintf("%.3f", j / n)' -v j="$j" -v n="$n")
		target "journal within 10% of --no-journal" "$r" '<=' 1.10 "journal/no-journal $r"
	fi
	;;
many)
	c=${cpu[engine-2w]:-}
	[ -n "$c" ] && target "coordinator CPU < 1 s for $nfiles files" "$c" '<' 1 "$c s"
	;;
sort)
	e2=${secs[engine-2w]:-}
	echo "# sort: $reps run(s) each, medians; $nfiles input files, --nreduce $nreduce, no combiner"
	for n in "${names[@]}"; do
		[ -z "${runs[$n]:-}" ] ||
			echo "# runs of $n (s):$(echo "${runs[$n]}" | awk '{ for (i = 1; i <= NF; i++) printf " %.3f", $i }')"
	done
	if [ "$quick" = 0 ] && [ -n "$e2" ]; then
		if [ -n "${secs[gnusort]:-}" ]; then
			r=$(calc 'sprintf("%.2f", g / e)' -v g="${secs[gnusort]}" -v e="$e2")
			target "sort: engine (2 workers) >= 3.5x GNU sort" "$r" '>=' 3.5 "ratio $r"
		fi
		if [ -n "${secs[mrsequential]:-}" ]; then
			r=$(calc 'sprintf("%.2f", q / e)' -v q="${secs[mrsequential]}" -v e="$e2")
			target "sort: engine (2 workers) >= 1.7x mrsequential" "$r" '>=' 1.7 "ratio $r"
		fi
	fi
	;;
esac
echo "bench: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
