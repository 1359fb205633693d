/*
 * tasks.h - the job's task table and its state machine.
 *
 * A job is nmap map tasks followed by nreduce reduce tasks.  Each task is
 * IDLE (waiting in the idle queue), RUNNING (handed out as one live attempt,
 * with a deadline in the timer queue) or DONE.  The job moves
 * MAP -> REDUCE -> DONE, or to FAILED when one task has failed
 * `max_attempts` times.
 *
 * Attempts: every hand-out gets a fresh id from a job-wide counter.  A report
 * counts only if it quotes the task's live attempt; anything else (a timed
 * out attempt, a finished task, an unknown task) is ignored and counted.
 * A deadline that fires for the live attempt puts the task back in the idle
 * queue (re-issue); deadlines of older attempts are dropped when popped.
 *
 * Backup tasks (the Google paper's answer to stragglers): when a worker asks
 * and nothing is idle, the phase is nearly done (at most a tenth of its
 * tasks, or one, left) and a running task has run longer than twice the
 * median of its finished peers and than half the task timeout, it gets a
 * second live attempt.  The first report of either attempt wins; the other
 * attempt's output is identical and replaced atomically, its report
 * ignored.
 *
 * Pure logic: no I/O but log lines, time is passed in by the caller, so the
 * unit tests drive it with a fake clock.  Single-threaded.
 */
#ifndef MR_TASKS_H
#define MR_TASKS_H

#include "coordinator/timerq.h"

#include <stdint.h>

enum job_phase { PHASE_MAP, PHASE_REDUCE, PHASE_DONE, PHASE_FAILED };
enum task_kind { KIND_MAP, KIND_REDUCE };
enum task_state { TASK_IDLE, TASK_RUNNING, TASK_DONE };
enum assign_kind { ASSIGN_MAP, ASSIGN_REDUCE, ASSIGN_WAIT, ASSIGN_EXIT };
enum report_result { REPORT_ACCEPTED, REPORT_IGNORED };

enum attempt_outcome {
	ATTEMPT_RUNNING,     /* still out there when last heard of */
	ATTEMPT_DONE,        /* its report made the task done */
	ATTEMPT_FAILED,      /* reported failure */
	ATTEMPT_TIMED_OUT,   /* not reported within the timeout */
	ATTEMPT_SUPERSEDED   /* the task's other attempt finished first */
};

/* Whose fault a failed attempt was, as its worker said (mr_failure, proto/mr.x). */
enum attempt_fault {
	FAULT_UNKNOWN,       /* the worker did not say */
	FAULT_PLUGIN,        /* the plugin's map, reduce or combine failed or crashed */
	FAULT_ENGINE         /* the engine: unreadable input, full disk, damaged run, bad task */
};

/* Why a finished map's output had to be made again (TCP jobs). */
enum lost_reason {
	LOST_NONE,
	LOST_WORKER,         /* its worker was lost (connection closed, or silent) */
	LOST_MISSING,        /* its worker said it does not hold the run */
	LOST_CORRUPT,        /* a fetched run failed its checksum */
	LOST_UNREACHABLE     /* two reduces could not fetch from its worker */
};

/* Why a map's output was lost, as the report and the log say it ("worker lost", ...). */
const char *job_lost_name(enum lost_reason why);

/* One hand-out of a task, for mr-report.json. */
struct attempt_rec {
	uint64_t attempt;
	int worker_pid;
	uint64_t worker;     /* TCP: the worker's id (job_worker_seen), else 0 */
	enum lost_reason lost; /* a done map attempt whose output was lost, and why */
	int backup;          /* handed out as a backup attempt */
	int recovered;       /* finished under an earlier coordinator (from the journal) */
	int earlier;         /* handed out by an earlier coordinator, reported to this one */
	int64_t start_ms, end_ms;
	enum attempt_outcome outcome;
	enum attempt_fault fault; /* ATTEMPT_FAILED: whose fault */
	char *error;         /* ATTEMPT_FAILED: the worker's text (malloc'd), else NULL */
};

/* A counter of the attempt that finished a task. */
struct job_counter {
	char *name;          /* malloc'd */
	int64_t value;
};

struct task {
	enum task_state state;
	uint64_t attempt;    /* live attempt id while RUNNING */
	int64_t started_ms;  /* when the live attempt was handed out */
	int worker_pid;      /* who runs the live attempt */
	uint64_t worker;     /* ... its worker id (TCP), else 0 */
	uint64_t backup;     /* second live attempt while RUNNING, 0 = none */
	int64_t backup_started_ms;
	int backup_pid;
	uint64_t backup_worker;
	uint64_t holder;     /* DONE map of a TCP job: the worker serving its runs */
	int fetch_reporter;  /* map: the reduce that last could not fetch it, or -1 */
	unsigned handed_out; /* attempts so far */
	unsigned failures;   /* failure reports so far (those of skipped bad records aside) */
	unsigned plugin_failures, engine_failures; /* of them, by fault (the rest: unknown) */
	char *last_error;    /* malloc'd text of the last of them, or NULL */
	struct attempt_rec *hist; /* every attempt, in hand-out order (malloc'd) */
	size_t nhist, hcap;
	struct job_counter *counters; /* of the attempt that finished it (malloc'd) */
	size_t ncounters;
	char *redo;          /* finished before a restart but runs again: why (malloc'd), or NULL */
	int64_t *skip;       /* map: offsets of bad records to skip (malloc'd) */
	size_t nskip, skipcap;
};

struct params;

struct job_config {
	int nreduce;
	int64_t timeout_ms;      /* re-issue a task not reported within this */
	unsigned max_attempts;   /* fail the job after this many failure reports of one task */
	int wait_ms;             /* what WAIT tells workers to sleep */
	int backup;              /* hand out backup attempts of stragglers */
	int skip_bad_records;    /* maps go line by line; a crashing line is skipped */
	const struct params *params; /* --param: borrowed, sent with every task; NULL: none */
	const char *output_dir;  /* borrowed: --output DIR, or NULL (the job directory) */
};

/* A TCP worker: its id (the coordinator's connection id) and fetch address. */
struct job_worker {
	uint64_t id;
	char *addr;              /* malloc'd "HOST:PORT" */
	int lost;
	int ghost;               /* held map output before a coordinator restart; not back yet */
};

/* Ids of ghosts (job_ghost) start here, far above any connection id. */
#define JOB_GHOST_ID (1ull << 62)

struct job {
	struct job_config cfg;
	int nmap, nreduce;
	char *const *files;      /* borrowed: nmap input names, live as long as the job */
	const int64_t *offsets;  /* borrowed: split of each map task, or NULL (whole files) */
	const int64_t *lengths;
	struct task *tasks;      /* nmap maps, then nreduce reduces */
	enum job_phase phase;
	int done_in_phase;
	uint32_t *queue;         /* ring of idle task indices */
	size_t qhead, qlen, qcap;
	uint64_t next_attempt;
	struct timerq timers;
	int failed_task;         /* index of the task that failed the job, or -1 */
	int maps_done, reduces_done;
	int reduces_queued;      /* the reduces went to the queue (first reduce phase) */
	struct job_worker *workers; /* TCP workers seen, in order of first ask */
	size_t nworkers, wcap;
	/* durations of the current phase's finished tasks, for backup decisions */
	int64_t *durations;
	int ndurations;
	int64_t median_ms;       /* of durations[0 .. median_n) */
	int median_n;
	/* statistics for the log */
	unsigned long reissued, ignored_reports, failed_reports, backups, backups_won;
	unsigned long failed_plugin, failed_engine; /* failed_reports by fault */
	unsigned long fetch_failures, reexecuted, workers_lost;
	uint64_t job_id;         /* random per job, kept across restarts (0 in unit tests) */
	uint32_t incarnation;    /* coordinator runs before this one over the job's journal */
	unsigned long recovered, adopted; /* tasks restored from the journal; attempts of an
				     earlier coordinator that finished a task for this one */
	unsigned long redone;    /* tasks finished before the restart that run again */
	int ghosts;              /* ghosts not back yet */
	int64_t ghost_deadline_ms; /* when those still away are lost */
	/* Called when a finished map must run again (the journal records it); may be NULL. */
	void (*on_rerun)(void *arg, int map, enum lost_reason why);
	void *on_rerun_arg;
	int tcp;                 /* served over TCP too (the report counts auth failures) */
	unsigned long auth_failures; /* TCP peers dropped for failing authentication */
};

struct assignment {
	enum assign_kind kind;
	int id;                  /* map or reduce id */
	uint64_t attempt;
	const char *file;        /* ASSIGN_MAP: borrowed from the job */
	int64_t offset, length;  /* ASSIGN_MAP: the split; 0, -1 for a whole file */
	int by_record;           /* ASSIGN_MAP: map line by line, watched */
	const int64_t *skip;     /* ASSIGN_MAP: bad records to skip (borrowed) */
	size_t nskip;
	int nmap, nreduce;
	int wait_ms;             /* ASSIGN_WAIT */
};

/* Set up a job over `files` (borrowed).  nmap >= 1, cfg->nreduce >= 1. */
void job_init(struct job *job, char *const *files, int nmap, const struct job_config *cfg);
void job_release(struct job *job);
/*
 * Recovery (the job journal, coordinator/jlog.h).  Attempt ids say whose
 * they are: the low 16 bits of the job's id (random per job, kept by the
 * journal), the coordinator's incarnation (16 bits), and a counter (32
 * bits): job_set_ids(job_id, n) makes this run's ids
 * (job_id & 0xffff) << 48 | n << 32 | 1, 2, ...  A report quoting another
 * job's attempt is ignored.  A successful report of an attempt of an
 * earlier incarnation of this job (a worker that finished its task while
 * the coordinator was away) finishes the task when it is not done yet,
 * whatever is running it now (counted in `adopted`); its failure reports
 * are ignored.
 *
 * job_restore() marks a task finished by an earlier coordinator as done
 * (recorded as `recovered` in its history, with its counters, copied);
 * call it for every such task before anything is handed out, then
 * job_restored() once, which queues the maps left and moves the job to
 * the phase that is left.
 * Returns 0, or -1 for an unknown or already done task.
 */
void job_set_ids(struct job *job, uint64_t job_id, uint32_t incarnation);
/* 1 when `attempt` was handed out by an earlier incarnation of this job. */
int job_attempt_earlier(const struct job *job, uint64_t attempt);
int job_restore(struct job *job, enum task_kind kind, int id, uint64_t attempt,
		uint64_t holder, const struct job_counter *counters, size_t ncounters);

/*
 * TCP jobs: the worker serving map output at `addr` before the restart,
 * not heard of yet: a ghost, whose id (JOB_GHOST_ID and up) a restored map
 * takes as its holder, so that reduces fetch from `addr` at once.  The
 * first worker that registers at `addr` (job_worker_seen) takes over the
 * ghost's maps; a ghost not back by `deadline_ms` is lost (job_expire):
 * its maps run again.  Returns the id of the worker at `addr` if one is
 * there already.
 */
uint64_t job_ghost(struct job *job, const char *addr, int64_t deadline_ms);
void job_restored(struct job *job);
/* Task `index` finished before the restart but must run again: keep `why` (copied) for the report. */
void job_redo(struct job *job, uint32_t index, const char *why);

/*
 * Stop the job as FAILED from outside the task table (its journal cannot
 * be written); `why` was reported by the caller.  Also a job that is DONE
 * in the table: its last records could not be made durable.
 */
void job_abort(struct job *job);

/*
 * Map task i reads bytes [offsets[i], offsets[i] + lengths[i]) of files[i]
 * (cut at lines by the worker); length -1 means the whole file.  Both arrays
 * are borrowed, nmap long.  Without this call every task is a whole file.
 */
void job_set_splits(struct job *job, const int64_t *offsets, const int64_t *lengths);

/*
 * Hand out the next idle task of the current phase, else a backup attempt
 * of a straggler (cfg.backup), else WAIT; EXIT once the job is finished.
 * Reduces are handed out only while every map is done: when a map must run
 * again (its output lost), idle reduces wait for it.
 */
void job_assign(struct job *job, int64_t now_ms, int worker_pid, struct assignment *out);
/* The same for TCP worker `worker` (its job_worker_seen id); 0 means none. */
void job_assign_worker(struct job *job, int64_t now_ms, int worker_pid, uint64_t worker,
		       struct assignment *out);

/*
 * TCP workers.  job_worker_seen() records worker `id` serving its map
 * output at `addr` (copied; updated when it changes), taking over a ghost
 * at `addr` (see job_ghost).  job_worker_addr()
 * gives the address of a worker seen (NULL for 0 or an unknown id).
 */
void job_worker_seen(struct job *job, uint64_t id, const char *addr);
const char *job_worker_addr(const struct job *job, uint64_t id);
/* The id of the worker seen serving at `addr` and not lost, or 0. */
uint64_t job_worker_at(const struct job *job, const char *addr);

/*
 * Worker `id` is gone (its connection closed, or it fell silent).  Its live
 * attempts are re-issued at once (they count as timed out), and every
 * finished map whose output it held goes back to the idle queue while a
 * reduce still needs it (one that is not done), recorded as lost in the
 * map's history (paper, 3.3).  Returns how many maps must run again.
 */
int job_worker_lost(struct job *job, uint64_t id, int64_t now_ms);

/*
 * Worker `id` (a fetch service registered again after a restart) holds
 * runs of exactly the maps in held[0 .. n) among the map ids from .. to-1:
 * every finished map in that window it was credited with and does not
 * list runs again (LOST_MISSING).  Returns how many.
 */
int job_worker_holds(struct job *job, uint64_t id, int from, int to, const int *held,
		     size_t n);

/* The worker holding finished map m's output (0: the job directory, or not done). */
uint64_t job_map_holder(const struct job *job, int m);

/* A worker's report of one attempt, as job_report() takes it. */
struct report_in {
	enum task_kind kind;
	int id;                  /* map or reduce id */
	uint64_t attempt;        /* the attempt id the assignment carried */
	int ok;                  /* 1: output published; 0: the attempt failed */
	const char *errmsg;      /* failed: why (may be NULL or empty); copied */
	enum attempt_fault fault; /* failed: whose fault */
	int64_t bad_record;      /* failed map: offset of the line that crashed it, or -1 */
	const struct job_counter *counters; /* ok: the attempt's counters; copied */
	size_t ncounters;
	uint64_t worker;         /* TCP: the reporting worker's id, else 0 */
	enum lost_reason fetch;  /* failed reduce: it could not fetch a map's run (LOST_MISSING,
				    _CORRUPT, _UNREACHABLE), or LOST_NONE */
	int fetch_map;           /* ... that map */
};

/*
 * A worker's report.  It counts only when it quotes a live attempt of a
 * known task of an unfinished job (returns REPORT_ACCEPTED); anything else
 * is counted in ignored_reports and changes nothing else.
 *
 * An accepted success finishes the task and keeps its counters (the other
 * attempt's, if any, never count).  An accepted failure is kept in the
 * attempt's record (fault, error text); it fails the job if it is the
 * task's max_attempts-th, the message saying whether it failed in the
 * plugin or in the engine; otherwise the task goes back to the idle queue
 * at once, or, when it has another live attempt, is left to that one.
 * With skip_bad_records, a failed map whose bad_record is a line not known
 * yet skips that line from the next attempt on, and that failure does not
 * count towards max_attempts (the task made progress); at most MR_MAX_SKIP
 * (proto/mr.x) lines per task.
 *
 * A map done on a TCP worker is held by that worker (job_map_holder).  A
 * failed reduce that names a map it could not fetch (`fetch` set) goes
 * back to the queue without counting towards max_attempts; the map runs
 * again at once when its holder said it lacks the run or sent a damaged
 * one, or when a second reduce could not reach its holder either (a lost
 * holder has re-run it already).  Either way it is counted in
 * fetch_failures and, when re-run, in reexecuted.
 */
enum report_result job_report(struct job *job, const struct report_in *r, int64_t now_ms);

/* Where the job stands, for mrctl status. */
struct job_status {
	int idle[2], running[2], done[2];   /* [KIND_MAP], [KIND_REDUCE] */
	int failed[2];                       /* tasks with a counted failure report */
	int64_t eta_ms;                      /* 0 when finished, -1 when nothing to go by */
};

/*
 * Count the tasks by state and estimate the time left: the tasks left (in
 * the map phase, the maps left and every reduce) at the median duration of
 * the current phase's finished tasks (before any reduce finished: the
 * job's time per finished map, elapsed_ms since the job started), spread
 * over as many workers as are running tasks now.  O(tasks); for status
 * calls.
 */
void job_status(const struct job *job, int64_t elapsed_ms, struct job_status *st);

/* One live attempt, for mrctl status. */
struct running_attempt {
	enum task_kind kind;
	int id;                  /* map or reduce id */
	uint64_t attempt;
	int worker_pid;
	int64_t elapsed_ms;      /* since it was handed out */
	int backup;              /* a backup attempt */
};

/*
 * Fill out[0 .. max) with the live attempts in task order, a task's
 * primary before its backup; returns how many it wrote (at most max: the
 * rest are left out).  O(tasks); for status calls.
 */
size_t job_running(const struct job *job, int64_t now_ms, struct running_attempt *out,
		   size_t max);

/*
 * Sum the counters of every finished task into out[0 .. max), one entry
 * per name in order of first appearance (names borrowed from the job);
 * returns how many it wrote (names beyond max are left out).
 */
size_t job_counter_totals(const struct job *job, struct job_counter *out, size_t max);

/*
 * Re-issue every task whose live attempt's deadline has passed; a task
 * with another live attempt still in time is left to that one.  Ghosts
 * past their deadline are lost.
 */
void job_expire(struct job *job, int64_t now_ms);

/* Milliseconds until the next deadline, clamped to [0, max_ms]. */
int job_next_timeout(const struct job *job, int64_t now_ms, int max_ms);

/*
 * A task's name from its index (below nmap + nreduce): "map task 3 (FILE)",
 * with the byte range of a split, or "reduce task 1".  Writes at most
 * `size` bytes (truncated, always terminated) into buf and returns buf.
 */
const char *job_task_name(const struct job *job, uint32_t index, char *buf, size_t size);

static inline int job_finished(const struct job *job)
{
	return job->phase == PHASE_DONE || job->phase == PHASE_FAILED;
}

#endif
