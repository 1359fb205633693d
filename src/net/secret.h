/*
 * secret.h - the shared secret of a TCP job (--secret-file).
 *
 * Every process of a job over TCP (coordinator, workers, mrctl) reads the
 * same secret file; knowing its bytes is what lets a peer in (net/auth.h).
 * The file must be a regular file owned by the effective user, with no
 * permission bits for group or others (mode 0600 or 0400), holding at
 * least SECRET_MIN bytes and at most SECRET_MAX.  Its bytes are used as
 * they are (a trailing newline is part of the secret): make one with
 * scripts/mksecret.sh.
 */
#ifndef MR_SECRET_H
#define MR_SECRET_H

#include <stddef.h>

#define SECRET_MIN 32
#define SECRET_MAX 4096

struct secret {
	unsigned char *key;   /* malloc'd, len bytes; wiped by secret_release */
	size_t len;
};

/*
 * Read and check `path` (a symbolic link is followed; the file it names
 * is checked; a FIFO is refused without waiting for a writer).  0, or -1
 * after printing one line that names the file and the reason ("is not a
 * regular file", "is owned by uid N, not by this user (uid M)", "is
 * readable or writable by group or others (mode 0644); chmod 600 it",
 * "is executable by group or others (mode 0710); ...", "holds 12 bytes;
 * a secret needs at least 32", "holds more than 4096 bytes; ...", or the
 * errno of open/read).  *s needs no release on failure (it is left empty).
 */
int secret_load(struct secret *s, const char *path);

/* Wipe (OPENSSL_cleanse) and free the key.  Safe on a zeroed struct. */
void secret_release(struct secret *s);

#endif
