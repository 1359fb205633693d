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
 * order.  mapout_drop_cache() frees what is kept.
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

struct mapout {
	struct shuffle_ops ops;  /* the job's partition rule and combiner */
	unsigned nparts;
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

void mapout_init(struct mapout *mo, const struct shuffle_ops *ops, unsigned nparts,
		 uint64_t memory);
void mapout_release(struct mapout *mo);

/*
 * Free what mapout keeps from one task for the next (the emptied sum
 * table): before work that needs the memory, and at exit.
 */
void mapout_drop_cache(void);

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
