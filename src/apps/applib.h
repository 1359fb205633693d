/*
 * applib.h - small helpers shared by the example plugins.
 *
 * Every plugin is its own shared object and shares no code with the others
 * at run time, so everything here is static inline.  Define MR_APP to the
 * plugin's name (a string literal) before including this header; every
 * message is one line on stderr, "MR_APP: reason".
 *
 * All functions return 0 on success and -1 on failure, and print the reason
 * themselves; callers only propagate the -1.
 */
#ifndef MR_APPLIB_H
#define MR_APPLIB_H

#ifndef MR_APP
#error "define MR_APP (the plugin's name) before including applib.h"
#endif

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>

#include "mapreduce.h"

/*
 * The last message app_error / app_error_errno printed, for app_said().
 * One per plugin: weak and hidden, so the plugin's sources share it.
 */
__attribute__((weak, visibility("hidden"))) char app_last_error[1024];

/*
 * At a callback's return: when it fails (rc != 0), hand the engine the
 * last message printed (mr_fail), so that it becomes the attempt's error in
 * the coordinator's log and mr-report.json.  Returns rc.
 */
static inline int app_said(struct mr_ctx *ctx, int rc)
{
	if (rc != 0 && app_last_error[0])
		(void)mr_fail(ctx, app_last_error);
	app_last_error[0] = '\0';
	return rc;
}

/* Print "MR_APP: MSG" on stderr and return -1. */
static inline int app_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline int app_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(app_last_error, sizeof(app_last_error), fmt, ap);
	va_end(ap);
	fprintf(stderr, MR_APP ": %s\n", app_last_error);
	return -1;
}

/* Same, with ": strerror(errno)" appended; errno is preserved. */
static inline int app_error_errno(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline int app_error_errno(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(app_last_error, sizeof(app_last_error), fmt, ap);
	va_end(ap);
	n = strlen(app_last_error);
	snprintf(app_last_error + n, sizeof(app_last_error) - n, ": %s", strerror(saved));
	fprintf(stderr, MR_APP ": %s\n", app_last_error);
	errno = saved;
	return -1;
}

/*
 * Make room for `need` (> 0) elements of `size` bytes in the array p, which
 * holds *cap of them, growing it geometrically.  Returns the array (moved if
 * it grew), or NULL (reported) with p left untouched.
 */
static inline void *app_grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 16;

	if (need <= *cap)
		return p;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			goto oom;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / size)
		goto oom;
	p = realloc(p, ncap * size);
	if (!p)
		goto oom;
	*cap = ncap;
	return p;
oom:
	app_error("out of memory");
	return NULL;
}

/* mr_emit, reporting a failure. */
static inline int app_emit(struct mr_ctx *ctx, const char *key, size_t klen,
			   const char *val, size_t vlen)
{
	if (mr_emit(ctx, key, klen, val, vlen) != 0)
		return app_error("cannot emit a pair");
	return 0;
}

/* Emit (key, decimal n). */
static inline int app_emit_u64(struct mr_ctx *ctx, const char *key,
			       size_t klen, uint64_t n)
{
	char num[24], *p = num + sizeof(num);

	do
		*--p = (char)('0' + n % 10);
	while (n /= 10);
	return app_emit(ctx, key, klen, p, (size_t)(num + sizeof(num) - p));
}

/*
 * Pull the next value of the current key: 1 with *val and *vlen set, 0 at the
 * end, -1 (reported) if the engine returns anything else.
 */
static inline int app_next(struct mr_ctx *ctx, const char **val, size_t *vlen)
{
	int r = mr_next_value(ctx, val, vlen);

	if (r == 0 || r == 1)
		return r;
	return app_error("cannot read the next value");
}

/* Pull every remaining value of the current key; *count says how many. */
static inline int app_drain(struct mr_ctx *ctx, size_t *count)
{
	const char *val;
	size_t vlen;
	int r;

	*count = 0;
	while ((r = app_next(ctx, &val, &vlen)) == 1)
		(*count)++;
	return r;
}

/* Sleep `ms` milliseconds, resuming after signals. */
static inline void app_sleep_ms(unsigned long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A uniformly random integer in [0, bound), bound > 0, from getrandom(2). */
/*
 * How many entries of the current directory `match` says yes to (it gets
 * the name and `arg`), or -1 (reported).
 */
static inline long app_count_files(int (*match)(const char *name, const void *arg),
				   const void *arg)
{
	struct dirent *de;
	long count = 0;
	DIR *dir = opendir(".");

	if (!dir)
		return app_error_errno("cannot open the current directory");
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (!de)
			break;
		count += match(de->d_name, arg) != 0;
	}
	if (errno) {
		app_error_errno("cannot read the current directory");
		count = -1;
	}
	closedir(dir);
	return count;
}

static inline int app_random_below(uint32_t bound, uint32_t *out)
{
	/* Reject the top partial range so every result is equally likely. */
	uint32_t limit = UINT32_MAX - UINT32_MAX % bound;
	uint32_t r;

	do {
		ssize_t n = getrandom(&r, sizeof(r), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return app_error_errno("getrandom");
		if ((size_t)n != sizeof(r))
			continue;
		if (r < limit)
			break;
	} while (1);
	*out = r % bound;
	return 0;
}

/*
 * A list of byte strings: the values of one key, copied so they outlive
 * mr_next_value.  Strings are stored back to back in one buffer, each
 * followed by a '\0' that is not counted in its length.
 *
 *	struct vlist vl = VLIST_INIT;
 *	if (vlist_collect(&vl, ctx) < 0) ...
 *	vlist_sort(&vl);
 *	vlist_release(&vl);
 */
struct vlist_item {
	size_t off;	/* into buf */
	size_t len;
};

struct vlist {
	char *buf;
	size_t used, cap;
	struct vlist_item *items;
	size_t n, ncap;
};

#define VLIST_INIT { NULL, 0, 0, NULL, 0, 0 }

static inline void vlist_release(struct vlist *vl)
{
	free(vl->buf);
	free(vl->items);
	*vl = (struct vlist)VLIST_INIT;
}

/* The i-th string (borrowed; valid until the list changes). */
static inline const char *vlist_at(const struct vlist *vl, size_t i)
{
	return vl->buf + vl->items[i].off;
}

/* Append a copy of s[0..len). */
static inline int vlist_add(struct vlist *vl, const char *s, size_t len)
{
	struct vlist_item *items;
	char *buf;

	if (len > SIZE_MAX - vl->used - 1)
		return app_error("out of memory");
	buf = app_grow(vl->buf, &vl->cap, vl->used + len + 1, 1);
	if (!buf)
		return -1;
	vl->buf = buf;
	items = app_grow(vl->items, &vl->ncap, vl->n + 1, sizeof(*items));
	if (!items)
		return -1;
	vl->items = items;
	if (len)
		memcpy(vl->buf + vl->used, s, len);
	vl->buf[vl->used + len] = '\0';
	vl->items[vl->n].off = vl->used;
	vl->items[vl->n].len = len;
	vl->used += len + 1;
	vl->n++;
	return 0;
}

/* Append every remaining value of the current key. */
static inline int vlist_collect(struct vlist *vl, struct mr_ctx *ctx)
{
	const char *val;
	size_t vlen;
	int r;

	while ((r = app_next(ctx, &val, &vlen)) == 1)
		if (vlist_add(vl, val, vlen) < 0)
			return -1;
	return r;
}

/* Bytewise order; a proper prefix sorts first. */
static inline int app_bytes_cmp(const char *a, size_t alen,
				const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return (alen > blen) - (alen < blen);
}

static inline int vlist_item_cmp(const void *pa, const void *pb, void *arg)
{
	const struct vlist_item *a = pa, *b = pb;
	const char *buf = arg;

	return app_bytes_cmp(buf + a->off, a->len, buf + b->off, b->len);
}

static inline void vlist_sort(struct vlist *vl)
{
	if (vl->n > 1)
		qsort_r(vl->items, vl->n, sizeof(*vl->items), vlist_item_cmp,
			vl->buf);
}

/* Drop adjacent duplicates (after vlist_sort: all duplicates). */
static inline void vlist_uniq(struct vlist *vl)
{
	size_t i, j = 0;

	for (i = 0; i < vl->n; i++) {
		const struct vlist_item *it = &vl->items[i];

		if (j > 0 && it->len == vl->items[j - 1].len &&
		    !memcmp(vl->buf + it->off, vlist_at(vl, j - 1), it->len))
			continue;
		vl->items[j++] = *it;
	}
	vl->n = j;
}

/*
 * Join the strings as PREFIX s0 SEP s1 SEP ... into a malloc'd buffer the
 * caller frees; *out is '\0'-terminated and *outlen excludes the '\0'.
 */
static inline int vlist_join(const struct vlist *vl, const char *prefix,
			     size_t plen, char sep, char **out, size_t *outlen)
{
	size_t total = plen, i;
	char *p;

	/* vl->used bounds the strings plus one byte each for the separators. */
	if (vl->used > SIZE_MAX - plen - 1)
		return app_error("out of memory");
	for (i = 0; i < vl->n; i++)
		total += vl->items[i].len + (i > 0);
	*out = p = malloc(total + 1);
	if (!p)
		return app_error("out of memory");
	if (plen)
		memcpy(p, prefix, plen);
	p += plen;
	for (i = 0; i < vl->n; i++) {
		if (i > 0)
			*p++ = sep;
		if (vl->items[i].len)
			memcpy(p, vlist_at(vl, i), vl->items[i].len);
		p += vl->items[i].len;
	}
	*p = '\0';
	*outlen = total;
	return 0;
}

/* Reduce helper: emit (key, the key's values sorted and joined by spaces). */
static inline int app_reduce_sorted(struct mr_ctx *ctx, const char *key,
				    size_t klen)
{
	struct vlist vl = VLIST_INIT;
	char *joined = NULL;
	size_t jlen = 0;
	int ret = -1;

	if (vlist_collect(&vl, ctx) < 0)
		goto out;
	vlist_sort(&vl);
	if (vlist_join(&vl, "", 0, ' ', &joined, &jlen) < 0)
		goto out;
	ret = app_emit(ctx, key, klen, joined, jlen);
out:
	free(joined);
	vlist_release(&vl);
	return ret;
}

#endif /* MR_APPLIB_H */
