/*
 * pluginpath.h - where the plugin named on a command line is.
 *
 * mrworker and mrsequential take a plugin as a path or as a bare name:
 *
 *   - A name with a '/' in it is a path, used as it is ("./x.so",
 *     "build/apps/wc.so", "/opt/plugins/lines.so").
 *   - A bare NAME is looked for as NAME and, unless NAME ends in ".so",
 *     as NAME.so, in these directories in turn; the first regular file (or
 *     link to one) found wins, a directory never does:
 *       1. the current directory, so that a plugin in the job directory
 *          wins as it always has;
 *       2. each directory of $MR_PLUGIN_PATH (colon-separated, empty
 *          entries skipped), so a user's own plugins go by name too;
 *       3. the bundled plugins, found from the running program's own path
 *          (/proc/self/exe) so that a tree installed anywhere (or under
 *          DESTDIR) finds its own: BINDIR/../lib/mapreduce (an installed
 *          tree) and BINDIR/apps (the build tree: build/mrworker beside
 *          build/apps/).
 *
 * So `mrworker wc` runs the bundled wc.so, and `mrworker lines.so` the
 * lines.so of the job directory when there is one.
 */
#ifndef MR_PLUGINPATH_H
#define MR_PLUGINPATH_H

/* The environment variable of step 2. */
#define PLUGINPATH_ENV "MR_PLUGIN_PATH"

/*
 * Resolve `name` as above.  Returns 0 with *path a malloc'd string the
 * caller frees: `name` itself when it has a '/', else the file found
 * ("NAME.so" for one in the current directory: no '/', so the caller must
 * not hand it to dlopen as it is, which would search the library path).
 * Returns -1 when nothing was found, after printing one error that names
 * every directory it looked in, or when `name` is empty (said so).
 */
int pluginpath_find(const char *name, char **path);

#endif
