/*
 * test_ifile.c - intermediate files (src/worker/ifile.c) and atomic
 * publication (src/common/afile.c).
 *
 * Every test runs in its own temp dir under /tmp (the setup chdirs into it,
 * the teardown removes it and chdirs back).
 */
#include "unit.h"

#include "common/afile.h"
#include "runner/fileio.h"
#include "shuffle/ifile.h"
#include "runio.h"

#include <dirent.h>
#include <errno.h>
#include <xxhash.h>
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

/*
 * The exact bytes of a file holding ("k","vv") and ("","x"): header, two
 * records, trailer (end mark, count 2, XXH3-64 of the 28 bytes before).
 */
#define SMALL_BODY 28
static const unsigned char small[] = {
	'M', 'R', 'K', 'V', 3, 0, 0, 0,
	1, 0, 0, 0, 2, 0, 0, 0, 'k', 'v', 'v',
	0, 0, 0, 0, 1, 0, 0, 0, 'x',
	0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 0, 0, 0,
	0xaa, 0x59, 0x0e, 0x7d, 0xcd, 0xba, 0x60, 0x3a,
};

/* A file with no records: header, end mark, count 0, XXH3-64 of the header. */
static const unsigned char no_records[] = {
	'M', 'R', 'K', 'V', 3, 0, 0, 0,
	0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0,
	0x2b, 0x02, 0x0a, 0x9c, 0xc6, 0x8c, 0xe5, 0xf3,
};

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Recompute the trailer's checksum of a file of `len` bytes (after editing it). */
static void fix_crc(unsigned char *d, size_t len)
{
	uint64_t h = XXH3_64bits(d, len - IFILE_TRAILER_SIZE);

	put_le32(d + len - 8, (uint32_t)h);
	put_le32(d + len - 4, (uint32_t)(h >> 32));
}

/* runio_parse of `data` must fail, with a message naming the file. */
static void expect_reject(const void *data, size_t len)
{
	struct kvbuf b;

	kvbuf_init(&b);
	log_clear_last_error();
	assert_int_equal(runio_parse("mr-9-9", data, len, &b), -1);
	assert_non_null(strstr(log_last_error(), "mr-9-9"));
	kvbuf_release(&b);
}

/* Same, and the message also contains `why`. */
static void expect_reject_why(const void *data, size_t len, const char *why)
{
	char *copy = malloc(len ? len : 1);
	struct kvbuf b;

	assert_non_null(copy);
	if (len)
		memcpy(copy, data, len);
	kvbuf_init(&b);
	log_clear_last_error();
	assert_int_equal(runio_parse("mr-9-9", copy, len, &b), -1);
	if (!strstr(log_last_error(), "mr-9-9") || !strstr(log_last_error(), why))
		unit_fail("error message '%s' should name mr-9-9 and say '%s'",
			  log_last_error(), why);
	kvbuf_release(&b);
	free(copy);
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

/* Read `path` with the streaming reader (buffer `bufsize`) into `into`; 0 or -1. */
static int stream_read(const char *path, size_t bufsize, struct kvbuf *into)
{
	struct ifile_reader r;
	const char *k, *v;
	uint32_t kl, vl;
	int rc;

	if (ifile_reader_open(&r, path, bufsize) < 0)
		return -1;
	while ((rc = ifile_reader_next(&r, &k, &kl, &v, &vl)) > 0) {
		/* a file reader puts a '\0' after every value */
		if (v[vl] != '\0')
			unit_fail("%s: value %llu (%u bytes) is not followed by '\\0'", path,
				  (unsigned long long)r.count, vl);
		assert_int_equal(kvbuf_add(into, k, kl, v, vl), 0);
	}
	ifile_reader_close(&r);
	return rc;
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
	assert_int_equal(runio_write("mr-0-0", &b), 0);
	assert_int_equal(filebuf_read(&fb, "mr-0-0", 0, -1), 0);
	assert_int_equal(fb.len, sizeof(small));
	assert_memory_equal(fb.data, small, sizeof(small));
	filebuf_release(&fb);
	kvbuf_release(&b);
	/* the table above is consistent with libxxhash */
	assert_int_equal(sizeof(small), SMALL_BODY + IFILE_TRAILER_SIZE);
	assert_true(le64(small + sizeof(small) - 8) == XXH3_64bits(small, SMALL_BODY));
	assert_true(le64(no_records + sizeof(no_records) - 8) ==
		    XXH3_64bits(no_records, IFILE_HEADER_SIZE));
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
	assert_int_equal(runio_write("mr-1-2", &b), 0);
	assert_int_equal(runio_read("mr-1-2", &r), 0);
	assert_same(&b, &r);
	/* reading appends */
	assert_int_equal(runio_read("mr-1-2", &r), 0);
	assert_int_equal(r.n, 2 * b.n);
	kvbuf_release(&b);
	kvbuf_release(&r);
}

static void test_empty_file(void **state)
{
	struct kvbuf b, r;
	struct filebuf fb;
	struct stat st;

	(void)state;
	kvbuf_init(&b);
	kvbuf_init(&r);
	assert_int_equal(runio_write("mr-0-1", &b), 0);
	assert_int_equal(stat("mr-0-1", &st), 0);
	assert_int_equal(st.st_size, IFILE_HEADER_SIZE + IFILE_TRAILER_SIZE);
	assert_int_equal(filebuf_read(&fb, "mr-0-1", 0, -1), 0);
	assert_int_equal(fb.len, sizeof(no_records));
	assert_memory_equal(fb.data, no_records, sizeof(no_records));
	filebuf_release(&fb);
	assert_int_equal(runio_read("mr-0-1", &r), 0);
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
	assert_int_equal(runio_write("mr-3-4", &b), 0);
	assert_int_equal(runio_read("mr-3-4", &r), 0);
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
	assert_int_equal(runio_write("mr-5-5", &b), 0);
	kvbuf_clear(&b);
	add(&b, "one", 3, "record", 6);
	assert_int_equal(runio_write("mr-5-5", &b), 0);
	assert_int_equal(runio_read("mr-5-5", &r), 0);
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
	assert_int_equal(runio_read("mr-does-not-exist", &r), -1);
	assert_non_null(strstr(log_last_error(), "mr-does-not-exist"));
	assert_int_equal(r.n, 0);
	/* a directory is not an intermediate file either */
	assert_int_equal(mkdir("adir", 0700), 0);
	assert_int_equal(runio_read("adir", &r), -1);
	kvbuf_release(&r);
}

/* ---- rejecting bad input ------------------------------------------------------ */

static void test_parse_small_ok(void **state)
{
	struct kvbuf b;

	(void)state;
	kvbuf_init(&b);
	assert_int_equal(runio_parse("small", (const char *)small, sizeof(small), &b), 0);
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
	/* 1 had no checksum, 2 a CRC-32 in a 16-byte trailer */
	static const uint32_t bad[] = { 0, 1, 2, 4, 0x100, 0x03000000, 0xffffffff };
	unsigned char d[sizeof(small)];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(d, small, sizeof(d));
		for (int j = 0; j < 4; j++)
			d[4 + j] = (unsigned char)(bad[i] >> (8 * j));
		fix_crc(d, sizeof(d)); /* so only the version is wrong */
		expect_reject_why(d, sizeof(d), "version");
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
	/* and of a larger file written by runio_write */
	kvbuf_init(&b);
	add(&b, "alpha", 5, "1", 1);
	add(&b, "", 0, "", 0);
	add(&b, "beta\0", 5, "22\xff", 3);
	assert_int_equal(runio_write("mr-7-7", &b), 0);
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
	assert_int_equal(runio_parse("cut", (const char *)small, 22, &b), -1);
	assert_int_equal(b.n, 1);
	assert_memory_equal(kv_key(&b, &b.recs[0]), "k", 2);
	/* the streaming file reader too */
	kvbuf_clear(&b);
	write_raw("cut", small, 22);
	assert_int_equal(stream_read("cut", 16, &b), -1);
	assert_int_equal(b.n, 1);
	assert_memory_equal(kv_key(&b, &b.recs[0]), "k", 2);
	assert_memory_equal(kv_val(&b, &b.recs[0]), "vv", 3);
	/* cut at the end of the last record: the trailer is missing */
	kvbuf_clear(&b);
	write_raw("cut", small, SMALL_BODY);
	assert_int_equal(stream_read("cut", 16, &b), -1);
	kvbuf_release(&b);
}

static void test_reject_count_mismatch(void **state)
{
	static const uint64_t counts[] = { 0, 1, 3, 0xffffffffull, 0x100000002ull, UINT64_MAX };
	unsigned char d[sizeof(small)];

	(void)state;
	/* the count sits between the end mark and the checksum, which does not cover it */
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		memcpy(d, small, sizeof(d));
		for (int j = 0; j < 8; j++)
			d[sizeof(d) - 16 + j] = (unsigned char)(counts[i] >> (8 * j));
		expect_reject_why(d, sizeof(d), "trailer says");
	}
	/* a records-free file claiming records */
	{
		unsigned char e[sizeof(no_records)];

		memcpy(e, no_records, sizeof(e));
		e[12] = 1;
		expect_reject_why(e, sizeof(e), "trailer says");
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
		(void)runio_parse("fuzz", copy, len, &b);
		free(copy);
	}
	kvbuf_release(&b);
}

/* ---- the checksum, and the streaming reader ----------------------------------- */

/* Flipping any bit of any byte of a valid file makes it invalid. */
static void test_reject_flipped_byte(void **state)
{
	unsigned char d[sizeof(small)];
	struct filebuf fb;
	struct kvbuf b;
	unsigned char *big;

	(void)state;
	for (size_t i = 0; i < sizeof(small); i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(d, small, sizeof(d));
			d[i] ^= (unsigned char)(1u << bit);
			expect_reject_copy(d, sizeof(d));
		}
		/* and the same through the file reader */
		memcpy(d, small, sizeof(d));
		d[i] ^= 0x10;
		write_raw("flipped", d, sizeof(d));
		kvbuf_init(&b);
		log_clear_last_error();
		assert_int_equal(stream_read("flipped", 16, &b), -1);
		assert_non_null(strstr(log_last_error(), "flipped"));
		kvbuf_release(&b);
	}
	/* every byte of a bigger file, with two different flips */
	kvbuf_init(&b);
	add(&b, "alpha", 5, "one", 3);
	add(&b, "alpha", 5, "", 0);
	add(&b, "beta", 4, "\0\xff\x01", 3);
	add(&b, "gamma", 5, "a longer value, to have some text bytes in it", 46);
	add(&b, "z\xff", 2, "last", 4);
	assert_int_equal(runio_write("mr-8-8", &b), 0);
	kvbuf_release(&b);
	assert_int_equal(filebuf_read(&fb, "mr-8-8", 0, -1), 0);
	big = malloc(fb.len);
	assert_non_null(big);
	for (size_t i = 0; i < fb.len; i++) {
		static const unsigned char flips[] = { 0x01, 0x80, 0xff };

		for (size_t f = 0; f < sizeof(flips); f++) {
			memcpy(big, fb.data, fb.len);
			big[i] ^= flips[f];
			expect_reject_copy(big, fb.len);
		}
		memcpy(big, fb.data, fb.len);
		big[i] ^= (unsigned char)(1u << (i % 8));
		write_raw("flipped", big, fb.len);
		kvbuf_init(&b);
		assert_int_equal(stream_read("flipped", 16, &b), -1);
		kvbuf_release(&b);
	}
	free(big);
	filebuf_release(&fb);
}

/*
 * Damage inside a value is found at the trailer: every record comes out
 * first (the reader streams), then the checksum fails.
 */
static void test_checksum_at_trailer(void **state)
{
	unsigned char d[sizeof(small)];
	struct kvbuf b;

	(void)state;
	memcpy(d, small, sizeof(d));
	d[18] ^= 0x01; /* value "vv" -> "vw" */
	kvbuf_init(&b);
	expect_reject_why(d, sizeof(d), "checksum");
	assert_int_equal(runio_parse("mr-9-9", (const char *)d, sizeof(d), &b), -1);
	assert_int_equal(b.n, 2);
	assert_memory_equal(kv_val(&b, &b.recs[0]), "vw", 3);
	kvbuf_clear(&b);
	write_raw("damaged", d, sizeof(d));
	log_clear_last_error();
	assert_int_equal(stream_read("damaged", 16, &b), -1);
	assert_int_equal(b.n, 2);
	assert_non_null(strstr(log_last_error(), "checksum"));
	kvbuf_release(&b);
}

/*
 * A huge key length in a file on disk fails as a truncated file, without
 * the reader growing its buffer to that size: it checks what is left.
 */
static void test_huge_klen_on_disk(void **state)
{
	static const uint32_t lens[][2] = {
		{ 0xfffffff0u, 10 }, { 0x7fffffffu, 0x7fffffffu }, { 0xfffffffeu, 0xfffffffeu },
		{ 100u << 20, 0 }, { 0, 1u << 30 }, { 64, 0 },
	};
	unsigned char d[IFILE_HEADER_SIZE + 8 + 40];

	(void)state;
	memcpy(d, small, IFILE_HEADER_SIZE);
	memset(d + IFILE_HEADER_SIZE + 8, 'x', 40);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		static const size_t bufsizes[] = { 16, 4096, 1u << 20 };

		put_le32(d + IFILE_HEADER_SIZE, lens[i][0]);
		put_le32(d + IFILE_HEADER_SIZE + 4, lens[i][1]);
		write_raw("huge", d, sizeof(d));
		for (size_t j = 0; j < sizeof(bufsizes) / sizeof(bufsizes[0]); j++) {
			struct ifile_reader r;
			const char *k, *v;
			uint32_t kl, vl;

			assert_int_equal(ifile_reader_open(&r, "huge", bufsizes[j]), 0);
			log_clear_last_error();
			assert_int_equal(ifile_reader_next(&r, &k, &kl, &v, &vl), -1);
			if (!strstr(log_last_error(), "huge") ||
			    !strstr(log_last_error(), "truncated"))
				unit_fail("klen %u vlen %u: message '%s'", lens[i][0], lens[i][1],
					  log_last_error());
			/* the buffer never grew beyond the file */
			if (r.cap > sizeof(d) + 4096 && r.cap > bufsizes[j] + 4096)
				unit_fail("klen %u vlen %u bufsize %zu: the reader's buffer grew "
					  "to %zu bytes for a %zu-byte file", lens[i][0],
					  lens[i][1], bufsizes[j], r.cap, sizeof(d));
			ifile_reader_close(&r);
		}
	}
}

/* Records much larger than the read buffer, mixed with tiny ones. */
static void test_stream_small_buffer(void **state)
{
	static const size_t bufsizes[] = { 1, 16, 100, 4095, 4096, 4097, 10000, 1u << 20 };
	uint64_t rng = 4242;
	struct kvbuf b, r;
	char *k, *v;

	(void)state;
	k = malloc(20000);
	v = malloc(70000);
	assert_non_null(k);
	assert_non_null(v);
	kvbuf_init(&b);
	for (int i = 0; i < 400; i++) {
		size_t kl, vl;

		switch (unit_rand(&rng) % 4) {
		case 0: /* tiny */
			kl = unit_rand(&rng) % 4;
			vl = unit_rand(&rng) % 4;
			break;
		case 1: /* around a 4 KiB buffer */
			kl = unit_rand(&rng) % 16;
			vl = 4096 - 24 + unit_rand(&rng) % 48;
			break;
		case 2: /* a large key */
			kl = 4000 + unit_rand(&rng) % 16000;
			vl = unit_rand(&rng) % 100;
			break;
		default: /* a large value */
			kl = unit_rand(&rng) % 40;
			vl = unit_rand(&rng) % 70000;
			break;
		}
		for (size_t j = 0; j < kl; j++)
			k[j] = (char)unit_rand(&rng);
		for (size_t j = 0; j < vl; j++)
			v[j] = (char)(unit_rand(&rng) | 1); /* no '\0': the check below means something */
		add(&b, k, kl, v, vl);
	}
	free(k);
	free(v);
	assert_int_equal(runio_write("mr-2-2", &b), 0);
	for (size_t i = 0; i < sizeof(bufsizes) / sizeof(bufsizes[0]); i++) {
		kvbuf_init(&r);
		assert_int_equal(stream_read("mr-2-2", bufsizes[i], &r), 0);
		assert_same(&b, &r);
		kvbuf_release(&r);
	}
	kvbuf_release(&b);
}

/*
 * The file reader terminates each value in place and puts the byte back:
 * values followed by non-zero bytes (the next record's length) still read
 * right, and the checksum (over the original bytes) still matches.
 */
static void test_value_terminated_in_place(void **state)
{
	struct ifile_reader r;
	const char *k, *v;
	uint32_t kl, vl;
	struct kvbuf b;

	(void)state;
	kvbuf_init(&b);
	add(&b, "a", 1, "xyz", 3);
	add(&b, "\x07\x07", 2, "", 0);  /* header bytes 0x02: non-zero after "xyz" */
	add(&b, "c", 1, "7", 1);
	assert_int_equal(runio_write("mr-6-6", &b), 0);
	assert_int_equal(ifile_reader_open(&r, "mr-6-6", 16), 0);
	for (size_t i = 0; i < b.n; i++) {
		assert_int_equal(ifile_reader_next(&r, &k, &kl, &v, &vl), 1);
		assert_int_equal(kl, b.recs[i].klen);
		assert_int_equal(vl, b.recs[i].vlen);
		assert_memory_equal(k, kv_key(&b, &b.recs[i]), kl);
		assert_memory_equal(v, kv_val(&b, &b.recs[i]), vl + 1); /* with the '\0' */
		assert_string_equal(v, kv_val(&b, &b.recs[i]));
	}
	assert_int_equal(ifile_reader_next(&r, &k, &kl, &v, &vl), 0);
	/* after the end: still 0 */
	assert_int_equal(ifile_reader_next(&r, &k, &kl, &v, &vl), 0);
	ifile_reader_close(&r);
	kvbuf_release(&b);
}

/* An anonymous run: no name left in the directory, read back through its fd. */
static void test_anon_run(void **state)
{
	struct ifile_writer w;
	struct ifile_reader r;
	const char *k, *v;
	uint32_t kl, vl;
	char val[32];
	int fd;

	(void)state;
	assert_int_equal(ifile_writer_open_anon(&w, "."), 0);
	for (int i = 0; i < 1000; i++) {
		snprintf(val, sizeof(val), "%d", i);
		assert_int_equal(ifile_writer_add(&w, "key", 3, val, strlen(val)), 0);
	}
	assert_int_equal(ifile_writer_finish_fd(&w, &fd), 0);
	assert_true(fd >= 0);
	assert_int_equal(count_prefix(".", ""), 2); /* "." and ".." only */
	assert_int_equal(ifile_reader_open_fd(&r, fd, "spill 0", 16), 0);
	for (int i = 0; i < 1000; i++) {
		snprintf(val, sizeof(val), "%d", i);
		assert_int_equal(ifile_reader_next(&r, &k, &kl, &v, &vl), 1);
		assert_int_equal(kl, 3);
		assert_memory_equal(k, "key", 3);
		assert_string_equal(v, val);
	}
	assert_int_equal(ifile_reader_next(&r, &k, &kl, &v, &vl), 0);
	ifile_reader_close(&r); /* closes fd */
	assert_int_equal(fcntl(fd, F_GETFD), -1);
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

/*
 * A final output starts its writeback every AFILE_WRITEBACK_STEP bytes as
 * it is written (so that the end-of-job fsync finds little left), a
 * plain file never; either way the bytes published are the bytes written.
 */
static void test_afile_output_writeback_steps(void **state)
{
	static char chunk[300000];
	const size_t total = 3 * AFILE_WRITEBACK_STEP + 12345;
	struct afile out, plain;
	struct stat st;

	(void)state;
	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (char)('a' + i % 26);
	assert_int_equal(afile_open_output(&out, "out.txt"), 0);
	assert_int_equal(afile_open(&plain, "plain.txt"), 0);
	for (size_t done = 0; done < total;) {
		size_t n = total - done < sizeof(chunk) ? total - done : sizeof(chunk);

		assert_int_equal(afile_write(&out, chunk, n), 0);
		assert_int_equal(afile_write(&plain, chunk, n), 0);
		done += n;
		/* never more than a step (and a buffer) behind what reached the file */
		assert_true(out.kicked <= out.written);
		assert_true(out.written - out.kicked < AFILE_WRITEBACK_STEP + (2u << 20));
		assert_int_equal(plain.kicked, 0);
	}
	assert_true(out.kicked >= 2 * AFILE_WRITEBACK_STEP);
	assert_int_equal(afile_commit(&out), 0);
	assert_int_equal(afile_commit(&plain), 0);
	assert_int_equal(stat("out.txt", &st), 0);
	assert_int_equal((size_t)st.st_size, total);
	assert_int_equal(stat("plain.txt", &st), 0);
	assert_int_equal((size_t)st.st_size, total);
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
	assert_int_equal(runio_write("sub/mr-0-0", &b), 0);
	assert_int_equal(runio_read("sub/mr-0-0", &r), 0);
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
	assert_int_equal(runio_write("no-such-dir/mr-0-0", &b), -1);
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

/* `path` holds exactly `text`. */
static void expect_content(const char *path, const char *text)
{
	struct filebuf fb;

	assert_int_equal(filebuf_read(&fb, path, 0, -1), 0);
	assert_int_equal(fb.len, strlen(text));
	assert_memory_equal(fb.data, text, fb.len);
	filebuf_release(&fb);
}

/* Open `path` as an afile, write `text` and add it to `s`: afile_set_add's rc. */
static int set_add_text(struct afile_set *s, const char *path, const char *text)
{
	struct afile f;

	assert_int_equal(afile_open(&f, path), 0);
	assert_int_equal(afile_write(&f, text, strlen(text)), 0);
	return afile_set_add(s, &f);
}

/* A set: nothing visible until it is published, then all of it. */
static void test_afile_set_publish(void **state)
{
	struct afile_set s;

	(void)state;
	afile_set_init(&s);
	assert_int_equal(set_add_text(&s, "a", "one\n"), 0);
	assert_int_equal(set_add_text(&s, "b", ""), 0);
	assert_int_equal(set_add_text(&s, "c", "three\n"), 0);
	assert_int_equal(count_prefix(".", ".mr-tmp-"), 3);
	assert_int_equal(access("a", F_OK), -1);
	assert_int_equal(access("c", F_OK), -1);
	assert_int_equal(afile_set_publish(&s), 0);
	afile_set_release(&s);
	assert_int_equal(count_prefix(".", ".mr-tmp-"), 0);
	expect_content("a", "one\n");
	expect_content("b", "");
	expect_content("c", "three\n");
	/* released unpublished: nothing is left; an empty set is harmless */
	afile_set_init(&s);
	assert_int_equal(set_add_text(&s, "d", "four\n"), 0);
	afile_set_release(&s);
	assert_int_equal(access("d", F_OK), -1);
	assert_int_equal(count_prefix(".", ".mr-tmp-"), 0);
	afile_set_init(&s);
	assert_int_equal(afile_set_publish(&s), 0);
	afile_set_release(&s);
}

/*
 * The disk fills up while the second file of a set is written: the error
 * names it and the errno; its temp file goes at once, the first file's
 * with the set, and nothing is ever published.
 */
static void test_afile_set_write_fails(void **state)
{
	static char big[64 << 10];
	struct unit_fsize lim;
	struct afile_set s;
	struct afile f;
	int rc;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	afile_set_init(&s);
	assert_int_equal(set_add_text(&s, "small", "fits\n"), 0);
	assert_int_equal(afile_open(&f, "large"), 0);
	log_clear_last_error();
	unit_limit_file_size(&lim, 4096);
	rc = afile_write(&f, big, sizeof(big) - 1); /* straight to write(2): fails */
	if (rc == 0)
		rc = afile_set_add(&s, &f);
	else
		afile_abort(&f);
	unit_unlimit_file_size(&lim);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(log_last_error(), "cannot write large: File too large"));
	assert_int_equal(s.n, 1);
	assert_int_equal(count_prefix(".", ".mr-tmp-"), 1);
	afile_set_release(&s);
	assert_int_equal(count_prefix(".", ".mr-tmp-"), 0);
	assert_int_equal(access("small", F_OK), -1);
	assert_int_equal(access("large", F_OK), -1);

	/* the same failure when the buffer is flushed, at afile_set_add */
	afile_set_init(&s);
	assert_int_equal(afile_open(&f, "late"), 0);
	assert_int_equal(afile_write(&f, big, 5000), 0); /* buffered */
	log_clear_last_error();
	unit_limit_file_size(&lim, 4096);
	rc = afile_set_add(&s, &f);
	unit_unlimit_file_size(&lim);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(log_last_error(), "cannot write late: File too large"));
	assert_int_equal(s.n, 0);
	afile_set_release(&s);
	assert_int_equal(count_prefix(".", ".mr-tmp-"), 0);
	assert_int_equal(access("late", F_OK), -1);
}

/*
 * A rename that fails part-way (the target is a non-empty directory): the
 * error names it; the files renamed before it stay, whole (afile.h says
 * why), the others' temp files go with the set.
 */
static void test_afile_set_rename_fails(void **state)
{
	struct afile_set s;

	(void)state;
	assert_int_equal(mkdir("b", 0700), 0);
	write_raw("b/inside", "x", 1);
	afile_set_init(&s);
	assert_int_equal(set_add_text(&s, "a", "first\n"), 0);
	assert_int_equal(set_add_text(&s, "b", "second\n"), 0);
	assert_int_equal(set_add_text(&s, "c", "third\n"), 0);
	log_clear_last_error();
	assert_int_equal(afile_set_publish(&s), -1);
	assert_non_null(strstr(log_last_error(), "cannot publish b"));
	afile_set_release(&s);
	assert_int_equal(count_prefix(".", ".mr-tmp-"), 0);
	expect_content("a", "first\n");
	assert_int_equal(access("c", F_OK), -1);
}

/* ifile_check over `data` fed `step` bytes at a time: 1 or 0. */
static int check_in_steps(const char *data, size_t len, uint64_t size, size_t step)
{
	struct ifile_check c;

	if (ifile_check_init(&c, size) < 0)
		return 0;
	for (size_t at = 0; at < len; at += step)
		ifile_check_add(&c, data + at, len - at < step ? len - at : step);
	return ifile_check_done(&c);
}

/*
 * A run checked as its bytes go by: whole in any steps; a flipped bit
 * (outside the trailer's record count), a cut or a wrong size are not.
 */
static void test_check_stream(void **state)
{
	struct filebuf fb;
	struct kvbuf b;
	char *copy;

	(void)state;
	kvbuf_init(&b);
	for (int i = 0; i < 200; i++) {
		char k[16];

		snprintf(k, sizeof(k), "key%03d", i);
		add(&b, k, strlen(k), "value", 5);
	}
	assert_int_equal(runio_write("mr-9-9", &b), 0);
	assert_int_equal(filebuf_read(&fb, "mr-9-9", 0, -1), 0);
	for (size_t step = 1; step <= 64; step += 7)
		assert_int_equal(check_in_steps(fb.data, fb.len, fb.len, step), 1);
	copy = malloc(fb.len);
	assert_non_null(copy);
	for (size_t i = 0; i < fb.len; i++) {
		/* The trailer's record count is the reader's to check (ifile.h). */
		if (i >= fb.len - IFILE_TRAILER_SIZE + 4 && i < fb.len - 8)
			continue;
		memcpy(copy, fb.data, fb.len);
		copy[i] ^= 0x10;
		assert_int_equal(check_in_steps(copy, fb.len, fb.len, 13), 0);
	}
	assert_int_equal(check_in_steps(fb.data, fb.len - 1, fb.len, 13), 0);
	assert_int_equal(check_in_steps(fb.data, fb.len, fb.len + 1, 13), 0);
	assert_int_equal(check_in_steps(fb.data, 27, 27, 13), 0);
	free(copy);
	filebuf_release(&fb);
	kvbuf_release(&b);
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
		T(test_reject_flipped_byte),
		T(test_checksum_at_trailer),
		T(test_huge_klen_on_disk),
		T(test_stream_small_buffer),
		T(test_value_terminated_in_place),
		T(test_anon_run),
		T(test_afile_publish),
		T(test_check_stream),
		T(test_afile_mode_follows_umask),
		T(test_afile_output_writeback_steps),
		T(test_afile_abort),
		T(test_afile_large_writes),
		T(test_afile_subdir),
		T(test_afile_open_fails),
		T(test_afile_commit_fails),
		T(test_afile_set_publish),
		T(test_afile_set_write_fails),
		T(test_afile_set_rename_fails),
	};

	UNIT_MAIN("ifile", tests);
}
