/*
 * journal.c - append-only file of length-framed, checksummed records; the
 * contract is in journal.h.
 */
#include "coordinator/journal.h"
#include "coordinator/syncer.h"

#include "common/bytes.h"
#include "common/faults.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

static const unsigned char journal_magic[8] = { 'M', 'R', 'J', 'R', 'N', 'L', '\r', '\n' };

struct journal {
	int fd;
	char *path;
	uint64_t end;         /* file offset after the last written record */
	unsigned char *buf;   /* encoded records not yet written */
	size_t len, cap;
	size_t pending;       /* records in buf */
	int failed;           /* sticky: a write or sync failed */
	/* journal_sync_start's batch, written and synced by the syncer */
	struct syncer sy;
	unsigned char *fbuf;  /* the batch in flight (buffers swap with buf) */
	size_t flen, fcap;
	size_t fpending;      /* records in it */
	int flying;           /* a batch was started and not reaped */
	uint64_t alloc_end;   /* the file is written (records, then zeros) up to here */
};

/*
 * Room is made ahead in steps of this many bytes, written as zeros: a
 * batch then overwrites bytes the file already has, so its fdatasync has
 * no size to commit, and the file system commits no transaction of its
 * own (in ext4's ordered mode that would also write out every other
 * file's new data: the workers' runs).  A reader takes the zeros after the
 * last record for the end (a zero tail); journal_close cuts them.
 */
/*
 * Small enough to fit a nearly full disk (a job directory of a few MB holds
 * its runs), large enough that a 10,000-task job grows the file some 20
 * times instead of at every batch.
 */
#define JOURNAL_ROOM (64u << 10)

enum reader_state { RD_OK, RD_END, RD_ERR };

struct journal_reader {
	int fd;
	int own_fd;           /* close fd on journal_read_close */
	char *path;
	uint64_t off, size;
	unsigned char *buf;   /* the current record, framing included */
	size_t cap;
	uint64_t count;
	enum reader_state state;
	enum journal_tail tail;
	const char *why;
};

static void encode_header(unsigned char h[JOURNAL_HEADER_SIZE])
{
	memcpy(h, journal_magic, sizeof(journal_magic));
	put_le32(h + 8, JOURNAL_VERSION);
	put_le32(h + 12, 0);
}

/* Read up to n bytes at off: the count read (short only at end of file), or -1. */
static ssize_t read_at(int fd, void *p, size_t n, uint64_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, (char *)p + got, n - got, (off_t)(off + got));

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int write_at(int fd, const void *p, size_t n, uint64_t off)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = pwrite(fd, (const char *)p + done, n - done, (off_t)(off + done));

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)w;
	}
	return 0;
}

/* ---- reading ---- */

/*
 * Check the header of the file open on fd.  0 and r->off past the header;
 * 0 with a TORN end when the file is a strict prefix of a header; -1
 * (printed) otherwise.
 */
static int reader_start(struct journal_reader *r)
{
	unsigned char want[JOURNAL_HEADER_SIZE], got[JOURNAL_HEADER_SIZE];
	struct stat st;
	ssize_t n;

	if (fstat(r->fd, &st) < 0)
		return error_errno("cannot stat journal %s", r->path);
	r->size = (uint64_t)st.st_size;
	n = read_at(r->fd, got, sizeof(got), 0);
	if (n < 0)
		return error_errno("cannot read journal %s", r->path);
	encode_header(want);
	if (memcmp(got, want, (size_t)n < 8 ? (size_t)n : 8) != 0)
		return error("%s is not a journal (bad magic)", r->path);
	if ((size_t)n < sizeof(got)) {
		if (memcmp(got, want, (size_t)n) != 0)
			return error("%s: bad journal header", r->path);
		r->state = RD_END;
		r->tail = JOURNAL_TORN;
		r->why = "record runs past the end of the file";
		r->off = 0;
		return 0;
	}
	if (get_le32(got + 8) != JOURNAL_VERSION)
		return error("%s: journal version %" PRIu32 ", this program reads version %d",
			     r->path, get_le32(got + 8), JOURNAL_VERSION);
	if (get_le32(got + 12) != 0)
		return error("%s: bad journal header", r->path);
	r->off = JOURNAL_HEADER_SIZE;
	return 0;
}

/* 1 when every byte from off to the end of the file is zero, 0 if not, -1 on error. */
static int zero_to_end(struct journal_reader *r, uint64_t off)
{
	unsigned char chunk[4096];

	while (off < r->size) {
		size_t want = r->size - off < sizeof(chunk) ? (size_t)(r->size - off)
							     : sizeof(chunk);
		ssize_t n = read_at(r->fd, chunk, want, off);

		if (n < 0)
			return -1;
		if (n == 0)
			return 1;
		for (ssize_t i = 0; i < n; i++)
			if (chunk[i])
				return 0;
		off += (uint64_t)n;
	}
	return 1;
}

static int reader_stop(struct journal_reader *r, enum journal_tail tail, const char *why)
{
	r->state = RD_END;
	r->tail = tail;
	r->why = why;
	return 0;
}

static int reader_fail(struct journal_reader *r)
{
	r->state = RD_ERR;
	return error_errno("cannot read journal %s at offset %" PRIu64, r->path, r->off);
}

/*
 * A bad record at r->off whose claimed end is `extent`: a CLEAN end when
 * only zero bytes follow (room made ahead by journal_sync_start, or a
 * record that never got written); TORN if it is the last thing in the
 * file, or only zeros follow its claimed end (a write cut short in the
 * room); else CORRUPT.
 */
static int reader_bad(struct journal_reader *r, uint64_t extent, const char *why)
{
	int z = zero_to_end(r, r->off);

	if (z < 0)
		return reader_fail(r);
	if (z)
		return reader_stop(r, JOURNAL_CLEAN, "");
	if (extent >= r->size)
		return reader_stop(r, JOURNAL_TORN, why);
	z = zero_to_end(r, extent);
	if (z < 0)
		return reader_fail(r);
	return reader_stop(r, z ? JOURNAL_TORN : JOURNAL_CORRUPT, why);
}

int journal_next(struct journal_reader *r, uint32_t *type, const void **payload,
		 size_t *len)
{
	uint64_t left, extent;
	uint32_t n;
	ssize_t got;

	if (r->state != RD_OK)
		return r->state == RD_ERR ? -1 : 0;
	left = r->size - r->off;
	if (left == 0)
		return reader_stop(r, JOURNAL_CLEAN, "");
	if (left < JOURNAL_RECORD_OVERHEAD)
		return reader_bad(r, r->size, "record runs past the end of the file");
	xgrow((void **)&r->buf, &r->cap, 8, 1);
	got = read_at(r->fd, r->buf, 8, r->off);
	if (got < 0)
		return reader_fail(r);
	if (got < 8)
		return reader_stop(r, JOURNAL_TORN, "record runs past the end of the file");
	n = get_le32(r->buf);
	extent = r->off + JOURNAL_RECORD_OVERHEAD + (uint64_t)n;
	if (n > JOURNAL_MAX_PAYLOAD)
		return reader_bad(r, extent, "length above the maximum");
	if (extent > r->size)
		return reader_bad(r, extent, "record runs past the end of the file");
	xgrow((void **)&r->buf, &r->cap, JOURNAL_RECORD_OVERHEAD + (size_t)n, 1);
	got = read_at(r->fd, r->buf + 8, (size_t)n + 8, r->off + 8);
	if (got < 0)
		return reader_fail(r);
	if ((size_t)got < (size_t)n + 8) /* the file shrank under us */
		return reader_stop(r, JOURNAL_TORN, "record runs past the end of the file");
	if (XXH3_64bits(r->buf, 8 + (size_t)n) != get_le64(r->buf + 8 + n))
		return reader_bad(r, extent, "checksum mismatch");
	*type = get_le32(r->buf + 4);
	*payload = r->buf + 8;
	*len = n;
	r->off = extent;
	r->count++;
	return 1;
}

static void reader_init(struct journal_reader *r, int fd, const char *path)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->path = xstrdup(path);
	r->state = RD_OK;
	r->tail = JOURNAL_CLEAN;
	r->why = "";
}

int journal_read_open(struct journal_reader **rp, const char *path)
{
	struct journal_reader *r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return error_errno("cannot open journal %s", path);
	r = xmalloc(sizeof(*r));
	reader_init(r, fd, path);
	r->own_fd = 1;
	if (reader_start(r) < 0) {
		journal_read_close(r);
		return -1;
	}
	*rp = r;
	return 0;
}

enum journal_tail journal_read_tail(const struct journal_reader *r, uint64_t *offset,
				    const char **why)
{
	if (offset)
		*offset = r->off;
	if (why)
		*why = r->why;
	return r->tail;
}

uint64_t journal_read_count(const struct journal_reader *r)
{
	return r->count;
}

void journal_read_close(struct journal_reader *r)
{
	if (!r)
		return;
	if (r->own_fd)
		close(r->fd);
	free(r->buf);
	free(r->path);
	free(r);
}

/* ---- writing ---- */

/* fsync the directory holding `path`, so a new file's name is durable. */
static int sync_parent(const char *path)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	const char *d = dir;
	int fd, rc = 0;

	if (!slash)
		d = ".";
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		rc = error_errno("cannot sync directory %s of journal %s", d, path);
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

/* Give the empty (or torn-header) file on fd a fresh, durable header. */
static int write_header(int fd, const char *path)
{
	unsigned char h[JOURNAL_HEADER_SIZE];

	encode_header(h);
	if (ftruncate(fd, 0) < 0 || fault_fail("write", path) ||
	    write_at(fd, h, sizeof(h), 0) < 0)
		return error_errno("cannot write journal header %s", path);
	if (fault_fail("fsync", path) || fsync(fd) < 0)
		return error_errno("cannot sync journal %s", path);
	return sync_parent(path);
}

/*
 * Scan the existing journal on fd, cut what follows its last good record
 * when allowed, and fill *scan.  0 or -1 (printed).
 */
static int scan_existing(int fd, const char *path, int flags, struct journal_scan *scan)
{
	struct journal_reader r;
	uint32_t type;
	const void *p;
	size_t len;
	int rc = -1, got;

	reader_init(&r, fd, path);
	if (reader_start(&r) < 0)
		goto out;
	if (r.state == RD_END) { /* a torn header: the file was being created */
		if (write_header(fd, path) < 0)
			goto out;
		scan->created = 1;
		scan->dropped = r.size;
		scan->end = JOURNAL_HEADER_SIZE;
		rc = 0;
		goto out;
	}
	while ((got = journal_next(&r, &type, &p, &len)) == 1)
		;
	if (got < 0)
		goto out;
	scan->records = r.count;
	scan->end = r.off;
	scan->tail = r.tail;
	if (r.tail == JOURNAL_CORRUPT && !(flags & JOURNAL_CUT_CORRUPT)) {
		error("journal %s: corrupt at offset %" PRIu64 " (%s) after %" PRIu64
		      " good records, %" PRIu64 " more bytes follow",
		      path, r.off, r.why, r.count, r.size - r.off);
		goto out;
	}
	if (r.tail != JOURNAL_CLEAN) {
		scan->dropped = r.size - r.off;
		if (ftruncate(fd, (off_t)r.off) < 0 || fsync(fd) < 0) {
			error_errno("cannot cut the tail of journal %s at offset %" PRIu64,
				    path, r.off);
			goto out;
		}
		warning("journal %s: %s tail at offset %" PRIu64 " (%s): cut %" PRIu64
			" bytes, kept %" PRIu64 " records",
			path, r.tail == JOURNAL_TORN ? "torn" : "corrupt", r.off, r.why,
			scan->dropped, r.count);
	}
	rc = 0;
out:
	free(r.buf);
	free(r.path);
	return rc;
}

int journal_open(struct journal **jp, const char *path, int flags,
		 struct journal_scan *scan)
{
	struct journal_scan dummy;
	struct journal *j;
	struct stat st;
	int fd;

	if (!scan)
		scan = &dummy;
	memset(scan, 0, sizeof(*scan));
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_errno("cannot open journal %s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			error("journal %s is in use by another process (a coordinator still "
			      "running this job?)", path);
		else
			error_errno("cannot lock journal %s", path);
		goto fail;
	}
	if (fstat(fd, &st) < 0) {
		error_errno("cannot stat journal %s", path);
		goto fail;
	}
	if (st.st_size == 0) {
		if (write_header(fd, path) < 0)
			goto fail;
		scan->created = 1;
		scan->end = JOURNAL_HEADER_SIZE;
	} else if (scan_existing(fd, path, flags, scan) < 0) {
		goto fail;
	}
	j = xcalloc(1, sizeof(*j));
	if (syncer_init(&j->sy) < 0) {
		free(j);
		goto fail;
	}
	j->fd = fd;
	j->path = xstrdup(path);
	j->end = scan->end;
	/* Room made ahead by an earlier run (zeros after the last record) is kept. */
	j->alloc_end = (uint64_t)st.st_size > scan->end ? (uint64_t)st.st_size : scan->end;
	*jp = j;
	return 0;
fail:
	close(fd);
	return -1;
}

int journal_in_use(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), busy;

	if (fd < 0)
		return 0;
	busy = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return busy;
}

int journal_append(struct journal *j, uint32_t type, const void *payload, size_t len)
{
	unsigned char *rec;

	if (j->failed) {
		errno = EIO;
		return -1;
	}
	if (len > JOURNAL_MAX_PAYLOAD)
		return error("journal %s: a record of %zu bytes is above the maximum of %u",
			     j->path, len, JOURNAL_MAX_PAYLOAD);
	xgrow((void **)&j->buf, &j->cap, j->len + JOURNAL_RECORD_OVERHEAD + len, 1);
	rec = j->buf + j->len;
	put_le32(rec, (uint32_t)len);
	put_le32(rec + 4, type);
	if (len)
		memcpy(rec + 8, payload, len);
	put_le64(rec + 8 + len, XXH3_64bits(rec, 8 + len));
	j->len += JOURNAL_RECORD_OVERHEAD + len;
	j->pending++;
	return 0;
}

int journal_sync_start(struct journal *j)
{
	unsigned char *b;
	size_t c;

	if (j->failed) {
		errno = EIO;
		return -1;
	}
	if (j->flying)
		return 1;
	if (j->len == 0)
		return 0;
	/* The buffered records become the batch in flight; buf starts empty. */
	b = j->fbuf;
	c = j->fcap;
	j->fbuf = j->buf;
	j->fcap = j->cap;
	j->flen = j->len;
	j->fpending = j->pending;
	j->buf = b;
	j->cap = c;
	j->len = 0;
	j->pending = 0;
	if (j->end + j->flen > j->alloc_end)
		j->alloc_end = ((j->end + j->flen) / JOURNAL_ROOM + 2) * JOURNAL_ROOM;
	if (syncer_start(&j->sy, j->fd, j->path, j->fbuf, j->flen, j->end, j->alloc_end) < 0) {
		j->failed = 1;
		return -1;
	}
	j->flying = 1;
	return 0;
}

int journal_sync_fd(const struct journal *j)
{
	return syncer_fd(&j->sy);
}

int journal_sync_busy(const struct journal *j)
{
	return j->flying;
}

int journal_sync_reap(struct journal *j, int wait)
{
	const char *op = NULL;
	int rc;

	if (!j->flying)
		return j->failed ? -1 : 0;
	rc = syncer_reap(&j->sy, wait, &op);
	if (rc == 1)
		return 1;
	j->flying = 0;
	if (rc < 0) {
		j->failed = 1;
		if (op && !strcmp(op, "write"))
			return error_errno("cannot write %zu records to journal %s at offset %"
					   PRIu64, j->fpending, j->path, j->end);
		return error_errno("cannot sync journal %s", j->path);
	}
	j->end += j->flen;
	j->flen = 0;
	j->fpending = 0;
	if (j->fcap > (4u << 20)) { /* a burst of big records: give the memory back */
		free(j->fbuf);
		j->fbuf = NULL;
		j->fcap = 0;
	}
	return 0;
}

int journal_sync(struct journal *j)
{
	/* The batch in flight, then the rest as one more, waited for. */
	if (journal_sync_reap(j, 1) < 0)
		return -1;
	if (journal_sync_start(j) < 0)
		return -1;
	return journal_sync_reap(j, 1);
}

int journal_failed(const struct journal *j)
{
	return j->failed;
}

size_t journal_pending(const struct journal *j)
{
	return j->pending;
}

int journal_close(struct journal *j)
{
	int rc;

	if (!j)
		return 0;
	rc = journal_sync(j);
	syncer_release(&j->sy);
	/* The zeros made ahead go: a closed journal ends at its last record. */
	if (rc == 0 && j->alloc_end > j->end &&
	    (ftruncate(j->fd, (off_t)j->end) < 0 || fdatasync(j->fd) < 0))
		rc = error_errno("cannot cut journal %s at its end", j->path);
	if (close(j->fd) < 0 && rc == 0)
		rc = error_errno("cannot close journal %s", j->path);
	free(j->fbuf);
	free(j->buf);
	free(j->path);
	free(j);
	return rc;
}
