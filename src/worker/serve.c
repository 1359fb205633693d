/* serve.c - see serve.h. */
#include "worker/serve.h"

#include "common/log.h"
#include "common/util.h"
#include "net/channel.h"
#include "net/fetchmsg.h"
#include "net/tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* One connection being served. */
struct conn {
	struct serve *sv;
	int fd, slot;
	char peer[128];
};

/* Send run mr-M-R of the directory: an answer, then its bytes.  0 or -1 (cut). */
static int send_run(struct serve *sv, struct channel *ch, unsigned char *buf, int m, int r)
{
	unsigned char answer[FETCH_ANSWER_LEN];
	char path[4200];
	struct stat st;
	uint64_t left;
	int fd;

	snprintf(path, sizeof(path), "%s/mr-%d-%d", sv->dir, m, r);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		verbose("fetch of map %d for reduce %d by %s: %s", m, r, ch->peer, strerror(errno));
		fetch_encode_answer(answer, errno == ENOENT ? FETCH_MISSING : FETCH_ERROR, 0);
		if (fd >= 0)
			close(fd);
		return channel_send(ch, answer, sizeof(answer));
	}
	fetch_encode_answer(answer, FETCH_OK, (uint64_t)st.st_size);
	if (channel_send(ch, answer, sizeof(answer)) < 0)
		goto fail;
	for (left = (uint64_t)st.st_size; left > 0;) {
		size_t want = left < FETCH_CHUNK ? (size_t)left : FETCH_CHUNK;
		ssize_t got = pread(fd, buf, want, (off_t)((uint64_t)st.st_size - left));

		if (got <= 0) {
			/* Shrank or unreadable under us: cut, the reduce reports it. */
			warning("cannot read %s for %s: %s", path, ch->peer,
				got < 0 ? strerror(errno) : "file shrank");
			goto fail;
		}
		if (channel_send(ch, buf, (size_t)got) < 0)
			goto fail;
		left -= (uint64_t)got;
	}
	close(fd);
	atomic_fetch_add(&sv->runs_served, 1);
	return 0;
fail:
	close(fd);
	return -1;
}

/* Serve one connection: handshake, then requests until the peer is done. */
static void serve_conn(struct conn *c)
{
	struct serve *sv = c->sv;
	struct channel ch;
	unsigned char *buf;

	if (channel_accept(&ch, c->fd, c->peer, sv->secret, SERVE_HANDSHAKE_MS,
			   FETCH_REQUEST_LEN) < 0) {
		if (ch.auth_failed)
			atomic_fetch_add(&sv->auth_failures, 1);
		warning("fetch service: dropped %s: %s", c->peer, ch.err);
		return;
	}
	ch.timeout_ms = SERVE_IDLE_MS;
	buf = xmalloc(FETCH_CHUNK);
	for (;;) {
		const unsigned char *req;
		size_t len;
		int m, r;

		if (channel_recv(&ch, &req, &len) < 0)
			break; /* the peer is done, or gone */
		if (fetch_decode_request(req, len, &m, &r) < 0) {
			warning("fetch service: dropped %s: not a fetch request", c->peer);
			break;
		}
		if (send_run(sv, &ch, buf, m, r) < 0)
			break;
	}
	free(buf);
	channel_close(&ch);
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	struct serve *sv = c->sv;

	serve_conn(c);
	pthread_mutex_lock(&sv->lock);
	sv->fds[c->slot] = -1;
	if (--sv->nconns == 0)
		pthread_cond_broadcast(&sv->idle);
	pthread_mutex_unlock(&sv->lock);
	free(c);
	return NULL;
}

/* Hand an accepted connection to a thread of its own, if there is room. */
static void start_conn(struct serve *sv, int fd, const char *peer)
{
	struct conn *c = xcalloc(1, sizeof(*c));
	pthread_attr_t attr;
	pthread_t t;
	int slot = -1;

	pthread_mutex_lock(&sv->lock);
	for (int i = 0; i < SERVE_MAX_CONNS && slot < 0; i++)
		if (sv->fds[i] < 0)
			slot = i;
	if (slot >= 0) {
		sv->fds[slot] = fd;
		sv->nconns++;
	}
	pthread_mutex_unlock(&sv->lock);
	if (slot < 0) {
		warning("fetch service: dropped %s: %d connections already", peer,
			SERVE_MAX_CONNS);
		close(fd);
		free(c);
		return;
	}
	*c = (struct conn){ .sv = sv, .fd = fd, .slot = slot };
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, conn_main, c) != 0) {
		warning("fetch service: no thread for %s", peer);
		c->fd = -1;
		close(fd);
		conn_main(c); /* releases the slot */
	}
	pthread_attr_destroy(&attr);
}

static void *accept_main(void *arg)
{
	struct serve *sv = arg;

	for (;;) {
		struct pollfd p[2] = { { .fd = sv->lfd, .events = POLLIN },
				       { .fd = sv->stop[0], .events = POLLIN } };
		char peer[128];
		int fd;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		while ((fd = tcp_accept(sv->lfd, peer, sizeof(peer))) >= 0)
			start_conn(sv, fd, peer);
	}
	return NULL;
}

int serve_start(struct serve *sv, const char *host, const char *advertise, const char *dir,
		const struct secret *k)
{
	char err[256], addr[300], local[300];
	const char *colon;

	memset(sv, 0, sizeof(*sv));
	sv->lfd = sv->stop[0] = sv->stop[1] = -1;
	for (int i = 0; i < SERVE_MAX_CONNS; i++)
		sv->fds[i] = -1;
	snprintf(addr, sizeof(addr), strchr(host, ':') ? "[%s]:0" : "%s:0", host);
	sv->lfd = tcp_listen(addr, err, sizeof(err));
	if (sv->lfd < 0)
		return error("cannot start the fetch service: %s", err);
	if (tcp_name(sv->lfd, 1, local, sizeof(local)) < 0 ||
	    !(colon = strrchr(local, ':'))) {
		close(sv->lfd);
		return error_errno("cannot tell the fetch service's port");
	}
	snprintf(sv->addr, sizeof(sv->addr), strchr(advertise, ':') ? "[%s]%s" : "%s%s",
		 advertise, colon);
	sv->dir = dir;
	sv->secret = k;
	pthread_mutex_init(&sv->lock, NULL);
	pthread_cond_init(&sv->idle, NULL);
	if (pipe2(sv->stop, O_CLOEXEC) < 0 ||
	    pthread_create(&sv->thread, NULL, accept_main, sv) != 0) {
		error_errno("cannot start the fetch service thread");
		serve_stop(sv);
		return -1;
	}
	sv->running = 1;
	verbose("fetch service on %s, serving %s", sv->addr, dir);
	return 0;
}

void serve_stop(struct serve *sv)
{
	if (sv->running) {
		struct timespec until;

		if (write(sv->stop[1], "x", 1) < 0)
			warning("cannot stop the fetch service: %s", strerror(errno));
		pthread_join(sv->thread, NULL);
		/* Cut the connections still served; their threads then end. */
		pthread_mutex_lock(&sv->lock);
		for (int i = 0; i < SERVE_MAX_CONNS; i++)
			if (sv->fds[i] >= 0)
				shutdown(sv->fds[i], SHUT_RDWR);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 5;
		while (sv->nconns > 0)
			if (pthread_cond_timedwait(&sv->idle, &sv->lock, &until) != 0)
				break;
		pthread_mutex_unlock(&sv->lock);
	}
	if (sv->lfd >= 0)
		close(sv->lfd);
	if (sv->stop[0] >= 0)
		close(sv->stop[0]);
	if (sv->stop[1] >= 0)
		close(sv->stop[1]);
	if (sv->running) {
		pthread_mutex_destroy(&sv->lock);
		pthread_cond_destroy(&sv->idle);
	}
	sv->running = 0;
	sv->lfd = sv->stop[0] = sv->stop[1] = -1;
}
