/* redial.c - see redial.h. */
#include "net/redial.h"

void redial_start(struct redial *r, int64_t deadline_ms)
{
	r->deadline_ms = deadline_ms;
	r->pause_ms = REDIAL_FIRST_MS;
	r->last = 0;
}

int64_t redial_pause(struct redial *r, int64_t now)
{
	int64_t left = r->deadline_ms - now, p = r->pause_ms;

	if (r->last || left <= 0)
		return -1;
	if (p >= left) {
		r->last = 1; /* the next try is at the deadline */
		return left;
	}
	r->pause_ms = p * 2 > REDIAL_MAX_MS ? REDIAL_MAX_MS : p * 2;
	return p;
}

int redial_try_ms(const struct redial *r, int64_t now)
{
	int64_t left = r->deadline_ms - now;

	if (left > REDIAL_MAX_TRY_MS)
		left = REDIAL_MAX_TRY_MS;
	return left < REDIAL_MIN_TRY_MS ? REDIAL_MIN_TRY_MS : (int)left;
}
