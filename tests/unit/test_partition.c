/*
 * test_partition.c - the lab's hash and partition rule (src/apps/mapreduce.h),
 * a plugin's rule (plugin_partition_rule() of src/runner/plugin.c) and how
 * the shuffle folds its answers into range (shuffle_partition() of
 * src/shuffle/shuffle.h).
 *
 * Expected values are FNV-1a 32-bit digests computed independently (the
 * published vectors for "", "a", "foobar" among them).
 */
#include "unit.h"

#include "apps/mapreduce.h"
#include "runner/plugin.h"
#include "shuffle/shuffle.h"

#include <stdlib.h>
#include <string.h>

struct vec {
	const char *key;
	size_t klen;
	uint32_t hash;
};

static const struct vec vectors[] = {
	{ "", 0, 0x811c9dc5u },
	{ "a", 1, 0xe40c292cu },
	{ "b", 1, 0xe70c2de5u },
	{ "foobar", 6, 0xbf9cf968u },
	{ "hello", 5, 0x4f9f2cabu },
	{ "the", 3, 0xb40eb21cu },
	{ "Project", 7, 0x7b5fea5eu },
	{ "\0", 1, 0x050c5d1fu },
	{ "\0\0\0\0", 4, 0x4b95f515u },
	{ "\xff", 1, 0x7a0b824eu },
	{ "a\0b", 3, 0x10f3abd2u },
	{ "a\0", 2, 0x2b24d044u },
	{ "\x80\xfe\0\x7f", 4, 0xe696e282u },
};

#define NVEC (sizeof(vectors) / sizeof(vectors[0]))

/* Our own reference: FNV-1a 32, written out the long way. */
static uint32_t ref_fnv(const unsigned char *p, size_t n)
{
	uint64_t h = 0x811c9dc5u;

	for (size_t i = 0; i < n; i++)
		h = ((h ^ p[i]) * 0x01000193u) & 0xffffffffu;
	return (uint32_t)h;
}

static void test_fnv_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVEC; i++) {
		assert_int_equal(mr_fnv1a32(vectors[i].key, vectors[i].klen), vectors[i].hash);
		assert_int_equal(ref_fnv((const unsigned char *)vectors[i].key, vectors[i].klen),
				 vectors[i].hash);
	}
}

/* NUL bytes count (the length rules, not strlen), high bytes are unsigned. */
static void test_fnv_binary_keys(void **state)
{
	(void)state;
	assert_int_not_equal(mr_fnv1a32("a\0b", 3), mr_fnv1a32("a", 1));
	assert_int_not_equal(mr_fnv1a32("a\0", 2), mr_fnv1a32("a", 1));
	assert_int_not_equal(mr_fnv1a32("\0", 1), mr_fnv1a32("", 0));
	/* only klen bytes are read */
	assert_int_equal(mr_fnv1a32("foobarXYZ", 6), 0xbf9cf968u);
	/* every single byte value, against the reference */
	for (int c = 0; c < 256; c++) {
		char k[3] = { 'k', (char)c, 'z' };

		assert_int_equal(mr_fnv1a32(k, 3), ref_fnv((const unsigned char *)k, 3));
	}
}

static void test_fnv_random(void **state)
{
	uint64_t rng = 42;
	unsigned char buf[64];

	(void)state;
	for (int i = 0; i < 5000; i++) {
		size_t n = (size_t)(unit_rand(&rng) % sizeof(buf));

		for (size_t j = 0; j < n; j++)
			buf[j] = (unsigned char)unit_rand(&rng);
		assert_int_equal(mr_fnv1a32((const char *)buf, n), ref_fnv(buf, n));
	}
}

/* (hash & 0x7fffffff) % n: the sign bit is dropped before the modulo. */
static void test_default_partition_rule(void **state)
{
	static const unsigned ns[] = { 1, 2, 3, 7, 10, 97, 1000, 100000, 0x80000000u };

	(void)state;
	/* "a" hashes to 0xe40c292c: with the mask % 10 is 2, without it 0 */
	assert_int_equal(mr_default_partition("a", 1, 10), 2);
	assert_int_equal(mr_default_partition("foobar", 6, 10), 2);
	assert_int_equal(mr_default_partition("b", 1, 10), 9);
	assert_int_equal(mr_default_partition("", 0, 7), 0);
	assert_int_equal(mr_default_partition("\x80\xfe\0\x7f", 4, 10), 8);
	for (size_t i = 0; i < NVEC; i++) {
		for (size_t j = 0; j < sizeof(ns) / sizeof(ns[0]); j++) {
			unsigned p = mr_default_partition(vectors[i].key, vectors[i].klen, ns[j]);

			assert_int_equal(p, (vectors[i].hash & 0x7fffffffu) % ns[j]);
			assert_true(p < ns[j]);
		}
		assert_int_equal(mr_default_partition(vectors[i].key, vectors[i].klen, 1), 0);
	}
}

/* The partition spreads words over the reduces (a sanity check, loose bounds). */
static void test_default_partition_spread(void **state)
{
	enum { N = 10, KEYS = 10000 };
	unsigned count[N] = { 0 };
	char key[32];

	(void)state;
	for (int i = 0; i < KEYS; i++) {
		int n = snprintf(key, sizeof(key), "word%d", i);

		count[mr_default_partition(key, (size_t)n, N)]++;
	}
	for (int i = 0; i < N; i++)
		assert_in_range(count[i], KEYS / N / 2, KEYS / N * 2);
}

/* The partition the shuffle gives `key` under plugin p's rule. */
static unsigned part_of(const struct plugin *p, const char *key, size_t klen, unsigned n)
{
	return shuffle_partition(plugin_partition_rule(p), key, klen, n);
}

static void test_plugin_partition_default(void **state)
{
	struct plugin p;
	uint64_t rng = 5;
	char key[16];

	(void)state;
	memset(&p, 0, sizeof(p)); /* no mr_partition: the FNV default */
	assert_true(plugin_partition_rule(&p) == plugin_default_partition);
	for (size_t i = 0; i < NVEC; i++)
		assert_int_equal(part_of(&p, vectors[i].key, vectors[i].klen, 10),
				 (vectors[i].hash & 0x7fffffffu) % 10);
	for (int i = 0; i < 2000; i++) {
		size_t n = (size_t)(unit_rand(&rng) % sizeof(key));
		unsigned nred = (unsigned)(unit_rand(&rng) % 1000) + 1;

		for (size_t j = 0; j < n; j++)
			key[j] = (char)unit_rand(&rng);
		assert_int_equal(part_of(&p, key, n, nred),
				 mr_default_partition(key, n, nred));
	}
}

static unsigned last_nreduce;
static size_t last_klen;

static unsigned part_first_byte(const char *key, size_t klen, unsigned nreduce)
{
	last_nreduce = nreduce;
	last_klen = klen;
	return klen ? (unsigned char)key[0] : 0;
}

static unsigned part_wild(const char *key, size_t klen, unsigned nreduce)
{
	(void)key;
	(void)klen;
	(void)nreduce;
	return 0xffffffffu;
}

/* A plugin's own rule is used; an out-of-range answer is folded into range. */
static void test_plugin_partition_custom(void **state)
{
	struct plugin p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.partition = part_first_byte;
	assert_true(plugin_partition_rule(&p) == part_first_byte);
	assert_int_equal(part_of(&p, "\x03zz", 3, 10), 3);
	assert_int_equal(last_nreduce, 10);
	assert_int_equal(last_klen, 3);
	assert_int_equal(part_of(&p, "\x09", 1, 10), 9);
	/* 'a' = 97 >= 10 */
	assert_true(part_of(&p, "a", 1, 10) < 10);
	assert_int_equal(part_of(&p, "a", 1, 10), 97 % 10);
	assert_int_equal(part_of(&p, "", 0, 1), 0);
	p.partition = part_wild;
	for (unsigned n = 1; n < 50; n++)
		assert_true(part_of(&p, "x", 1, n) < n);
}

/* plugin_load of a missing file fails with the path in the message and a zeroed struct. */
static void test_plugin_load_missing(void **state)
{
	struct plugin p, zero;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	memset(&p, 0x5a, sizeof(p));
	log_clear_last_error();
	assert_int_equal(plugin_load(&p, "/nonexistent-dir/no-such-plugin.so"), -1);
	assert_memory_equal(&p, &zero, sizeof(p));
	assert_non_null(strstr(log_last_error(), "/nonexistent-dir/no-such-plugin.so"));
	plugin_close(&p); /* closing a zeroed plugin is harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fnv_vectors),
		cmocka_unit_test(test_fnv_binary_keys),
		cmocka_unit_test(test_fnv_random),
		cmocka_unit_test(test_default_partition_rule),
		cmocka_unit_test(test_default_partition_spread),
		cmocka_unit_test(test_plugin_partition_default),
		cmocka_unit_test(test_plugin_partition_custom),
		cmocka_unit_test(test_plugin_load_missing),
	};

	UNIT_MAIN("partition", tests);
}
