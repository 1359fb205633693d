/*
 * log.h - one-line diagnostics on stderr.
 *
 * Every line starts with the program name (and, for workers, the pid) so
 * that interleaved output of many processes stays readable.  error() and
 * error_errno() return -1 so a function that decides a failure can report
 * it and fail in one statement:  return error_errno("cannot open %s", path);
 *
 * Not thread-safe beyond what stdio gives; every binary here is one thread.
 */
#ifndef MR_LOG_H
#define MR_LOG_H

#include <stdarg.h>

enum log_level { LOG_QUIET = 0, LOG_NORMAL = 1, LOG_VERBOSE = 2, LOG_DEBUG = 3 };

/* Set the prefix ("mrworker[1234]") and the verbosity.  `name` is copied. */
void log_init(const char *name, int with_pid);
void log_set_level(enum log_level level);
/*
 * What the process is doing now ("map 3 attempt 7"), shown after the prefix
 * on every line until changed; NULL clears it.
 */
void log_set_context(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
enum log_level log_get_level(void);
/* Prefix each line with a wall-clock timestamp (for logs that are not a tty). */
void log_set_timestamps(int on);
/*
 * A progress line is being redrawn on stderr (a terminal): log lines first
 * clear it, and the next redraw puts it back below them.
 */
void log_set_progress_line(int on);

/* Print "prog: error: MSG" and return -1. */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, with ": strerror(errno)" appended; errno is preserved. */
int error_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: warning: MSG". */
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Informational lines, shown at LOG_NORMAL and above / LOG_VERBOSE / LOG_DEBUG. */
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "prog: fatal: MSG" and exit(1).  For out-of-memory and the like. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * The text of the last error()/error_errno() message (without the prefix),
 * "" when none since log_clear_last_error().  Workers send it to the
 * coordinator when an attempt fails; it is cut at MR_MAX_ERRMSG bytes
 * (proto/mr.x), what a report carries.
 */
const char *log_last_error(void);
/*
 * Make `msg` the last error without printing it: for a message another
 * process (a worker's watched child) has printed already.
 */
void log_keep_error(const char *msg);
void log_clear_last_error(void);

#endif
