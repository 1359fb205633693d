/*
 * client.h - the worker's side of the RPC connection to the coordinator.
 *
 * One connection per worker process, kept open for its whole life: a Unix
 * socket, or TCP with the job's secret (net/transport.h).  A failed call
 * means the coordinator is gone (exited, killed, or hung past the call
 * timeout); the worker's rule is then to exit, or with --reconnect to
 * connect again (client_redial) for a while.  On TCP jobs the worker's
 * fetch service (worker/serve.h) beats for the host; this connection only
 * asks and reports, and may be silent while a task runs.
 */
#ifndef MR_CLIENT_H
#define MR_CLIENT_H

#include "mr.h"
#include "net/secret.h"
#include "net/transport.h"

#include <stdint.h>

struct client {
	struct transport t;
	const char *fetch_addr;  /* TCP: our fetch service, sent with every ASK ("" else) */
};

/*
 * Connect to the coordinator at `path`, retrying for up to `retry_ms` while
 * nobody listens there yet.  0, or -1 after printing why.
 */
int client_connect(struct client *c, const char *path, int64_t retry_ms);

/*
 * The same over TCP to "HOST:PORT" with secret `k` (borrowed), telling
 * the coordinator with every ASK that our map output is served at
 * `fetch_addr` (borrowed).  0, or -1 after printing why ("authentication
 * failed" when the secrets differ).
 */
int client_connect_tcp(struct client *c, const char *addr, const struct secret *k,
		       const char *fetch_addr, int64_t retry_ms);

/* Ask for a task.  0 and fills *reply (free with xdr_free), or -1 (gone). */
int client_ask(struct client *c, mr_ask_reply *reply);

/* What the coordinator answered to a report (proto/mr.x, mr_report_reply). */
struct report_ack {
	int accepted;
	int remove_inputs;       /* an accepted reduce: its inputs may be deleted */
	uint64_t durable_at;     /* journal generation that makes it durable; 0: it is */
	uint64_t synced;         /* the generation durable so far */
};

/* Report an attempt's outcome.  0 and fills *ack, or -1 (gone). */
int client_report(struct client *c, mr_report_args *args, struct report_ack *ack);

/*
 * After a failed call: one try, bounded by `try_ms`, to connect again to
 * where c was connected (same socket or address, same secret); pace the
 * tries with net/redial.h.  Prints nothing.  0 connected; -1 nobody
 * answers (yet), reason in c->t.err; -2 the peer there must not be used
 * (another user's coordinator, a failed authentication), reason in
 * c->t.err.  Calls fail until a try succeeds.
 */
int client_redial(struct client *c, int try_ms);

/* Close the connection.  Safe on a zeroed struct. */
void client_close(struct client *c);

#endif
