/*
 * sumtab.h - the map side's table for the built-in "sum" combiner:
 * key -> 64-bit total, in memory.
 *
 * Used instead of the combine table (ctab.h) when the plugin declares the
 * built-in sum combiner (see mapreduce.h): a value is added to its key's
 * total as it is emitted, so a key costs one entry however often it comes.
 *
 * The table is open addressing with linear probing, load <= 1/2 (3/4 at
 * max_bytes: see Size below), 32-byte slots: a key of up to SUMTAB_INLINE
 * bytes lives in its slot (as the two words of sumtab_words()), so finding
 * it touches one cache line; a longer one lives in an arena.  (Deferring
 * adds one by one behind a prefetch of their slot was slower; mapout.c
 * stages them a batch at a time, prefetching every slot of the batch
 * before the first add (sumtab_home, sumtab_add_short), which pays.)
 *
 * Epochs.  The map tasks of one job see mostly the same keys, so a worker
 * keeps its table from task to task: each task starts a new epoch
 * (sumtab_new_epoch), and a slot counts in the current epoch only when an
 * add of this epoch touched it; its first add of an epoch replaces the old
 * total.  A key then costs its insertion once per worker, not once per
 * task.  The slots of keys inserted since sumtab_take_fresh() are listed
 * in `fresh`; `moved` says a rehash changed the slot numbers since then.
 *
 * Size.  The table doubles when half full; with `max_bytes` set, a
 * doubling that would take it past that is not done: the table fills on to
 * 3/4 instead (two slots a line, a probe still touches one or two lines),
 * and then says it is `full`: the caller empties it (sumtab_clear, which
 * keeps its slots) before the next add.
 *
 * Allocation failures die (xmalloc).  Slot pointers are valid until the
 * next sumtab_add() or sumtab_clear(); slot numbers until a rehash.
 */
#ifndef MR_SUMTAB_H
#define MR_SUMTAB_H

#include <stddef.h>
#include <stdint.h>

#define SUMTAB_INLINE 16

struct sentry {
	uint64_t sum;
	uint32_t klen1;     /* key length + 1; 0 = empty slot */
	uint32_t epoch;     /* of the last add; the total counts only in that epoch */
	union {
		uint64_t w[2];  /* klen <= SUMTAB_INLINE: the key's words (sumtab_words) */
		uint64_t off;   /* longer keys: at arena + off */
	} key;
};

struct sumtab {
	struct sentry *ent; /* cap slots, cap a power of two (0 before the first add) */
	size_t cap, n;
	char *arena;        /* long keys, each followed by '\0' */
	size_t alen, acap;
	uint32_t epoch;     /* the current epoch, never 0 */
	uint32_t *fresh;    /* slots inserted since sumtab_take_fresh() */
	size_t nfresh, fresh_cap;
	int moved;          /* a rehash since sumtab_take_fresh() */
	size_t max_bytes;   /* 0, or what growing may not take sumtab_bytes() past */
	int full;           /* at max_bytes and 3/4 full: time to empty it */
	char overflow_key[65]; /* the key whose total passed 2^64 - 1 (cut at 64) */
	size_t overflow_klen;
};

void sumtab_init(struct sumtab *t);
void sumtab_release(struct sumtab *t);
/* Forget every key, keep the memory (counts as a move: slots are gone). */
void sumtab_clear(struct sumtab *t);
/* Start a new epoch: every total counts as 0 until added to again. */
void sumtab_new_epoch(struct sumtab *t);
/* Size the table for about `n` keys up front (saves rehashing). */
void sumtab_reserve(struct sumtab *t, size_t n);
/* Bytes held: slots, arena and the fresh list. */
size_t sumtab_bytes(const struct sumtab *t);
/* Forget the fresh list and `moved` (the caller has taken note of them). */
void sumtab_take_fresh(struct sumtab *t);

/* Does slot e hold a key with a total in the current epoch? */
static inline int sumtab_live(const struct sumtab *t, const struct sentry *e)
{
	return e->klen1 != 0 && e->epoch == t->epoch;
}

/*
 * The bytes of slot e's key: in the arena for a long key, else rebuilt in
 * buf.  Valid until the table or buf changes.
 */
const char *sumtab_key(const struct sumtab *t, const struct sentry *e,
		       char buf[SUMTAB_INLINE]);

/*
 * Two words that hold every byte of a key of n <= 16 bytes (overlapping
 * loads, nothing read outside the key): equal words and lengths mean equal
 * keys, and the key can be rebuilt from them.
 */
static inline void sumtab_words(const char *k, size_t n, uint64_t *a, uint64_t *b)
{
	if (n >= 8) {
		__builtin_memcpy(a, k, 8);
		__builtin_memcpy(b, k + n - 8, 8);
	} else if (n >= 4) {
		uint32_t x, y;

		__builtin_memcpy(&x, k, 4);
		__builtin_memcpy(&y, k + n - 4, 4);
		*a = x;
		*b = y;
	} else if (n > 0) {
		*a = (uint64_t)(unsigned char)k[0] << 16 |
		     (uint64_t)(unsigned char)k[n / 2] << 8 | (unsigned char)k[n - 1];
		*b = 0;
	} else {
		*a = *b = 0;
	}
}

static inline uint64_t sumtab_mix(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* The hash of a short key from its words. */
static inline uint64_t sumtab_short_hash(uint64_t a, uint64_t b, size_t n)
{
	return sumtab_mix(a ^ (n * 0x9e3779b97f4a7c15ull) ^ 0x243f6a8885a308d3ull,
			  b ^ 0xd6e8feb86659fd93ull);
}

/* The slow paths of sumtab_add(): new keys, long keys, the first add, overflow. */
int sumtab_add_slow(struct sumtab *t, const char *key, size_t klen, uint64_t v);
int sumtab_insert_short(struct sumtab *t, size_t slot, uint64_t a, uint64_t b,
			size_t klen, uint64_t v);
int sumtab_overflow_short(struct sumtab *t, uint64_t a, uint64_t b, size_t klen);

/* Give an empty table (cap 0) its first slots. */
void sumtab_start(struct sumtab *t);

/*
 * sumtab_add() of a short key (klen <= SUMTAB_INLINE) given as its words
 * (sumtab_words) and their hash (sumtab_short_hash): what sumtab_add does
 * once it has them.
 */
static inline int sumtab_add_short(struct sumtab *t, uint64_t a, uint64_t b, size_t klen,
				   uint64_t h, uint64_t v)
{
	size_t mask, j;

	if (!t->cap)
		sumtab_start(t);
	mask = t->cap - 1;
	for (j = h & mask;; j = (j + 1) & mask) {
		struct sentry *e = &t->ent[j];

		if (e->key.w[0] == a && e->key.w[1] == b && e->klen1 == klen + 1) {
			if (e->epoch != t->epoch) {
				e->epoch = t->epoch;
				e->sum = v;
			} else if (v > UINT64_MAX - e->sum) {
				return sumtab_overflow_short(t, a, b, klen);
			} else {
				e->sum += v;
			}
			return 0;
		}
		if (!e->klen1)
			return sumtab_insert_short(t, j, a, b, klen, v);
	}
}

/* The slot where the search for hash `h` starts, to prefetch (NULL: no slots yet). */
static inline const struct sentry *sumtab_home(const struct sumtab *t, uint64_t h)
{
	return t->cap ? &t->ent[h & (t->cap - 1)] : NULL;
}

/*
 * Add `v` to the total of `key` (a key new to the epoch starts at 0).
 * Returns 0, 1 when the key is new to the table (it grew), or -1 when the
 * total would pass 2^64 - 1 (it is left as it was; overflow_key names the
 * key).  The common case, a short key already in the table, is inline: two
 * word compares in the slot the hash points at.
 */
static inline int sumtab_add(struct sumtab *t, const char *key, size_t klen, uint64_t v)
{
	uint64_t a, b;

	if (klen > SUMTAB_INLINE || !t->cap)
		return sumtab_add_slow(t, key, klen, v);
	sumtab_words(key, klen, &a, &b);
	return sumtab_add_short(t, a, b, klen, sumtab_short_hash(a, b, klen), v);
}

#endif
