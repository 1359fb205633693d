/* watch.c - see watch.h. */
#include "tools/watch.h"

#include "common/log.h"
#include "common/util.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CLEAR_SCREEN "\033[H\033[2J"

/* Set by the handler, read by the loop: the only state a handler may touch. */
static volatile sig_atomic_t watch_stop;

static void on_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

static const int watch_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NSIGNALS (sizeof(watch_signals) / sizeof(watch_signals[0]))

/*
 * Wait until `deadline` (now_ms() clock) or a signal, whichever first.
 * No SA_RESTART: nanosleep returns at the signal.
 */
static void wait_until(int64_t deadline)
{
	int64_t left;

	while (!watch_stop && (left = deadline - now_ms()) > 0) {
		struct timespec ts = { left / 1000, (left % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
}

/*
 * Show one frame: `text` (n bytes) after a clear or a blank line.  0;
 * 1 when nobody reads stdout any more (a pipe closed: EPIPE, SIGPIPE
 * being ignored); -1 after printing why.
 */
static int show(const char *text, size_t n, int tty, int first)
{
	const char *lead = tty ? CLEAR_SCREEN : first ? "" : "\n";

	if (write_all(STDOUT_FILENO, lead, strlen(lead)) == 0 &&
	    write_all(STDOUT_FILENO, text, n) == 0)
		return 0;
	if (errno == EPIPE)
		return 1;
	return error_errno("cannot write to stdout");
}

int watch_run(watch_draw_fn draw, void *ctx, int interval_ms)
{
	struct sigaction sa, old[NSIGNALS];
	int tty = isatty(STDOUT_FILENO), rc = 0, step = WATCH_AGAIN, shown = 0;
	int64_t next = now_ms();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND; /* a second signal acts as if we were not here */
	sigemptyset(&sa.sa_mask);
	watch_stop = 0;
	for (size_t i = 0; i < NSIGNALS; i++)
		sigaction(watch_signals[i], &sa, &old[i]);
	for (int first = 1; step == WATCH_AGAIN && !watch_stop; first = 0) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		if (!f)
			die("out of memory");
		step = draw(ctx, f);
		if (fclose(f) != 0)
			die("out of memory");
		/* A frame cut short by the signal is not shown. */
		if (step < 0)
			rc = -1;
		else if (!watch_stop && (shown = show(buf, len, tty, first)) != 0)
			rc = shown < 0 ? -1 : 0;
		free(buf);
		if (rc < 0 || shown > 0)
			break;
		next += interval_ms;
		if (next < now_ms()) /* a frame took longer than the beat */
			next = now_ms();
		if (step == WATCH_AGAIN)
			wait_until(next);
	}
	for (size_t i = 0; i < NSIGNALS; i++)
		sigaction(watch_signals[i], &old[i], NULL);
	return rc;
}
