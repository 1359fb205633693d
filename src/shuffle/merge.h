/*
 * merge.h - k-way merge of sorted runs, many runs merged in passes within a
 * budget, and walking a merge's output key by key.
 *
 * Sources are sorted in-memory buffers (kvbuf, already kvbuf_sort()ed) and
 * sorted run files (ifile.h).  The merger yields every record in key order;
 * equal keys come source by source in the order the sources were added, so a
 * reduce sees map 0's values before map 1's.  A tournament tree over the
 * sources makes each step log2(k) comparisons (of cached key prefixes,
 * mostly); memory is one read buffer per file source.
 *
 * The one way to merge more runs than may be read at once is a run list
 * (below): the map side's spill compaction, a partition's final merge and
 * a reduce all go through it.
 *
 * A record handed out stays valid until the merger advances past it.
 * Errors are printed where they are found (with the run's name); calls
 * return -1 after that.  One thread.
 */
#ifndef MR_MERGE_H
#define MR_MERGE_H

#include "shuffle/budget.h"
#include "shuffle/ifile.h"
#include "shuffle/kvbuf.h"

#include <stddef.h>
#include <stdint.h>

struct msrc {
	const struct kvbuf *kv;    /* in-memory source, or NULL */
	size_t i;                  /* next record of kv */
	struct ifile_reader rd;    /* file source when kv is NULL */
	const char *key, *val;     /* current record */
	uint32_t klen, vlen;
	uint64_t p0, p1;           /* its key's first 16 bytes, big-endian (keysort.h) */
	int done;                  /* no current record: exhausted */
};

struct merger {
	struct msrc *src;
	size_t nsrc, cap;
	size_t *tree;              /* the tournament tree (see merge.c) */
	size_t leaves, npad;       /* a power of two; npad padding sources at the end */
	size_t win;                /* the source with the smallest current record */
	int started;
};

/* An empty merger; merger_release() when done (twice is harmless). */
void merger_init(struct merger *m);
/* Add a sorted buffer (borrowed until merger_release). */
void merger_add_mem(struct merger *m, const struct kvbuf *sorted);
/*
 * Add a run file by path, or by fd: the merger owns fd from here and closes
 * it, also when adding fails.  `bufsize`: its read buffer.  0 or -1 (printed).
 */
int merger_add_file(struct merger *m, const char *path, size_t bufsize);
int merger_add_fd(struct merger *m, int fd, const char *name, size_t bufsize);
/* Read the first record of every source.  0 or -1 (printed). */
int merger_start(struct merger *m);
/* Append every record left in the merger to `w`, in order.  0 or -1 (printed). */
int merger_copy(struct merger *m, struct ifile_writer *w);
/*
 * Start the merger and write all of it to a new anonymous run in `dir`
 * (see ifile_writer_open_anon): 0 and *fd the run (the caller's to close),
 * or -1 (printed) and no descriptor made.
 */
int merger_to_anon(struct merger *m, const char *dir, int *fd);
/* The smallest record: 1 and sets the pointers, or 0 when all is merged. */
int merger_peek(const struct merger *m, const char **key, uint32_t *klen,
		const char **val, uint32_t *vlen);
/* Move past the record merger_peek() returned.  0 or -1 (printed). */
int merger_pop(struct merger *m);
/* Close the file sources, free everything; the merger is empty again. */
void merger_release(struct merger *m);

/*
 * Many runs, merged within a budget.  A run list holds sorted runs in
 * order: run files by path, and anonymous runs (ifile_writer_open_anon) by
 * descriptor.  More runs than a merge may read at once are merged in
 * passes: consecutive groups of runs become anonymous runs in the current
 * directory, so equal keys still come run by run in list order.  Read
 * buffers follow budget.h: its read share split among the runs read at
 * once, at most BUDGET_MAX_READ_BUFFER (256 KiB) each.
 *
 * The list owns the descriptors it holds and a copy of every name; a run
 * handed to a merger (or merged into another) leaves the list.  Every call
 * that fails has printed why and left the list empty, every descriptor it
 * held closed, so runlist_release() is all a caller does either way.
 */
struct run {
	int fd;                    /* an anonymous run, or -1: the file names[first] */
	size_t first, last;        /* the runs added to the list that it holds */
};

struct runlist {
	struct run *runs;          /* the runs, in merge order */
	size_t n, cap;
	char **names;              /* of every run ever added: messages, and paths */
	size_t nnames, namecap;
};

void runlist_init(struct runlist *l);
/* Close the descriptors the list still holds and free it. */
void runlist_release(struct runlist *l);
/* Append the run file at `path` (copied; opened when it is merged). */
void runlist_add_path(struct runlist *l, const char *path);
/* Append the anonymous run `fd` (the list owns it), called `name` in messages. */
void runlist_add_fd(struct runlist *l, int fd, const char *name);
/*
 * While the list holds more than `max_runs` runs, merge consecutive groups
 * of up to `fan_in` runs (at least 2) each into one anonymous run.  A merged run
 * is called "merged run of FIRST .. LAST" in messages.  0 or -1.
 */
int runlist_shrink(struct runlist *l, size_t max_runs, size_t fan_in, const struct budget *b);
/*
 * Merge the list (in passes, to at most `fan_in` runs: runlist_shrink) and
 * then `mem` (a sorted buffer, borrowed until merger_release; or NULL)
 * through `m`, an initialized merger with no sources, and start it.  Every
 * run passes to `m`; the list is left empty.  0 or -1; the caller releases
 * `m` either way.
 */
int runlist_merger(struct runlist *l, const struct kvbuf *mem, size_t fan_in,
		   const struct budget *b, struct merger *m);

/*
 * Walk a merger one key at a time: mgroup_next_key() starts the next key
 * (copied into g->key, stable for the whole group), mgroup_next_value()
 * yields its values, and whatever the consumer leaves unread is skipped.
 */
struct mgroup {
	struct merger *m;
	char *key;                 /* malloc'd copy of the current key, '\0'-terminated */
	size_t klen, cap;
	uint64_t p0, p1;           /* the key's prefix words (keysort.h) */
	int pending;               /* the last value handed out is still in the merger */
	int in_group;
};

void mgroup_init(struct mgroup *g, struct merger *m);
void mgroup_release(struct mgroup *g);
/* 1 and g->key set, 0 when there are no more keys, -1 on a read error. */
int mgroup_next_key(struct mgroup *g);
/* 1 and the value (valid until the next call), 0 after the group's last, -1 on error. */
int mgroup_next_value(struct mgroup *g, const char **val, uint32_t *vlen);

#endif
