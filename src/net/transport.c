/* transport.c - see transport.h. */
#include "net/transport.h"

#include "common/log.h"
#include "common/util.h"
#include "mr.h"
#include "net/usock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Connect to `path`, retrying while nobody listens yet.  fd, or -1 (printed). */
static int connect_retrying(const char *path, int64_t retry_ms)
{
	int64_t deadline = now_ms() + retry_ms, pause = 1;

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
	if (retry_ms > 0)
		return error_errno("no coordinator answers at %s (tried for %.1f s)", path,
				   (double)retry_ms / 1000.0);
	return error_errno("no coordinator answers at %s", path);
}

/*
 * Obey only a coordinator of our own user: anyone may create the socket
 * first in a shared directory such as /var/tmp.  Closes fd on failure.
 */
static int check_peer(int fd, const char *path)
{
	uid_t peer, me = geteuid();

	if (usock_peer_uid(fd, &peer) < 0) {
		error_errno("cannot tell who runs the coordinator at %s", path);
		close(fd);
		return -1;
	}
	if (peer != me) {
		error("the coordinator at %s runs as uid %ld, not as this user (uid %ld); "
		      "refusing to work for it", path, (long)peer, (long)me);
		close(fd);
		return -1;
	}
	return 0;
}

int transport_open(struct transport *t, const char *path, int64_t retry_ms,
		   int call_timeout_sec)
{
	struct sockaddr_un addr;
	struct netbuf nb;
	struct timeval tv = { call_timeout_sec, 0 };
	int fd;

	memset(t, 0, sizeof(*t));
	if (usock_addr(&addr, path) < 0)
		return -1;
	fd = connect_retrying(path, retry_ms);
	if (fd < 0 || check_peer(fd, path) < 0)
		return -1;
	nb.buf = &addr;
	nb.len = nb.maxlen = sizeof(addr);
	t->clnt = clnt_vc_create(fd, &nb, MR_PROG, MR_VERS, 0, 0);
	if (!t->clnt) {
		close(fd);
		return error("cannot set up RPC to the coordinator at %s: %s", path,
			     clnt_spcreateerror("clnt_vc_create"));
	}
	clnt_control(t->clnt, CLSET_FD_CLOSE, NULL);
	clnt_control(t->clnt, CLSET_TIMEOUT, (char *)&tv);
	t->where = xstrdup(path);
	return 0;
}

void transport_close(struct transport *t)
{
	if (t->clnt)
		clnt_destroy(t->clnt);
	free(t->where);
	memset(t, 0, sizeof(*t));
}
