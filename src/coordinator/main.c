/*
 * mrcoordinator - hands out the map and reduce tasks of one job to the
 * workers that ask for them, re-issues tasks that are not reported in time,
 * and exits once every mr-out-R is published.  See README.md.
 */
#include "common/log.h"
#include "common/usock.h"
#include "common/util.h"
#include "coordinator/loop.h"
#include "coordinator/service.h"
#include "coordinator/tasks.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_NREDUCE 100000
/* Largest RPC record we accept: a report with a full error text fits easily. */
#define MAX_RECORD (64 * 1024)

struct options {
	struct job_config job;
	const char *socket;
	int keep_intermediate;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mrcoordinator [options] INPUT...\n"
		"Run one MapReduce job: one map task per INPUT file, then the reduce\n"
		"tasks; workers (mrworker) connect over a Unix socket.  The job\n"
		"directory is the current directory; results are mr-out-0..mr-out-(N-1).\n"
		"\n"
		"  -n, --nreduce N        number of reduce tasks (default 10, at most %d)\n"
		"  -t, --task-timeout SEC re-issue a task not reported within SEC seconds\n"
		"                         (default 10; fractions allowed)\n"
		"  -s, --socket PATH      socket to serve on (default $MR_SOCKET, else\n"
		"                         /var/tmp/5840-mr-UID)\n"
		"      --max-attempts K   fail the job when one task has failed K times\n"
		"                         (default 4)\n"
		"      --keep-intermediate  keep the mr-M-R intermediate files\n"
		"  -v, --verbose          log every assignment (twice: debug)\n"
		"  -q, --quiet            log errors only\n"
		"  -h, --help             show this help\n"
		"Exit status: 0 job done, 1 job failed or interrupted, 2 usage error.\n",
		MAX_NREDUCE);
}

static int parse_timeout(const char *s, int64_t *ms)
{
	char *end;
	double sec;

	errno = 0;
	sec = strtod(s, &end);
	if (errno || end == s || *end || !(sec > 0) || sec > 86400)
		return -1;
	*ms = (int64_t)(sec * 1000 + 0.5);
	if (*ms < 1)
		*ms = 1;
	return 0;
}

/* Parse argv into *o; returns optind, or exits 0 (--help) / 2 (usage). */
static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "nreduce", required_argument, NULL, 'n' },
		{ "task-timeout", required_argument, NULL, 't' },
		{ "socket", required_argument, NULL, 's' },
		{ "max-attempts", required_argument, NULL, 'A' },
		{ "keep-intermediate", no_argument, NULL, 'K' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, level = LOG_NORMAL;
	long v;

	while ((c = getopt_long(argc, argv, "n:t:s:vqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_long(optarg, 1, MAX_NREDUCE, &v) < 0) {
				error("--nreduce must be an integer from 1 to %d, not '%s'",
				      MAX_NREDUCE, optarg);
				goto usage;
			}
			o->job.nreduce = (int)v;
			break;
		case 't':
			if (parse_timeout(optarg, &o->job.timeout_ms) < 0) {
				error("--task-timeout must be a number of seconds > 0 "
				      "and <= 86400, not '%s'", optarg);
				goto usage;
			}
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'A':
			if (parse_long(optarg, 1, 1000000, &v) < 0) {
				error("--max-attempts must be an integer >= 1, not '%s'", optarg);
				goto usage;
			}
			o->job.max_attempts = (unsigned)v;
			break;
		case 'K':
			o->keep_intermediate = 1;
			break;
		case 'v':
			level = level < LOG_NORMAL ? LOG_VERBOSE : level + 1;
			break;
		case 'q':
			level = LOG_QUIET;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			goto usage;
		}
	}
	log_set_level(level > LOG_DEBUG ? LOG_DEBUG : level);
	if (optind >= argc) {
		error("no input files");
		goto usage;
	}
	return optind;
usage:
	usage(stderr);
	exit(2);
}

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

int main(int argc, char **argv)
{
	struct options o = {
		.job = { .nreduce = 10, .timeout_ms = 10000, .max_attempts = 4,
			 .wait_ms = 100 },
	};
	char sockbuf[108];
	const char *sockpath;
	int first, sigfd, lfd, rc, status = 1;
	int64_t start;
	struct job job;

	log_init("mrcoordinator", 0);
	log_set_timestamps(!isatty(STDERR_FILENO));
	first = parse_args(argc, argv, &o);
	sockpath = usock_default_path(o.socket, sockbuf, sizeof(sockbuf));

	if (check_inputs(argv + first, argc - first) < 0)
		return 1;
	if (access(".", W_OK | X_OK) < 0) {
		error_errno("job directory (the current directory) is not writable");
		return 1;
	}
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
	service_init(NULL);
	job_release(&job);
out_unlink:
	if (unlink(sockpath) < 0 && errno != ENOENT)
		warning("cannot remove socket %s: %s", sockpath, strerror(errno));
	return status;
}
