/* test_secret.c - unit tests of src/net/secret.c (the --secret-file checks). */
#include "unit.h"

#include "net/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Write n bytes (i * 7 + 1) to `path` with `mode` (umask aside). */
static void make_file(const char *path, size_t n, mode_t mode)
{
	unsigned char buf[SECRET_MAX + 16];
	int fd;

	assert_true(n <= sizeof(buf));
	for (size_t i = 0; i < n; i++)
		buf[i] = (unsigned char)(i * 7 + 1);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

/* secret_load(path) must fail, leave *s empty and say `why` in its message. */
static void refused(const char *path, const char *why)
{
	struct secret s = { (unsigned char *)"junk", 99 };

	log_clear_last_error();
	if (secret_load(&s, path) != -1)
		unit_fail("%s was accepted; want refused with \"%s\"", path, why);
	assert_null(s.key);
	assert_int_equal(s.len, 0);
	if (!strstr(log_last_error(), path) || !strstr(log_last_error(), why))
		unit_fail("message \"%s\" lacks the file name or \"%s\"", log_last_error(), why);
}

/* secret_load(path) must succeed with n bytes of make_file's pattern. */
static void accepted(const char *path, size_t n)
{
	struct secret s;

	log_clear_last_error();
	if (secret_load(&s, path) != 0)
		unit_fail("%s was refused: %s", path, log_last_error());
	assert_non_null(s.key);
	assert_int_equal(s.len, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(s.key[i], (unsigned char)(i * 7 + 1));
	secret_release(&s);
	assert_null(s.key);
	assert_int_equal(s.len, 0);
	secret_release(&s); /* twice is harmless */
}

static void test_missing(void **state)
{
	(void)state;
	refused("no-such-file", "No such file or directory");
}

static void test_directory(void **state)
{
	(void)state;
	assert_int_equal(mkdir("dir", 0700), 0);
	refused("dir", "is not a regular file");
}

/* A FIFO is refused at once, without waiting for a writer. */
static void test_fifo(void **state)
{
	(void)state;
	assert_int_equal(mkfifo("fifo", 0600), 0);
	refused("fifo", "is not a regular file");
}

static void test_not_ours(void **state)
{
	char want[64];

	(void)state;
	if (geteuid() != 0)
		skip(); /* only root can give a file away */
	make_file("theirs", 48, 0600);
	assert_int_equal(chown("theirs", 65534, 65534), 0);
	snprintf(want, sizeof(want), "owned by uid 65534, not by this user (uid %ld)",
		 (long)geteuid());
	refused("theirs", want);
}

static void test_loose_modes(void **state)
{
	static const struct {
		mode_t mode;
		const char *why;
	} cases[] = {
		{ 0644, "(mode 0644); chmod 600 it" },
		{ 0640, "(mode 0640)" },
		{ 0604, "(mode 0604)" },
		{ 0620, "readable or writable by group or others" },
		{ 0602, "readable or writable by group or others" },
		{ 0610, "executable by group or others (mode 0610)" },
		{ 0601, "(mode 0601)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		make_file("loose", 48, cases[i].mode);
		refused("loose", cases[i].why);
		assert_int_equal(unlink("loose"), 0);
	}
}

static void test_private_modes(void **state)
{
	(void)state;
	make_file("rw", 48, 0600);
	accepted("rw", 48);
	make_file("ro", 48, 0400);
	accepted("ro", 48);
}

static void test_sizes(void **state)
{
	(void)state;
	make_file("empty", 0, 0600);
	refused("empty", "holds 0 bytes; a secret needs at least 32");
	make_file("short", 31, 0600);
	refused("short", "holds 31 bytes; a secret needs at least 32");
	make_file("exact", 32, 0600);
	accepted("exact", 32);
	make_file("max", SECRET_MAX, 0600);
	accepted("max", SECRET_MAX);
	make_file("long", SECRET_MAX + 1, 0600);
	refused("long", "holds more than 4096 bytes");
}

/* A symbolic link is followed: the file it names is what gets checked. */
static void test_symlink(void **state)
{
	(void)state;
	make_file("real", 40, 0600);
	assert_int_equal(symlink("real", "link"), 0);
	accepted("link", 40);
	assert_int_equal(chmod("real", 0644), 0);
	refused("link", "(mode 0644)");
}

static void test_release_zeroed(void **state)
{
	struct secret s = { NULL, 0 };

	(void)state;
	secret_release(&s);
	assert_null(s.key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, unit_tmpdir_setup, unit_tmpdir_teardown)
		T(test_missing),
		T(test_directory),
		T(test_fifo),
		T(test_not_ours),
		T(test_loose_modes),
		T(test_private_modes),
		T(test_sizes),
		T(test_symlink),
		T(test_release_zeroed),
#undef T
	};

	UNIT_MAIN("secret", tests);
}
