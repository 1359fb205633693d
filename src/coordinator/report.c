/* report.c - see report.h. */
#include "coordinator/report.h"

#include "common/afile.h"
#include "common/jobdir.h"
#include "common/log.h"
#include "common/params.h"
#include "common/util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistr.h>

static const char *outcome_name(enum attempt_outcome o)
{
	switch (o) {
	case ATTEMPT_RUNNING:
		return "running";
	case ATTEMPT_DONE:
		return "done";
	case ATTEMPT_FAILED:
		return "failed";
	case ATTEMPT_TIMED_OUT:
		return "timed out";
	case ATTEMPT_SUPERSEDED:
		return "superseded";
	}
	return "unknown";
}

static const char *fault_name(enum attempt_fault f)
{
	return f == FAULT_PLUGIN ? "plugin" : f == FAULT_ENGINE ? "engine" : "unknown";
}

static const char *state_name(enum task_state s)
{
	return s == TASK_DONE ? "done" : s == TASK_RUNNING ? "running" : "idle";
}

/* json_object_set_new that dies on out-of-memory, like every x* call. */
static void put(json_t *obj, const char *key, json_t *val)
{
	if (!val || json_object_set_new(obj, key, val) < 0)
		die("out of memory building %s", JOBDIR_REPORT);
}

static void append(json_t *arr, json_t *val)
{
	if (!val || json_array_append_new(arr, val) < 0)
		die("out of memory building %s", JOBDIR_REPORT);
}

/*
 * A JSON string of `len` bytes that may be anything (file names, error
 * texts, parameter values: a user's bytes): valid UTF-8 is kept, a NUL
 * becomes \u0000, and each byte that is not part of a valid sequence
 * becomes U+FFFD, so the report stays valid JSON.
 */
static json_t *bytes_json(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	char *buf;
	size_t n = 0;
	json_t *j;

	if (!u8_check(p, len))
		return json_stringn(s, len);
	buf = xmalloc(len * 3 + 1);
	for (size_t i = 0; i < len;) {
		ucs4_t uc;
		int k = u8_mbtoucr(&uc, p + i, len - i);

		if (k > 0) {
			memcpy(buf + n, p + i, (size_t)k);
			n += (size_t)k;
			i += (size_t)k;
		} else {
			memcpy(buf + n, "\xef\xbf\xbd", 3);
			n += 3;
			i++;
		}
	}
	j = json_stringn(buf, n);
	free(buf);
	return j;
}

/* bytes_json of a C string. */
static json_t *text_json(const char *s)
{
	return bytes_json(s, strlen(s));
}

/* The job's --param pairs as an object (empty without any). */
static json_t *params_json(const struct params *ps)
{
	json_t *o = json_object();

	if (!o)
		die("out of memory building %s", JOBDIR_REPORT);
	for (size_t i = 0; ps && i < ps->n; i++)
		put(o, ps->v[i].key, bytes_json(ps->v[i].value, ps->v[i].vlen));
	return o;
}

/* Add `n` to totals[name]. */
static void total_add(json_t *totals, const char *name, int64_t n)
{
	json_t *v = json_object_get(totals, name);

	put(totals, name, json_integer((v ? json_integer_value(v) : 0) + n));
}

static json_t *task_json(const struct job *job, uint32_t index, int64_t start_ms,
			 json_t *totals)
{
	const struct task *t = &job->tasks[index];
	json_t *o = json_object(), *attempts = json_array(), *counters = json_object();
	int is_map = index < (uint32_t)job->nmap;

	put(o, "kind", json_string(is_map ? "map" : "reduce"));
	put(o, "id", json_integer(is_map ? (json_int_t)index
					  : (json_int_t)(index - (uint32_t)job->nmap)));
	if (is_map) {
		put(o, "input", text_json(job->files[index]));
		put(o, "offset", json_integer(job->offsets ? job->offsets[index] : 0));
		put(o, "length", json_integer(job->offsets ? job->lengths[index] : -1));
	}
	put(o, "state", json_string(state_name(t->state)));
	if (t->nskip) {
		json_t *skipped = json_array();

		for (size_t i = 0; i < t->nskip; i++)
			append(skipped, json_integer(t->skip[i]));
		put(o, "skipped_records", skipped);
	}
	if (t->redo)
		put(o, "redone_after_restart", text_json(t->redo));
	put(o, "failures", json_integer(t->failures));
	if (t->last_error)
		put(o, "last_error", text_json(t->last_error));
	for (size_t i = 0; i < t->nhist; i++) {
		const struct attempt_rec *r = &t->hist[i];
		json_t *a = json_object();

		put(a, "attempt", json_integer((json_int_t)r->attempt));
		put(a, "worker", json_integer(r->worker_pid));
		put(a, "backup", json_boolean(r->backup));
		if (r->recovered) {
			/* Finished under an earlier coordinator: no times of ours. */
			put(a, "outcome", json_string(outcome_name(r->outcome)));
			put(a, "recovered", json_true());
			if (r->lost)
				put(a, "output_lost", json_string(job_lost_name(r->lost)));
			append(attempts, a);
			continue;
		}
		if (r->earlier)
			put(a, "earlier_coordinator", json_true());
		put(a, "start_ms", json_integer(r->start_ms - start_ms));
		if (r->outcome != ATTEMPT_RUNNING) {
			put(a, "end_ms", json_integer(r->end_ms - start_ms));
			put(a, "duration_ms", json_integer(r->end_ms - r->start_ms));
		}
		put(a, "outcome", json_string(outcome_name(r->outcome)));
		if (r->worker && job_worker_addr(job, r->worker))
			put(a, "host", text_json(job_worker_addr(job, r->worker)));
		if (r->lost)
			put(a, "output_lost", json_string(job_lost_name(r->lost)));
		if (r->outcome == ATTEMPT_FAILED) {
			put(a, "failure", json_string(fault_name(r->fault)));
			if (r->error)
				put(a, "error", text_json(r->error));
		}
		append(attempts, a);
	}
	put(o, "attempts", attempts);
	for (size_t k = 0; k < t->ncounters; k++) {
		/* A plugin's counter name is its bytes: a key must be UTF-8. */
		json_t *name = text_json(t->counters[k].name);
		const char *key = json_string_value(name);

		put(counters, key, json_integer(t->counters[k].value));
		total_add(totals, key, t->counters[k].value);
		json_decref(name);
	}
	put(o, "counters", counters);
	return o;
}

int report_write(const struct job *job, const char *path, const char *outcome,
		 int64_t start_ms, int64_t end_ms)
{
	json_t *root = json_object(), *inputs = json_array(), *tasks = json_array();
	json_t *totals = json_object(), *stats = json_object();
	json_int_t attempts = 0;
	struct afile f;
	char *text;
	int rc = -1;

	if (!root || !inputs || !tasks || !totals || !stats)
		die("out of memory building %s", path);
	put(root, "outcome", json_string(outcome));
	put(root, "elapsed_ms", json_integer(end_ms - start_ms));
	for (int i = 0; i < job->nmap; i++)
		if (i == 0 || job->files[i] != job->files[i - 1])
			append(inputs, text_json(job->files[i]));
	put(root, "inputs", inputs);
	put(root, "nmap", json_integer(job->nmap));
	put(root, "nreduce", json_integer(job->nreduce));
	put(root, "params", params_json(job->cfg.params));
	for (uint32_t i = 0; i < (uint32_t)(job->nmap + job->nreduce); i++) {
		append(tasks, task_json(job, i, start_ms, totals));
		attempts += job->tasks[i].handed_out;
	}
	if (job->failed_task >= 0)
		put(root, "failed_task", json_integer(job->failed_task));
	put(stats, "attempts", json_integer(attempts));
	put(stats, "reissued", json_integer((json_int_t)job->reissued));
	put(stats, "backups", json_integer((json_int_t)job->backups));
	put(stats, "backups_won", json_integer((json_int_t)job->backups_won));
	put(stats, "failed_reports", json_integer((json_int_t)job->failed_reports));
	put(stats, "failed_reports_plugin", json_integer((json_int_t)job->failed_plugin));
	put(stats, "failed_reports_engine", json_integer((json_int_t)job->failed_engine));
	put(stats, "ignored_reports", json_integer((json_int_t)job->ignored_reports));
	put(stats, "fetch_failures", json_integer((json_int_t)job->fetch_failures));
	put(stats, "reexecuted", json_integer((json_int_t)job->reexecuted));
	put(stats, "workers_lost", json_integer((json_int_t)job->workers_lost));
	put(stats, "coordinator_restarts", json_integer((json_int_t)job->incarnation));
	put(stats, "recovered", json_integer((json_int_t)job->recovered));
	put(stats, "adopted", json_integer((json_int_t)job->adopted));
	put(stats, "redone_after_restart", json_integer((json_int_t)job->redone));
	if (job->tcp)
		total_add(totals, "mr.net.auth.failures", (int64_t)job->auth_failures);
	put(root, "stats", stats);
	put(root, "counters", totals);
	put(root, "tasks", tasks);

	text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text)
		die("out of memory writing %s", path);
	if (afile_open_durable(&f, path) == 0) {
		afile_write(&f, text, strlen(text));
		afile_write(&f, "\n", 1);
		rc = afile_commit(&f);
	}
	free(text);
	return rc;
}

int report_says_done(const char *path, char *const *inputs, int n, int nreduce)
{
	json_t *root = json_load_file(path, 0, NULL);
	json_t *in = root ? json_object_get(root, "inputs") : NULL;
	const char *outcome = root ? json_string_value(json_object_get(root, "outcome")) : NULL;
	int done = outcome && !strcmp(outcome, "done") && json_is_array(in) &&
		   json_array_size(in) == (size_t)n &&
		   json_integer_value(json_object_get(root, "nreduce")) == nreduce;

	for (int i = 0; done && i < n; i++) {
		json_t *want = text_json(inputs[i]);

		done = json_equal(json_array_get(in, (size_t)i), want);
		json_decref(want);
	}
	json_decref(root);
	return done;
}
