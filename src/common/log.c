/* log.c - see log.h. */
#include "common/log.h"

#include "mr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static char prefix[64] = "mapreduce";
static char context[64];
static int progress_line;
static enum log_level level = LOG_NORMAL;
static int timestamps;
/* As long as a failure report may carry (proto/mr.x), with its NUL. */
static char last_error[MR_MAX_ERRMSG + 1];

void log_init(const char *name, int with_pid)
{
	if (with_pid)
		snprintf(prefix, sizeof(prefix), "%s[%ld]", name, (long)getpid());
	else
		snprintf(prefix, sizeof(prefix), "%s", name);
}

void log_set_context(const char *fmt, ...)
{
	va_list ap;

	if (!fmt) {
		context[0] = '\0';
		return;
	}
	va_start(ap, fmt);
	if (vsnprintf(context, sizeof(context), fmt, ap) < 0)
		context[0] = '\0';
	va_end(ap);
}

void log_set_progress_line(int on)
{
	progress_line = on;
}

void log_set_level(enum log_level l)
{
	level = l;
}

enum log_level log_get_level(void)
{
	return level;
}

void log_set_timestamps(int on)
{
	timestamps = on;
}

/* Copy `src` to dst + len, truncating to `size`; returns the new length. */
static size_t append_trunc(char *dst, size_t size, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n > size - 1 - len)
		n = size - 1 - len;
	memcpy(dst + len, src, n);
	dst[len + n] = '\0';
	return len + n;
}

static void vlog(const char *kind, const char *fmt, va_list ap, const char *tail)
{
	char stamp[32] = "";
	char line[2048];
	int n;

	if (timestamps) {
		struct timeval tv;
		struct tm tm;

		gettimeofday(&tv, NULL);
		localtime_r(&tv.tv_sec, &tm);
		n = (int)strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
		snprintf(stamp + n, sizeof(stamp) - n, ".%03ld ", (long)tv.tv_usec / 1000);
	}
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		snprintf(line, sizeof(line), "(unprintable message)");
	if (kind[0] == 'e') {
		/* A long message is cut short here; stderr gets it whole. */
		size_t len = append_trunc(last_error, sizeof(last_error), 0, line);

		if (tail) {
			len = append_trunc(last_error, sizeof(last_error), len, ": ");
			append_trunc(last_error, sizeof(last_error), len, tail);
		}
	}
	/* One fprintf per line so lines of different processes do not mix. */
	fprintf(stderr, "%s%s%s%s%s: %s%s%s%s\n", progress_line ? "\r\033[K" : "",
		stamp, prefix, *context ? " " : "",
		context, kind, line, tail ? ": " : "", tail ? tail : "");
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("error: ", fmt, ap, NULL);
	va_end(ap);
	return -1;
}

int error_errno(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog("error: ", fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
	return -1;
}

void warning(const char *fmt, ...)
{
	va_list ap;

	if (level < LOG_NORMAL)
		return;
	va_start(ap, fmt);
	vlog("warning: ", fmt, ap, NULL);
	va_end(ap);
}

#define LEVELED(fn, min)                        \
	void fn(const char *fmt, ...)           \
	{                                       \
		va_list ap;                     \
		if (level < (min))              \
			return;                 \
		va_start(ap, fmt);              \
		vlog("", fmt, ap, NULL);        \
		va_end(ap);                     \
	}

LEVELED(info, LOG_NORMAL)
LEVELED(verbose, LOG_VERBOSE)
LEVELED(debug, LOG_DEBUG)

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("fatal: ", fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

const char *log_last_error(void)
{
	return last_error;
}

void log_keep_error(const char *msg)
{
	append_trunc(last_error, sizeof(last_error), 0, msg);
}

void log_clear_last_error(void)
{
	last_error[0] = '\0';
}
