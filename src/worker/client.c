/* client.c - see client.h. */
#include "worker/client.h"

#include "common/log.h"
#include "net/rpcmsg.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How long one call may wait for the coordinator before we call it gone. */
#define CALL_TIMEOUT_SEC 20

int client_connect(struct client *c, const char *path, int64_t retry_ms)
{
	memset(c, 0, sizeof(*c));
	c->fetch_addr = "";
	return transport_open(&c->t, path, retry_ms, CALL_TIMEOUT_SEC);
}

/* Beat until told to stop, or until a beat fails (the main thread will see why). */
static void *beat_main(void *arg)
{
	struct client *c = arg;
	struct timespec until;

	pthread_mutex_lock(&c->stop_lock);
	while (!c->stop) {
		int res;

		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += CLIENT_HEARTBEAT_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		if (pthread_cond_timedwait(&c->stop_cond, &c->stop_lock, &until) != ETIMEDOUT)
			continue;
		pthread_mutex_unlock(&c->stop_lock);
		if (transport_call(&c->t, MR_HEARTBEAT, (xdrproc_t)rpcmsg_xdr_none, NULL,
				   (xdrproc_t)xdr_int, &res, sizeof(res)) < 0) {
			pthread_mutex_lock(&c->stop_lock);
			break;
		}
		pthread_mutex_lock(&c->stop_lock);
	}
	pthread_mutex_unlock(&c->stop_lock);
	return NULL;
}

int client_connect_tcp(struct client *c, const char *addr, const struct secret *k,
		       const char *fetch_addr, int64_t retry_ms)
{
	pthread_condattr_t ca;

	memset(c, 0, sizeof(*c));
	c->fetch_addr = fetch_addr;
	if (transport_open_tcp(&c->t, addr, k, retry_ms, CALL_TIMEOUT_SEC) < 0)
		return -1;
	pthread_mutex_init(&c->stop_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->stop_cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&c->beat, NULL, beat_main, c) != 0) {
		transport_close(&c->t);
		return error("cannot start the heartbeat thread");
	}
	c->beating = 1;
	return 0;
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

int client_report(struct client *c, mr_report_args *args, int *remove_inputs)
{
	mr_report_reply reply;

	*remove_inputs = 0;
	if (transport_call(&c->t, MR_REPORT, (xdrproc_t)xdr_mr_report_args, args,
			   (xdrproc_t)xdr_mr_report_reply, &reply, sizeof(reply)) < 0)
		return call_failed(c, "reporting a task");
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
	if (c->beating) {
		pthread_mutex_lock(&c->stop_lock);
		c->stop = 1;
		pthread_cond_signal(&c->stop_cond);
		pthread_mutex_unlock(&c->stop_lock);
		pthread_join(c->beat, NULL);
		pthread_mutex_destroy(&c->stop_lock);
		pthread_cond_destroy(&c->stop_cond);
		c->beating = 0;
	}
	transport_close(&c->t);
}
