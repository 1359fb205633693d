#!/usr/bin/env bash
# The README's demo: a word count over the bundled Gutenberg texts with one
# coordinator and WORKERS workers (default: one per CPU, nproc), in build/demo/.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/build
job=$B/demo
workers=${WORKERS:-$(nproc)}
sock=$job/mr.sock

rm -rf "$job" && mkdir -p "$job" || exit 1
cd "$job" || exit 1
echo "demo: word count over $(ls "$top"/data/*.txt | wc -l) texts with 1 coordinator and $workers workers in $job"
start=$(date +%s.%N)
timeout -k 2 120 "$B/mrcoordinator" --socket "$sock" "$top"/data/*.txt &
coord=$!
pids=()
for _ in $(seq "$workers"); do
	timeout -k 2 120 "$B/mrworker" --socket "$sock" "$B/apps/wc.so" &
	pids+=($!)
done
wait "$coord"; status=$?
wait "${pids[@]}"
end=$(date +%s.%N)
if [ "$status" -ne 0 ]; then
	echo "demo: the coordinator failed (exit $status)" >&2
	exit 1
fi
awk -v s="$start" -v e="$end" -v d="$job" 'BEGIN { printf "demo: done in %.1f s; output in %s/mr-out-*\n", e - s, d }'
echo "demo: the 10 most frequent words:"
sort -k2,2nr -k1,1 "$job"/mr-out-* | head -10 | awk '{ printf "  %-10s %s\n", $1, $2 }'
