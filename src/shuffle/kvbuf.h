/*
 * kvbuf.h - an in-memory list of (key, value) records.
 *
 * Keys and values are copied into one growing arena, each followed by a
 * '\0' that is not counted in its length (the plugin ABI promises that
 * terminator).  Records are referenced by arena offset, so growing the
 * arena never invalidates them; pointers from kv_key()/kv_val() are valid
 * until the next kvbuf_add() or kvbuf_clear().
 *
 * Allocation failures die (xmalloc); the only error is a key or value longer
 * than 4 GiB - 1, which kvbuf_add() reports.
 */
#ifndef MR_KVBUF_H
#define MR_KVBUF_H

#include <stddef.h>
#include <stdint.h>

struct sortkey;

struct kv {
	size_t off;          /* key bytes at arena + off, value right after key's '\0' */
	uint32_t klen, vlen;
};

struct kvbuf {
	char *arena;
	size_t len, cap;
	struct kv *recs;
	size_t n, ncap;
};

void kvbuf_init(struct kvbuf *b);
void kvbuf_release(struct kvbuf *b);
/* Drop every record but keep the memory for reuse. */
void kvbuf_clear(struct kvbuf *b);
/* Append a copy of (key, value).  0, or -1 after printing why. */
int kvbuf_add(struct kvbuf *b, const char *key, size_t klen, const char *val, size_t vlen);
/* Sort by key bytes (memcmp order, a prefix first); equal keys keep insertion order. */
void kvbuf_sort(struct kvbuf *b);

/*
 * The arrays a sort needs besides the buffer, kept by a caller that sorts
 * many buffers one after another (a map task's partitions, task after
 * task), so that each sort does not fault in fresh memory.  Zeroed (or
 * kvsort_scratch_release()d) is empty; it grows to the largest buffer
 * sorted with it.
 */
struct kvsort_scratch {
	struct sortkey *keys, *tmp; /* cap entries each */
	size_t cap;
	struct kv *spare;           /* a record array swapped with the sorted buffer's */
	size_t spare_cap;
};

void kvsort_scratch_release(struct kvsort_scratch *s);
/* kvbuf_sort() with the arrays in `s`. */
void kvbuf_sort_with(struct kvbuf *b, struct kvsort_scratch *s);

static inline const char *kv_key(const struct kvbuf *b, const struct kv *r)
{
	return b->arena + r->off;
}

static inline const char *kv_val(const struct kvbuf *b, const struct kv *r)
{
	return b->arena + r->off + r->klen + 1;
}

#endif
