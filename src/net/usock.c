/* usock.c - see usock.h. */
#include "net/usock.h"

#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int usock_addr(struct sockaddr_un *addr, const char *path)
{
	size_t len = strlen(path);

	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (len == 0)
		return error("socket path is empty");
	if (len >= sizeof(addr->sun_path))
		return error("socket path %s is too long (%zu bytes; at most %zu)",
			     path, len, sizeof(addr->sun_path) - 1);
	memcpy(addr->sun_path, path, len + 1);
	return 0;
}

const char *usock_default_path(const char *opt, char *buf, size_t size)
{
	const char *env = getenv("MR_SOCKET");

	if (opt)
		return opt;
	if (env && *env)
		return env;
	snprintf(buf, size, "/var/tmp/5840-mr-%ld", (long)getuid());
	return buf;
}

int usock_connect(const char *path)
{
	struct sockaddr_un addr;
	int fd, saved;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* 0 when `path` is free to bind (absent, or a stale socket now removed). */
static int claim_path(const char *path)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return error_errno("cannot check socket path %s", path);
	}
	if (!S_ISSOCK(st.st_mode))
		return error("%s exists and is not a socket; not replacing it", path);
	fd = usock_connect(path);
	if (fd >= 0) {
		close(fd);
		return error("another coordinator is serving %s; refusing to start "
			     "(use --socket to run a second job)", path);
	}
	if (errno != ECONNREFUSED && errno != ENOENT)
		return error_errno("cannot check socket %s", path);
	warning("replacing stale socket %s left by an earlier coordinator", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return error_errno("cannot remove stale socket %s", path);
	return 0;
}

int usock_listen(const char *path)
{
	struct sockaddr_un addr;
	mode_t old;
	int fd, rc;

	if (usock_addr(&addr, path) < 0 || claim_path(path) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_errno("cannot create socket for %s", path);
	/* Create the file 0600 from the start: no window where others may connect. */
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old);
	if (rc < 0) {
		error_errno("cannot bind socket %s", path);
		close(fd);
		return -1;
	}
	if (listen(fd, SOMAXCONN) < 0) {
		error_errno("cannot listen on %s", path);
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

int usock_peer_uid(int fd, uid_t *uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -1;
	*uid = cred.uid;
	return 0;
}
