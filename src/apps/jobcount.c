/*
 * jobcount.c - counts map executions.
 *
 * Every map call leaves an empty marker file "mr-worker-jobcount-PID-K" in
 * the current directory (K counts this process's map calls), sleeps 2 to 5
 * seconds and emits ("a", "x").  Reduce emits (key, the number of marker
 * files), so a test can check that no map task ran more often than needed.
 */
#define MR_APP "jobcount"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "applib.h"
#include "mapreduce.h"

MR_PLUGIN_ABI;

#define MARKER_PREFIX "mr-worker-jobcount"

/* Map calls made by this process so far. */
static unsigned long map_calls;

static int create_marker(void)
{
	char *path;
	int fd;

	if (asprintf(&path, MARKER_PREFIX "-%ld-%lu", (long)getpid(),
		     map_calls++) < 0)
		return app_error("out of memory");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		app_error_errno("cannot create %s", path);
		free(path);
		return -1;
	}
	close(fd);
	free(path);
	return 0;
}

static int is_marker(const char *name, const void *arg)
{
	(void)arg;
	return !strncmp(name, MARKER_PREFIX, strlen(MARKER_PREFIX));
}

/* The number of marker files in the current directory, or -1. */
static long count_markers(void)
{
	return app_count_files(is_marker, NULL);
}

MR_EXPORT int mr_map(struct mr_ctx *ctx, const char *file, const char *data,
		     size_t len)
{
	uint32_t ms = 0;

	(void)file;
	(void)data;
	(void)len;
	if (create_marker() < 0 || app_random_below(3000, &ms) < 0)
		return -1;
	app_sleep_ms(2000 + ms);
	return app_emit(ctx, "a", 1, "x", 1);
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	size_t nvalues;
	long count;

	if (app_drain(ctx, &nvalues) < 0)
		return -1;
	count = count_markers();
	if (count < 0)
		return -1;
	return app_emit_u64(ctx, key, klen, (uint64_t)count);
}
