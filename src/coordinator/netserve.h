/*
 * netserve.h - the coordinator's TCP side (--listen): accepting workers
 * and mrctl over TCP, authenticating them (net/auth.h: the job's secret),
 * and serving the procedures of proto/mr.x carried in MAC'd frames
 * (net/rpcmsg.h).  Unix-socket peers stay with libtirpc (service.h).
 *
 * Non-blocking, driven by the coordinator's poll loop: every connection
 * is a small state machine (HELLO -> PROOF -> READY) with its own input
 * and output buffers, so a slow or hostile peer never stalls another.
 *   - A peer that has not authenticated within NETSERVE_HANDSHAKE_MS, or
 *     sends anything that is not ours (a bad HELLO, a wrong PROOF, a frame
 *     whose MAC fails, a frame above NETSERVE_MAX_CALL bytes), is dropped
 *     with one log line naming its address, and counted (auth_failures
 *     for the first three).
 *   - A peer that does not read its replies for NETSERVE_UNWRITABLE_MS is
 *     dropped.
 *   - A heartbeating peer (a worker's fetch service, which holds map
 *     output) that sends nothing for `silent_ms` is dropped as lost; so
 *     is one whose connection closes.  Either way ops->lost() is called
 *     once with its connection id.  A worker's task connection may be
 *     silent for as long as its task runs (the task timeout covers that).
 *
 * Calls are handed to ops->call() with the connection's id, which stays
 * the same for the connection's life and is never reused: the
 * coordinator's name for a TCP worker.
 */
#ifndef MR_NETSERVE_H
#define MR_NETSERVE_H

#include "net/auth.h"
#include "net/secret.h"

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

/* Under a second, so that the drop (at the loop pass after it) is within one. */
#define NETSERVE_HANDSHAKE_MS 900
#define NETSERVE_UNWRITABLE_MS 3000
#define NETSERVE_MAX_CALL (64u << 10)

struct netserve_ops {
	/*
	 * Serve call `proc` with XDR arguments body[0 .. blen) from
	 * connection `conn`: set *reply to a malloc'd buffer with `room`
	 * bytes free in front and the reply payload (rpcmsg.h) after them,
	 * *rlen its length from buf + room.  0 when served, 1 when served
	 * and the caller must keep talking (a worker's fetch service: the
	 * silence and loss rules apply to it from then on), or -1 to drop
	 * the peer.
	 */
	int (*call)(void *arg, uint64_t conn, uint32_t proc, const unsigned char *body,
		    size_t blen, size_t room, unsigned char **reply, size_t *rlen);
	/* Worker connection `conn` is gone (closed, or silent too long). */
	void (*lost)(void *arg, uint64_t conn);
	/*
	 * Called once per netserve_handle(), after every call of the pass
	 * was served and before any reply is written (the coordinator starts
	 * its journal's group commit there: service_commit).  0, or -1:
	 * this pass's replies are not sent.  May be NULL.
	 */
	int (*commit)(void *arg);
};

struct nconn;

struct netserve {
	const struct secret *secret;   /* borrowed */
	const struct netserve_ops *ops;
	void *arg;
	int lfd;
	char addr[300];                /* what we listen on, port resolved */
	int64_t silent_ms;
	struct nconn **conns;
	size_t nconns, cap;
	uint64_t next_id;
	uint64_t auth_failures;        /* peers dropped for failing authentication */
};

/*
 * Listen on `addr` ("HOST:PORT").  0, or -1 after printing why (naming
 * the address).  `k` and `ops` are borrowed until netserve_close().
 */
int netserve_open(struct netserve *ns, const char *addr, const struct secret *k,
		  int64_t silent_ms, const struct netserve_ops *ops, void *arg);
void netserve_close(struct netserve *ns);

/* How many pollfd entries netserve_fill() needs now. */
size_t netserve_npoll(const struct netserve *ns);
/* Fill pfds[0 .. netserve_npoll()) for this pass. */
void netserve_fill(struct netserve *ns, struct pollfd *pfds);
/*
 * Act on what poll() said of pfds[0 .. n) (as filled this pass) at time
 * now: read and serve every connection's calls, ops->commit, then write
 * the replies, drop, accept.
 */
void netserve_handle(struct netserve *ns, const struct pollfd *pfds, size_t n, int64_t now);
/* Milliseconds until the next connection deadline, clamped to [0, max_ms]. */
int netserve_timeout(const struct netserve *ns, int64_t now, int max_ms);

#endif
