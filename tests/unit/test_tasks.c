/* test_tasks.c - unit tests of src/coordinator/tasks.c (the job state machine). */
#include "unit.h"

#include "coordinator/tasks.h"
#include "mr.h" /* MR_MAX_SKIP */

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define TIMEOUT 1000

static char *files3[] = { "in-0.txt", "in-1.txt", "in-2.txt" };
static char *file1[] = { "only.txt" };

static struct job_config config(int nreduce, unsigned max_attempts)
{
	struct job_config c = { .nreduce = nreduce, .timeout_ms = TIMEOUT,
				.max_attempts = max_attempts, .wait_ms = 77 };
	return c;
}

static struct assignment give(struct job *job, int64_t now)
{
	struct assignment a;

	memset(&a, 0x5a, sizeof(a)); /* job_assign must fill every field */
	job_assign(job, now, 4242, &a);
	return a;
}

static struct assignment give_map(struct job *job, int64_t now)
{
	struct assignment a = give(job, now);

	assert_int_equal(a.kind, ASSIGN_MAP);
	return a;
}

static struct assignment give_reduce(struct job *job, int64_t now)
{
	struct assignment a = give(job, now);

	assert_int_equal(a.kind, ASSIGN_REDUCE);
	return a;
}

static void expect_wait(struct job *job, int64_t now)
{
	struct assignment a = give(job, now);

	assert_int_equal(a.kind, ASSIGN_WAIT);
	assert_int_equal(a.wait_ms, 77);
}

static void expect_exit(struct job *job, int64_t now)
{
	struct assignment a = give(job, now);

	assert_int_equal(a.kind, ASSIGN_EXIT);
}

/* A report without a bad record or counters. */
static enum report_result report_raw(struct job *job, enum task_kind kind, int id,
				     uint64_t attempt, int ok, const char *errmsg, int64_t now)
{
	struct report_in r = { .kind = kind, .id = id, .attempt = attempt, .ok = ok,
			       .errmsg = errmsg, .bad_record = -1 };

	return job_report(job, &r, now);
}

/* Report assignment `a` done (ok) or failed ("boom") at time `now`. */
static enum report_result report_at(struct job *job, const struct assignment *a,
				    int ok, int64_t now)
{
	return report_raw(job, a->kind == ASSIGN_MAP ? KIND_MAP : KIND_REDUCE, a->id,
			  a->attempt, ok, ok ? NULL : "boom", now);
}

static enum report_result report(struct job *job, const struct assignment *a, int ok)
{
	return report_at(job, a, ok, 0);
}

static void done(struct job *job, const struct assignment *a)
{
	assert_int_equal(report(job, a, 1), REPORT_ACCEPTED);
}

/* A copy of everything a report could change, to prove an ignored one changed nothing. */
struct snap {
	struct task *tasks;
	int ntasks;
	enum job_phase phase;
	int done_in_phase;
	uint32_t *queue;        /* logical queue contents, head first */
	size_t qlen;
	uint64_t next_attempt;
	struct timer *timers;
	size_t ntimers;
	int failed_task;
	unsigned long reissued, ignored_reports, failed_reports;
};

static void snap_take(const struct job *job, struct snap *s)
{
	s->ntasks = job->nmap + job->nreduce;
	s->tasks = malloc((size_t)s->ntasks * sizeof(*s->tasks));
	assert_non_null(s->tasks);
	memcpy(s->tasks, job->tasks, (size_t)s->ntasks * sizeof(*s->tasks));
	s->phase = job->phase;
	s->done_in_phase = job->done_in_phase;
	s->qlen = job->qlen;
	s->queue = malloc((s->qlen + 1) * sizeof(*s->queue));
	assert_non_null(s->queue);
	for (size_t i = 0; i < s->qlen; i++)
		s->queue[i] = job->queue[(job->qhead + i) % job->qcap];
	s->next_attempt = job->next_attempt;
	s->ntimers = job->timers.len;
	s->timers = malloc((s->ntimers + 1) * sizeof(*s->timers));
	assert_non_null(s->timers);
	if (s->ntimers)
		memcpy(s->timers, job->timers.heap, s->ntimers * sizeof(*s->timers));
	s->failed_task = job->failed_task;
	s->reissued = job->reissued;
	s->ignored_reports = job->ignored_reports;
	s->failed_reports = job->failed_reports;
}

/* The job equals the snapshot but for `ignored` more ignored reports. */
static void snap_check(const struct job *job, struct snap *s, unsigned long ignored)
{
	assert_int_equal(job->nmap + job->nreduce, s->ntasks);
	for (int i = 0; i < s->ntasks; i++) {
		const struct task *a = &job->tasks[i], *b = &s->tasks[i];

		assert_int_equal(a->state, b->state);
		assert_int_equal(a->attempt, b->attempt);
		assert_int_equal(a->started_ms, b->started_ms);
		assert_int_equal(a->worker_pid, b->worker_pid);
		assert_int_equal(a->handed_out, b->handed_out);
		assert_int_equal(a->failures, b->failures);
		assert_ptr_equal(a->last_error, b->last_error);
	}
	assert_int_equal(job->phase, s->phase);
	assert_int_equal(job->done_in_phase, s->done_in_phase);
	assert_int_equal(job->qlen, s->qlen);
	for (size_t i = 0; i < s->qlen; i++)
		assert_int_equal(job->queue[(job->qhead + i) % job->qcap], s->queue[i]);
	assert_int_equal(job->next_attempt, s->next_attempt);
	assert_int_equal(job->timers.len, s->ntimers);
	if (s->ntimers)
		assert_memory_equal(job->timers.heap, s->timers,
				    s->ntimers * sizeof(*s->timers));
	assert_int_equal(job->failed_task, s->failed_task);
	assert_int_equal(job->reissued, s->reissued);
	assert_int_equal(job->failed_reports, s->failed_reports);
	assert_int_equal(job->ignored_reports, s->ignored_reports + ignored);
}

static void snap_free(struct snap *s)
{
	free(s->tasks);
	free(s->queue);
	free(s->timers);
}

/* ---- phases ------------------------------------------------------------ */

static void test_maps_before_reduces(void **state)
{
	struct job_config c = config(2, 4);
	struct assignment m[3], r[2];
	int seen[3] = { 0 };
	struct job job;

	(void)state;
	job_init(&job, files3, 3, &c);
	assert_int_equal(job.phase, PHASE_MAP);
	for (int i = 0; i < 3; i++) {
		m[i] = give_map(&job, 10);
		assert_true(m[i].id >= 0 && m[i].id < 3);
		assert_false(seen[m[i].id]);
		seen[m[i].id] = 1;
		assert_string_equal(m[i].file, files3[m[i].id]);
		assert_ptr_equal(m[i].file, files3[m[i].id]); /* borrowed, not copied */
		assert_int_equal(m[i].nmap, 3);
		assert_int_equal(m[i].nreduce, 2);
		assert_int_equal(job.tasks[m[i].id].state, TASK_RUNNING);
		assert_int_equal(job.tasks[m[i].id].worker_pid, 4242);
		assert_int_equal(job.tasks[m[i].id].started_ms, 10);
	}
	/* all maps out, none done: no reduce is handed out */
	expect_wait(&job, 11);
	done(&job, &m[1]);
	done(&job, &m[0]);
	expect_wait(&job, 12);
	assert_int_equal(job.phase, PHASE_MAP);
	done(&job, &m[2]);
	assert_int_equal(job.phase, PHASE_REDUCE);
	for (int i = 0; i < 2; i++) {
		r[i] = give_reduce(&job, 20);
		assert_int_equal(r[i].nmap, 3);
		assert_int_equal(r[i].nreduce, 2);
		assert_null(r[i].file);
	}
	assert_int_not_equal(r[0].id, r[1].id);
	assert_true(r[0].id >= 0 && r[0].id < 2 && r[1].id >= 0 && r[1].id < 2);
	expect_wait(&job, 21);
	done(&job, &r[0]);
	assert_int_equal(job.phase, PHASE_REDUCE);
	expect_wait(&job, 22);
	done(&job, &r[1]);
	assert_int_equal(job.phase, PHASE_DONE);
	assert_true(job_finished(&job));
	assert_int_equal(job.failed_task, -1);
	expect_exit(&job, 30);
	job_release(&job);
}

static void test_wait_in_both_phases(void **state)
{
	struct job_config c = config(1, 4);
	struct assignment m, r;
	struct job job;

	(void)state;
	job_init(&job, file1, 1, &c);
	m = give_map(&job, 0);
	for (int i = 0; i < 5; i++)
		expect_wait(&job, i);
	done(&job, &m);
	r = give_reduce(&job, 5);
	for (int i = 0; i < 5; i++)
		expect_wait(&job, 5 + i);
	assert_int_equal(job.phase, PHASE_REDUCE);
	done(&job, &r);
	job_release(&job);
}

static void test_exit_after_done(void **state)
{
	struct job_config c = config(1, 4);
	struct assignment m, r;
	struct snap s;
	struct job job;

	(void)state;
	job_init(&job, file1, 1, &c);
	m = give_map(&job, 0);
	done(&job, &m);
	r = give_reduce(&job, 0);
	done(&job, &r);
	assert_int_equal(job.phase, PHASE_DONE);
	snap_take(&job, &s);
	for (int i = 0; i < 3; i++)
		expect_exit(&job, 100 + i);
	/* late reports and deadlines after the end change nothing */
	assert_int_equal(report(&job, &r, 1), REPORT_IGNORED);
	assert_int_equal(report(&job, &m, 0), REPORT_IGNORED);
	job_expire(&job, 1000000);
	snap_check(&job, &s, 2);
	snap_free(&s);
	job_release(&job);
}

static void test_reduce_only_after_all_maps(void **state)
{
	enum { NMAP = 6 };
	char *files[NMAP] = { "a", "b", "c", "d", "e", "f" };
	struct job_config c = config(4, 4);
	struct assignment m[NMAP];
	struct job job;
	int slow = -1;

	(void)state;
	job_init(&job, files, NMAP, &c);
	for (int i = 0; i < NMAP; i++)
		m[i] = give_map(&job, 0);
	/* finish all but one, in reverse order; the phase must not move */
	for (int i = NMAP - 1; i >= 0; i--) {
		if (m[i].id == 3) {
			slow = i;
			continue;
		}
		done(&job, &m[i]);
		assert_int_equal(job.phase, PHASE_MAP);
		expect_wait(&job, 1);
	}
	assert_true(slow >= 0);
	for (int i = 0; i < 10; i++)
		expect_wait(&job, 2 + i);
	for (int i = 0; i < 4; i++)
		assert_int_equal(job.tasks[NMAP + i].state, TASK_IDLE);
	done(&job, &m[slow]);
	assert_int_equal(job.phase, PHASE_REDUCE);
	for (int i = 0; i < 4; i++)
		give_reduce(&job, 20);
	expect_wait(&job, 21);
	job_release(&job);
}

static void test_attempt_ids_unique(void **state)
{
	struct job_config c = config(3, 100);
	struct assignment a, prev = { 0 };
	struct job job;
	int n = 0;

	(void)state;
	job_init(&job, files3, 3, &c);
	/* failures and timeouts re-issue tasks; every hand-out has a fresh, larger id */
	for (int64_t now = 0; !job_finished(&job); now += 10) {
		a = give(&job, now);
		if (a.kind == ASSIGN_WAIT) {
			now += TIMEOUT;
			job_expire(&job, now);
			continue;
		}
		assert_true(a.kind == ASSIGN_MAP || a.kind == ASSIGN_REDUCE);
		assert_true(a.attempt > prev.attempt);
		prev = a;
		n++;
		if (n % 3 == 0)
			assert_int_equal(report(&job, &a, 0), REPORT_ACCEPTED);
		else if (n % 3 == 1)
			done(&job, &a);
		/* n % 3 == 2: never reported; it times out */
		assert_true(n < 1000);
	}
	assert_int_equal(job.phase, PHASE_DONE);
	job_release(&job);
}

/* ---- ignored reports ---------------------------------------------------- */

/* Each bad report is IGNORED and changes nothing but the ignored counter. */
static void expect_ignored(struct job *job, enum task_kind kind, int id, uint64_t attempt)
{
	for (int ok = 0; ok <= 1; ok++) {
		struct snap s;

		snap_take(job, &s);
		assert_int_equal(report_raw(job, kind, id, attempt, ok, "bad", 5),
				 REPORT_IGNORED);
		snap_check(job, &s, 1);
		snap_free(&s);
	}
}

static void test_ignored_stale_attempt(void **state)
{
	struct job_config c = config(2, 4);
	struct assignment m;
	struct job job;

	(void)state;
	job_init(&job, files3, 3, &c);
	m = give_map(&job, 0);
	give_map(&job, 0);
	expect_ignored(&job, KIND_MAP, m.id, m.attempt + 1);
	expect_ignored(&job, KIND_MAP, m.id, m.attempt + 100);
	expect_ignored(&job, KIND_MAP, m.id, m.attempt - 1);
	expect_ignored(&job, KIND_MAP, m.id, 0);
	expect_ignored(&job, KIND_MAP, m.id, UINT64_MAX);
	/* the live attempt still counts afterwards */
	done(&job, &m);
	job_release(&job);
}

static void test_ignored_unknown_id(void **state)
{
	struct job_config c = config(2, 4);
	struct assignment m;
	struct job job;

	(void)state;
	job_init(&job, files3, 3, &c);
	m = give_map(&job, 0);
	expect_ignored(&job, KIND_MAP, 3, m.attempt);
	expect_ignored(&job, KIND_MAP, 1000, m.attempt);
	expect_ignored(&job, KIND_MAP, INT_MAX, m.attempt);
	expect_ignored(&job, KIND_REDUCE, 2, m.attempt);
	expect_ignored(&job, KIND_REDUCE, INT_MAX, m.attempt);
	/* a kind that is neither map nor reduce */
	expect_ignored(&job, (enum task_kind)7, m.id, m.attempt);
	expect_ignored(&job, (enum task_kind)-1, m.id, m.attempt);
	done(&job, &m);
	job_release(&job);
}

static void test_ignored_negative_id(void **state)
{
	struct job_config c = config(2, 4);
	struct assignment m, r;
	struct job job;

	(void)state;
	job_init(&job, file1, 1, &c);
	m = give_map(&job, 0);
	expect_ignored(&job, KIND_MAP, -1, m.attempt);
	expect_ignored(&job, KIND_MAP, INT_MIN, m.attempt);
	expect_ignored(&job, KIND_REDUCE, -1, m.attempt);
	done(&job, &m);
	r = give_reduce(&job, 0);
	expect_ignored(&job, KIND_REDUCE, -1, r.attempt);
	expect_ignored(&job, KIND_REDUCE, -2, r.attempt);
	expect_ignored(&job, KIND_REDUCE, INT_MIN, r.attempt);
	/* -1 must not alias the last map task (index nmap - 1) either */
	expect_ignored(&job, KIND_REDUCE, -1, m.attempt);
	job_release(&job);
}

static void test_ignored_wrong_kind(void **state)
{
	struct job_config c = config(3, 4);
	struct assignment m[3], r;
	struct job job;

	(void)state;
	job_init(&job, files3, 3, &c);
	for (int i = 0; i < 3; i++)
		m[i] = give_map(&job, 0);
	/* the map's id and attempt, but called a reduce */
	for (int i = 0; i < 3; i++)
		expect_ignored(&job, KIND_REDUCE, m[i].id, m[i].attempt);
	for (int i = 0; i < 3; i++)
		done(&job, &m[i]);
	r = give_reduce(&job, 0);
	/* the reduce's id and attempt, but called a map */
	expect_ignored(&job, KIND_MAP, r.id, r.attempt);
	done(&job, &r);
	job_release(&job);
}

static void test_ignored_duplicate(void **state)
{
	struct job_config c = config(2, 4);
	struct assignment m, m2, r;
	struct job job;

	(void)state;
	job_init(&job, files3, 3, &c);
	m = give_map(&job, 0);
	m2 = give_map(&job, 0);
	done(&job, &m);
	expect_ignored(&job, KIND_MAP, m.id, m.attempt);
	/* a second failure report of one attempt counts once */
	assert_int_equal(report(&job, &m2, 0), REPORT_ACCEPTED);
	assert_int_equal(job.tasks[m2.id].failures, 1);
	expect_ignored(&job, KIND_MAP, m2.id, m2.attempt);
	assert_int_equal(job.tasks[m2.id].failures, 1);
	/* duplicates of the last map's report must not advance the reduce phase */
	m2 = give_map(&job, 0);
	m = give_map(&job, 0);
	done(&job, &m2);
	done(&job, &m);
	assert_int_equal(job.phase, PHASE_REDUCE);
	expect_ignored(&job, KIND_MAP, m.id, m.attempt);
	r = give_reduce(&job, 0);
	done(&job, &r);
	expect_ignored(&job, KIND_REDUCE, r.id, r.attempt);
	assert_int_equal(job.phase, PHASE_REDUCE);
	assert_int_equal(job.done_in_phase, 1);
	job_release(&job);
}

/* Reports for tasks never handed out (attempt 0 included) are ignored. */
static void test_ignored_before_handout(void **state)
{
	struct job_config c = config(2, 4);
	struct job job;

	(void)state;
	job_init(&job, files3, 3, &c);
	for (int id = 0; id < 3; id++) {
		expect_ignored(&job, KIND_MAP, id, 0);
		expect_ignored(&job, KIND_MAP, id, 1);
	}
	for (int id = 0; id < 2; id++) {
		expect_ignored(&job, KIND_REDUCE, id, 0);
		expect_ignored(&job, KIND_REDUCE, id, 1);
	}
	job_release(&job);
}

/* ---- deadlines ----------------------------------------------------------- */

static void test_timeout_reissue(void **state)
{
	struct job_config c = config(1, 4);
	struct assignment m1, m2;
	struct job job;

	(void)state;
	job_init(&job, file1, 1, &c);
	m1 = give_map(&job, 100);
	assert_int_equal(job_next_timeout(&job, 100, 60000), TIMEOUT);
	assert_int_equal(job_next_timeout(&job, 600, 60000), TIMEOUT - 500);
	job_expire(&job, 100 + TIMEOUT - 1);
	assert_int_equal(job.reissued, 0);
	expect_wait(&job, 100 + TIMEOUT - 1);
	job_expire(&job, 100 + TIMEOUT);
	assert_int_equal(job.reissued, 1);
	assert_int_equal(job.tasks[0].state, TASK_IDLE);
	assert_int_equal(job.tasks[0].failures, 0);
	m2 = give_map(&job, 2000);
	assert_int_equal(m2.id, m1.id);
	assert_true(m2.attempt > m1.attempt);
	assert_int_equal(job.tasks[0].handed_out, 2);
	assert_int_equal(job.tasks[0].started_ms, 2000);
	/* the slow first attempt finally reports: ignored, even as a success */
	expect_ignored(&job, KIND_MAP, m1.id, m1.attempt);
	assert_int_equal(job.phase, PHASE_MAP);
	done(&job, &m2);
	assert_int_equal(job.phase, PHASE_REDUCE);
	job_release(&job);
}

/* The timed-out attempt reports before anyone took the task again. */
static void test_timeout_report_before_reissue(void **state)
{
	struct job_config c = config(1, 4);
	struct assignment m1, m2;
	struct job job;

	(void)state;
	job_init(&job, file1, 1, &c);
	m1 = give_map(&job, 0);
	job_expire(&job, TIMEOUT);
	expect_ignored(&job, KIND_MAP, m1.id, m1.attempt);
	assert_int_equal(job.qlen, 1); /* still queued exactly once */
	m2 = give_map(&job, TIMEOUT);
	expect_wait(&job, TIMEOUT);
	done(&job, &m2);
	job_release(&job);
}

/* Timeouts re-issue forever; only failure reports count toward max_attempts. */
static void test_timeout_not_a_failure(void **state)
{
	struct job_config c = config(1, 2);
	struct assignment m;
	struct job job;
	int64_t now = 0;

	(void)state;
	job_init(&job, file1, 1, &c);
	for (int i = 0; i < 10; i++) {
		m = give_map(&job, now);
		now += TIMEOUT;
		job_expire(&job, now);
	}
	assert_int_equal(job.reissued, 10);
	assert_int_equal(job.tasks[0].failures, 0);
	assert_int_equal(job.phase, PHASE_MAP);
	m = give_map(&job, now);
	done(&job, &m);
	job_release(&job);
}

static void test_stale_timer_finished_task(void **state)
{
	struct job_config c = config(2, 4);
	struct assignment m[3], r;
	struct job job;

	(void)state;
	job_init(&job, files3, 3, &c);
	for (int i = 0; i < 3; i++)
		m[i] = give_map(&job, 0);
	done(&job, &m[0]);
	done(&job, &m[1]);
	/* the deadlines of finished m[0] and m[1] are not due yet */
	job_expire(&job, TIMEOUT - 1);
	assert_int_equal(job.reissued, 0);
	done(&job, &m[2]);
	r = give_reduce(&job, TIMEOUT - 1);
	/* all three map deadlines fire now, after their tasks finished; the reduce's is not due */
	job_expire(&job, TIMEOUT);
	assert_int_equal(job.reissued, 0);
	assert_int_equal(job.tasks[job.nmap + r.id].state, TASK_RUNNING);
	assert_int_equal(job.tasks[job.nmap + r.id].attempt, r.attempt);
	for (int i = 0; i < 3; i++)
		assert_int_equal(job.tasks[i].state, TASK_DONE);
	assert_int_equal(job.phase, PHASE_REDUCE);
	assert_int_equal(job.done_in_phase, 0);
	assert_int_equal(job.qlen, 1);
	assert_int_equal(job.timers.len, 1);
	/* the remaining reduce is handed out once, not twice */
	give_reduce(&job, TIMEOUT);
	expect_wait(&job, TIMEOUT);
	job_release(&job);
}

/* A deadline of an older attempt does not touch the live attempt. */
static void test_stale_timer_older_attempt(void **state)
{
	struct job_config c = config(1, 4);
	struct assignment a1, a2;
	struct job job;

	(void)state;
	job_init(&job, file1, 1, &c);
	a1 = give_map(&job, 0);                        /* deadline 1000 */
	assert_int_equal(report(&job, &a1, 0), REPORT_ACCEPTED);
	a2 = give_map(&job, 500);                      /* deadline 1500 */
	job_expire(&job, TIMEOUT);                     /* a1's deadline: stale */
	assert_int_equal(job.reissued, 0);
	assert_int_equal(job.tasks[0].state, TASK_RUNNING);
	assert_int_equal(job.tasks[0].attempt, a2.attempt);
	expect_wait(&job, TIMEOUT);
	job_expire(&job, 500 + TIMEOUT);               /* a2's deadline: live */
	assert_int_equal(job.reissued, 1);
	assert_int_equal(job.tasks[0].state, TASK_IDLE);
	expect_ignored(&job, KIND_MAP, 0, a2.attempt);
	a1 = give_map(&job, 2000);
	done(&job, &a1);
	job_release(&job);
}

static void test_next_timeout(void **state)
{
	struct job_config c = config(1, 4);
	struct assignment m;
	struct job job;

	(void)state;
	job_init(&job, files3, 3, &c);
	assert_int_equal(job_next_timeout(&job, 0, 5000), 5000);
	m = give_map(&job, 0);
	give_map(&job, 300);
	assert_int_equal(job_next_timeout(&job, 0, 5000), TIMEOUT);
	assert_int_equal(job_next_timeout(&job, 0, 10), 10);
	assert_int_equal(job_next_timeout(&job, TIMEOUT + 5, 5000), 0);
	done(&job, &m);
	/* a stale deadline may still wake the loop; it may not be later than the live one */
	assert_true(job_next_timeout(&job, 0, 5000) <= TIMEOUT + 300);
	job_release(&job);
}

/* ---- failures -------------------------------------------------------------- */

static void test_failure_requeues_at_once(void **state)
{
	struct job_config c = config(1, 4);
	struct assignment a, b;
	struct job job;

	(void)state;
	job_init(&job, files3, 3, &c);
	a = give_map(&job, 0);
	give_map(&job, 0);
	give_map(&job, 0);
	expect_wait(&job, 0);
	assert_int_equal(report_raw(&job, KIND_MAP, a.id, a.attempt, 0, "disk full", 1),
			 REPORT_ACCEPTED);
	assert_int_equal(job.failed_reports, 1);
	assert_int_equal(job.tasks[a.id].failures, 1);
	assert_int_equal(job.tasks[a.id].state, TASK_IDLE);
	/* no time passes: the very next ask gets it again, with a new attempt */
	b = give_map(&job, 1);
	assert_int_equal(b.id, a.id);
	assert_true(b.attempt > a.attempt);
	assert_int_equal(job.reissued, 0);
	assert_int_equal(job.phase, PHASE_MAP);
	expect_ignored(&job, KIND_MAP, a.id, a.attempt);
	done(&job, &b);
	job_release(&job);
}

static void test_failure_message_copied(void **state)
{
	struct job_config c = config(1, 10);
	struct assignment a;
	struct job job;
	char msg[32];

	(void)state;
	job_init(&job, file1, 1, &c);
	a = give_map(&job, 0);
	strcpy(msg, "cannot open in.txt");
	assert_int_equal(report_raw(&job, KIND_MAP, 0, a.attempt, 0, msg, 0), REPORT_ACCEPTED);
	memset(msg, 'X', sizeof(msg) - 1);
	assert_non_null(job.tasks[0].last_error);
	assert_string_equal(job.tasks[0].last_error, "cannot open in.txt");
	a = give_map(&job, 0);
	assert_int_equal(report_raw(&job, KIND_MAP, 0, a.attempt, 0, NULL, 0), REPORT_ACCEPTED);
	assert_non_null(job.tasks[0].last_error);
	assert_true(strlen(job.tasks[0].last_error) > 0);
	a = give_map(&job, 0);
	assert_int_equal(report_raw(&job, KIND_MAP, 0, a.attempt, 0, "", 0), REPORT_ACCEPTED);
	assert_non_null(job.tasks[0].last_error);
	assert_true(strlen(job.tasks[0].last_error) > 0);
	assert_int_equal(job.tasks[0].failures, 3);
	a = give_map(&job, 0);
	done(&job, &a);
	job_release(&job); /* frees last_error (ASan/valgrind would see a leak) */
}

static void test_max_attempts_map(void **state)
{
	struct job_config c = config(2, 3);
	struct assignment m[3], a;
	struct snap s;
	struct job job;
	int victim;

	(void)state;
	job_init(&job, files3, 3, &c);
	for (int i = 0; i < 3; i++)
		m[i] = give_map(&job, 0);
	a = m[1];
	victim = a.id;
	for (unsigned i = 0; i < 3; i++) {
		assert_false(job_finished(&job));
		assert_int_equal(report_raw(&job, KIND_MAP, a.id, a.attempt, 0,
					    i == 2 ? "last words" : "oops", 0),
				 REPORT_ACCEPTED);
		if (i < 2) {
			/* the only idle task: it comes straight back */
			a = give_map(&job, 0);
			assert_int_equal(a.id, victim);
		}
	}
	assert_int_equal(job.phase, PHASE_FAILED);
	assert_true(job_finished(&job));
	assert_int_equal(job.failed_task, victim);
	assert_string_equal(job.tasks[victim].last_error, "last words");
	assert_int_equal(job.tasks[victim].failures, 3);
	/* a failed job hands out EXIT and ignores everything */
	snap_take(&job, &s);
	expect_exit(&job, 1);
	assert_int_equal(report(&job, &m[0], 1), REPORT_IGNORED);
	job_expire(&job, 100 * TIMEOUT);
	snap_check(&job, &s, 1);
	snap_free(&s);
	job_release(&job);
}

static void test_max_attempts_reduce(void **state)
{
	struct job_config c = config(3, 2);
	struct assignment m, r;
	struct job job;

	(void)state;
	job_init(&job, file1, 1, &c);
	m = give_map(&job, 0);
	done(&job, &m);
	r = give_reduce(&job, 0);
	give_reduce(&job, 0);
	give_reduce(&job, 0);
	assert_int_equal(report(&job, &r, 0), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_REDUCE);
	r = give_reduce(&job, 0);
	assert_int_equal(report(&job, &r, 0), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_FAILED);
	/* failed_task is the task's index: reduces come after the maps */
	assert_int_equal(job.failed_task, 1 + r.id);
	expect_exit(&job, 0);
	job_release(&job);
}

static void test_max_attempts_one(void **state)
{
	struct job_config c = config(1, 1);
	struct assignment m;
	struct job job;

	(void)state;
	job_init(&job, files3, 3, &c);
	give_map(&job, 0);
	m = give_map(&job, 0);
	assert_int_equal(report(&job, &m, 0), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_FAILED);
	assert_int_equal(job.failed_task, m.id);
	expect_exit(&job, 0);
	job_release(&job);
}

/* Failures spread over several tasks do not add up: the limit is per task. */
static void test_failures_per_task(void **state)
{
	struct job_config c = config(1, 2);
	struct assignment m[3];
	struct job job;

	(void)state;
	job_init(&job, files3, 3, &c);
	for (int i = 0; i < 3; i++)
		m[i] = give_map(&job, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(report(&job, &m[i], 0), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_MAP);
	assert_int_equal(job.failed_reports, 3);
	for (int i = 0; i < 3; i++)
		m[i] = give_map(&job, 0);
	for (int i = 0; i < 3; i++)
		done(&job, &m[i]);
	assert_int_equal(job.phase, PHASE_REDUCE);
	job_release(&job);
}

/* ---- whole jobs -------------------------------------------------------------- */

static void test_minimal_job(void **state)
{
	struct job_config c = config(1, 4);
	struct assignment m, r;
	struct job job;

	(void)state;
	job_init(&job, file1, 1, &c);
	m = give_map(&job, 0);
	assert_int_equal(m.id, 0);
	assert_string_equal(m.file, "only.txt");
	assert_int_equal(m.nmap, 1);
	assert_int_equal(m.nreduce, 1);
	expect_wait(&job, 0);
	done(&job, &m);
	r = give_reduce(&job, 0);
	assert_int_equal(r.id, 0);
	assert_int_equal(r.nmap, 1);
	assert_int_equal(r.nreduce, 1);
	expect_wait(&job, 0);
	done(&job, &r);
	assert_int_equal(job.phase, PHASE_DONE);
	expect_exit(&job, 0);
	assert_int_equal(job.ignored_reports, 0);
	assert_int_equal(job.reissued, 0);
	job_release(&job);
}

/* More reduces than maps: the idle queue must hold all the reduces. */
static void test_more_reduces_than_maps(void **state)
{
	enum { NRED = 50 };
	struct job_config c = config(NRED, 4);
	struct assignment m, r[NRED];
	int seen[NRED] = { 0 };
	struct job job;

	(void)state;
	job_init(&job, file1, 1, &c);
	m = give_map(&job, 0);
	done(&job, &m);
	for (int i = 0; i < NRED; i++) {
		r[i] = give_reduce(&job, 0);
		assert_true(r[i].id >= 0 && r[i].id < NRED);
		assert_false(seen[r[i].id]);
		seen[r[i].id] = 1;
	}
	expect_wait(&job, 0);
	/* fail them all: every one is queued again at once */
	for (int i = 0; i < NRED; i++)
		assert_int_equal(report(&job, &r[i], 0), REPORT_ACCEPTED);
	assert_int_equal(job.qlen, NRED);
	for (int i = 0; i < NRED; i++)
		r[i] = give_reduce(&job, 0);
	for (int i = 0; i < NRED; i++)
		done(&job, &r[i]);
	assert_int_equal(job.phase, PHASE_DONE);
	job_release(&job);
}

static void test_big_job(void **state)
{
	enum { NMAP = 10000, NRED = 10 };
	char **files = malloc(NMAP * sizeof(*files));
	char *names = malloc(NMAP * 16);
	struct assignment *out = malloc(NMAP * sizeof(*out));
	unsigned char *seen = calloc(NMAP, 1);
	struct job_config c = config(NRED, 4);
	uint64_t rng = 7;
	struct job job;

	(void)state;
	assert_non_null(files);
	assert_non_null(names);
	assert_non_null(out);
	assert_non_null(seen);
	for (int i = 0; i < NMAP; i++) {
		files[i] = names + 16 * i;
		snprintf(files[i], 16, "pg-%d.txt", i);
	}
	job_init(&job, files, NMAP, &c);
	for (int i = 0; i < NMAP; i++) {
		out[i] = give_map(&job, i);
		assert_false(seen[out[i].id]);
		seen[out[i].id] = 1;
		assert_ptr_equal(out[i].file, files[out[i].id]);
	}
	expect_wait(&job, NMAP);
	/* report in a shuffled order; a tenth of them fail once first */
	for (int i = NMAP - 1; i > 0; i--) {
		int j = (int)(unit_rand(&rng) % (uint64_t)(i + 1));
		struct assignment t = out[i];

		out[i] = out[j];
		out[j] = t;
	}
	for (int i = 0; i < NMAP; i++) {
		if (i % 10 == 0) {
			assert_int_equal(report(&job, &out[i], 0), REPORT_ACCEPTED);
			out[i] = give_map(&job, NMAP + i);
		}
		assert_int_equal(job.phase, PHASE_MAP);
		done(&job, &out[i]);
	}
	assert_int_equal(job.phase, PHASE_REDUCE);
	assert_int_equal(job.failed_reports, NMAP / 10);
	for (int i = 0; i < NRED; i++)
		out[i] = give_reduce(&job, 3 * NMAP);
	expect_wait(&job, 3 * NMAP);
	/* all the map deadlines pass now: every one of them is stale */
	job_expire(&job, 3 * NMAP + TIMEOUT - 1);
	assert_int_equal(job.reissued, 0);
	for (int i = 0; i < NRED; i++)
		done(&job, &out[i]);
	assert_int_equal(job.phase, PHASE_DONE);
	expect_exit(&job, 4 * NMAP);
	job_release(&job);
	free(files);
	free(names);
	free(out);
	free(seen);
}

/*
 * Random simulation against an independent model of the contract in
 * tasks.h: random hand-outs, reports of live, stale and bogus attempts,
 * failures and clock jumps; with `tcp`, hand-outs go to TCP workers, some
 * of which are lost, and failed reduces sometimes name a map they could
 * not fetch.  Every report's fate, every hand-out and every re-run is
 * predicted by the model; the queue and history invariants are checked
 * after each step.
 */
struct model_task {
	uint64_t live;     /* live attempt, 0 when none */
	uint64_t worker;   /* ... its worker */
	int64_t deadline;
	int done;
	unsigned failures;
	uint64_t holder;   /* done map: the worker that finished it */
	int reporter;      /* map: the reduce that could not reach its holder, or -1 */
};

struct handout {
	enum task_kind kind;
	int id;
	uint64_t attempt;
	uint64_t worker;
};

/*
 * The queue holds every idle task that may be handed out, once (maps
 * always, reduces once the reduce phase has begun), and nothing else; each
 * task's history is in hand-out order, its running records are its live
 * attempts, and only a map's done records whose output was lost say so.
 */
static void check_invariants(const struct job *job, int reduces_begun)
{
	int ntasks = job->nmap + job->nreduce;
	int *inq = calloc((size_t)ntasks, sizeof(*inq));

	assert_non_null(inq);
	assert_true(job->qlen <= job->qcap);
	for (size_t i = 0; i < job->qlen; i++) {
		uint32_t idx = job->queue[(job->qhead + i) % job->qcap];

		assert_true(idx < (uint32_t)ntasks);
		inq[idx]++;
	}
	for (int i = 0; i < ntasks; i++) {
		const struct task *t = &job->tasks[i];
		int is_map = i < job->nmap, running = 0, last_done = -1;

		assert_true(inq[i] <= 1);
		if (!job_finished(job))
			assert_int_equal(inq[i], t->state == TASK_IDLE && (is_map || reduces_begun));
		if (job->phase == PHASE_REDUCE && is_map)
			assert_int_equal(t->state, TASK_DONE);
		if (!reduces_begun && !is_map)
			assert_int_equal(t->state, TASK_IDLE);
		assert_int_equal(t->nhist, t->handed_out);
		for (size_t k = 0; k < t->nhist; k++) {
			const struct attempt_rec *rec = &t->hist[k];

			if (k > 0)
				assert_true(rec->attempt > t->hist[k - 1].attempt);
			if (rec->outcome == ATTEMPT_RUNNING) {
				running++;
				if (!job_finished(job))
					assert_true(t->state == TASK_RUNNING &&
						    (rec->attempt == t->attempt ||
						     rec->attempt == t->backup));
			}
			if (rec->outcome == ATTEMPT_DONE) {
				if (last_done >= 0) /* an earlier output was lost */
					assert_int_not_equal(t->hist[last_done].lost, LOST_NONE);
				last_done = (int)k;
			} else {
				assert_int_equal(rec->lost, LOST_NONE);
			}
			if (!is_map)
				assert_int_equal(rec->lost, LOST_NONE);
		}
		if (!job_finished(job))
			assert_int_equal(running, t->state == TASK_RUNNING ? 1 + !!t->backup : 0);
		if (t->state == TASK_DONE) {
			assert_true(last_done >= 0);
			assert_int_equal(t->hist[last_done].lost, LOST_NONE);
			if (is_map)
				assert_int_equal(job_map_holder(job, i), t->hist[last_done].worker);
		} else if (last_done >= 0) {
			assert_true(is_map);
			assert_int_not_equal(t->hist[last_done].lost, LOST_NONE);
			assert_int_equal(job_map_holder(job, i), 0);
		}
	}
	free(inq);
}

enum { NPOOL = 4 };

/* What the TCP simulations did, all seeds together: re-runs, fetch failures, lost workers. */
static unsigned long sim_reexecuted, sim_fetch_failures, sim_workers_lost, sim_ended_rerunning;

/* The model's rerun_map: finished map m's output is lost and it must run again. */
static void model_rerun(struct model_task *mt, int m, int *maps_done, unsigned long *reexecuted,
			enum job_phase *phase)
{
	mt[m].done = 0;
	mt[m].holder = 0;
	mt[m].reporter = -1;
	(*maps_done)--;
	(*reexecuted)++;
	if (*phase == PHASE_REDUCE)
		*phase = PHASE_MAP;
}

static void simulate_ex(uint64_t seed, int nmap, int nreduce, unsigned max_attempts, int tcp)
{
	char **files = malloc((size_t)nmap * sizeof(*files));
	struct job_config c = config(nreduce, max_attempts);
	int ntasks = nmap + nreduce;
	struct model_task *mt = calloc((size_t)ntasks, sizeof(*mt));
	size_t hcap = 100000, hn = 0;
	struct handout *hist = malloc(hcap * sizeof(*hist));
	enum job_phase phase = PHASE_MAP;
	uint64_t rng = seed, last_attempt = 0, pool[NPOOL], next_worker = 1;
	int maps_done = 0, reduces_done = 0, reduces_begun = 0, exits = 0;
	unsigned long reexecuted = 0, fetch_failures = 0, workers_lost = 0;
	int64_t now = 0;
	struct job job;

	assert_non_null(files);
	assert_non_null(mt);
	assert_non_null(hist);
	for (int i = 0; i < nmap; i++)
		files[i] = "x";
	for (int i = 0; i < ntasks; i++)
		mt[i].reporter = -1;
	job_init(&job, files, nmap, &c);
	for (int i = 0; tcp && i < NPOOL; i++) {
		pool[i] = next_worker++;
		job_worker_seen(&job, pool[i], "127.0.0.1:1");
	}
	for (int step = 0; step < 200000 && exits < 3; step++) {
		unsigned action = (unsigned)(unit_rand(&rng) % 100);
		int finished = phase == PHASE_DONE || phase == PHASE_FAILED;

		assert_int_equal(job.phase, phase);
		if (action < 40) {
			uint64_t w = tcp ? pool[unit_rand(&rng) % NPOOL] : 0;
			struct assignment a;
			int lo = phase == PHASE_MAP ? 0 : nmap;
			int hi = phase == PHASE_MAP ? nmap : ntasks;
			int idle = 0;

			if (tcp) {
				memset(&a, 0x5a, sizeof(a));
				job_assign_worker(&job, now, 4242, w, &a);
			} else {
				a = give(&job, now);
			}
			for (int i = lo; i < hi && !finished; i++)
				idle += !mt[i].done && !mt[i].live;
			if (finished) {
				assert_int_equal(a.kind, ASSIGN_EXIT);
				exits++;
			} else if (!idle) {
				assert_int_equal(a.kind, ASSIGN_WAIT);
			} else {
				int idx;

				assert_int_equal(a.kind, phase == PHASE_MAP ? ASSIGN_MAP
									 : ASSIGN_REDUCE);
				idx = a.kind == ASSIGN_MAP ? a.id : nmap + a.id;
				assert_true(idx >= lo && idx < hi);
				assert_false(mt[idx].done);
				assert_int_equal(mt[idx].live, 0);
				assert_true(a.attempt > last_attempt);
				last_attempt = a.attempt;
				mt[idx].live = a.attempt;
				mt[idx].worker = w;
				mt[idx].deadline = now + TIMEOUT;
				if (hn < hcap)
					hist[hn++] = (struct handout){
						a.kind == ASSIGN_MAP ? KIND_MAP : KIND_REDUCE,
						a.id, a.attempt, w };
			}
		} else if (action < 85 && hn > 0) {
			/* report something handed out, recent ones more often */
			size_t back = (size_t)(unit_rand(&rng) % (hn < 8 ? hn : 8));
			size_t pick = unit_rand(&rng) % 4 ? hn - 1 - back
							  : (size_t)(unit_rand(&rng) % hn);
			struct handout h = hist[pick];
			int ok = unit_rand(&rng) % 5 != 0;
			int idx = h.kind == KIND_MAP ? h.id : nmap + h.id;
			int accept = !finished && mt[idx].live == h.attempt;
			struct report_in r = { .kind = h.kind, .id = h.id, .attempt = h.attempt,
					       .ok = ok, .errmsg = "sim", .bad_record = -1,
					       .worker = h.worker };
			int fetch = 0;

			if (tcp && !ok && h.kind == KIND_REDUCE && unit_rand(&rng) % 4) {
				static const enum lost_reason why[4] = {
					LOST_MISSING, LOST_CORRUPT, LOST_UNREACHABLE,
					LOST_UNREACHABLE };

				r.fetch = why[unit_rand(&rng) % 4];
				/* -1 .. nmap: the ends name no map (an ordinary failure) */
				r.fetch_map = (int)(unit_rand(&rng) % (uint64_t)(nmap + 2)) - 1;
				fetch = r.fetch_map >= 0 && r.fetch_map < nmap;
			}
			assert_int_equal(job_report(&job, &r, now),
					 accept ? REPORT_ACCEPTED : REPORT_IGNORED);
			if (accept) {
				mt[idx].live = 0;
				if (ok && h.kind == KIND_MAP) {
					mt[idx].done = 1;
					mt[idx].holder = h.worker;
					if (++maps_done == nmap && phase == PHASE_MAP) {
						phase = PHASE_REDUCE;
						reduces_begun = 1;
					}
				} else if (ok) {
					mt[idx].done = 1;
					if (++reduces_done == nreduce)
						phase = PHASE_DONE;
				} else if (fetch) {
					struct model_task *m = &mt[r.fetch_map];

					/* a map not done runs again already */
					fetch_failures++;
					if (m->done && (r.fetch != LOST_UNREACHABLE ||
							(m->reporter >= 0 && m->reporter != h.id)))
						model_rerun(mt, r.fetch_map, &maps_done, &reexecuted,
							    &phase);
					else if (m->done)
						m->reporter = h.id;
				} else if (++mt[idx].failures >= max_attempts) {
					phase = PHASE_FAILED;
					assert_int_equal(job.failed_task, idx);
				}
			}
		} else if (action < 93 || (!tcp && action < 95)) {
			/* bogus reports */
			int id = (int)(unit_rand(&rng) % 5) - 2;
			int big = nmap > nreduce ? nmap : nreduce;

			id = id < 0 ? id : big + id; /* -2, -1, or out of range */
			assert_int_equal(report_raw(&job, unit_rand(&rng) % 2 ? KIND_MAP : KIND_REDUCE,
						    id, last_attempt, 1, NULL, now),
					 REPORT_IGNORED);
		} else if (action < 95) {
			/* a worker is lost (now and then 0 or nobody: nothing happens) */
			unsigned pick = (unsigned)(unit_rand(&rng) % (NPOOL + 2));
			uint64_t w = pick < NPOOL ? pool[pick] : pick == NPOOL ? 0 : 1000000;
			int rerun = 0;

			if (!finished && pick < NPOOL) {
				workers_lost++;
				for (int i = 0; i < ntasks; i++)
					if (mt[i].live && mt[i].worker == w)
						mt[i].live = 0;
				for (int i = 0; i < nmap; i++)
					if (mt[i].done && mt[i].holder == w &&
					    reduces_done < nreduce) {
						model_rerun(mt, i, &maps_done, &reexecuted, &phase);
						rerun++;
					}
			}
			assert_int_equal(job_worker_lost(&job, w, now), rerun);
			if (pick < NPOOL) {
				/* it reconnects under a new id */
				pool[pick] = next_worker++;
				job_worker_seen(&job, pool[pick], "127.0.0.1:2");
			}
		} else {
			now += (int64_t)(unit_rand(&rng) % (TIMEOUT + 200));
			job_expire(&job, now);
			if (!finished)
				for (int i = 0; i < ntasks; i++)
					if (mt[i].live && mt[i].deadline <= now)
						mt[i].live = 0;
		}
		check_invariants(&job, reduces_begun);
		for (int i = 0; i < ntasks; i++) {
			const struct task *t = &job.tasks[i];

			assert_int_equal(t->state == TASK_DONE, mt[i].done);
			if (!job_finished(&job))
				assert_int_equal(t->state == TASK_RUNNING, mt[i].live != 0);
			if (mt[i].live) {
				assert_int_equal(t->attempt, mt[i].live);
				assert_int_equal(t->worker, mt[i].worker);
			}
			if (i < nmap && mt[i].done)
				assert_int_equal(job_map_holder(&job, i), mt[i].holder);
		}
		assert_int_equal(job.maps_done, maps_done);
		assert_int_equal(job.reduces_done, reduces_done);
		assert_int_equal(job.reexecuted, reexecuted);
		assert_int_equal(job.fetch_failures, fetch_failures);
		assert_int_equal(job.workers_lost, workers_lost);
	}
	assert_true(phase == PHASE_DONE || phase == PHASE_FAILED);
	assert_int_equal(exits, 3);
	if (phase == PHASE_DONE) {
		/* every reduce done; every map finished at least once */
		for (int i = 0; i < ntasks; i++) {
			const struct task *t = &job.tasks[i];
			int done_recs = 0;

			for (size_t k = 0; k < t->nhist; k++)
				done_recs += t->hist[k].outcome == ATTEMPT_DONE;
			if (i >= nmap) {
				assert_int_equal(t->state, TASK_DONE);
				assert_int_equal(done_recs, 1); /* a reduce never runs again */
			} else {
				assert_true(done_recs >= 1);
			}
		}
	}
	if (!tcp)
		assert_int_equal(reexecuted + fetch_failures + workers_lost, 0);
	sim_reexecuted += reexecuted;
	sim_fetch_failures += fetch_failures;
	sim_workers_lost += workers_lost;
	sim_ended_rerunning += phase == PHASE_DONE && maps_done < nmap;
	job_release(&job);
	free(files);
	free(mt);
	free(hist);
}

static void simulate(uint64_t seed, int nmap, int nreduce, unsigned max_attempts)
{
	simulate_ex(seed, nmap, nreduce, max_attempts, 0);
}

static void test_random_simulation(void **state)
{
	(void)state;
	simulate(1, 7, 3, 1000);
	simulate(2, 1, 5, 1000);
	simulate(3, 20, 20, 1000);
	simulate(4, 5, 1, 3);
	simulate(5, 3, 8, 2);
	simulate(6, 50, 7, 6);
}

/* The same with TCP workers: lost workers and fetch failures re-run maps. */
static void test_random_simulation_tcp(void **state)
{
	(void)state;
	simulate_ex(11, 7, 3, 1000, 1);
	simulate_ex(12, 1, 5, 1000, 1);
	simulate_ex(13, 20, 20, 1000, 1);
	simulate_ex(14, 5, 1, 3, 1);
	simulate_ex(15, 3, 8, 2, 1);
	simulate_ex(16, 50, 7, 6, 1);
	for (uint64_t seed = 100; seed < 600; seed++)
		simulate_ex(seed, 1 + (int)(seed % 12), 1 + (int)(seed % 5),
			    seed % 3 ? 1000 : 4, 1);
	/* the model was put to work: maps ran again for both reasons, and some
	   jobs ended while a re-run map was still to do */
	assert_true(sim_workers_lost > 100);
	assert_true(sim_fetch_failures > 100);
	assert_true(sim_reexecuted > 100);
	assert_true(sim_ended_rerunning > 0);
}

static void test_task_name(void **state)
{
	struct job_config c = config(2, 4);
	struct job job;
	char buf[64], tiny[8];

	(void)state;
	job_init(&job, files3, 3, &c);
	job_task_name(&job, 1, buf, sizeof(buf));
	assert_non_null(strstr(buf, "map"));
	assert_non_null(strstr(buf, "1"));
	assert_non_null(strstr(buf, "in-1.txt"));
	assert_ptr_equal(job_task_name(&job, 4, buf, sizeof(buf)), buf);
	assert_non_null(strstr(buf, "reduce"));
	assert_non_null(strstr(buf, "1"));
	/* truncates, never overflows */
	job_task_name(&job, 0, tiny, sizeof(tiny));
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
	job_release(&job);
}


/* ---- backup attempts of stragglers ---- */

static char *files10[] = { "m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9" };

/* Ten maps handed out at 0; all but map 9 done at 100 ms. */
static void straggler_job(struct job *job, struct assignment *maps, int backup)
{
	struct job_config c = config(1, 4);

	c.backup = backup;
	job_init(job, files10, 10, &c);
	for (int i = 0; i < 10; i++)
		maps[i] = give_map(job, 0);
	for (int i = 0; i < 9; i++)
		assert_int_equal(report_at(job, &maps[i], 1, 100), REPORT_ACCEPTED);
}

static void test_backup_for_straggler(void **state)
{
	struct assignment maps[10], b;
	struct job job;

	(void)state;
	straggler_job(&job, maps, 1);
	/* Not before half the timeout (median 100 ms, so that is the bar). */
	expect_wait(&job, TIMEOUT / 2);
	b = give_map(&job, TIMEOUT / 2 + 1);
	assert_int_equal(b.id, maps[9].id);
	assert_true(b.attempt != maps[9].attempt);
	assert_int_equal(job.backups, 1);
	/* One backup per task at a time. */
	expect_wait(&job, TIMEOUT / 2 + 2);
	/* The backup wins; the primary's late report is ignored. */
	assert_int_equal(report_at(&job, &b, 1, TIMEOUT / 2 + 50), REPORT_ACCEPTED);
	assert_int_equal(job.backups_won, 1);
	assert_int_equal(job.phase, PHASE_REDUCE);
	assert_int_equal(report_at(&job, &maps[9], 1, TIMEOUT / 2 + 60), REPORT_IGNORED);
	job_release(&job);
}

static void test_backup_primary_wins(void **state)
{
	struct assignment maps[10], b;
	struct job job;

	(void)state;
	straggler_job(&job, maps, 1);
	b = give_map(&job, TIMEOUT / 2 + 1);
	assert_int_equal(report_at(&job, &maps[9], 1, TIMEOUT / 2 + 5), REPORT_ACCEPTED);
	assert_int_equal(job.backups_won, 0);
	assert_int_equal(report_at(&job, &b, 1, TIMEOUT / 2 + 6), REPORT_IGNORED);
	assert_int_equal(job.phase, PHASE_REDUCE);
	job_release(&job);
}

static void test_backup_off(void **state)
{
	struct assignment maps[10];
	struct job job;

	(void)state;
	straggler_job(&job, maps, 0);
	expect_wait(&job, TIMEOUT - 1);
	assert_int_equal(job.backups, 0);
	job_release(&job);
}

static void test_backup_needs_slow_task(void **state)
{
	struct assignment maps[10];
	struct job_config c = config(1, 4);
	struct job job;

	(void)state;
	c.backup = 1;
	c.timeout_ms = 100000;
	job_init(&job, files10, 10, &c);
	for (int i = 0; i < 10; i++)
		maps[i] = give_map(&job, 0);
	/* Peers took 40 s: a task at 60 s is not past twice the median. */
	for (int i = 0; i < 9; i++)
		report_at(&job, &maps[i], 1, 40000);
	expect_wait(&job, 60000);
	assert_int_equal(give_map(&job, 80001).id, maps[9].id);
	job_release(&job);
}

static void test_backup_only_near_the_end(void **state)
{
	char *files[20];
	struct assignment maps[20];
	struct job_config c = config(1, 4);
	struct job job;

	(void)state;
	for (int i = 0; i < 20; i++)
		files[i] = files10[i % 10];
	c.backup = 1;
	job_init(&job, files, 20, &c);
	for (int i = 0; i < 20; i++)
		maps[i] = give_map(&job, 0);
	/* Ten of twenty left: not nearly done. */
	for (int i = 0; i < 10; i++)
		report_at(&job, &maps[i], 1, 10);
	expect_wait(&job, TIMEOUT - 1);
	/* Two left (a tenth): now the slowest gets a backup. */
	for (int i = 10; i < 18; i++)
		report_at(&job, &maps[i], 1, TIMEOUT - 1);
	assert_int_equal(give(&job, TIMEOUT - 1).kind, ASSIGN_MAP);
	job_release(&job);
}

static void test_backup_failure_keeps_other(void **state)
{
	struct assignment maps[10], b;
	struct job job;

	(void)state;
	straggler_job(&job, maps, 1);
	b = give_map(&job, TIMEOUT / 2 + 1);
	/* The primary fails: nothing is re-queued, the backup carries on. */
	assert_int_equal(report_at(&job, &maps[9], 0, TIMEOUT / 2 + 2), REPORT_ACCEPTED);
	expect_wait(&job, TIMEOUT / 2 + 3);
	assert_int_equal(job.phase, PHASE_MAP);
	assert_int_equal(report_at(&job, &b, 1, TIMEOUT / 2 + 4), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_REDUCE);
	job_release(&job);
}

static void test_backup_timeout_keeps_other(void **state)
{
	struct assignment maps[10], b;
	struct job job;

	(void)state;
	straggler_job(&job, maps, 1);
	b = give_map(&job, TIMEOUT / 2 + 1);
	/* The primary's deadline passes; the backup's has not: no re-issue. */
	job_expire(&job, TIMEOUT);
	assert_int_equal(job.reissued, 0);
	assert_int_equal(report_at(&job, &maps[9], 1, TIMEOUT + 1), REPORT_IGNORED);
	/* Then the backup's deadline passes too: re-issued as a fresh attempt. */
	job_expire(&job, TIMEOUT / 2 + 1 + TIMEOUT);
	assert_int_equal(job.reissued, 1);
	assert_int_equal(report_at(&job, &b, 1, TIMEOUT * 2), REPORT_IGNORED);
	assert_int_equal(give_map(&job, TIMEOUT * 2).id, maps[9].id);
	job_release(&job);
}

/* The live attempts in task order, a primary before its backup; max is respected. */
static void test_running_attempts(void **state)
{
	struct running_attempt run[4];
	struct assignment maps[10], b, r;
	struct job job;

	(void)state;
	straggler_job(&job, maps, 1);
	assert_int_equal(job_running(&job, 100, run, 4), 1);
	assert_int_equal(run[0].kind, KIND_MAP);
	assert_int_equal(run[0].id, 9);
	assert_int_equal(run[0].attempt, maps[9].attempt);
	assert_int_equal(run[0].worker_pid, 4242);
	assert_int_equal(run[0].elapsed_ms, 100);
	assert_false(run[0].backup);
	b = give_map(&job, TIMEOUT / 2 + 1);
	assert_int_equal(job_running(&job, TIMEOUT, run, 4), 2);
	assert_int_equal(run[0].attempt, maps[9].attempt);
	assert_int_equal(run[0].elapsed_ms, TIMEOUT);
	assert_int_equal(run[1].id, 9);
	assert_int_equal(run[1].attempt, b.attempt);
	assert_int_equal(run[1].elapsed_ms, TIMEOUT / 2 - 1);
	assert_true(run[1].backup);
	/* room for one: the primary only */
	assert_int_equal(job_running(&job, TIMEOUT, run, 1), 1);
	assert_false(run[0].backup);
	assert_int_equal(job_running(&job, TIMEOUT, run, 0), 0);
	done(&job, &b);
	assert_int_equal(job_running(&job, TIMEOUT, run, 4), 0);
	r = give_reduce(&job, TIMEOUT);
	assert_int_equal(job_running(&job, TIMEOUT + 5, run, 4), 1);
	assert_int_equal(run[0].kind, KIND_REDUCE);
	assert_int_equal(run[0].id, r.id);
	assert_int_equal(run[0].elapsed_ms, 5);
	job_release(&job);
}

/* ---- bad records and counters, carried by the report ---------------------- */

/* A failed map report naming the line that crashed it. */
static enum report_result report_bad(struct job *job, const struct assignment *a,
				     int64_t bad_record)
{
	struct report_in r = { .kind = a->kind == ASSIGN_MAP ? KIND_MAP : KIND_REDUCE,
			       .id = a->id, .attempt = a->attempt, .ok = 0,
			       .errmsg = "crashed", .bad_record = bad_record };

	return job_report(job, &r, 0);
}

/* With skip_bad_records a new bad line is skipped and not counted; a known one counts. */
static void test_bad_record_skipped(void **state)
{
	struct job_config c = config(1, 2);
	struct assignment a;
	struct job job;

	(void)state;
	c.skip_bad_records = 1;
	job_init(&job, file1, 1, &c);
	a = give_map(&job, 0);
	assert_true(a.by_record);
	assert_int_equal(a.nskip, 0);
	assert_int_equal(report_bad(&job, &a, 100), REPORT_ACCEPTED);
	assert_int_equal(job.tasks[0].failures, 0);
	assert_int_equal(job.failed_reports, 0);
	assert_int_equal(job.tasks[0].state, TASK_IDLE);
	a = give_map(&job, 0);
	assert_int_equal(a.nskip, 1);
	assert_int_equal(a.skip[0], 100);
	/* the same line again: no progress, a failure */
	assert_int_equal(report_bad(&job, &a, 100), REPORT_ACCEPTED);
	assert_int_equal(job.tasks[0].failures, 1);
	a = give_map(&job, 0);
	assert_int_equal(report_bad(&job, &a, 200), REPORT_ACCEPTED);
	assert_int_equal(job.tasks[0].failures, 1);
	a = give_map(&job, 0);
	assert_int_equal(a.nskip, 2);
	assert_int_equal(a.skip[1], 200);
	/* no line named: a failure, the second, so the job fails */
	assert_int_equal(report_bad(&job, &a, -1), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_FAILED);
	job_release(&job);
}

/* Without skip_bad_records, or for a reduce, a bad record is just a failure. */
static void test_bad_record_counted(void **state)
{
	struct job_config c = config(1, 4);
	struct assignment m, r;
	struct job job;

	(void)state;
	job_init(&job, file1, 1, &c);
	m = give_map(&job, 0);
	assert_false(m.by_record);
	assert_int_equal(report_bad(&job, &m, 100), REPORT_ACCEPTED);
	assert_int_equal(job.tasks[0].failures, 1);
	assert_int_equal(job.tasks[0].nskip, 0);
	job_release(&job);

	c.skip_bad_records = 1;
	job_init(&job, file1, 1, &c);
	m = give_map(&job, 0);
	done(&job, &m);
	r = give_reduce(&job, 0);
	assert_int_equal(report_bad(&job, &r, 100), REPORT_ACCEPTED);
	assert_int_equal(job.tasks[1].failures, 1);
	assert_int_equal(job.tasks[1].nskip, 0);
	job_release(&job);
}

/* A stale attempt's bad record is ignored with its report. */
static void test_bad_record_stale(void **state)
{
	struct job_config c = config(1, 4);
	struct assignment a1, a2;
	struct job job;

	(void)state;
	c.skip_bad_records = 1;
	job_init(&job, file1, 1, &c);
	a1 = give_map(&job, 0);
	job_expire(&job, TIMEOUT);
	a2 = give_map(&job, TIMEOUT);
	assert_int_equal(report_bad(&job, &a1, 100), REPORT_IGNORED);
	assert_int_equal(job.tasks[0].nskip, 0);
	assert_int_equal(job.tasks[0].state, TASK_RUNNING);
	done(&job, &a2);
	job_release(&job);
}

/* At most MR_MAX_SKIP lines of a task are skipped; past that, failures count. */
static void test_bad_record_limit(void **state)
{
	struct job_config c = config(1, 1);
	struct assignment a;
	struct job job;

	(void)state;
	c.skip_bad_records = 1;
	job_init(&job, file1, 1, &c);
	for (int64_t i = 0; i < MR_MAX_SKIP; i++) {
		a = give_map(&job, 0);
		assert_int_equal(a.nskip, (size_t)i);
		assert_int_equal(report_bad(&job, &a, 10 * i), REPORT_ACCEPTED);
	}
	assert_int_equal(job.phase, PHASE_MAP);
	a = give_map(&job, 0);
	assert_int_equal(a.nskip, MR_MAX_SKIP);
	assert_int_equal(report_bad(&job, &a, -5), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_FAILED);
	assert_int_equal(job.tasks[0].nskip, MR_MAX_SKIP);
	job_release(&job);
}

/* A report with counters. */
static enum report_result report_counted(struct job *job, const struct assignment *a,
					 int ok, const struct job_counter *c, size_t n)
{
	struct report_in r = { .kind = a->kind == ASSIGN_MAP ? KIND_MAP : KIND_REDUCE,
			       .id = a->id, .attempt = a->attempt, .ok = ok,
			       .bad_record = -1, .counters = c, .ncounters = n };

	return job_report(job, &r, 0);
}

/* Only the attempt that finished a task counts; names are copied. */
static void test_counters_of_winner(void **state)
{
	char name[16] = "words";
	struct job_counter win[2] = { { name, 7 }, { "maps", 1 } }, lose[1] = { { "words", 1000 } };
	struct job_counter totals[4];
	struct assignment maps[10], b, f;
	struct job job;

	(void)state;
	straggler_job(&job, maps, 1);
	b = give_map(&job, TIMEOUT / 2 + 1);
	assert_int_equal(b.id, 9);
	/* the backup wins; the primary's later success and its counters are ignored */
	assert_int_equal(report_counted(&job, &b, 1, win, 2), REPORT_ACCEPTED);
	strcpy(name, "XXXXX");
	assert_int_equal(report_counted(&job, &maps[9], 1, lose, 1), REPORT_IGNORED);
	assert_int_equal(job.tasks[9].ncounters, 2);
	assert_string_equal(job.tasks[9].counters[0].name, "words");
	assert_int_equal(job.tasks[9].counters[0].value, 7);
	/* a failed attempt's counters are not kept either */
	f = give_reduce(&job, TIMEOUT);
	assert_int_equal(report_counted(&job, &f, 0, lose, 1), REPORT_ACCEPTED);
	assert_int_equal(job.tasks[10].ncounters, 0);
	assert_int_equal(job_counter_totals(&job, totals, 4), 2);
	assert_string_equal(totals[0].name, "words");
	assert_int_equal(totals[0].value, 7);
	job_release(&job);
}

/* ---- whose fault a failure was ------------------------------------------- */

static enum report_result report_fault(struct job *job, const struct assignment *a,
				       enum attempt_fault fault, const char *errmsg,
				       int64_t bad_record)
{
	struct report_in r = { .kind = a->kind == ASSIGN_MAP ? KIND_MAP : KIND_REDUCE,
			       .id = a->id, .attempt = a->attempt, .ok = 0,
			       .errmsg = errmsg, .fault = fault, .bad_record = bad_record };

	return job_report(job, &r, 0);
}

/* Each failed attempt keeps its fault and text; counts split by fault. */
static void test_failure_fault_kept(void **state)
{
	struct job_config c = config(1, 4);
	struct assignment a;
	const struct task *t;
	struct job job;

	(void)state;
	job_init(&job, file1, 1, &c);
	t = &job.tasks[0];
	a = give_map(&job, 0);
	assert_int_equal(report_fault(&job, &a, FAULT_PLUGIN, "map returned -1", -1),
			 REPORT_ACCEPTED);
	a = give_map(&job, 0);
	assert_int_equal(report_fault(&job, &a, FAULT_ENGINE, "cannot read", -1),
			 REPORT_ACCEPTED);
	a = give_map(&job, 0);
	assert_int_equal(report_fault(&job, &a, FAULT_UNKNOWN, NULL, -1), REPORT_ACCEPTED);
	a = give_map(&job, 0);
	done(&job, &a);
	assert_int_equal(t->nhist, 4);
	assert_int_equal(t->hist[0].outcome, ATTEMPT_FAILED);
	assert_int_equal(t->hist[0].fault, FAULT_PLUGIN);
	assert_string_equal(t->hist[0].error, "map returned -1");
	assert_int_equal(t->hist[1].fault, FAULT_ENGINE);
	assert_string_equal(t->hist[1].error, "cannot read");
	assert_int_equal(t->hist[2].fault, FAULT_UNKNOWN);
	assert_true(strlen(t->hist[2].error) > 0);
	assert_int_equal(t->hist[3].outcome, ATTEMPT_DONE);
	assert_null(t->hist[3].error);
	assert_int_equal(t->failures, 3);
	assert_int_equal(t->plugin_failures, 1);
	assert_int_equal(t->engine_failures, 1);
	assert_int_equal(job.failed_reports, 3);
	assert_int_equal(job.failed_plugin, 1);
	assert_int_equal(job.failed_engine, 1);
	assert_string_equal(t->last_error, "(no reason given)");
	job_release(&job); /* frees every attempt's text */
}

/* The job fails on the max_attempts-th failure whatever the mix of faults. */
static void test_failure_fault_mixed_limit(void **state)
{
	struct job_config c = config(1, 3);
	enum attempt_fault faults[3] = { FAULT_ENGINE, FAULT_PLUGIN, FAULT_ENGINE };
	struct assignment a;
	struct job job;

	(void)state;
	job_init(&job, file1, 1, &c);
	for (int i = 0; i < 3; i++) {
		assert_false(job_finished(&job));
		a = give_map(&job, 0);
		assert_int_equal(report_fault(&job, &a, faults[i], "x", -1), REPORT_ACCEPTED);
	}
	assert_int_equal(job.phase, PHASE_FAILED);
	assert_int_equal(job.tasks[0].engine_failures, 2);
	assert_int_equal(job.tasks[0].plugin_failures, 1);
	job_release(&job);
}

/* A skipped bad record's failure is in the attempt's record but not counted. */
static void test_failure_fault_skipped(void **state)
{
	struct job_config c = config(1, 4);
	struct assignment a;
	struct job job;

	(void)state;
	c.skip_bad_records = 1;
	job_init(&job, file1, 1, &c);
	a = give_map(&job, 0);
	assert_int_equal(report_fault(&job, &a, FAULT_PLUGIN, "SIGSEGV", 42), REPORT_ACCEPTED);
	assert_int_equal(job.tasks[0].hist[0].fault, FAULT_PLUGIN);
	assert_string_equal(job.tasks[0].hist[0].error, "SIGSEGV");
	assert_int_equal(job.tasks[0].failures, 0);
	assert_int_equal(job.tasks[0].plugin_failures, 0);
	assert_int_equal(job.failed_plugin, 0);
	assert_null(job.tasks[0].last_error);
	job_release(&job);
}

/* ---- TCP workers: lost workers, re-run maps, fetch failures (paper 3.3) ---- */

enum { W1 = 101, W2 = 102, W3 = 103, W4 = 104 };

static void see_workers(struct job *job)
{
	job_worker_seen(job, W1, "10.0.0.1:7001");
	job_worker_seen(job, W2, "10.0.0.2:7002");
	job_worker_seen(job, W3, "10.0.0.3:7003");
	job_worker_seen(job, W4, "10.0.0.4:7004");
}

/* Hand out the next task to TCP worker `w`. */
static struct assignment give_to(struct job *job, int64_t now, uint64_t w)
{
	struct assignment a;

	memset(&a, 0x5a, sizeof(a));
	job_assign_worker(job, now, (int)(4000 + w), w, &a);
	return a;
}

/* The task records `w` as the worker of attempt `a` (a primary or a backup). */
static void check_given_to(const struct task *t, const struct assignment *a, uint64_t w)
{
	if (a->attempt == t->backup)
		assert_int_equal(t->backup_worker, w);
	else {
		assert_int_equal(t->attempt, a->attempt);
		assert_int_equal(t->worker, w);
	}
}

static struct assignment map_to(struct job *job, int64_t now, uint64_t w)
{
	struct assignment a = give_to(job, now, w);

	assert_int_equal(a.kind, ASSIGN_MAP);
	check_given_to(&job->tasks[a.id], &a, w);
	return a;
}

static struct assignment reduce_to(struct job *job, int64_t now, uint64_t w)
{
	struct assignment a = give_to(job, now, w);

	assert_int_equal(a.kind, ASSIGN_REDUCE);
	check_given_to(&job->tasks[job->nmap + a.id], &a, w);
	return a;
}

static void expect_wait_to(struct job *job, int64_t now, uint64_t w)
{
	struct assignment a = give_to(job, now, w);

	assert_int_equal(a.kind, ASSIGN_WAIT);
}

/* Reduce attempt `a` failed: it could not fetch map `map`'s run, for `why`. */
static enum report_result report_fetch(struct job *job, const struct assignment *a,
				       enum lost_reason why, int map)
{
	struct report_in r = { .kind = KIND_REDUCE, .id = a->id, .attempt = a->attempt,
			       .ok = 0, .errmsg = "cannot fetch", .fault = FAULT_ENGINE,
			       .bad_record = -1, .worker = job->tasks[job->nmap + a->id].worker,
			       .fetch = why, .fetch_map = map };

	return job_report(job, &r, 0);
}

/* How many times task `index` is in the idle queue. */
static int queued(const struct job *job, uint32_t index)
{
	int n = 0;

	for (size_t i = 0; i < job->qlen; i++)
		n += job->queue[(job->qhead + i) % job->qcap] == index;
	return n;
}

/* The record of attempt `attempt` of task t (it must exist). */
static const struct attempt_rec *rec_of(const struct task *t, uint64_t attempt)
{
	for (size_t i = 0; i < t->nhist; i++)
		if (t->hist[i].attempt == attempt)
			return &t->hist[i];
	unit_fail("no record of attempt %llu", (unsigned long long)attempt);
}

/*
 * A TCP job over files10: nmap maps handed out at 0, the k-th to worker
 * holders[k] (maps[k]; its map id is maps[k].id), all done at 10.
 */
static void tcp_job(struct job *job, int nmap, int nreduce, unsigned max_attempts,
		    const uint64_t *holders, struct assignment *maps)
{
	struct job_config c = config(nreduce, max_attempts);

	job_init(job, files10, nmap, &c);
	see_workers(job);
	for (int k = 0; k < nmap; k++)
		maps[k] = map_to(job, 0, holders[k]);
	for (int k = 0; k < nmap; k++) {
		assert_int_equal(report_at(job, &maps[k], 1, 10), REPORT_ACCEPTED);
		assert_int_equal(job_map_holder(job, maps[k].id), holders[k]);
	}
	assert_int_equal(job->phase, PHASE_REDUCE);
}

/*
 * A worker holding map output is lost in the reduce phase: exactly its maps
 * run again, the phase goes back to MAP, askers get those maps and then
 * WAIT (not the idle reduce), and the reduce phase resumes afterwards with
 * no reduce handed out twice.
 */
static void test_lost_worker_reduce_phase(void **state)
{
	const uint64_t holders[4] = { W1, W2, W1, W2 };
	struct assignment maps[4], r[3], a, b;
	int rid_seen[3] = { 0 };
	struct job job;

	(void)state;
	tcp_job(&job, 4, 3, 4, holders, maps);
	r[0] = reduce_to(&job, 20, W3);
	assert_int_equal(report_at(&job, &r[0], 1, 25), REPORT_ACCEPTED);
	r[1] = reduce_to(&job, 20, W3);                 /* still running */
	/* the third reduce is idle in the queue */
	assert_int_equal(job_worker_lost(&job, W1, 30), 2);
	assert_int_equal(job.phase, PHASE_MAP);
	assert_int_equal(job.workers_lost, 1);
	assert_int_equal(job.reexecuted, 2);
	assert_int_equal(job.reissued, 0);              /* nothing of W1's was running */
	assert_int_equal(job.maps_done, 2);
	for (int k = 0; k < 4; k++) {
		const struct task *t = &job.tasks[maps[k].id];
		const struct attempt_rec *rec = rec_of(t, maps[k].attempt);

		assert_int_equal(rec->outcome, ATTEMPT_DONE);
		assert_int_equal(rec->worker, holders[k]);
		if (holders[k] == W1) {
			assert_int_equal(t->state, TASK_IDLE);
			assert_int_equal(queued(&job, (uint32_t)maps[k].id), 1);
			assert_int_equal(job_map_holder(&job, maps[k].id), 0);
			assert_int_equal(rec->lost, LOST_WORKER);
		} else {
			assert_int_equal(t->state, TASK_DONE);
			assert_int_equal(queued(&job, (uint32_t)maps[k].id), 0);
			assert_int_equal(job_map_holder(&job, maps[k].id), W2);
			assert_int_equal(rec->lost, LOST_NONE);
		}
	}
	assert_int_equal(job.tasks[4 + r[0].id].state, TASK_DONE);
	assert_int_equal(job.tasks[4 + r[1].id].state, TASK_RUNNING);
	assert_int_equal(job.tasks[4 + r[1].id].attempt, r[1].attempt);
	for (uint32_t i = 4; i < 7; i++)
		assert_int_equal(queued(&job, i), job.tasks[i].state == TASK_IDLE);
	assert_int_equal(job.qlen, 3);
	/* askers get the two lost maps, then WAIT: the idle reduce must wait for them */
	a = map_to(&job, 40, W2);
	b = map_to(&job, 40, W3);
	assert_true((a.id == maps[0].id && b.id == maps[2].id) ||
		    (a.id == maps[2].id && b.id == maps[0].id));
	assert_true(a.attempt > r[1].attempt && b.attempt > a.attempt);
	expect_wait_to(&job, 41, W4);
	expect_wait_to(&job, 42, W2);
	assert_int_equal(report_at(&job, &a, 1, 50), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_MAP);
	expect_wait_to(&job, 51, W4);
	/* the lost first attempt's late report changes nothing */
	assert_int_equal(report_at(&job, &maps[2], 1, 52), REPORT_IGNORED);
	assert_int_equal(report_at(&job, &b, 1, 60), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_REDUCE);
	assert_int_equal(job_map_holder(&job, a.id), W2);
	assert_int_equal(job_map_holder(&job, b.id), W3);
	/* the reduce phase resumes: the one idle reduce, once */
	r[2] = reduce_to(&job, 70, W4);
	for (int i = 0; i < 3; i++) {
		assert_false(rid_seen[r[i].id]);
		rid_seen[r[i].id] = 1;
	}
	expect_wait_to(&job, 71, W2);
	expect_wait_to(&job, 72, W3);
	assert_int_equal(report_at(&job, &r[1], 1, 80), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_REDUCE);
	assert_int_equal(report_at(&job, &r[2], 1, 90), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_DONE);
	for (uint32_t i = 4; i < 7; i++)
		assert_int_equal(job.tasks[i].handed_out, 1);
	assert_int_equal(job.reexecuted, 2);
	assert_int_equal(job.workers_lost, 1);
	expect_exit(&job, 100);
	job_release(&job);
}

/* A worker holding finished maps is lost in the (first) map phase: they run again. */
static void test_lost_worker_map_phase(void **state)
{
	struct job_config c = config(2, 4);
	struct assignment m[3], a, b, r;
	struct job job;

	(void)state;
	job_init(&job, files3, 3, &c);
	see_workers(&job);
	m[0] = map_to(&job, 0, W1);
	m[1] = map_to(&job, 0, W1);
	m[2] = map_to(&job, 0, W2);
	assert_int_equal(report_at(&job, &m[0], 1, 10), REPORT_ACCEPTED);
	assert_int_equal(report_at(&job, &m[1], 1, 10), REPORT_ACCEPTED);
	assert_int_equal(job_worker_lost(&job, W1, 20), 2);
	assert_int_equal(job.phase, PHASE_MAP);
	assert_int_equal(job.reexecuted, 2);
	assert_int_equal(rec_of(&job.tasks[m[0].id], m[0].attempt)->lost, LOST_WORKER);
	assert_int_equal(rec_of(&job.tasks[m[1].id], m[1].attempt)->lost, LOST_WORKER);
	assert_int_equal(report_at(&job, &m[2], 1, 30), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_MAP);         /* two maps are not done */
	a = map_to(&job, 30, W3);
	b = map_to(&job, 30, W3);
	expect_wait_to(&job, 31, W4);
	assert_int_equal(report_at(&job, &a, 1, 40), REPORT_ACCEPTED);
	assert_int_equal(report_at(&job, &b, 1, 40), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_REDUCE);
	/* both reduces queued, once each */
	r = reduce_to(&job, 50, W2);
	assert_int_not_equal(reduce_to(&job, 50, W3).id, r.id);
	expect_wait_to(&job, 51, W4);
	job_release(&job);
}

/* Ten maps out at 0, nine to W2 done at 100, the tenth to `slow`; a backup to `bw`. */
static struct assignment straggler_tcp(struct job *job, struct assignment *maps,
				       uint64_t slow, uint64_t bw)
{
	struct job_config c = config(1, 4);
	struct assignment b;

	c.backup = 1;
	job_init(job, files10, 10, &c);
	see_workers(job);
	for (int i = 0; i < 9; i++)
		maps[i] = map_to(job, 0, W2);
	maps[9] = map_to(job, 0, slow);
	for (int i = 0; i < 9; i++)
		assert_int_equal(report_at(job, &maps[i], 1, 100), REPORT_ACCEPTED);
	b = map_to(job, TIMEOUT / 2 + 1, bw);
	assert_int_equal(b.id, maps[9].id);
	assert_int_equal(job->tasks[b.id].backup, b.attempt);
	assert_int_equal(job->tasks[b.id].backup_worker, bw);
	assert_int_equal(rec_of(&job->tasks[b.id], b.attempt)->worker, bw);
	return b;
}

/*
 * A lost worker's running attempts are re-issued at once, as timed out;
 * a task's other live attempt, on another worker, goes on.
 */
static void test_lost_worker_running_attempts(void **state)
{
	struct assignment maps[10], b, a, m[3], r0, r1;
	const struct task *t;
	struct job job;

	(void)state;
	/* the primary's worker is lost: the backup goes on */
	b = straggler_tcp(&job, maps, W1, W3);
	t = &job.tasks[b.id];
	assert_int_equal(job_worker_lost(&job, W1, 600), 0);
	assert_int_equal(t->state, TASK_RUNNING);
	assert_int_equal(t->attempt, b.attempt);
	assert_int_equal(t->worker, W3);
	assert_int_equal(t->backup, 0);
	assert_int_equal(job.qlen, 0);
	assert_int_equal(job.reissued, 0);
	assert_int_equal(rec_of(t, maps[9].attempt)->outcome, ATTEMPT_TIMED_OUT);
	assert_int_equal(rec_of(t, maps[9].attempt)->end_ms, 600);
	assert_int_equal(rec_of(t, b.attempt)->outcome, ATTEMPT_RUNNING);
	expect_wait_to(&job, 601, W4);
	assert_int_equal(report_at(&job, &maps[9], 1, 602), REPORT_IGNORED);
	assert_int_equal(report_at(&job, &b, 1, 603), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_REDUCE);
	assert_int_equal(job_map_holder(&job, b.id), W3);
	job_release(&job);

	/* the backup's worker is lost: the primary goes on */
	b = straggler_tcp(&job, maps, W1, W3);
	t = &job.tasks[b.id];
	assert_int_equal(job_worker_lost(&job, W3, 600), 0);
	assert_int_equal(t->state, TASK_RUNNING);
	assert_int_equal(t->attempt, maps[9].attempt);
	assert_int_equal(t->worker, W1);
	assert_int_equal(t->backup, 0);
	assert_int_equal(job.qlen, 0);
	assert_int_equal(job.reissued, 0);
	assert_int_equal(rec_of(t, b.attempt)->outcome, ATTEMPT_TIMED_OUT);
	assert_int_equal(rec_of(t, maps[9].attempt)->outcome, ATTEMPT_RUNNING);
	assert_int_equal(report_at(&job, &b, 1, 602), REPORT_IGNORED);
	assert_int_equal(report_at(&job, &maps[9], 1, 603), REPORT_ACCEPTED);
	assert_int_equal(job_map_holder(&job, b.id), W1);
	job_release(&job);

	/* both attempts on the lost worker: re-issued at once, no deadline needed */
	b = straggler_tcp(&job, maps, W1, W1);
	t = &job.tasks[b.id];
	assert_int_equal(job_worker_lost(&job, W1, 600), 0);
	assert_int_equal(t->state, TASK_IDLE);
	assert_int_equal(queued(&job, (uint32_t)b.id), 1);
	assert_int_equal(job.qlen, 1);
	assert_int_equal(job.reissued, 1);
	assert_int_equal(rec_of(t, maps[9].attempt)->outcome, ATTEMPT_TIMED_OUT);
	assert_int_equal(rec_of(t, b.attempt)->outcome, ATTEMPT_TIMED_OUT);
	a = map_to(&job, 601, W4);
	assert_int_equal(a.id, b.id);
	assert_true(a.attempt > b.attempt);
	assert_int_equal(report_at(&job, &maps[9], 1, 602), REPORT_IGNORED);
	assert_int_equal(report_at(&job, &b, 1, 602), REPORT_IGNORED);
	assert_int_equal(report_at(&job, &a, 1, 603), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_REDUCE);
	assert_int_equal(job_map_holder(&job, a.id), W4);
	job_release(&job);

	/* a running map, then a running reduce, without backups */
	{
		struct job_config c = config(2, 4);

		job_init(&job, files3, 3, &c);
	}
	see_workers(&job);
	m[0] = map_to(&job, 0, W1);
	m[1] = map_to(&job, 0, W2);
	m[2] = map_to(&job, 0, W2);
	assert_int_equal(job_worker_lost(&job, W1, 5), 0);
	t = &job.tasks[m[0].id];
	assert_int_equal(t->state, TASK_IDLE);
	assert_int_equal(queued(&job, (uint32_t)m[0].id), 1);
	assert_int_equal(job.reissued, 1);
	assert_int_equal(job.reexecuted, 0);
	assert_int_equal(rec_of(t, m[0].attempt)->outcome, ATTEMPT_TIMED_OUT);
	assert_int_equal(job.tasks[m[1].id].state, TASK_RUNNING);
	/* at once: the next asker gets it, no job_expire needed */
	a = map_to(&job, 6, W3);
	assert_int_equal(a.id, m[0].id);
	assert_true(a.attempt > m[2].attempt);
	assert_int_equal(report_at(&job, &m[0], 1, 7), REPORT_IGNORED);
	for (int i = 1; i < 3; i++)
		assert_int_equal(report_at(&job, &m[i], 1, 10), REPORT_ACCEPTED);
	assert_int_equal(report_at(&job, &a, 1, 10), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_REDUCE);
	r0 = reduce_to(&job, 20, W4);
	r1 = reduce_to(&job, 20, W2);
	assert_int_equal(job_worker_lost(&job, W4, 25), 0);   /* W4 holds no map */
	assert_int_equal(job.phase, PHASE_REDUCE);
	assert_int_equal(job.reissued, 2);
	t = &job.tasks[3 + r0.id];
	assert_int_equal(t->state, TASK_IDLE);
	assert_int_equal(rec_of(t, r0.attempt)->outcome, ATTEMPT_TIMED_OUT);
	assert_int_equal(t->failures, 0);
	assert_int_equal(job.tasks[3 + r1.id].state, TASK_RUNNING);
	a = reduce_to(&job, 26, W3);
	assert_int_equal(a.id, r0.id);
	assert_true(a.attempt > r1.attempt);
	expect_wait_to(&job, 27, W2);
	assert_int_equal(report_at(&job, &r0, 1, 28), REPORT_IGNORED);
	assert_int_equal(report_at(&job, &a, 1, 29), REPORT_ACCEPTED);
	assert_int_equal(report_at(&job, &r1, 1, 29), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_DONE);
	assert_int_equal(job.workers_lost, 2);
	job_release(&job);
}

/* The statistics a lost worker or a fetch failure moves, for "nothing changed" checks. */
struct tcp_snap {
	struct snap s;
	unsigned long reexecuted, workers_lost, fetch_failures;
	int maps_done, reduces_done;
};

static void tcp_snap_take(const struct job *job, struct tcp_snap *ts)
{
	snap_take(job, &ts->s);
	ts->reexecuted = job->reexecuted;
	ts->workers_lost = job->workers_lost;
	ts->fetch_failures = job->fetch_failures;
	ts->maps_done = job->maps_done;
	ts->reduces_done = job->reduces_done;
}

/* Nothing changed but workers_lost, by `lost` (-1: not checked). */
static void tcp_snap_check(const struct job *job, struct tcp_snap *ts, long lost)
{
	snap_check(job, &ts->s, 0);
	for (int i = 0; i < job->nmap; i++) {
		assert_int_equal(job->tasks[i].holder, ts->s.tasks[i].holder);
		for (size_t k = 0; k < job->tasks[i].nhist; k++)
			assert_int_equal(job->tasks[i].hist[k].lost, LOST_NONE);
	}
	assert_int_equal(job->reexecuted, ts->reexecuted);
	if (lost >= 0)
		assert_int_equal(job->workers_lost, ts->workers_lost + (unsigned long)lost);
	assert_int_equal(job->fetch_failures, ts->fetch_failures);
	assert_int_equal(job->maps_done, ts->maps_done);
	assert_int_equal(job->reduces_done, ts->reduces_done);
	snap_free(&ts->s);
}

/*
 * Nothing runs again when every reduce is done, for a worker holding
 * nothing, for worker 0 (a Unix-socket job's), for an unknown id, or for a
 * worker lost a second time.
 */
static void test_lost_worker_nothing_to_rerun(void **state)
{
	const uint64_t holders[3] = { W1, W2, W1 };
	struct job_config c = config(2, 4);
	struct assignment maps[3], maps10[10], r, m, b;
	struct tcp_snap ts;
	struct job job;

	(void)state;
	/* every reduce done: the job is over, W1's maps are not needed */
	tcp_job(&job, 3, 1, 4, holders, maps);
	r = reduce_to(&job, 20, W3);
	assert_int_equal(report_at(&job, &r, 1, 30), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_DONE);
	tcp_snap_take(&job, &ts);
	assert_int_equal(job_worker_lost(&job, W1, 40), 0);
	assert_int_equal(job_worker_lost(&job, W3, 40), 0);
	tcp_snap_check(&job, &ts, -1);
	assert_int_equal(job.phase, PHASE_DONE);
	expect_exit(&job, 41);
	job_release(&job);

	/* mid-reduce: W4 holds nothing, 0 and 999 are nobody */
	tcp_job(&job, 3, 2, 4, holders, maps);
	r = reduce_to(&job, 20, W3);
	tcp_snap_take(&job, &ts);
	assert_int_equal(job_worker_lost(&job, W4, 30), 0);
	tcp_snap_check(&job, &ts, 1);
	tcp_snap_take(&job, &ts);
	assert_int_equal(job_worker_lost(&job, 0, 30), 0);
	assert_int_equal(job_worker_lost(&job, 999, 30), 0);
	tcp_snap_check(&job, &ts, 0);
	/* W1 is lost: its two maps; then lost again: nothing more */
	assert_int_equal(job_worker_lost(&job, W1, 31), 2);
	assert_int_equal(job.reexecuted, 2);
	assert_int_equal(job.workers_lost, 2);
	tcp_snap_take(&job, &ts);
	assert_int_equal(job_worker_lost(&job, W1, 32), 0);
	snap_check(&job, &ts.s, 0);
	assert_int_equal(job.reexecuted, 2);
	assert_int_equal(job.workers_lost, 2);
	snap_free(&ts.s);
	assert_int_equal(queued(&job, (uint32_t)maps[0].id), 1);
	assert_int_equal(queued(&job, (uint32_t)maps[2].id), 1);
	job_release(&job);

	/* W1's attempt was superseded by W3's backup: W3 holds the output, W1 nothing */
	b = straggler_tcp(&job, maps10, W1, W3);
	assert_int_equal(report_at(&job, &b, 1, 600), REPORT_ACCEPTED);
	reduce_to(&job, 601, W4);
	tcp_snap_take(&job, &ts);
	assert_int_equal(job_worker_lost(&job, W1, 602), 0);
	tcp_snap_check(&job, &ts, 1);
	assert_int_equal(rec_of(&job.tasks[b.id], maps10[9].attempt)->outcome,
			 ATTEMPT_SUPERSEDED);
	assert_int_equal(job_worker_lost(&job, W3, 603), 1);
	assert_int_equal(job.tasks[b.id].state, TASK_IDLE);
	assert_int_equal(rec_of(&job.tasks[b.id], b.attempt)->lost, LOST_WORKER);
	assert_int_equal(job.reexecuted, 1);
	job_release(&job);

	/* a Unix-socket job: every task's worker is 0, and 0 is never lost */
	job_init(&job, files3, 3, &c);
	for (int i = 0; i < 3; i++) {
		m = give_map(&job, 0);
		done(&job, &m);
		assert_int_equal(job_map_holder(&job, m.id), 0);
	}
	r = give_reduce(&job, 1);
	tcp_snap_take(&job, &ts);
	assert_int_equal(job_worker_lost(&job, 0, 2), 0);
	tcp_snap_check(&job, &ts, 0);
	assert_int_equal(job.phase, PHASE_REDUCE);
	assert_int_equal(job.tasks[3 + r.id].state, TASK_RUNNING);
	job_release(&job);
}

/*
 * A running reduce whose inputs were lost meanwhile still finishes: its
 * report is accepted, and the job ends once every reduce is done, even
 * with a re-run map still running.
 */
static void test_lost_inputs_running_reduce_finishes(void **state)
{
	const uint64_t holders[2] = { W1, W2 };
	struct assignment maps[2], ra, rb, rc, m;
	struct job job;

	(void)state;
	tcp_job(&job, 2, 2, 4, holders, maps);
	ra = reduce_to(&job, 20, W2);
	rb = reduce_to(&job, 20, W3);
	assert_int_equal(job_worker_lost(&job, W1, 30), 1);
	assert_int_equal(job.phase, PHASE_MAP);
	assert_int_equal(report_at(&job, &ra, 1, 35), REPORT_ACCEPTED);
	assert_int_equal(job.tasks[2 + ra.id].state, TASK_DONE);
	assert_int_equal(job.phase, PHASE_MAP);
	assert_false(job_finished(&job));
	m = map_to(&job, 40, W4);
	assert_int_equal(m.id, maps[0].id);
	expect_wait_to(&job, 41, W2);
	assert_int_equal(report_at(&job, &rb, 1, 45), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_DONE);
	assert_true(job_finished(&job));
	assert_int_equal(job.failed_task, -1);
	expect_exit(&job, 46);
	/* the re-run map is no longer needed: its report is ignored */
	assert_int_equal(report_at(&job, &m, 1, 50), REPORT_IGNORED);
	job_release(&job);

	/* one reduce finishes during the re-run, the other is handed out after it */
	tcp_job(&job, 2, 2, 4, holders, maps);
	ra = reduce_to(&job, 20, W2);
	assert_int_equal(job_worker_lost(&job, W1, 30), 1);
	m = map_to(&job, 31, W3);
	assert_int_equal(report_at(&job, &ra, 1, 35), REPORT_ACCEPTED);
	expect_wait_to(&job, 36, W2);           /* the other reduce waits for the map */
	assert_int_equal(report_at(&job, &m, 1, 40), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_REDUCE);
	rc = reduce_to(&job, 41, W2);
	assert_int_not_equal(rc.id, ra.id);
	expect_wait_to(&job, 42, W3);
	assert_int_equal(report_at(&job, &rc, 1, 50), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_DONE);
	job_release(&job);
}

/* LOST_MISSING and LOST_CORRUPT re-run the map at once; the reduce goes back. */
static void test_fetch_missing_corrupt(void **state)
{
	const uint64_t holders[2] = { W1, W2 };
	struct assignment maps[2], r0, r1, m;
	const struct task *rt;
	struct job job;

	(void)state;
	tcp_job(&job, 2, 2, 2, holders, maps);
	r0 = reduce_to(&job, 20, W3);
	r1 = reduce_to(&job, 20, W4);
	assert_int_equal(report_fetch(&job, &r0, LOST_MISSING, maps[0].id), REPORT_ACCEPTED);
	assert_int_equal(job.fetch_failures, 1);
	assert_int_equal(job.reexecuted, 1);
	assert_int_equal(job.phase, PHASE_MAP);
	assert_int_equal(job.tasks[maps[0].id].state, TASK_IDLE);
	assert_int_equal(queued(&job, (uint32_t)maps[0].id), 1);
	assert_int_equal(rec_of(&job.tasks[maps[0].id], maps[0].attempt)->lost, LOST_MISSING);
	assert_int_equal(job.tasks[maps[1].id].state, TASK_DONE);
	assert_int_equal(job_map_holder(&job, maps[1].id), W2);
	/* the reduce went back to the queue, its failure not counted */
	rt = &job.tasks[2 + r0.id];
	assert_int_equal(rt->state, TASK_IDLE);
	assert_int_equal(queued(&job, (uint32_t)(2 + r0.id)), 1);
	assert_int_equal(rt->failures, 0);
	assert_int_equal(job.failed_reports, 0);
	assert_int_equal(rec_of(rt, r0.attempt)->outcome, ATTEMPT_FAILED);
	/* the map first, then WAIT */
	m = map_to(&job, 30, W4);
	assert_int_equal(m.id, maps[0].id);
	expect_wait_to(&job, 31, W3);
	assert_int_equal(report_at(&job, &m, 1, 40), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_REDUCE);
	assert_int_equal(job_map_holder(&job, m.id), W4);
	r0 = reduce_to(&job, 41, W3);
	/* the other reduce: map 1's run arrived damaged */
	assert_int_equal(report_fetch(&job, &r1, LOST_CORRUPT, maps[1].id), REPORT_ACCEPTED);
	assert_int_equal(job.fetch_failures, 2);
	assert_int_equal(job.reexecuted, 2);
	assert_int_equal(job.phase, PHASE_MAP);
	assert_int_equal(rec_of(&job.tasks[maps[1].id], maps[1].attempt)->lost, LOST_CORRUPT);
	assert_int_equal(job.tasks[2 + r1.id].failures, 0);
	m = map_to(&job, 50, W3);
	assert_int_equal(m.id, maps[1].id);
	assert_int_equal(report_at(&job, &m, 1, 60), REPORT_ACCEPTED);
	r1 = reduce_to(&job, 61, W4);
	assert_int_equal(report_at(&job, &r0, 1, 70), REPORT_ACCEPTED);
	assert_int_equal(report_at(&job, &r1, 1, 70), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_DONE);
	assert_int_equal(job.failed_reports, 0);
	job_release(&job);
}

/*
 * LOST_UNREACHABLE re-runs the map only when a second, different reduce
 * reports it; the same reduce twice does not.  A report naming a map that
 * runs again already re-runs nothing more.
 */
static void test_fetch_unreachable(void **state)
{
	const uint64_t holders[2] = { W1, W2 };
	struct assignment maps[2], r[3], a, m;
	int mid;
	struct job job;

	(void)state;
	tcp_job(&job, 2, 3, 4, holders, maps);
	mid = maps[0].id;
	/* r[] by reduce id: A = 0, B = 1, C = 2 */
	for (int i = 0; i < 3; i++) {
		a = reduce_to(&job, 20, W3);
		r[a.id] = a;
	}
	assert_int_equal(report_fetch(&job, &r[0], LOST_UNREACHABLE, mid), REPORT_ACCEPTED);
	assert_int_equal(job.fetch_failures, 1);
	assert_int_equal(job.reexecuted, 0);
	assert_int_equal(job.phase, PHASE_REDUCE);
	assert_int_equal(job.tasks[mid].state, TASK_DONE);
	assert_int_equal(job_map_holder(&job, mid), W1);
	assert_int_equal(rec_of(&job.tasks[mid], maps[0].attempt)->lost, LOST_NONE);
	assert_int_equal(job.tasks[2 + 0].state, TASK_IDLE);
	assert_int_equal(queued(&job, 2 + 0), 1);
	/* the same reduce again */
	r[0] = reduce_to(&job, 21, W4);
	assert_int_equal(r[0].id, 0);
	assert_int_equal(report_fetch(&job, &r[0], LOST_UNREACHABLE, mid), REPORT_ACCEPTED);
	assert_int_equal(job.fetch_failures, 2);
	assert_int_equal(job.reexecuted, 0);
	assert_int_equal(job.phase, PHASE_REDUCE);
	assert_int_equal(job.tasks[mid].state, TASK_DONE);
	/* B cannot reach the other map: that does not add up with A's report */
	assert_int_equal(report_fetch(&job, &r[1], LOST_UNREACHABLE, maps[1].id),
			 REPORT_ACCEPTED);
	assert_int_equal(job.reexecuted, 0);
	assert_int_equal(job.tasks[maps[1].id].state, TASK_DONE);
	for (int i = 0; i < 2; i++) {
		a = reduce_to(&job, 22, W4);
		r[a.id] = a;
	}
	expect_wait_to(&job, 22, W4);
	/* C, a second, different reduce: now it runs again */
	assert_int_equal(report_fetch(&job, &r[2], LOST_UNREACHABLE, mid), REPORT_ACCEPTED);
	assert_int_equal(job.fetch_failures, 4);
	assert_int_equal(job.reexecuted, 1);
	assert_int_equal(job.phase, PHASE_MAP);
	assert_int_equal(job.tasks[mid].state, TASK_IDLE);
	assert_int_equal(job.tasks[maps[1].id].state, TASK_DONE);
	assert_int_equal(rec_of(&job.tasks[mid], maps[0].attempt)->lost, LOST_UNREACHABLE);
	/* reports naming it while it is idle, then running, again: nothing more */
	assert_int_equal(report_fetch(&job, &r[1], LOST_MISSING, mid), REPORT_ACCEPTED);
	assert_int_equal(job.fetch_failures, 5);
	assert_int_equal(job.reexecuted, 1);
	assert_int_equal(queued(&job, (uint32_t)mid), 1);
	m = map_to(&job, 30, W4);
	assert_int_equal(m.id, mid);
	expect_wait_to(&job, 30, W3);
	assert_int_equal(report_fetch(&job, &r[0], LOST_CORRUPT, mid), REPORT_ACCEPTED);
	assert_int_equal(job.fetch_failures, 6);
	assert_int_equal(job.reexecuted, 1);
	assert_int_equal(job.tasks[mid].state, TASK_RUNNING);
	assert_int_equal(job.tasks[mid].attempt, m.attempt);
	assert_int_equal(queued(&job, (uint32_t)mid), 0);
	assert_int_equal(job.tasks[mid].nhist, 2);
	assert_int_equal(rec_of(&job.tasks[mid], m.attempt)->outcome, ATTEMPT_RUNNING);
	assert_int_equal(job.failed_reports, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(job.tasks[2 + i].failures, 0);
	/* done again, on W4: reports about W1 no longer count; B's is the first about W4 */
	assert_int_equal(report_at(&job, &m, 1, 40), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_REDUCE);
	for (int i = 0; i < 3; i++) {
		a = reduce_to(&job, 41, W3);
		r[a.id] = a;
	}
	assert_int_equal(report_fetch(&job, &r[1], LOST_UNREACHABLE, mid), REPORT_ACCEPTED);
	assert_int_equal(job.reexecuted, 1);
	assert_int_equal(job.tasks[mid].state, TASK_DONE);
	assert_int_equal(report_fetch(&job, &r[2], LOST_UNREACHABLE, mid), REPORT_ACCEPTED);
	assert_int_equal(job.reexecuted, 2);
	assert_int_equal(job.tasks[mid].state, TASK_IDLE);
	assert_int_equal(rec_of(&job.tasks[mid], m.attempt)->lost, LOST_UNREACHABLE);
	job_release(&job);
}

/* Fetch failures never count towards max_attempts; stale ones are ignored. */
static void test_fetch_failure_not_counted(void **state)
{
	const uint64_t holders[1] = { W1 };
	static const enum lost_reason why[3] = { LOST_MISSING, LOST_CORRUPT, LOST_UNREACHABLE };
	struct assignment maps[1], r, m, old;
	struct tcp_snap ts;
	struct job job;

	(void)state;
	tcp_job(&job, 1, 1, 2, holders, maps);
	/* re-running reasons, five times, max_attempts 2 */
	for (int i = 0; i < 5; i++) {
		r = reduce_to(&job, 10 * i, W2);
		assert_int_equal(report_fetch(&job, &r, why[i % 2], 0), REPORT_ACCEPTED);
		assert_false(job_finished(&job));
		assert_int_equal(job.phase, PHASE_MAP);
		m = map_to(&job, 10 * i + 1, W3);
		assert_int_equal(report_at(&job, &m, 1, 10 * i + 2), REPORT_ACCEPTED);
		assert_int_equal(job.phase, PHASE_REDUCE);
	}
	/* the same reduce, unreachable, five times: never re-run, never failed */
	for (int i = 0; i < 5; i++) {
		r = reduce_to(&job, 100 + i, W2);
		assert_int_equal(report_fetch(&job, &r, why[2], 0), REPORT_ACCEPTED);
		assert_false(job_finished(&job));
		assert_int_equal(job.phase, PHASE_REDUCE);
	}
	assert_int_equal(job.tasks[1].failures, 0);
	assert_int_equal(job.failed_reports, 0);
	assert_int_equal(job.fetch_failures, 10);
	assert_int_equal(job.reexecuted, 5);
	assert_int_equal(job.tasks[0].nhist, 6);
	assert_int_equal(job.tasks[1].handed_out, 10);
	/* a stale attempt's fetch failure is ignored like any stale report */
	old = r;
	r = reduce_to(&job, 200, W2);
	tcp_snap_take(&job, &ts);
	assert_int_equal(report_fetch(&job, &old, LOST_MISSING, 0), REPORT_IGNORED);
	snap_check(&job, &ts.s, 1);
	assert_int_equal(job.fetch_failures, ts.fetch_failures);
	assert_int_equal(job.reexecuted, ts.reexecuted);
	snap_free(&ts.s);
	/* an ordinary failure still counts: with max_attempts 2, two fail the job */
	assert_int_equal(report_at(&job, &r, 0, 201), REPORT_ACCEPTED);
	assert_false(job_finished(&job));
	r = reduce_to(&job, 202, W2);
	assert_int_equal(report_at(&job, &r, 0, 203), REPORT_ACCEPTED);
	assert_int_equal(job.phase, PHASE_FAILED);
	assert_int_equal(job.failed_task, 1);
	job_release(&job);
}

/* A fetch failure naming no map of the job is an ordinary failure. */
static void test_fetch_map_out_of_range(void **state)
{
	const uint64_t holders[2] = { W1, W2 };
	struct assignment maps[2], r;
	struct job job;

	(void)state;
	tcp_job(&job, 2, 1, 2, holders, maps);
	r = reduce_to(&job, 20, W3);
	assert_int_equal(report_fetch(&job, &r, LOST_MISSING, -1), REPORT_ACCEPTED);
	assert_int_equal(job.fetch_failures, 0);
	assert_int_equal(job.reexecuted, 0);
	assert_int_equal(job.failed_reports, 1);
	assert_int_equal(job.tasks[2].failures, 1);
	assert_int_equal(job.phase, PHASE_REDUCE);
	assert_int_equal(job.tasks[0].state, TASK_DONE);
	assert_int_equal(job.tasks[1].state, TASK_DONE);
	r = reduce_to(&job, 30, W3);
	assert_int_equal(report_fetch(&job, &r, LOST_CORRUPT, 2), REPORT_ACCEPTED);
	assert_int_equal(job.fetch_failures, 0);
	assert_int_equal(job.reexecuted, 0);
	assert_int_equal(job.phase, PHASE_FAILED);
	assert_int_equal(job.failed_task, 2);
	job_release(&job);

	tcp_job(&job, 2, 1, 4, holders, maps);
	r = reduce_to(&job, 20, W3);
	assert_int_equal(report_fetch(&job, &r, LOST_UNREACHABLE, INT_MAX), REPORT_ACCEPTED);
	r = reduce_to(&job, 30, W3);
	assert_int_equal(report_fetch(&job, &r, LOST_UNREACHABLE, INT_MIN), REPORT_ACCEPTED);
	assert_int_equal(job.tasks[2].failures, 2);
	assert_int_equal(job.failed_reports, 2);
	assert_int_equal(job.fetch_failures, 0);
	job_release(&job);
}

/*
 * job_map_holder: the worker of the attempt that finished the map (the
 * backup's when it won); 0 for a map not done and for a Unix-socket job.
 */
static void test_map_holder(void **state)
{
	struct job_config c = config(1, 4);
	struct assignment maps[10], b, m;
	struct job job;

	(void)state;
	job_init(&job, files3, 3, &c);
	see_workers(&job);
	assert_string_equal(job_worker_addr(&job, W2), "10.0.0.2:7002");
	job_worker_seen(&job, W2, "10.9.9.9:9");
	assert_string_equal(job_worker_addr(&job, W2), "10.9.9.9:9");
	assert_null(job_worker_addr(&job, 0));
	assert_null(job_worker_addr(&job, 999));
	m = map_to(&job, 0, W2);
	assert_int_equal(job_map_holder(&job, m.id), 0);   /* running */
	assert_int_equal(rec_of(&job.tasks[m.id], m.attempt)->worker, W2);
	assert_int_equal(report_at(&job, &m, 1, 5), REPORT_ACCEPTED);
	assert_int_equal(job_map_holder(&job, m.id), W2);
	for (int i = 0; i < 3; i++)
		if (i != m.id)
			assert_int_equal(job_map_holder(&job, i), 0);   /* idle */
	assert_int_equal(job_map_holder(&job, -1), 0);
	assert_int_equal(job_map_holder(&job, 3), 0);
	assert_int_equal(job_map_holder(&job, INT_MAX), 0);
	job_release(&job);

	/* the backup won: its worker holds the output */
	b = straggler_tcp(&job, maps, W1, W3);
	assert_int_equal(report_at(&job, &b, 1, 600), REPORT_ACCEPTED);
	assert_int_equal(job_map_holder(&job, b.id), W3);
	assert_int_equal(job_map_holder(&job, maps[0].id), W2);
	job_release(&job);
	/* the primary won */
	b = straggler_tcp(&job, maps, W1, W3);
	assert_int_equal(report_at(&job, &maps[9], 1, 600), REPORT_ACCEPTED);
	assert_int_equal(job_map_holder(&job, b.id), W1);
	job_release(&job);

	/* a Unix-socket job: the job directory (0) */
	job_init(&job, files3, 3, &c);
	for (int i = 0; i < 3; i++) {
		m = give_map(&job, 0);
		done(&job, &m);
		assert_int_equal(job_map_holder(&job, m.id), 0);
		assert_int_equal(job.tasks[m.id].hist[0].worker, 0);
	}
	assert_int_equal(job.phase, PHASE_REDUCE);
	job_release(&job);
}

/*
 * No model, backups on: random hand-outs to TCP workers, reports (some
 * naming a map they could not fetch), lost workers and a moving clock.
 * Checks the invariants after every step, that each live attempt's first
 * report is accepted, and that the job ends with every reduce done.
 */
static void chaos(uint64_t seed, int nmap, int nreduce)
{
	char **files = malloc((size_t)nmap * sizeof(*files));
	struct job_config c = config(nreduce, 1000);
	size_t hcap = 100000, hn = 0;
	struct handout *hist = malloc(hcap * sizeof(*hist));
	uint64_t rng = seed, pool[NPOOL], next_worker = 1, last_attempt = 0;
	int64_t now = 0;
	int step;
	struct job job;

	assert_non_null(files);
	assert_non_null(hist);
	for (int i = 0; i < nmap; i++)
		files[i] = "x";
	c.backup = 1;
	job_init(&job, files, nmap, &c);
	for (int i = 0; i < NPOOL; i++) {
		pool[i] = next_worker++;
		job_worker_seen(&job, pool[i], "127.0.0.1:3");
	}
	for (step = 0; step < 100000 && !job_finished(&job); step++) {
		unsigned action = (unsigned)(unit_rand(&rng) % 100);

		now += (int64_t)(unit_rand(&rng) % 40);
		if (action < 45) {
			struct assignment a = give_to(&job, now, pool[unit_rand(&rng) % NPOOL]);

			if (a.kind == ASSIGN_MAP || a.kind == ASSIGN_REDUCE) {
				assert_true(a.attempt > last_attempt);
				last_attempt = a.attempt;
				if (hn < hcap)
					hist[hn++] = (struct handout){
						a.kind == ASSIGN_MAP ? KIND_MAP : KIND_REDUCE,
						a.id, a.attempt, 0 };
			} else {
				assert_int_equal(a.kind, ASSIGN_WAIT);
			}
		} else if (action < 90 && hn > 0) {
			/* report a recent hand-out; slow ones straggle */
			size_t pick = hn - 1 - (size_t)(unit_rand(&rng) % (hn < 12 ? hn : 12));
			struct handout h = hist[pick];
			int idx = h.kind == KIND_MAP ? h.id : nmap + h.id;
			const struct task *t = &job.tasks[idx];
			int live = t->state == TASK_RUNNING &&
				   (t->attempt == h.attempt || t->backup == h.attempt);
			struct report_in r = { .kind = h.kind, .id = h.id, .attempt = h.attempt,
					       .ok = unit_rand(&rng) % 6 != 0, .errmsg = "chaos",
					       .bad_record = -1 };

			if (!r.ok && h.kind == KIND_REDUCE && unit_rand(&rng) % 2) {
				r.fetch = unit_rand(&rng) % 2 ? LOST_UNREACHABLE : LOST_MISSING;
				r.fetch_map = (int)(unit_rand(&rng) % (uint64_t)nmap);
			}
			assert_int_equal(job_report(&job, &r, now),
					 live ? REPORT_ACCEPTED : REPORT_IGNORED);
		} else if (action < 93) {
			unsigned k = (unsigned)(unit_rand(&rng) % NPOOL);

			job_worker_lost(&job, pool[k], now);
			pool[k] = next_worker++;
			job_worker_seen(&job, pool[k], "127.0.0.1:4");
		} else {
			now += (int64_t)(unit_rand(&rng) % (TIMEOUT + 200));
			job_expire(&job, now);
		}
		check_invariants(&job, job.reduces_queued);
	}
	assert_int_equal(job.phase, PHASE_DONE);
	for (int i = 0; i < nreduce; i++)
		assert_int_equal(job.tasks[nmap + i].state, TASK_DONE);
	expect_exit(&job, now);
	job_release(&job);
	free(files);
	free(hist);
}

static void test_random_chaos_backups(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed < 300; seed++)
		chaos(seed, 1 + (int)(seed % 23), 1 + (int)(seed % 6));
}

/*
 * A map re-run while the phase is already PHASE_MAP (a lost worker's
 * second and later maps, or any map re-run in the first map phase) must
 * leave job->done_in_phase counting only the maps that are done, or
 * pick_straggler would hand out backups while most maps are still to run
 * (tasks.h: a backup only when the phase is nearly done).  Found by these
 * tests, fixed in rerun_map.
 */
static void test_bug_rerun_backup_map_phase(void **state)
{
	struct job_config c = config(1, 4);
	struct assignment m[10];
	struct job job;

	(void)state;
	c.backup = 1;
	/* first map phase: nine done maps of W1 run again; ten of ten are left */
	job_init(&job, files10, 10, &c);
	see_workers(&job);
	for (int i = 0; i < 9; i++)
		m[i] = map_to(&job, 0, W1);
	m[9] = map_to(&job, 0, W2);
	for (int i = 0; i < 9; i++)
		assert_int_equal(report_at(&job, &m[i], 1, 100), REPORT_ACCEPTED);
	assert_int_equal(job_worker_lost(&job, W1, 200), 9);
	for (int i = 0; i < 9; i++)
		map_to(&job, 200, W3);
	/* map 9 has run 900 ms (> half the timeout, > twice the median), but
	   ten maps are left: WAIT, not a backup */
	expect_wait_to(&job, 900, W4);
	assert_int_equal(job.done_in_phase, job.maps_done);
	job_release(&job);
}

/* The same bug: the second and later maps of a worker lost in the reduce phase. */
static void test_bug_rerun_backup_reduce_phase(void **state)
{
	struct job_config c = config(1, 4);
	struct assignment m[10], a;
	struct job job;

	(void)state;
	c.backup = 1;
	/* reduce phase: W1's nine maps run again; one of them done, eight left */
	job_init(&job, files10, 10, &c);
	see_workers(&job);
	for (int i = 0; i < 9; i++)
		m[i] = map_to(&job, 0, W1);
	m[9] = map_to(&job, 0, W2);
	for (int i = 0; i < 10; i++)
		assert_int_equal(report_at(&job, &m[i], 1, 100), REPORT_ACCEPTED);
	reduce_to(&job, 100, W2);
	assert_int_equal(job_worker_lost(&job, W1, 200), 9);
	for (int i = 0; i < 9; i++)
		m[i] = map_to(&job, 200, W3);
	assert_int_equal(report_at(&job, &m[0], 1, 300), REPORT_ACCEPTED);
	/* eight maps have run 501 ms (> 500, > twice the median of 100) with
	   eight of ten left: WAIT, not a backup */
	a = give_to(&job, 701, W4);
	assert_int_equal(a.kind, ASSIGN_WAIT);
	assert_int_equal(job.done_in_phase, job.maps_done);
	job_release(&job);
}

/* Recovery: restored tasks are done and never handed out; the job goes on from there. */
static void test_restore(void **state)
{
	struct job job;
	struct job_config cfg = config(2, 3);
	struct job_counter c = { "mr.map.input.bytes", 7 };
	struct assignment a;

	(void)state;
	job_init(&job, files3, 3, &cfg);
	job_set_ids(&job, 0, 2);
	assert_int_equal(job_restore(&job, KIND_MAP, 0, 5, 0, &c, 1), 0);
	assert_int_equal(job_restore(&job, KIND_MAP, 2, 9, 0, NULL, 0), 0);
	assert_int_equal(job_restore(&job, KIND_REDUCE, 1, 11, 0, NULL, 0), 0);
	assert_int_equal(job_restore(&job, KIND_MAP, 0, 5, 0, NULL, 0), -1); /* twice */
	assert_int_equal(job_restore(&job, KIND_MAP, 3, 5, 0, NULL, 0), -1); /* no such */
	job_restored(&job);
	assert_int_equal(job.phase, PHASE_MAP);
	assert_int_equal(job.recovered, 3);
	a = give_map(&job, 0);
	assert_int_equal(a.id, 1);
	assert_int_equal(a.attempt, (2ull << 32) + 1); /* this incarnation's ids */
	expect_wait(&job, 0);
	done(&job, &a);
	a = give_reduce(&job, 0);
	assert_int_equal(a.id, 0); /* reduce 1 was restored */
	expect_wait(&job, 0);
	done(&job, &a);
	assert_int_equal(job.phase, PHASE_DONE);
	assert_true(job.tasks[0].hist[0].recovered);
	assert_int_equal(job.tasks[0].counters[0].value, 7);
	job_release(&job);
}

/* Everything restored: the job is done at once. */
static void test_restore_all(void **state)
{
	struct job job;
	struct job_config cfg = config(1, 3);

	(void)state;
	job_init(&job, file1, 1, &cfg);
	job_set_ids(&job, 0, 1);
	assert_int_equal(job_restore(&job, KIND_REDUCE, 0, 2, 0, NULL, 0), 0);
	job_restored(&job);
	assert_int_equal(job.phase, PHASE_DONE);
	expect_exit(&job, 0);
	job_release(&job);
}

/*
 * An attempt of an earlier incarnation reports success: it finishes a task
 * that is idle (taken out of the queue) or running (the new attempt is
 * superseded); its failure, or a success for a done task, is ignored.
 */
static void test_adopt_earlier_attempt(void **state)
{
	struct job job;
	struct job_config cfg = config(1, 3);
	struct assignment a;

	(void)state;
	job_init(&job, files3, 3, &cfg);
	job_set_ids(&job, 0, 1);
	job_restored(&job);
	a = give_map(&job, 0);
	assert_int_equal(a.id, 0);
	/* Map 1 idle, finished by attempt 4 of incarnation 0. */
	assert_int_equal(report_raw(&job, KIND_MAP, 1, 4, 1, NULL, 10), REPORT_ACCEPTED);
	assert_int_equal(job.adopted, 1);
	assert_int_equal(job.tasks[1].state, TASK_DONE);
	assert_true(job.tasks[1].hist[0].earlier);
	/* Map 0 running as attempt a, finished by an earlier one. */
	assert_int_equal(report_raw(&job, KIND_MAP, 0, 3, 1, NULL, 10), REPORT_ACCEPTED);
	assert_int_equal(job.tasks[0].hist[0].outcome, ATTEMPT_SUPERSEDED);
	assert_int_equal(report(&job, &a, 1), REPORT_IGNORED);
	/* A failure of an earlier attempt, or a second success: ignored. */
	assert_int_equal(report_raw(&job, KIND_MAP, 2, 6, 0, "x", 10), REPORT_IGNORED);
	assert_int_equal(report_raw(&job, KIND_MAP, 1, 5, 1, NULL, 10), REPORT_IGNORED);
	a = give_map(&job, 10);
	assert_int_equal(a.id, 2); /* map 1 is not handed out again */
	expect_wait(&job, 10);
	done(&job, &a);
	assert_int_equal(job.phase, PHASE_REDUCE);
	job_release(&job);
}

/*
 * A restored map held by a TCP worker waits for it as a ghost: the worker
 * registering at its address takes it over; a ghost not back in time is
 * lost and its maps run again.
 */
static void test_ghost_claim_and_expiry(void **state)
{
	struct job job;
	struct job_config cfg = config(1, 3);
	uint64_t g1, g2;
	struct assignment a;

	(void)state;
	job_init(&job, files3, 3, &cfg);
	job_set_ids(&job, 0, 1);
	g1 = job_ghost(&job, "10.0.0.1:7001", 500);
	g2 = job_ghost(&job, "10.0.0.2:7002", 500);
	assert_true(g1 >= JOB_GHOST_ID && g2 >= JOB_GHOST_ID && g1 != g2);
	assert_int_equal(job_ghost(&job, "10.0.0.1:7001", 500), g1);
	assert_int_equal(job_restore(&job, KIND_MAP, 0, 1, g1, NULL, 0), 0);
	assert_int_equal(job_restore(&job, KIND_MAP, 1, 2, g2, NULL, 0), 0);
	job_restored(&job);
	assert_int_equal(job_map_holder(&job, 0), g1);
	assert_int_equal(job_next_timeout(&job, 0, 1000), 500);
	job_worker_seen(&job, 17, "10.0.0.1:7001"); /* back */
	assert_int_equal(job_map_holder(&job, 0), 17);
	assert_int_equal(job.ghosts, 1);
	job_expire(&job, 499);
	assert_int_equal(job.tasks[1].state, TASK_DONE);
	job_expire(&job, 500); /* the other is not */
	assert_int_equal(job.ghosts, 0);
	assert_int_equal(job.tasks[1].state, TASK_IDLE);
	assert_int_equal(job.reexecuted, 1);
	a = give_map(&job, 500);
	assert_true(a.id == 1 || a.id == 2);
	job_release(&job);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maps_before_reduces),
		cmocka_unit_test(test_wait_in_both_phases),
		cmocka_unit_test(test_exit_after_done),
		cmocka_unit_test(test_reduce_only_after_all_maps),
		cmocka_unit_test(test_attempt_ids_unique),
		cmocka_unit_test(test_ignored_stale_attempt),
		cmocka_unit_test(test_ignored_unknown_id),
		cmocka_unit_test(test_ignored_negative_id),
		cmocka_unit_test(test_ignored_wrong_kind),
		cmocka_unit_test(test_ignored_duplicate),
		cmocka_unit_test(test_ignored_before_handout),
		cmocka_unit_test(test_timeout_reissue),
		cmocka_unit_test(test_timeout_report_before_reissue),
		cmocka_unit_test(test_timeout_not_a_failure),
		cmocka_unit_test(test_stale_timer_finished_task),
		cmocka_unit_test(test_stale_timer_older_attempt),
		cmocka_unit_test(test_next_timeout),
		cmocka_unit_test(test_failure_requeues_at_once),
		cmocka_unit_test(test_failure_message_copied),
		cmocka_unit_test(test_max_attempts_map),
		cmocka_unit_test(test_max_attempts_reduce),
		cmocka_unit_test(test_max_attempts_one),
		cmocka_unit_test(test_failures_per_task),
		cmocka_unit_test(test_minimal_job),
		cmocka_unit_test(test_more_reduces_than_maps),
		cmocka_unit_test(test_big_job),
		cmocka_unit_test(test_random_simulation),
		cmocka_unit_test(test_random_simulation_tcp),
		cmocka_unit_test(test_random_chaos_backups),
		cmocka_unit_test(test_task_name),
		cmocka_unit_test(test_backup_for_straggler),
		cmocka_unit_test(test_backup_primary_wins),
		cmocka_unit_test(test_backup_off),
		cmocka_unit_test(test_backup_needs_slow_task),
		cmocka_unit_test(test_backup_only_near_the_end),
		cmocka_unit_test(test_backup_failure_keeps_other),
		cmocka_unit_test(test_backup_timeout_keeps_other),
		cmocka_unit_test(test_bad_record_skipped),
		cmocka_unit_test(test_bad_record_counted),
		cmocka_unit_test(test_bad_record_stale),
		cmocka_unit_test(test_bad_record_limit),
		cmocka_unit_test(test_counters_of_winner),
		cmocka_unit_test(test_running_attempts),
		cmocka_unit_test(test_failure_fault_kept),
		cmocka_unit_test(test_failure_fault_mixed_limit),
		cmocka_unit_test(test_failure_fault_skipped),
		cmocka_unit_test(test_lost_worker_reduce_phase),
		cmocka_unit_test(test_lost_worker_map_phase),
		cmocka_unit_test(test_lost_worker_running_attempts),
		cmocka_unit_test(test_lost_worker_nothing_to_rerun),
		cmocka_unit_test(test_lost_inputs_running_reduce_finishes),
		cmocka_unit_test(test_fetch_missing_corrupt),
		cmocka_unit_test(test_fetch_unreachable),
		cmocka_unit_test(test_fetch_failure_not_counted),
		cmocka_unit_test(test_fetch_map_out_of_range),
		cmocka_unit_test(test_map_holder),
		cmocka_unit_test(test_bug_rerun_backup_map_phase),
		cmocka_unit_test(test_bug_rerun_backup_reduce_phase),
		cmocka_unit_test(test_restore),
		cmocka_unit_test(test_restore_all),
		cmocka_unit_test(test_adopt_earlier_attempt),
		cmocka_unit_test(test_ghost_claim_and_expiry),
	};

	UNIT_MAIN("tasks", tests);
}
