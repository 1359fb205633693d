/*
 * unit.h - what every cmocka unit test of mapreduce-c includes.
 *
 * cmocka.h needs <stdarg.h>, <stddef.h>, <stdint.h> and <setjmp.h> first.
 * UNIT_MAIN(tests) is the body of main(): stdout line-buffered (so the TAP
 * lines printed before a crash reach tests/unit.sh), engine log quiet
 * (errors still go to stderr, which unit.sh keeps aside), then the group.
 * UNIT_FILTER=PATTERN in the environment runs only the matching cases
 * (cmocka's wildcards), for debugging one of them.
 */
#ifndef MR_TEST_UNIT_H
#define MR_TEST_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"

#define UNIT_MAIN(name, tests)                                          \
	do {                                                            \
		setvbuf(stdout, NULL, _IOLBF, 0);                       \
		log_set_level(LOG_QUIET);                               \
		if (getenv("UNIT_FILTER"))                              \
			cmocka_set_test_filter(getenv("UNIT_FILTER"));  \
		return cmocka_run_group_tests_name(name, tests, NULL, NULL); \
	} while (0)

/*
 * Fail the running test with a printf-style message.  Unlike cmocka's
 * fail_msg() (which writes to stderr) the message goes to stdout as TAP
 * comment lines ("# ..."), which tests/unit.sh attaches to the "not ok" line.
 */
#define unit_fail(...) unit_fail_at(__FILE__, __LINE__, __VA_ARGS__)

static inline void __attribute__((format(printf, 3, 4), noreturn))
unit_fail_at(const char *file, int line, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *p = msg, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl) {
			printf("# %s\n", p);
			break;
		}
		printf("# %.*s\n", (int)(nl - p), p);
	}
	fflush(stdout);
	_fail(file, line);
	abort(); /* not reached: _fail jumps back into cmocka */
}

/*
 * A byte string for a message: printable bytes as they are, others as \xHH,
 * cut after 48 bytes.  The text lives in a static buffer until the next call.
 */
static inline const char *unit_show(const char *k, size_t n)
{
	static char buf[4 * 48 + 8];
	size_t o = 0;

	for (size_t i = 0; i < n && i < 48; i++) {
		unsigned char c = (unsigned char)k[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, 5, "\\x%02x", c);
	}
	if (n > 48)
		o += (size_t)snprintf(buf + o, 4, "...");
	buf[o] = '\0';
	return buf;
}

/*
 * A decimal count of 1 to 19 digits (no sign, no spaces) in s[0 .. len):
 * 0 and *out, or -1.  What the tests' combiners and run checks read.
 */
static inline int unit_parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t n = 0;

	if (len == 0 || len > 19)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	*out = n;
	return 0;
}

/* Deterministic pseudo-random numbers (xorshift64*), so failures replay. */
static inline uint64_t unit_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/*
 * A fresh temp directory per test, made the current directory: use
 * unit_tmpdir_setup/unit_tmpdir_teardown as a cmocka setup and teardown.
 * The teardown goes back and removes the directory with all it holds.
 */
struct unit_tmpdir {
	char dir[64];
	char oldcwd[PATH_MAX];
};

static inline int unit_tmpdir_setup(void **state)
{
	struct unit_tmpdir *f = calloc(1, sizeof(*f));

	if (!f || !getcwd(f->oldcwd, sizeof(f->oldcwd)))
		return -1;
	strcpy(f->dir, "/tmp/mr-unit-XXXXXX");
	if (!mkdtemp(f->dir) || chdir(f->dir) < 0)
		return -1;
	*state = f;
	return 0;
}

/* Remove `dir` and everything below it (made writable first). */
static inline void unit_rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];

	if (!d)
		return;
	while ((e = readdir(d))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			chmod(path, 0700);
			unit_rm_tree(path);
		} else {
			unlink(path);
		}
	}
	closedir(d);
	rmdir(dir);
}

static inline int unit_tmpdir_teardown(void **state)
{
	struct unit_tmpdir *f = *state;
	int rc = chdir(f->oldcwd);

	unit_rm_tree(f->dir);
	free(f);
	return rc;
}

/*
 * A disk that fills up, without root: past `bytes`, a write to any regular
 * file fails with EFBIG ("File too large"), where a full disk would give
 * ENOSPC (RLIMIT_FSIZE, with SIGXFSZ ignored so that the process lives
 * on).  unit_unlimit_file_size() puts back the limit and the signal's
 * action; call it before any assert that could end the test.
 */
struct unit_fsize {
	struct rlimit old;
	struct sigaction act;
};

static inline void unit_limit_file_size(struct unit_fsize *s, rlim_t bytes)
{
	struct sigaction ign;
	struct rlimit lim;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	if (sigaction(SIGXFSZ, &ign, &s->act) < 0 || getrlimit(RLIMIT_FSIZE, &s->old) < 0)
		abort();
	lim = s->old;
	lim.rlim_cur = bytes;
	if (setrlimit(RLIMIT_FSIZE, &lim) < 0)
		abort();
}

static inline void unit_unlimit_file_size(const struct unit_fsize *s)
{
	if (setrlimit(RLIMIT_FSIZE, &s->old) < 0 || sigaction(SIGXFSZ, &s->act, NULL) < 0)
		abort();
}

#endif
