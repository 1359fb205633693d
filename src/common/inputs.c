/* inputs.c - see inputs.h. */
#include "common/inputs.h"

#include "common/log.h"
#include "common/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void inputs_init(struct inputs *in)
{
	memset(in, 0, sizeof(*in));
}

void inputs_release(struct inputs *in)
{
	for (size_t i = 0; i < in->n; i++)
		free(in->names[i]);
	for (size_t i = 0; i < in->norigins; i++)
		free(in->origins[i]);
	free(in->names);
	free(in->origin);
	free(in->origins);
	free(in->stat);
	memset(in, 0, sizeof(*in));
}

/* Take `name` (malloc'd) as the next input, found in origin `o` (-1: none). */
static void push(struct inputs *in, char *name, int o)
{
	if (in->n == in->cap) {
		in->cap = in->cap ? in->cap * 2 : 64;
		in->names = xrealloc(in->names, in->cap * sizeof(*in->names));
		in->origin = xrealloc(in->origin, in->cap * sizeof(*in->origin));
	}
	in->names[in->n] = name;
	in->origin[in->n++] = o;
}

/* A new origin, "what `name`"; its index. */
static int add_origin(struct inputs *in, const char *what, const char *name)
{
	size_t n = strlen(what) + strlen(name) + 2;
	char *s = xmalloc(n);

	snprintf(s, n, "%s %s", what, name);
	xgrow((void **)&in->origins, &in->ocap, in->norigins + 1, sizeof(*in->origins));
	in->origins[in->norigins] = s;
	return (int)in->norigins++;
}

/* ---- directories ---- */

/* Paths found under a directory, sorted before they join the list. */
struct found {
	char **v;
	size_t n, cap;
};

static char *join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	int slash = dl > 0 && dir[dl - 1] == '/';
	char *s = xmalloc(dl + nl + 2);

	memcpy(s, dir, dl);
	if (!slash)
		s[dl++] = '/';
	memcpy(s + dl, name, nl + 1);
	return s;
}

/*
 * Add every regular file under directory `dir` to f (see inputs.h for
 * what counts).  0, or -1 after naming a directory that cannot be read.
 */
static int walk(struct found *f, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (!d)
		return error_errno("cannot read input directory %s", dir);
	for (errno = 0; (e = readdir(d)) != NULL; errno = 0) {
		struct stat st;
		char *path;
		int is_dir = 0, is_file = 0;

		if (e->d_name[0] == '.')
			continue; /* hidden, and "." and ".." */
		path = join(dir, e->d_name);
		switch (e->d_type) {
		case DT_REG:
			is_file = 1;
			break;
		case DT_DIR:
			is_dir = 1;
			break;
		case DT_LNK: /* a link to a file counts; to a directory, not followed */
			is_file = stat(path, &st) == 0 && S_ISREG(st.st_mode);
			break;
		case DT_UNKNOWN: /* some file systems do not say */
			if (lstat(path, &st) < 0)
				break;
			if (S_ISLNK(st.st_mode)) {
				is_file = stat(path, &st) == 0 && S_ISREG(st.st_mode);
			} else {
				is_file = S_ISREG(st.st_mode);
				is_dir = S_ISDIR(st.st_mode);
			}
			break;
		default:
			break;
		}
		if (is_file) {
			xgrow((void **)&f->v, &f->cap, f->n + 1, sizeof(*f->v));
			f->v[f->n++] = path;
			continue;
		}
		if (is_dir)
			rc = walk(f, path);
		free(path);
		if (rc < 0)
			break;
	}
	if (rc == 0 && errno) /* readdir failed */
		rc = error_errno("cannot read input directory %s", dir);
	closedir(d);
	return rc;
}

static int cmp_path(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Add the files under directory `dir`, sorted.  0 or -1. */
static int add_dir(struct inputs *in, const char *dir)
{
	struct found f = { 0 };
	int o, rc = -1;

	if (walk(&f, dir) < 0)
		goto out;
	if (f.n == 0) {
		error("input %s is a directory holding no regular file (hidden ones are "
		      "skipped)", dir);
		goto out;
	}
	qsort(f.v, f.n, sizeof(*f.v), cmp_path);
	o = add_origin(in, "directory", dir);
	for (size_t i = 0; i < f.n; i++)
		push(in, f.v[i], o);
	f.n = 0; /* taken */
	rc = 0;
out:
	for (size_t i = 0; i < f.n; i++)
		free(f.v[i]);
	free(f.v);
	return rc;
}

/* Add `arg` (found in origin `o`, -1: given itself): a directory expanded.  0 or -1. */
static int add_one(struct inputs *in, const char *arg, int o)
{
	struct stat st;

	/* Anything but a directory is checked, and if need be named, by inputs_check. */
	if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
		return add_dir(in, arg);
	push(in, xstrdup(arg), o);
	return 0;
}

int inputs_add(struct inputs *in, const char *arg)
{
	return add_one(in, arg, -1);
}

int inputs_add_list(struct inputs *in, const char *list)
{
	int is_stdin = !strcmp(list, "-");
	const char *what = is_stdin ? "the standard input" : list;
	FILE *fp = is_stdin ? stdin : fopen(list, "re");
	size_t cap = 0, before = in->n;
	char *line = NULL;
	ssize_t len;
	int o, rc = 0;
	long lineno = 0;

	if (!fp)
		return error_errno("cannot read the input list %s", list);
	o = add_origin(in, "list", what);
	for (errno = 0; rc == 0 && (len = getline(&line, &cap, fp)) >= 0; errno = 0) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (strlen(line) != (size_t)len)
			rc = error("input list %s, line %ld: a path cannot hold a NUL byte",
				   what, lineno);
		else
			rc = add_one(in, line, o);
	}
	if (rc == 0 && ferror(fp))
		rc = error_errno("cannot read the input list %s", what);
	if (rc == 0 && in->n == before)
		rc = error("the input list %s names no input", what);
	free(line);
	if (!is_stdin)
		fclose(fp);
	return rc;
}

/* ---- checks ---- */

struct input_id {
	dev_t dev;
	ino_t ino;
	size_t index;
};

static int cmp_input_id(const void *x, const void *y)
{
	const struct input_id *a = x, *b = y;

	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* " (found in directory D)", or "" for an input given itself. */
static const char *origin_of(const struct inputs *in, size_t i, char *buf, size_t size)
{
	if (in->origin[i] < 0)
		return "";
	snprintf(buf, size, " (found in %s)", in->origins[in->origin[i]]);
	return buf;
}

/* Open and stat input i; fills in->stat[i] and id.  0 or -1. */
static int check_one(struct inputs *in, size_t i, struct input_id *id)
{
	const char *name = in->names[i];
	/* O_NONBLOCK: a fifo must not hang us here (it is refused below). */
	int fd = open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return error_errno("cannot read input %s", name);
	if (fstat(fd, &st) < 0) {
		error_errno("cannot stat input %s", name);
		close(fd);
		return -1;
	}
	close(fd);
	if (S_ISDIR(st.st_mode))
		return error("input %s is a directory, not a file", name);
	if (!S_ISREG(st.st_mode))
		return error("input %s is not a regular file", name);
	*id = (struct input_id){ st.st_dev, st.st_ino, i };
	in->stat[i].size = (int64_t)st.st_size;
	in->stat[i].mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	return 0;
}

int inputs_check(struct inputs *in)
{
	struct input_id *ids = xcalloc(in->n ? in->n : 1, sizeof(*ids));
	char o1[4200], o2[4200];
	int ret = -1;

	free(in->stat);
	in->stat = xcalloc(in->n ? in->n : 1, sizeof(*in->stat));
	for (size_t i = 0; i < in->n; i++)
		if (check_one(in, i, &ids[i]) < 0)
			goto out;
	qsort(ids, in->n, sizeof(*ids), cmp_input_id);
	for (size_t i = 1; i < in->n; i++) {
		size_t a = ids[i].index, b = ids[i - 1].index;

		if (ids[i].dev == ids[i - 1].dev && ids[i].ino == ids[i - 1].ino) {
			error("input %s%s is given twice (as %s%s too); each input must be "
			      "named once", in->names[a], origin_of(in, a, o1, sizeof(o1)),
			      in->names[b], origin_of(in, b, o2, sizeof(o2)));
			goto out;
		}
	}
	ret = 0;
out:
	free(ids);
	return ret;
}

/* ---- codecs ---- */

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && !strcmp(s + n - k, suffix);
}

enum input_codec inputs_codec(const char *name)
{
	if (ends_with(name, ".gz"))
		return INPUT_GZIP;
	if (ends_with(name, ".zst"))
		return INPUT_ZSTD;
	if (ends_with(name, ".xz"))
		return INPUT_XZ;
	return INPUT_PLAIN;
}

const char *inputs_codec_name(enum input_codec c)
{
	switch (c) {
	case INPUT_GZIP:
		return "gzip";
	case INPUT_ZSTD:
		return "zstd";
	case INPUT_XZ:
		return "xz";
	default:
		return "plain";
	}
}
