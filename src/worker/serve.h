/*
 * serve.h - a worker's fetch service (TCP jobs): a process of its own that
 * serves the map output in the worker's local directory to the reduces of
 * other workers, and tells the coordinator it is alive.
 *
 * It connects to the coordinator (TCP, the job's secret), listens on a
 * port of its own (any free one) on the address its host has towards the
 * coordinator, and calls HEARTBEAT("ADVERTISE:PORT") every
 * SERVE_HEARTBEAT_MS: the coordinator takes the map output of this worker
 * to live at that address for as long as the beats come.  Each fetch
 * connection is authenticated (net/channel.h) and then asks for runs one
 * at a time (net/fetchmsg.h); a run is streamed from the file in
 * FETCH_CHUNK frames.
 *
 * A process, not a thread of the worker: the map output must outlive a
 * crash of the worker's plugin, as Hadoop's shuffle service outlives its
 * task processes.  A plugin that kills the worker loses its running task
 * (re-issued by the task timeout), not every map the worker finished; a
 * host that dies, freezes or is cut off stops beating and loses both.  It
 * also answers fetches at once while the worker is busy in a long map.
 * Inside, one thread accepts and one thread serves each connection (at
 * most SERVE_MAX_CONNS at a time; more are closed at once), each bounded
 * by deadlines: a peer that has not finished the handshake within
 * SERVE_HANDSHAKE_MS is dropped with one log line, an idle one after
 * SERVE_IDLE_MS.
 *
 * The service ends when the coordinator is gone (a beat fails: the job is
 * over) or at serve_stop(); either way it removes what the worker wrote
 * in the local directory (all of it when the worker made the directory).
 * With a reconnect window (mrworker --reconnect SEC), a failed beat
 * starts SEC seconds of trying to reach the coordinator again
 * (net/redial.h) while the runs are still served; once a coordinator
 * answers, a beat registers the service with it again and the beats go
 * on.  Only when none answers within the window does the service end as
 * above.  Each (re)connection logs one line.
 */
#ifndef MR_SERVE_H
#define MR_SERVE_H

#include "net/secret.h"

#include <sys/types.h>
#include <stdatomic.h>
#include <stdint.h>

#define SERVE_MAX_CONNS 64
#define SERVE_HANDSHAKE_MS 900
#define SERVE_IDLE_MS 60000
#define SERVE_HEARTBEAT_MS 250

/* The worker's handle on its fetch service process. */
struct serve {
	pid_t pid;                   /* the service process, or 0 */
	char addr[300];              /* "ADVERTISE:PORT", as it beats */
	/*
	 * Shared with the service (an anonymous shared mapping, unmapped by
	 * serve_stop): the now_ms() time at which the last beat a
	 * coordinator answered was sent.
	 */
	_Atomic int64_t *heard_ms;
};

/*
 * Start the fetch service process for the runs in `dir` (removed whole at
 * the end when `made_dir`), reaching the coordinator at `coordinator`
 * with secret `k`, advertised as `advertise` (NULL: this host's address
 * towards the coordinator), trying to reach a coordinator that went away
 * for `reconnect_ms` (0: end at once, the lab's rule).  Returns once the
 * coordinator has its first beat: 0 with sv->addr, or -1 after printing
 * why.
 */
int serve_start(struct serve *sv, const char *coordinator, const struct secret *k,
		const char *advertise, const char *dir, int made_dir, int64_t reconnect_ms);

/*
 * Has a coordinator answered a beat sent at or after `since_ms` (now_ms()
 * time)?  A worker that has just reconnected waits for this: its service
 * is then registered with the coordinator it reached.  1 or 0.
 */
int serve_heard_since(const struct serve *sv, int64_t since_ms);

/*
 * Is the service process still running?  1, or 0 when it has ended (it
 * is then reaped and sv->pid is 0).
 */
int serve_running(struct serve *sv);

/*
 * Stop the service (SIGTERM) and wait for it; unmap heard_ms.  Safe on a
 * zeroed struct.
 */
void serve_stop(struct serve *sv);

/*
 * Remove what a worker writes in `dir` (mr-* runs, fetch-* directories,
 * temp files), or everything and then `dir` itself when `whole`.
 */
void serve_clear_dir(const char *dir, int whole);

#endif
