/*
 * test_runner.c - running a plugin's map and reduce (src/runner/runner.c)
 * with hand-made struct plugins (no shared object): what the runner adds
 * to the shuffle.  A combine may only emit its own key; every failure is
 * reported once, naming the plugin for the plugin's failures and not for
 * the engine's; nothing is published by a failed task.
 *
 * Every test runs in its own temp dir under /tmp (the job directory).
 */
#include "unit.h"

#include "apps/mapreduce.h"
#include "runner/plugin.h"
#include "runner/runner.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int setup(void **state)
{
	return unit_tmpdir_setup(state);
}

static int teardown(void **state)
{
	return unit_tmpdir_teardown(state);
}

/* Names in the cwd other than "." and ".." that start with `prefix`. */
static int files_like(const char *prefix)
{
	DIR *d = opendir(".");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		     !strncmp(e->d_name, prefix, strlen(prefix));
	closedir(d);
	return n;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* ---- the plugin ----------------------------------------------------------------- */

/* Map: every word (space-separated) with the value "1"; fails on "map-fails". */
static int words_map(struct mr_ctx *ctx, const char *file, const char *data, size_t len)
{
	size_t i = 0;

	(void)file;
	while (i < len) {
		size_t start;

		while (i < len && (data[i] == ' ' || data[i] == '\n'))
			i++;
		start = i;
		while (i < len && data[i] != ' ' && data[i] != '\n')
			i++;
		if (i == start)
			continue;
		if (i - start == 9 && !memcmp(data + start, "map-fails", 9))
			return -1;
		if (mr_emit(ctx, data + start, i - start, "1", 1) < 0)
			return -1;
	}
	return 0;
}

/* Reduce: the number of values; fails on the key "reduce-fails". */
static int count_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	const char *v;
	size_t vlen, n = 0;
	char out[32];

	if (klen == 12 && !memcmp(key, "reduce-fails", 12))
		return -1;
	while (mr_next_value(ctx, &v, &vlen) == 1)
		n++;
	return mr_emit(ctx, key, klen, out, (size_t)snprintf(out, sizeof(out), "%zu", n));
}

/* Combine: emits under another key than its own. */
static int wrong_key_combine(struct mr_ctx *ctx, const char *key, size_t klen)
{
	(void)key;
	(void)klen;
	return mr_emit(ctx, "other", 5, "1", 1);
}

/* Combine: fails on the key "bad", otherwise emits the number of values. */
static int failing_combine(struct mr_ctx *ctx, const char *key, size_t klen)
{
	if (klen == 3 && !memcmp(key, "bad", 3))
		return -1;
	return count_reduce(ctx, key, klen);
}

static struct plugin make_plugin(mr_reduce_fn combine)
{
	struct plugin p;

	memset(&p, 0, sizeof(p));
	p.path = (char *)"test-plugin";
	p.map = words_map;
	p.reduce = count_reduce;
	p.combine = combine;
	return p;
}

/* Map task 0 of `input`, 2 partitions, a 1 MiB budget. */
static int map_task(const struct plugin *p, const char *input)
{
	struct map_spec spec = { .file = input, .map_id = 0, .nreduce = 2, .length = -1 };
	struct runner rn;
	int rc;

	runner_init(&rn, p, 1u << 20);
	rc = runner_map_task(&rn, &spec);
	runner_release(&rn);
	return rc;
}

/* ---- tests ------------------------------------------------------------------------ */

/* A combine emitting another key than its own fails the map, naming both and the plugin. */
static void test_combine_wrong_key(void **state)
{
	struct plugin p = make_plugin(wrong_key_combine);

	(void)state;
	write_file("in.txt", "key key key\n");
	log_clear_last_error();
	assert_int_equal(map_task(&p, "in.txt"), -1);
	if (!strstr(log_last_error(), "test-plugin") || !strstr(log_last_error(), "'other'") ||
	    !strstr(log_last_error(), "'key'"))
		unit_fail("the error does not name the plugin, the key emitted and the key "
			  "combined: \"%s\"", log_last_error());
	assert_int_equal(files_like("mr-"), 0);
	assert_int_equal(files_like(".mr-tmp"), 0);
}

/* A failing combine fails the map, naming the key and the plugin. */
static void test_combine_fails(void **state)
{
	struct plugin p = make_plugin(failing_combine);

	(void)state;
	write_file("in.txt", "good bad good bad\n");
	log_clear_last_error();
	assert_int_equal(map_task(&p, "in.txt"), -1);
	if (!strstr(log_last_error(), "combine of key 'bad' failed in plugin test-plugin"))
		unit_fail("the error does not name the key and the plugin: \"%s\"",
			  log_last_error());
	assert_int_equal(files_like("mr-"), 0);
}

/* A good combine: the runs are published. */
static void test_combine_good(void **state)
{
	struct plugin p = make_plugin(failing_combine);

	(void)state;
	write_file("in.txt", "good fine good fine good\n");
	assert_int_equal(map_task(&p, "in.txt"), 0);
	assert_int_equal(files_like("mr-0-"), 2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_combine_wrong_key),
		T(test_combine_fails),
		T(test_combine_good),
	};

	UNIT_MAIN("runner", tests);
}
