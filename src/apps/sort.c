/*
 * sort.c - sort lines by their first SORT_KEY_LEN (10) bytes.
 *
 * Map emits (the line's first SORT_KEY_LEN bytes, the rest of the line)
 * for every line; reduce writes every value of a key back behind its key
 * with mr_emit_line, so the output lines are the input lines themselves,
 * byte for byte, ordered by key.  A key's lines keep their input order
 * (map tasks in id order, lines in file order): the sort is stable.
 *
 * The partition rule is a range over the first two key bytes, so
 * mr-out-0, mr-out-1, ... read in order are sorted as a whole: the
 * shuffle-heavy job of the benchmarks (every record is moved, sorted and
 * merged; there is no combiner).  The range is cut for printable ASCII
 * (0x20..0x7e) as scripts/bench/genrecords.c writes it: any other first
 * byte sends the key to the first reduce (below 0x20) or to the last
 * (0x7f and up), which keeps the global order at the price of balance.
 *
 * Odd input is not an error; every byte but '\n' is data:
 *   - a line shorter than SORT_KEY_LEN bytes is all key (a proper prefix
 *     sorts before the longer keys it begins), an empty line an empty key
 *     (it sorts first);
 *   - a file's last line without a '\n' is a line; its output line gets
 *     one;
 *   - bytes are compared as unsigned bytes (memcmp): 0x80..0xff sort
 *     after ASCII, control bytes (tab, '\r', NUL) before the space; a
 *     '\r' before the '\n' is part of the line;
 *   - lines with the same key all stay, in input order.
 */
#define MR_APP "sort"

#include "applib.h"
#include "mapreduce.h"

#include <string.h>

#define SORT_KEY_LEN 10

/* Lines up to this long are joined on the stack in reduce. */
#define SORT_LINE_STACK 256

MR_PLUGIN_ABI;

/* A printable key byte's place in the range, 0..94. */
static unsigned rank(unsigned char c)
{
	return c < 0x20 ? 0 : c > 0x7e ? 94 : (unsigned)(c - 0x20);
}

/*
 * Where the key falls among the 95 * 95 two-byte prefixes, a function that
 * never decreases as keys increase: when the first byte is outside the
 * printable range, the second does not count (else "\x80~" would land
 * after "\x81 ").  A missing byte counts as the lowest.
 */
static unsigned slot(const char *key, size_t klen)
{
	unsigned char c0 = klen > 0 ? (unsigned char)key[0] : 0;

	if (klen == 0 || c0 < 0x20)
		return 0;
	if (c0 > 0x7e)
		return 95 * 95 - 1;
	return rank(c0) * 95 + (klen > 1 ? rank((unsigned char)key[1]) : 0);
}

MR_EXPORT unsigned mr_partition(const char *key, size_t klen, unsigned nreduce)
{
	return (unsigned)((uint64_t)slot(key, klen) * nreduce / (95 * 95));
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

/* Write KEY VALUE joined, as the line they were cut from. */
static int emit_joined(struct mr_ctx *ctx, const char *key, size_t klen,
		       const char *val, size_t vlen)
{
	char small[SORT_LINE_STACK], *line = small;
	int rc;

	if (klen + vlen > sizeof(small)) {
		line = malloc(klen + vlen);
		if (!line)
			return app_error("out of memory for a line of %zu bytes", klen + vlen);
	}
	if (klen) /* an empty key or value may come as NULL */
		memcpy(line, key, klen);
	if (vlen)
		memcpy(line + klen, val, vlen);
	rc = mr_emit_line(ctx, line, klen + vlen);
	if (line != small)
		free(line);
	if (rc != 0)
		return app_error("cannot write an output line");
	return 0;
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	const char *val;
	size_t vlen;
	int r;

	while ((r = app_next(ctx, &val, &vlen)) == 1)
		if (emit_joined(ctx, key, klen, val, vlen) < 0)
			return -1;
	return r;
}
