/*
 * fail_map.c - test plugin: the word count of tplugin.h, but when
 * $TP_FAIL is set, map returns -1 for every input whose path contains the
 * value of $TP_FAIL, on every attempt.
 */
#define TP_NAME "fail_map"
#include "tplugin.h"

MR_PLUGIN_ABI;

MR_EXPORT int mr_map(struct mr_ctx *ctx, const char *file, const char *data, size_t len)
{
	const char *poison = getenv("TP_FAIL");

	if (poison && *poison && strstr(file, poison)) {
		fprintf(stderr, TP_NAME ": refusing input %s\n", file);
		return -1;
	}
	return tp_map_words(ctx, data, len);
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	return tp_reduce_sum(ctx, key, klen);
}
