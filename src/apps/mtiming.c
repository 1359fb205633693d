/*
 * mtiming.c - map-parallelism probe.
 *
 * Each map notes when it started, in "times-PID", and how many workers were
 * mapping at the same time, in "parallel" (see probe.h).  Reduce emits each
 * key's values sorted bytewise and joined by spaces, so a test can check
 * that maps overlapped.
 */
#define MR_APP "mtiming"

#include "applib.h"
#include "mapreduce.h"
#include "probe.h"

MR_PLUGIN_ABI;

MR_EXPORT int mr_map(struct mr_ctx *ctx, const char *file, const char *data,
		     size_t len)
{
	char key[32], val[64];
	struct timespec now;
	int klen, vlen, n;

	(void)file;
	(void)data;
	(void)len;
	clock_gettime(CLOCK_REALTIME, &now);
	n = nparallel("map");
	if (n < 0)
		return -1;
	klen = snprintf(key, sizeof(key), "times-%ld", (long)getpid());
	vlen = snprintf(val, sizeof(val), "%.1f",
			(double)now.tv_sec + now.tv_nsec / 1e9);
	if (app_emit(ctx, key, (size_t)klen, val, (size_t)vlen) < 0)
		return -1;
	return app_emit_u64(ctx, "parallel", strlen("parallel"), (uint64_t)n);
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	return app_reduce_sorted(ctx, key, klen);
}
