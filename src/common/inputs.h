/*
 * inputs.h - a job's list of input files: what its INPUT arguments and an
 * --inputs-from list name, expanded and checked.  Shared by mrcoordinator
 * and mrsequential, so both read the same files in the same order.
 *
 * Expansion.  An INPUT that is a directory stands for every regular file
 * under it, recursively, in byte order of their whole paths (as
 * `LC_ALL=C sort` orders them: "d/b.txt" before "d/b/c.txt", '.' < '/').
 * Entries whose name starts with '.' are skipped, directories with
 * everything under them.  A symbolic link to a regular file counts as a
 * file; one to a directory is not followed (no loops); other entries
 * (fifos, sockets, devices) are skipped.  A directory that yields no file
 * at all is an error.  Any other INPUT is taken as a file name and checked
 * by inputs_check().  A list of inputs is held in memory (a name each).
 *
 * Lists.  inputs_add_list() reads INPUTs one per line from a file ("-":
 * standard input): each line is a path exactly as written (spaces and '#'
 * included; there is no quoting and no comment syntax), without its '\n';
 * empty lines are skipped; a line naming a directory is expanded as above.
 * Paths are relative to the current directory (the job directory), not to
 * the list's.  A list that names nothing is an error.
 *
 * Compression.  inputs_codec() says from a name's suffix (.gz, .zst, .xz)
 * whether an input is compressed and how; such an input is one map task
 * whatever its size (it cannot be split), read by runner/zinput.h.
 *
 * Errors: every function that can fail prints one message naming the
 * path (and errno's text, or the other name of a duplicate) and returns
 * -1.  Allocation failures end the process (util.h's x* functions).
 */
#ifndef MR_INPUTS_H
#define MR_INPUTS_H

#include <stddef.h>
#include <stdint.h>

/* How an input is stored, from its name. */
enum input_codec {
	INPUT_PLAIN = 0,
	INPUT_GZIP,              /* NAME.gz: gzip (zlib) */
	INPUT_ZSTD,              /* NAME.zst: Zstandard (libzstd) */
	INPUT_XZ,                /* NAME.xz: xz (liblzma) */
};

/* What inputs_check() found of each input. */
struct input_stat {
	int64_t size;            /* bytes on disk (compressed ones: compressed) */
	int64_t mtime_ns;        /* st_mtim in nanoseconds since the epoch */
};

/*
 * The list.  names[i] is malloc'd and owned; origin[i] indexes origins (a
 * directory or list it was found in; -1: given itself); stat is NULL until
 * inputs_check() fills it (n entries).  Everything is freed by
 * inputs_release().
 */
struct inputs {
	char **names;
	int *origin;
	size_t n, cap;
	char **origins;          /* malloc'd copies: "directory D", "list L" */
	size_t norigins, ocap;
	struct input_stat *stat;
};

void inputs_init(struct inputs *in);
void inputs_release(struct inputs *in);

/* Add INPUT `arg`: a file name as it is, a directory expanded.  0 or -1. */
int inputs_add(struct inputs *in, const char *arg);

/* Add the INPUTs listed in `list` ("-": standard input).  0 or -1. */
int inputs_add_list(struct inputs *in, const char *list);

/*
 * Every input must be a readable regular file (it is opened), named once
 * (the same file under two names, a hard link or a directory's file given
 * again, counts twice).  Fills in->stat.  0, or -1 after naming the first
 * bad input.
 */
int inputs_check(struct inputs *in);

/* The codec of an input named `name`, from its suffix. */
enum input_codec inputs_codec(const char *name);

/* "gzip", "zstd", "xz", or "plain". */
const char *inputs_codec_name(enum input_codec c);

#endif
