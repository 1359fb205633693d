/*
 * sum_bad.c - test plugin for the built-in "sum" combiner: the word count
 * of tplugin.h, declaring mr_combiner = "sum".  With $SUM_BAD_VALUE set,
 * every occurrence of the word "poison" is emitted with that string as its
 * value instead of "1" (e.g. "x", which is no count, or
 * "18446744073709551615", whose total passes 2^64 - 1 at the second
 * occurrence), so the map side's checks can be seen failing the map.
 */
#define TP_NAME "sum_bad"
#include "tplugin.h"

MR_PLUGIN_ABI;

MR_EXPORT const char mr_combiner[] = "sum";

MR_EXPORT int mr_map(struct mr_ctx *ctx, const char *file, const char *data, size_t len)
{
	const char *bad = getenv("SUM_BAD_VALUE");
	size_t i = 0;

	(void)file;
	while (i < len) {
		size_t start;
		const char *val = "1";

		while (i < len && !tp_is_letter((unsigned char)data[i]))
			i++;
		start = i;
		while (i < len && tp_is_letter((unsigned char)data[i]))
			i++;
		if (i == start)
			continue;
		if (bad && i - start == 6 && memcmp(data + start, "poison", 6) == 0)
			val = bad;
		if (mr_emit(ctx, data + start, i - start, val, strlen(val)) < 0)
			return -1;
	}
	return 0;
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	return tp_reduce_sum(ctx, key, klen);
}
