/*
 * mrctl - look at a job.
 *   mrctl status [--socket PATH] [--json | --watch]  asks a running
 *       coordinator (MR_STATUS) where the job stands: phase, tasks per
 *       state, every running attempt with its worker and age, counters so
 *       far, ETA; with --watch again every second until the job ends
 *       (tools/watch.h).
 *   mrctl report [FILE]  reads the report a coordinator writes when a job
 *       ends (mr-report.json, see report.h) and prints a summary: outcome,
 *       time, attempts and failure reports (by fault: plugin or engine),
 *       counters, the slowest tasks and every task that needed more than
 *       one attempt.
 *   mrctl journal [FILE]  prints a job journal (mr-journal, see
 *       coordinator/jrec.h) one record per line, and how it ends.
 *   mrctl timeline [-o SVG] [FILE]  draws a report as an SVG picture
 *       (tools/timeline.h), on stdout or published atomically as SVG.
 */
#include "common/afile.h"
#include "common/faults.h"
#include "common/jobdir.h"
#include "coordinator/journal.h"
#include "coordinator/jrec.h"
#include "common/log.h"
#include "common/util.h"
#include "net/usock.h"
#include "mr.h"
#include "net/rpcmsg.h"
#include "net/secret.h"
#include "net/transport.h"
#include "tools/timeline.h"
#include "tools/watch.h"

#include <jansson.h>
#include <rpc/rpc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SLOWEST 5

static void usage(FILE *out)
{
	fprintf(out,
		"usage: mrctl status [--socket PATH | --coordinator HOST:PORT --secret-file FILE]\n"
		"                    [--json | --watch]\n"
		"       mrctl report [FILE]\n"
		"       mrctl journal [FILE]\n"
		"       mrctl timeline [-o SVG] [FILE]\n"
		"status: where a running job stands (phase, tasks, running attempts,\n"
		"        counters so far, ETA), from its coordinator (socket as for\n"
		"        mrworker: --socket, else $MR_SOCKET, else /var/tmp/5840-mr-UID).\n"
		"        --watch: again every second (on a terminal, in place) until\n"
		"        the job ends; Ctrl-C stops it.\n"
		"report: summarize a finished job's report (default: mr-report.json\n"
		"        in the current directory): outcome, counters, slowest\n"
		"        tasks, retries.\n"
		"journal: print a job journal (default: mr-journal in the current\n"
		"        directory) one record per line: the job, the coordinator\n"
		"        runs, every finished task and re-run map, and how it ends.\n"
		"timeline: draw a finished job's report (default: mr-report.json) as\n"
		"        an SVG picture, one lane per worker and one bar per attempt,\n"
		"        on stdout or, with -o, into SVG (written whole or not at all).\n"
		"Exit status: 0 shown, 1 no coordinator or unreadable report, 2 usage.\n");
}

static const char *phase_name(int phase)
{
	static const char *const names[] = { "map", "reduce", "done", "failed" };

	return phase >= 0 && phase < 4 ? names[phase] : "unknown";
}

/* Where to ask: a socket path, or a TCP address with the job's secret. */
struct target {
	const char *socket, *coordinator, *secret_file;
};

/* A connection to the coordinator, for one status call or many. */
struct status_conn {
	struct transport t;
	struct secret k;
	char buf[108];
	const char *where;
};

/* Connect.  0, or -1 after printing why (*c then needs no close). */
static int status_open(struct status_conn *c, const struct target *to)
{
	int rc;

	memset(c, 0, sizeof(*c));
	if (to->coordinator) {
		c->where = to->coordinator;
		if (secret_load(&c->k, to->secret_file) < 0)
			return -1;
		rc = transport_open_tcp(&c->t, to->coordinator, &c->k, 0, 10);
	} else {
		c->where = usock_default_path(to->socket, c->buf, sizeof(c->buf));
		rc = transport_open(&c->t, c->where, 0, 10);
	}
	if (rc < 0)
		secret_release(&c->k);
	return rc;
}

/* Ask for the status.  0, or -1 with the reason in c->t.err (nothing printed). */
static int status_call(struct status_conn *c, mr_status_reply *res)
{
	return transport_call(&c->t, MR_STATUS, (xdrproc_t)rpcmsg_xdr_none, NULL,
			      (xdrproc_t)xdr_mr_status_reply, res, sizeof(*res));
}

static void status_close(struct status_conn *c)
{
	transport_close(&c->t);
	secret_release(&c->k);
}

/* Ask the coordinator for its status once.  0, or -1 after printing why. */
static int fetch_status(const struct target *to, mr_status_reply *res)
{
	struct status_conn c;
	int rc;

	signal(SIGPIPE, SIG_IGN); /* a coordinator gone: the call fails, saying so */
	if (status_open(&c, to) < 0)
		return -1;
	rc = status_call(&c, res);
	if (rc < 0)
		error("status call to %s failed: %s", c.where, c.t.err);
	status_close(&c);
	return rc;
}

static int64_t counter_of(const mr_status_reply *r, const char *name)
{
	for (u_int i = 0; i < r->counters.counters_len; i++)
		if (!strcmp(r->counters.counters_val[i].name, name))
			return r->counters.counters_val[i].value;
	return 0;
}

static void print_status_text(FILE *out, const mr_status_reply *r)
{
	fprintf(out, "job: %s phase, %.1f s elapsed", phase_name(r->phase),
	       (double)r->elapsed_ms / 1000.0);
	if (r->eta_ms >= 0)
		fprintf(out, ", ETA %.0f s", (double)r->eta_ms / 1000.0);
	fprintf(out, "\n");
	fprintf(out, "map:    %d/%d done, %d running, %d idle, %d failed at least once\n",
	       r->maps_done, r->nmap, r->maps_running, r->maps_idle, r->maps_failed);
	fprintf(out, "reduce: %d/%d done, %d running, %d idle, %d failed at least once\n",
	       r->reduces_done, r->nreduce, r->reduces_running, r->reduces_idle,
	       r->reduces_failed);
	fprintf(out, "attempts: %llu re-issued, %llu backups, %llu failure reports\n",
	       (unsigned long long)r->reissued, (unsigned long long)r->backups,
	       (unsigned long long)r->failed_reports);
	fprintf(out, "bytes: %lld read, %lld written (finished tasks)\n",
	       (long long)counter_of(r, "mr.map.input.bytes"),
	       (long long)counter_of(r, "mr.output.bytes"));
	if (r->running.running_len)
		fprintf(out, "running:\n");
	for (u_int i = 0; i < r->running.running_len; i++) {
		const mr_running_task *t = &r->running.running_val[i];

		fprintf(out, "  %-6s %-6d attempt %-6llu worker %-8d %6.1f s%s\n",
		       t->kind == MR_TASK_MAP ? "map" : "reduce", t->id,
		       (unsigned long long)t->attempt, t->worker_pid,
		       (double)t->elapsed_ms / 1000.0, t->backup ? "  (backup)" : "");
	}
	if (r->counters.counters_len)
		fprintf(out, "counters (finished tasks):\n");
	for (u_int i = 0; i < r->counters.counters_len; i++)
		fprintf(out, "  %-32s %lld\n", r->counters.counters_val[i].name,
		       (long long)r->counters.counters_val[i].value);
}

static void print_status_json(const mr_status_reply *r)
{
	json_t *o = json_object(), *running = json_array(), *counters = json_object();
	char *text;

	json_object_set_new(o, "phase", json_string(phase_name(r->phase)));
	json_object_set_new(o, "elapsed_ms", json_integer(r->elapsed_ms));
	json_object_set_new(o, "eta_ms", json_integer(r->eta_ms));
	json_object_set_new(o, "nmap", json_integer(r->nmap));
	json_object_set_new(o, "nreduce", json_integer(r->nreduce));
	json_object_set_new(o, "maps", json_pack("{s:i,s:i,s:i,s:i}", "done", r->maps_done,
						 "running", r->maps_running, "idle",
						 r->maps_idle, "failed", r->maps_failed));
	json_object_set_new(o, "reduces", json_pack("{s:i,s:i,s:i,s:i}", "done",
						    r->reduces_done, "running",
						    r->reduces_running, "idle",
						    r->reduces_idle, "failed",
						    r->reduces_failed));
	json_object_set_new(o, "reissued", json_integer((json_int_t)r->reissued));
	json_object_set_new(o, "backups", json_integer((json_int_t)r->backups));
	json_object_set_new(o, "failed_reports", json_integer((json_int_t)r->failed_reports));
	for (u_int i = 0; i < r->running.running_len; i++) {
		const mr_running_task *t = &r->running.running_val[i];

		json_array_append_new(running, json_pack("{s:s,s:i,s:I,s:i,s:I,s:b}",
			"kind", t->kind == MR_TASK_MAP ? "map" : "reduce", "id", t->id,
			"attempt", (json_int_t)t->attempt, "worker", t->worker_pid,
			"elapsed_ms", (json_int_t)t->elapsed_ms, "backup", (int)t->backup));
	}
	json_object_set_new(o, "running", running);
	for (u_int i = 0; i < r->counters.counters_len; i++)
		json_object_set_new(counters, r->counters.counters_val[i].name,
				    json_integer(r->counters.counters_val[i].value));
	json_object_set_new(o, "counters", counters);
	text = json_dumps(o, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	if (!text)
		die("out of memory");
	printf("%s\n", text);
	free(text);
	json_decref(o);
}

/* mrctl status --watch: the connection, the last snapshot, when it began. */
struct status_watch {
	struct status_conn c;
	char *last;             /* malloc'd: the last snapshot drawn, NULL before one */
	time_t since;
	int tty;                /* frames replace each other (tools/watch.h) */
};

static void print_headline(FILE *out, json_t *root);

/*
 * The headline of the report at `path` (mrctl report's first line) when
 * it was written at or after `since`: 0; else -1, silently.
 */
static int print_new_report(FILE *out, const char *path, time_t since)
{
	struct stat st;
	json_t *root;

	if (stat(path, &st) < 0 || st.st_mtime < since || !(root = json_load_file(path, 0, NULL)))
		return -1;
	print_headline(out, root);
	json_decref(root);
	return 0;
}

/*
 * One frame of status --watch (a watch_draw_fn): the status, or, once the
 * coordinator has gone (the job ended: it exits when it is done), that it
 * has gone (under the last status again on a terminal, where the screen
 * is cleared) and how the job ended when its report is here.
 */
static int draw_status(void *ctx, FILE *out)
{
	struct status_watch *w = ctx;
	mr_status_reply res;
	size_t len = 0;
	char *text = NULL;
	FILE *f;
	int phase;

	if (status_call(&w->c, &res) < 0) {
		if (!w->last)
			return error("status call to %s failed: %s", w->c.where, w->c.t.err);
		/* On a terminal the screen is cleared: show the last status again. */
		if (w->tty)
			fprintf(out, "%s\n", w->last);
		fprintf(out, "the coordinator has gone: the job has ended\n");
		if (print_new_report(out, JOBDIR_REPORT, w->since) < 0)
			fprintf(out, "(its %s in the job directory says how)\n", JOBDIR_REPORT);
		return WATCH_LAST;
	}
	if (!(f = open_memstream(&text, &len)))
		die("out of memory");
	print_status_text(f, &res);
	if (fclose(f) != 0)
		die("out of memory");
	phase = res.phase;
	xdr_free((xdrproc_t)xdr_mr_status_reply, (char *)&res);
	fputs(text, out);
	free(w->last);
	w->last = text;
	return phase >= 2 ? WATCH_LAST : WATCH_AGAIN; /* 2 done, 3 failed */
}

static int watch_status(const struct target *to)
{
	struct status_watch w = { .since = time(NULL), .tty = isatty(STDOUT_FILENO) };
	int rc;

	signal(SIGPIPE, SIG_IGN); /* a coordinator gone: the call fails, we go on */
	if (status_open(&w.c, to) < 0)
		return 1;
	rc = watch_run(draw_status, &w, 1000);
	status_close(&w.c);
	free(w.last);
	return rc < 0 ? 1 : 0;
}

static int show_status(int argc, char **argv)
{
	struct target to = { 0 };
	mr_status_reply res;
	int json = 0, watch = 0;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--watch")) {
			watch = 1;
		} else if (!strcmp(argv[i], "--socket") && i + 1 < argc) {
			to.socket = argv[++i];
		} else if (!strncmp(argv[i], "--socket=", 9)) {
			to.socket = argv[i] + 9;
		} else if (!strcmp(argv[i], "--coordinator") && i + 1 < argc) {
			to.coordinator = argv[++i];
		} else if (!strcmp(argv[i], "--secret-file") && i + 1 < argc) {
			to.secret_file = argv[++i];
		} else {
			error("unknown status option '%s'", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (to.coordinator && !to.secret_file) {
		error("--coordinator needs --secret-file");
		usage(stderr);
		return 2;
	}
	if (json && watch) {
		error("--watch redraws the text status; it does not go with --json");
		usage(stderr);
		return 2;
	}
	if (watch)
		return watch_status(&to);
	if (fetch_status(&to, &res) < 0)
		return 1;
	if (json)
		print_status_json(&res);
	else
		print_status_text(stdout, &res);
	xdr_free((xdrproc_t)xdr_mr_status_reply, (char *)&res);
	return 0;
}

static json_int_t int_of(json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

static const char *str_of(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "?";
}

/* "map 3 (file)" or "reduce 7" into buf. */
static const char *task_label(json_t *task, char *buf, size_t size)
{
	const char *kind = str_of(task, "kind");

	if (!strcmp(kind, "map"))
		snprintf(buf, size, "map %lld (%s)", (long long)int_of(task, "id"),
			 str_of(task, "input"));
	else
		snprintf(buf, size, "%s %lld", kind, (long long)int_of(task, "id"));
	return buf;
}

/* Duration of the attempt that finished the task, -1 when none did. */
static json_int_t done_ms(json_t *task)
{
	json_t *attempts = json_object_get(task, "attempts"), *a;
	size_t i;

	json_array_foreach(attempts, i, a)
		if (!strcmp(str_of(a, "outcome"), "done"))
			return int_of(a, "duration_ms");
	return -1;
}

static int cmp_slow(const void *x, const void *y)
{
	json_int_t a = done_ms(*(json_t *const *)x), b = done_ms(*(json_t *const *)y);

	return (a < b) - (a > b);
}

/* "attempts: ..." from the report's stats; failure reports split by fault when there are any. */
static void print_attempts(json_t *stats)
{
	json_int_t failed = int_of(stats, "failed_reports");
	json_int_t plugin = int_of(stats, "failed_reports_plugin");
	json_int_t engine = int_of(stats, "failed_reports_engine");

	printf("attempts: %lld in all, %lld re-issued, %lld backups (%lld won), "
	       "%lld failure reports", (long long)int_of(stats, "attempts"),
	       (long long)int_of(stats, "reissued"), (long long)int_of(stats, "backups"),
	       (long long)int_of(stats, "backups_won"), (long long)failed);
	/* Reports written before the split have no failed_reports_plugin. */
	if (failed > 0 && json_object_get(stats, "failed_reports_plugin")) {
		printf(" (plugin %lld, engine %lld", (long long)plugin, (long long)engine);
		if (failed > plugin + engine)
			printf(", cause not given %lld", (long long)(failed - plugin - engine));
		printf(")");
	}
	printf("\n");
	if (int_of(stats, "coordinator_restarts") > 0)
		printf("recovery: %lld coordinator restart(s); %lld tasks recovered from the "
		       "journal, %lld finished by attempts handed out before a restart\n",
		       (long long)int_of(stats, "coordinator_restarts"),
		       (long long)int_of(stats, "recovered"), (long long)int_of(stats, "adopted"));
}

/* The SLOWEST tasks by the duration of the attempt that finished them. */
static void print_slowest(json_t *tasks)
{
	size_t i, n = json_array_size(tasks);
	json_t **sorted = calloc(n ? n : 1, sizeof(*sorted)), *t;
	char label[512];

	if (!sorted)
		die("out of memory");
	json_array_foreach(tasks, i, t)
		sorted[i] = t;
	qsort(sorted, n, sizeof(*sorted), cmp_slow);
	printf("slowest tasks:\n");
	for (i = 0; i < n && i < SLOWEST && done_ms(sorted[i]) >= 0; i++)
		printf("  %8.3f s  %s\n", (double)done_ms(sorted[i]) / 1000.0,
		       task_label(sorted[i], label, sizeof(label)));
	free(sorted);
}

/* " in the plugin" or " in the engine" for a failed attempt that says so, else "". */
static const char *failure_where(json_t *attempt)
{
	const char *f = json_string_value(json_object_get(attempt, "failure"));

	if (f && !strcmp(f, "plugin"))
		return " in the plugin";
	if (f && !strcmp(f, "engine"))
		return " in the engine";
	return "";
}

/* Every task with more than one attempt: how each ended, last error, skipped records. */
static void print_retried(json_t *tasks)
{
	size_t i, retried = 0;
	char label[512];
	json_t *t;

	json_array_foreach(tasks, i, t) {
		json_t *attempts = json_object_get(t, "attempts"), *a;
		size_t k;

		if (json_array_size(attempts) <= 1)
			continue;
		if (retried++ == 0)
			printf("tasks with more than one attempt:\n");
		printf("  %s:", task_label(t, label, sizeof(label)));
		json_array_foreach(attempts, k, a)
			printf(" %s%s%s on %lld;", json_is_true(json_object_get(a, "backup")) ?
			       "backup " : "", str_of(a, "outcome"), failure_where(a),
			       (long long)int_of(a, "worker"));
		printf("\n");
		if (json_object_get(t, "last_error"))
			printf("    last error: %s\n", str_of(t, "last_error"));
		if (json_is_array(json_object_get(t, "skipped_records"))) {
			json_t *off;
			size_t j;

			printf("    skipped bad records at bytes:");
			json_array_foreach(json_object_get(t, "skipped_records"), j, off)
				printf(" %lld", (long long)json_integer_value(off));
			printf("\n");
		}
	}
	if (retried == 0)
		printf("every task took one attempt\n");
}

/* "job: done in 0.1 s, 8 map and 10 reduce tasks" */
static void print_headline(FILE *out, json_t *root)
{
	fprintf(out, "job: %s in %.1f s, %lld map and %lld reduce tasks\n", str_of(root, "outcome"),
		(double)int_of(root, "elapsed_ms") / 1000.0, (long long)int_of(root, "nmap"),
		(long long)int_of(root, "nreduce"));
}

static int show_report(const char *path)
{
	json_error_t err;
	json_t *root = json_load_file(path, 0, &err), *tasks, *counters, *stats, *v;
	const char *name;

	if (!root)
		return error("cannot read report %s: %s (line %d)", path, err.text, err.line);
	tasks = json_object_get(root, "tasks");
	counters = json_object_get(root, "counters");
	stats = json_object_get(root, "stats");
	if (!json_is_array(tasks) || !json_is_object(counters)) {
		json_decref(root);
		return error("%s is not a job report (no tasks or counters)", path);
	}
	print_headline(stdout, root);
	if (json_is_object(stats))
		print_attempts(stats);
	printf("counters:\n");
	json_object_foreach(counters, name, v)
		printf("  %-32s %lld\n", name, (long long)json_integer_value(v));
	print_slowest(tasks);
	print_retried(tasks);
	json_decref(root);
	return 0;
}

/* One journal record as a line; -1 when it does not decode. */
static int print_record(uint32_t type, const void *p, size_t len)
{
	union {
		struct jrec_spec spec;
		struct jrec_input in;
		struct jrec_start st;
		struct jrec_done d;
		struct jrec_rerun rr;
		struct jrec_end e;
		struct jstr out;
	} r;

	switch (type) {
	case JREC_SPEC:
		if (jrec_get_spec(p, len, &r.spec) < 0)
			return -1;
		printf("spec job_id=%016llx nreduce=%u split_size=%llu flags=%u inputs=%u "
		       "params=%016llx\n",
		       (unsigned long long)r.spec.job_id, r.spec.nreduce,
		       (unsigned long long)r.spec.split_size, r.spec.flags, r.spec.ninputs,
		       (unsigned long long)r.spec.params_hash);
		return 0;
	case JREC_INPUT:
		if (jrec_get_input(p, len, &r.in) < 0)
			return -1;
		printf("input %.*s size=%lld mtime_ns=%lld\n", (int)r.in.name.len, r.in.name.s,
		       (long long)r.in.size, (long long)r.in.mtime_ns);
		return 0;
	case JREC_START:
		if (jrec_get_start(p, len, &r.st) < 0)
			return -1;
		printf("start incarnation=%u time_ms=%lld\n", r.st.incarnation,
		       (long long)r.st.time_ms);
		return 0;
	case JREC_DONE:
		if (jrec_get_done(p, len, &r.d) < 0)
			return -1;
		printf("done %s %u attempt=%llu holder=%.*s sizes=", r.d.kind ? "reduce" : "map",
		       r.d.id, (unsigned long long)r.d.attempt, (int)r.d.holder.len,
		       r.d.holder.len ? r.d.holder.s : "-");
		for (uint32_t i = 0; i < r.d.nsizes; i++)
			printf("%s%lld", i ? "," : "", (long long)r.d.sizes[i]);
		printf(" counters=%u\n", r.d.ncounters);
		jrec_done_release(&r.d);
		return 0;
	case JREC_RERUN:
		if (jrec_get_rerun(p, len, &r.rr) < 0)
			return -1;
		printf("rerun map %u why=%u\n", r.rr.map, r.rr.why);
		return 0;
	case JREC_END:
		if (jrec_get_end(p, len, &r.e) < 0)
			return -1;
		printf("end status=%u\n", r.e.status);
		return 0;
	case JREC_OUTPUT:
		if (jrec_get_output(p, len, &r.out) < 0)
			return -1;
		printf("output %.*s\n", (int)r.out.len, r.out.s);
		return 0;
	}
	return -1;
}

static int show_journal(const char *path)
{
	struct journal_reader *r;
	const void *p;
	const char *why;
	uint32_t type;
	uint64_t off;
	size_t len;
	int got, rc = 0;

	if (journal_read_open(&r, path) < 0)
		return -1;
	while ((got = journal_next(r, &type, &p, &len)) > 0)
		if (print_record(type, p, len) < 0) {
			printf("? record %llu: type %u (%s), %zu bytes that do not decode\n",
			       (unsigned long long)journal_read_count(r), type,
			       jrec_type_name(type), len);
			rc = -1;
		}
	if (got == 0) {
		enum journal_tail tail = journal_read_tail(r, &off, &why);

		printf("# %llu records; %s", (unsigned long long)journal_read_count(r),
		       tail == JOURNAL_CLEAN ? "clean end" : tail == JOURNAL_TORN ? "torn tail"
							    : "corrupt");
		printf(" at offset %llu", (unsigned long long)off);
		if (tail != JOURNAL_CLEAN)
			printf(" (%s)", why);
		printf("\n");
	} else {
		rc = -1;
	}
	journal_read_close(r);
	return rc;
}

/*
 * mrctl timeline [-o SVG] [FILE]: the picture is made whole in memory
 * first, so stdout gets all of it or nothing, and -o publishes it
 * atomically (common/afile.h).  0, 1 (unreadable report, write error)
 * or 2 (usage).
 */
static int show_timeline(int argc, char **argv)
{
	const char *path = JOBDIR_REPORT, *to = NULL;
	json_error_t err;
	json_t *root;
	char *svg = NULL;
	size_t len = 0;
	struct afile f;
	FILE *mem;
	int rc, npath = 0;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			to = argv[++i];
		} else if (!strcmp(argv[i], "-o")) {
			error("timeline -o needs a file name");
			usage(stderr);
			return 2;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			error("unknown timeline option '%s'", argv[i]);
			usage(stderr);
			return 2;
		} else if (npath++ == 0) {
			path = argv[i];
		} else {
			error("timeline takes one report, not '%s' too", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (!(root = json_load_file(path, 0, &err))) {
		error("cannot read report %s: %s (line %d)", path, err.text, err.line);
		return 1;
	}
	if (!(mem = open_memstream(&svg, &len)))
		die("out of memory");
	rc = timeline_write_svg(root, path, mem);
	if (fclose(mem) != 0)
		die("out of memory");
	json_decref(root);
	if (rc == 0 && !to && write_all(STDOUT_FILENO, svg, len) < 0)
		rc = error_errno("cannot write the timeline to stdout");
	if (rc == 0 && to) {
		rc = afile_open(&f, to);
		if (rc == 0 && afile_write(&f, svg, len) < 0) {
			afile_abort(&f);
			rc = -1;
		} else if (rc == 0) {
			rc = afile_commit(&f);
		}
	}
	free(svg);
	return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	log_init("mrctl", 0);
	faults_init("mrctl");
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "status"))
		return show_status(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "timeline"))
		return show_timeline(argc - 2, argv + 2);
	if (argc >= 2 && argc <= 3 && !strcmp(argv[1], "journal"))
		return show_journal(argc == 3 ? argv[2] : JOBDIR_JOURNAL) < 0 ? 1 : 0;
	if (argc < 2 || argc > 3 || strcmp(argv[1], "report") != 0) {
		if (argc >= 2 && strcmp(argv[1], "report") != 0 && strcmp(argv[1], "journal") != 0)
			error("unknown command '%s'", argv[1]);
		usage(stderr);
		return 2;
	}
	return show_report(argc == 3 ? argv[2] : JOBDIR_REPORT) < 0 ? 1 : 0;
}
