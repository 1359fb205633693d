/*
 * jlog.h - the coordinator's job journal: what it records while serving a
 * job, and how a restarted coordinator (--recover) carries on from it.
 *
 * The journal is JOBDIR_JOURNAL ("mr-journal") in the job directory; its
 * storage is coordinator/journal.h, its records coordinator/jrec.h.
 *
 * Writing.  jlog_create() starts a journal for a new job (the SPEC, its
 * INPUTs and a START, made durable before any task is handed out).  While
 * the job runs, jlog_done() and jlog_rerun() only buffer records, and
 * the loop makes them durable in the background (group commit, one write
 * and one fdatasync per batch, on the journal's sync thread): jlog_kick()
 * at the end of each loop pass starts a batch with everything buffered
 * when none is in flight and commit_ms (--commit-interval) have passed since the last
 * one started; jlog_reap() takes its outcome when jlog_poll_fd() polls
 * readable.  Batches are numbered (generations): jlog_durable_at() is the
 * one that will hold the records buffered now, jlog_synced() the last one
 * made durable.  A worker's "done" is acknowledged in two steps: the
 * REPORT reply says at once which generation holds its record, and a
 * later reply (jlog_synced() in every ASK and REPORT reply) says that it
 * is durable; until then the worker keeps the report and sends it again
 * to a coordinator that replaced this one (mrworker --reconnect), which
 * adopts it.  So a task whose done was acknowledged as durable is never
 * redone, and one that was not is either re-reported or redone.
 * jlog_commit() makes everything buffered durable before it returns
 * (waiting for a batch in flight): at the start and end of a job.
 *
 * Recovery.  jlog_recover() reads an existing journal (a torn tail is cut
 * with a warning), checks that it is the same job (the same inputs, in the
 * same order, with the same sizes and modification times; the same
 * nreduce, split size, output-changing options and --output directory),
 * then checks that each finished task's output is still there with its
 * recorded size: a reduce's mr-out-R (in the --output directory), and a
 * map's runs mr-M-R for every reduce not finished
 * (with more than 256 reduces a map's sizes are not recorded and only
 * presence is checked).  Runs held by a TCP worker are not checked here:
 * that worker is waited for as a ghost (tasks.h, job_ghost) while the
 * reduces fetch from its address.  It restores what passed into the job
 * (job_restore), logs what must run again and why (job_redo), starts the
 * next incarnation with the job's id (job_set_ids) and records it (START,
 * durable).
 *
 * Ending.  jlog_finish() after a job that finished (and whose report is
 * written) removes the journal, or with `keep` appends END and keeps it.
 * After a job that failed or was interrupted it keeps the journal so that
 * --recover can finish the job.
 *
 * Errors: every function that can fail prints one message (naming the
 * journal and errno's text, or the difference between the jobs) and
 * returns -1; jlog_recover returns -2 when the journal is not one this
 * command line can recover (another job, changed inputs or options, not
 * a journal, corrupt): a usage error, exit 2.  Once a write or sync has
 * failed the journal is failed for good and jlog_commit() keeps returning
 * -1 without a new message.  Single-threaded.
 */
#ifndef MR_JLOG_H
#define MR_JLOG_H

#include "coordinator/jrec.h"
#include "coordinator/journal.h"
#include "coordinator/tasks.h"

#include <stdint.h>

/* An input as the coordinator found it (stat) when the job was planned. */
struct jlog_input {
	const char *name;        /* borrowed */
	int64_t size;
	int64_t mtime_ns;
};

/* What makes two runs of the coordinator the same job. */
struct jlog_spec {
	uint64_t job_id;         /* a new job's id (jlog_recover takes the journal's) */
	uint32_t nreduce;
	uint64_t split_size;
	uint32_t flags;          /* JREC_SKIP_BAD_RECORDS */
	uint64_t params_hash;    /* params_hash() of --param: 0 for none */
	int ninputs;
	const struct jlog_input *inputs; /* borrowed, ninputs long */
	const char *output_dir;  /* borrowed: --output DIR, or NULL (the job directory) */
};

struct jlog {
	struct journal *j;       /* NULL: no journal (--no-journal, or closed) */
	const char *path;        /* borrowed */
	struct jbuf buf;
	int failed;              /* a write or sync failed (reported once) */
	uint64_t synced;         /* generation of the last durable batch */
	int64_t last_start_ms;   /* when the last background batch started */
	const char *output_dir;  /* borrowed from the spec: where mr-out-R are */
	int commit_ms;           /* at most one batch starts per this many ms (0: any pass) */
};

/*
 * The default group commit window.  Workers never wait for a batch, so a
 * wider window costs nothing but how late a report becomes durable; each
 * sync of an appended file commits the file system's journal, which in
 * ext4's ordered mode also writes out the workers' new runs: 200 syncs a
 * second slowed a 10,000-map job by a third, 20 a second did not.
 */
#define JLOG_COMMIT_MS 50

/* Start a journal at `path` (which must not exist) for a new job.  0 or -1. */
int jlog_create(struct jlog *l, const char *path, const struct jlog_spec *spec);

/*
 * Carry on the job journaled at `path` (see above) in `job`, freshly
 * job_init'ed with splits set and nothing handed out.  0, -1, or -2.
 */
int jlog_recover(struct jlog *l, const char *path, const struct jlog_spec *spec,
		 struct job *job);

/*
 * Buffer the DONE record of task `index`, just finished by `attempt` (its
 * output published, its counters kept in the job): the sizes of its files
 * are taken now.  Nothing when there is no journal or it has failed.
 */
void jlog_done(struct jlog *l, const struct job *job, uint32_t index, uint64_t attempt);

/* Buffer a RERUN: finished map `map` runs again (`why`: enum lost_reason). */
void jlog_rerun(struct jlog *l, int map, int why);

/*
 * Make every buffered record durable (waiting for a batch in flight
 * first).  0 (also without a journal) or -1.
 */
int jlog_commit(struct jlog *l);

/*
 * Start a background batch of every buffered record when none is in
 * flight and the window allows it (`now`: now_ms()).  0, or -1 when the
 * journal has failed (reported once).
 */
int jlog_kick(struct jlog *l, int64_t now);

/* The fd that polls readable when the batch in flight ends; -1 when none is. */
int jlog_poll_fd(const struct jlog *l);

/* poll()'s timeout, at most `timeout`, so that a waiting batch starts in time. */
int jlog_timeout(const struct jlog *l, int64_t now, int timeout);

/*
 * Take the outcome of the batch in flight if it has ended (never blocks):
 * 0 (durable, or still in flight, or none), -1 its write or sync failed
 * (reported; the journal has failed for good).
 */
int jlog_reap(struct jlog *l);

/*
 * The generation that will make the records buffered now durable, or 0
 * when none are buffered (or there is no journal).
 */
uint64_t jlog_durable_at(const struct jlog *l);

/* The generation of the last batch made durable (0 before the first). */
uint64_t jlog_synced(const struct jlog *l);

/*
 * The job ended; `done`: it finished and its report is written.  Removes
 * the journal (and syncs the directory), or with `keep` appends END;
 * otherwise just closes it, kept.  0, or -1 when it could not (reported).
 */
int jlog_finish(struct jlog *l, int done, int keep);

#endif
