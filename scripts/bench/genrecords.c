/*
 * genrecords.c - deterministic sort-benchmark records for bench.sh --sort,
 * bench-net.sh and tests/test-sort.sh.
 *
 *	genrecords [--seed S] --mb M --files F --outdir DIR
 *
 * Writes DIR/records-000.txt ... DIR/records-(F-1).txt, together M MiB
 * (M may be fractional; rounded down to whole records, spread as evenly
 * as whole records allow), of 100-byte records: 10 printable ASCII key
 * bytes (0x20..0x7e, uniform), 89 payload bytes (letters and digits) and
 * '\n'.  One splitmix64 stream seeded by S (default 42): the same
 * arguments give byte-identical files.  Exit status: 0 done, 1 I/O error,
 * 2 usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORD 100
#define KEY 10
#define BATCH 10000

static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void record(uint64_t *s, char *r)
{
	static const char alnum[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

	for (int i = 0; i < KEY; i++)
		r[i] = (char)(0x20 + next(s) % 95);
	for (int i = KEY; i < RECORD - 1; i += 8) {
		uint64_t v = next(s);

		for (int k = 0; k < 8 && i + k < RECORD - 1; k++, v >>= 8)
			r[i + k] = alnum[(v & 0xff) % 62];
	}
	r[RECORD - 1] = '\n';
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Print the usage on `out`; returns 2, the usage error's exit status. */
static int usage(FILE *out)
{
	fprintf(out,
		"usage: genrecords [--seed S] --mb M --files F --outdir DIR\n"
		"Write DIR/records-000.txt ... together M MiB (M > 0, fractions allowed)\n"
		"of 100-byte records in F files (1..1000): 10 printable key bytes, 89\n"
		"letters and digits, a newline; the same S (default 42) gives the same bytes.\n");
	return 2;
}

int main(int argc, char **argv)
{
	uint64_t seed = 42, total, s;
	double mb = 0;
	long files = 0;
	const char *dir = NULL;
	static char buf[BATCH * RECORD];

	for (int i = 1; i < argc; i += 2) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end = NULL;

		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(stdout);
			return 0;
		}
		if (!v) {
			fprintf(stderr, "genrecords: %s needs a value\n", o);
			return usage(stderr);
		}
		errno = 0;
		if (!strcmp(o, "--seed")) {
			seed = strtoull(v, &end, 10);
		} else if (!strcmp(o, "--mb")) {
			mb = strtod(v, &end);
			if (!(mb > 0 && mb <= 1 << 20))
				end = NULL;
		} else if (!strcmp(o, "--files")) {
			files = strtol(v, &end, 10);
			if (files < 1 || files > 1000)
				end = NULL;
		} else if (!strcmp(o, "--outdir")) {
			dir = v;
			end = "";
		} else {
			fprintf(stderr, "genrecords: unknown option %s\n", o);
			return usage(stderr);
		}
		if (!end || *end || end == v || errno || *v == '-') {
			fprintf(stderr, "genrecords: bad value '%s' for %s\n", v, o);
			return usage(stderr);
		}
	}
	if (!dir || mb <= 0 || files < 1) {
		fprintf(stderr, "genrecords: --mb, --files and --outdir are required\n");
		return usage(stderr);
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		perror(dir);
		return 1;
	}
	s = seed;
	total = (uint64_t)(mb * 1048576.0) / RECORD;
	for (long f = 0; f < files; f++) {
		uint64_t n = total / (uint64_t)files + ((uint64_t)f < total % (uint64_t)files);
		char path[4096];
		int fd;

		snprintf(path, sizeof(path), "%s/records-%03ld.txt", dir, f);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			perror(path);
			return 1;
		}
		while (n > 0) {
			uint64_t k = n < BATCH ? n : BATCH;

			for (uint64_t j = 0; j < k; j++)
				record(&s, buf + j * RECORD);
			if (write_all(fd, buf, (size_t)(k * RECORD)) < 0) {
				perror(path);
				return 1;
			}
			n -= k;
		}
		if (close(fd) < 0) {
			perror(path);
			return 1;
		}
	}
	return 0;
}
