/*
 * test_jrec.c - the job journal's records (src/coordinator/jrec.c): every
 * type round-trips; a payload that is short by any number of bytes, has a
 * byte too many, or claims more elements than it holds is refused.
 */
#include "unit.h"

#include "coordinator/jrec.h"

#include <stdlib.h>
#include <string.h>

static void test_spec_input_start_round_trip(void **state)
{
	struct jbuf b = { 0 };
	struct jrec_spec s = { 0x1234567890abcdefull, 10, 64ull << 20, JREC_SKIP_BAD_RECORDS, 8,
			       0xfeedfacecafebeefull }, s2;
	struct jrec_start st = { 3, 1700000000123 }, st2;
	struct jrec_input in;

	(void)state;
	jrec_put_spec(&b, &s);
	assert_int_equal(jrec_get_spec(b.p, b.len, &s2), 0);
	assert_int_equal(s2.job_id, s.job_id);
	assert_int_equal(s2.nreduce, 10);
	assert_int_equal(s2.split_size, 64ull << 20);
	assert_int_equal(s2.flags, JREC_SKIP_BAD_RECORDS);
	assert_int_equal(s2.ninputs, 8);
	assert_int_equal(s2.params_hash, 0xfeedfacecafebeefull);
	jbuf_reset(&b);
	jrec_put_input(&b, "data/pg-grimm.txt", 540174, 1700000000123456789);
	assert_int_equal(jrec_get_input(b.p, b.len, &in), 0);
	assert_true(jstr_eq(in.name, "data/pg-grimm.txt"));
	assert_false(jstr_eq(in.name, "data/pg-grimm.tx"));
	assert_int_equal(in.size, 540174);
	assert_int_equal(in.mtime_ns, 1700000000123456789);
	jbuf_reset(&b);
	jrec_put_start(&b, &st);
	assert_int_equal(jrec_get_start(b.p, b.len, &st2), 0);
	assert_int_equal(st2.incarnation, 3);
	assert_int_equal(st2.time_ms, st.time_ms);
	jbuf_release(&b);
}

static void put_done_sample(struct jbuf *b)
{
	int64_t sizes[3] = { 100, -1, 0 };
	const char *names[2] = { "mr.map.input.bytes", "user" };
	int64_t values[2] = { 42, -7 };

	jrec_put_done(b, JREC_MAP, 7, (5ull << 32) | 9, "10.0.0.1:7001", sizes, 3, names,
		      values, 2);
}

static void test_done_round_trip(void **state)
{
	struct jbuf b = { 0 };
	struct jrec_done d;

	(void)state;
	put_done_sample(&b);
	assert_int_equal(jrec_get_done(b.p, b.len, &d), 0);
	assert_int_equal(d.kind, JREC_MAP);
	assert_int_equal(d.id, 7);
	assert_int_equal(d.attempt, (5ull << 32) | 9);
	assert_true(jstr_eq(d.holder, "10.0.0.1:7001"));
	assert_int_equal(d.nsizes, 3);
	assert_int_equal(d.sizes[0], 100);
	assert_int_equal(d.sizes[1], -1);
	assert_int_equal(d.ncounters, 2);
	assert_true(jstr_eq(d.counters[1].name, "user"));
	assert_int_equal(d.counters[1].value, -7);
	jrec_done_release(&d);
	/* An empty holder, no sizes, no counters. */
	jbuf_reset(&b);
	jrec_put_done(&b, JREC_REDUCE, 0, 1, NULL, NULL, 0, NULL, NULL, 0);
	assert_int_equal(jrec_get_done(b.p, b.len, &d), 0);
	assert_int_equal(d.holder.len, 0);
	assert_int_equal(d.nsizes, 0);
	jrec_done_release(&d);
	jbuf_release(&b);
}

/* Every prefix, and one byte more, of a DONE payload is refused. */
static void test_done_truncated_or_long(void **state)
{
	struct jbuf b = { 0 };
	struct jrec_done d;
	unsigned char *copy;

	(void)state;
	put_done_sample(&b);
	for (size_t n = 0; n < b.len; n++)
		assert_int_equal(jrec_get_done(b.p, n, &d), -1);
	copy = calloc(b.len + 1, 1);
	assert_non_null(copy);
	memcpy(copy, b.p, b.len);
	assert_int_equal(jrec_get_done(copy, b.len + 1, &d), -1);
	free(copy);
	jbuf_release(&b);
}

/* A count larger than the payload can hold is refused before any allocation. */
static void test_done_huge_counts(void **state)
{
	struct jbuf b = { 0 };
	struct jrec_done d;

	(void)state;
	put_done_sample(&b);
	/* kind 4, id 4, attempt 8, holder 4 + 13: nsizes follows. */
	b.p[33] = 0xff;
	b.p[34] = 0xff;
	b.p[35] = 0xff;
	b.p[36] = 0x7f;
	assert_int_equal(jrec_get_done(b.p, b.len, &d), -1);
	/* A kind that is neither map nor reduce. */
	jbuf_reset(&b);
	put_done_sample(&b);
	b.p[0] = 9;
	assert_int_equal(jrec_get_done(b.p, b.len, &d), -1);
	jbuf_release(&b);
}

static void test_small_records_exact(void **state)
{
	struct jbuf b = { 0 };
	struct jrec_rerun r = { 3, 2 }, r2;
	struct jrec_end e = { 0 }, e2;
	struct jrec_spec s;

	(void)state;
	jrec_put_rerun(&b, &r);
	assert_int_equal(jrec_get_rerun(b.p, b.len, &r2), 0);
	assert_int_equal(r2.map, 3);
	assert_int_equal(r2.why, 2);
	assert_int_equal(jrec_get_rerun(b.p, b.len - 1, &r2), -1);
	assert_int_equal(jrec_get_spec(b.p, b.len, &s), -1); /* another type's size */
	jbuf_reset(&b);
	jrec_put_end(&b, &e);
	assert_int_equal(jrec_get_end(b.p, b.len, &e2), 0);
	assert_int_equal(jrec_get_end(b.p, 0, &e2), -1);
	assert_string_equal(jrec_type_name(JREC_DONE), "done");
	assert_string_equal(jrec_type_name(0), "unknown");
	assert_string_equal(jrec_type_name(99), "unknown");
	jbuf_release(&b);
}

/* OUTPUT: the --output directory, whole or refused. */
static void test_output_round_trip(void **state)
{
	struct jbuf b = { 0 };
	struct jstr dir;

	(void)state;
	jrec_put_output(&b, "results/2026");
	assert_int_equal(jrec_get_output(b.p, b.len, &dir), 0);
	assert_true(jstr_eq(dir, "results/2026"));
	for (size_t n = 0; n < b.len; n++)
		assert_int_equal(jrec_get_output(b.p, n, &dir), -1);
	jrec_put_output(&b, "x"); /* bytes left over */
	assert_int_equal(jrec_get_output(b.p, b.len, &dir), -1);
	assert_string_equal(jrec_type_name(JREC_OUTPUT), "output");
	jbuf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_input_start_round_trip),
		cmocka_unit_test(test_done_round_trip),
		cmocka_unit_test(test_done_truncated_or_long),
		cmocka_unit_test(test_done_huge_counts),
		cmocka_unit_test(test_small_records_exact),
		cmocka_unit_test(test_output_round_trip),
	};

	UNIT_MAIN("jrec", tests);
}
