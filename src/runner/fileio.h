/*
 * fileio.h - reading a map's input: a whole file, or one split of it.
 */
#ifndef MR_FILEIO_H
#define MR_FILEIO_H

#include <stddef.h>
#include <stdint.h>

struct filebuf {
	char *base;   /* malloc'd or mapped, cap bytes */
	size_t cap;
	int mapped;   /* base is a mapping (see map_split in fileio.c) */
	char *data;   /* len bytes inside base, followed by a '\0' */
	size_t len;
	int64_t offset; /* file offset of data[0] */
};

/*
 * Read `path` whole (length < 0), or the split [offset, offset + length)
 * cut at line boundaries: a line belongs to the split in which it starts,
 * so the split's data starts after the first '\n' at or after offset - 1
 * (at 0 for offset 0) and runs through the '\n' that ends the line holding
 * byte offset + length - 1 (or to the end of the file).  A split of 1 MiB
 * or more is mapped (mmap, private); a smaller one is read with one large
 * pread.  If the file shrinks while mapped, touching the lost pages raises
 * SIGBUS (see filebuf_explain_sigbus).  0, or -1 after printing the path
 * and errno.
 */
int filebuf_read(struct filebuf *fb, const char *path, int64_t offset, int64_t length);
void filebuf_release(struct filebuf *fb);

/*
 * On SIGBUS, print one line saying "PROG: bus error ... an input file
 * shrank while it was being read" before the process dies of it as usual.
 */
void filebuf_explain_sigbus(const char *prog);

#endif
