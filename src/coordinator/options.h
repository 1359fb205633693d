/*
 * options.h - the coordinator's command line.
 */
#ifndef MR_OPTIONS_H
#define MR_OPTIONS_H

#include "coordinator/tasks.h"
#include "common/params.h"

#include <stdint.h>
#include <stdio.h>

#include "mr.h"

/* The largest --nreduce: what a worker accepts (proto/mr.x). */
#define MAX_NREDUCE MR_MAX_NREDUCE

struct coord_options {
	struct job_config job;
	const char *socket;      /* NULL: default path (usock_default_path) */
	const char *listen;      /* --listen HOST:PORT, or NULL: no TCP */
	const char *secret_file; /* --secret-file (required with --listen) */
	int keep_intermediate;
	int recover;             /* --recover: carry on from the job's journal */
	int keep_journal;        /* --keep-journal */
	int no_journal;          /* --no-journal */
	int commit_ms;           /* --commit-interval: journal group commit window */
	uint64_t split_size;     /* files larger than this become several map tasks */
	int log_level;           /* enum log_level */
	int first_input;         /* argv index of the first INPUT */
	struct params params;    /* --param KEY=VALUE; job.params points here */
	const char *inputs_from; /* --inputs-from FILE ("-": stdin), or NULL */
	const char *output_dir;  /* --output DIR, or NULL: the job directory */
};

/*
 * Defaults: nreduce 10, timeout 10 s, 4 attempts, WAIT 20 ms, splits 64 MiB,
 * backups on, no parameters.  `o` must not move after parse (job.params
 * points into it); coord_options_release frees the parameters.
 */
void coord_options_init(struct coord_options *o);
void coord_options_release(struct coord_options *o);

/*
 * Parse argv (getopt_long; resets optind first).  Returns 0 when the job
 * should run, 1 after printing help to `out` (exit 0), or 2 after printing
 * what is wrong and the usage to `err` (exit 2).
 */
int coord_options_parse(struct coord_options *o, int argc, char **argv,
			FILE *out, FILE *err);

#endif
