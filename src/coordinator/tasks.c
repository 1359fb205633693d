/* tasks.c - see tasks.h. */
#include "coordinator/tasks.h"

#include "common/log.h"
#include "common/util.h"
#include "mr.h" /* MR_MAX_SKIP: the skip list must fit in an assignment */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void queue_push(struct job *job, uint32_t index)
{
	/* Every task is in the queue at most once, so qcap tasks always fit. */
	job->queue[(job->qhead + job->qlen) % job->qcap] = index;
	job->qlen++;
}

static int queue_pop(struct job *job, uint32_t *index)
{
	if (job->qlen == 0)
		return 0;
	*index = job->queue[job->qhead];
	job->qhead = (job->qhead + 1) % job->qcap;
	job->qlen--;
	return 1;
}

/* Take task `index` out of the idle queue (it is there at most once). */
static void queue_remove(struct job *job, uint32_t index)
{
	size_t k;

	for (k = 0; k < job->qlen; k++)
		if (job->queue[(job->qhead + k) % job->qcap] == index)
			break;
	if (k == job->qlen)
		return;
	for (; k + 1 < job->qlen; k++)
		job->queue[(job->qhead + k) % job->qcap] =
			job->queue[(job->qhead + k + 1) % job->qcap];
	job->qlen--;
}

/*
 * The next idle task that may run now: the queue's head, but while a map
 * is not done (one runs again after its output was lost) only maps; the
 * queue then holds reduces too, and the first map is taken out of it.
 */
static int queue_take(struct job *job, uint32_t *index)
{
	size_t k;

	if (job->maps_done == job->nmap)
		return queue_pop(job, index);
	for (k = 0; k < job->qlen; k++)
		if (job->queue[(job->qhead + k) % job->qcap] < (uint32_t)job->nmap)
			break;
	if (k == job->qlen)
		return 0;
	*index = job->queue[(job->qhead + k) % job->qcap];
	for (; k > 0; k--)
		job->queue[(job->qhead + k) % job->qcap] =
			job->queue[(job->qhead + k - 1) % job->qcap];
	job->qhead = (job->qhead + 1) % job->qcap;
	job->qlen--;
	return 1;
}

/*
 * Move to `phase`.  The maps are queued by job_init, the reduces the first
 * time the reduce phase starts; a return to the map phase (a map's output
 * lost) and the reduce phase after it queue nothing.
 */
static void enter_phase(struct job *job, enum job_phase phase)
{
	job->phase = phase;
	job->done_in_phase = phase == PHASE_MAP ? job->maps_done
			     : phase == PHASE_REDUCE ? job->reduces_done : 0;
	job->ndurations = 0;
	job->median_n = 0;
	if (phase == PHASE_REDUCE && !job->reduces_queued) {
		job->reduces_queued = 1;
		for (int i = 0; i < job->nreduce; i++)
			if (job->tasks[job->nmap + i].state == TASK_IDLE) /* not restored */
				queue_push(job, (uint32_t)(job->nmap + i));
	}
}

void job_init(struct job *job, char *const *files, int nmap, const struct job_config *cfg)
{
	memset(job, 0, sizeof(*job));
	job->cfg = *cfg;
	job->nmap = nmap;
	job->nreduce = cfg->nreduce;
	job->files = files;
	job->tasks = xcalloc((size_t)nmap + (size_t)cfg->nreduce, sizeof(*job->tasks));
	/* Every task is queued at most once: maps and reduces may be at once. */
	job->qcap = (size_t)nmap + (size_t)cfg->nreduce;
	for (int i = 0; i < nmap; i++)
		job->tasks[i].fetch_reporter = -1;
	job->queue = xcalloc(job->qcap, sizeof(*job->queue));
	job->durations = xcalloc(job->qcap, sizeof(*job->durations));
	job->next_attempt = 1;
	job->failed_task = -1;
	timerq_init(&job->timers);
	for (int i = 0; i < nmap; i++)
		queue_push(job, (uint32_t)i);
	enter_phase(job, PHASE_MAP);
}

void job_release(struct job *job)
{
	if (job->tasks)
		for (int i = 0; i < job->nmap + job->nreduce; i++) {
			struct task *t = &job->tasks[i];

			free(t->last_error);
			free(t->redo);
			for (size_t k = 0; k < t->nhist; k++)
				free(t->hist[k].error);
			free(t->hist);
			free(t->skip);
			for (size_t k = 0; k < t->ncounters; k++)
				free(t->counters[k].name);
			free(t->counters);
		}
	for (size_t w = 0; w < job->nworkers; w++)
		free(job->workers[w].addr);
	free(job->workers);
	free(job->tasks);
	free(job->queue);
	free(job->durations);
	timerq_release(&job->timers);
	memset(job, 0, sizeof(*job));
}

void job_set_splits(struct job *job, const int64_t *offsets, const int64_t *lengths)
{
	job->offsets = offsets;
	job->lengths = lengths;
}

const char *job_task_name(const struct job *job, uint32_t index, char *buf, size_t size)
{
	if (index < (uint32_t)job->nmap && job->offsets && job->lengths[index] >= 0)
		snprintf(buf, size, "map task %u (%s, bytes %lld+%lld)", index,
			 job->files[index], (long long)job->offsets[index],
			 (long long)job->lengths[index]);
	else if (index < (uint32_t)job->nmap)
		snprintf(buf, size, "map task %u (%s)", index, job->files[index]);
	else
		snprintf(buf, size, "reduce task %u", index - (uint32_t)job->nmap);
	return buf;
}

static void hist_start(struct task *t, uint64_t attempt, int pid, uint64_t worker,
		       int backup, int64_t now_ms)
{
	xgrow((void **)&t->hist, &t->hcap, t->nhist + 1, sizeof(*t->hist));
	t->hist[t->nhist++] = (struct attempt_rec){ .attempt = attempt, .worker_pid = pid,
						    .worker = worker, .backup = backup,
						    .start_ms = now_ms,
						    .outcome = ATTEMPT_RUNNING };
}

/* End the record of a running attempt; returns it, or NULL when there is none. */
static struct attempt_rec *hist_end(struct task *t, uint64_t attempt,
				    enum attempt_outcome how, int64_t now_ms)
{
	for (size_t i = t->nhist; i-- > 0;)
		if (t->hist[i].attempt == attempt) {
			if (t->hist[i].outcome != ATTEMPT_RUNNING)
				return NULL;
			t->hist[i].outcome = how;
			t->hist[i].end_ms = now_ms;
			return &t->hist[i];
		}
	return NULL;
}

static void fill_assignment(const struct job *job, uint32_t index, uint64_t attempt,
			    struct assignment *out)
{
	out->attempt = attempt;
	out->nmap = job->nmap;
	out->nreduce = job->nreduce;
	if (index < (uint32_t)job->nmap) {
		out->kind = ASSIGN_MAP;
		out->id = (int)index;
		out->file = job->files[index];
		out->offset = job->offsets ? job->offsets[index] : 0;
		out->length = job->offsets ? job->lengths[index] : -1;
		out->by_record = job->cfg.skip_bad_records;
		out->skip = job->tasks[index].skip;
		out->nskip = job->tasks[index].nskip;
	} else {
		out->kind = ASSIGN_REDUCE;
		out->id = (int)(index - (uint32_t)job->nmap);
	}
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return (a > b) - (a < b);
}

/* Median duration of the phase's finished tasks (cached until one more finishes). */
/* The median of the phase's finished durations (ndurations > 0), uncached. */
static int64_t compute_median(const struct job *job)
{
	int64_t *copy = xcalloc((size_t)job->ndurations, sizeof(*copy)), m;

	memcpy(copy, job->durations, (size_t)job->ndurations * sizeof(*copy));
	qsort(copy, (size_t)job->ndurations, sizeof(*copy), cmp_i64);
	m = copy[job->ndurations / 2];
	free(copy);
	return m;
}

static int64_t median_duration(struct job *job)
{
	if (job->median_n != job->ndurations) {
		job->median_ms = compute_median(job);
		job->median_n = job->ndurations;
	}
	return job->median_ms;
}

/*
 * A running task of the current phase that deserves a backup attempt: the
 * phase is nearly done, and the task has run more than twice the median of
 * its finished peers and more than half the task timeout.  The longest
 * running such task wins.  1 and *index, or 0.
 */
static int pick_straggler(struct job *job, int64_t now_ms, uint32_t *index)
{
	int total = job->phase == PHASE_MAP ? job->nmap : job->nreduce;
	uint32_t first = job->phase == PHASE_MAP ? 0 : (uint32_t)job->nmap;
	int left = total - job->done_in_phase, limit = total / 10 > 1 ? total / 10 : 1;
	int64_t threshold, best = -1;

	if (left > limit || job->ndurations == 0)
		return 0;
	threshold = 2 * median_duration(job);
	if (threshold < job->cfg.timeout_ms / 2)
		threshold = job->cfg.timeout_ms / 2;
	for (uint32_t i = first; i < first + (uint32_t)total; i++) {
		const struct task *t = &job->tasks[i];
		int64_t ran = now_ms - t->started_ms;

		if (t->state == TASK_RUNNING && !t->backup && ran > threshold && ran > best) {
			best = ran;
			*index = i;
		}
	}
	return best >= 0;
}

static void give_backup(struct job *job, uint32_t index, int64_t now_ms, int worker_pid,
			uint64_t worker, struct assignment *out)
{
	struct task *t = &job->tasks[index];
	char name[256];

	t->backup = job->next_attempt++;
	t->backup_started_ms = now_ms;
	t->backup_pid = worker_pid;
	t->backup_worker = worker;
	t->handed_out++;
	job->backups++;
	hist_start(t, t->backup, worker_pid, worker, 1, now_ms);
	timerq_add(&job->timers, now_ms + job->cfg.timeout_ms, index, t->backup);
	fill_assignment(job, index, t->backup, out);
	info("%s: attempt %llu on worker %d has run %lld ms (median of finished "
	     "peers %lld ms); backup attempt %llu to worker %d",
	     job_task_name(job, index, name, sizeof(name)),
	     (unsigned long long)t->attempt, t->worker_pid,
	     (long long)(now_ms - t->started_ms), (long long)median_duration(job),
	     (unsigned long long)t->backup, worker_pid);
}

/* Is `attempt` one of the task's live attempts? */
static int is_live(const struct task *t, uint64_t attempt)
{
	return t->state == TASK_RUNNING && attempt != 0 &&
	       (attempt == t->attempt || attempt == t->backup);
}

/*
 * Forget live attempt `attempt` of a task that has another one: the backup
 * becomes the primary if the primary is the one going.
 */
static void drop_attempt(struct task *t, uint64_t attempt)
{
	if (attempt == t->attempt) {
		t->attempt = t->backup;
		t->started_ms = t->backup_started_ms;
		t->worker_pid = t->backup_pid;
		t->worker = t->backup_worker;
	}
	t->backup = 0;
}

void job_assign(struct job *job, int64_t now_ms, int worker_pid, struct assignment *out)
{
	job_assign_worker(job, now_ms, worker_pid, 0, out);
}

void job_assign_worker(struct job *job, int64_t now_ms, int worker_pid, uint64_t worker,
		       struct assignment *out)
{
	uint32_t index;
	struct task *t;

	memset(out, 0, sizeof(*out));
	if (job_finished(job)) {
		out->kind = ASSIGN_EXIT;
		return;
	}
	if (!queue_take(job, &index)) {
		if (job->cfg.backup && pick_straggler(job, now_ms, &index)) {
			give_backup(job, index, now_ms, worker_pid, worker, out);
			return;
		}
		out->kind = ASSIGN_WAIT;
		out->wait_ms = job->cfg.wait_ms;
		return;
	}
	t = &job->tasks[index];
	t->state = TASK_RUNNING;
	t->attempt = job->next_attempt++;
	t->started_ms = now_ms;
	t->worker_pid = worker_pid;
	t->worker = worker;
	t->backup = 0;
	t->handed_out++;
	hist_start(t, t->attempt, worker_pid, worker, 0, now_ms);
	timerq_add(&job->timers, now_ms + job->cfg.timeout_ms, index, t->attempt);
	fill_assignment(job, index, t->attempt, out);
	if (log_get_level() >= LOG_VERBOSE) {
		char name[256];

		verbose("%s: attempt %llu to worker %d",
			job_task_name(job, index, name, sizeof(name)),
			(unsigned long long)t->attempt, worker_pid);
	}
}

static void task_done(struct job *job, struct task *t, uint64_t attempt, int64_t now_ms)
{
	int64_t started = attempt == t->backup ? t->backup_started_ms : t->started_ms;
	int is_map = t < job->tasks + job->nmap;

	if (attempt == t->backup) {
		job->backups_won++;
		verbose("backup attempt %llu finished first", (unsigned long long)attempt);
	}
	hist_end(t, attempt, ATTEMPT_DONE, now_ms);
	if (t->backup)
		hist_end(t, attempt == t->backup ? t->attempt : t->backup,
			 ATTEMPT_SUPERSEDED, now_ms);
	t->holder = attempt == t->backup ? t->backup_worker : t->worker;
	t->state = TASK_DONE;
	t->backup = 0;
	if (job->ndurations < (int)job->qcap)
		job->durations[job->ndurations++] = now_ms - started;
	if (is_map)
		job->maps_done++;
	else
		job->reduces_done++;
	if (is_map == (job->phase == PHASE_MAP))
		job->done_in_phase++;
	if (job->reduces_done == job->nreduce) {
		enter_phase(job, PHASE_DONE);
	} else if (job->phase == PHASE_MAP && job->maps_done == job->nmap) {
		verbose("all %d map tasks done; %s %d reduce tasks", job->nmap,
			job->reduces_queued ? "back to" : "starting", job->nreduce);
		enter_phase(job, PHASE_REDUCE);
	}
}

/*
 * With skip_bad_records, a failure that names a bad line not known yet is
 * progress: skip that line from the next attempt on.  Returns 1 when it
 * did (the failure then does not count), 0 otherwise.
 */
static int skip_bad_record(struct job *job, uint32_t index, int64_t off, const char *errmsg)
{
	struct task *t = &job->tasks[index];
	char name[256];

	if (!job->cfg.skip_bad_records || index >= (uint32_t)job->nmap || off < 0 ||
	    t->nskip >= MR_MAX_SKIP)
		return 0;
	for (size_t i = 0; i < t->nskip; i++)
		if (t->skip[i] == off)
			return 0;
	xgrow((void **)&t->skip, &t->skipcap, t->nskip + 1, sizeof(*t->skip));
	t->skip[t->nskip++] = off;
	warning("%s: skipping the bad record at byte %lld (%s)",
		job_task_name(job, index, name, sizeof(name)), (long long)off,
		errmsg && *errmsg ? errmsg : "no reason given");
	return 1;
}

/* " in the plugin", " in the engine", or "" when the worker did not say. */
static const char *fault_where(enum attempt_fault f)
{
	return f == FAULT_PLUGIN ? " in the plugin" : f == FAULT_ENGINE ? " in the engine" : "";
}

/*
 * How a task's failures split by fault, for the message that gives up:
 * "failed in the plugin 3 times", or "failed 3 times (2 in the plugin, 1
 * in the engine)" when they differ.
 */
static const char *describe_failures(const struct task *t, char *buf, size_t size)
{
	unsigned unknown = t->failures - t->plugin_failures - t->engine_failures;
	char rest[48] = "";

	if (t->plugin_failures == t->failures)
		snprintf(buf, size, "failed in the plugin %u times", t->failures);
	else if (t->engine_failures == t->failures)
		snprintf(buf, size, "failed in the engine %u times", t->failures);
	else if (unknown == t->failures)
		snprintf(buf, size, "failed %u times", t->failures);
	else {
		if (unknown)
			snprintf(rest, sizeof(rest), ", %u without a cause given", unknown);
		snprintf(buf, size, "failed %u times (%u in the plugin, %u in the engine%s)",
			 t->failures, t->plugin_failures, t->engine_failures, rest);
	}
	return buf;
}

/* Count a failure report of task t (not one of a skipped bad record); `text` is copied. */
static void count_failure(struct job *job, struct task *t, enum attempt_fault fault,
			  const char *text)
{
	job->failed_reports++;
	t->failures++;
	if (fault == FAULT_PLUGIN) {
		job->failed_plugin++;
		t->plugin_failures++;
	} else if (fault == FAULT_ENGINE) {
		job->failed_engine++;
		t->engine_failures++;
	}
	free(t->last_error);
	t->last_error = xstrdup(text);
}

/*
 * A task's attempt ended without finishing it: leave the task to its other
 * live attempt if it has one, else put it back in the idle queue.
 */
static void requeue(struct job *job, struct task *t, uint64_t attempt)
{
	if (t->backup) {
		drop_attempt(t, attempt);
		return;
	}
	t->state = TASK_IDLE;
	queue_push(job, (uint32_t)(t - job->tasks));
}

const char *job_lost_name(enum lost_reason why)
{
	static const char *const names[] = {
		[LOST_NONE] = "", [LOST_WORKER] = "worker lost",
		[LOST_MISSING] = "run missing on its worker",
		[LOST_CORRUPT] = "run arrived damaged",
		[LOST_UNREACHABLE] = "worker unreachable for two reduces",
	};

	return (unsigned)why < sizeof(names) / sizeof(names[0]) ? names[why] : "?";
}

/*
 * Finished map m's output is gone: run it again, and hand out no reduce
 * until it is done.  Nothing when no reduce needs it any more.
 */
static int rerun_map(struct job *job, int m, enum lost_reason why)
{
	struct task *t = &job->tasks[m];
	char name[256];

	if (t->state != TASK_DONE || job->reduces_done == job->nreduce)
		return 0;
	for (size_t i = t->nhist; i-- > 0;)
		if (t->hist[i].outcome == ATTEMPT_DONE) {
			t->hist[i].lost = why;
			break;
		}
	warning("%s: output lost (%s); running it again",
		job_task_name(job, (uint32_t)m, name, sizeof(name)), job_lost_name(why));
	t->state = TASK_IDLE;
	t->holder = 0;
	t->fetch_reporter = -1;
	job->maps_done--;
	job->reexecuted++;
	queue_push(job, (uint32_t)m);
	if (job->on_rerun)
		job->on_rerun(job->on_rerun_arg, m, why);
	if (job->phase == PHASE_REDUCE)
		enter_phase(job, PHASE_MAP);
	else
		job->done_in_phase = job->maps_done;
	return 1;
}

/*
 * Reduce `index` could not fetch the run of map r->fetch_map: the map runs
 * again when its holder said it lacks the run or sent a damaged one, or
 * when another reduce could not reach it either.
 */
static void fetch_failed(struct job *job, uint32_t index, const struct report_in *r,
			 const char *text)
{
	struct task *m = &job->tasks[r->fetch_map];
	int reduce = (int)index - job->nmap;
	char name[256];

	job->fetch_failures++;
	warning("%s could not fetch the output of map task %d: %s",
		job_task_name(job, index, name, sizeof(name)), r->fetch_map, text);
	if (m->state != TASK_DONE)
		return; /* running again already */
	if (r->fetch == LOST_MISSING || r->fetch == LOST_CORRUPT)
		rerun_map(job, r->fetch_map, r->fetch);
	else if (m->fetch_reporter >= 0 && m->fetch_reporter != reduce)
		rerun_map(job, r->fetch_map, LOST_UNREACHABLE);
	else
		m->fetch_reporter = reduce;
}

static void task_failed(struct job *job, uint32_t index, const struct report_in *r,
			int64_t now_ms)
{
	struct task *t = &job->tasks[index];
	int pid = r->attempt == t->backup ? t->backup_pid : t->worker_pid;
	struct attempt_rec *rec = hist_end(t, r->attempt, ATTEMPT_FAILED, now_ms);
	const char *text = r->errmsg && *r->errmsg ? r->errmsg : "(no reason given)";
	char name[256], how[128];

	if (rec) {
		rec->fault = r->fault;
		rec->error = xstrdup(text);
	}
	if (index >= (uint32_t)job->nmap && r->fetch != LOST_NONE && r->fetch_map >= 0 &&
	    r->fetch_map < job->nmap) {
		/* Not the reduce's failure: it goes back, and the map may run again. */
		fetch_failed(job, index, r, text);
		requeue(job, t, r->attempt);
		return;
	}
	if (skip_bad_record(job, index, r->bad_record, r->errmsg)) {
		if (t->backup) {
			drop_attempt(t, r->attempt);
			return;
		}
		t->state = TASK_IDLE;
		queue_push(job, index);
		return;
	}
	count_failure(job, t, r->fault, text);
	job_task_name(job, index, name, sizeof(name));
	if (t->failures >= job->cfg.max_attempts) {
		error("%s %s; giving up on the job. Last error (worker %d): %s", name,
		      describe_failures(t, how, sizeof(how)), pid, t->last_error);
		job->failed_task = (int)index;
		enter_phase(job, PHASE_FAILED);
		return;
	}
	if (t->backup) {
		/* The other attempt is still running: let it finish the task. */
		warning("%s attempt %llu failed%s on worker %d: %s; its other attempt "
			"goes on", name, (unsigned long long)r->attempt, fault_where(r->fault),
			pid, t->last_error);
		drop_attempt(t, r->attempt);
		return;
	}
	warning("%s attempt %llu failed%s on worker %d: %s; re-issuing", name,
		(unsigned long long)r->attempt, fault_where(r->fault), pid, t->last_error);
	t->state = TASK_IDLE;
	queue_push(job, index);
}

/* Keep the counters of the attempt that finished task `index` (names copied). */
static void keep_counters(struct job *job, uint32_t index, const struct job_counter *c,
			  size_t n)
{
	struct task *t = &job->tasks[index];

	for (size_t k = 0; k < t->ncounters; k++)
		free(t->counters[k].name);
	free(t->counters);
	t->counters = n ? xcalloc(n, sizeof(*t->counters)) : NULL;
	t->ncounters = n;
	for (size_t k = 0; k < n; k++) {
		t->counters[k].name = xstrdup(c[k].name);
		t->counters[k].value = c[k].value;
	}
}

/* The index of task (kind, id): 1 and *index, or 0 when there is no such task. */
static int task_index(const struct job *job, enum task_kind kind, int id, uint32_t *index)
{
	if (kind == KIND_MAP && id >= 0 && id < job->nmap)
		*index = (uint32_t)id;
	else if (kind == KIND_REDUCE && id >= 0 && id < job->nreduce)
		*index = (uint32_t)(job->nmap + id);
	else
		return 0;
	return 1;
}

/*
 * An attempt handed out by an earlier coordinator finished task `index`,
 * which is not done: it wins over whatever runs the task now.
 */
static void adopt(struct job *job, uint32_t index, const struct report_in *r, int64_t now_ms)
{
	struct task *t = &job->tasks[index];
	char name[256];

	if (t->state == TASK_RUNNING) {
		hist_end(t, t->attempt, ATTEMPT_SUPERSEDED, now_ms);
		if (t->backup)
			hist_end(t, t->backup, ATTEMPT_SUPERSEDED, now_ms);
	} else {
		queue_remove(job, index);
	}
	hist_start(t, r->attempt, 0, r->worker, 0, now_ms);
	t->hist[t->nhist - 1].earlier = 1;
	t->state = TASK_RUNNING;
	t->attempt = r->attempt;
	t->started_ms = now_ms;
	t->worker_pid = 0;
	t->worker = r->worker;
	t->backup = 0;
	job->adopted++;
	info("%s: finished by attempt %llu, handed out before the coordinator restarted",
	     job_task_name(job, index, name, sizeof(name)), (unsigned long long)r->attempt);
	task_done(job, t, r->attempt, now_ms);
	keep_counters(job, index, r->counters, r->ncounters);
}

void job_set_ids(struct job *job, uint64_t job_id, uint32_t incarnation)
{
	job->job_id = job_id;
	job->incarnation = incarnation & 0xffff;
	job->next_attempt = (job_id & 0xffff) << 48 | (uint64_t)job->incarnation << 32 | 1;
}

/* Was `attempt` handed out by an earlier coordinator of this job? */
static int earlier_attempt(const struct job *job, uint64_t attempt)
{
	return attempt >> 48 == (job->job_id & 0xffff) &&
	       ((attempt >> 32) & 0xffff) < job->incarnation;
}

int job_attempt_earlier(const struct job *job, uint64_t attempt)
{
	return earlier_attempt(job, attempt);
}

int job_restore(struct job *job, enum task_kind kind, int id, uint64_t attempt,
		uint64_t holder, const struct job_counter *counters, size_t ncounters)
{
	uint32_t index;
	struct task *t;

	if (!task_index(job, kind, id, &index) || job->tasks[index].state != TASK_IDLE)
		return -1;
	t = &job->tasks[index];
	hist_start(t, attempt, 0, 0, 0, 0);
	t->hist[t->nhist - 1].outcome = ATTEMPT_DONE;
	t->hist[t->nhist - 1].recovered = 1;
	t->state = TASK_DONE;
	t->holder = kind == KIND_MAP ? holder : 0;
	if (kind == KIND_MAP)
		job->maps_done++;
	else
		job->reduces_done++;
	job->recovered++;
	keep_counters(job, index, counters, ncounters);
	return 0;
}

void job_restored(struct job *job)
{
	/* The queue again, of the maps left (one pass, not a removal per restored map). */
	job->qhead = job->qlen = 0;
	for (int i = 0; i < job->nmap; i++)
		if (job->tasks[i].state == TASK_IDLE)
			queue_push(job, (uint32_t)i);
	if (job->reduces_done == job->nreduce)
		enter_phase(job, PHASE_DONE);
	else if (job->maps_done == job->nmap)
		enter_phase(job, PHASE_REDUCE);
	else
		job->done_in_phase = job->maps_done;
}

void job_redo(struct job *job, uint32_t index, const char *why)
{
	struct task *t = &job->tasks[index];

	free(t->redo);
	t->redo = xstrdup(why);
	job->redone++;
}

void job_abort(struct job *job)
{
	if (job->phase != PHASE_FAILED)
		enter_phase(job, PHASE_FAILED);
}

enum report_result job_report(struct job *job, const struct report_in *r, int64_t now_ms)
{
	uint32_t index;
	struct task *t;

	if (job_finished(job) || !task_index(job, r->kind, r->id, &index))
		goto ignored;
	t = &job->tasks[index];
	if (!is_live(t, r->attempt)) {
		if (r->ok && t->state != TASK_DONE && earlier_attempt(job, r->attempt)) {
			adopt(job, index, r, now_ms);
			return REPORT_ACCEPTED;
		}
		goto ignored;
	}
	if (r->ok) {
		task_done(job, t, r->attempt, now_ms);
		keep_counters(job, index, r->counters, r->ncounters);
	} else {
		task_failed(job, index, r, now_ms);
	}
	return REPORT_ACCEPTED;
ignored:
	job->ignored_reports++;
	debug("ignored report: %s %d attempt %llu (%s)",
	      r->kind == KIND_MAP ? "map" : r->kind == KIND_REDUCE ? "reduce" : "unknown kind",
	      r->id, (unsigned long long)r->attempt, r->ok ? "ok" : "failed");
	return REPORT_IGNORED;
}

static void expire_ghosts(struct job *job, int64_t now_ms);

void job_expire(struct job *job, int64_t now_ms)
{
	struct timer tm;

	expire_ghosts(job, now_ms);
	while (!job_finished(job) && timerq_pop_expired(&job->timers, now_ms, &tm)) {
		struct task *t = &job->tasks[tm.task];
		char name[256];

		if (!is_live(t, tm.attempt))
			continue; /* finished or already re-issued: stale deadline */
		hist_end(t, tm.attempt, ATTEMPT_TIMED_OUT, now_ms);
		if (t->backup) {
			/* Its other attempt is still in time: keep waiting for that one. */
			warning("%s: attempt %llu not done after %lld ms; its other attempt "
				"goes on", job_task_name(job, tm.task, name, sizeof(name)),
				(unsigned long long)tm.attempt, (long long)job->cfg.timeout_ms);
			drop_attempt(t, tm.attempt);
			continue;
		}
		warning("%s: attempt %llu on worker %d not done after %lld ms; re-issuing",
			job_task_name(job, tm.task, name, sizeof(name)),
			(unsigned long long)t->attempt, t->worker_pid,
			(long long)job->cfg.timeout_ms);
		job->reissued++;
		t->state = TASK_IDLE;
		queue_push(job, tm.task);
	}
}

void job_status(const struct job *job, int64_t elapsed_ms, struct job_status *st)
{
	int workers, left;
	int64_t per_task;

	memset(st, 0, sizeof(*st));
	for (int i = 0; i < job->nmap + job->nreduce; i++) {
		const struct task *t = &job->tasks[i];
		int k = i < job->nmap ? KIND_MAP : KIND_REDUCE;

		if (t->failures)
			st->failed[k]++;
		if (t->state == TASK_DONE)
			st->done[k]++;
		else if (t->state == TASK_RUNNING)
			st->running[k]++;
		else
			st->idle[k]++;
	}
	st->eta_ms = -1;
	if (job_finished(job)) {
		st->eta_ms = 0;
		return;
	}
	/* The current phase's median, or the job's pace so far before any finished. */
	if (job->ndurations > 0)
		per_task = compute_median(job);
	else if (st->done[KIND_MAP] > 0)
		per_task = elapsed_ms / st->done[KIND_MAP];
	else
		return;
	workers = st->running[KIND_MAP] + st->running[KIND_REDUCE];
	if (workers < 1)
		workers = 1;
	left = job->phase == PHASE_MAP ? job->nmap - st->done[KIND_MAP] + job->nreduce
				       : job->nreduce - st->done[KIND_REDUCE];
	st->eta_ms = per_task * ((left + workers - 1) / workers);
}

size_t job_running(const struct job *job, int64_t now_ms, struct running_attempt *out,
		   size_t max)
{
	size_t n = 0;

	for (int i = 0; i < job->nmap + job->nreduce && n < max; i++) {
		const struct task *t = &job->tasks[i];
		struct running_attempt r;

		if (t->state != TASK_RUNNING)
			continue;
		r.kind = i < job->nmap ? KIND_MAP : KIND_REDUCE;
		r.id = i < job->nmap ? i : i - job->nmap;
		r.attempt = t->attempt;
		r.worker_pid = t->worker_pid;
		r.elapsed_ms = now_ms - t->started_ms;
		r.backup = 0;
		out[n++] = r;
		if (t->backup && n < max) {
			r.attempt = t->backup;
			r.worker_pid = t->backup_pid;
			r.elapsed_ms = now_ms - t->backup_started_ms;
			r.backup = 1;
			out[n++] = r;
		}
	}
	return n;
}

size_t job_counter_totals(const struct job *job, struct job_counter *out, size_t max)
{
	size_t n = 0;

	for (int i = 0; i < job->nmap + job->nreduce; i++) {
		const struct task *t = &job->tasks[i];

		for (size_t k = 0; k < t->ncounters; k++) {
			size_t j;

			for (j = 0; j < n; j++)
				if (!strcmp(out[j].name, t->counters[k].name))
					break;
			if (j == n) {
				if (n == max)
					continue;
				out[n].name = t->counters[k].name;
				out[n++].value = 0;
			}
			out[j].value += t->counters[k].value;
		}
	}
	return n;
}

int job_next_timeout(const struct job *job, int64_t now_ms, int max_ms)
{
	int t = timerq_next_timeout(&job->timers, now_ms, max_ms);

	if (job->ghosts && job->ghost_deadline_ms - now_ms < t)
		t = job->ghost_deadline_ms <= now_ms ? 0 : (int)(job->ghost_deadline_ms - now_ms);
	return t;
}

uint64_t job_ghost(struct job *job, const char *addr, int64_t deadline_ms)
{
	uint64_t id = job_worker_at(job, addr);

	if (id)
		return id;
	id = JOB_GHOST_ID + job->nworkers;
	job_worker_seen(job, id, addr);
	job->workers[job->nworkers - 1].ghost = 1;
	job->ghosts++;
	job->ghost_deadline_ms = deadline_ms;
	return id;
}

/* Worker `id` registered at the address of ghost `g`: it holds g's maps. */
static void claim_ghost(struct job *job, struct job_worker *g, uint64_t id)
{
	int n = 0;

	g->lost = 1;
	g->ghost = 0;
	job->ghosts--;
	for (int i = 0; i < job->nmap + job->nreduce; i++) {
		struct task *t = &job->tasks[i];

		if (i < job->nmap && t->state == TASK_DONE && t->holder == g->id) {
			t->holder = id;
			n++;
		}
		if (t->state == TASK_RUNNING && t->worker == g->id)
			t->worker = id;
		if (t->state == TASK_RUNNING && t->backup && t->backup_worker == g->id)
			t->backup_worker = id;
	}
	info("the worker serving map output at %s is back: it holds %d map%s finished "
	     "before the restart", g->addr, n, n == 1 ? "" : "s");
}

/* Ghosts past their deadline: lost, their maps run again. */
static void expire_ghosts(struct job *job, int64_t now_ms)
{
	if (!job->ghosts || now_ms < job->ghost_deadline_ms)
		return;
	for (size_t i = 0; i < job->nworkers; i++) {
		struct job_worker *g = &job->workers[i];

		if (!g->ghost)
			continue;
		g->ghost = 0;
		job->ghosts--;
		warning("the worker that served map output at %s before the restart did not "
			"come back in time; running its maps again", g->addr);
		job_worker_lost(job, g->id, now_ms);
	}
}

void job_worker_seen(struct job *job, uint64_t id, const char *addr)
{
	struct job_worker *w;

	for (size_t i = 0; job->ghosts && id < JOB_GHOST_ID && i < job->nworkers; i++)
		if (job->workers[i].ghost && !strcmp(job->workers[i].addr, addr))
			claim_ghost(job, &job->workers[i], id);

	for (size_t i = 0; i < job->nworkers; i++)
		if (job->workers[i].id == id) {
			if (strcmp(job->workers[i].addr, addr)) {
				free(job->workers[i].addr);
				job->workers[i].addr = xstrdup(addr);
			}
			return;
		}
	xgrow((void **)&job->workers, &job->wcap, job->nworkers + 1, sizeof(*job->workers));
	w = &job->workers[job->nworkers++];
	*w = (struct job_worker){ .id = id, .addr = xstrdup(addr) };
}

const char *job_worker_addr(const struct job *job, uint64_t id)
{
	for (size_t i = 0; id && i < job->nworkers; i++)
		if (job->workers[i].id == id)
			return job->workers[i].addr;
	return NULL;
}

uint64_t job_worker_at(const struct job *job, const char *addr)
{
	for (size_t i = job->nworkers; i-- > 0;)
		if (!job->workers[i].lost && !strcmp(job->workers[i].addr, addr))
			return job->workers[i].id;
	return 0;
}

uint64_t job_map_holder(const struct job *job, int m)
{
	return m >= 0 && m < job->nmap && job->tasks[m].state == TASK_DONE
	       ? job->tasks[m].holder : 0;
}

/* Attempt `attempt` of task `index` died with its worker: as if it timed out. */
static void attempt_lost(struct job *job, uint32_t index, uint64_t attempt, int64_t now_ms)
{
	struct task *t = &job->tasks[index];

	hist_end(t, attempt, ATTEMPT_TIMED_OUT, now_ms);
	if (!t->backup)
		job->reissued++;
	requeue(job, t, attempt);
}

static int cmp_int(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;

	return (a > b) - (a < b);
}

int job_worker_holds(struct job *job, uint64_t id, int from, int to, const int *held,
		     size_t n)
{
	int *sorted, rerun = 0;

	if (!id || job_finished(job) || from < 0)
		return 0;
	sorted = xcalloc(n ? n : 1, sizeof(*sorted));
	if (n) {
		memcpy(sorted, held, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), cmp_int);
	}
	for (int m = from; m < job->nmap && m < to; m++) {
		const struct task *t = &job->tasks[m];

		if (t->state == TASK_DONE && t->holder == id &&
		    !bsearch(&m, sorted, n, sizeof(*sorted), cmp_int))
			rerun += rerun_map(job, m, LOST_MISSING);
	}
	free(sorted);
	return rerun;
}

int job_worker_lost(struct job *job, uint64_t id, int64_t now_ms)
{
	int rerun = 0;

	if (!id || job_finished(job))
		return 0;
	for (size_t i = 0; i < job->nworkers; i++)
		if (job->workers[i].id == id && !job->workers[i].lost) {
			job->workers[i].lost = 1;
			job->workers_lost++;
		}
	for (uint32_t i = 0; i < (uint32_t)(job->nmap + job->nreduce); i++) {
		struct task *t = &job->tasks[i];

		if (t->state == TASK_RUNNING && t->backup && t->backup_worker == id)
			attempt_lost(job, i, t->backup, now_ms);
		if (t->state == TASK_RUNNING && t->worker == id)
			attempt_lost(job, i, t->attempt, now_ms);
		if (i < (uint32_t)job->nmap && t->state == TASK_DONE && t->holder == id)
			rerun += rerun_map(job, (int)i, LOST_WORKER);
	}
	return rerun;
}
