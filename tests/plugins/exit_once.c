/*
 * exit_once.c - test plugin: the word count of tplugin.h, but the first map
 * (TP_ONCE_PHASE=map) or the first reduce (TP_ONCE_PHASE=reduce) of the job
 * calls exit(3), taking its worker down in the middle of the task.
 */
#define TP_NAME "exit_once"
#include "tplugin.h"

MR_PLUGIN_ABI;

MR_EXPORT int mr_map(struct mr_ctx *ctx, const char *file, const char *data, size_t len)
{
	(void)file;
	if (tp_first_time("map"))
		exit(3);
	return tp_map_words(ctx, data, len);
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	if (tp_first_time("reduce"))
		exit(3);
	return tp_reduce_sum(ctx, key, klen);
}
