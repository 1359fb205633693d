/* loop.c - see loop.h. */
#include "coordinator/loop.h"

#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <poll.h>
#include <rpc/rpc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
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

int loop_run(struct job *job, int sigfd)
{
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

		timeout = job_next_timeout(job, now_ms(), LOOP_MAX_WAIT_MS);
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
		for (int i = 0; i < nrpc; i++)
			if (pfds[i].revents)
				ready++;
		if (ready)
			svc_getreq_poll(pfds, ready);
		job_expire(job, now_ms());
	}
	free(pfds);
	return ret;
}
