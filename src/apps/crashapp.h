/*
 * crashapp.h - the map and reduce shared by crash.c and nocrash.c.
 *
 * Map emits ("a", file), ("b", the length of the file name), ("c", the
 * length of the contents) and ("d", "xyzzy"); reduce emits each key's values
 * sorted bytewise and joined by spaces.  crash.c calls maybe_crash() first
 * in both, nocrash.c never does; when the engine recovers from the failed
 * workers the two produce the same output.  Define MR_APP before including.
 */
#ifndef MR_CRASHAPP_H
#define MR_CRASHAPP_H

#include "applib.h"
#include "mapreduce.h"

/*
 * A third of the time exit(1) on the spot, a third of the time stall for up
 * to ten seconds, otherwise return at once.  0, or -1 if there was no
 * randomness to be had.
 */
static inline int maybe_crash(void)
{
	uint32_t r = 0, ms = 0;

	if (app_random_below(1000, &r) < 0)
		return -1;
	if (r < 330)
		exit(1);
	if (r < 660) {
		if (app_random_below(10000, &ms) < 0)
			return -1;
		app_sleep_ms(ms);
	}
	return 0;
}

/* The map of both apps: `len` is the length of the contents. */
static inline int crashapp_map(struct mr_ctx *ctx, const char *file,
			       size_t len)
{
	size_t flen = strlen(file);

	if (app_emit(ctx, "a", 1, file, flen) < 0 ||
	    app_emit_u64(ctx, "b", 1, flen) < 0 ||
	    app_emit_u64(ctx, "c", 1, len) < 0)
		return -1;
	return app_emit(ctx, "d", 1, "xyzzy", 5);
}

/* The reduce of both apps. */
static inline int crashapp_reduce(struct mr_ctx *ctx, const char *key,
				  size_t klen)
{
	return app_reduce_sorted(ctx, key, klen);
}

#endif /* MR_CRASHAPP_H */
