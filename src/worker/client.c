/* client.c - see client.h. */
#include "worker/client.h"

#include "common/log.h"

#include <string.h>
#include <unistd.h>

/* How long one call may wait for the coordinator before we call it gone. */
#define CALL_TIMEOUT_SEC 20

int client_connect(struct client *c, const char *path, int64_t retry_ms)
{
	return transport_open(&c->t, path, retry_ms, CALL_TIMEOUT_SEC);
}

static int call_failed(struct client *c, enum clnt_stat st, const char *what)
{
	verbose("%s to the coordinator at %s failed: %s", what, c->t.where, clnt_sperrno(st));
	return -1;
}

int client_ask(struct client *c, mr_ask_reply *reply)
{
	mr_ask_args args = { .worker_pid = (int)getpid(), .fetch_addr = "" };
	enum clnt_stat st;

	memset(reply, 0, sizeof(*reply));
	st = mr_ask_1(&args, reply, c->t.clnt);
	if (st != RPC_SUCCESS)
		return call_failed(c, st, "asking for a task");
	return 0;
}

int client_report(struct client *c, mr_report_args *args, int *remove_inputs)
{
	mr_report_reply reply;
	enum clnt_stat st;

	*remove_inputs = 0;
	memset(&reply, 0, sizeof(reply));
	st = mr_report_1(args, &reply, c->t.clnt);
	if (st != RPC_SUCCESS)
		return call_failed(c, st, "reporting a task");
	if (reply.status == MR_REPORT_IGNORED)
		verbose("coordinator ignored the report of %s task %d attempt %llu "
			"(stale or already done)",
			args->kind == MR_TASK_MAP ? "map" : "reduce", args->task_id,
			(unsigned long long)args->attempt);
	*remove_inputs = reply.status == MR_REPORT_ACCEPTED && reply.remove_inputs;
	return 0;
}

void client_close(struct client *c)
{
	transport_close(&c->t);
}
