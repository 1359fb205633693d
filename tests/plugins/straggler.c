/*
 * straggler.c - test plugin: the word count of tplugin.h, but the first map
 * of an input whose name contains $TP_STRAGGLER sleeps $TP_STRAGGLER_MS
 * milliseconds (default 20000) first (with TP_ONCE_PHASE=map, as the other
 * once-plugins): exactly one slow attempt in the job,
 * the straggler that backup tasks exist for.
 */
#define TP_NAME "straggler"
#include "tplugin.h"

MR_PLUGIN_ABI;

MR_EXPORT int mr_map(struct mr_ctx *ctx, const char *file, const char *data, size_t len)
{
	const char *which = getenv("TP_STRAGGLER"), *ms = getenv("TP_STRAGGLER_MS");

	if (which && *which && strstr(file, which) && tp_first_time("map"))
		tp_sleep_ms(ms && *ms ? strtol(ms, NULL, 10) : 20000);
	return tp_map_words(ctx, data, len);
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	return tp_reduce_sum(ctx, key, klen);
}
