/*
 * test_log.c - src/common/log.c: message format, error()/error_errno()
 * return values and errno, the last-error text, and the verbosity levels
 * (mrcoordinator/mrworker -q promise "log errors only").
 */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* stderr captured into a temp file between capture_start and capture_end. */
static int saved_fd = -1;
static FILE *cap;

static void capture_start(void)
{
	fflush(stderr);
	cap = tmpfile();
	assert_non_null(cap);
	saved_fd = dup(2);
	assert_true(saved_fd >= 0);
	assert_true(dup2(fileno(cap), 2) >= 0);
}

/* Returns the malloc'd text written to stderr since capture_start. */
static char *capture_end(void)
{
	long n;
	char *s;

	fflush(stderr);
	assert_true(dup2(saved_fd, 2) >= 0);
	close(saved_fd);
	saved_fd = -1;
	n = ftell(cap);
	assert_true(n >= 0);
	s = calloc(1, (size_t)n + 1);
	assert_non_null(s);
	rewind(cap);
	assert_int_equal(fread(s, 1, (size_t)n, cap), (size_t)n);
	fclose(cap);
	return s;
}

static int setup(void **state)
{
	(void)state;
	log_init("unit", 0);
	log_set_timestamps(0);
	log_set_level(LOG_NORMAL);
	log_clear_last_error();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (saved_fd >= 0) { /* an assertion failed while capturing */
		dup2(saved_fd, 2);
		close(saved_fd);
		saved_fd = -1;
		fclose(cap);
	}
	log_set_level(LOG_QUIET);
	return 0;
}

static void test_error_format(void **state)
{
	char *out;

	(void)state;
	capture_start();
	assert_int_equal(error("cannot open %s", "x.txt"), -1);
	out = capture_end();
	assert_string_equal(out, "unit: error: cannot open x.txt\n");
	assert_string_equal(log_last_error(), "cannot open x.txt");
	free(out);
	log_clear_last_error();
	assert_string_equal(log_last_error(), "");
}

static void test_error_errno(void **state)
{
	char *out, want[256];

	(void)state;
	capture_start();
	errno = ENOENT;
	assert_int_equal(error_errno("cannot open %s", "y"), -1);
	assert_int_equal(errno, ENOENT); /* preserved for the caller */
	out = capture_end();
	snprintf(want, sizeof(want), "unit: error: cannot open y: %s\n", strerror(ENOENT));
	assert_string_equal(out, want);
	snprintf(want, sizeof(want), "cannot open y: %s", strerror(ENOENT));
	assert_string_equal(log_last_error(), want);
	free(out);
}

static void test_pid_prefix(void **state)
{
	char *out, want[128];

	(void)state;
	log_init("mrworker", 1);
	capture_start();
	error("x");
	out = capture_end();
	snprintf(want, sizeof(want), "mrworker[%ld]: error: x\n", (long)getpid());
	assert_string_equal(out, want);
	free(out);
}

/* A very long message is cut in last_error, never overflowing it. */
static void test_long_error(void **state)
{
	char *big = malloc(5000), *out;

	(void)state;
	assert_non_null(big);
	memset(big, 'e', 4999);
	big[4999] = '\0';
	capture_start();
	error("%s", big);
	errno = EACCES;
	error_errno("%s", big);
	out = capture_end();
	assert_true(strlen(log_last_error()) > 100);
	assert_true(strlen(log_last_error()) < 4999);
	free(out);
	free(big);
}

static void test_warning_keeps_last_error(void **state)
{
	char *out;

	(void)state;
	capture_start();
	error("first");
	warning("just a warning");
	out = capture_end();
	assert_non_null(strstr(out, "unit: warning: just a warning\n"));
	assert_string_equal(log_last_error(), "first");
	free(out);
}

static void test_levels(void **state)
{
	static const struct { enum log_level level; int info, verbose, debug; } cases[] = {
		{ LOG_QUIET, 0, 0, 0 }, { LOG_NORMAL, 1, 0, 0 },
		{ LOG_VERBOSE, 1, 1, 0 }, { LOG_DEBUG, 1, 1, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out;

		log_set_level(cases[i].level);
		assert_int_equal(log_get_level(), cases[i].level);
		capture_start();
		info("I-line");
		verbose("V-line");
		debug("D-line");
		error("E-line");
		out = capture_end();
		assert_int_equal(strstr(out, "I-line") != NULL, cases[i].info);
		assert_int_equal(strstr(out, "V-line") != NULL, cases[i].verbose);
		assert_int_equal(strstr(out, "D-line") != NULL, cases[i].debug);
		assert_non_null(strstr(out, "unit: error: E-line\n")); /* errors always */
		free(out);
	}
}

/* -q means "log errors only" (mrcoordinator --help, mrworker --help). */
static void test_quiet_hides_warnings(void **state)
{
	char *out;

	(void)state;
	log_set_level(LOG_QUIET);
	capture_start();
	warning("re-issuing something");
	error("real trouble");
	out = capture_end();
	assert_non_null(strstr(out, "real trouble"));
	if (strstr(out, "re-issuing something"))
		unit_fail("LOG_QUIET still prints warnings: %s", out);
	free(out);
}

static void test_timestamps(void **state)
{
	char *out;

	(void)state;
	log_set_timestamps(1);
	capture_start();
	error("stamped");
	out = capture_end();
	log_set_timestamps(0);
	/* "HH:MM:SS.mmm unit: error: stamped" */
	assert_true(strlen(out) > 13);
	assert_int_equal(out[2], ':');
	assert_int_equal(out[5], ':');
	assert_int_equal(out[8], '.');
	assert_non_null(strstr(out, " unit: error: stamped\n"));
	assert_string_equal(log_last_error(), "stamped");
	free(out);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_error_format),
		T(test_error_errno),
		T(test_pid_prefix),
		T(test_long_error),
		T(test_warning_keeps_last_error),
		T(test_levels),
		T(test_quiet_hides_warnings),
		T(test_timestamps),
	};

	UNIT_MAIN("log", tests);
}
