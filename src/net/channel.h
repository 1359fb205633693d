/*
 * channel.h - an authenticated TCP connection driven by blocking calls
 * with deadlines: the worker's connections (to the coordinator, to other
 * workers' fetch services) and the fetch service's side of them.
 *
 * Every call is bounded in time; ETIMEDOUT beyond (timeout_ms must be > 0):
 *   - channel_connect: the TCP connect within timeout_ms, then the whole
 *     handshake within another timeout_ms; channel_accept: the handshake
 *     within timeout_ms (a peer that trickles bytes gains nothing);
 *   - channel_send / channel_recv: each wait in poll() is at most
 *     timeout_ms, so a frame of any size moves as long as the peer keeps
 *     reading or sending, and a peer that stalls for timeout_ms fails it.
 * The socket is non-blocking inside (the calls block in poll()); sends
 * use MSG_NOSIGNAL, so no SIGPIPE.  Name resolution in channel_connect
 * (getaddrinfo) is not bounded: give addresses, not names, where that
 * matters.
 * Addresses are "HOST:PORT", "[IPv6]:PORT" or "IPv4:PORT" (net/tcp.h).
 *
 * Errors: 0 / -1.  A failed call prints nothing but leaves a one-line
 * reason in ch->err (naming the peer), since callers decide whether it is
 * an error, a retry or a fetch failure, and sets errno: ETIMEDOUT,
 * ECONNRESET (the peer closed the connection), EMSGSIZE (a frame above
 * the limit), EACCES (handshake refused), EBADMSG (a frame failed its
 * MAC), or the socket's own.  ch->auth_failed says the peer failed
 * authentication - its handshake message or a frame's MAC was wrong (a
 * wrong secret on one side, or an impostor) - as opposed to a network
 * error; a peer that hangs up or stalls mid-handshake is a network error.
 * After any failure the channel must be closed.
 */
#ifndef MR_CHANNEL_H
#define MR_CHANNEL_H

#include "net/auth.h"
#include "net/secret.h"

#include <stddef.h>
#include <stdint.h>

struct channel {
	int fd;
	char *peer;                 /* malloc'd "HOST:PORT" for messages */
	struct auth_session s;
	int timeout_ms;
	size_t max_payload;         /* largest frame accepted from the peer */
	unsigned char *buf;         /* frame buffer (grown as needed) */
	size_t cap;
	int auth_failed;
	char err[256];
};

/*
 * Connect to `addr` and authenticate as the client.  0, or -1 with
 * ch->err set (and ch->auth_failed when the server's CHALLENGE was
 * wrong: it does not know our secret, or does not speak this protocol);
 * *ch needs no close on failure (closing it is harmless).  `k` is
 * borrowed for the call; max_payload is capped at AUTH_MAX_PAYLOAD.
 */
int channel_connect(struct channel *ch, const char *addr, const struct secret *k,
		    int timeout_ms, size_t max_payload);

/*
 * Authenticate the accepted connection `fd` as the server.  Takes fd (it
 * is closed on failure) and copies `peer` (for messages).  0, or -1 as
 * channel_connect (auth_failed: a HELLO not ours or a wrong PROOF).
 */
int channel_accept(struct channel *ch, int fd, const char *peer, const struct secret *k,
		   int timeout_ms, size_t max_payload);

/*
 * Send one frame of len <= AUTH_MAX_PAYLOAD bytes.  `payload` may be the
 * one channel_recv handed out (an echo needs no copy).  0 or -1.
 */
int channel_send(struct channel *ch, const void *payload, size_t len);

/*
 * Receive one frame: 0 with *payload (in ch->buf, valid until the next
 * call on ch) and *len, or -1 (EOF, timeout, too long, bad MAC).  The
 * buffer grows to the largest frame received and stays that size.
 */
int channel_recv(struct channel *ch, const unsigned char **payload, size_t *len);

/*
 * Close the socket, free peer and buffer, wipe the session keys.  Keeps
 * err and auth_failed.  Safe twice and after a failed connect or accept
 * (fd is then -1); not on a struct never passed to either (fd 0 there).
 */
void channel_close(struct channel *ch);

#endif
