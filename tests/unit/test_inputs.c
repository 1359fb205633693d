/*
 * test_inputs.c - a job's input list (src/common/inputs.c: directories,
 * lists, checks, codecs by name) and compressed inputs read whole
 * (src/runner/zinput.c: gzip, zstd, xz, concatenated streams, every
 * truncation, corruption, the size limit).
 *
 * Every test runs in its own temp dir under /tmp.  The compressed data is
 * made here with the same libraries, so no compressor command is needed.
 */
#include "unit.h"

#include "common/inputs.h"
#include "common/log.h"
#include "runner/zinput.h"

#include <fcntl.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

static int setup(void **state)
{
	return unit_tmpdir_setup(state);
}

static int teardown(void **state)
{
	return unit_tmpdir_teardown(state);
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void expect_names(const struct inputs *in, const char *const *want, size_t n)
{
	if (in->n != n)
		unit_fail("%zu inputs, expected %zu (first: %s)", in->n, n,
			  in->n ? in->names[0] : "-");
	for (size_t i = 0; i < n; i++)
		if (strcmp(in->names[i], want[i]))
			unit_fail("input %zu is %s, expected %s", i, in->names[i], want[i]);
}

/* ---- inputs ---- */

static void test_directory(void **state)
{
	static const char *const want[] = { "d/b.txt", "d/b/c.txt", "d/link", "d/z", "top" };
	struct inputs in;

	(void)state;
	assert_int_equal(mkdir("d", 0755), 0);
	assert_int_equal(mkdir("d/b", 0755), 0);
	assert_int_equal(mkdir("d/.git", 0755), 0);
	assert_int_equal(mkdir("d/e", 0755), 0); /* empty: nothing, no error */
	write_file("d/z", "z\n", 2);
	write_file("d/b.txt", "b\n", 2);
	write_file("d/b/c.txt", "c\n", 2);
	write_file("d/.hidden", "h\n", 2);
	write_file("d/.git/x", "x\n", 2);
	write_file("d/b/.y", "y\n", 2);
	write_file("top", "t\n", 2);
	write_file("other", "o\n", 2);
	assert_int_equal(symlink("../other", "d/link"), 0);
	assert_int_equal(symlink("b", "d/dirlink"), 0);
	assert_int_equal(mkfifo("d/fifo", 0644), 0);
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, "d"), 0);
	assert_int_equal(inputs_add(&in, "top"), 0);
	expect_names(&in, want, 5);
	assert_int_equal(inputs_check(&in), 0);
	assert_int_equal(in.stat[4].size, 2);
	inputs_release(&in);
	/* "d/" joins without a double slash */
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, "d/b/"), 0);
	assert_int_equal(in.n, 1);
	assert_string_equal(in.names[0], "d/b/c.txt");
	inputs_release(&in);
	/* a directory with no file is refused, naming it */
	inputs_init(&in);
	log_clear_last_error();
	assert_int_equal(inputs_add(&in, "d/e"), -1);
	assert_non_null(strstr(log_last_error(), "d/e"));
	inputs_release(&in);
}

static void test_duplicates(void **state)
{
	struct inputs in;

	(void)state;
	assert_int_equal(mkdir("d", 0755), 0);
	write_file("d/a", "a\n", 2);
	write_file("b", "b\n", 2);
	assert_int_equal(link("b", "d/hard"), 0);
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, "b"), 0);
	assert_int_equal(inputs_add(&in, "d"), 0);
	log_clear_last_error();
	assert_int_equal(inputs_check(&in), -1);
	assert_non_null(strstr(log_last_error(), "twice"));
	assert_non_null(strstr(log_last_error(), "d/hard (found in directory d)"));
	inputs_release(&in);
	/* a missing file, and a file that is not regular */
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, "no-such"), 0);
	log_clear_last_error();
	assert_int_equal(inputs_check(&in), -1);
	assert_non_null(strstr(log_last_error(), "no-such"));
	inputs_release(&in);
	assert_int_equal(mkfifo("fifo", 0644), 0);
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, "fifo"), 0);
	assert_int_equal(inputs_check(&in), -1);
	inputs_release(&in);
}

static void test_list(void **state)
{
	static const char *const want[] = { "a b #1", "d/x", "d/y", "c" };
	static const char list[] = "\na b #1\n\nd\nc";
	struct inputs in;

	(void)state;
	assert_int_equal(mkdir("d", 0755), 0);
	write_file("d/y", "y\n", 2);
	write_file("d/x", "x\n", 2);
	write_file("a b #1", "a\n", 2);
	write_file("c", "c\n", 2);
	write_file("list", list, sizeof(list) - 1);
	inputs_init(&in);
	assert_int_equal(inputs_add_list(&in, "list"), 0);
	expect_names(&in, want, 4);
	assert_int_equal(inputs_check(&in), 0);
	inputs_release(&in);
	/* nothing listed, a NUL in a line, no such list */
	write_file("empty", "\n\n", 2);
	write_file("nul", "c\na\0b\n", 6);
	inputs_init(&in);
	assert_int_equal(inputs_add_list(&in, "empty"), -1);
	assert_int_equal(inputs_add_list(&in, "nul"), -1);
	assert_int_equal(inputs_add_list(&in, "no-such-list"), -1);
	inputs_release(&in);
}

static void test_codec(void **state)
{
	(void)state;
	assert_int_equal(inputs_codec("a.gz"), INPUT_GZIP);
	assert_int_equal(inputs_codec("dir/a.txt.zst"), INPUT_ZSTD);
	assert_int_equal(inputs_codec("a.xz"), INPUT_XZ);
	assert_int_equal(inputs_codec("a.txt"), INPUT_PLAIN);
	assert_int_equal(inputs_codec(".gz"), INPUT_PLAIN);
	assert_int_equal(inputs_codec("a.gzip"), INPUT_PLAIN);
	assert_string_equal(inputs_codec_name(INPUT_XZ), "xz");
}

/* ---- compressed inputs ---- */

/* Some text: n lines of words. */
static char *text(size_t n, size_t *len)
{
	char *p = malloc(n * 32 + 1);
	size_t at = 0;

	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		at += (size_t)sprintf(p + at, "line %zu of words %zu\n", i, i * 7919 % 1000);
	*len = at;
	return p;
}

/* `data` compressed as `codec` into a malloc'd buffer; its length in *clen. */
static unsigned char *compress_as(enum input_codec codec, const char *data, size_t len,
				  size_t *clen)
{
	size_t cap = len + len / 2 + 1024;
	unsigned char *out = malloc(cap);

	assert_non_null(out);
	if (codec == INPUT_GZIP) {
		z_stream s;

		memset(&s, 0, sizeof(s));
		assert_int_equal(deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY),
				 Z_OK);
		s.next_in = (Bytef *)data;
		s.avail_in = (uInt)len;
		s.next_out = out;
		s.avail_out = (uInt)cap;
		assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
		*clen = cap - s.avail_out;
		deflateEnd(&s);
	} else if (codec == INPUT_ZSTD) {
		ZSTD_CCtx *cc = ZSTD_createCCtx();

		/* With a checksum, as the zstd command writes by default. */
		assert_non_null(cc);
		assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)));
		*clen = ZSTD_compress2(cc, out, cap, data, len);
		assert_false(ZSTD_isError(*clen));
		ZSTD_freeCCtx(cc);
	} else {
		*clen = 0;
		assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL,
							 (const uint8_t *)data, len, out,
							 clen, cap), LZMA_OK);
	}
	return out;
}

static const char *const ext[] = { [INPUT_GZIP] = "in.gz", [INPUT_ZSTD] = "in.zst",
				   [INPUT_XZ] = "in.xz" };

/* Each format reads back, also two streams in a row and an empty text. */
static void test_round_trip(void **state)
{
	size_t len, clen, clen2;
	char *t = text(20000, &len);

	(void)state;
	for (int c = INPUT_GZIP; c <= INPUT_XZ; c++) {
		unsigned char *z = compress_as(c, t, len, &clen);
		unsigned char *z2 = compress_as(c, "tail\n", 5, &clen2);
		unsigned char *both = malloc(clen + clen2);
		struct filebuf fb;

		write_file(ext[c], z, clen);
		assert_int_equal(zinput_read(&fb, ext[c], c, ZINPUT_DEFAULT_LIMIT), 0);
		assert_int_equal(fb.len, len);
		assert_memory_equal(fb.data, t, len);
		assert_int_equal(fb.data[fb.len], '\0');
		filebuf_release(&fb);
		memcpy(both, z, clen);
		memcpy(both + clen, z2, clen2);
		write_file(ext[c], both, clen + clen2);
		assert_int_equal(zinput_read(&fb, ext[c], c, ZINPUT_DEFAULT_LIMIT), 0);
		assert_int_equal(fb.len, len + 5);
		assert_memory_equal(fb.data + len, "tail\n", 5);
		filebuf_release(&fb);
		free(z2);
		z2 = compress_as(c, "", 0, &clen2);
		write_file(ext[c], z2, clen2);
		assert_int_equal(zinput_read(&fb, ext[c], c, ZINPUT_DEFAULT_LIMIT), 0);
		assert_int_equal(fb.len, 0);
		assert_int_equal(fb.data[0], '\0');
		filebuf_release(&fb);
		free(both);
		free(z2);
		free(z);
	}
	free(t);
}

/* A stream cut at any byte, or with a byte of its data flipped, fails naming the file. */
static void test_truncated_and_flipped(void **state)
{
	size_t len, clen;
	char *t = text(300, &len);

	(void)state;
	for (int c = INPUT_GZIP; c <= INPUT_XZ; c++) {
		unsigned char *z = compress_as(c, t, len, &clen);
		struct filebuf fb;

		for (size_t cut = 0; cut < clen; cut++) {
			write_file(ext[c], z, cut);
			log_clear_last_error();
			if (zinput_read(&fb, ext[c], c, ZINPUT_DEFAULT_LIMIT) == 0)
				unit_fail("%s cut to %zu of %zu bytes was read", ext[c], cut, clen);
			assert_non_null(strstr(log_last_error(), ext[c]));
		}
		/* In the compressed data (a gzip header's time stamp is not checked). */
		for (size_t at = clen / 4; at < clen * 3 / 4; at += 3) {
			z[at] ^= 0x55;
			write_file(ext[c], z, clen);
			log_clear_last_error();
			/* Every format here checks its data (CRC32, XXH64, CRC64). */
			if (zinput_read(&fb, ext[c], c, ZINPUT_DEFAULT_LIMIT) == 0)
				unit_fail("%s with byte %zu flipped was read", ext[c], at);
			assert_non_null(strstr(log_last_error(), "cannot decompress"));
			z[at] ^= 0x55;
		}
		free(z);
	}
	free(t);
}

/* Up to the limit is read; one byte past it fails, saying so. */
static void test_limit(void **state)
{
	size_t len, clen;
	char *t = text(50000, &len);

	(void)state;
	for (int c = INPUT_GZIP; c <= INPUT_XZ; c++) {
		unsigned char *z = compress_as(c, t, len, &clen);
		struct filebuf fb;

		write_file(ext[c], z, clen);
		assert_int_equal(zinput_read(&fb, ext[c], c, len), 0);
		assert_int_equal(fb.len, len);
		filebuf_release(&fb);
		log_clear_last_error();
		assert_int_equal(zinput_read(&fb, ext[c], c, len - 1), -1);
		assert_non_null(strstr(log_last_error(), "input limit"));
		assert_null(fb.base);
		free(z);
	}
	free(t);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_directory),
		T(test_duplicates),
		T(test_list),
		T(test_codec),
		T(test_round_trip),
		T(test_truncated_and_flipped),
		T(test_limit),
	};

	UNIT_MAIN("inputs", tests);
}
