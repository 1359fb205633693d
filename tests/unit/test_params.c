/* test_params.c - job parameters (src/common/params.c): rules, order, equality. */
#include "unit.h"

#include "common/log.h"
#include "common/params.h"

#include <stdlib.h>
#include <string.h>

static void test_add_and_get(void **state)
{
	struct params ps;

	(void)state;
	params_init(&ps);
	assert_int_equal(params_add_arg(&ps, "map=python3 map.py"), 0);
	assert_int_equal(params_add_arg(&ps, "empty="), 0);
	assert_int_equal(params_add_arg(&ps, "eq=a=b=c"), 0);
	assert_int_equal(params_add_arg(&ps, "A.b-c_9=\xff\xfe tab\there"), 0);
	assert_string_equal(params_get(&ps, "map"), "python3 map.py");
	assert_string_equal(params_get(&ps, "empty"), "");
	assert_string_equal(params_get(&ps, "eq"), "a=b=c");
	assert_string_equal(params_get(&ps, "A.b-c_9"), "\xff\xfe tab\there");
	assert_null(params_get(&ps, "ma"));
	assert_null(params_get(&ps, "mapx"));
	assert_null(params_get(&ps, ""));
	assert_null(params_get(&ps, NULL));
	/* sorted by key, bytewise */
	assert_int_equal(ps.n, 4);
	for (size_t i = 1; i < ps.n; i++)
		assert_true(strcmp(ps.v[i - 1].key, ps.v[i].key) < 0);
	params_release(&ps);
}

static void test_rules(void **state)
{
	struct params ps;
	char big[PARAMS_MAX_VALUE + 16];

	(void)state;
	log_init("test_params", 1);
	params_init(&ps);
	assert_int_equal(params_add_arg(&ps, "novalue"), -1);
	assert_int_equal(params_add_arg(&ps, "=x"), -1);
	assert_int_equal(params_add_arg(&ps, "bad key=x"), -1);
	assert_int_equal(params_add_arg(&ps, "k\xc3\xa9=x"), -1);
	assert_int_equal(params_add_arg(&ps, "k=1"), 0);
	assert_int_equal(params_add_arg(&ps, "k=2"), -1);           /* twice */
	assert_string_equal(params_get(&ps, "k"), "1");
	assert_int_equal(params_add(&ps, "n", 1, "a\0b", 3), -1);  /* NUL inside */
	/* key length: 64 fine, 65 not */
	memset(big, 'k', 65);
	assert_int_equal(params_add(&ps, big, 65, "", 0), -1);
	assert_int_equal(params_add(&ps, big, 64, "", 0), 0);
	/* value length: the limit fine, one more not */
	memset(big, 'v', sizeof(big));
	assert_int_equal(params_add(&ps, "v1", 2, big, PARAMS_MAX_VALUE), 0);
	assert_int_equal(params_add(&ps, "v2", 2, big, PARAMS_MAX_VALUE + 1), -1);
	assert_int_equal(strlen(params_get(&ps, "v1")), PARAMS_MAX_VALUE);
	params_release(&ps);
	/* at most PARAMS_MAX */
	params_init(&ps);
	for (int i = 0; i < PARAMS_MAX; i++) {
		char arg[32];

		snprintf(arg, sizeof(arg), "p%03d=%d", i, i);
		assert_int_equal(params_add_arg(&ps, arg), 0);
	}
	assert_int_equal(params_add_arg(&ps, "one=more"), -1);
	params_release(&ps);
}

static void test_equal_and_hash(void **state)
{
	struct params a, b, c;

	(void)state;
	params_init(&a);
	params_init(&b);
	params_init(&c);
	assert_int_equal(params_hash(&a), 0);
	assert_true(params_equal(&a, &b));
	params_add_arg(&a, "x=1");
	params_add_arg(&a, "y=2");
	params_add_arg(&b, "y=2");
	params_add_arg(&b, "x=1");
	assert_true(params_equal(&a, &b));
	assert_int_equal(params_hash(&a), params_hash(&b));
	assert_int_not_equal(params_hash(&a), 0);
	/* "x=1y" vs "x1=y": the boundaries count */
	params_add_arg(&c, "x=1");
	params_add_arg(&c, "y=");
	assert_false(params_equal(&a, &c));
	assert_int_not_equal(params_hash(&a), params_hash(&c));
	params_clear(&c);
	assert_int_equal(c.n, 0);
	params_add_arg(&c, "x=1");
	params_add_arg(&c, "y=3");
	assert_false(params_equal(&a, &c));
	assert_int_not_equal(params_hash(&a), params_hash(&c));
	params_release(&a);
	params_release(&b);
	params_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_get),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_equal_and_hash),
	};

	UNIT_MAIN("params", tests);
}
