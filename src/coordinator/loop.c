/* loop.c - see loop.h. */
#include "coordinator/loop.h"

#include "coordinator/service.h"
#include "common/log.h"
#include "common/util.h"
#include "mr.h" /* MR_MAX_COUNTERS */

#include <errno.h>
#include <poll.h>
#include <rpc/rpc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

/* Upper bound on one poll() wait, so a clock jump cannot stall us for long. */
#define LOOP_MAX_WAIT_MS 1000

int loop_signals_open(void)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return error_errno("cannot block signals");
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return error_errno("cannot create signalfd");
	return fd;
}

static int read_signal(int sigfd)
{
	struct signalfd_siginfo si;

	if (read(sigfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return 0;
	return (int)si.ssi_signo;
}

/* A connection that has not read its replies for this long is dropped. */
#define LOOP_UNWRITABLE_MS 3000

/* 1 when a reply to `fd` can be written now; always 1 for the listening socket. */
static int writable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int listening = 0;
	socklen_t len = sizeof(listening);

	if (poll(&p, 1, 0) == 1 && (p.revents & POLLOUT))
		return 1;
	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening;
}

#define PROGRESS_MS 1000

/* Redraw the progress line: "map 37/120, reduce 0/10, 52.3 MB/s, ETA 12 s". */
static void draw_progress(const struct job *job, int64_t start_ms)
{
	struct job_counter totals[MR_MAX_COUNTERS];
	struct job_status st;
	int64_t now = now_ms(), bytes = 0;
	size_t n = job_counter_totals(job, totals, MR_MAX_COUNTERS);
	double secs = (double)(now - start_ms) / 1000.0;
	char eta[32] = "";

	job_status(job, now - start_ms, &st);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(totals[i].name, "mr.map.input.bytes"))
			bytes = totals[i].value;
	if (st.eta_ms >= 0)
		snprintf(eta, sizeof(eta), ", ETA %.0f s", (double)st.eta_ms / 1000.0);
	fprintf(stderr, "\r\033[Kmap %d/%d, reduce %d/%d, %.1f MB/s%s",
		st.done[KIND_MAP], job->nmap, st.done[KIND_REDUCE], job->nreduce,
		secs > 0 ? (double)bytes / 1e6 / secs : 0.0, eta);
}

void loop_init(struct loop *l, struct job *job, struct netserve *net, int sigfd,
	       int progress)
{
	memset(l, 0, sizeof(*l));
	l->job = job;
	l->net = net;
	l->sigfd = sigfd;
	l->progress = progress;
}

void loop_release(struct loop *l)
{
	free(l->pfds);
	free(l->stuck_since);
	l->pfds = NULL;
	l->stuck_since = NULL;
	l->pfds_cap = l->stuck_cap = 0;
}

/*
 * Lay out this pass's pollfd array: svc_getreq_poll() wants it laid out
 * like svc_pollfd, so the RPC entries come first and sigfd goes last.  A
 * peer not reading its replies is polled for room to write instead.
 * Returns the number of RPC entries.
 */
static int fill_pollfds(struct loop *l)
{
	int nrpc = svc_max_pollfd;
	size_t nnet = l->net ? netserve_npoll(l->net) : 0;

	xgrow((void **)&l->pfds, &l->pfds_cap, (size_t)nrpc + 2 + nnet, sizeof(*l->pfds));
	if (nrpc > 0)
		memcpy(l->pfds, svc_pollfd, (size_t)nrpc * sizeof(*l->pfds));
	l->pfds[nrpc] = (struct pollfd){ .fd = l->sigfd, .events = POLLIN };
	if (nnet)
		netserve_fill(l->net, l->pfds + nrpc + 1);
	/* Last: the journal's batch in flight (fd -1, ignored by poll, when none). */
	l->pfds[(size_t)nrpc + 1 + nnet] = (struct pollfd){ .fd = service_sync_fd(),
							    .events = POLLIN };
	for (int i = 0; i < nrpc; i++) {
		int fd = l->pfds[i].fd;

		if (fd < 0)
			continue;
		if ((size_t)fd >= l->stuck_cap) {
			size_t old = l->stuck_cap;

			xgrow((void **)&l->stuck_since, &l->stuck_cap, (size_t)fd + 1,
			      sizeof(*l->stuck_since));
			memset(l->stuck_since + old, 0,
			       (l->stuck_cap - old) * sizeof(*l->stuck_since));
		}
		if (l->stuck_since[fd])
			l->pfds[i].events = POLLOUT;
	}
	return nrpc;
}

/*
 * poll()'s timeout for this pass: until the earliest task deadline, or the
 * next progress redraw (drawing the line first when it is due).
 */
static int pass_timeout(struct loop *l)
{
	int timeout = job_next_timeout(l->job, now_ms(), LOOP_MAX_WAIT_MS);
	int64_t now;

	if (l->net)
		timeout = netserve_timeout(l->net, now_ms(), timeout);
	timeout = service_timeout(now_ms(), timeout);
	if (!l->progress)
		return timeout;
	now = now_ms();
	if (now >= l->next_draw_ms) {
		draw_progress(l->job, l->start_ms);
		l->next_draw_ms = now + PROGRESS_MS;
	}
	return l->next_draw_ms - now < timeout ? (int)(l->next_draw_ms - now) : timeout;
}

/* A peer that was not reading its replies: room again, or cut off when it waited too long. */
static void watch_stuck(struct loop *l, const struct pollfd *p)
{
	if (p->revents & (POLLOUT | POLLHUP | POLLERR | POLLNVAL)) {
		l->stuck_since[p->fd] = 0; /* room again: serve it next pass */
	} else if (now_ms() - l->stuck_since[p->fd] > LOOP_UNWRITABLE_MS) {
		warning("dropping a connection that has not read its replies for %d ms",
			LOOP_UNWRITABLE_MS);
		shutdown(p->fd, SHUT_RDWR);
		l->stuck_since[p->fd] = 0;
	}
}

/*
 * Of the RPC entries poll() returned, keep for svc_getreq_poll() those to
 * serve now: a peer with a request but no room for the reply is marked
 * stuck and left out, as is one already stuck.  Returns how many are kept.
 */
static int pick_ready(struct loop *l, int nrpc)
{
	int ready = 0;

	for (int i = 0; i < nrpc; i++) {
		struct pollfd *p = &l->pfds[i];

		if (p->fd < 0)
			continue;
		if (l->stuck_since[p->fd]) {
			watch_stuck(l, p);
			p->revents = 0;
			continue;
		}
		if ((p->revents & POLLIN) && !writable(p->fd)) {
			l->stuck_since[p->fd] = now_ms();
			p->revents = 0;
		}
		if (p->revents)
			ready++;
	}
	return ready;
}

int loop_run(struct loop *l)
{
	int ret = 0;

	l->start_ms = l->next_draw_ms = now_ms();
	while (!job_finished(l->job)) {
		int nrpc = fill_pollfds(l), ready;
		size_t nnet = l->net ? netserve_npoll(l->net) : 0;

		if (poll(l->pfds, (nfds_t)nrpc + 2 + nnet, pass_timeout(l)) < 0) {
			if (errno == EINTR)
				continue;
			ret = error_errno("poll failed");
			break;
		}
		if (l->pfds[nrpc].revents && (ret = read_signal(l->sigfd)) != 0)
			break;
		ready = pick_ready(l, nrpc);
		if (ready)
			svc_getreq_poll(l->pfds, ready);
		if (l->net)
			netserve_handle(l->net, l->pfds + nrpc + 1, nnet, now_ms());
		job_expire(l->job, now_ms());
		/* The journal: a batch that ended, the next one when due. */
		service_commit();
	}
	if (l->progress) {
		draw_progress(l->job, l->start_ms);
		fputc('\n', stderr);
	}
	return ret;
}
