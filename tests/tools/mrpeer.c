/*
 * mrpeer - a misbehaving peer of mrcoordinator, for tests/test-hostile.sh.
 *
 * usage: mrpeer [-r SECS] SOCKET COMMAND [ARG...]
 *
 * Byte-level attacks (raw writes on a Unix stream socket):
 *   garbage [N]      N connections (default 1), each sending 1..4096
 *                    pseudo-random bytes, then closing
 *   truncated        a record mark announcing a whole ASK call, then only
 *                    half of the call, then close
 *   badargs          one complete record: a valid ASK call header whose
 *                    arguments are missing; prints the reply's accept_stat
 *   huge             a record mark announcing 0x7fffffff bytes, then bytes
 *                    until the coordinator hangs up (at most 16 MiB); prints
 *                    "hangup" or "stall" (5 s without progress) or "no-hangup"
 *   fragments        1000-byte fragments, none marked last, until the
 *                    coordinator hangs up (at most 16 MiB); prints like huge
 *   partial SECS     half an ASK record, then nothing until the coordinator
 *                    hangs up ("hangup") or SECS pass ("timeout")
 *   idle SECS        connect, send nothing, wait for the coordinator to hang
 *                    up (prints "hangup") or SECS to pass ("timeout")
 *   flood N          open N connections at once, then close them all
 *   hold N SECS      open N connections (as many as can be), send nothing,
 *                    keep them until all are hung up on or SECS pass; prints
 *                    "opened K" and then "hangup" or "timeout"
 *   noread N SECS    N calls of procedure 0 (NULLPROC) back to back, never
 *                    reading a reply, then hold the connection until the
 *                    coordinator hangs up ("hangup") or SECS pass
 *                    ("timeout"); a peer that never reads its replies
 *
 * RPC-level (the generated client code over clnt_vc_create):
 *   ask              one ASK; prints the assignment
 *   ask-hold SECS    one ASK, prints it, then keeps the connection without
 *                    ever reporting until the coordinator hangs up or SECS pass
 *   report KIND ID ATTEMPT OK
 *                    one REPORT (KIND map|reduce|NUMBER, OK 0|1); prints
 *                    ACCEPTED or IGNORED
 *   dup-fail         ASK; if given a task, report its attempt failed twice
 *                    and then done; prints the three statuses on one line
 *   badproc          call procedure 99 of version 1 and procedure 1 of
 *                    version 2; prints the two RPC errors
 *
 * -r SECS repeats a byte-level attack (or noread) until the coordinator's socket stops
 * accepting connections (the job is over) or SECS pass, then prints
 * "rounds N" plus per-outcome counts.  Exit status: 0 done, 1 could not do
 * it (e.g. no coordinator), 2 usage.
 */
#include "mr.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <rpc/rpc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *sock_path;
static uint32_t rng_state = 0x5840u;

/* Outcome counters printed by -r. */
static unsigned long n_hangup, n_stall, n_nohangup, n_timeout, n_reply;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t rnd(void)
{
	/* xorshift32: reproducible garbage, no need for real randomness */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Connect to the coordinator; -1 with errno set (nothing printed). */
static int peer_connect(void)
{
	struct sockaddr_un a;
	int fd, saved;

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	if (strlen(sock_path) >= sizeof(a.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(a.sun_path, sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Write it all; -1 when the peer hung up (EPIPE, ECONNRESET) or on error. */
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Wait until the coordinator closes `fd` (EOF or error on read; anything it
 * sends is read and dropped).  1 on hangup, 0 after `ms` milliseconds.
 */
static int wait_hangup(int fd, int64_t ms)
{
	int64_t deadline = now_ms() + ms;
	char buf[4096];

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		int n;

		if (left <= 0)
			return 0;
		n = poll(&p, 1, (int)(left > 1000 ? 1000 : left));
		if (n < 0 && errno != EINTR)
			return 1;
		if (n > 0) {
			ssize_t r = read(fd, buf, sizeof(buf));

			if (r <= 0)
				return 1;
		}
	}
}

/*
 * Encode one RPC call record (record mark included) into buf: procedure
 * `proc` of MR_PROG version `vers`, with an ASK argument unless `no_args`.
 * Returns its length.
 */
static size_t encode_call(char *buf, size_t size, rpcvers_t vers, rpcproc_t proc, int no_args)
{
	struct rpc_msg msg;
	mr_ask_args args = { .worker_pid = (int)getpid(), .fetch_addr = "" };
	XDR x;
	uint32_t len, mark;

	memset(&msg, 0, sizeof(msg));
	msg.rm_xid = rnd();
	msg.rm_direction = CALL;
	msg.rm_call.cb_rpcvers = RPC_MSG_VERSION;
	msg.rm_call.cb_prog = MR_PROG;
	msg.rm_call.cb_vers = vers;
	msg.rm_call.cb_proc = proc;
	msg.rm_call.cb_cred = _null_auth;
	msg.rm_call.cb_verf = _null_auth;
	xdrmem_create(&x, buf + 4, (u_int)(size - 4), XDR_ENCODE);
	if (!xdr_callmsg(&x, &msg) || (!no_args && !xdr_mr_ask_args(&x, &args))) {
		fprintf(stderr, "mrpeer: cannot encode a call\n");
		exit(1);
	}
	len = xdr_getpos(&x);
	xdr_destroy(&x);
	mark = htonl(0x80000000u | len);
	memcpy(buf, &mark, 4);
	return len + 4;
}

/* One round of a byte-level attack: 0 done, -1 could not connect. */
static int attack_garbage(void)
{
	char buf[4096];
	size_t len = 1 + rnd() % sizeof(buf);
	int fd = peer_connect();

	if (fd < 0)
		return -1;
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)rnd();
	if (write_all(fd, buf, len) < 0)
		n_hangup++;
	close(fd);
	return 0;
}

static int attack_truncated(void)
{
	char buf[512];
	size_t len = encode_call(buf, sizeof(buf), MR_VERS, MR_ASK, 0);
	int fd = peer_connect();

	if (fd < 0)
		return -1;
	/* The mark says the whole call follows; send about half of it. */
	if (write_all(fd, buf, 4 + (len - 4) / 2) < 0)
		n_hangup++;
	close(fd);
	return 0;
}

static int attack_badargs(int verbose_reply)
{
	char buf[512], reply[512];
	size_t len = encode_call(buf, sizeof(buf), MR_VERS, MR_ASK, 1);
	int fd = peer_connect();
	ssize_t got = 0;

	if (fd < 0)
		return -1;
	if (write_all(fd, buf, len) < 0) {
		n_hangup++;
		close(fd);
		return 0;
	}
	/* Reply: mark, xid, REPLY, MSG_ACCEPTED, verf flavor, verf len, accept_stat. */
	for (int64_t deadline = now_ms() + 5000; got < 28 && now_ms() < deadline;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, 1000) <= 0)
			continue;
		r = read(fd, reply + got, sizeof(reply) - (size_t)got);
		if (r <= 0)
			break;
		got += r;
	}
	if (got >= 28) {
		uint32_t stat;

		memcpy(&stat, reply + 24, 4);
		n_reply++;
		if (verbose_reply)
			printf("reply accept_stat %u\n", ntohl(stat));
	} else {
		n_hangup++;
		if (verbose_reply)
			printf("hangup\n");
	}
	close(fd);
	return 0;
}

/*
 * Half an ASK record, then nothing more until the coordinator hangs up or
 * `secs` pass: a partial record left hanging.
 */
static int attack_partial(long secs)
{
	char buf[512];
	size_t len = encode_call(buf, sizeof(buf), MR_VERS, MR_ASK, 0);
	int fd = peer_connect();

	if (fd < 0)
		return -1;
	if (write_all(fd, buf, 4 + (len - 4) / 2) < 0 || wait_hangup(fd, secs * 1000))
		printf("hangup\n");
	else
		printf("timeout\n");
	close(fd);
	return 0;
}

/* Units of the fragments attack: a mark for 1000 bytes, not the last, and them. */
#define FRAG_LEN 1000
#define FRAG_UNIT (4 + FRAG_LEN)

/*
 * huge: one mark announcing 0x7fffffff bytes, then filler.  fragments:
 * endless 1000-byte fragments none of which ends the record.  Either way the
 * coordinator must hang up once the record passes its limit.
 */
static int attack_huge(int verbose_reply, int fragments)
{
	static char buf[64 * FRAG_UNIT];
	uint32_t mark = htonl(0xffffffffu); /* last fragment, 0x7fffffff bytes */
	size_t sent = 0;
	const char *what = "no-hangup";
	int fd = peer_connect();
	int64_t last_progress = now_ms();

	if (fd < 0)
		return -1;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	memset(buf, 'x', sizeof(buf));
	if (fragments) {
		mark = htonl(FRAG_LEN);
		for (size_t i = 0; i < sizeof(buf); i += FRAG_UNIT)
			memcpy(buf + i, &mark, 4);
	} else {
		memcpy(buf, &mark, 4);
	}
	while (sent < 16u * 1024 * 1024) {
		struct pollfd p = { .fd = fd, .events = POLLOUT | POLLIN };
		ssize_t n;

		if (now_ms() - last_progress > 5000) {
			what = "stall";
			break;
		}
		if (poll(&p, 1, 500) <= 0)
			continue;
		if (p.revents & (POLLHUP | POLLERR | POLLIN)) {
			char r[256];

			if ((p.revents & (POLLHUP | POLLERR)) || read(fd, r, sizeof(r)) <= 0) {
				what = "hangup";
				break;
			}
		}
		if (fragments) /* the buffer holds whole units: cycle through it */
			n = write(fd, buf + sent % sizeof(buf), sizeof(buf) - sent % sizeof(buf));
		else /* the mark goes once, at the start; the rest is filler */
			n = write(fd, sent == 0 ? buf : buf + 4, sent == 0 ? sizeof(buf) : sizeof(buf) - 4);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			what = "hangup";
			break;
		}
		sent += (size_t)n;
		last_progress = now_ms();
	}
	if (!strcmp(what, "hangup"))
		n_hangup++;
	else if (!strcmp(what, "stall"))
		n_stall++;
	else
		n_nohangup++;
	if (verbose_reply)
		printf("%s after %zu bytes\n", what, sent);
	close(fd);
	return 0;
}

static int attack_idle(long secs)
{
	int fd = peer_connect();

	if (fd < 0)
		return -1;
	if (wait_hangup(fd, secs * 1000)) {
		n_hangup++;
		printf("hangup\n");
	} else {
		n_timeout++;
		printf("timeout\n");
	}
	close(fd);
	return 0;
}

static int attack_flood(long n)
{
	int *fds = calloc((size_t)n, sizeof(*fds));
	long opened = 0;

	if (!fds)
		return -1;
	for (long i = 0; i < n; i++) {
		fds[i] = peer_connect();
		if (fds[i] >= 0)
			opened++;
	}
	for (long i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	if (opened == 0)
		return -1;
	if (opened < n)
		n_hangup++; /* some connects refused: counted, not fatal */
	return 0;
}

static int cmd_hold(long n, long secs)
{
	struct pollfd *p = calloc((size_t)n, sizeof(*p));
	int64_t deadline = now_ms() + secs * 1000;
	long opened = 0, open_now;
	char buf[256];

	if (!p)
		return 1;
	for (long i = 0; i < n; i++) {
		int fd = peer_connect();

		if (fd < 0)
			break;
		p[opened].fd = fd;
		p[opened].events = POLLIN;
		opened++;
	}
	printf("opened %ld\n", opened);
	if (opened == 0) {
		free(p);
		return 1;
	}
	open_now = opened;
	while (open_now > 0 && now_ms() < deadline) {
		if (poll(p, (nfds_t)opened, 200) <= 0)
			continue;
		for (long i = 0; i < opened; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			if (read(p[i].fd, buf, sizeof(buf)) <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				open_now--;
			}
		}
	}
	printf("%s (%ld of %ld still open)\n", open_now ? "timeout" : "hangup", open_now, opened);
	for (long i = 0; i < opened; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	free(p);
	return 0;
}

static int attack_noread(long n, long secs)
{
	char call[512], *buf;
	size_t len = encode_call(call, sizeof(call), MR_VERS, NULLPROC, 1), total, sent = 0;
	int64_t last_progress;
	const char *what = "timeout";
	int fd = peer_connect();

	if (fd < 0)
		return -1;
	total = len * (size_t)n;
	buf = malloc(total);
	if (!buf) {
		close(fd);
		return -1;
	}
	for (long i = 0; i < n; i++)
		memcpy(buf + (size_t)i * len, call, len);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	last_progress = now_ms();
	/* Write the calls; the replies pile up unread on our side. */
	while (sent < total && now_ms() - last_progress < secs * 1000) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		ssize_t w;

		if (poll(&p, 1, 200) <= 0)
			continue;
		if (p.revents & (POLLHUP | POLLERR)) {
			what = "hangup";
			break;
		}
		w = write(fd, buf + sent, total - sent);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			what = "hangup";
			break;
		}
		sent += (size_t)w;
		last_progress = now_ms();
	}
	free(buf);
	if (strcmp(what, "hangup") != 0) {
		/* Hold on without reading; POLLHUP/POLLERR tell us it hung up. */
		int64_t deadline = now_ms() + secs * 1000;

		while (now_ms() < deadline) {
			struct pollfd p = { .fd = fd, .events = 0 };

			if (poll(&p, 1, 200) > 0 && (p.revents & (POLLHUP | POLLERR))) {
				what = "hangup";
				break;
			}
		}
	}
	printf("%s after %zu of %zu bytes sent\n", what, sent, total);
	close(fd);
	return 0;
}

/* --- RPC-level commands --------------------------------------------------- */

static CLIENT *rpc_open(rpcvers_t vers)
{
	struct sockaddr_un a;
	struct netbuf nb;
	struct timeval tv = { 10, 0 };
	CLIENT *c;
	int fd = peer_connect();

	if (fd < 0) {
		fprintf(stderr, "mrpeer: cannot connect to %s: %s\n", sock_path, strerror(errno));
		return NULL;
	}
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	strcpy(a.sun_path, sock_path);
	nb.buf = &a;
	nb.len = nb.maxlen = sizeof(a);
	c = clnt_vc_create(fd, &nb, MR_PROG, vers, 0, 0);
	if (!c) {
		fprintf(stderr, "mrpeer: %s\n", clnt_spcreateerror("clnt_vc_create"));
		close(fd);
		return NULL;
	}
	clnt_control(c, CLSET_FD_CLOSE, NULL);
	clnt_control(c, CLSET_TIMEOUT, (char *)&tv);
	return c;
}

static const char *kind_name(mr_task_kind k)
{
	switch (k) {
	case MR_TASK_MAP: return "map";
	case MR_TASK_REDUCE: return "reduce";
	case MR_TASK_WAIT: return "wait";
	case MR_TASK_EXIT: return "exit";
	}
	return "?";
}

/* ASK once; prints "KIND ID ATTEMPT [FILE]".  0, or -1 after printing why. */
static int do_ask(CLIENT *c, mr_ask_reply *r)
{
	mr_ask_args args = { .worker_pid = (int)getpid(), .fetch_addr = "" };
	enum clnt_stat st;

	memset(r, 0, sizeof(*r));
	st = mr_ask_1(&args, r, c);
	if (st != RPC_SUCCESS) {
		fprintf(stderr, "mrpeer: ASK failed: %s\n", clnt_sperrno(st));
		return -1;
	}
	switch (r->task.kind) {
	case MR_TASK_MAP:
		printf("map %d %llu %s\n", r->task.mr_assignment_u.map.map_id,
		       (unsigned long long)r->attempt, r->task.mr_assignment_u.map.file);
		break;
	case MR_TASK_REDUCE:
		printf("reduce %d %llu\n", r->task.mr_assignment_u.reduce.reduce_id,
		       (unsigned long long)r->attempt);
		break;
	default:
		printf("%s\n", kind_name(r->task.kind));
		break;
	}
	fflush(stdout);
	return 0;
}

/* REPORT once; returns "ACCEPTED", "IGNORED", or NULL after printing why. */
static const char *do_report(CLIENT *c, int kind, int id, uint64_t attempt, int ok,
			     const char *msg)
{
	mr_report_args a = {
		.kind = (mr_task_kind)kind,
		.task_id = id,
		.attempt = attempt,
		.ok = ok,
		.worker_pid = (int)getpid(),
		.errmsg = (char *)msg,
		.fetch_map = -1,
		.fetch_host = "",
		.fetch_addr = "",
	};
	mr_report_reply r;
	enum clnt_stat st;

	memset(&r, 0, sizeof(r));
	st = mr_report_1(&a, &r, c);
	if (st != RPC_SUCCESS) {
		fprintf(stderr, "mrpeer: REPORT failed: %s\n", clnt_sperrno(st));
		return NULL;
	}
	return r.status == MR_REPORT_ACCEPTED ? "ACCEPTED"
	     : r.status == MR_REPORT_IGNORED ? "IGNORED" : "?";
}

static int cmd_ask(long hold_secs)
{
	CLIENT *c = rpc_open(MR_VERS);
	mr_ask_reply r;
	int rc = 1;

	if (!c)
		return 1;
	if (do_ask(c, &r) == 0) {
		rc = 0;
		if (hold_secs > 0) {
			int fd = -1;

			clnt_control(c, CLGET_FD, (char *)&fd);
			printf("%s\n", wait_hangup(fd, hold_secs * 1000) ? "hangup" : "timeout");
		}
		xdr_free((xdrproc_t)xdr_mr_ask_reply, (char *)&r);
	}
	clnt_destroy(c);
	return rc;
}

static int parse_kind(const char *s)
{
	if (!strcmp(s, "map"))
		return MR_TASK_MAP;
	if (!strcmp(s, "reduce"))
		return MR_TASK_REDUCE;
	return (int)strtol(s, NULL, 0);
}

static int cmd_report(const char *kind, const char *id, const char *attempt, const char *ok)
{
	CLIENT *c = rpc_open(MR_VERS);
	const char *st;

	if (!c)
		return 1;
	st = do_report(c, parse_kind(kind), (int)strtol(id, NULL, 0),
		       strtoull(attempt, NULL, 0), atoi(ok), atoi(ok) ? "" : "mrpeer says so");
	clnt_destroy(c);
	if (!st)
		return 1;
	printf("%s\n", st);
	return 0;
}

static int cmd_dup_fail(void)
{
	CLIENT *c = rpc_open(MR_VERS);
	mr_ask_reply r;
	const char *s1, *s2, *s3;
	int kind, id, rc = 1;

	if (!c)
		return 1;
	if (do_ask(c, &r) < 0)
		goto out;
	if (r.task.kind == MR_TASK_MAP) {
		kind = MR_TASK_MAP;
		id = r.task.mr_assignment_u.map.map_id;
	} else if (r.task.kind == MR_TASK_REDUCE) {
		kind = MR_TASK_REDUCE;
		id = r.task.mr_assignment_u.reduce.reduce_id;
	} else {
		fprintf(stderr, "mrpeer: no task handed out (%s)\n", kind_name(r.task.kind));
		goto out_free;
	}
	s1 = do_report(c, kind, id, r.attempt, 0, "mrpeer: first failure report");
	s2 = s1 ? do_report(c, kind, id, r.attempt, 0, "mrpeer: duplicate failure report") : NULL;
	s3 = s2 ? do_report(c, kind, id, r.attempt, 1, "") : NULL;
	if (s3) {
		printf("%s %s %s\n", s1, s2, s3);
		rc = 0;
	}
out_free:
	xdr_free((xdrproc_t)xdr_mr_ask_reply, (char *)&r);
out:
	clnt_destroy(c);
	return rc;
}

static int cmd_badproc(void)
{
	struct timeval tv = { 10, 0 };
	mr_ask_args args = { .worker_pid = (int)getpid(), .fetch_addr = "" };
	mr_ask_reply r;
	CLIENT *c = rpc_open(MR_VERS);
	enum clnt_stat st;

	if (!c)
		return 1;
	memset(&r, 0, sizeof(r));
	st = clnt_call(c, 99, (xdrproc_t)xdr_mr_ask_args, (caddr_t)&args,
		       (xdrproc_t)xdr_mr_ask_reply, (caddr_t)&r, tv);
	printf("proc 99: %s\n", clnt_sperrno(st));
	clnt_destroy(c);
	c = rpc_open(MR_VERS + 1);
	if (!c)
		return 1;
	memset(&r, 0, sizeof(r));
	st = clnt_call(c, MR_ASK, (xdrproc_t)xdr_mr_ask_args, (caddr_t)&args,
		       (xdrproc_t)xdr_mr_ask_reply, (caddr_t)&r, tv);
	printf("version 2: %s\n", clnt_sperrno(st));
	clnt_destroy(c);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mrpeer [-r SECS] SOCKET COMMAND [ARG...]\n"
		"commands: garbage [N] | truncated | partial SECS | badargs | huge | fragments |\n"
		"          idle SECS | flood N |\n"
		"          hold N SECS | noread N SECS | ask | ask-hold SECS | report KIND ID ATTEMPT OK | dup-fail | badproc\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long repeat = 0, n = 1;
	unsigned long rounds = 0;
	const char *cmd;
	int64_t until;
	int c, (*attack)(long) = NULL;

	while ((c = getopt(argc, argv, "+r:")) != -1) {
		if (c != 'r')
			usage();
		repeat = strtol(optarg, NULL, 10);
	}
	if (argc - optind < 2)
		usage();
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	sock_path = argv[optind];
	cmd = argv[optind + 1];
	argv += optind + 2;
	argc -= optind + 2;
	rng_state ^= (uint32_t)getpid();

	if (!strcmp(cmd, "ask") && argc == 0)
		return cmd_ask(0);
	if (!strcmp(cmd, "ask-hold") && argc == 1)
		return cmd_ask(strtol(argv[0], NULL, 10));
	if (!strcmp(cmd, "report") && argc == 4)
		return cmd_report(argv[0], argv[1], argv[2], argv[3]);
	if (!strcmp(cmd, "dup-fail") && argc == 0)
		return cmd_dup_fail();
	if (!strcmp(cmd, "badproc") && argc == 0)
		return cmd_badproc();
	if (!strcmp(cmd, "hold") && argc == 2)
		return cmd_hold(strtol(argv[0], NULL, 10), strtol(argv[1], NULL, 10));
	if (!strcmp(cmd, "noread") && argc == 2) {
		long calls = strtol(argv[0], NULL, 10), hold = strtol(argv[1], NULL, 10);

		until = now_ms() + repeat * 1000;
		do {
			if (attack_noread(calls, hold) < 0) {
				if (rounds == 0) {
					fprintf(stderr, "mrpeer: cannot connect to %s: %s\n",
						sock_path, strerror(errno));
					return 1;
				}
				break;
			}
			rounds++;
		} while (repeat && now_ms() < until);
		if (repeat)
			printf("rounds %lu\n", rounds);
		return 0;
	}

	if (argc > 1)
		usage();
	if (argc == 1)
		n = strtol(argv[0], NULL, 10);
	if (!strcmp(cmd, "idle") && argc == 1)
		return attack_idle(n) < 0 ? 1 : 0;
	if (!strcmp(cmd, "partial") && argc == 1)
		return attack_partial(n) < 0 ? 1 : 0;
	if (!strcmp(cmd, "garbage"))
		attack = NULL;
	else if (!strcmp(cmd, "flood") && argc == 1)
		attack = attack_flood;
	else if (strcmp(cmd, "truncated") && strcmp(cmd, "badargs") && strcmp(cmd, "huge") &&
		 strcmp(cmd, "fragments"))
		usage();

	until = now_ms() + repeat * 1000;
	do {
		int rc = 0;

		if (attack)
			rc = attack(n);
		else if (!strcmp(cmd, "garbage"))
			for (long i = 0; i < n && rc == 0; i++)
				rc = attack_garbage();
		else if (!strcmp(cmd, "truncated"))
			rc = attack_truncated();
		else if (!strcmp(cmd, "badargs"))
			rc = attack_badargs(!repeat);
		else
			rc = attack_huge(!repeat, !strcmp(cmd, "fragments"));
		if (rc < 0) {
			if (rounds == 0) {
				fprintf(stderr, "mrpeer: cannot connect to %s: %s\n",
					sock_path, strerror(errno));
				return 1;
			}
			break; /* the coordinator is gone: the job is over */
		}
		rounds++;
		if (repeat)
			usleep(20000);
	} while (repeat && now_ms() < until);
	if (repeat)
		printf("rounds %lu hangup %lu stall %lu no-hangup %lu reply %lu\n",
		       rounds, n_hangup, n_stall, n_nohangup, n_reply);
	return 0;
}
