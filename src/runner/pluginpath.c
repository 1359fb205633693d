/* pluginpath.c - see pluginpath.h. */
#include "runner/pluginpath.h"

#include "common/log.h"
#include "common/util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directories to look in, in order, and what they are called in the error. */
struct search {
	char **dirs;   /* malloc'd; "" is the current directory */
	size_t n, cap;
	char *said;    /* "the current directory, ..." for the error */
	size_t said_len, said_cap;
};

static void say(struct search *s, const char *text)
{
	size_t len = strlen(text), sep = s->said_len ? 2 : 0;

	xgrow((void **)&s->said, &s->said_cap, s->said_len + sep + len + 1, 1);
	if (sep)
		memcpy(s->said + s->said_len, ", ", 2);
	memcpy(s->said + s->said_len + sep, text, len + 1);
	s->said_len += sep + len;
}

/* Add the directory made of the `len` first bytes of `dir`. */
static void add_dir(struct search *s, const char *dir, size_t len)
{
	xgrow((void **)&s->dirs, &s->cap, s->n + 1, sizeof(*s->dirs));
	s->dirs[s->n++] = xstrndup(dir, len);
}

/* The directories of the bundled plugins, from /proc/self/exe. */
static void add_bundled(struct search *s)
{
	char exe[PATH_MAX], *slash, *dir;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t bin_len, prefix_len;

	if (n <= 0)
		return; /* no /proc: the other places only */
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return;
	bin_len = (size_t)(slash - exe);          /* BINDIR */
	for (prefix_len = bin_len; prefix_len > 0 && exe[prefix_len - 1] != '/'; prefix_len--)
		;
	prefix_len = prefix_len > 1 ? prefix_len - 1 : prefix_len; /* BINDIR/.. */
	dir = xmalloc(prefix_len + bin_len + sizeof("/lib/mapreduce"));
	memcpy(dir, exe, prefix_len);
	strcpy(dir + prefix_len, prefix_len == 1 ? "lib/mapreduce" : "/lib/mapreduce");
	add_dir(s, dir, strlen(dir));
	say(s, dir);
	memcpy(dir, exe, bin_len);
	strcpy(dir + bin_len, "/apps");
	add_dir(s, dir, strlen(dir));
	say(s, dir);
	free(dir);
}

/* A regular file (through links) at `path`: the plugin.  Directories are not. */
static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* `dir`/`base`: malloc'd; `base` alone for the current directory (""). */
static char *join(const char *dir, const char *base)
{
	size_t dl = strlen(dir), bl = strlen(base);
	char *p;

	if (!dl)
		return xstrdup(base);
	p = xmalloc(dl + bl + 2);
	memcpy(p, dir, dl);
	p[dl] = '/';
	memcpy(p + dl + 1, base, bl + 1);
	return p;
}

int pluginpath_find(const char *name, char **path)
{
	struct search s = { 0 };
	const char *env = getenv(PLUGINPATH_ENV), *p, *end;
	size_t len = strlen(name);
	char *names[2] = { xstrdup(name), NULL };
	int rc = -1;

	*path = NULL;
	if (!*name) {
		free(names[0]);
		return error("no plugin given (the plugin's name is empty)");
	}
	if (strchr(name, '/')) {
		*path = names[0];
		return 0;
	}
	if (len < 3 || strcmp(name + len - 3, ".so") != 0) {
		names[1] = xmalloc(len + 4);
		memcpy(names[1], name, len);
		memcpy(names[1] + len, ".so", 4);
	}
	add_dir(&s, "", 0);
	say(&s, "the current directory");
	if (env && *env) {
		size_t before = s.n;

		for (p = env; *p; p = *end ? end + 1 : end) {
			end = strchrnul(p, ':');
			if (end > p)
				add_dir(&s, p, (size_t)(end - p));
		}
		if (s.n > before) {
			char *text = xmalloc(strlen(env) + sizeof("$" PLUGINPATH_ENV " ()"));

			sprintf(text, "$%s (%s)", PLUGINPATH_ENV, env);
			say(&s, text);
			free(text);
		}
	}
	add_bundled(&s);
	for (size_t d = 0; d < s.n && rc < 0; d++)
		for (int i = 0; i < 2 && names[i] && rc < 0; i++) {
			char *candidate = join(s.dirs[d], names[i]);

			if (is_file(candidate)) {
				*path = candidate;
				rc = 0;
			} else {
				free(candidate);
			}
		}
	if (rc < 0) {
		if (names[1])
			error("cannot find plugin %s: no %s or %s in %s", name, names[0],
			      names[1], s.said);
		else
			error("cannot find plugin %s: no %s in %s", name, names[0], s.said);
	}
	for (size_t d = 0; d < s.n; d++)
		free(s.dirs[d]);
	free(s.dirs);
	free(s.said);
	free(names[0]);
	free(names[1]);
	return rc;
}
