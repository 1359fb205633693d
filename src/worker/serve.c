/* serve.c - see serve.h. */
#include "worker/serve.h"

#include "common/jobdir.h"
#include "common/log.h"
#include "common/util.h"
#include "mr.h"
#include "net/channel.h"
#include "net/fetchmsg.h"
#include "net/redial.h"
#include "net/tcp.h"
#include "net/transport.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How long the worker waits for its service's first beat to be heard. */
#define SERVE_START_MS 10000

/* The service process's state (one per process: it serves one directory). */
struct service {
	int lfd;
	char addr[300];
	const char *dir;
	int made_dir;                /* remove dir whole at the end */
	const struct secret *secret;
	int64_t reconnect_ms;        /* how long to wait for a coordinator gone */
	_Atomic int64_t *heard_ms;   /* shared with the worker: see serve.h */
	atomic_int conns;            /* connections being served */
};

/* One connection being served. */
struct conn {
	struct service *sv;
	int fd;
	char peer[128];
};

/* Send run mr-M-R of the directory: an answer, then its bytes.  0 or -1 (cut). */
static int send_run(struct service *sv, struct channel *ch, unsigned char *buf, int m, int r)
{
	unsigned char answer[FETCH_ANSWER_LEN];
	char path[JOBDIR_PATH_MAX];
	struct stat st;
	uint64_t left;
	int fd;

	jobdir_run_path(path, sv->dir, m, r);
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
	return 0;
fail:
	close(fd);
	return -1;
}

/* Serve one connection: handshake, then requests until the peer is done. */
static void *conn_main(void *arg)
{
	struct conn *c = arg;
	struct service *sv = c->sv;
	struct channel ch;
	unsigned char *buf;

	if (channel_accept(&ch, c->fd, c->peer, sv->secret, SERVE_HANDSHAKE_MS,
			   FETCH_REQUEST_LEN) < 0) {
		warning("dropped fetch peer %s: %s", c->peer, ch.err);
		goto out;
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
			warning("dropped fetch peer %s: not a fetch request", c->peer);
			break;
		}
		if (send_run(sv, &ch, buf, m, r) < 0)
			break;
	}
	free(buf);
	channel_close(&ch);
out:
	atomic_fetch_sub(&sv->conns, 1);
	free(c);
	return NULL;
}

/* Hand an accepted connection to a thread of its own, if there is room. */
static void start_conn(struct service *sv, int fd, const char *peer)
{
	struct conn *c;
	pthread_attr_t attr;
	pthread_t t;

	if (atomic_fetch_add(&sv->conns, 1) >= SERVE_MAX_CONNS) {
		atomic_fetch_sub(&sv->conns, 1);
		warning("dropped fetch peer %s: %d connections already", peer, SERVE_MAX_CONNS);
		close(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	*c = (struct conn){ .sv = sv, .fd = fd };
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, conn_main, c) != 0) {
		warning("dropped fetch peer %s: no thread for it", peer);
		close(fd);
		free(c);
		atomic_fetch_sub(&sv->conns, 1);
	}
	pthread_attr_destroy(&attr);
}

static void *accept_main(void *arg)
{
	struct service *sv = arg;

	for (;;) {
		struct pollfd p = { .fd = sv->lfd, .events = POLLIN };
		char peer[128];
		int fd;

		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			break;
		while ((fd = tcp_accept(sv->lfd, peer, sizeof(peer))) >= 0)
			start_conn(sv, fd, peer);
	}
	return NULL;
}

/* Listen on this host's address towards the coordinator (t's connection). */
static int listen_here(struct service *sv, const struct transport *t, const char *advertise)
{
	char local[300], addr[320], err[300], *colon;

	if (tcp_name(t->ch.fd, 1, local, sizeof(local)) < 0 || !(colon = strrchr(local, ':')))
		return error_errno("cannot tell this host's address towards the coordinator");
	*colon = '\0';
	snprintf(addr, sizeof(addr), "%s:0", local);
	sv->lfd = tcp_listen(addr, err, sizeof(err));
	if (sv->lfd < 0)
		return error("cannot start the fetch service: %s", err);
	if (tcp_name(sv->lfd, 1, addr, sizeof(addr)) < 0 || !(colon = strrchr(addr, ':')))
		return error_errno("cannot tell the fetch service's port");
	if (!advertise)
		snprintf(sv->addr, sizeof(sv->addr), "%s", addr);
	else
		snprintf(sv->addr, sizeof(sv->addr), strchr(advertise, ':') ? "[%s]%s" : "%s%s",
			 advertise, colon);
	return 0;
}

/*
 * One beat: 0, or -1 when the coordinator did not hear it (it is gone).
 * A heard beat's sending time goes to sv->heard_ms.
 */
static int beat(struct service *sv, struct transport *t)
{
	char *a = sv->addr;
	int64_t sent = now_ms();
	int res;

	if (transport_call(t, MR_HEARTBEAT, (xdrproc_t)xdr_mr_addr, &a, (xdrproc_t)xdr_int,
			   &res, sizeof(res)) < 0)
		return -1;
	atomic_store(sv->heard_ms, sent);
	return 0;
}

static int cmp_int(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;

	return (a > b) - (a < b);
}

/*
 * The maps whose runs are in sv->dir, sorted, without repeats, into a
 * malloc'd *maps; returns how many, or -1 when the directory cannot be read.
 */
static int held_maps(const struct service *sv, int **maps)
{
	DIR *d = opendir(sv->dir);
	struct dirent *e;
	size_t n = 0, cap = 0, k = 0;
	int *v = NULL;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		int m, r, end = 0;

		if (sscanf(e->d_name, "mr-%d-%d%n", &m, &r, &end) == 2 && m >= 0 && r >= 0 &&
		    e->d_name[end] == '\0') {
			xgrow((void **)&v, &cap, n + 1, sizeof(*v));
			v[n++] = m;
		}
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_int);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	*maps = v;
	return (int)k;
}

/*
 * Registered again with a coordinator (perhaps a restarted one): say which
 * maps we hold runs of (HOLDS, a window of map ids per call), so that it
 * runs again what we were credited with and lost.  0, or -1 when a call
 * failed (the coordinator is gone again).
 */
static int tell_holdings(struct service *sv, struct transport *t)
{
	int *maps = NULL, n = held_maps(sv, &maps), i = 0, from = 0, res, rc = 0;

	if (n < 0) {
		warning("cannot list %s to tell the coordinator what it holds: %s", sv->dir,
			strerror(errno));
		return 0;
	}
	do {
		int last = n == 0 || maps[n - 1] < from + MR_HOLDS_WINDOW, first = i;
		mr_holds_args h = {
			.addr = sv->addr,
			.from = from,
			.to = last ? MR_HOLDS_END : from + MR_HOLDS_WINDOW,
		};

		while (i < n && maps[i] < h.to)
			i++;
		h.maps.maps_len = (u_int)(i - first);
		h.maps.maps_val = i > first ? maps + first : NULL;
		if (transport_call(t, MR_HOLDS, (xdrproc_t)xdr_mr_holds_args, &h,
				   (xdrproc_t)xdr_int, &res, sizeof(res)) < 0) {
			rc = -1;
			break;
		}
		from = h.to;
	} while (from != MR_HOLDS_END);
	free(maps);
	return rc;
}

/*
 * A beat failed: the coordinator is gone.  Without a reconnect window the
 * job is over: -1.  Else try to reach it again (the acceptor serves the
 * runs all the while) and register with a beat: 0; -1 when none answered
 * within the window, SIGTERM (in `stop`) came, or the one there must not
 * be used (printed).
 */
static int rejoin(struct service *sv, struct transport *t, const sigset_t *stop)
{
	struct redial r;
	int64_t pause;
	siginfo_t si;

	if (sv->reconnect_ms <= 0)
		return -1;
	info("coordinator gone; reconnecting for up to %lld s",
	     (long long)(sv->reconnect_ms / 1000));
	redial_start(&r, now_ms() + sv->reconnect_ms);
	while ((pause = redial_pause(&r, now_ms())) >= 0) {
		struct timespec ts = { pause / 1000, (pause % 1000) * 1000000L };
		int rc;

		if (sigtimedwait(stop, &si, &ts) >= 0)
			return -1; /* told to stop */
		rc = transport_reopen(t, redial_try_ms(&r, now_ms()));
		if (rc == -2)
			return error("cannot register with the coordinator at %s again: %s",
				     t->where, t->err);
		if (rc == 0 && beat(sv, t) == 0 && tell_holdings(sv, t) == 0) {
			info("coordinator back at %s; serving map output at %s again", t->where,
			     sv->addr);
			return 0;
		}
		debug("coordinator at %s not back yet: %s", t->where, t->err);
	}
	info("the coordinator did not come back within %lld s",
	     (long long)(sv->reconnect_ms / 1000));
	return -1;
}

/*
 * The service process: connect, listen, beat once, say where we serve on
 * `ready`, then beat until the coordinator is gone (and does not come
 * back within the reconnect window) or SIGTERM comes.
 */
static int service_main(struct service *sv, const char *coordinator, const char *advertise,
			int ready)
{
	struct transport t;
	pthread_t acceptor;
	sigset_t stop;
	siginfo_t si;
	struct timespec pause = { 0, SERVE_HEARTBEAT_MS * 1000000L };
	int rc = 1;

	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	log_set_context("fetch service");
	if (transport_open_tcp(&t, coordinator, sv->secret, 5000, 20) < 0)
		goto out;
	if (listen_here(sv, &t, advertise) < 0 || beat(sv, &t) < 0 ||
	    pthread_create(&acceptor, NULL, accept_main, sv) != 0)
		goto close;
	if (write_all(ready, sv->addr, strlen(sv->addr) + 1) < 0)
		goto close;
	close(ready);
	ready = -1;
	rc = 0;
	while (sigtimedwait(&stop, &si, &pause) < 0 && (errno == EAGAIN || errno == EINTR))
		if (beat(sv, &t) < 0 && rejoin(sv, &t, &stop) < 0)
			break; /* the coordinator is gone: the job is over */
close:
	transport_close(&t);
out:
	serve_clear_dir(sv->dir, sv->made_dir);
	return rc;
}

int serve_start(struct serve *sv, const char *coordinator, const struct secret *k,
		const char *advertise, const char *dir, int made_dir, int64_t reconnect_ms)
{
	struct pollfd p;
	int fds[2];
	ssize_t got;
	size_t len = 0;
	void *shared;

	memset(sv, 0, sizeof(*sv));
	shared = mmap(NULL, sizeof(*sv->heard_ms), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return error_errno("cannot start the fetch service: no shared memory");
	sv->heard_ms = shared;
	atomic_store(sv->heard_ms, 0);
	if (pipe2(fds, O_CLOEXEC) < 0) {
		error_errno("cannot start the fetch service");
		serve_stop(sv);
		return -1;
	}
	fflush(stderr);
	sv->pid = fork();
	if (sv->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		sv->pid = 0;
		error_errno("cannot start the fetch service");
		serve_stop(sv);
		return -1;
	}
	if (sv->pid == 0) {
		struct service s = {
			.lfd = -1,
			.dir = dir,
			.made_dir = made_dir,
			.secret = k,
			.reconnect_ms = reconnect_ms,
			.heard_ms = sv->heard_ms,
		};

		close(fds[0]);
		_exit(service_main(&s, coordinator, advertise, fds[1]));
	}
	close(fds[1]);
	p = (struct pollfd){ .fd = fds[0], .events = POLLIN };
	while (len < sizeof(sv->addr) - 1 && poll(&p, 1, SERVE_START_MS) == 1 &&
	       (got = read(fds[0], sv->addr + len, sizeof(sv->addr) - 1 - len)) > 0)
		len += (size_t)got;
	close(fds[0]);
	sv->addr[len] = '\0';
	if (len == 0 || sv->addr[len - 1] != '\0' || !*sv->addr) {
		serve_stop(sv);
		return error("the fetch service did not start (see its messages above)");
	}
	return 0;
}

int serve_heard_since(const struct serve *sv, int64_t since_ms)
{
	return sv->heard_ms && atomic_load(sv->heard_ms) >= since_ms;
}

int serve_running(struct serve *sv)
{
	pid_t got;

	if (sv->pid <= 0)
		return 0;
	while ((got = waitpid(sv->pid, NULL, WNOHANG)) < 0 && errno == EINTR)
		;
	if (got == 0)
		return 1;
	sv->pid = 0; /* ended (reaped now), or not our child any more */
	return 0;
}

void serve_stop(struct serve *sv)
{
	if (sv->pid > 0) {
		kill(sv->pid, SIGTERM);
		while (waitpid(sv->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	sv->pid = 0;
	if (sv->heard_ms)
		munmap((void *)sv->heard_ms, sizeof(*sv->heard_ms));
	sv->heard_ms = NULL;
}

void serve_clear_dir(const char *dir, int whole)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4200];

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!whole && strncmp(e->d_name, "mr-", 3) && strncmp(e->d_name, "fetch-", 6) &&
		    strncmp(e->d_name, JOBDIR_TMP_PREFIX, strlen(JOBDIR_TMP_PREFIX)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!strncmp(e->d_name, "fetch-", 6))
			serve_clear_dir(path, 1);
		else
			unlink(path);
	}
	closedir(d);
	if (whole)
		rmdir(dir);
}
