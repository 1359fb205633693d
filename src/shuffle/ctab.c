/* ctab.c - see ctab.h. */
#include "shuffle/ctab.h"

#include "common/log.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

void ctab_init(struct ctab *t)
{
	memset(t, 0, sizeof(*t));
}

void ctab_release(struct ctab *t)
{
	uint64_t moves = t->moves;

	xtable_free(t->ent, t->cap * sizeof(*t->ent));
	free(t->arena);
	ctab_init(t);
	t->moves = moves + 1;
}

void ctab_clear(struct ctab *t)
{
	if (t->ent)
		memset(t->ent, 0, t->cap * sizeof(*t->ent));
	t->n = 0;
	t->alen = 0;
	t->garbage = 0;
	t->moves++;
}

size_t ctab_bytes(const struct ctab *t)
{
	return t->acap + t->cap * sizeof(*t->ent);
}

/* Reserve `n` bytes at the end of the arena; returns their offset. */
static size_t arena_reserve(struct ctab *t, size_t n)
{
	size_t off;

	if (t->alen + n > t->acap)
		xgrow((void **)&t->arena, &t->acap, t->alen + n, 1);
	off = t->alen;
	t->alen += n;
	return off;
}

static struct centry *alloc_entries(size_t cap)
{
	return xtable_alloc(cap * sizeof(struct centry));
}

static void rehash_to(struct ctab *t, size_t cap)
{
	struct centry *ent = alloc_entries(cap);

	for (size_t i = 0; i < t->cap; i++) {
		size_t j;

		if (!ctab_live(&t->ent[i]))
			continue;
		for (j = t->ent[i].hash & (cap - 1); ent[j].klen1; j = (j + 1) & (cap - 1))
			;
		ent[j] = t->ent[i];
	}
	xtable_free(t->ent, t->cap * sizeof(*t->ent));
	t->ent = ent;
	t->cap = cap;
	t->moves++;
}

static void rehash(struct ctab *t)
{
	rehash_to(t, t->cap ? t->cap * 2 : 4096);
}

void ctab_reserve(struct ctab *t, size_t n)
{
	size_t cap = 4096;

	while (cap < n * 2)
		cap *= 2;
	if (cap > t->cap)
		rehash_to(t, cap);
}

static inline uint64_t load64(const char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t mix(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

uint32_t ctab_hash(const char *key, size_t klen)
{
	const uint64_t k1 = 0x9e3779b97f4a7c15ull, k2 = 0xd6e8feb86659fd93ull;
	uint64_t h = klen * k1;
	size_t i = 0;

	if (klen >= 8) {
		for (; i + 8 <= klen; i += 8)
			h = mix(h ^ load64(key + i), k2);
		if (i < klen) /* the last 8 bytes, overlapping what came before */
			h = mix(h ^ load64(key + klen - 8), k1);
	} else if (klen >= 4) {
		uint32_t a, b;

		memcpy(&a, key, 4);
		memcpy(&b, key + klen - 4, 4);
		h = mix(h ^ ((uint64_t)a << 32 | b), k1);
	} else if (klen > 0) {
		uint64_t v = (uint64_t)(unsigned char)key[0] << 16 |
			     (uint64_t)(unsigned char)key[klen / 2] << 8 |
			     (unsigned char)key[klen - 1];

		h = mix(h ^ v, k1);
	}
	h = mix(h, k2);
	return (uint32_t)(h ^ (h >> 32));
}

static inline uint32_t load32(const char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/*
 * Words are short: up to 16 bytes, two overlapping loads a side (within
 * the n bytes of each) beat a call.
 */
static inline int same_key(const char *a, const char *b, size_t n)
{
	if (n >= 8 && n <= 16)
		return load64(a) == load64(b) && load64(a + n - 8) == load64(b + n - 8);
	if (n >= 4 && n < 8)
		return load32(a) == load32(b) && load32(a + n - 4) == load32(b + n - 4);
	if (n < 4) {
		for (size_t i = 0; i < n; i++)
			if (a[i] != b[i])
				return 0;
		return 1;
	}
	return memcmp(a, b, n) == 0;
}

size_t ctab_lookup(const struct ctab *t, uint32_t hash, const char *key, size_t klen)
{
	const struct centry *e;

	if (!t->cap)
		return CTAB_NONE;
	for (size_t j = hash & (t->cap - 1);; j = (j + 1) & (t->cap - 1)) {
		e = &t->ent[j];
		if (!e->klen1)
			return CTAB_NONE;
		if (e->hash == hash && e->klen1 == klen + 1 &&
		    same_key(ctab_key(t, e), key, klen))
			return j;
	}
}

size_t ctab_find(struct ctab *t, uint32_t hash, const char *key, size_t klen)
{
	struct centry *e;
	size_t j;

	if (ctab_will_grow(t))
		rehash(t);
	for (j = hash & (t->cap - 1);; j = (j + 1) & (t->cap - 1)) {
		e = &t->ent[j];
		if (!e->klen1)
			break;
		if (e->hash == hash && e->klen1 == klen + 1 &&
		    same_key(ctab_key(t, e), key, klen))
			return j;
	}
	t->n++;
	e->hash = hash;
	e->klen1 = (uint32_t)klen + 1;
	e->boff = 0;
	e->bcap = e->bused = e->nvals = e->ncombined = 0;
	if (klen < CTAB_INLINE) {
		memcpy(e->key.inl, key, klen);
		e->key.inl[klen] = '\0';
	} else {
		size_t off = arena_reserve(t, klen + 1);

		memcpy(t->arena + off, key, klen);
		t->arena[off + klen] = '\0';
		e->key.off = off;
	}
	return j;
}

/* Give entry `i` an arena block of at least `need` bytes, keeping its values. */
static void grow_block(struct ctab *t, size_t i, size_t need)
{
	struct centry *e = &t->ent[i];
	size_t cap = e->bcap >= CTAB_BLOCK_MIN ? (size_t)e->bcap * 2 : CTAB_BLOCK_MIN;
	size_t off;

	while (cap < need)
		cap *= 2;
	off = arena_reserve(t, cap);
	e = &t->ent[i];
	if (e->bused)
		memcpy(t->arena + off, ctab_block(t, e), e->bused);
	t->garbage += e->bcap;
	e->boff = off;
	e->bcap = (uint32_t)cap;
}

static inline void put_value(struct ctab *t, struct centry *e, const char *val,
			     uint32_t vlen)
{
	char *p = (char *)ctab_block(t, e) + e->bused;

	memcpy(p, &vlen, 4);
	if (vlen <= 8) {
		for (uint32_t k = 0; k < vlen; k++)
			p[4 + k] = val[k];
	} else {
		memcpy(p + 4, val, vlen);
	}
	p[4 + vlen] = '\0';
	e->bused += 4 + vlen + 1;
	e->nvals++;
}

int ctab_push(struct ctab *t, size_t i, const char *val, size_t vlen, int may_combine)
{
	struct centry *e = &t->ent[i];
	size_t need = 4 + vlen + 1;

	if (e->bused + need > e->bcap) {
		/*
		 * Full.  Combine the first time, then let keys that keep coming
		 * have bigger blocks, so combines get rarer for hot keys.
		 */
		if (may_combine && e->nvals >= 2 &&
		    (e->ncombined < 4 || e->bcap >= CTAB_BLOCK_MAX))
			return 1;
		grow_block(t, i, e->bused + need);
		e = &t->ent[i];
	}
	put_value(t, e, val, (uint32_t)vlen);
	return 0;
}

void ctab_set_values(struct ctab *t, size_t i, const char *const *vals,
		     const uint32_t *vlens, size_t n)
{
	struct centry *e = &t->ent[i];
	size_t need = 0;

	for (size_t k = 0; k < n; k++)
		need += 4 + (size_t)vlens[k] + 1;
	e->bused = 0;
	e->nvals = 0;
	e->ncombined++;
	/*
	 * Leave at least half the block free: a combiner that barely shrinks
	 * its input would otherwise be called again on every push.
	 */
	if (need * 2 > e->bcap) {
		grow_block(t, i, need * 2);
		e = &t->ent[i];
	}
	for (size_t k = 0; k < n; k++)
		put_value(t, e, vals[k], vlens[k]);
}

void ctab_compact(struct ctab *t)
{
	size_t live = t->alen - t->garbage;
	char *fresh = xmalloc(live + 64);
	size_t len = 0;

	for (size_t i = 0; i < t->cap; i++) {
		struct centry *e = &t->ent[i];

		if (!ctab_live(e))
			continue;
		if (ctab_klen(e) >= CTAB_INLINE) {
			memcpy(fresh + len, t->arena + e->key.off, (size_t)ctab_klen(e) + 1);
			e->key.off = len;
			len += (size_t)ctab_klen(e) + 1;
		}
		if (e->bcap) {
			memcpy(fresh + len, t->arena + e->boff, e->bused);
			e->boff = len;
			e->bcap = e->bused; /* full: the next push grows or combines */
			len += e->bused;
		}
	}
	free(t->arena);
	t->arena = fresh;
	t->alen = len;
	t->acap = live + 64;
	t->garbage = 0;
}
