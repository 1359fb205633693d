/*
 * fileio.h - reading a whole file, or a byte range of it, into memory.
 */
#ifndef MR_FILEIO_H
#define MR_FILEIO_H

#include <stddef.h>
#include <stdint.h>

struct filebuf {
	char *data;   /* malloc'd, len bytes followed by a '\0' */
	size_t len;
};

/*
 * Read `length` bytes of `path` from `offset` (length -1: to the end).
 * 0, or -1 after printing the path and errno.
 */
int filebuf_read(struct filebuf *fb, const char *path, int64_t offset, int64_t length);
void filebuf_release(struct filebuf *fb);

#endif
