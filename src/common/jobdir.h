/*
 * jobdir.h - the names of the files in a job directory, in one place.
 *
 *   mr-M-R            the sorted run map task M wrote for reduce task R
 *   mr-out-R          reduce task R's output, "KEY VALUE" lines
 *   mr-report.json    the job report (coordinator/report.h)
 *   .mr-tmp-NAME-XXXXXX   a file being written, renamed to NAME when whole
 *                     (common/afile.h); spills are .mr-tmp-mr-spill-XXXXXX,
 *                     unlinked as soon as they are made
 *
 * Every name here starts with "mr-" (or ".mr-tmp-mr-"), so one prefix
 * sweeps a killed job's leftovers without touching the user's files.
 * The formatting functions write into a caller's buffer of at least
 * JOBDIR_NAME_MAX bytes and return it; they never fail.
 */
#ifndef MR_JOBDIR_H
#define MR_JOBDIR_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#define JOBDIR_NAME_MAX 64
#define JOBDIR_REPORT "mr-report.json"
#define JOBDIR_JOURNAL "mr-journal"
#define JOBDIR_TMP_PREFIX ".mr-tmp-"
/* What every temp file of ours starts with: the temp prefix and an mr- name. */
#define JOBDIR_TMP_SWEEP ".mr-tmp-mr-"
#define JOBDIR_SPILL_TEMPLATE ".mr-tmp-mr-spill-XXXXXX"

/* "mr-M-R": map task `map_id`'s run for reduce task `reduce_id`. */
char *jobdir_map_run(char buf[JOBDIR_NAME_MAX], int map_id, int reduce_id);

/* Longest path of a run in some directory (a directory and a run's name). */
#define JOBDIR_PATH_MAX 4200

/*
 * "DIR/mr-M-R", or "mr-M-R" when dir is NULL (the job directory, the
 * current one).  Cut, always terminated, when dir is too long.
 */
char *jobdir_run_path(char buf[JOBDIR_PATH_MAX], const char *dir, int map_id, int reduce_id);

/* "mr-out-R": reduce task `reduce_id`'s output. */
char *jobdir_output(char buf[JOBDIR_NAME_MAX], int reduce_id);

/*
 * Where a job's results go (--output DIR; NULL or "": the job directory):
 * "DIR/mr-out-R", or "mr-out-R"; "DIR/mr-report.json", or
 * "mr-report.json".  Cut, always terminated, when dir is too long.
 */
char *jobdir_output_path(char buf[JOBDIR_PATH_MAX], const char *dir, int reduce_id);
char *jobdir_report_path(char buf[JOBDIR_PATH_MAX], const char *dir);

/*
 * Make the output directory `dir` if it is missing (with its missing
 * parents, mode 0777 less the umask) and check that it is a directory we
 * may write in.  0, or -1 after printing the path and why.
 */
int jobdir_make_output(const char *dir);

/*
 * Is `name` a run "mr-M-R" of a job with nmap maps and nreduce reduces
 * (M < nmap, R < nreduce, both plain decimals)?
 */
int jobdir_is_map_run(const char *name, int nmap, int nreduce);

/*
 * Which mr-report.json the current directory holds.  A coordinator that
 * ends its job (done, failed, or stopped by a signal) publishes a new one
 * (temp file and rename) before it exits; one that is killed or crashes
 * writes none.  So a worker that took a stamp at its start and finds
 * another report once the coordinator is gone knows the job has ended.
 */
struct jobdir_stamp {
	int exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

/* Take the stamp of the report there now (exists 0 when there is none). */
void jobdir_stamp_report(struct jobdir_stamp *s);

/* 1 when the report there now is not the one stamped in *s, else 0. */
int jobdir_report_changed(const struct jobdir_stamp *s);

/* The same for a report at `path` (a job with --output DIR: DIR's). */
void jobdir_stamp_file(struct jobdir_stamp *s, const char *path);
int jobdir_file_changed(const struct jobdir_stamp *s, const char *path);

#endif
