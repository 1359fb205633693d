/*
 * merge.h - k-way merge of sorted runs, and walking its output key by key.
 *
 * Sources are sorted in-memory buffers (kvbuf, already kvbuf_sort()ed) and
 * sorted run files (ifile.h).  The merger yields every record in key order;
 * equal keys come source by source in the order the sources were added, so a
 * reduce sees map 0's values before map 1's.  A tournament tree over the
 * sources makes each step log2(k) comparisons (of cached key prefixes,
 * mostly); memory is one read buffer per file source.
 *
 * A record handed out stays valid until the merger advances past it.
 */
#ifndef MR_MERGE_H
#define MR_MERGE_H

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

void merger_init(struct merger *m);
/* Add a sorted buffer (borrowed until merger_release). */
void merger_add_mem(struct merger *m, const struct kvbuf *sorted);
/* Add a run file by path, or by fd (the merger closes it).  0 or -1 (printed). */
int merger_add_file(struct merger *m, const char *path, size_t bufsize);
int merger_add_fd(struct merger *m, int fd, const char *name, size_t bufsize);
/* Read the first record of every source.  0 or -1 (printed). */
int merger_start(struct merger *m);
/* Append every record left in the merger to `w`, in order.  0 or -1 (printed). */
int merger_copy(struct merger *m, struct ifile_writer *w);
/*
 * Start the merger and write all of it to a new anonymous run in `dir`
 * (see ifile_writer_open_anon); *fd gets the run.  0 or -1 (printed).
 */
int merger_to_anon(struct merger *m, const char *dir, int *fd);
/* The smallest record: 1 and sets the pointers, or 0 when all is merged. */
int merger_peek(const struct merger *m, const char **key, uint32_t *klen,
		const char **val, uint32_t *vlen);
/* Move past the record merger_peek() returned.  0 or -1 (printed). */
int merger_pop(struct merger *m);
void merger_release(struct merger *m);

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
