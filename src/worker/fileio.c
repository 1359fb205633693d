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

int filebuf_read(struct filebuf *fb, const char *path, int64_t offset, int64_t length)
{
	struct stat st;
	size_t want, got = 0;
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
	want = (size_t)length;
	fb->data = xmalloc(want + 1);
	while (got < want) {
		ssize_t r = pread(fd, fb->data + got, want - got, offset + (off_t)got);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			error_errno("cannot read %s", path);
			goto fail;
		}
		if (r == 0)
			break; /* the file shrank: take what is there */
		got += (size_t)r;
	}
	fb->data[got] = '\0';
	fb->len = got;
	close(fd);
	return 0;
fail:
	close(fd);
	free(fb->data);
	memset(fb, 0, sizeof(*fb));
	return -1;
}

void filebuf_release(struct filebuf *fb)
{
	free(fb->data);
	memset(fb, 0, sizeof(*fb));
}
