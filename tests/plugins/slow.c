/*
 * slow.c - test plugin: the word count of tplugin.h, but every map first
 * sleeps $TP_SLOW_MS milliseconds (default 300), so a job lasts long enough
 * to be interrupted, killed or raced in the middle.
 */
#define TP_NAME "slow"
#include "tplugin.h"

MR_PLUGIN_ABI;

MR_EXPORT int mr_map(struct mr_ctx *ctx, const char *file, const char *data, size_t len)
{
	const char *ms = getenv("TP_SLOW_MS");

	(void)file;
	tp_sleep_ms(ms && *ms ? strtol(ms, NULL, 10) : 300);
	return tp_map_words(ctx, data, len);
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	return tp_reduce_sum(ctx, key, klen);
}
