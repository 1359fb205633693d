/* jrec.c - the job journal's records; the contract is in jrec.h. */
#include "coordinator/jrec.h"

#include "common/bytes.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

void jbuf_reset(struct jbuf *b)
{
	b->len = 0;
}

void jbuf_release(struct jbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static unsigned char *room(struct jbuf *b, size_t n)
{
	unsigned char *at;

	xgrow((void **)&b->p, &b->cap, b->len + n, 1);
	at = b->p + b->len;
	b->len += n;
	return at;
}

static void put32(struct jbuf *b, uint32_t v)
{
	put_le32(room(b, 4), v);
}

static void put64(struct jbuf *b, uint64_t v)
{
	put_le64(room(b, 8), v);
}

static void putstr(struct jbuf *b, const char *s)
{
	size_t n = strlen(s);

	put32(b, (uint32_t)n);
	memcpy(room(b, n), s, n);
}

void jrec_put_spec(struct jbuf *b, const struct jrec_spec *r)
{
	put64(b, r->job_id);
	put32(b, r->nreduce);
	put64(b, r->split_size);
	put32(b, r->flags);
	put32(b, r->ninputs);
	put64(b, r->params_hash);
}

void jrec_put_input(struct jbuf *b, const char *name, int64_t size, int64_t mtime_ns)
{
	putstr(b, name);
	put64(b, (uint64_t)size);
	put64(b, (uint64_t)mtime_ns);
}

void jrec_put_start(struct jbuf *b, const struct jrec_start *r)
{
	put32(b, r->incarnation);
	put64(b, (uint64_t)r->time_ms);
}

void jrec_put_done(struct jbuf *b, uint32_t kind, uint32_t id, uint64_t attempt,
		   const char *holder, const int64_t *sizes, uint32_t nsizes,
		   const char *const *cnames, const int64_t *cvalues, uint32_t ncounters)
{
	put32(b, kind);
	put32(b, id);
	put64(b, attempt);
	putstr(b, holder ? holder : "");
	put32(b, nsizes);
	for (uint32_t i = 0; i < nsizes; i++)
		put64(b, (uint64_t)sizes[i]);
	put32(b, ncounters);
	for (uint32_t i = 0; i < ncounters; i++) {
		putstr(b, cnames[i]);
		put64(b, (uint64_t)cvalues[i]);
	}
}

void jrec_put_rerun(struct jbuf *b, const struct jrec_rerun *r)
{
	put32(b, r->map);
	put32(b, r->why);
}

void jrec_put_end(struct jbuf *b, const struct jrec_end *r)
{
	put32(b, r->status);
}

void jrec_put_output(struct jbuf *b, const char *dir)
{
	putstr(b, dir);
}

/* A bounds-checked cursor over a payload; `bad` sticks once a read overruns. */
struct cur {
	const unsigned char *p;
	size_t left;
	int bad;
};

static const unsigned char *take(struct cur *c, size_t n)
{
	const unsigned char *at = c->p;

	if (c->bad || n > c->left) {
		c->bad = 1;
		return NULL;
	}
	c->p += n;
	c->left -= n;
	return at;
}

static uint32_t get32(struct cur *c)
{
	const unsigned char *at = take(c, 4);

	return at ? get_le32(at) : 0;
}

static uint64_t get64(struct cur *c)
{
	const unsigned char *at = take(c, 8);

	return at ? get_le64(at) : 0;
}

static struct jstr getstr(struct cur *c)
{
	struct jstr s = { NULL, get32(c) };

	s.s = (const char *)take(c, s.len);
	if (!s.s)
		s.len = 0;
	return s;
}

/* 0 when the whole payload was read and nothing overran, else -1. */
static int finish(const struct cur *c)
{
	return c->bad || c->left ? -1 : 0;
}

int jrec_get_spec(const void *p, size_t len, struct jrec_spec *r)
{
	struct cur c = { p, len, 0 };

	r->job_id = get64(&c);
	r->nreduce = get32(&c);
	r->split_size = get64(&c);
	r->flags = get32(&c);
	r->ninputs = get32(&c);
	r->params_hash = get64(&c);
	return finish(&c);
}

int jrec_get_input(const void *p, size_t len, struct jrec_input *r)
{
	struct cur c = { p, len, 0 };

	r->name = getstr(&c);
	r->size = (int64_t)get64(&c);
	r->mtime_ns = (int64_t)get64(&c);
	return finish(&c);
}

int jrec_get_start(const void *p, size_t len, struct jrec_start *r)
{
	struct cur c = { p, len, 0 };

	r->incarnation = get32(&c);
	r->time_ms = (int64_t)get64(&c);
	return finish(&c);
}

int jrec_get_done(const void *p, size_t len, struct jrec_done *r)
{
	struct cur c = { p, len, 0 };

	memset(r, 0, sizeof(*r));
	r->kind = get32(&c);
	r->id = get32(&c);
	r->attempt = get64(&c);
	r->holder = getstr(&c);
	r->nsizes = get32(&c);
	/* A count is believed only as far as the payload can hold it. */
	if (c.bad || r->nsizes > c.left / 8 || r->kind > JREC_REDUCE)
		return -1;
	r->sizes = xcalloc(r->nsizes ? r->nsizes : 1, sizeof(*r->sizes));
	for (uint32_t i = 0; i < r->nsizes; i++)
		r->sizes[i] = (int64_t)get64(&c);
	r->ncounters = get32(&c);
	if (c.bad || r->ncounters > c.left / 12) {
		jrec_done_release(r);
		return -1;
	}
	r->counters = xcalloc(r->ncounters ? r->ncounters : 1, sizeof(*r->counters));
	for (uint32_t i = 0; i < r->ncounters; i++) {
		r->counters[i].name = getstr(&c);
		r->counters[i].value = (int64_t)get64(&c);
	}
	if (finish(&c) < 0) {
		jrec_done_release(r);
		return -1;
	}
	return 0;
}

void jrec_done_release(struct jrec_done *r)
{
	free(r->sizes);
	free(r->counters);
	r->sizes = NULL;
	r->counters = NULL;
	r->nsizes = r->ncounters = 0;
}

int jrec_get_rerun(const void *p, size_t len, struct jrec_rerun *r)
{
	struct cur c = { p, len, 0 };

	r->map = get32(&c);
	r->why = get32(&c);
	return finish(&c);
}

int jrec_get_end(const void *p, size_t len, struct jrec_end *r)
{
	struct cur c = { p, len, 0 };

	r->status = get32(&c);
	return finish(&c);
}

int jrec_get_output(const void *p, size_t len, struct jstr *dir)
{
	struct cur c = { p, len, 0 };

	*dir = getstr(&c);
	return finish(&c);
}

const char *jrec_type_name(uint32_t type)
{
	static const char *const names[] = {
		[JREC_SPEC] = "spec", [JREC_INPUT] = "input", [JREC_START] = "start",
		[JREC_DONE] = "done", [JREC_RERUN] = "rerun", [JREC_END] = "end",
		[JREC_OUTPUT] = "output",
	};

	return type < sizeof(names) / sizeof(names[0]) && names[type] ? names[type]
								       : "unknown";
}

int jstr_eq(struct jstr a, const char *s)
{
	size_t n = strlen(s);

	return a.len == n && (n == 0 || memcmp(a.s, s, n) == 0);
}
