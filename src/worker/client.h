/*
 * client.h - the worker's side of the RPC connection to the coordinator.
 *
 * One connection per worker process, kept open for its whole life.  A
 * failed call means the coordinator is gone (exited, killed, or hung past
 * the call timeout); the worker's rule is then to exit.
 */
#ifndef MR_CLIENT_H
#define MR_CLIENT_H

#include "mr.h"
#include "net/transport.h"

#include <stdint.h>

struct client {
	struct transport t;
};

/*
 * Connect to the coordinator at `path`, retrying for up to `retry_ms` while
 * nobody listens there yet.  0, or -1 after printing why.
 */
int client_connect(struct client *c, const char *path, int64_t retry_ms);

/* Ask for a task.  0 and fills *reply (free with xdr_free), or -1 (gone). */
int client_ask(struct client *c, mr_ask_reply *reply);

/*
 * Report an attempt's outcome.  0, or -1 (gone).  *remove_inputs is set
 * when the coordinator accepted a reduce and its inputs may be deleted.
 */
int client_report(struct client *c, mr_report_args *args, int *remove_inputs);

void client_close(struct client *c);

#endif
