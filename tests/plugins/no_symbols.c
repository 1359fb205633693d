/*
 * no_symbols.c - test plugin: a shared object with the right ABI version
 * but neither mr_map nor mr_reduce (its functions have other names), which
 * the engine must refuse to load.
 */
#include "mapreduce.h"

MR_PLUGIN_ABI;

MR_EXPORT int map(struct mr_ctx *ctx, const char *file, const char *data, size_t len);
MR_EXPORT int map(struct mr_ctx *ctx, const char *file, const char *data, size_t len)
{
	(void)ctx;
	(void)file;
	(void)data;
	(void)len;
	return 0;
}
