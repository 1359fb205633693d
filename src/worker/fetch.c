/* fetch.c - see fetch.h. */
#include "worker/fetch.h"

#include "common/jobdir.h"
#include "common/log.h"
#include "common/util.h"
#include "net/channel.h"
#include "net/fetchmsg.h"
#include "shuffle/ifile.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What the fetching threads share. */
struct fetch_job {
	const struct secret *k;
	const char *dir;
	int reduce_id, timeout_ms;
	const struct fetch_src *src;
	size_t *order;               /* source indices, grouped by host */
	size_t n, next;              /* next index of `order` to take a host from */
	pthread_mutex_t lock;
	struct fetch_failure *f;     /* the first failure wins */
};

/* Record a failure unless one is there already.  Returns -1. */
static int failed(struct fetch_job *j, enum fetch_fail kind, int m, const char *addr,
		  const char *fmt, const char *detail)
{
	pthread_mutex_lock(&j->lock);
	if (j->f->kind == FETCH_FAIL_NONE) {
		j->f->kind = kind;
		j->f->map_id = m;
		snprintf(j->f->addr, sizeof(j->f->addr), "%s", addr);
		snprintf(j->f->why, sizeof(j->f->why), fmt, m, addr, detail);
	}
	pthread_mutex_unlock(&j->lock);
	return -1;
}

static int stopped(struct fetch_job *j)
{
	int stop;

	pthread_mutex_lock(&j->lock);
	stop = j->f->kind != FETCH_FAIL_NONE;
	pthread_mutex_unlock(&j->lock);
	return stop;
}

/* Receive `size` bytes of run m into fd, checking it.  0 or -1 (failure set). */
static int receive_run(struct fetch_job *j, struct channel *ch, int m, int fd, uint64_t size)
{
	struct ifile_check c;
	int rc = 0;

	if (ifile_check_init(&c, size) < 0)
		return failed(j, FETCH_FAIL_CORRUPT, m, ch->peer,
			      "run of map %d from %s is too short%s", "");
	while (rc == 0 && c.seen < size) {
		const unsigned char *p;
		size_t len;

		if (channel_recv(ch, &p, &len) < 0)
			rc = failed(j, FETCH_FAIL_UNREACHABLE, m, ch->peer,
				    "fetch of map %d from %s failed: %s", ch->err);
		else if (len > size - c.seen)
			rc = failed(j, FETCH_FAIL_CORRUPT, m, ch->peer,
				    "run of map %d from %s is longer than announced%s", "");
		else if (write_all(fd, p, len) < 0)
			rc = failed(j, FETCH_FAIL_LOCAL, m, ch->peer,
				    "cannot store the run of map %d from %s: %s", strerror(errno));
		else
			ifile_check_add(&c, p, len);
	}
	if (!ifile_check_done(&c) && rc == 0)
		rc = failed(j, FETCH_FAIL_CORRUPT, m, ch->peer,
			    "run of map %d from %s fails its checksum%s", "");
	return rc;
}

/* Ask for run m and store it as dir/mr-M-R.  0 or -1 (failure set). */
static int fetch_one(struct fetch_job *j, struct channel *ch, int m)
{
	unsigned char req[FETCH_REQUEST_LEN];
	char name[JOBDIR_NAME_MAX], path[JOBDIR_PATH_MAX], tmp[JOBDIR_PATH_MAX + 100];
	const unsigned char *p;
	enum fetch_status st;
	uint64_t size;
	size_t len;
	int fd, rc;

	fetch_encode_request(req, m, j->reduce_id);
	if (channel_send(ch, req, sizeof(req)) < 0 || channel_recv(ch, &p, &len) < 0)
		return failed(j, FETCH_FAIL_UNREACHABLE, m, ch->peer,
			      "fetch of map %d from %s failed: %s", ch->err);
	if (fetch_decode_answer(p, len, &st, &size) < 0)
		return failed(j, FETCH_FAIL_CORRUPT, m, ch->peer,
			      "fetch of map %d from %s: not an answer%s", "");
	if (st != FETCH_OK)
		return failed(j, st == FETCH_MISSING ? FETCH_FAIL_MISSING : FETCH_FAIL_UNREACHABLE,
			      m, ch->peer, "fetch of map %d from %s: %s",
			      st == FETCH_MISSING ? "it does not hold that run"
						  : "it cannot read that run");
	jobdir_run_path(path, j->dir, m, j->reduce_id);
	jobdir_map_run(name, m, j->reduce_id);
	snprintf(tmp, sizeof(tmp), "%s/" JOBDIR_TMP_PREFIX "%s-XXXXXX", j->dir, name);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return failed(j, FETCH_FAIL_LOCAL, m, ch->peer,
			      "cannot store the run of map %d from %s: %s", strerror(errno));
	rc = receive_run(j, ch, m, fd, size);
	if (close(fd) < 0 && rc == 0)
		rc = failed(j, FETCH_FAIL_LOCAL, m, ch->peer,
			    "cannot store the run of map %d from %s: %s", strerror(errno));
	if (rc == 0 && rename(tmp, path) < 0)
		rc = failed(j, FETCH_FAIL_LOCAL, m, ch->peer,
			    "cannot store the run of map %d from %s: %s", strerror(errno));
	if (rc < 0)
		unlink(tmp);
	return rc;
}

/* Take the next host's sources: [*from, *to) of j->order.  0 when none is left. */
static int next_host(struct fetch_job *j, size_t *from, size_t *to)
{
	int any;

	pthread_mutex_lock(&j->lock);
	*from = j->next;
	while (j->next < j->n && !strcmp(j->src[j->order[j->next]].addr,
					 j->src[j->order[*from]].addr))
		j->next++;
	*to = j->next;
	any = *to > *from && j->f->kind == FETCH_FAIL_NONE;
	pthread_mutex_unlock(&j->lock);
	return any;
}

static void *fetch_main(void *arg)
{
	struct fetch_job *j = arg;
	size_t from, to;

	while (next_host(j, &from, &to)) {
		const char *addr = j->src[j->order[from]].addr;
		struct channel ch;

		if (channel_connect(&ch, addr, j->k, j->timeout_ms, FETCH_CHUNK) < 0) {
			failed(j, FETCH_FAIL_UNREACHABLE, j->src[j->order[from]].map_id, addr,
			       "fetch of map %d from %s failed: %s", ch.err);
			break;
		}
		for (size_t i = from; i < to && !stopped(j); i++)
			if (fetch_one(j, &ch, j->src[j->order[i]].map_id) < 0)
				break;
		channel_close(&ch);
	}
	return NULL;
}

static int by_addr(const void *a, const void *b, void *arg)
{
	const struct fetch_src *src = arg;
	const struct fetch_src *x = &src[*(const size_t *)a];
	const struct fetch_src *y = &src[*(const size_t *)b];
	int c = strcmp(x->addr, y->addr);

	return c ? c : x->map_id - y->map_id;
}

int fetch_runs(const struct secret *k, const char *dir, int reduce_id,
	       const struct fetch_src *src, size_t n, int timeout_ms, struct fetch_failure *f)
{
	struct fetch_job j = { .k = k, .dir = dir, .reduce_id = reduce_id,
			       .timeout_ms = timeout_ms, .src = src, .n = n, .f = f };
	pthread_t t[FETCH_PARALLEL];
	size_t nt = 0;

	memset(f, 0, sizeof(*f));
	if (n == 0)
		return 0;
	j.order = xcalloc(n, sizeof(*j.order));
	for (size_t i = 0; i < n; i++)
		j.order[i] = i;
	qsort_r(j.order, n, sizeof(*j.order), by_addr, (void *)src);
	pthread_mutex_init(&j.lock, NULL);
	for (; nt < FETCH_PARALLEL; nt++)
		if (pthread_create(&t[nt], NULL, fetch_main, &j) != 0)
			break;
	if (nt == 0)
		fetch_main(&j);
	for (size_t i = 0; i < nt; i++)
		pthread_join(t[i], NULL);
	pthread_mutex_destroy(&j.lock);
	free(j.order);
	return f->kind == FETCH_FAIL_NONE ? 0 : -1;
}
