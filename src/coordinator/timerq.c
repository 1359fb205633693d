/* timerq.c - see timerq.h. */
#include "coordinator/timerq.h"

#include "common/util.h"

#include <stdlib.h>

void timerq_init(struct timerq *q)
{
	q->heap = NULL;
	q->len = q->cap = 0;
}

void timerq_release(struct timerq *q)
{
	free(q->heap);
	timerq_init(q);
}

static int earlier(const struct timer *a, const struct timer *b)
{
	return a->deadline_ms < b->deadline_ms;
}

void timerq_add(struct timerq *q, int64_t deadline_ms, uint32_t task, uint64_t attempt)
{
	size_t i;

	xgrow((void **)&q->heap, &q->cap, q->len + 1, sizeof(*q->heap));
	i = q->len++;
	q->heap[i] = (struct timer){ deadline_ms, task, attempt };
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		struct timer t;

		if (!earlier(&q->heap[i], &q->heap[parent]))
			break;
		t = q->heap[i];
		q->heap[i] = q->heap[parent];
		q->heap[parent] = t;
		i = parent;
	}
}

int timerq_next_timeout(const struct timerq *q, int64_t now_ms, int max_ms)
{
	int64_t d;

	if (q->len == 0)
		return max_ms;
	d = q->heap[0].deadline_ms - now_ms;
	if (d < 0)
		return 0;
	return d > max_ms ? max_ms : (int)d;
}

int timerq_pop_expired(struct timerq *q, int64_t now_ms, struct timer *out)
{
	size_t i = 0;

	if (q->len == 0 || q->heap[0].deadline_ms > now_ms)
		return 0;
	*out = q->heap[0];
	q->heap[0] = q->heap[--q->len];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct timer t;

		if (l < q->len && earlier(&q->heap[l], &q->heap[m]))
			m = l;
		if (r < q->len && earlier(&q->heap[r], &q->heap[m]))
			m = r;
		if (m == i)
			break;
		t = q->heap[i];
		q->heap[i] = q->heap[m];
		q->heap[m] = t;
		i = m;
	}
	return 1;
}
