/*
 * runio.h - whole runs (ifile.h) to and from memory, for the tests and
 * test tools (the unit tests, the fuzz target and its seed writer), not the
 * engine, which streams its runs.  Each function returns 0, or -1 after
 * printing why.
 */
#ifndef MR_TEST_RUNIO_H
#define MR_TEST_RUNIO_H

#include "shuffle/kvbuf.h"

#include <stddef.h>

/* Write every record of `b`, in order, as a run published at `path`. */
int runio_write(const char *path, const struct kvbuf *b);
/*
 * Decode a whole run held in memory (ifile_reader_open_mem), appending its
 * records to `into`; on failure `into` holds the records before the damage.
 */
int runio_parse(const char *name, const char *data, size_t len, struct kvbuf *into);
/* Read the run at `path` whole, appending its records to `into` (as runio_parse). */
int runio_read(const char *path, struct kvbuf *into);

#endif
