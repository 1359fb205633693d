/* jobdir.c - see jobdir.h. */
#include "common/jobdir.h"

#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *jobdir_map_run(char buf[JOBDIR_NAME_MAX], int map_id, int reduce_id)
{
	snprintf(buf, JOBDIR_NAME_MAX, "mr-%d-%d", map_id, reduce_id);
	return buf;
}

char *jobdir_run_path(char buf[JOBDIR_PATH_MAX], const char *dir, int map_id, int reduce_id)
{
	if (dir)
		snprintf(buf, JOBDIR_PATH_MAX, "%s/mr-%d-%d", dir, map_id, reduce_id);
	else
		jobdir_map_run(buf, map_id, reduce_id);
	return buf;
}

char *jobdir_output(char buf[JOBDIR_NAME_MAX], int reduce_id)
{
	snprintf(buf, JOBDIR_NAME_MAX, "mr-out-%d", reduce_id);
	return buf;
}

char *jobdir_output_path(char buf[JOBDIR_PATH_MAX], const char *dir, int reduce_id)
{
	if (dir && *dir)
		snprintf(buf, JOBDIR_PATH_MAX, "%s/mr-out-%d", dir, reduce_id);
	else
		snprintf(buf, JOBDIR_PATH_MAX, "mr-out-%d", reduce_id);
	return buf;
}

char *jobdir_report_path(char buf[JOBDIR_PATH_MAX], const char *dir)
{
	if (dir && *dir)
		snprintf(buf, JOBDIR_PATH_MAX, "%s/" JOBDIR_REPORT, dir);
	else
		snprintf(buf, JOBDIR_PATH_MAX, JOBDIR_REPORT);
	return buf;
}

int jobdir_make_output(const char *dir)
{
	char path[JOBDIR_PATH_MAX];
	size_t n = strlen(dir);
	struct stat st;

	if (n >= sizeof(path))
		return error("output directory %.64s...: name too long", dir);
	memcpy(path, dir, n + 1);
	/* Each parent in turn, then the directory itself ("a/b/c": a, a/b, a/b/c). */
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0777) < 0 && errno != EEXIST) {
			error_errno("cannot make output directory %s", path);
			return -1;
		}
		path[i] = dir[i];
	}
	if (stat(dir, &st) < 0)
		return error_errno("cannot use output directory %s", dir);
	if (!S_ISDIR(st.st_mode))
		return error("output directory %s is not a directory", dir);
	if (access(dir, W_OK | X_OK) < 0)
		return error_errno("output directory %s is not writable", dir);
	return 0;
}

/* A plain decimal at *s (no sign, no space), below `limit`; *s moves past it. */
static int decimal_below(const char **s, long limit)
{
	char *end;
	long v;

	if (**s < '0' || **s > '9')
		return 0;
	v = strtol(*s, &end, 10);
	*s = end;
	return v < limit;
}

int jobdir_is_map_run(const char *name, int nmap, int nreduce)
{
	const char *p = name + 3;

	if (strncmp(name, "mr-", 3) != 0 || !decimal_below(&p, nmap) || *p != '-')
		return 0;
	p++;
	return decimal_below(&p, nreduce) && *p == '\0';
}

void jobdir_stamp_file(struct jobdir_stamp *s, const char *path)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	if (stat(path, &st) < 0)
		return;
	s->exists = 1;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->size = st.st_size;
	s->mtime = st.st_mtim;
}

int jobdir_file_changed(const struct jobdir_stamp *s, const char *path)
{
	struct jobdir_stamp now;

	jobdir_stamp_file(&now, path);
	if (!now.exists)
		return 0;
	return !s->exists || now.dev != s->dev || now.ino != s->ino || now.size != s->size ||
	       now.mtime.tv_sec != s->mtime.tv_sec || now.mtime.tv_nsec != s->mtime.tv_nsec;
}

void jobdir_stamp_report(struct jobdir_stamp *s)
{
	jobdir_stamp_file(s, JOBDIR_REPORT);
}

int jobdir_report_changed(const struct jobdir_stamp *s)
{
	return jobdir_file_changed(s, JOBDIR_REPORT);
}
