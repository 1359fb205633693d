/*
 * mrworker - asks the coordinator for tasks, runs them with a plugin and
 * reports; exits when the job is over or the coordinator is gone (with
 * --reconnect, once it has been gone for that long).  See README.md.
 */
#include "common/faults.h"
#include "common/jobdir.h"
#include "common/log.h"
#include "common/params.h"
#include "net/redial.h"
#include "net/usock.h"
#include "common/util.h"
#include "worker/client.h"
#include "runner/fileio.h"
#include "runner/plugin.h"
#include "runner/runner.h"
#include "runner/zinput.h"
#include "worker/pending.h"
#include "worker/remote.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Sanity bounds on what a coordinator may ask of us. */
#define MAX_NREDUCE MR_MAX_NREDUCE
#define MAX_NMAP MR_MAX_NMAP

/* How long a starting worker waits for a coordinator to appear. */
#define CONNECT_RETRY_MS 5000

/* The longest --reconnect: a day. */
#define MAX_RECONNECT_SEC 86400

/*
 * How long a worker that reached its coordinator again waits for its
 * fetch service to do the same (TCP): the service's longest pause between
 * tries, and two beats.
 */
#define REJOIN_SERVICE_MS (REDIAL_MAX_MS + 2 * SERVE_HEARTBEAT_MS)

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mrworker [options] PLUGIN.so\n"
		"Ask the coordinator for map and reduce tasks and run them with PLUGIN,\n"
		"in the current directory (the job directory), until the job is over.\n"
		"PLUGIN is a path, or a name (wc, wc.so) looked for in the current\n"
		"directory, then in $MR_PLUGIN_PATH, then among the bundled plugins.\n"
		"\n"
		"  -s, --socket PATH  coordinator socket (default $MR_SOCKET, else\n"
		"                     /var/tmp/5840-mr-UID)\n"
		"  -c, --coordinator HOST:PORT\n"
		"                     a coordinator on another host, over TCP (needs\n"
		"                     --secret-file)\n"
		"      --secret-file FILE  the job's shared secret (mode 0600)\n"
		"      --local-dir DIR  where this worker keeps its map output on a TCP\n"
		"                     job (default: a fresh directory under $TMPDIR)\n"
		"      --advertise HOST  the address other workers fetch map output from\n"
		"                     (default: this host's address towards the\n"
		"                     coordinator)\n"
		"      --reconnect SEC  when the coordinator goes away, try for up to SEC\n"
		"                     seconds to reach one there again, and go on with\n"
		"                     it (the task that was running is reported to it);\n"
		"                     default 0: exit at once, as in the lab.  A\n"
		"                     coordinator that ended the job (it wrote\n"
		"                     mr-report.json) is not waited for\n"
		"  -m, --memory-limit SIZE\n"
		"                     memory for map output and reduce buffers before\n"
		"                     spilling to disk (default 256M; K, M, G suffixes)\n"
		"      --input-limit SIZE\n"
		"                     the most a compressed input (.gz, .zst, .xz) may\n"
		"                     decompress to; past it its map fails (default 4G)\n"
		"      --plugin-combiner\n"
		"                     combine with the plugin's mr_combine even when it\n"
		"                     names a built-in combiner (mr_combiner)\n"
		"  -v, --verbose      log every task\n"
		"  -q, --quiet        log errors only\n"
		"  -h, --help         show this help\n"
		"Exit status: 0 job over or coordinator gone, 1 cannot start (bad\n"
		"plugin, no coordinator) or the coordinator found on reconnecting\n"
		"must not be used, 2 usage error.\n");
}

/* What the worker process works with, for its whole life. */
struct worker {
	struct client client;
	struct remote remote;    /* TCP jobs */
	int tcp;
	const struct plugin *plugin;
	uint64_t budget;
	uint64_t input_limit;    /* --input-limit */
	struct runner runner;    /* runs the tasks with the plugin */
	int gone;                /* the coordinator said EXIT, or is gone */
	int status;              /* exit status once gone: 1 when refused on reconnecting */
	uint64_t job_id;         /* of the job whose tasks it runs (the first ASK's reply) */
	unsigned waits;          /* WAIT answers in a row */
	int64_t reconnect_ms;    /* --reconnect, in ms (0: exit when it is gone) */
	int64_t lost_ms;         /* when the coordinator was lost; 0 once a call worked */
	struct jobdir_stamp report; /* mr-report.json as it was when we started */
	char report_path[JOBDIR_PATH_MAX]; /* which one: the job's --output DIR's, once known */
	char *output_dir;        /* malloc'd: the job's --output DIR, or NULL */
	struct params params;    /* the job's, from the last assignment (mr_param) */
	struct pending pending;  /* accepted reports not yet durable (pending.h) */
	int params_bad;          /* that assignment's broke the rules (printed) */
};

/*
 * A call to the coordinator failed, and --reconnect is on (without it the
 * job is over for this worker, as in the lab: coordinator_lost).  Try to
 * reach a coordinator at the same place again (net/redial.h) until --reconnect
 * seconds have passed since it was lost (the first failed call after the
 * last one that worked), and on a TCP job wait for the fetch service to
 * be registered with it too: 0, the caller makes its call again.  -1 when
 * none came back in time, when the coordinator ended the job (it wrote a
 * new mr-report.json before going: nobody to wait for), or when the one
 * there must not be used (printed; exit status 1).
 */
static int redial_coordinator(struct worker *w)
{
	const char *where = w->client.t.where;
	struct redial r;
	int64_t pause, now = now_ms();

	if (jobdir_file_changed(&w->report, w->report_path)) {
		verbose("the coordinator has ended the job (%s is new)", w->report_path);
		return -1;
	}
	if (!w->lost_ms)
		w->lost_ms = now;
	redial_start(&r, w->lost_ms + w->reconnect_ms);
	info("coordinator gone; reconnecting for up to %lld s",
	     (long long)((r.deadline_ms - now + 999) / 1000));
	while ((pause = redial_pause(&r, now_ms())) >= 0) {
		int rc;

		sleep_ms(pause);
		if (jobdir_file_changed(&w->report, w->report_path)) {
			verbose("the coordinator has ended the job (%s is new)",
				w->report_path);
			return -1;
		}
		rc = client_redial(&w->client, redial_try_ms(&r, now_ms()));
		if (rc == -2) {
			w->status = 1;
			return error("%s", w->client.t.err);
		}
		if (rc == 0)
			break;
		debug("coordinator at %s not back yet: %s", where, w->client.t.err);
	}
	if (pause < 0) {
		info("the coordinator did not come back within %lld s",
		     (long long)(w->reconnect_ms / 1000));
		return -1;
	}
	now = now_ms();
	switch (w->tcp ? remote_await_service(&w->remote, now, now + REJOIN_SERVICE_MS) : 0) {
	case -1:
		info("coordinator back at %s, but the fetch service has ended: the map "
		     "output of this worker is gone", where);
		return -1;
	case 1:
		verbose("the fetch service is not registered with the coordinator yet");
		break;
	}
	info("coordinator back at %s", where);
	return 0;
}

/* Build the arguments of a successful report of task `id` (borrowing `list`). */
static void success_args(mr_report_args *args, mr_task_kind kind, int id, uint64_t attempt,
			 const struct counter *cv, size_t n, mr_counter *list)
{
	memset(args, 0, sizeof(*args));
	args->kind = kind;
	args->task_id = id;
	args->attempt = attempt;
	args->ok = 1;
	args->worker_pid = (int)getpid();
	args->errmsg = "";
	args->bad_record = -1;
	args->failure = MR_FAIL_NONE;
	args->fetch_fail = MR_FETCH_NONE;
	args->fetch_map = -1;
	args->fetch_host = "";
	for (size_t i = 0; i < n; i++) {
		list[i].name = (char *)cv[i].name;
		list[i].value = cv[i].value;
	}
	args->counters.counters_len = (u_int)n;
	args->counters.counters_val = list;
}

/*
 * After reconnecting: send again every report the coordinator accepted but
 * had not made durable (pending.h), in case this is a new coordinator that
 * never journaled them (it adopts them) - or the same one, which ignores
 * them.  0, or -1 when the coordinator went away again.
 */
static int resend_pending(struct worker *w)
{
	mr_counter list[COUNTERS_MAX];
	size_t n = w->pending.n;

	for (size_t i = w->pending.n; i-- > 0;) {
		struct pending_report *p = &w->pending.v[i];
		struct report_ack ack;
		mr_report_args args;

		success_args(&args, p->kind, p->id, p->attempt, p->counters, p->n, list);
		if (client_report(&w->client, &args, &ack) < 0)
			return -1;
		if (ack.durable_at == 0 || ack.durable_at <= ack.synced)
			pending_drop(&w->pending, i);
		else
			p->durable_at = ack.durable_at;
	}
	if (n)
		info("sent %zu report%s again that the coordinator had not made durable", n,
		     n == 1 ? "" : "s");
	return 0;
}

/*
 * A call to the coordinator failed: it is gone (see redial_coordinator).
 * Once one answers again, our reports it had not made durable go to it
 * again first.  0: the caller makes its call again; -1: give up.
 */
static int coordinator_lost(struct worker *w)
{
	if (w->reconnect_ms <= 0)
		return -1;
	for (;;) {
		if (redial_coordinator(w) < 0)
			return -1;
		if (resend_pending(w) == 0)
			return 0;
	}
}

/* What a failed fetch says of the map's output, for the report. */
static mr_fetch_fail fetch_fail_of(const struct fetch_failure *ff)
{
	switch (ff ? ff->kind : FETCH_FAIL_NONE) {
	case FETCH_FAIL_UNREACHABLE:
		return MR_FETCH_UNREACHABLE;
	case FETCH_FAIL_MISSING:
		return MR_FETCH_MISSING;
	case FETCH_FAIL_CORRUPT:
		return MR_FETCH_CORRUPT;
	default:
		return MR_FETCH_NONE;
	}
}

/*
 * Report an attempt: done (`failure` MR_FAIL_NONE) or failed, whose fault
 * it was and why (log_last_error()), with the run a reduce could not fetch
 * (`ff`, or NULL).  When the coordinator is gone the same report goes
 * again to the one reached after it (coordinator_lost; the attempt id is
 * the one the task came with, and that coordinator decides whether it is
 * still wanted).  Returns whether the coordinator said to remove the
 * task's inputs; sets w->gone when none answered.
 */
static int report(struct worker *w, struct counters *cs, mr_task_kind kind, int id,
		  uint64_t attempt, mr_failure failure, int64_t bad_record,
		  const struct fetch_failure *ff)
{
	int ok = failure == MR_FAIL_NONE;
	struct report_ack ack = { 0 };
	mr_counter list[COUNTERS_MAX];
	mr_report_args args;

	/* Counters travel with a success only; a failed attempt's do not count. */
	success_args(&args, kind, id, attempt, cs->v, ok ? cs->n : 0, list);
	args.ok = ok;
	args.errmsg = ok ? "" : (char *)log_last_error();
	args.bad_record = bad_record;
	args.failure = failure;
	args.fetch_fail = fetch_fail_of(ff);
	args.fetch_map = ff ? ff->map_id : -1;
	args.fetch_host = ff ? (char *)ff->addr : "";

	for (int again = 0;; again = 1) {
		if (client_report(&w->client, &args, &ack) == 0) {
			if (again)
				verbose("report sent again, to the coordinator at %s",
					w->client.t.where);
			w->lost_ms = 0;
			pending_synced(&w->pending, ack.synced);
			if (ok && ack.durable_at > ack.synced)
				pending_add(&w->pending, kind, id, attempt, ack.durable_at, cs);
			break;
		}
		if (coordinator_lost(w) < 0) {
			w->gone = 1;
			break;
		}
	}
	return ack.remove_inputs;
}

/* What a watched map child leaves for its parent. */
struct watch {
	volatile int64_t record;       /* offset of the line in the plugin, or -1 */
	char errmsg[MR_MAX_ERRMSG + 1]; /* the child's last error, printed by it */
	int fault;                     /* whose fault the child's failure was */
	struct counters counters;      /* the child's counters, on success */
};

/*
 * Run a record-by-record map in a child process, so that a line that
 * crashes the plugin can be named: the child stores each line's offset in
 * shared memory before handing it over.  Returns 0, or -1 with the error in
 * log_last_error() and, when the plugin died or failed on a line, that
 * line's offset in *bad.
 */
static int map_watched(struct runner *rn, const struct map_spec *spec, const char *dir,
		       int64_t *bad)
{
	const struct plugin *p = rn->plugin;
	struct watch *w = mmap(NULL, sizeof(*w), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status, rc = -1;
	pid_t pid;

	*bad = -1;
	rn->fault = RUNNER_FAULT_ENGINE; /* unless the plugin is found at fault */
	if (w == MAP_FAILED)
		return error_errno("cannot map memory to watch map task %d", spec->map_id);
	w->record = -1;
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		error_errno("cannot fork to watch map task %d", spec->map_id);
		goto out;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the worker */
		runner_set_record_probe(rn, &w->record);
		rc = runner_map_task(rn, spec, dir);
		snprintf(w->errmsg, sizeof(w->errmsg), "%s", log_last_error());
		w->fault = rn->fault;
		memcpy(&w->counters, runner_counters(rn), sizeof(w->counters));
		_exit(rc == 0 ? 0 : 1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			error_errno("cannot wait for map task %d", spec->map_id);
			goto out;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		memcpy(runner_counters(rn), &w->counters, sizeof(w->counters));
		rc = 0;
	} else if (WIFSIGNALED(status) && w->record >= 0) {
		*bad = w->record;
		rn->fault = RUNNER_FAULT_PLUGIN;
		error("plugin %s crashed (%s) on the line at byte %lld of %s", p->path,
		      strsignal(WTERMSIG(status)), (long long)*bad, spec->file);
	} else if (WIFSIGNALED(status)) {
		error("map task %d of %s died of %s", spec->map_id, spec->file,
		      strsignal(WTERMSIG(status)));
	} else if (!w->errmsg[0] && w->record >= 0) {
		/* Died without a word, inside the plugin (a sanitizer's exit, exit()). */
		*bad = w->record;
		rn->fault = RUNNER_FAULT_PLUGIN;
		error("plugin %s died (exit status %d) on the line at byte %lld of %s",
		      p->path, WEXITSTATUS(status), (long long)*bad, spec->file);
	} else {
		/* The child printed its error already: keep it for the report. */
		*bad = w->record;
		rn->fault = w->fault;
		log_keep_error(w->errmsg[0] ? w->errmsg : "map failed");
	}
out:
	munmap(w, sizeof(*w));
	return rc;
}

/*
 * An accepted reduce's inputs are spent: delete mr-0-R .. mr-(nmap-1)-R of
 * the job directory (dirs[m] NULL, or dirs NULL; fetched copies go with
 * their fetch directory).
 */
static void remove_reduce_inputs(int reduce_id, int nmap, const char *const *dirs)
{
	char name[JOBDIR_NAME_MAX];

	for (int m = 0; m < nmap; m++)
		if (!dirs || !dirs[m])
			unlink(jobdir_map_run(name, m, reduce_id));
}

static void short_usage(void)
{
	fprintf(stderr, "usage: mrworker [options] PLUGIN.so\n"
		"Try 'mrworker --help' for more information.\n");
}

/*
 * The coordinator went away before it heard of this map attempt: the job is
 * over (done, failed or killed) and nobody will read mr-M-*, so do not leave
 * them behind, whether the attempt published them all (it succeeded) or
 * some (a rename failed part-way: see runner_map_task).  Reduce outputs
 * stay: they are final and identical anyway.
 */
static void unpublish_map(const struct map_spec *spec, const char *dir)
{
	char path[JOBDIR_PATH_MAX];

	for (int r = 0; r < spec->nreduce; r++)
		unlink(jobdir_run_path(path, dir, spec->map_id, r));
}

/* A task the coordinator should never have sent: the engine's fault.  -1. */
static int bad_task(const char *kind, int id, const char *what, int n)
{
	return error("bad %s task from the coordinator (id %d, %s %d)", kind, id, what, n);
}

/*
 * The job's parameters as the assignment in `r` carries them, for the
 * plugin's mr_param.  Sets w->params_bad (after printing why) when they
 * break the rules of common/params.h: the task then fails as the engine's.
 */
static void take_params(struct worker *w, const mr_ask_reply *r)
{
	params_clear(&w->params);
	w->params_bad = 0;
	for (u_int i = 0; i < r->params.params_len && !w->params_bad; i++) {
		const mr_job_param *p = &r->params.params_val[i];

		if (params_add(&w->params, p->key, strlen(p->key), p->value.value_val,
			       p->value.value_len) < 0)
			w->params_bad = 1;
	}
}

/* Run map assignment `a` (attempt `attempt`) and report it. */
static void run_map(struct worker *w, const mr_map_task *a, uint64_t attempt)
{
	const struct plugin *p = w->plugin;
	struct map_spec spec = {
		.file = a->file,
		.map_id = a->map_id,
		.nreduce = a->nreduce,
		.offset = a->offset,
		.length = a->length,
		.by_record = a->by_record,
		.skip = a->skip.skip_val,
		.nskip = a->skip.skip_len,
	};
	mr_failure failure = MR_FAIL_NONE;
	int64_t bad = -1;
	int valid = spec.nreduce >= 1 && spec.nreduce <= MAX_NREDUCE && spec.map_id >= 0;
	int rc;

	w->runner.fault = RUNNER_FAULT_ENGINE; /* unless the runner says otherwise */
	log_set_context("map %d attempt %llu", spec.map_id, (unsigned long long)attempt);
	verbose("map task %d (%s) attempt %llu", spec.map_id, spec.file,
		(unsigned long long)attempt);
	log_clear_last_error();
	if (!valid)
		rc = bad_task("map", spec.map_id, "nreduce", spec.nreduce);
	else if (w->params_bad)
		rc = bad_task("map", spec.map_id, "parameters", (int)w->params.n);
	else if (p->map_record && (spec.by_record || !p->map))
		rc = map_watched(&w->runner, &spec, w->tcp ? remote_map_dir(&w->remote) : NULL,
				 &bad);
	else
		rc = runner_map_task(&w->runner, &spec, w->tcp ? remote_map_dir(&w->remote) : NULL);
	if (rc < 0)
		failure = w->runner.fault == RUNNER_FAULT_PLUGIN ? MR_FAIL_PLUGIN : MR_FAIL_ENGINE;
	else
		fault_crash("after-publish");
	report(w, runner_counters(&w->runner), MR_TASK_MAP, spec.map_id, attempt, failure, bad,
	       NULL);
	if (w->gone && valid)
		unpublish_map(&spec, w->tcp ? w->remote.dir : NULL);
}

/* Run reduce assignment `a` (attempt `attempt`) and report it. */
static void run_reduce(struct worker *w, const mr_reduce_task *a, uint64_t attempt)
{
	mr_failure failure = MR_FAIL_NONE;
	int id = a->reduce_id, nmap = a->nmap, rc;
	struct fetch_failure ff = { 0 };
	const char **dirs = NULL;
	char *fetched = NULL;

	w->runner.fault = RUNNER_FAULT_ENGINE; /* unless the runner says otherwise */
	log_set_context("reduce %d attempt %llu", id, (unsigned long long)attempt);
	verbose("reduce task %d attempt %llu", id, (unsigned long long)attempt);
	log_clear_last_error();
	/* No more maps for a while: free what they kept. */
	runner_release_cache(&w->runner);
	if (id < 0 || nmap < 0 || nmap > MAX_NMAP) {
		rc = bad_task("reduce", id, "nmap", nmap);
	} else if (w->params_bad) {
		rc = bad_task("reduce", id, "parameters", (int)w->params.n);
	} else if (w->tcp && a->map_host.map_host_len) {
		/* The runs are on the workers that made them: fetch them first. */
		dirs = xcalloc((size_t)nmap + 1, sizeof(*dirs));
		rc = remote_fetch(&w->remote, a, dirs, &fetched, &ff);
		if (rc < 0 && ff.kind != FETCH_FAIL_LOCAL)
			error("%s", ff.why);
	} else {
		rc = 0;
	}
	if (rc == 0)
		rc = runner_reduce_task(&w->runner, id, nmap, dirs);
	if (rc < 0)
		failure = w->runner.fault == RUNNER_FAULT_PLUGIN ? MR_FAIL_PLUGIN : MR_FAIL_ENGINE;
	else
		fault_crash("after-publish");
	if (report(w, runner_counters(&w->runner), MR_TASK_REDUCE, id, attempt, failure, -1,
		   ff.kind != FETCH_FAIL_LOCAL ? &ff : NULL))
		remove_reduce_inputs(id, nmap, dirs);
	remote_forget(fetched);
	free(dirs);
}

/*
 * Nothing to do yet: ask again after the coordinator's pause, but sooner
 * while the waiting is new (1, 2, 4, ... ms), so that a phase about to end
 * (the last maps before the reduces) costs a millisecond or two, not a
 * whole pause.
 */
static void wait_a_little(struct worker *w, int wait_ms)
{
	int ms = wait_ms > 0 && wait_ms < 10000 ? wait_ms : 100;
	int soon = 1 << (w->waits < 8 ? w->waits : 8);

	sleep_ms(soon < ms ? soon : ms);
	w->waits++;
}

/*
 * The job's results go to `dir` (--output DIR; "": the job directory): its
 * reduces publish there, and a coordinator that ends the job writes its
 * report there, so that is the report to watch from now on.  It is
 * stamped here, at the first answer of a live coordinator: the report is
 * written only after the coordinator's loop has ended.
 */
static void join_output_dir(struct worker *w, const char *dir)
{
	if (!dir || !*dir)
		return;
	w->output_dir = xstrdup(dir);
	w->runner.output_dir = w->output_dir;
	jobdir_report_path(w->report_path, dir);
	jobdir_stamp_file(&w->report, w->report_path);
}

/*
 * Serve tasks until EXIT or the coordinator goes away (and, with
 * --reconnect, does not come back).
 */
static void work(struct worker *w)
{
	while (!w->gone) {
		mr_ask_reply reply;
		mr_assignment *a = &reply.task;

		if (client_ask(&w->client, &reply) < 0) {
			if (coordinator_lost(w) == 0)
				continue;
			break;
		}
		w->lost_ms = 0;
		pending_synced(&w->pending, reply.synced);
		/* The job this worker joined, or another one served at the same place now. */
		if (!w->job_id) {
			w->job_id = reply.job_id;
			join_output_dir(w, reply.output_dir);
		} else if (reply.job_id != w->job_id) {
			info("the coordinator at %s serves another job now; leaving it",
			     w->client.t.where);
			xdr_free((xdrproc_t)xdr_mr_ask_reply, (char *)&reply);
			break;
		}
		if (a->kind != MR_TASK_WAIT)
			w->waits = 0;
		if (a->kind == MR_TASK_MAP || a->kind == MR_TASK_REDUCE)
			take_params(w, &reply);
		switch (a->kind) {
		case MR_TASK_MAP:
			run_map(w, &a->mr_assignment_u.map, reply.attempt);
			break;
		case MR_TASK_REDUCE:
			run_reduce(w, &a->mr_assignment_u.reduce, reply.attempt);
			break;
		case MR_TASK_WAIT:
			wait_a_little(w, reply.wait_ms);
			break;
		case MR_TASK_EXIT:
		default:
			w->gone = 1;
			break;
		}
		log_set_context(NULL);
		xdr_free((xdrproc_t)xdr_mr_ask_reply, (char *)&reply);
		/* Give a finished task's memory back before the next one. */
		if (a->kind == MR_TASK_MAP || a->kind == MR_TASK_REDUCE)
			malloc_trim(0);
	}
}

/* The command line, as parsed. */
struct worker_options {
	const char *socket, *coordinator, *secret_file, *local_dir, *advertise;
	int level, plugin_combiner;
};

/* Parse argv into *o, w->budget and w->reconnect_ms.  -1 to go on; else the exit status. */
static int parse_options(int argc, char **argv, struct worker_options *o, struct worker *w)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "coordinator", required_argument, NULL, 'c' },
		{ "secret-file", required_argument, NULL, 'k' },
		{ "local-dir", required_argument, NULL, 'L' },
		{ "advertise", required_argument, NULL, 'a' },
		{ "memory-limit", required_argument, NULL, 'm' },
		{ "plugin-combiner", no_argument, NULL, 'P' },
		{ "input-limit", required_argument, NULL, 'I' },
		{ "reconnect", required_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "s:c:m:vqh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->socket = optarg;
			break;
		case 'c':
			o->coordinator = optarg;
			break;
		case 'k':
			o->secret_file = optarg;
			break;
		case 'L':
			o->local_dir = optarg;
			break;
		case 'a':
			o->advertise = optarg;
			break;
		case 'm':
			if (parse_size(optarg, 1u << 20, 1ull << 40, &w->budget) < 0) {
				error("--memory-limit must be a size from 1M to 1T "
				      "(e.g. 64M), not '%s'", optarg);
				short_usage();
				return 2;
			}
			break;
		case 'P':
			o->plugin_combiner = 1;
			break;
		case 'I':
			if (parse_size(optarg, 1, 1ull << 50, &w->input_limit) < 0) {
				error("--input-limit must be a size of at least 1 byte "
				      "(e.g. 4G), not '%s'", optarg);
				short_usage();
				return 2;
			}
			break;
		case 'R': {
			long sec;

			if (parse_long(optarg, 0, MAX_RECONNECT_SEC, &sec) < 0) {
				error("--reconnect must be a number of seconds from 0 to %d, "
				      "not '%s'", MAX_RECONNECT_SEC, optarg);
				short_usage();
				return 2;
			}
			w->reconnect_ms = (int64_t)sec * 1000;
			break;
		}
		case 'v':
			o->level = o->level < LOG_NORMAL ? LOG_VERBOSE : o->level + 1;
			break;
		case 'q':
			o->level = LOG_QUIET;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			short_usage();
			return 2;
		}
	}
	log_set_level(o->level > LOG_DEBUG ? LOG_DEBUG : (enum log_level)o->level);
	if (argc - optind != 1) {
		error(optind >= argc ? "no plugin given" : "exactly one plugin expected");
		short_usage();
		return 2;
	}
	if (o->coordinator && !o->secret_file) {
		error("--coordinator needs --secret-file: the coordinator lets in only "
		      "peers that know the job's secret");
		short_usage();
		return 2;
	}
	return -1;
}

/*
 * Reach the coordinator: over its Unix socket, or over TCP with the fetch
 * service started on the way.  0, or the exit status after printing why.
 */
static int reach_coordinator(struct worker *w, const struct worker_options *o)
{
	char sockbuf[108];
	int rc;

	if (!o->coordinator)
		return client_connect(&w->client, usock_default_path(o->socket, sockbuf,
								     sizeof(sockbuf)),
				      CONNECT_RETRY_MS) < 0 ? 1 : 0;
	rc = remote_open(&w->remote, o->secret_file, o->local_dir);
	if (rc < 0)
		return rc == -2 ? 2 : 1;
	w->tcp = 1;
	/* The fetch service first: the coordinator must know it before we ask. */
	if (remote_serve(&w->remote, o->coordinator, o->advertise, w->reconnect_ms) < 0)
		return 1;
	if (client_connect_tcp(&w->client, o->coordinator, &w->remote.secret,
			       w->remote.serve.addr, CONNECT_RETRY_MS) < 0)
		return 1;
	verbose("fetch service on %s, map output in %s", w->remote.serve.addr, w->remote.dir);
	return 0;
}

int main(int argc, char **argv)
{
	struct worker_options o = { .level = LOG_NORMAL };
	struct plugin plugin;
	struct worker w = { .plugin = &plugin, .budget = RUNNER_DEFAULT_BUDGET,
			    .input_limit = ZINPUT_DEFAULT_LIMIT };
	int rc;

	log_init("mrworker", 1);
	faults_init("mrworker");
	rc = parse_options(argc, argv, &o, &w);
	if (rc >= 0)
		return rc;
	signal(SIGPIPE, SIG_IGN);
	filebuf_explain_sigbus("mrworker");
	if (plugin_load(&plugin, argv[optind]) < 0)
		return 1;
	if (o.plugin_combiner)
		plugin.combine_sum = 0;
	/* Before the coordinator can end the job: a report after this one is its. */
	jobdir_report_path(w.report_path, NULL);
	jobdir_stamp_file(&w.report, w.report_path);
	rc = reach_coordinator(&w, &o);
	if (rc == 0) {
		raise_fd_limit(); /* a reduce opens one run per map task */
		/*
		 * Big buffers come and go with every task: keep them out of the
		 * heap (a fixed threshold also stops glibc from raising it as
		 * they are freed), so freed memory really goes back and RSS
		 * tracks the budget.
		 */
		mallopt(M_MMAP_THRESHOLD, 1 << 20);
		runner_init(&w.runner, &plugin, w.budget);
		w.runner.input_limit = w.input_limit;
		runner_set_params(&w.runner, &w.params);
		work(&w);
		runner_release(&w.runner);
		free(w.output_dir);
		rc = w.status;
	}
	client_close(&w.client);
	if (w.tcp)
		remote_close(&w.remote);
	plugin_close(&plugin);
	params_release(&w.params);
	pending_release(&w.pending);
	return rc;
}
