/*
 * serve.h - a worker's fetch service (TCP jobs): it serves the map output
 * in the worker's local directory to the reduces of other workers.
 *
 * It listens on a port of its own (any free one) on the address the
 * worker talks to the coordinator from, and reports "ADVERTISE:PORT" for
 * the coordinator to hand out with reduce tasks.  Each connection is
 * authenticated (net/channel.h, the job's secret) and then asks for runs
 * one at a time (net/fetchmsg.h); a run is streamed from the file in
 * FETCH_CHUNK frames.
 *
 * Threads, not a process: a worker busy in a long map (the plugin holds
 * the main thread) must still answer fetches at once, so the service runs
 * in a thread of its own that accepts, and one thread per connection (at
 * most SERVE_MAX_CONNS at a time; more are closed at once), each bounded
 * by deadlines: a peer that does not finish the handshake within a second
 * is dropped with one log line and counted, an idle connection after
 * SERVE_IDLE_MS.  A thread rather than a process because the worker's
 * output should be reachable exactly as long as the worker lives: when it
 * dies, the coordinator sees its connection close, and that is the
 * moment its map output counts as lost.
 *
 * The threads only log with warning()/verbose() (never error(), whose
 * last-error text belongs to the worker's task), read files, and touch
 * nothing of the worker's but the directory name and the secret, both
 * fixed while the service runs.
 */
#ifndef MR_SERVE_H
#define MR_SERVE_H

#include "net/secret.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#define SERVE_MAX_CONNS 64
#define SERVE_HANDSHAKE_MS 1000
#define SERVE_IDLE_MS 60000

struct serve {
	int lfd;
	int stop[2];                 /* a pipe: the accept thread ends when it reads */
	char addr[300];              /* "ADVERTISE:PORT" */
	const char *dir;             /* borrowed: where the runs are */
	const struct secret *secret; /* borrowed */
	pthread_t thread;
	int running;
	pthread_mutex_t lock;        /* guards fds[] and nconns */
	pthread_cond_t idle;         /* signalled when nconns drops to 0 */
	int fds[SERVE_MAX_CONNS];    /* connections being served, -1 = free */
	int nconns;
	atomic_ulong auth_failures;
	atomic_ulong runs_served;
};

/*
 * Listen on `host` (any port) and start serving the runs in `dir`; the
 * address to advertise is `advertise` (a host name or address) with the
 * port chosen.  0, or -1 after printing why.  `dir` and `k` are borrowed
 * until serve_stop().
 */
int serve_start(struct serve *sv, const char *host, const char *advertise, const char *dir,
		const struct secret *k);

/*
 * Stop accepting, cut every connection being served (shutdown) and wait
 * for their threads to end.  Safe on a zeroed struct.
 */
void serve_stop(struct serve *sv);

#endif
