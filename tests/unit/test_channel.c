/*
 * test_channel.c - unit tests of src/net/tcp.c and src/net/channel.c over
 * loopback only: a listener on 127.0.0.1 (port chosen by the kernel) with
 * the server side in a forked child, or a socketpair driven from this
 * process.  No sleeps: the child is waited for with waitpid, timeouts are
 * the channel's own poll() deadlines.
 */
#include "unit.h"

#include "common/util.h"
#include "net/channel.h"
#include "net/tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned char key_a[40] = "job A's secret, forty bytes of it.......";
static unsigned char key_b[40] = "job B's secret, forty bytes of it.......";
static const struct secret secret_a = { key_a, sizeof(key_a) };
static const struct secret secret_b = { key_b, sizeof(key_b) };

/* What the child server does once it has accepted one connection. */
enum serve_mode {
	SERVE_ECHO,      /* authenticate, send every frame back, exit 0 at EOF */
	SERVE_MUTE,      /* authenticate, then only wait for EOF */
};

/* Exit codes of the child server. */
enum { CHILD_OK = 0, CHILD_NO_CONN = 1, CHILD_HS_FAILED = 2, CHILD_AUTH_FAILED = 3,
       CHILD_RECV_FAILED = 4, CHILD_TOO_BIG = 5, CHILD_SEND_FAILED = 6 };

/* A listener on 127.0.0.1 and the child serving it (the fixture's state). */
struct server {
	int lfd;
	char addr[64];
	pid_t pid;
	int errfd;        /* read end: the child's ch->err when it failed */
	char err[256];
};

static int server_setup(void **state)
{
	struct server *s = calloc(1, sizeof(*s));
	char err[256];

	if (!s)
		return -1;
	s->pid = -1;
	s->errfd = -1;
	s->lfd = tcp_listen("127.0.0.1:0", err, sizeof(err));
	if (s->lfd < 0 || tcp_name(s->lfd, 1, s->addr, sizeof(s->addr)) < 0) {
		printf("# cannot listen on 127.0.0.1: %s\n", err);
		return -1;
	}
	*state = s;
	return 0;
}

static int server_teardown(void **state)
{
	struct server *s = *state;

	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	if (s->errfd >= 0)
		close(s->errfd);
	close(s->lfd);
	free(s);
	return 0;
}

static void __attribute__((noreturn)) child_exit(struct channel *ch, int wfd, int code)
{
	if (code != CHILD_OK && write(wfd, ch->err, strlen(ch->err)) < 0)
		code = 100 + code;
	channel_close(ch);
	_exit(code);
}

/* The child: accept one connection, authenticate with k, serve it. */
static void __attribute__((noreturn)) child_serve(struct server *s, int wfd, enum serve_mode mode,
						  const struct secret *k, size_t max)
{
	struct pollfd p = { .fd = s->lfd, .events = POLLIN };
	struct channel ch = { .fd = -1 };
	const unsigned char *data;
	char peer[64];
	size_t n;
	int fd;

	if (poll(&p, 1, 10000) != 1 || (fd = tcp_accept(s->lfd, peer, sizeof(peer))) < 0)
		_exit(CHILD_NO_CONN);
	if (channel_accept(&ch, fd, peer, k, 10000, max) < 0)
		child_exit(&ch, wfd, ch.auth_failed ? CHILD_AUTH_FAILED : CHILD_HS_FAILED);
	for (;;) {
		if (channel_recv(&ch, &data, &n) < 0) {
			if (errno == ECONNRESET && !strstr(ch.err, "middle"))
				child_exit(&ch, wfd, CHILD_OK);
			child_exit(&ch, wfd, errno == EMSGSIZE ? CHILD_TOO_BIG : CHILD_RECV_FAILED);
		}
		/* echo from channel_recv's own buffer: channel_send must cope */
		if (mode == SERVE_ECHO && channel_send(&ch, data, n) < 0)
			child_exit(&ch, wfd, CHILD_SEND_FAILED);
	}
}

static void server_start(struct server *s, enum serve_mode mode, const struct secret *k,
			 size_t max)
{
	int pfd[2];

	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	fflush(stdout);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		close(pfd[0]);
		child_serve(s, pfd[1], mode, k, max);
	}
	close(pfd[1]);
	s->errfd = pfd[0];
}

/* Wait for the child: its exit code, its message in s->err. */
static int server_wait(struct server *s)
{
	int status;
	ssize_t n;

	assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
	s->pid = -1;
	n = read(s->errfd, s->err, sizeof(s->err) - 1);
	s->err[n > 0 ? n : 0] = '\0';
	if (!WIFEXITED(status))
		unit_fail("the server child died (status %#x)", status);
	return WEXITSTATUS(status);
}

static void expect_child(struct server *s, int want)
{
	int got = server_wait(s);

	if (got != want)
		unit_fail("the server child exited %d, want %d; its error: %s", got, want, s->err);
}

/* Send `n` bytes of a pattern and expect them back. */
static void echo(struct channel *ch, size_t n, unsigned seed)
{
	unsigned char *out = malloc(n ? n : 1);
	const unsigned char *back;
	size_t len;

	assert_non_null(out);
	for (size_t i = 0; i < n; i++)
		out[i] = (unsigned char)(i * 31 + seed);
	if (channel_send(ch, out, n) < 0)
		unit_fail("send of %zu bytes: %s", n, ch->err);
	if (channel_recv(ch, &back, &len) < 0)
		unit_fail("receive of %zu bytes: %s", n, ch->err);
	assert_int_equal(len, n);
	assert_memory_equal(back, out, n);
	free(out);
}

/* connect + accept, then frames both ways: small, empty, larger than socket buffers. */
static void test_echo(void **state)
{
	struct server *s = *state;
	struct channel ch;

	server_start(s, SERVE_ECHO, &secret_a, 4u << 20);
	if (channel_connect(&ch, s->addr, &secret_a, 10000, 4u << 20) < 0)
		unit_fail("connect: %s", ch.err);
	assert_string_equal(ch.peer, s->addr);
	echo(&ch, 5, 1);
	echo(&ch, 0, 2);
	echo(&ch, 3u << 20, 3);
	echo(&ch, 100, 4);
	assert_int_equal(ch.s.send_seq, 4);
	assert_int_equal(ch.s.recv_seq, 4);
	channel_close(&ch);
	channel_close(&ch); /* twice is harmless */
	expect_child(s, CHILD_OK);
}

/* A client with the wrong secret: auth_failed on the client, no session. */
static void test_wrong_secret(void **state)
{
	struct server *s = *state;
	struct channel ch;

	server_start(s, SERVE_ECHO, &secret_b, 4096);
	assert_int_equal(channel_connect(&ch, s->addr, &secret_a, 10000, 4096), -1);
	assert_int_equal(errno, EACCES);
	assert_true(ch.auth_failed);
	assert_int_equal(ch.fd, -1);
	if (!strstr(ch.err, "authentication") || !strstr(ch.err, s->addr))
		unit_fail("message: %s", ch.err);
	/* the server saw the client hang up in the middle of the handshake */
	expect_child(s, CHILD_HS_FAILED);
	assert_non_null(strstr(s->err, "PROOF"));
	channel_close(&ch); /* harmless after a failed connect */
}

/* Nobody answers the HELLO (the kernel accepted, no one reads): timeout. */
static void test_connect_timeout(void **state)
{
	struct server *s = *state;
	struct channel ch;
	int64_t t0 = now_ms(), took;

	assert_int_equal(channel_connect(&ch, s->addr, &secret_a, 300, 4096), -1);
	took = now_ms() - t0;
	assert_int_equal(errno, ETIMEDOUT);
	assert_false(ch.auth_failed);
	if (took < 290 || took > 2000)
		unit_fail("timed out after %lld ms; want about 300", (long long)took);
	if (!strstr(ch.err, "CHALLENGE") || !strstr(ch.err, "300 ms"))
		unit_fail("message: %s", ch.err);
}

/* An authenticated peer that stops talking: channel_recv times out. */
static void test_recv_timeout(void **state)
{
	struct server *s = *state;
	const unsigned char *p;
	struct channel ch;
	int64_t t0, took;
	size_t n;

	server_start(s, SERVE_MUTE, &secret_a, 4096);
	if (channel_connect(&ch, s->addr, &secret_a, 10000, 4096) < 0)
		unit_fail("connect: %s", ch.err);
	ch.timeout_ms = 250;
	assert_int_equal(channel_send(&ch, "anyone?", 7), 0);
	t0 = now_ms();
	assert_int_equal(channel_recv(&ch, &p, &n), -1);
	took = now_ms() - t0;
	assert_int_equal(errno, ETIMEDOUT);
	if (took < 240 || took > 2000)
		unit_fail("timed out after %lld ms; want about 250", (long long)took);
	channel_close(&ch);
	expect_child(s, CHILD_OK);
}

/* Frames above max_payload are refused, on either side. */
static void test_too_long(void **state)
{
	struct server *s = *state;
	unsigned char big[2000] = { 0 };
	const unsigned char *p;
	struct channel ch;
	size_t n;

	/* the client's limit: the echo of a 200-byte frame is too long for it */
	server_start(s, SERVE_ECHO, &secret_a, 1000);
	if (channel_connect(&ch, s->addr, &secret_a, 10000, 100) < 0)
		unit_fail("connect: %s", ch.err);
	assert_int_equal(channel_send(&ch, big, 200), 0);
	assert_int_equal(channel_recv(&ch, &p, &n), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_non_null(strstr(ch.err, "above the limit of 100"));
	channel_close(&ch);
	expect_child(s, CHILD_OK);

	/* the server's limit */
	server_start(s, SERVE_ECHO, &secret_a, 1000);
	if (channel_connect(&ch, s->addr, &secret_a, 10000, 100) < 0)
		unit_fail("connect: %s", ch.err);
	assert_int_equal(channel_send(&ch, big, sizeof(big)), 0);
	expect_child(s, CHILD_TOO_BIG);
	/* and nobody may send more than AUTH_MAX_PAYLOAD (refused before any I/O) */
	assert_int_equal(channel_send(&ch, big, (size_t)AUTH_MAX_PAYLOAD + 1), -1);
	assert_int_equal(errno, EMSGSIZE);
	channel_close(&ch);
}

/* The server side against bytes written beforehand into a socketpair. */
static int accept_pair(struct channel *ch, const void *in, size_t n, int timeout_ms)
{
	int sv[2], rc;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(write(sv[1], in, n), (ssize_t)n);
	rc = channel_accept(ch, sv[0], "pair", &secret_a, timeout_ms, 4096);
	close(sv[1]);
	return rc;
}

/* Garbage, a client without the secret, silence: refused by channel_accept. */
static void test_accept_refuses(void **state)
{
	unsigned char in[AUTH_HELLO_LEN + AUTH_PROOF_LEN];
	struct channel ch;
	struct auth_hs hs;
	int64_t t0, took;

	(void)state;
	memset(in, 'x', sizeof(in));
	memcpy(in, "GET / HTTP/1.0\r\n\r\n", 18);
	assert_int_equal(accept_pair(&ch, in, sizeof(in), 5000), -1);
	assert_true(ch.auth_failed);
	assert_non_null(strstr(ch.err, "bad magic"));
	assert_non_null(strstr(ch.err, "pair"));

	/* a well-formed HELLO from someone with secret B, then a guessed PROOF */
	assert_int_equal(auth_client_hello(&hs, &secret_b, in), 0);
	auth_hs_clear(&hs);
	assert_int_equal(accept_pair(&ch, in, sizeof(in), 5000), -1);
	assert_true(ch.auth_failed);
	assert_int_equal(errno, EACCES);
	assert_non_null(strstr(ch.err, "client's proof is wrong"));

	/* HELLO only, then silence: a timeout, not an authentication failure */
	t0 = now_ms();
	assert_int_equal(accept_pair(&ch, in, AUTH_HELLO_LEN, 200), -1);
	took = now_ms() - t0;
	assert_int_equal(errno, ETIMEDOUT);
	assert_false(ch.auth_failed);
	assert_non_null(strstr(ch.err, "no PROOF within 200 ms"));
	if (took < 190 || took > 2000)
		unit_fail("timed out after %lld ms; want about 200", (long long)took);
}

static void split_ok(const char *addr, const char *host, int port)
{
	char h[64], err[128] = "";
	int p = -1;

	if (tcp_split(addr, h, sizeof(h), &p, err, sizeof(err)) != 0)
		unit_fail("'%s' refused: %s", addr, err);
	assert_string_equal(h, host);
	assert_int_equal(p, port);
}

static void split_bad(const char *addr, size_t hostlen, const char *why)
{
	char h[64], err[128] = "";
	int p = -1;

	if (tcp_split(addr, h, hostlen, &p, err, sizeof(err)) != -1)
		unit_fail("'%s' accepted as %s port %d", addr, h, p);
	assert_int_equal(p, -1);
	if (!strstr(err, why))
		unit_fail("'%s': message \"%s\" lacks \"%s\"", addr, err, why);
}

static void test_split(void **state)
{
	(void)state;
	split_ok("[::1]:7070", "::1", 7070);
	split_ok("[::]:7070", "::", 7070);
	split_ok("0.0.0.0:7070", "0.0.0.0", 7070);
	split_ok("host:0", "host", 0);
	split_ok("127.0.0.1:65535", "127.0.0.1", 65535);
	split_ok("[fe80::1%lo]:1", "fe80::1%lo", 1);
	split_bad("", 64, "want HOST:PORT");
	split_bad("7070", 64, "want HOST:PORT");
	split_bad(":7070", 64, "no host");
	split_bad("[]:7070", 64, "no host");
	split_bad("host:", 64, "port must be");
	split_bad("host:65536", 64, "port must be");
	split_bad("host:-1", 64, "port must be");
	split_bad("host:+1", 64, "port must be");
	split_bad("host: 1", 64, "port must be");
	split_bad("host:12a", 64, "port must be");
	split_bad("host:1:2", 64, "brackets");
	split_bad("::1:7070", 64, "brackets");
	split_bad("[::1]7070", 64, "[IPV6]:PORT");
	split_bad("[::1", 64, "[IPV6]:PORT");
	split_bad("[::1]", 64, "[IPV6]:PORT");
	split_bad("abcdefgh:1", 8, "too long");
	split_ok("abcdefg:1", "abcdefg", 1);
}

/* tcp_listen, tcp_connect, tcp_accept and tcp_name agree on the addresses. */
static void test_tcp_names(void **state)
{
	struct server *s = *state;
	char local[64], remote[64], peer[64], err[256];
	int c, a;

	(void)state;
	assert_int_equal(strncmp(s->addr, "127.0.0.1:", 10), 0);
	assert_int_not_equal(strcmp(s->addr, "127.0.0.1:0"), 0);
	/* nothing pending yet on the non-blocking listener */
	assert_int_equal(tcp_accept(s->lfd, peer, sizeof(peer)), -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	c = tcp_connect(s->addr, 5000, err, sizeof(err));
	if (c < 0)
		unit_fail("connect: %s", err);
	assert_false(fcntl(c, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(c, F_GETFD) & FD_CLOEXEC);
	a = tcp_accept(s->lfd, peer, sizeof(peer));
	assert_true(a >= 0);
	assert_true(fcntl(a, F_GETFL) & O_NONBLOCK);
	assert_int_equal(tcp_name(c, 1, local, sizeof(local)), 0);
	assert_int_equal(tcp_name(c, 0, remote, sizeof(remote)), 0);
	assert_string_equal(remote, s->addr);
	assert_string_equal(local, peer);
	assert_int_equal(tcp_name(c, 1, local, 5), -1); /* does not fit */
	tcp_buffers(c, 1 << 20);
	close(a);
	close(c);
}

/* A port nobody listens on: ECONNREFUSED, named in the message. */
static void test_refused(void **state)
{
	char addr[64], err[256];
	int l;

	(void)state;
	l = tcp_listen("127.0.0.1:0", err, sizeof(err));
	assert_true(l >= 0);
	assert_int_equal(tcp_name(l, 1, addr, sizeof(addr)), 0);
	close(l);
	assert_int_equal(tcp_connect(addr, 5000, err, sizeof(err)), -1);
	assert_int_equal(errno, ECONNREFUSED);
	assert_non_null(strstr(err, addr));
	/* a busy port cannot be listened on twice */
	l = tcp_listen("127.0.0.1:0", err, sizeof(err));
	assert_int_equal(tcp_name(l, 1, addr, sizeof(addr)), 0);
	assert_int_equal(tcp_listen(addr, err, sizeof(err)), -1);
	assert_int_equal(errno, EADDRINUSE);
	assert_non_null(strstr(err, "cannot listen on"));
	close(l);
	assert_int_equal(tcp_listen("300.1.1.1:1", err, sizeof(err)), -1);
	assert_int_equal(tcp_listen("127.0.0.1:x", err, sizeof(err)), -1);
}

/* IPv6 loopback, when this host has it: "[::1]:PORT" both ways. */
static void test_ipv6(void **state)
{
	char addr[64], peer[64], err[256];
	int l, c, a;

	(void)state;
	l = tcp_listen("[::1]:0", err, sizeof(err));
	if (l < 0)
		skip(); /* no IPv6 loopback here */
	assert_int_equal(tcp_name(l, 1, addr, sizeof(addr)), 0);
	assert_int_equal(strncmp(addr, "[::1]:", 6), 0);
	c = tcp_connect(addr, 5000, err, sizeof(err));
	if (c < 0)
		unit_fail("connect: %s", err);
	a = tcp_accept(l, peer, sizeof(peer));
	assert_true(a >= 0);
	assert_int_equal(strncmp(peer, "[::1]:", 6), 0);
	close(a);
	close(c);
	close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, server_setup, server_teardown)
		T(test_echo),
		T(test_wrong_secret),
		T(test_connect_timeout),
		T(test_recv_timeout),
		T(test_too_long),
		cmocka_unit_test(test_accept_refuses),
		cmocka_unit_test(test_split),
		T(test_tcp_names),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_ipv6),
#undef T
	};

	signal(SIGPIPE, SIG_IGN);
	UNIT_MAIN("channel", tests);
}
