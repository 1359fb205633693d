/* fileio.c - see fileio.h. */
#include "runner/fileio.h"

#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXTEND_CHUNK (64 * 1024)
/* Splits of this size and more are mapped, not read. */
#define MAP_MIN (1 << 20)

static char sigbus_msg[160];
static size_t sigbus_len;

static void on_sigbus(int sig)
{
	ssize_t r = write(2, sigbus_msg, sigbus_len);

	(void)r;
	raise(sig); /* SA_RESETHAND: now the default action */
}

void filebuf_explain_sigbus(const char *prog)
{
	struct sigaction sa;

	snprintf(sigbus_msg, sizeof(sigbus_msg),
		 "%s: bus error (SIGBUS): most likely an input file shrank while "
		 "it was being read\n", prog);
	sigbus_len = strlen(sigbus_msg);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

/* Read up to `n` bytes at `off` into `buf`; returns bytes read or -1 (printed). */
static ssize_t read_at(int fd, const char *path, char *buf, size_t n, off_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, buf + got, n - got, off + (off_t)got);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return error_errno("cannot read %s", path);
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Point fb at p[start .. len), which begins at file offset `first`. */
static void set_data(struct filebuf *fb, char *p, size_t start, size_t len, int64_t first)
{
	fb->data = p + start;
	fb->len = len - start;
	fb->offset = first + (int64_t)start;
}

/*
 * Map the split instead of reading it: no copy out of the page cache and
 * no fresh zeroed pages.  The mapping is private and writable, so the
 * '\0' after the data lands in a private copy of one page, never in the
 * file.  It runs to the end of the file (the last line may reach past the
 * split; untouched pages cost nothing) and one anonymous zero page beyond,
 * so a file that ends on a page boundary still has its '\0'.  1 when
 * mapped; 0 to read instead (a small split, or mmap refused).
 */
static int map_split(struct filebuf *fb, int fd, const struct stat *st,
		     int64_t offset, int64_t length)
{
	int64_t page = sysconf(_SC_PAGESIZE);
	int64_t first = offset > 0 ? offset - 1 : 0;
	int64_t base_off;
	size_t span, len, start, avail;
	char *area, *p;

	if (length < MAP_MIN || page <= 0)
		return 0;
	base_off = first - first % page;
	span = (size_t)(st->st_size - base_off);
	area = mmap(NULL, span + (size_t)page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return 0;
	if (mmap(area, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd,
		 (off_t)base_off) == MAP_FAILED) {
		munmap(area, span + (size_t)page);
		return 0;
	}
	/*
	 * As in read_split(), with the whole rest of the file at hand: a line
	 * that started before the split (from offset - 1 on) is not ours.
	 */
	p = area + (first - base_off);
	avail = (size_t)(st->st_size - first);
	len = (size_t)(offset + length - first);
	start = 0;
	if (offset > 0) {
		char *nl = memchr(p, '\n', len);

		start = nl ? (size_t)(nl - p) + 1 : len;
	}
	if (start < len && p[len - 1] != '\n' && len < avail) {
		char *nl = memchr(p + len, '\n', avail - len);

		len = nl ? (size_t)(nl - p) + 1 : avail;
	}
	fb->base = area;
	fb->cap = span + (size_t)page;
	fb->mapped = 1;
	set_data(fb, p, start, len, first);
	/* The byte after the data: a mapped page is written only if it must be. */
	if (fb->data[fb->len] != '\0')
		fb->data[fb->len] = '\0';
	return 1;
}

/*
 * The last line that starts in the split runs past its end: read on, a
 * chunk at a time, through its '\n' or to the end of the file.  fb->base
 * holds *len bytes from file offset `first` and grows (*cap).  0 or -1.
 */
static int read_last_line(struct filebuf *fb, int fd, const char *path, int64_t first,
			  size_t *len, size_t *cap)
{
	for (;;) {
		ssize_t got;
		char *nl;

		if (*len + EXTEND_CHUNK + 1 > *cap) {
			*cap = (*len + EXTEND_CHUNK + 1) * 2;
			fb->base = xrealloc(fb->base, *cap);
		}
		got = read_at(fd, path, fb->base + *len, EXTEND_CHUNK,
			      (off_t)(first + (int64_t)*len));
		if (got < 0)
			return -1;
		nl = memchr(fb->base + *len, '\n', (size_t)got);
		if (nl) {
			*len = (size_t)(nl - fb->base) + 1;
			return 0;
		}
		*len += (size_t)got;
		if ((size_t)got < EXTEND_CHUNK)
			return 0; /* end of file */
	}
}

/* The split [offset, offset + length) of the open file, read into a buffer.  0 or -1. */
static int read_split(struct filebuf *fb, int fd, const char *path, const struct stat *st,
		      int64_t offset, int64_t length)
{
	/* Read from offset - 1 so we can tell whether a line starts at offset. */
	int64_t first = offset > 0 ? offset - 1 : 0, end = offset + length;
	size_t cap = (size_t)(end - first) + 1, len, start;
	ssize_t got;

	fb->base = xmalloc(cap);
	got = read_at(fd, path, fb->base, (size_t)(end - first), (off_t)first);
	if (got < 0)
		return -1;
	len = (size_t)got; /* shorter if the file shrank */
	start = 0;
	if (offset > 0) {
		char *nl = memchr(fb->base, '\n', len);

		/* No '\n': the line that started before us runs through the split. */
		start = nl ? (size_t)(nl - fb->base) + 1 : len;
	}
	if (length > 0 && start < len && fb->base[len - 1] != '\n' &&
	    first + (int64_t)len < st->st_size &&
	    read_last_line(fb, fd, path, first, &len, &cap) < 0)
		return -1;
	fb->cap = cap;
	set_data(fb, fb->base, start, len, first);
	fb->data[fb->len] = '\0';
	return 0;
}

int filebuf_read(struct filebuf *fb, const char *path, int64_t offset, int64_t length)
{
	struct stat st;
	int fd, rc = -1;

	memset(fb, 0, sizeof(*fb));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_errno("cannot open %s", path);
	if (fstat(fd, &st) < 0) {
		error_errno("cannot stat %s", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		error("%s is not a regular file", path);
		goto out;
	}
	if (offset < 0 || offset > st.st_size)
		offset = st.st_size;
	if (length < 0 || length > st.st_size - offset)
		length = st.st_size - offset;
	rc = map_split(fb, fd, &st, offset, length) ? 0
	     : read_split(fb, fd, path, &st, offset, length);
out:
	close(fd);
	if (rc < 0) {
		free(fb->base);
		memset(fb, 0, sizeof(*fb));
	}
	return rc;
}

void filebuf_release(struct filebuf *fb)
{
	if (fb->mapped)
		munmap(fb->base, fb->cap);
	else
		free(fb->base);
	memset(fb, 0, sizeof(*fb));
}
