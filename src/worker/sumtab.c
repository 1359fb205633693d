/* sumtab.c - see sumtab.h. */
#include "worker/sumtab.h"

#include "common/log.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

void sumtab_init(struct sumtab *t)
{
	memset(t, 0, sizeof(*t));
}

void sumtab_release(struct sumtab *t)
{
	free(t->ent);
	free(t->arena);
	sumtab_init(t);
}

void sumtab_clear(struct sumtab *t)
{
	if (t->ent)
		memset(t->ent, 0, t->cap * sizeof(*t->ent));
	t->n = 0;
	t->alen = 0;
}

size_t sumtab_bytes(const struct sumtab *t)
{
	return t->cap * sizeof(*t->ent) + t->acap;
}

static inline uint64_t load64(const char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t load32(const char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t mix(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

#define K1 0x9e3779b97f4a7c15ull
#define K2 0xd6e8feb86659fd93ull

/*
 * Two words that hold every byte of a key of n <= 16 bytes (overlapping
 * loads, nothing read outside the key): equal words and lengths mean equal
 * keys, and the key can be rebuilt from them (put_short).
 */
static inline void short_words(const char *k, size_t n, uint64_t *a, uint64_t *b)
{
	if (n >= 8) {
		*a = load64(k);
		*b = load64(k + n - 8);
	} else if (n >= 4) {
		*a = load32(k);
		*b = load32(k + n - 4);
	} else if (n > 0) {
		*a = (uint64_t)(unsigned char)k[0] << 16 |
		     (uint64_t)(unsigned char)k[n / 2] << 8 | (unsigned char)k[n - 1];
		*b = 0;
	} else {
		*a = *b = 0;
	}
}

/* Write the key of short_words() back into a zeroed dst[SUMTAB_INLINE]. */
static void put_short(char *dst, uint64_t a, uint64_t b, size_t n)
{
	if (n >= 8) {
		memcpy(dst, &a, 8);
		memcpy(dst + n - 8, &b, 8);
	} else if (n >= 4) {
		uint32_t x = (uint32_t)a, y = (uint32_t)b;

		memcpy(dst, &x, 4);
		memcpy(dst + n - 4, &y, 4);
	} else if (n > 0) {
		dst[0] = (char)(a >> 16);
		dst[n / 2] = (char)(a >> 8);
		dst[n - 1] = (char)a;
	}
}

static inline uint64_t short_hash(uint64_t a, uint64_t b, size_t n)
{
	return mix(mix(a ^ (n * K1), K2) ^ b, K1);
}

static uint64_t long_hash(const char *k, size_t n)
{
	uint64_t h = n * K1;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8)
		h = mix(h ^ load64(k + i), K2);
	if (i < n)	/* the last 8 bytes, overlapping what came before */
		h = mix(h ^ load64(k + n - 8), K1);
	return mix(h, K2);
}

/* The hash of a stored key (for rehashing). */
static uint64_t entry_hash(const struct sumtab *t, const struct sentry *e)
{
	size_t n = e->klen1 - 1;
	uint64_t a, b;

	if (n > SUMTAB_INLINE)
		return long_hash(t->arena + e->key.off, n);
	short_words(e->key.inl, n, &a, &b);
	return short_hash(a, b, n);
}

/* Slots for `cap` entries, zeroed. */
static struct sentry *alloc_slots(size_t cap)
{
	struct sentry *ent = aligned_alloc(64, cap * sizeof(*ent));

	if (!ent)
		die("out of memory (sum table of %zu slots)", cap);
	memset(ent, 0, cap * sizeof(*ent));
	return ent;
}

static void rehash_to(struct sumtab *t, size_t cap)
{
	struct sentry *ent = alloc_slots(cap);

	for (size_t i = 0; i < t->cap; i++) {
		size_t j;

		if (!t->ent[i].klen1)
			continue;
		for (j = entry_hash(t, &t->ent[i]) & (cap - 1); ent[j].klen1; j = (j + 1) & (cap - 1))
			;
		ent[j] = t->ent[i];
	}
	free(t->ent);
	t->ent = ent;
	t->cap = cap;
}

void sumtab_reserve(struct sumtab *t, size_t n)
{
	size_t cap = 4096;

	while (cap * 3 < n * 4)
		cap *= 2;
	if (cap > t->cap)
		rehash_to(t, cap);
}

static int overflow(struct sumtab *t, const char *key, size_t klen)
{
	t->overflow_klen = klen < 64 ? klen : 64;
	memcpy(t->overflow_key, key, t->overflow_klen);
	t->overflow_key[t->overflow_klen] = '\0';
	return -1;
}

/* Claim empty slot `e` for a key; the caller fills in the key. */
static void claim(struct sumtab *t, struct sentry *e, uint64_t h, size_t klen)
{
	e->sum = 0;
	e->klen1 = (uint32_t)klen + 1;
	e->tag = (uint32_t)(h >> 32);
	memset(e->key.inl, 0, SUMTAB_INLINE);
	t->n++;
}

static inline void grow_if_full(struct sumtab *t)
{
	if (t->n * 4 > t->cap * 3)
		rehash_to(t, t->cap * 2);
}

/* An add of a short key, the key given as its two words. */
struct short_add {
	uint64_t a, b, h, v;
	uint32_t klen;
};


static int add_short(struct sumtab *t, const struct short_add *p)
{
	size_t mask = t->cap - 1, j;
	uint32_t klen1 = p->klen + 1, tag = (uint32_t)(p->h >> 32);
	struct sentry *e;

	for (j = p->h & mask;; j = (j + 1) & mask) {
		uint64_t ea, eb;

		e = &t->ent[j];
		if (!e->klen1)
			break;
		if (e->tag != tag || e->klen1 != klen1)
			continue;
		short_words(e->key.inl, p->klen, &ea, &eb);
		if (ea == p->a && eb == p->b)
			goto found;
	}
	claim(t, e, p->h, p->klen);
	put_short(e->key.inl, p->a, p->b, p->klen);
	e->sum = p->v;
	grow_if_full(t);
	return 1;
found:
	if (p->v > UINT64_MAX - e->sum)
		return overflow(t, e->key.inl, p->klen);
	e->sum += p->v;
	return 0;
}

static int add_long(struct sumtab *t, const char *key, size_t klen, uint64_t v)
{
	uint64_t h = long_hash(key, klen);
	size_t mask = t->cap - 1, j;
	uint32_t tag = (uint32_t)(h >> 32);
	struct sentry *e;

	for (j = h & mask;; j = (j + 1) & mask) {
		e = &t->ent[j];
		if (!e->klen1)
			break;
		if (e->tag == tag && e->klen1 == klen + 1 &&
		    memcmp(t->arena + e->key.off, key, klen) == 0) {
			if (v > UINT64_MAX - e->sum)
				return overflow(t, key, klen);
			e->sum += v;
			return 0;
		}
	}
	claim(t, e, h, klen);
	if (t->alen + klen + 1 > t->acap)
		xgrow((void **)&t->arena, &t->acap, t->alen + klen + 1, 1);
	memcpy(t->arena + t->alen, key, klen);
	t->arena[t->alen + klen] = '\0';
	e->key.off = t->alen;
	t->alen += klen + 1;
	e->sum = v;
	grow_if_full(t);
	return 1;
}

int sumtab_add(struct sumtab *t, const char *key, size_t klen, uint64_t v)
{
	struct short_add p;

	if (!t->cap)
		rehash_to(t, 4096);
	if (klen > SUMTAB_INLINE)
		return add_long(t, key, klen, v);
	short_words(key, klen, &p.a, &p.b);
	p.h = short_hash(p.a, p.b, klen);
	p.v = v;
	p.klen = (uint32_t)klen;
	return add_short(t, &p);
}
