/*
 * redial.h - when to try again to reach a coordinator that went away
 * (mrworker --reconnect, and its fetch service): a bounded backoff over a
 * window of time.  Pure arithmetic on the caller's clock; the caller does
 * the waiting (sleep, sigtimedwait) and the trying (transport_reopen).
 *
 * The first try comes REDIAL_FIRST_MS after the loss, each later one twice
 * as long after the one before, at most REDIAL_MAX_MS apart, and one last
 * try at the deadline.  Every pause but that last one is at least
 * REDIAL_FIRST_MS, so a window of W ms holds at most W / REDIAL_FIRST_MS + 1
 * tries; each try itself is bounded by redial_try_ms().  Times are
 * now_ms() (CLOCK_MONOTONIC) milliseconds.
 */
#ifndef MR_REDIAL_H
#define MR_REDIAL_H

#include <stdint.h>

#define REDIAL_FIRST_MS 50
#define REDIAL_MAX_MS 1000
#define REDIAL_MIN_TRY_MS 200
#define REDIAL_MAX_TRY_MS 2000

struct redial {
	int64_t deadline_ms; /* no try after this */
	int64_t pause_ms;    /* the next pause */
	int last;            /* the try at the deadline is the next (or was) */
};

/* Start pacing tries until `deadline_ms`. */
void redial_start(struct redial *r, int64_t deadline_ms);

/*
 * How long to wait, from `now`, before the next try: the pause, cut to
 * what is left of the window; -1 when the window is over (no more tries).
 */
int64_t redial_pause(struct redial *r, int64_t now);

/*
 * How long a try may take at `now`: what is left of the window, at least
 * REDIAL_MIN_TRY_MS (the try at the deadline still gets a chance), at most
 * REDIAL_MAX_TRY_MS.
 */
int redial_try_ms(const struct redial *r, int64_t now);

#endif
