/* test_options.c - unit tests of src/coordinator/options.c (the coordinator's command line). */
#include "unit.h"

#include "coordinator/options.h"

#include <stdlib.h>
#include <string.h>

#define MAXARGS 16

/* One parse: argv copied (getopt permutes it), out and err captured. */
struct run {
	int rc;
	struct coord_options o;
	int argc;
	char *argv[MAXARGS + 1];
	char *out, *err;
	size_t outlen, errlen;
};

/* Parse mrcoordinator ARGS... (a NULL-terminated list). */
static void parse(struct run *r, ...)
{
	FILE *out, *err;
	va_list ap;
	const char *a;

	memset(r, 0, sizeof(*r));
	r->argv[r->argc++] = strdup("mrcoordinator");
	va_start(ap, r);
	while ((a = va_arg(ap, const char *)) != NULL) {
		assert_true(r->argc < MAXARGS);
		r->argv[r->argc++] = strdup(a);
	}
	va_end(ap);
	r->argv[r->argc] = NULL;
	out = open_memstream(&r->out, &r->outlen);
	err = open_memstream(&r->err, &r->errlen);
	assert_non_null(out);
	assert_non_null(err);
	coord_options_init(&r->o);
	r->rc = coord_options_parse(&r->o, r->argc, r->argv, out, err);
	fclose(out);
	fclose(err);
}

static void run_free(struct run *r)
{
	for (int i = 0; i < r->argc; i++)
		free(r->argv[i]);
	free(r->out);
	free(r->err);
}

#define END ((const char *)NULL)

/* A usage error: exit 2, a message on err that contains `mention`, nothing on out. */
/* The command line as one string, for messages. */
static const char *cmdline(const struct run *r)
{
	static char buf[512];
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < r->argc && len < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s'%s'",
					i ? " " : "", r->argv[i]);
	return buf;
}

static void expect_usage_error(struct run *r, const char *mention)
{
	if (r->rc != 2)
		unit_fail("%s: returned %d, expected 2; err:\n%s", cmdline(r), r->rc, r->err);
	assert_int_equal(r->outlen, 0);
	assert_non_null(strstr(r->err, "mrcoordinator"));
	if (!strstr(r->err, mention))
		unit_fail("%s: the error message does not mention '%s':\n%s", cmdline(r),
			  mention, r->err);
	assert_non_null(strstr(r->err, "usage:"));
}

static void expect_ok(struct run *r)
{
	if (r->rc != 0)
		unit_fail("%s: returned %d, expected 0; err:\n%s", cmdline(r), r->rc, r->err);
	assert_int_equal(r->outlen, 0);
	assert_int_equal(r->errlen, 0);
}

static void test_defaults(void **state)
{
	struct coord_options o;

	(void)state;
	memset(&o, 0x5a, sizeof(o));
	coord_options_init(&o);
	assert_int_equal(o.job.nreduce, 10);
	assert_int_equal(o.job.timeout_ms, 10000);
	assert_int_equal(o.job.max_attempts, 4);
	assert_int_equal(o.job.wait_ms, 20);
	assert_null(o.socket);
	assert_int_equal(o.keep_intermediate, 0);
	assert_int_equal(o.log_level, LOG_NORMAL);
}

static void test_inputs_only(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "a.txt", "b.txt", END);
	expect_ok(&r);
	assert_int_equal(r.o.first_input, 1);
	assert_int_equal(r.o.job.nreduce, 10);
	assert_int_equal(r.o.job.timeout_ms, 10000);
	assert_int_equal(r.o.job.max_attempts, 4);
	assert_null(r.o.socket);
	assert_int_equal(r.o.log_level, LOG_NORMAL);
	run_free(&r);
}

static void test_nreduce_forms(void **state)
{
	static const char *forms[][2] = {
		{ "-n", "7" }, { "--nreduce", "7" }, { "--nreduce=7", NULL }, { "-n7", NULL },
		{ "--nred", "7" }, /* unambiguous prefix */
	};
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		if (forms[i][1])
			parse(&r, forms[i][0], forms[i][1], "in", END);
		else
			parse(&r, forms[i][0], "in", END);
		expect_ok(&r);
		assert_int_equal(r.o.job.nreduce, 7);
		assert_string_equal(r.argv[r.o.first_input], "in");
		run_free(&r);
	}
	parse(&r, "-n", "1", "in", END);
	expect_ok(&r);
	assert_int_equal(r.o.job.nreduce, 1);
	run_free(&r);
	parse(&r, "-n", "100000", "in", END);
	expect_ok(&r);
	assert_int_equal(r.o.job.nreduce, MAX_NREDUCE);
	run_free(&r);
	/* the last one wins */
	parse(&r, "-n", "3", "--nreduce", "5", "in", END);
	expect_ok(&r);
	assert_int_equal(r.o.job.nreduce, 5);
	run_free(&r);
}

static void test_nreduce_rejected(void **state)
{
	static const char *bad[] = { "0", "-1", "100001", "abc", "", "5x", " 5", "5 ",
				     "1e3", "0x10", "99999999999999999999" };
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char quoted[64];

		parse(&r, "--nreduce", bad[i], "in", END);
		expect_usage_error(&r, "--nreduce");
		snprintf(quoted, sizeof(quoted), "'%s'", bad[i]);
		expect_usage_error(&r, quoted);   /* says which value */
		run_free(&r);
		parse(&r, "-n", bad[i], "in", END);
		expect_usage_error(&r, "--nreduce");
		run_free(&r);
	}
}

static void test_task_timeout(void **state)
{
	static const struct { const char *arg; int64_t ms; } good[] = {
		{ "1", 1000 }, { "10", 10000 }, { "0.5", 500 }, { "2.25", 2250 },
		{ "0.0001", 1 }, { "1e1", 10000 }, { "86400", 86400000 },
	};
	static const char *bad[] = { "0", "-1", "abc", "", "0.5s", "86401", "nan", "inf",
				     "-0.5", "1,5" };
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		parse(&r, "--task-timeout", good[i].arg, "in", END);
		expect_ok(&r);
		assert_int_equal(r.o.job.timeout_ms, good[i].ms);
		run_free(&r);
		parse(&r, "-t", good[i].arg, "in", END);
		expect_ok(&r);
		assert_int_equal(r.o.job.timeout_ms, good[i].ms);
		run_free(&r);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse(&r, "--task-timeout", bad[i], "in", END);
		expect_usage_error(&r, "--task-timeout");
		run_free(&r);
		parse(&r, "-t", bad[i], "in", END);
		expect_usage_error(&r, "--task-timeout");
		run_free(&r);
	}
}

static void test_max_attempts(void **state)
{
	static const char *bad[] = { "0", "-3", "x", "", "1000001", "2.5" };
	struct run r;

	(void)state;
	parse(&r, "--max-attempts", "7", "in", END);
	expect_ok(&r);
	assert_int_equal(r.o.job.max_attempts, 7);
	run_free(&r);
	parse(&r, "--max-attempts=1", "in", END);
	expect_ok(&r);
	assert_int_equal(r.o.job.max_attempts, 1);
	run_free(&r);
	parse(&r, "--max-attempts", "1000000", "in", END);
	expect_ok(&r);
	assert_int_equal(r.o.job.max_attempts, 1000000);
	run_free(&r);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse(&r, "--max-attempts", bad[i], "in", END);
		expect_usage_error(&r, "--max-attempts");
		run_free(&r);
	}
}

static void test_socket_and_flags(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "-s", "/tmp/x.sock", "in", END);
	expect_ok(&r);
	assert_string_equal(r.o.socket, "/tmp/x.sock");
	run_free(&r);
	parse(&r, "--socket", "rel.sock", "in", END);
	expect_ok(&r);
	assert_string_equal(r.o.socket, "rel.sock");
	run_free(&r);
	parse(&r, "--socket=/a b/c", "in", END);
	expect_ok(&r);
	assert_string_equal(r.o.socket, "/a b/c");
	run_free(&r);
	parse(&r, "--keep-intermediate", "in", END);
	expect_ok(&r);
	assert_int_equal(r.o.keep_intermediate, 1);
	run_free(&r);
}

static void test_verbosity(void **state)
{
	static const struct { const char *a, *b; int level; } cases[] = {
		{ "-v", NULL, LOG_VERBOSE }, { "--verbose", NULL, LOG_VERBOSE },
		{ "-vv", NULL, LOG_DEBUG }, { "-v", "--verbose", LOG_DEBUG },
		{ "-vvvv", NULL, LOG_DEBUG }, { "-q", NULL, LOG_QUIET },
		{ "--quiet", NULL, LOG_QUIET }, { "-v", "-q", LOG_QUIET },
	};
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].b)
			parse(&r, cases[i].a, cases[i].b, "in", END);
		else
			parse(&r, cases[i].a, "in", END);
		expect_ok(&r);
		assert_int_equal(r.o.log_level, cases[i].level);
		run_free(&r);
	}
}

static void test_all_short_together(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "-vn", "3", "-t", "0.25", "-s", "s.sock", "a", "b", "c", END);
	expect_ok(&r);
	assert_int_equal(r.o.job.nreduce, 3);
	assert_int_equal(r.o.job.timeout_ms, 250);
	assert_string_equal(r.o.socket, "s.sock");
	assert_int_equal(r.o.log_level, LOG_VERBOSE);
	assert_int_equal(r.o.first_input, 7);
	assert_int_equal(r.argc - r.o.first_input, 3);
	run_free(&r);
}

static void test_unknown_option(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "-x", "in", END);
	expect_usage_error(&r, "-x");
	run_free(&r);
	parse(&r, "--bogus", "in", END);
	expect_usage_error(&r, "--bogus");
	run_free(&r);
	parse(&r, "in", "--frobnicate=3", END);
	expect_usage_error(&r, "--frobnicate");
	run_free(&r);
	/* a flag given an argument it does not take */
	parse(&r, "--verbose=2", "in", END);
	expect_usage_error(&r, "--verbose");
	run_free(&r);
}

/* An unknown letter at the front of a cluster: the message must name that letter. */
static void test_unknown_option_in_cluster(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "-xv", "in", END);
	expect_usage_error(&r, "-x");
	run_free(&r);
	parse(&r, "-n", "3", "-zq", "in", END);
	expect_usage_error(&r, "-z");
	run_free(&r);
}

static void test_missing_argument(void **state)
{
	static const char *opts[] = { "-n", "--nreduce", "-t", "--task-timeout", "-s",
				      "--socket", "--max-attempts" };
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		parse(&r, "in", opts[i], END);
		expect_usage_error(&r, opts[i]);
		assert_non_null(strstr(r.err, "argument"));
		run_free(&r);
	}
}

static void test_no_inputs(void **state)
{
	struct run r;

	(void)state;
	parse(&r, END);
	expect_usage_error(&r, "input");
	run_free(&r);
	parse(&r, "-n", "3", "-v", END);
	expect_usage_error(&r, "input");
	run_free(&r);
	parse(&r, "--", END);
	expect_usage_error(&r, "input");
	run_free(&r);
}

/* --inputs-from stands in for INPUTs; --output takes a directory. */
static void test_inputs_from_and_output(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "--inputs-from", "list", END);
	expect_ok(&r);
	assert_string_equal(r.o.inputs_from, "list");
	assert_int_equal(r.o.first_input, 3);
	assert_null(r.o.output_dir);
	run_free(&r);
	parse(&r, "-o", "res", "--inputs-from", "-", "a.txt", END);
	expect_ok(&r);
	assert_string_equal(r.o.inputs_from, "-");
	assert_string_equal(r.o.output_dir, "res");
	assert_string_equal(r.argv[r.o.first_input], "a.txt");
	run_free(&r);
	parse(&r, "--inputs-from", "a", "--inputs-from", "b", END);
	expect_usage_error(&r, "--inputs-from");
	run_free(&r);
	parse(&r, "--output", "", "a.txt", END);
	expect_usage_error(&r, "--output");
	run_free(&r);
	parse(&r, "--output", END);
	expect_usage_error(&r, "--output");
	run_free(&r);
}

static void test_help(void **state)
{
	static const char *forms[] = { "-h", "--help", "--he" };
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		parse(&r, forms[i], END);
		assert_int_equal(r.rc, 1);
		assert_int_equal(r.errlen, 0);
		assert_non_null(strstr(r.out, "usage: mrcoordinator"));
		assert_non_null(strstr(r.out, "--nreduce"));
		assert_non_null(strstr(r.out, "--task-timeout"));
		assert_non_null(strstr(r.out, "--max-attempts"));
		run_free(&r);
	}
	/* help wins over inputs */
	parse(&r, "in", "--help", END);
	assert_int_equal(r.rc, 1);
	run_free(&r);
}

static void test_first_input(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "-n", "3", "a", "b", END);
	expect_ok(&r);
	assert_int_equal(r.o.first_input, 3);
	assert_string_equal(r.argv[3], "a");
	assert_string_equal(r.argv[4], "b");
	run_free(&r);
	/* options after inputs (GNU permutation): the inputs still end up last, in order */
	parse(&r, "a", "-n", "3", "b", "-v", "c", END);
	expect_ok(&r);
	assert_int_equal(r.o.job.nreduce, 3);
	assert_int_equal(r.o.log_level, LOG_VERBOSE);
	assert_int_equal(r.argc - r.o.first_input, 3);
	assert_string_equal(r.argv[r.o.first_input], "a");
	assert_string_equal(r.argv[r.o.first_input + 1], "b");
	assert_string_equal(r.argv[r.o.first_input + 2], "c");
	run_free(&r);
	/* "--" ends the options: an input may start with '-' */
	parse(&r, "-q", "--", "-weird", "x", END);
	expect_ok(&r);
	assert_int_equal(r.o.first_input, 3);
	assert_string_equal(r.argv[3], "-weird");
	assert_string_equal(r.argv[4], "x");
	run_free(&r);
	/* a lone "-" is an input, not an option */
	parse(&r, "-", END);
	expect_ok(&r);
	assert_int_equal(r.o.first_input, 1);
	run_free(&r);
}

/* getopt state does not leak from one parse to the next. */
static void test_parse_twice(void **state)
{
	struct run r;

	(void)state;
	parse(&r, "-n", "4", "a", "b", "c", END);
	expect_ok(&r);
	assert_int_equal(r.o.first_input, 3);
	run_free(&r);
	parse(&r, "x", END);
	expect_ok(&r);
	assert_int_equal(r.o.first_input, 1);
	assert_int_equal(r.o.job.nreduce, 10);
	run_free(&r);
	/* stop in the middle of a cluster, then parse again */
	parse(&r, "-vx", "-q", "in", END);
	assert_int_equal(r.rc, 2);
	run_free(&r);
	parse(&r, "-q", "in", END);
	expect_ok(&r);
	assert_int_equal(r.o.log_level, LOG_QUIET);
	assert_int_equal(r.o.first_input, 2);
	run_free(&r);
	parse(&r, "-vq", "in", END);  /* the cluster is read from its start */
	expect_ok(&r);
	assert_int_equal(r.o.log_level, LOG_QUIET);
	run_free(&r);
	for (int i = 0; i < 50; i++) {
		parse(&r, i % 2 ? "-n3" : "--nreduce=9", "f", END);
		expect_ok(&r);
		assert_int_equal(r.o.job.nreduce, i % 2 ? 3 : 9);
		assert_int_equal(r.o.first_input, 2);
		run_free(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_inputs_only),
		cmocka_unit_test(test_nreduce_forms),
		cmocka_unit_test(test_nreduce_rejected),
		cmocka_unit_test(test_task_timeout),
		cmocka_unit_test(test_max_attempts),
		cmocka_unit_test(test_socket_and_flags),
		cmocka_unit_test(test_verbosity),
		cmocka_unit_test(test_all_short_together),
		cmocka_unit_test(test_unknown_option),
		cmocka_unit_test(test_unknown_option_in_cluster),
		cmocka_unit_test(test_missing_argument),
		cmocka_unit_test(test_no_inputs),
		cmocka_unit_test(test_inputs_from_and_output),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_first_input),
		cmocka_unit_test(test_parse_twice),
	};

	UNIT_MAIN("options", tests);
}
