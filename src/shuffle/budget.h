/*
 * budget.h - how a worker's memory limit and descriptor limit are shared
 * out among the parts of the shuffle.  The one place that decides it:
 * mapout.h, merge.h and the runner ask here.
 *
 * Memory.  A worker is given `memory` bytes (--memory-limit, default 256M)
 * for its map output and its merges:
 *
 *   combine table       an eighth, at least 1 MiB: the combine table
 *                       (ctab.h), or the sum table and its sorted view
 *                       together (sumtab.h, sumview.h).  Past it the
 *                       table is compacted, or combined and moved into the
 *                       partition buffers.  The minimum lets the smallest
 *                       limit (1M) still combine the hot keys in memory.
 *   partition buffers   an eighth, at least 256 KiB: past it they are
 *                       sorted and spilled to anonymous runs.  Without a
 *                       combiner (budget_parts(b, 0)) three eighths: the
 *                       combine table's eighth is free, and so is the
 *                       room its rehash would take from the rest; a map
 *                       of a default 64 MiB split of 100-byte records
 *                       then sorts in memory and writes each byte once,
 *                       instead of spilling it and merging it back.
 *   merge read buffers  a quarter, shared by the runs one merge reads at
 *                       once, at most 256 KiB each: a bigger buffer reads
 *                       no faster, and a reduce's 16 buffers of 1 MiB
 *                       each left the caches between two visits (the
 *                       1 GB sort's workers spent 5% more CPU).
 *   the rest            arrays grow by doubling, and a rehash or a sort
 *                       holds old and new side by side: the rest of the
 *                       limit covers that and the write buffers.
 *
 * The map's input, which the worker holds whole, comes on top (at most a
 * split).
 *
 * Descriptors.  The soft limit on open files less a reserve of 64 (the
 * input, the plugin, the connection, a merge's output, stdio), read each
 * time it is asked for, since raise_fd_limit() may have raised it:
 *
 *   spill runs    what a map task may keep open: that many, but room for
 *                 two spills of every partition at least.  Past it each
 *                 partition's spills are merged into one run.
 *   merge fan-in  how many runs one merge may read at once: that many, and
 *                 no more than the read buffers allow at 4 KiB a run; at
 *                 least 2.  More runs are merged in passes (merge.h).
 *
 * No errors; nothing to release.
 */
#ifndef MR_BUDGET_H
#define MR_BUDGET_H

#include <stddef.h>
#include <stdint.h>

#define BUDGET_MIN_COMBINE (1u << 20)
#define BUDGET_MIN_PARTS (256u << 10)
#define BUDGET_MAX_READ_BUFFER (256u << 10)
#define BUDGET_MIN_READ_BUFFER 4096u
#define BUDGET_FD_RESERVE 64u

struct budget {
	uint64_t memory;   /* the whole limit, bytes */
	uint64_t combine;  /* the combine (or sum) table */
	uint64_t parts;    /* the partition buffers together */
	uint64_t reads;    /* the read buffers of one merge together */
};

/* Share out `memory` bytes. */
void budget_init(struct budget *b, uint64_t memory);

/*
 * Bytes the partition buffers may hold before they spill: b->parts with a
 * combiner (`combining` non-zero), three eighths without.
 */
uint64_t budget_parts(const struct budget *b, int combining);

/* The read buffer of each of `nruns` runs read at once; 0 for none. */
size_t budget_read_buffer(const struct budget *b, size_t nruns);

/* How many runs one merge may read at once (at least 2). */
size_t budget_fan_in(const struct budget *b);

/* How many spill runs a map task of `nparts` partitions may keep open. */
size_t budget_spill_fds(unsigned nparts);

#endif
