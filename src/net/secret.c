/* secret.c - see secret.h. */
#include "net/secret.h"

#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The file behind `fd` may hold a secret: regular, ours, private.  0 or -1 (printed). */
static int check_file(int fd, const char *path)
{
	struct stat st;
	uid_t me = geteuid();
	unsigned mode;

	if (fstat(fd, &st) < 0)
		return error_errno("cannot check secret file %s", path);
	if (!S_ISREG(st.st_mode))
		return error("secret file %s is not a regular file", path);
	if (st.st_uid != me)
		return error("secret file %s is owned by uid %ld, not by this user (uid %ld)",
			     path, (long)st.st_uid, (long)me);
	mode = (unsigned)st.st_mode & 07777;
	if (mode & 066)
		return error("secret file %s is readable or writable by group or others "
			     "(mode %04o); chmod 600 it", path, mode);
	if (mode & 011)
		return error("secret file %s is executable by group or others (mode %04o); "
			     "chmod 600 it", path, mode);
	return 0;
}

/* Read at most `cap` bytes of fd into buf: the count, or -1 (printed). */
static ssize_t read_upto(int fd, const char *path, unsigned char *buf, size_t cap)
{
	size_t got = 0;

	while (got < cap) {
		ssize_t n = read(fd, buf + got, cap - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_errno("cannot read secret file %s", path);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int secret_load(struct secret *s, const char *path)
{
	/* One byte more than allowed, to tell "too long" from "just fits". */
	unsigned char *buf = NULL;
	ssize_t n = -1;
	int fd;

	s->key = NULL;
	s->len = 0;
	/* O_NONBLOCK: a FIFO must not hang us; it is refused below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return error_errno("cannot open secret file %s", path);
	if (check_file(fd, path) < 0)
		goto out;
	buf = malloc(SECRET_MAX + 1);
	if (!buf) {
		error_errno("cannot read secret file %s", path);
		goto out;
	}
	n = read_upto(fd, path, buf, SECRET_MAX + 1);
	if (n >= 0 && n < SECRET_MIN) {
		error("secret file %s holds %zd bytes; a secret needs at least %d", path, n,
		      SECRET_MIN);
		n = -1;
	} else if (n > SECRET_MAX) {
		error("secret file %s holds more than %d bytes; a secret is at most %d", path,
		      SECRET_MAX, SECRET_MAX);
		n = -1;
	}
out:
	close(fd);
	if (n < 0) {
		if (buf)
			OPENSSL_cleanse(buf, SECRET_MAX + 1);
		free(buf);
		return -1;
	}
	s->key = buf;
	s->len = (size_t)n;
	return 0;
}

void secret_release(struct secret *s)
{
	if (s->key) {
		OPENSSL_cleanse(s->key, s->len);
		free(s->key);
	}
	s->key = NULL;
	s->len = 0;
}
