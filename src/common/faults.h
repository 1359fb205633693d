/*
 * faults.h - deterministic fault injection: named fault points compiled
 * into every binary, armed by MR_FAULTS in the environment (for tests; the
 * idea of SQLite's I/O-error tests and FoundationDB's "buggify").
 *
 * MR_FAULTS is a comma-separated list of entries:
 *
 *   POINT[:TARGET]:ACTION@N     fire on the Nth matching call only
 *   POINT[:TARGET]:ACTION@N+    fire on the Nth and every later one
 *   crash:NAME[:ACTION]@N[+]    a crash point; ACTION defaults to exit
 *
 * e.g. MR_FAULTS="write:mr-out-*:enospc@1,fsync:mr-journal:eio@3,
 *                 rpc:report:drop@2,crash:after-publish@1"
 *
 * POINT     what is hit:
 *   write, fsync, rename, open   file points; TARGET is an fnmatch(3) glob
 *                                on the base name of the file (the target
 *                                being published, "mr-out-0", not its hidden
 *                                temp name); no TARGET: any file
 *   rpc                          a call to the coordinator; TARGET is the
 *                                procedure (ask, report, heartbeat, status;
 *                                a glob); no TARGET: any
 *   crash                        a crash point; NAME (a glob) must match
 *                                one of FAULT_CRASH_POINTS below
 * ACTION    what happens when the entry fires:
 *   enospc, eio, edquot, ...     (file points) the system call fails with
 *                                that errno, in lower case (the table is in
 *                                faults.c); the caller's own error path runs
 *   drop                         (rpc) the call is never sent: it fails at
 *                                once, as if the connection had broken (not
 *                                as a timeout); the coordinator hears nothing
 *   lose                         (rpc) the call is made, the coordinator
 *                                acts on it, and its reply is thrown away:
 *                                the call fails as with drop
 *   delay=MS                     (any point) sleep MS milliseconds (at most
 *                                600000), then go on as if nothing happened
 *   exit                         (any point) _exit(FAULT_EXIT_STATUS)
 *   abort                        (any point) abort(): SIGABRT, maybe a core
 * N         1 or more.  Each entry counts the calls it matches (its point
 *           and target) on its own, from program start.
 *
 * Every call that matches an entry counts for it; when several entries
 * fire on one call, the first in MR_FAULTS order takes effect.  Each firing
 * prints one warning line, so a test can prove that the fault happened:
 *   "fault injected: write mr-out-0: No space left on device
 *    (MR_FAULTS entry 1: write:mr-out-*:enospc@1)"
 * (hidden by -q, as every warning).
 *
 * Counts are shared with the processes forked after faults_init (a worker's
 * watched map child and its fetch service): "@1" fires once per worker, not
 * once per child.  A process that execs starts counting afresh.  Counting is
 * atomic, so points hit from several threads (the fetch threads) are safe.
 *
 * Process-wide state, as log.c's: the points sit in leaf functions (afile's
 * write(2), the journal's fdatasync, the RPC call) that have no context a
 * table could be passed through.  Unarmed, a point costs one test of
 * faults_armed.
 */
#ifndef MR_FAULTS_H
#define MR_FAULTS_H

#include <errno.h>
#include <stdint.h>

/* The exit status of a crash point's (or any point's) "exit" action. */
#define FAULT_EXIT_STATUS 86

/*
 * The crash points that exist (fault_crash call sites), for checking
 * MR_FAULTS: a NULL-terminated list of names, kept in faults.c.
 *   before-publish  a task's output is complete, nothing of it published yet
 *                   (runner.c; a map in a watched child ends only the child)
 *   after-publish   a task's output is published and not yet reported
 *                   (worker.c)
 * A new crash point is one line where it is, fault_crash("its-name"), and
 * its name added to the list (so that MR_FAULTS can name it).
 */
extern const char *const fault_crash_points[];

/* Nonzero while at least one MR_FAULTS entry is armed.  Read-only outside faults.c. */
extern int faults_armed;

/*
 * Arm what MR_FAULTS says, once, at the start of main() (after log_init).
 * A malformed MR_FAULTS is a usage error: one message naming the bad entry
 * and why ("bad MR_FAULTS entry 2 'rpc:reprot:drop@1': no procedure
 * 'reprot' (...); not starting mrworker"), then exit(2).  Unset or empty:
 * nothing armed.
 */
void faults_init(const char *progname);

/*
 * Replace the armed entries with those of `spec` (NULL or "": none), all
 * counts from zero.  0, or -1 after printing why (nothing armed then).
 * For faults_init and the unit tests.
 */
int faults_parse(const char *spec);

/* Disarm every entry and free the table. */
void faults_reset(void);

/* Calls entry `i` (1-based, MR_FAULTS order) has matched so far; 0 if none. */
uint64_t faults_calls(int i);

/* What an rpc point tells the call to do. */
enum fault_rpc {
	FAULT_RPC_GO,    /* make the call (after a delay, maybe) */
	FAULT_RPC_DROP,  /* do not send it; fail the call */
	FAULT_RPC_LOSE,  /* make it, then throw the reply away and fail */
};

/* The slow paths of the inline checks below: only while armed. */
int faults_file_slow(const char *point, const char *path);
enum fault_rpc faults_rpc_slow(const char *proc);
void faults_crash_slow(const char *name);

/*
 * File point `point` ("write", "fsync", "rename", "open") on the file at
 * `path` (borrowed; matched by its base name): 0 to go on with the system
 * call, or 1 with errno set to fail as if the call had returned -1.  Use it
 * in front of the call:   if (fault_fail("fsync", path) || fsync(fd) < 0)
 */
static inline int fault_fail(const char *point, const char *path)
{
	int e;

	if (!faults_armed)
		return 0;
	e = faults_file_slow(point, path);
	if (!e)
		return 0;
	errno = e;
	return 1;
}

/*
 * The same as an errno: 0 to go on, or the positive errno to fail with
 * (errno itself untouched).
 */
static inline int fault_errno(const char *point, const char *path)
{
	if (!faults_armed)
		return 0;
	return faults_file_slow(point, path);
}

/* The rpc point of a call to procedure `proc` ("ask", "report", ...). */
static inline enum fault_rpc fault_rpc(const char *proc)
{
	if (!faults_armed)
		return FAULT_RPC_GO;
	return faults_rpc_slow(proc);
}

/*
 * Crash point `name` (listed in fault_crash_points): returns unless an
 * entry fires with exit or abort.
 */
static inline void fault_crash(const char *name)
{
	if (faults_armed)
		faults_crash_slow(name);
}

#endif
