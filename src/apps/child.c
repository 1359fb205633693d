/* child.c - see child.h. */
#define MR_APP "stream"

#include "applib.h"
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#define CHILD_CHUNK (64u << 10)      /* read size; stdin writes go out in this */

/* ---- descriptors ---- */

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * Move a descriptor at 0..2 above them (the worker may run with stdin
 * closed), keeping it close-on-exec.  0 or -1 (errno set).
 */
static int lift_fd(int *fd)
{
	int nfd;

	if (*fd > 2)
		return 0;
	nfd = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
	if (nfd < 0)
		return -1;
	close(*fd);
	*fd = nfd;
	return 0;
}

/* A close-on-exec pipe with both ends above 2.  0 or -1 (errno set). */
static int make_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	if (lift_fd(&p[0]) < 0 || lift_fd(&p[1]) < 0) {
		int saved = errno;

		close_fd(&p[0]);
		close_fd(&p[1]);
		errno = saved;
		return -1;
	}
	return 0;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* ---- stderr: passed through, the tail kept ---- */

static void keep_tail(struct child *c, const char *p, size_t n)
{
	if (n >= CHILD_TAIL_MAX) {
		c->tail_cut |= n > CHILD_TAIL_MAX || c->tlen > 0;
		memcpy(c->tail, p + n - CHILD_TAIL_MAX, CHILD_TAIL_MAX);
		c->tlen = CHILD_TAIL_MAX;
		return;
	}
	if (c->tlen + n > CHILD_TAIL_MAX) {
		size_t drop = c->tlen + n - CHILD_TAIL_MAX;

		memmove(c->tail, c->tail + drop, c->tlen - drop);
		c->tlen -= drop;
		c->tail_cut = 1;
	}
	memcpy(c->tail + c->tlen, p, n);
	c->tlen += n;
}

/* Read what stderr has; pass it on to ours.  EOF closes it.  Never fails. */
static void read_err(struct child *c)
{
	char buf[4096];
	ssize_t n = read(c->err, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close_fd(&c->err);
		return;
	}
	keep_tail(c, buf, (size_t)n);
	/* Best effort: our stderr being gone must not fail the task. */
	for (ssize_t off = 0, w; off < n; off += w) {
		w = write(STDERR_FILENO, buf + off, (size_t)(n - off));
		if (w <= 0)
			break;
	}
}

/*
 * The last CHILD_TAIL_LINES lines of stderr as one line, "a | b | c",
 * control bytes shown as '?', into buf (size > 0).
 */
static void tail_lines(const struct child *c, char *buf, size_t size)
{
	const char *s = c->tail, *end = c->tail + c->tlen;
	size_t o = 0;
	int lines = 0;

	while (end > s && end[-1] == '\n')
		end--;
	/* Back up over CHILD_TAIL_LINES lines from the end. */
	const char *p = end;
	while (p > s) {
		if (p[-1] == '\n' && ++lines == CHILD_TAIL_LINES)
			break;
		p--;
	}
	/* A line cut at the front of the buffer is dropped, unless it is all. */
	if (p == s && c->tail_cut) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));

		if (nl)
			p = nl + 1;
	}
	for (; p < end && o + 4 < size; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '\n') {
			buf[o++] = ' ';
			buf[o++] = '|';
			buf[o++] = ' ';
		} else {
			buf[o++] = ch < 0x20 && ch != '\t' ? '?' : (char)ch;
		}
	}
	buf[o] = '\0';
}

/* ---- stdout: cut into lines ---- */

static int line_too_long(struct child *c)
{
	return app_error("streaming %s '%s' wrote a line longer than %u MiB (the "
			 "longest line taken)", c->what, c->cmd, CHILD_LINE_MAX >> 20);
}

/* Append to the pending line, within CHILD_LINE_MAX. */
static int line_add(struct child *c, const char *p, size_t n)
{
	char *nl;

	if (n > CHILD_LINE_MAX - c->llen)
		return line_too_long(c);
	nl = app_grow(c->line, &c->lcap, c->llen + n + 1, 1);
	if (!nl)
		return -1;
	c->line = nl;
	memcpy(c->line + c->llen, p, n);
	c->llen += n;
	return 0;
}

/* Hand out the complete lines of p[0..n); keep the rest. */
static int take_output(struct child *c, const char *p, size_t n)
{
	const char *end = p + n;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			return line_add(c, p, (size_t)(end - p));
		if (c->llen) {
			if (line_add(c, p, (size_t)(nl - p)) < 0)
				return -1;
			c->line[c->llen] = '\0';
			if (c->on_line(c->arg, c->line, c->llen) < 0)
				return -1;
			c->llen = 0;
		} else {
			if ((size_t)(nl - p) > CHILD_LINE_MAX)
				return line_too_long(c);
			if (c->on_line(c->arg, p, (size_t)(nl - p)) < 0)
				return -1;
		}
		p = nl + 1;
	}
	return 0;
}

/* Read what stdout has and hand out its lines.  EOF closes it.  0 or -1. */
static int read_out(struct child *c)
{
	char buf[CHILD_CHUNK];
	ssize_t n = read(c->out, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0)
		return app_error_errno("cannot read the output of streaming %s '%s'",
				       c->what, c->cmd);
	if (n == 0) {
		close_fd(&c->out);
		return 0;
	}
	return take_output(c, buf, (size_t)n);
}

/*
 * Wait until something can be done, then do it: read stdout and stderr,
 * and return (for the caller to write) once stdin takes more.  0 or -1.
 */
static int pump(struct child *c, int writing)
{
	struct pollfd pfd[3];
	int n = 0, iout = -1, ierr = -1;

	if (writing && c->in >= 0)
		pfd[n++] = (struct pollfd){ .fd = c->in, .events = POLLOUT };
	if (c->out >= 0) {
		iout = n;
		pfd[n++] = (struct pollfd){ .fd = c->out, .events = POLLIN };
	}
	if (c->err >= 0) {
		ierr = n;
		pfd[n++] = (struct pollfd){ .fd = c->err, .events = POLLIN };
	}
	if (n == 0)
		return 0;
	if (poll(pfd, (nfds_t)n, -1) < 0) {
		if (errno == EINTR)
			return 0;
		return app_error_errno("poll on the pipes of streaming %s '%s'", c->what, c->cmd);
	}
	if (ierr >= 0 && pfd[ierr].revents)
		read_err(c);
	if (iout >= 0 && pfd[iout].revents && read_out(c) < 0)
		return -1;
	return 0; /* stdin takes more: the caller writes */
}

/* ---- stdin ---- */

/*
 * write(2) to the command's stdin, SIGPIPE blocked: a command gone gives
 * EPIPE, and the signal it raised is consumed (unless one was pending
 * before, which stays pending).
 */
static ssize_t write_nosigpipe(int fd, const char *p, size_t n)
{
	sigset_t pipe_set, old, pending;
	int was_pending, saved;
	ssize_t w;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigemptyset(&pending);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	w = write(fd, p, n);
	saved = errno;
	if (w < 0 && errno == EPIPE && !was_pending) {
		struct timespec zero = { 0, 0 };

		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return w;
}

/* Write p[0..n) whole (pumping the output while stdin is full).  0 or -1. */
static int write_all(struct child *c, const char *p, size_t n)
{
	while (n > 0 && !c->in_broken) {
		ssize_t w = write_nosigpipe(c->in, p, n);

		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EPIPE) {
			/* It stopped reading (it may have exited): judge it by its status. */
			c->in_broken = 1;
			close_fd(&c->in);
			break;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return app_error_errno("cannot write to streaming %s '%s'", c->what, c->cmd);
		if (pump(c, 1) < 0)
			return -1;
	}
	return 0;
}

int child_put(struct child *c, const char *data, size_t len)
{
	char *nb;

	if (c->in_broken || len == 0)
		return 0;
	if (c->wlen + len > CHILD_CHUNK) {
		size_t held = c->wlen;

		c->wlen = 0;
		if (held && write_all(c, c->wbuf, held) < 0)
			return -1;
		if (len >= CHILD_CHUNK || c->in_broken)
			return write_all(c, data, len);
	}
	nb = app_grow(c->wbuf, &c->wcap, c->wlen + len, 1);
	if (!nb)
		return -1;
	c->wbuf = nb;
	memcpy(c->wbuf + c->wlen, data, len);
	c->wlen += len;
	return 0;
}

/* ---- start and end ---- */

static void child_free(struct child *c)
{
	close_fd(&c->in);
	close_fd(&c->out);
	close_fd(&c->err);
	free(c->cmd);
	free(c->line);
	free(c->wbuf);
	c->cmd = c->line = c->wbuf = NULL;
	c->llen = c->lcap = c->wlen = c->wcap = 0;
	c->pid = 0;
}

int child_start(struct child *c, const char *what, const char *cmd,
		char *const env[], child_line_fn on_line, void *arg)
{
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, deflt;
	char *argv[] = { "sh", "-c", NULL, NULL };
	int rc, ret = -1;

	memset(c, 0, sizeof(*c));
	c->in = c->out = c->err = -1;
	c->what = what;
	c->on_line = on_line;
	c->arg = arg;
	c->cmd = strdup(cmd);
	if (!c->cmd)
		return app_error("out of memory");
	argv[2] = c->cmd;
	if (make_pipe(pin) < 0 || make_pipe(pout) < 0 || make_pipe(perr) < 0) {
		app_error_errno("cannot make pipes for streaming %s '%s'", what, cmd);
		goto fail;
	}
	/* A bigger pipe means fewer turns of the loop; too small is only slower. */
	(void)fcntl(pin[1], F_SETPIPE_SZ, 1 << 20);
	(void)fcntl(pout[1], F_SETPIPE_SZ, 1 << 20);

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&deflt);
	sigdelset(&deflt, SIGKILL);
	sigdelset(&deflt, SIGSTOP);
	rc = posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
	if (!rc)
		rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (!rc)
		rc = posix_spawnattr_setsigmask(&attr, &none);
	if (!rc)
		rc = posix_spawnattr_setsigdefault(&attr, &deflt);
	if (!rc)
		rc = posix_spawnattr_setpgroup(&attr, 0);
	if (!rc)
		rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
						     POSIX_SPAWN_SETPGROUP);
	if (!rc)
		rc = posix_spawn(&c->pid, "/bin/sh", &fa, &attr, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc) {
		c->pid = 0;
		errno = rc;
		app_error_errno("cannot start streaming %s '%s' with /bin/sh", what, cmd);
		goto fail;
	}
	c->in = pin[1];
	c->out = pout[0];
	c->err = perr[0];
	pin[1] = pout[0] = perr[0] = -1;
	if (set_nonblock(c->in) < 0 || set_nonblock(c->out) < 0 || set_nonblock(c->err) < 0) {
		app_error_errno("cannot set up the pipes of streaming %s '%s'", what, cmd);
		close_fd(&pin[0]);
		close_fd(&pout[1]);
		close_fd(&perr[1]);
		child_abort(c);
		return -1;
	}
	ret = 0;
fail:
	close_fd(&pin[0]);
	close_fd(&pin[1]);
	close_fd(&pout[0]);
	close_fd(&pout[1]);
	close_fd(&perr[0]);
	close_fd(&perr[1]);
	if (ret < 0)
		child_free(c);
	return ret;
}

/* waitpid, resuming after signals.  0 or -1 (errno set). */
static int reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

void child_abort(struct child *c)
{
	int status;

	if (c->pid > 0) {
		kill(-c->pid, SIGKILL);
		kill(c->pid, SIGKILL); /* in case it is not its group's leader yet */
		(void)reap(c->pid, &status);
	}
	child_free(c);
}

int child_finish(struct child *c)
{
	char tail[CHILD_TAIL_MAX + 3 * CHILD_TAIL_LINES + 1];
	siginfo_t si;
	int status, ret = -1;

	if (c->wlen && write_all(c, c->wbuf, c->wlen) < 0)
		goto fail;
	c->wlen = 0;
	close_fd(&c->in);
	while (c->out >= 0 || c->err >= 0)
		if (pump(c, 0) < 0)
			goto fail;
	/*
	 * Wait without reaping, so that its process group cannot be another's
	 * yet: what is left of a pipeline is killed, then the shell is reaped.
	 */
	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOWAIT) < 0)
		if (errno != EINTR) {
			app_error_errno("cannot wait for streaming %s '%s'", c->what, c->cmd);
			goto fail;
		}
	kill(-c->pid, SIGKILL);
	if (reap(c->pid, &status) < 0) {
		app_error_errno("cannot wait for streaming %s '%s'", c->what, c->cmd);
		goto fail;
	}
	c->pid = 0;
	tail_lines(c, tail, sizeof(tail));
	if (WIFSIGNALED(status)) {
		app_error("streaming %s '%s' was killed by signal %d (%s)%s%s", c->what, c->cmd,
			  WTERMSIG(status), strsignal(WTERMSIG(status)),
			  tail[0] ? "; last lines of its stderr: " : "", tail);
		goto fail;
	}
	if (WEXITSTATUS(status) != 0) {
		int st = WEXITSTATUS(status), sig = st - 128;
		char how[96] = "";

		/* The shell's way of saying that the command it ran was killed. */
		if (sig > 0 && sig < NSIG)
			snprintf(how, sizeof(how), " (its command was killed by signal %d (%s))",
				 sig, strsignal(sig));
		app_error("streaming %s '%s' exited with status %d%s%s%s", c->what, c->cmd, st,
			  how, tail[0] ? "; last lines of its stderr: " : "; its stderr was empty",
			  tail);
		goto fail;
	}
	/* A last line without '\n'. */
	if (c->llen) {
		c->line[c->llen] = '\0';
		if (c->on_line(c->arg, c->line, c->llen) < 0)
			goto fail;
		c->llen = 0;
	}
	ret = 0;
fail:
	child_abort(c);
	return ret;
}
