/*
 * test_sumtab.c - the built-in sum combiner's table (src/worker/sumtab.c),
 * checked against a simple model: a chained list of (key, total) with a
 * plain FNV hash, nothing shared with the table under test.
 *
 * A check walks all slots: each live slot must be a key of the model, once,
 * with the model's total, and the model's every key must be in a slot; the
 * table's own invariants (power-of-two size, load <= 3/4) must hold.
 */
#include "unit.h"

#include "shuffle/sumtab.h"

#include <stdlib.h>
#include <string.h>

/* ---- the model ---------------------------------------------------------------- */

struct mkey {
	char *k;
	size_t n;
	uint64_t sum;
	size_t next;   /* chain: index + 1, 0 = end */
	int seen;
	uint64_t ep;   /* the model's epoch of the key's last add (epoch tests) */
	int fresh;     /* added since the last sumtab_take_fresh() (epoch tests) */
};

struct model {
	struct mkey *keys;
	size_t n, cap;
	size_t *heads;  /* nheads chains, index + 1 */
	size_t nheads;
	uint64_t ep;    /* the current epoch (epoch tests); keys of others count as 0 */
};

static uint64_t fnv(const char *k, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)k[i]) * 0x100000001b3ull;
	return h;
}

static void model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
	m->nheads = 1 << 16;
	m->heads = calloc(m->nheads, sizeof(*m->heads));
	assert_non_null(m->heads);
}

static void model_release(struct model *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->keys[i].k);
	free(m->keys);
	free(m->heads);
	memset(m, 0, sizeof(*m));
}

static struct mkey *model_find(const struct model *m, const char *k, size_t n)
{
	for (size_t i = m->heads[fnv(k, n) % m->nheads]; i; i = m->keys[i - 1].next) {
		struct mkey *e = &m->keys[i - 1];

		if (e->n == n && (n == 0 || memcmp(e->k, k, n) == 0))
			return e;
	}
	return NULL;
}

static void model_add(struct model *m, const char *k, size_t n, uint64_t v)
{
	struct mkey *e = model_find(m, k, n);
	size_t h;

	if (e) {
		assert_true(v <= UINT64_MAX - e->sum); /* the model never overflows */
		e->sum += v;
		return;
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 1024;
		m->keys = realloc(m->keys, m->cap * sizeof(*m->keys));
		assert_non_null(m->keys);
	}
	e = &m->keys[m->n];
	e->k = malloc(n ? n : 1);
	assert_non_null(e->k);
	if (n)
		memcpy(e->k, k, n);
	e->n = n;
	e->sum = v;
	e->seen = 0;
	e->ep = m->ep;
	e->fresh = 1;
	h = fnv(k, n) % m->nheads;
	e->next = m->heads[h];
	m->heads[h] = ++m->n;
}

/*
 * Add to the table and to the model; sumtab_add must say 1 for a new key,
 * 0 for a known one.
 */
static void add_both(struct sumtab *t, struct model *m, const char *k, size_t n, uint64_t v)
{
	int want = model_find(m, k, n) == NULL;
	int rc = sumtab_add(t, k, n, v);

	if (rc != want)
		unit_fail("sumtab_add of a %s key of %zu bytes, value %llu: %d, expected %d",
			  want ? "new" : "known", n, (unsigned long long)v, rc, want);
	model_add(m, k, n, v);
}

/*
 * The table must hold exactly the model's keys with the model's totals,
 * each once, all of them in the current epoch; and the table's own
 * invariants must hold.
 */
static void check_table(struct sumtab *t, struct model *m, const char *what)
{
	size_t live = 0;

	if (m->n && (t->cap == 0 || (t->cap & (t->cap - 1)) != 0))
		unit_fail("%s: %zu slots, not a power of two", what, t->cap);
	if (t->n * 4 > t->cap * 3)
		unit_fail("%s: %zu keys in %zu slots: more than 3/4 full", what, t->n, t->cap);
	for (size_t i = 0; i < t->cap; i++) {
		const struct sentry *e = &t->ent[i];
		char kbuf[SUMTAB_INLINE];
		const char *k;
		size_t n;
		struct mkey *mk;

		if (!e->klen1)
			continue;
		if (!sumtab_live(t, e))
			unit_fail("%s: slot %zu holds a key of an old epoch", what, i);
		n = e->klen1 - 1;
		k = sumtab_key(t, e, kbuf);
		mk = model_find(m, k, n);
		if (!mk)
			unit_fail("%s: slot %zu holds key '%s' (%zu bytes), which was never added",
				  what, i, unit_show(k, n), n);
		if (mk->seen)
			unit_fail("%s: key '%s' (%zu bytes) is in two slots", what, unit_show(k, n), n);
		mk->seen = 1;
		if (e->sum != mk->sum)
			unit_fail("%s: key '%s' (%zu bytes): total %llu, expected %llu", what,
				  unit_show(k, n), n, (unsigned long long)e->sum,
				  (unsigned long long)mk->sum);
		if (n <= SUMTAB_INLINE)
			for (size_t j = n; j < SUMTAB_INLINE; j++)
				if (k[j] != 0)
					unit_fail("%s: short key '%s' (%zu bytes) not zero-padded "
						  "(byte %zu)", what, unit_show(k, n), n, j);
		live++;
	}
	for (size_t i = 0; i < m->n; i++) {
		if (!m->keys[i].seen)
			unit_fail("%s: key '%s' (%zu bytes, total %llu) is missing from the table",
				  what, unit_show(m->keys[i].k, m->keys[i].n), m->keys[i].n,
				  (unsigned long long)m->keys[i].sum);
		m->keys[i].seen = 0;
	}
	assert_int_equal(live, m->n);
	assert_int_equal(t->n, m->n);
}

/* ---- tests -------------------------------------------------------------------- */

/* A table nothing was added to: no memory; clear and release work. */
static void test_empty_table(void **state)
{
	struct sumtab t;
	struct model m;

	(void)state;
	sumtab_init(&t);
	model_init(&m);
	assert_int_equal(sumtab_bytes(&t), 0);
	sumtab_clear(&t);
	check_table(&t, &m, "empty");
	sumtab_release(&t);
	sumtab_release(&t); /* twice is harmless */
	assert_int_equal(sumtab_bytes(&t), 0);
	model_release(&m);
}

/* The empty key is a key like any other, and not the same as "\0". */
static void test_empty_key(void **state)
{
	struct sumtab t;
	struct model m;

	(void)state;
	sumtab_init(&t);
	model_init(&m);
	add_both(&t, &m, "", 0, 5);
	check_table(&t, &m, "one empty key");
	add_both(&t, &m, "", 0, 7);
	add_both(&t, &m, "\0", 1, 11);
	add_both(&t, &m, "\0\0", 2, 13);
	for (int i = 0; i < 40; i++)
		add_both(&t, &m, "", 0, 1);
	check_table(&t, &m, "empty key, \\0 and \\0\\0");
	assert_int_equal(model_find(&m, "", 0)->sum, 5 + 7 + 40);
	sumtab_release(&t);
	model_release(&m);
}

/*
 * Every length 1..16 (inline keys): for each length a base key, and for
 * every byte position a key differing from the base only there, in two
 * ways (one bit, and 0 <-> 0xff), so that for lengths 1..3 the middle byte
 * and for 4..16 the bytes covered by both overlapping words are changed on
 * their own.  Also the base key with zero bytes appended (zero padding must
 * not make "ab" and "ab\0" one key).  Each key gets its own value, added a
 * few times, interleaved across lengths.
 */
static void test_every_short_length(void **state)
{
	struct sumtab t;
	struct model m;
	char key[SUMTAB_INLINE + 1];
	uint64_t v = 1;

	(void)state;
	sumtab_init(&t);
	model_init(&m);
	for (int round = 0; round < 3; round++) {
		for (size_t n = 1; n <= SUMTAB_INLINE; n++) {
			for (size_t i = 0; i < n; i++)
				key[i] = (char)('a' + (i * 7 + n) % 26);
			add_both(&t, &m, key, n, v++);
			for (size_t pos = 0; pos < n; pos++) {
				char old = key[pos];

				key[pos] = (char)(old ^ 0x01);
				add_both(&t, &m, key, n, v++);
				key[pos] = (char)(old ^ 0x80);
				add_both(&t, &m, key, n, v++);
				key[pos] = 0;
				add_both(&t, &m, key, n, v++);
				key[pos] = (char)0xff;
				add_both(&t, &m, key, n, v++);
				key[pos] = old;
			}
			/* the base key, zero-extended, up to the inline limit */
			for (size_t z = n + 1; z <= SUMTAB_INLINE; z++) {
				memset(key + n, 0, z - n);
				add_both(&t, &m, key, z, v++);
			}
		}
		check_table(&t, &m, "every short length");
	}
	/* every key was distinct within a round, and came once per round */
	assert_true(m.n > 16 * 16);
	for (size_t i = 0; i < m.n; i++)
		assert_true(m.keys[i].sum > 0);
	sumtab_release(&t);
	model_release(&m);
}

/*
 * Keys of 4..16 bytes that differ only in a byte covered by both of the
 * overlapping words (or by one only), each pair of positions changed
 * together, so that a mix-up of the two words shows.
 */
static void test_overlap_pairs(void **state)
{
	struct sumtab t;
	struct model m;
	char key[SUMTAB_INLINE];
	uint64_t v = 1;

	(void)state;
	sumtab_init(&t);
	model_init(&m);
	for (size_t n = 4; n <= SUMTAB_INLINE; n++) {
		memset(key, 'x', n);
		add_both(&t, &m, key, n, v++);
		for (size_t p = 0; p < n; p++)
			for (size_t q = p + 1; q < n; q++) {
				memset(key, 'x', n);
				key[p] = 'P';
				key[q] = 'Q';
				add_both(&t, &m, key, n, v++);
				key[p] = 'Q';
				key[q] = 'P';
				add_both(&t, &m, key, n, v++);
			}
	}
	check_table(&t, &m, "overlap pairs");
	sumtab_release(&t);
	model_release(&m);
}

/*
 * Keys longer than the inline limit (in the arena): 17..300 bytes, keys
 * sharing long prefixes, differing only in the last byte, in one byte of
 * each 8-byte stretch, or only in length.
 */
static void test_long_keys(void **state)
{
	enum { MAXLEN = 300 };
	struct sumtab t;
	struct model m;
	char key[MAXLEN];
	uint64_t v = 3;

	(void)state;
	sumtab_init(&t);
	model_init(&m);
	for (int round = 0; round < 2; round++) {
		for (size_t n = SUMTAB_INLINE + 1; n <= MAXLEN; n += n < 48 ? 1 : 13) {
			memset(key, 'L', n);
			add_both(&t, &m, key, n, v++);
			for (size_t pos = 0; pos < n; pos += pos < 24 ? 1 : 5) {
				key[pos] = 'M';
				add_both(&t, &m, key, n, v++);
				key[pos] = '\0';
				add_both(&t, &m, key, n, v++);
				key[pos] = 'L';
			}
			key[n - 1] = (char)0xff;
			add_both(&t, &m, key, n, v++);
		}
		check_table(&t, &m, "long keys");
	}
	/* the same key inline and in the arena are different keys */
	add_both(&t, &m, key, SUMTAB_INLINE, 1);
	add_both(&t, &m, key, SUMTAB_INLINE + 1, 1);
	check_table(&t, &m, "16 and 17 bytes");
	sumtab_release(&t);
	model_release(&m);
}

/* Keys made of NUL bytes only (every length 0..64), and NULs inside keys. */
static void test_binary_keys(void **state)
{
	struct sumtab t;
	struct model m;
	char zeros[64] = { 0 }, key[64];

	(void)state;
	sumtab_init(&t);
	model_init(&m);
	for (int round = 0; round < 4; round++)
		for (size_t n = 0; n <= sizeof(zeros); n++)
			add_both(&t, &m, zeros, n, n + 1);
	check_table(&t, &m, "all-NUL keys");
	for (size_t n = 0; n <= sizeof(zeros); n++)
		assert_int_equal(model_find(&m, zeros, n)->sum, 4 * (n + 1));
	/* one 0x01 byte among NULs, at every place, every length 1..40 */
	for (size_t n = 1; n <= 40; n++)
		for (size_t pos = 0; pos < n; pos++) {
			memset(key, 0, n);
			key[pos] = 1;
			add_both(&t, &m, key, n, pos + 100);
			memset(key, (char)0xff, n);
			key[pos] = 0;
			add_both(&t, &m, key, n, pos + 200);
		}
	check_table(&t, &m, "NUL among other bytes");
	sumtab_release(&t);
	model_release(&m);
}

/* A random key: length 0..40, bytes from a small alphabet (NUL and 0xff too). */
static size_t random_key(uint64_t *rng, char *key)
{
	static const char alphabet[] = { 'a', 'b', 'c', '\0', (char)0xff, 'z' };
	size_t n = (size_t)(unit_rand(rng) % 41);
	uint64_t r = 0;

	/* short keys are rare otherwise: half of them are 0..8 bytes */
	if (unit_rand(rng) % 2)
		n %= 9;
	for (size_t i = 0; i < n; i++) {
		if (i % 16 == 0)
			r = unit_rand(rng);
		key[i] = alphabet[(r & 0xf) % sizeof(alphabet)];
		r >>= 4;
	}
	return n;
}

/*
 * 200000 adds of random keys (many duplicates, many distinct) with random
 * values: several rehashes; checked against the model at a few points.
 * Half the adds repeat an earlier key.
 */
static void test_random_against_model(void **state)
{
	enum { NADD = 200000 };
	struct sumtab t;
	struct model m;
	char *hist = malloc((size_t)NADD * 40);
	size_t *hlen = malloc(NADD * sizeof(*hlen));
	uint64_t rng = 0x5eed;
	size_t rehashes = 0, cap = 0;

	(void)state;
	assert_non_null(hist);
	assert_non_null(hlen);
	sumtab_init(&t);
	model_init(&m);
	for (size_t i = 0; i < NADD; i++) {
		char *k = hist + i * 40;
		uint64_t v = unit_rand(&rng) % 5 == 0 ? 0 : unit_rand(&rng) >> 32;

		if (i > 0 && unit_rand(&rng) % 2) {
			size_t j = (size_t)(unit_rand(&rng) % i);

			memcpy(k, hist + j * 40, hlen[j]);
			hlen[i] = hlen[j];
		} else {
			hlen[i] = random_key(&rng, k);
		}
		add_both(&t, &m, k, hlen[i], v);
		if (t.cap != cap) {
			rehashes += cap != 0;
			cap = t.cap;
		}
		if (i == 10 || i == 4999 || i == 77777)
			check_table(&t, &m, "random, part way");
	}
	check_table(&t, &m, "random, 200000 adds");
	if (rehashes < 3)
		unit_fail("%zu distinct keys in %zu slots after %zu rehashes: expected the "
			  "test to make the table grow at least 3 times", m.n, t.cap, rehashes);
	/* more adds after a check: the table still works */
	for (size_t i = 0; i < 1000; i++)
		add_both(&t, &m, hist + i * 40, hlen[i], 1);
	check_table(&t, &m, "random, after the check");
	sumtab_release(&t);
	model_release(&m);
	free(hist);
	free(hlen);
}

/*
 * Small counts and repeats: one key many times in a row, 1..33 adds over a
 * few keys (an implementation may batch or defer adds: none may be lost or
 * counted twice), short and long keys interleaved.
 */
static void test_repeats_and_small_counts(void **state)
{
	struct sumtab t;
	struct model m;
	char key[8];

	(void)state;
	sumtab_init(&t);
	model_init(&m);
	for (int i = 0; i < 10000; i++)
		add_both(&t, &m, "same", 4, 3);
	check_table(&t, &m, "one key 10000 times");
	assert_int_equal(model_find(&m, "same", 4)->sum, 30000);
	sumtab_release(&t);
	model_release(&m);

	for (int nadd = 1; nadd <= 33; nadd++) {
		char what[64];

		sumtab_init(&t);
		model_init(&m);
		for (int i = 0; i < nadd; i++) {
			int n = snprintf(key, sizeof(key), "k%d", i % 5);

			add_both(&t, &m, key, (size_t)n, (uint64_t)i + 1);
		}
		snprintf(what, sizeof(what), "%d adds", nadd);
		check_table(&t, &m, what);
		check_table(&t, &m, what); /* looking changes nothing */
		sumtab_release(&t);
		model_release(&m);
	}

	sumtab_init(&t);
	model_init(&m);
	for (int i = 0; i < 100; i++) {
		add_both(&t, &m, "short", 5, 1);
		add_both(&t, &m, "a key longer than sixteen bytes", 31, 2);
	}
	check_table(&t, &m, "short and long interleaved");
	sumtab_release(&t);
	model_release(&m);
}

/* A clear right after a few adds; the table is fully usable after. */
static void test_clear_after_few(void **state)
{
	struct sumtab t;
	struct model m;
	char key[8];

	(void)state;
	sumtab_init(&t);
	model_init(&m);
	for (int i = 0; i < 15; i++) {
		int n = snprintf(key, sizeof(key), "p%d", i);

		assert_true(sumtab_add(&t, key, (size_t)n, 1) >= 0);
	}
	assert_true(sumtab_add(&t, "long key of twenty-two", 22, 1) >= 0);
	sumtab_clear(&t);
	check_table(&t, &m, "cleared after 16 adds");
	add_both(&t, &m, "p0", 2, 9);
	add_both(&t, &m, "after", 5, 1);
	add_both(&t, &m, "another long key, new", 21, 4);
	check_table(&t, &m, "adds after a clear");
	assert_int_equal(model_find(&m, "p0", 2)->sum, 9);
	sumtab_release(&t);
	model_release(&m);
}

/*
 * Clear keeps the memory and forgets every key, long ones too; reuse works.
 * Every round adds keys of the same lengths (the same random keys, tagged
 * with the round), so a table that reuses its memory needs no more of it.
 */
static void test_clear_reuse(void **state)
{
	struct sumtab t;
	struct model m;
	char key[48];
	size_t bytes, first = 0;

	(void)state;
	sumtab_init(&t);
	for (int round = 0; round < 4; round++) {
		uint64_t rng = 99;
		char what[64];

		model_init(&m);
		for (int i = 0; i < 30000; i++) {
			size_t n = random_key(&rng, key);

			/* a round's keys are its own: tagged with the round */
			key[n] = (char)('0' + round);
			add_both(&t, &m, key, n + 1, (uint64_t)i);
		}
		snprintf(what, sizeof(what), "round %d (%d clears before)", round, round);
		check_table(&t, &m, what);
		bytes = sumtab_bytes(&t);
		if (round == 0)
			first = bytes;
		else if (bytes != first)
			unit_fail("%s: %zu bytes, the first round took %zu with keys of the same "
				  "lengths: the cleared memory is not reused", what, bytes, first);
		sumtab_clear(&t);
		assert_int_equal(t.n, 0);
		assert_int_equal(sumtab_bytes(&t), bytes); /* memory kept */
		for (size_t i = 0; i < t.cap; i++)
			assert_int_equal(t.ent[i].klen1, 0);
		model_release(&m);
	}
	sumtab_release(&t);
}

/* Reserve up front: the keys fit without growing; reserve later keeps what is there. */
static void test_reserve(void **state)
{
	enum { N = 100000 };
	struct sumtab t;
	struct model m;
	char key[32];
	size_t cap;

	(void)state;
	sumtab_init(&t);
	model_init(&m);
	sumtab_reserve(&t, N);
	cap = t.cap;
	assert_true(cap >= (size_t)N);
	assert_int_equal(cap & (cap - 1), 0);
	assert_true(sumtab_bytes(&t) >= cap * sizeof(struct sentry));
	for (int i = 0; i < N; i++) {
		int n = i % 3 ? snprintf(key, sizeof(key), "%d", i)
			      : snprintf(key, sizeof(key), "reserved key number %d", i);

		add_both(&t, &m, key, (size_t)n, (uint64_t)i);
	}
	check_table(&t, &m, "reserve then adds");
	if (t.cap != cap)
		unit_fail("reserved for %d keys (%zu slots), the table grew to %zu slots "
			  "with %d keys", N, cap, t.cap, N);
	/* a smaller reserve is a no-op; a bigger one keeps the keys */
	sumtab_reserve(&t, 10);
	assert_int_equal(t.cap, cap);
	add_both(&t, &m, "before the reserve", 18, 1);
	sumtab_reserve(&t, 4 * (size_t)N);
	assert_true(t.cap > cap);
	check_table(&t, &m, "bigger reserve after adds");
	/* and the table keeps working */
	for (int i = 0; i < N; i += 7) {
		int n = snprintf(key, sizeof(key), "%d", i);

		add_both(&t, &m, key, (size_t)n, 1);
	}
	check_table(&t, &m, "adds after the bigger reserve");
	sumtab_release(&t);
	model_release(&m);
}

static void expect_overflow_key(const struct sumtab *t, const char *k, size_t n,
				const char *what)
{
	size_t want = n < 64 ? n : 64;

	if (t->overflow_klen != want || memcmp(t->overflow_key, k, want) != 0)
		unit_fail("%s: overflow_key '%s' (%zu bytes), expected the first %zu bytes of "
			  "'%s'", what, unit_show(t->overflow_key, t->overflow_klen),
			  t->overflow_klen, want, unit_show(k, n));
	assert_int_equal(t->overflow_key[want], '\0');
}

/*
 * Add vals[] to key k in `t` and `m` until sumtab_add returns -1; then the
 * key must be named and every total (k's too) be as before that add.
 * Returns the index of the add that failed, or nvals.
 */
static size_t add_until_overflow(struct sumtab *t, struct model *m, const char *k,
				 size_t n, const uint64_t *vals, size_t nvals, const char *what)
{
	for (size_t i = 0; i < nvals; i++) {
		int want = model_find(m, k, n) == NULL;
		int rc = sumtab_add(t, k, n, vals[i]);

		if (rc < 0) {
			expect_overflow_key(t, k, n, what);
			check_table(t, m, what);
			return i;
		}
		if (rc != want)
			unit_fail("%s: add %zu returned %d, expected %d", what, i, rc, want);
		model_add(m, k, n, vals[i]);
	}
	check_table(t, m, what);
	return nvals;
}

/*
 * A total passing 2^64 - 1 is -1 naming the key, and leaves the total as it
 * was; exactly 2^64 - 1 is fine.  Inline keys, long keys, a key cut at 64
 * bytes in the name.
 */
static void test_overflow(void **state)
{
	static const struct { const char *k; size_t n; } keys[] = {
		{ "", 0 }, { "k", 1 }, { "big", 3 }, { "a\0b\0", 4 }, { "sixteen bytes!!!", 16 },
		{ "seventeen bytes!!", 17 },
		{ "a key of more than sixty-four bytes, so the name is cut at sixty-four", 70 },
	};
	const uint64_t over[] = { UINT64_MAX - 1, 2 };
	const uint64_t thirds[] = { UINT64_MAX / 3, UINT64_MAX / 3, UINT64_MAX / 3, 1, 1 };
	const uint64_t exact[] = { UINT64_MAX - 1, 1, 0, 0 };
	struct sumtab t;
	struct model m;

	(void)state;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "key %zu: max - 1 then 2", i);
		sumtab_init(&t);
		model_init(&m);
		/* other keys around it, so it is not alone in the table */
		for (int j = 0; j < 100; j++) {
			char other[16];
			int n = snprintf(other, sizeof(other), "other%d", j);

			add_both(&t, &m, other, (size_t)n, UINT64_MAX / 2);
		}
		if (add_until_overflow(&t, &m, keys[i].k, keys[i].n, over, 2, what) != 1)
			unit_fail("%s: no -1 from the second add", what);
		/* the table is still good: more adds, an overflow of another key */
		add_both(&t, &m, keys[i].k, keys[i].n, 1);
		add_both(&t, &m, "other7", 6, UINT64_MAX / 2);
		assert_int_equal(sumtab_add(&t, "other7", 6, 2), -1);
		expect_overflow_key(&t, "other7", 6, what);
		check_table(&t, &m, what);
		sumtab_release(&t);
		model_release(&m);

		/* (2^64 - 1) / 3 three times is 2^64 - 1: the 4th add passes it */
		snprintf(what, sizeof(what), "key %zu: thirds", i);
		sumtab_init(&t);
		model_init(&m);
		if (add_until_overflow(&t, &m, keys[i].k, keys[i].n, thirds, 5, what) != 3)
			unit_fail("%s: the 4th add did not return -1", what);
		sumtab_release(&t);
		model_release(&m);

		/* exactly 2^64 - 1 is a total like any other */
		snprintf(what, sizeof(what), "key %zu: exactly 2^64 - 1", i);
		sumtab_init(&t);
		model_init(&m);
		if (add_until_overflow(&t, &m, keys[i].k, keys[i].n, exact, 4, what) != 4)
			unit_fail("%s: -1 for a total of exactly 2^64 - 1", what);
		assert_true(model_find(&m, keys[i].k, keys[i].n)->sum == UINT64_MAX);
		sumtab_release(&t);
		model_release(&m);
	}
	/* totals near the limit do not spill over into other keys */
	sumtab_init(&t);
	assert_int_equal(sumtab_add(&t, "x", 1, UINT64_MAX), 1);
	assert_int_equal(sumtab_add(&t, "y", 1, UINT64_MAX), 1);
	assert_int_equal(sumtab_add(&t, "x\0", 2, 1), 1);
	assert_int_equal(sumtab_add(&t, "", 0, UINT64_MAX), 1);
	assert_int_equal(sumtab_add(&t, "x", 1, 1), -1);
	sumtab_release(&t);
}

/* sumtab_bytes follows the slots and the arena. */
static void test_bytes(void **state)
{
	struct sumtab t;
	char key[64];
	size_t before;

	(void)state;
	sumtab_init(&t);
	assert_int_equal(sumtab_bytes(&t), 0);
	assert_int_equal(sumtab_add(&t, "a", 1, 1), 1);
	assert_true(sumtab_bytes(&t) >= t.cap * sizeof(struct sentry));
	assert_true(sumtab_bytes(&t) > 0);
	/* long keys: the arena counts */
	before = sumtab_bytes(&t);
	memset(key, 'q', sizeof(key));
	for (int i = 0; i < 1000; i++) {
		memcpy(key, &i, sizeof(i));
		assert_int_equal(sumtab_add(&t, key, sizeof(key), 1), 1);
	}
	assert_true(sumtab_bytes(&t) >= before + 1000 * sizeof(key));
	assert_true(sumtab_bytes(&t) >= t.cap * sizeof(struct sentry) + 1000 * sizeof(key));
	/* many short keys: the slots grow, and bytes with them */
	for (int i = 0; i < 100000; i++) {
		int n = snprintf(key, sizeof(key), "%d", i);

		assert_int_equal(sumtab_add(&t, key, (size_t)n, 1), 1);
	}
	assert_true(t.cap >= 101001);
	assert_true(sumtab_bytes(&t) >= t.cap * sizeof(struct sentry));
	/* not wildly more than it holds: slots, arena (doubling) and little else */
	assert_true(sumtab_bytes(&t) <=
		    t.cap * sizeof(struct sentry) + 4 * 1000 * (sizeof(key) + 1));
	/* and the slots no more than 4 per key (load >= 1/4 after a doubling) */
	assert_true(t.cap <= 4 * t.n);
	sumtab_release(&t);
	assert_int_equal(sumtab_bytes(&t), 0);
}

/* ---- epochs, the fresh list, moves ---------------------------------------------- */

/*
 * In the epoch tests the model follows sumtab's epochs: m->ep is the
 * current epoch, a key's ep the epoch of its last add; a key's first add
 * of an epoch starts its total again.  The model keeps every key the table
 * was given since the last clear (they stay in their slots across epochs).
 */
static void model_add_ep(struct model *m, const char *k, size_t n, uint64_t v)
{
	struct mkey *e = model_find(m, k, n);

	if (e && e->ep != m->ep) {
		e->sum = 0;
		e->ep = m->ep;
	}
	model_add(m, k, n, v);
}

/* Add in the current epoch; sumtab_add says 1 only for a key new to the table. */
static void add_both_ep(struct sumtab *t, struct model *m, const char *k, size_t n, uint64_t v)
{
	struct mkey *e = model_find(m, k, n);
	int want = e == NULL;
	int rc = sumtab_add(t, k, n, v);

	if (rc != want)
		unit_fail("epoch %llu: sumtab_add of key '%s' (%zu bytes, %s), value %llu: "
			  "returned %d, expected %d", (unsigned long long)m->ep, unit_show(k, n), n,
			  !e ? "new to the table" : e->ep == m->ep ? "added before in this epoch"
			  : "known from an older epoch", (unsigned long long)v, rc, want);
	model_add_ep(m, k, n, v);
}

static void new_epoch_both(struct sumtab *t, struct model *m)
{
	sumtab_new_epoch(t);
	m->ep++;
}

static size_t model_live(const struct model *m)
{
	size_t live = 0;

	for (size_t i = 0; i < m->n; i++)
		live += m->keys[i].ep == m->ep;
	return live;
}

/*
 * Every key the table was given since its last clear is in a slot, once;
 * a slot is live exactly when its key was added in the current epoch, and
 * then holds the epoch's total.
 */
static void check_epoch(struct sumtab *t, struct model *m, const char *what)
{
	size_t live = 0, used = 0;

	if (t->epoch == 0)
		unit_fail("%s: epoch 0 (the epoch of an empty slot)", what);
	if (m->n && (t->cap == 0 || (t->cap & (t->cap - 1)) != 0))
		unit_fail("%s: %zu slots, not a power of two", what, t->cap);
	if (t->n * 4 > t->cap * 3)
		unit_fail("%s: %zu keys in %zu slots: more than 3/4 full", what, t->n, t->cap);
	for (size_t i = 0; i < t->cap; i++) {
		const struct sentry *e = &t->ent[i];
		char kbuf[SUMTAB_INLINE];
		const char *k;
		size_t n;
		struct mkey *mk;

		if (!e->klen1) {
			if (sumtab_live(t, e))
				unit_fail("%s: empty slot %zu counts as live", what, i);
			continue;
		}
		used++;
		n = e->klen1 - 1;
		k = sumtab_key(t, e, kbuf);
		mk = model_find(m, k, n);
		if (!mk)
			unit_fail("%s: slot %zu holds key '%s' (%zu bytes), which was never added",
				  what, i, unit_show(k, n), n);
		if (mk->seen)
			unit_fail("%s: key '%s' (%zu bytes) is in two slots", what, unit_show(k, n), n);
		mk->seen = 1;
		if (sumtab_live(t, e) != (mk->ep == m->ep))
			unit_fail("%s: key '%s' (%zu bytes) is %s, but its last add was in %s "
				  "epoch", what, unit_show(k, n), n,
				  sumtab_live(t, e) ? "live" : "not live",
				  mk->ep == m->ep ? "the current" : "an older");
		if (sumtab_live(t, e) && e->sum != mk->sum)
			unit_fail("%s: key '%s' (%zu bytes): total %llu in this epoch, expected %llu",
				  what, unit_show(k, n), n, (unsigned long long)e->sum,
				  (unsigned long long)mk->sum);
		live += sumtab_live(t, e);
	}
	for (size_t i = 0; i < m->n; i++) {
		if (!m->keys[i].seen)
			unit_fail("%s: key '%s' (%zu bytes) is missing from the table", what,
				  unit_show(m->keys[i].k, m->keys[i].n), m->keys[i].n);
		m->keys[i].seen = 0;
	}
	assert_int_equal(used, m->n);
	assert_int_equal(t->n, m->n);
	assert_int_equal(live, model_live(m));
}

/* Forget the fresh list, in the table and in the model. */
static void take_fresh_both(struct sumtab *t, struct model *m)
{
	sumtab_take_fresh(t);
	if (t->nfresh != 0 || t->moved)
		unit_fail("after sumtab_take_fresh: %zu fresh slots, moved %d; expected none, 0",
			  t->nfresh, t->moved);
	for (size_t i = 0; i < m->n; i++)
		m->keys[i].fresh = 0;
}

/*
 * The fresh list names distinct occupied slots; unless the table moved
 * since sumtab_take_fresh(), exactly the slots of the keys inserted since.
 */
static void check_fresh(const struct sumtab *t, const struct model *m, const char *what)
{
	char *in = calloc(t->cap ? t->cap : 1, 1);
	size_t want = 0;

	assert_non_null(in);
	for (size_t f = 0; f < t->nfresh; f++) {
		uint32_t s = t->fresh[f];

		if (s >= t->cap)
			unit_fail("%s: fresh[%zu] = %u, past the %zu slots", what, f, s, t->cap);
		if (!t->ent[s].klen1)
			unit_fail("%s: fresh[%zu] = slot %u, which is empty", what, f, s);
		if (in[s])
			unit_fail("%s: slot %u is in the fresh list twice", what, s);
		in[s] = 1;
	}
	if (t->moved) {
		free(in);
		return;
	}
	for (size_t i = 0; i < t->cap; i++) {
		const struct sentry *e = &t->ent[i];
		char kbuf[SUMTAB_INLINE];
		const char *k;
		struct mkey *mk;

		if (!e->klen1)
			continue;
		k = sumtab_key(t, e, kbuf);
		mk = model_find(m, k, e->klen1 - 1);
		assert_non_null(mk);
		if (mk->fresh && !in[i])
			unit_fail("%s: key '%s' (%u bytes) was inserted since the fresh list was "
				  "taken, but its slot %zu is not in the list", what,
				  unit_show(k, e->klen1 - 1), e->klen1 - 1, i);
		if (!mk->fresh && in[i])
			unit_fail("%s: key '%s' (%u bytes) was in the table before the fresh list "
				  "was taken, but its slot %zu is in the list", what,
				  unit_show(k, e->klen1 - 1), e->klen1 - 1, i);
	}
	for (size_t i = 0; i < m->n; i++)
		want += m->keys[i].fresh != 0;
	if (t->nfresh != want)
		unit_fail("%s: %zu fresh slots, expected %zu", what, t->nfresh, want);
	free(in);
}

/* A few keys of every kind: empty, NUL, short, exactly 16, 17, long, binary. */
static const struct { const char *k; size_t n; } kinds[] = {
	{ "", 0 }, { "\0", 1 }, { "a", 1 }, { "ab", 2 }, { "abc", 3 }, { "abcd", 4 },
	{ "\xff\0\xff\0\xff", 5 }, { "eightchr", 8 }, { "ninechars", 9 },
	{ "sixteen bytes!!!", 16 }, { "seventeen bytes!!", 17 },
	{ "sixteen bytes!!!\0", 17 },
	{ "a key well beyond the inline limit of sixteen bytes", 51 },
	{ "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20 },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

/*
 * After sumtab_new_epoch() no slot is live, the keys stay; a key's first
 * add of the epoch replaces its old total, later ones add to it; a key
 * known from an older epoch is not new to the table.
 */
static void test_epoch_basics(void **state)
{
	struct sumtab t;
	struct model m;
	size_t n0;

	(void)state;
	sumtab_init(&t);
	model_init(&m);
	for (size_t i = 0; i < NKINDS; i++)
		add_both_ep(&t, &m, kinds[i].k, kinds[i].n, 100 + i);
	for (size_t i = 0; i < NKINDS; i += 2)
		add_both_ep(&t, &m, kinds[i].k, kinds[i].n, 1000);
	check_epoch(&t, &m, "epoch 1");
	n0 = t.n;

	new_epoch_both(&t, &m);
	for (size_t i = 0; i < t.cap; i++)
		if (sumtab_live(&t, &t.ent[i]))
			unit_fail("after sumtab_new_epoch slot %zu is still live", i);
	assert_int_equal(t.n, n0);
	check_epoch(&t, &m, "epoch 2, nothing added");

	/* the first add replaces (even with 0), the second adds */
	for (size_t i = 0; i < NKINDS; i++) {
		if (i % 3 == 2)
			continue;
		add_both_ep(&t, &m, kinds[i].k, kinds[i].n, i % 3 ? 0 : 7);
		add_both_ep(&t, &m, kinds[i].k, kinds[i].n, i);
	}
	add_both_ep(&t, &m, "new in epoch 2", 14, 5);
	add_both_ep(&t, &m, "a long key that is new in epoch 2", 34, 6);
	check_epoch(&t, &m, "epoch 2");
	for (size_t i = 0; i < NKINDS; i++) {
		struct mkey *mk = model_find(&m, kinds[i].k, kinds[i].n);

		assert_true(mk->ep == (i % 3 == 2 ? 0 : 1));
		if (i % 3 != 2)
			assert_true(mk->sum == (i % 3 ? 0 : 7) + i);
	}

	/* several epochs untouched, then touched: still replaced */
	for (int e = 0; e < 5; e++) {
		new_epoch_both(&t, &m);
		check_epoch(&t, &m, "empty epochs");
	}
	for (size_t i = 0; i < NKINDS; i++)
		add_both_ep(&t, &m, kinds[i].k, kinds[i].n, 3);
	check_epoch(&t, &m, "after 5 empty epochs");
	for (size_t i = 0; i < NKINDS; i++)
		assert_true(model_find(&m, kinds[i].k, kinds[i].n)->sum == 3);
	assert_int_equal(t.n, n0 + 2);
	sumtab_release(&t);
	model_release(&m);
}

/*
 * A total of 2^64 - 1 in one epoch: the first add of the next epoch
 * replaces it (no overflow), and the new total overflows only on its own.
 */
static void test_epoch_replaces_big_total(void **state)
{
	struct sumtab t;
	struct model m;

	(void)state;
	sumtab_init(&t);
	model_init(&m);
	for (size_t i = 0; i < NKINDS; i++) {
		add_both_ep(&t, &m, kinds[i].k, kinds[i].n, UINT64_MAX - 1);
		add_both_ep(&t, &m, kinds[i].k, kinds[i].n, 1);
	}
	check_epoch(&t, &m, "every key at 2^64 - 1");
	for (int round = 0; round < 2; round++) {
		new_epoch_both(&t, &m);
		for (size_t i = 0; i < NKINDS; i++) {
			char what[96];
			int rc = sumtab_add(&t, kinds[i].k, kinds[i].n, 5);

			snprintf(what, sizeof(what), "epoch after 2^64 - 1, key %zu", i);
			if (rc != 0)
				unit_fail("%s ('%s', %zu bytes): the first add of 5 returned %d, "
					  "expected 0: the old total was not replaced", what,
					  unit_show(kinds[i].k, kinds[i].n), kinds[i].n, rc);
			model_add_ep(&m, kinds[i].k, kinds[i].n, 5);
			add_both_ep(&t, &m, kinds[i].k, kinds[i].n, UINT64_MAX - 5);
			assert_int_equal(sumtab_add(&t, kinds[i].k, kinds[i].n, 1), -1);
			expect_overflow_key(&t, kinds[i].k, kinds[i].n, what);
		}
		check_epoch(&t, &m, "2^64 - 1 again, after the replace");
	}
	sumtab_release(&t);
	model_release(&m);
}

/*
 * Random keys (short, long, binary, the empty key) over 12 epochs, each
 * adding some keys of earlier epochs and some new ones; rehashes on the
 * way.  Checked against the model at the end of every epoch; the fresh
 * list too, when the table did not move.
 */
static void test_epoch_random(void **state)
{
	enum { NEPOCH = 12, PER = 15000, MAXK = 200 };
	struct sumtab t;
	struct model m;
	char *hist = malloc((size_t)NEPOCH * PER * MAXK);
	size_t *hlen = malloc((size_t)NEPOCH * PER * sizeof(*hlen));
	size_t nh = 0, moved_epochs = 0, still_epochs = 0;
	uint64_t rng = 0xe90c;

	(void)state;
	assert_non_null(hist);
	assert_non_null(hlen);
	sumtab_init(&t);
	model_init(&m);
	for (int ep = 0; ep < NEPOCH; ep++) {
		char what[64];
		/* few new keys in some epochs, so that some do not rehash */
		unsigned pnew = ep % 3 == 2 ? 2 : 40;

		if (ep)
			new_epoch_both(&t, &m);
		take_fresh_both(&t, &m);
		for (size_t i = 0; i < PER; i++) {
			char *k = hist + nh * MAXK;
			uint64_t v = unit_rand(&rng) % 7 == 0 ? 0 : unit_rand(&rng) >> 40;

			if (nh > 0 && unit_rand(&rng) % 100 >= pnew) {
				size_t j = (size_t)(unit_rand(&rng) % nh);

				add_both_ep(&t, &m, hist + j * MAXK, hlen[j], v);
				continue;
			}
			hlen[nh] = random_key(&rng, k);
			if (unit_rand(&rng) % 8 == 0) {
				/* long: a shared stem, then the random key */
				size_t stem = 17 + (size_t)(unit_rand(&rng) % 100);

				memmove(k + stem, k, hlen[nh]);
				memset(k, 's', stem);
				hlen[nh] += stem;
			}
			add_both_ep(&t, &m, k, hlen[nh], v);
			nh++;
		}
		snprintf(what, sizeof(what), "epoch %d of random adds", ep);
		check_epoch(&t, &m, what);
		check_fresh(&t, &m, what);
		if (t.moved)
			moved_epochs++;
		else
			still_epochs++;
	}
	if (moved_epochs < 2 || still_epochs < 2)
		unit_fail("%zu epochs with a rehash and %zu without: the test meant to have "
			  "a few of each", moved_epochs, still_epochs);
	sumtab_release(&t);
	model_release(&m);
	free(hist);
	free(hlen);
}

/*
 * `fresh` lists exactly the slots inserted since sumtab_take_fresh(), each
 * once, whatever the epoch; re-adds of known keys are not listed;
 * take_fresh empties it; a no-op reserve keeps it; a clear moves.
 */
static void test_fresh_list(void **state)
{
	struct sumtab t;
	struct model m;
	char key[64];

	(void)state;
	sumtab_init(&t);
	model_init(&m);
	sumtab_reserve(&t, 20000); /* no rehash below */
	take_fresh_both(&t, &m);
	check_fresh(&t, &m, "nothing added");
	for (int i = 0; i < 300; i++) {
		int n = snprintf(key, sizeof(key), i % 4 ? "f%d" : "a fresh key, long: %d", i);

		add_both_ep(&t, &m, key, (size_t)n, 1);
		add_both_ep(&t, &m, key, (size_t)n, 1); /* listed once */
	}
	for (size_t i = 0; i < NKINDS; i++)
		add_both_ep(&t, &m, kinds[i].k, kinds[i].n, 2);
	assert_int_equal(t.moved, 0);
	check_fresh(&t, &m, "300 keys and the kinds");
	assert_int_equal(t.nfresh, 300 + NKINDS);

	take_fresh_both(&t, &m);
	check_fresh(&t, &m, "after take_fresh");
	/* known keys only: nothing fresh, in this epoch and the next */
	for (size_t i = 0; i < NKINDS; i++)
		add_both_ep(&t, &m, kinds[i].k, kinds[i].n, 2);
	assert_int_equal(t.nfresh, 0);
	new_epoch_both(&t, &m);
	for (size_t i = 0; i < NKINDS; i++)
		add_both_ep(&t, &m, kinds[i].k, kinds[i].n, 2);
	assert_int_equal(t.nfresh, 0);
	/* old and new keys in a new epoch: only the new ones */
	for (int i = 0; i < 600; i++) {
		int n = snprintf(key, sizeof(key), i % 4 ? "f%d" : "a fresh key, long: %d", i);

		add_both_ep(&t, &m, key, (size_t)n, (uint64_t)i);
	}
	check_epoch(&t, &m, "old and new keys");
	check_fresh(&t, &m, "old and new keys");
	assert_int_equal(t.nfresh, 300);

	/* a reserve that needs no more slots changes nothing */
	sumtab_reserve(&t, 10);
	assert_int_equal(t.moved, 0);
	check_fresh(&t, &m, "after a no-op reserve");
	assert_int_equal(t.nfresh, 300);

	/* a clear: slots gone, the table moved */
	sumtab_clear(&t);
	if (!t.moved || t.nfresh != 0)
		unit_fail("after sumtab_clear: moved %d, %zu fresh; expected 1 and 0", t.moved,
			  t.nfresh);
	model_release(&m);
	model_init(&m);
	check_epoch(&t, &m, "cleared");
	take_fresh_both(&t, &m);
	for (size_t i = 0; i < NKINDS; i++)
		add_both_ep(&t, &m, kinds[i].k, kinds[i].n, 4);
	check_epoch(&t, &m, "after the clear");
	check_fresh(&t, &m, "after the clear");
	assert_int_equal(t.nfresh, NKINDS);
	sumtab_release(&t);
	model_release(&m);
}

/*
 * A rehash sets `moved` and empties the fresh list (slot numbers
 * changed); take_fresh clears it again and the list works after.
 */
static void test_moved_by_rehash(void **state)
{
	struct sumtab t;
	struct model m;
	char key[64];
	size_t cap, since = 0;
	int i = 0, rehashes = 0;

	(void)state;
	sumtab_init(&t);
	model_init(&m);
	add_both_ep(&t, &m, "first", 5, 1);
	take_fresh_both(&t, &m);
	while (rehashes < 2) {
		int n;

		cap = t.cap;
		n = snprintf(key, sizeof(key), i % 5 ? "r%d" : "rehash me, I am long %d", i);
		i++;
		add_both_ep(&t, &m, key, (size_t)n, 1);
		since++;
		if (t.cap == cap) {
			if (t.moved || t.nfresh != since)
				unit_fail("add %d, no rehash: moved %d, %zu fresh; expected 0 and %zu",
					  i, t.moved, t.nfresh, since);
			continue;
		}
		/* this add rehashed */
		if (!t.moved || t.nfresh != 0)
			unit_fail("add %d grew the table from %zu to %zu slots: moved %d, %zu "
				  "fresh; expected 1 and 0", i, cap, t.cap, t.moved, t.nfresh);
		check_epoch(&t, &m, "right after a rehash");
		/* more keys: the table has still moved since the fresh list was taken */
		for (int j = 0; j < 50; j++, i++) {
			n = snprintf(key, sizeof(key), "r%d", i);
			add_both_ep(&t, &m, key, (size_t)n, 1);
			assert_int_equal(t.moved, 1);
		}
		check_fresh(&t, &m, "keys after a rehash");
		take_fresh_both(&t, &m);
		since = 0;
		rehashes++;
	}
	/* a bigger reserve is a rehash too */
	add_both_ep(&t, &m, "before the reserve", 18, 1);
	assert_int_equal(t.nfresh, 1);
	sumtab_reserve(&t, 4 * t.cap);
	if (!t.moved || t.nfresh != 0)
		unit_fail("after a growing reserve: moved %d, %zu fresh; expected 1 and 0",
			  t.moved, t.nfresh);
	check_epoch(&t, &m, "after a growing reserve");
	take_fresh_both(&t, &m);
	add_both_ep(&t, &m, "after the reserve", 17, 1);
	check_fresh(&t, &m, "after the reserve");
	assert_int_equal(t.nfresh, 1);
	sumtab_release(&t);
	model_release(&m);
}

/* Key bytes of `kind`: random, alternating 0xff and NUL, or all 0xff but the last. */
static void fill_key(char *key, size_t len, int kind, size_t n, uint64_t *rng)
{
	for (size_t j = 0; j < len; j++)
		key[j] = kind == 0 ? (char)(unit_rand(rng) % 256)
		       : kind == 1 ? (char)(j % 2 ? 0 : 0xff) : (char)0xff;
	if (kind == 2 && len)
		key[len - 1] = (char)(0xf0 + n % 16); /* distinct per length */
}

/*
 * sumtab_key of slot `e` gives `key` (len bytes): a short key in a buf it
 * fills with zeros past the key, a long one in the arena followed by '\0'.
 */
static void check_key_read(struct sumtab *t, const struct sentry *e, const char *key,
			   size_t len, const char *what)
{
	char buf[SUMTAB_INLINE];
	const char *k;

	assert_int_equal(e->klen1, len + 1);
	memset(buf, 0xaa, sizeof(buf));
	k = sumtab_key(t, e, buf);
	if (len && memcmp(k, key, len) != 0)
		unit_fail("%s: sumtab_key of a %zu-byte key: '%s', expected '%s'", what, len,
			  unit_show(k, len), unit_show(key, len));
	if (len <= SUMTAB_INLINE) {
		if (k != buf)
			unit_fail("%s: sumtab_key of a %zu-byte key did not use buf", what, len);
		for (size_t j = len; j < SUMTAB_INLINE; j++)
			if (buf[j] != 0)
				unit_fail("%s: sumtab_key of a %zu-byte key: byte %zu of buf is "
					  "0x%02x, not 0", what, len, j, (unsigned char)buf[j]);
	} else if (k[len] != '\0') {
		unit_fail("%s: sumtab_key of a %zu-byte (arena) key: not followed by '\\0'",
			  what, len);
	}
}

/* The only slot holding `key` (len bytes); fails the test when there is none. */
static const struct sentry *find_key(struct sumtab *t, const char *key, size_t len)
{
	char buf[SUMTAB_INLINE];

	for (size_t s = 0; s < t->cap; s++)
		if (t->ent[s].klen1 == len + 1 &&
		    (!len || memcmp(sumtab_key(t, &t->ent[s], buf), key, len) == 0))
			return &t->ent[s];
	unit_fail("after a rehash the %zu-byte key '%s' is gone", len, unit_show(key, len));
}

/*
 * sumtab_key: a short key rebuilt in buf, zero-padded to 16 bytes, a long
 * one from the arena followed by '\0'; also for keys of an older epoch and
 * after a rehash.  Every length 0..70, and one of 1000 bytes; bytes of all
 * kinds (NUL, 0xff, and the same byte throughout).
 */
static void test_key_bytes(void **state)
{
	struct sumtab t;
	uint32_t *slots = calloc(3 * 72, sizeof(*slots));
	size_t *lens = calloc(3 * 72, sizeof(*lens)), nk = 0;
	char (*keys)[1000] = malloc(3 * 72 * sizeof(*keys));
	uint64_t rng = 71;

	(void)state;
	assert_non_null(slots);
	assert_non_null(lens);
	assert_non_null(keys);
	sumtab_init(&t);
	sumtab_reserve(&t, 1000);
	for (size_t n = 0; n <= 71; n++) {
		size_t len = n == 71 ? sizeof(keys[0]) : n;

		for (int kind = 0; kind < 3; kind++) {
			fill_key(keys[nk], len, kind, n, &rng);
			sumtab_take_fresh(&t);
			if (sumtab_add(&t, keys[nk], len, 1) != 1)
				continue; /* a random key met an earlier one: skip it */
			assert_int_equal(t.nfresh, 1);
			slots[nk] = t.fresh[0];
			lens[nk] = len;
			check_key_read(&t, &t.ent[slots[nk]], keys[nk], len, "new key");
			nk++;
		}
	}
	assert_true(nk > 3 * 70);
	/* an old epoch, then a rehash: still the same bytes (slot numbers may change) */
	for (int round = 0; round < 2; round++) {
		sumtab_new_epoch(&t);
		if (round == 1)
			sumtab_reserve(&t, 100000);
		for (size_t i = 0; i < nk; i++) {
			const struct sentry *e = round == 0 ? &t.ent[slots[i]]
						 : find_key(&t, keys[i], lens[i]);

			assert_false(sumtab_live(&t, e));
			check_key_read(&t, e, keys[i], lens[i],
				       round == 0 ? "an old epoch" : "after a rehash");
		}
	}
	sumtab_release(&t);
	free(slots);
	free(lens);
	free(keys);
}

/*
 * The epoch counter wraps: set by hand near UINT32_MAX and stepped twice,
 * the table ends up consistent and empty, and works from there.
 */
static void test_epoch_wrap(void **state)
{
	struct sumtab t;
	struct model m;
	char key[64];

	(void)state;
	sumtab_init(&t);
	model_init(&m);
	for (int i = 0; i < 3000; i++) {
		int n = snprintf(key, sizeof(key), i % 3 ? "w%d" : "wrap-around key number %d", i);

		add_both_ep(&t, &m, key, (size_t)n, 1);
	}
	t.epoch = UINT32_MAX - 1;
	m.ep++;
	check_epoch(&t, &m, "epoch set to UINT32_MAX - 1");
	for (size_t i = 0; i < NKINDS; i++)
		add_both_ep(&t, &m, kinds[i].k, kinds[i].n, 9);
	add_both_ep(&t, &m, "w1", 2, 9);
	add_both_ep(&t, &m, "wrap-around key number 0", 24, 9);
	check_epoch(&t, &m, "epoch UINT32_MAX - 1");

	new_epoch_both(&t, &m);
	check_epoch(&t, &m, "epoch UINT32_MAX, nothing added");
	for (size_t i = 0; i < NKINDS; i += 2)
		add_both_ep(&t, &m, kinds[i].k, kinds[i].n, 11);
	add_both_ep(&t, &m, "w2", 2, 11);
	check_epoch(&t, &m, "epoch UINT32_MAX");

	/* the wrap */
	sumtab_new_epoch(&t);
	if (t.epoch == 0)
		unit_fail("the epoch wrapped to 0, the epoch of an empty slot");
	for (size_t i = 0; i < t.cap; i++) {
		if (sumtab_live(&t, &t.ent[i]))
			unit_fail("after the wrap slot %zu is live", i);
		if (t.ent[i].klen1)
			unit_fail("after the wrap (which empties the table) slot %zu holds a key",
				  i);
	}
	if (t.n != 0 || !t.moved || t.nfresh != 0)
		unit_fail("after the wrap: %zu keys, moved %d, %zu fresh; expected 0, 1, 0",
			  t.n, t.moved, t.nfresh);
	model_release(&m);
	model_init(&m);
	check_epoch(&t, &m, "after the wrap");
	/* and it works as new: old keys are new again, epochs go on */
	take_fresh_both(&t, &m);
	for (size_t i = 0; i < NKINDS; i++)
		add_both_ep(&t, &m, kinds[i].k, kinds[i].n, 2);
	add_both_ep(&t, &m, "w1", 2, 2);
	check_epoch(&t, &m, "adds after the wrap");
	check_fresh(&t, &m, "adds after the wrap");
	check_table(&t, &m, "adds after the wrap");
	for (int e = 0; e < 3; e++) {
		new_epoch_both(&t, &m);
		for (size_t i = 0; i < NKINDS; i += 1 + (size_t)e)
			add_both_ep(&t, &m, kinds[i].k, kinds[i].n, (uint64_t)e + 1);
		add_both_ep(&t, &m, "w3", 2, 1);
		check_epoch(&t, &m, "epochs after the wrap");
	}
	sumtab_release(&t);
	model_release(&m);
}

/*
 * max_bytes: the table doubles while the doubled slots stay within it;
 * then it fills on to 3/4 (keys all found, totals right), says `full`
 * only past that, and a clear empties it keeping its slots.
 */
static void test_max_bytes(void **state)
{
	struct sumtab t;
	struct model m;
	char key[32];
	size_t cap;
	int i;

	(void)state;
	sumtab_init(&t);
	model_init(&m);
	t.max_bytes = 16384 * sizeof(struct sentry) + (256u << 10);
	for (i = 0; !t.full; i++) {
		int n = i % 5 ? snprintf(key, sizeof(key), "%d", i)
			      : snprintf(key, sizeof(key), "a long key, number %d", i);

		add_both(&t, &m, key, (size_t)n, (uint64_t)i + 1);
		if (t.cap > 16384)
			unit_fail("max_bytes allows 16384 slots; the table grew to %zu", t.cap);
		if (i > 20000)
			unit_fail("%d keys in a table of %zu slots and not full", i, t.cap);
		if (t.full && t.n * 4 < t.cap * 3)
			unit_fail("full with %zu keys in %zu slots (not yet 3/4)", t.n, t.cap);
	}
	assert_int_equal(t.cap, 16384);
	assert_true(t.n <= t.cap * 3 / 4);
	check_table(&t, &m, "filled to its limit");
	cap = t.cap;
	sumtab_clear(&t);
	assert_int_equal(t.full, 0);
	assert_int_equal(t.cap, cap);
	assert_int_equal(t.n, 0);
	sumtab_release(&t);
	model_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_table),
		cmocka_unit_test(test_empty_key),
		cmocka_unit_test(test_every_short_length),
		cmocka_unit_test(test_overlap_pairs),
		cmocka_unit_test(test_long_keys),
		cmocka_unit_test(test_binary_keys),
		cmocka_unit_test(test_random_against_model),
		cmocka_unit_test(test_repeats_and_small_counts),
		cmocka_unit_test(test_clear_after_few),
		cmocka_unit_test(test_clear_reuse),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_epoch_basics),
		cmocka_unit_test(test_epoch_replaces_big_total),
		cmocka_unit_test(test_epoch_random),
		cmocka_unit_test(test_fresh_list),
		cmocka_unit_test(test_moved_by_rehash),
		cmocka_unit_test(test_key_bytes),
		cmocka_unit_test(test_epoch_wrap),
		cmocka_unit_test(test_max_bytes),
	};

	UNIT_MAIN("sumtab", tests);
}
