/* afile.c - see afile.h. */
#include "common/afile.h"

#include "common/faults.h"
#include "common/jobdir.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The write buffer: below glibc's mmap threshold, so it comes from the heap
 * and reuses memory that is already mapped (a fresh mapping costs a page
 * fault per 4 KiB written).  Writes of AFILE_DIRECT bytes or more that
 * find the buffer empty go straight to write(2).
 */
#define AFILE_BUFSIZE (256u << 10)
#define AFILE_DIRECT (64u << 10)

static mode_t file_mode(void)
{
	mode_t mask = umask(0);

	umask(mask);
	return 0666 & ~mask;
}

/* Split `path` into a malloc'd directory ("." when none) and its base name. */
static char *dir_of(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	char *dir;

	if (!slash) {
		*base = path;
		return xstrdup(".");
	}
	*base = slash + 1;
	if (slash == path)
		return xstrdup("/");
	dir = xmalloc((size_t)(slash - path) + 1);
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return dir;
}

int afile_open(struct afile *f, const char *path)
{
	const char *base;
	char *dir = dir_of(path, &base);
	size_t n = strlen(dir) + strlen(base) + 32;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->tmp = xmalloc(n);
	snprintf(f->tmp, n, "%s/" JOBDIR_TMP_PREFIX "%s-XXXXXX", dir, base);
	free(dir);
	f->fd = fault_fail("open", path) ? -1 : mkostemp(f->tmp, O_CLOEXEC);
	if (f->fd < 0) {
		error_errno("cannot create a temp file for %s", path);
		free(f->tmp);
		memset(f, 0, sizeof(*f));
		f->fd = -1;
		return -1;
	}
	if (fchmod(f->fd, file_mode()) < 0) {
		error_errno("cannot set the mode of %s", f->tmp);
		afile_abort(f);
		return -1;
	}
	f->path = xstrdup(path);
	f->cap = AFILE_BUFSIZE;
	f->buf = xmalloc(f->cap);
	return 0;
}

int afile_open_anon(struct afile *f, const char *dir)
{
	size_t n = strlen(dir) + 32;

	memset(f, 0, sizeof(*f));
	f->tmp = xmalloc(n);
	snprintf(f->tmp, n, "%s/" JOBDIR_SPILL_TEMPLATE, dir);
	f->fd = fault_fail("open", f->tmp) ? -1 : mkostemp(f->tmp, O_CLOEXEC);
	if (f->fd < 0) {
		error_errno("cannot create a spill file in %s", dir);
		free(f->tmp);
		memset(f, 0, sizeof(*f));
		f->fd = -1;
		return -1;
	}
	unlink(f->tmp);
	f->path = f->tmp; /* messages name the temp file */
	f->tmp = NULL;
	f->cap = AFILE_BUFSIZE;
	f->buf = xmalloc(f->cap);
	return 0;
}

static int flush(struct afile *f);

int afile_finish_fd(struct afile *f, int *fd)
{
	int rc = f->failed ? -1 : flush(f);

	*fd = -1;
	if (rc == 0) {
		*fd = f->fd;
		f->fd = -1;
	}
	afile_abort(f);
	return rc;
}

int afile_open_durable(struct afile *f, const char *path)
{
	if (afile_open(f, path) < 0)
		return -1;
	f->durable = 1;
	return 0;
}

int afile_open_output(struct afile *f, const char *path)
{
	if (afile_open(f, path) < 0)
		return -1;
	f->writeback = 1;
	return 0;
}

int afile_sync_path(const char *path)
{
	int fd = fault_fail("open", path) ? -1 : open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return error_errno("cannot open %s to flush it to disk", path);
	if (fault_fail("fsync", path) || fsync(fd) < 0) {
		error_errno("cannot flush %s to disk", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int flush(struct afile *f)
{
	size_t done = 0;

	while (done < f->len) {
		ssize_t w = -1;

		if (!fault_fail("write", f->path))
			w = write(f->fd, f->buf + done, f->len - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			f->failed = 1;
			return error_errno("cannot write %s", f->path);
		}
		done += (size_t)w;
	}
	f->len = 0;
	f->written += done;
	/* A hint, as at commit: the end-of-job fsync then finds little left. */
	if (f->writeback && f->written - f->kicked >= AFILE_WRITEBACK_STEP) {
		sync_file_range(f->fd, (off_t)f->kicked, (off_t)(f->written - f->kicked),
				SYNC_FILE_RANGE_WRITE);
		f->kicked = f->written;
	}
	return 0;
}

/* Write data[0 .. n) straight to the file; the buffer is empty. */
static int write_direct(struct afile *f, const void *data, size_t n)
{
	size_t saved_cap = f->cap;
	char *saved = f->buf;
	int rc;

	f->buf = (char *)data;
	f->len = n;
	rc = flush(f);
	f->buf = saved;
	f->cap = saved_cap;
	f->len = 0;
	return rc;
}

int afile_write(struct afile *f, const void *data, size_t n)
{
	if (f->failed)
		return -1;
	if (f->len == 0 && n >= AFILE_DIRECT)
		return write_direct(f, data, n);
	if (f->len + n > f->cap) {
		if (flush(f) < 0)
			return -1;
		if (n >= f->cap)
			return write_direct(f, data, n); /* large write: skip the buffer */
	}
	memcpy(f->buf + f->len, data, n);
	f->len += n;
	return 0;
}

void afile_sync_dir(const char *path)
{
	const char *base;
	char *dir = dir_of(path, &base);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	/* Best effort: the rename is already visible to every reader. */
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

/*
 * Everything a commit does before the rename: flush, fsync a durable file,
 * start a final output's writeback, close.  0, or -1 after printing why
 * (the temp file is still there; afile_abort() removes it).
 */
static int close_tmp(struct afile *f)
{
	if (f->failed || flush(f) < 0)
		return -1;
	if (f->durable && (fault_fail("fsync", f->path) || fsync(f->fd) < 0))
		return error_errno("cannot flush %s to disk", f->path);
	if (f->writeback)
		sync_file_range(f->fd, 0, 0, SYNC_FILE_RANGE_WRITE); /* a hint */
	if (close(f->fd) < 0) {
		f->fd = -1;
		return error_errno("cannot close %s", f->path);
	}
	f->fd = -1;
	return 0;
}

int afile_commit(struct afile *f)
{
	if (close_tmp(f) < 0)
		goto fail;
	if (fault_fail("rename", f->path) || rename(f->tmp, f->path) < 0) {
		error_errno("cannot publish %s", f->path);
		goto fail;
	}
	if (f->durable)
		afile_sync_dir(f->path);
	free(f->tmp);
	f->tmp = NULL;
	afile_abort(f);
	return 0;
fail:
	afile_abort(f);
	return -1;
}

void afile_abort(struct afile *f)
{
	/* Only an open afile has a buffer: a zeroed one's fd 0 is not ours. */
	if (f->buf && f->fd >= 0)
		close(f->fd);
	if (f->tmp)
		unlink(f->tmp);
	free(f->tmp);
	free(f->path);
	free(f->buf);
	memset(f, 0, sizeof(*f));
	f->fd = -1;
}

/* ---- sets of files published together ---- */

void afile_set_init(struct afile_set *s)
{
	memset(s, 0, sizeof(*s));
}

/* A set's entry is its temp path, then its target path: the latter. */
static const char *entry_path(const char *e)
{
	return e + strlen(e) + 1;
}

int afile_set_add(struct afile_set *s, struct afile *f)
{
	size_t tlen, plen;
	char *e;

	if (close_tmp(f) < 0) {
		afile_abort(f);
		return -1;
	}
	tlen = strlen(f->tmp) + 1;
	plen = strlen(f->path) + 1;
	e = xmalloc(tlen + plen);
	memcpy(e, f->tmp, tlen);
	memcpy(e + tlen, f->path, plen);
	if (s->n == s->cap)
		xgrow((void **)&s->v, &s->cap, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = e;
	/* The set owns the temp file now: release *f without removing it. */
	free(f->tmp);
	f->tmp = NULL;
	afile_abort(f);
	return 0;
}

int afile_set_publish(struct afile_set *s)
{
	for (; s->renamed < s->n; s->renamed++) {
		const char *e = s->v[s->renamed];

		if (fault_fail("rename", entry_path(e)) || rename(e, entry_path(e)) < 0)
			return error_errno("cannot publish %s", entry_path(e));
	}
	return 0;
}

void afile_set_release(struct afile_set *s)
{
	/* Only what is not published: see afile.h for why. */
	for (size_t i = s->renamed; i < s->n; i++)
		unlink(s->v[i]);
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}
