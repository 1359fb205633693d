/* merge.c - see merge.h. */
#include "shuffle/merge.h"

#include "shuffle/keysort.h"

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
 * cases), then by the order they were added.  An exhausted source comes
 * after everything.
 */
static int before(const struct merger *m, size_t a, size_t b)
{
	const struct msrc *x = &m->src[a], *y = &m->src[b];
	int c;

	if (x->done || y->done)
		return !x->done;
	if (x->p0 != y->p0)
		return x->p0 < y->p0;
	if (x->p1 != y->p1)
		return x->p1 < y->p1;
	/* Up to 16 bytes the prefixes are the keys, zero-padded: the shorter first. */
	if (x->klen <= 16 && y->klen <= 16)
		return x->klen != y->klen ? x->klen < y->klen : a < b;
	c = keysort_keycmp(x->key, x->klen, y->key, y->klen);
	return c < 0 || (c == 0 && a < b);
}

/*
 * The merge is a tournament ("loser") tree over `leaves` slots, a power of
 * two: node i < leaves holds the source that lost the match there, leaf
 * leaves + s is source s (slots past nsrc are exhausted sources), and
 * m->win is the overall winner.  Replacing the winner's record replays
 * only its path to the root: log2(leaves) comparisons a record.
 */
static size_t build(struct merger *m, size_t node)
{
	size_t a, b;

	if (node >= m->leaves)
		return node - m->leaves;
	a = build(m, 2 * node);
	b = build(m, 2 * node + 1);
	if (before(m, b, a)) {
		m->tree[node] = a;
		return b;
	}
	m->tree[node] = b;
	return a;
}

int merger_start(struct merger *m)
{
	size_t n = m->nsrc;

	m->leaves = 1;
	while (m->leaves < n)
		m->leaves *= 2;
	/* Padding sources: exhausted from the start. */
	for (size_t i = n; i < m->leaves; i++)
		new_src(m)->done = 1;
	m->npad = m->leaves - n;
	m->tree = xcalloc(m->leaves, sizeof(*m->tree));
	for (size_t i = 0; i < n; i++) {
		int rc = src_next(&m->src[i]);

		if (rc < 0)
			return -1;
		m->src[i].done = rc == 0;
	}
	m->win = build(m, 1);
	m->started = 1;
	return 0;
}

int merger_peek(const struct merger *m, const char **key, uint32_t *klen,
		const char **val, uint32_t *vlen)
{
	const struct msrc *s;

	if (!m->started || m->src[m->win].done)
		return 0;
	s = &m->src[m->win];
	*key = s->key;
	*klen = s->klen;
	*val = s->val;
	*vlen = s->vlen;
	return 1;
}

int merger_pop(struct merger *m)
{
	size_t cur = m->win, node;
	int rc;

	if (!m->started || m->src[cur].done)
		return 0;
	rc = src_next(&m->src[cur]);
	if (rc < 0)
		return -1;
	m->src[cur].done = rc == 0;
	for (node = (m->leaves + cur) / 2; node >= 1; node /= 2) {
		if (before(m, m->tree[node], cur)) {
			size_t t = m->tree[node];

			m->tree[node] = cur;
			cur = t;
		}
	}
	m->win = cur;
	return 0;
}

int merger_copy(struct merger *m, struct ifile_writer *w)
{
	const char *k, *v;
	uint32_t kl, vl;

	while (merger_peek(m, &k, &kl, &v, &vl))
		if (ifile_writer_add(w, k, kl, v, vl) < 0 || merger_pop(m) < 0)
			return -1;
	return 0;
}

int merger_to_anon(struct merger *m, const char *dir, int *fd)
{
	struct ifile_writer w;

	if (merger_start(m) < 0 || ifile_writer_open_anon(&w, dir) < 0)
		return -1;
	if (merger_copy(m, &w) < 0) {
		ifile_writer_abort(&w);
		return -1;
	}
	return ifile_writer_finish_fd(&w, fd);
}

void merger_release(struct merger *m)
{
	for (size_t i = 0; i < m->nsrc - m->npad; i++)
		if (!m->src[i].kv)
			ifile_reader_close(&m->src[i].rd);
	free(m->src);
	free(m->tree);
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
	    !same_key(&g->m->src[g->m->win], g, k)) {
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
	g->p0 = g->m->src[g->m->win].p0;
	g->p1 = g->m->src[g->m->win].p1;
	g->in_group = 1;
	return 1;
}
