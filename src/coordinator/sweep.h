/*
 * sweep.h - unlink many files of one directory at once, on a few threads.
 *
 * The end of a journaled job removes every intermediate run (nmap x nreduce
 * files: 100,000 for 10,000 maps and 10 reduces), which one thread does
 * serially after the last reduce.  Most of an unlink's cost on ext4 (freeing
 * the inode and its blocks) is paid outside the directory's lock, so a few
 * threads share it out.
 *
 * The threads only call unlinkat(2); nothing is printed from them.  The
 * caller reports the failures afterwards from errs[].
 */
#ifndef MR_SWEEP_H
#define MR_SWEEP_H

#include <stddef.h>

/* Below this many names one thread does it all (no thread is started). */
#define SWEEP_MIN_PARALLEL 1024

/*
 * unlinkat(dirfd, names[i], 0) for every i < n, on up to `threads` threads
 * (at least 1).  errs[i] gets 0 or the errno of names[i]'s unlink.  Names
 * are borrowed.  A thread that cannot be started leaves its share to the
 * caller's thread.
 */
void sweep_unlink(int dirfd, char *const *names, size_t n, int *errs, unsigned threads);

#endif
