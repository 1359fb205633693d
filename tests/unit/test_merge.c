/*
 * test_merge.c - the k-way merger and its key-by-key walk
 * (src/worker/merge.c) over sorted in-memory buffers and run files.
 *
 * The reference for a merge is the stable sort of all sources' records
 * concatenated in the order the sources were added: equal keys must come
 * source by source, and within a source in their order.
 *
 * Every test runs in its own temp dir under /tmp.
 */
#include "unit.h"

#include "shuffle/budget.h"
#include "shuffle/ifile.h"
#include "shuffle/kvbuf.h"
#include "shuffle/merge.h"
#include "runio.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int setup(void **state)
{
	return unit_tmpdir_setup(state);
}

static int teardown(void **state)
{
	return unit_tmpdir_teardown(state);
}

/* ---- helpers -------------------------------------------------------------------- */

static void add(struct kvbuf *b, const char *k, size_t kl, const char *v, size_t vl)
{
	assert_int_equal(kvbuf_add(b, k, kl, v, vl), 0);
}

/* A key from a small space, so that sources share keys: text, binary, empty. */
static size_t random_key(char *buf, uint64_t *rng, unsigned space)
{
	unsigned k = (unsigned)(unit_rand(rng) % space);

	switch (k % 5) {
	case 0: /* decimal, and the empty key for k == 0 */
		return k == 0 ? 0 : (size_t)snprintf(buf, 32, "%u", k);
	case 1: /* binary: NUL and 0xff bytes */
		buf[0] = (char)0xff;
		buf[1] = 0;
		buf[2] = (char)k;
		buf[3] = (char)(k >> 8);
		return 4;
	case 2: /* a proper prefix of the next case's key */
		return (size_t)snprintf(buf, 32, "pre%u", k / 5);
	case 3:
		return (size_t)snprintf(buf, 32, "pre%u\x01", k / 5);
	default:
		return (size_t)snprintf(buf, 32, "word-%u", k);
	}
}

/* A sorted source `s` of n records; values name the source and the position. */
static void make_source(struct kvbuf *b, int s, size_t n, uint64_t *rng, unsigned space)
{
	char key[32], val[64];

	kvbuf_init(b);
	for (size_t i = 0; i < n; i++) {
		size_t kl = random_key(key, rng, space);
		int vl = snprintf(val, sizeof(val), "s%d-%zu", s, i);

		add(b, key, kl, val, (size_t)vl);
	}
	kvbuf_sort(b);
}

/* All records of the sources, in the order the merger must produce them. */
static void expected_merge(struct kvbuf *want, const struct kvbuf *src, size_t nsrc)
{
	kvbuf_init(want);
	for (size_t s = 0; s < nsrc; s++)
		for (size_t i = 0; i < src[s].n; i++) {
			const struct kv *r = &src[s].recs[i];

			add(want, kv_key(&src[s], r), r->klen, kv_val(&src[s], r), r->vlen);
		}
	kvbuf_sort(want); /* stable: source order, then position, for equal keys */
}

/* Drain a started merger into `got`, checking the '\0' after every value. */
static int drain(struct merger *m, struct kvbuf *got)
{
	const char *k, *v;
	uint32_t kl, vl;

	while (merger_peek(m, &k, &kl, &v, &vl)) {
		if (v[vl] != '\0')
			unit_fail("record %zu: value not followed by '\\0'", got->n);
		add(got, k, kl, v, vl);
		if (merger_pop(m) < 0)
			return -1;
	}
	/* at the end, peek and pop stay at the end */
	assert_int_equal(merger_peek(m, &k, &kl, &v, &vl), 0);
	assert_int_equal(merger_pop(m), 0);
	return 0;
}

static void assert_same(const struct kvbuf *want, const struct kvbuf *got)
{
	if (want->n != got->n)
		unit_fail("%zu records merged, expected %zu", got->n, want->n);
	for (size_t i = 0; i < want->n; i++) {
		const struct kv *x = &want->recs[i], *y = &got->recs[i];

		if (x->klen != y->klen || x->vlen != y->vlen ||
		    memcmp(kv_key(want, x), kv_key(got, y), x->klen) != 0 ||
		    memcmp(kv_val(want, x), kv_val(got, y), x->vlen) != 0)
			unit_fail("record %zu: got key '%.*s' value '%.*s', expected key '%.*s' "
				  "value '%.*s'", i, (int)y->klen, kv_key(got, y), (int)y->vlen,
				  kv_val(got, y), (int)x->klen, kv_key(want, x), (int)x->vlen,
				  kv_val(want, x));
	}
}

/* An anonymous run holding `b`, returned as an fd. */
static int anon_run(const struct kvbuf *b)
{
	struct ifile_writer w;
	int fd;

	assert_int_equal(ifile_writer_open_anon(&w, "."), 0);
	for (size_t i = 0; i < b->n; i++) {
		const struct kv *r = &b->recs[i];

		assert_int_equal(ifile_writer_add(&w, kv_key(b, r), r->klen, kv_val(b, r),
						  r->vlen), 0);
	}
	assert_int_equal(ifile_writer_finish_fd(&w, &fd), 0);
	return fd;
}

static void write_raw(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void release_all(struct kvbuf *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kvbuf_release(&b[i]);
}

/* ---- tests ------------------------------------------------------------------------- */

static void test_no_sources(void **state)
{
	struct merger m;
	struct kvbuf empty, got;

	(void)state;
	kvbuf_init(&got);
	merger_init(&m);
	assert_int_equal(merger_start(&m), 0);
	assert_int_equal(drain(&m, &got), 0);
	merger_release(&m);
	/* only empty sources */
	kvbuf_init(&empty);
	assert_int_equal(runio_write("empty-run", &empty), 0);
	merger_init(&m);
	merger_add_mem(&m, &empty);
	assert_int_equal(merger_add_file(&m, "empty-run", 16), 0);
	merger_add_mem(&m, &empty);
	assert_int_equal(merger_start(&m), 0);
	assert_int_equal(drain(&m, &got), 0);
	assert_int_equal(got.n, 0);
	merger_release(&m);
	merger_release(&m); /* twice is harmless */
	kvbuf_release(&empty);
	kvbuf_release(&got);
}

/* In-memory sources, some empty, sharing keys. */
static void test_merge_memory(void **state)
{
	enum { NSRC = 9 };
	static const size_t sizes[NSRC] = { 500, 0, 1, 2000, 0, 37, 1000, 3, 0 };
	uint64_t rng = 1;
	struct kvbuf src[NSRC], want, got;
	struct merger m;

	(void)state;
	for (int s = 0; s < NSRC; s++)
		make_source(&src[s], s, sizes[s], &rng, 300);
	expected_merge(&want, src, NSRC);
	kvbuf_init(&got);
	merger_init(&m);
	for (int s = 0; s < NSRC; s++)
		merger_add_mem(&m, &src[s]);
	assert_int_equal(merger_start(&m), 0);
	assert_int_equal(drain(&m, &got), 0);
	assert_same(&want, &got);
	merger_release(&m);
	kvbuf_release(&want);
	kvbuf_release(&got);
	release_all(src, NSRC);
}

/* Files (by path, tiny and large buffers), fds and buffers mixed; empty runs. */
static void test_merge_files_and_memory(void **state)
{
	enum { NSRC = 10 };
	static const size_t sizes[NSRC] = { 800, 0, 3000, 1, 0, 500, 2500, 0, 40, 1200 };
	static const size_t bufsizes[] = { 1, 16, 4096, 1u << 16 };
	uint64_t rng = 2;
	struct kvbuf src[NSRC], want, got;

	(void)state;
	for (int s = 0; s < NSRC; s++)
		make_source(&src[s], s, sizes[s], &rng, 400);
	expected_merge(&want, src, NSRC);
	for (int s = 0; s < NSRC; s++) {
		char name[32];

		snprintf(name, sizeof(name), "mr-%d-0", s);
		assert_int_equal(runio_write(name, &src[s]), 0);
	}
	for (size_t b = 0; b < sizeof(bufsizes) / sizeof(bufsizes[0]); b++) {
		struct merger m;

		kvbuf_init(&got);
		merger_init(&m);
		for (int s = 0; s < NSRC; s++) {
			char name[32];

			snprintf(name, sizeof(name), "mr-%d-0", s);
			switch (s % 3) {
			case 0:
				assert_int_equal(merger_add_file(&m, name, bufsizes[b]), 0);
				break;
			case 1:
				assert_int_equal(merger_add_fd(&m, anon_run(&src[s]), name,
							       bufsizes[b]), 0);
				break;
			default:
				merger_add_mem(&m, &src[s]);
				break;
			}
		}
		assert_int_equal(merger_start(&m), 0);
		assert_int_equal(drain(&m, &got), 0);
		assert_same(&want, &got);
		merger_release(&m);
		kvbuf_release(&got);
	}
	kvbuf_release(&want);
	release_all(src, NSRC);
}

/* Many sources (the heap), every one holding the same few keys. */
static void test_merge_many_sources(void **state)
{
	enum { NSRC = 300 };
	uint64_t rng = 3;
	struct kvbuf *src = calloc(NSRC, sizeof(*src)), want, got;
	struct merger m;

	(void)state;
	assert_non_null(src);
	for (int s = 0; s < NSRC; s++)
		make_source(&src[s], s, (size_t)(unit_rand(&rng) % 20), &rng, 10);
	expected_merge(&want, src, NSRC);
	kvbuf_init(&got);
	merger_init(&m);
	for (int s = 0; s < NSRC; s++) {
		if (s % 4 == 0)
			assert_int_equal(merger_add_fd(&m, anon_run(&src[s]), "run", 64), 0);
		else
			merger_add_mem(&m, &src[s]);
	}
	assert_int_equal(merger_start(&m), 0);
	assert_int_equal(drain(&m, &got), 0);
	assert_same(&want, &got);
	merger_release(&m);
	kvbuf_release(&want);
	kvbuf_release(&got);
	release_all(src, NSRC);
	free(src);
}

/*
 * mgroup: one group per distinct key, ascending, each with that key's
 * values in merge order; the consumer reads only some of each group (none,
 * a few, all, or past the end) and the rest is skipped.
 */
static void test_mgroup_partial(void **state)
{
	enum { NSRC = 6 };
	static const size_t sizes[NSRC] = { 700, 0, 1500, 300, 1, 900 };
	uint64_t rng = 4;
	struct kvbuf src[NSRC], want;
	struct merger m;
	struct mgroup g;
	size_t at = 0, groups = 0;
	int rc;

	(void)state;
	for (int s = 0; s < NSRC; s++)
		make_source(&src[s], s, sizes[s], &rng, 250);
	expected_merge(&want, src, NSRC);
	merger_init(&m);
	for (int s = 0; s < NSRC; s++) {
		if (s % 2)
			assert_int_equal(merger_add_fd(&m, anon_run(&src[s]), "run", 16), 0);
		else
			merger_add_mem(&m, &src[s]);
	}
	assert_int_equal(merger_start(&m), 0);
	mgroup_init(&g, &m);
	while ((rc = mgroup_next_key(&g)) > 0) {
		size_t end = at, take, k;
		const char *v;
		uint32_t vl;

		/* the group is want[at .. end) */
		assert_true(at < want.n);
		while (end < want.n && want.recs[end].klen == want.recs[at].klen &&
		       memcmp(kv_key(&want, &want.recs[end]), kv_key(&want, &want.recs[at]),
			      want.recs[at].klen) == 0)
			end++;
		if (g.klen != want.recs[at].klen ||
		    memcmp(g.key, kv_key(&want, &want.recs[at]), g.klen) != 0)
			unit_fail("group %zu: key '%.*s', expected '%.*s'", groups, (int)g.klen,
				  g.key, (int)want.recs[at].klen, kv_key(&want, &want.recs[at]));
		assert_int_equal(g.key[g.klen], '\0');
		switch (groups % 4) {
		case 0: take = 0; break;
		case 1: take = 1; break;
		case 2: take = (end - at) / 2; break;
		default: take = end - at + 2; break; /* all, then ask for more */
		}
		for (k = 0; k < take; k++) {
			rc = mgroup_next_value(&g, &v, &vl);
			if (at + k >= end) {
				assert_int_equal(rc, 0); /* stays at the group's end */
				continue;
			}
			assert_int_equal(rc, 1);
			assert_int_equal(vl, want.recs[at + k].vlen);
			assert_memory_equal(v, kv_val(&want, &want.recs[at + k]), vl + 1);
		}
		/* the key copy is stable while values are read */
		assert_memory_equal(g.key, kv_key(&want, &want.recs[at]), g.klen);
		at = end;
		groups++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(at, want.n);
	assert_int_equal(mgroup_next_key(&g), 0);
	mgroup_release(&g);
	merger_release(&m);
	kvbuf_release(&want);
	release_all(src, NSRC);
}

/* Every group read whole: concatenated, the groups are the merge. */
static void test_mgroup_whole(void **state)
{
	enum { NSRC = 4 };
	uint64_t rng = 5;
	struct kvbuf src[NSRC], want, got;
	struct merger m;
	struct mgroup g;
	const char *v;
	uint32_t vl;
	int rc;

	(void)state;
	for (int s = 0; s < NSRC; s++)
		make_source(&src[s], s, 1000, &rng, 50);
	expected_merge(&want, src, NSRC);
	kvbuf_init(&got);
	merger_init(&m);
	for (int s = 0; s < NSRC; s++)
		assert_int_equal(merger_add_fd(&m, anon_run(&src[s]), "run", 16), 0);
	assert_int_equal(merger_start(&m), 0);
	mgroup_init(&g, &m);
	while ((rc = mgroup_next_key(&g)) > 0) {
		size_t before = got.n;

		while ((rc = mgroup_next_value(&g, &v, &vl)) > 0)
			add(&got, g.key, g.klen, v, vl);
		assert_int_equal(rc, 0);
		assert_true(got.n > before); /* a group has at least one value */
	}
	assert_int_equal(rc, 0);
	assert_same(&want, &got);
	mgroup_release(&g);
	merger_release(&m);
	kvbuf_release(&want);
	kvbuf_release(&got);
	release_all(src, NSRC);
}

/*
 * A damaged run surfaces as -1: from merger_add_file (bad header),
 * merger_start (the first record), merger_pop or the mgroup calls (later
 * damage, found at the latest at the trailer) - never as a normal end.
 */
enum walk_kind { WALK_POP, WALK_GROUPS_ALL, WALK_GROUPS_SKIP };

static int walk_to_end(struct merger *m, enum walk_kind how)
{
	struct mgroup g;
	const char *k, *v;
	uint32_t kl, vl;
	int rc = 0;

	if (how == WALK_POP) {
		while (merger_peek(m, &k, &kl, &v, &vl))
			if (merger_pop(m) < 0)
				return -1;
		return 0;
	}
	mgroup_init(&g, m);
	while ((rc = mgroup_next_key(&g)) > 0) {
		if (how == WALK_GROUPS_SKIP)
			continue;
		while ((rc = mgroup_next_value(&g, &v, &vl)) > 0)
			;
		if (rc < 0)
			break;
	}
	mgroup_release(&g);
	return rc;
}

/*
 * Write the good run `bytes` (len of them, with room for one more) damaged
 * in way `where` (0 to 4) to a file named after the damage; returns the name.
 */
static const char *write_damaged(int where, char *bytes, size_t len)
{
	switch (where) {
	case 0: /* a value byte in the middle: checksum */
		bytes[len / 2] ^= 0x01;
		write_raw("flipped", bytes, len);
		bytes[len / 2] ^= 0x01;
		return "flipped";
	case 1: /* cut in the middle */
		write_raw("cut", bytes, len / 2);
		return "cut";
	case 2: /* trailer cut short */
		write_raw("no-crc", bytes, len - 2);
		return "no-crc";
	case 3: /* junk after the trailer */
		bytes[len] = 'x';
		write_raw("junk", bytes, len + 1);
		return "junk";
	default: /* a record length running past the end */
		bytes[IFILE_HEADER_SIZE + 3] ^= 0x40;
		write_raw("long-record", bytes, len);
		bytes[IFILE_HEADER_SIZE + 3] ^= 0x40;
		return "long-record";
	}
}

static void test_damaged_run(void **state)
{
	uint64_t rng = 6;
	struct kvbuf good, other;
	char *bytes;
	size_t len;
	FILE *f;

	(void)state;
	make_source(&good, 0, 2000, &rng, 500);
	make_source(&other, 1, 500, &rng, 500);
	assert_int_equal(runio_write("good", &good), 0);
	f = fopen("good", "rb");
	assert_non_null(f);
	bytes = malloc(1 << 20);
	assert_non_null(bytes);
	len = fread(bytes, 1, 1 << 20, f);
	fclose(f);
	assert_true(len > 1000);

	/* a bad header: refused when added */
	{
		struct merger m;

		bytes[0] ^= 0x20;
		write_raw("bad-header", bytes, len);
		bytes[0] ^= 0x20;
		merger_init(&m);
		merger_add_mem(&m, &other);
		log_clear_last_error();
		assert_int_equal(merger_add_file(&m, "bad-header", 16), -1);
		assert_non_null(strstr(log_last_error(), "bad-header"));
		merger_release(&m);
	}

	/* damage at several places, walked three ways, with big and tiny buffers */
	for (int where = 0; where < 5; where++) {
		for (int how = WALK_POP; how <= WALK_GROUPS_SKIP; how++) {
			for (int big = 0; big < 2; big++) {
				struct merger m;
				const char *name;
				int rc;

				name = write_damaged(where, bytes, len);
				merger_init(&m);
				merger_add_mem(&m, &other);
				assert_int_equal(merger_add_file(&m, name, big ? 1u << 20 : 16), 0);
				merger_add_mem(&m, &other);
				log_clear_last_error();
				rc = merger_start(&m);
				if (rc == 0)
					rc = walk_to_end(&m, (enum walk_kind)how);
				if (rc != -1)
					unit_fail("%s (walk %d, buffer %s): the merge ended with %d, "
						  "not -1", name, how, big ? "1 MiB" : "16", rc);
				if (!strstr(log_last_error(), name))
					unit_fail("%s: the error message '%s' does not name the run",
						  name, log_last_error());
				merger_release(&m);
			}
		}
	}
	free(bytes);
	kvbuf_release(&good);
	kvbuf_release(&other);
}

/* ---- run lists: many runs within a budget -------------------------------------------- */

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
	return n - 1; /* the directory's own */
}

/* Names in the cwd other than "." and "..". */
static int dir_entries(void)
{
	DIR *d = opendir(".");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* Source s of `src` as run file "run-S" or (odd s) as an anonymous run, into `l`. */
static void list_sources(struct runlist *l, const struct kvbuf *src, size_t nsrc)
{
	for (size_t s = 0; s < nsrc; s++) {
		char name[32];

		snprintf(name, sizeof(name), "run-%zu", s);
		if (s % 2)
			runlist_add_fd(l, anon_run(&src[s]), name);
		else
			runlist_add_path(l, name);
	}
}

/*
 * Runs by path and by descriptor, and a sorted buffer last, merged with
 * fan-ins from 2 (passes upon passes) to unlimited (one merge): always the
 * stable merge of the sources in list order; no descriptor left open, no
 * file left behind.
 */
static void test_runlist_passes(void **state)
{
	enum { NSRC = 23 };
	static const size_t fans[] = { 2, 3, 4, 7, 22, 23, SIZE_MAX };
	static const uint64_t memories[] = { 1u << 20, 256u << 20 };
	uint64_t rng = 7;
	struct kvbuf src[NSRC + 1], want, got;
	int fds = open_fds();

	(void)state;
	for (int s = 0; s <= NSRC; s++)
		make_source(&src[s], s, (size_t)(unit_rand(&rng) % 400), &rng, 200);
	expected_merge(&want, src, NSRC + 1);
	for (int s = 0; s < NSRC; s += 2) {
		char name[32];

		snprintf(name, sizeof(name), "run-%d", s);
		assert_int_equal(runio_write(name, &src[s]), 0);
	}
	for (size_t f = 0; f < sizeof(fans) / sizeof(fans[0]); f++) {
		for (size_t b = 0; b < 2; b++) {
			struct budget budget;
			struct runlist l;
			struct merger m;

			budget_init(&budget, memories[b]);
			runlist_init(&l);
			list_sources(&l, src, NSRC);
			kvbuf_init(&got);
			merger_init(&m);
			assert_int_equal(runlist_merger(&l, &src[NSRC], fans[f], &budget, &m), 0);
			assert_int_equal(l.n, 0);
			assert_true(m.nsrc - m.npad <= (fans[f] < NSRC ? fans[f] : NSRC) + 1);
			assert_int_equal(drain(&m, &got), 0);
			assert_same(&want, &got);
			merger_release(&m);
			runlist_release(&l);
			kvbuf_release(&got);
			if (open_fds() != fds)
				unit_fail("fan-in %zu: %d descriptors open after the merge, %d before",
					  fans[f], open_fds(), fds);
		}
	}
	/* runlist_shrink to one run, then that run alone */
	{
		struct budget budget;
		struct runlist l;
		struct merger m;

		budget_init(&budget, 1u << 20);
		runlist_init(&l);
		list_sources(&l, src, NSRC);
		assert_int_equal(runlist_shrink(&l, 1, SIZE_MAX, &budget), 0);
		assert_int_equal(l.n, 1);
		assert_true(l.runs[0].fd >= 0);
		assert_int_equal(open_fds(), fds + 1);
		kvbuf_init(&got);
		merger_init(&m);
		assert_int_equal(runlist_merger(&l, &src[NSRC], 2, &budget, &m), 0);
		assert_int_equal(drain(&m, &got), 0);
		assert_same(&want, &got);
		merger_release(&m);
		runlist_release(&l);
		kvbuf_release(&got);
	}
	assert_int_equal(open_fds(), fds);
	assert_int_equal(dir_entries(), (NSRC + 1) / 2); /* the run files only */
	kvbuf_release(&want);
	release_all(src, NSRC + 1);
}

/*
 * A missing run, and a damaged one, early or late in the list, with
 * passes or without: -1, a message naming the run, every descriptor
 * closed (also those of runs not yet reached), no file left behind.
 */
static void test_runlist_errors(void **state)
{
	enum { NSRC = 9 };
	static const size_t fans[] = { 2, 4, SIZE_MAX };
	uint64_t rng = 8;
	struct kvbuf src[NSRC];
	struct budget budget;
	int fds = open_fds();

	(void)state;
	budget_init(&budget, 1u << 20);
	for (int s = 0; s < NSRC; s++)
		make_source(&src[s], s, 300, &rng, 100);
	for (int s = 0; s < NSRC; s += 2) {
		char name[32];

		snprintf(name, sizeof(name), "run-%d", s);
		assert_int_equal(runio_write(name, &src[s]), 0);
	}
	write_raw("damaged", "MRKV\3\0\0\0\1\0\0\0", 12);
	for (int bad = 0; bad < 2; bad++) {
		for (size_t at = 0; at <= NSRC; at += NSRC / 2 + 1) {
			for (size_t f = 0; f < sizeof(fans) / sizeof(fans[0]); f++) {
				const char *name = bad ? "damaged" : "no-such-run";
				struct runlist l;
				struct merger m;
				int rc;

				runlist_init(&l);
				list_sources(&l, src, at);
				runlist_add_path(&l, name);
				list_sources(&l, src + at, NSRC - at);
				log_clear_last_error();
				merger_init(&m);
				rc = runlist_merger(&l, NULL, fans[f], &budget, &m);
				if (rc != -1)
					unit_fail("%s at %zu, fan-in %zu: the merge started (%d)", name,
						  at, fans[f], rc);
				if (!strstr(log_last_error(), name))
					unit_fail("%s at %zu, fan-in %zu: the message '%s' does not name it",
						  name, at, fans[f], log_last_error());
				assert_int_equal(l.n, 0);
				merger_release(&m);
				runlist_release(&l);
				if (open_fds() != fds)
					unit_fail("%s at %zu, fan-in %zu: %d descriptors open after the "
						  "failure, %d before", name, at, fans[f], open_fds(), fds);
			}
		}
	}
	assert_int_equal(dir_entries(), (NSRC + 1) / 2 + 1);
	release_all(src, NSRC);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_no_sources),
		T(test_merge_memory),
		T(test_merge_files_and_memory),
		T(test_merge_many_sources),
		T(test_mgroup_partial),
		T(test_mgroup_whole),
		T(test_damaged_run),
		T(test_runlist_passes),
		T(test_runlist_errors),
	};

	UNIT_MAIN("merge", tests);
}
