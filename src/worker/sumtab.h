/*
 * sumtab.h - the map side's table for the built-in "sum" combiner:
 * key -> 64-bit total, in memory.
 *
 * Used instead of the combine table (ctab.h) when the plugin declares the
 * built-in sum combiner (see mapreduce.h): a value is added to its key's
 * total as it is emitted, so a key costs one entry however often it comes.
 *
 * The table is open addressing with linear probing, load <= 3/4, 32-byte
 * slots: a key of up to SUMTAB_INLINE bytes lives in its slot, so finding
 * it touches one cache line; a longer one lives in an arena.  (Deferring
 * adds behind a prefetch of their slot was tried: slower, as the
 * processor already overlaps the miss with the plugin's next word.)
 *
 * Allocation failures die (xmalloc).  Pointers into the table are valid
 * until the next sumtab_add() or sumtab_clear().
 */
#ifndef MR_SUMTAB_H
#define MR_SUMTAB_H

#include <stddef.h>
#include <stdint.h>

#define SUMTAB_INLINE 16

struct sentry {
	uint64_t sum;
	uint32_t klen1;     /* key length + 1; 0 = empty slot */
	uint32_t tag;       /* high 32 bits of the key's hash */
	union {
		char inl[SUMTAB_INLINE];    /* klen <= SUMTAB_INLINE, zero-padded */
		uint64_t off;               /* else: key at arena + off */
	} key;
};

struct sumtab {
	struct sentry *ent; /* cap slots, cap a power of two (0 before the first add) */
	size_t cap, n;
	char *arena;        /* long keys, each followed by '\0' */
	size_t alen, acap;
	char overflow_key[65]; /* the key whose total passed 2^64 - 1 (cut at 64) */
	size_t overflow_klen;
};

void sumtab_init(struct sumtab *t);
void sumtab_release(struct sumtab *t);
/* Forget every key, keep the memory. */
void sumtab_clear(struct sumtab *t);
/* Size the table for about `n` keys up front (saves rehashing). */
void sumtab_reserve(struct sumtab *t, size_t n);
/* Bytes held: slots and arena. */
size_t sumtab_bytes(const struct sumtab *t);

/*
 * Add `v` to the total of `key` (a new key starts at 0).  Returns 0, 1 when
 * the key is new (the table grew), or -1 when the total would pass
 * 2^64 - 1 (it is left as it was; overflow_key names the key).
 */
int sumtab_add(struct sumtab *t, const char *key, size_t klen, uint64_t v);

/* Slots 0 .. cap - 1 with klen1 != 0 are the keys. */
static inline const char *sumtab_key(const struct sumtab *t, const struct sentry *e)
{
	return e->klen1 - 1 <= SUMTAB_INLINE ? e->key.inl : t->arena + e->key.off;
}

#endif
