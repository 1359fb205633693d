/* util.c - see util.h. */
#include "common/util.h"

#include "common/log.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die("out of memory (%zu bytes)", strlen(s) + 1);
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		die("out of memory (%zu bytes)", n + 1);
	return p;
}

void xgrow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;

	if (need <= *cap)
		return;
	while (n < need) {
		if (n > SIZE_MAX / 2 / size)
			die("out of memory (array of %zu elements)", need);
		n *= 2;
	}
	*p = xrealloc(*p, n * size);
	*cap = n;
}

int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	uint64_t mult = 1;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		mult = 1ull << 10;
		end++;
		break;
	case 'm': case 'M':
		mult = 1ull << 20;
		end++;
		break;
	case 'g': case 'G':
		mult = 1ull << 30;
		end++;
		break;
	default:
		return -1;
	}
	if ((*end == 'b' || *end == 'B') && mult > 1)
		end++;
	if (*end || v > UINT64_MAX / mult)
		return -1;
	v *= mult;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

size_t fd_budget(size_t reserve)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return SIZE_MAX;
	return rl.rlim_cur > reserve ? (size_t)rl.rlim_cur - reserve : 0;
}

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(int64_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

#define TABLE_HUGE ((size_t)2 << 20)

/* Bytes mapped for a table of n bytes (0: it comes from malloc). */
static size_t table_map_len(size_t n)
{
	return n < TABLE_HUGE ? 0 : (n + TABLE_HUGE - 1) & ~(TABLE_HUGE - 1);
}

void *xtable_alloc(size_t n)
{
	size_t len = table_map_len(n);
	char *p, *aligned;
	size_t head;

	if (!len) {
		p = aligned_alloc(64, (n + 63) & ~(size_t)63);
		if (!p)
			die("out of memory (a table of %zu bytes)", n);
		memset(p, 0, n);
		return p;
	}
	/* Map a huge page more than needed, then trim to a huge-page boundary. */
	p = mmap(NULL, len + TABLE_HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		die("out of memory (a table of %zu bytes)", n);
	aligned = (char *)(((uintptr_t)p + TABLE_HUGE - 1) & ~(uintptr_t)(TABLE_HUGE - 1));
	head = (size_t)(aligned - p);
	if (head)
		munmap(p, head);
	munmap(aligned + len, TABLE_HUGE - head);
#ifdef MADV_HUGEPAGE
	(void)madvise(aligned, len, MADV_HUGEPAGE); /* a hint: without, small pages */
#endif
	return aligned;
}

void xtable_free(void *p, size_t n)
{
	if (!p)
		return;
	if (table_map_len(n))
		munmap(p, table_map_len(n));
	else
		free(p);
}
