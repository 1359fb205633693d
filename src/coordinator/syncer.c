/* syncer.c - see syncer.h. */
#include "coordinator/syncer.h"

#include "common/faults.h"
#include "common/log.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* pwrite all of it, resuming after short writes and EINTR: 0 or -1 (errno). */
static int write_all_at(int fd, const char *p, size_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/* The thread's side of one job: errno, 0 when durable; *op on failure. */
static int do_job(const struct syncer *s, const char **op)
{
	static const char zeros[65536];

	*op = "write";
	for (uint64_t at = s->off + s->len; at < s->zero_to;) {
		size_t n = s->zero_to - at < sizeof(zeros) ? (size_t)(s->zero_to - at) : sizeof(zeros);

		if (write_all_at(s->fd, zeros, n, at) < 0)
			return errno ? errno : EIO;
		at += n;
	}
	if (fault_fail("write", s->path) || write_all_at(s->fd, s->buf, s->len, s->off) < 0)
		return errno ? errno : EIO;
	*op = "sync";
	if (fault_fail("fsync", s->path) || fdatasync(s->fd) < 0)
		return errno ? errno : EIO;
	return 0;
}

static void *run(void *arg)
{
	struct syncer *s = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		const char *op = NULL;
		int err;

		while (!s->have_job && !s->quit)
			pthread_cond_wait(&s->cv, &s->mu);
		if (!s->have_job)
			break; /* quit, nothing left to do */
		s->have_job = 0;
		pthread_mutex_unlock(&s->mu);
		err = do_job(s, &op);
		pthread_mutex_lock(&s->mu);
		s->err = err;
		s->op = op;
		s->done = 1;
		/* Wakes the owner's poll; a full counter cannot happen (one job at a time). */
		while (write(s->efd, &one, sizeof(one)) < 0 && errno == EINTR)
			;
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int syncer_init(struct syncer *s)
{
	memset(s, 0, sizeof(*s));
	s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->efd < 0)
		return error_errno("cannot make an eventfd for the journal's sync thread");
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	return 0;
}

int syncer_start(struct syncer *s, int fd, const char *path, const void *buf, size_t len,
		 uint64_t off, uint64_t zero_to)
{
	int err;

	if (!s->running) {
		err = pthread_create(&s->thread, NULL, run, s);
		if (err) {
			errno = err;
			return error_errno("cannot start the journal's sync thread");
		}
		s->running = 1;
	}
	pthread_mutex_lock(&s->mu);
	s->fd = fd;
	s->path = path;
	s->buf = buf;
	s->len = len;
	s->off = off;
	s->zero_to = zero_to;
	s->done = 0;
	s->have_job = 1;
	s->busy = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

int syncer_fd(const struct syncer *s)
{
	return s->efd;
}

int syncer_reap(struct syncer *s, int wait, const char **op)
{
	uint64_t n;
	int done, err;

	if (!s->busy)
		return 0;
	for (;;) {
		pthread_mutex_lock(&s->mu);
		done = s->done;
		err = s->err;
		*op = s->op;
		pthread_mutex_unlock(&s->mu);
		if (done)
			break;
		if (!wait)
			return 1;
		{
			struct pollfd p = { .fd = s->efd, .events = POLLIN };

			(void)poll(&p, 1, -1);
		}
	}
	/* Drain the eventfd (nonblocking): the next job starts from zero. */
	while (read(s->efd, &n, sizeof(n)) < 0 && errno == EINTR)
		;
	s->busy = 0;
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

void syncer_release(struct syncer *s)
{
	const char *op;

	if (s->efd < 0 && !s->running)
		return;
	if (s->busy)
		(void)syncer_reap(s, 1, &op);
	if (s->running) {
		pthread_mutex_lock(&s->mu);
		s->quit = 1;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
		s->running = 0;
	}
	if (s->efd >= 0)
		close(s->efd);
	s->efd = -1;
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
}
