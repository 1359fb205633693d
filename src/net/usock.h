/*
 * usock.h - Unix stream sockets for the coordinator/worker RPC.
 */
#ifndef MR_USOCK_H
#define MR_USOCK_H

#include <sys/types.h>
#include <sys/un.h>

/*
 * Fill *addr for `path`.  Returns 0, or -1 with a message when the path does
 * not fit in sun_path.
 */
int usock_addr(struct sockaddr_un *addr, const char *path);

/* The socket path to use: `opt` if set, else $MR_SOCKET, else /var/tmp/5840-mr-UID. */
const char *usock_default_path(const char *opt, char *buf, size_t size);

/*
 * Create, bind and listen on `path`, mode 0600.  A socket file that nobody
 * answers on (left by a killed coordinator) is replaced; one that a live
 * process answers on is refused.  Returns the listening fd (close-on-exec),
 * or -1 after printing why.
 */
int usock_listen(const char *path);

/*
 * Connect to `path`.  Returns the fd, or -1 with errno set and nothing
 * printed (callers retry or decide what the failure means).
 */
int usock_connect(const char *path);

/*
 * The user id of the process at the other end of the connected Unix
 * socket `fd` (SO_PEERCRED, as it was when the connection was made).
 * 0 and *uid, or -1 with errno set and nothing printed.
 */
int usock_peer_uid(int fd, uid_t *uid);

#endif
