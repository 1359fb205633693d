/* transport.c - see transport.h. */
#include "net/transport.h"

#include "common/faults.h"
#include "common/log.h"
#include "common/util.h"
#include "mr.h"
#include "net/rpcmsg.h"
#include "net/usock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Connect to `path`, retrying for up to retry_ms while nobody listens yet.
 * fd, or -1 with errno and the reason in t->err.
 */
static int connect_retrying(struct transport *t, const char *path, int64_t retry_ms)
{
	int64_t deadline = now_ms() + retry_ms, pause = 1;
	int saved;

	for (;;) {
		int fd = usock_connect(path);

		if (fd >= 0)
			return fd;
		if ((errno != ENOENT && errno != ECONNREFUSED && errno != EAGAIN) ||
		    now_ms() >= deadline)
			break;
		/* Short waits first: the coordinator is usually just starting. */
		sleep_ms(pause);
		pause = pause * 2 > 200 ? 200 : pause * 2;
	}
	saved = errno;
	if (retry_ms > 0)
		snprintf(t->err, sizeof(t->err), "no coordinator answers at %s (tried for %.1f s): %s",
			 path, (double)retry_ms / 1000.0, strerror(saved));
	else
		snprintf(t->err, sizeof(t->err), "no coordinator answers at %s: %s", path,
			 strerror(saved));
	errno = saved;
	return -1;
}

/*
 * Obey only a coordinator of our own user: anyone may create the socket
 * first in a shared directory such as /var/tmp.  0, or -1 (peer not
 * told) or -2 (another user) with the reason in t->err; closes fd on
 * failure.
 */
static int check_peer(struct transport *t, int fd, const char *path)
{
	uid_t peer, me = geteuid();

	if (usock_peer_uid(fd, &peer) < 0) {
		snprintf(t->err, sizeof(t->err), "cannot tell who runs the coordinator at %s: %s",
			 path, strerror(errno));
		close(fd);
		return -1;
	}
	if (peer != me) {
		snprintf(t->err, sizeof(t->err),
			 "the coordinator at %s runs as uid %ld, not as this user (uid %ld); "
			 "refusing to work for it", path, (long)peer, (long)me);
		close(fd);
		return -2;
	}
	return 0;
}

/*
 * Sun RPC over the connected socket fd (taken: closed with the client,
 * or at once on failure).  0, or -1 with the reason in t->err.
 */
static int rpc_over(struct transport *t, int fd, const char *path)
{
	struct sockaddr_un addr;
	struct netbuf nb;
	struct timeval tv = { t->call_timeout_ms / 1000, 0 };

	if (usock_addr(&addr, path) < 0) {
		close(fd);
		snprintf(t->err, sizeof(t->err), "bad socket path %s", path);
		return -1;
	}
	nb.buf = &addr;
	nb.len = nb.maxlen = sizeof(addr);
	t->clnt = clnt_vc_create(fd, &nb, MR_PROG, MR_VERS, 0, 0);
	if (!t->clnt) {
		close(fd);
		snprintf(t->err, sizeof(t->err), "cannot set up RPC to the coordinator at %s: %s",
			 path, clnt_spcreateerror("clnt_vc_create"));
		return -1;
	}
	clnt_control(t->clnt, CLSET_FD_CLOSE, NULL);
	clnt_control(t->clnt, CLSET_TIMEOUT, (char *)&tv);
	return 0;
}

int transport_open(struct transport *t, const char *path, int64_t retry_ms,
		   int call_timeout_sec)
{
	struct sockaddr_un addr;
	int fd;

	memset(t, 0, sizeof(*t));
	if (usock_addr(&addr, path) < 0)
		return -1;
	t->call_timeout_ms = call_timeout_sec * 1000;
	fd = connect_retrying(t, path, retry_ms);
	if (fd < 0 || check_peer(t, fd, path) < 0 || rpc_over(t, fd, path) < 0) {
		return error("%s", t->err);
	}
	t->where = xstrdup(path);
	return 0;
}

int transport_open_tcp(struct transport *t, const char *addr, const struct secret *k,
		       int64_t retry_ms, int call_timeout_sec)
{
	int64_t deadline = now_ms() + retry_ms, pause = 1;

	memset(t, 0, sizeof(*t));
	t->call_timeout_ms = call_timeout_sec * 1000;
	for (;;) {
		if (channel_connect(&t->ch, addr, k, t->call_timeout_ms, AUTH_MAX_PAYLOAD) == 0)
			break;
		if (t->ch.auth_failed)
			return error("authentication with the coordinator at %s failed (is "
				     "--secret-file the coordinator's?): %s", addr, t->ch.err);
		if (errno != ECONNREFUSED || now_ms() >= deadline)
			return error("no coordinator answers at %s: %s", addr, t->ch.err);
		sleep_ms(pause);
		pause = pause * 2 > 200 ? 200 : pause * 2;
	}
	t->tcp = 1;
	t->k = k;
	t->where = xstrdup(addr);
	return 0;
}

/* Close the connection, keeping what it takes to open it again. */
static void drop(struct transport *t)
{
	if (t->clnt)
		clnt_destroy(t->clnt);
	t->clnt = NULL;
	if (t->tcp)
		channel_close(&t->ch);
}

int transport_reopen(struct transport *t, int try_ms)
{
	int fd, rc;

	drop(t);
	if (t->tcp) {
		if (channel_connect(&t->ch, t->where, t->k, try_ms > 0 ? try_ms : 1,
				    AUTH_MAX_PAYLOAD) == 0) {
			t->ch.timeout_ms = t->call_timeout_ms;
			return 0;
		}
		snprintf(t->err, sizeof(t->err), "%s", t->ch.err);
		return t->ch.auth_failed ? -2 : -1;
	}
	fd = connect_retrying(t, t->where, 0);
	if (fd < 0)
		return -1;
	rc = check_peer(t, fd, t->where);
	if (rc < 0)
		return rc;
	return rpc_over(t, fd, t->where);
}

/* A call over the TCP channel: one frame out, one frame back. */
static int call_tcp(struct transport *t, uint32_t proc, xdrproc_t xargs, void *args,
		    xdrproc_t xres, void *res, size_t ressize)
{
	const unsigned char *reply, *body;
	unsigned char *buf;
	size_t len, blen;
	uint32_t status;
	int rc;

	if (rpcmsg_encode(proc, xargs, args, 0, &buf, &len) < 0) {
		snprintf(t->err, sizeof(t->err), "cannot encode the call");
		return -1;
	}
	rc = channel_send(&t->ch, buf, len);
	free(buf);
	if (rc < 0 || channel_recv(&t->ch, &reply, &len) < 0) {
		snprintf(t->err, sizeof(t->err), "%s", t->ch.err);
		return -1;
	}
	if (rpcmsg_head(reply, len, &status, &body, &blen) < 0 || status != RPCMSG_OK ||
	    rpcmsg_decode(body, blen, xres, res, ressize) < 0) {
		xdr_free(xres, res);
		snprintf(t->err, sizeof(t->err), "a reply that is not one");
		return -1;
	}
	return 0;
}

/* A call over the Unix socket: Sun RPC records, clnt_call. */
static int call_unix(struct transport *t, uint32_t proc, xdrproc_t xargs, void *args,
		     xdrproc_t xres, void *res, size_t ressize)
{
	struct timeval tv = { t->call_timeout_ms / 1000, 0 };
	enum clnt_stat st;

	memset(res, 0, ressize);
	st = clnt_call(t->clnt, proc, xargs, args, xres, res, tv);
	if (st != RPC_SUCCESS) {
		snprintf(t->err, sizeof(t->err), "%s", clnt_sperrno(st));
		return -1;
	}
	return 0;
}

/* The name of procedure `proc` for MR_FAULTS' rpc points. */
static const char *proc_name(uint32_t proc)
{
	switch (proc) {
	case MR_ASK:
		return "ask";
	case MR_REPORT:
		return "report";
	case MR_STATUS:
		return "status";
	case MR_HEARTBEAT:
		return "heartbeat";
	case MR_HOLDS:
		return "holds";
	default:
		return "other";
	}
}

int transport_call(struct transport *t, uint32_t proc, xdrproc_t xargs, void *args,
		   xdrproc_t xres, void *res, size_t ressize)
{
	enum fault_rpc fault = fault_rpc(proc_name(proc));
	int rc;

	if (fault == FAULT_RPC_DROP) {
		memset(res, 0, ressize);
		snprintf(t->err, sizeof(t->err), "call dropped (MR_FAULTS)");
		return -1;
	}
	if (t->tcp ? t->ch.fd < 0 : !t->clnt) {
		memset(res, 0, ressize);
		snprintf(t->err, sizeof(t->err), "not connected");
		return -1;
	}
	if (t->tcp)
		rc = call_tcp(t, proc, xargs, args, xres, res, ressize);
	else
		rc = call_unix(t, proc, xargs, args, xres, res, ressize);
	if (rc == 0 && fault == FAULT_RPC_LOSE) {
		xdr_free(xres, res);
		snprintf(t->err, sizeof(t->err), "reply lost (MR_FAULTS)");
		return -1;
	}
	return rc;
}

void transport_close(struct transport *t)
{
	drop(t);
	free(t->where);
	memset(t, 0, sizeof(*t));
}
