/*
 * hooks.c - a test plugin for job parameters and task hooks
 * (tests/test-params.sh).
 *
 * map:    each line -> (line, mr_param "tag", or "none")
 * mr_task_start / mr_task_end: must come in pairs, one task at a time; a
 *         map's end (ok) emits ("#maps", "1"); a reduce's end (ok) writes
 *         "#end of reduce R: K keys" with mr_emit_line, after checking
 *         that there is no current key (mr_next_value returns 0).
 * reduce: "KEY<TAB>count<TAB>tag" (the tag from mr_param) with mr_emit_line when --param raw=1,
 *         else mr_emit(KEY, count).
 * Faults by parameter: fail_start=map|reduce, fail_end=map|reduce,
 * fail_map=1 (the map fails: its end is told ok=0, and says so on
 * stderr), line_in_map=1 (mr_emit_line in a map: the engine refuses);
 * badcounter=1 counts each map in a counter whose name is not UTF-8.
 */
#include "mapreduce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

MR_PLUGIN_ABI;

static int open_kind = -1; /* the task between start and end, or -1 */
static long keys;

static int is(struct mr_ctx *ctx, const char *key, const char *want)
{
	const char *v = mr_param(ctx, key);

	return v && !strcmp(v, want);
}

static const char *kind_name(int kind)
{
	return kind == MR_KIND_MAP ? "map" : "reduce";
}

MR_EXPORT int mr_task_start(struct mr_ctx *ctx, int kind, int task_id)
{
	if (open_kind != -1) {
		fprintf(stderr, "hooks: task_start of %s %d inside another task\n",
			kind_name(kind), task_id);
		return -1;
	}
	if (is(ctx, "fail_start", kind_name(kind)))
		return -1;
	open_kind = kind;
	keys = 0;
	return 0;
}

MR_EXPORT int mr_task_end(struct mr_ctx *ctx, int kind, int task_id, int ok)
{
	const char *v;
	size_t vlen;
	char line[64];
	int n;

	if (open_kind != kind) {
		fprintf(stderr, "hooks: task_end of %s %d without its start\n",
			kind_name(kind), task_id);
		return -1;
	}
	open_kind = -1;
	if (!ok) {
		fprintf(stderr, "hooks: end of %s %d with ok=0\n", kind_name(kind), task_id);
		/* emits are refused now */
		if (mr_emit(ctx, "#late", 5, "1", 1) == 0)
			fprintf(stderr, "hooks: an emit after a failure was taken\n");
		return 0;
	}
	if (is(ctx, "fail_end", kind_name(kind)))
		return -1;
	if (kind == MR_KIND_MAP)
		return mr_emit(ctx, "#maps", 5, "1", 1);
	if (mr_next_value(ctx, &v, &vlen) != 0) {
		fprintf(stderr, "hooks: a value with no current key\n");
		return -1;
	}
	n = snprintf(line, sizeof(line), "#end of reduce %d: %ld keys", task_id, keys);
	return mr_emit_line(ctx, line, (size_t)n);
}

MR_EXPORT int mr_map(struct mr_ctx *ctx, const char *file, const char *data, size_t len)
{
	const char *tag = mr_param(ctx, "tag");
	const char *end = data + len;

	(void)file;
	if (is(ctx, "fail_map", "1"))
		return -1;
	if (is(ctx, "line_in_map", "1"))
		return mr_emit_line(ctx, "x", 1);
	if (is(ctx, "badcounter", "1") && mr_counter_add(ctx, "bad\xff\xfe", 1) < 0)
		return -1;
	if (!tag)
		tag = "none";
	while (data < end) {
		const char *nl = memchr(data, '\n', (size_t)(end - data));
		size_t n = (size_t)((nl ? nl : end) - data);

		if (mr_emit(ctx, data, n, tag, strlen(tag)) < 0)
			return -1;
		data += n + (nl != NULL);
	}
	return 0;
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	const char *v, *tag = mr_param(ctx, "tag");
	size_t vlen;
	long count = 0;
	char num[32], *line;
	int n, rc;

	while ((rc = mr_next_value(ctx, &v, &vlen)) > 0) {
		if (klen == 5 && !memcmp(key, "#maps", 5))
			count += strtol(v, NULL, 10);
		else
			count++;
	}
	if (!tag)
		tag = "none";
	if (rc < 0)
		return -1;
	keys++;
	n = snprintf(num, sizeof(num), "%ld", count);
	if (!is(ctx, "raw", "1"))
		return mr_emit(ctx, key, klen, num, (size_t)n);
	line = malloc(klen + (size_t)n + strlen(tag) + 3);
	if (!line)
		return -1;
	memcpy(line, key, klen);
	line[klen] = '\t';
	memcpy(line + klen + 1, num, (size_t)n);
	line[klen + 1 + (size_t)n] = '\t';
	memcpy(line + klen + 2 + (size_t)n, tag, strlen(tag));
	rc = mr_emit_line(ctx, line, klen + 2 + (size_t)n + strlen(tag));
	free(line);
	return rc;
}
