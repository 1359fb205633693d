/* merge.c - see merge.h. */
#include "worker/merge.h"

#include "worker/keysort.h"

#include "common/log.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void merger_init(struct merger *m)
{
	memset(m, 0, sizeof(*m));
}

static struct msrc *new_src(struct merger *m)
{
	struct msrc *s;

	xgrow((void **)&m->src, &m->cap, m->nsrc + 1, sizeof(*m->src));
	s = &m->src[m->nsrc++];
	memset(s, 0, sizeof(*s));
	s->rd.fd = -1;
	return s;
}

void merger_add_mem(struct merger *m, const struct kvbuf *sorted)
{
	new_src(m)->kv = sorted;
}

int merger_add_file(struct merger *m, const char *path, size_t bufsize)
{
	struct msrc *s = new_src(m);

	if (ifile_reader_open(&s->rd, path, bufsize) < 0) {
		m->nsrc--;
		return -1;
	}
	return 0;
}

int merger_add_fd(struct merger *m, int fd, const char *name, size_t bufsize)
{
	struct msrc *s = new_src(m);

	if (ifile_reader_open_fd(&s->rd, fd, name, bufsize) < 0) {
		m->nsrc--;
		return -1;
	}
	return 0;
}

/* Load the next record of source `s`: 1, 0 when it is exhausted, -1 on error. */
static int src_next(struct msrc *s)
{
	struct sortkey k;
	int rc = 1;

	if (s->kv) {
		const struct kv *r;

		if (s->i >= s->kv->n)
			return 0;
		r = &s->kv->recs[s->i++];
		s->key = kv_key(s->kv, r);
		s->klen = r->klen;
		s->val = kv_val(s->kv, r);
		s->vlen = r->vlen;
	} else {
		rc = ifile_reader_next(&s->rd, &s->key, &s->klen, &s->val, &s->vlen);
		if (rc <= 0)
			return rc;
	}
	keysort_set(&k, s->key, s->klen, 0);
	s->p0 = k.p0;
	s->p1 = k.p1;
	return rc;
}

/*
 * Source a before source b: by key (the cached prefixes settle most
 * cases), then by the order they were added.
 */
static int before(const struct merger *m, size_t a, size_t b)
{
	const struct msrc *x = &m->src[a], *y = &m->src[b];
	int c;

	if (x->p0 != y->p0)
		return x->p0 < y->p0;
	if (x->p1 != y->p1)
		return x->p1 < y->p1;
	c = keysort_keycmp(x->key, x->klen, y->key, y->klen);
	return c < 0 || (c == 0 && a < b);
}

static void sift_down(struct merger *m, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, s = i, t;

		if (l < m->nheap && before(m, m->heap[l], m->heap[s]))
			s = l;
		if (r < m->nheap && before(m, m->heap[r], m->heap[s]))
			s = r;
		if (s == i)
			return;
		t = m->heap[i];
		m->heap[i] = m->heap[s];
		m->heap[s] = t;
		i = s;
	}
}

int merger_start(struct merger *m)
{
	m->heap = xcalloc(m->nsrc ? m->nsrc : 1, sizeof(*m->heap));
	m->nheap = 0;
	for (size_t i = 0; i < m->nsrc; i++) {
		int rc = src_next(&m->src[i]);

		if (rc < 0)
			return -1;
		if (rc > 0)
			m->heap[m->nheap++] = i;
	}
	for (size_t i = m->nheap / 2; i-- > 0;)
		sift_down(m, i);
	return 0;
}

int merger_peek(const struct merger *m, const char **key, uint32_t *klen,
		const char **val, uint32_t *vlen)
{
	const struct msrc *s;

	if (m->nheap == 0)
		return 0;
	s = &m->src[m->heap[0]];
	*key = s->key;
	*klen = s->klen;
	*val = s->val;
	*vlen = s->vlen;
	return 1;
}

int merger_pop(struct merger *m)
{
	int rc;

	if (m->nheap == 0)
		return 0;
	rc = src_next(&m->src[m->heap[0]]);
	if (rc < 0)
		return -1;
	if (rc == 0)
		m->heap[0] = m->heap[--m->nheap];
	if (m->nheap > 0)
		sift_down(m, 0);
	return 0;
}

void merger_release(struct merger *m)
{
	for (size_t i = 0; i < m->nsrc; i++)
		if (!m->src[i].kv)
			ifile_reader_close(&m->src[i].rd);
	free(m->src);
	free(m->heap);
	merger_init(m);
}

void mgroup_init(struct mgroup *g, struct merger *m)
{
	memset(g, 0, sizeof(*g));
	g->m = m;
}

void mgroup_release(struct mgroup *g)
{
	free(g->key);
	memset(g, 0, sizeof(*g));
}

/* Is the current record of `s` (key k, of the group's length) the group's key? */
static inline int same_key(const struct msrc *s, const struct mgroup *g, const char *k)
{
	if (s->p0 != g->p0 || s->p1 != g->p1)
		return 0;
	/* Up to 16 bytes the prefixes are the keys. */
	return g->klen <= 16 || memcmp(k + 16, g->key + 16, g->klen - 16) == 0;
}

int mgroup_next_value(struct mgroup *g, const char **val, uint32_t *vlen)
{
	const char *k;
	uint32_t kl;

	if (!g->in_group)
		return 0;
	if (g->pending) {
		g->pending = 0;
		if (merger_pop(g->m) < 0)
			return -1;
	}
	if (!merger_peek(g->m, &k, &kl, val, vlen) || kl != g->klen ||
	    !same_key(&g->m->src[g->m->heap[0]], g, k)) {
		g->in_group = 0;
		return 0;
	}
	g->pending = 1;
	return 1;
}

int mgroup_next_key(struct mgroup *g)
{
	const char *k, *v;
	uint32_t kl, vl;
	int rc;

	/* Skip whatever the consumer left of the previous group. */
	while ((rc = mgroup_next_value(g, &v, &vl)) > 0)
		;
	if (rc < 0)
		return -1;
	if (!merger_peek(g->m, &k, &kl, &v, &vl))
		return 0;
	if ((size_t)kl + 1 > g->cap) {
		g->cap = (size_t)kl + 1 < 64 ? 64 : (size_t)kl + 1;
		free(g->key);
		g->key = xmalloc(g->cap);
	}
	memcpy(g->key, k, kl);
	g->key[kl] = '\0';
	g->klen = kl;
	g->p0 = g->m->src[g->m->heap[0]].p0;
	g->p1 = g->m->src[g->m->heap[0]].p1;
	g->in_group = 1;
	return 1;
}
