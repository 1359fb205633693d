/*
 * runner.h - running a plugin's map and reduce over files.
 *
 * Shared by mrworker (one task at a time, files named as in the lab:
 * intermediate mr-M-R, output mr-out-R, all in the current directory) and
 * mrsequential (everything in one process, one output file).
 *
 * The runner is where the plugin ABI meets the shuffle: it gives the plugin
 * its struct mr_ctx callbacks, and the shuffle (src/shuffle/, which knows
 * no plugins) the plugin's partition rule and combiner as a struct
 * shuffle_ops, its mr_combine behind the shuffle's combine callback.
 *
 * Memory: map output is held within the runner's budget (budget.h,
 * mapout.h), spilling to sorted runs beyond it; a reduce streams a k-way
 * merge of its sorted input runs (in passes past the budget's fan-in), so
 * neither grows with the size of a partition or of a key's group.
 *
 * Errors: every function that can fail returns 0, or -1 once the failure
 * has been printed, once, by whoever found it (the text is then in
 * log_last_error() for the worker's failure report), and runner.fault says
 * whose it was: the plugin's (it returned non-zero, its combine emitted
 * another key, its values broke its declared combiner's rule: the message
 * says "failed in plugin PATH" or names the plugin) or the engine's (I/O,
 * a damaged run, a record too large: the message does not blame the
 * plugin).  Nothing is published unless the whole step succeeded.
 *
 * Crash point "before-publish" (common/faults.h): a map's runs or a
 * reduce's output are complete, in memory or in their temp file, and
 * nothing of them is published yet.
 */
#ifndef MR_RUNNER_H
#define MR_RUNNER_H

#include "runner/counters.h"
#include "runner/plugin.h"
#include "shuffle/budget.h"
#include "shuffle/mapout.h"
#include "shuffle/merge.h"
#include "shuffle/shuffle.h"

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

/* Whose fault a failure was. */
enum runner_fault {
	RUNNER_FAULT_NONE,       /* nothing failed yet */
	RUNNER_FAULT_PLUGIN,     /* the plugin's: the job would fail anywhere */
	RUNNER_FAULT_ENGINE,     /* the engine's: disk, damaged data, limits */
};

/*
 * What runs tasks with one plugin, for a worker's whole life (or
 * mrsequential's): made by runner_init, passed to every call, released by
 * runner_release.  It stays where runner_init made it (its shuffle ops
 * point back at it).  The fields are public for a caller that drives the
 * shuffle itself (mrsequential: mapout_init with ops, budget and cache).
 * One thread.
 */
struct runner {
	const struct plugin *plugin;     /* borrowed; read at runner_init */
	struct budget budget;            /* the memory limit, shared out (budget.h) */
	struct shuffle_ops ops;          /* the plugin's rules, as the shuffle sees them */
	struct counters counters;        /* the last task's; see runner_counters() */
	volatile int64_t *record_probe;  /* see runner_set_record_probe() */
	const struct params *params;     /* see runner_set_params() */
	char plugin_why[513];            /* the plugin's last mr_fail() of this step */
	struct mapout_cache cache;       /* kept from map task to map task */
	enum runner_fault fault;         /* set by every call that returns -1 */
	/* Set by the caller after runner_init when not the defaults: */
	uint64_t input_limit;            /* a compressed input's largest decompressed
					    size (runner/zinput.h; default 4 GiB) */
	const char *output_dir;          /* borrowed: where runner_reduce_task publishes
					    mr-out-R (NULL, the default: the current
					    directory) */
};

/*
 * Run plugin `p` (set up already: mrworker's --plugin-combiner is read
 * here) within `memory` bytes.  Allocates nothing; cannot fail.
 */
void runner_init(struct runner *rn, const struct plugin *p, uint64_t memory);
/* Free everything the runner keeps. */
void runner_release(struct runner *rn);
/* Free what map tasks keep for the next ones: before a reduce, say. */
void runner_release_cache(struct runner *rn);

/*
 * Record mode: before each line is handed to the plugin its offset is
 * stored in *slot, and -1 after; a watchdog process reads it when the
 * plugin crashes.  NULL (the default) stores nothing.
 */
void runner_set_record_probe(struct runner *rn, volatile int64_t *slot);

/*
 * The job's parameters, what the plugin's mr_param reads (borrowed: they
 * must stay until the next call, or runner_release).  NULL (the default):
 * none.
 */
struct params;
void runner_set_params(struct runner *rn, const struct params *ps);

/*
 * The counters of the last task run (built-in "mr.*" ones and the plugin's),
 * reset when a task starts.
 */
struct counters *runner_counters(struct runner *rn);

/*
 * Read the input of `spec` and feed the plugin's map output to `mo`, within
 * the plugin's mr_task_start / mr_task_end for map spec->map_id when it has
 * them (a later split with no line starting in it is not mapped: no hooks).
 * A compressed input (common/inputs.h) is decompressed whole (within
 * rn->input_limit) and cannot be split; its offsets (mr.map.input.bytes,
 * bad records) are offsets in the decompressed data.
 */
int runner_map_input(struct runner *rn, const struct map_spec *spec, struct mapout *mo);

/*
 * Run the plugin's reduce over a started merger, once per key (within the
 * plugin's mr_task_start / mr_task_end for reduce `reduce_id`, when it has
 * them), and publish the output lines at `out_path`.
 */
int runner_reduce_merged(struct runner *rn, struct merger *m, int reduce_id,
			 const char *out_path);

/*
 * A whole map task: input -> mr-M-0 .. mr-M-(nreduce-1), each a sorted run,
 * published in `dir` (NULL: the current directory, the job directory), all
 * of them once every one is written: a map that fails publishes none
 * (runner.c says what a rename failing part-way leaves, and why).
 */
int runner_map_task(struct runner *rn, const struct map_spec *spec, const char *dir);

/*
 * A whole reduce task: merge mr-0-R .. mr-(nmap-1)-R (in passes when there
 * are more than the budget's fan-in) -> mr-out-R in rn->output_dir.
 * Map i's run is in dirs[i] (NULL entry, or dirs NULL: the current
 * directory).
 */
int runner_reduce_task(struct runner *rn, int reduce_id, int nmap,
		       const char *const *dirs);

#endif
