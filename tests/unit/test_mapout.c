/*
 * test_mapout.c - a map's output within a memory budget
 * (src/shuffle/mapout.c): partitioning, the combine table, spills and the
 * final merge per partition.
 *
 * The jobs are hand-made struct shuffle_ops (no plugin): a combine that
 * sums decimal values, an identity combine, a failing one, none, and the
 * built-in sum combiner (SHUFFLE_COMBINE_SUM); the default partition rule
 * is mr_default_partition() of apps/mapreduce.h.
 * Small budgets force combine-table flushes and spills; every partition's
 * run is then read back and checked against what was emitted.
 *
 * Every test runs in its own temp dir under /tmp (spills go to the cwd).
 */
#include "unit.h"

#include "shuffle/ifile.h"
#include "shuffle/keysort.h"
#include "shuffle/kvbuf.h"
#include "shuffle/mapout.h"
#include "shuffle/shuffle.h"
#include "apps/mapreduce.h"
#include "runio.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The partition rule check_summed() expects (NULL: mr_default_partition). */
static shuffle_partition_fn summed_rule;

/* What the worker would keep from task to task: each test starts afresh. */
static struct mapout_cache cache;

static int setup(void **state)
{
	summed_rule = NULL; /* a failed test may have left it set */
	mapout_cache_init(&cache);
	return unit_tmpdir_setup(state);
}

static int teardown(void **state)
{
	mapout_cache_release(&cache);
	return unit_tmpdir_teardown(state);
}

/* mapout_init with a budget of `memory` bytes and the test's cache. */
static void mo_init(struct mapout *mo, const struct shuffle_ops *ops, unsigned nparts,
		    uint64_t memory)
{
	struct budget b;

	budget_init(&b, memory);
	mapout_init(mo, ops, nparts, &b, &cache);
}

/* Names in the cwd other than "." and "..". */
static int dir_entries(void)
{
	DIR *d = opendir(".");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Write partition r of `mo` and publish it alone at `path`: 0 or -1. */
static int write_one(struct mapout *mo, unsigned r, const char *path)
{
	struct afile_set set;
	int rc;

	afile_set_init(&set);
	rc = mapout_write(mo, r, path, &set);
	if (rc == 0)
		rc = afile_set_publish(&set);
	afile_set_release(&set);
	return rc;
}

/*
 * Write partitions 0 and 1 of `mo` as run-0 and run-1, published together
 * when both are written: the first rc != 0.
 */
static int write_two(struct mapout *mo)
{
	struct afile_set set;
	int rc = 0;

	afile_set_init(&set);
	for (unsigned r = 0; r < 2 && rc == 0; r++)
		rc = mapout_write(mo, r, r ? "run-1" : "run-0", &set);
	if (rc == 0)
		rc = afile_set_publish(&set);
	afile_set_release(&set);
	return rc;
}

/* ---- the jobs ------------------------------------------------------------------ */

/* Strings the engine hands a combine that lacked their '\0' (ABI promise). */
static int unterminated;

/* Sum the key's decimal values and emit the total. */
static int sum_combine(void *arg, const char *key, size_t klen, struct combine_io *io)
{
	uint64_t sum = 0, n;
	const char *v;
	size_t vlen;
	char buf[32];
	int rc, len;

	(void)arg;
	if (key[klen] != '\0')
		unterminated++;
	while ((rc = combine_io_next(io, &v, &vlen)) == 1) {
		if (v[vlen] != '\0')
			unterminated++;
		if (unit_parse_u64(v, vlen, &n) < 0)
			return -1;
		sum += n;
	}
	if (rc < 0)
		return -1;
	len = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)sum);
	return combine_io_emit(io, buf, (size_t)len);
}

/* Emit every value unchanged (a legal, if useless, combine). */
static int identity_combine(void *arg, const char *key, size_t klen, struct combine_io *io)
{
	const char *v;
	size_t vlen;
	int rc;

	(void)arg;
	(void)key;
	(void)klen;
	while ((rc = combine_io_next(io, &v, &vlen)) == 1)
		if (combine_io_emit(io, v, vlen) < 0)
			return -1;
	return rc;
}

/* Fails (saying so) when it meets the key "bad". */
static int failing_combine(void *arg, const char *key, size_t klen, struct combine_io *io)
{
	if (klen == 3 && memcmp(key, "bad", 3) == 0)
		return error("combine of key 'bad' failed");
	return sum_combine(arg, key, klen, io);
}

typedef int (*combine_fn)(void *, const char *, size_t, struct combine_io *);

/* A job with this combine (NULL: none) and the default partition rule. */
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

/* ---- a vocabulary of keys ------------------------------------------------------- */

struct vocab {
	struct kvbuf keys;   /* key i is record i (value unused) */
	size_t *order;       /* indices sorted by key, for lookups */
};

static const struct kvbuf *sort_keys;

static int cmp_index(const void *a, const void *b)
{
	const struct kv *x = &sort_keys->recs[*(const size_t *)a];
	const struct kv *y = &sort_keys->recs[*(const size_t *)b];

	return keysort_keycmp(kv_key(sort_keys, x), x->klen, kv_key(sort_keys, y), y->klen);
}

/* n distinct keys: words, the empty key, binary ones, long ones. */
static void vocab_init(struct vocab *v, size_t n, uint64_t *rng)
{
	char buf[400];

	kvbuf_init(&v->keys);
	for (size_t i = 0; i < n; i++) {
		size_t len;

		switch (i % 10) {
		case 0:
			len = i == 0 ? 0 : (size_t)snprintf(buf, sizeof(buf), "w%zu", i);
			break;
		case 1: /* binary, tagged with i */
			len = 12;
			for (size_t j = 0; j < len; j++)
				buf[j] = (char)(unit_rand(rng) % 2 ? 0 : 0xff);
			memcpy(buf + 4, &i, sizeof(i));
			break;
		case 2: /* long: beyond an inline key */
			len = 40 + (size_t)(unit_rand(rng) % 300);
			memset(buf, 'L', len);
			len += (size_t)snprintf(buf + len, 32, "%zu", i);
			break;
		default:
			len = (size_t)snprintf(buf, sizeof(buf), "%zu", i * 7919);
			break;
		}
		assert_int_equal(kvbuf_add(&v->keys, buf, len, "", 0), 0);
	}
	v->order = malloc(n * sizeof(*v->order));
	assert_non_null(v->order);
	for (size_t i = 0; i < n; i++)
		v->order[i] = i;
	sort_keys = &v->keys;
	qsort(v->order, n, sizeof(*v->order), cmp_index);
	for (size_t i = 1; i < n; i++)
		assert_true(cmp_index(&v->order[i - 1], &v->order[i]) < 0); /* distinct */
}

static void vocab_release(struct vocab *v)
{
	kvbuf_release(&v->keys);
	free(v->order);
}

static const char *vkey(const struct vocab *v, size_t i, size_t *klen)
{
	*klen = v->keys.recs[i].klen;
	return kv_key(&v->keys, &v->keys.recs[i]);
}

/* Index of `key` in the vocabulary; fails the test when absent. */
static size_t vocab_find(const struct vocab *v, const char *key, size_t klen)
{
	size_t lo = 0, hi = v->keys.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, i = v->order[mid];
		const struct kv *r = &v->keys.recs[i];
		int c = keysort_keycmp(kv_key(&v->keys, r), r->klen, key, klen);

		if (c == 0)
			return i;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	unit_fail("a run holds key '%.*s' (%zu bytes), which was never emitted",
		  (int)(klen > 40 ? 40 : klen), key, klen);
}

/* A skewed key choice: a few keys are very hot. */
static size_t pick(uint64_t *rng, size_t n)
{
	double u = (double)(unit_rand(rng) >> 11) / (double)(1ull << 53);

	return (size_t)((double)n * u * u * u) % n;
}

/* ---- the checks ------------------------------------------------------------------- */

/* The partition the checks expect: summed_rule's (declared above), or the default. */
static unsigned summed_partition(const char *k, size_t klen, unsigned nparts)
{
	if (summed_rule)
		return summed_rule(k, klen, nparts) % nparts;
	return mr_default_partition(k, klen, nparts);
}

/*
 * With the summing combine: every partition's run holds each key once, in
 * strictly ascending order, in the partition mr_default_partition() (or
 * summed_rule) names, with the sum of everything emitted for it.
 */
static void check_summed(const struct vocab *v, const uint64_t *want, unsigned nparts,
			 const char *what)
{
	size_t seen = 0, emitted = 0;
	char *found = calloc(v->keys.n, 1);

	assert_non_null(found);
	for (unsigned r = 0; r < nparts; r++) {
		char path[32];
		struct kvbuf run;

		snprintf(path, sizeof(path), "run-%u", r);
		kvbuf_init(&run);
		assert_int_equal(runio_read(path, &run), 0);
		for (size_t i = 0; i < run.n; i++) {
			const struct kv *rec = &run.recs[i];
			const char *k = kv_key(&run, rec);
			int shown = (int)(rec->klen > 40 ? 40 : rec->klen);
			size_t idx = vocab_find(v, k, rec->klen);
			uint64_t got;
			int c = i + 1 == run.n ? -1 : keysort_keycmp(k, rec->klen,
								kv_key(&run, rec + 1), rec[1].klen);

			if (c == 0) {
				size_t n = 1;

				while (i + n < run.n && run.recs[i + n].klen == rec->klen &&
				       !memcmp(kv_key(&run, &run.recs[i + n]), k, rec->klen))
					n++;
				unit_fail("%s: partition %u: key '%.*s' appears %zu times (values "
					  "'%.*s', '%.*s', ...), not once: its values were not all "
					  "combined", what, r, shown, k, n,
					  (int)rec->vlen, kv_val(&run, rec),
					  (int)rec[1].vlen, kv_val(&run, rec + 1));
			}
			if (c > 0)
				unit_fail("%s: partition %u record %zu: key '%.*s' is after the next one",
					  what, r, i, shown, k);
			if (summed_partition(k, rec->klen, nparts) != r)
				unit_fail("%s: key '%.*s' in partition %u, not %u", what, shown, k,
					  r, summed_partition(k, rec->klen, nparts));
			if (unit_parse_u64(kv_val(&run, rec), rec->vlen, &got) < 0 || got != want[idx])
				unit_fail("%s: key '%.*s': value '%.*s', expected %llu", what,
					  shown, k, (int)rec->vlen, kv_val(&run, rec),
					  (unsigned long long)want[idx]);
			found[idx] = 1;
			seen++;
		}
		kvbuf_release(&run);
	}
	for (size_t i = 0; i < v->keys.n; i++) {
		if (want[i])
			emitted++;
		if (want[i] && !found[i])
			unit_fail("%s: key %zu was emitted but is in no run", what, i);
	}
	assert_int_equal(seen, emitted);
	free(found);
}

/* Finish, write every partition to run-R, release. */
static void write_runs(struct mapout *mo, unsigned nparts)
{
	assert_int_equal(mapout_finish(mo), 0);
	for (unsigned r = 0; r < nparts; r++) {
		char path[32];

		snprintf(path, sizeof(path), "run-%u", r);
		assert_int_equal(write_one(mo, r, path), 0);
	}
}

/* ---- tests ------------------------------------------------------------------------ */

/*
 * Many pairs, a 64 KiB budget (mapout may round it up to a working minimum):
 * the pairs keep coming until the table has been drained into the buffers
 * and those have spilled, twice.
 */
static void test_combine_with_spills(void **state)
{
	enum { NKEYS = 20000, MAXEMIT = 400000, NPARTS = 5 };
	struct shuffle_ops p = make_ops(sum_combine);
	uint64_t rng = 17, *want = calloc(NKEYS, sizeof(*want));
	size_t e, extra = 0;
	struct vocab v;
	struct mapout mo;

	(void)state;
	assert_non_null(want);
	vocab_init(&v, NKEYS, &rng);
	unterminated = 0;
	mo_init(&mo, &p, NPARTS, 64 << 10);
	/* every key once, then skewed; after the 2nd spill, a little more */
	for (e = 0; e < MAXEMIT && extra < 3000; e++) {
		size_t i = e < NKEYS ? e : pick(&rng, NKEYS), klen;
		const char *k = vkey(&v, i, &klen);
		char val[4];
		int n = snprintf(val, sizeof(val), "%u", 1 + (unsigned)(unit_rand(&rng) % 9));

		want[i] += (uint64_t)(val[0] - '0'); /* > 0: want[i] != 0 means emitted */
		assert_int_equal(mapout_emit(&mo, k, klen, val, (size_t)n), 0);
		if (mo.spills >= 2)
			extra++;
	}
	if (mo.spills < 2)
		unit_fail("%zu pairs of %d keys with a 64 KiB budget: %llu spills; the map "
			  "output is not bounded", e, NKEYS, (unsigned long long)mo.spills);
	write_runs(&mo, NPARTS);
	assert_true(mo.combines > 0);
	mapout_release(&mo);
	assert_int_equal(unterminated, 0);
	check_summed(&v, want, NPARTS, "64 KiB budget");
	/* only the runs are left: spills were anonymous */
	assert_int_equal(dir_entries(), NPARTS);
	vocab_release(&v);
	free(want);
}

/*
 * Once per key per run, whatever the volume: with some volumes the combine
 * table is drained into the buffers more than once and yet nothing spills.
 * N keys, each emitted in 3 passes, N from 500 to about 60000, with small
 * and middling budgets.
 */
static void test_combine_once_per_key(void **state)
{
	static const uint64_t budgets[] = { 64 << 10, 1 << 20, 8 << 20 };
	struct shuffle_ops p = make_ops(sum_combine);
	uint64_t rng = 23;
	char what[128];
	struct vocab v;

	(void)state;
	vocab_init(&v, 60000, &rng);
	for (size_t b = 0; b < sizeof(budgets) / sizeof(budgets[0]); b++) {
		for (size_t n = 500; n <= 60000; n = n * 3 / 2) {
			uint64_t *want = calloc(v.keys.n, sizeof(*want));
			struct mapout mo;

			assert_non_null(want);
			mo_init(&mo, &p, 3, budgets[b]);
			for (int pass = 0; pass < 3; pass++)
				for (size_t i = 0; i < n; i++) {
					size_t klen;
					const char *key = vkey(&v, i, &klen);

					want[i] += 2;
					assert_int_equal(mapout_emit(&mo, key, klen, "2", 1), 0);
				}
			write_runs(&mo, 3);
			snprintf(what, sizeof(what), "%zu keys x 3, budget %llu KiB, %llu spills",
				 n, (unsigned long long)(budgets[b] >> 10),
				 (unsigned long long)mo.spills);
			mapout_release(&mo);
			check_summed(&v, want, 3, what);
			for (unsigned r = 0; r < 3; r++) {
				char path[32];

				snprintf(path, sizeof(path), "run-%u", r);
				unlink(path);
			}
			free(want);
		}
	}
	vocab_release(&v);
}

/* Without a combine: every pair, sorted by key, equal keys in emit order. */
static void test_no_combine(void **state)
{
	enum { NKEYS = 3000, MAXEMIT = 400000, NPARTS = 4 };
	struct shuffle_ops p = make_ops(NULL);
	uint64_t rng = 31;
	struct vocab v;
	struct mapout mo;
	size_t total = 0, nemit, extra = 0;
	size_t *last = malloc(NKEYS * sizeof(*last));
	size_t *count = calloc(NKEYS, sizeof(*count)), *want = calloc(NKEYS, sizeof(*want));

	(void)state;
	assert_non_null(last);
	assert_non_null(count);
	assert_non_null(want);
	vocab_init(&v, NKEYS, &rng);
	mo_init(&mo, &p, NPARTS, 64 << 10);
	/* until the 2nd spill, and a little more */
	for (nemit = 0; nemit < MAXEMIT && extra < 3000; nemit++) {
		size_t i = pick(&rng, NKEYS), klen;
		const char *k = vkey(&v, i, &klen);
		char val[32];
		int n = snprintf(val, sizeof(val), "%zu", nemit); /* the emit's sequence number */

		want[i]++;
		assert_int_equal(mapout_emit(&mo, k, klen, val, (size_t)n), 0);
		if (mo.spills >= 2)
			extra++;
	}
	if (mo.spills < 2)
		unit_fail("%zu pairs with a 64 KiB budget: %llu spills; the map output is not "
			  "bounded", nemit, (unsigned long long)mo.spills);
	write_runs(&mo, NPARTS);
	mapout_release(&mo);
	for (unsigned r = 0; r < NPARTS; r++) {
		char path[32];
		struct kvbuf run;

		snprintf(path, sizeof(path), "run-%u", r);
		kvbuf_init(&run);
		assert_int_equal(runio_read(path, &run), 0);
		for (size_t j = 0; j < run.n; j++) {
			const struct kv *rec = &run.recs[j];
			const char *k = kv_key(&run, rec);
			size_t idx = vocab_find(&v, k, rec->klen);
			uint64_t seq;

			assert_int_equal(unit_parse_u64(kv_val(&run, rec), rec->vlen, &seq), 0);
			if (j > 0) {
				int c = keysort_keycmp(kv_key(&run, rec - 1), rec[-1].klen, k, rec->klen);

				if (c > 0)
					unit_fail("partition %u record %zu: keys out of order", r, j);
				if (c == 0 && seq <= last[idx])
					unit_fail("partition %u, key '%.*s': value %llu after %zu: "
						  "equal keys must keep the emit order", r,
						  (int)(rec->klen > 40 ? 40 : rec->klen), k,
						  (unsigned long long)seq, last[idx]);
			}
			assert_int_equal(mr_default_partition(k, rec->klen, NPARTS), r);
			last[idx] = (size_t)seq;
			count[idx]++;
			total++;
		}
		kvbuf_release(&run);
	}
	assert_int_equal(total, nemit);
	for (size_t i = 0; i < NKEYS; i++)
		if (count[i] != want[i])
			unit_fail("key %zu: %zu values in the runs, %zu emitted", i, count[i],
				  want[i]);
	assert_int_equal(dir_entries(), NPARTS);
	vocab_release(&v);
	free(last);
	free(count);
	free(want);
}

/* One partition: no partition function is needed; one sorted run. */
static void test_one_partition(void **state)
{
	enum { NKEYS = 2000, NEMIT = 10000 };
	struct shuffle_ops p = make_ops(sum_combine);
	uint64_t rng = 37, *want = calloc(NKEYS, sizeof(*want));
	struct vocab v;
	struct mapout mo;

	(void)state;
	assert_non_null(want);
	vocab_init(&v, NKEYS, &rng);
	mo_init(&mo, &p, 1, 64 << 10);
	for (size_t e = 0; e < NEMIT; e++) {
		size_t i = pick(&rng, NKEYS), klen;
		const char *k = vkey(&v, i, &klen);

		want[i] += 1;
		assert_int_equal(mapout_emit(&mo, k, klen, "1", 1), 0);
	}
	write_runs(&mo, 1);
	mapout_release(&mo);
	check_summed(&v, want, 1, "one partition");
	vocab_release(&v);
	free(want);
}

/* An identity combine: nothing lost, nothing duplicated. */
static void test_identity_combine(void **state)
{
	enum { NKEYS = 50, NEMIT = 10000, NPARTS = 2 };
	struct shuffle_ops p = make_ops(identity_combine);
	uint64_t rng = 41;
	struct vocab v;
	struct mapout mo;
	char *seen = calloc(NEMIT, 1);
	size_t total = 0;

	(void)state;
	assert_non_null(seen);
	vocab_init(&v, NKEYS, &rng);
	mo_init(&mo, &p, NPARTS, 64 << 10);
	for (size_t e = 0; e < NEMIT; e++) {
		size_t i = e % 7 == 0 ? 0 : pick(&rng, NKEYS), klen;
		const char *k = vkey(&v, i, &klen);
		char val[32];
		int n = snprintf(val, sizeof(val), "%zu", e);

		assert_int_equal(mapout_emit(&mo, k, klen, val, (size_t)n), 0);
	}
	write_runs(&mo, NPARTS);
	mapout_release(&mo);
	for (unsigned r = 0; r < NPARTS; r++) {
		char path[32];
		struct kvbuf run;

		snprintf(path, sizeof(path), "run-%u", r);
		kvbuf_init(&run);
		assert_int_equal(runio_read(path, &run), 0);
		for (size_t j = 0; j < run.n; j++) {
			uint64_t seq;

			assert_int_equal(unit_parse_u64(kv_val(&run, &run.recs[j]), run.recs[j].vlen,
						   &seq), 0);
			assert_true(seq < NEMIT);
			if (seen[seq])
				unit_fail("value %llu appears twice", (unsigned long long)seq);
			seen[seq] = 1;
			total++;
		}
		kvbuf_release(&run);
	}
	assert_int_equal(total, NEMIT);
	vocab_release(&v);
	free(seen);
}

/*
 * A failing combine fails the map, blamed on the ops; nothing is
 * published, nothing left behind.
 */
static void test_combine_fails(void **state)
{
	struct shuffle_ops p = make_ops(failing_combine);
	struct mapout mo;
	int rc = 0;

	(void)state;
	log_clear_last_error();
	mo_init(&mo, &p, 2, 64 << 10);
	/* "bad" gets combined when its block fills, or at the latest at the end */
	for (int e = 0; e < 1000 && rc == 0; e++)
		rc = mapout_emit(&mo, e % 2 ? "bad" : "good", e % 2 ? 3 : 4, "1", 1);
	if (rc == 0)
		rc = mapout_finish(&mo);
	if (rc == 0)
		rc = write_two(&mo);
	assert_int_equal(rc, -1);
	assert_int_equal(mo.fault, SHUFFLE_FAULT_OPS);
	assert_string_equal(log_last_error(), "combine of key 'bad' failed");
	mapout_release(&mo);
	/* nothing published, no temp file left */
	assert_int_equal(dir_entries(), 0);
}

/* Descriptors open in this process. */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/*
 * mapout_write only adds a run to the caller's set: nothing is published
 * until the set is, no descriptor stays open per run, and a run that
 * cannot be written leaves nothing, nor do the others once the set is
 * released unpublished.
 */
static void test_runs_published_together(void **state)
{
	enum { NPARTS = 40 };
	struct shuffle_ops p = make_ops(NULL);
	struct afile_set set;
	struct mapout mo;
	char path[32];
	int fds;

	(void)state;
	for (int pass = 0; pass < 2; pass++) {
		mo_init(&mo, &p, NPARTS, 1 << 20);
		for (int i = 0; i < 2000; i++) {
			int n = snprintf(path, sizeof(path), "key%d", i);

			assert_int_equal(mapout_emit(&mo, path, (size_t)n, "v", 1), 0);
		}
		assert_int_equal(mapout_finish(&mo), 0);
		afile_set_init(&set);
		fds = open_fds();
		for (unsigned r = 0; r < NPARTS - 1; r++) {
			snprintf(path, sizeof(path), "run-%u", r);
			assert_int_equal(mapout_write(&mo, r, path, &set), 0);
		}
		assert_int_equal(open_fds(), fds);
		assert_int_equal(set.n, NPARTS - 1);
		/* written, not published: only temp files */
		assert_int_equal(dir_entries(), NPARTS - 1);
		assert_int_equal(access("run-0", F_OK), -1);
		if (pass == 0) {
			/* the last run cannot be written: nothing is left */
			log_clear_last_error();
			assert_int_equal(mapout_write(&mo, NPARTS - 1, "no-such-dir/run", &set), -1);
			assert_non_null(strstr(log_last_error(), "no-such-dir/run"));
			assert_int_equal(set.n, NPARTS - 1);
			afile_set_release(&set);
			mapout_release(&mo);
			assert_int_equal(dir_entries(), 0);
			continue;
		}
		snprintf(path, sizeof(path), "run-%u", NPARTS - 1);
		assert_int_equal(mapout_write(&mo, NPARTS - 1, path, &set), 0);
		assert_int_equal(afile_set_publish(&set), 0);
		afile_set_release(&set);
		mapout_release(&mo);
		assert_int_equal(dir_entries(), NPARTS);
		for (unsigned r = 0; r < NPARTS; r++) {
			struct kvbuf run;

			snprintf(path, sizeof(path), "run-%u", r);
			kvbuf_init(&run);
			assert_int_equal(runio_read(path, &run), 0);
			kvbuf_release(&run);
		}
	}
}

/*
 * At the worker's smallest budget (--memory-limit 1M) the combine table
 * must still do its job: a few keys emitted many times are combined in
 * memory while they are emitted, and nothing spills.
 */
static void test_small_budget_combines(void **state)
{
	struct shuffle_ops p = make_ops(sum_combine);
	uint64_t want[3] = { 0, 0, 0 };
	static const char *const keys[3] = { "hot", "warm", "a key longer than thirty-two bytes" };
	struct mapout mo;
	struct vocab v;
	uint64_t rng = 43;

	(void)state;
	mo_init(&mo, &p, 2, 1 << 20);
	for (int e = 0; e < 20000; e++) {
		int i = e % 10 == 0 ? 2 : e % 3 == 0 ? 1 : 0;

		want[i]++;
		assert_int_equal(mapout_emit(&mo, keys[i], strlen(keys[i]), "1", 1), 0);
	}
	if (mo.combines == 0 || mo.spills != 0)
		unit_fail("20000 pairs of 3 keys, 1 MiB budget: %llu combines while emitting "
			  "(expected some) and %llu spills (expected none): the combine table "
			  "does not hold even 3 keys within this budget",
			  (unsigned long long)mo.combines, (unsigned long long)mo.spills);
	write_runs(&mo, 2);
	mapout_release(&mo);
	/* and the result is right */
	kvbuf_init(&v.keys);
	for (int i = 0; i < 3; i++)
		assert_int_equal(kvbuf_add(&v.keys, keys[i], strlen(keys[i]), "", 0), 0);
	v.order = malloc(3 * sizeof(*v.order));
	assert_non_null(v.order);
	for (size_t i = 0; i < 3; i++)
		v.order[i] = i;
	sort_keys = &v.keys;
	qsort(v.order, 3, sizeof(*v.order), cmp_index);
	(void)rng;
	check_summed(&v, want, 2, "3 keys, 1 MiB budget");
	vocab_release(&v);
}

/* ---- the built-in sum combiner ------------------------------------------------------ */

/*
 * A job with the built-in sum (SHUFFLE_COMBINE_SUM).  It also has a
 * combine, as wc does; the built-in sum must be used instead of it, so it
 * only counts its calls and fails.
 */
static int combine_calls;

static int never_combine(void *arg, const char *key, size_t klen, struct combine_io *io)
{
	(void)arg;
	(void)key;
	(void)klen;
	(void)io;
	combine_calls++;
	return -1;
}

static struct shuffle_ops make_sum_ops(void)
{
	struct shuffle_ops p = make_ops(never_combine);

	p.combiner = SHUFFLE_COMBINE_SUM;
	combine_calls = 0;
	return p;
}

/* Every value in runs run-0 .. run-(nparts-1) is a decimal number as printf writes it. */
static void check_canonical(unsigned nparts, const char *what)
{
	for (unsigned r = 0; r < nparts; r++) {
		char path[32];
		struct kvbuf run;

		snprintf(path, sizeof(path), "run-%u", r);
		kvbuf_init(&run);
		assert_int_equal(runio_read(path, &run), 0);
		for (size_t i = 0; i < run.n; i++) {
			const char *v = kv_val(&run, &run.recs[i]);
			uint32_t n = run.recs[i].vlen;
			int ok = n >= 1 && n <= 20 && (n == 1 || v[0] != '0');

			for (uint32_t j = 0; j < n; j++)
				ok &= v[j] >= '0' && v[j] <= '9';
			if (!ok)
				unit_fail("%s: partition %u record %zu: value '%.*s' is not "
					  "a total in plain decimal", what, r, i, (int)n, v);
		}
		kvbuf_release(&run);
	}
}

/* Distinct keys with want[i] != 0. */
static size_t count_wanted(const uint64_t *want, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += want[i] != 0;
	return k;
}

static void unlink_runs(unsigned nparts)
{
	for (unsigned r = 0; r < nparts; r++) {
		char path[32];

		snprintf(path, sizeof(path), "run-%u", r);
		unlink(path);
	}
}

/* A value 1..999999 in decimal, sometimes with leading zeros; returns its length. */
static int sum_value(uint64_t *rng, char *buf, size_t size, uint64_t *v)
{
	*v = 1 + unit_rand(rng) % (unit_rand(rng) % 4 ? 9 : 999999);
	if (unit_rand(rng) % 16 == 0)
		return snprintf(buf, size, "%08llu", (unsigned long long)*v);
	return snprintf(buf, size, "%llu", (unsigned long long)*v);
}

/*
 * A big budget: one drain at the end, no spill.  Totals right, one record
 * per key, decimal; the plugin's own combine never runs; the counters say
 * every emitted value went in and one total per key came out.
 */
static void test_sum_one_drain(void **state)
{
	enum { NKEYS = 3000, NEMIT = 60000, NPARTS = 4 };
	struct shuffle_ops p = make_sum_ops();
	uint64_t rng = 51, *want = calloc(NKEYS, sizeof(*want));
	struct vocab v;
	struct mapout mo;

	(void)state;
	assert_non_null(want);
	vocab_init(&v, NKEYS, &rng);
	mo_init(&mo, &p, NPARTS, 256u << 20);
	for (size_t e = 0; e < NEMIT; e++) {
		size_t i = e < NKEYS ? e : pick(&rng, NKEYS), klen;
		const char *k = vkey(&v, i, &klen);
		char val[32];
		uint64_t n;
		int len = sum_value(&rng, val, sizeof(val), &n);

		want[i] += n;
		assert_int_equal(mapout_emit(&mo, k, klen, val, (size_t)len), 0);
	}
	write_runs(&mo, NPARTS);
	if (mo.drains != 1 || mo.spills != 0)
		unit_fail("%d keys, 256 MiB budget: %u drains and %llu spills, expected 1 and 0",
			  NKEYS, mo.drains, (unsigned long long)mo.spills);
	if (mo.combine_in != NEMIT || mo.combine_out != NKEYS)
		unit_fail("combine counters: %llu values in, %llu out; expected %d in (every "
			  "emit) and %d out (one total per key)",
			  (unsigned long long)mo.combine_in, (unsigned long long)mo.combine_out,
			  NEMIT, NKEYS);
	mapout_release(&mo);
	assert_int_equal(combine_calls, 0);
	check_summed(&v, want, NPARTS, "sum, one drain");
	check_canonical(NPARTS, "sum, one drain");
	assert_int_equal(dir_entries(), NPARTS);
	vocab_release(&v);
	free(want);
	mapout_cache_release(&cache);
}

/*
 * A 64 KiB budget (rounded up to the working minimum): the sum table is
 * drained into the partition buffers several times and they spill; the runs
 * still hold each key once with its total.  Several passes over the keys,
 * then skewed picks.
 */
static void test_sum_drains_and_spills(void **state)
{
	enum { NKEYS = 60000, NPARTS = 5 };
	struct shuffle_ops p = make_sum_ops();
	uint64_t rng = 53, *want = calloc(NKEYS, sizeof(*want));
	size_t nemit = 0, distinct;
	struct vocab v;
	struct mapout mo;
	char what[160];

	(void)state;
	assert_non_null(want);
	vocab_init(&v, NKEYS, &rng);
	mo_init(&mo, &p, NPARTS, 64 << 10);
	for (int pass = 0; pass < 3; pass++)
		for (size_t e = 0; e < NKEYS + 40000; e++, nemit++) {
			size_t i = e < NKEYS ? (e * 7 + (size_t)pass) % NKEYS : pick(&rng, NKEYS);
			size_t klen;
			const char *k = vkey(&v, i, &klen);
			char val[32];
			uint64_t n;
			int len = sum_value(&rng, val, sizeof(val), &n);

			want[i] += n;
			assert_int_equal(mapout_emit(&mo, k, klen, val, (size_t)len), 0);
		}
	write_runs(&mo, NPARTS);
	snprintf(what, sizeof(what), "sum, %zu emits of %d keys, 64 KiB budget, %u drains, "
		 "%llu spills", nemit, NKEYS, mo.drains, (unsigned long long)mo.spills);
	if (mo.drains < 3 || mo.spills < 2)
		unit_fail("%s: expected at least 3 drains and 2 spills; the sum table is not "
			  "bounded by the budget", what);
	distinct = count_wanted(want, NKEYS);
	if (mo.combine_in < nemit || mo.combine_out < distinct ||
	    mo.combine_out > mo.combine_in)
		unit_fail("%s: combine counters %llu in, %llu out; expected in >= %zu (the "
			  "emits), out >= %zu (the keys) and out <= in", what,
			  (unsigned long long)mo.combine_in, (unsigned long long)mo.combine_out,
			  nemit, distinct);
	mapout_release(&mo);
	assert_int_equal(combine_calls, 0);
	check_summed(&v, want, NPARTS, what);
	check_canonical(NPARTS, what);
	/* only the runs are left: spills were anonymous */
	assert_int_equal(dir_entries(), NPARTS);
	vocab_release(&v);
	free(want);
	mapout_cache_release(&cache);
}

/*
 * The path mrsequential takes: one partition, mapout_merger() (no combine
 * on the way out), so a key may come once per drain; the values must add
 * up to the totals, keys in order.  With a big budget (one drain) and a
 * small one (drains and spills).
 */
static void test_sum_merger(void **state)
{
	static const uint64_t budgets[] = { 256u << 20, 64 << 10 };
	enum { NKEYS = 40000 };
	struct vocab v;
	uint64_t rng = 57;

	(void)state;
	vocab_init(&v, NKEYS, &rng);
	for (size_t b = 0; b < 2; b++) {
		struct shuffle_ops p = make_sum_ops();
		uint64_t *want = calloc(NKEYS, sizeof(*want)), *got = calloc(NKEYS, sizeof(*got));
		struct mapout mo;
		struct merger m;
		const char *k, *val, *pk = NULL;
		uint32_t kl, vl, pkl = 0;
		size_t recs = 0;
		char *prev = malloc(1024);

		assert_non_null(want);
		assert_non_null(got);
		assert_non_null(prev);
		mo_init(&mo, &p, 1, budgets[b]);
		for (size_t e = 0; e < 3 * NKEYS; e++) {
			size_t i = e % NKEYS, klen;
			const char *key = vkey(&v, i, &klen);

			want[i] += 3;
			assert_int_equal(mapout_emit(&mo, key, klen, "3", 1), 0);
		}
		assert_int_equal(mapout_finish(&mo), 0);
		if (b == 1 && (mo.drains < 2 || mo.spills < 1))
			unit_fail("64 KiB budget: %u drains and %llu spills, expected several",
				  mo.drains, (unsigned long long)mo.spills);
		assert_int_equal(mapout_merger(&mo, 0, &m), 0);
		while (merger_peek(&m, &k, &kl, &val, &vl)) {
			size_t idx = vocab_find(&v, k, kl);
			uint64_t n;

			if (pk && keysort_keycmp(prev, pkl, k, kl) > 0)
				unit_fail("budget %llu: merger output out of order at record %zu",
					  (unsigned long long)budgets[b], recs);
			assert_true(kl < 1024);
			memcpy(prev, k, kl);
			pk = prev;
			pkl = kl;
			if (unit_parse_u64(val, vl, &n) < 0)
				unit_fail("budget %llu: key '%.*s': value '%.*s' is not decimal",
					  (unsigned long long)budgets[b],
					  (int)(kl > 40 ? 40 : kl), k, (int)vl, val);
			got[idx] += n;
			recs++;
			assert_int_equal(merger_pop(&m), 0);
		}
		merger_release(&m);
		for (size_t i = 0; i < NKEYS; i++)
			if (got[i] != want[i])
				unit_fail("budget %llu (%u drains): key %zu: values add up to "
					  "%llu, expected %llu", (unsigned long long)budgets[b],
					  mo.drains, i, (unsigned long long)got[i],
					  (unsigned long long)want[i]);
		/* one record per key per drain at most */
		assert_true(recs >= NKEYS && recs <= (size_t)NKEYS * mo.drains);
		if (b == 0)
			assert_int_equal(recs, NKEYS);
		mapout_release(&mo);
		assert_int_equal(combine_calls, 0);
		free(want);
		free(got);
		free(prev);
	}
	vocab_release(&v);
	mapout_cache_release(&cache);
}

/* Emit key/value to a fresh sum mapout after some good pairs; the map must fail. */
static void expect_bad_value(const char *val, size_t vlen, const char *shown)
{
	struct shuffle_ops p = make_sum_ops();
	struct mapout mo;
	char want[96];
	int rc = 0;

	log_clear_last_error();
	mo_init(&mo, &p, 2, 1 << 20);
	for (int i = 0; i < 100 && rc == 0; i++)
		rc = mapout_emit(&mo, i % 2 ? "good" : "fine", 4, "1", 1);
	assert_int_equal(rc, 0);
	rc = mapout_emit(&mo, "poison", 6, val, vlen);
	if (rc == 0)
		rc = mapout_finish(&mo);
	if (rc == 0)
		rc = write_two(&mo);
	if (rc != -1)
		unit_fail("value '%s' (%zu bytes) for the built-in sum was accepted", shown, vlen);
	mapout_release(&mo);
	if (!strstr(log_last_error(), "'poison'") || !strstr(log_last_error(), "test-plugin"))
		unit_fail("value '%s': the error does not name the key 'poison' and the plugin: "
			  "\"%s\"", shown, log_last_error());
	snprintf(want, sizeof(want), "'%s'", shown);
	if (!strstr(log_last_error(), want))
		unit_fail("value '%s': the error does not show the value: \"%s\"", shown,
			  log_last_error());
	assert_int_equal(combine_calls, 0);
	unlink_runs(2);
}

/* Anything but 1..20 digits below 2^64 fails the map, naming key, value and plugin. */
static void test_sum_bad_values(void **state)
{
	static const char *const bad[] = {
		"", "x", "-1", "+1", "1.0", " 1", "1 ", "0x10", "1e3", "١",
		"123456789012345678901",	/* 21 digits */
		"18446744073709551616",		/* 2^64 */
		"99999999999999999999",		/* 20 digits, too big */
		"1844674407370955161500",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_bad_value(bad[i], strlen(bad[i]), bad[i]);
	/* a NUL inside the value: shown up to the NUL at least */
	expect_bad_value("1\0", 2, "1");
	expect_bad_value("\0", 1, "");
	mapout_cache_release(&cache);
}

/*
 * Every run's records as "key=value;" text, in run order; keys starting
 * with '~' (filler) are left out, and their values must be "1".
 */
static void runs_as_text(unsigned nparts, char *out, size_t size)
{
	size_t o = 0;

	out[0] = '\0';
	for (unsigned r = 0; r < nparts; r++) {
		char path[32];
		struct kvbuf run;

		snprintf(path, sizeof(path), "run-%u", r);
		kvbuf_init(&run);
		assert_int_equal(runio_read(path, &run), 0);
		for (size_t i = 0; i < run.n; i++) {
			const struct kv *rec = &run.recs[i];
			const char *k = kv_key(&run, rec);

			if (rec->klen && k[0] == '~') {
				if (rec->vlen != 1 || kv_val(&run, rec)[0] != '1')
					unit_fail("filler key '%.*s': value '%.*s', expected 1",
						  (int)rec->klen, k, (int)rec->vlen,
						  kv_val(&run, rec));
				continue;
			}
			o += (size_t)snprintf(out + o, size - o, "%.*s=%.*s;", (int)rec->klen,
					      k, (int)rec->vlen, kv_val(&run, rec));
			assert_true(o < size);
		}
		kvbuf_release(&run);
	}
}

/*
 * Leading zeros, zero, the largest value: accepted and totalled; a key whose
 * total is 0 is still there; the totals are written plainly.
 */
static void test_sum_good_values(void **state)
{
	static const struct { const char *k, *v; } emits[] = {
		{ "bond", "007" }, { "bond", "007" }, { "zero", "0" }, { "zero", "00" },
		{ "max", "18446744073709551615" }, { "nine", "9" }, { "ten", "10" },
		{ "twenty", "00000000000000000020" }, { "max", "0" },
		{ "almost", "18446744073709551614" }, { "almost", "1" },
	};
	struct shuffle_ops p = make_sum_ops();
	struct mapout mo;
	char text[1024];

	(void)state;
	for (int b = 0; b < 2; b++) {
		mo_init(&mo, &p, 1, 1 << 20);
		for (size_t i = 0; i < sizeof(emits) / sizeof(emits[0]); i++) {
			assert_int_equal(mapout_emit(&mo, emits[i].k, strlen(emits[i].k),
						     emits[i].v, strlen(emits[i].v)), 0);
			/* the second time, drain between emits (as if the table had filled) */
			if (b == 1)
				for (int j = 0; j < 30000; j++) {
					char key[16];
					int n = snprintf(key, sizeof(key), "~%zu-%d", i, j);
					int rc = mapout_emit(&mo, key, (size_t)n, "1", 1);

					assert_int_equal(rc, 0);
				}
		}
		write_runs(&mo, 1);
		if (b == 1 && mo.drains < 5)
			unit_fail("30000 keys between emits: only %u drains", mo.drains);
		mapout_release(&mo);
		runs_as_text(1, text, sizeof(text));
		if (strcmp(text, "almost=18446744073709551615;bond=14;max=18446744073709551615;"
			   "nine=9;ten=10;twenty=20;zero=0;") != 0)
			unit_fail("%s: the run holds %s", b ? "drains between emits" : "one drain",
				  text);
		unlink_runs(1);
	}
	assert_int_equal(combine_calls, 0);
	mapout_cache_release(&cache);
}

/* mapout_emit, then finish and write runs run-0, run-1 while all is well; the first rc != 0. */
static int emit_all_and_write(struct mapout *mo, const char *const *keys,
			      const char *const *vals, size_t n, int fill)
{
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = mapout_emit(mo, keys[i], strlen(keys[i]), vals[i], strlen(vals[i]));
		for (int j = 0; j < fill && rc == 0; j++) {
			char key[16];
			int len = snprintf(key, sizeof(key), "~%zu-%d", i, j);

			rc = mapout_emit(mo, key, (size_t)len, "1", 1);
		}
	}
	if (rc == 0)
		rc = mapout_finish(mo);
	if (rc == 0)
		rc = write_two(mo);
	return rc;
}

/*
 * A total over 2^64 - 1 fails the map naming the key: within the table,
 * and across drains (found when the drained totals are added up on the way
 * out).  The run of the key's partition is not published.
 */
static void test_sum_overflow(void **state)
{
	static const char *const long_key =
		"a key longer than sixteen bytes, and longer than sixty-four bytes too, cut";
	const char *const keys[] = { "other", "big", "big" };
	const char *const vals[] = { "5", "18446744073709551614", "2" };
	const char *const keys2[] = { "big", "other", "big" };
	const char *const vals2[] = { "18446744073709551615", "1", "1" };
	const char *const vals2_max[] = { "18446744073709551614", "1", "1" };
	const char *const keys3[] = { long_key, long_key };
	const char *const vals3[] = { "18446744073709551615", "1" };
	struct shuffle_ops p = make_sum_ops();
	struct mapout mo;
	char run[16];

	(void)state;
	/* in the table */
	log_clear_last_error();
	mo_init(&mo, &p, 2, 1 << 20);
	if (emit_all_and_write(&mo, keys, vals, 3, 0) != -1)
		unit_fail("(2^64 - 2) + 2 for one key was accepted");
	assert_int_equal(mo.drains, 0);
	mapout_release(&mo);
	if (!strstr(log_last_error(), "'big'") || !strstr(log_last_error(), "2^64") ||
	    !strstr(log_last_error(), "test-plugin"))
		unit_fail("overflow in the table: the error does not name the key 'big', 2^64 "
			  "and the plugin: \"%s\"", log_last_error());
	unlink_runs(2);

	/* across drains: 2^64 - 1 in one drain, 1 in a later one */
	log_clear_last_error();
	mo_init(&mo, &p, 2, 64 << 10);
	if (emit_all_and_write(&mo, keys2, vals2, 3, 30000) != -1)
		unit_fail("(2^64 - 1) + 1 for one key, across drains, was accepted");
	if (mo.drains < 2)
		unit_fail("30000 keys between the emits and only %u drains", mo.drains);
	mapout_release(&mo);
	if (!strstr(log_last_error(), "'big'") || !strstr(log_last_error(), "2^64"))
		unit_fail("overflow across drains: the error does not name the key 'big' and "
			  "2^64: \"%s\"", log_last_error());
	snprintf(run, sizeof(run), "run-%u", mr_default_partition("big", 3, 2));
	if (access(run, F_OK) == 0)
		unit_fail("%s, the partition of the key whose total overflowed, was published",
			  run);
	unlink_runs(2);

	/* a long key, in the arena, named cut */
	log_clear_last_error();
	mo_init(&mo, &p, 2, 1 << 20);
	assert_int_equal(emit_all_and_write(&mo, keys3, vals3, 2, 0), -1);
	mapout_release(&mo);
	if (!strstr(log_last_error(), "'a key longer than sixteen bytes"))
		unit_fail("overflow of a long key: the error does not name it: \"%s\"",
			  log_last_error());
	unlink_runs(2);

	/* exactly 2^64 - 1 across drains is fine */
	mo_init(&mo, &p, 2, 64 << 10);
	assert_int_equal(emit_all_and_write(&mo, keys2, vals2_max, 3, 30000), 0);
	assert_true(mo.drains >= 2);
	mapout_release(&mo);
	{
		struct kvbuf r;
		int found = 0;

		kvbuf_init(&r);
		assert_int_equal(runio_read(run, &r), 0);
		for (size_t i = 0; i < r.n; i++)
			if (r.recs[i].klen == 3 && !memcmp(kv_key(&r, &r.recs[i]), "big", 3)) {
				assert_string_equal(kv_val(&r, &r.recs[i]), "18446744073709551615");
				found++;
			}
		assert_int_equal(found, 1);
		kvbuf_release(&r);
	}
	unlink_runs(2);
	assert_int_equal(combine_calls, 0);
	mapout_cache_release(&cache);
}

/*
 * One task after another (the worker runs many maps): a task sees none of
 * the keys of the one before, whether that one succeeded or failed half way.
 */
static void test_sum_task_after_task(void **state)
{
	enum { NKEYS = 6000 };
	struct shuffle_ops p = make_sum_ops();
	uint64_t rng = 61;
	struct vocab v;

	(void)state;
	vocab_init(&v, NKEYS, &rng);
	for (int task = 0; task < 4; task++) {
		uint64_t *want = calloc(NKEYS, sizeof(*want));
		size_t lo = (size_t)(task % 2) * (NKEYS / 2);
		struct mapout mo;
		char what[64];

		assert_non_null(want);
		mo_init(&mo, &p, 3, task < 2 ? 1 << 20 : 64 << 10);
		for (size_t e = 0; e < 5 * NKEYS; e++) {
			size_t i = lo + e % (NKEYS / 2), klen;
			const char *k = vkey(&v, i, &klen);

			want[i] += 2;
			assert_int_equal(mapout_emit(&mo, k, klen, "2", 1), 0);
		}
		if (task == 1) {
			/* this one fails: its keys must not reach the next task */
			assert_int_equal(mapout_emit(&mo, "bad", 3, "x", 1), -1);
			mapout_release(&mo);
			free(want);
			continue;
		}
		write_runs(&mo, 3);
		mapout_release(&mo);
		snprintf(what, sizeof(what), "task %d", task);
		check_summed(&v, want, 3, what);
		unlink_runs(3);
		free(want);
	}
	assert_int_equal(combine_calls, 0);
	vocab_release(&v);
	mapout_cache_release(&cache);
}

/*
 * No pair at all, and a single key among 5 partitions: every run is
 * published, the empty ones empty; the merger path sees the same.
 */
static void test_sum_empty_and_sparse(void **state)
{
	struct shuffle_ops p = make_sum_ops();
	struct mapout mo;
	char text[256];
	unsigned want_r = mr_default_partition("only", 4, 5);

	(void)state;
	/* nothing emitted (the first task, and one after a task that had keys) */
	for (int round = 0; round < 2; round++) {
		mapout_cache_release(&cache);
		if (round == 1) {
			mo_init(&mo, &p, 3, 1 << 20);
			assert_int_equal(mapout_emit(&mo, "before", 6, "1", 1), 0);
			mapout_release(&mo);
		}
		mo_init(&mo, &p, 3, 1 << 20);
		write_runs(&mo, 3);
		mapout_release(&mo);
		runs_as_text(3, text, sizeof(text));
		assert_string_equal(text, "");
		unlink_runs(3);
	}
	mo_init(&mo, &p, 1, 1 << 20);
	{
		struct merger m;
		const char *k, *v;
		uint32_t kl, vl;

		assert_int_equal(mapout_finish(&mo), 0);
		assert_int_equal(mapout_merger(&mo, 0, &m), 0);
		assert_false(merger_peek(&m, &k, &kl, &v, &vl));
		merger_release(&m);
	}
	mapout_release(&mo);

	/* one key, emitted 3 times, 5 partitions */
	mo_init(&mo, &p, 5, 1 << 20);
	for (int i = 0; i < 3; i++)
		assert_int_equal(mapout_emit(&mo, "only", 4, "2", 1), 0);
	assert_int_equal(mapout_finish(&mo), 0);
	for (unsigned r = 0; r < 5; r++) {
		char path[32];

		snprintf(path, sizeof(path), "run-%u", r);
		assert_int_equal(write_one(&mo, r, path), 0);
	}
	mapout_release(&mo);
	for (unsigned r = 0; r < 5; r++) {
		char path[32];
		struct kvbuf run;

		snprintf(path, sizeof(path), "run-%u", r);
		kvbuf_init(&run);
		assert_int_equal(runio_read(path, &run), 0);
		assert_int_equal(run.n, r == want_r ? 1 : 0);
		if (r == want_r) {
			assert_int_equal(run.recs[0].klen, 4);
			assert_memory_equal(kv_key(&run, &run.recs[0]), "only", 4);
			assert_string_equal(kv_val(&run, &run.recs[0]), "6");
		}
		kvbuf_release(&run);
	}
	unlink_runs(5);
	assert_int_equal(combine_calls, 0);
	mapout_cache_release(&cache);
}

/* ---- the built-in sum, task after task (the table and view kept between) ----------- */

/* Is key i among task `task`'s keys?  About 2 in 3, a different mix per task. */
static int in_task(size_t i, int task)
{
	uint64_t h = (uint64_t)(i + 1) * 0x9e3779b97f4a7c15ull ^
		     (uint64_t)(task + 1) * 0xd6e8feb86659fd93ull;

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return h % 3 != 0;
}

/* Emit 3 rounds over task `task`'s keys in [lo, hi), adding to want[]. */
static void emit_task(struct mapout *mo, const struct vocab *v, int task, size_t lo,
		      size_t hi, uint64_t *rng, uint64_t *want)
{
	for (int round = 0; round < 3; round++)
		for (size_t j = 0; j < hi - lo; j++) {
			size_t i = lo + (j + (size_t)round * 101) % (hi - lo), klen;
			const char *k;
			char val[32];
			uint64_t n;
			int len;

			if (!in_task(i, task))
				continue;
			k = vkey(v, i, &klen);
			len = sum_value(rng, val, sizeof(val), &n);
			want[i] += n;
			assert_int_equal(mapout_emit(mo, k, klen, val, (size_t)len), 0);
		}
}

/*
 * The one partition through mapout_merger() (mrsequential's path): keys
 * in order, each emitted key's values adding up to its total, no other key.
 */
static void check_merger_sum(struct mapout *mo, const struct vocab *v, const uint64_t *want,
			     const char *what)
{
	uint64_t *got = calloc(v->keys.n, sizeof(*got));
	struct merger m;
	const char *k, *val;
	uint32_t kl, vl;
	size_t prev = SIZE_MAX;

	assert_non_null(got);
	assert_int_equal(mapout_merger(mo, 0, &m), 0);
	while (merger_peek(&m, &k, &kl, &val, &vl)) {
		size_t idx = vocab_find(v, k, kl);
		uint64_t n;

		if (prev != SIZE_MAX) {
			size_t pl;
			const char *pk = vkey(v, prev, &pl);

			if (keysort_keycmp(pk, pl, k, kl) > 0)
				unit_fail("%s: merger output out of order at key '%.*s'", what,
					  (int)(kl > 40 ? 40 : kl), k);
		}
		prev = idx;
		if (!want[idx])
			unit_fail("%s: key '%.*s' (value '%.*s') was not emitted in this task", what,
				  (int)(kl > 40 ? 40 : kl), k, (int)vl, val);
		if (unit_parse_u64(val, vl, &n) < 0)
			unit_fail("%s: value '%.*s' is not decimal", what, (int)vl, val);
		got[idx] += n;
		assert_int_equal(merger_pop(&m), 0);
	}
	merger_release(&m);
	for (size_t i = 0; i < v->keys.n; i++)
		if (got[i] != want[i])
			unit_fail("%s: key %zu: values add up to %llu, expected %llu", what, i,
				  (unsigned long long)got[i], (unsigned long long)want[i]);
	free(got);
}

struct task_info {
	unsigned drains;
	uint64_t spills;
	size_t kept;     /* keys in the sum table right after mapout_init */
	size_t cap_init, cap_end; /* its slots after mapout_init and at the end */
};

/*
 * One good map task with the built-in sum over task `task`'s keys in
 * [lo, hi): its runs (or, with via_merger, its merger) must hold exactly
 * this task's totals.
 */
static struct task_info sum_task(const struct shuffle_ops *p, const struct vocab *v,
				 unsigned nparts, uint64_t budget, int task, size_t lo,
				 size_t hi, uint64_t *rng, int via_merger, const char *what)
{
	uint64_t *want = calloc(v->keys.n, sizeof(*want));
	struct task_info info;
	struct mapout mo;
	char msg[160];

	assert_non_null(want);
	mo_init(&mo, p, nparts, budget);
	info.kept = mo.sum.n;
	info.cap_init = mo.sum.cap;
	emit_task(&mo, v, task, lo, hi, rng, want);
	snprintf(msg, sizeof(msg), "%s: task %d, %u partitions, keys %zu..%zu, budget %llu KiB",
		 what, task, nparts, lo, hi, (unsigned long long)(budget >> 10));
	if (via_merger) {
		assert_int_equal(nparts, 1);
		assert_int_equal(mapout_finish(&mo), 0);
		check_merger_sum(&mo, v, want, msg);
	} else {
		write_runs(&mo, nparts);
	}
	info.drains = mo.drains;
	info.spills = mo.spills;
	info.cap_end = mo.sum.cap;
	mapout_release(&mo);
	if (!via_merger) {
		check_summed(v, want, nparts, msg);
		check_canonical(nparts, msg);
		unlink_runs(nparts);
	}
	assert_int_equal(combine_calls, 0);
	free(want);
	return info;
}

/* The task kept the table of the one before it and wrote from the view. */
static void expect_view_path(struct task_info info, int kept, const char *what, int task)
{
	if (info.drains != 1 || info.spills != 0)
		unit_fail("%s, task %d: %u drains and %llu spills with a big budget; expected "
			  "1 and 0 (written from the table)", what, task, info.drains,
			  (unsigned long long)info.spills);
	if (kept && info.kept == 0)
		unit_fail("%s, task %d: the sum table of the task before was not kept (no keys "
			  "after mapout_init)", what, task);
	if (!kept && info.kept != 0)
		unit_fail("%s, task %d: %zu keys in the table after mapout_init; expected none",
			  what, task, info.kept);
}

/* A job's own partition rule, for tasks that change it. */
static unsigned rule_by_last_byte(const char *k, size_t n, unsigned nparts)
{
	return n ? (unsigned char)k[n - 1] * 40503u + nparts : 7;
}

/*
 * Map tasks one after another in one process, each with its own keys (some
 * of the last task's missing, new ones added): each task's runs hold
 * exactly its totals, for 1 and 7 partitions, through runs and through the
 * merger; then with the number of partitions and the partition rule
 * changing from task to task.
 */
static void test_sum_tasks_in_a_row(void **state)
{
	static const unsigned nps[] = { 1, 7 };
	/* the rule changes at t % 3 == 1 and 2, once with the same nparts */
	static const unsigned changing[] = { 7, 7, 7, 3, 1, 1, 7, 2, 2 };
	uint64_t rng = 67;
	struct vocab v;
	struct task_info info;

	(void)state;
	vocab_init(&v, 8000, &rng);
	for (size_t c = 0; c < 2; c++) {
		struct shuffle_ops p = make_sum_ops();

		mapout_cache_release(&cache);
		for (int task = 0; task < 6; task++) {
			int merger = nps[c] == 1 && task % 2;

			info = sum_task(&p, &v, nps[c], 256u << 20, task, (size_t)task * 300,
					3000 + (size_t)task * 800, &rng, merger, "tasks in a row");
			expect_view_path(info, task > 0, "tasks in a row", task);
		}
	}
	/* nparts changes from task to task, and so does the rule */
	for (size_t t = 0; t < sizeof(changing) / sizeof(changing[0]); t++) {
		struct shuffle_ops p = make_sum_ops();
		int task = 10 + (int)t;

		if (t % 3 == 1)
			p.partition = rule_by_last_byte;
		summed_rule = p.partition;
		info = sum_task(&p, &v, changing[t], 256u << 20, task, t * 500,
				4000 + t * 500, &rng, 0, "changing partitions");
		expect_view_path(info, 1, "changing partitions", task);
	}
	summed_rule = NULL;
	vocab_release(&v);
	mapout_cache_release(&cache);
}

/*
 * A task that fails half way (a bad value, a total past 2^64 - 1, or an
 * end never reached) leaves keys in the kept table that the next task
 * must neither show nor lose: the next good task's output is exact.
 */
static void test_sum_failed_then_good(void **state)
{
	static const unsigned nps[] = { 1, 7 };
	uint64_t rng = 71;
	struct vocab v;

	(void)state;
	vocab_init(&v, 7000, &rng);
	for (size_t c = 0; c < 2; c++) {
		struct shuffle_ops p = make_sum_ops();
		unsigned np = nps[c];
		uint64_t *junk = calloc(v.keys.n, sizeof(*junk));
		struct task_info info;
		struct mapout mo;
		size_t klen, big;
		const char *k;

		assert_non_null(junk);
		mapout_cache_release(&cache);
		info = sum_task(&p, &v, np, 256u << 20, 0, 0, 3000, &rng, 0, "before a failure");
		expect_view_path(info, 0, "before a failure", 0);

		/* a bad value after many good emits, some of new keys */
		mo_init(&mo, &p, np, 256u << 20);
		emit_task(&mo, &v, 1, 1500, 4500, &rng, junk);
		assert_int_equal(mapout_emit(&mo, "poison", 6, "x1", 2), -1);
		mapout_release(&mo);
		info = sum_task(&p, &v, np, 256u << 20, 2, 1000, 5000, &rng, np == 1,
				"after a bad value");
		expect_view_path(info, 1, "after a bad value", 2);

		/* a total past 2^64 - 1, of a key the next task has too */
		for (big = 5500; !in_task(big, 4) || !in_task(big - 1, 4); big++)
			;
		mo_init(&mo, &p, np, 256u << 20);
		emit_task(&mo, &v, 3, 0, 5500, &rng, junk);
		k = vkey(&v, big - 1, &klen);
		assert_int_equal(mapout_emit(&mo, k, klen, "18446744073709551615", 20), 0);
		k = vkey(&v, big, &klen);
		assert_int_equal(mapout_emit(&mo, k, klen, "18446744073709551615", 20), 0);
		assert_int_equal(mapout_emit(&mo, k, klen, "1", 1), -1);
		mapout_release(&mo);
		info = sum_task(&p, &v, np, 256u << 20, 4, 0, big + 1, &rng, 0,
				"after an overflow");
		expect_view_path(info, 1, "after an overflow", 4);

		/* all emits fine, but the task never reaches its end */
		mo_init(&mo, &p, np, 256u << 20);
		emit_task(&mo, &v, 5, 4000, 7000, &rng, junk);
		mapout_release(&mo);
		info = sum_task(&p, &v, np, 256u << 20, 6, 0, 7000, &rng, 0,
				"after a task without an end");
		expect_view_path(info, 1, "after a task without an end", 6);

		/* finished, a run written, then the write of another fails: no matter */
		mo_init(&mo, &p, np, 256u << 20);
		emit_task(&mo, &v, 7, 0, 6000, &rng, junk);
		assert_int_equal(mapout_finish(&mo), 0);
		assert_int_equal(write_one(&mo, 0, "run-0"), 0);
		assert_int_equal(write_one(&mo, 0, "no-such-dir/run-0"), -1);
		mapout_release(&mo);
		unlink_runs(1);
		info = sum_task(&p, &v, np, 256u << 20, 8, 2000, 6500, &rng, np == 1,
				"after a failed write");
		expect_view_path(info, 1, "after a failed write", 8);
		free(junk);
	}
	vocab_release(&v);
	mapout_cache_release(&cache);
}

/*
 * A task that drains its table (a small budget) and then normal tasks
 * (big budget, written from the table), and back: every task exact.
 */
static void test_sum_drain_then_normal(void **state)
{
	static const struct { uint64_t budget; size_t lo, hi; } tasks[] = {
		{ 64 << 10, 0, 45000 }, { 256u << 20, 20000, 50000 }, { 256u << 20, 0, 30000 },
		{ 64 << 10, 5000, 50000 }, { 256u << 20, 0, 50000 }, { 256u << 20, 10, 2000 },
	};
	static const unsigned nps[] = { 7, 1 };
	uint64_t rng = 73;
	struct vocab v;

	(void)state;
	vocab_init(&v, 50000, &rng);
	for (size_t c = 0; c < 2; c++) {
		struct shuffle_ops p = make_sum_ops();

		mapout_cache_release(&cache);
		for (size_t t = 0; t < sizeof(tasks) / sizeof(tasks[0]); t++) {
			struct task_info info;
			int small = tasks[t].budget < (1u << 20);

			info = sum_task(&p, &v, nps[c], tasks[t].budget, (int)t + 20, tasks[t].lo,
					tasks[t].hi, &rng, nps[c] == 1 && t % 2 == 1,
					small ? "draining task" : "task after a draining one");
			if (small && info.drains < 2)
				unit_fail("task %zu: %zu keys in a 64 KiB budget drained %u times; "
					  "expected several", t, (tasks[t].hi - tasks[t].lo) * 2 / 3,
					  info.drains);
			if (!small && info.drains != 1)
				unit_fail("task %zu, big budget: %u drains, expected 1", t, info.drains);
		}
	}
	vocab_release(&v);
	mapout_cache_release(&cache);
}

/* mapout_cache_release() between tasks (and twice in a row): the next task starts clean. */
static void test_sum_drop_cache_between(void **state)
{
	uint64_t rng = 79;
	struct shuffle_ops p = make_sum_ops();
	struct vocab v;
	struct task_info info;

	(void)state;
	vocab_init(&v, 6000, &rng);
	mapout_cache_release(&cache);
	info = sum_task(&p, &v, 3, 256u << 20, 30, 0, 4000, &rng, 0, "drop cache");
	expect_view_path(info, 0, "drop cache, first", 30);
	mapout_cache_release(&cache);
	info = sum_task(&p, &v, 3, 256u << 20, 31, 1000, 6000, &rng, 0, "drop cache");
	expect_view_path(info, 0, "drop cache, after a drop", 31);
	info = sum_task(&p, &v, 3, 256u << 20, 32, 0, 5000, &rng, 0, "drop cache");
	expect_view_path(info, 1, "drop cache, no drop", 32);
	mapout_cache_release(&cache);
	mapout_cache_release(&cache);
	info = sum_task(&p, &v, 5, 256u << 20, 33, 500, 5500, &rng, 0, "drop cache");
	expect_view_path(info, 0, "drop cache, after two drops, 5 partitions", 33);
	info = sum_task(&p, &v, 1, 256u << 20, 34, 0, 6000, &rng, 1, "drop cache");
	expect_view_path(info, 1, "drop cache, then 1 partition", 34);
	mapout_cache_release(&cache);
	info = sum_task(&p, &v, 1, 256u << 20, 35, 0, 3000, &rng, 1, "drop cache");
	expect_view_path(info, 0, "drop cache, merger after a drop", 35);
	vocab_release(&v);
	mapout_cache_release(&cache);
}

/*
 * mapout sizes a task's new table for the keys of a big recent task (which
 * the cache remembers, and which earlier tasks of the test raised): forget
 * that too, so that a test can make a kept table grow.
 */
static void forget_key_counts(void)
{
	mapout_cache_release(&cache);
	mapout_cache_init(&cache);
}

/*
 * A kept table that grows (rehashes) during the next task: slot numbers
 * change under the kept view.  Keys 1000, then 40000, then about as many.
 */
static void test_sum_kept_table_grows(void **state)
{
	static const struct { size_t lo, hi; } tasks[] = {
		{ 0, 1000 }, { 0, 40000 }, { 500, 41000 }, { 0, 2000 }, { 100, 45000 },
	};
	static const unsigned nps[] = { 7, 1 };
	uint64_t rng = 83;
	struct vocab v;

	(void)state;
	vocab_init(&v, 45000, &rng);
	for (size_t c = 0; c < 2; c++) {
		struct shuffle_ops p = make_sum_ops();

		forget_key_counts();
		for (size_t t = 0; t < sizeof(tasks) / sizeof(tasks[0]); t++) {
			struct task_info info;

			info = sum_task(&p, &v, nps[c], 256u << 20, (int)t + 40, tasks[t].lo,
					tasks[t].hi, &rng, nps[c] == 1 && t % 2,
					"a kept table that grows");
			expect_view_path(info, t > 0, "a kept table that grows", (int)t + 40);
			if (t == 1 && info.cap_end <= info.cap_init)
				unit_fail("task %zu: a kept table of %zu keys in %zu slots took 40000 "
					  "keys and did not grow (%zu slots at the end): the test meant "
					  "to make it rehash", t, info.kept, info.cap_init, info.cap_end);
		}
	}
	vocab_release(&v);
	mapout_cache_release(&cache);
}

/* n distinct keys of about `len` bytes (a few short ones among them). */
static void vocab_init_long(struct vocab *v, size_t n, size_t len)
{
	char *buf = malloc(len + 32);

	assert_non_null(buf);
	kvbuf_init(&v->keys);
	for (size_t i = 0; i < n; i++) {
		size_t k;

		if (i % 50 == 0) {
			k = (size_t)snprintf(buf, 32, "s%zu", i);
		} else {
			memset(buf, 'K', len);
			k = len + (size_t)snprintf(buf + len, 32, "%zu", i);
		}
		assert_int_equal(kvbuf_add(&v->keys, buf, k, "", 0), 0);
	}
	free(buf);
	v->order = malloc(n * sizeof(*v->order));
	assert_non_null(v->order);
	for (size_t i = 0; i < n; i++)
		v->order[i] = i;
	sort_keys = &v->keys;
	qsort(v->order, n, sizeof(*v->order), cmp_index);
}

/*
 * A kept table, then a task with a big budget that still drains (many
 * long keys): the drain must write only this task's totals, not the keys
 * the table kept from the task before; then a normal task again.
 */
static void test_sum_kept_then_drain(void **state)
{
	static const struct { size_t lo, hi; } tasks[] = {
		{ 0, 3000 }, { 1000, 90000 }, { 0, 3000 }, { 2000, 4000 },
	};
	uint64_t rng = 89;
	struct shuffle_ops p = make_sum_ops();
	struct vocab v;

	(void)state;
	vocab_init_long(&v, 90000, 400);
	mapout_cache_release(&cache);
	for (size_t t = 0; t < sizeof(tasks) / sizeof(tasks[0]); t++) {
		struct task_info info;

		info = sum_task(&p, &v, 3, 256u << 20, (int)t + 50, tasks[t].lo, tasks[t].hi,
				&rng, 0, "kept table, then a drain");
		if (t == 1 && (info.drains < 2 || info.kept == 0))
			unit_fail("task %zu: %u drains, %zu keys kept from the task before; "
				  "expected a drain of a kept table", t, info.drains, info.kept);
		if (t != 1)
			/* a drain empties the table: nothing kept after one */
			expect_view_path(info, t == 3, "kept table, then a drain", (int)t + 50);
	}
	vocab_release(&v);
	mapout_cache_release(&cache);
}

/* ---- partition buffers kept from task to task (no combiner) ------------------------ */

/* The bytes of file `path`, malloc'd, *len set. */
static char *file_bytes(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/*
 * One map task without a combiner, `seed` choosing its pairs (odd ones
 * too: empty values, 1-byte and 64 KiB keys, binary bytes, one key with
 * many values), a 256 KiB budget so that big tasks spill; its runs
 * written as run-0 .. run-(nparts-1) and read back into runs[r].
 */
static void plain_task(struct mapout_cache *c, unsigned nparts, uint64_t seed, size_t npairs,
		       char **runs, size_t *lens)
{
	struct shuffle_ops p = make_ops(NULL);
	static char big[65536];
	struct budget b;
	struct mapout mo;
	uint64_t rng = seed;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	budget_init(&b, 256 << 10);
	mapout_init(&mo, &p, nparts, &b, c);
	for (size_t i = 0; i < npairs; i++) {
		char k[24], v[24];
		size_t kl = (size_t)(unit_rand(&rng) % 12), vl = (size_t)(unit_rand(&rng) % 10);

		for (size_t j = 0; j < kl; j++)
			k[j] = (char)(unit_rand(&rng) % 5 ? 'a' + unit_rand(&rng) % 4
							  : unit_rand(&rng) % 256);
		for (size_t j = 0; j < vl; j++)
			v[j] = (char)(unit_rand(&rng) % 256);
		switch (unit_rand(&rng) % 50) {
		case 0:
			assert_int_equal(mapout_emit(&mo, big, sizeof(big), v, vl), 0);
			break;
		case 1:
			assert_int_equal(mapout_emit(&mo, "x", 1, "", 0), 0);
			break;
		case 2:
			assert_int_equal(mapout_emit(&mo, "hot", 3, v, vl), 0);
			break;
		default:
			assert_int_equal(mapout_emit(&mo, k, kl, v, vl), 0);
			break;
		}
	}
	write_runs(&mo, nparts);
	mapout_release(&mo);
	for (unsigned r = 0; r < nparts; r++) {
		char path[32];

		snprintf(path, sizeof(path), "run-%u", r);
		runs[r] = file_bytes(path, &lens[r]);
		assert_int_equal(unlink(path), 0);
	}
}

/*
 * A worker's map tasks one after another share a cache, which keeps the
 * partition buffers (and the sort's arrays) of the last task: each task's
 * runs must be byte for byte those of the same task on a fresh cache,
 * whatever came before it (a bigger task that spilled, a smaller one,
 * another number of partitions, a reduce's mapout_cache_release).
 */
static void test_kept_buffers_same_runs(void **state)
{
	static const struct {
		unsigned nparts;
		size_t npairs;
	} tasks[] = { { 4, 30000 }, { 4, 500 }, { 4, 0 }, { 4, 12000 }, { 3, 8000 },
		      { 3, 8000 }, { 1, 3000 }, { 4, 20000 } };
	struct mapout_cache kept;

	(void)state;
	mapout_cache_init(&kept);
	for (size_t t = 0; t < sizeof(tasks) / sizeof(tasks[0]); t++) {
		char *got[4], *want[4];
		size_t glen[4], wlen[4];
		struct mapout_cache fresh;

		if (t == 6)
			mapout_cache_release(&kept); /* as before a reduce */
		plain_task(&kept, tasks[t].nparts, 100 + t, tasks[t].npairs, got, glen);
		mapout_cache_init(&fresh);
		plain_task(&fresh, tasks[t].nparts, 100 + t, tasks[t].npairs, want, wlen);
		mapout_cache_release(&fresh);
		for (unsigned r = 0; r < tasks[t].nparts; r++) {
			if (glen[r] != wlen[r] || memcmp(got[r], want[r], glen[r]) != 0)
				unit_fail("task %zu (%zu pairs, %u partitions): run %u differs "
					  "with the kept buffers (%zu bytes against %zu)", t,
					  tasks[t].npairs, tasks[t].nparts, r, glen[r], wlen[r]);
			free(got[r]);
			free(want[r]);
		}
	}
	mapout_cache_release(&kept);
	assert_int_equal(dir_entries(), 0);
}

/* 4000 pairs chosen by `seed`: odd keys and values, binary bytes, 64 KiB keys, a hot key. */
static void emit_odd_pairs(struct mapout *mo, uint64_t seed)
{
	static char big[65536];
	uint64_t rng = seed;

	memset(big, 'z', sizeof(big));
	big[100] = '\0';
	for (int i = 0; i < 4000; i++) {
		char k[8], v[8];
		size_t kl = (size_t)(unit_rand(&rng) % 8), vl = (size_t)(unit_rand(&rng) % 8);

		for (size_t j = 0; j < kl; j++)
			k[j] = (char)(unit_rand(&rng) % 3 ? 'm' : unit_rand(&rng) % 256);
		for (size_t j = 0; j < vl; j++)
			v[j] = (char)(unit_rand(&rng) % 256);
		if (i % 500 == 0)
			assert_int_equal(mapout_emit(mo, big, sizeof(big), v, vl), 0);
		else if (i % 3 == 0)
			assert_int_equal(mapout_emit(mo, "hot", 3, v, vl), 0);
		else
			assert_int_equal(mapout_emit(mo, k, kl, v, vl), 0);
	}
	assert_int_equal(mapout_finish(mo), 0);
	assert_int_equal(mo->nspills, 0);
}

/*
 * A task that did not spill writes each partition straight from its sorted
 * buffer; the run must be byte for byte what the merge path (mapout_merger
 * and merger_copy, which every spilled task still takes) makes of the same
 * pairs.
 */
static void test_unspilled_write_is_merge(void **state)
{
	enum { NPARTS = 3 };
	struct shuffle_ops p = make_ops(NULL);
	struct mapout_cache other;
	struct budget b;

	(void)state;
	mapout_cache_init(&other);
	budget_init(&b, 16 << 20);
	for (uint64_t seed = 1; seed <= 3; seed++) {
		struct mapout direct, merged;

		mapout_init(&direct, &p, NPARTS, &b, &cache);
		emit_odd_pairs(&direct, seed);
		mapout_init(&merged, &p, NPARTS, &b, &other);
		emit_odd_pairs(&merged, seed);
		for (unsigned r = 0; r < NPARTS; r++) {
			struct merger m;
			struct ifile_writer w;
			char *a, *c;
			size_t alen, clen;

			assert_int_equal(mapout_merger(&merged, r, &m), 0);
			assert_int_equal(ifile_writer_open(&w, "merged"), 0);
			assert_int_equal(merger_copy(&m, &w), 0);
			assert_int_equal(ifile_writer_commit(&w), 0);
			merger_release(&m);
			assert_int_equal(write_one(&direct, r, "direct"), 0);
			a = file_bytes("direct", &alen);
			c = file_bytes("merged", &clen);
			if (alen != clen || memcmp(a, c, alen) != 0)
				unit_fail("seed %llu, partition %u: the unspilled run (%zu bytes) "
					  "differs from the merged one (%zu bytes)",
					  (unsigned long long)seed, r, alen, clen);
			free(a);
			free(c);
			assert_int_equal(unlink("direct"), 0);
			assert_int_equal(unlink("merged"), 0);
		}
		mapout_release(&merged);
		mapout_release(&direct);
	}
	mapout_cache_release(&other);
	assert_int_equal(dir_entries(), 0);
}

/*
 * Without a combiner the buffers take three eighths of the budget before
 * they spill (budget_parts): not at the eighth a combining job gets, and
 * still once past three.
 */
static void test_no_combiner_buffer_share(void **state)
{
	struct shuffle_ops p = make_ops(NULL);
	const uint64_t memory = 1 << 20;
	struct budget b;
	struct mapout mo;
	char k[16];
	size_t i = 0;

	(void)state;
	budget_init(&b, memory);
	assert_int_equal(budget_parts(&b, 1), b.parts);
	assert_int_equal(budget_parts(&b, 0), memory / 8 * 3);
	mo_init(&mo, &p, 2, memory);
	while (mo.pbytes + 64 < memory / 8 * 3) {
		int n = snprintf(k, sizeof(k), "k%zu", i++);

		assert_int_equal(mapout_emit(&mo, k, (size_t)n, "value-bytes", 11), 0);
		if (mo.spills)
			unit_fail("a spill at %zu buffered bytes, under 3/8 of a %llu-byte budget",
				  (size_t)mo.pbytes, (unsigned long long)memory);
	}
	assert_true(mo.pbytes > memory / 8);
	while (mo.spills == 0 && i < 1000000) {
		int n = snprintf(k, sizeof(k), "k%zu", i++);

		assert_int_equal(mapout_emit(&mo, k, (size_t)n, "value-bytes", 11), 0);
	}
	assert_int_equal(mo.spills, 1);
	write_runs(&mo, 2);
	mapout_release(&mo);
	unlink_runs(2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_combine_with_spills),
		T(test_combine_once_per_key),
		T(test_no_combine),
		T(test_one_partition),
		T(test_identity_combine),
		T(test_combine_fails),
		T(test_runs_published_together),
		T(test_small_budget_combines),
		T(test_sum_one_drain),
		T(test_sum_drains_and_spills),
		T(test_sum_merger),
		T(test_sum_bad_values),
		T(test_sum_good_values),
		T(test_sum_overflow),
		T(test_sum_task_after_task),
		T(test_sum_empty_and_sparse),
		T(test_sum_tasks_in_a_row),
		T(test_sum_failed_then_good),
		T(test_sum_drain_then_normal),
		T(test_sum_drop_cache_between),
		T(test_sum_kept_table_grows),
		T(test_sum_kept_then_drain),
		T(test_kept_buffers_same_runs),
		T(test_no_combiner_buffer_share),
		T(test_unspilled_write_is_merge),
	};

	UNIT_MAIN("mapout", tests);
}
