/*
 * counters.h - the counters of one task attempt.
 *
 * A small table of (name, value): the engine's own counters ("mr.map.input.
 * bytes", ...) and the plugin's (mr_counter_add).  A task has few counters,
 * so a linear search is the right structure.  Names are at most
 * COUNTER_NAME_MAX - 1 bytes; at most COUNTERS_MAX distinct names per task.
 */
#ifndef MR_COUNTERS_H
#define MR_COUNTERS_H

#include "mr.h"

#include <stddef.h>
#include <stdint.h>

/* What a report may carry (proto/mr.x); a name's buffer holds its NUL too. */
#define COUNTER_NAME_MAX (MR_MAX_COUNTER_NAME + 1)
#define COUNTERS_MAX MR_MAX_COUNTERS

struct counter {
	char name[COUNTER_NAME_MAX];
	int64_t value;
};

struct counters {
	struct counter v[COUNTERS_MAX];
	size_t n;
};

void counters_reset(struct counters *c);
/* Add n to `name`.  0, or -1 after printing why (name too long, table full). */
int counters_add(struct counters *c, const char *name, int64_t n);

#endif
