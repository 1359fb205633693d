/*
 * tplugin.h - the word count shared by the test plugins of
 * tests/test-errors.sh and tests/test-hostile.sh.
 *
 * A word is a maximal run of ASCII letters.  Map emits (word, "1") for each
 * one; reduce sums the values and emits (word, total).  Every test plugin
 * computes exactly this, and adds one way of misbehaving on top, switched on
 * by an environment variable the test sets for the workers only.  So the
 * reference output of any of them is mrsequential run with the variable
 * unset.
 *
 * Define TP_NAME (the plugin's name, a string literal) before including.
 * Everything is static inline: each plugin is one shared object.
 */
#ifndef MR_TPLUGIN_H
#define MR_TPLUGIN_H

#ifndef TP_NAME
#error "define TP_NAME before including tplugin.h"
#endif

#include "mapreduce.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static inline int tp_is_letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The map: (word, "1") for every word of data[0..len). */
static inline int tp_map_words(struct mr_ctx *ctx, const char *data, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t start;

		while (i < len && !tp_is_letter((unsigned char)data[i]))
			i++;
		start = i;
		while (i < len && tp_is_letter((unsigned char)data[i]))
			i++;
		if (i > start && mr_emit(ctx, data + start, i - start, "1", 1) < 0)
			return -1;
	}
	return 0;
}

/* The reduce: emit (key, sum of the values). */
static inline int tp_reduce_sum(struct mr_ctx *ctx, const char *key, size_t klen)
{
	unsigned long long sum = 0;
	const char *v;
	size_t vlen;
	char out[32];
	int r;

	while ((r = mr_next_value(ctx, &v, &vlen)) == 1)
		sum += strtoull(v, NULL, 10); /* v is NUL-terminated */
	if (r < 0)
		return -1;
	return mr_emit(ctx, key, klen, out, (size_t)snprintf(out, sizeof(out), "%llu", sum));
}

static inline void tp_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * 1 when this call is the first of phase `phase` ("map" or "reduce") in the
 * job directory to misbehave, as chosen by $TP_ONCE_PHASE: the first caller
 * creates the marker file .PLUGIN-once-PHASE (O_EXCL, so exactly one caller
 * in the job wins) and must then misbehave; every later call behaves.
 * 0 when this call behaves normally.
 */
static inline int tp_first_time(const char *phase)
{
	const char *want = getenv("TP_ONCE_PHASE");
	char marker[128];
	int fd;

	if (!want || strcmp(want, phase) != 0)
		return 0;
	snprintf(marker, sizeof(marker), "." TP_NAME "-once-%s", phase);
	fd = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return 0; /* someone already misbehaved (or we cannot tell: behave) */
	close(fd);
	fprintf(stderr, TP_NAME ": first %s call, misbehaving as told (marker %s)\n",
		phase, marker);
	return 1;
}

#endif /* MR_TPLUGIN_H */
