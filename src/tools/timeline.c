/* timeline.c - see timeline.h. */
#include "tools/timeline.h"

#include "common/log.h"
#include "common/util.h"
#include "tools/xmlesc.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The picture's geometry, in pixels. */
#define WIDTH     1200
#define PLOT_X    220                /* the time axis starts here */
#define PLOT_W    940                /* ... and is this wide */
#define LANES_Y   92                 /* the first lane's top */
#define LANE_H    16
#define BAR_H     12
#define MIN_W     2                  /* a bar's least width, to be seen */
#define LABEL_MAX 48                 /* bytes of a lane's label shown */
#define ERROR_MAX 300                /* bytes of a worker's error in a tooltip */

enum kind { K_MAP, K_REDUCE, K_N };
enum outcome { O_DONE, O_FAILED, O_TIMEDOUT, O_SUPERSEDED, O_RUNNING, O_OTHER, O_N };

static const char *const kind_class[K_N] = { "map", "reduce" };
static const char *const outcome_class[O_N] = {
	"done", "failed", "timedout", "superseded", "running", "other"
};

/* One attempt to draw. */
struct bar {
	int64_t start, end;          /* ms since the job started */
	json_t *task, *attempt;      /* borrowed from the report, for the tooltip */
	unsigned char kind, outcome, backup;
};

/* One worker process and its attempts. */
struct lane {
	const char *host;            /* borrowed from the report; "" on the Unix socket */
	long long pid;
	size_t seen;                 /* order of discovery, to break ties */
	int64_t first;               /* its earliest start */
	struct bar *bars;            /* malloc'd */
	size_t n, cap;
};

/* Bars of one kind being merged (see timeline.h). */
struct run {
	double x0, x1;
	int64_t t0, t1;
	size_t n;
	const struct bar *first;
};

struct timeline {
	json_t *root;
	struct lane *lanes;          /* malloc'd, nlanes of cap */
	size_t nlanes, cap;
	size_t *slots;               /* hash of lanes: index + 1, 0 empty */
	size_t nslots;
	int64_t span;                /* ms the time axis covers, >= 1 */
	int64_t reduce_start;        /* earliest reduce attempt start, -1 none */
	size_t attempts, outcomes[O_N], backups, recovered, undrawn;
};

static json_int_t int_of(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static const char *str_of(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static enum outcome outcome_of(const char *s)
{
	static const char *const names[O_N] = {
		"done", "failed", "timed out", "superseded", "running", NULL
	};

	for (int i = 0; s && i < O_OTHER; i++)
		if (!strcmp(s, names[i]))
			return (enum outcome)i;
	return O_OTHER;
}

static size_t lane_hash(const char *host, long long pid)
{
	uint64_t h = 1469598103934665603ull;

	for (const unsigned char *p = (const unsigned char *)host; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return (size_t)((h ^ (uint64_t)pid) * 0x9e3779b97f4a7c15ull >> 16);
}

/* Double the hash of lanes and put every lane in again. */
static void slots_grow(struct timeline *tl)
{
	size_t n = tl->nslots ? tl->nslots * 2 : 64;

	free(tl->slots);
	tl->slots = xcalloc(n, sizeof(*tl->slots));
	tl->nslots = n;
	for (size_t i = 0; i < tl->nlanes; i++) {
		size_t s = lane_hash(tl->lanes[i].host, tl->lanes[i].pid) & (n - 1);

		while (tl->slots[s])
			s = (s + 1) & (n - 1);
		tl->slots[s] = i + 1;
	}
}

/* The lane of worker (host, pid), made when new. */
static struct lane *lane_get(struct timeline *tl, const char *host, long long pid)
{
	size_t s;
	struct lane *l;

	if (2 * (tl->nlanes + 1) > tl->nslots)
		slots_grow(tl);
	for (s = lane_hash(host, pid) & (tl->nslots - 1); tl->slots[s];
	     s = (s + 1) & (tl->nslots - 1)) {
		l = &tl->lanes[tl->slots[s] - 1];
		if (l->pid == pid && !strcmp(l->host, host))
			return l;
	}
	xgrow((void **)&tl->lanes, &tl->cap, tl->nlanes + 1, sizeof(*tl->lanes));
	l = &tl->lanes[tl->nlanes];
	memset(l, 0, sizeof(*l));
	l->host = host;
	l->pid = pid;
	l->seen = tl->nlanes;
	l->first = INT64_MAX;
	tl->slots[s] = ++tl->nlanes;
	return l;
}

/* Count attempt `a` of `task` and put it in its worker's lane. */
static void add_attempt(struct timeline *tl, json_t *task, json_t *a, enum kind kind)
{
	enum outcome o = outcome_of(str_of(a, "outcome"));
	int backup = json_is_true(json_object_get(a, "backup"));
	json_t *start = json_object_get(a, "start_ms"), *end = json_object_get(a, "end_ms");
	const char *host = str_of(a, "host");
	struct lane *l;
	struct bar *b;

	tl->attempts++;
	tl->outcomes[o]++;
	tl->backups += backup;
	if (json_is_true(json_object_get(a, "recovered"))) {
		tl->recovered++;
		return;
	}
	if (!json_is_integer(start) || (o != O_RUNNING && !json_is_integer(end))) {
		tl->undrawn++;
		return;
	}
	l = lane_get(tl, host ? host : "", (long long)int_of(a, "worker"));
	xgrow((void **)&l->bars, &l->cap, l->n + 1, sizeof(*l->bars));
	b = &l->bars[l->n++];
	b->start = json_integer_value(start) > 0 ? json_integer_value(start) : 0;
	b->end = json_is_integer(end) ? json_integer_value(end) : INT64_MAX; /* running */
	if (b->end < b->start)
		b->end = b->start;
	b->task = task;
	b->attempt = a;
	b->kind = (unsigned char)kind;
	b->outcome = (unsigned char)o;
	b->backup = (unsigned char)backup;
	if (b->start < l->first)
		l->first = b->start;
	if (b->end != INT64_MAX && b->end > tl->span)
		tl->span = b->end;
	if (kind == K_REDUCE && (tl->reduce_start < 0 || b->start < tl->reduce_start))
		tl->reduce_start = b->start;
}

static int cmp_lane(const void *x, const void *y)
{
	const struct lane *a = x, *b = y;

	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	return a->seen < b->seen ? -1 : a->seen > b->seen;
}

static int cmp_bar(const void *x, const void *y)
{
	const struct bar *a = x, *b = y;

	return (a->start > b->start) - (a->start < b->start);
}

/* Read every attempt of the report.  0, or -1 after printing why. */
static int timeline_load(struct timeline *tl, json_t *root, const char *name)
{
	json_t *tasks = json_object_get(root, "tasks"), *t, *attempts, *a;
	size_t i, k;

	memset(tl, 0, sizeof(*tl));
	tl->root = root;
	tl->reduce_start = -1;
	if (!json_is_object(root) || !json_is_array(tasks))
		return error("%s is not a job report (no tasks)", name);
	json_array_foreach(tasks, i, t) {
		const char *kind = str_of(t, "kind");

		attempts = json_object_get(t, "attempts");
		if (!json_is_object(t) || !kind || !json_is_array(attempts))
			return error("%s is not a job report (task %zu has no kind or attempts)",
				     name, i);
		json_array_foreach(attempts, k, a) {
			if (!json_is_object(a))
				return error("%s is not a job report (attempt %zu of task %zu "
					     "is not an object)", name, k, i);
			add_attempt(tl, t, a, strcmp(kind, "map") ? K_REDUCE : K_MAP);
		}
	}
	if (int_of(root, "elapsed_ms") > tl->span)
		tl->span = int_of(root, "elapsed_ms");
	if (tl->span < 1)
		tl->span = 1;
	for (i = 0; i < tl->nlanes; i++) {
		struct lane *l = &tl->lanes[i];

		for (k = 0; k < l->n; k++)
			if (l->bars[k].end == INT64_MAX)
				l->bars[k].end = tl->span;
		qsort(l->bars, l->n, sizeof(*l->bars), cmp_bar);
	}
	if (tl->nlanes) /* lanes is NULL when there are none */
		qsort(tl->lanes, tl->nlanes, sizeof(*tl->lanes), cmp_lane);
	return 0;
}

static void timeline_release(struct timeline *tl)
{
	for (size_t i = 0; i < tl->nlanes; i++)
		free(tl->lanes[i].bars);
	free(tl->lanes);
	free(tl->slots);
}

static double x_of(const struct timeline *tl, int64_t ms)
{
	return PLOT_X + (double)ms * PLOT_W / (double)tl->span;
}

/* A tooltip for one attempt: what, when, how it ended, the worker's error. */
static void bar_title(FILE *out, const struct bar *b)
{
	json_t *t = b->task, *a = b->attempt;
	const char *input = str_of(t, "input"), *failure = str_of(a, "failure");
	const char *err = str_of(a, "error"), *host = str_of(a, "host");
	const char *lost = str_of(a, "output_lost");

	fprintf(out, "%s %lld", kind_class[b->kind], (long long)int_of(t, "id"));
	if (input) {
		fputs(" (", out);
		xml_escape_str(out, input);
		fputs(")", out);
	}
	fprintf(out, " attempt %lld%s: ", (long long)int_of(a, "attempt"),
		b->backup ? " (backup)" : "");
	xml_escape_str(out, str_of(a, "outcome") ? str_of(a, "outcome") : "?");
	if (failure) {
		fputs(" in the ", out);
		xml_escape_str(out, failure);
	}
	fprintf(out, ", %.3f to %.3f s, worker %lld", (double)b->start / 1000,
		(double)b->end / 1000, (long long)int_of(a, "worker"));
	if (host) {
		fputs(" at ", out);
		xml_escape_str(out, host);
	}
	if (lost) {
		fputs("; output lost: ", out);
		xml_escape_str(out, lost);
	}
	if (err) {
		size_t n = strlen(err);

		fputs(": ", out);
		xml_escape(out, err, n > ERROR_MAX ? ERROR_MAX : n);
		if (n > ERROR_MAX)
			fputs("...", out);
	}
}

/* One bar: x0..x1 (at least MIN_W pixels wide) standing for `r`'s attempts. */
static void draw_bar(FILE *out, const struct run *r, int y)
{
	const struct bar *b = r->first;
	double w = r->x1 - r->x0 < MIN_W ? MIN_W : r->x1 - r->x0;

	fprintf(out, "<rect class=\"%s %s%s\" x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" "
		"data-attempts=\"%zu\"><title>", kind_class[b->kind], outcome_class[b->outcome],
		b->backup ? " backup" : "", r->x0, y, w, BAR_H, r->n);
	if (r->n == 1)
		bar_title(out, b);
	else
		fprintf(out, "%zu %s attempts, %s%s, %.3f to %.3f s", r->n, kind_class[b->kind],
			b->backup ? "backups, " : "", outcome_class[b->outcome],
			(double)r->t0 / 1000, (double)r->t1 / 1000);
	fputs("</title></rect>\n", out);
}

/* Marked bars are drawn over plain ones: done first, failed last. */
static int z_of(const struct run *r)
{
	static const int z[O_N] = {
		[O_DONE] = 0, [O_OTHER] = 1, [O_SUPERSEDED] = 2, [O_RUNNING] = 3,
		[O_TIMEDOUT] = 4, [O_FAILED] = 5,
	};

	return z[r->first->outcome] * 2 + r->first->backup;
}

static int cmp_run(const void *x, const void *y)
{
	const struct run *a = x, *b = y;

	if (z_of(a) != z_of(b))
		return z_of(a) - z_of(b);
	return (a->x0 > b->x0) - (a->x0 < b->x0);
}

/* Keep bar `r` of a lane for drawing. */
static void keep(struct run **v, size_t *n, size_t *cap, const struct run *r)
{
	xgrow((void **)v, cap, *n + 1, sizeof(**v));
	(*v)[(*n)++] = *r;
}

/*
 * The bars of one lane, those under a pixel merged (see timeline.h),
 * marked ones over plain ones.
 */
static void draw_lane_bars(FILE *out, const struct timeline *tl, const struct lane *l, int y)
{
	struct run runs[K_N][O_N][2], *v = NULL;
	size_t n = 0, cap = 0;

	memset(runs, 0, sizeof(runs));
	for (size_t i = 0; i < l->n; i++) {
		const struct bar *b = &l->bars[i];
		struct run one = { x_of(tl, b->start), x_of(tl, b->end), b->start, b->end, 1, b };
		struct run *r = &runs[b->kind][b->outcome][b->backup];

		if (one.x1 - one.x0 >= 1) {
			keep(&v, &n, &cap, &one);
		} else if (r->n && one.x0 <= r->x1 + 1) {
			r->n++;
			if (one.x1 > r->x1) {
				r->x1 = one.x1;
				r->t1 = one.t1;
			}
		} else {
			if (r->n)
				keep(&v, &n, &cap, r);
			*r = one;
		}
	}
	for (int k = 0; k < K_N; k++)
		for (int o = 0; o < O_N; o++)
			for (int bk = 0; bk < 2; bk++)
				if (runs[k][o][bk].n)
					keep(&v, &n, &cap, &runs[k][o][bk]);
	if (n)
		qsort(v, n, sizeof(*v), cmp_run);
	for (size_t i = 0; i < n; i++)
		draw_bar(out, &v[i], y);
	free(v);
}

/* The step between ticks: 1, 2 or 5 times a power of ten ms, about 8 ticks. */
static double tick_step(int64_t span)
{
	double raw = (double)span / 8, p = pow(10, floor(log10(raw > 1 ? raw : 1)));

	if (raw <= p)
		return p;
	if (raw <= 2 * p)
		return 2 * p;
	if (raw <= 5 * p)
		return 5 * p;
	return 10 * p;
}

static void draw_axis(FILE *out, const struct timeline *tl, int top, int y)
{
	double step = tick_step(tl->span);
	int decimals = step >= 1000 ? 0 : step >= 100 ? 1 : step >= 10 ? 2 : 3;

	fprintf(out, "<g id=\"axis\">\n<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
		PLOT_X, y, PLOT_X + PLOT_W, y);
	for (int i = 0; i * step <= (double)tl->span + 1e-9; i++) {
		double x = x_of(tl, (int64_t)llround(i * step));

		fprintf(out, "<line class=\"grid\" x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\"/>"
			"<line class=\"axis\" x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\"/>"
			"<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">%.*f</text>\n",
			x, top, x, y, x, y, x, y + 4, x, y + 16, decimals, i * step / 1000);
	}
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">seconds since the job "
		"started</text>\n</g>\n", PLOT_X + PLOT_W / 2, y + 32);
}

static void draw_header(FILE *out, const struct timeline *tl)
{
	const char *outcome = str_of(tl->root, "outcome");

	fputs("<text id=\"title\" x=\"10\" y=\"24\" class=\"title\">Job ", out);
	xml_escape_str(out, outcome ? outcome : "(no outcome)");
	fprintf(out, " in %.1f s: %lld map and %lld reduce tasks, %zu worker%s</text>\n",
		(double)int_of(tl->root, "elapsed_ms") / 1000, (long long)int_of(tl->root, "nmap"),
		(long long)int_of(tl->root, "nreduce"), tl->nlanes, tl->nlanes == 1 ? "" : "s");
	fprintf(out, "<text id=\"totals\" x=\"10\" y=\"46\">%zu attempts: %zu done, %zu failed, "
		"%zu timed out, %zu superseded, %zu running; %zu backups", tl->attempts,
		tl->outcomes[O_DONE], tl->outcomes[O_FAILED], tl->outcomes[O_TIMEDOUT],
		tl->outcomes[O_SUPERSEDED], tl->outcomes[O_RUNNING], tl->backups);
	if (tl->recovered)
		fprintf(out, "; %zu recovered from the journal (not drawn)", tl->recovered);
	if (tl->undrawn)
		fprintf(out, "; %zu without times (not drawn)", tl->undrawn);
	fputs("</text>\n", out);
}

static void draw_legend(FILE *out)
{
	static const struct {
		const char *cls, *text;
	} items[] = {
		{ "map done", "map" }, { "reduce done", "reduce" }, { "map failed", "failed" },
		{ "map timedout", "timed out" }, { "map superseded", "superseded" },
		{ "map done backup", "backup" }, { "map running", "running" },
	};
	int x = 10;

	fputs("<g id=\"legend\">\n", out);
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		fprintf(out, "<rect class=\"%s\" x=\"%d\" y=\"58\" width=\"18\" height=\"%d\"/>"
			"<text x=\"%d\" y=\"68\">%s</text>\n", items[i].cls, x, BAR_H - 2, x + 24,
			items[i].text);
		x += 24 + 8 * (int)strlen(items[i].text) + 22;
	}
	fprintf(out, "<line class=\"phase\" x1=\"%d\" y1=\"56\" x2=\"%d\" y2=\"70\"/>"
		"<text x=\"%d\" y=\"68\">reduce phase begins</text>\n</g>\n", x + 6, x + 6, x + 14);
}

static void draw_style(FILE *out)
{
	fputs("<defs>\n"
	      "<pattern id=\"hatch-map\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" "
	      "patternTransform=\"rotate(45)\"><rect width=\"4\" height=\"4\" fill=\"#4e79a7\"/>"
	      "<rect width=\"2\" height=\"4\" fill=\"#ffffff\" fill-opacity=\"0.7\"/></pattern>\n"
	      "<pattern id=\"hatch-reduce\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" "
	      "patternTransform=\"rotate(45)\"><rect width=\"4\" height=\"4\" fill=\"#59a14f\"/>"
	      "<rect width=\"2\" height=\"4\" fill=\"#ffffff\" fill-opacity=\"0.7\"/></pattern>\n"
	      "<style>\n"
	      ".map { fill: #4e79a7 } .reduce { fill: #59a14f }\n"
	      ".map.backup { fill: url(#hatch-map) } .reduce.backup { fill: url(#hatch-reduce) }\n"
	      ".failed { stroke: #d62728; stroke-width: 2 }\n"
	      ".timedout { stroke: #000000; stroke-width: 2 }\n"
	      ".superseded { fill-opacity: 0.35 }\n"
	      ".running { stroke: #555555; stroke-width: 1; stroke-dasharray: 3 2 }\n"
	      ".lane { fill: #f2f2f2 } .axis { stroke: #333333 } .grid { stroke: #dddddd }\n"
	      ".phase { stroke: #b00000; stroke-width: 1.5; stroke-dasharray: 6 3 }\n"
	      ".title { font-size: 16px; font-weight: bold }\n"
	      "</style>\n</defs>\n", out);
}

/* A lane's label: "pid 1234", or "HOST pid 1234" on a TCP job. */
static void draw_label(FILE *out, const struct lane *l, int y)
{
	size_t n = strlen(l->host);

	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", PLOT_X - 8, y + BAR_H - 2);
	if (n) {
		xml_escape(out, l->host, n > LABEL_MAX ? LABEL_MAX : n);
		fputs(n > LABEL_MAX ? "... " : " ", out);
	}
	fprintf(out, "pid %lld</text>\n", l->pid);
}

int timeline_write_svg(json_t *root, const char *name, FILE *out)
{
	struct timeline tl;
	size_t shown, hidden_attempts = 0;
	int y, height;

	if (timeline_load(&tl, root, name) < 0) {
		timeline_release(&tl);
		return -1;
	}
	shown = tl.nlanes < TIMELINE_MAX_LANES ? tl.nlanes : TIMELINE_MAX_LANES;
	for (size_t i = shown; i < tl.nlanes; i++)
		hidden_attempts += tl.lanes[i].n;
	y = LANES_Y + (int)shown * LANE_H + (shown < tl.nlanes || !tl.nlanes ? LANE_H : 0);
	height = y + 48;
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
		WIDTH, height, WIDTH, height);
	draw_style(out);
	fprintf(out, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", WIDTH, height);
	draw_header(out, &tl);
	draw_legend(out);
	fputs("<g id=\"lanes\">\n", out);
	for (size_t i = 0; i < shown; i++) {
		int ly = LANES_Y + (int)i * LANE_H;

		fprintf(out, "<g class=\"worker\">\n<rect class=\"lane\" x=\"%d\" y=\"%d\" "
			"width=\"%d\" height=\"%d\"/>\n", PLOT_X, ly, PLOT_W, LANE_H - 1);
		draw_label(out, &tl.lanes[i], ly);
		draw_lane_bars(out, &tl, &tl.lanes[i], ly + (LANE_H - BAR_H) / 2);
		fputs("</g>\n", out);
	}
	fputs("</g>\n", out);
	if (shown < tl.nlanes)
		fprintf(out, "<text id=\"more\" x=\"%d\" y=\"%d\">+%zu workers "
			"(%zu attempts) not shown</text>\n", PLOT_X + 8, y - 4,
			tl.nlanes - shown, hidden_attempts);
	else if (!tl.nlanes)
		fprintf(out, "<text id=\"more\" x=\"%d\" y=\"%d\">no attempt to draw</text>\n",
			PLOT_X + 8, y - 4);
	if (tl.reduce_start >= 0)
		fprintf(out, "<line id=\"phase\" class=\"phase\" x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" "
			"y2=\"%d\"><title>the first reduce started at %.3f s</title></line>\n",
			x_of(&tl, tl.reduce_start), LANES_Y - 4, x_of(&tl, tl.reduce_start), y,
			(double)tl.reduce_start / 1000);
	draw_axis(out, &tl, LANES_Y, y);
	fputs("</svg>\n", out);
	timeline_release(&tl);
	return 0;
}
