/*
 * counting.c - test plugin: the word count of tplugin.h, with user counters:
 * "maps" +1 per map call, "words" +1 per word, "keys" +1 per reduce call.
 * With TP_ONCE_PHASE=map the first map of the job exits(3) after counting,
 * so a test can check that a lost attempt's counters are not summed.
 */
#define TP_NAME "counting"
#include "tplugin.h"

MR_PLUGIN_ABI;

MR_EXPORT int mr_map(struct mr_ctx *ctx, const char *file, const char *data, size_t len)
{
	int64_t words = 0;

	(void)file;
	for (size_t i = 0; i < len; i++)
		words += tp_is_letter((unsigned char)data[i]) &&
			 (i == 0 || !tp_is_letter((unsigned char)data[i - 1]));
	if (mr_counter_add(ctx, "maps", 1) < 0 || mr_counter_add(ctx, "words", words) < 0)
		return -1;
	if (tp_first_time("map"))
		exit(3);
	return tp_map_words(ctx, data, len);
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	if (mr_counter_add(ctx, "keys", 1) < 0)
		return -1;
	return tp_reduce_sum(ctx, key, klen);
}
