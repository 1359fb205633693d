/*
 * probe.h - count how many workers run a phase at the same time.
 *
 * nparallel(phase) announces this process in the current directory with a
 * file "mr-worker-PHASE-PID", counts the announcements whose process is
 * still alive (this one included), holds its own for a second so that
 * overlapping tasks see each other, then withdraws it.  Used by mtiming
 * (map phase) and rtiming (reduce phase).  Define MR_APP before including.
 */
#ifndef MR_PROBE_H
#define MR_PROBE_H

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "applib.h"

/* Is `name` "PREFIX<decimal pid>" with a live pid?  plen = strlen(prefix). */
static inline int probe_is_live(const char *name, const char *prefix,
				size_t plen)
{
	const char *p = name + plen;
	long pid = 0;

	if (strncmp(name, prefix, plen) != 0 || *p == '\0')
		return 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || pid > 99999999)
			return 0;
		pid = pid * 10 + (*p - '0');
	}
	if (pid <= 0)
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

static inline int probe_match(const char *name, const void *prefix)
{
	return probe_is_live(name, prefix, strlen(prefix));
}

/* Count the live "PREFIX<pid>" files in the current directory, or -1. */
static inline int probe_count(const char *prefix)
{
	return (int)app_count_files(probe_match, prefix);
}

/* How many processes run `phase` now (at least 1), or -1 (reported). */
static inline int nparallel(const char *phase)
{
	char *prefix = NULL, *own = NULL;
	int fd, count = -1;

	if (asprintf(&prefix, "mr-worker-%s-", phase) < 0) {
		prefix = NULL;
		app_error("out of memory");
		goto out;
	}
	if (asprintf(&own, "%s%ld", prefix, (long)getpid()) < 0) {
		own = NULL;
		app_error("out of memory");
		goto out;
	}
	fd = open(own, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		app_error_errno("cannot create %s", own);
		goto out;
	}
	close(fd);
	count = probe_count(prefix);
	if (count >= 0)
		app_sleep_ms(1000);
	if (unlink(own) < 0 && count >= 0) {
		app_error_errno("cannot remove %s", own);
		count = -1;
	}
out:
	free(own);
	free(prefix);
	return count;
}

#endif /* MR_PROBE_H */
