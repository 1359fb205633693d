/* zinput.c - see zinput.h. */
#include "runner/zinput.h"

#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

/* Compressed bytes read at a time. */
#define ZIN_CHUNK (256 * 1024)
/* The least output room asked for at a time. */
#define ZOUT_MIN (64 * 1024)
/* Memory liblzma may use for its dictionary (xz -9 needs 65 MiB). */
#define XZ_MEMLIMIT (1ull << 30)

/* One decompression: the file going in, the data coming out. */
struct zread {
	const char *path;
	const char *format;      /* "gzip", ... for messages */
	int fd;
	unsigned char *in;       /* ZIN_CHUNK bytes */
	size_t in_len;           /* bytes read into `in` by the last zread_more */
	int eof;
	char *out;               /* malloc'd, cap bytes: len of data and room for a '\0' */
	size_t len, cap;
	uint64_t limit;
};

/* Read the next chunk of compressed bytes (in_len 0 and eof at the end).  0 or -1. */
static int zread_more(struct zread *z)
{
	ssize_t r;

	do
		r = read(z->fd, z->in, ZIN_CHUNK);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return error_errno("cannot read %s", z->path);
	z->in_len = (size_t)r;
	z->eof = r == 0;
	return 0;
}

/*
 * Make room for more output: at least one byte past len, keeping one for
 * the '\0'; never more than limit + 1 bytes of data, so that passing the
 * limit shows.  Returns the room, or 0 after saying the limit is passed
 * or memory ran out.
 */
static size_t zread_room(struct zread *z)
{
	size_t want;
	char *p;

	if (z->len > z->limit) {
		error("cannot decompress %s (%s): it holds more than %llu bytes "
		      "decompressed, the input limit (--input-limit, default 4G)",
		      z->path, z->format, (unsigned long long)z->limit);
		return 0;
	}
	if (z->cap - z->len > 1)
		return z->cap - z->len - 1;
	want = z->cap * 2 < ZOUT_MIN ? ZOUT_MIN : z->cap * 2;
	if (want > z->limit + 2)
		want = (size_t)z->limit + 2; /* limit + 1 bytes of data, and the '\0' */
	p = realloc(z->out, want);
	if (!p) {
		errno = ENOMEM;
		error_errno("cannot hold %s decompressed (%zu bytes)", z->path, want);
		return 0;
	}
	z->out = p;
	z->cap = want;
	return z->cap - z->len - 1;
}

/* Passed the limit after a step?  -1 after saying so (zread_room does). */
static int zread_check(struct zread *z)
{
	return z->len > z->limit && zread_room(z) == 0 ? -1 : 0;
}

static int truncated(const struct zread *z, const char *lib)
{
	return error("cannot decompress %s (%s): %s: the compressed stream ends early "
		     "(a truncated or empty file)", z->path, z->format, lib);
}

/* ---- gzip ---- */

static int read_gzip(struct zread *z)
{
	z_stream s;
	int rc, in_member = 1, ret = -1;

	memset(&s, 0, sizeof(s));
	if ((rc = inflateInit2(&s, 15 + 16)) != Z_OK) /* gzip headers only */
		return error("cannot decompress %s (gzip): zlib: %s", z->path,
			     s.msg ? s.msg : zError(rc));
	for (;;) {
		size_t room;

		if (s.avail_in == 0 && !z->eof) {
			if (zread_more(z) < 0)
				goto out;
			s.next_in = z->in;
			s.avail_in = (uInt)z->in_len;
		}
		if (z->eof && s.avail_in == 0 && !in_member)
			break; /* every member ended where the file does */
		if ((room = zread_room(z)) == 0)
			goto out;
		s.next_out = (Bytef *)z->out + z->len;
		s.avail_out = room > UINT_MAX ? UINT_MAX : (uInt)room;
		rc = inflate(&s, Z_NO_FLUSH);
		z->len = (size_t)((char *)s.next_out - z->out);
		if (zread_check(z) < 0)
			goto out;
		if (rc == Z_STREAM_END) {
			/* Another member may follow (gzip files concatenate). */
			in_member = 0;
			if (inflateReset(&s) != Z_OK)
				goto bad;
			continue;
		}
		if (rc == Z_BUF_ERROR && z->eof && s.avail_in == 0) {
			truncated(z, "zlib");
			goto out;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			goto bad;
		in_member = 1;
	}
	ret = 0;
	goto out;
bad:
	error("cannot decompress %s (gzip): zlib: %s", z->path, s.msg ? s.msg : zError(rc));
out:
	inflateEnd(&s);
	return ret;
}

/* ---- zstd ---- */

static int read_zstd(struct zread *z)
{
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	ZSTD_inBuffer in = { z->in, 0, 0 };
	size_t last = 1, rc; /* last: 0 once a frame is whole and flushed */
	int ret = -1;

	if (!dc)
		return error("cannot decompress %s (zstd): libzstd: cannot make a context",
			     z->path);
	for (;;) {
		ZSTD_outBuffer out;
		size_t room, before;

		if (in.pos == in.size && !z->eof) {
			if (zread_more(z) < 0)
				goto out;
			in.size = z->in_len;
			in.pos = 0;
		}
		if (z->eof && in.pos == in.size && last == 0)
			break;
		if ((room = zread_room(z)) == 0)
			goto out;
		out = (ZSTD_outBuffer){ z->out, z->len + room, z->len };
		before = out.pos;
		rc = ZSTD_decompressStream(dc, &out, &in);
		z->len = out.pos;
		if (ZSTD_isError(rc)) {
			error("cannot decompress %s (zstd): libzstd: %s", z->path,
			      ZSTD_getErrorName(rc));
			goto out;
		}
		if (zread_check(z) < 0)
			goto out;
		if (z->eof && in.pos == in.size && rc != 0 && out.pos == before) {
			truncated(z, "libzstd");
			goto out;
		}
		last = rc;
	}
	ret = 0;
out:
	ZSTD_freeDCtx(dc);
	return ret;
}

/* ---- xz ---- */

/* What a liblzma return code means (the library has codes, not texts). */
static const char *lzma_what(lzma_ret rc)
{
	switch (rc) {
	case LZMA_MEM_ERROR:
		return "LZMA_MEM_ERROR (out of memory)";
	case LZMA_MEMLIMIT_ERROR:
		return "LZMA_MEMLIMIT_ERROR (the stream needs more than 1 GiB to decode)";
	case LZMA_FORMAT_ERROR:
		return "LZMA_FORMAT_ERROR (not an xz stream)";
	case LZMA_OPTIONS_ERROR:
		return "LZMA_OPTIONS_ERROR (unsupported options in the stream header)";
	case LZMA_DATA_ERROR:
		return "LZMA_DATA_ERROR (the compressed data is corrupt)";
	case LZMA_BUF_ERROR:
		return "LZMA_BUF_ERROR (the compressed stream ends early: a truncated or "
		       "empty file)";
	case LZMA_UNSUPPORTED_CHECK:
		return "LZMA_UNSUPPORTED_CHECK (unsupported integrity check)";
	default:
		return "unexpected error";
	}
}

static int read_xz(struct zread *z)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret rc;
	int ret = -1;

	rc = lzma_stream_decoder(&s, XZ_MEMLIMIT, LZMA_CONCATENATED);
	if (rc != LZMA_OK)
		return error("cannot decompress %s (xz): liblzma: %s", z->path, lzma_what(rc));
	for (;;) {
		size_t room;

		if (s.avail_in == 0 && !z->eof) {
			if (zread_more(z) < 0)
				goto out;
			s.next_in = z->in;
			s.avail_in = z->in_len;
		}
		if ((room = zread_room(z)) == 0)
			goto out;
		s.next_out = (uint8_t *)z->out + z->len;
		s.avail_out = room;
		rc = lzma_code(&s, z->eof ? LZMA_FINISH : LZMA_RUN);
		z->len = (size_t)((char *)s.next_out - z->out);
		if (zread_check(z) < 0)
			goto out;
		if (rc == LZMA_STREAM_END)
			break;
		if (rc != LZMA_OK) {
			error("cannot decompress %s (xz): liblzma: %s", z->path, lzma_what(rc));
			goto out;
		}
	}
	ret = 0;
out:
	lzma_end(&s);
	return ret;
}

int zinput_read(struct filebuf *fb, const char *path, enum input_codec codec,
		uint64_t limit)
{
	struct zread z = { .path = path, .format = inputs_codec_name(codec), .limit = limit };
	int rc = -1;

	memset(fb, 0, sizeof(*fb));
	z.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (z.fd < 0)
		return error_errno("cannot open %s", path);
	z.in = malloc(ZIN_CHUNK);
	if (!z.in) {
		error_errno("cannot read %s", path);
		goto out;
	}
	switch (codec) {
	case INPUT_GZIP:
		rc = read_gzip(&z);
		break;
	case INPUT_ZSTD:
		rc = read_zstd(&z);
		break;
	case INPUT_XZ:
		rc = read_xz(&z);
		break;
	default:
		rc = error("%s is not a compressed input", path);
		break;
	}
	if (rc == 0 && !z.out && zread_room(&z) == 0)
		rc = -1; /* nothing came out: still a buffer for the '\0' */
out:
	close(z.fd);
	free(z.in);
	if (rc < 0) {
		free(z.out);
		return -1;
	}
	z.out[z.len] = '\0';
	fb->base = z.out;
	fb->cap = z.cap;
	fb->data = z.out;
	fb->len = z.len;
	return 0;
}
