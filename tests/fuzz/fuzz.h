/*
 * fuzz.h - checks for the libFuzzer targets in tests/fuzz/.
 *
 * tests/fuzz.sh runs the targets with -close_fd_mask=2, which sends the
 * target's stderr to /dev/null (the engine's error() lines would drown the
 * output) while libFuzzer and the sanitizers keep reporting on a private
 * copy of it.  A failed CHECK() must stay visible too, so fuzz_init()
 * (called from LLVMFuzzerInitialize, which runs before libFuzzer closes
 * stderr) keeps its own copy of fd 2 for the message; abort() then makes
 * libFuzzer print the stack and save the input.
 */
#ifndef MR_FUZZ_H
#define MR_FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int fuzz_report_fd = 2;

static void fuzz_init(void)
{
	int fd = dup(2);

	if (fd >= 0)
		fuzz_report_fd = fd;
}

__attribute__((noreturn, noinline))
static void fuzz_check_failed(const char *file, int line, const char *what)
{
	dprintf(fuzz_report_fd, "%s:%d: check failed: %s\n", file, line, what);
	abort();
}

#define CHECK(cond) \
	((cond) ? (void)0 : fuzz_check_failed(__FILE__, __LINE__, #cond))

#endif
