/*
 * test_ctab.c - the map side's combine table (src/worker/ctab.c): finding
 * and inserting keys (binary, long, colliding), value blocks and their
 * growth, when ctab_push() asks for a combine, ctab_set_values(),
 * ctab_compact() and ctab_clear().
 *
 * The table is checked against a plain model: every key inserted, with the
 * list of its values.  ctab_find() returns a slot index that is only valid
 * until the next ctab_find(), so the tests look keys up again before use.
 */
#include "unit.h"

#include "shuffle/ctab.h"
#include "shuffle/kvbuf.h"

#include <stdlib.h>
#include <string.h>

/* ---- the model -------------------------------------------------------------- */

struct model {
	char **keys;
	size_t *klens;
	struct kvbuf *vals;   /* values of key i, with empty keys */
	size_t n, cap;
};

static void model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
}

static void model_release(struct model *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->keys[i]);
		kvbuf_release(&m->vals[i]);
	}
	free(m->keys);
	free(m->klens);
	free(m->vals);
	model_init(m);
}

static size_t model_add_key(struct model *m, const char *key, size_t klen)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->keys = realloc(m->keys, m->cap * sizeof(*m->keys));
		m->klens = realloc(m->klens, m->cap * sizeof(*m->klens));
		m->vals = realloc(m->vals, m->cap * sizeof(*m->vals));
		assert_non_null(m->keys);
		assert_non_null(m->klens);
		assert_non_null(m->vals);
	}
	m->keys[m->n] = malloc(klen ? klen : 1);
	assert_non_null(m->keys[m->n]);
	if (klen)
		memcpy(m->keys[m->n], key, klen);
	m->klens[m->n] = klen;
	kvbuf_init(&m->vals[m->n]);
	return m->n++;
}

static void model_push(struct model *m, size_t i, const char *val, size_t vlen)
{
	assert_int_equal(kvbuf_add(&m->vals[i], "", 0, val, vlen), 0);
}

/* ---- helpers ------------------------------------------------------------------ */

static size_t find(struct ctab *t, const char *key, size_t klen)
{
	return ctab_find(t, ctab_hash(key, klen), key, klen);
}

/* The slot of a key the table has (looking it up must not insert it). */
static size_t slot_of(struct ctab *t, const struct model *m, size_t k)
{
	size_t n = t->n, j = find(t, m->keys[k], m->klens[k]);

	if (t->n != n)
		unit_fail("looking up stored key %zu (%zu bytes) inserted it again", k,
			  m->klens[k]);
	assert_true(j < t->cap);
	return j;
}

/* Insert a key the table must not have yet; returns its model index. */
static size_t insert_new(struct ctab *t, struct model *m, const char *key, size_t klen)
{
	size_t n = t->n, j = find(t, key, klen);
	const struct centry *e = &t->ent[j];

	if (t->n != n + 1)
		unit_fail("new key %zu (%zu bytes): table had %zu entries and now %zu",
			  m->n, klen, n, t->n);
	assert_true(j < t->cap);
	assert_true(ctab_live(e));
	assert_int_equal(ctab_klen(e), klen);
	assert_int_equal(e->nvals, 0);
	assert_int_equal(e->ncombined, 0);
	return model_add_key(m, key, klen);
}

/* Push to model key k with may_combine 0: always stored. */
static void push(struct ctab *t, struct model *m, size_t k, const char *val, size_t vlen)
{
	assert_int_equal(ctab_push(t, slot_of(t, m, k), val, vlen, 0), 0);
	model_push(m, k, val, vlen);
}

/* Arena bytes an entry's key takes: none when kept in the entry. */
static size_t arena_key_bytes(const struct centry *e)
{
	return ctab_klen(e) < CTAB_INLINE ? 0 : (size_t)ctab_klen(e) + 1;
}

/* Slot j holds exactly model key i and its values, each followed by '\0'. */
static void check_entry(const struct ctab *t, const struct model *m, size_t i, size_t j)
{
	const struct centry *e = &t->ent[j];
	const struct kvbuf *want = &m->vals[i];
	struct cvalues it;
	const char *v;
	uint32_t vlen;
	size_t k = 0, used = 0;

	if (ctab_klen(e) != m->klens[i] ||
	    (m->klens[i] && memcmp(ctab_key(t, e), m->keys[i], m->klens[i]) != 0))
		unit_fail("entry %zu: key differs (%u bytes, expected %zu)", i, ctab_klen(e),
			  m->klens[i]);
	if (ctab_key(t, e)[m->klens[i]] != '\0')
		unit_fail("entry %zu: key not followed by '\\0'", i);
	if (e->hash != ctab_hash(m->keys[i], m->klens[i]))
		unit_fail("entry %zu: stored hash differs from ctab_hash()", i);
	if (e->nvals != want->n)
		unit_fail("entry %zu: %u values, expected %zu", i, e->nvals, want->n);
	ctab_values(t, e, &it);
	while (ctab_next_value(&it, &v, &vlen)) {
		const struct kv *r = &want->recs[k];

		assert_true(k < want->n);
		if (vlen != r->vlen || (vlen && memcmp(v, kv_val(want, r), vlen) != 0))
			unit_fail("entry %zu value %zu: differs (%u bytes, expected %u)", i, k,
				  vlen, r->vlen);
		if (v[vlen] != '\0')
			unit_fail("entry %zu value %zu: not followed by '\\0'", i, k);
		used += 4 + (size_t)vlen + 1;
		k++;
	}
	assert_int_equal(k, want->n);
	assert_int_equal(e->bused, used);
	assert_true(e->bused <= e->bcap);
}

/*
 * The whole table equals the model; the arena's accounting adds up: what
 * is not garbage is exactly the keys and the current blocks.
 */
static void check_all(struct ctab *t, const struct model *m)
{
	size_t live = 0, nlive = 0;

	assert_int_equal(t->n, m->n);
	for (size_t i = 0; i < m->n; i++)
		check_entry(t, m, i, slot_of(t, m, i));
	/* slots: a power of two, at most half full (ctab.h) */
	assert_true(t->cap == 0 || (t->cap & (t->cap - 1)) == 0);
	assert_true(t->n * 2 <= t->cap);
	for (size_t j = 0; j < t->cap; j++) {
		const struct centry *e = &t->ent[j];

		if (!ctab_live(e))
			continue;
		nlive++;
		live += arena_key_bytes(e) + e->bcap;
	}
	assert_int_equal(nlive, t->n);
	assert_true(t->garbage <= t->alen);
	if (t->alen - t->garbage != live)
		unit_fail("arena: %zu bytes used, %zu garbage, but keys and blocks take %zu",
			  t->alen, t->garbage, live);
	assert_true(t->alen <= t->acap);
	assert_true(ctab_bytes(t) >= t->acap + t->n * sizeof(struct centry));
}

/* Every model key is found, and finding inserts nothing. */
static void check_find_all(struct ctab *t, const struct model *m)
{
	size_t n = t->n;

	for (size_t i = 0; i < m->n; i++)
		(void)slot_of(t, m, i);
	assert_int_equal(t->n, n);
}

/* Key number `i` of a family of distinct keys: binary, empty, long, prefixes. */
static size_t make_key(char *buf, size_t i, uint64_t *rng)
{
	size_t len;

	switch (i % 8) {
	case 0: /* decimal word */
		return (size_t)snprintf(buf, 32, "w%zu", i);
	case 1: /* binary, with NULs, tagged by i */
		len = 8 + (size_t)(unit_rand(rng) % 24);
		for (size_t j = 0; j < len; j++)
			buf[j] = (char)(unit_rand(rng) % 3 == 0 ? 0 : unit_rand(rng));
		memcpy(buf, &i, sizeof(i));
		return len;
	case 2: /* long: 17 .. 5000 bytes, differing only at the end */
		len = 17 + (size_t)(unit_rand(rng) % 4984);
		memset(buf, 'L', len);
		memcpy(buf + len - sizeof(i), &i, sizeof(i));
		return len;
	case 3: /* "p", "p\0", "p\0\0", ...: prefixes of each other */
		len = 1 + i / 8;
		memset(buf, 0, len);
		buf[0] = 'p';
		return len;
	case 4: /* UTF-8 */
		return (size_t)snprintf(buf, 64, "\xc3\xa9t\xc3\xa9-%zu", i);
	case 5: /* around the inline limit: CTAB_INLINE - 2 .. CTAB_INLINE + 1 bytes */
		len = CTAB_INLINE - 2 + (i / 8) % 4;
		memset(buf, 'I', len);
		memcpy(buf, &i, sizeof(i));
		return len;
	default: /* short decimal, padded to vary the length */
		return (size_t)snprintf(buf, 64, "%0*zu", (int)(i % 13), i);
	}
}

/* The entry of model key k (valid until the next ctab_find). */
static struct centry *entry(struct ctab *t, const struct model *m, size_t k)
{
	return &t->ent[slot_of(t, m, k)];
}

/* ---- tests ------------------------------------------------------------------- */

static void test_empty_table(void **state)
{
	struct ctab t;

	(void)state;
	ctab_init(&t);
	assert_int_equal(t.n, 0);
	assert_int_equal(ctab_bytes(&t), 0);
	ctab_clear(&t);
	ctab_compact(&t);
	assert_int_equal(t.n, 0);
	assert_int_equal(t.garbage, 0);
	ctab_release(&t);
	ctab_release(&t); /* twice is harmless */
	assert_null(t.ent);
	assert_null(t.arena);
}

static void test_find_insert_many(void **state)
{
	enum { N = 20000 };
	uint64_t rng = 11;
	char *buf = malloc(8192);
	struct model m;
	struct ctab t;

	(void)state;
	assert_non_null(buf);
	ctab_init(&t);
	model_init(&m);
	insert_new(&t, &m, "", 0); /* the empty key */
	for (size_t i = 1; i < N; i++) {
		size_t len = make_key(buf, i, &rng);

		insert_new(&t, &m, buf, len);
		if (i % 4999 == 0)
			check_find_all(&t, &m);
	}
	check_all(&t, &m);
	/* a key not stored yet ("w1" would be key 1's form, but key 1 is binary) */
	insert_new(&t, &m, "w1", 2);
	check_all(&t, &m);
	model_release(&m);
	ctab_release(&t);
	free(buf);
}

/* The caller passes the hash: equal hashes for different keys still work. */
static void test_forced_collisions(void **state)
{
	char key[64];
	struct ctab t;
	size_t len, j;

	(void)state;
	ctab_init(&t);
	for (uint32_t i = 0; i < 3000; i++) {
		/* short keys (in the entry) and keys longer than CTAB_INLINE (arena) */
		len = i % 2 ? (size_t)snprintf(key, sizeof(key), "%u", i)
			    : (size_t)snprintf(key, sizeof(key),
					       "a-long-common-prefix-longer-than-inline-%u", i);
		assert_int_equal(t.n, i);
		(void)ctab_find(&t, 7, key, len);
		assert_int_equal(t.n, i + 1);
	}
	for (uint32_t i = 0; i < 3000; i++) {
		len = i % 2 ? (size_t)snprintf(key, sizeof(key), "%u", i)
			    : (size_t)snprintf(key, sizeof(key),
					       "a-long-common-prefix-longer-than-inline-%u", i);
		j = ctab_find(&t, 7, key, len);
		assert_int_equal(t.n, 3000);
		assert_int_equal(t.ent[j].hash, 7);
		assert_int_equal(ctab_klen(&t.ent[j]), len);
		assert_memory_equal(ctab_key(&t, &t.ent[j]), key, len + 1);
	}
	/* the same bytes under another hash are another entry (the caller's contract) */
	(void)ctab_find(&t, 8, "1", 1);
	assert_int_equal(t.n, 3001);
	ctab_release(&t);
}

/* Values of every size, interleaved across keys, blocks growing and moving. */
static void test_push_values_and_growth(void **state)
{
	enum { NKEYS = 300, NPUSH = 12000 };
	uint64_t rng = 99;
	char *val = malloc(20000), key[64];
	struct model m;
	struct ctab t;

	(void)state;
	assert_non_null(val);
	ctab_init(&t);
	model_init(&m);
	for (size_t i = 0; i < NKEYS; i++)
		insert_new(&t, &m, key, (size_t)snprintf(key, sizeof(key),
							 i % 3 ? "k%zu" : "key-long-enough-for-the-arena-%zu", i));
	for (size_t p = 0; p < NPUSH; p++) {
		size_t k = (size_t)(unit_rand(&rng) % (p < NPUSH / 2 ? NKEYS : 7));
		uint64_t kind = unit_rand(&rng) % 100;
		uint32_t bcap = entry(&t, &m, k)->bcap;
		size_t garbage = t.garbage, vlen;
		struct centry *e;

		vlen = kind < 60 ? (size_t)(unit_rand(&rng) % 4)
		       : kind < 95 ? (size_t)(unit_rand(&rng) % 300)
				   : (size_t)(CTAB_BLOCK_MAX + unit_rand(&rng) % 10000);
		for (size_t j = 0; j < vlen; j++)
			val[j] = (char)unit_rand(&rng);
		push(&t, &m, k, val, vlen);
		e = entry(&t, &m, k);
		if (e->bcap != bcap) {
			/* the block moved: the old one became garbage */
			assert_true(e->bcap > bcap);
			assert_int_equal(t.garbage, garbage + bcap);
			if (bcap == 0)
				assert_true(e->bcap >= CTAB_BLOCK_MIN);
		} else {
			assert_int_equal(t.garbage, garbage);
		}
		if (p % 3000 == 0)
			check_all(&t, &m);
	}
	check_all(&t, &m);
	model_release(&m);
	ctab_release(&t);
	free(val);
}

/*
 * When ctab_push(..., may_combine 1) asks for a combine (ctab.h): only when
 * the value does not fit, may_combine is set and the entry has at least two
 * values; it asks the first time a block fills ("combine the first time"),
 * and always once the block has reached CTAB_BLOCK_MAX; in between it may
 * grow the block instead.  A 1 stores nothing.
 */
static void check_signal(int rc, const struct centry *e, size_t vlen, int may,
			 const char *what, int p)
{
	int full = e->bused + 4 + vlen + 1 > e->bcap;
	int allowed = may && full && e->nvals >= 2;
	int required = allowed && (e->ncombined == 0 || e->bcap >= CTAB_BLOCK_MAX);

	if (rc < 0 || rc > 1 || (rc == 1 && !allowed) || (rc == 0 && required))
		unit_fail("%s, push %d: ctab_push returned %d (bused %u bcap %u nvals %u "
			  "ncombined %u vlen %zu may_combine %d)", what, p, rc, e->bused,
			  e->bcap, e->nvals, e->ncombined, vlen, may);
}

/* Values larger than a block: the first is stored, the second grows it, the third asks. */
static void signal_big_values(struct ctab *t, struct model *m, size_t big)
{
	char val[200];
	struct centry *e;

	/* One value larger than a block: stored, whatever may_combine says. */
	memset(val, 'b', sizeof(val));
	assert_int_equal(ctab_push(t, slot_of(t, m, big), val, sizeof(val), 1), 0);
	model_push(m, big, val, sizeof(val));
	/* A second that does not fit: only one value so far, so it grows. */
	e = entry(t, m, big);
	assert_true(e->bused + 4 + sizeof(val) + 1 > e->bcap);
	assert_int_equal(ctab_push(t, slot_of(t, m, big), val, sizeof(val), 1), 0);
	model_push(m, big, val, sizeof(val));
	/* A third that does not fit: two values, never combined: combine first. */
	e = entry(t, m, big);
	if (e->bused + 4 + sizeof(val) + 1 > e->bcap) {
		assert_int_equal(ctab_push(t, slot_of(t, m, big), val, sizeof(val), 1), 1);
		assert_int_equal(entry(t, m, big)->nvals, 2);
	}
}

/* Small values: the first full block asks; may_combine 0 grows it instead. */
static void signal_first_fill(struct ctab *t, struct model *m, size_t cold)
{
	struct centry *e;
	int rc;

	/* "1" takes 4 + 1 + 1 bytes: CTAB_BLOCK_MIN / 6 fit before the first signal. */
	for (size_t n = 0;; n++) {
		rc = ctab_push(t, slot_of(t, m, cold), "1", 1, 1);
		e = entry(t, m, cold);
		if (rc == 1) {
			assert_int_equal(n, CTAB_BLOCK_MIN / 6);
			assert_int_equal(e->nvals, n);
			assert_int_equal(e->bcap, CTAB_BLOCK_MIN);
			break;
		}
		assert_int_equal(rc, 0);
		model_push(m, cold, "1", 1);
		assert_true(n < 100);
	}
	/* may_combine 0 always stores, growing the block */
	assert_int_equal(ctab_push(t, slot_of(t, m, cold), "1", 1, 0), 0);
	model_push(m, cold, "1", 1);
	assert_true(entry(t, m, cold)->bcap > CTAB_BLOCK_MIN);
}

/*
 * The hot key, as mapout drives it: a stream of pushes, combining (into
 * the count of values so far) whenever asked, each answer checked against
 * the rule.
 */
static void signal_hot_key(struct ctab *t, struct model *m, size_t hot, uint64_t *rng)
{
	struct centry *e, before;
	char val[8];
	size_t signals = 0, first_signal = 0;
	int rc;

	for (int p = 0; p < 20000; p++) {
		size_t vlen = 1 + (size_t)(unit_rand(rng) % 3);
		int may = 1;

		for (size_t j = 0; j < vlen; j++)
			val[j] = (char)('0' + unit_rand(rng) % 10);
		before = *entry(t, m, hot);
		rc = ctab_push(t, slot_of(t, m, hot), val, vlen, may);
		check_signal(rc, &before, vlen, may, "hot key", p);
		if (rc == 1) {
			char sum[32];
			const char *vals[1] = { sum };
			uint32_t lens[1];

			/* nothing changed */
			e = entry(t, m, hot);
			assert_int_equal(e->nvals, before.nvals);
			assert_int_equal(e->bused, before.bused);
			assert_int_equal(e->bcap, before.bcap);
			if (!signals++)
				first_signal = (size_t)p;
			lens[0] = (uint32_t)snprintf(sum, sizeof(sum), "%u", before.nvals);
			ctab_set_values(t, slot_of(t, m, hot), vals, lens, 1);
			assert_int_equal(entry(t, m, hot)->ncombined, before.ncombined + 1);
			kvbuf_clear(&m->vals[hot]);
			model_push(m, hot, sum, lens[0]);
			assert_int_equal(ctab_push(t, slot_of(t, m, hot), val, vlen, 0), 0);
		}
		model_push(m, hot, val, vlen);
	}
	/* the hot key was combined again and again, its block at most the maximum */
	assert_true(signals > 20);
	assert_true(first_signal < 100);
	assert_true(entry(t, m, hot)->bcap <= CTAB_BLOCK_MAX);
}

/* Many keys, a random mix of pushes, the rule checked every time. */
static void signal_many_keys(struct ctab *t, struct model *m, uint64_t *rng)
{
	struct centry before;
	char val[40];
	int rc;

	for (size_t i = 0; i < 200; i++) {
		char key[16];

		insert_new(t, m, key, (size_t)snprintf(key, sizeof(key), "m%zu", i));
	}
	for (int p = 0; p < 20000; p++) {
		size_t k = 3 + (size_t)(unit_rand(rng) % 200);
		size_t vlen = (size_t)(unit_rand(rng) % 40);
		int may = unit_rand(rng) % 4 != 0;

		memset(val, 'v', vlen);
		before = *entry(t, m, k);
		rc = ctab_push(t, slot_of(t, m, k), val, vlen, may);
		check_signal(rc, &before, vlen, may, "many keys", p);
		if (rc == 1) {
			const char *vals[2] = { "c", "d" };
			uint32_t lens[2] = { 1, 1 };

			/* a combine may leave more than one value */
			ctab_set_values(t, slot_of(t, m, k), vals, lens, 2);
			kvbuf_clear(&m->vals[k]);
			model_push(m, k, "c", 1);
			model_push(m, k, "d", 1);
			assert_int_equal(ctab_push(t, slot_of(t, m, k), val, vlen, 0), 0);
		}
		model_push(m, k, val, vlen);
	}
}

static void test_combine_signal(void **state)
{
	uint64_t rng = 5;
	struct model m;
	struct ctab t;
	size_t hot, cold, big;

	(void)state;
	ctab_init(&t);
	model_init(&m);
	hot = insert_new(&t, &m, "hot", 3);
	cold = insert_new(&t, &m, "cold", 4);
	big = insert_new(&t, &m, "big", 3);
	signal_big_values(&t, &m, big);
	signal_first_fill(&t, &m, cold);
	signal_hot_key(&t, &m, hot, &rng);
	check_all(&t, &m);
	signal_many_keys(&t, &m, &rng);
	check_all(&t, &m);
	model_release(&m);
	ctab_release(&t);
}

static void test_set_values(void **state)
{
	static const char *const three[] = { "", "two", "a value longer than a 32-byte block, surely" };
	uint32_t lens[3];
	uint32_t biglen = 3 * CTAB_BLOCK_MAX;
	char *big = malloc(biglen);
	const char *one[1] = { big };
	struct model m;
	struct ctab t;
	size_t a, b;

	(void)state;
	assert_non_null(big);
	memset(big, 'z', biglen);
	for (int i = 0; i < 3; i++)
		lens[i] = (uint32_t)strlen(three[i]);
	ctab_init(&t);
	model_init(&m);
	a = insert_new(&t, &m, "a", 1);
	b = insert_new(&t, &m, "b-a key longer than CTAB_INLINE bytes, in the arena", 51);
	push(&t, &m, a, "x", 1);
	push(&t, &m, b, "y", 1);

	/* several values, one longer than the block */
	ctab_set_values(&t, slot_of(&t, &m, a), three, lens, 3);
	kvbuf_clear(&m.vals[a]);
	for (int i = 0; i < 3; i++)
		model_push(&m, a, three[i], lens[i]);
	assert_int_equal(entry(&t, &m, a)->ncombined, 1);
	check_all(&t, &m);
	/* no values at all */
	ctab_set_values(&t, slot_of(&t, &m, b), NULL, NULL, 0);
	kvbuf_clear(&m.vals[b]);
	assert_int_equal(entry(&t, &m, b)->nvals, 0);
	assert_int_equal(entry(&t, &m, b)->ncombined, 1);
	check_all(&t, &m);
	/* pushing after an empty set */
	push(&t, &m, b, "again", 5);
	check_all(&t, &m);
	/* one huge value, then one tiny (the block stays) */
	ctab_set_values(&t, slot_of(&t, &m, a), one, &biglen, 1);
	kvbuf_clear(&m.vals[a]);
	model_push(&m, a, big, biglen);
	check_all(&t, &m);
	ctab_set_values(&t, slot_of(&t, &m, a), three + 1, lens + 1, 1);
	kvbuf_clear(&m.vals[a]);
	model_push(&m, a, three[1], lens[1]);
	assert_int_equal(entry(&t, &m, a)->ncombined, 3);
	check_all(&t, &m);
	model_release(&m);
	ctab_release(&t);
	free(big);
}

/* Compaction drops garbage only: every key and value survives, and works on. */
static void test_compact(void **state)
{
	enum { NKEYS = 2000 };
	uint64_t rng = 1234;
	char *buf = malloc(8192), val[64];
	struct model m;
	struct ctab t;
	size_t used_before, live, want = 0;

	(void)state;
	assert_non_null(buf);
	ctab_init(&t);
	model_init(&m);
	for (size_t i = 0; i < NKEYS; i++)
		insert_new(&t, &m, buf, make_key(buf, i, &rng));
	/* grow blocks (making garbage) and combine some keys down */
	for (int p = 0; p < 30000; p++) {
		size_t k = (size_t)(unit_rand(&rng) % (p % 2 ? 50 : NKEYS));
		size_t vlen = (size_t)(unit_rand(&rng) % sizeof(val));

		for (size_t j = 0; j < vlen; j++)
			val[j] = (char)unit_rand(&rng);
		push(&t, &m, k, val, vlen);
		if (unit_rand(&rng) % 500 == 0) {
			const char *v[1] = { val };
			uint32_t l[1] = { (uint32_t)vlen };

			ctab_set_values(&t, slot_of(&t, &m, k), v, l, 1);
			kvbuf_clear(&m.vals[k]);
			model_push(&m, k, val, vlen);
		}
	}
	check_all(&t, &m);
	assert_true(t.garbage > 0);
	used_before = t.alen;
	live = t.alen - t.garbage;
	ctab_compact(&t);
	assert_int_equal(t.garbage, 0);
	assert_true(t.alen <= live);
	assert_true(t.alen < used_before);
	/* what is left is the long keys and the values, nothing else */
	for (size_t j = 0; j < t.cap; j++)
		if (ctab_live(&t.ent[j]))
			want += arena_key_bytes(&t.ent[j]) + t.ent[j].bused;
	assert_int_equal(t.alen, want);
	check_all(&t, &m);
	/* the table keeps working: new keys, pushes into full blocks */
	for (int p = 0; p < 5000; p++) {
		push(&t, &m, (size_t)(unit_rand(&rng) % NKEYS), "v", 1);
		if (p % 10 == 0)
			insert_new(&t, &m, buf, make_key(buf, NKEYS + (size_t)p, &rng));
	}
	check_all(&t, &m);
	/* compacting twice in a row is harmless */
	ctab_compact(&t);
	ctab_compact(&t);
	check_all(&t, &m);
	model_release(&m);
	ctab_release(&t);
	free(buf);
}

static void test_clear(void **state)
{
	struct model m;
	struct ctab t;
	struct centry *e;
	char key[64];
	size_t bytes, cap, k;

	(void)state;
	ctab_init(&t);
	model_init(&m);
	for (size_t i = 0; i < 5000; i++) {
		k = insert_new(&t, &m, key, (size_t)snprintf(key, sizeof(key),
							     i % 2 ? "k%zu" : "a long key to live in the arena %zu", i));
		push(&t, &m, k, "1", 1);
		if (i % 10 == 0) /* grow some blocks: garbage */
			for (int j = 0; j < 10; j++)
				push(&t, &m, k, "more", 4);
	}
	assert_true(t.garbage > 0);
	bytes = ctab_bytes(&t);
	cap = t.cap;
	ctab_clear(&t);
	model_release(&m);
	model_init(&m);
	assert_int_equal(t.n, 0);
	assert_int_equal(t.alen, 0);
	assert_int_equal(t.garbage, 0);
	for (size_t j = 0; j < t.cap; j++)
		assert_false(ctab_live(&t.ent[j]));
	/* memory is kept for reuse */
	assert_int_equal(ctab_bytes(&t), bytes);
	assert_int_equal(t.cap, cap);
	/* an old key is a new entry now, with no values */
	k = insert_new(&t, &m, "k4999", 5);
	e = entry(&t, &m, k);
	assert_int_equal(e->nvals, 0);
	assert_int_equal(e->ncombined, 0);
	assert_int_equal(e->bcap, 0);
	push(&t, &m, k, "fresh", 5);
	for (size_t i = 0; i < 5000; i++)
		if (i != 4999)
			insert_new(&t, &m, key, (size_t)snprintf(key, sizeof(key),
								 i % 2 ? "k%zu" : "a long key to live in the arena %zu", i));
	check_all(&t, &m);
	model_release(&m);
	ctab_release(&t);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* The hash reads exactly klen bytes, is deterministic, and spreads keys. */
static void test_hash(void **state)
{
	uint64_t rng = 77;
	uint32_t *h = malloc(50000 * sizeof(*h));
	size_t distinct = 1, changed = 0, flips = 0;

	(void)state;
	assert_non_null(h);
	for (size_t len = 0; len <= 80; len++) {
		/* exact-size copies: ASan reports any read past the key */
		char *a = malloc(len ? len : 1), *b = malloc(len ? len : 1);

		assert_non_null(a);
		assert_non_null(b);
		for (size_t j = 0; j < len; j++)
			a[j] = (char)unit_rand(&rng);
		if (len)
			memcpy(b, a, len);
		assert_int_equal(ctab_hash(a, len), ctab_hash(b, len));
		for (size_t j = 0; j < len; j++) {
			b[j] ^= 0x01;
			changed += ctab_hash(a, len) != ctab_hash(b, len);
			flips++;
			b[j] ^= 0x01;
		}
		free(a);
		free(b);
	}
	/* one flipped bit changes the hash (allow a stray collision) */
	assert_true(changed + 2 >= flips);
	for (size_t i = 0; i < 50000; i++) {
		char key[32];
		int n = snprintf(key, sizeof(key), "word%zu", i);

		h[i] = ctab_hash(key, (size_t)n);
	}
	qsort(h, 50000, sizeof(*h), cmp_u32);
	for (size_t i = 1; i < 50000; i++)
		distinct += h[i] != h[i - 1];
	assert_true(distinct >= 49990);
	free(h);
}

/*
 * `moves` changes with every rehash, clear and release, and never comes
 * back to a value it had (a release leaves the table usable, `moves` going
 * on); ctab_lookup finds what ctab_find inserted and changes nothing.
 */
static void test_moves(void **state)
{
	struct ctab t;
	uint64_t last;
	char key[32];

	(void)state;
	ctab_init(&t);
	last = t.moves;
	for (int round = 0; round < 3; round++) {
		ctab_reserve(&t, 3000);
		assert_true(t.moves > last);
		last = t.moves;
		for (int i = 0; i < 5000; i++) {
			int n = snprintf(key, sizeof(key), "key %d", i);
			uint32_t h = ctab_hash(key, (size_t)n);
			size_t cap = t.cap;
			uint64_t before = t.moves;
			size_t j;

			assert_int_equal(ctab_lookup(&t, h, key, (size_t)n), CTAB_NONE);
			assert_int_equal(t.moves, before);
			j = ctab_find(&t, h, key, (size_t)n);
			assert_true(t.cap == cap ? t.moves == before : t.moves > before);
			assert_int_equal(ctab_lookup(&t, h, key, (size_t)n), j);
			last = t.moves;
		}
		ctab_clear(&t);
		assert_true(t.moves > last);
		last = t.moves;
		ctab_release(&t);
		assert_true(t.moves > last);
		assert_int_equal(t.cap, 0);
		assert_int_equal(t.n, 0);
		assert_int_equal(ctab_lookup(&t, 1, "x", 1), CTAB_NONE);
		last = t.moves;
	}
	ctab_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_table),
		cmocka_unit_test(test_find_insert_many),
		cmocka_unit_test(test_forced_collisions),
		cmocka_unit_test(test_push_values_and_growth),
		cmocka_unit_test(test_combine_signal),
		cmocka_unit_test(test_set_values),
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_moves),
	};

	UNIT_MAIN("ctab", tests);
}
