/*
 * tcp.h - small TCP helpers, kept apart from protocol code (redis's anet):
 * parsing "HOST:PORT", listening, connecting with a deadline, the socket
 * options every connection gets.
 *
 * Addresses: "HOST:PORT" where HOST is an IPv4 address, a bracketed IPv6
 * address ("[::1]:7070", "[::]:7070") or a name getaddrinfo() resolves;
 * PORT is 0..65535 in decimal digits (0 when listening: any free port).
 * An empty HOST and an IPv6 address without brackets are refused.
 * Addresses this module writes (tcp_accept, tcp_name) have the same form,
 * numeric, an IPv4-mapped IPv6 address shown as IPv4.
 *
 * Errors: 0 / fd, or -1 after writing a one-line reason (naming the
 * address and errno or gai_strerror text) into the caller's err[errlen]
 * (err may be NULL) and setting errno; nothing is printed, callers decide.
 */
#ifndef MR_TCP_H
#define MR_TCP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Split "HOST:PORT" into host[hostlen] (brackets removed) and *port.  0 or -1. */
int tcp_split(const char *addr, char *host, size_t hostlen, int *port, char *err, size_t errlen);

/*
 * Listen on `addr` (non-blocking, close-on-exec, SO_REUSEADDR; an IPv6
 * wildcard also takes IPv4).  A name with several addresses: the first
 * that binds.  The fd, or -1 (errno EADDRINUSE, ...).
 */
int tcp_listen(const char *addr, char *err, size_t errlen);

/*
 * Connect to `addr` within timeout_ms, trying each address a name has in
 * turn (name resolution itself is not bounded).  A blocking fd
 * (close-on-exec, TCP_NODELAY, keepalive), or -1 (errno ETIMEDOUT,
 * ECONNREFUSED, ...).
 */
int tcp_connect(const char *addr, int timeout_ms, char *err, size_t errlen);

/*
 * Accept one pending connection on a non-blocking listener: the fd
 * (non-blocking, close-on-exec, TCP_NODELAY, keepalive) with the peer's
 * "HOST:PORT" in peer[peerlen] ("?" when it does not fit), or -1 with
 * errno (EAGAIN: none pending).  Writes no err text.
 */
int tcp_accept(int lfd, char *peer, size_t peerlen);

/* "HOST:PORT" of a socket's local (`local` 1) or remote end.  0, or -1 with errno. */
int tcp_name(int fd, int local, char *out, size_t outlen);

/*
 * Send (`sending`) or receive exactly n bytes on fd, waiting with poll()
 * whenever the socket would block.  Every wait ends at `deadline` (ms of
 * now_ms()) when it is >= 0, else `wait_ms` after that wait began (so a
 * transfer of any size moves on as long as the peer keeps up).  0, or -1
 * with errno: ETIMEDOUT, ECONNRESET when the peer closed the connection
 * first, or the socket's error.  Prints nothing.
 */
int tcp_io_full(int fd, void *buf, size_t n, int sending, int64_t deadline, int wait_ms);

/* Bytes a socket buffer may hold: set both ways to `bytes` (best effort). */
void tcp_buffers(int fd, int bytes);

#endif
