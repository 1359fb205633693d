/*
 * ctab.h - the map side's combine table: key -> block of values, in memory.
 *
 * Used when the plugin has a combiner.  Every emitted pair lands here.  A
 * key's values sit together in one block of the arena ([u32 len][bytes]['\0']
 * each), so combining them reads memory in order.  When a block is full,
 * ctab_push() either grows it (up to CTAB_BLOCK_MAX, for keys that keep
 * coming) or asks the caller to combine the block's values first; the
 * caller then stores the result with ctab_set_values().  Outgrown blocks
 * become garbage that ctab_compact() drops.
 *
 * Keys and values are each followed by '\0', as the plugin ABI promises.
 * Offsets, not pointers, are kept, so the arena may move: a pointer into it
 * (or into an entry, for short keys) is valid until the next ctab_find(),
 * ctab_push(), ctab_set_values() or ctab_compact().
 */
#ifndef MR_CTAB_H
#define MR_CTAB_H

#include <stddef.h>
#include <stdint.h>

#define CTAB_BLOCK_MAX 4096

/*
 * Entries are the hash table itself (open addressing, linear probing, load
 * <= 1/2), one cache line each: finding a short key (up to CTAB_INLINE - 1
 * bytes, kept in the entry) touches one line.  Longer keys and the value
 * blocks live in the arena.
 */
#define CTAB_INLINE 32
#define CTAB_BLOCK_MIN 32

struct centry {
	uint32_t hash;
	uint32_t klen1;     /* key length + 1; 0 = empty slot */
	union {
		char inl[CTAB_INLINE];  /* klen < CTAB_INLINE: key and its '\0' */
		uint64_t off;           /* else: key at arena + off */
	} key;
	uint64_t boff;      /* value block at arena + boff (when bcap > 0) */
	uint32_t bcap, bused;
	uint32_t nvals;
	uint32_t ncombined; /* times its values were combined */
} __attribute__((aligned(64)));

struct ctab {
	struct centry *ent; /* cap slots, cap a power of two */
	size_t cap, n;
	char *arena;
	size_t alen, acap;
	size_t garbage;     /* bytes of the arena no longer referenced */
	uint64_t moves;     /* changes whenever slot numbers do (a rehash, a
			       clear, a release): a slot number found under
			       another value is stale */
};

/* Iterating over one entry's values. */
struct cvalues {
	const char *p;
	uint32_t left;
};

void ctab_init(struct ctab *t);
/*
 * Free the memory.  The table is left empty and ready for use again, with
 * `moves` going on from where it was: do not ctab_init() it again (that
 * would restart `moves`, and a slot number taken before could pass for
 * current).
 */
void ctab_release(struct ctab *t);
/* Size the table for about `n` keys up front (saves rehashing). */
void ctab_reserve(struct ctab *t, size_t n);
/* Forget every entry, keep the memory. */
void ctab_clear(struct ctab *t);
/* Bytes held: arena, entries and slots. */
size_t ctab_bytes(const struct ctab *t);

/* A fast hash for the table (not the partition rule: that stays FNV-1a). */
uint32_t ctab_hash(const char *key, size_t klen);

/*
 * Find or insert `key` (`hash` is ctab_hash() of it); returns its slot index,
 * valid until the next ctab_find() (which may rehash: when ctab_will_grow(),
 * even for a key the table holds).
 */
size_t ctab_find(struct ctab *t, uint32_t hash, const char *key, size_t klen);

/* The next ctab_find() rehashes first. */
static inline int ctab_will_grow(const struct ctab *t)
{
	return (t->n + 1) * 2 > t->cap;
}

#define CTAB_NONE SIZE_MAX

/*
 * The slot of `key` when the table holds it, else CTAB_NONE; changes
 * nothing (no insert, no rehash).  The slot stays valid while t->moves
 * stays the same.
 */
size_t ctab_lookup(const struct ctab *t, uint32_t hash, const char *key, size_t klen);

/* Where `hash`'s search starts, to prefetch (NULL while the table has no slots). */
static inline const struct centry *ctab_home(const struct ctab *t, uint32_t hash)
{
	return t->cap ? &t->ent[hash & (t->cap - 1)] : NULL;
}

/* Where entry `i`'s next value goes, to prefetch (valid until the table changes). */
static inline const char *ctab_tail(const struct ctab *t, size_t i)
{
	return t->arena + t->ent[i].boff + t->ent[i].bused;
}

/*
 * Append a value to entry `i`.  Returns 0 when stored, or 1 when the block
 * is full and should be combined first (only when `may_combine` and the
 * entry has at least two values); after combining, push again with
 * may_combine 0, which always stores (growing the block).
 */
int ctab_push(struct ctab *t, size_t i, const char *val, size_t vlen, int may_combine);

static inline uint32_t ctab_klen(const struct centry *e)
{
	return e->klen1 - 1;
}

/* The key of a live entry; valid until the table changes. */
static inline const char *ctab_key(const struct ctab *t, const struct centry *e)
{
	return e->klen1 - 1 < CTAB_INLINE ? e->key.inl : t->arena + e->key.off;
}

/* Entries are slots 0 .. t->cap - 1 with klen1 != 0. */
static inline int ctab_live(const struct centry *e)
{
	return e->klen1 != 0;
}

static inline const char *ctab_block(const struct ctab *t, const struct centry *e)
{
	return t->arena + e->boff;
}

static inline void ctab_values(const struct ctab *t, const struct centry *e,
			       struct cvalues *it)
{
	it->p = ctab_block(t, e);
	it->left = e->nvals;
}

/* 1 and the next value of the walk, or 0 after the last. */
static inline int ctab_next_value(struct cvalues *it, const char **val, uint32_t *vlen)
{
	uint32_t len;

	if (it->left == 0)
		return 0;
	__builtin_memcpy(&len, it->p, 4);
	*val = it->p + 4;
	*vlen = len;
	it->p += 4 + (size_t)len + 1;
	it->left--;
	return 1;
}

/*
 * Replace the values of entry `i` by the `n` values in vals/vlens (copied;
 * they must not point into the arena).
 */
void ctab_set_values(struct ctab *t, size_t i, const char *const *vals,
		     const uint32_t *vlens, size_t n);

/* Rebuild the arena with live data only. */
void ctab_compact(struct ctab *t);

#endif
