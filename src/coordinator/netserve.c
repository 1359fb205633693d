/* netserve.c - see netserve.h. */
#include "coordinator/netserve.h"

#include "common/log.h"
#include "common/util.h"
#include "net/rpcmsg.h"
#include "net/tcp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum nstate { NS_HELLO, NS_PROOF, NS_READY };

struct nconn {
	int fd;
	uint64_t id;
	char peer[128];
	enum nstate state;
	struct auth_hs hs;
	struct auth_session s;
	int64_t deadline_ms;       /* handshake must end by then */
	int64_t last_heard_ms;
	int64_t unwritable_ms;     /* since when replies wait unread, or 0 */
	int worker;                /* asked for work: silence and loss rules apply */
	int dead;
	unsigned char *in;         /* bytes read, not yet handled */
	size_t inlen, incap;
	unsigned char *out;        /* bytes to write: out[outoff .. outlen) */
	size_t outoff, outlen, outcap;
};

int netserve_open(struct netserve *ns, const char *addr, const struct secret *k,
		  int64_t silent_ms, const struct netserve_ops *ops, void *arg)
{
	char err[300];

	memset(ns, 0, sizeof(*ns));
	ns->lfd = tcp_listen(addr, err, sizeof(err));
	if (ns->lfd < 0)
		return error("cannot listen: %s", err);
	if (tcp_name(ns->lfd, 1, ns->addr, sizeof(ns->addr)) < 0)
		snprintf(ns->addr, sizeof(ns->addr), "%s", addr);
	ns->secret = k;
	ns->silent_ms = silent_ms;
	ns->ops = ops;
	ns->arg = arg;
	ns->next_id = 1;
	return 0;
}

static void conn_free(struct nconn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	auth_hs_clear(&c->hs);
	auth_session_clear(&c->s);
	free(c->in);
	free(c->out);
	free(c);
}

void netserve_close(struct netserve *ns)
{
	for (size_t i = 0; i < ns->nconns; i++)
		conn_free(ns->conns[i]);
	free(ns->conns);
	if (ns->lfd >= 0)
		close(ns->lfd);
	memset(ns, 0, sizeof(*ns));
	ns->lfd = -1;
}

/*
 * Drop c with one log line: `auth` 1 counts it as an authentication
 * failure, -1 is an authenticated peer that simply hung up (a worker's
 * loss is still news; mrctl's is not).
 */
static void drop(struct netserve *ns, struct nconn *c, int auth, const char *why)
{
	if (c->dead)
		return;
	c->dead = 1;
	if (auth > 0)
		ns->auth_failures++;
	if (c->worker)
		warning("lost worker %s: %s", c->peer, why);
	else if (auth < 0)
		verbose("TCP peer %s: %s", c->peer, why);
	else
		warning("dropped TCP peer %s: %s", c->peer, why);
	if (c->worker)
		ns->ops->lost(ns->arg, c->id);
}

static void queue(struct nconn *c, const void *p, size_t n)
{
	if (c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	xgrow((void **)&c->out, &c->outcap, c->outlen + n, 1);
	memcpy(c->out + c->outlen, p, n);
	c->outlen += n;
}

/* One whole frame at c->in: serve the call in it. */
static void serve_frame(struct netserve *ns, struct nconn *c, size_t len)
{
	const unsigned char *body;
	unsigned char *reply;
	size_t blen, rlen;
	uint32_t proc;
	int rc;

	if (auth_open(&c->s, c->in, len) < 0)
		return drop(ns, c, 1, auth_why(&c->s));
	if (rpcmsg_head(c->in + AUTH_HEADER_LEN, len, &proc, &body, &blen) < 0)
		return drop(ns, c, 0, "a call without a procedure number");
	rc = ns->ops->call(ns->arg, c->id, proc, body, blen, AUTH_HEADER_LEN, &reply, &rlen);
	if (rc < 0)
		return drop(ns, c, 0, "a call the coordinator cannot serve");
	if (rc > 0)
		c->worker = 1;
	reply = xrealloc(reply, AUTH_FRAME_LEN(rlen));
	if (auth_seal(&c->s, reply + AUTH_HEADER_LEN, rlen, reply) < 0) {
		free(reply);
		return drop(ns, c, 0, "a reply too large to send");
	}
	queue(c, reply, AUTH_FRAME_LEN(rlen));
	free(reply);
}

/*
 * Handle what c->in holds: handshake steps, then frames.  Returns how many
 * bytes it used (0: it needs more).
 */
static size_t handle_input(struct netserve *ns, struct nconn *c, int64_t now)
{
	unsigned char out[AUTH_CHALLENGE_LEN];
	size_t len;

	switch (c->state) {
	case NS_HELLO:
		if (c->inlen < AUTH_HELLO_LEN)
			return 0;
		if (auth_server_challenge(&c->hs, ns->secret, c->in, out) < 0) {
			drop(ns, c, 1, auth_why_hs(&c->hs));
			return 0;
		}
		queue(c, out, AUTH_CHALLENGE_LEN);
		c->state = NS_PROOF;
		return AUTH_HELLO_LEN;
	case NS_PROOF:
		if (c->inlen < AUTH_PROOF_LEN)
			return 0;
		if (auth_server_finish(&c->hs, c->in, &c->s) < 0) {
			drop(ns, c, 1, auth_why_hs(&c->hs));
			return 0;
		}
		auth_hs_clear(&c->hs);
		c->state = NS_READY;
		c->last_heard_ms = now;
		return AUTH_PROOF_LEN;
	case NS_READY:
		if (c->inlen < AUTH_HEADER_LEN)
			return 0;
		if (auth_frame_length(c->in, NETSERVE_MAX_CALL, &len) < 0) {
			drop(ns, c, 1, "a frame longer than any call");
			return 0;
		}
		if (c->inlen < AUTH_FRAME_LEN(len))
			return 0;
		c->last_heard_ms = now;
		serve_frame(ns, c, len);
		return AUTH_FRAME_LEN(len);
	}
	return 0;
}

/* Read what c's socket has and handle it. */
static void conn_read(struct netserve *ns, struct nconn *c, int64_t now)
{
	for (;;) {
		ssize_t got;
		size_t used;

		xgrow((void **)&c->in, &c->incap, c->inlen + 65536, 1);
		got = read(c->fd, c->in + c->inlen, c->incap - c->inlen);
		if (got == 0)
			return drop(ns, c, c->state != NS_READY ? 1 : -1, c->state != NS_READY
				    ? "closed during the handshake" : "connection closed");
		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				drop(ns, c, 0, strerror(errno));
			return;
		}
		c->inlen += (size_t)got;
		while (!c->dead && (used = handle_input(ns, c, now)) > 0) {
			memmove(c->in, c->in + used, c->inlen - used);
			c->inlen -= used;
		}
		if (c->dead)
			return;
	}
}

static void conn_write(struct netserve *ns, struct nconn *c, int64_t now)
{
	while (c->outoff < c->outlen) {
		ssize_t w = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return drop(ns, c, 0, strerror(errno));
		}
		c->outoff += (size_t)w;
	}
	if (c->outoff < c->outlen) {
		if (!c->unwritable_ms)
			c->unwritable_ms = now;
	} else {
		c->unwritable_ms = 0;
	}
}

/* Deadlines: the handshake, replies left unread, a worker's silence. */
static void conn_check_time(struct netserve *ns, struct nconn *c, int64_t now)
{
	if (c->state != NS_READY && now >= c->deadline_ms)
		drop(ns, c, 1, "no authentication within 0.9 s");
	else if (c->unwritable_ms && now - c->unwritable_ms >= NETSERVE_UNWRITABLE_MS)
		drop(ns, c, 0, "does not read its replies");
	else if (c->worker && now - c->last_heard_ms >= ns->silent_ms)
		drop(ns, c, 0, "silent for longer than the task timeout");
}

static void accept_all(struct netserve *ns, int64_t now)
{
	char peer[128];
	int fd;

	while ((fd = tcp_accept(ns->lfd, peer, sizeof(peer))) >= 0) {
		struct nconn *c = xcalloc(1, sizeof(*c));

		c->fd = fd;
		c->id = ns->next_id++;
		snprintf(c->peer, sizeof(c->peer), "%s", peer);
		c->deadline_ms = now + NETSERVE_HANDSHAKE_MS;
		xgrow((void **)&ns->conns, &ns->cap, ns->nconns + 1, sizeof(*ns->conns));
		ns->conns[ns->nconns++] = c;
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		debug("accept on %s: %s", ns->addr, strerror(errno));
}

size_t netserve_npoll(const struct netserve *ns)
{
	return 1 + ns->nconns;
}

void netserve_fill(struct netserve *ns, struct pollfd *pfds)
{
	pfds[0] = (struct pollfd){ .fd = ns->lfd, .events = POLLIN };
	for (size_t i = 0; i < ns->nconns; i++) {
		struct nconn *c = ns->conns[i];

		pfds[1 + i] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
		if (c->outoff < c->outlen)
			pfds[1 + i].events |= POLLOUT;
	}
}

void netserve_handle(struct netserve *ns, const struct pollfd *pfds, size_t n, int64_t now)
{
	size_t kept = 0, have = ns->nconns;
	int committed;

	/* Read and serve every call of this pass, ... */
	for (size_t i = 0; i < have; i++) {
		short ev = 1 + i < n ? pfds[1 + i].revents : 0;

		if (ev & (POLLIN | POLLHUP | POLLERR))
			conn_read(ns, ns->conns[i], now);
	}
	/* ... hand what they decided to the journal's group commit, ... */
	committed = !ns->ops->commit || ns->ops->commit(ns->arg) == 0;
	/* ... and only then send their replies. */
	for (size_t i = 0; i < have; i++) {
		struct nconn *c = ns->conns[i];
		short ev = 1 + i < n ? pfds[1 + i].revents : 0;

		if (committed && !c->dead && (ev & POLLOUT || c->outoff < c->outlen))
			conn_write(ns, c, now);
		if (!c->dead)
			conn_check_time(ns, c, now);
		if (c->dead)
			conn_free(c);
		else
			ns->conns[kept++] = c;
	}
	ns->nconns = kept;
	if (n > 0 && (pfds[0].revents & POLLIN))
		accept_all(ns, now);
}

int netserve_timeout(const struct netserve *ns, int64_t now, int max_ms)
{
	int64_t next = now + max_ms;

	for (size_t i = 0; i < ns->nconns; i++) {
		const struct nconn *c = ns->conns[i];

		if (c->state != NS_READY && c->deadline_ms < next)
			next = c->deadline_ms;
		if (c->unwritable_ms && c->unwritable_ms + NETSERVE_UNWRITABLE_MS < next)
			next = c->unwritable_ms + NETSERVE_UNWRITABLE_MS;
		if (c->worker && c->last_heard_ms + ns->silent_ms < next)
			next = c->last_heard_ms + ns->silent_ms;
	}
	return next <= now ? 0 : (int)(next - now);
}
