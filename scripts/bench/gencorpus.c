/*
 * gencorpus.c - deterministic English-like corpus generator for bench.sh.
 *
 *	gencorpus --seed S --mb M --files F --outdir DIR
 *		  [--vocab V] [--zipf-s X] [--hot-word W --hot-frac P]
 *
 * Writes DIR/corpus-000.txt ... DIR/corpus-(F-1).txt, together exactly
 * M MiB (M may be fractional), of lines of about 60 to 100 bytes ending in
 * '\n'.  Words are drawn from a Zipf(X) distribution (default X = 1.1) over
 * a vocabulary of V (default 100000) synthetic words made of syllables;
 * frequent words are short.  About 1% of the vocabulary carries a non-ASCII
 * letter (é, ü, ß, ñ, ...; a few 3-byte ones), about 3% is capitalised.
 * Words are separated by spaces and punctuation, now and then by numbers or
 * by non-ASCII punctuation (an em dash, a right quote), so a tokenizer's
 * every path is exercised.  With --hot-word W --hot-frac P, each word is W
 * with probability P (the memory test uses P = 0.5).
 *
 * Everything comes from one splitmix64 stream seeded by S and sampling
 * uses an alias table, so the same arguments give byte-identical files and
 * a gigabyte takes a few seconds.  Exit status: 0 done, 1 I/O error,
 * 2 usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUTBUF (1u << 20)

/* ---- random numbers ---- */

static uint64_t rng_state;

static inline uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) by multiply-shift on the high 32 bits (n < 2^32). */
static inline uint32_t rng_below(uint32_t n)
{
	return (uint32_t)(((rng_next() >> 32) * n) >> 32);
}

/* ---- the vocabulary ---- */

struct vocab {
	char *text;		/* all words back to back, not NUL-terminated */
	uint64_t *off;		/* word i is text[off[i] .. off[i] + len[i]) */
	uint8_t *len;
	size_t n, used, cap;
};

static const char *const onsets[] = {
	"", "", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r",
	"s", "t", "v", "w", "y", "z", "th", "sh", "ch", "st", "tr", "pr", "br",
	"gr", "cl", "fl", "pl", "wh", "qu", "sp", "str",
};
static const char *const nuclei[] = {
	"a", "e", "i", "o", "u", "a", "e", "i", "o", "ea", "ou", "ai", "ee",
	"oo", "y", "ie",
};
static const char *const codas[] = {
	"", "", "", "", "n", "r", "s", "t", "l", "d", "m", "ng", "nd", "st",
	"ck", "th", "rt", "x",
};
/* Letters outside ASCII: 2-byte Latin ones and a few 3-byte ones. */
static const char *const accented[] = {
	"\xc3\xa9", "\xc3\xbc", "\xc3\x9f", "\xc3\xb1", "\xc3\xb6", "\xc3\xa0",
	"\xc3\xa7", "\xc3\xb8", "\xc3\xa5", "\xc3\xa8", "\xc3\xaf", "\xc5\x82",
	"\xe1\xba\xa1", "\xe1\xbb\x87",
};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p) {
		fprintf(stderr, "gencorpus: out of memory\n");
		exit(1);
	}
	return p;
}

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ull;
	return h;
}

/* Make one candidate word for rank r into buf; returns its length. */
static size_t make_word(char *buf, size_t r)
{
	unsigned syl = r < 60 ? 1 + rng_below(2) : r < 3000 ? 1 + rng_below(3)
		     : 2 + rng_below(3);
	size_t n = 0;

	for (unsigned i = 0; i < syl; i++) {
		const char *parts[3] = {
			onsets[rng_below(NELEM(onsets))],
			nuclei[rng_below(NELEM(nuclei))],
			i + 1 == syl || rng_below(3) == 0 ? codas[rng_below(NELEM(codas))] : "",
		};

		for (int k = 0; k < 3; k++) {
			size_t l = strlen(parts[k]);

			memcpy(buf + n, parts[k], l);
			n += l;
		}
	}
	if (rng_below(100) == 0) {
		/* Swap one letter for a non-ASCII one. */
		const char *a = accented[rng_below(NELEM(accented))];
		size_t at = rng_below((uint32_t)n), al = strlen(a);

		memmove(buf + at + al, buf + at + 1, n - at - 1);
		memcpy(buf + at, a, al);
		n += al - 1;
	}
	if (rng_below(33) == 0 && buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] = (char)(buf[0] - 'a' + 'A');
	return n;
}

static void vocab_build(struct vocab *v, size_t n)
{
	size_t tsize = 1;
	uint64_t *set;

	while (tsize < 2 * n)
		tsize <<= 1;
	set = calloc(tsize, sizeof(*set));	/* hashes + 1; 0 = empty */
	if (!set)
		xmalloc(SIZE_MAX);
	v->n = n;
	v->cap = n * 16 + 64;
	v->used = 0;
	v->text = xmalloc(v->cap);
	v->off = xmalloc(n * sizeof(*v->off));
	v->len = xmalloc(n);
	for (size_t r = 0; r < n; r++) {
		char buf[128];
		size_t l, i;
		uint64_t h;

		for (;;) {
			l = make_word(buf, r);
			h = fnv1a(buf, l) | 1;
			for (i = h & (tsize - 1); set[i] && set[i] != h; i = (i + 1) & (tsize - 1))
				;
			if (!set[i])
				break;	/* new (a 64-bit hash collision just retries) */
		}
		set[i] = h;
		if (v->used + l > v->cap) {
			v->cap *= 2;
			v->text = realloc(v->text, v->cap);
			if (!v->text)
				xmalloc(SIZE_MAX);
		}
		memcpy(v->text + v->used, buf, l);
		v->off[r] = v->used;
		v->len[r] = (uint8_t)l;
		v->used += l;
	}
	free(set);
}

/* ---- Zipf sampling with an alias table (Vose) ---- */

struct alias {
	uint32_t *thresh;	/* keep column i when the low 32 bits are below */
	uint32_t *other;
	uint32_t n;
};

static void alias_build(struct alias *a, uint32_t n, double s)
{
	double *p = xmalloc(n * sizeof(*p)), sum = 0;
	uint32_t *small = xmalloc(n * sizeof(*small)), *large = xmalloc(n * sizeof(*large));
	uint32_t ns = 0, nl = 0;

	a->n = n;
	a->thresh = xmalloc(n * sizeof(*a->thresh));
	a->other = xmalloc(n * sizeof(*a->other));
	for (uint32_t i = 0; i < n; i++)
		sum += p[i] = pow((double)i + 1, -s);
	for (uint32_t i = 0; i < n; i++) {
		p[i] = p[i] / sum * n;
		if (p[i] < 1)
			small[ns++] = i;
		else
			large[nl++] = i;
	}
	while (ns && nl) {
		uint32_t sm = small[--ns], lg = large[nl - 1];

		a->thresh[sm] = (uint32_t)(p[sm] * 4294967296.0);
		a->other[sm] = lg;
		p[lg] -= 1 - p[sm];
		if (p[lg] < 1) {
			nl--;
			small[ns++] = lg;
		}
	}
	/* What is left has probability 1 up to rounding: always keep it. */
	while (nl) {
		uint32_t i = large[--nl];

		a->thresh[i] = UINT32_MAX;
		a->other[i] = i;
	}
	while (ns) {
		uint32_t i = small[--ns];

		a->thresh[i] = UINT32_MAX;
		a->other[i] = i;
	}
	free(p);
	free(small);
	free(large);
}

static inline uint32_t alias_draw(const struct alias *a)
{
	uint64_t r = rng_next();
	uint32_t i = (uint32_t)(((r >> 32) * a->n) >> 32);

	return (uint32_t)r < a->thresh[i] ? i : a->other[i];
}

/* ---- output ---- */

struct out {
	int fd;
	const char *path;
	char *buf;
	size_t used;
};

static void out_flush(struct out *o)
{
	size_t done = 0;

	while (done < o->used) {
		ssize_t w = write(o->fd, o->buf + done, o->used - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			fprintf(stderr, "gencorpus: cannot write %s: %s\n", o->path,
				strerror(errno));
			exit(1);
		}
		done += (size_t)w;
	}
	o->used = 0;
}

static inline void out_put(struct out *o, const char *s, size_t n)
{
	if (o->used + n > OUTBUF)
		out_flush(o);
	memcpy(o->buf + o->used, s, n);
	o->used += n;
}

/* Separators after a word, with weights out of 1000; NULL: a number. */
static const struct {
	const char *s;
	unsigned weight;
} seps[] = {
	{ " ", 800 }, { ", ", 70 }, { ". ", 50 }, { "; ", 10 }, { ": ", 8 },
	{ "! ", 6 }, { "? ", 6 }, { " - ", 8 }, { " (", 5 }, { ") ", 5 },
	{ "\" ", 5 }, { " \"", 5 }, { "'", 4 }, { "\t", 2 }, { "_", 1 },
	{ " \xe2\x80\x94 ", 3 }, { "\xe2\x80\x99", 2 }, { NULL, 10 },
};

struct gen {
	struct vocab vocab;
	struct alias zipf;
	const char *hot;
	size_t hotlen;
	uint64_t hot_thresh;	/* a word is hot when rng_next() < this */
	unsigned sep_pick[1000];
};

/* Append one word and its separator to line (room for 300 bytes). */
static size_t gen_word(const struct gen *g, char *line)
{
	size_t n;
	unsigned si;

	if (g->hot_thresh && rng_next() < g->hot_thresh) {
		memcpy(line, g->hot, g->hotlen);
		n = g->hotlen;
	} else {
		uint32_t w = alias_draw(&g->zipf);

		n = g->vocab.len[w];
		memcpy(line, g->vocab.text + g->vocab.off[w], n);
	}
	si = g->sep_pick[rng_below(1000)];
	if (!seps[si].s) {
		n += (size_t)sprintf(line + n, " %u ", rng_below(rng_below(2) ? 100 : 10000));
	} else {
		size_t l = strlen(seps[si].s);

		memcpy(line + n, seps[si].s, l);
		n += l;
	}
	return n;
}

/* Write one file of exactly size bytes. */
static void gen_file(const struct gen *g, const char *path, uint64_t size, char *buf)
{
	struct out o = { .path = path, .buf = buf, .used = 0 };
	char line[512];

	o.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (o.fd < 0) {
		fprintf(stderr, "gencorpus: cannot create %s: %s\n", path, strerror(errno));
		exit(1);
	}
	while (size > 0) {
		size_t target = 60 + rng_below(41), n = 0;

		while (n < target)
			n += gen_word(g, line + n);
		while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		line[n++] = '\n';
		if (n > size) {
			/* The last line: cut on a character boundary, pad with spaces. */
			n = (size_t)size - 1;
			while (n > 0 && ((unsigned char)line[n] & 0xc0) == 0x80)
				n--;
			memset(line + n, ' ', (size_t)size - 1 - n);
			n = (size_t)size;
			line[n - 1] = '\n';
		}
		out_put(&o, line, n);
		size -= n;
	}
	out_flush(&o);
	if (close(o.fd) < 0) {
		fprintf(stderr, "gencorpus: cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: gencorpus --seed S --mb M --files F --outdir DIR [--vocab V]\n"
		"                 [--zipf-s X] [--hot-word W --hot-frac P]\n");
}

static int parse_num(const char *s, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno || end == s || *end || !(*out >= lo && *out <= hi) ? -1 : 0;
}

int main(int argc, char **argv)
{
	double seed = 1, mb = -1, files = 1, vocab = 100000, zs = 1.1, hotfrac = 0;
	const char *outdir = NULL, *hot = NULL;
	struct gen g;
	uint64_t total, each;
	char *buf, path[4096];

	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int bad = 0;

		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(stdout);
			return 0;
		}
		if (!v) {
			fprintf(stderr, "gencorpus: %s needs an argument\n", o);
			usage(stderr);
			return 2;
		}
		i++;
		if (!strcmp(o, "--seed"))
			bad = parse_num(v, 0, 1e15, &seed);
		else if (!strcmp(o, "--mb"))
			bad = parse_num(v, 0, 1 << 20, &mb);
		else if (!strcmp(o, "--files"))
			bad = parse_num(v, 1, 1000000, &files);
		else if (!strcmp(o, "--vocab"))
			bad = parse_num(v, 1, 1 << 26, &vocab);
		else if (!strcmp(o, "--zipf-s"))
			bad = parse_num(v, 0, 10, &zs);
		else if (!strcmp(o, "--hot-frac"))
			bad = parse_num(v, 0, 1, &hotfrac);
		else if (!strcmp(o, "--hot-word"))
			hot = v;
		else if (!strcmp(o, "--outdir"))
			outdir = v;
		else {
			fprintf(stderr, "gencorpus: unknown option %s\n", o);
			usage(stderr);
			return 2;
		}
		if (bad) {
			fprintf(stderr, "gencorpus: bad value for %s: '%s'\n", o, v);
			return 2;
		}
	}
	if (mb < 0 || !outdir || (hotfrac > 0 && (!hot || !*hot || strlen(hot) > 200))) {
		usage(stderr);
		return 2;
	}
	if (mkdir(outdir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "gencorpus: cannot create %s: %s\n", outdir, strerror(errno));
		return 1;
	}

	memset(&g, 0, sizeof(g));
	rng_state = (uint64_t)seed;
	vocab_build(&g.vocab, (size_t)vocab);
	alias_build(&g.zipf, (uint32_t)vocab, zs);
	if (hotfrac > 0) {
		g.hot = hot;
		g.hotlen = strlen(hot);
		g.hot_thresh = hotfrac >= 1 ? UINT64_MAX
			     : (uint64_t)(hotfrac * 18446744073709551616.0);
	}
	for (unsigned i = 0, k = 0; i < NELEM(seps); i++)
		for (unsigned w = 0; w < seps[i].weight && k < 1000; w++)
			g.sep_pick[k++] = i;

	buf = xmalloc(OUTBUF);
	total = (uint64_t)(mb * 1048576.0);
	each = total / (uint64_t)files;
	for (uint64_t f = 0; f < (uint64_t)files; f++) {
		uint64_t size = each + (f < total % (uint64_t)files);

		snprintf(path, sizeof(path), "%s/corpus-%03llu.txt", outdir,
			 (unsigned long long)f);
		gen_file(&g, path, size, buf);
	}
	free(buf);
	free(g.vocab.text);
	free(g.vocab.off);
	free(g.vocab.len);
	free(g.zipf.thresh);
	free(g.zipf.other);
	return 0;
}
