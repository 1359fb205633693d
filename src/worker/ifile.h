/*
 * ifile.h - intermediate files (map output for one reduce partition).
 *
 * Format, version 1, all integers little-endian:
 *   header   "MRKV" u32 version
 *   records  u32 klen, u32 vlen, key bytes, value bytes     (sorted by key)
 *   trailer  u32 0xffffffff, u64 number of records
 * The file is published atomically (afile.h), so a reader sees it whole or
 * not at all; the trailer still catches a file cut short by other means.
 */
#ifndef MR_IFILE_H
#define MR_IFILE_H

#include "worker/kvbuf.h"

#define IFILE_MAGIC "MRKV"
#define IFILE_VERSION 1u

/* Write the records of `b` (in their current order) to `path`, atomically. */
int ifile_write(const char *path, const struct kvbuf *b);

/*
 * Decode an intermediate file held in memory and append its records to
 * `into`.  `name` is used in messages.  0, or -1 after printing what is
 * wrong and where; on failure records decoded so far stay in `into`.
 */
int ifile_parse(const char *name, const char *data, size_t len, struct kvbuf *into);

/* Read `path` whole and ifile_parse() it. */
int ifile_read(const char *path, struct kvbuf *into);

#endif
