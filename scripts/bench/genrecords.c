/*
 * genrecords.c - deterministic sort-benchmark records for bench-net.sh.
 *
 *	genrecords --seed S --mb M --files F --outdir DIR
 *
 * Writes DIR/records-000.txt ... DIR/records-(F-1).txt, together M MiB
 * (rounded down to whole records), of 100-byte records: 10 printable
 * ASCII key bytes (0x20..0x7e, uniform), 89 payload bytes (letters and
 * digits) and '\n'.  One splitmix64 stream seeded by S: the same
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

int main(int argc, char **argv)
{
	uint64_t seed = 42, total, s;
	double mb = 0;
	long files = 0;
	const char *dir = NULL;
	static char buf[BATCH * RECORD];

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--mb"))
			mb = strtod(argv[i + 1], NULL);
		else if (!strcmp(argv[i], "--files"))
			files = strtol(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--outdir"))
			dir = argv[i + 1];
	}
	if (!dir || mb <= 0 || files < 1 || files > 1000) {
		fprintf(stderr, "usage: genrecords --seed S --mb M --files F --outdir DIR\n");
		return 2;
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
