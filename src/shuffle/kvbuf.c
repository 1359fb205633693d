/* kvbuf.c - see kvbuf.h. */
#include "shuffle/kvbuf.h"

#include "shuffle/keysort.h"

#include "common/log.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

void kvbuf_init(struct kvbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void kvbuf_release(struct kvbuf *b)
{
	free(b->arena);
	free(b->recs);
	kvbuf_init(b);
}

void kvbuf_clear(struct kvbuf *b)
{
	b->len = 0;
	b->n = 0;
}

int kvbuf_add(struct kvbuf *b, const char *key, size_t klen, const char *val, size_t vlen)
{
	size_t need;
	char *p;

	if (klen > UINT32_MAX - 1 || vlen > UINT32_MAX - 1)
		return error("record too large (key %zu bytes, value %zu bytes; "
			     "each must be under 4 GiB)", klen, vlen);
	need = b->len + klen + vlen + 2;
	if (need > b->cap)
		xgrow((void **)&b->arena, &b->cap, need, 1);
	xgrow((void **)&b->recs, &b->ncap, b->n + 1, sizeof(*b->recs));
	p = b->arena + b->len;
	if (klen) /* an empty key or value may come as NULL */
		memcpy(p, key, klen);
	p[klen] = '\0';
	if (vlen)
		memcpy(p + klen + 1, val, vlen);
	p[klen + 1 + vlen] = '\0';
	b->recs[b->n++] = (struct kv){ b->len, (uint32_t)klen, (uint32_t)vlen };
	b->len = need;
	return 0;
}

void kvsort_scratch_release(struct kvsort_scratch *s)
{
	free(s->keys);
	free(s->tmp);
	free(s->spare);
	memset(s, 0, sizeof(*s));
}

void kvbuf_sort_with(struct kvbuf *b, struct kvsort_scratch *s)
{
	struct kv *sorted;
	size_t cap;

	if (b->n < 2)
		return;
	if (b->n > UINT32_MAX)
		die("too many records to sort in one buffer (%zu)", b->n);
	if (b->n > s->cap) {
		free(s->keys);
		free(s->tmp);
		s->cap = b->n;
		s->keys = xmalloc(s->cap * sizeof(*s->keys));
		s->tmp = xmalloc(s->cap * sizeof(*s->tmp));
	}
	for (size_t i = 0; i < b->n; i++)
		keysort_set(&s->keys[i], kv_key(b, &b->recs[i]), b->recs[i].klen, (uint32_t)i);
	keysort_tmp(s->keys, s->tmp, b->n);
	if (s->spare_cap < b->ncap) {
		free(s->spare);
		s->spare_cap = b->ncap;
		s->spare = xmalloc(s->spare_cap * sizeof(*s->spare));
	}
	sorted = s->spare;
	cap = s->spare_cap;
	for (size_t i = 0; i < b->n; i++)
		sorted[i] = b->recs[s->keys[i].idx];
	s->spare = b->recs;
	s->spare_cap = b->ncap;
	b->recs = sorted;
	b->ncap = cap;
}

void kvbuf_sort(struct kvbuf *b)
{
	struct kvsort_scratch s = { 0 };

	kvbuf_sort_with(b, &s);
	kvsort_scratch_release(&s);
}
