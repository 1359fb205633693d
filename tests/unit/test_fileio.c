/*
 * test_fileio.c - reading a map's input (src/worker/fileio.c): a whole
 * file, or a line-aligned split of it.
 *
 * The rule (fileio.h): a line belongs to the split in which it starts.  So
 * split [off, off + len) holds exactly the lines whose first byte lies in
 * it: from the first line start at or after off to the first line start at
 * or after off + len (or the end of the file).  The tests cut many small
 * files at EVERY split size from 1 to the file's length + 1, the way the
 * coordinator does (offsets 0, s, 2s, ...; the last split shorter), and
 * compare each split with that definition, which also gives: the splits
 * concatenated are the file, each starts at a line start, no line is cut.
 *
 * Every test runs in its own temp dir under /tmp.
 */
#include "unit.h"

#include "runner/fileio.h"

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

static void write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* The first line start at or after `pos` (a line starts at 0 and after each '\n'). */
static size_t line_start_at_or_after(const char *d, size_t len, size_t pos)
{
	if (pos == 0)
		return 0;
	while (pos < len && d[pos - 1] != '\n')
		pos++;
	return pos < len ? pos : len;
}

/* Split [off, off + slen) of the file `d` must read as the lines starting in it. */
static void check_split(const char *what, const char *d, size_t len, size_t off,
			int64_t slen)
{
	size_t end = slen < 0 ? len : off + (size_t)slen, from, to;
	struct filebuf fb;

	if (end > len)
		end = len;
	from = line_start_at_or_after(d, len, off);
	to = line_start_at_or_after(d, len, end);
	/* no line starts in the split: from == to, nothing */
	if (filebuf_read(&fb, "in", (int64_t)off, slen) < 0)
		unit_fail("%s: split (%zu, %lld) of a %zu-byte file could not be read", what,
			  off, (long long)slen, len);
	if (fb.len != to - from || (fb.len && memcmp(fb.data, d + from, fb.len) != 0))
		unit_fail("%s: split (%zu, %lld) of a %zu-byte file: %zu bytes, expected "
			  "bytes %zu..%zu (%zu)", what, off, (long long)slen, len, fb.len,
			  from, to, to - from);
	if (fb.data[fb.len] != '\0')
		unit_fail("%s: split (%zu, %lld): data not followed by '\\0'", what, off,
			  (long long)slen);
	filebuf_release(&fb);
}

/* Every split size for the file `d` (written to "in"). */
static void check_every_split_size(const char *what, const char *d, size_t len)
{
	write_file("in", d, len);
	/* the whole file, as the coordinator sends a small one */
	check_split(what, d, len, 0, -1);
	for (size_t s = 1; s <= len + 1; s++) {
		size_t covered = 0;

		for (size_t off = 0; off < len; off += s) {
			int64_t slen = (int64_t)(len - off < s ? len - off : s);

			check_split(what, d, len, off, slen);
			covered += (size_t)slen;
		}
		assert_int_equal(covered, len);
	}
}

/* Concatenating the splits of size s gives the file back; each split is whole lines. */
static void check_concatenation(const char *what, const char *d, size_t len, size_t s)
{
	char *cat = malloc(len + 1);
	size_t at = 0;

	assert_non_null(cat);
	for (size_t off = 0; off < len; off += s) {
		struct filebuf fb;
		int64_t slen = (int64_t)(len - off < s ? len - off : s);

		assert_int_equal(filebuf_read(&fb, "in", (int64_t)off, slen), 0);
		if (at + fb.len > len)
			unit_fail("%s, split size %zu: the splits hold more than the file", what, s);
		if (fb.len) {
			/* starts at a line start, ends at a line end or the end of the file */
			if (at > 0 && d[at - 1] != '\n')
				unit_fail("%s, split size %zu: split at %zu starts mid-line", what, s,
					  off);
			if (at + fb.len < len && fb.data[fb.len - 1] != '\n')
				unit_fail("%s, split size %zu: split at %zu cuts a line", what, s, off);
			memcpy(cat + at, fb.data, fb.len);
			at += fb.len;
		}
		filebuf_release(&fb);
	}
	if (at != len || memcmp(cat, d, len) != 0)
		unit_fail("%s, split size %zu: the splits concatenated (%zu bytes) are not the "
			  "file (%zu bytes)", what, s, at, len);
	free(cat);
}

/* A random text: lines of random length, empty lines, CRLF, maybe no final newline. */
static size_t random_text(char *d, size_t max, uint64_t *rng)
{
	size_t len = (size_t)(unit_rand(rng) % max), i = 0;
	int crlf = unit_rand(rng) % 3 == 0;

	while (i < len) {
		uint64_t kind = unit_rand(rng) % 10;
		size_t line = kind < 2 ? 0 : kind < 8 ? (size_t)(unit_rand(rng) % 20)
						       : (size_t)(unit_rand(rng) % 200);

		for (size_t j = 0; j < line && i < len; j++)
			d[i++] = (char)('a' + unit_rand(rng) % 26);
		if (crlf && i < len)
			d[i++] = '\r';
		if (i < len)
			d[i++] = '\n';
	}
	if (len > 0 && unit_rand(rng) % 2)
		d[len - 1] = 'x'; /* no trailing newline */
	return len;
}

/* ---- tests ------------------------------------------------------------------ */

static void test_fixed_cases(void **state)
{
	static const char *const cases[] = {
		"",
		"\n",
		"\n\n\n",
		"a",
		"a\n",
		"ab\ncd\n",
		"ab\ncd",
		"no newline at all, just one line of text",
		"\r\n\r\nx\r\ny\r\n",
		"one\n\ntwo\n\n\nthree",
		"x\ny\nz\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_every_split_size(cases[i], cases[i], strlen(cases[i]));
}

static void test_random_files(void **state)
{
	uint64_t rng = 2024;
	char *d = malloc(2000);

	(void)state;
	assert_non_null(d);
	for (int f = 0; f < 40; f++) {
		size_t len = random_text(d, f < 36 ? 400 : 1500, &rng);
		char what[32];

		snprintf(what, sizeof(what), "random file %d", f);
		check_every_split_size(what, d, len);
	}
	free(d);
}

/* One line longer than the split and than fileio's 64 KiB extension chunk. */
static void test_very_long_line(void **state)
{
	static const size_t sizes[] = { 1, 2, 3, 7, 100, 4095, 4096, 4097, 65535, 65536, 65537,
					100000, 131072, 200000 };
	size_t line = 150000, len = 0;
	char *d = malloc(line + 1000);

	(void)state;
	assert_non_null(d);
	len += (size_t)sprintf(d, "short\n\nlines\n");
	for (size_t i = 0; i < line; i++)
		d[len++] = (char)('a' + i % 26);
	d[len++] = '\n';
	len += (size_t)sprintf(d + len, "after\nthe long line\n");
	write_file("in", d, len);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (sizes[i] > 7) { /* every split of the small sizes is too many reads */
			for (size_t off = 0; off < len; off += sizes[i])
				check_split("long line", d, len, off,
					    (int64_t)(len - off < sizes[i] ? len - off : sizes[i]));
		}
		if (sizes[i] > 3)
			check_concatenation("long line", d, len, sizes[i]);
	}
	/* splits that start around the long line's start and end */
	for (size_t off = 1; off < 40; off++) {
		check_split("long line", d, len, off, 1);
		check_split("long line", d, len, off, 5);
		check_split("long line", d, len, len - off, 1);
	}
	/* and the same line without the newline, ending the file */
	len -= strlen("after\nthe long line\n") + 1;
	write_file("in", d, len);
	check_split("long last line", d, len, 0, -1);
	check_split("long last line", d, len, 3, 10);
	check_split("long last line", d, len, len / 2, 10);
	check_concatenation("long last line", d, len, 65536);
	free(d);
}

/* A single line with no newline at all: only the first split holds data. */
static void test_no_newline(void **state)
{
	size_t len = 70000;
	char *d = malloc(len);

	(void)state;
	assert_non_null(d);
	memset(d, 'w', len);
	write_file("in", d, len);
	for (size_t s = 1000; s <= len + 1; s += 997)
		for (size_t off = 0; off < len; off += s)
			check_split("no newline", d, len, off,
				    (int64_t)(len - off < s ? len - off : s));
	free(d);
}

/* Offsets and lengths beyond the file, and bad inputs. */
static void test_edges(void **state)
{
	struct filebuf fb;

	(void)state;
	write_file("in", "ab\ncd\n", 6);
	check_split("edges", "ab\ncd\n", 6, 0, 100);     /* length past the end */
	check_split("edges", "ab\ncd\n", 6, 3, -1);      /* to the end */
	check_split("edges", "ab\ncd\n", 6, 2, -1);
	assert_int_equal(filebuf_read(&fb, "in", 6, 10), 0); /* at the end */
	assert_int_equal(fb.len, 0);
	assert_int_equal(fb.data[0], '\0');
	filebuf_release(&fb);
	assert_int_equal(filebuf_read(&fb, "in", 100, 10), 0); /* past the end */
	assert_int_equal(fb.len, 0);
	filebuf_release(&fb);
	/* an empty file */
	write_file("in", "", 0);
	assert_int_equal(filebuf_read(&fb, "in", 0, -1), 0);
	assert_int_equal(fb.len, 0);
	assert_non_null(fb.data);
	assert_int_equal(fb.data[0], '\0');
	filebuf_release(&fb);
	filebuf_release(&fb); /* twice is harmless */
	/* a missing file and a directory fail, naming the path */
	log_clear_last_error();
	assert_int_equal(filebuf_read(&fb, "no-such-input", 0, -1), -1);
	assert_non_null(strstr(log_last_error(), "no-such-input"));
	assert_int_equal(mkdir("adir", 0700), 0);
	log_clear_last_error();
	assert_int_equal(filebuf_read(&fb, "adir", 0, -1), -1);
	assert_non_null(strstr(log_last_error(), "adir"));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fixed_cases),
		T(test_random_files),
		T(test_very_long_line),
		T(test_no_newline),
		T(test_edges),
	};

	UNIT_MAIN("fileio", tests);
}
