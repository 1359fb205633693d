/* merge.c - see merge.h. */
#include "shuffle/merge.h"

#include "shuffle/keysort.h"

#include "common/log.h"
#include "common/util.h"

#include <stdio.h>
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
		KVBUF_PREFETCH(s->kv, s->i + KVBUF_PREFETCH_AHEAD);
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

/* ---- run lists ---- */

void runlist_init(struct runlist *l)
{
	memset(l, 0, sizeof(*l));
}

/* Close the runs the list holds and forget them (not their names). */
static void close_runs(struct runlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->runs[i].fd >= 0)
			close(l->runs[i].fd);
	l->n = 0;
}

void runlist_release(struct runlist *l)
{
	close_runs(l);
	for (size_t i = 0; i < l->nnames; i++)
		free(l->names[i]);
	free(l->names);
	free(l->runs);
	runlist_init(l);
}

static void add_run(struct runlist *l, int fd, const char *name)
{
	xgrow((void **)&l->names, &l->namecap, l->nnames + 1, sizeof(*l->names));
	xgrow((void **)&l->runs, &l->cap, l->n + 1, sizeof(*l->runs));
	l->names[l->nnames] = xstrdup(name);
	l->runs[l->n++] = (struct run){ fd, l->nnames, l->nnames };
	l->nnames++;
}

void runlist_add_path(struct runlist *l, const char *path)
{
	add_run(l, -1, path);
}

void runlist_add_fd(struct runlist *l, int fd, const char *name)
{
	add_run(l, fd, name);
}

/* Hand run `r` of `l` to `m`, with a read buffer of `bufsize`.  0 or -1. */
static int merge_in(struct merger *m, const struct runlist *l, struct run *r, size_t bufsize)
{
	char name[512];
	int fd = r->fd;

	r->fd = -1; /* the merger owns it now, or closed it */
	if (fd < 0)
		return merger_add_file(m, l->names[r->first], bufsize);
	if (r->first == r->last)
		return merger_add_fd(m, fd, l->names[r->first], bufsize);
	snprintf(name, sizeof(name), "merged run of %.240s .. %.240s", l->names[r->first],
		 l->names[r->last]);
	return merger_add_fd(m, fd, name, bufsize);
}

/* Merge runs [from, from + len) of `l` into the anonymous run *out.  0 or -1. */
static int merge_group(struct runlist *l, size_t from, size_t len, size_t bufsize,
		       struct run *out)
{
	struct merger m;
	size_t i;
	int fd = -1, rc = -1;

	merger_init(&m);
	for (i = 0; i < len; i++)
		if (merge_in(&m, l, &l->runs[from + i], bufsize) < 0)
			break;
	if (i == len && merger_to_anon(&m, ".", &fd) == 0) {
		*out = (struct run){ fd, l->runs[from].first, l->runs[from + len - 1].last };
		rc = 0;
	}
	merger_release(&m);
	return rc;
}

int runlist_shrink(struct runlist *l, size_t max_runs, size_t fan_in, const struct budget *b)
{
	if (fan_in < 2)
		fan_in = 2;
	while (l->n > max_runs) {
		size_t n = l->n, groups = n / fan_in + (n % fan_in != 0), at = 0;
		size_t bufsize = budget_read_buffer(b, n < fan_in ? n : fan_in);

		/* Group g lands in slot g, which an earlier group has consumed. */
		for (size_t g = 0; g < groups; g++) {
			size_t len = n - at < fan_in ? n - at : fan_in;
			struct run merged;

			if (merge_group(l, at, len, bufsize, &merged) < 0) {
				close_runs(l);
				return -1;
			}
			l->runs[g] = merged;
			at += len;
		}
		l->n = groups;
	}
	return 0;
}

int runlist_merger(struct runlist *l, const struct kvbuf *mem, size_t fan_in,
		   const struct budget *b, struct merger *m)
{
	size_t bufsize;

	if (runlist_shrink(l, fan_in, fan_in, b) < 0)
		return -1;
	bufsize = budget_read_buffer(b, l->n);
	for (size_t i = 0; i < l->n; i++)
		if (merge_in(m, l, &l->runs[i], bufsize) < 0) {
			close_runs(l);
			return -1;
		}
	l->n = 0;
	if (mem)
		merger_add_mem(m, mem);
	return merger_start(m);
}

/* ---- key by key ---- */

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
