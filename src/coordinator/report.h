/*
 * report.h - the job report, mr-report.json, written when the job ends.
 *
 * Inputs, nMap and nReduce, every task with every attempt (worker pid,
 * start and end relative to the job's start, outcome; for a failed attempt
 * whose fault it was, "plugin", "engine" or "unknown", and the worker's
 * error text), the counters of the attempt that finished each task, their
 * totals over the job, statistics (failure reports in all and by fault,
 * re-issues, backups, ignored reports), and the outcome.  Written atomically (temp file, fsync, rename) into the job
 * directory.  mrctl report reads it.
 */
#ifndef MR_REPORT_H
#define MR_REPORT_H

#include "coordinator/tasks.h"

#include <stdint.h>

/*
 * Write `path` for `job`, started at start_ms (now_ms clock), ended with
 * `outcome` ("done", "failed", "interrupted").  0, or -1 after printing why.
 */
int report_write(const struct job *job, const char *path, const char *outcome,
		 int64_t start_ms, int64_t end_ms);

/*
 * 1 when `path` is the report of a job over `inputs` (n names, in order)
 * with `nreduce` reduces whose outcome is "done", else 0 (silent).
 */
int report_says_done(const char *path, char *const *inputs, int n, int nreduce);

#endif
