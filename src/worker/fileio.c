/* fileio.c - see fileio.h. */
#include "worker/fileio.h"

#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXTEND_CHUNK (64 * 1024)

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

int filebuf_read(struct filebuf *fb, const char *path, int64_t offset, int64_t length)
{
	struct stat st;
	size_t cap, len, start = 0;
	int64_t first, end;
	ssize_t got;
	int fd;

	memset(fb, 0, sizeof(*fb));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_errno("cannot open %s", path);
	if (fstat(fd, &st) < 0) {
		error_errno("cannot stat %s", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		error("%s is not a regular file", path);
		goto fail;
	}
	if (offset < 0 || offset > st.st_size)
		offset = st.st_size;
	if (length < 0 || length > st.st_size - offset)
		length = st.st_size - offset;
	/* Read from offset - 1 so we can tell whether a line starts at offset. */
	first = offset > 0 ? offset - 1 : 0;
	end = offset + length;
	cap = (size_t)(end - first) + 1;
	fb->base = xmalloc(cap);
	got = read_at(fd, path, fb->base, (size_t)(end - first), (off_t)first);
	if (got < 0)
		goto fail;
	len = (size_t)got; /* shorter if the file shrank */
	if (offset > 0) {
		char *nl = memchr(fb->base, '\n', len);

		/* No '\n': the line that started before us runs through the split. */
		start = nl ? (size_t)(nl - fb->base) + 1 : len;
	}
	/* Finish the last line that starts inside the split. */
	if (length > 0 && start < len && fb->base[len - 1] != '\n' &&
	    (int64_t)first + (int64_t)len < st.st_size) {
		for (;;) {
			char *nl;

			if (len + EXTEND_CHUNK + 1 > cap) {
				cap = (len + EXTEND_CHUNK + 1) * 2;
				fb->base = xrealloc(fb->base, cap);
			}
			got = read_at(fd, path, fb->base + len, EXTEND_CHUNK,
				      (off_t)(first + (int64_t)len));
			if (got < 0)
				goto fail;
			nl = memchr(fb->base + len, '\n', (size_t)got);
			if (nl) {
				len = (size_t)(nl - fb->base) + 1;
				break;
			}
			len += (size_t)got;
			if ((size_t)got < EXTEND_CHUNK)
				break; /* end of file */
		}
	}
	fb->data = fb->base + start;
	fb->len = len - start;
	fb->offset = first + (int64_t)start;
	fb->data[fb->len] = '\0';
	close(fd);
	return 0;
fail:
	close(fd);
	free(fb->base);
	memset(fb, 0, sizeof(*fb));
	return -1;
}

void filebuf_release(struct filebuf *fb)
{
	free(fb->base);
	memset(fb, 0, sizeof(*fb));
}
