/* sumview.c - see sumview.h. */
#include "shuffle/sumview.h"

#include "common/util.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK (1u << 20)

void sumview_init(struct sumview *v)
{
	memset(v, 0, sizeof(*v));
}

static void free_parts(struct sumview *v)
{
	for (unsigned r = 0; r < v->nparts; r++)
		free(v->part[r]);
	free(v->part);
	free(v->n);
	free(v->cap);
	for (size_t b = 0; b < v->nblocks; b++)
		free(v->blocks[b]);
	free(v->blocks);
}

void sumview_release(struct sumview *v)
{
	free_parts(v);
	sumview_init(v);
}

size_t sumview_bytes(const struct sumview *v)
{
	size_t b = v->bytes;

	for (unsigned r = 0; r < v->nparts; r++)
		b += v->cap[r] * sizeof(**v->part);
	return b;
}

/* Remember a block of key bytes, to free with the view. */
static char *new_block(struct sumview *v, size_t size)
{
	v->blocks = xrealloc(v->blocks, (v->nblocks + 1) * sizeof(*v->blocks));
	v->blocks[v->nblocks] = xmalloc(size);
	v->bytes += size;
	return v->blocks[v->nblocks++];
}

/* A stable copy of key[0 .. klen), followed by '\0'. */
static const char *keep_key(struct sumview *v, const char *key, size_t klen)
{
	char *p;

	if (klen + 1 > BLOCK / 4) {
		p = new_block(v, klen + 1); /* a big key gets a block of its own */
	} else {
		if (!v->cur || v->used + klen + 1 > BLOCK) {
			v->cur = new_block(v, BLOCK);
			v->used = 0;
		}
		p = v->cur + v->used;
		v->used += klen + 1;
	}
	memcpy(p, key, klen);
	p[klen] = '\0';
	return p;
}

/* Merge the m sorted keys `add` into partition r (sorted, distinct keys). */
static void merge_into(struct sumview *v, unsigned r, const struct sortkey *add, size_t m)
{
	struct sortkey *a;
	size_t i, j, k;

	if (!m)
		return;
	xgrow((void **)&v->part[r], &v->cap[r], v->n[r] + m, sizeof(**v->part));
	a = v->part[r];
	/* From the back, so nothing is overwritten before it is moved. */
	i = v->n[r];
	j = m;
	k = v->n[r] + m;
	while (j > 0) {
		if (i > 0 && keysort_less(&add[j - 1], &a[i - 1]))
			a[--k] = a[--i];
		else
			a[--k] = add[--j];
	}
	v->n[r] += m;
}

void sumview_update(struct sumview *v, struct sumtab *t, shuffle_partition_fn rule,
		    unsigned nparts)
{
	const uint32_t *fresh = t->fresh;
	uint32_t *all = NULL, *rs;
	size_t nfresh = t->nfresh, *count, *pos;
	struct sortkey *add;

	if (t->moved || v->nparts != nparts || v->partition != rule) {
		/* Start over: every key of the table is news. */
		free_parts(v);
		sumview_init(v);
		v->nparts = nparts;
		v->partition = rule;
		v->part = xcalloc(nparts, sizeof(*v->part));
		v->n = xcalloc(nparts, sizeof(*v->n));
		v->cap = xcalloc(nparts, sizeof(*v->cap));
		all = xmalloc((t->n ? t->n : 1) * sizeof(*all));
		nfresh = 0;
		for (size_t i = 0; i < t->cap; i++)
			if (t->ent[i].klen1)
				all[nfresh++] = (uint32_t)i;
		fresh = all;
	}
	rs = xmalloc((nfresh ? nfresh : 1) * sizeof(*rs));
	add = xmalloc((nfresh ? nfresh : 1) * sizeof(*add));
	count = xcalloc(nparts + 1, sizeof(*count));
	pos = xcalloc(nparts + 1, sizeof(*pos));
	for (size_t f = 0; f < nfresh; f++) {
		const struct sentry *e = &t->ent[fresh[f]];
		char buf[SUMTAB_INLINE];
		size_t klen = e->klen1 - 1;
		const char *key = keep_key(v, sumtab_key(t, e, buf), klen);

		rs[f] = nparts > 1 ? shuffle_partition(rule, key, klen, nparts) : 0;
		count[rs[f] + 1]++;
		keysort_set(&add[f], key, (uint32_t)klen, fresh[f]);
	}
	/* Group by partition (a stable counting sort), sort each group, merge. */
	for (unsigned r = 0; r < nparts; r++)
		count[r + 1] += count[r];
	memcpy(pos, count, (nparts + 1) * sizeof(*pos));
	{
		struct sortkey *grouped = xmalloc((nfresh ? nfresh : 1) * sizeof(*grouped));

		for (size_t f = 0; f < nfresh; f++)
			grouped[pos[rs[f]]++] = add[f];
		for (unsigned r = 0; r < nparts; r++) {
			keysort(grouped + count[r], count[r + 1] - count[r]);
			merge_into(v, r, grouped + count[r], count[r + 1] - count[r]);
		}
		free(grouped);
	}
	free(count);
	free(pos);
	free(add);
	free(rs);
	free(all);
	sumtab_take_fresh(t);
}
