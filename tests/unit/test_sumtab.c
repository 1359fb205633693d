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

#include "worker/sumtab.h"

#include <stdlib.h>
#include <string.h>

/* ---- the model ---------------------------------------------------------------- */

struct mkey {
	char *k;
	size_t n;
	uint64_t sum;
	size_t next;   /* chain: index + 1, 0 = end */
	int seen;
};

struct model {
	struct mkey *keys;
	size_t n, cap;
	size_t *heads;  /* nheads chains, index + 1 */
	size_t nheads;
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

/* A key for a message: printable bytes as they are, others as \xHH. */
static const char *show(const char *k, size_t n)
{
	static char buf[4 * 48 + 8];
	size_t o = 0;

	for (size_t i = 0; i < n && i < 48; i++) {
		unsigned char c = (unsigned char)k[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, 5, "\\x%02x", c);
	}
	if (n > 48)
		o += (size_t)snprintf(buf + o, 4, "...");
	buf[o] = '\0';
	return buf;
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
				  what, i, show(k, n), n);
		if (mk->seen)
			unit_fail("%s: key '%s' (%zu bytes) is in two slots", what, show(k, n), n);
		mk->seen = 1;
		if (e->sum != mk->sum)
			unit_fail("%s: key '%s' (%zu bytes): total %llu, expected %llu", what,
				  show(k, n), n, (unsigned long long)e->sum,
				  (unsigned long long)mk->sum);
		if (n <= SUMTAB_INLINE)
			for (size_t j = n; j < SUMTAB_INLINE; j++)
				if (k[j] != 0)
					unit_fail("%s: short key '%s' (%zu bytes) not zero-padded "
						  "(byte %zu)", what, show(k, n), n, j);
		live++;
	}
	for (size_t i = 0; i < m->n; i++) {
		if (!m->keys[i].seen)
			unit_fail("%s: key '%s' (%zu bytes, total %llu) is missing from the table",
				  what, show(m->keys[i].k, m->keys[i].n), m->keys[i].n,
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
			  "'%s'", what, show(t->overflow_key, t->overflow_klen),
			  t->overflow_klen, want, show(k, n));
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
	};

	UNIT_MAIN("sumtab", tests);
}
