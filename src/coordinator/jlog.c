/* jlog.c - the coordinator's job journal; the contract is in jlog.h. */
#include "coordinator/jlog.h"

#include "common/afile.h"
#include "common/faults.h"
#include "common/jobdir.h"
#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Above this many reduces a map's DONE record holds no sizes (recovery checks presence). */
#define JLOG_MAX_SIZED 256
#define JLOG_ANY_SIZE (-2)

/* Append the record in l->buf; a failed journal takes nothing more. */
static void append(struct jlog *l, uint32_t type)
{
	if (!l->j || l->failed)
		return;
	if (journal_append(l->j, type, l->buf.p, l->buf.len) < 0)
		l->failed = 1;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void put_start(struct jlog *l, uint32_t incarnation)
{
	struct jrec_start st = { incarnation, wall_ms() };

	jbuf_reset(&l->buf);
	jrec_put_start(&l->buf, &st);
	append(l, JREC_START);
}

int jlog_commit(struct jlog *l)
{
	int buffered, flying;

	if (!l->j)
		return 0;
	if (l->failed)
		return -1;
	buffered = journal_pending(l->j) > 0;
	flying = journal_sync_busy(l->j);
	if (!flying && !buffered)
		return 0;
	if (journal_sync(l->j) < 0) { /* waits for a batch in flight first */
		l->failed = 1;
		return -1;
	}
	/* Everything handed out so far is durable: the batch in flight and the rest. */
	l->synced += (uint64_t)flying + (uint64_t)buffered;
	fault_crash("after-sync");
	return 0;
}

int jlog_kick(struct jlog *l, int64_t now)
{
	if (!l->j)
		return 0;
	if (l->failed)
		return -1;
	if (journal_sync_busy(l->j) || !journal_pending(l->j) ||
	    now - l->last_start_ms < l->commit_ms)
		return 0;
	if (journal_sync_start(l->j) < 0) {
		l->failed = 1;
		return -1;
	}
	l->last_start_ms = now;
	return 0;
}

int jlog_poll_fd(const struct jlog *l)
{
	return l->j && journal_sync_busy(l->j) ? journal_sync_fd(l->j) : -1;
}

int jlog_timeout(const struct jlog *l, int64_t now, int timeout)
{
	int64_t wait;

	if (!l->j || l->failed || journal_sync_busy(l->j) || !journal_pending(l->j))
		return timeout;
	wait = l->last_start_ms + l->commit_ms - now;
	if (wait < 0)
		wait = 0;
	return wait < timeout ? (int)wait : timeout;
}

int jlog_reap(struct jlog *l)
{
	int rc;

	if (!l->j || !journal_sync_busy(l->j))
		return l->failed ? -1 : 0;
	rc = journal_sync_reap(l->j, 0);
	if (rc == 1)
		return 0;
	if (rc < 0) {
		l->failed = 1;
		return -1;
	}
	l->synced++;
	fault_crash("after-sync");
	return 0;
}

uint64_t jlog_durable_at(const struct jlog *l)
{
	if (!l->j || l->failed || !journal_pending(l->j))
		return 0;
	return l->synced + (uint64_t)journal_sync_busy(l->j) + 1;
}

uint64_t jlog_synced(const struct jlog *l)
{
	return l->synced;
}

/* SPEC, the INPUTs and START 0: the head of a new journal. */
static int write_head(struct jlog *l, const struct jlog_spec *spec)
{
	struct jrec_spec s = { spec->job_id, spec->nreduce, spec->split_size, spec->flags,
			       (uint32_t)spec->ninputs, spec->params_hash };

	jbuf_reset(&l->buf);
	jrec_put_spec(&l->buf, &s);
	append(l, JREC_SPEC);
	if (spec->output_dir) {
		jbuf_reset(&l->buf);
		jrec_put_output(&l->buf, spec->output_dir);
		append(l, JREC_OUTPUT);
	}
	for (int i = 0; i < spec->ninputs; i++) {
		jbuf_reset(&l->buf);
		jrec_put_input(&l->buf, spec->inputs[i].name, spec->inputs[i].size,
			       spec->inputs[i].mtime_ns);
		append(l, JREC_INPUT);
	}
	put_start(l, 0);
	return jlog_commit(l);
}

int jlog_create(struct jlog *l, const char *path, const struct jlog_spec *spec)
{
	struct journal_scan scan;

	memset(l, 0, sizeof(*l));
	l->path = path;
	l->output_dir = spec->output_dir;
	if (journal_open(&l->j, path, 0, &scan) < 0)
		return -1;
	return write_head(l, spec);
}

void jlog_done(struct jlog *l, const struct job *job, uint32_t index, uint64_t attempt)
{
	const struct task *t = &job->tasks[index];
	int is_map = index < (uint32_t)job->nmap;
	int id = is_map ? (int)index : (int)index - job->nmap;
	const char *holder = is_map && t->holder ? job_worker_addr(job, t->holder) : NULL;
	/* A map's runs are stat'ed here, on the loop: only while that is cheap. */
	uint32_t nsizes = !is_map ? 1 : holder || job->nreduce > JLOG_MAX_SIZED ? 0
				       : (uint32_t)job->nreduce;
	int64_t *sizes;
	const char **names;
	int64_t *values;
	char name[JOBDIR_PATH_MAX];
	struct stat st;

	if (!l->j || l->failed)
		return; /* every report passes here: nothing to pay without a journal */
	sizes = xcalloc(nsizes ? nsizes : 1, sizeof(*sizes));
	names = xcalloc(t->ncounters ? t->ncounters : 1, sizeof(*names));
	values = xcalloc(t->ncounters ? t->ncounters : 1, sizeof(*values));
	for (uint32_t i = 0; i < nsizes; i++) {
		if (is_map)
			jobdir_map_run(name, id, (int)i);
		else
			jobdir_output_path(name, l->output_dir, id);
		sizes[i] = stat(name, &st) == 0 ? (int64_t)st.st_size : -1;
	}
	for (size_t k = 0; k < t->ncounters; k++) {
		names[k] = t->counters[k].name;
		values[k] = t->counters[k].value;
	}
	jbuf_reset(&l->buf);
	jrec_put_done(&l->buf, is_map ? JREC_MAP : JREC_REDUCE, (uint32_t)id, attempt, holder,
		      sizes, nsizes, names, values, (uint32_t)t->ncounters);
	append(l, JREC_DONE);
	fault_crash("after-append");
	free(sizes);
	free(names);
	free(values);
}

void jlog_rerun(struct jlog *l, int map, int why)
{
	struct jrec_rerun r = { (uint32_t)map, (uint32_t)why };

	jbuf_reset(&l->buf);
	jrec_put_rerun(&l->buf, &r);
	append(l, JREC_RERUN);
}

int jlog_finish(struct jlog *l, int done, int keep)
{
	int rc = 0;

	if (!l->j)
		goto out;
	if (done && keep) {
		struct jrec_end e = { 0 };

		jbuf_reset(&l->buf);
		jrec_put_end(&l->buf, &e);
		append(l, JREC_END);
	}
	if (journal_close(l->j) < 0)
		rc = -1;
	l->j = NULL;
	if (done && !keep) {
		if (unlink(l->path) < 0 && errno != ENOENT)
			rc = error_errno("cannot remove the job journal %s", l->path);
		else
			afile_sync_dir(l->path);
	} else if (!done) {
		info("the job journal %s is kept: once the cause is fixed, run the same "
		     "command with --recover to finish the job without redoing its "
		     "finished tasks", l->path);
	}
out:
	jbuf_release(&l->buf);
	return rc;
}

/* ---- recovery ---- */

/* A task as the journal left it. */
struct past_task {
	int done;
	uint64_t attempt;
	char *holder;            /* a map whose runs a TCP worker held: its address (malloc'd) */
	int64_t *sizes;          /* malloc'd */
	uint32_t nsizes;
	struct job_counter *counters; /* malloc'd, names malloc'd */
	size_t ncounters;
};

static void past_clear(struct past_task *p)
{
	free(p->sizes);
	free(p->holder);
	for (size_t k = 0; k < p->ncounters; k++)
		free(p->counters[k].name);
	free(p->counters);
	memset(p, 0, sizeof(*p));
}

/* What replaying a journal found. */
struct replay {
	struct past_task *tasks; /* nmap + nreduce */
	int nmap, nreduce;
	uint32_t incarnations;   /* START records */
	int ended;               /* an END record */
	uint64_t records;
	int have_spec;
	uint32_t inputs_seen;
	struct jrec_spec spec;
	char *output_dir;        /* the OUTPUT record's (malloc'd), or NULL: none */
};

static int mismatch(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A journal of another job: say what differs, and what to do; -2. */
static int mismatch(const char *path, const char *fmt, ...)
{
	char what[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	error("%s is the journal of a different job: %s; recover with the job's own "
	      "command line, or remove %s to start this job over", path, what, path);
	return -2;
}

static int check_spec(const char *path, const struct jrec_spec *was,
		      const struct jlog_spec *now)
{
	if (was->nreduce != now->nreduce)
		return mismatch(path, "--nreduce is %u, the journal's job had %u", now->nreduce,
				was->nreduce);
	if (was->split_size != now->split_size)
		return mismatch(path, "--split-size is %" PRIu64 ", the journal's job had %"
				PRIu64, now->split_size, was->split_size);
	if ((was->flags ^ now->flags) & JREC_SKIP_BAD_RECORDS)
		return mismatch(path, "--skip-bad-records is %s, the journal's job had it %s",
				now->flags & JREC_SKIP_BAD_RECORDS ? "on" : "off",
				was->flags & JREC_SKIP_BAD_RECORDS ? "on" : "off");
	if (was->params_hash != now->params_hash)
		return mismatch(path, "the --param pairs differ from the journal's job's");
	if (was->ninputs != (uint32_t)now->ninputs)
		return mismatch(path, "%d inputs given, the journal's job had %u",
				now->ninputs, was->ninputs);
	return 0;
}

static int check_input(const char *path, uint32_t i, const struct jrec_input *was,
		       const struct jlog_input *now)
{
	if (!jstr_eq(was->name, now->name))
		return mismatch(path, "input %u is %s, the journal's job had %.*s there",
				i + 1, now->name, (int)was->name.len, was->name.s);
	if (was->size != now->size)
		return mismatch(path, "input %s has changed: %" PRId64 " bytes now, %" PRId64
				" when the job started", now->name, now->size, was->size);
	if (was->mtime_ns != now->mtime_ns)
		return mismatch(path, "input %s has changed: modified since the job started",
				now->name);
	return 0;
}

/* A DONE record: keep what it says of its task. */
static int replay_done(struct replay *rp, const char *path, const void *p, size_t len)
{
	struct jrec_done d;
	struct past_task *t;
	uint32_t index;

	if (jrec_get_done(p, len, &d) < 0)
		return -1;
	if ((d.kind == JREC_MAP && d.id >= (uint32_t)rp->nmap) ||
	    (d.kind == JREC_REDUCE && d.id >= (uint32_t)rp->nreduce) ||
	    (d.kind == JREC_REDUCE && d.nsizes != 1) ||
	    (d.kind == JREC_MAP && d.nsizes && d.nsizes != (uint32_t)rp->nreduce)) {
		jrec_done_release(&d);
		return -1;
	}
	(void)path;
	index = d.kind == JREC_MAP ? d.id : (uint32_t)rp->nmap + d.id;
	t = &rp->tasks[index];
	past_clear(t);
	t->done = 1;
	t->attempt = d.attempt;
	t->holder = d.holder.len ? xstrndup(d.holder.s, d.holder.len) : NULL;
	t->nsizes = d.nsizes;
	t->sizes = xcalloc(d.nsizes ? d.nsizes : 1, sizeof(*t->sizes));
	memcpy(t->sizes, d.sizes, d.nsizes * sizeof(*t->sizes));
	t->ncounters = d.ncounters;
	t->counters = xcalloc(d.ncounters ? d.ncounters : 1, sizeof(*t->counters));
	for (uint32_t k = 0; k < d.ncounters; k++) {
		t->counters[k].name = xstrndup(d.counters[k].name.s, d.counters[k].name.len);
		t->counters[k].value = d.counters[k].value;
	}
	jrec_done_release(&d);
	return 0;
}

/* One record in journal order.  0, -1 (does not decode), or -2 (printed). */
static int replay_one(struct replay *rp, const char *path, const struct jlog_spec *spec,
		      uint32_t type, const void *p, size_t len)
{
	struct jrec_input in;
	struct jrec_start st;
	struct jrec_rerun rr;
	struct jrec_end e;
	struct jstr out;

	if (!rp->have_spec && type != JREC_SPEC)
		return -1;
	switch (type) {
	case JREC_SPEC:
		if (rp->have_spec || jrec_get_spec(p, len, &rp->spec) < 0)
			return -1;
		rp->have_spec = 1;
		return check_spec(path, &rp->spec, spec);
	case JREC_INPUT:
		if (rp->inputs_seen >= rp->spec.ninputs || jrec_get_input(p, len, &in) < 0)
			return -1;
		rp->inputs_seen++;
		return check_input(path, rp->inputs_seen - 1, &in,
				   &spec->inputs[rp->inputs_seen - 1]);
	case JREC_START:
		if (jrec_get_start(p, len, &st) < 0)
			return -1;
		rp->incarnations++;
		return 0;
	case JREC_DONE:
		return replay_done(rp, path, p, len);
	case JREC_RERUN:
		if (jrec_get_rerun(p, len, &rr) < 0 || rr.map >= (uint32_t)rp->nmap)
			return -1;
		past_clear(&rp->tasks[rr.map]);
		return 0;
	case JREC_END:
		if (jrec_get_end(p, len, &e) < 0)
			return -1;
		rp->ended = 1;
		return 0;
	case JREC_OUTPUT:
		if (rp->output_dir || rp->inputs_seen || jrec_get_output(p, len, &out) < 0)
			return -1;
		rp->output_dir = xstrndup(out.s ? out.s : "", out.len);
		return 0;
	}
	return -1;
}

/* The same --output directory as the journal's job (string for string)?  0 or -2. */
static int check_output(const char *path, const char *was, const char *now)
{
	if (!was && !now)
		return 0;
	if (was && now && !strcmp(was, now))
		return 0;
	return mismatch(path, "the output directory is %s, the journal's job had %s",
			now ? now : "the job directory", was ? was : "the job directory");
}

static int replay_file(struct replay *rp, const char *path, const struct jlog_spec *spec)
{
	struct journal_reader *r;
	const void *p;
	uint32_t type;
	size_t len;
	int rc, got;

	if (journal_read_open(&r, path) < 0)
		return -2;
	while ((got = journal_next(r, &type, &p, &len)) > 0) {
		rc = replay_one(rp, path, spec, type, p, len);
		if (rc == -1) {
			error("%s: record %" PRIu64 " (%s) is not one this coordinator "
			      "wrote; remove %s to start the job over", path,
			      journal_read_count(r), jrec_type_name(type), path);
			rc = -2;
		}
		if (rc < 0) {
			journal_read_close(r);
			return rc;
		}
	}
	rp->records = journal_read_count(r);
	journal_read_close(r);
	if (got < 0)
		return -1;
	if (rp->have_spec && rp->inputs_seen != rp->spec.ninputs)
		return mismatch(path, "it lists %u of its %u inputs", rp->inputs_seen,
				rp->spec.ninputs);
	return rp->have_spec ? check_output(path, rp->output_dir, spec->output_dir) : 0;
}

/*
 * Is `name` there with `size` bytes (-1: not there; JLOG_ANY_SIZE: there,
 * any size)?  Else say why in `why`.
 */
static int file_as_recorded(const char *name, int64_t size, char *why, size_t wsize)
{
	struct stat st;

	if (stat(name, &st) < 0) {
		if (size == -1)
			return 1;
		snprintf(why, wsize, "%s is missing", name);
		return 0;
	}
	if (size == JLOG_ANY_SIZE)
		return 1;
	if (size < 0 || (int64_t)st.st_size != size) {
		snprintf(why, wsize, "%s has %lld bytes, the journal says %lld", name,
			 (long long)st.st_size, (long long)size);
		return 0;
	}
	return 1;
}

/*
 * Which finished tasks still have their output: reduces first (a reduce
 * that must run again needs every map's run), then maps.  Restores those
 * into the job; returns how many finished tasks must run again.
 */
static int restore_tasks(struct replay *rp, struct job *job)
{
	int nmap = rp->nmap, nreduce = rp->nreduce, again = 0;
	char name[JOBDIR_PATH_MAX], why[JOBDIR_PATH_MAX + 64], tname[256];
	char *need = xcalloc((size_t)nreduce, 1); /* reduces whose runs are needed */

	for (int r = 0; r < nreduce; r++) {
		struct past_task *t = &rp->tasks[nmap + r];

		need[r] = 1;
		if (!t->done)
			continue;
		if (file_as_recorded(jobdir_output_path(name, job->cfg.output_dir, r),
				     t->sizes[0], why, sizeof(why))) {
			job_restore(job, KIND_REDUCE, r, t->attempt, 0, t->counters, t->ncounters);
			need[r] = 0;
		} else {
			warning("reduce task %d finished before the restart, but %s; running "
				"it again", r, why);
			job_redo(job, (uint32_t)(nmap + r), why);
			again++;
		}
	}
	for (int m = 0; m < nmap; m++) {
		struct past_task *t = &rp->tasks[m];
		uint64_t holder = 0;
		int ok = 1;

		if (!t->done)
			continue;
		job_task_name(job, (uint32_t)m, tname, sizeof(tname));
		/*
		 * Runs held by a TCP worker: the reduces fetch them from its
		 * address at once; if it does not come back, the map runs again.
		 */
		if (t->holder && job->reduces_done < nreduce)
			holder = job_ghost(job, t->holder, now_ms() + job->cfg.timeout_ms);
		for (int r = 0; ok && !t->holder && r < nreduce; r++)
			if (need[r] && !file_as_recorded(jobdir_map_run(name, m, r),
							  t->nsizes ? t->sizes[r] : JLOG_ANY_SIZE,
							  why, sizeof(why))) {
				warning("%s finished before the restart, but %s; running it "
					"again", tname, why);
				job_redo(job, (uint32_t)m, why);
				ok = 0;
			}
		if (ok)
			job_restore(job, KIND_MAP, m, t->attempt, holder, t->counters,
				    t->ncounters);
		else
			again++;
	}
	free(need);
	return again;
}

int jlog_recover(struct jlog *l, const char *path, const struct jlog_spec *spec,
		 struct job *job)
{
	struct replay rp = { 0 };
	struct journal_scan scan;
	int rc, again;

	memset(l, 0, sizeof(*l));
	l->path = path;
	l->output_dir = spec->output_dir;
	/* Open for appending first: that cuts a torn tail (with a warning). */
	if (journal_open(&l->j, path, 0, &scan) < 0) {
		error("cannot recover the job from %s (above); remove it to start the job "
		      "over", path);
		return -2;
	}
	rp.nmap = job->nmap;
	rp.nreduce = job->nreduce;
	rp.tasks = xcalloc((size_t)job->nmap + (size_t)job->nreduce, sizeof(*rp.tasks));
	rc = replay_file(&rp, path, spec);
	if (rc == 0 && !rp.have_spec) {
		/* Killed while creating it: nothing was handed out yet. */
		info("%s holds no job yet (the coordinator stopped while starting it); "
		     "starting the job", path);
		rc = write_head(l, spec);
		goto out;
	}
	if (rc < 0)
		goto out;
	again = restore_tasks(&rp, job);
	job_set_ids(job, rp.spec.job_id, rp.incarnations);
	job_restored(job);
	info("recovered the job from %s (%" PRIu64 " records): %d of %d map and %d of %d "
	     "reduce tasks were finished and keep their output; %d finished task%s "
	     "run%s again", path, rp.records, job->maps_done, job->nmap, job->reduces_done,
	     job->nreduce, again, again == 1 ? "" : "s", again == 1 ? "s" : "");
	put_start(l, rp.incarnations);
	rc = jlog_commit(l);
out:
	for (int i = 0; i < rp.nmap + rp.nreduce; i++)
		past_clear(&rp.tasks[i]);
	free(rp.tasks);
	free(rp.output_dir);
	if (rc < 0) {
		journal_close(l->j);
		l->j = NULL;
		jbuf_release(&l->buf);
	}
	return rc;
}
