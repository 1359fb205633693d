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
#include <sys/stat.h>
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

/* ---- what reaches stderr ------------------------------------------------------- */

static int saved_stderr = -1;

/* Send stderr to the file "stderr.txt" until errors_taken(). */
static void take_errors(void)
{
	int fd = open("stderr.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	fflush(stderr);
	saved_stderr = dup(2);
	assert_true(saved_stderr >= 0);
	assert_int_equal(dup2(fd, 2), 2);
	close(fd);
	log_clear_last_error();
}

/* Put stderr back; how many error lines were printed meanwhile, text in buf. */
static int errors_taken(char *buf, size_t size)
{
	FILE *f;
	size_t n;
	int lines = 0;

	fflush(stderr);
	assert_int_equal(dup2(saved_stderr, 2), 2);
	close(saved_stderr);
	f = fopen("stderr.txt", "r");
	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	unlink("stderr.txt");
	buf[n] = '\0';
	for (const char *p = buf; (p = strstr(p, "error: ")); p++)
		lines++;
	return lines;
}

/*
 * The last call failed with one error line holding `want` and, when `not`
 * is given, not holding it, and runner fault `fault`.
 */
static void expect_failure(const struct runner *rn, enum runner_fault fault,
			   const char *want, const char *not, const char *what)
{
	char text[4096];
	int lines = errors_taken(text, sizeof(text));

	if (lines != 1)
		unit_fail("%s: %d error lines, expected one:\n%s", what, lines, text);
	if (!strstr(text, want) || !strstr(log_last_error(), want))
		unit_fail("%s: the error does not say \"%s\": %s", what, want, text);
	if (not && strstr(text, not))
		unit_fail("%s: the error says \"%s\": %s", what, not, text);
	if (rn->fault != fault)
		unit_fail("%s: fault %d, expected %d (%s)", what, rn->fault, fault,
			  fault == RUNNER_FAULT_PLUGIN ? "the plugin's" : "the engine's");
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

/* Map: the key "k" with every word as its value. */
static int words_as_values_map(struct mr_ctx *ctx, const char *file, const char *data,
			       size_t len)
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
		if (i > start && mr_emit(ctx, "k", 1, data + start, i - start) < 0)
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

/* Map task `id` of `input`, 2 partitions. */
static int map_task(struct runner *rn, int id, const char *input)
{
	struct map_spec spec = { .file = input, .map_id = id, .nreduce = 2, .length = -1 };

	return runner_map_task(rn, &spec, NULL);
}

/* ---- tests ------------------------------------------------------------------------ */

/* A combine emitting another key than its own fails the map, naming both and the plugin. */
static void test_combine_wrong_key(void **state)
{
	struct plugin p = make_plugin(wrong_key_combine);
	struct runner rn;

	(void)state;
	runner_init(&rn, &p, 1u << 20);
	write_file("in.txt", "key key key\n");
	take_errors();
	assert_int_equal(map_task(&rn, 0, "in.txt"), -1);
	expect_failure(&rn, RUNNER_FAULT_PLUGIN, "combine in plugin test-plugin emitted key "
		       "'other' while combining key 'key'", NULL, "wrong key");
	assert_int_equal(files_like("mr-"), 0);
	assert_int_equal(files_like(".mr-tmp"), 0);
	runner_release(&rn);
}

/* A failing combine fails the map, naming the key and the plugin. */
static void test_combine_fails(void **state)
{
	struct plugin p = make_plugin(failing_combine);
	struct runner rn;

	(void)state;
	runner_init(&rn, &p, 1u << 20);
	write_file("in.txt", "good bad good bad\n");
	take_errors();
	assert_int_equal(map_task(&rn, 0, "in.txt"), -1);
	expect_failure(&rn, RUNNER_FAULT_PLUGIN, "combine of key 'bad' failed in plugin "
		       "test-plugin", NULL, "failing combine");
	assert_int_equal(files_like("mr-"), 0);
	runner_release(&rn);
}

/* A good combine: the runs are published; the reduce counts the combined values. */
static void test_combine_good(void **state)
{
	struct plugin p = make_plugin(failing_combine);
	struct runner rn;
	char out[256];
	FILE *f;
	size_t n;

	(void)state;
	runner_init(&rn, &p, 1u << 20);
	write_file("in.txt", "good fine good fine good\n");
	assert_int_equal(map_task(&rn, 0, "in.txt"), 0);
	assert_int_equal(files_like("mr-0-"), 2);
	assert_int_equal(runner_reduce_task(&rn, mr_default_partition("good", 4, 2), 1, NULL), 0);
	f = fopen(mr_default_partition("good", 4, 2) ? "mr-out-1" : "mr-out-0", "r");
	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	fclose(f);
	out[n] = '\0';
	assert_non_null(strstr(out, "good 1\n")); /* one combined value */
	runner_release(&rn);
}

/* The plugin's map fails: said once, the plugin blamed. */
static void test_map_fails(void **state)
{
	struct plugin p = make_plugin(NULL);
	struct runner rn;

	(void)state;
	runner_init(&rn, &p, 1u << 20);
	write_file("in.txt", "one two map-fails three\n");
	take_errors();
	assert_int_equal(map_task(&rn, 0, "in.txt"), -1);
	expect_failure(&rn, RUNNER_FAULT_PLUGIN, "map of in.txt failed in plugin test-plugin",
		       NULL, "failing map");
	assert_int_equal(files_like("mr-"), 0);
	runner_release(&rn);
}

/* A value the built-in sum cannot take: said once, naming the plugin, its fault. */
static void test_sum_value_fails(void **state)
{
	struct plugin p = make_plugin(NULL);
	struct runner rn;

	(void)state;
	p.combine_sum = 1;
	p.map = words_as_values_map;
	runner_init(&rn, &p, 1u << 20);
	write_file("in.txt", "1 2 x 3\n");
	take_errors();
	assert_int_equal(map_task(&rn, 0, "in.txt"), -1);
	expect_failure(&rn, RUNNER_FAULT_PLUGIN, "value 'x' of key 'k' is not a decimal count",
		       NULL, "bad sum value");
	assert_non_null(strstr(log_last_error(), "test-plugin"));
	runner_release(&rn);
}

/* No input file: the engine's failure, not blamed on the plugin. */
static void test_map_input_missing(void **state)
{
	struct plugin p = make_plugin(NULL);
	struct runner rn;

	(void)state;
	runner_init(&rn, &p, 1u << 20);
	take_errors();
	assert_int_equal(map_task(&rn, 0, "no-such-input.txt"), -1);
	expect_failure(&rn, RUNNER_FAULT_ENGINE, "no-such-input.txt", "plugin", "missing input");
	runner_release(&rn);
}

/* The plugin's reduce fails on one key: said once, the plugin blamed, nothing published. */
static void test_reduce_fails(void **state)
{
	struct plugin p = make_plugin(NULL);
	struct runner rn;
	unsigned r = mr_default_partition("reduce-fails", 12, 2);
	char out[16];

	(void)state;
	runner_init(&rn, &p, 1u << 20);
	write_file("in.txt", "a b reduce-fails c\n");
	assert_int_equal(map_task(&rn, 0, "in.txt"), 0);
	take_errors();
	assert_int_equal(runner_reduce_task(&rn, (int)r, 1, NULL), -1);
	snprintf(out, sizeof(out), "mr-out-%u", r);
	expect_failure(&rn, RUNNER_FAULT_PLUGIN, "reduce of key 'reduce-fails' for", NULL,
		       "failing reduce");
	assert_non_null(strstr(log_last_error(), "failed in plugin test-plugin"));
	assert_int_equal(access(out, F_OK), -1);
	assert_int_equal(files_like(".mr-tmp"), 0);
	runner_release(&rn);
}

/* Flip the byte in the middle of `path`. */
static void damage(const char *path)
{
	int fd = open(path, O_RDWR);
	off_t size = lseek(fd, 0, SEEK_END);
	char c;

	assert_true(fd >= 0 && size > 40);
	assert_int_equal(pread(fd, &c, 1, size / 2), 1);
	c ^= 0x01;
	assert_int_equal(pwrite(fd, &c, 1, size / 2), 1);
	close(fd);
}

/*
 * A damaged run, found while the plugin reads a key's values, or between
 * keys; a missing run; an output that cannot be published: each the
 * engine's failure, said once, not blamed on the plugin.
 */
static void test_reduce_engine_failures(void **state)
{
	static const char words[] = "alpha beta gamma delta epsilon zeta eta theta iota kappa "
				    "lambda mu nu xi omicron pi rho sigma tau upsilon phi chi "
				    "psi omega\n";
	struct plugin p = make_plugin(NULL);
	struct runner rn;

	(void)state;
	runner_init(&rn, &p, 1u << 20);
	write_file("in.txt", words);
	assert_int_equal(map_task(&rn, 0, "in.txt"), 0);
	assert_int_equal(map_task(&rn, 1, "in.txt"), 0);
	damage("mr-1-0");
	take_errors();
	assert_int_equal(runner_reduce_task(&rn, 0, 2, NULL), -1);
	expect_failure(&rn, RUNNER_FAULT_ENGINE, "mr-1-0", "plugin", "damaged run");
	assert_int_equal(access("mr-out-0", F_OK), -1);

	unlink("mr-0-1");
	take_errors();
	assert_int_equal(runner_reduce_task(&rn, 1, 2, NULL), -1);
	expect_failure(&rn, RUNNER_FAULT_ENGINE, "mr-0-1", "plugin", "missing run");

	assert_int_equal(map_task(&rn, 0, "in.txt"), 0);
	assert_int_equal(mkdir("mr-out-1", 0755), 0);
	write_file("mr-out-1/keep", "x");
	take_errors();
	assert_int_equal(runner_reduce_task(&rn, 1, 2, NULL), -1);
	expect_failure(&rn, RUNNER_FAULT_ENGINE, "mr-out-1", "plugin", "output not publishable");
	assert_int_equal(files_like(".mr-tmp"), 0);
	runner_release(&rn);
}

/*
 * Write to `path` `n` distinct words that partition `part` of 2 (the
 * default rule), `len` bytes each, then `others` words of the other
 * partition.
 */
static void write_words(const char *path, unsigned part, int n, int len, int others)
{
	FILE *f = fopen(path, "w");
	char w[64];

	assert_non_null(f);
	for (int i = 0, k = 0; i < n + others; k++) {
		snprintf(w, sizeof(w), "w%0*d", len - 1, k);
		if ((mr_default_partition(w, (size_t)len, 2) == part) != (i < n))
			continue;
		fprintf(f, "%s\n", w);
		i++;
	}
	assert_int_equal(fclose(f), 0);
}

/*
 * The disk fills up while a map writes its second run, the first one
 * written already: the map fails naming the run and the errno, once, the
 * engine's fault, and publishes no run at all, nor leaves a temp file.
 */
static void test_map_disk_full(void **state)
{
	struct plugin p = make_plugin(NULL);
	struct unit_fsize lim;
	struct runner rn;
	int rc;

	(void)state;
	runner_init(&rn, &p, 1u << 20);
	write_words("in.txt", 1, 3000, 10, 2); /* run 1: over 40 KB; run 0: 2 words */
	take_errors();
	unit_limit_file_size(&lim, 8192);
	rc = map_task(&rn, 0, "in.txt");
	unit_unlimit_file_size(&lim);
	assert_int_equal(rc, -1);
	expect_failure(&rn, RUNNER_FAULT_ENGINE, "cannot write mr-0-1: File too large",
		       "plugin", "map on a full disk");
	assert_int_equal(files_like("mr-"), 0);
	assert_int_equal(files_like(".mr-tmp"), 0);
	/* with room, the same map publishes both runs */
	assert_int_equal(map_task(&rn, 0, "in.txt"), 0);
	assert_int_equal(files_like("mr-0-"), 2);
	assert_int_equal(files_like(".mr-tmp"), 0);
	runner_release(&rn);
}

/*
 * The disk fills up while a reduce writes mr-out-R: when its buffer is
 * flushed at the end, or while the plugin still emits (an output larger
 * than the buffer).  Said once, naming the file and the errno, the
 * engine's fault; no mr-out-R, torn or whole, and no temp file.
 */
static void test_reduce_disk_full(void **state)
{
	static const struct {
		int words;
		rlim_t limit;
	} cases[] = { { 3000, 8192 }, { 40000, 64 << 10 } };
	struct plugin p = make_plugin(NULL);
	struct unit_fsize lim;
	struct runner rn;
	int rc;

	(void)state;
	runner_init(&rn, &p, 1u << 20);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_words("in.txt", 1, cases[i].words, 12, 10);
		assert_int_equal(map_task(&rn, 0, "in.txt"), 0);
		take_errors();
		unit_limit_file_size(&lim, cases[i].limit);
		rc = runner_reduce_task(&rn, 1, 1, NULL);
		unit_unlimit_file_size(&lim);
		assert_int_equal(rc, -1);
		expect_failure(&rn, RUNNER_FAULT_ENGINE, "cannot write mr-out-1: File too large",
			       "plugin", i ? "reduce emitting on a full disk"
				       : "reduce finishing on a full disk");
		assert_int_equal(access("mr-out-1", F_OK), -1);
		assert_int_equal(files_like(".mr-tmp"), 0);
		/* with room, the reduce publishes its output */
		assert_int_equal(runner_reduce_task(&rn, 1, 1, NULL), 0);
		assert_int_equal(access("mr-out-1", F_OK), 0);
		assert_int_equal(files_like(".mr-tmp"), 0);
		unlink("mr-out-1");
	}
	runner_release(&rn);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_combine_wrong_key),
		T(test_combine_fails),
		T(test_combine_good),
		T(test_map_fails),
		T(test_sum_value_fails),
		T(test_map_input_missing),
		T(test_reduce_fails),
		T(test_reduce_engine_failures),
		T(test_map_disk_full),
		T(test_reduce_disk_full),
	};

	UNIT_MAIN("runner", tests);
}
