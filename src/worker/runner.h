/*
 * runner.h - running a plugin's map and reduce over files.
 *
 * Shared by mrworker (one task at a time, files named as in the lab:
 * intermediate mr-M-R, output mr-out-R, all in the current directory) and
 * mrsequential (everything in one process, one output file).
 *
 * Every function returns 0, or -1 after printing why (the text is then in
 * log_last_error() for the worker's failure report).  Nothing is published
 * unless the whole step succeeded.
 */
#ifndef MR_RUNNER_H
#define MR_RUNNER_H

#include "worker/kvbuf.h"
#include "worker/plugin.h"

#include <stdint.h>

struct map_spec {
	const char *file;   /* input path as the user gave it */
	int map_id;
	int nreduce;
	int64_t offset;     /* split start; 0 for a whole file */
	int64_t length;     /* split length; -1 for to the end */
};

/*
 * Read the input of `spec`, run the plugin's map over it and append every
 * emitted pair to parts[partition] (nparts of them; nparts 1 takes all).
 */
int runner_map_input(const struct plugin *p, const struct map_spec *spec,
		     struct kvbuf *parts, unsigned nparts);

/*
 * Run the plugin's reduce over `b`, which must be sorted (kvbuf_sort), once
 * per distinct key, and publish the output lines at `out_path`.
 */
int runner_reduce_to(const struct plugin *p, const struct kvbuf *b, const char *out_path);

/* A whole map task: input -> mr-M-0 .. mr-M-(nreduce-1), each sorted. */
int runner_map_task(const struct plugin *p, const struct map_spec *spec);

/* A whole reduce task: mr-0-R .. mr-(nmap-1)-R -> mr-out-R. */
int runner_reduce_task(const struct plugin *p, int reduce_id, int nmap);

#endif
