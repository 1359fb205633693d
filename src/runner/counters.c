/* counters.c - see counters.h. */
#include "runner/counters.h"

#include "common/log.h"

#include <string.h>

void counters_reset(struct counters *c)
{
	c->n = 0;
}

int counters_add(struct counters *c, const char *name, int64_t n)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].name, name)) {
			c->v[i].value += n;
			return 0;
		}
	if (len == 0 || len >= COUNTER_NAME_MAX)
		return error("counter name '%.*s' must be 1 to %d bytes long",
			     len > 80 ? 80 : (int)len, name, COUNTER_NAME_MAX - 1);
	if (c->n == COUNTERS_MAX)
		return error("more than %d counters in one task; not counting '%s'",
			     COUNTERS_MAX, name);
	memcpy(c->v[c->n].name, name, len + 1);
	c->v[c->n].value = n;
	c->n++;
	return 0;
}
