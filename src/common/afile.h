/*
 * afile.h - publish a file atomically.
 *
 * afile_open() creates a hidden temp file (".mr-tmp-NAME-XXXXXX", mkstemp;
 * see common/jobdir.h)
 * in the target's directory; writes are buffered; afile_commit() flushes,
 * closes and renames it over the target.  A durable file (the job report)
 * is also fsynced before the rename, and its directory after it.  A final
 * output (mr-out-R) only starts its writeback, without waiting: every
 * AFILE_WRITEBACK_STEP bytes as it is written, and the rest at commit;
 * whoever declares the job done makes the outputs durable at the end with
 * afile_sync_path() and afile_sync_dir(), by which time the data is mostly
 * on disk (one short wait at the end instead of two fsyncs per reduce).
 * Intermediate files skip all that: the rename alone already protects them
 * from a crashed or killed process (the page cache survives it), and after
 * a machine crash the whole job, whose state lives in the coordinator, is
 * rerun anyway.
 * A reader therefore sees no file, the old file, or the whole new file, and
 * a duplicate writer of the same target simply replaces it whole.
 * afile_abort() (also called by a failed commit) removes the temp file.
 *
 * Several files published together (a map task's runs) go through a
 * struct afile_set instead of afile_commit(): see below.
 *
 * The file gets mode 0666 & ~umask, like any file a program creates.
 *
 * Fault points (common/faults.h), each matched on the target's base name
 * (an anonymous file's: its temp name) and failing through the error path
 * of the system call it stands in front of: open (the temp file's
 * mkostemp, afile_sync_path's open), write (every write(2)), fsync
 * (a durable commit's, afile_sync_path's) and rename (commit's).
 */
#ifndef MR_AFILE_H
#define MR_AFILE_H

#include <stddef.h>

struct afile {
	int fd;
	char *tmp;      /* malloc'd temp path */
	char *path;     /* malloc'd target path */
	char *buf;      /* write buffer */
	size_t len, cap;
	int failed;     /* a write failed (already reported) */
	int durable;    /* fsync on commit */
	int writeback;  /* start writeback as it goes and on commit */
	unsigned long long written; /* bytes written to fd so far */
	unsigned long long kicked;  /* writeback started for bytes [0, kicked) */
};

/* A final output's writeback is started each time this much more was written. */
#define AFILE_WRITEBACK_STEP (8ull << 20)

/* 0, or -1 after printing why.  On failure *f needs no release. */
int afile_open(struct afile *f, const char *path);
/* Same, for a file that must survive a machine crash once committed. */
int afile_open_durable(struct afile *f, const char *path);
/* Same, for a final output: see above. */
int afile_open_output(struct afile *f, const char *path);
/* fsync the file at `path`.  0, or -1 after printing why. */
int afile_sync_path(const char *path);
/* fsync the directory that holds `path` (best effort, like commit's). */
void afile_sync_dir(const char *path);
/*
 * An anonymous temp file in `dir`: unlinked at once, never published (for
 * spills).  Finish it with afile_finish_fd().  0, or -1 after printing why.
 */
int afile_open_anon(struct afile *f, const char *dir);
/* Flush an anonymous file and hand its fd to the caller; releases *f.  0 or -1. */
int afile_finish_fd(struct afile *f, int *fd);
/* Buffered write.  0, or -1 after printing why (later writes are no-ops). */
int afile_write(struct afile *f, const void *data, size_t n);
/* Publish.  0, or -1 after printing why; either way *f is released. */
int afile_commit(struct afile *f);
/*
 * Discard the temp file and release *f.  Safe on a zeroed struct (its fd 0
 * is left alone) and on one already released.
 */
void afile_abort(struct afile *f);

/*
 * A set of files published together: each is written whole to its temp
 * file, flushed and closed (afile_set_add); only when every one is written
 * are they renamed (afile_set_publish).  So a failure while writing
 * (a full disk, say) publishes none of them, and afile_set_release()
 * removes every temp file.
 *
 * A rename that fails part-way stops afile_set_publish: the files renamed
 * before it stay published, whole, and the others' temp files are
 * removed.  A name once published is never removed here, because a
 * duplicate writer of the same target (a backup attempt of the same task)
 * may have published it too, and counts on it: whichever rename came last,
 * the file there is whole, and removing the name would take it from the
 * other writer.  A caller that writes the same content under the same
 * names whenever it runs again (a map task) replaces such leftovers whole.
 *
 * The set holds no descriptor and no buffer, only the two names of each
 * file (one allocation a file), so its files are written one at a time and
 * a set of many (a map of 100,000 partitions) costs a few megabytes.
 */
struct afile_set {
	char **v;        /* per file, malloc'd: temp path '\0' target path */
	size_t n, cap;
	size_t renamed;  /* v[0 .. renamed) are published */
};

void afile_set_init(struct afile_set *s);
/*
 * Flush and close `f` (as afile_commit() does up to the rename) and keep
 * it in `s` for afile_set_publish().  0, or -1 after printing why, with its
 * temp file removed; *f is released either way.
 */
int afile_set_add(struct afile_set *s, struct afile *f);
/*
 * Rename every file of `s` to its target, in the order they were added.
 * 0, or -1 after printing why (the rename that failed; see above).  Call
 * it once.
 */
int afile_set_publish(struct afile_set *s);
/* Remove the temp files not renamed, and free `s`. */
void afile_set_release(struct afile_set *s);

#endif
