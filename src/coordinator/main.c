/*
 * mrcoordinator - hands out the map and reduce tasks of one job to the
 * workers that ask for them, re-issues tasks that are not reported in time,
 * and exits once every mr-out-R is published.  See README.md.
 */
#include "common/log.h"
#include "common/usock.h"
#include "common/util.h"
#include "coordinator/loop.h"
#include "coordinator/options.h"
#include "coordinator/service.h"
#include "coordinator/tasks.h"

/* Largest RPC record we accept: a report with a full error text fits easily. */
#define MAX_RECORD (64 * 1024)

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Every input must be a readable regular file, named once.  Returns 0, or
 * -1 after naming the first bad input.
 */
static int check_inputs(char *const *files, int n)
{
	struct stat *st = xcalloc((size_t)n, sizeof(*st));
	int ret = -1;

	for (int i = 0; i < n; i++) {
		int fd = open(files[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			error_errno("cannot read input %s", files[i]);
			goto out;
		}
		if (fstat(fd, &st[i]) < 0) {
			error_errno("cannot stat input %s", files[i]);
			close(fd);
			goto out;
		}
		close(fd);
		if (S_ISDIR(st[i].st_mode)) {
			error("input %s is a directory, not a file", files[i]);
			goto out;
		}
		if (!S_ISREG(st[i].st_mode)) {
			error("input %s is not a regular file", files[i]);
			goto out;
		}
		for (int j = 0; j < i; j++) {
			if (st[j].st_dev == st[i].st_dev && st[j].st_ino == st[i].st_ino) {
				error("input %s is given twice (as %s too); each input "
				      "must be named once", files[i], files[j]);
				goto out;
			}
		}
	}
	ret = 0;
out:
	free(st);
	return ret;
}

static void remove_intermediate(const struct job *job)
{
	char name[64];

	for (int m = 0; m < job->nmap; m++)
		for (int r = 0; r < job->nreduce; r++) {
			snprintf(name, sizeof(name), "mr-%d-%d", m, r);
			if (unlink(name) < 0 && errno != ENOENT)
				warning("cannot remove intermediate file %s: %s",
					name, strerror(errno));
		}
}

/*
 * Remove the hidden temp files of killed workers (".mr-tmp-mr-..."; see
 * worker/afile.h).  Runs when the job is over, so no live attempt of this
 * job needs them.
 */
static void sweep_temp_files(void)
{
	static const char prefix[] = ".mr-tmp-mr-";
	DIR *d = opendir(".");
	struct dirent *e;

	if (!d) {
		warning("cannot list the job directory to remove temp files: %s",
			strerror(errno));
		return;
	}
	while ((e = readdir(d)) != NULL)
		if (!strncmp(e->d_name, prefix, sizeof(prefix) - 1) &&
		    unlink(e->d_name) < 0 && errno != ENOENT)
			warning("cannot remove temp file %s: %s", e->d_name, strerror(errno));
	closedir(d);
}

/* After DONE: every mr-out-R must be there, or the job did not really finish. */
static int check_outputs(const struct job *job)
{
	char name[64];
	struct stat st;

	for (int r = 0; r < job->nreduce; r++) {
		snprintf(name, sizeof(name), "mr-out-%d", r);
		if (stat(name, &st) < 0)
			return error_errno("reduce task %d was reported done but %s "
					   "is missing", r, name);
	}
	return 0;
}

/* Allow as many connections as the hard limit does: idle peers cost one fd each. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct coord_options o;
	char sockbuf[108];
	const char *sockpath;
	int first, sigfd, lfd, rc, status = 1;
	int64_t start;
	struct job job;

	log_init("mrcoordinator", 0);
	log_set_timestamps(!isatty(STDERR_FILENO));
	coord_options_init(&o);
	switch (coord_options_parse(&o, argc, argv, stdout, stderr)) {
	case 1:
		return 0;
	case 2:
		return 2;
	}
	log_set_level(o.log_level);
	first = o.first_input;
	sockpath = usock_default_path(o.socket, sockbuf, sizeof(sockbuf));

	if (check_inputs(argv + first, argc - first) < 0)
		return 1;
	if (access(".", W_OK | X_OK) < 0) {
		error_errno("job directory (the current directory) is not writable");
		return 1;
	}
	raise_fd_limit();
	sigfd = loop_signals_open();
	if (sigfd < 0)
		return 1;
	lfd = usock_listen(sockpath);
	if (lfd < 0)
		return 1;
	if (service_register(lfd, MAX_RECORD) < 0)
		goto out_unlink;

	job_init(&job, argv + first, argc - first, &o.job);
	service_init(&job);
	start = now_ms();
	verbose("serving %d map and %d reduce tasks on %s", job.nmap, job.nreduce, sockpath);

	rc = loop_run(&job, sigfd);
	if (rc > 0) {
		error("interrupted by signal %d (%s); job not finished", rc, strsignal(rc));
	} else if (rc == 0 && job.phase == PHASE_DONE && check_outputs(&job) == 0) {
		info("job done in %.1f s: %d map and %d reduce tasks, %lu re-issued; "
		     "results in mr-out-0..mr-out-%d",
		     (double)(now_ms() - start) / 1000.0, job.nmap, job.nreduce,
		     job.reissued, job.nreduce - 1);
		status = 0;
	}
	if (job.phase == PHASE_DONE && !o.keep_intermediate)
		remove_intermediate(&job);
	sweep_temp_files();
	service_init(NULL);
	job_release(&job);
out_unlink:
	if (unlink(sockpath) < 0 && errno != ENOENT)
		warning("cannot remove socket %s: %s", sockpath, strerror(errno));
	return status;
}
