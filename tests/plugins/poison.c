/*
 * poison.c - test plugin for bad-record skipping: a per-record map only
 * (mr_map_record, no mr_map) doing the word count of tplugin.h line by line,
 * that dies of SIGSEGV on every line containing "POISON".
 */
#define TP_NAME "poison"
#include "tplugin.h"

MR_PLUGIN_ABI;

/* In page 1, which Linux never maps; volatile so it is really written. */
static volatile uintptr_t bad_address = 4096;

MR_EXPORT int mr_map_record(struct mr_ctx *ctx, const char *file, int64_t offset,
			    const char *line, size_t len)
{
	(void)file;
	(void)offset;
	if (memmem(line, len, "POISON", 6))
		*(volatile int *)bad_address = 1;
	return tp_map_words(ctx, line, len);
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	return tp_reduce_sum(ctx, key, klen);
}
