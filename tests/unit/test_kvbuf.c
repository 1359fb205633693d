/* test_kvbuf.c - unit tests of src/worker/kvbuf.c (records, arena, sort). */
#include "unit.h"

#include "shuffle/keysort.h"
#include "shuffle/kvbuf.h"

#include <stdlib.h>
#include <string.h>

static void add(struct kvbuf *b, const char *k, size_t kl, const char *v, size_t vl)
{
	assert_int_equal(kvbuf_add(b, k, kl, v, vl), 0);
}

/* Record i holds exactly (k, v), each followed by an uncounted '\0'. */
static void check_rec(const struct kvbuf *b, size_t i, const char *k, size_t kl,
		      const char *v, size_t vl)
{
	const struct kv *r;

	assert_true(i < b->n);
	r = &b->recs[i];
	assert_int_equal(r->klen, kl);
	assert_int_equal(r->vlen, vl);
	if (kl)
		assert_memory_equal(kv_key(b, r), k, kl);
	if (vl)
		assert_memory_equal(kv_val(b, r), v, vl);
	assert_int_equal(kv_key(b, r)[kl], '\0');
	assert_int_equal(kv_val(b, r)[vl], '\0');
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static void test_empty(void **state)
{
	struct kvbuf b;

	(void)state;
	kvbuf_init(&b);
	assert_int_equal(b.n, 0);
	kvbuf_sort(&b);
	kvbuf_clear(&b);
	assert_int_equal(b.n, 0);
	kvbuf_release(&b);
	kvbuf_release(&b); /* twice is harmless */
	assert_null(b.arena);
	assert_null(b.recs);
}

static void test_add_and_terminators(void **state)
{
	struct kvbuf b;

	(void)state;
	kvbuf_init(&b);
	add(&b, "apple", 5, "1", 1);
	add(&b, "", 0, "empty key", 9);
	add(&b, "no value", 8, "", 0);
	add(&b, "", 0, "", 0);
	/* lengths rule, not strlen: only the first kl/vl bytes are copied */
	add(&b, "keyXXX", 3, "valYYY", 3);
	assert_int_equal(b.n, 5);
	check_rec(&b, 0, "apple", 5, "1", 1);
	check_rec(&b, 1, "", 0, "empty key", 9);
	check_rec(&b, 2, "no value", 8, "", 0);
	check_rec(&b, 3, "", 0, "", 0);
	check_rec(&b, 4, "key", 3, "val", 3);
	/* the terminators make keys and values usable as C strings */
	assert_string_equal(kv_key(&b, &b.recs[4]), "key");
	assert_string_equal(kv_val(&b, &b.recs[4]), "val");
	assert_string_equal(kv_key(&b, &b.recs[0]), "apple");
	kvbuf_release(&b);
}

/* The copy is a copy: changing the caller's bytes afterwards changes nothing. */
static void test_add_copies(void **state)
{
	struct kvbuf b;
	char k[8] = "key", v[8] = "value";

	(void)state;
	kvbuf_init(&b);
	add(&b, k, 3, v, 5);
	memset(k, 'X', sizeof(k));
	memset(v, 'Y', sizeof(v));
	check_rec(&b, 0, "key", 3, "value", 5);
	kvbuf_release(&b);
}

static void test_binary_keys(void **state)
{
	/* in unsigned byte order */
	static const struct { const char *k; size_t n; } want[] = {
		{ "", 0 }, { "\0", 1 }, { "\0\0", 2 }, { "\0\x01", 2 }, { "\x01", 1 },
		{ "\x7f", 1 }, { "\x80", 1 }, { "\xfe\xff", 2 }, { "\xff", 1 },
		{ "\xff\0", 2 }, { "\xff\xff", 2 },
	};
	enum { N = sizeof(want) / sizeof(want[0]) };
	static const int order[N] = { 8, 3, 10, 0, 6, 1, 9, 5, 2, 7, 4 };
	struct kvbuf b;

	(void)state;
	kvbuf_init(&b);
	for (int i = 0; i < N; i++) {
		char v[2] = { (char)('A' + order[i]), 0 };

		add(&b, want[order[i]].k, want[order[i]].n, v, 1);
	}
	kvbuf_sort(&b);
	for (int i = 0; i < N; i++) {
		char v[2] = { (char)('A' + i), 0 };

		check_rec(&b, (size_t)i, want[i].k, want[i].n, v, 1);
	}
	/* NUL inside a key: the value is still found right after the key's own '\0' */
	kvbuf_clear(&b);
	add(&b, "a\0b\0", 4, "\0v\0", 3);
	check_rec(&b, 0, "a\0b\0", 4, "\0v\0", 3);
	kvbuf_release(&b);
}

static void test_prefix_order(void **state)
{
	static const struct { const char *k; size_t n; } sorted[] = {
		{ "", 0 }, { "a", 1 }, { "a\0", 2 }, { "a\0\0", 3 }, { "aa", 2 },
		{ "ab", 2 }, { "abc", 3 }, { "b", 1 },
	};
	enum { N = sizeof(sorted) / sizeof(sorted[0]) };
	struct kvbuf b;

	(void)state;
	/* keysort_keycmp itself */
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			assert_int_equal(sign(keysort_keycmp(sorted[i].k, sorted[i].n,
							sorted[j].k, sorted[j].n)),
					 (i > j) - (i < j));
	assert_int_equal(keysort_keycmp("ab", 2, "abX", 2), 0);
	/* kvbuf_sort, from reversed input */
	kvbuf_init(&b);
	for (int i = N - 1; i >= 0; i--)
		add(&b, sorted[i].k, sorted[i].n, "", 0);
	kvbuf_sort(&b);
	for (int i = 0; i < N; i++)
		check_rec(&b, (size_t)i, sorted[i].k, sorted[i].n, "", 0);
	kvbuf_release(&b);
}

/* Equal keys keep their insertion order (the reduce's value order relies on it). */
static void test_sort_stable(void **state)
{
	enum { N = 5000 };
	static const char *keys[] = { "m", "a", "z", "a\0", "", "mm" };
	uint64_t rng = 11;
	struct kvbuf b;
	char v[16];

	(void)state;
	kvbuf_init(&b);
	for (int i = 0; i < N; i++) {
		int k = (int)(unit_rand(&rng) % 6);
		int n = snprintf(v, sizeof(v), "%d", i);

		add(&b, keys[k], k == 3 ? 2 : strlen(keys[k]), v, (size_t)n);
	}
	kvbuf_sort(&b);
	assert_int_equal(b.n, N);
	for (size_t i = 1; i < b.n; i++) {
		const struct kv *p = &b.recs[i - 1], *q = &b.recs[i];
		int c = keysort_keycmp(kv_key(&b, p), p->klen, kv_key(&b, q), q->klen);

		assert_true(c <= 0);
		if (c == 0)
			assert_true(atoi(kv_val(&b, p)) < atoi(kv_val(&b, q)));
	}
	kvbuf_release(&b);
}

/* Clear keeps the memory; the buffer is fully usable again, nothing old shows. */
static void test_clear_reuse(void **state)
{
	struct kvbuf b;
	size_t cap, ncap;
	char k[32];

	(void)state;
	kvbuf_init(&b);
	for (int i = 0; i < 1000; i++) {
		int n = snprintf(k, sizeof(k), "old-%d", i);

		add(&b, k, (size_t)n, "old value", 9);
	}
	cap = b.cap;
	ncap = b.ncap;
	kvbuf_clear(&b);
	assert_int_equal(b.n, 0);
	assert_int_equal(b.cap, cap);
	assert_int_equal(b.ncap, ncap);
	add(&b, "new2", 4, "b", 1);
	add(&b, "new1", 4, "a", 1);
	add(&b, "new1", 4, "c", 1);
	kvbuf_sort(&b);
	assert_int_equal(b.n, 3);
	check_rec(&b, 0, "new1", 4, "a", 1);
	check_rec(&b, 1, "new1", 4, "c", 1);
	check_rec(&b, 2, "new2", 4, "b", 1);
	/* and again, with larger records than before */
	for (int round = 0; round < 3; round++) {
		char big[4096];

		memset(big, 'a' + round, sizeof(big));
		kvbuf_clear(&b);
		add(&b, big, sizeof(big), big, sizeof(big) - 1);
		assert_int_equal(b.n, 1);
		check_rec(&b, 0, big, sizeof(big), big, sizeof(big) - 1);
	}
	kvbuf_release(&b);
}

/* Many records: arena growth keeps earlier records intact; sort is total and stable. */
static void test_many_records(void **state)
{
	enum { N = 200000 };
	uint64_t rng = 2024;
	struct kvbuf b;
	char k[12], v[24];

	(void)state;
	kvbuf_init(&b);
	for (int i = 0; i < N; i++) {
		size_t kl = (size_t)(unit_rand(&rng) % 4) + 1;
		int vl;

		for (size_t j = 0; j < kl; j++)
			k[j] = (char)(unit_rand(&rng) % 4 * 85); /* 0, 85, 170, 255 */
		vl = snprintf(v, sizeof(v), "%d", i);
		add(&b, k, kl, v, (size_t)vl);
	}
	assert_int_equal(b.n, N);
	/* spot check before sorting: record i's value is still i */
	for (int i = 0; i < N; i += 997)
		assert_int_equal(atoi(kv_val(&b, &b.recs[i])), i);
	kvbuf_sort(&b);
	for (size_t i = 1; i < b.n; i++) {
		const struct kv *p = &b.recs[i - 1], *q = &b.recs[i];
		int c = keysort_keycmp(kv_key(&b, p), p->klen, kv_key(&b, q), q->klen);

		assert_true(c <= 0);
		if (c == 0)
			assert_true(atoi(kv_val(&b, p)) < atoi(kv_val(&b, q)));
		assert_int_equal(kv_key(&b, q)[q->klen], '\0');
		assert_int_equal(kv_val(&b, q)[q->vlen], '\0');
	}
	kvbuf_release(&b);
}

/* A key or value of 4 GiB - 1 bytes or more is refused before anything is copied. */
static void test_too_large(void **state)
{
	struct kvbuf b;

	(void)state;
	kvbuf_init(&b);
	add(&b, "k", 1, "v", 1);
	log_clear_last_error();
	assert_int_equal(kvbuf_add(&b, "k", (size_t)UINT32_MAX, "v", 1), -1);
	assert_true(strlen(log_last_error()) > 0);
	assert_int_equal(kvbuf_add(&b, "k", 1, "v", (size_t)UINT32_MAX), -1);
	assert_int_equal(kvbuf_add(&b, "k", SIZE_MAX, "v", 1), -1);
	assert_int_equal(kvbuf_add(&b, "k", 1, "v", SIZE_MAX), -1);
	assert_int_equal(b.n, 1);
	check_rec(&b, 0, "k", 1, "v", 1);
	kvbuf_release(&b);
}

/* ---- sort stress: kvbuf_sort against a reference stable sort ------------------ */

/* memcmp order on unsigned bytes, a proper prefix first (written out, not keysort_keycmp). */
static int ref_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;

	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return (unsigned char)a[i] < (unsigned char)b[i] ? -1 : 1;
	return alen < blen ? -1 : alen > blen;
}

static int ref_cmp_rec(const struct kvbuf *b, size_t x, size_t y)
{
	const struct kv *p = &b->recs[x], *q = &b->recs[y];

	return ref_cmp(kv_key(b, p), p->klen, kv_key(b, q), q->klen);
}

/* Stable top-down merge sort of record indices idx[0..n) (tmp: n more). */
static void ref_sort(const struct kvbuf *b, size_t *idx, size_t *tmp, size_t n)
{
	size_t mid = n / 2, i = 0, j = mid, o = 0;

	if (n < 2)
		return;
	ref_sort(b, idx, tmp, mid);
	ref_sort(b, idx + mid, tmp, n - mid);
	while (i < mid && j < n)	/* ties: the left (earlier) one first */
		tmp[o++] = ref_cmp_rec(b, idx[j], idx[i]) < 0 ? idx[j++] : idx[i++];
	while (i < mid)
		tmp[o++] = idx[i++];
	while (j < n)
		tmp[o++] = idx[j++];
	memcpy(idx, tmp, n * sizeof(*idx));
}

/*
 * Sort `b` (whose record i has the value "i" in decimal) with kvbuf_sort and
 * compare, record by record, with the reference sort of a copy.
 */
static void check_sort_with(struct kvbuf *b, const char *what, struct kvsort_scratch *scratch)
{
	size_t n = b->n;
	size_t *idx = malloc((n + 1) * sizeof(*idx)), *tmp = malloc((n + 1) * sizeof(*tmp));
	struct kvbuf ref;

	assert_non_null(idx);
	assert_non_null(tmp);
	kvbuf_init(&ref);
	for (size_t i = 0; i < n; i++) {
		const struct kv *r = &b->recs[i];
		char v[24];
		int vl = snprintf(v, sizeof(v), "%zu", i);

		/* the values must be the insertion indices */
		assert_int_equal(r->vlen, vl);
		assert_memory_equal(kv_val(b, r), v, (size_t)vl);
		add(&ref, kv_key(b, r), r->klen, kv_val(b, r), r->vlen);
		idx[i] = i;
	}
	ref_sort(&ref, idx, tmp, n);
	if (scratch)
		kvbuf_sort_with(b, scratch);
	else
		kvbuf_sort(b);
	assert_int_equal(b->n, n);
	for (size_t i = 0; i < n; i++) {
		const struct kv *got = &b->recs[i], *want = &ref.recs[idx[i]];

		if (got->klen != want->klen || got->vlen != want->vlen ||
		    memcmp(kv_key(b, got), kv_key(&ref, want), got->klen) != 0 ||
		    memcmp(kv_val(b, got), kv_val(&ref, want), got->vlen) != 0)
			unit_fail("%s (%zu records): position %zu holds record %.*s (key of %u "
				  "bytes), the reference sort has record %.*s (key of %u bytes)",
				  what, n, i, (int)got->vlen, kv_val(b, got), got->klen,
				  (int)want->vlen, kv_val(&ref, want), want->klen);
		assert_int_equal(kv_key(b, got)[got->klen], '\0');
		assert_int_equal(kv_val(b, got)[got->vlen], '\0');
	}
	kvbuf_release(&ref);
	free(idx);
	free(tmp);
}

static void check_sort(struct kvbuf *b, const char *what)
{
	check_sort_with(b, what, NULL);
}

/* Append a record with key k and the value "index of the record". */
static void add_indexed(struct kvbuf *b, const char *k, size_t kl)
{
	char v[24];
	int vl = snprintf(v, sizeof(v), "%zu", b->n);

	add(b, k, kl, v, (size_t)vl);
}

/*
 * Random keys, 0..40 bytes from { '\0', 'a', 'b', 0xff }, many behind a
 * stem of 'a's (so many share their first 8 or 16 bytes, or are equal but
 * for trailing NULs, which a zero-padded prefix cannot tell apart), half of
 * them repeats of earlier keys; every size that matters to a quicksort with
 * an insertion-sort cut-off.
 */
static void test_sort_random_vs_reference(void **state)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 16, 17, 18, 33, 1000, 50000 };
	static const char alphabet[] = { '\0', 'a', 'b', (char)0xff };
	uint64_t rng = 77;

	(void)state;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct kvbuf b, keys;
		char what[64], k[48];

		kvbuf_init(&b);
		kvbuf_init(&keys);
		for (size_t i = 0; i < sizes[s]; i++) {
			size_t kl, stem;

			if (keys.n && unit_rand(&rng) % 2) {
				const struct kv *r = &keys.recs[unit_rand(&rng) % keys.n];

				add_indexed(&b, kv_key(&keys, r), r->klen);
				continue;
			}
			kl = (size_t)(unit_rand(&rng) % 41);
			if (unit_rand(&rng) % 3 == 0)
				kl %= 10; /* more keys around the 8-byte prefix */
			/* a shared stem makes long equal prefixes common */
			stem = unit_rand(&rng) % 2 ? 6 : 18;
			for (size_t j = 0; j < kl; j++) {
				int in_stem = j < stem && unit_rand(&rng) % 8;

				k[j] = in_stem ? 'a' : alphabet[unit_rand(&rng) % 4];
			}
			add(&keys, k, kl, "", 0);
			add_indexed(&b, k, kl);
		}
		snprintf(what, sizeof(what), "random keys, %zu records", sizes[s]);
		check_sort(&b, what);
		kvbuf_release(&b);
		kvbuf_release(&keys);
	}
}

/*
 * 100000 keys already in order, in reverse order, sawtooth, organ pipe, and
 * all equal (the order must then be the insertion order): the inputs that
 * hurt a quicksort.  Keys are 4-byte big-endian numbers behind a stem of
 * 0, 6, 14 or 20 bytes (so a sort prefix of 8 or 16 bytes holds all of the
 * number, part of it, or none).
 */
static void test_sort_patterns(void **state)
{
	enum { N = 100000 };
	static const char *const names[] = { "sorted", "reversed", "sawtooth", "organ pipe",
					      "all equal", "two values" };
	static const size_t stems[] = { 0, 6, 14, 20 };

	(void)state;
	for (size_t st = 0; st < sizeof(stems) / sizeof(stems[0]); st++)
		for (size_t pat = 0; pat < sizeof(names) / sizeof(names[0]); pat++) {
			size_t stem = stems[st];
			struct kvbuf b;
			char what[64], k[24];

			kvbuf_init(&b);
			memset(k, 's', stem);
			for (uint32_t i = 0; i < N; i++) {
				uint32_t x;

				switch (pat) {
				case 0:
					x = i;
					break;
				case 1:
					x = N - i;
					break;
				case 2:
					x = i % 1000;
					break;
				case 3:
					x = i < N / 2 ? i : N - i;
					break;
				case 4:
					x = 42;
					break;
				default:
					x = i % 2 ? 7 : 0x01000000;
					break;
				}
				k[stem] = (char)(x >> 24);
				k[stem + 1] = (char)(x >> 16);
				k[stem + 2] = (char)(x >> 8);
				k[stem + 3] = (char)x;
				add_indexed(&b, k, stem + 4);
			}
			snprintf(what, sizeof(what), "%s, %zu-byte stem", names[pat], stem);
			check_sort(&b, what);
			kvbuf_release(&b);
		}
}

/* The same through kvbuf_clear: records sorted before do not get in the way. */
static void test_sort_after_clear(void **state)
{
	uint64_t rng = 79;
	struct kvbuf b;
	char k[24];

	(void)state;
	kvbuf_init(&b);
	for (int round = 0; round < 5; round++) {
		size_t n = (size_t)(unit_rand(&rng) % 3000);

		kvbuf_clear(&b);
		for (size_t i = 0; i < n; i++) {
			size_t kl = (size_t)(unit_rand(&rng) % 20);

			for (size_t j = 0; j < kl; j++)
				k[j] = (char)(unit_rand(&rng) % 3 ? 'x' : unit_rand(&rng) % 256);
			add_indexed(&b, k, kl);
		}
		check_sort(&b, "after kvbuf_clear");
	}
	kvbuf_release(&b);
}

/* a and b hold the same records in the same order. */
static void assert_same_records(const struct kvbuf *a, const struct kvbuf *b, const char *what)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct kv *x = &a->recs[i], *y = &b->recs[i];

		if (x->klen != y->klen || x->vlen != y->vlen ||
		    memcmp(kv_key(a, x), kv_key(b, y), x->klen) != 0 ||
		    memcmp(kv_val(a, x), kv_val(b, y), x->vlen) != 0)
			unit_fail("%s: record %zu differs between kvbuf_sort_with and kvbuf_sort",
				  what, i);
	}
}

/* Append the same random records to a and b. */
static void add_random_pair(struct kvbuf *a, struct kvbuf *b, size_t n, uint64_t *rng)
{
	char k[40];

	for (size_t i = 0; i < n; i++) {
		size_t kl = (size_t)(unit_rand(rng) % 24);

		for (size_t j = 0; j < kl; j++)
			k[j] = (char)(unit_rand(rng) % 4 ? 'k' : unit_rand(rng) % 256);
		add_indexed(a, k, kl);
		add_indexed(b, k, kl);
	}
}

/*
 * kvbuf_sort_with, the map side's path, against kvbuf_sort: one scratch
 * for buffers of growing and shrinking sizes (its arrays reused, grown,
 * and swapped with the buffers' record arrays), each result checked
 * against the reference sort; and a buffer that takes more records after
 * a sort and is sorted again, record for record the same as the plain
 * sort of the same buffer.
 */
static void test_sort_with_scratch(void **state)
{
	static const size_t sizes[] = { 5000, 3, 0, 1, 70000, 64, 63, 20000, 2 };
	struct kvsort_scratch scratch = { 0 };
	uint64_t rng = 81;
	struct kvbuf fast, plain;

	(void)state;
	kvbuf_init(&fast);
	kvbuf_init(&plain);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct kvbuf b, unused;
		char what[80];

		kvbuf_init(&b);
		kvbuf_init(&unused);
		add_random_pair(&b, &unused, sizes[s], &rng);
		snprintf(what, sizeof(what), "shared scratch, %zu records", sizes[s]);
		check_sort_with(&b, what, &scratch);
		kvbuf_release(&b);
		kvbuf_release(&unused);

		add_random_pair(&fast, &plain, sizes[s] / 4 + 1, &rng);
		kvbuf_sort_with(&fast, &scratch);
		kvbuf_sort(&plain);
		snprintf(what, sizeof(what), "a buffer sorted again at %zu records", fast.n);
		assert_same_records(&fast, &plain, what);
	}
	kvbuf_release(&fast);
	kvbuf_release(&plain);
	kvsort_scratch_release(&scratch);
	kvsort_scratch_release(&scratch); /* released twice: still empty, no double free */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_add_and_terminators),
		cmocka_unit_test(test_add_copies),
		cmocka_unit_test(test_binary_keys),
		cmocka_unit_test(test_prefix_order),
		cmocka_unit_test(test_sort_stable),
		cmocka_unit_test(test_clear_reuse),
		cmocka_unit_test(test_many_records),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_sort_random_vs_reference),
		cmocka_unit_test(test_sort_patterns),
		cmocka_unit_test(test_sort_after_clear),
		cmocka_unit_test(test_sort_with_scratch),
	};

	UNIT_MAIN("kvbuf", tests);
}
