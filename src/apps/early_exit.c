/*
 * early_exit.c - slow reduces, to catch workers that exit too early.
 *
 * Map emits (file, "1") with the input's name exactly as given.  Reduce
 * emits (key, the number of values), but first sleeps 3 seconds when the
 * key contains "sherlock" or "tom", so a worker or coordinator that quits
 * before every reduce has finished loses output.
 */
#define MR_APP "early_exit"

#include "applib.h"
#include "mapreduce.h"

MR_PLUGIN_ABI;

static int contains(const char *key, size_t klen, const char *word)
{
	return memmem(key, klen, word, strlen(word)) != NULL;
}

MR_EXPORT int mr_map(struct mr_ctx *ctx, const char *file, const char *data,
		     size_t len)
{
	(void)data;
	(void)len;
	return app_emit(ctx, file, strlen(file), "1", 1);
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	size_t nvalues;

	if (app_drain(ctx, &nvalues) < 0)
		return -1;
	if (contains(key, klen, "sherlock") || contains(key, klen, "tom"))
		app_sleep_ms(3000);
	return app_emit_u64(ctx, key, klen, (uint64_t)nvalues);
}
