/*
 * sumview.h - the keys of a sum table (sumtab.h) by partition, sorted, kept
 * up to date from task to task.
 *
 * A map task writes its totals as one sorted run per partition.  Sorting
 * all keys of every task again would cost as much as the rest of the
 * task's end, while consecutive tasks of a job see mostly the same keys;
 * so the view keeps, per partition, every key of the table in order (with
 * a copy of its bytes and its slot number), and sumview_update() only
 * sorts the keys inserted since the last update and merges them in.  After
 * a rehash or a clear of the table (sumtab's `moved`) it starts over.
 * Writers walk a partition in order and skip the slots that have no total
 * in the current epoch (sumtab_live).
 *
 * Allocation failures die (xmalloc); no other errors.
 */
#ifndef MR_SUMVIEW_H
#define MR_SUMVIEW_H

#include "shuffle/keysort.h"
#include "shuffle/shuffle.h"
#include "shuffle/sumtab.h"

#include <stddef.h>

struct sumview {
	unsigned nparts;         /* 0 until the first update */
	shuffle_partition_fn partition; /* the rule the keys were partitioned with */
	struct sortkey **part;   /* nparts sorted arrays; idx = slot in the table */
	size_t *n, *cap;
	char **blocks;           /* key bytes, in blocks that never move */
	size_t nblocks, bytes;
	char *cur;               /* the block being filled, `used` bytes so far */
	size_t used;
};

void sumview_init(struct sumview *v);
void sumview_release(struct sumview *v);
/* Memory held. */
size_t sumview_bytes(const struct sumview *v);

/*
 * Catch up with table `t` (whose fresh list it then takes), partitioning
 * new keys among `nparts` by `rule` (shuffle.h; may be NULL for one
 * partition).  A different nparts or rule than last time starts over.
 */
void sumview_update(struct sumview *v, struct sumtab *t, shuffle_partition_fn rule,
		    unsigned nparts);

#endif
