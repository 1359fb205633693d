/*
 * child.h - a shell command run as a filter, talked to through pipes.
 *
 * The streaming plugin (stream.c) runs the user's mapper and reducer with
 * this: `/bin/sh -c CMD` in the current directory (the job directory), its
 * stdin, stdout and stderr three pipes held here.  What we write goes to its
 * stdin; what it writes to stdout is cut into lines handed to a callback;
 * its stderr is passed through to ours, and the last CHILD_TAIL_MAX bytes
 * of it are kept for the failure message.
 *
 * No deadlock: the pipes are non-blocking and whenever the command's stdin
 * is full we poll all three, so a command that writes (to stdout or
 * stderr) before it has read all its input is drained while we wait.
 *
 * What the command inherits: its three pipes and nothing else (every other
 * descriptor is closed in the child: posix_spawn with close-from 3), the
 * environment given, default signal dispositions and an empty signal mask,
 * and a process group of its own, so that child_abort kills a pipeline
 * (`cmd1 | cmd2`) whole and child_finish leaves nothing of it behind.
 *
 * SIGPIPE: a write to a command that has stopped reading fails with EPIPE,
 * never with the signal: SIGPIPE is blocked around each write and one it
 * raised is consumed before the mask is restored.  The process's signal
 * dispositions are never changed.  Such a command's remaining input is
 * dropped, and it is judged by its exit status alone.
 *
 * Every function that can fail returns 0 or -1, and prints the reason
 * once ("MR_APP: streaming mapper 'CMD' ...") through app_error.
 * One thread; a struct child is used by one task at a time.
 */
#ifndef MR_CHILD_H
#define MR_CHILD_H

#include <stddef.h>
#include <sys/types.h>

#define CHILD_TAIL_MAX 4096          /* stderr bytes kept for messages */
#define CHILD_TAIL_LINES 10          /* stderr lines quoted in a message */
#define CHILD_LINE_MAX (64u << 20)   /* longest stdout line taken (64 MiB) */

/*
 * Called for every line the command writes to stdout, without its '\n'
 * (a '\r' before it stays); a last line without '\n' counts too.  `line`
 * is borrowed for the call.  Returns 0, or -1 (reported) to fail the task.
 */
typedef int (*child_line_fn)(void *arg, const char *line, size_t len);

struct child {
	pid_t pid;                /* > 0 while the command runs (or is unreaped) */
	int in, out, err;         /* our ends of its pipes; -1 once closed */
	int in_broken;            /* it stopped reading: the rest is dropped */
	const char *what;         /* "mapper" or "reducer": borrowed, static */
	char *cmd;                /* malloc'd copy of the command */
	child_line_fn on_line;
	void *arg;
	char *line;               /* malloc'd: a stdout line not complete yet */
	size_t llen, lcap;
	char *wbuf;               /* malloc'd: bytes for stdin not written yet */
	size_t wlen, wcap;
	char tail[CHILD_TAIL_MAX]; /* the last bytes of its stderr */
	size_t tlen;
	int tail_cut;             /* bytes before tail[0] were dropped */
};

/*
 * Start `cmd` with `/bin/sh -c`, with the environment `env` (a NULL-ended
 * array: borrowed for the call).  `what` names it in messages.  On
 * failure nothing is left running or open.
 */
int child_start(struct child *c, const char *what, const char *cmd,
		char *const env[], child_line_fn on_line, void *arg);

/*
 * Queue `len` bytes for the command's stdin, writing them once enough are
 * queued (and reading its output meanwhile).  Every byte is either
 * written or, when the command has stopped reading, dropped.
 */
int child_put(struct child *c, const char *data, size_t len);

/*
 * Write what is queued, close its stdin, read its output to the end, and
 * wait for it.  Returns 0 if it exited with status 0; otherwise -1 with a
 * message giving the status or the signal and the last lines of its
 * stderr.  Either way the command is gone and everything is freed.
 */
int child_finish(struct child *c);

/* Kill the command's process group (SIGKILL), reap it, free everything. */
void child_abort(struct child *c);

#endif /* MR_CHILD_H */
