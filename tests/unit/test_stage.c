/*
 * test_stage.c - the map side's fast paths against the plain ones
 * (src/shuffle/mapout.c): pairs staged in batches (mapout_stage) against
 * pairs emitted one by one (mapout_emit), and a combine that reads a
 * block of values per call (combine_io_next_many) against one that reads
 * a value per call (combine_io_next).
 *
 * Each test runs one sequence of pairs every way and compares the runs
 * written, byte for byte, and the error of a sequence that fails: odd
 * inputs (empty values, 1-byte and 64 KiB keys, NUL and 0xff bytes, one
 * key holding every value, keys long enough to fill the staging buffer)
 * and budgets small enough that the tables drain and spill.
 *
 * Every test runs in its own temp dir under /tmp (spills go to the cwd).
 */
#include "unit.h"

#include "apps/mapreduce.h"
#include "shuffle/kvbuf.h"
#include "shuffle/mapout.h"
#include "shuffle/shuffle.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NPARTS 3

static struct mapout_cache cache;

static int setup(void **state)
{
	mapout_cache_init(&cache);
	return unit_tmpdir_setup(state);
}

static int teardown(void **state)
{
	mapout_cache_release(&cache);
	return unit_tmpdir_teardown(state);
}

/* ---- combines --------------------------------------------------------------------- */

/* The key whose combine fails ("bad"), and how many combines ran. */
static const char bad_key[] = "bad";
static int combines;

static int emit_total(struct combine_io *io, uint64_t sum)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)sum);

	return combine_io_emit(io, buf, (size_t)len);
}

static int fails_here(const char *key, size_t klen)
{
	combines++;
	if (klen == 3 && memcmp(key, bad_key, 3) == 0)
		return error("combine of key '%s' failed", bad_key);
	return 0;
}

/* Sum decimal values, one per call; fails on the key "bad". */
static int sum_one(void *arg, const char *key, size_t klen, struct combine_io *io)
{
	uint64_t sum = 0, n;
	const char *v;
	size_t vlen;
	int rc;

	(void)arg;
	if (fails_here(key, klen) < 0)
		return -1;
	while ((rc = combine_io_next(io, &v, &vlen)) == 1) {
		assert_int_equal(v[vlen], '\0');
		if (unit_parse_u64(v, vlen, &n) < 0)
			return -1;
		sum += n;
	}
	return rc < 0 ? -1 : emit_total(io, sum);
}

/* The same, 3 values per call at most (an odd number, to end blocks mid-call). */
static int sum_many(void *arg, const char *key, size_t klen, struct combine_io *io)
{
	const char *v[3];
	size_t vlen[3];
	uint64_t sum = 0, n;
	int rc;

	(void)arg;
	if (fails_here(key, klen) < 0)
		return -1;
	while ((rc = combine_io_next_many(io, v, vlen, 3)) > 0) {
		assert_true(rc <= 3);
		for (int i = 0; i < rc; i++) {
			assert_int_equal(v[i][vlen[i]], '\0');
			if (unit_parse_u64(v[i], vlen[i], &n) < 0)
				return -1;
			sum += n;
		}
	}
	return rc < 0 ? -1 : emit_total(io, sum);
}

/* Every value unchanged, one per call (order and bytes must survive). */
static int identity_one(void *arg, const char *key, size_t klen, struct combine_io *io)
{
	const char *v;
	size_t vlen;
	int rc;

	(void)arg;
	if (fails_here(key, klen) < 0)
		return -1;
	while ((rc = combine_io_next(io, &v, &vlen)) == 1)
		if (combine_io_emit(io, v, vlen) < 0)
			return -1;
	return rc;
}

/* The same, up to 64 values per call, mixed with single ones. */
static int identity_many(void *arg, const char *key, size_t klen, struct combine_io *io)
{
	const char *v[64];
	size_t vlen[64];
	int rc, turn = 0;

	(void)arg;
	if (fails_here(key, klen) < 0)
		return -1;
	for (;;) {
		rc = turn++ % 3 == 2 ? combine_io_next(io, v, vlen)
				     : combine_io_next_many(io, v, vlen, 64);
		if (rc <= 0)
			return rc;
		for (int i = 0; i < rc; i++)
			if (combine_io_emit(io, v[i], vlen[i]) < 0)
				return -1;
	}
}

typedef int (*combine_fn)(void *, const char *, size_t, struct combine_io *);

static struct shuffle_ops make_ops(combine_fn combine)
{
	struct shuffle_ops ops = {
		.partition = mr_default_partition,
		.combiner = combine ? SHUFFLE_COMBINE_USER : SHUFFLE_COMBINE_NONE,
		.combine = combine,
		.name = "test-plugin",
	};

	return ops;
}

static struct shuffle_ops make_sum_ops(void)
{
	struct shuffle_ops ops = make_ops(NULL);

	ops.combiner = SHUFFLE_COMBINE_SUM;
	return ops;
}

/* ---- sequences of pairs ----------------------------------------------------------- */

/* A random key: 1 to 12 bytes, any byte (NUL and 0xff among them), of a small set. */
static size_t rand_key(uint64_t *rng, size_t distinct, char *buf)
{
	uint64_t id = unit_rand(rng) % distinct, h = id * 0x9e3779b97f4a7c15ull + 1;
	size_t len = 1 + id % 12;

	for (size_t i = 0; i < len; i++, h = h * 6364136223846793005ull + 1442695040888963407ull)
		buf[i] = (char)(h >> 56);
	return len;
}

/*
 * Odd pairs: numeric values only (for sums) or any bytes (empty ones
 * too).  `distinct` keys drawn at random, a hot key holding a third of
 * the values, "bad", 1-byte keys, 64 KiB keys, keys of 1000 to 1100 bytes
 * (a few fill the staging buffer).
 */
static void gen_pairs(struct kvbuf *out, size_t n, size_t distinct, int numeric, uint64_t seed)
{
	static char big[65536], mid[1100];
	uint64_t rng = seed;
	char key[16], val[40];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + (i >> 8));
	big[100] = '\0';
	big[200] = (char)0xff;
	memset(mid, 'm', sizeof(mid));
	kvbuf_init(out);
	for (size_t i = 0; i < n; i++) {
		unsigned what = (unsigned)(unit_rand(&rng) % 100);
		const char *k = key;
		size_t klen, vlen;

		if (what < 33) {
			k = "hot";
			klen = 3;
		} else if (what < 35) {
			k = bad_key;
			klen = 3;
		} else if (what < 37) {
			key[0] = (char)(unit_rand(&rng) % 3 == 0 ? '\0' : unit_rand(&rng) % 2 ? 0xff : 'x');
			klen = 1;
		} else if (what == 37 && unit_rand(&rng) % 8 == 0) {
			k = big;
			klen = unit_rand(&rng) % 2 ? sizeof(big) : sizeof(big) - 1;
		} else if (what == 38) {
			k = mid;
			klen = 1000 + unit_rand(&rng) % 100;
		} else {
			klen = rand_key(&rng, distinct, key);
		}
		if (numeric) {
			uint64_t v = unit_rand(&rng) % 4 ? 1 : unit_rand(&rng) % 1000000;

			vlen = (size_t)snprintf(val, sizeof(val), unit_rand(&rng) % 16 ? "%llu" : "%06llu",
						(unsigned long long)v);
		} else {
			vlen = unit_rand(&rng) % 5 == 0 ? 0 : unit_rand(&rng) % 30;
			for (size_t j = 0; j < vlen; j++)
				val[j] = (char)unit_rand(&rng);
		}
		assert_int_equal(kvbuf_add(out, k, klen, val, vlen), 0);
	}
}

/* How a sequence goes in. */
enum way { WAY_EMIT, WAY_STAGE, WAY_MIXED };

struct outcome {
	int rc;
	enum shuffle_fault fault;
	char error[512];
	uint64_t combine_in, combine_out;
};

/*
 * Put `pairs` into a mapout (`ops`, `memory` bytes) the given way, finish
 * and write each partition to PREFIX-R; stop at the first failure.
 */
static struct outcome run(const struct shuffle_ops *ops, const struct kvbuf *pairs,
			  enum way way, uint64_t memory, const char *prefix)
{
	struct outcome o = { 0 };
	struct budget b;
	struct mapout mo;
	uint64_t rng = 5;

	log_clear_last_error();
	mapout_cache_release(&cache);
	mapout_cache_init(&cache);
	budget_init(&b, memory);
	mapout_init(&mo, ops, NPARTS, &b, &cache);
	for (size_t i = 0; i < pairs->n && o.rc == 0; i++) {
		const struct kv *r = &pairs->recs[i];
		int stage = way == WAY_STAGE || (way == WAY_MIXED && unit_rand(&rng) % 4);

		o.rc = (stage ? mapout_stage : mapout_emit)(&mo, kv_key(pairs, r), r->klen,
							    kv_val(pairs, r), r->vlen);
	}
	if (o.rc == 0)
		o.rc = mapout_finish(&mo);
	for (unsigned r = 0; r < NPARTS && o.rc == 0; r++) {
		struct afile_set set;
		char path[64];

		snprintf(path, sizeof(path), "%s-%u", prefix, r);
		afile_set_init(&set);
		o.rc = mapout_write(&mo, r, path, &set);
		if (o.rc == 0)
			o.rc = afile_set_publish(&set);
		afile_set_release(&set);
	}
	o.fault = mo.fault;
	o.combine_in = mo.combine_in;
	o.combine_out = mo.combine_out;
	snprintf(o.error, sizeof(o.error), "%s", log_last_error());
	mapout_release(&mo);
	return o;
}

/* Whole contents of `path` (malloc'd) and its length. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0;

	if (!f)
		unit_fail("cannot open %s", path);
	*len = 0;
	for (;;) {
		if (*len + 65536 > cap) {
			cap = (*len + 65536) * 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		size_t n = fread(buf + *len, 1, cap - *len, f);

		if (n == 0)
			break;
		*len += n;
	}
	fclose(f);
	return buf;
}

/* Runs A-R and B-R are byte for byte the same, for every R; B's are removed. */
static void same_runs(const char *a, const char *b, const char *what)
{
	for (unsigned r = 0; r < NPARTS; r++) {
		char pa[64], pb[64];
		size_t la, lb;
		char *x, *y;

		snprintf(pa, sizeof(pa), "%s-%u", a, r);
		snprintf(pb, sizeof(pb), "%s-%u", b, r);
		x = slurp(pa, &la);
		y = slurp(pb, &lb);
		if (la != lb || memcmp(x, y, la) != 0)
			unit_fail("%s: run %u differs (%zu vs %zu bytes)", what, r, la, lb);
		free(x);
		free(y);
		unlink(pb);
	}
}

/* The same outcome, error text and fault included. */
static void same_outcome(const struct outcome *a, const struct outcome *b, const char *what)
{
	if (a->rc != b->rc || strcmp(a->error, b->error) != 0 ||
	    (a->rc != 0 && a->fault != b->fault))
		unit_fail("%s: rc %d \"%s\" against rc %d \"%s\"", what, a->rc, a->error, b->rc,
			  b->error);
	if (a->rc == 0 && (a->combine_in != b->combine_in || a->combine_out != b->combine_out))
		unit_fail("%s: combine counters %llu/%llu against %llu/%llu", what,
			  (unsigned long long)a->combine_in, (unsigned long long)a->combine_out,
			  (unsigned long long)b->combine_in, (unsigned long long)b->combine_out);
}

/*
 * One sequence the plain way (emit, `plain` combine) and then every other
 * way, each with each combine of `others`: the same runs, the same outcome.
 */
static void compare_ways(const struct shuffle_ops *plain, const struct shuffle_ops *others,
			 size_t nothers, const struct kvbuf *pairs, uint64_t memory, const char *what)
{
	struct outcome ref = run(plain, pairs, WAY_EMIT, memory, "ref");
	char label[160];

	for (size_t c = 0; c < nothers; c++) {
		for (int w = WAY_EMIT; w <= WAY_MIXED; w++) {
			struct outcome o;

			if (c == 0 && w == WAY_EMIT)
				continue; /* that is ref itself */
			o = run(&others[c], pairs, (enum way)w, memory, "got");
			snprintf(label, sizeof(label), "%s, combine %zu, %s", what, c,
				 w == WAY_STAGE ? "staged" : w == WAY_MIXED ? "mixed" : "emitted");
			same_outcome(&ref, &o, label);
			if (ref.rc == 0)
				same_runs("ref", "got", label);
		}
	}
	if (ref.rc == 0)
		for (unsigned r = 0; r < NPARTS; r++) {
			char p[64];

			snprintf(p, sizeof(p), "ref-%u", r);
			unlink(p);
		}
}

/* ---- tests ------------------------------------------------------------------------ */

/*
 * A user combine (summing; identity) with a big budget and with a small
 * one (drains of the combine table, spills): staged and emitted pairs, one
 * value and many values per combine call, all give the same runs.
 */
static void test_user_combine_same(void **state)
{
	static const uint64_t budgets[] = { 256u << 20, 64u << 10 };
	struct shuffle_ops sums[2] = { make_ops(sum_one), make_ops(sum_many) };
	struct shuffle_ops ids[2] = { make_ops(identity_one), make_ops(identity_many) };
	struct kvbuf numeric, bytes;

	(void)state;
	gen_pairs(&numeric, 60000, 40000, 1, 11);
	gen_pairs(&bytes, 40000, 30000, 0, 12);
	/* no "bad" key this time: fails_here would fail them */
	for (size_t i = 0; i < numeric.n; i++)
		if (numeric.recs[i].klen == 3 && !memcmp(kv_key(&numeric, &numeric.recs[i]), "bad", 3))
			((char *)kv_key(&numeric, &numeric.recs[i]))[0] = 'B';
	for (size_t i = 0; i < bytes.n; i++)
		if (bytes.recs[i].klen == 3 && !memcmp(kv_key(&bytes, &bytes.recs[i]), "bad", 3))
			((char *)kv_key(&bytes, &bytes.recs[i]))[0] = 'B';
	for (size_t b = 0; b < 2; b++) {
		compare_ways(&sums[0], sums, 2, &numeric, budgets[b], "sum combine");
		compare_ways(&ids[0], ids, 2, &bytes, budgets[b], "identity combine");
	}
	kvbuf_release(&numeric);
	kvbuf_release(&bytes);
}

/* The built-in sum, and no combiner: staged pairs give the plain runs. */
static void test_sum_and_none_same(void **state)
{
	struct shuffle_ops sum = make_sum_ops(), none = make_ops(NULL);
	struct kvbuf numeric, bytes;

	(void)state;
	gen_pairs(&numeric, 60000, 40000, 1, 21);
	gen_pairs(&bytes, 20000, 10000, 0, 22);
	compare_ways(&sum, &sum, 1, &numeric, 256u << 20, "built-in sum");
	compare_ways(&sum, &sum, 1, &numeric, 64u << 10, "built-in sum, small budget");
	compare_ways(&none, &none, 1, &bytes, 64u << 10, "no combiner");
	kvbuf_release(&numeric);
	kvbuf_release(&bytes);
}

/* One key holding every value, a few empty ones among them. */
static void test_one_key_all_values(void **state)
{
	struct shuffle_ops ids[2] = { make_ops(identity_one), make_ops(identity_many) };
	struct shuffle_ops sums[2] = { make_ops(sum_one), make_ops(sum_many) };
	struct shuffle_ops sum = make_sum_ops();
	struct kvbuf p, q;

	(void)state;
	kvbuf_init(&p);
	kvbuf_init(&q);
	for (int i = 0; i < 50000; i++) {
		char v[8];
		int n = snprintf(v, sizeof(v), "%d", i % 7);

		/* an identity combine never shrinks a block: fewer, or it takes long */
		if (i < 5000)
			assert_int_equal(kvbuf_add(&p, "k", 1, v, i % 11 == 0 ? 0 : (size_t)n), 0);
		assert_int_equal(kvbuf_add(&q, "k", 1, v, (size_t)n), 0);
	}
	compare_ways(&ids[0], ids, 2, &p, 256u << 20, "one key, identity");
	compare_ways(&ids[0], ids, 2, &p, 64u << 10, "one key, identity, small budget");
	compare_ways(&sums[0], sums, 2, &q, 256u << 20, "one key, sum");
	compare_ways(&sum, &sum, 1, &q, 256u << 20, "one key, built-in sum");
	kvbuf_release(&p);
	kvbuf_release(&q);
}

/*
 * A combine that fails in the middle of a batch: the staged way fails
 * too, blamed on the ops, with the plain way's message, which names the
 * key; every combine way gives the same.
 */
static void test_combine_fails_mid_batch(void **state)
{
	struct shuffle_ops sums[2] = { make_ops(sum_one), make_ops(sum_many) };
	struct kvbuf pairs;
	struct outcome o;

	(void)state;
	gen_pairs(&pairs, 30000, 20000, 1, 31);
	compare_ways(&sums[0], sums, 2, &pairs, 256u << 20, "failing combine");
	compare_ways(&sums[0], sums, 2, &pairs, 64u << 10, "failing combine, small budget");
	o = run(&sums[0], &pairs, WAY_STAGE, 256u << 20, "got");
	assert_int_equal(o.rc, -1);
	assert_int_equal(o.fault, SHUFFLE_FAULT_OPS);
	assert_string_equal(o.error, "combine of key 'bad' failed");
	kvbuf_release(&pairs);
}

/*
 * The built-in sum's failures in a batch: a total past 2^64 - 1 of a key
 * staged mid-batch, and a value that is not a count right after it: the
 * staged way reports what the plain way does (the overflow, naming the
 * key and the plugin).
 */
static void test_sum_fails_mid_batch(void **state)
{
	struct shuffle_ops sum = make_sum_ops();
	struct kvbuf pairs;
	struct outcome o;

	(void)state;
	for (int c = 0; c < 3; c++) {
		kvbuf_init(&pairs);
		for (int i = 0; i < 1000; i++) {
			char k[16];
			int n = snprintf(k, sizeof(k), "k%d", i % 37);

			assert_int_equal(kvbuf_add(&pairs, k, (size_t)n, "1", 1), 0);
			if (i == 500 + c) {
				assert_int_equal(kvbuf_add(&pairs, "big", 3, "18446744073709551615", 20), 0);
				assert_int_equal(kvbuf_add(&pairs, "big", 3, "1", 1), 0);
				if (c == 1)
					assert_int_equal(kvbuf_add(&pairs, "k1", 2, "x", 1), 0);
			}
		}
		compare_ways(&sum, &sum, 1, &pairs, 256u << 20, "sum overflow");
		o = run(&sum, &pairs, WAY_STAGE, 256u << 20, "got");
		assert_int_equal(o.rc, -1);
		assert_int_equal(o.fault, SHUFFLE_FAULT_OPS);
		if (!strstr(o.error, "'big'") || !strstr(o.error, "test-plugin"))
			unit_fail("the overflow's error names neither key nor plugin: \"%s\"", o.error);
		kvbuf_release(&pairs);
	}
	/* a bad value alone, staged after good ones: reported as the plain way does */
	kvbuf_init(&pairs);
	for (int i = 0; i < 100; i++)
		assert_int_equal(kvbuf_add(&pairs, "a", 1, "2", 1), 0);
	assert_int_equal(kvbuf_add(&pairs, "poison", 6, "", 0), 0);
	compare_ways(&sum, &sum, 1, &pairs, 256u << 20, "bad value");
	kvbuf_release(&pairs);
}

/*
 * Big values, few keys: the arena, not the slots, outgrows the budget, so
 * the combine table drains and is let go while its first slots are still
 * in use, and grows again: a batch looked up before the drain must not take
 * the new table's slots for its own (they once had the same `moves`).
 */
static void test_drain_with_big_values(void **state)
{
	struct shuffle_ops ids[2] = { make_ops(identity_one), make_ops(identity_many) };
	struct kvbuf p;
	uint64_t rng = 41;

	(void)state;
	kvbuf_init(&p);
	for (int i = 0; i < 40000; i++) {
		char k[16], v[256];
		int n = snprintf(k, sizeof(k), "k%d", (int)(unit_rand(&rng) % 3000));
		size_t vlen = 100 + unit_rand(&rng) % 150;

		memset(v, 'a' + i % 26, vlen);
		assert_int_equal(kvbuf_add(&p, k, (size_t)n, v, vlen), 0);
	}
	compare_ways(&ids[0], ids, 2, &p, 64u << 10, "big values, small budget");
	compare_ways(&ids[0], ids, 2, &p, 8u << 20, "big values, 8M budget");
	kvbuf_release(&p);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_user_combine_same),
		T(test_sum_and_none_same),
		T(test_one_key_all_values),
		T(test_combine_fails_mid_batch),
		T(test_sum_fails_mid_batch),
		T(test_drain_with_big_values),
	};

	UNIT_MAIN("stage", tests);
}
