/*
 * test_journal.c - the coordinator's journal storage (src/coordinator/journal.c):
 * framing and checksums, group commit, torn tails cut at every byte, bit
 * flips detected, bad headers refused, a write error that sticks.
 *
 * Every test runs in its own temp dir under /tmp (the setup chdirs into it,
 * the teardown removes it and chdirs back).
 */
#include "unit.h"

#include "coordinator/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
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

/* The deterministic payload of record `i` (of `len` bytes). */
static void fill(unsigned char *p, size_t len, uint64_t i)
{
	uint64_t s = 0x9e3779b97f4a7c15ull * (i + 1);

	for (size_t k = 0; k < len; k++)
		p[k] = (unsigned char)(unit_rand(&s) >> 56);
}

static void write_raw(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* The whole file, malloc'd; *len its size. */
static unsigned char *read_raw(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *p;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	p = malloc((size_t)st.st_size + 1);
	assert_non_null(p);
	assert_int_equal(read(fd, p, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return p;
}

/* Append records first..first+n-1 (sizes[i] bytes, type i * 7) and sync. */
static void append_n(struct journal *j, uint64_t first, const size_t *sizes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = sizes[i];
		unsigned char *p = malloc(len ? len : 1);

		fill(p, len, first + i);
		assert_int_equal(journal_append(j, (uint32_t)((first + i) * 7), p, len), 0);
		free(p);
	}
	assert_int_equal(journal_sync(j), 0);
}

/*
 * Read `path` and check it holds records 0..n-1 of sizes[] (as append_n
 * writes them), then the end `tail` (or ANY_BAD_TAIL).  Returns the reader's tail offset.
 */
#define ANY_BAD_TAIL (-1) /* TORN or CORRUPT */

static uint64_t expect_records(const char *path, const size_t *sizes, size_t n, int tail)
{
	struct journal_reader *r;
	uint32_t type;
	const void *p;
	size_t len, i;
	uint64_t off;
	const char *why;
	int got;

	assert_int_equal(journal_read_open(&r, path), 0);
	for (i = 0; (got = journal_next(r, &type, &p, &len)) == 1; i++) {
		unsigned char *want;

		if (i >= n)
			unit_fail("%s: record %zu beyond the %zu expected", path, i, n);
		if (len != sizes[i] || type != (uint32_t)(i * 7))
			unit_fail("%s: record %zu: type %u len %zu, want type %u len %zu",
				  path, i, type, len, (unsigned)(i * 7), sizes[i]);
		want = malloc(len ? len : 1);
		fill(want, len, i);
		if (memcmp(p, want, len) != 0)
			unit_fail("%s: record %zu: payload differs", path, i);
		free(want);
	}
	assert_int_equal(got, 0);
	assert_int_equal(journal_next(r, &type, &p, &len), 0); /* stays at the end */
	if (i != n)
		unit_fail("%s: %zu records, want %zu", path, i, n);
	assert_int_equal(journal_read_count(r), n);
	if (tail == ANY_BAD_TAIL ? journal_read_tail(r, &off, &why) == JOURNAL_CLEAN
				 : (int)journal_read_tail(r, &off, &why) != tail)
		unit_fail("%s: tail %d (%s at %llu), want %d", path,
			  (int)journal_read_tail(r, NULL, NULL), why,
			  (unsigned long long)off, (int)tail);
	journal_read_close(r);
	return off;
}

static size_t file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (size_t)st.st_size;
}

/* Many sizes, several group commits, the 16 MiB maximum; exact file size. */
static void test_roundtrip_sizes(void **state)
{
	enum { N = 300 };
	size_t sizes[N], total = JOURNAL_HEADER_SIZE;
	uint64_t rng = 42;
	struct journal *j;
	struct journal_scan scan;
	struct stat st;

	(void)state;
	for (size_t i = 0; i < N; i++) {
		switch (i % 6) {
		case 0: sizes[i] = 0; break;
		case 1: sizes[i] = 1; break;
		case 2: sizes[i] = unit_rand(&rng) % 64; break;
		case 3: sizes[i] = unit_rand(&rng) % 5000; break;
		case 4: sizes[i] = 65536 + unit_rand(&rng) % 3; break;
		default: sizes[i] = unit_rand(&rng) % 300; break;
		}
	}
	sizes[N - 2] = JOURNAL_MAX_PAYLOAD;
	sizes[N - 1] = 1 << 20;
	for (size_t i = 0; i < N; i++)
		total += JOURNAL_RECORD_OVERHEAD + sizes[i];

	assert_int_equal(journal_open(&j, "mr-journal", 0, &scan), 0);
	assert_int_equal(scan.created, 1);
	assert_int_equal(scan.records, 0);
	assert_int_equal(stat("mr-journal", &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* batches of 1, 2, 3, ... records: one sync each */
	for (size_t i = 0, b = 1; i < N; i += b, b++)
		append_n(j, i, sizes + i, i + b <= N ? b : N - i);
	assert_int_equal(journal_pending(j), 0);
	assert_int_equal(journal_close(j), 0);
	assert_int_equal(file_size("mr-journal"), total);
	assert_int_equal(expect_records("mr-journal", sizes, N, JOURNAL_CLEAN), total);
}

/* Appends are buffered: nothing reaches the file before journal_sync. */
static void test_group_commit(void **state)
{
	size_t sizes[50];
	struct journal *j;

	(void)state;
	for (size_t i = 0; i < 50; i++)
		sizes[i] = i * 3;
	assert_int_equal(journal_open(&j, "jr", 0, NULL), 0);
	assert_int_equal(journal_sync(j), 0); /* nothing to do */
	for (size_t i = 0; i < 50; i++) {
		unsigned char p[200];

		fill(p, sizes[i], i);
		assert_int_equal(journal_append(j, (uint32_t)(i * 7), p, sizes[i]), 0);
	}
	assert_int_equal(journal_pending(j), 50);
	assert_int_equal(file_size("jr"), JOURNAL_HEADER_SIZE);
	expect_records("jr", sizes, 0, JOURNAL_CLEAN);
	assert_int_equal(journal_sync(j), 0);
	assert_int_equal(journal_pending(j), 0);
	expect_records("jr", sizes, 50, JOURNAL_CLEAN);
	assert_int_equal(journal_close(j), 0);
	assert_int_equal(journal_close(NULL), 0);
	journal_read_close(NULL);
}

/*
 * Background batches (journal_sync_start / _reap): one at a time, appends
 * go on meanwhile into the next batch, the eventfd says when it ended, and
 * the file holds every record in order.
 */
static void test_background_batches(void **state)
{
	size_t sizes[61];
	struct journal *j;
	struct pollfd p;

	(void)state;
	for (size_t i = 0; i < 60; i++)
		sizes[i] = 5 + i;
	assert_int_equal(journal_open(&j, "jr", 0, NULL), 0);
	assert_int_equal(journal_sync_start(j), 0); /* nothing buffered: nothing started */
	assert_int_equal(journal_sync_busy(j), 0);
	assert_int_equal(journal_sync_reap(j, 0), 0);
	for (size_t b = 0; b < 3; b++) {
		for (size_t i = b * 20; i < b * 20 + 10; i++) {
			unsigned char buf[100];

			fill(buf, sizes[i], i);
			assert_int_equal(journal_append(j, (uint32_t)(i * 7), buf, sizes[i]), 0);
		}
		assert_int_equal(journal_sync_start(j), 0);
		assert_int_equal(journal_sync_busy(j), 1);
		assert_int_equal(journal_pending(j), 0);
		/* appends while the batch is in flight go to the next one */
		for (size_t i = b * 20 + 10; i < b * 20 + 20; i++) {
			unsigned char buf[100];

			fill(buf, sizes[i], i);
			assert_int_equal(journal_append(j, (uint32_t)(i * 7), buf, sizes[i]), 0);
		}
		assert_int_equal(journal_sync_start(j), 1); /* one at a time */
		p = (struct pollfd){ .fd = journal_sync_fd(j), .events = POLLIN };
		assert_int_equal(poll(&p, 1, 10000), 1);    /* the eventfd says it ended */
		assert_int_equal(journal_sync_reap(j, 0), 0);
		assert_int_equal(journal_sync_busy(j), 0);
		/* room made ahead: zeros after the records, a clean end all the same */
		if (file_size("jr") <= expect_records("jr", sizes, b * 20 + 10, JOURNAL_CLEAN))
			unit_fail("no room made ahead of the records (%zu bytes)", file_size("jr"));
		assert_int_equal(journal_sync_start(j), 0); /* the second half */
		assert_int_equal(journal_sync_reap(j, 1), 0);
		expect_records("jr", sizes, b * 20 + 20, JOURNAL_CLEAN);
	}
	/* a batch in flight at close is waited for */
	{
		unsigned char buf[100];

		sizes[60] = 9;
		fill(buf, sizes[60], 60);
		assert_int_equal(journal_append(j, 60 * 7, buf, sizes[60]), 0);
		assert_int_equal(journal_sync_start(j), 0);
	}
	assert_int_equal(journal_close(j), 0);
	/* closed: the room is cut, the file ends at its last record */
	assert_int_equal(expect_records("jr", sizes, 61, JOURNAL_CLEAN), file_size("jr"));
}

/* Reopening appends after the existing records; close syncs what is pending. */
static void test_reopen_appends(void **state)
{
	size_t sizes[30];
	struct journal *j;
	struct journal_scan scan;

	(void)state;
	for (size_t i = 0; i < 30; i++)
		sizes[i] = (i * 37) % 101;
	assert_int_equal(journal_open(&j, "jr", 0, NULL), 0);
	append_n(j, 0, sizes, 10);
	assert_int_equal(journal_close(j), 0);
	for (int round = 1; round <= 2; round++) {
		assert_int_equal(journal_open(&j, "jr", 0, &scan), 0);
		assert_int_equal(scan.created, 0);
		assert_int_equal(scan.records, (uint64_t)round * 10);
		assert_int_equal(scan.tail, JOURNAL_CLEAN);
		assert_int_equal(scan.dropped, 0);
		assert_int_equal(scan.end, file_size("jr"));
		for (size_t i = (size_t)round * 10; i < (size_t)round * 10 + 10; i++) {
			unsigned char p[101];

			fill(p, sizes[i], i);
			assert_int_equal(journal_append(j, (uint32_t)(i * 7), p, sizes[i]), 0);
		}
		assert_int_equal(journal_close(j), 0); /* syncs */
	}
	expect_records("jr", sizes, 30, JOURNAL_CLEAN);
}

/*
 * The last record cut at every byte: the reader returns exactly the records
 * before it and a torn tail; opening for append cuts it and appends after
 * the last good record.
 */
static void test_torn_tail_every_offset(void **state)
{
	size_t sizes[6] = { 5, 0, 17, 1, 40, 33 };
	size_t full_len, last;
	unsigned char *full;
	struct journal *j;
	struct journal_scan scan;

	(void)state;
	assert_int_equal(journal_open(&j, "full", 0, NULL), 0);
	append_n(j, 0, sizes, 5);
	assert_int_equal(journal_close(j), 0);
	full = read_raw("full", &full_len);
	last = full_len - (JOURNAL_RECORD_OVERHEAD + sizes[4]);

	for (size_t cut = last; cut < full_len; cut++) {
		enum journal_tail want = cut == last ? JOURNAL_CLEAN : JOURNAL_TORN;

		write_raw("cut", full, cut);
		assert_int_equal(expect_records("cut", sizes, 4, want), last);
		assert_int_equal(journal_open(&j, "cut", 0, &scan), 0);
		assert_int_equal(scan.records, 4);
		assert_int_equal(scan.tail, want);
		assert_int_equal(scan.end, last);
		assert_int_equal(scan.dropped, cut - last);
		assert_int_equal(file_size("cut"), last);
		/* record 4 again, then 5 */
		append_n(j, 4, sizes + 4, 2);
		assert_int_equal(journal_close(j), 0);
		expect_records("cut", sizes, 6, JOURNAL_CLEAN);
	}
	free(full);
}

/* A file killed while its header was written is recreated; a torn one reads empty. */
static void test_torn_header(void **state)
{
	size_t sizes[2] = { 3, 4 };
	unsigned char *full;
	size_t full_len;
	struct journal *j;
	struct journal_scan scan;

	(void)state;
	assert_int_equal(journal_open(&j, "full", 0, NULL), 0);
	assert_int_equal(journal_close(j), 0);
	full = read_raw("full", &full_len);
	assert_int_equal(full_len, JOURNAL_HEADER_SIZE);
	for (size_t cut = 1; cut < JOURNAL_HEADER_SIZE; cut++) {
		write_raw("cut", full, cut);
		expect_records("cut", sizes, 0, JOURNAL_TORN);
		assert_int_equal(journal_open(&j, "cut", 0, &scan), 0);
		assert_int_equal(scan.created, 1);
		assert_int_equal(scan.records, 0);
		append_n(j, 0, sizes, 2);
		assert_int_equal(journal_close(j), 0);
		expect_records("cut", sizes, 2, JOURNAL_CLEAN);
	}
	free(full);
}

/*
 * Every bit of every record flipped in turn: the records before it come
 * back intact, nothing at or after it does, and the end is not CLEAN.  A
 * flip outside the last record's length field says CORRUPT at its offset.
 */
static void test_bit_flips(void **state)
{
	size_t sizes[4] = { 9, 0, 22, 6 };
	size_t starts[5], full_len;
	unsigned char *full;
	struct journal *j;

	(void)state;
	assert_int_equal(journal_open(&j, "full", 0, NULL), 0);
	append_n(j, 0, sizes, 4);
	assert_int_equal(journal_close(j), 0);
	full = read_raw("full", &full_len);
	starts[0] = JOURNAL_HEADER_SIZE;
	for (int i = 0; i < 4; i++)
		starts[i + 1] = starts[i] + JOURNAL_RECORD_OVERHEAD + sizes[i];
	assert_int_equal(starts[4], full_len);

	for (size_t byte = JOURNAL_HEADER_SIZE; byte < full_len; byte++) {
		size_t rec = 0;

		while (starts[rec + 1] <= byte)
			rec++;
		for (int bit = 0; bit < 8; bit++) {
			struct journal_reader *r;
			enum journal_tail tail;
			uint64_t off;
			int in_length = byte < starts[rec] + 4;

			full[byte] ^= (unsigned char)(1u << bit);
			write_raw("flip", full, full_len);
			full[byte] ^= (unsigned char)(1u << bit);
			expect_records("flip", sizes, rec, ANY_BAD_TAIL);
			/* which bad tail depends on the flip */
			assert_int_equal(journal_read_open(&r, "flip"), 0);
			{
				uint32_t type;
				const void *p;
				size_t len;

				while (journal_next(r, &type, &p, &len) == 1)
					;
			}
			tail = journal_read_tail(r, &off, NULL);
			assert_int_equal(journal_read_count(r), rec);
			assert_int_equal(off, starts[rec]);
			assert_int_not_equal(tail, JOURNAL_CLEAN);
			if (rec < 3 && !in_length)
				assert_int_equal(tail, JOURNAL_CORRUPT);
			journal_read_close(r);
		}
	}
	free(full);
}

/* A corrupt middle record: append refuses, unless asked to cut. */
static void test_corrupt_refused_or_cut(void **state)
{
	size_t sizes[5] = { 10, 20, 30, 40, 50 };
	size_t full_len, before;
	unsigned char *full;
	size_t mid = JOURNAL_HEADER_SIZE + JOURNAL_RECORD_OVERHEAD + 10 + 8 + 5;
	struct journal *j = NULL;
	struct journal_scan scan;

	(void)state;
	assert_int_equal(journal_open(&j, "jr", 0, NULL), 0);
	append_n(j, 0, sizes, 4);
	assert_int_equal(journal_close(j), 0);
	full = read_raw("jr", &full_len);
	full[mid] ^= 0x10; /* record 1's payload */
	write_raw("jr", full, full_len);

	log_clear_last_error();
	assert_int_equal(journal_open(&j, "jr", 0, &scan), -1);
	assert_non_null(strstr(log_last_error(), "corrupt at offset 42"));
	assert_non_null(strstr(log_last_error(), "jr"));
	assert_int_equal(file_size("jr"), full_len); /* untouched */
	before = expect_records("jr", sizes, 1, JOURNAL_CORRUPT);
	assert_int_equal(before, 42);

	assert_int_equal(journal_open(&j, "jr", JOURNAL_CUT_CORRUPT, &scan), 0);
	assert_int_equal(scan.tail, JOURNAL_CORRUPT);
	assert_int_equal(scan.records, 1);
	assert_int_equal(scan.dropped, full_len - 42);
	append_n(j, 1, sizes + 1, 4);
	assert_int_equal(journal_close(j), 0);
	expect_records("jr", sizes, 5, JOURNAL_CLEAN);
	free(full);
}

/*
 * Zeros after the last record, of any length (the room a journal makes
 * ahead, or a record never written): a clean end, nothing cut; the next
 * records overwrite the zeros, and a close cuts what is left of them.
 * Zeros in the middle of a record are still a torn tail.
 */
static void test_zero_tail(void **state)
{
	size_t sizes[3] = { 100, 0, 7 };
	size_t zeros[] = { 1, 7, 8, 15, 16, 17, 10000 };
	size_t full_len;
	unsigned char *full, *z;
	struct journal *j;
	struct journal_scan scan;

	(void)state;
	assert_int_equal(journal_open(&j, "jr", 0, NULL), 0);
	append_n(j, 0, sizes, 2);
	assert_int_equal(journal_close(j), 0);
	full = read_raw("jr", &full_len);
	z = calloc(1, full_len + 10000);
	memcpy(z, full, full_len);
	for (size_t k = 0; k < sizeof(zeros) / sizeof(zeros[0]); k++) {
		write_raw("jr", z, full_len + zeros[k]);
		if (expect_records("jr", sizes, 2, JOURNAL_CLEAN) != full_len)
			unit_fail("%zu zero bytes: the clean end is not after the last record",
				  zeros[k]);
		assert_int_equal(journal_open(&j, "jr", 0, &scan), 0);
		assert_int_equal(scan.tail, JOURNAL_CLEAN);
		assert_int_equal(scan.dropped, 0);
		assert_int_equal(scan.end, full_len);
		append_n(j, 2, sizes + 2, 1);
		assert_int_equal(journal_close(j), 0);
		expect_records("jr", sizes, 3, JOURNAL_CLEAN);
		/* closed: no zeros left after the last record */
		assert_int_equal(file_size("jr"), full_len + 16 + sizes[2]);
	}
	/* a record's head written, its body zeros: torn */
	memcpy(z + full_len, "\x07\0\0\0\x0e\0\0\0", 8);
	write_raw("jr", z, full_len + 16 + 7);
	expect_records("jr", sizes, 2, JOURNAL_TORN);
	free(full);
	free(z);
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Lengths above the maximum: refused on append, never followed on read. */
static void test_max_length(void **state)
{
	size_t sizes[2] = { 4, 4 };
	size_t full_len;
	unsigned char *full, *big;
	struct journal *j;
	struct journal_reader *r;
	uint32_t type;
	const void *p;
	size_t len;
	uint64_t off;
	const char *why;

	(void)state;
	assert_int_equal(journal_open(&j, "jr", 0, NULL), 0);
	big = calloc(1, JOURNAL_MAX_PAYLOAD + 1);
	log_clear_last_error();
	assert_int_equal(journal_append(j, 1, big, JOURNAL_MAX_PAYLOAD + 1), -1);
	assert_non_null(strstr(log_last_error(), "above the maximum"));
	assert_int_equal(journal_failed(j), 0); /* not sticky: nothing was written */
	append_n(j, 0, sizes, 2);
	assert_int_equal(journal_close(j), 0);
	full = read_raw("jr", &full_len);

	/* record 1's length set to max+1: the file is too short for it */
	put32(full + JOURNAL_HEADER_SIZE + JOURNAL_RECORD_OVERHEAD + 4, JOURNAL_MAX_PAYLOAD + 1);
	write_raw("jr", full, full_len);
	assert_int_equal(journal_read_open(&r, "jr"), 0);
	assert_int_equal(journal_next(r, &type, &p, &len), 1);
	assert_int_equal(journal_next(r, &type, &p, &len), 0);
	assert_int_equal(journal_read_tail(r, &off, &why), JOURNAL_TORN);
	assert_int_equal(off, JOURNAL_HEADER_SIZE + JOURNAL_RECORD_OVERHEAD + 4);
	journal_read_close(r);

	/* ... and with more than max+1 bytes of data after it: corrupt */
	big = realloc(big, full_len + JOURNAL_MAX_PAYLOAD + 100);
	memcpy(big, full, full_len);
	memset(big + full_len, 0xab, JOURNAL_MAX_PAYLOAD + 100);
	write_raw("jr", big, full_len + JOURNAL_MAX_PAYLOAD + 100);
	assert_int_equal(journal_read_open(&r, "jr"), 0);
	assert_int_equal(journal_next(r, &type, &p, &len), 1);
	assert_int_equal(journal_next(r, &type, &p, &len), 0);
	assert_int_equal(journal_read_tail(r, &off, &why), JOURNAL_CORRUPT);
	assert_string_equal(why, "length above the maximum");
	journal_read_close(r);
	free(full);
	free(big);
}

/* Bad magic, another version, junk: refused by both the reader and the writer. */
static void test_bad_header(void **state)
{
	unsigned char h[JOURNAL_HEADER_SIZE + 16];
	size_t hl;
	unsigned char *good;
	struct journal *j;
	struct journal_reader *r;

	(void)state;
	assert_int_equal(journal_open(&j, "good", 0, NULL), 0);
	assert_int_equal(journal_close(j), 0);
	good = read_raw("good", &hl);
	memset(h, 0, sizeof(h));
	memcpy(h, good, hl);

	h[0] ^= 1; /* magic */
	write_raw("jr", h, sizeof(h));
	log_clear_last_error();
	assert_int_equal(journal_read_open(&r, "jr"), -1);
	assert_non_null(strstr(log_last_error(), "bad magic"));
	assert_int_equal(journal_open(&j, "jr", JOURNAL_CUT_CORRUPT, NULL), -1);
	assert_non_null(strstr(log_last_error(), "jr"));
	assert_int_equal(file_size("jr"), sizeof(h)); /* untouched */
	h[0] ^= 1;

	put32(h + 8, JOURNAL_VERSION + 1);
	write_raw("jr", h, sizeof(h));
	log_clear_last_error();
	assert_int_equal(journal_read_open(&r, "jr"), -1);
	assert_non_null(strstr(log_last_error(), "version 2"));
	assert_int_equal(journal_open(&j, "jr", 0, NULL), -1);
	assert_int_equal(file_size("jr"), sizeof(h));

	write_raw("jr", "hello", 5); /* short, not a prefix of a header */
	assert_int_equal(journal_read_open(&r, "jr"), -1);
	assert_int_equal(journal_open(&j, "jr", 0, NULL), -1);
	assert_int_equal(file_size("jr"), 5);

	log_clear_last_error();
	assert_int_equal(journal_read_open(&r, "missing"), -1);
	assert_non_null(strstr(log_last_error(), "missing"));
	assert_int_equal(journal_open(&j, "no/such/dir/jr", 0, NULL), -1);
	free(good);
}

/* The descriptor this process holds open on `path` (found in /proc/self/fd). */
static int fd_of(const char *path)
{
	char want[PATH_MAX], link[64], got[PATH_MAX];
	DIR *d;
	struct dirent *e;
	int fd = -1;

	assert_non_null(realpath(path, want));
	d = opendir("/proc/self/fd");
	assert_non_null(d);
	while ((e = readdir(d))) {
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
		n = readlink(link, got, sizeof(got) - 1);
		if (n <= 0)
			continue;
		got[n] = '\0';
		if (!strcmp(got, want) && atoi(e->d_name) != dirfd(d))
			fd = atoi(e->d_name);
	}
	closedir(d);
	assert_true(fd >= 0);
	return fd;
}

/*
 * A write error (the journal's descriptor pointed at /dev/full, then at a
 * read-only descriptor): -1 with the path and errno, once; the journal
 * refuses everything after; what was synced before is intact.
 */
static void test_write_error_sticky(void **state)
{
	static const char *const targets[] = { "/dev/full", "ro" };
	static const char *const texts[] = { "No space left", "Bad file descriptor" };
	size_t sizes[5] = { 11, 22, 0, 33, 44 };

	(void)state;
	write_raw("ro", "", 0);
	for (int t = 0; t < 2; t++) {
		struct journal *j;
		int fd, other;

		unlink("jr");
		assert_int_equal(journal_open(&j, "jr", 0, NULL), 0);
		append_n(j, 0, sizes, 3);
		fd = fd_of("jr");
		other = open(targets[t], t == 0 ? O_WRONLY : O_RDONLY);
		assert_true(other >= 0);
		assert_int_equal(dup2(other, fd), fd);
		close(other);

		append_n(j, 3, sizes + 3, 0); /* sync with nothing pending: fine */
		assert_int_equal(journal_append(j, 21, "x", 1), 0);
		log_clear_last_error();
		assert_int_equal(journal_sync(j), -1);
		assert_non_null(strstr(log_last_error(), "jr"));
		assert_non_null(strstr(log_last_error(), texts[t]));
		assert_int_equal(journal_failed(j), 1);
		log_clear_last_error();
		errno = 0;
		assert_int_equal(journal_append(j, 21, "x", 1), -1);
		assert_int_equal(errno, EIO);
		assert_int_equal(journal_sync(j), -1);
		assert_int_equal(journal_close(j), -1);
		assert_string_equal(log_last_error(), ""); /* reported once */
		expect_records("jr", sizes, 3, JOURNAL_CLEAN);
	}
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_roundtrip_sizes),
		T(test_group_commit),
		T(test_background_batches),
		T(test_reopen_appends),
		T(test_torn_tail_every_offset),
		T(test_torn_header),
		T(test_bit_flips),
		T(test_corrupt_refused_or_cut),
		T(test_zero_tail),
		T(test_max_length),
		T(test_bad_header),
		T(test_write_error_sticky),
	};
#undef T

	UNIT_MAIN("journal", tests);
}
