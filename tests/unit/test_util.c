/* test_util.c - parse_long, parse_size and the x* helpers of src/common/util.c. */
#include "unit.h"

#include "common/util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define SENTINEL_L 0x5a5aL
#define SENTINEL_U 0x5a5aull

static void long_ok(const char *s, long min, long max, long want)
{
	long v = SENTINEL_L;

	if (parse_long(s, min, max, &v) != 0)
		unit_fail("parse_long(\"%s\", %ld, %ld) failed; expected %ld", s, min, max, want);
	assert_int_equal(v, want);
}

static void long_bad(const char *s, long min, long max)
{
	long v = SENTINEL_L;

	if (parse_long(s, min, max, &v) != -1)
		unit_fail("parse_long(\"%s\", %ld, %ld) accepted it as %ld", s ? s : "(null)",
			 min, max, v);
	assert_int_equal(v, SENTINEL_L); /* *out untouched on failure */
}

static void size_ok(const char *s, uint64_t min, uint64_t max, uint64_t want)
{
	uint64_t v = SENTINEL_U;

	if (parse_size(s, min, max, &v) != 0)
		unit_fail("parse_size(\"%s\") failed; expected %llu", s, (unsigned long long)want);
	if (v != want)
		unit_fail("parse_size(\"%s\") = %llu; expected %llu", s, (unsigned long long)v,
			 (unsigned long long)want);
}

static void size_bad(const char *s, uint64_t min, uint64_t max)
{
	uint64_t v = SENTINEL_U;

	if (parse_size(s, min, max, &v) != -1)
		unit_fail("parse_size(\"%s\") accepted it as %llu", s ? s : "(null)",
			 (unsigned long long)v);
	assert_true(v == SENTINEL_U);
}

static void test_parse_long_valid(void **state)
{
	(void)state;
	long_ok("0", 0, 10, 0);
	long_ok("42", 0, 100, 42);
	long_ok("-7", -10, 10, -7);
	long_ok("+5", 0, 10, 5);
	long_ok("007", 0, 10, 7);
	long_ok("-0", 0, 0, 0);
	long_ok("9223372036854775807", LONG_MIN, LONG_MAX, LONG_MAX);
	long_ok("-9223372036854775808", LONG_MIN, LONG_MAX, LONG_MIN);
}

static void test_parse_long_bounds(void **state)
{
	(void)state;
	long_ok("1", 1, 100000, 1);
	long_ok("100000", 1, 100000, 100000);
	long_bad("0", 1, 100000);
	long_bad("100001", 1, 100000);
	long_bad("-1", 1, 100000);
	long_bad("5", 6, 4);        /* an empty range accepts nothing */
	long_ok("5", 5, 5, 5);
}

static void test_parse_long_junk(void **state)
{
	static const char *bad[] = {
		"", " ", " 5", "\t5", "\n5", "5 ", "5\n", "5x", "abc", "x5", "0x10",
		"1e3", "1.0", "5,000", "--5", "+-5", "-", "+", "1 2",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		long_bad(bad[i], LONG_MIN, LONG_MAX);
	long_bad(NULL, LONG_MIN, LONG_MAX);
}

static void test_parse_long_overflow(void **state)
{
	(void)state;
	long_bad("9223372036854775808", LONG_MIN, LONG_MAX);
	long_bad("-9223372036854775809", LONG_MIN, LONG_MAX);
	long_bad("99999999999999999999999999", LONG_MIN, LONG_MAX);
	long_bad("-99999999999999999999999999", LONG_MIN, LONG_MAX);
}

static void test_parse_size_plain(void **state)
{
	(void)state;
	size_ok("4096", 0, UINT64_MAX, 4096);
	size_ok("0", 0, UINT64_MAX, 0);
	size_ok("1", 0, UINT64_MAX, 1);
	size_ok("0001", 0, UINT64_MAX, 1);
	size_ok("18446744073709551615", 0, UINT64_MAX, UINT64_MAX);
}

static void test_parse_size_suffixes(void **state)
{
	(void)state;
	size_ok("64M", 0, UINT64_MAX, 64ull << 20);
	size_ok("64m", 0, UINT64_MAX, 64ull << 20);
	size_ok("1g", 0, UINT64_MAX, 1ull << 30);
	size_ok("1G", 0, UINT64_MAX, 1ull << 30);
	size_ok("1k", 0, UINT64_MAX, 1024);
	size_ok("1K", 0, UINT64_MAX, 1024);
	size_ok("10KB", 0, UINT64_MAX, 10240);
	size_ok("10kb", 0, UINT64_MAX, 10240);
	size_ok("3MB", 0, UINT64_MAX, 3ull << 20);
	size_ok("2GB", 0, UINT64_MAX, 2ull << 30);
	size_ok("0K", 0, UINT64_MAX, 0);
	size_ok("16777215G", 0, UINT64_MAX, 16777215ull << 30);
	size_ok("17179869183G", 0, UINT64_MAX, 17179869183ull << 30);
}

static void test_parse_size_junk(void **state)
{
	static const char *bad[] = {
		"", " ", " 64M", "64 M", "64M ", "M", "K", "KB", "64T", "64X", "5B", "5b",
		"64MBB", "64MiB", "1.5M", "-1", "+1", "-1K", "0x10", "1e3", "64M\n", "1,024",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		size_bad(bad[i], 0, UINT64_MAX);
	size_bad(NULL, 0, UINT64_MAX);
}

static void test_parse_size_overflow(void **state)
{
	(void)state;
	size_bad("18446744073709551616", 0, UINT64_MAX);
	size_bad("99999999999999999999999", 0, UINT64_MAX);
	size_bad("17179869184G", 0, UINT64_MAX);     /* 2^34 G = 2^64 */
	size_bad("18014398509481984M", 0, UINT64_MAX); /* 2^54 M = 2^74 */
	size_bad("18446744073709551615K", 0, UINT64_MAX);
}

/* Bounds apply to the value after the suffix. */
static void test_parse_size_bounds(void **state)
{
	(void)state;
	size_ok("1K", 1024, 1024, 1024);
	size_bad("1K", 0, 1023);
	size_bad("1K", 1025, UINT64_MAX);
	size_ok("4096", 4096, 1ull << 30, 4096);
	size_bad("4095", 4096, 1ull << 30);
	size_ok("1G", 4096, 1ull << 30, 1ull << 30);
	size_bad("1025M", 4096, 1ull << 30);
	size_bad("0", 1, 10);
}

static void test_xgrow(void **state)
{
	int *p = NULL;
	size_t cap = 0;

	(void)state;
	xgrow((void **)&p, &cap, 1, sizeof(*p));
	assert_non_null(p);
	assert_true(cap >= 1);
	p[0] = 17;
	xgrow((void **)&p, &cap, 1000, sizeof(*p));
	assert_true(cap >= 1000);
	assert_int_equal(p[0], 17);
	p[999] = 3;
	{
		int *same = p;
		size_t c = cap;

		xgrow((void **)&p, &cap, 10, sizeof(*p)); /* no shrink, no move */
		assert_ptr_equal(p, same);
		assert_int_equal(cap, c);
	}
	free(p);
}

static void test_xalloc(void **state)
{
	char *s = xstrdup("hello");
	char *z = xcalloc(4, 8);
	void *m = xmalloc(0);

	(void)state;
	assert_string_equal(s, "hello");
	for (int i = 0; i < 32; i++)
		assert_int_equal(z[i], 0);
	assert_non_null(m);
	s = xrealloc(s, 100);
	assert_string_equal(s, "hello");
	free(s);
	free(z);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_long_valid),
		cmocka_unit_test(test_parse_long_bounds),
		cmocka_unit_test(test_parse_long_junk),
		cmocka_unit_test(test_parse_long_overflow),
		cmocka_unit_test(test_parse_size_plain),
		cmocka_unit_test(test_parse_size_suffixes),
		cmocka_unit_test(test_parse_size_junk),
		cmocka_unit_test(test_parse_size_overflow),
		cmocka_unit_test(test_parse_size_bounds),
		cmocka_unit_test(test_xgrow),
		cmocka_unit_test(test_xalloc),
	};

	UNIT_MAIN("util", tests);
}
