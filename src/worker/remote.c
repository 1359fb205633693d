/* remote.c - see remote.h. */
#include "worker/remote.h"

#include "common/jobdir.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int remote_open(struct remote *rm, const char *secret_file, const char *local_dir)
{
	char tmpl[4096];

	memset(rm, 0, sizeof(*rm));
	if (secret_load(&rm->secret, secret_file) < 0)
		return -2;
	if (local_dir) {
		if (mkdir(local_dir, 0700) < 0 && errno != EEXIST) {
			secret_release(&rm->secret);
			return error_errno("cannot make the local directory %s", local_dir);
		}
		rm->dir = xstrdup(local_dir);
		return 0;
	}
	snprintf(tmpl, sizeof(tmpl), "%s/mr-local-XXXXXX",
		 getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpl)) {
		secret_release(&rm->secret);
		return error_errno("cannot make a local directory %s", tmpl);
	}
	rm->dir = xstrdup(tmpl);
	rm->made_dir = 1;
	return 0;
}

int remote_serve(struct remote *rm, const char *coordinator, const char *advertise,
		 int64_t reconnect_ms)
{
	if (serve_start(&rm->serve, coordinator, &rm->secret, advertise, rm->dir,
			rm->made_dir, reconnect_ms) < 0)
		return -1;
	rm->serving = 1;
	return 0;
}

int remote_await_service(struct remote *rm, int64_t since_ms, int64_t deadline_ms)
{
	while (!serve_heard_since(&rm->serve, since_ms)) {
		if (!serve_running(&rm->serve))
			return -1;
		if (now_ms() >= deadline_ms)
			return 1;
		sleep_ms(REMOTE_AWAIT_POLL_MS);
	}
	return 0;
}

const char *remote_map_dir(struct remote *rm)
{
	if (mkdir(rm->dir, 0700) < 0 && errno != EEXIST)
		warning("cannot make the local directory %s again: %s", rm->dir, strerror(errno));
	return rm->dir;
}

/*
 * Is our own run of map m gone (the local directory emptied under us)?
 * Then say so as our fetch service would: a fetch failure, "missing".
 */
static int own_run_missing(struct remote *rm, int m, int reduce_id, struct fetch_failure *f)
{
	char path[JOBDIR_PATH_MAX];

	jobdir_run_path(path, rm->dir, m, reduce_id);
	if (access(path, R_OK) == 0)
		return 0;
	f->kind = FETCH_FAIL_MISSING;
	f->map_id = m;
	snprintf(f->addr, sizeof(f->addr), "%s", rm->serve.addr);
	snprintf(f->why, sizeof(f->why), "run of map %d is gone from our own %s: %s", m,
		 rm->dir, strerror(errno));
	return 1;
}

int remote_fetch(struct remote *rm, const mr_reduce_task *rt, const char **dirs,
		 char **fetched, struct fetch_failure *f)
{
	u_int nmap = rt->map_host.map_host_len, nh = rt->hosts.hosts_len;
	struct fetch_src *src = xcalloc(nmap ? nmap : 1, sizeof(*src));
	size_t n = 0;
	char path[4200];
	int rc;

	memset(f, 0, sizeof(*f));
	*fetched = NULL;
	for (u_int i = 0; i < (u_int)rt->nmap; i++)
		dirs[i] = NULL;
	remote_map_dir(rm); /* a run of ours read in place needs the directory */
	for (u_int i = 0; i < nmap && i < (u_int)rt->nmap; i++) {
		int h = rt->map_host.map_host_val[i];

		if (h < 0 || (u_int)h >= nh)
			continue;
		/* Served by our own fetch service: it is in our directory already. */
		if (rm->serving && !strcmp(rt->hosts.hosts_val[h], rm->serve.addr)) {
			if (own_run_missing(rm, (int)i, rt->reduce_id, f)) {
				free(src);
				return -1;
			}
			dirs[i] = rm->dir;
		} else {
			src[n++] = (struct fetch_src){ (int)i, rt->hosts.hosts_val[h] };
		}
	}
	if (n == 0) {
		free(src);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/fetch-%d-XXXXXX", remote_map_dir(rm), rt->reduce_id);
	if (!mkdtemp(path)) {
		f->kind = FETCH_FAIL_LOCAL;
		free(src);
		return error_errno("cannot make a directory for the runs of reduce %d in %s",
				   rt->reduce_id, rm->dir);
	}
	*fetched = xstrdup(path);
	for (size_t k = 0; k < n; k++)
		dirs[src[k].map_id] = *fetched;
	rc = fetch_runs(&rm->secret, *fetched, rt->reduce_id, src, n, REMOTE_FETCH_TIMEOUT_MS, f);
	if (rc < 0 && f->kind == FETCH_FAIL_LOCAL)
		error("%s", f->why);
	free(src);
	return rc;
}

void remote_forget(char *fetched)
{
	if (!fetched)
		return;
	serve_clear_dir(fetched, 1);
	free(fetched);
}

void remote_close(struct remote *rm)
{
	/* The service removes what is in the directory when it ends. */
	if (rm->serving)
		serve_stop(&rm->serve);
	else if (rm->dir)
		serve_clear_dir(rm->dir, rm->made_dir);
	free(rm->dir);
	secret_release(&rm->secret);
	memset(rm, 0, sizeof(*rm));
}
