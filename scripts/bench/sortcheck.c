/*
 * sortcheck.c - check a sort's output for bench.sh --sort and
 * tests/test-sort.sh: in key order, and the same records as the input.
 *
 *	sortcheck [--key N] [--any-order] FILE...
 *
 * Reads the FILEs in the order given as one sequence of records: lines,
 * without their '\n' (a file's last line may lack it; an empty file holds
 * none).  Unless --any-order, every record's key - its first N bytes
 * (default 10), the whole record when shorter - must not sort before the
 * previous record's, comparing unsigned bytes, a proper prefix first (the
 * order of `LC_ALL=C sort` on the keys).  Prints one line:
 *
 *	RECORDS BYTES DIGEST
 *
 * BYTES counts the records' bytes without their newlines; DIGEST (32 hex
 * digits) is two 64-bit sums, over the records, of two hashes of each
 * record: it does not depend on the records' order, so the input's line
 * (--any-order) and a correct output's are the same.  The hashes are not
 * cryptographic: this catches a lost, doubled or damaged record, not a
 * forger.
 *
 * Exit status: 0 sorted (or --any-order), 1 out of order (the first such
 * place is named on stderr; the line is still printed) or a file cannot
 * be read, 2 usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct check {
	size_t keylen;
	int any_order;
	uint64_t records, bytes, sum1, sum2;
	/* the previous record's key, for the order check */
	unsigned char *prev;
	size_t prevlen;
	const char *prevfile;
	uint64_t prevline;
	int disordered;
};

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/* Two 64-bit hashes of p[0..n), eight bytes at a time. */
static void hash2(const unsigned char *p, size_t n, uint64_t *h1, uint64_t *h2)
{
	uint64_t a = 0x243f6a8885a308d3ull ^ n, b = 0x13198a2e03707344ull ^ (n << 1);
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		a = (a ^ w) * 0x9e3779b97f4a7c15ull;
		a ^= a >> 29;
		b = (b + w) * 0xbf58476d1ce4e5b9ull;
		b ^= b >> 31;
	}
	if (i < n) {
		uint64_t w = 0;

		memcpy(&w, p + i, n - i);
		a = (a ^ w ^ 0xa5) * 0x9e3779b97f4a7c15ull;
		b = (b + w + 0x5a) * 0xbf58476d1ce4e5b9ull;
	}
	*h1 = mix(a);
	*h2 = mix(b ^ 0x94d049bb133111ebull);
}

/* Bytewise order; a proper prefix first. */
static int key_cmp(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return (alen > blen) - (alen < blen);
}

static void show_key(const unsigned char *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (k[i] >= 0x20 && k[i] < 0x7f && k[i] != '\\')
			fputc(k[i], stderr);
		else
			fprintf(stderr, "\\x%02x", k[i]);
}

static void record(struct check *c, const char *file, uint64_t line,
		   const unsigned char *p, size_t n)
{
	uint64_t h1, h2;

	hash2(p, n, &h1, &h2);
	c->records++;
	c->bytes += n;
	c->sum1 += h1;
	c->sum2 += h2;
	if (c->any_order)
		return;
	n = n < c->keylen ? n : c->keylen;
	if (c->records > 1 && !c->disordered && key_cmp(p, n, c->prev, c->prevlen) < 0) {
		fprintf(stderr, "sortcheck: %s:%" PRIu64 ": key '", file, line);
		show_key(p, n);
		fprintf(stderr, "' sorts before the key '");
		show_key(c->prev, c->prevlen);
		fprintf(stderr, "' of %s:%" PRIu64 "\n", c->prevfile, c->prevline);
		c->disordered = 1;
	}
	memcpy(c->prev, p, n);
	c->prevlen = n;
	c->prevfile = file;
	c->prevline = line;
}

/* Every record of one file.  0, or -1 when it cannot be read (said). */
static int check_file(struct check *c, const char *path)
{
	struct stat st;
	const unsigned char *data, *p, *end;
	uint64_t line = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "sortcheck: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (st.st_size == 0) {
		close(fd);
		return 0;
	}
	data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (data == MAP_FAILED) {
		fprintf(stderr, "sortcheck: %s: %s\n", path, strerror(errno));
		return -1;
	}
	madvise((void *)data, (size_t)st.st_size, MADV_SEQUENTIAL);
	end = data + st.st_size;
	for (p = data; p < end;) {
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		record(c, path, ++line, p, n);
		p += n + 1;
	}
	munmap((void *)data, (size_t)st.st_size);
	return 0;
}

static int usage(FILE *out)
{
	fprintf(out,
		"usage: sortcheck [--key N] [--any-order] FILE...\n"
		"Check that the lines of the FILEs, read in order, are sorted by their\n"
		"first N bytes (default 10); print \"RECORDS BYTES DIGEST\", the digest\n"
		"not depending on the order of the lines.  Exit 0 sorted, 1 not sorted\n"
		"or unreadable, 2 usage error.\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct check c = { .keylen = 10 };
	int i, rc = 0;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--any-order")) {
			c.any_order = 1;
		} else if (!strcmp(argv[i], "--key") && i + 1 < argc) {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(argv[++i], &end, 10);
			if (errno || *end || end == argv[i] || argv[i][0] == '-' || v < 1 ||
			    v > 1 << 20) {
				fprintf(stderr, "sortcheck: bad key length '%s'\n", argv[i]);
				return usage(stderr);
			}
			c.keylen = v;
		} else {
			fprintf(stderr, "sortcheck: unknown option or missing value: %s\n", argv[i]);
			return usage(stderr);
		}
	}
	if (i >= argc) {
		fprintf(stderr, "sortcheck: no files\n");
		return usage(stderr);
	}
	c.prev = malloc(c.keylen);
	if (!c.prev) {
		fprintf(stderr, "sortcheck: out of memory\n");
		return 1;
	}
	for (; i < argc; i++)
		if (check_file(&c, argv[i]) < 0)
			rc = 1;
	printf("%" PRIu64 " %" PRIu64 " %016" PRIx64 "%016" PRIx64 "\n", c.records, c.bytes,
	       c.sum1, c.sum2);
	free(c.prev);
	if (c.disordered)
		rc = 1;
	return rc;
}
