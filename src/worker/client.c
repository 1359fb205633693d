/* client.c - see client.h. */
#include "worker/client.h"

#include "common/log.h"
#include "common/usock.h"
#include "common/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How long one call may wait for the coordinator before we call it gone. */
#define CALL_TIMEOUT_SEC 20

int client_connect(struct client *c, const char *path, int64_t retry_ms)
{
	int64_t deadline = now_ms() + retry_ms;
	struct sockaddr_un addr;
	struct netbuf nb;
	struct timeval tv = { CALL_TIMEOUT_SEC, 0 };
	int64_t pause = 1;
	int fd;

	memset(c, 0, sizeof(*c));
	if (usock_addr(&addr, path) < 0)
		return -1;
	for (;;) {
		fd = usock_connect(path);
		if (fd >= 0)
			break;
		if ((errno != ENOENT && errno != ECONNREFUSED && errno != EAGAIN) ||
		    now_ms() >= deadline)
			return error_errno("no coordinator answers at %s (tried for %.1f s)",
					   path, (double)retry_ms / 1000.0);
		/* Short waits first: the coordinator is usually just starting. */
		sleep_ms(pause);
		pause = pause * 2 > 200 ? 200 : pause * 2;
	}
	nb.buf = &addr;
	nb.len = nb.maxlen = sizeof(addr);
	c->clnt = clnt_vc_create(fd, &nb, MR_PROG, MR_VERS, 0, 0);
	if (!c->clnt) {
		close(fd);
		return error("cannot set up RPC to the coordinator at %s: %s", path,
			     clnt_spcreateerror("clnt_vc_create"));
	}
	clnt_control(c->clnt, CLSET_FD_CLOSE, NULL);
	clnt_control(c->clnt, CLSET_TIMEOUT, (char *)&tv);
	c->path = xstrdup(path);
	return 0;
}

static int call_failed(struct client *c, enum clnt_stat st, const char *what)
{
	verbose("%s to the coordinator at %s failed: %s", what, c->path, clnt_sperrno(st));
	return -1;
}

int client_ask(struct client *c, mr_ask_reply *reply)
{
	mr_ask_args args = { .worker_pid = (int)getpid() };
	enum clnt_stat st;

	memset(reply, 0, sizeof(*reply));
	st = mr_ask_1(&args, reply, c->clnt);
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
	st = mr_report_1(args, &reply, c->clnt);
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
	if (c->clnt)
		clnt_destroy(c->clnt);
	free(c->path);
	memset(c, 0, sizeof(*c));
}
