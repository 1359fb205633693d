/*
 * mapout.h - where a map's emitted pairs go, within a memory budget.
 *
 * Pairs are partitioned (the job's rule, shuffle.h) into one in-memory buffer per
 * reduce partition.  With a combiner, they first go through a combine table
 * (ctab.h): a key's values are combined whenever its block fills up, and
 * when the table outgrows an eighth of the budget it is compacted, or, still
 * too big, combined and moved into the partition buffers.  When the buffers
 * outgrow an eighth of the budget they are sorted and spilled to anonymous
 * sorted runs (one per partition; unlinked files, so a dead worker leaves
 * none); when the spills would hold more descriptors open than the limit
 * allows, each partition's spills are merged into one run.  budget.h says
 * how the memory and descriptor limits are shared out, and why.
 *
 * With the built-in sum combiner the combine table is a sum table instead
 * (sumtab.h), kept with its sorted view (sumview.h) from task to task of
 * the worker, the two together within the combine table's eighth; a task
 * that never drained writes its runs straight from the table in the view's
 * order.  What is kept lives in a struct mapout_cache that the caller owns.
 *
 * At the end, mapout_merger() gives, per partition, a merger over that
 * partition's spills and its sorted buffer; mapout_write() writes it as a
 * published run, combining equal keys on the way when there is a combiner.
 *
 * Errors are printed where they happen; functions return 0 or -1.
 */
#ifndef MR_MAPOUT_H
#define MR_MAPOUT_H

#include "shuffle/budget.h"
#include "shuffle/ctab.h"
#include "shuffle/keysort.h"
#include "shuffle/kvbuf.h"
#include "shuffle/merge.h"
#include "shuffle/shuffle.h"
#include "shuffle/sumtab.h"
#include "shuffle/sumview.h"

#include <stdint.h>

/*
 * What a worker keeps from one map task for the next: the tasks of a job
 * see mostly the same keys, so their tables start at the size the last one
 * reached, and a sum table is kept whole, emptied, with its sorted view, so
 * that its keys are inserted and sorted once per worker, not once per task
 * (see sumtab.h, sumview.h).
 */
struct mapout_cache {
	size_t last_keys;        /* keys in a recent big task's table: the next one's size */
	struct sumtab sum;       /* the last task's sum table (keys, no totals) ... */
	struct sumview view;     /* ... and its view */
};

struct mapout {
	struct shuffle_ops ops;  /* the job's partition rule and combiner */
	unsigned nparts;
	struct mapout_cache *cache; /* borrowed: see mapout_init */
	struct budget budget;    /* combine: the table size that triggers compaction or
				    draining; parts: the buffer bytes that trigger a spill */
	struct kvbuf *parts;     /* nparts buffers */
	int use_ctab;
	struct ctab ctab;
	int use_sum;             /* the built-in sum combiner: sumtab instead of ctab */
	struct sumtab sum;
	/*
	 * A sum table that never drained or spilled is written straight from
	 * the table, in the order of its view (sumview.h): no copies into
	 * `parts`, no sort of keys the worker has seen before.
	 */
	struct sumview view;
	size_t view_bytes;       /* its size when the task began (it only grows at the end) */
	int use_view;
	struct runlist *spill_runs; /* nparts lists: each partition's spilled runs, oldest first */
	size_t nspills;          /* runs in each list */
	size_t max_spill_fds;    /* past this, each partition's spills are merged into one */
	uint64_t pbytes;         /* approximate bytes in the partition buffers */
	/* combine output, and pointers into it for ctab_set_values() */
	struct kvbuf scratch;
	const char **vals;
	uint32_t *vlens;
	size_t vcap;
	/* counters */
	uint64_t spills, combines;
	uint64_t combine_in, combine_out;  /* values into and out of combine calls */
	size_t max_keys;         /* most keys the combine table held */
	unsigned drains;         /* times the combine table was moved to the partitions */
	enum shuffle_fault fault; /* after a call failed: whose fault that was */
};

void mapout_cache_init(struct mapout_cache *c);
/*
 * Free the kept sum table and view: before work that needs the memory (a
 * reduce), and at exit.  The sizing hint stays; the cache may be used on.
 */
void mapout_cache_release(struct mapout_cache *c);

/*
 * Start a map task's output: `nparts` partitions, the job's `ops` (copied;
 * their arg and name borrowed), budget `b` (copied), and `cache`, which
 * must outlive the mapout and serve one mapout at a time.
 */
void mapout_init(struct mapout *mo, const struct shuffle_ops *ops, unsigned nparts,
		 const struct budget *b, struct mapout_cache *cache);
/* Close and free everything; leave in `cache` what the next task may use. */
void mapout_release(struct mapout *mo);

/*
 * The map's input is `len` bytes: a sum table that starts from nothing is
 * sized for a key every 256 bytes (within its share of the budget), which
 * spares the first task of a job most of its table's growth.
 */
void mapout_expect_input(struct mapout *mo, size_t len);

/* Take one emitted pair. */
int mapout_emit(struct mapout *mo, const char *key, size_t klen,
		const char *val, size_t vlen);

/* After the last emit: move everything into sorted partition buffers. */
int mapout_finish(struct mapout *mo);

/*
 * Add partition `r`'s sources (spills, then its sorted buffer) to a fresh
 * merger and start it.  0 or -1.
 */
int mapout_merger(struct mapout *mo, unsigned r, struct merger *m);

/* Merge partition `r` into the run published at `path`. */
int mapout_write(struct mapout *mo, unsigned r, const char *path);

#endif
