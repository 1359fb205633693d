/*
 * mapreduce.h - the plugin ABI of mapreduce-c.
 *
 * A plugin is a shared object that mrworker and mrsequential load with
 * dlopen(RTLD_NOW | RTLD_LOCAL).  It needs nothing from the engine at link
 * time: every engine service reaches it through the `struct mr_ctx` it is
 * handed, so a plugin links against libc (and whatever it likes) only.
 *
 * Required exports
 *   const unsigned mr_abi_version;     must equal MR_ABI_VERSION (use
 *                                      MR_PLUGIN_ABI below)
 *   int mr_map(struct mr_ctx *, const char *file, const char *data, size_t len);
 *                                      (or mr_map_record, below)
 *   int mr_reduce(struct mr_ctx *, const char *key, size_t klen);
 *
 * Optional exports (looked up with dlsym; absent means "use the default")
 *   int mr_combine(struct mr_ctx *, const char *key, size_t klen);
 *       Map-side pre-reduction: called with some of a key's values (pull them
 *       with mr_next_value) and emits zero or more values, under the same
 *       key only, that replace them.  Must be safe to apply any number of
 *       times, to any subset of the values.
 *   const char mr_combiner[];
 *       Names a combiner built into the engine, used on the map side instead
 *       of mr_combine (which a plugin may still export: mrworker and
 *       mrsequential use it when run with --plugin-combiner).  The only one
 *       is "sum": every value is an unsigned decimal count (one or more ASCII
 *       digits, below 2^64) and combining a key's values means adding them
 *       up; the engine keeps one 64-bit total per key as values are emitted,
 *       and writes it in decimal.  A value that is not such a count, or a
 *       total that passes 2^64 - 1, fails the map attempt; an unknown name
 *       fails loading the plugin.  Declare it with
 *           MR_EXPORT const char mr_combiner[] = "sum";
 *   unsigned mr_partition(const char *key, size_t klen, unsigned nreduce);
 *       Which reduce task gets `key`; must return < nreduce.  The default is
 *       mr_default_partition() below (the lab's FNV-1a rule).
 *   int mr_map_record(struct mr_ctx *, const char *file, int64_t offset,
 *                     const char *line, size_t len);
 *       Per-record map: called once per input line (without its '\n'; a
 *       '\r' before it stays), `offset` being the line's first byte in the
 *       file.  A plugin may export it instead of mr_map, or beside it.  The
 *       engine uses it when the plugin has no mr_map, or when the job runs
 *       with --skip-bad-records; it then runs each map in a watched child
 *       process, so a line that crashes the plugin is named (file and
 *       offset) and, with --skip-bad-records, skipped by the next attempt.
 *
 * Rules for every callback
 *   - Return 0 on success, -1 on failure.  A failure (or a crash, or exit())
 *     fails this attempt of the task; the coordinator hands it out again.
 *   - mr_emit() returns 0, or -1 when the engine could not take the pair (the
 *     attempt fails whatever the callback then returns; just return -1).
 *   - mr_next_value() returns 1 with the next value, 0 after the last one,
 *     or -1 when the engine could not read it (return -1 then).  A reduce or
 *     combine may stop pulling early; the engine skips what is left.
 *   - Keys and values are binary-safe byte strings (pointer + length).  Every
 *     string the engine hands in - map's `data` included - is followed by a
 *     '\0' that is not counted in its length, so text plugins may use it as a
 *     C string when the bytes themselves hold no NUL.
 *   - Strings the engine hands in are borrowed: valid until the callback
 *     returns (a value: until the next mr_next_value call).  Strings handed to
 *     mr_emit are copied before mr_emit returns.
 *   - Callbacks run in one thread; a plugin may keep global state, but a
 *     worker runs many tasks in one process, so state must not leak from one
 *     task into the next's results.
 *   - The prototypes below carry default visibility, so a plugin built with
 *     -fvisibility=hidden still exports them once it includes this header.
 *
 * Map: called once per map task with the whole input (or split) in memory.
 * `file` is the input path exactly as the user gave it to the coordinator.
 * Emit intermediate pairs with mr_emit().
 *
 * Reduce: called once per distinct key, keys in ascending byte order.  Pull
 * the key's values with mr_next_value() (in the order maps emitted them,
 * map tasks in id order) and write output with mr_emit(); each emitted pair
 * becomes one output line "KEY VALUE\n".  The usual reduce emits its own key
 * once.
 */
#ifndef MAPREDUCE_H
#define MAPREDUCE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MR_ABI_VERSION 1u

struct mr_ctx;

/* The kinds of task mr_task_start and mr_task_end are told about. */
#define MR_KIND_MAP 0
#define MR_KIND_REDUCE 1

/*
 * Engine services.  Filled in by the engine; fields are only ever appended,
 * and `size` tells how many the engine provides.  Use the inline wrappers
 * below: they check `size`, so a plugin built against a newer header still
 * runs on an older engine.
 */
struct mr_host {
	size_t size; /* sizeof(struct mr_host) in the engine */
	/* Emit one pair: intermediate in map/combine, output in reduce. */
	int (*emit)(struct mr_ctx *ctx, const char *key, size_t klen,
		    const char *val, size_t vlen);
	/* Next value of the current key: 1 and sets *val and *vlen, 0 at end, -1 on error. */
	int (*next_value)(struct mr_ctx *ctx, const char **val, size_t *vlen);
	/* Add n to the user counter `name` (appended in engine 0.2; see mr_counter_add). */
	int (*counter_add)(struct mr_ctx *ctx, const char *name, int64_t n);
	/* The job parameter `key`, or NULL (appended in engine 0.3; see mr_param). */
	const char *(*param)(struct mr_ctx *ctx, const char *key);
	/* Reduce: write one output line as it is (engine 0.3; see mr_emit_line). */
	int (*emit_line)(struct mr_ctx *ctx, const char *line, size_t len);
	/* Why the callback fails (engine 0.3; see mr_fail). */
	int (*set_error)(struct mr_ctx *ctx, const char *msg);
	/* Up to max next values at once (appended after set_error; see mr_next_values). */
	int (*next_values)(struct mr_ctx *ctx, const char **vals, size_t *vlens, size_t max);
};

/* What every callback receives.  Only `host` is public. */
struct mr_ctx {
	const struct mr_host *host;
};

static inline int mr_emit(struct mr_ctx *ctx, const char *key, size_t klen,
			  const char *val, size_t vlen)
{
	return ctx->host->emit(ctx, key, klen, val, vlen);
}

static inline int mr_next_value(struct mr_ctx *ctx, const char **val,
				size_t *vlen)
{
	return ctx->host->next_value(ctx, val, vlen);
}

/*
 * Combine and reduce: up to `max` (at least 1) next values of the current
 * key in one call, for a combiner (or reduce) that would otherwise pay a
 * call per value.  Returns n >= 1 with vals[0..n) and vlens[0..n) set, 0
 * after the last value, or -1 when the engine could not read them (return
 * -1 then).  The values are borrowed until the next mr_next_value or
 * mr_next_values call.  Fewer than `max` values do not mean the last
 * ones: call again until it returns 0.  Mixing it with mr_next_value is
 * fine; an engine that predates it hands one value per call.
 */
static inline int mr_next_values(struct mr_ctx *ctx, const char **vals, size_t *vlens,
				 size_t max)
{
	const struct mr_host *h = ctx->host;

	if (h->size < offsetof(struct mr_host, next_values) + sizeof(h->next_values) ||
	    !h->next_values)
		return h->next_value(ctx, vals, vlens);
	return h->next_values(ctx, vals, vlens, max);
}

/*
 * Add n to the user counter `name` (a C string of at most 63 bytes; names
 * starting with "mr." are the engine's).  Counters of every attempt that
 * succeeded are summed over the job and shown in mr-report.json; those of
 * failed or superseded attempts are dropped, so a re-run task does not count
 * twice.  Returns 0, or -1 when the engine cannot take it (an engine without
 * counters just ignores it and returns 0).
 */
static inline int mr_counter_add(struct mr_ctx *ctx, const char *name, int64_t n)
{
	const struct mr_host *h = ctx->host;

	if (h->size < offsetof(struct mr_host, counter_add) + sizeof(h->counter_add) ||
	    !h->counter_add)
		return 0;
	return h->counter_add(ctx, name, n);
}

/*
 * The value of job parameter `key` (mrcoordinator or mrsequential
 * `--param KEY=VALUE`), or NULL when the job has none by that name (or
 * the engine predates parameters).  Available in every callback.  The
 * value is a C string of at most 4096 bytes (it came from a command line:
 * no NUL inside), borrowed until the callback returns; copy it to keep it
 * for later tasks.  Keys are 1 to 64 bytes of [A-Za-z0-9_.-].
 */
static inline const char *mr_param(struct mr_ctx *ctx, const char *key)
{
	const struct mr_host *h = ctx->host;

	if (h->size < offsetof(struct mr_host, param) + sizeof(h->param) || !h->param)
		return NULL;
	return h->param(ctx, key);
}

/*
 * Reduce (and a reduce's mr_task_end) only: write `line` (`len` bytes,
 * binary-safe) to the output as it is, followed by '\n' - where mr_emit
 * writes "KEY VALUE\n".  Returns 0, or -1 when the engine could not take
 * it, or outside a reduce, or when the engine predates it.
 */
static inline int mr_emit_line(struct mr_ctx *ctx, const char *line, size_t len)
{
	const struct mr_host *h = ctx->host;

	if (h->size < offsetof(struct mr_host, emit_line) + sizeof(h->emit_line) ||
	    !h->emit_line)
		return -1;
	return h->emit_line(ctx, line, len);
}

/*
 * Say why the current callback fails: `msg` (a C string, copied; its first
 * 512 bytes are kept) becomes the attempt's error, after the engine's own
 * words (which callback, which input or key), in the worker's and the
 * coordinator's logs and in mr-report.json.  Returns -1, so a callback can
 * end with `return mr_fail(ctx, why);`.  The last call before a callback
 * returns non-zero is the one kept.  An engine that predates it gets the
 * message on stderr instead.
 */
static inline int mr_fail(struct mr_ctx *ctx, const char *msg)
{
	const struct mr_host *h = ctx->host;

	if (h->size < offsetof(struct mr_host, set_error) + sizeof(h->set_error) ||
	    !h->set_error) {
		fprintf(stderr, "%s\n", msg);
		return -1;
	}
	return h->set_error(ctx, msg);
}

/* The lab's hash: FNV-1a, 32 bits, over the key's bytes. */
static inline uint32_t mr_fnv1a32(const char *key, size_t klen)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < klen; i++) {
		h ^= (unsigned char)key[i];
		h *= 16777619u;
	}
	return h;
}

/* The default partition: (FNV-1a & 0x7fffffff) % nreduce, as in the lab. */
static inline unsigned mr_default_partition(const char *key, size_t klen,
					    unsigned nreduce)
{
	return (mr_fnv1a32(key, klen) & 0x7fffffffu) % nreduce;
}

/*
 * Put this in front of every function a plugin exports (mr_map, mr_reduce,
 * mr_combine, mr_partition, mr_task_start, mr_task_end): plugins are built with -fvisibility=hidden, so
 * anything not marked stays private to the shared object.
 */
#define MR_EXPORT __attribute__((visibility("default")))

/* Put this once in a plugin's source: it exports the ABI version. */
#define MR_PLUGIN_ABI \
	__attribute__((visibility("default"))) \
	const unsigned mr_abi_version = MR_ABI_VERSION

/* Prototypes the engine looks up; a plugin defines them. */
MR_EXPORT int mr_map(struct mr_ctx *ctx, const char *file, const char *data, size_t len);
MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen);
MR_EXPORT int mr_combine(struct mr_ctx *ctx, const char *key, size_t klen);
MR_EXPORT unsigned mr_partition(const char *key, size_t klen, unsigned nreduce);
MR_EXPORT int mr_map_record(struct mr_ctx *ctx, const char *file, int64_t offset,
			    const char *line, size_t len);
MR_EXPORT extern const char mr_combiner[];
MR_EXPORT int mr_task_start(struct mr_ctx *ctx, int kind, int task_id);
MR_EXPORT int mr_task_end(struct mr_ctx *ctx, int kind, int task_id, int ok);

#endif /* MAPREDUCE_H */
