/*
 * loop.h - the coordinator's event loop.
 *
 * One thread, one poll() per pass over: every RPC socket libtirpc knows
 * (copied from svc_pollfd on each pass, since connections come and go), a
 * signalfd for SIGINT/SIGTERM/SIGHUP, and the TCP listener and connections
 * of --listen (coordinator/netserve.h), which the loop hands their events.  The poll timeout is the time to the
 * job's earliest task deadline, so the loop never sleeps and never spins.
 *
 * Each pass ends with service_commit() (service.h): the journal's batch
 * that ended is taken, the next one started when due.  The poll() also
 * waits for the end of a batch in flight (the journal's sync thread) and
 * times out when a waiting batch is due.
 *
 * A peer that sends requests but does not read its replies is not served
 * until it has room again, and its connection is shut down after 3 s.
 *
 * Lifecycle: loop_init, loop_run, loop_release.  Single-threaded.
 */
#ifndef MR_LOOP_H
#define MR_LOOP_H

#include "coordinator/netserve.h"
#include "coordinator/tasks.h"

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

struct loop {
	struct job *job;          /* borrowed: the job served */
	struct netserve *net;     /* borrowed: the TCP side, or NULL */
	int sigfd;                /* borrowed: from loop_signals_open() */
	int progress;             /* redraw a progress line on stderr */
	int64_t start_ms;         /* when loop_run started, for the progress line */
	int64_t next_draw_ms;     /* when the progress line is due again */
	struct pollfd *pfds;      /* this pass: svc_pollfd's entries, sigfd, the
				     TCP side's, the journal's (owned) */
	size_t pfds_cap;
	int64_t *stuck_since;     /* per fd: 0, or when it was first seen not
				     reading its replies (owned) */
	size_t stuck_cap;
};

/*
 * Block the stop signals and return a signalfd for them (close-on-exec), or
 * -1 after printing why.  Call before anything that could be interrupted.
 */
int loop_signals_open(void);

/*
 * Set up a loop serving `job` (and its TCP side `net`, or NULL) and
 * watching `sigfd` (all borrowed until loop_release).  With `progress`, loop_run redraws a one-line progress
 * report on stderr (a terminal) every second: tasks done per phase, input
 * rate, ETA.  Allocates nothing yet.
 */
void loop_init(struct loop *l, struct job *job, struct netserve *net, int sigfd,
	       int progress);

/*
 * Serve the job until it is DONE or FAILED (returns 0) or a stop signal
 * arrives (returns the signal number).  Returns -1 after printing why when
 * poll() itself fails.
 */
int loop_run(struct loop *l);

/* Free what loop_run kept from pass to pass; the borrowed job and fd stay. */
void loop_release(struct loop *l);

#endif
