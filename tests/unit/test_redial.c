/* test_redial.c - unit tests of src/net/redial.c (reconnect pacing). */
#include "unit.h"

#include "net/redial.h"

/* Tries made over a window when each try takes `try_ms`; checks the bounds. */
static int count_tries(int64_t start, int64_t window, int64_t try_ms, int64_t *last_try)
{
	struct redial r;
	int64_t now = start, pause;
	int n = 0;

	redial_start(&r, start + window);
	while ((pause = redial_pause(&r, now)) >= 0) {
		assert_true(pause <= REDIAL_MAX_MS);
		now += pause;
		assert_true(now <= start + window); /* never a try past the deadline */
		*last_try = now;
		n++;
		assert_true(n <= window / REDIAL_FIRST_MS + 1);
		now += try_ms;
	}
	return n;
}

static void test_backoff(void **state)
{
	struct redial r;
	int64_t want[] = { 50, 100, 200, 400, 800, 1000, 1000, 1000 };
	int64_t now = 1000;

	(void)state;
	redial_start(&r, now + 60000);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int64_t p = redial_pause(&r, now);

		assert_int_equal(p, want[i]);
		now += p;
	}
}

static void test_window(void **state)
{
	int64_t last = -1;

	(void)state;
	/* 50+100+200+400 = 750 ms: then 250 ms left for one last try at 1000. */
	assert_int_equal(count_tries(0, 1000, 0, &last), 5);
	assert_int_equal(last, 1000);
	/* Slow tries (a TCP connect that times out) still end at the window. */
	assert_true(count_tries(0, 20000, REDIAL_MAX_TRY_MS, &last) >= 5);
	assert_true(last <= 20000);
	/* 20 s of instant failures: at most 20 + a few tries, about one a second. */
	assert_true(count_tries(5, 20000, 0, &last) <= 26);
	assert_int_equal(last, 20005);
}

static void test_empty_window(void **state)
{
	struct redial r;

	(void)state;
	redial_start(&r, 100);
	assert_int_equal(redial_pause(&r, 100), -1);
	assert_int_equal(redial_pause(&r, 500), -1);
	/* A window shorter than the first pause: one try at its end, then over. */
	redial_start(&r, 130);
	assert_int_equal(redial_pause(&r, 100), 30);
	assert_int_equal(redial_pause(&r, 130), -1);
}

static void test_try_bounds(void **state)
{
	struct redial r;

	(void)state;
	redial_start(&r, 10000);
	assert_int_equal(redial_try_ms(&r, 0), REDIAL_MAX_TRY_MS);
	assert_int_equal(redial_try_ms(&r, 9000), 1000);
	assert_int_equal(redial_try_ms(&r, 9950), REDIAL_MIN_TRY_MS);
	assert_int_equal(redial_try_ms(&r, 20000), REDIAL_MIN_TRY_MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_empty_window),
		cmocka_unit_test(test_try_bounds),
	};

	UNIT_MAIN("redial", tests);
}
