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

#include <stddef.h>
#include <stdint.h>

#define COUNTER_NAME_MAX 64
#define COUNTERS_MAX 256

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
/* The value of `name`, 0 when absent. */
int64_t counters_get(const struct counters *c, const char *name);

#endif
