/*
 * fail_reduce.c - test plugin: the word count of tplugin.h with its own
 * partition: the key "poison" alone goes to reduce task 0, every other key
 * to 1 + (FNV-1a % (nreduce - 1)).  When $TP_FAIL is set, the reduce of
 * "poison" waits $TP_FAIL milliseconds (so the other reduce tasks finish
 * first) and then fails, on every attempt: reduce task 0 can never succeed
 * while all the others do.
 */
#define TP_NAME "fail_reduce"
#include "tplugin.h"

MR_PLUGIN_ABI;

MR_EXPORT unsigned mr_partition(const char *key, size_t klen, unsigned nreduce)
{
	if (nreduce < 2 || (klen == 6 && memcmp(key, "poison", 6) == 0))
		return 0;
	return 1 + mr_fnv1a32(key, klen) % (nreduce - 1);
}

MR_EXPORT int mr_map(struct mr_ctx *ctx, const char *file, const char *data, size_t len)
{
	(void)file;
	return tp_map_words(ctx, data, len);
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	const char *delay = getenv("TP_FAIL");

	if (delay && *delay && klen == 6 && memcmp(key, "poison", 6) == 0) {
		tp_sleep_ms(strtol(delay, NULL, 10));
		fprintf(stderr, TP_NAME ": refusing key poison\n");
		return -1;
	}
	return tp_reduce_sum(ctx, key, klen);
}
