/* pending.c - see pending.h. */
#include "worker/pending.h"

#include "common/util.h"

#include <stdlib.h>
#include <string.h>

void pending_init(struct pending *p)
{
	memset(p, 0, sizeof(*p));
}

void pending_drop(struct pending *p, size_t i)
{
	free(p->v[i].counters);
	p->v[i] = p->v[--p->n];
}

void pending_release(struct pending *p)
{
	while (p->n)
		pending_drop(p, p->n - 1);
	free(p->v);
	pending_init(p);
}

void pending_add(struct pending *p, mr_task_kind kind, int id, uint64_t attempt,
		 uint64_t durable_at, const struct counters *cs)
{
	struct pending_report *r;

	xgrow((void **)&p->v, &p->cap, p->n + 1, sizeof(*p->v));
	r = &p->v[p->n++];
	r->kind = kind;
	r->id = id;
	r->attempt = attempt;
	r->durable_at = durable_at;
	r->n = cs->n;
	r->counters = xcalloc(cs->n ? cs->n : 1, sizeof(*r->counters));
	memcpy(r->counters, cs->v, cs->n * sizeof(*r->counters));
}

void pending_synced(struct pending *p, uint64_t synced)
{
	for (size_t i = p->n; i-- > 0;)
		if (p->v[i].durable_at <= synced)
			pending_drop(p, i);
}
