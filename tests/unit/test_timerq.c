/* test_timerq.c - unit tests of src/coordinator/timerq.c (the deadline heap). */
#include "unit.h"

#include "coordinator/timerq.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_empty(void **state)
{
	struct timerq q;
	struct timer t = { 7, 7, 7 };

	(void)state;
	timerq_init(&q);
	assert_int_equal(q.len, 0);
	assert_int_equal(timerq_next_timeout(&q, 0, 1000), 1000);
	assert_int_equal(timerq_next_timeout(&q, INT64_MAX, 5), 5);
	assert_int_equal(timerq_next_timeout(&q, -5, 0), 0);
	assert_int_equal(timerq_pop_expired(&q, INT64_MAX, &t), 0);
	/* *out is left alone when nothing pops */
	assert_int_equal(t.deadline_ms, 7);
	assert_int_equal(t.task, 7);
	assert_int_equal(t.attempt, 7);
	timerq_release(&q);
	timerq_release(&q); /* release of a released queue is harmless */
	assert_int_equal(q.len, 0);
}

/* Many random deadlines (duplicates and negatives included) pop sorted. */
static void test_random_order(void **state)
{
	enum { N = 20000 };
	uint64_t rng = 0x1234567;
	int64_t *want = malloc(N * sizeof(*want));
	int64_t *by_task = malloc(N * sizeof(*by_task));
	unsigned char *seen = calloc(N, 1);
	struct timerq q;
	struct timer t;
	size_t n = 0;
	int64_t last = INT64_MIN;

	(void)state;
	assert_non_null(want);
	assert_non_null(by_task);
	assert_non_null(seen);
	timerq_init(&q);
	for (uint32_t i = 0; i < N; i++) {
		/* a small range forces many equal deadlines */
		int64_t d = (int64_t)(unit_rand(&rng) % 5000) - 1000;

		if (i % 1000 == 0)
			d = i % 2000 ? INT64_MAX - 1 : INT64_MIN + 1;
		want[i] = d;
		by_task[i] = d;
		timerq_add(&q, d, i, (uint64_t)i * 3 + 1);
		assert_int_equal(q.len, i + 1);
	}
	qsort(want, N, sizeof(*want), cmp_i64);
	while (timerq_pop_expired(&q, INT64_MAX, &t)) {
		assert_true(n < N);
		assert_true(t.deadline_ms >= last);
		assert_true(t.deadline_ms == want[n]);
		assert_true(t.task < N);
		assert_false(seen[t.task]);
		seen[t.task] = 1;
		/* the entry comes back whole: deadline, task and attempt together */
		assert_true(t.deadline_ms == by_task[t.task]);
		assert_int_equal(t.attempt, (uint64_t)t.task * 3 + 1);
		last = t.deadline_ms;
		n++;
		assert_int_equal(q.len, N - n);
	}
	assert_int_equal(n, N);
	timerq_release(&q);
	free(want);
	free(by_task);
	free(seen);
}

/* Adds and pops interleaved, checked against a plain array. */
static void test_interleaved(void **state)
{
	enum { ROUNDS = 20000 };
	uint64_t rng = 99;
	int64_t *ref = malloc(ROUNDS * sizeof(*ref));
	size_t nref = 0;
	int64_t now = 0;
	struct timerq q;
	struct timer t;

	(void)state;
	assert_non_null(ref);
	timerq_init(&q);
	for (int r = 0; r < ROUNDS; r++) {
		if (unit_rand(&rng) % 3) {
			int64_t d = now + (int64_t)(unit_rand(&rng) % 200);

			timerq_add(&q, d, (uint32_t)r, 0);
			ref[nref++] = d;
		}
		now += (int64_t)(unit_rand(&rng) % 5);
		/* pop everything due; it must be exactly the due part of ref */
		qsort(ref, nref, sizeof(*ref), cmp_i64);
		size_t due = 0;

		while (due < nref && ref[due] <= now)
			due++;
		for (size_t i = 0; i < due; i++) {
			assert_int_equal(timerq_pop_expired(&q, now, &t), 1);
			assert_true(t.deadline_ms == ref[i]);
		}
		assert_int_equal(timerq_pop_expired(&q, now, &t), 0);
		memmove(ref, ref + due, (nref - due) * sizeof(*ref));
		nref -= due;
		assert_int_equal(q.len, nref);
		if (nref) {
			int64_t wait = ref[0] - now;

			assert_int_equal(timerq_next_timeout(&q, now, 1000),
					 wait > 1000 ? 1000 : (int)wait);
		} else {
			assert_int_equal(timerq_next_timeout(&q, now, 1000), 1000);
		}
	}
	timerq_release(&q);
	free(ref);
}

/* Equal deadlines: none pops early, all pop at the deadline, each once. */
static void test_ties(void **state)
{
	enum { N = 257 };
	unsigned char seen[N] = { 0 };
	struct timerq q;
	struct timer t;

	(void)state;
	timerq_init(&q);
	timerq_add(&q, 50, 1000, 0);
	for (uint32_t i = 0; i < N; i++)
		timerq_add(&q, 100, i, i);
	timerq_add(&q, 150, 2000, 0);
	assert_int_equal(timerq_pop_expired(&q, 99, &t), 1);
	assert_int_equal(t.task, 1000);
	assert_int_equal(timerq_pop_expired(&q, 99, &t), 0);
	assert_int_equal(timerq_next_timeout(&q, 99, 1000), 1);
	for (int i = 0; i < N; i++) {
		assert_int_equal(timerq_pop_expired(&q, 100, &t), 1);
		assert_int_equal(t.deadline_ms, 100);
		assert_true(t.task < N);
		assert_int_equal(t.attempt, t.task);
		assert_false(seen[t.task]);
		seen[t.task] = 1;
	}
	assert_int_equal(timerq_pop_expired(&q, 100, &t), 0);
	assert_int_equal(q.len, 1);
	assert_int_equal(timerq_pop_expired(&q, 1000, &t), 1);
	assert_int_equal(t.task, 2000);
	timerq_release(&q);
}

static void test_next_timeout_clamp(void **state)
{
	struct timerq q;

	(void)state;
	timerq_init(&q);
	timerq_add(&q, 1000, 1, 1);
	/* past and exactly due -> 0 */
	assert_int_equal(timerq_next_timeout(&q, 1001, 500), 0);
	assert_int_equal(timerq_next_timeout(&q, 1000000, 500), 0);
	assert_int_equal(timerq_next_timeout(&q, 1000, 500), 0);
	/* in range -> the distance */
	assert_int_equal(timerq_next_timeout(&q, 999, 500), 1);
	assert_int_equal(timerq_next_timeout(&q, 500, 500), 500);
	assert_int_equal(timerq_next_timeout(&q, 501, 500), 499);
	/* far -> max */
	assert_int_equal(timerq_next_timeout(&q, 499, 500), 500);
	assert_int_equal(timerq_next_timeout(&q, -1000000, 500), 500);
	assert_int_equal(timerq_next_timeout(&q, 0, 0), 0);
	timerq_release(&q);

	/* a distance beyond int range clamps, no truncation to a small or negative int */
	timerq_init(&q);
	timerq_add(&q, INT64_MAX, 1, 1);
	assert_int_equal(timerq_next_timeout(&q, 0, INT_MAX), INT_MAX);
	assert_int_equal(timerq_next_timeout(&q, 0, 1000), 1000);
	timerq_release(&q);
	timerq_init(&q);
	timerq_add(&q, ((int64_t)1 << 32) + 5, 1, 1);
	assert_int_equal(timerq_next_timeout(&q, 0, INT_MAX), INT_MAX);
	assert_int_equal(timerq_next_timeout(&q, 0, 10), 10);
	timerq_release(&q);
}

/* The earliest deadline decides, whatever the insertion order. */
static void test_next_timeout_tracks_min(void **state)
{
	struct timerq q;
	struct timer t;

	(void)state;
	timerq_init(&q);
	timerq_add(&q, 300, 3, 0);
	assert_int_equal(timerq_next_timeout(&q, 0, 10000), 300);
	timerq_add(&q, 100, 1, 0);
	assert_int_equal(timerq_next_timeout(&q, 0, 10000), 100);
	timerq_add(&q, 200, 2, 0);
	assert_int_equal(timerq_next_timeout(&q, 0, 10000), 100);
	assert_int_equal(timerq_pop_expired(&q, 100, &t), 1);
	assert_int_equal(t.task, 1);
	assert_int_equal(timerq_next_timeout(&q, 100, 10000), 100);
	assert_int_equal(timerq_pop_expired(&q, 250, &t), 1);
	assert_int_equal(t.task, 2);
	assert_int_equal(timerq_pop_expired(&q, 250, &t), 0);
	assert_int_equal(timerq_next_timeout(&q, 250, 10000), 50);
	timerq_release(&q);
}

static void test_pop_only_when_due(void **state)
{
	struct timerq q;
	struct timer t;

	(void)state;
	timerq_init(&q);
	timerq_add(&q, 100, 42, 9);
	memset(&t, 0xab, sizeof(t));
	assert_int_equal(timerq_pop_expired(&q, 0, &t), 0);
	assert_int_equal(timerq_pop_expired(&q, 99, &t), 0);
	assert_int_equal(timerq_pop_expired(&q, INT64_MIN, &t), 0);
	assert_int_equal(q.len, 1);
	{
		struct timer untouched;

		memset(&untouched, 0xab, sizeof(untouched));
		assert_memory_equal(&t, &untouched, sizeof(t));
	}
	assert_int_equal(timerq_pop_expired(&q, 100, &t), 1);
	assert_int_equal(t.deadline_ms, 100);
	assert_int_equal(t.task, 42);
	assert_int_equal(t.attempt, 9);
	assert_int_equal(q.len, 0);
	assert_int_equal(timerq_pop_expired(&q, 100, &t), 0);
	timerq_release(&q);
}

/* One task, many attempts: every entry is kept and comes back in deadline order. */
static void test_duplicates_same_task(void **state)
{
	struct timerq q;
	struct timer t;

	(void)state;
	timerq_init(&q);
	timerq_add(&q, 3000, 5, 3);
	timerq_add(&q, 1000, 5, 1);
	timerq_add(&q, 2000, 5, 2);
	timerq_add(&q, 2000, 5, 2); /* an exact duplicate stays a separate entry */
	assert_int_equal(q.len, 4);
	assert_int_equal(timerq_pop_expired(&q, 5000, &t), 1);
	assert_int_equal(t.task, 5);
	assert_int_equal(t.attempt, 1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(timerq_pop_expired(&q, 5000, &t), 1);
		assert_int_equal(t.task, 5);
		assert_int_equal(t.attempt, 2);
		assert_int_equal(t.deadline_ms, 2000);
	}
	assert_int_equal(timerq_pop_expired(&q, 5000, &t), 1);
	assert_int_equal(t.attempt, 3);
	assert_int_equal(timerq_pop_expired(&q, 5000, &t), 0);
	timerq_release(&q);
}

/* The full uint32 task and uint64 attempt ranges survive the heap. */
static void test_extreme_ids(void **state)
{
	struct timerq q;
	struct timer t;

	(void)state;
	timerq_init(&q);
	timerq_add(&q, 2, UINT32_MAX, UINT64_MAX);
	timerq_add(&q, 1, 0, 0);
	assert_int_equal(timerq_pop_expired(&q, 10, &t), 1);
	assert_int_equal(t.task, 0);
	assert_int_equal(timerq_pop_expired(&q, 10, &t), 1);
	assert_true(t.task == UINT32_MAX);
	assert_true(t.attempt == UINT64_MAX);
	timerq_release(&q);
}

/* Release and reuse; and emptying a queue fully then refilling it. */
static void test_release_reuse(void **state)
{
	struct timerq q;
	struct timer t;

	(void)state;
	timerq_init(&q);
	for (uint32_t i = 0; i < 100; i++)
		timerq_add(&q, 100 - i, i, 0);
	timerq_release(&q);
	assert_int_equal(q.len, 0);
	assert_int_equal(timerq_pop_expired(&q, INT64_MAX, &t), 0);
	timerq_add(&q, 5, 1, 1);
	while (timerq_pop_expired(&q, INT64_MAX, &t))
		;
	assert_int_equal(q.len, 0);
	timerq_add(&q, 7, 2, 2);
	assert_int_equal(timerq_next_timeout(&q, 0, 100), 7);
	assert_int_equal(timerq_pop_expired(&q, 7, &t), 1);
	assert_int_equal(t.task, 2);
	timerq_release(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_random_order),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_ties),
		cmocka_unit_test(test_next_timeout_clamp),
		cmocka_unit_test(test_next_timeout_tracks_min),
		cmocka_unit_test(test_pop_only_when_due),
		cmocka_unit_test(test_duplicates_same_task),
		cmocka_unit_test(test_extreme_ids),
		cmocka_unit_test(test_release_reuse),
	};

	UNIT_MAIN("timerq", tests);
}
