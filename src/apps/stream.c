/*
 * stream.c - streaming: a job's map and reduce are commands in any
 * language, with Hadoop Streaming's contract.
 *
 * Parameters (mrcoordinator / mrsequential --param):
 *   map=COMMAND     the mapper, run with /bin/sh -c in the job directory
 *   reduce=COMMAND  the reducer, the same way
 * Both are required; a task whose command is missing fails naming it.
 *
 * Map task: one mapper process per map task, run by mr_map.  Its stdin is
 * the task's input as it is (the whole file or the split, every byte);
 * every line it writes to stdout is a pair: the key is the line up to its
 * first TAB and the value the rest after that TAB; a line without a TAB is
 * all key, with an empty value.  A '\r' before the '\n' stays part of the
 * line (of the value, or of a key without a TAB); a last line without a
 * '\n' counts.  Bytes are bytes: NUL and invalid UTF-8 pass through.
 *
 * Reduce task: one reducer process per reduce task, started by
 * mr_task_start.  Every mr_reduce writes "KEY\tVALUE\n" to its stdin for
 * each value of the key (keys in ascending byte order, a key's values in
 * the engine's order); every line it writes to stdout is one line of
 * mr-out-R, as it is (mr_emit_line).  mr_task_end closes its stdin, reads
 * what is left and waits for it; when the task failed, it kills it.
 *
 * A command that exits non-zero or is killed fails the attempt: the
 * message gives the status or the signal and the last lines of its stderr
 * (child.h).  Its stderr also goes through to the worker's.  Lines it
 * writes may be up to CHILD_LINE_MAX bytes long.  It gets the worker's
 * environment plus, as Hadoop Streaming sets them:
 *   mapreduce_task_ismap       "true" or "false"
 *   mapreduce_task_partition   the map or reduce task's number
 *   mapreduce_map_input_file   (map) the input path as given to the job;
 *   map_input_file             the same, under its older name
 */
#define MR_APP "stream"

#include "applib.h"
#include "child.h"
#include "mapreduce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

MR_PLUGIN_ABI;

extern char **environ;

/* The task being run; a worker runs one at a time. */
static struct {
	struct child ch;      /* the command; ch.pid > 0 while it runs */
	struct mr_ctx *ctx;   /* the callback running now (for the line callbacks) */
	int kind;             /* MR_KIND_MAP or MR_KIND_REDUCE, from mr_task_start */
	int task_id;          /* -1 when the engine did not say */
} S = { .task_id = -1 };

/* The command of parameter `name`, or NULL (reported). */
static const char *command(struct mr_ctx *ctx, const char *name)
{
	const char *cmd = mr_param(ctx, name);

	if (!cmd || !cmd[0]) {
		app_error("the streaming job has no %s command: give the job "
			  "--param %s=COMMAND", name, name);
		return NULL;
	}
	return cmd;
}

/* ---- the child's environment ---- */

#define ENV_OURS 4

struct env {
	char **v;              /* malloc'd; borrowed strings but ours */
	char *ours[ENV_OURS];  /* malloc'd */
};

static void env_release(struct env *e)
{
	free(e->v);
	for (int i = 0; i < ENV_OURS; i++)
		free(e->ours[i]);
	memset(e, 0, sizeof(*e));
}

/* Whether environment entry `s` sets one of the variables we set. */
static int is_ours(const char *s)
{
	static const char *const names[] = { "mapreduce_task_ismap=",
		"mapreduce_task_partition=", "mapreduce_map_input_file=", "map_input_file=" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strncmp(s, names[i], strlen(names[i])))
			return 1;
	return 0;
}

/* The worker's environment with ours set (file NULL: none).  0 or -1. */
static int env_make(struct env *e, int ismap, const char *file)
{
	size_t n = 0, k = 0;
	int nours = 0;

	memset(e, 0, sizeof(*e));
	if (asprintf(&e->ours[nours++], "mapreduce_task_ismap=%s", ismap ? "true" : "false") < 0)
		goto oom;
	if (S.task_id >= 0 &&
	    asprintf(&e->ours[nours++], "mapreduce_task_partition=%d", S.task_id) < 0)
		goto oom;
	if (file && (asprintf(&e->ours[nours++], "mapreduce_map_input_file=%s", file) < 0 ||
		     asprintf(&e->ours[nours++], "map_input_file=%s", file) < 0))
		goto oom;
	while (environ && environ[n])
		n++;
	e->v = calloc(n + ENV_OURS + 1, sizeof(*e->v));
	if (!e->v) {
		env_release(e);
		return app_error("out of memory");
	}
	for (size_t i = 0; i < n; i++)
		if (!is_ours(environ[i]))
			e->v[k++] = environ[i];
	for (int i = 0; i < nours; i++)
		e->v[k++] = e->ours[i];
	return 0;
oom:
	/* asprintf leaves its pointer undefined on failure. */
	e->ours[nours - 1] = NULL;
	env_release(e);
	return app_error("out of memory");
}

/* ---- map ---- */

/* A mapper's line: KEY<TAB>VALUE, or all key. */
static int map_line(void *arg, const char *line, size_t len)
{
	const char *tab = memchr(line, '\t', len);

	(void)arg;
	if (!tab)
		return app_emit(S.ctx, line, len, "", 0);
	return app_emit(S.ctx, line, (size_t)(tab - line), tab + 1,
			len - (size_t)(tab - line) - 1);
}

/* Run the mapper over data[0..len) from `file`. */
static int run_mapper(struct mr_ctx *ctx, const char *file, const char *data, size_t len)
{
	const char *cmd = command(ctx, "map");
	struct env env;
	int rc;

	S.ctx = ctx;
	if (!cmd || env_make(&env, 1, file) < 0)
		return -1;
	rc = child_start(&S.ch, "mapper", cmd, env.v, map_line, NULL);
	env_release(&env);
	if (rc < 0)
		return -1;
	if (child_put(&S.ch, data, len) < 0) {
		child_abort(&S.ch);
		return -1;
	}
	return child_finish(&S.ch);
}

MR_EXPORT int mr_map(struct mr_ctx *ctx, const char *file, const char *data, size_t len)
{
	return app_said(ctx, run_mapper(ctx, file, data, len));
}

/* ---- reduce ---- */

/* A reducer's line: a line of the output, as it is. */
static int reduce_line(void *arg, const char *line, size_t len)
{
	(void)arg;
	if (mr_emit_line(S.ctx, line, len) < 0)
		return app_error("cannot write an output line (an engine before 0.3 "
				 "cannot take lines: mr_emit_line)");
	return 0;
}

static int start_reducer(struct mr_ctx *ctx)
{
	const char *cmd = command(ctx, "reduce");
	struct env env;
	int rc;

	if (!cmd || env_make(&env, 0, NULL) < 0)
		return -1;
	rc = child_start(&S.ch, "reducer", cmd, env.v, reduce_line, NULL);
	env_release(&env);
	return rc;
}

static int reduce_key(struct mr_ctx *ctx, const char *key, size_t klen)
{
	const char *val;
	size_t vlen;
	int r;

	S.ctx = ctx;
	if (S.ch.pid <= 0)
		return app_error("no reducer is running: this engine did not call "
				 "mr_task_start (streaming needs engine 0.3 or later)");
	while ((r = app_next(ctx, &val, &vlen)) == 1)
		if (child_put(&S.ch, key, klen) < 0 || child_put(&S.ch, "\t", 1) < 0 ||
		    child_put(&S.ch, val, vlen) < 0 || child_put(&S.ch, "\n", 1) < 0)
			return -1;
	return r;
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	return app_said(ctx, reduce_key(ctx, key, klen));
}

/* ---- task hooks ---- */

MR_EXPORT int mr_task_start(struct mr_ctx *ctx, int kind, int task_id)
{
	if (S.ch.pid > 0)
		child_abort(&S.ch); /* a task the engine never ended */
	S.ctx = ctx;
	S.kind = kind;
	S.task_id = task_id;
	return app_said(ctx, kind == MR_KIND_REDUCE ? start_reducer(ctx) : 0);
}

MR_EXPORT int mr_task_end(struct mr_ctx *ctx, int kind, int task_id, int ok)
{
	int rc = 0;

	(void)task_id;
	S.ctx = ctx;
	if (!ok) {
		if (S.ch.pid > 0)
			child_abort(&S.ch);
	} else if (kind == MR_KIND_REDUCE && S.ch.pid > 0) {
		rc = child_finish(&S.ch);
	}
	S.task_id = -1;
	return app_said(ctx, rc);
}
