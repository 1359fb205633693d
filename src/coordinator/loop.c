/* loop.c - see loop.h. */
#include "coordinator/loop.h"

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

/* Per fd: 0, or when we first saw it unwritable with a request pending. */
static int64_t *stuck_since;
static size_t stuck_cap;

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

int loop_run(struct job *job, int sigfd, int progress)
{
	int64_t start = now_ms(), next_draw = start;
	struct pollfd *pfds = NULL;
	size_t cap = 0;
	int ret = 0;

	while (!job_finished(job)) {
		int nrpc = svc_max_pollfd, ready = 0, timeout, n;

		xgrow((void **)&pfds, &cap, (size_t)nrpc + 1, sizeof(*pfds));
		/*
		 * svc_getreq_poll() wants an array laid out like svc_pollfd, so
		 * the RPC entries come first and ours goes last.
		 */
		if (nrpc > 0)
			memcpy(pfds, svc_pollfd, (size_t)nrpc * sizeof(*pfds));
		pfds[nrpc] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		for (int i = 0; i < nrpc; i++) {
			int fd = pfds[i].fd;

			if (fd < 0)
				continue;
			if ((size_t)fd >= stuck_cap) {
				size_t old = stuck_cap;
				xgrow((void **)&stuck_since, &stuck_cap, (size_t)fd + 1, sizeof(*stuck_since));
				memset(stuck_since + old, 0, (stuck_cap - old) * sizeof(*stuck_since));
			}
			/* A peer that is not reading its replies: wait for room first. */
			if (stuck_since[fd])
				pfds[i].events = POLLOUT;
		}

		timeout = job_next_timeout(job, now_ms(), LOOP_MAX_WAIT_MS);
		if (progress) {
			int64_t now = now_ms();

			if (now >= next_draw) {
				draw_progress(job, start);
				next_draw = now + PROGRESS_MS;
			}
			if (next_draw - now < timeout)
				timeout = (int)(next_draw - now);
		}
		n = poll(pfds, (nfds_t)nrpc + 1, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = error_errno("poll failed");
			break;
		}
		if (pfds[nrpc].revents) {
			int sig = read_signal(sigfd);

			if (sig) {
				ret = sig;
				break;
			}
		}
		for (int i = 0; i < nrpc; i++) {
			int fd = pfds[i].fd;

			if (fd < 0)
				continue;
			if (stuck_since[fd]) {
				if (pfds[i].revents & (POLLOUT | POLLHUP | POLLERR | POLLNVAL)) {
					stuck_since[fd] = 0; /* room again: serve it next pass */
				} else if (now_ms() - stuck_since[fd] > LOOP_UNWRITABLE_MS) {
					warning("dropping a connection that has not read its replies for %d ms",
						LOOP_UNWRITABLE_MS);
					shutdown(fd, SHUT_RDWR);
					stuck_since[fd] = 0;
				}
				pfds[i].revents = 0;
				continue;
			}
			if ((pfds[i].revents & POLLIN) && !writable(fd)) {
				stuck_since[fd] = now_ms();
				pfds[i].revents = 0;
			}
			if (pfds[i].revents)
				ready++;
		}
		if (ready)
			svc_getreq_poll(pfds, ready);
		job_expire(job, now_ms());
	}
	if (progress) {
		draw_progress(job, start);
		fputc('\n', stderr);
	}
	free(pfds);
	free(stuck_since);
	stuck_since = NULL;
	stuck_cap = 0;
	return ret;
}
