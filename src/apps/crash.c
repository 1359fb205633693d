/*
 * crash.c - worker-failure test app.
 *
 * Like nocrash, but a third of the map and reduce calls kill the worker
 * with exit(1) and another third stall for up to ten seconds (crashapp.h).
 */
#define MR_APP "crash"

#include "crashapp.h"

MR_PLUGIN_ABI;

MR_EXPORT int mr_map(struct mr_ctx *ctx, const char *file, const char *data,
		     size_t len)
{
	(void)data;
	if (maybe_crash() < 0)
		return -1;
	return crashapp_map(ctx, file, len);
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	if (maybe_crash() < 0)
		return -1;
	return crashapp_reduce(ctx, key, klen);
}
