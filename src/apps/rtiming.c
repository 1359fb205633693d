/*
 * rtiming.c - reduce-parallelism probe.
 *
 * Map emits ("a", "1") through ("j", "1") so that there are ten keys to
 * reduce.  Each reduce emits (key, how many workers were reducing at the
 * same time) (see probe.h), so a test can check that reduces overlapped.
 */
#define MR_APP "rtiming"

#include "applib.h"
#include "mapreduce.h"
#include "probe.h"

MR_PLUGIN_ABI;

MR_EXPORT int mr_map(struct mr_ctx *ctx, const char *file, const char *data,
		     size_t len)
{
	char key;

	(void)file;
	(void)data;
	(void)len;
	for (key = 'a'; key <= 'j'; key++)
		if (app_emit(ctx, &key, 1, "1", 1) < 0)
			return -1;
	return 0;
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	size_t nvalues;
	int n;

	if (app_drain(ctx, &nvalues) < 0)
		return -1;
	n = nparallel("reduce");
	if (n < 0)
		return -1;
	return app_emit_u64(ctx, key, klen, (uint64_t)n);
}
