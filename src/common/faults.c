/* faults.c - see faults.h. */
#include "common/faults.h"

#include "common/log.h"
#include "common/util.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

const char *const fault_crash_points[] = {
	"before-publish",
	"after-publish",
	"after-append",   /* coordinator: a DONE record buffered, not yet synced */
	"after-sync",     /* coordinator: records synced, replies not yet sent */
	"final-fsync",    /* coordinator: between the fsyncs of the outputs at the end */
	"after-report",   /* coordinator: report written, journal not yet removed */
	NULL,
};

/* The procedures of proto/mr.x an rpc entry may name. */
static const char *const rpc_procs[] = { "ask", "report", "status", "heartbeat", "holds",
					  NULL };

int faults_armed;

enum point_kind { POINT_FILE, POINT_RPC, POINT_CRASH };

static const struct {
	const char *name;
	enum point_kind kind;
} points[] = {
	{ "write", POINT_FILE },
	{ "fsync", POINT_FILE },
	{ "rename", POINT_FILE },
	{ "open", POINT_FILE },
	{ "rpc", POINT_RPC },
	{ "crash", POINT_CRASH },
};

/* The errno names an entry may use, in lower case. */
static const struct {
	const char *name;
	int err;
} errnos[] = {
	{ "enospc", ENOSPC }, { "eio", EIO },         { "edquot", EDQUOT },
	{ "enoent", ENOENT }, { "eacces", EACCES },   { "eperm", EPERM },
	{ "emfile", EMFILE }, { "enfile", ENFILE },   { "erofs", EROFS },
	{ "efbig", EFBIG },   { "eintr", EINTR },     { "eagain", EAGAIN },
	{ "enomem", ENOMEM }, { "exdev", EXDEV },     { "eexist", EEXIST },
	{ "eisdir", EISDIR }, { "enotdir", ENOTDIR }, { "enametoolong", ENAMETOOLONG },
	{ "ebusy", EBUSY },   { "estale", ESTALE },   { "etimedout", ETIMEDOUT },
	{ "ebadf", EBADF },   { "einval", EINVAL },   { "eloop", ELOOP },
};

enum action { ACT_ERRNO, ACT_DROP, ACT_LOSE, ACT_DELAY, ACT_EXIT, ACT_ABORT };

/* One armed entry. */
struct fault {
	char *text;          /* the entry as written, for messages (malloc'd) */
	const char *point;   /* points[].name */
	enum point_kind kind;
	char *target;        /* glob (malloc'd), NULL: any */
	enum action act;
	int err;             /* ACT_ERRNO */
	int delay_ms;        /* ACT_DELAY */
	uint64_t nth;        /* fires on the nth matching call ... */
	int later;           /* ... and every later one */
};

static struct fault *table;
static int ntable;
/*
 * Matching calls per entry, in a shared anonymous mapping so that children
 * forked after faults_init count with their parent (faults.h).
 */
static uint64_t *counts;
static size_t counts_size;

void faults_reset(void)
{
	faults_armed = 0;
	for (int i = 0; i < ntable; i++) {
		free(table[i].text);
		free(table[i].target);
	}
	free(table);
	table = NULL;
	ntable = 0;
	if (counts)
		munmap(counts, counts_size);
	counts = NULL;
	counts_size = 0;
}

/* A name of `names` (NULL-terminated) that glob `g` matches, or NULL. */
static const char *glob_hits(const char *g, const char *const *names)
{
	for (; *names; names++)
		if (fnmatch(g, *names, 0) == 0)
			return *names;
	return NULL;
}

/* "crash points before-publish, after-publish" and the like, into buf. */
static const char *list_names(char *buf, size_t size, const char *const *names)
{
	size_t len = 0;

	buf[0] = '\0';
	for (; *names && len + 1 < size; names++) {
		int w = snprintf(buf + len, size - len, "%s%s", len ? ", " : "", *names);

		if (w < 0)
			break;
		len += (size_t)w;
	}
	return buf;
}

/*
 * Parse the action `a` (and the count `n`) of entry *f, whose point is
 * known.  NULL, or a static or `why` text saying what is wrong.
 */
static const char *parse_action(struct fault *f, const char *a, char *why, size_t whysize)
{
	long v;

	if (!strcmp(a, "exit")) {
		f->act = ACT_EXIT;
	} else if (!strcmp(a, "abort")) {
		f->act = ACT_ABORT;
	} else if (!strncmp(a, "delay=", 6)) {
		if (parse_long(a + 6, 0, 600000, &v) < 0)
			return "delay=MS wants milliseconds from 0 to 600000";
		f->act = ACT_DELAY;
		f->delay_ms = (int)v;
	} else if (!strcmp(a, "drop") || !strcmp(a, "lose")) {
		if (f->kind != POINT_RPC)
			return "drop and lose are actions of rpc points only";
		f->act = a[0] == 'd' ? ACT_DROP : ACT_LOSE;
	} else {
		for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
			if (!strcmp(a, errnos[i].name)) {
				if (f->kind != POINT_FILE)
					return "an errno is an action of file points only "
					       "(write, fsync, rename, open)";
				f->act = ACT_ERRNO;
				f->err = errnos[i].err;
				return NULL;
			}
		snprintf(why, whysize, "unknown action '%s' (an errno name such as enospc "
			 "or eio, drop, lose, delay=MS, exit, abort)", a);
		return why;
	}
	return NULL;
}

/*
 * Parse one entry `e` (NUL-terminated, spaces trimmed) into *f.  NULL, or
 * a static or `why` text saying what is wrong.
 */
static const char *parse_entry(struct fault *f, char *e, char *why, size_t whysize)
{
	char *at = strrchr(e, '@'), *field[3], *p;
	const char *action;
	char names[200];
	size_t len, nf = 0;
	long n;

	if (!*e)
		return "empty entry";
	if (!at)
		return "no @N (syntax: POINT[:TARGET]:ACTION@N[+])";
	*at++ = '\0';
	len = strlen(at);
	if (len && at[len - 1] == '+') {
		f->later = 1;
		at[--len] = '\0';
	}
	if (!isdigit((unsigned char)at[0]) || parse_long(at, 1, 1000000000, &n) < 0)
		return "@N wants a count from 1 (@N: the Nth call only, @N+: the Nth and later)";
	f->nth = (uint64_t)n;
	for (p = e;;) {
		if (nf == 3)
			return "too many ':' (syntax: POINT[:TARGET]:ACTION@N[+])";
		field[nf++] = p;
		p = strchr(p, ':');
		if (!p)
			break;
		*p++ = '\0';
	}
	if (nf < 2)
		return "no action (syntax: POINT[:TARGET]:ACTION@N[+])";
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++)
		if (!strcmp(field[0], points[i].name)) {
			f->point = points[i].name;
			f->kind = points[i].kind;
		}
	if (!f->point) {
		snprintf(why, whysize, "unknown point '%s' (write, fsync, rename, open, rpc, "
			 "crash)", field[0]);
		return why;
	}
	/* crash:NAME[:ACTION]; others POINT[:TARGET]:ACTION. */
	if (f->kind == POINT_CRASH) {
		f->target = field[1];
		action = nf == 3 ? field[2] : "exit";
	} else {
		f->target = nf == 3 ? field[1] : NULL;
		action = field[nf - 1];
	}
	if (f->target && !*f->target)
		return "empty TARGET (leave it out to match any)";
	if (f->kind == POINT_CRASH && !glob_hits(f->target, fault_crash_points)) {
		snprintf(why, whysize, "no crash point '%s' (there are %s)", f->target,
			 list_names(names, sizeof(names), fault_crash_points));
		return why;
	}
	if (f->kind == POINT_RPC && f->target && !glob_hits(f->target, rpc_procs)) {
		snprintf(why, whysize, "no procedure '%s' (there are %s)", f->target,
			 list_names(names, sizeof(names), rpc_procs));
		return why;
	}
	return parse_action(f, action, why, whysize);
}

/*
 * faults_parse, naming `progname` in the message when it is not NULL
 * (faults_init: the program refuses to start).
 */
static int parse(const char *spec, const char *progname)
{
	char *copy, *e, *next, why[300];
	const char *bad = NULL;
	int n = 1;

	faults_reset();
	if (!spec || !*spec)
		return 0;
	for (const char *c = spec; *c; c++)
		n += *c == ',';
	table = xcalloc((size_t)n, sizeof(*table));
	copy = xstrdup(spec);
	for (e = copy; e; e = next) {
		struct fault *f = &table[ntable];
		char *end;

		next = strchr(e, ',');
		if (next)
			*next++ = '\0';
		while (*e == ' ' || *e == '\t')
			e++;
		end = e + strlen(e);
		while (end > e && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		f->text = xstrdup(e);
		ntable++;
		bad = parse_entry(f, e, why, sizeof(why));
		if (bad) {
			error("bad MR_FAULTS entry %d '%s': %s%s%s", ntable, f->text, bad,
			      progname ? "; not starting " : "", progname ? progname : "");
			break;
		}
		if (f->target)
			f->target = xstrdup(f->target); /* it pointed into copy */
	}
	free(copy);
	if (bad) {
		/* The failed entry's target (if any) still points into copy. */
		table[ntable - 1].target = NULL;
		faults_reset();
		return -1;
	}
	counts_size = (size_t)ntable * sizeof(*counts);
	counts = mmap(NULL, counts_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (counts == MAP_FAILED) {
		counts = NULL;
		error_errno("cannot map memory for MR_FAULTS counts");
		faults_reset();
		return -1;
	}
	faults_armed = 1;
	return 0;
}

int faults_parse(const char *spec)
{
	return parse(spec, NULL);
}

void faults_init(const char *progname)
{
	if (parse(getenv("MR_FAULTS"), progname) < 0)
		exit(2);
}

uint64_t faults_calls(int i)
{
	if (i < 1 || i > ntable)
		return 0;
	return __atomic_load_n(&counts[i - 1], __ATOMIC_RELAXED);
}

/*
 * Count a call at `point` on `target` for every entry it matches; the
 * first entry that fires on it (its index), or -1.
 */
static int hit(const char *point, const char *target)
{
	int fired = -1;

	for (int i = 0; i < ntable; i++) {
		const struct fault *f = &table[i];
		uint64_t c;

		if (strcmp(f->point, point) != 0 ||
		    (f->target && fnmatch(f->target, target, 0) != 0))
			continue;
		c = __atomic_add_fetch(&counts[i], 1, __ATOMIC_RELAXED);
		if (fired < 0 && (c == f->nth || (f->later && c > f->nth)))
			fired = i;
	}
	return fired;
}

/* Log entry i firing at point/target with `what` happening. */
static void say(int i, const char *point, const char *target, const char *what)
{
	warning("fault injected: %s %s: %s (MR_FAULTS entry %d: %s)", point, target, what,
		i + 1, table[i].text);
}

/*
 * The actions any point takes the same way: sleep for a delay (then 1:
 * nothing more to do), exit or abort.  0 for the caller's own actions.
 */
static int common_action(int i, const char *point, const char *target)
{
	const struct fault *f = &table[i];
	char what[64];

	switch (f->act) {
	case ACT_DELAY:
		snprintf(what, sizeof(what), "delayed %d ms", f->delay_ms);
		say(i, point, target, what);
		sleep_ms(f->delay_ms);
		return 1;
	case ACT_EXIT:
		snprintf(what, sizeof(what), "exit %d", FAULT_EXIT_STATUS);
		say(i, point, target, what);
		_exit(FAULT_EXIT_STATUS);
	case ACT_ABORT:
		say(i, point, target, "abort");
		abort();
	default:
		return 0;
	}
}

int faults_file_slow(const char *point, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int i = hit(point, base);

	if (i < 0 || common_action(i, point, path))
		return 0;
	say(i, point, path, strerror(table[i].err));
	return table[i].err;
}

enum fault_rpc faults_rpc_slow(const char *proc)
{
	int i = hit("rpc", proc);

	if (i < 0 || common_action(i, "rpc", proc))
		return FAULT_RPC_GO;
	if (table[i].act == ACT_DROP) {
		say(i, "rpc", proc, "call dropped, not sent");
		return FAULT_RPC_DROP;
	}
	say(i, "rpc", proc, "reply lost");
	return FAULT_RPC_LOSE;
}

void faults_crash_slow(const char *name)
{
	int i = hit("crash", name);

	if (i >= 0)
		common_action(i, "crash", name);
}
