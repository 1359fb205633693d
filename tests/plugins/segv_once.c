/*
 * segv_once.c - test plugin: the word count of tplugin.h, but the first map
 * (TP_ONCE_PHASE=map) or the first reduce (TP_ONCE_PHASE=reduce) of the job
 * dies of SIGSEGV: a real invalid write, not raise().
 */
#define TP_NAME "segv_once"
#include "tplugin.h"

#include <signal.h>

MR_PLUGIN_ABI;

/*
 * The address written through: in page 1, which Linux never maps
 * (vm.mmap_min_addr), and not NULL, so UBSan lets the store happen.
 * Volatile so the compiler cannot reason about it.
 */
static volatile uintptr_t bad_address = 4096;

static void crash(void)
{
	*(volatile int *)bad_address = 1;
	raise(SIGSEGV); /* not reached; in case that page were ever mapped */
}

MR_EXPORT int mr_map(struct mr_ctx *ctx, const char *file, const char *data, size_t len)
{
	(void)file;
	if (tp_first_time("map"))
		crash();
	return tp_map_words(ctx, data, len);
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	if (tp_first_time("reduce"))
		crash();
	return tp_reduce_sum(ctx, key, klen);
}
