/*
 * plugin.h - loading a map/reduce plugin (see src/apps/mapreduce.h).
 */
#ifndef MR_PLUGIN_H
#define MR_PLUGIN_H

#include "apps/mapreduce.h"

typedef int (*mr_map_fn)(struct mr_ctx *, const char *, const char *, size_t);
typedef int (*mr_reduce_fn)(struct mr_ctx *, const char *, size_t);
typedef unsigned (*mr_partition_fn)(const char *, size_t, unsigned);
typedef int (*mr_map_record_fn)(struct mr_ctx *, const char *, int64_t, const char *, size_t);
typedef int (*mr_task_start_fn)(struct mr_ctx *, int, int);
typedef int (*mr_task_end_fn)(struct mr_ctx *, int, int, int);

struct plugin {
	void *handle;
	char *path;               /* malloc'd: the file loaded (pluginpath.h) */
	mr_map_fn map;            /* NULL when the plugin only maps records */
	mr_map_record_fn map_record; /* optional: NULL when absent */
	mr_reduce_fn reduce;
	mr_reduce_fn combine;     /* optional: NULL when absent */
	mr_partition_fn partition; /* optional: NULL means the FNV default */
	int combine_sum;          /* declares the built-in sum combiner (mr_combiner) */
	mr_task_start_fn task_start; /* optional: NULL when absent */
	mr_task_end_fn task_end;     /* optional: NULL when absent */
};

/*
 * Find `path` (a path, or a bare name looked up as pluginpath.h says: the
 * current directory first, then $MR_PLUGIN_PATH, then the bundled plugins),
 * dlopen(RTLD_NOW | RTLD_LOCAL) it, check mr_abi_version and look up the
 * symbols.  Returns 0, or -1 after printing where it looked, or the path
 * and dlerror()'s text, or the ABI mismatch.
 */
int plugin_load(struct plugin *p, const char *path);

/*
 * Forget the plugin.  The shared object stays mapped when built with
 * sanitizers (so leak reports keep their symbols); otherwise it is closed.
 */
void plugin_close(struct plugin *p);

/*
 * The plugin's partition rule: its mr_partition, or plugin_default_partition
 * when it has none.  Its answers may be out of range; the shuffle folds them
 * in (shuffle_partition() in shuffle/shuffle.h).
 */
mr_partition_fn plugin_partition_rule(const struct plugin *p);

/* The default rule, mr_default_partition(): (FNV-1a-32(key) & 0x7fffffff) % nreduce. */
unsigned plugin_default_partition(const char *key, size_t klen, unsigned nreduce);

#endif
