/* sumtab.c - see sumtab.h. */
#include "shuffle/sumtab.h"

#include "common/log.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

#define K1 0x9e3779b97f4a7c15ull
#define K2 0xd6e8feb86659fd93ull

void sumtab_init(struct sumtab *t)
{
	memset(t, 0, sizeof(*t));
	t->epoch = 1;
}

void sumtab_release(struct sumtab *t)
{
	xtable_free(t->ent, t->cap * sizeof(*t->ent));
	free(t->arena);
	free(t->fresh);
	sumtab_init(t);
}

void sumtab_clear(struct sumtab *t)
{
	if (t->ent)
		memset(t->ent, 0, t->cap * sizeof(*t->ent));
	t->n = 0;
	t->alen = 0;
	t->nfresh = 0;
	t->moved = 1;
	t->epoch = 1;
	t->full = 0;
}

void sumtab_new_epoch(struct sumtab *t)
{
	if (t->epoch == UINT32_MAX)
		sumtab_clear(t); /* every 4 billion tasks, a fresh start */
	else
		t->epoch++;
}

size_t sumtab_bytes(const struct sumtab *t)
{
	return t->cap * sizeof(*t->ent) + t->acap + t->fresh_cap * sizeof(*t->fresh);
}

void sumtab_take_fresh(struct sumtab *t)
{
	t->nfresh = 0;
	t->moved = 0;
}

static inline uint64_t load64(const char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* Write the key of sumtab_words() back into a zeroed dst[SUMTAB_INLINE]. */
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

const char *sumtab_key(const struct sumtab *t, const struct sentry *e,
		       char buf[SUMTAB_INLINE])
{
	size_t n = e->klen1 - 1;

	if (n > SUMTAB_INLINE)
		return t->arena + e->key.off;
	memset(buf, 0, SUMTAB_INLINE);
	put_short(buf, e->key.w[0], e->key.w[1], n);
	return buf;
}

static uint64_t long_hash(const char *k, size_t n)
{
	uint64_t h = n * K1;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8)
		h = sumtab_mix(h ^ load64(k + i), K2);
	if (i < n)	/* the last 8 bytes, overlapping what came before */
		h = sumtab_mix(h ^ load64(k + n - 8), K1);
	return sumtab_mix(h, K2);
}

/* The hash of a stored key (for rehashing). */
static uint64_t entry_hash(const struct sumtab *t, const struct sentry *e)
{
	size_t n = e->klen1 - 1;

	if (n > SUMTAB_INLINE)
		return long_hash(t->arena + e->key.off, n);
	return sumtab_short_hash(e->key.w[0], e->key.w[1], n);
}

/* Slots for `cap` entries, zeroed. */
static struct sentry *alloc_slots(size_t cap)
{
	return xtable_alloc(cap * sizeof(struct sentry));
}

static void rehash_to(struct sumtab *t, size_t cap)
{
	struct sentry *ent;

	if (cap > UINT32_MAX)
		die("sum table too large (%zu slots)", cap);
	ent = alloc_slots(cap);
	for (size_t i = 0; i < t->cap; i++) {
		size_t j;

		if (!t->ent[i].klen1)
			continue;
		for (j = entry_hash(t, &t->ent[i]) & (cap - 1); ent[j].klen1; j = (j + 1) & (cap - 1))
			;
		ent[j] = t->ent[i];
	}
	xtable_free(t->ent, t->cap * sizeof(*t->ent));
	t->ent = ent;
	t->cap = cap;
	t->moved = 1;
	t->nfresh = 0; /* slot numbers changed: the whole table is news */
}

void sumtab_reserve(struct sumtab *t, size_t n)
{
	size_t cap = 4096;

	while (cap < n * 2)
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

/* Claim empty slot `slot` for a key of klen bytes with total v. */
static struct sentry *claim(struct sumtab *t, size_t slot, size_t klen, uint64_t v)
{
	struct sentry *e = &t->ent[slot];

	e->sum = v;
	e->klen1 = (uint32_t)klen + 1;
	e->epoch = t->epoch;
	e->key.w[0] = e->key.w[1] = 0;
	t->n++;
	if (!t->moved) {
		if (t->nfresh == t->fresh_cap)
			xgrow((void **)&t->fresh, &t->fresh_cap, t->nfresh + 1, sizeof(*t->fresh));
		t->fresh[t->nfresh++] = (uint32_t)slot;
	}
	return e;
}

static inline void grow_if_full(struct sumtab *t)
{
	if (t->n * 2 <= t->cap)
		return;
	if (!t->max_bytes || sumtab_bytes(t) + t->cap * sizeof(*t->ent) <= t->max_bytes)
		rehash_to(t, t->cap * 2);
	else if (t->n * 4 >= t->cap * 3)
		t->full = 1;
}

int sumtab_insert_short(struct sumtab *t, size_t slot, uint64_t a, uint64_t b,
			size_t klen, uint64_t v)
{
	struct sentry *e = claim(t, slot, klen, v);

	e->key.w[0] = a;
	e->key.w[1] = b;
	grow_if_full(t);
	return 1;
}

int sumtab_overflow_short(struct sumtab *t, uint64_t a, uint64_t b, size_t klen)
{
	char key[SUMTAB_INLINE] = { 0 };

	put_short(key, a, b, klen);
	return overflow(t, key, klen);
}

static int add_long(struct sumtab *t, const char *key, size_t klen, uint64_t v)
{
	uint64_t h = long_hash(key, klen);
	size_t mask = t->cap - 1, j;
	struct sentry *e;

	for (j = h & mask;; j = (j + 1) & mask) {
		e = &t->ent[j];
		if (!e->klen1)
			break;
		if (e->klen1 == klen + 1 && memcmp(t->arena + e->key.off, key, klen) == 0) {
			if (e->epoch != t->epoch) {
				e->epoch = t->epoch;
				e->sum = v;
			} else if (v > UINT64_MAX - e->sum) {
				return overflow(t, key, klen);
			} else {
				e->sum += v;
			}
			return 0;
		}
	}
	if (t->alen + klen + 1 > t->acap)
		xgrow((void **)&t->arena, &t->acap, t->alen + klen + 1, 1);
	memcpy(t->arena + t->alen, key, klen);
	t->arena[t->alen + klen] = '\0';
	e = claim(t, j, klen, v);
	e->key.off = t->alen;
	t->alen += klen + 1;
	grow_if_full(t);
	return 1;
}

void sumtab_start(struct sumtab *t)
{
	if (!t->cap)
		rehash_to(t, 4096);
}

int sumtab_add_slow(struct sumtab *t, const char *key, size_t klen, uint64_t v)
{
	sumtab_start(t);
	if (klen > SUMTAB_INLINE)
		return add_long(t, key, klen, v);
	return sumtab_add(t, key, klen, v);
}
