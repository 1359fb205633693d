/*
 * fetch.h - a reduce's side of the fetch service (TCP jobs): bring the
 * runs a reduce needs from the workers that hold them (worker/serve.h)
 * into a local directory, where the reduce merges them as it merges the
 * runs of a Unix-socket job in the job directory.
 *
 * Runs are fetched host by host, one connection per host, up to
 * FETCH_PARALLEL hosts at once; each run is checked as it arrives (the
 * XXH3-64 in its trailer, shuffle/ifile.h) and published in the directory
 * as mr-M-R (temp file and rename) only when whole and right.
 *
 * A run that cannot be had is a fetch failure: fetch_runs() stops, fills
 * *f with the map, the host and what happened, and returns -1 without
 * printing; the worker reports it to the coordinator, which decides
 * whether that map runs again.  Local errors (disk full) are printed and
 * have f->kind FETCH_FAIL_LOCAL.
 */
#ifndef MR_FETCH_H
#define MR_FETCH_H

#include "net/secret.h"

#include <stddef.h>

#define FETCH_PARALLEL 4

struct fetch_src {
	int map_id;
	const char *addr;       /* borrowed: "HOST:PORT" of the worker holding it */
};

enum fetch_fail {
	FETCH_FAIL_NONE,
	FETCH_FAIL_UNREACHABLE, /* refused, timed out, cut, failed authentication */
	FETCH_FAIL_MISSING,     /* the worker says it does not hold the run */
	FETCH_FAIL_CORRUPT,     /* the bytes arrived but are not a valid run */
	FETCH_FAIL_LOCAL        /* our side: cannot write it (printed) */
};

struct fetch_failure {
	enum fetch_fail kind;
	int map_id;
	char addr[300];
	char why[512];          /* one line naming map, host and cause */
};

/*
 * Fetch run mr-M-`reduce_id` for each of the n sources into `dir`, every
 * step bounded by timeout_ms.  0, or -1 with *f filled in.
 */
int fetch_runs(const struct secret *k, const char *dir, int reduce_id,
	       const struct fetch_src *src, size_t n, int timeout_ms, struct fetch_failure *f);

#endif
