/*
 * keysort.h - sorting records by key, through small stand-ins.
 *
 * A record to sort is described by a struct sortkey: its key (pointer and
 * length, borrowed) and a number the caller uses to find the record again.
 * keysort_set() also stores the key's first 16 bytes as two big-endian
 * numbers (zero-padded), so most comparisons end on them without touching
 * the key bytes; equal numbers fall back to the whole keys (memcmp order, a
 * proper prefix first), then to `idx`, which makes the sort stable when
 * idx grows with insertion order.
 *
 * keysort() is a radix sort on the prefix bytes (most significant first)
 * that hands small buckets, and keys sharing all 16 prefix bytes, to a
 * quicksort (median of three, small ranges by insertion, qsort past a
 * depth of 2 log2 n, so a hostile input costs n log n at worst).  It needs
 * a scratch copy of the array (xmalloc: dies when out of memory); no other
 * errors.
 */
#ifndef MR_KEYSORT_H
#define MR_KEYSORT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct sortkey {
	uint64_t p0, p1;
	const char *key;
	uint32_t klen;
	uint32_t idx;
};

/* memcmp order on byte strings, a proper prefix sorting first. */
static inline int keysort_keycmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static inline uint64_t keysort_load_be64(const char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return __builtin_bswap64(v);
}

static inline void keysort_set(struct sortkey *s, const char *key, uint32_t klen,
			       uint32_t idx)
{
	uint64_t a = 0, b = 0;

	if (klen >= 16) {
		a = keysort_load_be64(key);
		b = keysort_load_be64(key + 8);
	} else if (klen > 8) {
		/* The last 8 bytes, shifted so that byte 8 comes first. */
		a = keysort_load_be64(key);
		b = keysort_load_be64(key + klen - 8) << (8 * (16 - klen));
	} else if (klen == 8) {
		a = keysort_load_be64(key);
	} else {
		for (uint32_t i = 0; i < klen; i++)
			a |= (uint64_t)(unsigned char)key[i] << (56 - 8 * i);
	}
	s->p0 = a;
	s->p1 = b;
	s->key = key;
	s->klen = klen;
	s->idx = idx;
}

/* a before b: prefixes, then whole keys, then idx. */
static inline int keysort_less(const struct sortkey *a, const struct sortkey *b)
{
	int c;

	if (a->p0 != b->p0)
		return a->p0 < b->p0;
	if (a->p1 != b->p1)
		return a->p1 < b->p1;
	/* Up to 16 bytes the prefixes are the keys, zero-padded: the shorter first. */
	if (a->klen <= 16 && b->klen <= 16)
		return a->klen != b->klen ? a->klen < b->klen : a->idx < b->idx;
	c = keysort_keycmp(a->key, a->klen, b->key, b->klen);
	return c ? c < 0 : a->idx < b->idx;
}

void keysort(struct sortkey *a, size_t n);
/* keysort() with the caller's scratch: `tmp` has room for n entries. */
void keysort_tmp(struct sortkey *a, struct sortkey *tmp, size_t n);

#endif
