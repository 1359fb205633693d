/* channel.c - see channel.h. */
#include "net/channel.h"

#include "common/util.h"
#include "net/tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Put a reason in ch->err, set errno to errnum, return -1. */
static int __attribute__((format(printf, 3, 4)))
ch_fail(struct channel *ch, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ch->err, sizeof(ch->err), fmt, ap);
	va_end(ap);
	errno = errnum;
	return -1;
}

/* Send or receive exactly n bytes; see tcp_io_full (waits end at `deadline`, else after ch->timeout_ms). */
static int io_full(struct channel *ch, unsigned char *p, size_t n, int sending,
		   int64_t deadline)
{
	return tcp_io_full(ch->fd, p, n, sending, deadline, ch->timeout_ms);
}

/* A handshake message that failed to move: the reason in ch->err. */
static int hs_io_fail(struct channel *ch, const char *what)
{
	int e = errno;

	if (e == ETIMEDOUT)
		return ch_fail(ch, e, "%s: no %s within %d ms (handshake)", ch->peer, what,
			       ch->timeout_ms);
	if (e == ECONNRESET)
		return ch_fail(ch, e, "%s closed the connection during the handshake (at the %s)",
			       ch->peer, what);
	return ch_fail(ch, e, "%s: handshake failed at the %s: %s", ch->peer, what, strerror(e));
}

/* A handshake message the peer got wrong. */
static int hs_auth_fail(struct channel *ch, const struct auth_hs *hs)
{
	ch->auth_failed = 1;
	return ch_fail(ch, EACCES, "authentication with %s failed: %s", ch->peer,
		       auth_why_hs(hs));
}

/* Client side of the handshake, all of it by `deadline`. */
static int client_handshake(struct channel *ch, const struct secret *k, int64_t deadline)
{
	unsigned char hello[AUTH_HELLO_LEN], chal[AUTH_CHALLENGE_LEN], proof[AUTH_PROOF_LEN];
	struct auth_hs hs;
	int rc = -1;

	if (auth_client_hello(&hs, k, hello) < 0)
		ch_fail(ch, EIO, "%s: %s", ch->peer, auth_why_hs(&hs));
	else if (io_full(ch, hello, sizeof(hello), 1, deadline) < 0)
		hs_io_fail(ch, "HELLO");
	else if (io_full(ch, chal, sizeof(chal), 0, deadline) < 0)
		hs_io_fail(ch, "CHALLENGE");
	else if (auth_client_finish(&hs, chal, proof, &ch->s) < 0)
		hs_auth_fail(ch, &hs);
	else if (io_full(ch, proof, sizeof(proof), 1, deadline) < 0)
		hs_io_fail(ch, "PROOF");
	else
		rc = 0;
	auth_hs_clear(&hs);
	return rc;
}

/* Server side of the handshake, all of it by `deadline`. */
static int server_handshake(struct channel *ch, const struct secret *k, int64_t deadline)
{
	unsigned char hello[AUTH_HELLO_LEN], chal[AUTH_CHALLENGE_LEN], proof[AUTH_PROOF_LEN];
	struct auth_hs hs;
	int rc = -1;

	memset(&hs, 0, sizeof(hs));
	if (io_full(ch, hello, sizeof(hello), 0, deadline) < 0)
		hs_io_fail(ch, "HELLO");
	else if (auth_server_challenge(&hs, k, hello, chal) < 0)
		hs_auth_fail(ch, &hs);
	else if (io_full(ch, chal, sizeof(chal), 1, deadline) < 0)
		hs_io_fail(ch, "CHALLENGE");
	else if (io_full(ch, proof, sizeof(proof), 0, deadline) < 0)
		hs_io_fail(ch, "PROOF");
	else if (auth_server_finish(&hs, proof, &ch->s) < 0)
		hs_auth_fail(ch, &hs);
	else
		rc = 0;
	auth_hs_clear(&hs);
	return rc;
}

static void ch_init(struct channel *ch, const char *peer, int timeout_ms, size_t max_payload)
{
	memset(ch, 0, sizeof(*ch));
	ch->fd = -1;
	ch->peer = xstrdup(peer);
	ch->timeout_ms = timeout_ms;
	ch->max_payload = max_payload > AUTH_MAX_PAYLOAD ? AUTH_MAX_PAYLOAD : max_payload;
}

/* Our own waits need a non-blocking descriptor.  0 or -1. */
static int ch_nonblock(struct channel *ch)
{
	int fl = fcntl(ch->fd, F_GETFL);

	if (fl < 0 || fcntl(ch->fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return ch_fail(ch, errno, "%s: cannot make the socket non-blocking: %s", ch->peer,
			       strerror(errno));
	return 0;
}

/* Undo a failed connect or accept, keeping err, auth_failed and errno. */
static int ch_drop(struct channel *ch)
{
	int e = errno;

	channel_close(ch);
	errno = e;
	return -1;
}

int channel_connect(struct channel *ch, const char *addr, const struct secret *k,
		    int timeout_ms, size_t max_payload)
{
	ch_init(ch, addr, timeout_ms, max_payload);
	if (timeout_ms <= 0) {
		ch_fail(ch, EINVAL, "%s: timeout must be positive", addr);
		return ch_drop(ch);
	}
	ch->fd = tcp_connect(addr, timeout_ms, ch->err, sizeof(ch->err));
	if (ch->fd < 0 || ch_nonblock(ch) < 0 ||
	    client_handshake(ch, k, now_ms() + timeout_ms) < 0)
		return ch_drop(ch);
	return 0;
}

int channel_accept(struct channel *ch, int fd, const char *peer, const struct secret *k,
		   int timeout_ms, size_t max_payload)
{
	ch_init(ch, peer, timeout_ms, max_payload);
	ch->fd = fd;
	if (timeout_ms <= 0) {
		ch_fail(ch, EINVAL, "%s: timeout must be positive", peer);
		return ch_drop(ch);
	}
	if (ch_nonblock(ch) < 0 || server_handshake(ch, k, now_ms() + timeout_ms) < 0)
		return ch_drop(ch);
	return 0;
}

/* Room for a frame of `len` payload bytes in ch->buf. */
static void ch_reserve(struct channel *ch, size_t len)
{
	size_t need = AUTH_FRAME_LEN(len);

	if (need > ch->cap) {
		ch->buf = xrealloc(ch->buf, need);
		ch->cap = need;
	}
}

int channel_send(struct channel *ch, const void *payload, size_t len)
{
	const unsigned char *p = payload;

	if (len > AUTH_MAX_PAYLOAD)
		return ch_fail(ch, EMSGSIZE, "%s: a frame of %zu bytes is above the limit of %u",
			       ch->peer, len, AUTH_MAX_PAYLOAD);
	/* The payload may be one channel_recv handed out, inside ch->buf. */
	if (ch->buf && p >= ch->buf && p < ch->buf + ch->cap) {
		size_t off = (size_t)(p - ch->buf);

		ch_reserve(ch, len);
		p = ch->buf + off;
	} else {
		ch_reserve(ch, len);
	}
	if (auth_seal(&ch->s, p, len, ch->buf) < 0)
		return ch_fail(ch, EIO, "%s: %s", ch->peer, auth_why(&ch->s));
	if (io_full(ch, ch->buf, AUTH_FRAME_LEN(len), 1, -1) < 0) {
		if (errno == ETIMEDOUT)
			return ch_fail(ch, errno, "%s: not reading (nothing sent for %d ms)",
				       ch->peer, ch->timeout_ms);
		return ch_fail(ch, errno, "cannot send to %s: %s", ch->peer, strerror(errno));
	}
	return 0;
}

/* A frame that did not arrive whole: the reason in ch->err. */
static int recv_fail(struct channel *ch, int started)
{
	int e = errno;

	if (e == ETIMEDOUT)
		return ch_fail(ch, e, "%s: nothing received for %d ms", ch->peer, ch->timeout_ms);
	if (e == ECONNRESET && !started)
		return ch_fail(ch, e, "%s closed the connection", ch->peer);
	if (e == ECONNRESET)
		return ch_fail(ch, e, "%s closed the connection in the middle of a frame",
			       ch->peer);
	return ch_fail(ch, e, "cannot receive from %s: %s", ch->peer, strerror(e));
}

int channel_recv(struct channel *ch, const unsigned char **payload, size_t *len)
{
	size_t n;

	ch_reserve(ch, 0);
	if (io_full(ch, ch->buf, AUTH_HEADER_LEN, 0, -1) < 0)
		return recv_fail(ch, 0);
	if (auth_frame_length(ch->buf, ch->max_payload, &n) < 0)
		return ch_fail(ch, EMSGSIZE, "%s sent a frame above the limit of %zu bytes",
			       ch->peer, ch->max_payload);
	ch_reserve(ch, n);
	if (io_full(ch, ch->buf + AUTH_HEADER_LEN, n + AUTH_TAG_LEN, 0, -1) < 0)
		return recv_fail(ch, 1);
	if (auth_open(&ch->s, ch->buf, n) < 0) {
		ch->auth_failed = 1;
		return ch_fail(ch, EBADMSG, "%s: %s", ch->peer, auth_why(&ch->s));
	}
	*payload = ch->buf + AUTH_HEADER_LEN;
	*len = n;
	return 0;
}

void channel_close(struct channel *ch)
{
	if (ch->fd >= 0)
		close(ch->fd);
	ch->fd = -1;
	free(ch->peer);
	ch->peer = NULL;
	free(ch->buf);
	ch->buf = NULL;
	ch->cap = 0;
	auth_session_clear(&ch->s);
}
