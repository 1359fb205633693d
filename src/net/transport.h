/*
 * transport.h - an RPC client connection to the coordinator, for every
 * program that calls it (mrworker, mrctl).
 *
 * Today a connection is a Unix stream socket (net/usock.h) carrying Sun
 * RPC records (clnt_vc_create, no rpcbind).  Setting one up, and the
 * rules for calls on it (one timeout for every call, the descriptor
 * closed with the client), live here only, so that another transport is
 * added in one place.
 *
 * A Unix socket in a shared directory may have been made by anyone, so
 * the peer must run as our own effective user (SO_PEERCRED); another
 * user's coordinator is refused with a message naming both uids.
 */
#ifndef MR_TRANSPORT_H
#define MR_TRANSPORT_H

#include <rpc/rpc.h>
#include <stdint.h>

struct transport {
	CLIENT *clnt;        /* for the generated stubs (mr_ask_1, ...) */
	char *where;         /* malloc'd: the address, for messages */
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

/* Close the connection and its descriptor.  Safe on a zeroed struct. */
void transport_close(struct transport *t);

#endif
