/* runner.c - see runner.h. */
#include "runner/runner.h"

#include "common/log.h"
#include "common/util.h"
#include "common/afile.h"
#include "common/faults.h"
#include "common/jobdir.h"
#include "common/params.h"
#include "runner/fileio.h"
#include "runner/zinput.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ---- whose fault ---- */

/* A failure the engine found (printed where it was found): -1. */
static int engine_fault(struct runner *rn)
{
	rn->fault = RUNNER_FAULT_ENGINE;
	return -1;
}

/* A failure of the plugin's (printed): -1. */
static int plugin_fault(struct runner *rn)
{
	rn->fault = RUNNER_FAULT_PLUGIN;
	return -1;
}

/* A mapout call failed (printed): the plugin's fault when mapout says so. */
static int mapout_fault(struct runner *rn, const struct mapout *mo)
{
	return mo->fault == SHUFFLE_FAULT_OPS ? plugin_fault(rn) : engine_fault(rn);
}

/* ---- what the plugin's callbacks get ---- */

/* What every engine-side struct mr_ctx starts with; `pub` first. */
struct engine_ctx {
	struct mr_ctx pub;       /* the plugin's handle */
	struct runner *rn;       /* for the counters */
};

/* A plugin's counters (in map, combine or reduce) go with its task's. */
static int counter_add(struct mr_ctx *c, const char *name, int64_t n)
{
	struct engine_ctx *e = (struct engine_ctx *)c;

	return counters_add(&e->rn->counters, name, n);
}

/* mr_fail: the plugin says why its callback fails (kept for the message). */
static int plugin_fail(struct mr_ctx *c, const char *msg)
{
	struct engine_ctx *e = (struct engine_ctx *)c;

	snprintf(e->rn->plugin_why, sizeof(e->rn->plugin_why), "%s", msg ? msg : "");
	return -1;
}

/* ": WHY" when the plugin said why it failed (mr_fail), else "". */
static const char *why_sep(const struct runner *rn)
{
	return rn->plugin_why[0] ? ": " : "";
}

/* mr_param: the job's parameters, in every callback. */
static const char *param_get(struct mr_ctx *c, const char *key)
{
	struct engine_ctx *e = (struct engine_ctx *)c;

	return e->rn->params ? params_get(e->rn->params, key) : NULL;
}

/*
 * The engine side of a map's or a reduce's struct mr_ctx.  An engine call
 * that fails prints why and sets the runner's fault; `failed` then makes
 * the step fail whatever the plugin returns.
 */
struct run_ctx {
	struct engine_ctx e;     /* first */
	struct mapout *mo;       /* map: where emitted pairs go */
	struct mgroup *g;        /* reduce: the current key's values */
	struct afile *out;       /* reduce: output lines */
	int failed;              /* an engine call failed (printed, fault set) */
	int closed;              /* mr_task_end of a failing task: emits are refused */
	int no_key;              /* reduce's mr_task_end: no current key */
	/* built-in counters, kept here on the hot path, added up at the end */
	uint64_t records, bytes;         /* map: emitted; reduce: output lines */
	uint64_t groups, values;         /* reduce: keys and values read */
};

/* ---- map ---- */

static int map_emit(struct mr_ctx *c, const char *key, size_t klen,
		    const char *val, size_t vlen)
{
	struct run_ctx *ctx = (struct run_ctx *)c;

	if (ctx->closed)
		return -1;
	if (mapout_stage(ctx->mo, key, klen, val, vlen) < 0) {
		ctx->failed = 1;
		return mapout_fault(ctx->e.rn, ctx->mo);
	}
	ctx->records++;
	ctx->bytes += klen + vlen;
	return 0;
}

static int no_values(struct mr_ctx *c, const char **val, size_t *vlen)
{
	(void)c;
	*val = NULL;
	*vlen = 0;
	return 0;
}

/* mr_emit_line outside a reduce: a plugin's mistake. */
static int map_emit_line(struct mr_ctx *c, const char *line, size_t len)
{
	struct run_ctx *ctx = (struct run_ctx *)c;

	(void)line;
	(void)len;
	if (ctx->closed)
		return -1;
	ctx->failed = 1;
	plugin_fault(ctx->e.rn);
	return error("plugin %s called mr_emit_line in a map: output lines are a "
		     "reduce's; a map emits pairs (mr_emit)", ctx->e.rn->plugin->path);
}

static int no_values_many(struct mr_ctx *c, const char **vals, size_t *vlens, size_t max)
{
	(void)max;
	return no_values(c, vals, vlens);
}

static const struct mr_host map_host = {
	.size = sizeof(struct mr_host),
	.emit = map_emit,
	.next_value = no_values,
	.counter_add = counter_add,
	.param = param_get,
	.emit_line = map_emit_line,
	.set_error = plugin_fail,
	.next_values = no_values_many,
};

/*
 * Hook `hook` of task `kind` `id` returned non-zero: -1, after saying so
 * (the plugin's fault), unless an engine call in it failed (said, fault
 * set already).
 */
static int hook_failed(struct run_ctx *ctx, const char *hook, int kind, int id)
{
	struct runner *rn = ctx->e.rn;

	if (ctx->failed)
		return -1;
	error("%s of %s %d failed in plugin %s%s%s", hook,
	      kind == MR_KIND_MAP ? "map" : "reduce", id, rn->plugin->path, why_sep(rn),
	      rn->plugin_why);
	return plugin_fault(rn);
}

/*
 * The plugin's mr_task_start, when it has one: 0, or -1 after saying that
 * it failed (the plugin's fault).
 */
static int task_start(struct run_ctx *ctx, int kind, int id)
{
	struct runner *rn = ctx->e.rn;
	const struct plugin *p = rn->plugin;

	if (!p->task_start)
		return 0;
	if (p->task_start(&ctx->e.pub, kind, id) != 0 || ctx->failed)
		return hook_failed(ctx, "mr_task_start", kind, id);
	return 0;
}

/*
 * The plugin's mr_task_end after a task whose steps returned `rc` (0 or
 * -1): with rc 0 it may still emit, and its failure fails the task; with
 * -1 it only releases, emits refused.  Returns the task's outcome.
 */
static int task_end(struct run_ctx *ctx, int kind, int id, int rc)
{
	struct runner *rn = ctx->e.rn;
	const struct plugin *p = rn->plugin;

	if (!p->task_end)
		return rc;
	if (rc < 0) {
		ctx->closed = 1;
		(void)p->task_end(&ctx->e.pub, kind, id, 0);
		return -1;
	}
	if (p->task_end(&ctx->e.pub, kind, id, 1) != 0 || ctx->failed)
		return hook_failed(ctx, "mr_task_end", kind, id);
	return 0;
}

static int is_skipped(const struct map_spec *spec, int64_t off)
{
	for (size_t i = 0; i < spec->nskip; i++)
		if (spec->skip[i] == off)
			return 1;
	return 0;
}

/* Hand the plugin one line at a time; skip the known bad ones.  0 or -1. */
static int map_records(const struct map_spec *spec, struct run_ctx *ctx,
		       const struct filebuf *in)
{
	struct runner *rn = ctx->e.rn;
	const struct plugin *p = rn->plugin;
	volatile int64_t *probe = rn->record_probe;
	const char *pos = in->data, *end = in->data + in->len;
	int64_t skipped = 0;

	while (pos < end) {
		const char *nl = memchr(pos, '\n', (size_t)(end - pos));
		size_t len = (size_t)((nl ? nl : end) - pos);
		int64_t off = in->offset + (pos - in->data);
		int rc = 0;

		if (is_skipped(spec, off)) {
			skipped++;
		} else {
			if (probe)
				*probe = off;
			rc = p->map_record(&ctx->e.pub, spec->file, off, pos, len);
			/* Left set on failure: the watchdog names the line. */
			if (probe && rc == 0 && !ctx->failed)
				*probe = -1;
		}
		if (ctx->failed)
			return -1;
		if (rc != 0) {
			error("map of the line at byte %lld of %s failed in plugin %s%s%s",
			      (long long)off, spec->file, p->path, why_sep(rn), rn->plugin_why);
			return plugin_fault(rn);
		}
		pos += len + 1;
	}
	counters_add(&rn->counters, "mr.map.skipped.records", skipped);
	return 0;
}

/* Newlines in p[0 .. n): 16 bytes a step, byte counters summed every 255 steps. */
static uint64_t count_newlines(const char *p, size_t n)
{
	uint64_t total = 0;
	size_t i = 0;
#ifdef __SSE2__
	const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();

	while (n - i >= 16) {
		__m128i acc = zero, sums;
		size_t steps = (n - i) / 16;

		if (steps > 255)
			steps = 255;
		for (size_t k = 0; k < steps; k++, i += 16)
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + i)), nl));
		sums = _mm_sad_epu8(acc, zero);
		total += (uint64_t)_mm_cvtsi128_si32(sums) + (uint64_t)_mm_extract_epi16(sums, 4);
	}
#endif
	for (; i < n; i++)
		total += p[i] == '\n';
	return total;
}

/* Lines in data[0 .. len): newlines, plus an unterminated last line. */
static uint64_t count_lines(const char *data, size_t len)
{
	return count_newlines(data, len) + (len > 0 && data[len - 1] != '\n');
}

int runner_map_input(struct runner *rn, const struct map_spec *spec, struct mapout *mo)
{
	const struct plugin *p = rn->plugin;
	struct run_ctx ctx = { .e = { .pub.host = &map_host, .rn = rn }, .mo = mo };
	enum input_codec codec = inputs_codec(spec->file);
	struct filebuf in;
	int rc;

	rn->plugin_why[0] = '\0';
	if (codec == INPUT_PLAIN) {
		rc = filebuf_read(&in, spec->file, spec->offset, spec->length);
	} else if (spec->offset != 0 || spec->length >= 0) {
		rc = error("map task %d asks for a split of %s, a compressed input, which "
			   "cannot be split", spec->map_id, spec->file);
	} else {
		rc = zinput_read(&in, spec->file, codec, rn->input_limit);
	}
	if (rc < 0)
		return engine_fault(rn);
	/* A later split with no line starting in it has nothing to map. */
	if (in.len == 0 && spec->offset > 0) {
		filebuf_release(&in);
		return 0;
	}
	mapout_expect_input(mo, in.len);
	if (task_start(&ctx, MR_KIND_MAP, spec->map_id) < 0) {
		filebuf_release(&in);
		return -1;
	}
	if (spec->by_record || !p->map) {
		rc = map_records(spec, &ctx, &in);
	} else {
		rc = p->map(&ctx.e.pub, spec->file, in.data, in.len);
		if (rc != 0 && !ctx.failed) {
			error("map of %s failed in plugin %s%s%s", spec->file, p->path,
			      why_sep(rn), rn->plugin_why);
			plugin_fault(rn);
		}
	}
	rc = task_end(&ctx, MR_KIND_MAP, spec->map_id, rc != 0 || ctx.failed ? -1 : 0);
	counters_add(&rn->counters, "mr.map.input.bytes", (int64_t)in.len);
	counters_add(&rn->counters, "mr.map.input.records", (int64_t)count_lines(in.data, in.len));
	counters_add(&rn->counters, "mr.map.output.records", (int64_t)ctx.records);
	counters_add(&rn->counters, "mr.map.output.bytes", (int64_t)ctx.bytes);
	filebuf_release(&in);
	return rc;
}

/* ---- combine ---- */

/* The engine side of struct mr_ctx while the plugin's mr_combine runs. */
struct combine_ctx {
	struct engine_ctx e;     /* first */
	const char *key;         /* the key being combined */
	size_t klen;
	struct combine_io *io;   /* its values, and where the output goes */
	int failed;              /* an io call failed, or an emit was refused (printed) */
};

static int combine_emit(struct mr_ctx *c, const char *key, size_t klen,
			const char *val, size_t vlen)
{
	struct combine_ctx *ctx = (struct combine_ctx *)c;

	if (klen != ctx->klen || (klen && memcmp(key, ctx->key, klen) != 0)) {
		ctx->failed = 1;
		return error("combine in plugin %s emitted key '%.*s' while combining "
			     "key '%.*s'; a combiner may only emit its own key",
			     ctx->e.rn->plugin->path, klen > 64 ? 64 : (int)klen, key,
			     ctx->klen > 64 ? 64 : (int)ctx->klen, ctx->key);
	}
	if (combine_io_emit(ctx->io, val, vlen) < 0) {
		ctx->failed = 1;
		return -1;
	}
	return 0;
}

static int combine_next(struct mr_ctx *c, const char **val, size_t *vlen)
{
	struct combine_ctx *ctx = (struct combine_ctx *)c;
	int rc = combine_io_next(ctx->io, val, vlen);

	if (rc < 0)
		ctx->failed = 1;
	return rc;
}

static int combine_next_many(struct mr_ctx *c, const char **vals, size_t *vlens, size_t max)
{
	struct combine_ctx *ctx = (struct combine_ctx *)c;
	int rc = combine_io_next_many(ctx->io, vals, vlens, max ? max : 1);

	if (rc < 0)
		ctx->failed = 1;
	return rc;
}

/* mr_emit_line in a combine: a plugin's mistake. */
static int combine_emit_line(struct mr_ctx *c, const char *line, size_t len)
{
	struct combine_ctx *ctx = (struct combine_ctx *)c;

	(void)line;
	(void)len;
	ctx->failed = 1;
	return error("plugin %s called mr_emit_line in a combine: output lines are a "
		     "reduce's; a combine emits values (mr_emit)", ctx->e.rn->plugin->path);
}

static const struct mr_host combine_host = {
	.size = sizeof(struct mr_host),
	.emit = combine_emit,
	.next_value = combine_next,
	.counter_add = counter_add,
	.param = param_get,
	.emit_line = combine_emit_line,
	.set_error = plugin_fail,
	.next_values = combine_next_many,
};

/*
 * shuffle_ops.combine (`arg` is the runner): the plugin's mr_combine over
 * one key.  Whose fault a failure is, the shuffle tells (mapout's fault).
 */
static int plugin_combine(void *arg, const char *key, size_t klen, struct combine_io *io)
{
	struct runner *rn = arg;
	const struct plugin *p = rn->plugin;
	struct combine_ctx ctx = {
		.e = { .pub.host = &combine_host, .rn = rn },
		.key = key, .klen = klen, .io = io,
	};

	if (p->combine(&ctx.e.pub, key, klen) != 0 && !ctx.failed)
		return error("combine of key '%.*s' failed in plugin %s%s%s",
			     klen > 64 ? 64 : (int)klen, key, p->path, why_sep(rn),
			     rn->plugin_why);
	return ctx.failed ? -1 : 0;
}

/* ---- reduce ---- */

static int reduce_emit(struct mr_ctx *c, const char *key, size_t klen,
		       const char *val, size_t vlen)
{
	struct run_ctx *ctx = (struct run_ctx *)c;

	if (ctx->closed)
		return -1;
	if (afile_write(ctx->out, key, klen) < 0 || afile_write(ctx->out, " ", 1) < 0 ||
	    afile_write(ctx->out, val, vlen) < 0 || afile_write(ctx->out, "\n", 1) < 0) {
		ctx->failed = 1;
		return engine_fault(ctx->e.rn);
	}
	ctx->records++;
	ctx->bytes += klen + vlen + 2;
	return 0;
}

static int reduce_emit_line(struct mr_ctx *c, const char *line, size_t len)
{
	struct run_ctx *ctx = (struct run_ctx *)c;

	if (ctx->closed)
		return -1;
	if (afile_write(ctx->out, line, len) < 0 || afile_write(ctx->out, "\n", 1) < 0) {
		ctx->failed = 1;
		return engine_fault(ctx->e.rn);
	}
	ctx->records++;
	ctx->bytes += len + 1;
	return 0;
}

static int next_value(struct mr_ctx *c, const char **val, size_t *vlen)
{
	struct run_ctx *ctx = (struct run_ctx *)c;
	uint32_t len;
	int rc;

	if (ctx->no_key) {
		*val = NULL;
		*vlen = 0;
		return 0;
	}
	rc = mgroup_next_value(ctx->g, val, &len);

	if (rc < 0) {
		ctx->failed = 1;
		engine_fault(ctx->e.rn);
		*val = NULL;
	}
	ctx->values += rc > 0;
	*vlen = rc > 0 ? len : 0;
	return rc;
}

/* A merge group's value lives in its read buffer: one at a time. */
static int next_values(struct mr_ctx *c, const char **vals, size_t *vlens, size_t max)
{
	(void)max;
	return next_value(c, vals, vlens);
}

static const struct mr_host reduce_host = {
	.size = sizeof(struct mr_host),
	.emit = reduce_emit,
	.next_value = next_value,
	.counter_add = counter_add,
	.param = param_get,
	.emit_line = reduce_emit_line,
	.set_error = plugin_fail,
	.next_values = next_values,
};

/* Call the plugin's reduce once per key of ctx->g, into ctx->out.  0 or -1. */
static int reduce_groups(struct run_ctx *ctx, const char *out_path)
{
	struct runner *rn = ctx->e.rn;
	const struct plugin *p = rn->plugin;
	struct mgroup *g = ctx->g;
	int more;

	while ((more = mgroup_next_key(g)) > 0) {
		ctx->groups++;
		if (p->reduce(&ctx->e.pub, g->key, g->klen) != 0 && !ctx->failed) {
			error("reduce of key '%.*s' for %s failed in plugin %s%s%s",
			      g->klen > 64 ? 64 : (int)g->klen, g->key, out_path, p->path,
			      why_sep(rn), rn->plugin_why);
			return plugin_fault(rn);
		}
		if (ctx->failed)
			return -1;
	}
	return more < 0 ? engine_fault(rn) : 0;
}

int runner_reduce_merged(struct runner *rn, struct merger *m, int reduce_id,
			 const char *out_path)
{
	struct afile out;
	struct mgroup g;
	struct run_ctx ctx = { .e = { .pub.host = &reduce_host, .rn = rn }, .g = &g, .out = &out };
	int rc;

	rn->plugin_why[0] = '\0';
	if (afile_open_output(&out, out_path) < 0)
		return engine_fault(rn);
	mgroup_init(&g, m);
	rc = task_start(&ctx, MR_KIND_REDUCE, reduce_id);
	if (rc == 0) {
		rc = reduce_groups(&ctx, out_path);
		ctx.no_key = 1;
		rc = task_end(&ctx, MR_KIND_REDUCE, reduce_id, rc);
	}
	mgroup_release(&g);
	if (rc < 0) {
		afile_abort(&out);
		return -1;
	}
	counters_add(&rn->counters, "mr.reduce.input.groups", (int64_t)ctx.groups);
	counters_add(&rn->counters, "mr.reduce.input.records", (int64_t)ctx.values);
	counters_add(&rn->counters, "mr.output.records", (int64_t)ctx.records);
	counters_add(&rn->counters, "mr.output.bytes", (int64_t)ctx.bytes);
	fault_crash("before-publish");
	return afile_commit(&out) < 0 ? engine_fault(rn) : 0;
}

/* ---- tasks ---- */

/*
 * A map's runs are published all or none: every partition is written to
 * its temp file first, and they are renamed only once all are written.  A
 * failure before that (the disk filled up, the combine failed) leaves
 * nothing: afile_set_release() removes the temp files.
 *
 * A rename that fails part-way leaves the runs renamed before it.  They
 * are not removed, on purpose: a backup attempt of the same map publishes
 * the same names in the same directory, and may have reported them done;
 * unlinking "our" mr-M-R could take away the file that attempt counts on
 * (after a rename over it, the name holds our identical copy).  What is
 * left is whole runs with the content every attempt of this map writes:
 * a re-run replaces them, and the coordinator removes them with the job's
 * other intermediate files.
 */
int runner_map_task(struct runner *rn, const struct map_spec *spec, const char *dir)
{
	unsigned n = (unsigned)spec->nreduce;
	struct afile_set runs;
	struct mapout mo;
	char name[JOBDIR_PATH_MAX];
	int rc = -1;

	counters_reset(&rn->counters);
	afile_set_init(&runs);
	mapout_init(&mo, &rn->ops, n, &rn->budget, &rn->cache);
	if (runner_map_input(rn, spec, &mo) < 0)
		goto out;
	if (mapout_finish(&mo) < 0) {
		mapout_fault(rn, &mo);
		goto out;
	}
	fault_crash("before-publish");
	for (unsigned r = 0; r < n; r++) {
		if (mapout_write(&mo, r, jobdir_run_path(name, dir, spec->map_id, (int)r),
				 &runs) < 0) {
			mapout_fault(rn, &mo);
			goto out;
		}
	}
	if (afile_set_publish(&runs) < 0) {
		engine_fault(rn);
		goto out;
	}
	counters_add(&rn->counters, "mr.combine.input.records", (int64_t)mo.combine_in);
	counters_add(&rn->counters, "mr.combine.output.records", (int64_t)mo.combine_out);
	counters_add(&rn->counters, "mr.spills", (int64_t)mo.spills);
	rc = 0;
out:
	mapout_release(&mo);
	afile_set_release(&runs);
	return rc;
}

int runner_reduce_task(struct runner *rn, int reduce_id, int nmap,
		       const char *const *dirs)
{
	struct runlist runs;
	struct merger m;
	char name[JOBDIR_PATH_MAX];
	int rc = -1;

	counters_reset(&rn->counters);
	runlist_init(&runs);
	for (int i = 0; i < nmap; i++)
		runlist_add_path(&runs, jobdir_run_path(name, dirs ? dirs[i] : NULL, i,
							reduce_id));
	merger_init(&m);
	if (runlist_merger(&runs, NULL, budget_fan_in(&rn->budget), &rn->budget, &m) < 0) {
		engine_fault(rn);
		goto out;
	}
	rc = runner_reduce_merged(rn, &m, reduce_id,
				  jobdir_output_path(name, rn->output_dir, reduce_id));
out:
	merger_release(&m);
	runlist_release(&runs);
	return rc;
}

/* ---- the runner ---- */

void runner_init(struct runner *rn, const struct plugin *p, uint64_t memory)
{
	memset(rn, 0, sizeof(*rn));
	rn->plugin = p;
	budget_init(&rn->budget, memory);
	rn->ops = (struct shuffle_ops){
		.partition = plugin_partition_rule(p),
		.combiner = p->combine_sum ? SHUFFLE_COMBINE_SUM
			    : p->combine ? SHUFFLE_COMBINE_USER : SHUFFLE_COMBINE_NONE,
		.combine = plugin_combine,
		.arg = rn,
		.name = p->path,
	};
	counters_reset(&rn->counters);
	mapout_cache_init(&rn->cache);
	rn->fault = RUNNER_FAULT_NONE;
	rn->input_limit = ZINPUT_DEFAULT_LIMIT;
}

void runner_release_cache(struct runner *rn)
{
	mapout_cache_release(&rn->cache);
}

void runner_release(struct runner *rn)
{
	mapout_cache_release(&rn->cache);
	memset(rn, 0, sizeof(*rn));
}

struct counters *runner_counters(struct runner *rn)
{
	return &rn->counters;
}

void runner_set_params(struct runner *rn, const struct params *ps)
{
	rn->params = ps;
}

void runner_set_record_probe(struct runner *rn, volatile int64_t *slot)
{
	rn->record_probe = slot;
}
