/*
 * pending.h - a worker's reports that the coordinator accepted but has not
 * yet made durable in its journal (proto/mr.x, mr_report_reply).
 *
 * A successful report is answered at once with the journal generation
 * that will hold it (durable_at); every later reply says which generation
 * is durable (synced).  Until synced reaches durable_at the worker keeps
 * what it needs to send the report again - task, attempt, counters - so
 * that a coordinator restarted with --recover after a crash learns of the
 * task (and adopts it) instead of running it again.  The task's output
 * itself is kept anyway (a map's runs stay until the job ends).
 *
 * The list owns its copies.  One thread; nothing hidden.
 */
#ifndef MR_PENDING_H
#define MR_PENDING_H

#include "mr.h"
#include "runner/counters.h"

#include <stddef.h>
#include <stdint.h>

struct pending_report {
	mr_task_kind kind;
	int id;
	uint64_t attempt;
	uint64_t durable_at;     /* the coordinator's generation that makes it durable */
	struct counter *counters; /* malloc'd copy, n entries */
	size_t n;
};

struct pending {
	struct pending_report *v;
	size_t n, cap;
};

void pending_init(struct pending *p);
void pending_release(struct pending *p);

/* Keep a report of `kind` task `id`, `attempt`, with its counters `cs` (copied). */
void pending_add(struct pending *p, mr_task_kind kind, int id, uint64_t attempt,
		 uint64_t durable_at, const struct counters *cs);

/* Drop every report durable by generation `synced`. */
void pending_synced(struct pending *p, uint64_t synced);

/* Drop report i (the order of the others may change). */
void pending_drop(struct pending *p, size_t i);

#endif
