/*
 * ifile.h - sorted runs of (key, value) records: the intermediate files a
 * map writes for each reduce partition (mr-M-R), and a map's spill files.
 *
 * Format, version 3, all integers little-endian:
 *   header   "MRKV" u32 version
 *   records  u32 klen, u32 vlen, key bytes, value bytes   (sorted by key)
 *   trailer  u32 0xffffffff, u64 number of records,
 *            u64 XXH3-64 (libxxhash, seed 0) of every byte before the trailer
 * (Version 2 had a zlib CRC-32 there; XXH3 is four times faster, and runs
 * are checksummed twice, written and read.)
 * Published files go through afile.h, so a reader sees them whole or not at
 * all; the trailer still catches a file cut short or damaged by other means.
 * Keys and values are each shorter than 4 GiB - 1.
 *
 * Readers stream: a record is valid until the next call on its reader, and
 * memory is one buffer (grown only for a record larger than it).  A damaged
 * file is reported when the damage is reached, at the latest at the trailer,
 * so a consumer must not publish anything before the reader has said 0.
 */
#ifndef MR_IFILE_H
#define MR_IFILE_H

#include "common/afile.h"
#include "shuffle/kvbuf.h"

#include <stdint.h>

#define IFILE_MAGIC "MRKV"
#define IFILE_VERSION 3u
#define IFILE_HEADER_SIZE 8
#define IFILE_TRAILER_SIZE 20

#define IFILE_STAGE (64u << 10)

struct ifile_writer {
	struct afile f;
	unsigned char *stage; /* records not yet checksummed and handed to f */
	size_t staged;
	struct XXH3_state_s *sum; /* XXH3-64 of what was handed to f */
	uint64_t count;
	uint64_t bytes;      /* written so far, header included */
};

/* Start a run published at `path` by ifile_writer_commit().  0 or -1. */
int ifile_writer_open(struct ifile_writer *w, const char *path);
/*
 * Start an anonymous run: a temp file in `dir`, unlinked at once, so that
 * nothing is left behind if the process dies.  Finish with
 * ifile_writer_finish_fd().  0 or -1.
 */
int ifile_writer_open_anon(struct ifile_writer *w, const char *dir);
/* Append a record (the caller keeps the key order).  0 or -1. */
int ifile_writer_add(struct ifile_writer *w, const char *key, size_t klen,
		     const char *val, size_t vlen);
/* Write the trailer and publish.  0 or -1; *w is released either way. */
int ifile_writer_commit(struct ifile_writer *w);
/*
 * Write the trailer and close the run's temp file into `set`, to be
 * published with the set's other files (afile.h).  0 or -1 (the temp file
 * removed); *w is released either way.
 */
int ifile_writer_finish_into(struct ifile_writer *w, struct afile_set *set);
/* Write the trailer of an anonymous run; *fd gets its descriptor (caller closes). */
int ifile_writer_finish_fd(struct ifile_writer *w, int *fd);
void ifile_writer_abort(struct ifile_writer *w);

struct ifile_reader {
	int fd;              /* -1 for an in-memory run */
	char *name;          /* malloc'd, for messages */
	char *buf;           /* owned unless in memory */
	const char *mem;     /* the data of an in-memory run */
	size_t cap, pos, len;
	uint64_t file_off;   /* file offset of buf[len] */
	uint64_t file_size;  /* size of the file when opened */
	uint64_t count;      /* records returned */
	struct XXH3_state_s *sum; /* XXH3-64 of the run's bytes up to buf + sum_pos */
	size_t sum_pos;
	int done;
	size_t saved_pos;    /* byte overwritten by the '\0' after the last value */
	char saved;
	int has_saved;
};

/*
 * Open the run in `path`, or the one open as `fd` (the reader owns fd from
 * here, and closes it even when the open fails), with a read buffer of
 * about `bufsize` bytes, and check its header.  0, or -1 after printing
 * why; on failure there is nothing to close.
 */
int ifile_reader_open(struct ifile_reader *r, const char *path, size_t bufsize);
int ifile_reader_open_fd(struct ifile_reader *r, int fd, const char *name, size_t bufsize);
/*
 * Next record: 1 and sets the pointers, 0 at a valid end (trailer checked),
 * or -1 after printing what is wrong and where.  For file runs the value is
 * followed by a '\0' (the key is not: use the lengths); in-memory runs are
 * read-only and give no terminator.
 */
int ifile_reader_next(struct ifile_reader *r, const char **key, uint32_t *klen,
		      const char **val, uint32_t *vlen);
void ifile_reader_close(struct ifile_reader *r);

/*
 * Checking a whole run as its bytes go by (a reduce fetching it over the
 * network), without parsing its records: the header's magic and version,
 * the trailer's end mark, and the XXH3-64 of everything before the
 * trailer against the one the trailer holds.  The trailer's record count
 * is left to the reader (ifile_reader_next), which counts the records as
 * a merge reads them; checking it here would mean parsing every record.
 * ifile_check_init() for a run
 * of `size` bytes (0, or -1 when that is too short to be a run),
 * ifile_check_add() with the bytes in order (`size` of them in all), and
 * ifile_check_done() says 1 (whole and right) or 0, and frees the state.
 * Prints nothing.  Dies when out of memory, like xmalloc.
 */
struct ifile_check {
	struct XXH3_state_s *sum;
	uint64_t size, seen;
	unsigned char head[IFILE_HEADER_SIZE], tail[IFILE_TRAILER_SIZE];
};

int ifile_check_init(struct ifile_check *c, uint64_t size);
void ifile_check_add(struct ifile_check *c, const void *data, size_t n);
int ifile_check_done(struct ifile_check *c);

/*
 * ---- For tests and tools, not the engine ----
 * (tests/unit/runio.c decodes whole runs with it; the fuzz target reads
 * every input this way as well as from a file.)
 *
 * Read a run held in memory, `data` borrowed until the reader is closed.
 * 0, or -1 after printing why.
 */
int ifile_reader_open_mem(struct ifile_reader *r, const char *name,
			  const char *data, size_t len);

#endif
