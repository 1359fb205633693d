#!/usr/bin/env bash
# bench-net.sh - the engine over TCP against the engine over its Unix
# socket, on the same data in one run (also: scripts/bench.sh --net).
#
#   scripts/bench-net.sh [--quick] [--wc-mb N] [--sort-mb N] [--seed S] [--reps N]
#
# Two jobs: the word count of bench.sh (default 200 MiB in 8 files; wc
# declares the built-in sum combiner, so little is shuffled) and a sort of
# 100-byte records by their 10-byte key with sort.so's range partitioner
# and no combiner (default 1000 MiB in 8 files; every record is moved,
# sorted, fetched and merged), --nreduce 8.  Each runs on one host with
# two workers over the Unix socket, then on two hosts (network
# namespaces joined by a veth pair, one worker each, the coordinator on
# the first) over TCP with the job's secret.  Each timed run is repeated
# N times (default 1) and the median kept.  Every output is checked: the
# word counts of both runs must be equal; a sort's mr-out-0..7 read in
# order must be sorted by key and hold exactly the input's records.
#
# Needs root and `ip netns` (it makes and removes its own namespaces, with
# addresses 10.214.0.1 and .2 that exist only inside them).  Prints a
# table (seconds, MiB/s, TCP/Unix) and "# target ...: met/missed" lines
# (TCP at least 0.8x the Unix socket for the sort, 0.9x for wc); the last
# line is "bench-net: N passed, M failed" (the output checks).
set -u
export LC_ALL=C

die() {
	echo "bench-net: $*" >&2
	exit 2
}

quick=0
wc_mb=
sort_mb=
seed=42
reps=1
while [ $# -gt 0 ]; do
	case $1 in
	--net) ;;
	--quick) quick=1 ;;
	--wc-mb) wc_mb=$2; shift ;;
	--sort-mb) sort_mb=$2; shift ;;
	--mb) wc_mb=$2; shift ;;
	--seed) seed=$2; shift ;;
	--reps) reps=$2; shift ;;
	-h | --help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1'" ;;
	esac
	shift
done
[ -n "$wc_mb" ] || { [ "$quick" = 1 ] && wc_mb=8 || wc_mb=200; }
[ -n "$sort_mb" ] || { [ "$quick" = 1 ] && sort_mb=32 || sort_mb=1000; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
command -v ip >/dev/null || die "needs ip (iproute2)"

top=$(cd "$(dirname "$0")/.." && pwd) || exit 2
build=${MR_BUILD:-$top/build}
build=$(cd "$build" && pwd) || die "no build directory; run make first"
for f in mrcoordinator mrworker apps/wc.so apps/sort.so; do
	[ -e "$build/$f" ] || die "$build/$f is missing; run make first"
done
mkdir -p "$build/bench" || exit 2
for g in gencorpus genrecords; do
	if [ ! -x "$build/bench/$g" ] || [ "$top/scripts/bench/$g.c" -nt "$build/bench/$g" ]; then
		cc -O2 -Wall -Wextra -o "$build/bench/$g" "$top/scripts/bench/$g.c" -lm ||
			die "cannot build $g"
	fi
done

work=$(mktemp -d "${MR_BENCH_DIR:-${TMPDIR:-/tmp}}/mrnet.XXXXXX") || exit 2
ns=mrb$$
passed=0
failed=0
cleanup() {
	local n p
	for n in "$ns-a" "$ns-b"; do
		for p in $(ip netns pids "$n" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "$n" 2>/dev/null
	done
	[ "${MR_BENCH_KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Binaries copied, so a rebuild during the run does not disturb it.
bin=$work/bin
mkdir -p "$bin/apps"
cp "$build/mrcoordinator" "$build/mrworker" "$bin/" &&
	cp "$build/apps/wc.so" "$build/apps/sort.so" "$bin/apps/" || exit 2
(umask 077 && head -c 48 /dev/urandom >"$work/secret")

# Two hosts: a veth pair between two namespaces.
ip netns add "$ns-a" && ip netns add "$ns-b" &&
	ip link add "${ns}a" type veth peer name "${ns}b" &&
	ip link set "${ns}a" netns "$ns-a" && ip link set "${ns}b" netns "$ns-b" &&
	ip -n "$ns-a" addr add 10.214.0.1/24 dev "${ns}a" &&
	ip -n "$ns-b" addr add 10.214.0.2/24 dev "${ns}b" &&
	ip -n "$ns-a" link set "${ns}a" up && ip -n "$ns-b" link set "${ns}b" up &&
	ip -n "$ns-a" link set lo up && ip -n "$ns-b" link set lo up ||
	die "cannot make the network namespaces"

echo "# data: $wc_mb MiB of text, $sort_mb MiB of 100-byte records, seed $seed"
"$build/bench/gencorpus" --seed "$seed" --mb "$wc_mb" --files 8 --outdir "$work/text" >/dev/null ||
	die "gencorpus failed"
"$build/bench/genrecords" --seed "$seed" --mb "$sort_mb" --files 8 --outdir "$work/records" ||
	die "genrecords failed"

now() { date +%s.%N; }

# run_unix NAME PLUGIN INPUTS...: one job, 2 workers on the Unix socket.
run_unix() {
	local name=$1 plugin=$2 dir=$work/$1 w t0 t1
	shift 2
	rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 2
	t0=$(now)
	timeout -k 5 900 "$bin/mrcoordinator" -q --socket "$work/s.sock" --nreduce 8 "$@" &
	w=$!
	for i in 1 2; do
		timeout -k 5 900 "$bin/mrworker" -q --socket "$work/s.sock" "$plugin" &
	done
	wait
	t1=$(now)
	cd "$work" || exit 2
	echo "$t1 - $t0" | bc
}

# run_tcp NAME PLUGIN INPUTS...: the same job on hosts a and b over TCP.
run_tcp() {
	local name=$1 plugin=$2 dir=$work/$1 t0 t1 port=$((20000 + RANDOM % 20000))
	shift 2
	rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 2
	t0=$(now)
	ip netns exec "$ns-a" timeout -k 5 900 "$bin/mrcoordinator" -q \
		--listen "10.214.0.1:$port" --secret-file "$work/secret" --nreduce 8 "$@" &
	for h in a b; do
		ip netns exec "$ns-$h" timeout -k 5 900 "$bin/mrworker" -q \
			--coordinator "10.214.0.1:$port" --secret-file "$work/secret" \
			--local-dir "$work/local-$h" "$plugin" &
	done
	wait
	t1=$(now)
	cd "$work" || exit 2
	echo "$t1 - $t0" | bc
}

# median of the arguments
median() { printf '%s\n' "$@" | sort -g | sed -n "$(( ($# + 1) / 2 ))p"; }

# timed KIND NAME PLUGIN INPUTS...: median seconds of $reps runs.
timed() {
	local kind=$1 name=$2 t=() i
	shift 2
	for ((i = 0; i < reps; i++)); do t+=("$("run_$kind" "$name" "$@")"); done
	median "${t[@]}"
}

check() {
	if [ "$2" = 0 ]; then
		passed=$((passed + 1)); echo "ok $passed - bench-net/$1"
	else
		failed=$((failed + 1)); echo "not ok $((passed + failed)) - bench-net/$1"
	fi
}

# sorted_ok DIR: mr-out-0..7 in order are sorted by key and hold the input's records.
sorted_ok() {
	local out=$work/$1.all
	cat "$work/$1"/mr-out-{0..7} >"$out" || return 1
	cut -c 1-10 "$out" | sort -c 2>/dev/null || { echo "# $1: not sorted"; return 1; }
	[ "$(sort -S 512M "$out" | md5sum)" = "$in_sum" ] ||
		{ echo "# $1: not the input's records"; return 1; }
}

in_sum=$(cat "$work/records"/records-*.txt | sort -S 512M | md5sum)
texts=("$work"/text/corpus-*.txt)
recs=("$work"/records/records-*.txt)
tw_u=$(timed unix wc-unix "$bin/apps/wc.so" "${texts[@]}")
tw_t=$(timed tcp wc-tcp "$bin/apps/wc.so" "${texts[@]}")
cmp -s <(sort "$work"/wc-unix/mr-out-*) <(sort "$work"/wc-tcp/mr-out-*)
check "wc: TCP output equals the Unix socket's" $?
ts_u=$(timed unix sort-unix "$bin/apps/sort.so" "${recs[@]}")
sorted_ok sort-unix
check "sort over the Unix socket: sorted, every record" $?
ts_t=$(timed tcp sort-tcp "$bin/apps/sort.so" "${recs[@]}")
sorted_ok sort-tcp
check "sort over TCP: sorted, every record" $?

row() { awk -v n="$1" -v s="$2" -v mb="$3" -v base="$4" \
	'BEGIN { printf "| %-44s | %8.3f | %8.1f | %6.2fx |\n", n, s, mb / s, base / s }'; }
echo
echo "| run                                          |  seconds |    MiB/s | x Unix |"
echo "|----------------------------------------------|---------:|---------:|-------:|"
row "wc $wc_mb MiB, Unix socket, 1 host, 2 workers" "$tw_u" "$wc_mb" "$tw_u"
row "wc $wc_mb MiB, TCP, 2 hosts, 1 worker each" "$tw_t" "$wc_mb" "$tw_u"
row "sort $sort_mb MiB, Unix socket, 1 host, 2 workers" "$ts_u" "$sort_mb" "$ts_u"
row "sort $sort_mb MiB, TCP, 2 hosts, 1 worker each" "$ts_t" "$sort_mb" "$ts_u"
awk -v u="$tw_u" -v t="$tw_t" 'BEGIN { r = u / t; printf "# target wc TCP >= 0.9x Unix: %.2fx, %s\n", r, (r >= 0.9 ? "met" : "missed") }'
awk -v u="$ts_u" -v t="$ts_t" 'BEGIN { r = u / t; printf "# target sort TCP >= 0.8x Unix: %.2fx, %s\n", r, (r >= 0.8 ? "met" : "missed") }'
echo "bench-net: $passed passed, $failed failed"
[ "$failed" = 0 ]
