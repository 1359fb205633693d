/* ifile.c - see ifile.h. */
#include "shuffle/ifile.h"

#include "common/bytes.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#define END_MARK 0xffffffffu
#define MIN_BUF 4096

/* A fresh XXH3-64 state; dies when out of memory, like xmalloc. */
static XXH3_state_t *sum_new(void)
{
	XXH3_state_t *s = XXH3_createState();

	if (!s || XXH3_64bits_reset(s) != XXH_OK)
		die("out of memory (checksum state)");
	return s;
}

static void sum_add(XXH3_state_t *s, const void *p, size_t n)
{
	if (n)
		XXH3_64bits_update(s, p, n);
}

/* Checksum the staged bytes (in one go, not per field) and write them. */
static int unstage(struct ifile_writer *w)
{
	size_t n = w->staged;

	w->staged = 0;
	if (!n)
		return 0;
	sum_add(w->sum, w->stage, n);
	return afile_write(&w->f, w->stage, n);
}

static int put(struct ifile_writer *w, const void *p, size_t n)
{
	w->bytes += n;
	if (w->staged + n > IFILE_STAGE) {
		if (unstage(w) < 0)
			return -1;
		if (n > IFILE_STAGE / 2) {
			sum_add(w->sum, p, n);
			return afile_write(&w->f, p, n);
		}
	}
	if (n)
		memcpy(w->stage + w->staged, p, n);
	w->staged += n;
	return 0;
}

static void writer_free(struct ifile_writer *w)
{
	free(w->stage);
	w->stage = NULL;
	w->staged = 0;
	XXH3_freeState(w->sum);
	w->sum = NULL;
}

static int write_header(struct ifile_writer *w)
{
	unsigned char hdr[IFILE_HEADER_SIZE];

	w->sum = sum_new();
	w->stage = xmalloc(IFILE_STAGE);
	w->staged = 0;
	w->count = 0;
	w->bytes = 0;
	memcpy(hdr, IFILE_MAGIC, 4);
	put_le32(hdr + 4, IFILE_VERSION);
	return put(w, hdr, sizeof(hdr));
}

int ifile_writer_open(struct ifile_writer *w, const char *path)
{
	if (afile_open(&w->f, path) < 0)
		return -1;
	return write_header(w);
}

int ifile_writer_open_anon(struct ifile_writer *w, const char *dir)
{
	if (afile_open_anon(&w->f, dir) < 0)
		return -1;
	return write_header(w);
}

int ifile_writer_add(struct ifile_writer *w, const char *key, size_t klen,
		     const char *val, size_t vlen)
{
	unsigned char hdr[8];

	if (klen >= END_MARK || vlen >= END_MARK)
		return error("record too large for %s (key %zu bytes, value %zu bytes)",
			     w->f.path, klen, vlen);
	put_le32(hdr, (uint32_t)klen);
	put_le32(hdr + 4, (uint32_t)vlen);
	w->count++;
	if (w->staged + 8 + klen + vlen <= IFILE_STAGE) {
		/* The usual small record: straight into the stage. */
		unsigned char *p = w->stage + w->staged;

		memcpy(p, hdr, 8);
		if (klen)
			memcpy(p + 8, key, klen);
		if (vlen)
			memcpy(p + 8 + klen, val, vlen);
		w->staged += 8 + klen + vlen;
		w->bytes += 8 + klen + vlen;
		return 0;
	}
	if (put(w, hdr, 8) < 0 || put(w, key, klen) < 0 || put(w, val, vlen) < 0)
		return -1;
	return 0;
}

static int write_trailer(struct ifile_writer *w)
{
	unsigned char t[IFILE_TRAILER_SIZE];

	if (unstage(w) < 0)
		return -1;
	put_le32(t, END_MARK);
	put_le64(t + 4, w->count);
	put_le64(t + 12, XXH3_64bits_digest(w->sum));
	writer_free(w);
	return afile_write(&w->f, t, sizeof(t));
}

/* Write the trailer and free the writer's buffers; on failure drop the file.  0 or -1. */
static int finish(struct ifile_writer *w)
{
	int rc = write_trailer(w);

	writer_free(w);
	if (rc < 0)
		afile_abort(&w->f);
	return rc;
}

int ifile_writer_commit(struct ifile_writer *w)
{
	return finish(w) < 0 ? -1 : afile_commit(&w->f);
}

int ifile_writer_finish_into(struct ifile_writer *w, struct afile_set *set)
{
	return finish(w) < 0 ? -1 : afile_set_add(set, &w->f);
}

int ifile_writer_finish_fd(struct ifile_writer *w, int *fd)
{
	if (finish(w) < 0) {
		*fd = -1;
		return -1;
	}
	return afile_finish_fd(&w->f, fd);
}

void ifile_writer_abort(struct ifile_writer *w)
{
	writer_free(w);
	afile_abort(&w->f);
}

/* ---- reading ---- */

/* Bring the checksum up to r->pos (records are checksummed in spans). */
static void sum_upto_pos(struct ifile_reader *r)
{
	sum_add(r->sum, r->buf + r->sum_pos, r->pos - r->sum_pos);
	r->sum_pos = r->pos;
}

/*
 * Make `n` bytes available at r->buf + r->pos.  1 when they are, 0 when the
 * run ends first, -1 on a read error (printed).
 */
static int ensure(struct ifile_reader *r, size_t n)
{
	if (r->len - r->pos >= n)
		return 1;
	if (r->fd < 0)
		return 0;
	/* Bytes left in the file: never grow the buffer for a lying length. */
	if (n - (r->len - r->pos) > r->file_size - r->file_off)
		return 0;
	/* Keep the unread bytes, at the start of a buffer big enough for n. */
	if (r->pos > 0) {
		sum_upto_pos(r);
		r->sum_pos = 0;
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	if (n > r->cap) {
		r->buf = xrealloc(r->buf, n);
		r->cap = n;
	}
	while (r->len < n) {
		ssize_t got = pread(r->fd, r->buf + r->len, r->cap - r->len,
				    (off_t)r->file_off);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			error_errno("cannot read %s", r->name);
			return -1;
		}
		if (got == 0)
			return 0;
		r->len += (size_t)got;
		r->file_off += (uint64_t)got;
	}
	return 1;
}

static int truncated(struct ifile_reader *r, const char *what)
{
	return error("%s is truncated: it ends inside %s (after %llu records)",
		     r->name, what, (unsigned long long)r->count);
}

static int read_header(struct ifile_reader *r)
{
	const unsigned char *p;
	int rc = ensure(r, IFILE_HEADER_SIZE);

	if (rc < 0)
		return -1;
	p = (const unsigned char *)r->buf + r->pos;
	if (rc == 0 || memcmp(p, IFILE_MAGIC, 4) != 0)
		return error("%s is not an intermediate file (bad magic)", r->name);
	if (get_le32(p + 4) != IFILE_VERSION)
		return error("%s has intermediate format version %u; expected %u",
			     r->name, get_le32(p + 4), IFILE_VERSION);
	r->sum = sum_new();
	r->sum_pos = r->pos;
	r->pos += IFILE_HEADER_SIZE;
	return 0;
}

static void reader_init(struct ifile_reader *r, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->name = xstrdup(name);
}

int ifile_reader_open_fd(struct ifile_reader *r, int fd, const char *name, size_t bufsize)
{
	struct stat st;

	reader_init(r, name);
	r->fd = fd;
	if (fstat(fd, &st) < 0) {
		error_errno("cannot stat %s", name);
		ifile_reader_close(r);
		return -1;
	}
	r->file_size = (uint64_t)st.st_size;
	r->cap = bufsize < MIN_BUF ? MIN_BUF : bufsize;
	if (r->cap > r->file_size + 1)
		r->cap = (size_t)r->file_size + 1 < MIN_BUF ? MIN_BUF : (size_t)r->file_size + 1;
	r->buf = xmalloc(r->cap);
	if (read_header(r) < 0) {
		ifile_reader_close(r);
		return -1;
	}
	return 0;
}

int ifile_reader_open(struct ifile_reader *r, const char *path, size_t bufsize)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		reader_init(r, path);
		error_errno("cannot open intermediate file %s", path);
		ifile_reader_close(r);
		return -1;
	}
	return ifile_reader_open_fd(r, fd, path, bufsize);
}

int ifile_reader_open_mem(struct ifile_reader *r, const char *name,
			  const char *data, size_t len)
{
	reader_init(r, name);
	r->buf = (char *)data; /* never written through: fd < 0 */
	r->mem = data;
	r->len = len;
	if (read_header(r) < 0) {
		ifile_reader_close(r);
		return -1;
	}
	return 0;
}

static int check_trailer(struct ifile_reader *r)
{
	const unsigned char *p;
	uint64_t want;
	int rc = ensure(r, IFILE_TRAILER_SIZE);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return truncated(r, "the trailer");
	sum_upto_pos(r);
	p = (const unsigned char *)r->buf + r->pos;
	want = get_le64(p + 4);
	if (want != r->count)
		return error("%s holds %llu records but its trailer says %llu", r->name,
			     (unsigned long long)r->count, (unsigned long long)want);
	if (get_le64(p + 12) != XXH3_64bits_digest(r->sum))
		return error("%s is damaged: checksum mismatch", r->name);
	r->pos += IFILE_TRAILER_SIZE;
	/* Nothing may follow the trailer. */
	rc = ensure(r, 1);
	if (rc < 0)
		return -1;
	if (rc > 0)
		return error("%s has bytes after its trailer", r->name);
	r->done = 1;
	return 0;
}

int ifile_reader_next(struct ifile_reader *r, const char **key, uint32_t *klen,
		      const char **val, uint32_t *vlen)
{
	const unsigned char *p;
	uint32_t kl, vl;
	size_t n;
	int rc;

	if (r->has_saved) {
		r->buf[r->saved_pos] = r->saved;
		r->has_saved = 0;
	}
	if (r->done)
		return 0;
	rc = ensure(r, 4);
	if (rc <= 0)
		return rc < 0 ? -1 : truncated(r, "a record header");
	p = (const unsigned char *)r->buf + r->pos;
	kl = get_le32(p);
	if (kl == END_MARK)
		return check_trailer(r);
	rc = ensure(r, 8);
	if (rc <= 0)
		return rc < 0 ? -1 : truncated(r, "a record header");
	p = (const unsigned char *)r->buf + r->pos;
	vl = get_le32(p + 4);
	if (vl == END_MARK)
		return error("%s is damaged: bad value length", r->name);
	n = 8 + (size_t)kl + vl;
	/* One byte more: a valid run always has its trailer after a record. */
	rc = ensure(r, r->fd >= 0 ? n + 1 : n);
	if (rc <= 0)
		return rc < 0 ? -1 : truncated(r, "a record");
	p = (const unsigned char *)r->buf + r->pos;
	if (r->fd >= 0) {
		/*
		 * Terminate the value in place (the plugin ABI promises a '\0'
		 * after every string); the byte is put back on the next call.
		 */
		r->saved_pos = r->pos + n;
		r->saved = r->buf[r->saved_pos];
		r->buf[r->saved_pos] = '\0';
		r->has_saved = 1;
	}
	*key = (const char *)p + 8;
	*klen = kl;
	*val = (const char *)p + 8 + kl;
	*vlen = vl;
	r->pos += n;
	r->count++;
	return 1;
}

int ifile_check_init(struct ifile_check *c, uint64_t size)
{
	memset(c, 0, sizeof(*c));
	if (size < IFILE_HEADER_SIZE + IFILE_TRAILER_SIZE)
		return -1;
	c->size = size;
	c->sum = sum_new();
	return 0;
}

void ifile_check_add(struct ifile_check *c, const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t body = c->size - IFILE_TRAILER_SIZE, from = c->seen;

	for (size_t i = 0; i < n; i++, c->seen++) {
		if (c->seen < IFILE_HEADER_SIZE)
			c->head[c->seen] = p[i];
		if (c->seen >= body && c->seen < c->size)
			c->tail[c->seen - body] = p[i];
	}
	if (from < body)
		sum_add(c->sum, p, (size_t)((c->seen < body ? c->seen : body) - from));
}

int ifile_check_done(struct ifile_check *c)
{
	int ok = c->seen == c->size && memcmp(c->head, IFILE_MAGIC, 4) == 0 &&
		 get_le32(c->head + 4) == IFILE_VERSION && get_le32(c->tail) == END_MARK &&
		 get_le64(c->tail + 12) == XXH3_64bits_digest(c->sum);

	XXH3_freeState(c->sum);
	c->sum = NULL;
	return ok;
}

void ifile_reader_close(struct ifile_reader *r)
{
	XXH3_freeState(r->sum);
	if (r->fd >= 0)
		close(r->fd);
	if (!r->mem)
		free(r->buf);
	free(r->name);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}
