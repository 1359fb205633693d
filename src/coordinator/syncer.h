/*
 * syncer.h - one background thread that writes a buffer into a file and
 * fdatasyncs it, so that the coordinator's loop goes on serving workers
 * while the journal's group commit reaches the disk.
 *
 * One job at a time: syncer_start hands over (fd, buffer, offset); the
 * thread pwrites the whole buffer at the offset, fdatasyncs, and makes the
 * eventfd syncer_fd() readable; syncer_reap (from the owner's thread) then
 * says how it went.  The buffer is borrowed until the job is reaped.
 *
 * The thread only runs pwrite, fdatasync and the MR_FAULTS points "write"
 * and "fsync" on the path given (common/faults.h: their counts are
 * atomic); it prints nothing but what an armed fault says.  Errors are
 * returned to the owner, who reports them.  Everything else - the owner's
 * state, logging, the journal's buffers - stays on the owner's thread.
 */
#ifndef MR_SYNCER_H
#define MR_SYNCER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct syncer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int efd;                 /* eventfd: readable when a job has ended */
	int running;             /* the thread exists */
	int quit;                /* asks the thread to end (under mu) */
	/* the job (under mu) */
	int have_job;            /* handed over, not yet taken by the thread */
	int busy;                /* handed over and not yet reaped (owner only) */
	int fd;
	const char *path;        /* borrowed, for the fault points */
	const void *buf;
	size_t len;
	uint64_t off;
	uint64_t zero_to;        /* first write zeros over [off + len, zero_to) */
	int done;                /* the thread has finished the job */
	int err;                 /* its errno, 0 when it went well */
	const char *op;          /* "write" or "sync": what failed */
};

/* No thread yet (it starts with the first job).  0, or -1 (reported). */
int syncer_init(struct syncer *s);

/* Wait for a job in flight, end the thread, close the eventfd. */
void syncer_release(struct syncer *s);

/*
 * Hand over a job: pwrite `len` bytes of `buf` (borrowed until reaped) at
 * `off` in `fd`, then fdatasync.  When zero_to > off + len the file is
 * first filled with zeros up to zero_to (room made ahead: see journal.c).  Only when not busy.  0, or -1 when the
 * thread cannot be started (reported).
 */
int syncer_start(struct syncer *s, int fd, const char *path, const void *buf, size_t len,
		 uint64_t off, uint64_t zero_to);

/* The eventfd to poll for the end of a job (-1 when init failed). */
int syncer_fd(const struct syncer *s);

/*
 * The job's outcome: 1 still running (only with wait 0), 0 done and
 * durable (also when there was no job), -1 failed: *op says which call
 * ("write" or "sync") and errno is set.  `wait` blocks until it ends.
 */
int syncer_reap(struct syncer *s, int wait, const char **op);

#endif
