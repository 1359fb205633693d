/*
 * netpeer - a misbehaving TCP peer of mrcoordinator --listen (and of a
 * worker's fetch service), for tests/test-net.sh.  The TCP counterpart of
 * mrpeer: it speaks the handshake and frames of net/auth.h over a raw fd,
 * doing every byte of I/O itself, so it can send what a real client never
 * would.
 *
 * usage: netpeer [-r SECS] HOST:PORT COMMAND [ARG...]
 *
 * Byte-level attacks:
 *   garbage N        N connections, each sending 1..4096 pseudo-random bytes
 *                    (seeded from the pid), then reading until the peer hangs
 *                    up (at most 2 s); prints "hangup K/N"
 *   idle             connect, send nothing, wait up to 5 s for the peer to
 *                    hang up; prints "hangup MS" (milliseconds) or "timeout"
 *   partial          the first 10 bytes of a real HELLO, then nothing; prints
 *                    like idle
 *   flood N          N connections opened at once (as many as can be), held
 *                    1 s, closed; prints "opened K"
 *
 * With the secret (a real client, then a replaying one):
 *   legit SECRET_FILE
 *                    handshake, one HEARTBEAT (with an empty fetch address),
 *                    its reply checked; prints
 *                    "ok" or what failed (exit status 1)
 *   replay-handshake SECRET_FILE
 *                    as legit, recording every byte sent; then the recording
 *                    (HELLO, PROOF, call) verbatim on a new connection;
 *                    prints "dropped" when the peer hangs up having sent
 *                    nothing past its CHALLENGE, else "served: WHY"
 *   replay-call SECRET_FILE
 *                    as legit, then the same call frame again on the same
 *                    connection (a replayed sequence number); prints
 *                    "dropped" when the peer hangs up without a reply, else
 *                    "served: WHY"
 *   wrong-secret SECRET_FILE
 *                    the handshake with the secret's first byte flipped:
 *                    prints "refused" when the server's CHALLENGE fails our
 *                    check ("accepted" if it passes), then sends a PROOF made
 *                    with the wrong key anyway and prints "hangup" or
 *                    "timeout"
 *
 * -r SECS repeats garbage, idle, partial, flood or replay-handshake in
 * rounds until a connect fails (the peer has ended) or SECS pass, printing
 * only a summary: "rounds N" and the outcomes counted over all rounds.
 *
 * Time: every wait is a poll() or a connect of at most 5 s (2 s for
 * garbage's hangups), cut short at the run's deadline, SECS + 10 s after
 * the start (10 s without -r); an alarm ends the process if that ever
 * fails.  Only HOST:PORT is ever contacted.
 *
 * Exit status: 0 done (whatever the peer did), 1 could not do it (nobody
 * at the address at the start, a bad secret file; legit: any failure),
 * 2 usage.
 */
#include "mr.h"

#include "common/log.h"
#include "common/util.h"
#include "net/auth.h"
#include "net/rpcmsg.h"
#include "net/secret.h"
#include "net/tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define STEP_MS 5000            /* the longest any one wait may be */
#define GARBAGE_HANGUP_MS 2000  /* a garbage sender waits this long for its hangup */
#define GARBAGE_BATCH 64        /* garbage connections in flight at once */
#define FLOOD_HOLD_MS 1000
#define SLACK_MS 10000          /* the run ends by SECS + this */
#define PARTIAL_LEN 10          /* bytes of HELLO the partial attack sends */
#define REPLY_MAX (1u << 20)    /* the largest reply frame we accept */

/* The handshake label of a client's PROOF (net/auth.c; the wire format). */
#define LABEL_CLIENT "mr client"

/* What a round came to. */
enum outcome {
	OUT_DONE = 0,      /* the round ran (its result is in the tally) */
	OUT_NOCONN = -1,   /* its first connect failed: nobody at the address */
	OUT_FAILED = -2    /* a legit phase failed (printed when not repeating) */
};

/* Outcomes over all rounds, printed by -r. */
struct tally {
	unsigned long rounds, conns, hangups, timeouts, opened, tried;
	unsigned long dropped, served, failed;
	int64_t slowest_ms;
};

static const char *peer_addr;
static int64_t run_deadline;     /* no wait goes past it */
static int quiet;                /* -r: per-round lines are not printed */
static uint32_t rng_state = 0x6e70u;
static struct tally tally;

/* The run's watchdog: the deadlines below should make it never fire. */
static void on_alarm(int sig)
{
	static const char msg[] = "netpeer: out of time\n";

	ssize_t w = write(2, msg, sizeof(msg) - 1);

	(void)sig;
	(void)w;
	_exit(1);
}

static uint32_t rnd(void)
{
	/* xorshift32: reproducible garbage from the pid, no need for real randomness */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* The deadline of a step of `ms` milliseconds starting now, cut at the run's. */
static int64_t step_deadline(int64_t ms)
{
	int64_t d = now_ms() + ms;

	return d < run_deadline ? d : run_deadline;
}

/* Milliseconds left until `deadline`, for poll(): 0 when it has passed. */
static int left_ms(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	return left <= 0 ? 0 : left > STEP_MS ? STEP_MS : (int)left;
}

/* Text for errno after an I/O helper failed. */
static const char *io_why(int err)
{
	if (err == ECONNRESET)
		return "the peer closed the connection";
	if (err == ETIMEDOUT)
		return "no answer in time";
	return strerror(err);
}

/*
 * Connect to the peer within STEP_MS: a non-blocking fd, or -1 with errno
 * and the reason in err[errlen].
 */
static int peer_connect(char *err, size_t errlen)
{
	int ms = left_ms(step_deadline(STEP_MS)), fd;

	if (ms <= 0) {
		snprintf(err, errlen, "cannot connect to %s: out of time", peer_addr);
		errno = ETIMEDOUT;
		return -1;
	}
	fd = tcp_connect(peer_addr, ms, err, errlen);
	if (fd < 0)
		return -1;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* Send all n bytes by `deadline`.  0, or -1 with errno (ETIMEDOUT, EPIPE, ...). */
static int send_all(int fd, const void *buf, size_t n, int64_t deadline)
{
	return tcp_io_full(fd, (void *)buf, n, 1, deadline, 0);
}

/*
 * Read exactly n bytes by `deadline`.  0, or -1 with errno: ECONNRESET when
 * the peer closed the connection first, ETIMEDOUT, or the socket's error.
 */
static int recv_exact(int fd, void *buf, size_t n, int64_t deadline)
{
	return tcp_io_full(fd, buf, n, 0, deadline, 0);
}

/*
 * Read (and drop) whatever the peer sends until it hangs up or `deadline`
 * passes, adding the bytes read to *got (may be NULL).  1 when it hung up
 * (end of file or a socket error such as a reset), 0 at the deadline.
 */
static int wait_hangup(int fd, int64_t deadline, size_t *got)
{
	unsigned char buf[4096];

	for (;;) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		ssize_t r = read(fd, buf, sizeof(buf));
		int ms;

		if (r == 0)
			return 1;
		if (r > 0) {
			if (got)
				*got += (size_t)r;
			if (now_ms() >= deadline)
				return 0; /* it keeps talking: no hangup in time */
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return 1;
		ms = left_ms(deadline);
		if (ms == 0)
			return 0;
		if (poll(&pf, 1, ms) < 0 && errno != EINTR)
			return 1;
	}
}

/* --- a real client ------------------------------------------------------------ */

/* Bytes sent, kept for a replay. */
struct record {
	unsigned char *p;
	size_t len, cap;
};

static void record_add(struct record *r, const void *p, size_t n)
{
	if (!r)
		return;
	xgrow((void **)&r->p, &r->cap, r->len + n, 1);
	memcpy(r->p + r->len, p, n);
	r->len += n;
}

/* Send and, when `rec` is given, record. */
static int send_rec(int fd, const void *p, size_t n, struct record *rec)
{
	if (send_all(fd, p, n, step_deadline(STEP_MS)) < 0)
		return -1;
	record_add(rec, p, n);
	return 0;
}

/* A legit client's connection after its HEARTBEAT was answered. */
struct legit {
	int fd;                   /* open, authenticated */
	struct auth_session s;
	unsigned char *call;      /* the HEARTBEAT frame as sent (malloc'd) */
	size_t call_len;
};

static void legit_release(struct legit *l)
{
	if (l->fd >= 0)
		close(l->fd);
	auth_session_clear(&l->s);
	free(l->call);
	l->fd = -1;
	l->call = NULL;
}

/*
 * Be a real client: connect, handshake with k, call HEARTBEAT and check its
 * reply, recording every byte sent in `rec` (may be NULL).  OUT_DONE with
 * *l filled (legit_release it), OUT_NOCONN when the connect failed, or
 * OUT_FAILED; either failure leaves the reason in why[whylen] and *l
 * released.
 */
static int legit_run(struct legit *l, const struct secret *k, struct record *rec,
		     char *why, size_t whylen)
{
	unsigned char hello[AUTH_HELLO_LEN], challenge[AUTH_CHALLENGE_LEN];
	unsigned char proof[AUTH_PROOF_LEN], hdr[AUTH_HEADER_LEN], *reply = NULL;
	const unsigned char *body;
	struct auth_hs hs;
	mr_addr no_addr = "";
	size_t len, blen;
	uint32_t status;
	int value = -1, rc = OUT_FAILED;

	memset(l, 0, sizeof(*l));
	l->fd = peer_connect(why, whylen);
	if (l->fd < 0)
		return OUT_NOCONN;
	if (auth_client_hello(&hs, k, hello) < 0) {
		snprintf(why, whylen, "no HELLO: %s", auth_why_hs(&hs));
		goto out;
	}
	if (send_rec(l->fd, hello, sizeof(hello), rec) < 0) {
		snprintf(why, whylen, "sending the HELLO: %s", io_why(errno));
		goto out;
	}
	if (recv_exact(l->fd, challenge, sizeof(challenge), step_deadline(STEP_MS)) < 0) {
		snprintf(why, whylen, "no CHALLENGE: %s", io_why(errno));
		goto out;
	}
	if (auth_client_finish(&hs, challenge, proof, &l->s) < 0) {
		snprintf(why, whylen, "the CHALLENGE failed: %s", auth_why_hs(&hs));
		goto out;
	}
	if (send_rec(l->fd, proof, sizeof(proof), rec) < 0) {
		snprintf(why, whylen, "sending the PROOF: %s", io_why(errno));
		goto out;
	}
	/*
	 * HEARTBEAT's argument is the caller's fetch address; "" is none (a
	 * coordinator whose HEARTBEAT took no argument ignores the 4 bytes).
	 */
	if (rpcmsg_encode(MR_HEARTBEAT, (xdrproc_t)xdr_mr_addr, &no_addr, AUTH_HEADER_LEN,
			  &l->call, &len) < 0) {
		snprintf(why, whylen, "cannot encode a HEARTBEAT");
		goto out;
	}
	l->call = xrealloc(l->call, AUTH_FRAME_LEN(len));
	if (auth_seal(&l->s, l->call + AUTH_HEADER_LEN, len, l->call) < 0) {
		snprintf(why, whylen, "cannot seal the call: %s", auth_why(&l->s));
		goto out;
	}
	l->call_len = AUTH_FRAME_LEN(len);
	if (send_rec(l->fd, l->call, l->call_len, rec) < 0) {
		snprintf(why, whylen, "sending the HEARTBEAT: %s", io_why(errno));
		goto out;
	}
	if (recv_exact(l->fd, hdr, sizeof(hdr), step_deadline(STEP_MS)) < 0) {
		snprintf(why, whylen, "no reply: %s", io_why(errno));
		goto out;
	}
	if (auth_frame_length(hdr, REPLY_MAX, &len) < 0) {
		snprintf(why, whylen, "a reply frame announcing more than %u bytes", REPLY_MAX);
		goto out;
	}
	reply = xmalloc(AUTH_FRAME_LEN(len));
	memcpy(reply, hdr, sizeof(hdr));
	if (recv_exact(l->fd, reply + sizeof(hdr), AUTH_FRAME_LEN(len) - sizeof(hdr),
		       step_deadline(STEP_MS)) < 0) {
		snprintf(why, whylen, "a truncated reply: %s", io_why(errno));
		goto out;
	}
	if (auth_open(&l->s, reply, len) < 0) {
		snprintf(why, whylen, "the reply failed its check: %s", auth_why(&l->s));
		goto out;
	}
	if (rpcmsg_head(reply + AUTH_HEADER_LEN, len, &status, &body, &blen) < 0) {
		snprintf(why, whylen, "a reply without a status");
		goto out;
	}
	if (status != RPCMSG_OK) {
		snprintf(why, whylen, "reply status %u, not RPCMSG_OK", status);
		goto out;
	}
	if (rpcmsg_decode(body, blen, (xdrproc_t)xdr_int, &value, sizeof(value)) < 0) {
		snprintf(why, whylen, "the HEARTBEAT result does not decode as an int");
		goto out;
	}
	rc = OUT_DONE;
out:
	auth_hs_clear(&hs);
	free(reply);
	if (rc != OUT_DONE)
		legit_release(l);
	return rc;
}

static int cmd_legit(const struct secret *k)
{
	struct legit l;
	char why[512];
	int rc = legit_run(&l, k, NULL, why, sizeof(why));

	if (rc != OUT_DONE) {
		printf("%s\n", why);
		return 1;
	}
	legit_release(&l);
	printf("ok\n");
	return 0;
}

/* --- byte-level rounds -------------------------------------------------------- */

/*
 * N connections of garbage, GARBAGE_BATCH at a time: each sends 1..4096
 * pseudo-random bytes and waits up to GARBAGE_HANGUP_MS to be hung up on.
 */
static int round_garbage(long n)
{
	struct pollfd pf[GARBAGE_BATCH];
	int64_t deadline[GARBAGE_BATCH];
	unsigned char buf[4096];
	unsigned long made = 0, hung = 0;
	char err[300];
	int stop = 0;

	while ((long)made < n && !stop) {
		int batch = 0, open_now;

		while ((long)made < n && batch < GARBAGE_BATCH) {
			size_t len = 1 + rnd() % sizeof(buf);
			int fd = peer_connect(err, sizeof(err));

			if (fd < 0) {
				if (made == 0) {
					if (!quiet)
						fprintf(stderr, "netpeer: %s\n", err);
					return OUT_NOCONN;
				}
				stop = 1; /* the peer went away mid-round */
				break;
			}
			made++;
			for (size_t j = 0; j < len; j++)
				buf[j] = (unsigned char)rnd();
			if (send_all(fd, buf, len, step_deadline(GARBAGE_HANGUP_MS)) < 0 &&
			    errno != ETIMEDOUT) {
				hung++; /* reset or closed while we were still sending */
				close(fd);
				continue;
			}
			pf[batch] = (struct pollfd){ .fd = fd, .events = POLLIN };
			deadline[batch] = step_deadline(GARBAGE_HANGUP_MS);
			batch++;
		}
		open_now = batch;
		while (open_now > 0) {
			int64_t next = INT64_MAX;

			for (int i = 0; i < batch; i++) {
				if (pf[i].fd < 0)
					continue;
				if (now_ms() >= deadline[i]) {
					close(pf[i].fd); /* not hung up on in time */
					pf[i].fd = -1;
					open_now--;
				} else if (deadline[i] < next) {
					next = deadline[i];
				}
			}
			if (open_now == 0)
				break;
			if (poll(pf, (nfds_t)batch, left_ms(next)) <= 0)
				continue;
			for (int i = 0; i < batch; i++) {
				if (pf[i].fd < 0 || !pf[i].revents)
					continue;
				if (wait_hangup(pf[i].fd, 0, NULL)) {
					hung++;
					close(pf[i].fd);
					pf[i].fd = -1;
					open_now--;
				}
			}
		}
	}
	tally.conns += made;
	tally.hangups += hung;
	if (!quiet) {
		printf("hangup %lu/%lu\n", hung, made);
		if ((long)made < n)
			fprintf(stderr, "netpeer: only %lu of %ld connections made\n", made, n);
	}
	return OUT_DONE;
}

/* idle (`partial` 0) or partial: a connection that never completes a HELLO. */
static int round_silent(int partial)
{
	unsigned char hello[AUTH_HELLO_LEN];
	struct secret none = { NULL, 0 }; /* the HELLO uses no key, only a nonce */
	struct auth_hs hs;
	char err[300];
	int64_t start;
	int fd = peer_connect(err, sizeof(err)), hung;

	if (fd < 0) {
		if (!quiet)
			fprintf(stderr, "netpeer: %s\n", err);
		return OUT_NOCONN;
	}
	start = now_ms();
	if (partial) {
		if (auth_client_hello(&hs, &none, hello) < 0) {
			fprintf(stderr, "netpeer: no HELLO: %s\n", auth_why_hs(&hs));
			close(fd);
			return OUT_FAILED;
		}
		auth_hs_clear(&hs);
		hung = send_all(fd, hello, PARTIAL_LEN, step_deadline(STEP_MS)) < 0 &&
		       errno != ETIMEDOUT;
		start = now_ms();
	} else {
		hung = 0;
	}
	if (hung || wait_hangup(fd, step_deadline(STEP_MS), NULL)) {
		int64_t ms = now_ms() - start;

		tally.hangups++;
		if (ms > tally.slowest_ms)
			tally.slowest_ms = ms;
		if (!quiet)
			printf("hangup %lld\n", (long long)ms);
	} else {
		tally.timeouts++;
		if (!quiet)
			printf("timeout\n");
	}
	close(fd);
	return OUT_DONE;
}

/*
 * n connections begun at once (non-blocking connects), as many as the fd
 * limit allows; those established within STEP_MS are held FLOOD_HOLD_MS,
 * then all are closed.
 */
static int round_flood(long n)
{
	int *fd = xcalloc((size_t)n, sizeof(*fd));
	char *pending = xcalloc((size_t)n, 1);
	struct pollfd *pf = xcalloc((size_t)n, sizeof(*pf));
	struct addrinfo hints, *res = NULL;
	char host[300], serv[16], err[300];
	long started = 0, waiting = 0, opened = 0;
	int port, refused = 0, rc = OUT_DONE;
	int64_t deadline;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (tcp_split(peer_addr, host, sizeof(host), &port, err, sizeof(err)) < 0) {
		fprintf(stderr, "netpeer: %s\n", err);
		rc = OUT_NOCONN;
		goto out;
	}
	snprintf(serv, sizeof(serv), "%d", port);
	if (getaddrinfo(host, serv, &hints, &res) != 0 || !res) {
		fprintf(stderr, "netpeer: cannot resolve %s\n", peer_addr);
		rc = OUT_NOCONN;
		goto out;
	}
	for (long tries = 0; tries < n; tries++) {
		int s = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (s < 0)
			break; /* out of descriptors: as many as possible */
		if (connect(s, res->ai_addr, res->ai_addrlen) == 0) {
			opened++;
		} else if (errno == EINPROGRESS) {
			pending[started] = 1;
			waiting++;
		} else {
			refused += errno == ECONNREFUSED;
			close(s);
			if (opened == 0 && waiting == 0)
				break; /* refused at once: nobody listens */
			continue;
		}
		fd[started++] = s;
	}
	/* Wait for the connects in progress; the pollfd array is rebuilt each pass. */
	deadline = step_deadline(STEP_MS);
	while (waiting > 0 && left_ms(deadline) > 0) {
		nfds_t np = 0;

		for (long i = 0; i < started; i++)
			if (pending[i])
				pf[np++] = (struct pollfd){ .fd = fd[i], .events = POLLOUT };
		if (poll(pf, np, left_ms(deadline)) <= 0)
			continue;
		for (long i = 0, j = 0; i < started; i++) {
			int soerr = 0;
			socklen_t sl = sizeof(soerr);

			if (!pending[i] || !pf[j++].revents)
				continue;
			pending[i] = 0;
			waiting--;
			getsockopt(fd[i], SOL_SOCKET, SO_ERROR, &soerr, &sl);
			if (soerr == 0) {
				opened++;
			} else {
				refused += soerr == ECONNREFUSED;
				close(fd[i]);
				fd[i] = -1;
			}
		}
	}
	if (opened == 0) {
		if (!quiet)
			fprintf(stderr, "netpeer: no connection to %s (%d refused)\n",
				peer_addr, refused);
		rc = OUT_NOCONN;
	} else {
		/* Hold them: a poll of nothing just waits, cut at the run's deadline. */
		deadline = step_deadline(FLOOD_HOLD_MS);
		while (left_ms(deadline) > 0)
			poll(NULL, 0, left_ms(deadline));
	}
	if (opened > 0) {
		tally.opened += (unsigned long)opened;
		tally.tried += (unsigned long)n;
		if (!quiet)
			printf("opened %ld\n", opened);
	}
out:
	for (long i = 0; i < started; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	if (res)
		freeaddrinfo(res);
	free(pf);
	free(pending);
	free(fd);
	return rc;
}

/* A legit session recorded, then replayed whole on a new connection. */
static int round_replay_handshake(const struct secret *k)
{
	struct record rec = { NULL, 0, 0 };
	struct legit l;
	char why[512];
	size_t got = 0;
	int rc = legit_run(&l, k, &rec, why, sizeof(why)), fd, hung;

	if (rc != OUT_DONE) {
		if (!quiet)
			printf("legit phase failed: %s\n", why);
		if (rc == OUT_FAILED)
			tally.failed++;
		goto out;
	}
	legit_release(&l);
	fd = peer_connect(why, sizeof(why));
	if (fd < 0) {
		if (!quiet)
			printf("replay phase: %s\n", why);
		tally.failed++;
		rc = OUT_FAILED;
		goto out;
	}
	/* It may hang up before all is sent: what it answers is what counts. */
	send_all(fd, rec.p, rec.len, step_deadline(STEP_MS));
	hung = wait_hangup(fd, step_deadline(STEP_MS), &got);
	close(fd);
	if (hung && got <= AUTH_CHALLENGE_LEN) {
		tally.dropped++;
		if (!quiet)
			printf("dropped\n");
	} else {
		tally.served++;
		if (!quiet && !hung)
			printf("served: no hangup within %d s (%zu bytes received)\n",
			       STEP_MS / 1000, got);
		else if (!quiet)
			printf("served: %zu bytes received beyond the %d-byte CHALLENGE\n",
			       got - AUTH_CHALLENGE_LEN, AUTH_CHALLENGE_LEN);
	}
out:
	free(rec.p);
	return rc;
}

/* --- commands that run once ---------------------------------------------------- */

static int cmd_replay_call(const struct secret *k)
{
	struct legit l;
	char why[512];
	size_t got = 0;
	int hung, rc = legit_run(&l, k, NULL, why, sizeof(why));

	if (rc != OUT_DONE) {
		printf("legit phase failed: %s\n", why);
		return 1;
	}
	/* The same bytes again: the MAC was made for sequence number 0, now 1 is due. */
	send_all(l.fd, l.call, l.call_len, step_deadline(STEP_MS));
	hung = wait_hangup(l.fd, step_deadline(STEP_MS), &got);
	if (hung && got == 0)
		printf("dropped\n");
	else if (!hung)
		printf("served: no hangup within %d s (%zu bytes received)\n",
		       STEP_MS / 1000, got);
	else
		printf("served: %zu bytes received before the hangup\n", got);
	legit_release(&l);
	return 0;
}

static int cmd_wrong_secret(const struct secret *real)
{
	unsigned char hello[AUTH_HELLO_LEN], challenge[AUTH_CHALLENGE_LEN];
	unsigned char proof[AUTH_PROOF_LEN], input[sizeof(LABEL_CLIENT) - 1 + 2 * AUTH_NONCE_LEN];
	struct secret wrong;
	struct auth_session s;
	struct auth_hs hs;
	size_t maclen = 0;
	char err[300];
	int fd = -1, rc = 1;

	wrong.len = real->len;
	wrong.key = xmalloc(real->len);
	memcpy(wrong.key, real->key, real->len);
	wrong.key[0] ^= 0xff;
	memset(&hs, 0, sizeof(hs));
	memset(&s, 0, sizeof(s));
	fd = peer_connect(err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "netpeer: %s\n", err);
		goto out;
	}
	if (auth_client_hello(&hs, &wrong, hello) < 0) {
		fprintf(stderr, "netpeer: no HELLO: %s\n", auth_why_hs(&hs));
		goto out;
	}
	if (send_all(fd, hello, sizeof(hello), step_deadline(STEP_MS)) < 0 ||
	    recv_exact(fd, challenge, sizeof(challenge), step_deadline(STEP_MS)) < 0) {
		printf("no CHALLENGE: %s\n", io_why(errno));
		goto out;
	}
	if (auth_client_finish(&hs, challenge, proof, &s) < 0)
		printf("refused\n");
	else
		printf("accepted\n"); /* its proof passed under the wrong key: not our server */
	/* The PROOF a client holding the wrong key makes: HMAC(K', label Nc Ns). */
	memcpy(input, LABEL_CLIENT, sizeof(LABEL_CLIENT) - 1);
	memcpy(input + sizeof(LABEL_CLIENT) - 1, hello + 8, AUTH_NONCE_LEN);
	memcpy(input + sizeof(LABEL_CLIENT) - 1 + AUTH_NONCE_LEN, challenge + 8, AUTH_NONCE_LEN);
	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, wrong.key, wrong.len, input,
		       sizeof(input), proof, sizeof(proof), &maclen) || maclen != sizeof(proof)) {
		fprintf(stderr, "netpeer: HMAC failed in libcrypto\n");
		goto out;
	}
	if (send_all(fd, proof, sizeof(proof), step_deadline(STEP_MS)) < 0 && errno == ETIMEDOUT)
		printf("timeout\n");
	else
		printf("%s\n", wait_hangup(fd, step_deadline(STEP_MS), NULL) ? "hangup" : "timeout");
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	auth_hs_clear(&hs);
	auth_session_clear(&s);
	OPENSSL_cleanse(input, sizeof(input));
	secret_release(&wrong);
	return rc;
}

/* --- main ---------------------------------------------------------------------- */

static void usage(void) __attribute__((noreturn));
static void usage(void)
{
	fprintf(stderr,
		"usage: netpeer [-r SECS] HOST:PORT COMMAND [ARG...]\n"
		"commands: garbage N | idle | partial | flood N | legit SECRET_FILE |\n"
		"          replay-handshake SECRET_FILE | replay-call SECRET_FILE |\n"
		"          wrong-secret SECRET_FILE\n"
		"-r SECS repeats garbage, idle, partial, flood or replay-handshake\n");
	exit(2);
}

int main(int argc, char **argv)
{
	enum { C_GARBAGE, C_IDLE, C_PARTIAL, C_FLOOD, C_REPLAY_HS, C_LEGIT, C_REPLAY_CALL,
	       C_WRONG } cmd;
	struct secret k = { NULL, 0 };
	long repeat = 0, n = 0;
	const char *name;
	int64_t start = now_ms(), until;
	int c, rc = 0, nargs;

	log_init("netpeer", 0);
	while ((c = getopt(argc, argv, "+r:")) != -1) {
		if (c != 'r' || parse_long(optarg, 1, 86400, &repeat) < 0)
			usage();
	}
	if (argc - optind < 2)
		usage();
	peer_addr = argv[optind];
	name = argv[optind + 1];
	nargs = argc - optind - 2;
	argv += optind + 2;
	if (!strcmp(name, "garbage"))
		cmd = C_GARBAGE;
	else if (!strcmp(name, "idle"))
		cmd = C_IDLE;
	else if (!strcmp(name, "partial"))
		cmd = C_PARTIAL;
	else if (!strcmp(name, "flood"))
		cmd = C_FLOOD;
	else if (!strcmp(name, "replay-handshake"))
		cmd = C_REPLAY_HS;
	else if (!strcmp(name, "legit"))
		cmd = C_LEGIT;
	else if (!strcmp(name, "replay-call"))
		cmd = C_REPLAY_CALL;
	else if (!strcmp(name, "wrong-secret"))
		cmd = C_WRONG;
	else
		usage();
	if (nargs != (cmd == C_IDLE || cmd == C_PARTIAL ? 0 : 1))
		usage();
	if ((cmd == C_GARBAGE || cmd == C_FLOOD) && parse_long(argv[0], 1, 100000, &n) < 0)
		usage();
	if (repeat && cmd > C_REPLAY_HS)
		usage();

	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	alarm((unsigned)(repeat + SLACK_MS / 1000));
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Half a second of the slack is kept for closing up and printing. */
	run_deadline = start + repeat * 1000 + SLACK_MS - 500;
	until = start + repeat * 1000;
	quiet = repeat > 0;
	rng_state ^= (uint32_t)getpid();
	if (!rng_state)
		rng_state = 1; /* xorshift never leaves 0 */
	if (cmd == C_FLOOD)
		raise_fd_limit();
	if (cmd >= C_REPLAY_HS && secret_load(&k, argv[0]) < 0)
		return 1;

	switch (cmd) {
	case C_LEGIT:
		rc = cmd_legit(&k);
		goto out;
	case C_REPLAY_CALL:
		rc = cmd_replay_call(&k);
		goto out;
	case C_WRONG:
		rc = cmd_wrong_secret(&k);
		goto out;
	default:
		break;
	}

	do {
		int r;

		switch (cmd) {
		case C_GARBAGE:
			r = round_garbage(n);
			break;
		case C_IDLE:
		case C_PARTIAL:
			r = round_silent(cmd == C_PARTIAL);
			break;
		case C_FLOOD:
			r = round_flood(n);
			break;
		default:
			r = round_replay_handshake(&k);
			break;
		}
		if (r == OUT_NOCONN) {
			if (tally.rounds == 0) {
				if (quiet)
					fprintf(stderr, "netpeer: nobody at %s\n", peer_addr);
				rc = 1;
				goto out;
			}
			break; /* the peer is gone: its job is over */
		}
		if (r == OUT_FAILED && !quiet)
			rc = 1;
		tally.rounds++;
		if (repeat)
			sleep_ms(20);
	} while (repeat && now_ms() < until);

	if (repeat) {
		printf("rounds %lu", tally.rounds);
		switch (cmd) {
		case C_GARBAGE:
			printf(" hangup %lu/%lu\n", tally.hangups, tally.conns);
			break;
		case C_IDLE:
		case C_PARTIAL:
			printf(" hangup %lu timeout %lu slowest-ms %lld\n", tally.hangups,
			       tally.timeouts, (long long)tally.slowest_ms);
			break;
		case C_FLOOD:
			printf(" opened %lu/%lu\n", tally.opened, tally.tried);
			break;
		default:
			printf(" dropped %lu served %lu failed %lu\n", tally.dropped, tally.served,
			       tally.failed);
			break;
		}
	}
out:
	secret_release(&k);
	return rc;
}
