/*
 * mrcoordinator - hands out the map and reduce tasks of one job to the
 * workers that ask for them, re-issues tasks that are not reported in time,
 * and exits once every mr-out-R is published.  See README.md.
 */
#include "common/afile.h"
#include "common/faults.h"
#include "common/inputs.h"
#include "common/jobdir.h"
#include "common/log.h"
#include "net/usock.h"
#include "common/util.h"
#include "coordinator/jlog.h"
#include "coordinator/journal.h"
#include "coordinator/loop.h"
#include "coordinator/netserve.h"
#include "coordinator/options.h"
#include "coordinator/report.h"
#include "coordinator/service.h"
#include "coordinator/sweep.h"
#include "coordinator/tasks.h"
#include "mr.h" /* MR_MAX_COUNTERS */

/* Largest RPC record we accept: a report with a full error text fits easily. */
#define MAX_RECORD (64 * 1024)

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* The map tasks of a job: one per input, or one per split of a big input. */
struct splits {
	char **files;        /* borrowed names, one per map task */
	int64_t *offsets, *lengths;
	int n;
};

/*
 * Cut every input larger than split_size into split_size pieces; a
 * compressed one (common/inputs.h) stays whole whatever its size.
 */
static int make_splits(struct splits *sp, char *const *files, const struct jlog_input *in,
		       int n, uint64_t split_size)
{
	size_t total = 0;

	for (int i = 0; i < n; i++)
		total += in[i].size > (int64_t)split_size && inputs_codec(files[i]) == INPUT_PLAIN
			 ? (size_t)((in[i].size + (int64_t)split_size - 1) / (int64_t)split_size)
			 : 1;
	/* A worker takes at most MR_MAX_NMAP runs in one reduce (proto/mr.x). */
	if (total > MR_MAX_NMAP)
		return error("%zu map tasks are too many (at most %d); use a larger "
			     "--split-size", total, MR_MAX_NMAP);
	sp->files = xcalloc(total, sizeof(*sp->files));
	sp->offsets = xcalloc(total, sizeof(*sp->offsets));
	sp->lengths = xcalloc(total, sizeof(*sp->lengths));
	sp->n = 0;
	for (int i = 0; i < n; i++) {
		int64_t size = in[i].size;

		if (size <= (int64_t)split_size || inputs_codec(files[i]) != INPUT_PLAIN) {
			sp->files[sp->n] = files[i];
			sp->offsets[sp->n] = 0;
			sp->lengths[sp->n++] = -1;
			continue;
		}
		for (int64_t off = 0; off < size; off += (int64_t)split_size) {
			sp->files[sp->n] = files[i];
			sp->offsets[sp->n] = off;
			sp->lengths[sp->n++] = size - off < (int64_t)split_size
					       ? size - off : (int64_t)split_size;
		}
	}
	return 0;
}

static void splits_release(struct splits *sp)
{
	free(sp->files);
	free(sp->offsets);
	free(sp->lengths);
	memset(sp, 0, sizeof(*sp));
}

/* A file of the job directory that a finished job removes. */
typedef int leftover_fn(const char *name, const struct job *job);

/*
 * Intermediate files (workers remove a reduce's inputs once its output is
 * accepted, see service.c; this catches the rest).
 */
static int is_intermediate(const char *name, const struct job *job)
{
	return jobdir_is_map_run(name, job->nmap, job->nreduce);
}

/*
 * Hidden temp files of killed workers (".mr-tmp-mr-..."; see
 * common/afile.h).  Once the job is over no live attempt needs them.
 */
static int is_temp_file(const char *name, const struct job *job)
{
	static const char prefix[] = JOBDIR_TMP_SWEEP;

	(void)job;
	return !strncmp(name, prefix, sizeof(prefix) - 1);
}

/*
 * Remove the files of directory `dir` (NULL: the job directory) that
 * `match` picks (`what` names them in warnings).  One directory scan
 * rather than an unlink() per possible name; the unlinks themselves on a
 * few threads when there are many (sweep.h: 100,000 runs at the end of a
 * big journaled job).
 */
static void remove_leftovers(const struct job *job, const char *dir, leftover_fn *match,
			     const char *what)
{
	DIR *d = opendir(dir ? dir : ".");
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int *errs;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (!d) {
		warning("cannot list %s to remove %ss: %s", dir ? dir : "the job directory",
			what, strerror(errno));
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (!match(e->d_name, job))
			continue;
		xgrow((void **)&names, &cap, n + 1, sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	errs = xcalloc(n ? n : 1, sizeof(*errs));
	sweep_unlink(dirfd(d), names, n, errs, cpus > 1 ? (unsigned)cpus : 1);
	for (size_t i = 0; i < n; i++) {
		if (errs[i] && errs[i] != ENOENT)
			warning("cannot remove %s %s%s%s: %s", what, dir ? dir : "",
				dir ? "/" : "", names[i], strerror(errs[i]));
		free(names[i]);
	}
	free(names);
	free(errs);
	closedir(d);
}

/* The job's counter totals, one log line (the report, at `report`, has them per task). */
static void log_counters(const struct job *job, const char *report)
{
	struct job_counter totals[MR_MAX_COUNTERS];
	size_t n = job_counter_totals(job, totals, MR_MAX_COUNTERS), len = 0;
	char line[1800];

	line[0] = '\0';
	for (size_t i = 0; i < n && len + 1 < sizeof(line); i++) {
		int w = snprintf(line + len, sizeof(line) - len, "%s%s=%lld", i ? " " : "",
				 totals[i].name, (long long)totals[i].value);

		if (w < 0 || (size_t)w >= sizeof(line) - len)
			break;
		len += (size_t)w;
	}
	if (n)
		info("counters: %s (all in %s)", line, report);
}

/*
 * After DONE: every mr-out-R must be there, or the job did not really
 * finish; and on disk before we say so (workers only started their
 * writeback: see afile.h).
 */
static int check_outputs(const struct job *job)
{
	const char *dir = job->cfg.output_dir;
	char name[JOBDIR_PATH_MAX];
	struct stat st;

	for (int r = 0; r < job->nreduce; r++) {
		if (stat(jobdir_output_path(name, dir, r), &st) < 0)
			return error_errno("reduce task %d was reported done but %s "
					   "is missing", r, name);
	}
	for (int r = 0; r < job->nreduce; r++) {
		fault_crash("final-fsync");
		if (afile_sync_path(jobdir_output_path(name, dir, r)) < 0)
			return -1;
	}
	afile_sync_dir(name);
	return 0;
}

/*
 * The job's inputs (`list`, initialised): the INPUT arguments and the
 * --inputs-from list expanded (common/inputs.h) and checked; *in (n
 * entries, malloc'd) what the journal records of them; sp their map
 * tasks.  0, or -1 after naming the first bad input.
 */
static int plan_tasks(struct splits *sp, struct inputs *list, const struct coord_options *o,
		      int argc, char **argv, struct jlog_input **in)
{
	for (int i = o->first_input; i < argc; i++)
		if (inputs_add(list, argv[i]) < 0)
			return -1;
	if (o->inputs_from && inputs_add_list(list, o->inputs_from) < 0)
		return -1;
	if (list->n > MR_MAX_NMAP)
		return error("%zu inputs are too many (at most %d map tasks)", list->n,
			     MR_MAX_NMAP);
	if (inputs_check(list) < 0)
		return -1;
	*in = xcalloc(list->n ? list->n : 1, sizeof(**in));
	for (size_t i = 0; i < list->n; i++)
		(*in)[i] = (struct jlog_input){ list->names[i], list->stat[i].size,
						list->stat[i].mtime_ns };
	return make_splits(sp, list->names, *in, (int)list->n, o->split_size);
}

/* A run mr-M-R of a map that is not done: a failed or cut-short attempt's output. */
static int is_unfinished_run(const char *name, const struct job *job)
{
	int m, r;

	return jobdir_is_map_run(name, job->nmap, job->nreduce) &&
	       sscanf(name, "mr-%d-%d", &m, &r) == 2 && job->tasks[m].state != TASK_DONE;
}

/*
 * The job has ended with loop_run's `rc`: say how, write the report, end
 * the journal and clean the job directory.  Returns the exit status (0
 * only when every mr-out-R is there and on disk).
 */
static int finish_job(struct job *job, int rc, const struct coord_options *o,
		      struct jlog *jl, int64_t start)
{
	const char *dir = o->output_dir;
	char report[JOBDIR_PATH_MAX];
	int status = 1, done;

	/*
	 * The last batch first (the loop ends with the last reports' records
	 * buffered, maybe a batch in flight): no report may say more than
	 * the journal.  A journal that cannot take them fails the job, as it
	 * would have in the loop.
	 */
	if (jlog_commit(jl) < 0 && !rc && job->phase == PHASE_DONE) {
		error("stopping the job: its journal %s cannot be written", jl->path);
		job_abort(job);
	}
	if (rc > 0) {
		error("interrupted by signal %d (%s); job not finished", rc, strsignal(rc));
	} else if (rc == 0 && job->phase == PHASE_DONE && check_outputs(job) == 0) {
		info("job done in %.2f s: %d map and %d reduce tasks, %lu re-issued, "
		     "%lu backups (%lu won)%s; results in %s%smr-out-0..mr-out-%d",
		     (double)(now_ms() - start) / 1000.0, job->nmap, job->nreduce,
		     job->reissued, job->backups, job->backups_won,
		     job->recovered ? ", the rest recovered from the journal" : "",
		     dir ? dir : "", dir ? "/" : "", job->nreduce - 1);
		status = 0;
	}
	jobdir_report_path(report, dir);
	if (rc >= 0)
		log_counters(job, report);
	/*
	 * The report is written first, so a crash before the journal goes
	 * leaves a job that --recover ends at once, writing the report again.
	 * A report that cannot be written (reported) does not fail a job
	 * whose outputs are all there.
	 */
	report_write(job, report,
		     rc > 0 ? "interrupted" : job->phase == PHASE_DONE ? "done" : "failed",
		     start, now_ms());
	done = status == 0;
	fault_crash("after-report");
	if (job->phase == PHASE_DONE && !o->keep_intermediate)
		remove_leftovers(job, NULL, is_intermediate, "intermediate file");
	else if (job->phase != PHASE_DONE)
		remove_leftovers(job, NULL, is_unfinished_run, "run of an unfinished map");
	remove_leftovers(job, NULL, is_temp_file, "temp file");
	if (dir) /* reduces' temp files of mr-out-R, and the report's */
		remove_leftovers(job, dir, is_temp_file, "temp file");
	/* Last: until the journal is gone, --recover can end the job again. */
	jlog_finish(jl, done, o->keep_journal);
	return status;
}

/* A new job's id: random, so that workers and reports of another job are told apart. */
static uint64_t new_job_id(void)
{
	uint64_t id = 0;

	if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id))
		id = (uint64_t)now_ms() ^ (uint64_t)getpid() << 40;
	return id ? id : 1;
}

/*
 * Is there a journal, and may this run have it?  Without --recover a
 * journal means a job that is not over: never overwrite it.  0 (fine),
 * 1 (there is one, --recover), 2 (--recover, no journal, and the report
 * says the job is done: nothing to do, exit 0), -1 after saying another
 * coordinator is using it, or -2 after saying why not.
 */
static int journal_there(const struct coord_options *o, char *const *inputs, int n)
{
	char report[JOBDIR_PATH_MAX];
	struct stat st;

	if (lstat(JOBDIR_JOURNAL, &st) < 0) {
		if (errno != ENOENT) {
			error_errno("cannot look for the job journal %s", JOBDIR_JOURNAL);
			return -2;
		}
		if (!o->recover)
			return 0;
		if (report_says_done(jobdir_report_path(report, o->output_dir), inputs, n,
				     o->job.nreduce)) {
			info("nothing to recover: the job of this directory is done (%s says so, "
			     "and its journal is gone)", report);
			return 2;
		}
		error("nothing to recover: there is no job journal (%s) in the job directory",
		      JOBDIR_JOURNAL);
		return -2;
	}
	if (journal_in_use(JOBDIR_JOURNAL)) {
		error("another coordinator is running the job of this directory (it holds "
		      "the job journal %s)", JOBDIR_JOURNAL);
		return -1;
	}
	if (!o->recover) {
		error("the job directory holds a job journal (%s): a job was started here "
		      "and not finished.  Run the same command with --recover to finish it, "
		      "or remove %s to start a new job", JOBDIR_JOURNAL, JOBDIR_JOURNAL);
		return -2;
	}
	return 1;
}

/* Start the job's journal, or carry on from it.  0, -1 (exit 1), or -2 (exit 2). */
static int open_journal(const struct coord_options *o, struct jlog *jl, struct job *job,
			const struct jlog_input *in, int n)
{
	struct jlog_spec spec = {
		.job_id = job->job_id,
		.nreduce = (uint32_t)o->job.nreduce,
		.split_size = o->split_size,
		.flags = o->job.skip_bad_records ? JREC_SKIP_BAD_RECORDS : 0,
		.params_hash = params_hash(&o->params),
		.ninputs = n,
		.inputs = in,
		.output_dir = o->output_dir,
	};

	memset(jl, 0, sizeof(*jl));
	jl->commit_ms = o->commit_ms;
	if (o->no_journal)
		return 0;
	if (o->recover)
		return jlog_recover(jl, JOBDIR_JOURNAL, &spec, job);
	return jlog_create(jl, JOBDIR_JOURNAL, &spec);
}

/* The TCP side's callbacks: the RPC procedures of service.c. */
static int net_call(void *arg, uint64_t conn, uint32_t proc, const unsigned char *body,
		    size_t blen, size_t room, unsigned char **reply, size_t *rlen)
{
	(void)arg;
	return service_call(conn, proc, body, blen, room, reply, rlen);
}

static void net_lost(void *arg, uint64_t conn)
{
	(void)arg;
	service_lost(conn);
}

static int net_commit(void *arg)
{
	(void)arg;
	return service_commit();
}

static const struct netserve_ops net_ops = { .call = net_call, .lost = net_lost,
					     .commit = net_commit };

/*
 * Where the job is served: the Unix socket (unless --listen came alone)
 * and, with --listen, TCP with the job's `secret`.  Fills *lfd (-1: no
 * socket) and *net (its lfd -1: no TCP).  0, or -2 after printing why.
 */
static int open_doors(const struct coord_options *o, const char *sockpath, int *lfd,
		      const struct secret *secret, struct netserve *net)
{
	*lfd = -1;
	net->lfd = -1;
	if (!o->listen || o->socket) {
		*lfd = usock_listen(sockpath);
		if (*lfd < 0 || service_register(*lfd, MAX_RECORD) < 0)
			return -2;
	}
	if (o->listen && netserve_open(net, o->listen, secret, o->job.timeout_ms,
				       &net_ops, NULL) < 0)
		return -2;
	return 0;
}

/* Serve the job until it ends; returns the exit status. */
static int serve_job(struct job *job, const struct coord_options *o, struct jlog *jl,
		     struct netserve *net, int sigfd, const char *sockpath, int lfd)
{
	struct loop loop;
	int64_t start = now_ms();
	int progress, rc, status;

	/* With a journal, runs stay until the job is done: a lost mr-out-R costs one reduce. */
	service_init(job, jl, !o->keep_intermediate && !jl->j);
	job->tcp = net->lfd >= 0;
	if (lfd >= 0)
		verbose("serving %d map and %d reduce tasks on %s", job->nmap, job->nreduce,
			sockpath);
	if (net->lfd >= 0)
		info("serving %d map and %d reduce tasks on %s (TCP)", job->nmap, job->nreduce,
		     net->addr);
	/* A live progress line on a terminal; plain timestamped lines otherwise. */
	progress = isatty(STDERR_FILENO) && o->log_level == LOG_NORMAL;
	log_set_progress_line(progress);
	loop_init(&loop, job, net->lfd >= 0 ? net : NULL, sigfd, progress);
	rc = loop_run(&loop);
	loop_release(&loop);
	/*
	 * Nobody is served from here on: a worker that connected now would
	 * wait on a loop that has ended (with --reconnect, for its whole
	 * window).  Connections already open close when we exit.
	 */
	if (lfd >= 0 && unlink(sockpath) < 0 && errno != ENOENT)
		warning("cannot remove socket %s: %s", sockpath, strerror(errno));
	if (net->lfd >= 0)
		shutdown(net->lfd, SHUT_RDWR);
	job->auth_failures = net->auth_failures;
	log_set_progress_line(0);
	status = finish_job(job, rc, o, jl, start);
	service_init(NULL, NULL, 0);
	return status;
}

int main(int argc, char **argv)
{
	struct coord_options o;
	char sockbuf[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *sockpath;
	int sigfd, lfd = -1, status = 1, ninputs, rc;
	struct splits sp = { 0 };
	struct inputs list;
	struct secret secret = { 0 };
	struct netserve net = { .lfd = -1 };
	struct jlog_input *inputs = NULL;
	struct jlog jl = { 0 };
	struct job job;

	log_init("mrcoordinator", 0);
	log_set_timestamps(!isatty(STDERR_FILENO));
	faults_init("mrcoordinator");
	coord_options_init(&o);
	switch (coord_options_parse(&o, argc, argv, stdout, stderr)) {
	case 1:
		coord_options_release(&o);
		return 0;
	case 2:
		coord_options_release(&o);
		return 2;
	}
	log_set_level(o.log_level);
	sockpath = usock_default_path(o.socket, sockbuf, sizeof(sockbuf));
	/* A secret file that will not do is a usage error, found before any work. */
	if (o.listen && secret_load(&secret, o.secret_file) < 0) {
		coord_options_release(&o);
		return 2;
	}
	inputs_init(&list);
	if (plan_tasks(&sp, &list, &o, argc, argv, &inputs) < 0)
		goto out;
	ninputs = (int)list.n;
	if (access(".", W_OK | X_OK) < 0) {
		error_errno("job directory (the current directory) is not writable");
		goto out;
	}
	raise_fd_limit(); /* idle peers cost one fd each */
	sigfd = loop_signals_open();
	if (sigfd < 0)
		goto out;
	if (open_doors(&o, sockpath, &lfd, &secret, &net) < 0)
		goto out_unlink;
	rc = journal_there(&o, list.names, ninputs);
	if (rc < 0 || rc == 2) {
		status = rc == 2 ? 0 : rc == -2 ? 2 : 1;
		goto out_unlink;
	}
	/* Made once the job will run (still before any task is handed out). */
	if (o.output_dir && jobdir_make_output(o.output_dir) < 0)
		goto out_unlink;
	o.job.output_dir = o.output_dir;

	job_init(&job, sp.files, sp.n, &o.job);
	job_set_splits(&job, sp.offsets, sp.lengths);
	job_set_ids(&job, new_job_id(), 0); /* --recover takes the journal's */
	rc = open_journal(&o, &jl, &job, inputs, ninputs);
	if (rc == 0)
		status = serve_job(&job, &o, &jl, &net, sigfd, sockpath, lfd);
	else
		status = rc == -2 ? 2 : 1;
	job_release(&job);
out_unlink:
	if (lfd >= 0 && unlink(sockpath) < 0 && errno != ENOENT)
		warning("cannot remove socket %s: %s", sockpath, strerror(errno));
	if (net.lfd >= 0)
		netserve_close(&net);
out:
	free(inputs);
	secret_release(&secret);
	splits_release(&sp);
	inputs_release(&list);
	coord_options_release(&o);
	return status;
}
