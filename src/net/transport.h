/*
 * transport.h - an RPC client connection to the coordinator, for every
 * program that calls it (mrworker, mrctl).
 *
 * Two kinds, one way to call:
 *   - a Unix stream socket (net/usock.h) carrying Sun RPC records
 *     (clnt_vc_create, no rpcbind).  A socket in a shared directory may
 *     have been made by anyone, so the peer must run as our own effective
 *     user (SO_PEERCRED); another user's coordinator is refused with a
 *     message naming both uids.
 *   - TCP (net/channel.h): mutual authentication with the job's secret,
 *     then each call and reply in a MAC'd frame (net/rpcmsg.h).
 * Setting either up, and the rules for calls on it (one timeout for every
 * call, the descriptor closed with the connection), live here only.
 *
 * Every call is fault point "rpc" (common/faults.h) with the procedure's
 * name as target (ask, report, status, heartbeat): "drop" fails it before
 * anything is sent, "lose" after the reply came (the coordinator acted on
 * it), both at once with t->err "call dropped (MR_FAULTS)" or "reply lost
 * (MR_FAULTS)", as a broken connection would; "delay=MS" holds it back.
 *
 * One thread per connection: nothing here locks.  After a failed call the
 * connection is unusable (the coordinator is taken to be gone) until
 * transport_reopen() reaches the same address again (paced by
 * net/redial.h), for callers that wait for a coordinator to come back.
 */
#ifndef MR_TRANSPORT_H
#define MR_TRANSPORT_H

#include "net/channel.h"
#include "net/secret.h"

#include <rpc/rpc.h>
#include <stdint.h>

struct transport {
	CLIENT *clnt;        /* Unix socket: for clnt_call (NULL: not connected) */
	struct channel ch;   /* TCP, when tcp is set (ch.fd -1: not connected) */
	int tcp;
	const struct secret *k; /* TCP: borrowed for the transport's life */
	int call_timeout_ms;
	char *where;         /* malloc'd: the address, for messages */
	char err[300];       /* why the last call (or reopen) failed */
};

/*
 * Connect to the coordinator at the socket `path`, retrying for up to
 * `retry_ms` (0: one try) while nobody listens there yet.  Every call on
 * the connection then gives up after `call_timeout_sec`.  0, or -1 after
 * printing why (the path and the errno or RPC error, or the peer's uid);
 * *t then needs no close.
 */
int transport_open(struct transport *t, const char *path, int64_t retry_ms,
		   int call_timeout_sec);

/*
 * The same over TCP to "HOST:PORT", authenticating with `k` (borrowed
 * for the connection's life).  A coordinator that does not know the
 * secret (or a secret it does not accept) fails at once with a message
 * saying authentication failed; a refused connection is retried.
 */
int transport_open_tcp(struct transport *t, const char *addr, const struct secret *k,
		       int64_t retry_ms, int call_timeout_sec);

/*
 * Call procedure `proc` of proto/mr.x: arguments `args` encoded with
 * `xargs`, the result decoded into `res` (zeroed first; free it with
 * xdr_free(xres, res) after a success).  0, or -1 with the reason in
 * t->err (nothing printed: the caller decides what a failure means).
 */
int transport_call(struct transport *t, uint32_t proc, xdrproc_t xargs, void *args,
		   xdrproc_t xres, void *res, size_t ressize);

/*
 * Connect again to where `t` was opened (the coordinator went away; a new
 * one may be there now), with the same secret and call timeout: closes
 * the old connection, then makes one try, bounded by `try_ms` (TCP; a
 * Unix socket answers at once).  Prints nothing.  0: connected; -1:
 * nobody answers there (yet), reason in t->err, try again later; -2: the
 * peer there must not be used (another user's coordinator, a failed
 * authentication), reason in t->err, do not try again.  After -1 or -2,
 * calls fail until a reopen succeeds; transport_close() is still needed.
 */
int transport_reopen(struct transport *t, int try_ms);

/* Close the connection and its descriptor.  Safe on a zeroed struct. */
void transport_close(struct transport *t);

#endif
