/*
 * test_faults.c - MR_FAULTS (src/common/faults.c): good and bad specs,
 * @N against @N+, globs on base names, counts per entry (shared with a
 * forked child, exact across threads), the errno table, rpc and crash
 * actions, the "fault injected" line, and the file points of afile.c and
 * the journal failing through their own error paths.
 *
 * Every test runs in its own temp dir under /tmp and disarms at the end.
 */
#include "unit.h"

#include "common/afile.h"
#include "common/faults.h"
#include "common/util.h"
#include "coordinator/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

static int setup(void **state)
{
	faults_reset();
	return unit_tmpdir_setup(state);
}

static int teardown(void **state)
{
	faults_reset();
	log_set_level(LOG_QUIET);
	return unit_tmpdir_teardown(state);
}

/* Arm `spec`, which must parse. */
static void arm(const char *spec)
{
	if (faults_parse(spec) != 0)
		unit_fail("MR_FAULTS='%s' was refused: %s", spec, log_last_error());
	assert_true(faults_armed);
}

/* The directory's entries but . and .., as "a b c" (static buffer). */
static const char *dir_list(const char *dir)
{
	static char buf[1024];
	struct dirent *e;
	DIR *d = opendir(dir);
	size_t len = 0;

	assert_non_null(d);
	buf[0] = '\0';
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
						len ? " " : "", e->d_name);
	closedir(d);
	return buf;
}

/* ---- parsing ---- */

static void test_parse_good(void **state)
{
	static const char *const good[] = {
		"write:mr-out-*:enospc@1,fsync:mr-journal:eio@3,rpc:report:drop@2,"
		"crash:after-publish@1",
		"write:eio@1",
		"write:mr-[0-9]-*:edquot@7+",
		" rename:mr-out-0:eacces@1 , open:emfile@2+ ",
		"rpc:drop@1",
		"rpc:ask:lose@3+",
		"rpc:h*:delay=250@1",
		"crash:before-publish:abort@2",
		"crash:*-publish:exit@1",
		"crash:after-publish:delay=0@1+",
		"fsync:mr-report.json:exit@1",
		"write:a@b:eio@1",  /* the last @ starts the count */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		arm(good[i]);
	assert_int_equal(faults_parse(NULL), 0);
	assert_false(faults_armed);
	arm("write:eio@1");
	assert_int_equal(faults_parse(""), 0);
	assert_false(faults_armed);
}

static void test_parse_bad(void **state)
{
	static const struct {
		const char *spec;
		const char *entry;  /* how the message names the bad entry */
		const char *why;    /* and part of why */
	} bad[] = {
		{ "write:eio", "entry 1 'write:eio'", "no @N" },
		{ "write:eio@", "entry 1 'write:eio@'", "@N wants a count" },
		{ "write:eio@0", "entry 1", "@N wants a count" },
		{ "write:eio@-1", "entry 1", "@N wants a count" },
		{ "write:eio@2x", "entry 1", "@N wants a count" },
		{ "write:eio@1++", "entry 1", "@N wants a count" },
		{ "write:eio@+1", "entry 1", "@N wants a count" },
		{ "write:eio@1,bogus:eio@1", "entry 2 'bogus:eio@1'", "unknown point 'bogus'" },
		{ "write@1", "entry 1", "no action" },
		{ "write:a:b:eio@1", "entry 1", "too many ':'" },
		{ "write::eio@1", "entry 1", "empty TARGET" },
		{ "write:x:enospace@1", "entry 1", "unknown action 'enospace'" },
		{ "write:x:EIO@1", "entry 1", "unknown action 'EIO'" },
		{ "write:x:drop@1", "entry 1", "rpc points only" },
		{ "rpc:report:eio@1", "entry 1", "file points only" },
		{ "rpc:reprot:drop@1", "entry 1 'rpc:reprot:drop@1'", "no procedure 'reprot'" },
		{ "crash:after-publsh@1", "entry 1", "no crash point 'after-publsh'" },
		{ "crash:after-publish:eio@1", "entry 1", "file points only" },
		{ "crash:after-publish:lose@1", "entry 1", "rpc points only" },
		{ "write:x:delay=@1", "entry 1", "delay=MS" },
		{ "write:x:delay=-5@1", "entry 1", "delay=MS" },
		{ "write:x:delay=600001@1", "entry 1", "delay=MS" },
		{ "write:eio@1,", "entry 2 ''", "empty entry" },
		{ ",write:eio@1", "entry 1 ''", "empty entry" },
		{ "write:eio@1,,fsync:eio@1", "entry 2", "empty entry" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		arm("write:eio@1"); /* a bad spec also disarms what was armed */
		log_clear_last_error();
		if (faults_parse(bad[i].spec) != -1)
			unit_fail("MR_FAULTS='%s' was accepted", bad[i].spec);
		assert_false(faults_armed);
		assert_int_equal(fault_errno("write", "x"), 0);
		if (!strstr(log_last_error(), "bad MR_FAULTS") ||
		    !strstr(log_last_error(), bad[i].entry) ||
		    !strstr(log_last_error(), bad[i].why))
			unit_fail("MR_FAULTS='%s': message '%s' lacks '%s' or '%s'", bad[i].spec,
				  log_last_error(), bad[i].entry, bad[i].why);
	}
}

/* faults_init: a bad MR_FAULTS ends the program with status 2, one message. */
static void test_init_usage_error(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open("err", O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(fd, 2);
		setenv("MR_FAULTS", "write:eio@1,rpc:nope:drop@1", 1);
		faults_init("mrtest");
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 2);
	{
		char buf[1024] = "";
		int fd = open("err", O_RDONLY), lines = 0;
		ssize_t n;

		assert_true(fd >= 0);
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		assert_true(n > 0);
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
		assert_int_equal(lines, 1);
		assert_non_null(strstr(buf, "entry 2 'rpc:nope:drop@1'"));
		assert_non_null(strstr(buf, "not starting mrtest"));
	}
	setenv("MR_FAULTS", "crash:after-publish@5", 1);
	faults_init("mrtest");
	assert_true(faults_armed);
	unsetenv("MR_FAULTS");
	faults_init("mrtest");
	assert_false(faults_armed);
}

/* ---- firing ---- */

static void test_nth_only(void **state)
{
	(void)state;
	arm("write:f:eio@3");
	assert_int_equal(fault_errno("write", "f"), 0);
	assert_int_equal(fault_errno("write", "f"), 0);
	assert_int_equal(fault_errno("write", "f"), EIO);
	for (int i = 0; i < 5; i++)
		assert_int_equal(fault_errno("write", "f"), 0);
	assert_int_equal(faults_calls(1), 8);
	assert_int_equal(faults_calls(0), 0);
	assert_int_equal(faults_calls(2), 0);
}

static void test_nth_and_later(void **state)
{
	(void)state;
	arm("write:f:enospc@2+");
	assert_int_equal(fault_errno("write", "f"), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(fault_errno("write", "f"), ENOSPC);
	arm("fsync:eio@1+");
	for (int i = 0; i < 3; i++)
		assert_int_equal(fault_errno("fsync", "any"), EIO);
}

/* Targets are globs on the base name; the point must match too. */
static void test_glob(void **state)
{
	(void)state;
	arm("write:mr-out-*:eio@1+");
	assert_int_equal(fault_errno("write", "mr-out-0"), EIO);
	assert_int_equal(fault_errno("write", "/tmp/job/mr-out-12"), EIO);
	assert_int_equal(fault_errno("write", "mr-1-0"), 0);
	assert_int_equal(fault_errno("write", "mr-out-0/x"), 0);
	assert_int_equal(fault_errno("write", "xmr-out-0"), 0);
	assert_int_equal(fault_errno("fsync", "mr-out-0"), 0);
	assert_int_equal(fault_errno("rename", "mr-out-0"), 0);
	assert_int_equal(faults_calls(1), 2);

	arm("rename:mr-[0-9]-?:eacces@1+");
	assert_int_equal(fault_errno("rename", "dir/mr-3-7"), EACCES);
	assert_int_equal(fault_errno("rename", "mr-3-17"), 0);
	assert_int_equal(fault_errno("rename", "mr-x-7"), 0);

	/* a path in the target never matches: only the base name is compared */
	arm("write:job/mr-out-0:eio@1+");
	assert_int_equal(fault_errno("write", "job/mr-out-0"), 0);

	/* no target: any file */
	arm("open:emfile@1+");
	assert_int_equal(fault_errno("open", "a"), EMFILE);
	assert_int_equal(fault_errno("open", "/b/c"), EMFILE);
	assert_int_equal(fault_errno("write", "a"), 0);
}

/*
 * Each entry counts its own matching calls; when two fire on one call the
 * first listed wins (the other's firing is spent).
 */
static void test_count_per_entry(void **state)
{
	(void)state;
	arm("write:mr-*:eio@2,write:mr-out-*:enospc@1,fsync:mr-*:edquot@1");
	assert_int_equal(fault_errno("write", "mr-out-0"), ENOSPC); /* 1: 1st, 2: 1st */
	assert_int_equal(fault_errno("write", "mr-out-1"), EIO);    /* 1: 2nd, 2: 2nd */
	assert_int_equal(fault_errno("write", "mr-1-0"), 0);        /* 1: 3rd */
	assert_int_equal(fault_errno("fsync", "mr-1-0"), EDQUOT);   /* 3: 1st */
	assert_int_equal(faults_calls(1), 3);
	assert_int_equal(faults_calls(2), 2);
	assert_int_equal(faults_calls(3), 1);

	arm("write:eio@1,write:enospc@1,write:emfile@2");
	assert_int_equal(fault_errno("write", "f"), EIO);
	assert_int_equal(fault_errno("write", "f"), EMFILE);
	assert_int_equal(fault_errno("write", "f"), 0);

	/* re-arming starts every count from zero */
	arm("write:eio@1");
	assert_int_equal(fault_errno("write", "f"), EIO);
	arm("write:eio@1");
	assert_int_equal(fault_errno("write", "f"), EIO);
}

static void test_errno_names(void **state)
{
	static const struct {
		const char *name;
		int err;
	} map[] = {
		{ "enospc", ENOSPC }, { "eio", EIO },       { "edquot", EDQUOT },
		{ "enoent", ENOENT }, { "eacces", EACCES }, { "eperm", EPERM },
		{ "emfile", EMFILE }, { "enfile", ENFILE }, { "erofs", EROFS },
		{ "efbig", EFBIG },   { "eintr", EINTR },   { "eagain", EAGAIN },
		{ "enomem", ENOMEM }, { "exdev", EXDEV },   { "estale", ESTALE },
	};
	char spec[64];

	(void)state;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		snprintf(spec, sizeof(spec), "rename:f:%s@1", map[i].name);
		arm(spec);
		errno = 0;
		assert_int_equal(fault_fail("rename", "f"), 1);
		assert_int_equal(errno, map[i].err);
		errno = 0;
		assert_int_equal(fault_fail("rename", "f"), 0);
		assert_int_equal(errno, 0);
	}
}

static void test_rpc(void **state)
{
	int64_t t0;

	(void)state;
	arm("rpc:report:drop@2,rpc:ask:lose@1,rpc:heartbeat:delay=50@1");
	assert_int_equal(fault_rpc("report"), FAULT_RPC_GO);
	assert_int_equal(fault_rpc("report"), FAULT_RPC_DROP);
	assert_int_equal(fault_rpc("report"), FAULT_RPC_GO);
	assert_int_equal(fault_rpc("ask"), FAULT_RPC_LOSE);
	assert_int_equal(fault_rpc("ask"), FAULT_RPC_GO);
	assert_int_equal(fault_rpc("status"), FAULT_RPC_GO);
	t0 = now_ms();
	assert_int_equal(fault_rpc("heartbeat"), FAULT_RPC_GO);
	assert_true(now_ms() - t0 >= 50);
	/* rpc entries do not fire on file points and the other way round */
	arm("rpc:drop@1+,write:eio@1+");
	assert_int_equal(fault_rpc("status"), FAULT_RPC_DROP);
	assert_int_equal(fault_rpc("heartbeat"), FAULT_RPC_DROP);
	assert_int_equal(faults_calls(1), 2);
	assert_int_equal(faults_calls(2), 0);
	assert_int_equal(fault_errno("write", "report"), EIO);
	assert_int_equal(faults_calls(1), 2);
}

/* Run fault_crash(name) `calls` times in a child; its wait status. */
static int crash_child(const char *spec, const char *name, int calls)
{
	int status;
	pid_t pid;

	arm(spec);
	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGABRT, SIG_DFL);
		for (int i = 0; i < calls; i++)
			fault_crash(name);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void test_crash(void **state)
{
	int st;

	(void)state;
	st = crash_child("crash:after-publish@2", "after-publish", 1);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = crash_child("crash:after-publish@2", "after-publish", 3);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == FAULT_EXIT_STATUS);
	st = crash_child("crash:after-publish:exit@1", "before-publish", 3);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = crash_child("crash:*-publish:abort@1", "before-publish", 1);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	/* exit works at a file point too: killed in the middle of a write */
	arm("write:mr-out-0:exit@1");
	fflush(stdout);
	{
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			fault_errno("write", "mr-out-1");
			fault_errno("write", "mr-out-0");
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == FAULT_EXIT_STATUS);
	}
	/* a delay returns */
	arm("crash:before-publish:delay=1@1+");
	fault_crash("before-publish");
	fault_crash("before-publish");
	assert_int_equal(faults_calls(1), 2);
}

/* A child forked after arming counts with its parent (a watched map). */
static void test_shared_with_child(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	arm("write:f:eio@3");
	assert_int_equal(fault_errno("write", "f"), 0);
	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fault_errno("write", "f")); /* the 2nd call: 0 */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(faults_calls(1), 2);
	assert_int_equal(fault_errno("write", "f"), EIO); /* the 3rd, in the parent */
}

#define THREADS 4
#define PER_THREAD 5000

static void *hammer(void *arg)
{
	int *fired = arg;

	for (int i = 0; i < PER_THREAD; i++)
		*fired += fault_errno("write", "f") == EIO;
	return NULL;
}

/* Counting is exact across threads (the fetch service's). */
static void test_threads(void **state)
{
	pthread_t t[THREADS];
	int fired[THREADS] = { 0 }, total = 0;

	(void)state;
	arm("write:f:eio@7777");
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, &fired[i]), 0);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		total += fired[i];
	}
	assert_int_equal(total, 1);
	assert_int_equal(faults_calls(1), THREADS * PER_THREAD);
}

/* Every firing prints one warning line naming the point, file, effect and entry. */
static void test_fault_line(void **state)
{
	char buf[2048] = "";
	int saved = dup(2), fd = open("err", O_RDWR | O_CREAT | O_TRUNC, 0600);
	ssize_t n;

	(void)state;
	assert_true(saved >= 0 && fd >= 0);
	log_set_level(LOG_NORMAL);
	arm("fsync:eio@9,write:mr-out-*:enospc@1,rpc:report:drop@1");
	fflush(stderr);
	dup2(fd, 2);
	fault_errno("write", "mr-out-0");
	fault_errno("write", "mr-out-0"); /* does not fire: no line */
	fault_rpc("report");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	assert_true(n > 0);
	if (!strstr(buf, "warning: fault injected: write mr-out-0: No space left on device "
			 "(MR_FAULTS entry 2: write:mr-out-*:enospc@1)\n") ||
	    !strstr(buf, "warning: fault injected: rpc report: call dropped, not sent "
			 "(MR_FAULTS entry 3: rpc:report:drop@1)\n"))
		unit_fail("unexpected fault lines:\n%s", buf);
	{
		int lines = 0;

		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
		assert_int_equal(lines, 2);
	}
}

/* ---- the file points of afile.c ---- */

/* Publishing `name` with `spec` armed fails naming it; nothing is left. */
static void afile_fails(const char *spec, int durable, const char *msg)
{
	static char big[128 << 10];
	struct afile f;
	int rc;

	arm(spec);
	log_clear_last_error();
	rc = durable ? afile_open_durable(&f, "mr-out-0") : afile_open(&f, "mr-out-0");
	if (rc == 0) {
		rc = afile_write(&f, big, sizeof(big)); /* big: straight to write(2) */
		if (rc == 0)
			rc = afile_commit(&f);
		else
			afile_abort(&f);
	}
	assert_int_equal(rc, -1);
	if (!strstr(log_last_error(), msg))
		unit_fail("%s: message '%s' lacks '%s'", spec, log_last_error(), msg);
	assert_string_equal(dir_list("."), "");
}

static void test_afile_points(void **state)
{
	struct afile f;

	(void)state;
	afile_fails("open:mr-out-*:emfile@1", 0,
		    "cannot create a temp file for mr-out-0: Too many open files");
	afile_fails("write:mr-out-0:enospc@1", 0,
		    "cannot write mr-out-0: No space left on device");
	afile_fails("fsync:mr-out-0:eio@1", 1, "cannot flush mr-out-0 to disk: Input/output error");
	afile_fails("rename:mr-out-0:edquot@1", 0, "cannot publish mr-out-0: Disk quota exceeded");
	/* a write interrupted once is resumed */
	arm("write:mr-out-0:eintr@1");
	assert_int_equal(afile_open(&f, "mr-out-0"), 0);
	assert_int_equal(afile_write(&f, "hello\n", 6), 0);
	assert_int_equal(afile_commit(&f), 0);
	assert_int_equal(faults_calls(1), 2);
	assert_string_equal(dir_list("."), "mr-out-0");
	/* afile_sync_path: open and fsync */
	arm("fsync:mr-out-0:eio@1");
	log_clear_last_error();
	assert_int_equal(afile_sync_path("mr-out-0"), -1);
	assert_non_null(strstr(log_last_error(), "cannot flush mr-out-0 to disk"));
	arm("open:mr-out-0:enoent@1");
	assert_int_equal(afile_sync_path("mr-out-0"), -1);
	assert_non_null(strstr(log_last_error(), "cannot open mr-out-0 to flush it"));
	assert_int_equal(afile_sync_path("mr-out-0"), 0);
	/* a fault on another file does not touch this one */
	arm("write:mr-out-1:enospc@1+,rename:mr-out-1:eio@1+");
	assert_int_equal(afile_open(&f, "mr-out-0"), 0);
	assert_int_equal(afile_write(&f, "x\n", 2), 0);
	assert_int_equal(afile_commit(&f), 0);
}

/* ---- the journal's ---- */

static void test_journal_points(void **state)
{
	struct journal *j;

	(void)state;
	/* the header's write and sync are calls 1 */
	arm("write:mr-journal:enospc@1");
	log_clear_last_error();
	assert_int_equal(journal_open(&j, "mr-journal", 0, NULL), -1);
	assert_non_null(strstr(log_last_error(), "cannot write journal header mr-journal: "
						 "No space left on device"));
	unlink("mr-journal");

	arm("fsync:mr-journal:eio@2");
	assert_int_equal(journal_open(&j, "mr-journal", 0, NULL), 0);
	assert_int_equal(journal_append(j, 1, "abc", 3), 0);
	log_clear_last_error();
	assert_int_equal(journal_sync(j), -1);
	assert_non_null(strstr(log_last_error(), "cannot sync journal mr-journal: "
						 "Input/output error"));
	assert_int_equal(journal_failed(j), 1);
	assert_int_equal(journal_close(j), -1);
	unlink("mr-journal");

	arm("write:mr-journal:eio@3");
	assert_int_equal(journal_open(&j, "mr-journal", 0, NULL), 0);
	assert_int_equal(journal_append(j, 1, "abc", 3), 0);
	assert_int_equal(journal_sync(j), 0);           /* write 2 */
	assert_int_equal(journal_sync(j), 0);           /* nothing to write: no call */
	assert_int_equal(journal_append(j, 2, "de", 2), 0);
	log_clear_last_error();
	assert_int_equal(journal_sync(j), -1);          /* write 3 */
	assert_non_null(strstr(log_last_error(), "cannot write 1 records to journal mr-journal"));
	assert_int_equal(journal_close(j), -1);
	/* the same points on the journal's sync thread: reported by the reap */
	unlink("mr-journal");
	arm("fsync:mr-journal:eio@2");
	assert_int_equal(journal_open(&j, "mr-journal", 0, NULL), 0);
	assert_int_equal(journal_append(j, 1, "abc", 3), 0);
	assert_int_equal(journal_sync_start(j), 0);
	log_clear_last_error();
	assert_int_equal(journal_sync_reap(j, 1), -1);
	assert_non_null(strstr(log_last_error(), "cannot sync journal mr-journal: "
						 "Input/output error"));
	assert_int_equal(journal_failed(j), 1);
	assert_int_equal(journal_sync_start(j), -1);      /* failed for good */
	assert_int_equal(journal_close(j), -1);
	unlink("mr-journal");
	arm("write:mr-journal:enospc@2");
	assert_int_equal(journal_open(&j, "mr-journal", 0, NULL), 0);
	assert_int_equal(journal_append(j, 1, "abc", 3), 0);
	assert_int_equal(journal_sync_start(j), 0);
	log_clear_last_error();
	assert_int_equal(journal_sync_reap(j, 1), -1);
	assert_non_null(strstr(log_last_error(), "cannot write 1 records to journal mr-journal"));
	assert_int_equal(journal_close(j), -1);
	unlink("mr-journal");
	/* only the journal: another file's fsync is not counted */
	arm("fsync:mr-journal:eio@1");
	close(open("mr-journal-not", O_WRONLY | O_CREAT, 0600));
	assert_int_equal(afile_sync_path("mr-journal-not"), 0);
	assert_int_equal(faults_calls(1), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_parse_good),
		T(test_parse_bad),
		T(test_init_usage_error),
		T(test_nth_only),
		T(test_nth_and_later),
		T(test_glob),
		T(test_count_per_entry),
		T(test_errno_names),
		T(test_rpc),
		T(test_crash),
		T(test_shared_with_child),
		T(test_threads),
		T(test_fault_line),
		T(test_afile_points),
		T(test_journal_points),
	};
#undef T

	UNIT_MAIN("faults", tests);
}
