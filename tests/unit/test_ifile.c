/*
 * test_ifile.c - intermediate files (src/worker/ifile.c) and atomic
 * publication (src/worker/afile.c).
 *
 * Every test runs in its own temp dir under /tmp (the setup chdirs into it,
 * the teardown removes it and chdirs back).
 */
#include "unit.h"

#include "worker/afile.h"
#include "worker/fileio.h"
#include "worker/ifile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fixture {
	char dir[64];
	char oldcwd[PATH_MAX];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || !getcwd(f->oldcwd, sizeof(f->oldcwd)))
		return -1;
	strcpy(f->dir, "/tmp/mr-unit-ifile-XXXXXX");
	if (!mkdtemp(f->dir) || chdir(f->dir) < 0)
		return -1;
	*state = f;
	return 0;
}

/* Remove the (flat) temp dir; subdirectories one level deep too. */
static void rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];

	if (!d)
		return;
	while ((e = readdir(d))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			chmod(path, 0700);
			rm_tree(path);
		} else {
			unlink(path);
		}
	}
	closedir(d);
	rmdir(dir);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int rc = chdir(f->oldcwd);

	rm_tree(f->dir);
	free(f);
	return rc;
}

/* Number of entries in `dir` whose name starts with `prefix`. */
static int count_prefix(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, prefix, strlen(prefix)))
			n++;
	closedir(d);
	return n;
}

static void write_raw(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void add(struct kvbuf *b, const char *k, size_t kl, const char *v, size_t vl)
{
	assert_int_equal(kvbuf_add(b, k, kl, v, vl), 0);
}

static void assert_same(const struct kvbuf *a, const struct kvbuf *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct kv *x = &a->recs[i], *y = &b->recs[i];

		assert_int_equal(x->klen, y->klen);
		assert_int_equal(x->vlen, y->vlen);
		assert_memory_equal(kv_key(a, x), kv_key(b, y), x->klen + 1);
		assert_memory_equal(kv_val(a, x), kv_val(b, y), x->vlen + 1);
	}
}

/* The exact bytes of a file holding ("k","vv") and ("","x"). */
static const unsigned char small[] = {
	'M', 'R', 'K', 'V', 1, 0, 0, 0,
	1, 0, 0, 0, 2, 0, 0, 0, 'k', 'v', 'v',
	0, 0, 0, 0, 1, 0, 0, 0, 'x',
	0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 0, 0, 0,
};

/* ifile_parse of `data` must fail, with a message naming the file. */
static void expect_reject(const void *data, size_t len)
{
	struct kvbuf b;

	kvbuf_init(&b);
	log_clear_last_error();
	assert_int_equal(ifile_parse("mr-9-9", data, len, &b), -1);
	assert_non_null(strstr(log_last_error(), "mr-9-9"));
	kvbuf_release(&b);
}

/* Same, from a malloc'd copy of exactly len bytes (so ASan sees any over-read). */
static void expect_reject_copy(const void *data, size_t len)
{
	char *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	if (len)
		memcpy(copy, data, len);
	expect_reject(copy, len);
	free(copy);
}

/* ---- round trips ------------------------------------------------------------ */

static void test_write_exact_bytes(void **state)
{
	struct kvbuf b;
	struct filebuf fb;

	(void)state;
	kvbuf_init(&b);
	add(&b, "k", 1, "vv", 2);
	add(&b, "", 0, "x", 1);
	assert_int_equal(ifile_write("mr-0-0", &b), 0);
	assert_int_equal(filebuf_read(&fb, "mr-0-0", 0, -1), 0);
	assert_int_equal(fb.len, sizeof(small));
	assert_memory_equal(fb.data, small, sizeof(small));
	filebuf_release(&fb);
	kvbuf_release(&b);
}

static void test_round_trip(void **state)
{
	struct kvbuf b, r;

	(void)state;
	kvbuf_init(&b);
	kvbuf_init(&r);
	add(&b, "apple", 5, "1", 1);
	add(&b, "apple", 5, "2", 1);
	add(&b, "banana", 6, "", 0);
	add(&b, "", 0, "empty key", 9);
	kvbuf_sort(&b);
	assert_int_equal(ifile_write("mr-1-2", &b), 0);
	assert_int_equal(ifile_read("mr-1-2", &r), 0);
	assert_same(&b, &r);
	/* reading appends */
	assert_int_equal(ifile_read("mr-1-2", &r), 0);
	assert_int_equal(r.n, 2 * b.n);
	kvbuf_release(&b);
	kvbuf_release(&r);
}

static void test_empty_file(void **state)
{
	struct kvbuf b, r;
	struct stat st;

	(void)state;
	kvbuf_init(&b);
	kvbuf_init(&r);
	assert_int_equal(ifile_write("mr-0-1", &b), 0);
	assert_int_equal(stat("mr-0-1", &st), 0);
	assert_int_equal(st.st_size, 8 + 12);
	assert_int_equal(ifile_read("mr-0-1", &r), 0);
	assert_int_equal(r.n, 0);
	kvbuf_release(&b);
	kvbuf_release(&r);
}

static void test_binary_round_trip(void **state)
{
	enum { N = 3000 };
	uint64_t rng = 77;
	struct kvbuf b, r;
	char k[40], v[300];

	(void)state;
	kvbuf_init(&b);
	kvbuf_init(&r);
	add(&b, "\0", 1, "\xff\xff\xff\xff", 4);  /* a value that looks like the end mark */
	add(&b, "\xff\xff\xff\xff", 4, "\0\0\0", 3);
	add(&b, "MRKV", 4, "\x01\0\0\0", 4);
	for (int i = 0; i < N; i++) {
		size_t kl = (size_t)(unit_rand(&rng) % sizeof(k));
		size_t vl = (size_t)(unit_rand(&rng) % sizeof(v));

		for (size_t j = 0; j < kl; j++)
			k[j] = (char)unit_rand(&rng);
		for (size_t j = 0; j < vl; j++)
			v[j] = (char)unit_rand(&rng);
		add(&b, k, kl, v, vl);
	}
	/* a record larger than afile's 1 MiB write buffer */
	{
		size_t big = (3u << 20) + 5;
		char *p = malloc(big);

		assert_non_null(p);
		for (size_t j = 0; j < big; j++)
			p[j] = (char)(j * 31 + 7);
		add(&b, "big", 3, p, big);
		free(p);
	}
	add(&b, "after big", 9, "!", 1);
	assert_int_equal(ifile_write("mr-3-4", &b), 0);
	assert_int_equal(ifile_read("mr-3-4", &r), 0);
	assert_same(&b, &r);
	kvbuf_release(&b);
	kvbuf_release(&r);
}

/* Writing over an existing file replaces it whole. */
static void test_rewrite_replaces(void **state)
{
	struct kvbuf b, r;

	(void)state;
	kvbuf_init(&b);
	kvbuf_init(&r);
	for (int i = 0; i < 100; i++)
		add(&b, "many", 4, "records", 7);
	assert_int_equal(ifile_write("mr-5-5", &b), 0);
	kvbuf_clear(&b);
	add(&b, "one", 3, "record", 6);
	assert_int_equal(ifile_write("mr-5-5", &b), 0);
	assert_int_equal(ifile_read("mr-5-5", &r), 0);
	assert_same(&b, &r);
	assert_int_equal(count_prefix(".", ".mr-tmp-"), 0);
	kvbuf_release(&b);
	kvbuf_release(&r);
}

static void test_read_missing(void **state)
{
	struct kvbuf r;

	(void)state;
	kvbuf_init(&r);
	log_clear_last_error();
	assert_int_equal(ifile_read("mr-does-not-exist", &r), -1);
	assert_non_null(strstr(log_last_error(), "mr-does-not-exist"));
	assert_int_equal(r.n, 0);
	/* a directory is not an intermediate file either */
	assert_int_equal(mkdir("adir", 0700), 0);
	assert_int_equal(ifile_read("adir", &r), -1);
	kvbuf_release(&r);
}

/* ---- rejecting bad input ------------------------------------------------------ */

static void test_parse_small_ok(void **state)
{
	struct kvbuf b;

	(void)state;
	kvbuf_init(&b);
	assert_int_equal(ifile_parse("small", (const char *)small, sizeof(small), &b), 0);
	assert_int_equal(b.n, 2);
	assert_memory_equal(kv_key(&b, &b.recs[0]), "k", 2);
	assert_memory_equal(kv_val(&b, &b.recs[0]), "vv", 3);
	assert_int_equal(b.recs[1].klen, 0);
	assert_memory_equal(kv_val(&b, &b.recs[1]), "x", 2);
	kvbuf_release(&b);
}

static void test_reject_empty(void **state)
{
	(void)state;
	expect_reject("", 0);
	expect_reject_copy("", 0);
	expect_reject("MRKV", 4);
}

static void test_reject_bad_magic(void **state)
{
	unsigned char d[sizeof(small)];

	(void)state;
	for (int i = 0; i < 4; i++) {
		memcpy(d, small, sizeof(d));
		d[i] ^= 0x20;
		expect_reject_copy(d, sizeof(d));
	}
	expect_reject_copy("this is just some text file\n", 28);
}

static void test_reject_bad_version(void **state)
{
	static const uint32_t bad[] = { 0, 2, 0x100, 0x01000000, 0xffffffff };
	unsigned char d[sizeof(small)];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(d, small, sizeof(d));
		for (int j = 0; j < 4; j++)
			d[4 + j] = (unsigned char)(bad[i] >> (8 * j));
		expect_reject_copy(d, sizeof(d));
	}
}

/* Every proper prefix of a valid file fails cleanly (ASan checks for over-reads). */
static void test_reject_every_truncation(void **state)
{
	struct kvbuf b;
	struct filebuf fb;

	(void)state;
	for (size_t len = 0; len < sizeof(small); len++)
		expect_reject_copy(small, len);
	/* and of a larger file written by ifile_write */
	kvbuf_init(&b);
	add(&b, "alpha", 5, "1", 1);
	add(&b, "", 0, "", 0);
	add(&b, "beta\0", 5, "22\xff", 3);
	assert_int_equal(ifile_write("mr-7-7", &b), 0);
	assert_int_equal(filebuf_read(&fb, "mr-7-7", 0, -1), 0);
	for (size_t len = 0; len < fb.len; len++)
		expect_reject_copy(fb.data, len);
	filebuf_release(&fb);
	kvbuf_release(&b);
}

/* A truncated file still leaves the records before the cut in `into`. */
static void test_truncated_keeps_decoded(void **state)
{
	struct kvbuf b;

	(void)state;
	kvbuf_init(&b);
	/* cut inside the second record */
	assert_int_equal(ifile_parse("cut", (const char *)small, 22, &b), -1);
	assert_int_equal(b.n, 1);
	assert_memory_equal(kv_key(&b, &b.recs[0]), "k", 2);
	kvbuf_release(&b);
}

static void test_reject_count_mismatch(void **state)
{
	static const uint64_t counts[] = { 0, 1, 3, 0xffffffffull, 0x100000002ull, UINT64_MAX };
	unsigned char d[sizeof(small)];

	(void)state;
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		memcpy(d, small, sizeof(d));
		for (int j = 0; j < 8; j++)
			d[sizeof(d) - 8 + j] = (unsigned char)(counts[i] >> (8 * j));
		expect_reject_copy(d, sizeof(d));
	}
	/* a records-free file claiming records */
	{
		static const unsigned char e[] = { 'M', 'R', 'K', 'V', 1, 0, 0, 0,
						   0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 0, 0, 0, 0 };

		expect_reject_copy(e, sizeof(e));
	}
}

static void test_reject_trailing_junk(void **state)
{
	unsigned char d[sizeof(small) + 16];

	(void)state;
	for (size_t extra = 1; extra <= 16; extra++) {
		memcpy(d, small, sizeof(small));
		memset(d + sizeof(small), 0, extra);
		expect_reject_copy(d, sizeof(small) + extra);
	}
	/* two valid files back to back are not one valid file */
	{
		unsigned char two[2 * sizeof(small)];

		memcpy(two, small, sizeof(small));
		memcpy(two + sizeof(small), small, sizeof(small));
		expect_reject_copy(two, sizeof(two));
	}
}

/* A record length pointing past the end, up to the largest values. */
static void test_reject_huge_lengths(void **state)
{
	static const uint32_t lens[] = { 3, 4, 100, 0x7fffffff, 0x80000000u, 0xfffffffeu };
	unsigned char d[sizeof(small)];

	(void)state;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		for (int which = 0; which < 2; which++) {
			/* first record's klen (offset 8) or vlen (offset 12) */
			memcpy(d, small, sizeof(d));
			for (int j = 0; j < 4; j++)
				d[8 + 4 * which + j] = (unsigned char)(lens[i] >> (8 * j));
			expect_reject_copy(d, sizeof(d));
		}
	}
	/* klen and vlen both huge: their sum must not wrap around */
	memcpy(d, small, sizeof(d));
	memset(d + 8, 0xff, 3);
	d[11] = 0x7f;
	memset(d + 12, 0xff, 4);
	expect_reject_copy(d, sizeof(d));
	memcpy(d, small, sizeof(d));
	memset(d + 8, 0xfe, 1);
	memset(d + 9, 0xff, 3);
	d[12] = 0x02;
	memset(d + 13, 0, 3);
	expect_reject_copy(d, sizeof(d));
}

/* Random corruption of a valid file: must accept or reject cleanly, never crash. */
static void test_random_corruption(void **state)
{
	uint64_t rng = 31337;
	unsigned char d[sizeof(small)];
	struct kvbuf b;

	(void)state;
	kvbuf_init(&b);
	for (int i = 0; i < 20000; i++) {
		int flips = (int)(unit_rand(&rng) % 3) + 1;
		size_t len = sizeof(d) - (size_t)(unit_rand(&rng) % 3);
		char *copy;

		memcpy(d, small, sizeof(d));
		for (int f = 0; f < flips; f++)
			d[unit_rand(&rng) % sizeof(d)] = (unsigned char)unit_rand(&rng);
		copy = malloc(len);
		assert_non_null(copy);
		memcpy(copy, d, len);
		kvbuf_clear(&b);
		(void)ifile_parse("fuzz", copy, len, &b);
		free(copy);
	}
	kvbuf_release(&b);
}

/* ---- afile ------------------------------------------------------------------------ */

static void test_afile_publish(void **state)
{
	struct afile f;
	struct filebuf fb;
	struct stat st;
	mode_t old = umask(027);

	(void)state;
	assert_int_equal(afile_open(&f, "out.txt"), 0);
	assert_int_equal(access("out.txt", F_OK), -1); /* nothing visible before commit */
	assert_int_equal(count_prefix(".", ".mr-tmp-"), 1);
	assert_int_equal(afile_write(&f, "hello ", 6), 0);
	assert_int_equal(afile_write(&f, "", 0), 0);
	assert_int_equal(afile_write(&f, "world\n", 6), 0);
	assert_int_equal(access("out.txt", F_OK), -1);
	assert_int_equal(afile_commit(&f), 0);
	umask(old);
	assert_int_equal(filebuf_read(&fb, "out.txt", 0, -1), 0);
	assert_int_equal(fb.len, 12);
	assert_memory_equal(fb.data, "hello world\n", 12);
	filebuf_release(&fb);
	assert_int_equal(stat("out.txt", &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(count_prefix(".", ".mr-tmp-"), 0);
}

static void test_afile_mode_follows_umask(void **state)
{
	static const mode_t masks[] = { 0, 022, 077, 0222 };
	struct afile f;
	struct stat st;

	(void)state;
	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		mode_t old = umask(masks[i]);

		assert_int_equal(afile_open(&f, "m.txt"), 0);
		assert_int_equal(afile_write(&f, "x", 1), 0);
		assert_int_equal(afile_commit(&f), 0);
		umask(old);
		assert_int_equal(stat("m.txt", &st), 0);
		assert_int_equal(st.st_mode & 07777, 0666 & ~masks[i]);
		chmod("m.txt", 0600);
		unlink("m.txt");
	}
}

static void test_afile_abort(void **state)
{
	struct afile f, zero;

	(void)state;
	assert_int_equal(afile_open(&f, "never.txt"), 0);
	assert_int_equal(afile_write(&f, "data", 4), 0);
	assert_int_equal(count_prefix(".", ".mr-tmp-"), 1);
	afile_abort(&f);
	assert_int_equal(count_prefix(".", ".mr-tmp-"), 0);
	assert_int_equal(access("never.txt", F_OK), -1);
	/* abort of a zeroed struct and a second abort are harmless */
	memset(&zero, 0, sizeof(zero));
	afile_abort(&zero);
	afile_abort(&f);
	/* abort leaves an existing target alone */
	write_raw("keep.txt", "old", 3);
	assert_int_equal(afile_open(&f, "keep.txt"), 0);
	assert_int_equal(afile_write(&f, "new!", 4), 0);
	afile_abort(&f);
	{
		struct filebuf fb;

		assert_int_equal(filebuf_read(&fb, "keep.txt", 0, -1), 0);
		assert_int_equal(fb.len, 3);
		assert_memory_equal(fb.data, "old", 3);
		filebuf_release(&fb);
	}
	assert_int_equal(count_prefix(".", ".mr-tmp-"), 0);
}

/* Writes around and beyond the 1 MiB buffer keep their order. */
static void test_afile_large_writes(void **state)
{
	size_t sizes[] = { 10, (1u << 20) - 10, 20, (2u << 20) + 3, 1, 1u << 20, 7 };
	size_t total = 0, off = 0;
	unsigned char *all;
	struct filebuf fb;
	struct afile f;

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		total += sizes[i];
	all = malloc(total);
	assert_non_null(all);
	for (size_t i = 0; i < total; i++)
		all[i] = (unsigned char)(i * 131 + (i >> 16));
	assert_int_equal(afile_open(&f, "large.bin"), 0);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_int_equal(afile_write(&f, all + off, sizes[i]), 0);
		off += sizes[i];
	}
	assert_int_equal(afile_commit(&f), 0);
	assert_int_equal(filebuf_read(&fb, "large.bin", 0, -1), 0);
	assert_int_equal(fb.len, total);
	assert_memory_equal(fb.data, all, total);
	filebuf_release(&fb);
	free(all);
	assert_int_equal(count_prefix(".", ".mr-tmp-"), 0);
}

/* A target in a subdirectory: the temp file is made there, not in the cwd. */
static void test_afile_subdir(void **state)
{
	struct afile f;
	struct kvbuf b, r;

	(void)state;
	assert_int_equal(mkdir("sub", 0700), 0);
	assert_int_equal(afile_open(&f, "sub/x.txt"), 0);
	assert_int_equal(count_prefix("sub", ".mr-tmp-"), 1);
	assert_int_equal(count_prefix(".", ".mr-tmp-"), 0);
	assert_int_equal(afile_write(&f, "abc", 3), 0);
	assert_int_equal(afile_commit(&f), 0);
	assert_int_equal(count_prefix("sub", ".mr-tmp-"), 0);
	assert_int_equal(access("sub/x.txt", R_OK), 0);
	kvbuf_init(&b);
	kvbuf_init(&r);
	add(&b, "k", 1, "v", 1);
	assert_int_equal(ifile_write("sub/mr-0-0", &b), 0);
	assert_int_equal(ifile_read("sub/mr-0-0", &r), 0);
	assert_same(&b, &r);
	kvbuf_release(&b);
	kvbuf_release(&r);
}

/* Failing to open (no such directory) reports the path and leaves nothing to free. */
static void test_afile_open_fails(void **state)
{
	struct afile f;
	struct kvbuf b;

	(void)state;
	log_clear_last_error();
	assert_int_equal(afile_open(&f, "no-such-dir/out.txt"), -1);
	assert_non_null(strstr(log_last_error(), "no-such-dir/out.txt"));
	afile_abort(&f); /* allowed, and a no-op */
	kvbuf_init(&b);
	add(&b, "k", 1, "v", 1);
	assert_int_equal(ifile_write("no-such-dir/mr-0-0", &b), -1);
	kvbuf_release(&b);
	assert_int_equal(count_prefix(".", ".mr-tmp-"), 0);
}

/* A commit that cannot rename (target is a non-empty directory) fails and cleans up. */
static void test_afile_commit_fails(void **state)
{
	struct afile f;

	(void)state;
	assert_int_equal(mkdir("target", 0700), 0);
	write_raw("target/inside", "x", 1);
	assert_int_equal(afile_open(&f, "target"), 0);
	assert_int_equal(afile_write(&f, "data", 4), 0);
	log_clear_last_error();
	assert_int_equal(afile_commit(&f), -1);
	assert_non_null(strstr(log_last_error(), "target"));
	assert_int_equal(count_prefix(".", ".mr-tmp-"), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_write_exact_bytes),
		T(test_round_trip),
		T(test_empty_file),
		T(test_binary_round_trip),
		T(test_rewrite_replaces),
		T(test_read_missing),
		T(test_parse_small_ok),
		T(test_reject_empty),
		T(test_reject_bad_magic),
		T(test_reject_bad_version),
		T(test_reject_every_truncation),
		T(test_truncated_keeps_decoded),
		T(test_reject_count_mismatch),
		T(test_reject_trailing_junk),
		T(test_reject_huge_lengths),
		T(test_random_corruption),
		T(test_afile_publish),
		T(test_afile_mode_follows_umask),
		T(test_afile_abort),
		T(test_afile_large_writes),
		T(test_afile_subdir),
		T(test_afile_open_fails),
		T(test_afile_commit_fails),
	};

	UNIT_MAIN("ifile", tests);
}
