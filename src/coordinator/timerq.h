/*
 * timerq.h - deadlines for the coordinator's event loop.
 *
 * A binary min-heap of (deadline, task, attempt) entries.  Entries are never
 * searched for or deleted: when a task finishes, its pending deadline simply
 * stays queued, and whoever pops it compares the attempt id with the task's
 * live one and drops it if stale (STYLE habit 7).
 *
 * Single-threaded; the loop owns it.  Times are milliseconds on any monotonic
 * clock the caller chooses (tests pass their own).
 */
#ifndef MR_TIMERQ_H
#define MR_TIMERQ_H

#include <stddef.h>
#include <stdint.h>

struct timer {
	int64_t deadline_ms;
	uint32_t task;      /* caller's task handle */
	uint64_t attempt;   /* caller's attempt id, for the staleness check */
};

struct timerq {
	struct timer *heap;
	size_t len, cap;     /* len: entries queued, stale ones included */
};

void timerq_init(struct timerq *q);
void timerq_release(struct timerq *q);
/* Queue a deadline.  Dies on out-of-memory (like every x* allocation). */
void timerq_add(struct timerq *q, int64_t deadline_ms, uint32_t task, uint64_t attempt);
/*
 * Milliseconds from `now_ms` until the earliest deadline, clamped to
 * [0, max_ms]; max_ms when the queue is empty.  Suitable as poll()'s timeout.
 */
int timerq_next_timeout(const struct timerq *q, int64_t now_ms, int max_ms);
/* Pop the earliest entry if its deadline is <= now_ms: 1 and fills *out, else 0. */
int timerq_pop_expired(struct timerq *q, int64_t now_ms, struct timer *out);

#endif
