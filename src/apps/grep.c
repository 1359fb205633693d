/*
 * grep.c - distributed grep: every line that matches a regular expression,
 * with its file and line number (the first example of the MapReduce paper).
 *
 * Parameters (mrcoordinator / mrsequential --param):
 *   pattern=REGEX   required; a PCRE2 (Perl-compatible) expression
 *   flags=LETTERS   optional, any of
 *                     i  caseless
 *                     x  extended: whitespace and #-comments in the
 *                        pattern are ignored
 *                     u  UTF-8: lines are read as UTF-8 and \w, [[:alpha:]],
 *                        caseless matching and the like follow Unicode;
 *                        an invalid sequence in a line never matches a
 *                        character, but the rest of the line still can.
 *                   Without u a line is matched as bytes (Latin-1 rules).
 * The pattern is compiled (with the JIT when there is one) by the first map
 * a worker runs, and kept for its next maps while the parameters stay the
 * same.  A pattern PCRE2 rejects fails the map with PCRE2's message and
 * the offset in the pattern.
 *
 * Output: one line "FILE:LINE:TEXT" per matching line (what grep -n -H
 * prints), FILE as given to the job, LINE counted from 1 in the whole file,
 * TEXT the line without its '\n' (a '\r' stays).  A file's lines are all
 * in one mr-out-R, in line order, files in ascending byte order; a file
 * without a match writes nothing.
 *
 * How a split knows its line numbers: a map that gets a split of a big
 * file does not know how many lines come before it.  So map emits, under
 * the key FILE, "M<n>\t<text>" for each match, n counted from 1 in the
 * split, and then "N<count>", the lines of its split.  A key's values come
 * to the reduce map by map in map order, and a file's splits are maps of
 * consecutive numbers in offset order; so the reduce adds up the counts of
 * the splits before each match and turns n into the line's number in the
 * file.
 */
#define MR_APP "grep"
#define PCRE2_CODE_UNIT_WIDTH 8

#include "applib.h"
#include "mapreduce.h"

#include <inttypes.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

MR_PLUGIN_ABI;

/* The compiled pattern, kept from map to map while the parameters stay. */
static struct {
	char *pattern, *flags;       /* malloc'd copies: what `code` was made of */
	pcre2_code *code;
	pcre2_match_data *md;
} R;

/* A buffer for the values and lines built here. */
static struct {
	char *p;
	size_t cap;
} B;

static void regex_release(void)
{
	pcre2_match_data_free(R.md);
	pcre2_code_free(R.code);
	free(R.pattern);
	free(R.flags);
	memset(&R, 0, sizeof(R));
}

/* PCRE2 options for `flags`, or -1 (reported) for a letter we do not know. */
static int parse_flags(const char *flags, uint32_t *opts)
{
	*opts = 0;
	for (const char *f = flags; *f; f++) {
		switch (*f) {
		case 'i':
			*opts |= PCRE2_CASELESS;
			break;
		case 'x':
			*opts |= PCRE2_EXTENDED;
			break;
		case 'u':
			*opts |= PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF;
			break;
		default:
			return app_error("unknown flag '%c' in flags=%s (the flags are i: "
					 "caseless, x: extended, u: UTF-8)", *f, flags);
		}
	}
	return 0;
}

/* Compile the job's pattern, unless it is the one compiled already.  0 or -1. */
static int regex_get(struct mr_ctx *ctx)
{
	const char *pattern = mr_param(ctx, "pattern");
	const char *flags = mr_param(ctx, "flags");
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE erroff;
	uint32_t opts;
	int err;

	if (!pattern)
		return app_error("the grep job has no pattern: give the job --param pattern=REGEX");
	if (!flags)
		flags = "";
	if (R.code && !strcmp(R.pattern, pattern) && !strcmp(R.flags, flags))
		return 0;
	regex_release();
	if (parse_flags(flags, &opts) < 0)
		return -1;
	R.code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts, &err,
			       &erroff, NULL);
	if (!R.code) {
		if (pcre2_get_error_message(err, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "PCRE2 error %d", err);
		return app_error("bad pattern '%s': %s at offset %zu", pattern, (char *)msg,
				 (size_t)erroff);
	}
	/* Without a JIT (or with one that cannot take this), PCRE2 interprets. */
	(void)pcre2_jit_compile(R.code, PCRE2_JIT_COMPLETE);
	R.md = pcre2_match_data_create_from_pattern(R.code, NULL);
	R.pattern = strdup(pattern);
	R.flags = strdup(flags);
	if (!R.md || !R.pattern || !R.flags) {
		regex_release();
		return app_error("out of memory");
	}
	return 0;
}

/* Whether line[0..len) matches: 1, 0, or -1 (reported). */
static int regex_match(const char *file, uint64_t n, const char *line, size_t len)
{
	PCRE2_UCHAR msg[256];
	int rc = pcre2_match(R.code, (PCRE2_SPTR)line, len, 0, 0, R.md, NULL);

	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (pcre2_get_error_message(rc, msg, sizeof(msg)) < 0)
		snprintf((char *)msg, sizeof(msg), "PCRE2 error %d", rc);
	return app_error("matching line %" PRIu64 " of the part of %s in this map "
			 "failed: %s", n, file, (char *)msg);
}

/* B holding at least `need` bytes.  0 or -1 (reported). */
static int buf_need(size_t need)
{
	char *p = app_grow(B.p, &B.cap, need, 1);

	if (!p)
		return -1;
	B.p = p;
	return 0;
}

/* Emit (file, TAG<n>[\t text]).  0 or -1 (reported). */
static int emit_tagged(struct mr_ctx *ctx, const char *file, char tag, uint64_t n,
		       const char *text, size_t tlen, int with_text)
{
	size_t len;

	if (tlen > SIZE_MAX - 32 || buf_need(tlen + 32) < 0)
		return -1;
	len = (size_t)snprintf(B.p, 32, "%c%" PRIu64 "%s", tag, n, with_text ? "\t" : "");
	if (with_text && tlen)
		memcpy(B.p + len, text, tlen);
	return app_emit(ctx, file, strlen(file), B.p, len + (with_text ? tlen : 0));
}

static int map_split(struct mr_ctx *ctx, const char *file, const char *data, size_t len)
{
	const char *p = data, *end = data + len;
	uint64_t n = 0, matched = 0;

	if (regex_get(ctx) < 0)
		return -1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t llen = (size_t)((nl ? nl : end) - p);
		int m = regex_match(file, ++n, p, llen);

		if (m < 0)
			return -1;
		if (m) {
			matched++;
			if (emit_tagged(ctx, file, 'M', n, p, llen, 1) < 0)
				return -1;
		}
		p += llen + 1;
	}
	if (n && emit_tagged(ctx, file, 'N', n, NULL, 0, 0) < 0)
		return -1;
	return mr_counter_add(ctx, "grep.matched.lines", (int64_t)matched) < 0 ? -1 : 0;
}

/* Parse decimal digits at *p (before end) into *n; moves *p.  0 or -1. */
static int parse_u64(const char **p, const char *end, uint64_t *n)
{
	const char *s = *p;

	*n = 0;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (*n > (UINT64_MAX - 9) / 10)
			return -1;
		*n = *n * 10 + (uint64_t)(*s - '0');
	}
	if (s == *p)
		return -1;
	*p = s;
	return 0;
}

static int reduce_file(struct mr_ctx *ctx, const char *key, size_t klen)
{
	uint64_t base = 0, n;
	const char *val, *p, *end;
	size_t vlen, len;
	int r;

	while ((r = app_next(ctx, &val, &vlen)) == 1) {
		p = val + 1;
		end = val + vlen;
		if (vlen < 2 || (val[0] != 'M' && val[0] != 'N') || parse_u64(&p, end, &n) < 0 ||
		    (val[0] == 'M' ? p == end || *p != '\t' : p != end))
			return app_error("a value of key '%.*s' is not a grep map's",
					 klen > 64 ? 64 : (int)klen, key);
		if (val[0] == 'N') {
			base += n;
			continue;
		}
		p++; /* the tab */
		if ((size_t)(end - p) > SIZE_MAX - klen - 32 || buf_need(klen + 32 + (size_t)(end - p)) < 0)
			return -1;
		memcpy(B.p, key, klen);
		len = klen + (size_t)snprintf(B.p + klen, 32, ":%" PRIu64 ":", base + n);
		memcpy(B.p + len, p, (size_t)(end - p));
		len += (size_t)(end - p);
		if (mr_emit_line(ctx, B.p, len) < 0)
			return app_error("cannot write an output line (an engine before 0.3 "
					 "cannot take lines: mr_emit_line)");
	}
	return r;
}

MR_EXPORT int mr_map(struct mr_ctx *ctx, const char *file, const char *data, size_t len)
{
	return app_said(ctx, map_split(ctx, file, data, len));
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	return app_said(ctx, reduce_file(ctx, key, klen));
}
