/*
 * slow.c - test plugin: the word count of tplugin.h, but every map first
 * sleeps $TP_SLOW_MS milliseconds (default 300), and every reduce of a key
 * $TP_SLOW_REDUCE_US microseconds (default 0), so a job (or its reduce
 * phase) lasts long enough to be interrupted, killed or raced in the middle.
 */
#define TP_NAME "slow"
#include "tplugin.h"

#include <time.h>

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
	const char *us = getenv("TP_SLOW_REDUCE_US");
	long n = us && *us ? strtol(us, NULL, 10) : 0;

	if (n > 0) {
		struct timespec ts = { n / 1000000, (n % 1000000) * 1000 };

		nanosleep(&ts, NULL);
	}
	return tp_reduce_sum(ctx, key, klen);
}
