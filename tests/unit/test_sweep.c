/* test_sweep.c - unlinking many files on a few threads (src/coordinator/sweep.c). */
#include "unit.h"

#include "coordinator/sweep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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

/* Entries of "." but . and .. */
static size_t count_entries(void)
{
	DIR *d = opendir(".");
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* n names "f-I", the files made when `make`; the last `missing` are not. */
static char **names_of(size_t n, size_t missing)
{
	char **v = calloc(n, sizeof(*v));

	assert_non_null(v);
	for (size_t i = 0; i < n; i++) {
		char buf[32];

		snprintf(buf, sizeof(buf), "f-%zu", i);
		v[i] = strdup(buf);
		assert_non_null(v[i]);
		if (i < n - missing)
			close(open(buf, O_WRONLY | O_CREAT, 0600));
	}
	return v;
}

static void check(size_t n, size_t missing, unsigned threads)
{
	char **names = names_of(n, missing);
	int *errs = calloc(n, sizeof(*errs));
	int dfd = open(".", O_RDONLY | O_DIRECTORY);

	assert_non_null(errs);
	assert_true(dfd >= 0);
	/* a file not named stays */
	close(open("keep", O_WRONLY | O_CREAT, 0600));
	sweep_unlink(dfd, names, n, errs, threads);
	for (size_t i = 0; i < n; i++) {
		if (errs[i] != (i < n - missing ? 0 : ENOENT))
			unit_fail("%s: errno %d (threads %u, n %zu)", names[i], errs[i], threads, n);
		free(names[i]);
	}
	assert_int_equal(count_entries(), 1);
	unlink("keep");
	close(dfd);
	free(names);
	free(errs);
}

/*
 * The sizes are just past SWEEP_MIN_PARALLEL: every branch of sweep_unlink
 * is taken, and each file costs a create and an unlink on a real disk.
 */
static void test_many_threads(void **state)
{
	(void)state;
	check(2 * SWEEP_MIN_PARALLEL, 3, 4); /* parallel: shares of 512, 3 missing in the last */
	check(SWEEP_MIN_PARALLEL + 1, 0, 3);
}

static void test_few_or_serial(void **state)
{
	(void)state;
	check(10, 1, 4);           /* below the minimum: one thread */
	check(SWEEP_MIN_PARALLEL + 1, 0, 1);
	check(SWEEP_MIN_PARALLEL + 1, 0, 0);   /* 0 means 1 */
	check(SWEEP_MIN_PARALLEL + 1, 0, 100); /* capped */
	sweep_unlink(-1, NULL, 0, NULL, 4); /* nothing to do */
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_many_threads),
		T(test_few_or_serial),
	};
#undef T

	UNIT_MAIN("sweep", tests);
}
