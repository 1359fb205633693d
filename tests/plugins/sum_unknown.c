/*
 * sum_unknown.c - test plugin naming a built-in combiner the engine does
 * not have (mr_combiner = "max"): loading it must fail, naming "max".
 * Otherwise the word count of tplugin.h, with a combine of its own.
 */
#define TP_NAME "sum_unknown"
#include "tplugin.h"

MR_PLUGIN_ABI;

MR_EXPORT const char mr_combiner[] = "max";

MR_EXPORT int mr_map(struct mr_ctx *ctx, const char *file, const char *data, size_t len)
{
	(void)file;
	return tp_map_words(ctx, data, len);
}

MR_EXPORT int mr_combine(struct mr_ctx *ctx, const char *key, size_t klen)
{
	return tp_reduce_sum(ctx, key, klen);
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	return tp_reduce_sum(ctx, key, klen);
}
