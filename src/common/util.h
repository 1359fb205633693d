/*
 * util.h - small helpers shared by every binary: allocation that dies on
 * out-of-memory, strict number parsing for command lines, monotonic time.
 */
#ifndef MR_UTIL_H
#define MR_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* malloc/realloc/strdup that print "out of memory" and exit(1) on failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* At most n bytes of s (which need not be terminated), terminated. */
char *xstrndup(const char *s, size_t n);
/* Grow *p (of *cap elements of `size` bytes) to hold at least `need` elements. */
void xgrow(void **p, size_t *cap, size_t need, size_t size);

/*
 * `n` zeroed bytes, 64-byte aligned, for a hash table's slots (dies when
 * out of memory).  From 2 MiB on they are mapped on their own and asked
 * for in huge pages (where the kernel has them): a table probed at random
 * then costs far fewer TLB misses.  Freed by xtable_free with the same n.
 */
void *xtable_alloc(size_t n);
void xtable_free(void *p, size_t n);

/*
 * Parse a whole decimal string into [min, max].  Returns 0, or -1 when `s`
 * is empty, has trailing junk, or is out of range (nothing is printed; the
 * caller knows which option it was).
 */
int parse_long(const char *s, long min, long max, long *out);

/*
 * Parse a byte size: decimal with an optional K, M or G suffix (powers of
 * 1024; "64M", "1g", "4096").  Same failure rule as parse_long.
 */
int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Raise the soft limit on open files to the hard limit (runs and sockets need fds). */
void raise_fd_limit(void);
/*
 * How many more files a process may count on opening: the soft limit on
 * open files less `reserve` (0 when that is all), SIZE_MAX when unlimited.
 */
size_t fd_budget(size_t reserve);

/*
 * Write all n bytes to fd, resuming after short writes and EINTR.  0, or
 * -1 with errno set and nothing printed.
 */
int write_all(int fd, const void *p, size_t n);

/* Milliseconds of CLOCK_MONOTONIC. */
int64_t now_ms(void);

/* Sleep `ms` milliseconds, resuming after signals. */
void sleep_ms(int64_t ms);

#endif
