/* tcp.c - see tcp.h. */
#include "net/tcp.h"

#include "common/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Write a reason into err[errlen] (when there is room), set errno, return -1. */
static int __attribute__((format(printf, 4, 5)))
fail(char *err, size_t errlen, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	errno = errnum;
	return -1;
}

/* The port after the host: decimal 0..65535, nothing else.  0 or -1. */
static int parse_port(const char *s, int *port)
{
	long v;

	if (*s < '0' || *s > '9' || parse_long(s, 0, 65535, &v) < 0)
		return -1;
	*port = (int)v;
	return 0;
}

int tcp_split(const char *addr, char *host, size_t hostlen, int *port, char *err, size_t errlen)
{
	const char *h = addr, *end, *colon;

	if (addr[0] == '[') {
		h = addr + 1;
		end = strchr(h, ']');
		if (!end || end[1] != ':')
			return fail(err, errlen, EINVAL, "bad address '%s': want [IPV6]:PORT", addr);
		colon = end + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon)
			return fail(err, errlen, EINVAL, "bad address '%s': want HOST:PORT", addr);
		end = colon;
		if (memchr(addr, ':', (size_t)(colon - addr)))
			return fail(err, errlen, EINVAL,
				    "bad address '%s': put an IPv6 address in brackets, [::1]:PORT",
				    addr);
	}
	if (end == h)
		return fail(err, errlen, EINVAL, "bad address '%s': no host", addr);
	if ((size_t)(end - h) >= hostlen)
		return fail(err, errlen, ENAMETOOLONG, "bad address '%s': host name too long", addr);
	if (parse_port(colon + 1, port) < 0)
		return fail(err, errlen, EINVAL, "bad address '%s': the port must be 0..65535", addr);
	memcpy(host, h, (size_t)(end - h));
	host[end - h] = '\0';
	return 0;
}

/* getaddrinfo for `addr`.  0 and *res (freeaddrinfo it), or -1. */
static int resolve(const char *addr, int passive, struct addrinfo **res, char *err, size_t errlen)
{
	struct addrinfo hints;
	char host[NI_MAXHOST], serv[8];
	int port, rc;

	if (tcp_split(addr, host, sizeof(host), &port, err, errlen) < 0)
		return -1;
	snprintf(serv, sizeof(serv), "%d", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	rc = getaddrinfo(host, serv, &hints, res);
	if (rc == EAI_SYSTEM)
		return fail(err, errlen, errno, "cannot resolve %s: %s", addr, strerror(errno));
	if (rc != 0)
		return fail(err, errlen, rc == EAI_NONAME ? ENOENT : EINVAL, "cannot resolve %s: %s",
			    addr, gai_strerror(rc));
	return 0;
}

/* The options every connection gets (best effort: a failure harms nobody). */
static void conn_options(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
}

/* A listening socket for one address.  The fd, or -1 with errno. */
static int listen_one(const struct addrinfo *ai)
{
	int fd, one = 1, zero = 0, saved;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, SOMAXCONN) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int tcp_listen(const char *addr, char *err, size_t errlen)
{
	struct addrinfo *res, *ai;
	int fd = -1, saved = 0;

	if (resolve(addr, 1, &res, err, errlen) < 0)
		return -1;
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = listen_one(ai);
		if (fd < 0 && !saved)
			saved = errno;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return fail(err, errlen, saved, "cannot listen on %s: %s", addr, strerror(saved));
	return fd;
}

/* Wait until the non-blocking connect on fd finishes or `deadline` passes.  0 or -1. */
static int connect_wait(int fd, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int soerr = 0, rc;

	for (;;) {
		int64_t left = deadline - now_ms();

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		rc = poll(&p, 1, (int)(left > 1000000 ? 1000000 : left));
		if (rc > 0)
			break;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		return -1;
	if (soerr) {
		errno = soerr;
		return -1;
	}
	return 0;
}

/* Connect to one address by `deadline`: a blocking fd, or -1 with errno. */
static int connect_one(const struct addrinfo *ai, int64_t deadline)
{
	int fd, saved;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 &&
	    (errno != EINPROGRESS || connect_wait(fd, deadline) < 0))
		goto fail;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		goto fail;
	conn_options(fd);
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int tcp_connect(const char *addr, int timeout_ms, char *err, size_t errlen)
{
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	struct addrinfo *res, *ai;
	int fd = -1, saved = ETIMEDOUT;

	if (resolve(addr, 0, &res, err, errlen) < 0)
		return -1;
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = connect_one(ai, deadline);
		if (fd < 0)
			saved = errno;
		if (fd < 0 && saved == ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		return fd;
	if (saved == ETIMEDOUT)
		return fail(err, errlen, saved, "cannot connect to %s: no answer within %d ms", addr,
			    timeout_ms);
	return fail(err, errlen, saved, "cannot connect to %s: %s", addr, strerror(saved));
}

/* "HOST:PORT" or "[HOST]:PORT" of a socket address; IPv4-mapped shown as IPv4. */
static int format_addr(const struct sockaddr_storage *ss, char *out, size_t outlen)
{
	char host[INET6_ADDRSTRLEN];
	int port, n;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		n = snprintf(out, outlen, "%s:%d", host, port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

		port = ntohs(in6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], host, sizeof(host));
			n = snprintf(out, outlen, "%s:%d", host, port);
		} else {
			inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
			n = snprintf(out, outlen, "[%s]:%d", host, port);
		}
	} else {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (n < 0 || (size_t)n >= outlen) {
		errno = ENOSPC;
		return -1;
	}
	return 0;
}

int tcp_accept(int lfd, char *peer, size_t peerlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd;

	do
		fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -1;
	conn_options(fd);
	if (format_addr(&ss, peer, peerlen) < 0)
		snprintf(peer, peerlen, "?");
	return fd;
}

int tcp_name(int fd, int local, char *out, size_t outlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int rc;

	memset(&ss, 0, sizeof(ss));
	rc = local ? getsockname(fd, (struct sockaddr *)&ss, &len)
		   : getpeername(fd, (struct sockaddr *)&ss, &len);
	if (rc < 0)
		return -1;
	return format_addr(&ss, out, outlen);
}

/* Wait for `events` on fd until `end` (ms of now_ms()).  0, or -1 with errno. */
static int wait_until(int fd, short events, int64_t end)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		int64_t left = end - now_ms();
		int rc;

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		rc = poll(&p, 1, (int)(left > 1000000 ? 1000000 : left));
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

int tcp_io_full(int fd, void *buf, size_t n, int sending, int64_t deadline, int wait_ms)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t k = sending ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);

		if (k > 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		if (k == 0) {
			errno = ECONNRESET;
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (wait_until(fd, sending ? POLLOUT : POLLIN,
			       deadline >= 0 ? deadline : now_ms() + wait_ms) < 0)
			return -1;
	}
	return 0;
}

void tcp_buffers(int fd, int bytes)
{
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
}
