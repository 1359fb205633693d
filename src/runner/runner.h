/*
 * runner.h - running a plugin's map and reduce over files.
 *
 * Shared by mrworker (one task at a time, files named as in the lab:
 * intermediate mr-M-R, output mr-out-R, all in the current directory) and
 * mrsequential (everything in one process, one output file).
 *
 * Memory: map output is held within `budget` bytes (mapout.h), spilling to
 * sorted runs beyond it; a reduce streams a k-way merge of its sorted input
 * runs, so neither grows with the size of a partition or of a key's group.
 *
 * Every function returns 0, or -1 after printing why (the text is then in
 * log_last_error() for the worker's failure report).  Nothing is published
 * unless the whole step succeeded.
 */
#ifndef MR_RUNNER_H
#define MR_RUNNER_H

#include "runner/counters.h"
#include "shuffle/mapout.h"
#include "shuffle/merge.h"
#include "runner/plugin.h"

#include <stdint.h>

#define RUNNER_DEFAULT_BUDGET (256ull << 20)

struct map_spec {
	const char *file;   /* input path as the user gave it */
	int map_id;
	int nreduce;
	int64_t offset;     /* split start; 0 for a whole file */
	int64_t length;     /* split length; -1 for the whole file */
	int by_record;      /* call the plugin's mr_map_record once per line */
	const int64_t *skip; /* line offsets not to hand the plugin (bad records) */
	size_t nskip;
};

/*
 * Record mode: before each line is handed to the plugin its offset is
 * stored in *slot, and -1 after; a watchdog process reads it when the
 * plugin crashes.  NULL (the default) stores nothing.
 */
void runner_set_record_probe(volatile int64_t *slot);

/*
 * The shuffle's view of plugin `p` (borrowed while the ops are used): its
 * partition rule, its combiner (mr_combiner "sum", else mr_combine), and
 * its mr_combine behind the shuffle's combine callback.
 */
void runner_shuffle_ops(const struct plugin *p, struct shuffle_ops *ops);

/* Read the input of `spec` and feed the plugin's map output to `mo`. */
int runner_map_input(const struct plugin *p, const struct map_spec *spec,
		     struct mapout *mo);

/*
 * Run the plugin's reduce over a started merger, once per key, and publish
 * the output lines at `out_path`.
 */
int runner_reduce_merged(const struct plugin *p, struct merger *m, const char *out_path);

/*
 * The counters of the last task run (built-in "mr.*" ones and the plugin's),
 * reset when a task starts.
 */
struct counters *runner_counters(void);

/* A whole map task: input -> mr-M-0 .. mr-M-(nreduce-1), each a sorted run. */
int runner_map_task(const struct plugin *p, const struct map_spec *spec, uint64_t budget);

/* A whole reduce task: merge mr-0-R .. mr-(nmap-1)-R -> mr-out-R. */
int runner_reduce_task(const struct plugin *p, int reduce_id, int nmap, uint64_t budget);

#endif
