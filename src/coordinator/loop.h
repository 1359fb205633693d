/*
 * loop.h - the coordinator's event loop.
 *
 * One thread, one poll() per pass over: every RPC socket libtirpc knows
 * (copied from svc_pollfd on each pass, since connections come and go), and
 * a signalfd for SIGINT/SIGTERM/SIGHUP.  The poll timeout is the time to the
 * job's earliest task deadline, so the loop never sleeps and never spins.
 */
#ifndef MR_LOOP_H
#define MR_LOOP_H

#include "coordinator/tasks.h"

/*
 * Block the stop signals and return a signalfd for them (close-on-exec), or
 * -1 after printing why.  Call before anything that could be interrupted.
 */
int loop_signals_open(void);

/*
 * Serve `job` until it is DONE or FAILED (returns 0) or a stop signal
 * arrives (returns the signal number).  Returns -1 after printing why when
 * poll() itself fails.  With `progress`, redraw a one-line progress report
 * on stderr (a terminal) every second: tasks done per phase, input rate, ETA.
 */
int loop_run(struct job *job, int sigfd, int progress);

#endif
