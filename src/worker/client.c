/* client.c - see client.h. */
#include "worker/client.h"

#include "common/log.h"

#include <string.h>
#include <unistd.h>

/* How long one call may wait for the coordinator before we call it gone. */
#define CALL_TIMEOUT_SEC 20

int client_connect(struct client *c, const char *path, int64_t retry_ms)
{
	memset(c, 0, sizeof(*c));
	c->fetch_addr = "";
	return transport_open(&c->t, path, retry_ms, CALL_TIMEOUT_SEC);
}

int client_connect_tcp(struct client *c, const char *addr, const struct secret *k,
		       const char *fetch_addr, int64_t retry_ms)
{
	memset(c, 0, sizeof(*c));
	c->fetch_addr = fetch_addr;
	return transport_open_tcp(&c->t, addr, k, retry_ms, CALL_TIMEOUT_SEC);
}

static int call_failed(struct client *c, const char *what)
{
	verbose("%s to the coordinator at %s failed: %s", what, c->t.where, c->t.err);
	return -1;
}

int client_ask(struct client *c, mr_ask_reply *reply)
{
	mr_ask_args args = { .worker_pid = (int)getpid(), .fetch_addr = (char *)c->fetch_addr };

	if (transport_call(&c->t, MR_ASK, (xdrproc_t)xdr_mr_ask_args, &args,
			   (xdrproc_t)xdr_mr_ask_reply, reply, sizeof(*reply)) < 0)
		return call_failed(c, "asking for a task");
	return 0;
}

int client_report(struct client *c, mr_report_args *args, struct report_ack *ack)
{
	mr_report_reply reply;

	memset(ack, 0, sizeof(*ack));
	args->fetch_addr = (char *)(c->fetch_addr ? c->fetch_addr : "");
	if (transport_call(&c->t, MR_REPORT, (xdrproc_t)xdr_mr_report_args, args,
			   (xdrproc_t)xdr_mr_report_reply, &reply, sizeof(reply)) < 0)
		return call_failed(c, "reporting a task");
	if (reply.status == MR_REPORT_IGNORED)
		verbose("coordinator ignored the report of %s task %d attempt %llu "
			"(stale or already done)",
			args->kind == MR_TASK_MAP ? "map" : "reduce", args->task_id,
			(unsigned long long)args->attempt);
	ack->accepted = reply.status == MR_REPORT_ACCEPTED;
	ack->remove_inputs = ack->accepted && reply.remove_inputs;
	ack->durable_at = reply.durable_at;
	ack->synced = reply.synced;
	return 0;
}

int client_redial(struct client *c, int try_ms)
{
	return transport_reopen(&c->t, try_ms);
}

void client_close(struct client *c)
{
	transport_close(&c->t);
}
