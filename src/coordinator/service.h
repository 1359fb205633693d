/*
 * service.h - the RPC procedures of proto/mr.x, served from the coordinator
 * loop.
 *
 * rpcgen's dispatcher calls mr_ask_1_svc(), mr_report_1_svc(),
 * mr_status_1_svc(), mr_heartbeat_1_svc() and mr_holds_1_svc() (the last
 * two answer only: fetch services are TCP peers), which translate between
 * the XDR types and the task table (tasks.h).  They reach the job through
 * the pointer given to service_init(): the coordinator serves exactly one
 * job, from one thread.  A REPORT is answered at once; one that journaled
 * something says which journal generation will make it durable, and every
 * ASK and REPORT reply says which generation is durable so far (jlog.h).
 *
 * An ASK reply borrows the input name and the skip list from the task
 * table, a STATUS reply the counter names; the STATUS reply's two arrays
 * (running attempts, counter totals) and a reduce assignment's two
 * location arrays are malloc'd, and mr_prog_1_freeresult() frees those
 * and nothing else.
 */
#ifndef MR_SERVICE_H
#define MR_SERVICE_H

#include "coordinator/jlog.h"
#include "coordinator/tasks.h"

#include <stddef.h>
#include <stdint.h>

/*
 * Serve `job` (borrowed until service_init(NULL, NULL, 0)), recording in
 * `jlog` (borrowed; NULL: no journal) every task that finishes and every
 * map that runs again.  With `cleanup`, a worker whose reduce is accepted
 * is told to remove that reduce's inputs.  Without a job, every ASK is
 * told EXIT and every report is ignored.
 */
void service_init(struct job *job, struct jlog *jlog, int cleanup);

/*
 * The journal's group commit, never blocking: take the outcome of a
 * background batch that has ended (jlog_reap) and start the next when it
 * is due (jlog_kick).  The loop calls it at the end of every pass (and the
 * TCP side between its read and write phases).  0, or -1 when the journal
 * cannot be written: the job is then stopped (FAILED, one message).
 */
int service_commit(void);

/* The fd the loop polls for the end of a journal batch in flight, or -1. */
int service_sync_fd(void);

/* poll()'s timeout, at most `timeout`, so a waiting journal batch starts in time. */
int service_timeout(int64_t now, int timeout);

/*
 * Create the RPC transport on the listening socket `fd` and register the
 * program without rpcbind.  Connections are non-blocking with records of at
 * most `max_record` bytes, so a slow or hostile peer cannot stall the loop.
 * Returns 0, or -1 after printing why.
 */
int service_register(int fd, unsigned max_record);

/*
 * The same procedures for a TCP peer (coordinator/netserve.h's call
 * callback): decode call `proc`'s arguments from body[0 .. blen), serve
 * them for connection `conn` (a TCP worker's id in the task table), and
 * encode the reply (net/rpcmsg.h) into a malloc'd *out with `room` bytes
 * in front.  Returns 1 for a HEARTBEAT or HOLDS (the caller is a fetch service:
 * it holds map output, and is lost when it falls silent or its connection
 * closes), 0 for the other calls, or -1 when the call is not one of ours
 * or does not decode.
 */
int service_call(uint64_t conn, uint32_t proc, const unsigned char *body, size_t blen,
		 size_t room, unsigned char **out, size_t *len);

/*
 * TCP fetch service `conn` is gone: the tasks its host was running, and the
 * map output it held, run again.
 */
void service_lost(uint64_t conn);

#endif
