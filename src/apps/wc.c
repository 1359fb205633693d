/*
 * wc.c - word count.
 *
 * Map emits (word, "1") for every occurrence of a word (see words.h for what
 * a word is).  Combine and reduce both sum the key's values, which are
 * decimal counts, and emit (word, total); the output lines read "WORD COUNT".
 * The map side uses the engine's built-in "sum" combiner, which adds the
 * counts the same way; mr_combine is what --plugin-combiner runs instead.
 */
#define MR_APP "wc"

#include "applib.h"
#include "mapreduce.h"
#include "words.h"

MR_PLUGIN_ABI;

/* Counts add up: the engine's built-in sum does what mr_combine does, faster. */
MR_EXPORT const char mr_combiner[] = "sum";

/* Parse a count: one or more ASCII digits, nothing else, no overflow. */
static int parse_count(const char *s, size_t len, uint64_t *out)
{
	uint64_t n = 0;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9 || n > (UINT64_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*out = n;
	return 0;
}

/*
 * Sum the current key's values and emit (key, sum).  The values come many
 * per call (mr_next_values): a combine gets a whole block of them at once.
 */
static int emit_sum(struct mr_ctx *ctx, const char *key, size_t klen)
{
	const char *vals[64];
	size_t vlens[64];
	uint64_t sum = 0, n;
	int r;

	while ((r = mr_next_values(ctx, vals, vlens, 64)) > 0) {
		for (int i = 0; i < r; i++) {
			if (vlens[i] == 1 && (unsigned)(vals[i][0] - '0') < 10u)
				n = (uint64_t)(vals[i][0] - '0'); /* the usual "1" */
			else if (parse_count(vals[i], vlens[i], &n) < 0)
				return app_error("a value is not a decimal count");
			if (n > UINT64_MAX - sum)
				return app_error("count overflow");
			sum += n;
		}
	}
	if (r < 0)
		return app_error("cannot read the next values");
	return app_emit_u64(ctx, key, klen, sum);
}

MR_EXPORT int mr_map(struct mr_ctx *ctx, const char *file, const char *data,
		     size_t len)
{
	struct words w;
	const char *word;
	size_t wlen;

	(void)file;
	words_init(&w, data, len);
	while (words_next(&w, &word, &wlen))
		if (app_emit(ctx, word, wlen, "1", 1) < 0)
			return -1;
	return 0;
}

MR_EXPORT int mr_combine(struct mr_ctx *ctx, const char *key, size_t klen)
{
	return emit_sum(ctx, key, klen);
}

/*
 * Per-record map, for --skip-bad-records: a line is mapped like a whole
 * input of one line (the line is not NUL-terminated; nothing here needs it).
 */
MR_EXPORT int mr_map_record(struct mr_ctx *ctx, const char *file, int64_t offset,
			    const char *line, size_t len)
{
	(void)offset;
	return mr_map(ctx, file, line, len);
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	return emit_sum(ctx, key, klen);
}
