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

/*
 * How many records ahead KVBUF_PREFETCH() is asked for.  Once sorted, a
 * buffer's records are read in key order, each somewhere in the arena
 * unrelated to the last: without a hint every record is a cache miss.
 */
#define KVBUF_PREFETCH_AHEAD 8

/*
 * A hint, nothing else: start loading record i's key and the start of its
 * value (two cache lines), if there is a record i.  A macro, not an inline
 * function: GCC finds a function that only prefetches free of effects
 * (const) and drops the calls to it, prefetches and all.
 */
#define KVBUF_PREFETCH(b, i)                                                      \
	do {                                                                      \
		const struct kvbuf *pf_b_ = (b);                                  \
		size_t pf_i_ = (i);                                               \
		if (pf_i_ < pf_b_->n) {                                           \
			const char *pf_p_ = pf_b_->arena + pf_b_->recs[pf_i_].off; \
			__builtin_prefetch(pf_p_);                                \
			__builtin_prefetch(pf_p_ + 64);                           \
		}                                                                 \
	} while (0)

#endif
