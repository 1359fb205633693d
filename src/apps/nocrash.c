/*
 * nocrash.c - worker-failure test app.
 *
 * The same map and reduce as crash, without the crashes and stalls, to
 * produce the reference output (crashapp.h).
 */
#define MR_APP "nocrash"

#include "crashapp.h"

MR_PLUGIN_ABI;

MR_EXPORT int mr_map(struct mr_ctx *ctx, const char *file, const char *data,
		     size_t len)
{
	(void)data;
	return crashapp_map(ctx, file, len);
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	return crashapp_reduce(ctx, key, klen);
}
