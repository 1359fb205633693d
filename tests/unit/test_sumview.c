/*
 * test_sumview.c - the sorted per-partition view of a sum table
 * (src/shuffle/sumview.c), kept up to date from epoch to epoch.
 *
 * The table (sumtab.c, tested on its own in test_sumtab.c) is the truth: a
 * view must hold, per partition, every key of the table once (live or
 * not), in memcmp order with a proper prefix first, in the partition the
 * rule names (checked with our own FNV-1a and our own custom rules), each
 * entry pointing at the slot that holds its key, with a copy
 * of the key's bytes and its first 16 bytes as two big-endian prefixes.
 * An incrementally updated view must equal one built from scratch.
 *
 * The rules are plain functions (shuffle.h), as the runner passes a
 * plugin's; the default is mr_default_partition().
 */
#include "unit.h"

#include "apps/mapreduce.h"
#include "shuffle/keysort.h"
#include "shuffle/shuffle.h"
#include "shuffle/sumtab.h"
#include "shuffle/sumview.h"

#include <stdlib.h>
#include <string.h>

/* ---- partition rules ------------------------------------------------------------ */

/* Our own FNV-1a 32, the long way (the lab's default rule). */
static unsigned ref_default(const char *k, size_t n, unsigned nparts)
{
	uint64_t h = 0x811c9dc5u;

	for (size_t i = 0; i < n; i++)
		h = ((h ^ (unsigned char)k[i]) * 0x01000193u) & 0xffffffffu;
	return (unsigned)((h & 0x7fffffffu) % nparts);
}

/* A plugin's rule that often answers out of range (shuffle_partition takes it modulo). */
static unsigned rule_by_length(const char *k, size_t n, unsigned nparts)
{
	(void)k;
	(void)nparts;
	return (unsigned)n * 2654435761u;
}

/* Another rule: the last byte (the empty key in partition 0). */
static unsigned rule_last_byte(const char *k, size_t n, unsigned nparts)
{
	return n ? (unsigned char)k[n - 1] % nparts : 0;
}

/* The default rule, as the runner hands it over: a function. */
static unsigned default_rule(const char *k, size_t n, unsigned nparts)
{
	return mr_default_partition(k, n, nparts);
}

/* `rule`, or the default for NULL. */
static shuffle_partition_fn make_rule(shuffle_partition_fn rule)
{
	return rule ? rule : default_rule;
}

static unsigned want_partition(shuffle_partition_fn p, const char *k, size_t n, unsigned nparts)
{
	if (nparts == 1)
		return 0;
	if (p == default_rule) {
		unsigned r = ref_default(k, n, nparts);

		assert_int_equal(r, mr_default_partition(k, n, nparts));
		return r;
	}
	return p(k, n, nparts) % nparts;
}

/* ---- keys ---------------------------------------------------------------------- */

/* memcmp order, a proper prefix first; written out byte by byte. */
static int ref_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	for (size_t i = 0; i < an && i < bn; i++)
		if (a[i] != b[i])
			return (unsigned char)a[i] < (unsigned char)b[i] ? -1 : 1;
	return an < bn ? -1 : an > bn;
}

#define MAXKEY 200

/*
 * A random key of one of several kinds: the empty key, short keys over a
 * small alphabet (NUL and 0xff among it), keys sharing a 27-byte stem
 * (some are the stem plus nothing, so proper prefixes of others), cuts of
 * one sentence (each a prefix of the longer ones), binary keys of 17..100
 * bytes, and lengths around the 8 and 16 byte boundaries.
 */
static size_t gen_key(uint64_t *rng, char *k)
{
	static const char alpha[] = { 'a', 'b', '\0', (char)0xff, 'm' };
	static const char stem[] = "common/prefix/of/many/keys/";
	static const char sentence[] = "the quick brown fox jumps over the lazy dog";
	static const size_t edges[] = { 7, 8, 9, 15, 16, 17 };
	size_t n = 0;

	switch (unit_rand(rng) % 8) {
	case 0:
		if (unit_rand(rng) % 8 == 0)
			return 0;
		/* fall through */
	case 1:
	case 2:
		n = 1 + (size_t)(unit_rand(rng) % 16);
		for (size_t i = 0; i < n; i++)
			k[i] = alpha[unit_rand(rng) % sizeof(alpha)];
		return n;
	case 3:
		n = sizeof(stem) - 1;
		memcpy(k, stem, n);
		for (size_t m = (size_t)(unit_rand(rng) % 5); m > 0; m--)
			k[n++] = alpha[unit_rand(rng) % sizeof(alpha)];
		return n;
	case 4:
		n = (size_t)(unit_rand(rng) % sizeof(sentence));
		memcpy(k, sentence, n);
		return n;
	case 5:
		n = 17 + (size_t)(unit_rand(rng) % 84);
		for (size_t i = 0; i < n; i++)
			k[i] = (char)(unit_rand(rng) >> 56);
		return n;
	default:
		n = edges[unit_rand(rng) % 6];
		for (size_t i = 0; i < n; i++)
			k[i] = alpha[unit_rand(rng) % sizeof(alpha)];
		return n;
	}
}

/* `count` random keys added to the table (repeats of known keys are fine). */
static void add_random(struct sumtab *t, uint64_t *rng, size_t count)
{
	char k[MAXKEY];

	for (size_t i = 0; i < count; i++) {
		size_t n = gen_key(rng, k);

		assert_true(sumtab_add(t, k, n, 1 + unit_rand(rng) % 9) >= 0);
	}
}

/* Re-add some keys the table holds (so they are live in this epoch). */
static void touch_some(struct sumtab *t, uint64_t *rng, unsigned one_in)
{
	char buf[SUMTAB_INLINE], copy[MAXKEY * 4];

	for (size_t i = 0; i < t->cap; i++) {
		const struct sentry *e = &t->ent[i];
		size_t n = e->klen1 - 1;

		if (!e->klen1 || unit_rand(rng) % one_in)
			continue;
		if (n > sizeof(copy))
			continue;
		/* a copy: the add may move the arena */
		memcpy(copy, sumtab_key(t, e, buf), n);
		assert_int_equal(sumtab_add(t, copy, n, 1), 0);
	}
}

/* ---- the checks ------------------------------------------------------------------ */

static uint64_t be_prefix(const char *k, size_t n, size_t from)
{
	uint64_t v = 0;

	for (size_t i = 0; i < 8; i++)
		v = v << 8 | (from + i < n ? (unsigned char)k[from + i] : 0);
	return v;
}

/*
 * The view of `t` for rule p and nparts: every key of the table once, in
 * its partition, sorted; each entry's slot, key copy and prefixes right.
 */
static void check_view(const struct sumview *v, const struct sumtab *t, shuffle_partition_fn p,
		       unsigned nparts, const char *what)
{
	char *seen = calloc(t->cap ? t->cap : 1, 1);
	size_t total = 0;

	assert_non_null(seen);
	if (v->nparts != nparts)
		unit_fail("%s: the view has %u partitions, expected %u", what, v->nparts, nparts);
	for (unsigned r = 0; r < nparts; r++) {
		for (size_t k = 0; k < v->n[r]; k++) {
			const struct sortkey *s = &v->part[r][k];
			const struct sentry *e;
			char buf[SUMTAB_INLINE];
			const char *tk;
			unsigned wr;

			if (s->idx >= t->cap)
				unit_fail("%s: partition %u entry %zu: slot %u, past the table's %zu",
					  what, r, k, s->idx, t->cap);
			e = &t->ent[s->idx];
			if (!e->klen1)
				unit_fail("%s: partition %u entry %zu ('%s', %u bytes): slot %u is "
					  "empty", what, r, k, unit_show(s->key, s->klen), s->klen, s->idx);
			tk = sumtab_key(t, e, buf);
			if (s->klen != e->klen1 - 1 || ref_cmp(s->key, s->klen, tk, e->klen1 - 1))
				unit_fail("%s: partition %u entry %zu holds key '%s' (%u bytes), but "
					  "its slot %u holds another (%u bytes)", what, r, k,
					  unit_show(s->key, s->klen), s->klen, s->idx, e->klen1 - 1);
			if (t->acap && s->key >= t->arena && s->key < t->arena + t->acap)
				unit_fail("%s: key '%s' points into the table's arena, not at a copy",
					  what, unit_show(s->key, s->klen));
			if (s->p0 != be_prefix(s->key, s->klen, 0) ||
			    s->p1 != be_prefix(s->key, s->klen, 8))
				unit_fail("%s: key '%s' (%u bytes): prefixes %016llx %016llx, expected "
					  "%016llx %016llx", what, unit_show(s->key, s->klen), s->klen,
					  (unsigned long long)s->p0, (unsigned long long)s->p1,
					  (unsigned long long)be_prefix(s->key, s->klen, 0),
					  (unsigned long long)be_prefix(s->key, s->klen, 8));
			wr = want_partition(p, s->key, s->klen, nparts);
			if (wr != r)
				unit_fail("%s: key '%s' (%u bytes) in partition %u, expected %u", what,
					  unit_show(s->key, s->klen), s->klen, r, wr);
			if (k > 0) {
				const struct sortkey *q = &v->part[r][k - 1];

				if (ref_cmp(q->key, q->klen, s->key, s->klen) >= 0 ||
				    !keysort_less(q, s))
					unit_fail("%s: partition %u: key '%s' (%u bytes) at %zu is not "
						  "after the one before it (%u bytes)", what, r,
						  unit_show(s->key, s->klen), s->klen, k, q->klen);
			}
			if (seen[s->idx])
				unit_fail("%s: key '%s' (%u bytes, slot %u) is in the view twice",
					  what, unit_show(s->key, s->klen), s->klen, s->idx);
			seen[s->idx] = 1;
			total++;
		}
	}
	for (size_t i = 0; i < t->cap; i++)
		if (t->ent[i].klen1 && !seen[i]) {
			char buf[SUMTAB_INLINE];

			unit_fail("%s: key '%s' (%u bytes, slot %zu, %s) is in the table but not "
				  "in the view", what, unit_show(sumtab_key(t, &t->ent[i], buf),
							     t->ent[i].klen1 - 1),
				  t->ent[i].klen1 - 1, i,
				  sumtab_live(t, &t->ent[i]) ? "live" : "not live");
		}
	assert_int_equal(total, t->n);
	free(seen);
}

/* Two views of one table are the same, entry by entry. */
static void same_view(const struct sumview *a, const struct sumview *b, const char *what)
{
	assert_int_equal(a->nparts, b->nparts);
	for (unsigned r = 0; r < a->nparts; r++) {
		if (a->n[r] != b->n[r])
			unit_fail("%s: partition %u has %zu keys, built from scratch %zu", what, r,
				  a->n[r], b->n[r]);
		for (size_t k = 0; k < a->n[r]; k++) {
			const struct sortkey *x = &a->part[r][k], *y = &b->part[r][k];

			if (x->idx != y->idx || x->klen != y->klen || x->p0 != y->p0 ||
			    x->p1 != y->p1 || memcmp(x->key, y->key, x->klen) != 0)
				unit_fail("%s: partition %u entry %zu: '%s' (slot %u), built from "
					  "scratch '%s' (slot %u)", what, r, k,
					  unit_show(x->key, x->klen), x->idx, unit_show(y->key, y->klen), y->idx);
		}
	}
}

/* The view must equal one built from scratch now (which takes no fresh keys). */
static void check_against_rebuild(const struct sumview *v, struct sumtab *t,
				  shuffle_partition_fn p, unsigned nparts, const char *what)
{
	struct sumview w;

	assert_int_equal(t->nfresh, 0); /* v was just updated */
	sumview_init(&w);
	sumview_update(&w, t, p, nparts);
	check_view(&w, t, p, nparts, what);
	same_view(v, &w, what);
	sumview_release(&w);
}

/* Update and check everything; the table's fresh list is taken. */
static void update_and_check(struct sumview *v, struct sumtab *t, shuffle_partition_fn p,
			     unsigned nparts, const char *what)
{
	sumview_update(v, t, p, nparts);
	if (t->nfresh != 0 || t->moved)
		unit_fail("%s: after sumview_update the table still has %zu fresh keys, moved "
			  "%d", what, t->nfresh, t->moved);
	check_view(v, t, p, nparts, what);
	check_against_rebuild(v, t, p, nparts, what);
}

/* ---- tests ------------------------------------------------------------------------ */

/* An empty table, then one with keys none of which is live: every key is listed. */
static void test_empty_and_not_live(void **state)
{
	shuffle_partition_fn p = make_rule(NULL);
	struct sumtab t;
	struct sumview v;
	uint64_t rng = 3;

	(void)state;
	sumtab_init(&t);
	sumview_init(&v);
	assert_int_equal(sumview_bytes(&v), 0);
	update_and_check(&v, &t, p, 4, "a table never added to");
	for (unsigned r = 0; r < 4; r++)
		assert_int_equal(v.n[r], 0);
	add_random(&t, &rng, 3000);
	update_and_check(&v, &t, p, 4, "3000 random adds");
	sumtab_new_epoch(&t);
	sumtab_new_epoch(&t);
	update_and_check(&v, &t, p, 4, "two epochs later, nothing live");
	assert_true(t.n > 500);
	sumview_release(&v);
	sumtab_release(&t);
}

/* One update of a table of random keys, for several nparts and rules. */
static void test_one_update(void **state)
{
	static const unsigned nps[] = { 1, 2, 3, 7, 16 };
	shuffle_partition_fn rules[] = { NULL, rule_by_length, rule_last_byte };
	uint64_t rng = 5;
	struct sumtab t;

	(void)state;
	sumtab_init(&t);
	add_random(&t, &rng, 20000);
	for (size_t i = 0; i < sizeof(nps) / sizeof(nps[0]); i++)
		for (size_t j = 0; j < 3; j++) {
			shuffle_partition_fn p = make_rule(rules[j]);
			struct sumview v;
			char what[64];

			snprintf(what, sizeof(what), "%u partitions, rule %zu", nps[i], j);
			sumview_init(&v);
			update_and_check(&v, &t, p, nps[i], what);
			sumview_release(&v);
		}
	sumtab_release(&t);
}

/*
 * Epoch after epoch, each re-adding some known keys and adding new ones
 * (sometimes none, sometimes many); the view, updated after each (or after
 * every other), equals one built from scratch.  The table is sized up front,
 * so these are incremental updates (no move).
 */
static void test_incremental(void **state)
{
	static const unsigned nps[] = { 1, 7 };
	shuffle_partition_fn rules[] = { NULL, rule_last_byte };

	(void)state;
	for (size_t c = 0; c < 4; c++) {
		shuffle_partition_fn p = make_rule(rules[c / 2]);
		unsigned np = nps[c % 2];
		uint64_t rng = 11 + c;
		struct sumtab t;
		struct sumview v;
		size_t incremental = 0;

		sumtab_init(&t);
		sumtab_reserve(&t, 200000);
		sumview_init(&v);
		for (int ep = 0; ep < 14; ep++) {
			char what[96];
			size_t nnew = ep % 5 == 3 ? 0 : ep % 5 == 1 ? 5 : 1000 + (size_t)ep * 500;

			sumtab_new_epoch(&t);
			touch_some(&t, &rng, 3);
			add_random(&t, &rng, nnew);
			if (ep % 4 == 2)
				continue; /* a task that never got to its end (failed) */
			snprintf(what, sizeof(what), "case %zu (%u partitions), epoch %d, %zu new "
				 "keys, %zu fresh", c, np, ep, nnew, t.nfresh);
			if (ep > 0 && t.moved)
				unit_fail("%s: the table moved, though sized for all keys", what);
			incremental += ep > 0;
			update_and_check(&v, &t, p, np, what);
			/* an update with nothing new changes nothing */
			update_and_check(&v, &t, p, np, what);
		}
		assert_true(incremental >= 8);
		assert_true(t.n > 10000);
		sumview_release(&v);
		sumtab_release(&t);
	}
}

/*
 * The table moves between updates: rehashes (by growth and by reserve)
 * and clears, with new keys before and after; the view starts over and is
 * right.  After a clear the slots hold other keys: a view that did not
 * start over would point at them.
 */
static void test_moves(void **state)
{
	shuffle_partition_fn p = make_rule(NULL);
	uint64_t rng = 23;
	struct sumtab t;
	struct sumview v;
	size_t moves = 0, cap;
	char what[96];

	(void)state;
	sumtab_init(&t);
	sumview_init(&v);
	add_random(&t, &rng, 2000);
	update_and_check(&v, &t, p, 5, "start");
	for (int round = 0; round < 8; round++) {
		sumtab_new_epoch(&t);
		cap = t.cap;
		switch (round % 4) {
		case 0: /* grows by adding */
			while (t.cap == cap)
				add_random(&t, &rng, 500);
			add_random(&t, &rng, 100);
			break;
		case 1: /* a growing reserve */
			add_random(&t, &rng, 100);
			sumtab_reserve(&t, 2 * t.cap);
			add_random(&t, &rng, 100);
			break;
		case 2: /* a clear, then other keys into the same slots */
			sumtab_clear(&t);
			add_random(&t, &rng, 1500 + 300 * (size_t)round);
			break;
		default: /* a clear and nothing after */
			sumtab_clear(&t);
			break;
		}
		moves += t.moved != 0;
		snprintf(what, sizeof(what), "round %d (move of kind %d), %zu keys", round,
			 round % 4, t.n);
		update_and_check(&v, &t, p, 5, what);
		/* an incremental update after the move */
		sumtab_new_epoch(&t);
		touch_some(&t, &rng, 2);
		if (t.n * 2 < t.cap)
			add_random(&t, &rng, 50);
		snprintf(what, sizeof(what), "round %d, after the move, %zu keys", round, t.n);
		update_and_check(&v, &t, p, 5, what);
	}
	assert_int_equal(moves, 8);
	sumview_release(&v);
	sumtab_release(&t);
}

/*
 * A different nparts, or a different partition rule, from one update to
 * the next: the view starts over; with and without new keys at the same
 * time.
 */
static void test_nparts_and_rule_change(void **state)
{
	static const struct { unsigned np; int rule; int add; } steps[] = {
		{ 3, 0, 1 }, { 5, 0, 0 }, { 1, 0, 1 }, { 5, 0, 1 }, { 5, 1, 0 }, { 5, 2, 1 },
		{ 5, 0, 0 }, { 2, 2, 0 }, { 2, 1, 1 }, { 9, 1, 1 }, { 9, 0, 0 }, { 1, 1, 0 },
		{ 1, 0, 1 },
	};
	shuffle_partition_fn rules[] = { NULL, rule_by_length, rule_last_byte };
	uint64_t rng = 29;
	struct sumtab t;
	struct sumview v;

	(void)state;
	sumtab_init(&t);
	sumtab_reserve(&t, 100000);
	sumview_init(&v);
	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		shuffle_partition_fn p = make_rule(rules[steps[s].rule]);
		char what[96];

		sumtab_new_epoch(&t);
		if (steps[s].add)
			add_random(&t, &rng, 3000);
		snprintf(what, sizeof(what), "step %zu: %u partitions, rule %d, %s", s,
			 steps[s].np, steps[s].rule, steps[s].add ? "new keys" : "no new keys");
		update_and_check(&v, &t, p, steps[s].np, what);
	}
	sumview_release(&v);
	sumtab_release(&t);
}

/*
 * Memory: none before the first update; at least the entries and the key
 * bytes; not shrinking while keys are only added; not wildly more than a
 * view built from scratch; back down after a start over with few keys.
 * Keys bigger than a quarter MiB (own blocks) count too.
 */
static void test_bytes(void **state)
{
	shuffle_partition_fn p = make_rule(NULL);
	uint64_t rng = 31;
	struct sumtab t;
	struct sumview v, w;
	size_t prev = 0;
	char *big = malloc(3 << 20);

	(void)state;
	assert_non_null(big);
	sumtab_init(&t);
	sumtab_reserve(&t, 300000);
	sumview_init(&v);
	for (int ep = 0; ep < 10; ep++) {
		size_t keybytes = 0, now, fresh_bytes;

		sumtab_new_epoch(&t);
		add_random(&t, &rng, 15000);
		sumview_update(&v, &t, p, 4);
		check_view(&v, &t, p, 4, "bytes");
		for (size_t i = 0; i < t.cap; i++)
			keybytes += t.ent[i].klen1;
		now = sumview_bytes(&v);
		if (now < t.n * sizeof(struct sortkey) + keybytes - t.n)
			unit_fail("epoch %d: %zu keys (%zu bytes) in the view, which says it holds "
				  "%zu bytes", ep, t.n, keybytes - t.n, now);
		if (now < prev)
			unit_fail("epoch %d: the view shrank from %zu to %zu bytes while keys were "
				  "only added", ep, prev, now);
		sumview_init(&w);
		sumview_update(&w, &t, p, 4);
		fresh_bytes = sumview_bytes(&w);
		sumview_release(&w);
		if (now > 2 * fresh_bytes + (1u << 20))
			unit_fail("epoch %d: %zu bytes, built from scratch %zu", ep, now, fresh_bytes);
		if (fresh_bytes > 3 * (t.n * sizeof(struct sortkey) + keybytes) + (2u << 20))
			unit_fail("epoch %d: %zu keys of %zu bytes: a view of %zu bytes", ep, t.n,
				  keybytes, fresh_bytes);
		prev = now;
	}
	/* huge keys, a prefix of each other */
	memset(big, 'B', 3 << 20);
	big[100] = '\0';
	assert_int_equal(sumtab_add(&t, big, 300000, 1), 1);
	assert_int_equal(sumtab_add(&t, big, (3 << 20) - 1, 1), 1);
	assert_int_equal(sumtab_add(&t, big, 300001, 1), 1);
	sumview_update(&v, &t, p, 4);
	check_view(&v, &t, p, 4, "huge keys");
	check_against_rebuild(&v, &t, p, 4, "huge keys");
	if (sumview_bytes(&v) < prev + 300000 + 300001 + (3 << 20) - 1)
		unit_fail("three huge keys (3.6 MiB) added %zu bytes", sumview_bytes(&v) - prev);
	prev = sumview_bytes(&v);
	/* a start over with few keys gives the memory back */
	sumtab_clear(&t);
	add_random(&t, &rng, 10);
	update_and_check(&v, &t, p, 4, "cleared, 10 keys");
	sumview_init(&w);
	sumview_update(&w, &t, p, 4);
	if (sumview_bytes(&v) > 2 * sumview_bytes(&w) + 4096)
		unit_fail("a start over with %zu keys: %zu bytes (before %zu, from scratch %zu)",
			  t.n, sumview_bytes(&v), prev, sumview_bytes(&w));
	sumview_release(&w);
	sumview_release(&v);
	sumtab_release(&t);
	free(big);
}

/* Release twice is harmless, before and after updates; a released view works again. */
static void test_release(void **state)
{
	shuffle_partition_fn p = make_rule(rule_last_byte);
	uint64_t rng = 37;
	struct sumtab t;
	struct sumview v;

	(void)state;
	sumview_init(&v);
	sumview_release(&v);
	sumview_release(&v);
	assert_int_equal(sumview_bytes(&v), 0);
	sumtab_init(&t);
	add_random(&t, &rng, 5000);
	update_and_check(&v, &t, p, 6, "before the release");
	assert_true(sumview_bytes(&v) > 0);
	sumview_release(&v);
	assert_int_equal(sumview_bytes(&v), 0);
	assert_int_equal(v.nparts, 0);
	sumview_release(&v);
	assert_int_equal(sumview_bytes(&v), 0);
	/* the table's fresh list was taken: a new view still sees every key */
	sumtab_new_epoch(&t);
	add_random(&t, &rng, 100);
	update_and_check(&v, &t, p, 6, "after the release");
	sumview_release(&v);
	sumview_release(&v);
	sumtab_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_not_live),
		cmocka_unit_test(test_one_update),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_moves),
		cmocka_unit_test(test_nparts_and_rule_change),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_release),
	};

	UNIT_MAIN("sumview", tests);
}
