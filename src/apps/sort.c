/*
 * sort.c - sort lines by their first SORT_KEY_LEN bytes.
 *
 * Map emits (the line's first SORT_KEY_LEN bytes, the rest of the line)
 * for every line (a shorter line is all key); reduce emits every value of
 * a key, so an output line reads "KEY REST" and a key's lines keep their
 * input order.  The partition rule is a range over the first two key bytes
 * (printable ASCII, 0x20..0x7e; other bytes are clamped into it), so
 * mr-out-0, mr-out-1, ... read in order are sorted as a whole: the
 * shuffle-heavy job of the benchmarks (every record is moved, sorted and
 * merged; there is no combiner).
 */
#define MR_APP "sort"

#include "applib.h"
#include "mapreduce.h"

#include <string.h>

#define SORT_KEY_LEN 10

MR_PLUGIN_ABI;

/* A key byte's place in the printable range, 0..94. */
static unsigned rank(unsigned char c)
{
	return c < 0x20 ? 0 : c > 0x7e ? 94 : (unsigned)(c - 0x20);
}

MR_EXPORT unsigned mr_partition(const char *key, size_t klen, unsigned nreduce)
{
	unsigned hi = klen > 0 ? rank((unsigned char)key[0]) : 0;
	unsigned lo = klen > 1 ? rank((unsigned char)key[1]) : 0;

	return (unsigned)((uint64_t)(hi * 95 + lo) * nreduce / (95 * 95));
}

MR_EXPORT int mr_map(struct mr_ctx *ctx, const char *file, const char *data, size_t len)
{
	const char *p = data, *end = data + len;

	(void)file;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p), k = n < SORT_KEY_LEN ? n : SORT_KEY_LEN;

		if (app_emit(ctx, p, k, p + k, n - k) < 0)
			return -1;
		p += n + 1;
	}
	return 0;
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	const char *val;
	size_t vlen;
	int r;

	while ((r = app_next(ctx, &val, &vlen)) == 1)
		if (app_emit(ctx, key, klen, val, vlen) < 0)
			return -1;
	return r;
}
