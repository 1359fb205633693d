/*
 * bad_abi.c - test plugin: complete, but built for ABI version 2, which
 * this engine (version 1) must refuse to load.
 */
#define TP_NAME "bad_abi"
#include "tplugin.h"

MR_EXPORT const unsigned mr_abi_version = 2;

MR_EXPORT int mr_map(struct mr_ctx *ctx, const char *file, const char *data, size_t len)
{
	(void)file;
	return tp_map_words(ctx, data, len);
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	return tp_reduce_sum(ctx, key, klen);
}
