/* jobdir.c - see jobdir.h. */
#include "common/jobdir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

void jobdir_stamp_report(struct jobdir_stamp *s)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	if (stat(JOBDIR_REPORT, &st) < 0)
		return;
	s->exists = 1;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->size = st.st_size;
	s->mtime = st.st_mtim;
}

int jobdir_report_changed(const struct jobdir_stamp *s)
{
	struct jobdir_stamp now;

	jobdir_stamp_report(&now);
	if (!now.exists)
		return 0;
	return !s->exists || now.dev != s->dev || now.ino != s->ino || now.size != s->size ||
	       now.mtime.tv_sec != s->mtime.tv_sec || now.mtime.tv_nsec != s->mtime.tv_nsec;
}
