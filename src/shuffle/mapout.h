/*
 * mapout.h - where a map task's emitted pairs go, within a memory budget.
 *
 * The shuffle side of a map task.  The job comes as a struct shuffle_ops
 * (shuffle.h: the partition rule, the combiner, a name for messages), the
 * memory and descriptor limits as a struct budget (budget.h says how they
 * are shared out, and why), and what a worker keeps from task to task as a
 * struct mapout_cache that the caller owns.
 *
 * The way of a pair:
 *   - Without a combiner it goes to its partition's in-memory buffer.
 *   - With the job's own combine (SHUFFLE_COMBINE_USER) it goes to a
 *     combine table first (ctab.h): a key's values are combined whenever
 *     its block fills up; past the budget's combine share the table is
 *     compacted or, still too big, combined and drained into the
 *     partition buffers.
 *   - With the built-in sum (SHUFFLE_COMBINE_SUM) it is added to a sum
 *     table (sumtab.h), drained into the buffers as decimal totals when
 *     the table and its view outgrow the combine share, or when the table,
 *     which may not grow past the share, is 3/4 full (it is kept, emptied).  The table and its
 *     sorted view (sumview.h) stay in the cache from task to task, and a
 *     task that never drained writes its runs straight from the table, in
 *     the view's order.
 *   - Past the budget's partition share (budget_parts(): bigger without a
 *     combiner) the buffers are sorted and spilled
 *     to anonymous runs (unlinked files: a dead worker leaves none), one
 *     per partition, kept in a run list per partition (merge.h); when the
 *     spills would hold more descriptors than budget_spill_fds() allows,
 *     each partition's spills are merged into one run.
 *
 * After mapout_finish(), each partition is taken once: mapout_merger()
 * gives a started merger over its spills and its sorted buffer (equal keys
 * in emit order), or mapout_write() writes it as a run, combining equal
 * keys on the way when there is a combiner, into a set of files that the
 * caller publishes once every partition is written (afile.h: a task that
 * fails half-way, on a full disk say, publishes no run at all).
 *
 * Errors: functions return 0, or -1 once the failure is printed (by the
 * shuffle, or by the combine callback).  mo->fault then says whose fault it
 * was: SHUFFLE_FAULT_OPS when the combine failed or a value broke the
 * built-in sum's rule (not a decimal count below 2^64, a total past
 * 2^64 - 1), SHUFFLE_FAULT_ENGINE otherwise (I/O, a record too large).
 * After a failure the task is over: mapout_release() is all that is left.
 *
 * One thread; a cache serves one mapout at a time.
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
	/*
	 * The last task's partition buffers, emptied (nparts of them, or
	 * NULL), and the sort's arrays: the next map task of the job fills
	 * memory that is already there instead of faulting in fresh pages.
	 */
	struct kvbuf *parts;
	unsigned nparts;
	struct kvsort_scratch sort;
};

/*
 * Pairs that mapout_stage() has taken and not yet added to the combine or
 * sum table.  Staged pairs are added in order, a batch at a time, so the
 * slots (and value blocks) they touch are fetched from memory together
 * rather than one miss after another.
 */
#define MAPOUT_BATCH 16
#define MAPOUT_BATCH_BYTES 4096
struct mapout_staged {
	uint64_t a, b;           /* sum: the key's words (sumtab_words) */
	uint64_t hash;           /* sumtab_short_hash, or ctab_hash */
	uint64_t v;              /* sum: the value */
	size_t slot;             /* ctab: the key's slot, found ahead, or CTAB_NONE */
	uint32_t klen, vlen;
	uint32_t off;            /* ctab: key at bytes + off, the value right after */
};

struct mapout_batch {
	struct mapout_staged p[MAPOUT_BATCH];
	unsigned n;
	uint32_t used;           /* of bytes */
	char bytes[MAPOUT_BATCH_BYTES];
};

struct mapout {
	struct shuffle_ops ops;  /* the job's partition rule and combiner */
	unsigned nparts;
	struct mapout_cache *cache; /* borrowed: see mapout_init */
	struct budget budget;    /* copied: combine is the table size that triggers
				    compaction or draining, parts the buffer bytes that
				    trigger a spill (set by budget_parts()) */
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
	enum shuffle_fault fault; /* after a call returned -1: whose fault that was */
	struct mapout_batch batch; /* see mapout_stage */
};

void mapout_cache_init(struct mapout_cache *c);
/*
 * Free the kept sum table, view, partition buffers and sort arrays: before
 * work that needs the memory (a reduce), and at exit.  The sizing hint
 * stays; the cache may be used on.
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

/*
 * Take one emitted pair (copied), after the pairs staged before it.  0 or
 * -1 (a failure of a staged pair's may show here).
 */
int mapout_emit(struct mapout *mo, const char *key, size_t klen,
		const char *val, size_t vlen);

/*
 * mapout_emit(), but with a combine or sum table the pair may only be
 * staged (copied; see struct mapout_batch) and added with the next ones:
 * at the latest by the next mapout_emit(), mapout_flush() or
 * mapout_finish().  The map output is the same as mapout_emit()'s, pair
 * for pair.  What is wrong with the pair itself (too large, not a count
 * for the built-in sum) fails this call, after the staged pairs before it
 * are added; what goes wrong adding it (a combine fails, a total passes
 * 2^64 - 1, a spill fails) fails the call that adds it, and the message
 * names the key concerned.  0 or -1.
 */
int mapout_stage(struct mapout *mo, const char *key, size_t klen,
		 const char *val, size_t vlen);

/* Add the staged pairs to the table.  0 or -1. */
int mapout_flush(struct mapout *mo);

/*
 * After the last emit: add the staged pairs, drain the combine or sum table into the sorted
 * partition buffers (or, for a sum table that never drained, bring its view
 * up to date instead).  0 or -1.
 */
int mapout_finish(struct mapout *mo);

/*
 * Initialize `m` and make it a started merger over partition `r`: its
 * spills, then its sorted buffer (the mapout keeps the buffer until
 * mapout_release; the merger takes the spills' descriptors).  0 or -1; the
 * caller releases `m` either way, before mapout_release.
 */
int mapout_merger(struct mapout *mo, unsigned r, struct merger *m);

/*
 * Merge partition `r` into a run to be published at `path`: written whole
 * to its temp file, closed, and added to `set`, which the caller publishes
 * (afile_set_publish) or discards (afile_set_release); no descriptor of
 * it stays open.  0 or -1 (this run's temp file removed; the set's others
 * are the caller's).
 */
int mapout_write(struct mapout *mo, unsigned r, const char *path, struct afile_set *set);

#endif
