/* sweep.c - see sweep.h. */
#include "coordinator/sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#define SWEEP_MAX_THREADS 8

struct share {
	int dirfd;
	char *const *names;
	int *errs;
	size_t from, to;
};

static void *sweep_share(void *arg)
{
	const struct share *s = arg;

	for (size_t i = s->from; i < s->to; i++)
		s->errs[i] = unlinkat(s->dirfd, s->names[i], 0) < 0 ? errno : 0;
	return NULL;
}

void sweep_unlink(int dirfd, char *const *names, size_t n, int *errs, unsigned threads)
{
	struct share shares[SWEEP_MAX_THREADS];
	pthread_t tids[SWEEP_MAX_THREADS];
	int started[SWEEP_MAX_THREADS] = { 0 };
	size_t per;

	if (threads < 1 || n < SWEEP_MIN_PARALLEL)
		threads = 1;
	if (threads > SWEEP_MAX_THREADS)
		threads = SWEEP_MAX_THREADS;
	per = (n + threads - 1) / threads;
	for (unsigned t = 0; t < threads; t++) {
		size_t from = t * per < n ? t * per : n;

		shares[t] = (struct share){ dirfd, names, errs, from,
					    from + per < n ? from + per : n };
		/* Share 0 is ours; the others get a thread each when one starts. */
		if (t > 0)
			started[t] = pthread_create(&tids[t], NULL, sweep_share, &shares[t]) == 0;
	}
	sweep_share(&shares[0]);
	for (unsigned t = 1; t < threads; t++) {
		if (started[t])
			pthread_join(tids[t], NULL);
		else
			sweep_share(&shares[t]);
	}
}
