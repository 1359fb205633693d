/*
 * hashcount.c - the single-threaded word-count baseline of bench.sh: what
 * one core does with a hand-written C program and no framework.
 *
 *	hashcount FILE...	prints "WORD COUNT" lines, in no order
 *
 * A word is exactly what the wc plugin counts (src/apps/words.h): a maximal
 * run of Unicode letters in UTF-8, case-sensitive; every other code point
 * and every byte of an invalid sequence separates.  ASCII is classified by
 * a table; anything else goes through words_char() from words.h, so the two
 * cannot disagree.  Words never span files.
 *
 * Files are read in large chunks into a buffer with a separator sentinel
 * and 8 bytes of slack after the data (so the scan and the hash need no
 * bounds checks); a chunk is cut just after its last ASCII non-letter,
 * which is a separator whatever surrounds it, and the tail is carried over.
 * Counts live in a hash table (see "the table" below), keys in an arena.
 *
 * Exit status: 0 done, 1 an input could not be read or out of memory.
 */
#define _GNU_SOURCE
#include "words.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (4u << 20)
#define SLACK 16

/* 0: ASCII separator, 1: ASCII letter, 2: first byte of something else. */
static uint8_t cls[256];

static void cls_init(void)
{
	for (int c = 0; c < 256; c++)
		cls[c] = c >= 0x80 ? 2 : ((unsigned)((c | 0x20) - 'a') < 26u);
}

static void die_nomem(void)
{
	fprintf(stderr, "hashcount: out of memory\n");
	exit(1);
}

/* ---- hashing: 8 bytes at a time, 64x64->128 multiply folding ---- */

static inline uint64_t fold_mul(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* s[0 .. n + 8) must be readable; bytes past n are ignored. */
static inline uint64_t hash_word(const uint8_t *s, size_t n)
{
	uint64_t h = 0x243f6a8885a308d3ull ^ n, v;

	while (n > 8) {
		memcpy(&v, s, 8);
		h = fold_mul(h ^ v, 0x9e3779b97f4a7c15ull);
		s += 8;
		n -= 8;
	}
	memcpy(&v, s, 8);
	v &= UINT64_MAX >> (64 - 8 * n);	/* n is 1..8 here */
	return fold_mul(h ^ v, 0xbf58476d1ce4e5b9ull);
}

/* Do a[0 .. n) and b[0 .. n) match?  n > 0; 8 bytes past each are readable. */
static inline int key_equal(const uint8_t *a, const char *b, size_t n)
{
	uint64_t x, y;

	while (n > 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return 0;
		a += 8;
		b += 8;
		n -= 8;
	}
	memcpy(&x, a, 8);
	memcpy(&y, b, 8);
	return ((x ^ y) & (UINT64_MAX >> (64 - 8 * n))) == 0;
}

/* ---- the table ---- */

/*
 * Open addressing with linear probing, load <= 1/2, 32-byte slots: a word
 * of up to 16 bytes is kept in its slot, so finding it touches one cache
 * line; a longer one lives in the arena.  Keys are compared 8 bytes at a
 * time after the length and 32 bits of hash.
 */
#define INLINE_MAX 16

struct slot {
	uint32_t len;		/* 0: empty */
	uint32_t tag;		/* high 32 bits of the hash */
	uint64_t count;
	union {
		char inl[INLINE_MAX];
		const char *ptr;	/* in the arena, 8 readable bytes after it */
	} key;
};

static struct slot *slots;
static size_t slot_mask, nwords;

/* Arena blocks start with a pointer to the previous block. */
static char *arena, *arena_block;
static size_t arena_left;

static const char *arena_copy(const uint8_t *s, size_t n)
{
	char *p;

	if (n > arena_left) {
		size_t sz = n > (1u << 20) ? n : (1u << 20);

		p = malloc(sizeof(char *) + sz + 8);
		if (!p)
			die_nomem();
		memcpy(p, &arena_block, sizeof(char *));
		arena_block = p;
		arena = p + sizeof(char *);
		arena_left = sz;
	}
	p = arena;
	memcpy(p, s, n);
	arena += n;
	arena_left -= n;
	return p;
}

static void table_release(void)
{
	while (arena_block) {
		char *prev;

		memcpy(&prev, arena_block, sizeof(char *));
		free(arena_block);
		arena_block = prev;
	}
	free(slots);
}

static inline const char *slot_key(const struct slot *e)
{
	return e->len <= INLINE_MAX ? e->key.inl : e->key.ptr;
}

static void table_init(void)
{
	slot_mask = (1u << 16) - 1;
	slots = aligned_alloc(64, (slot_mask + 1) * sizeof(*slots));
	if (!slots)
		die_nomem();
	memset(slots, 0, (slot_mask + 1) * sizeof(*slots));
}

/* Double the table; a slot's new place comes from its key's hash. */
static void table_grow(void)
{
	size_t nsize = (slot_mask + 1) * 2;
	struct slot *ns = aligned_alloc(64, nsize * sizeof(*ns));

	if (!ns)
		die_nomem();
	memset(ns, 0, nsize * sizeof(*ns));
	for (size_t i = 0; i <= slot_mask; i++) {
		char key[INLINE_MAX + 8];
		const char *k;
		size_t j;

		if (!slots[i].len)
			continue;
		k = slot_key(&slots[i]);
		if (slots[i].len <= INLINE_MAX) {
			memcpy(key, k, INLINE_MAX);	/* hash_word reads 8 past */
			k = key;
		}
		for (j = hash_word((const uint8_t *)k, slots[i].len) & (nsize - 1);
		     ns[j].len; j = (j + 1) & (nsize - 1))
			;
		ns[j] = slots[i];
	}
	free(slots);
	slots = ns;
	slot_mask = nsize - 1;
}

/* Count s[0 .. n); 8 bytes past s + n are readable. */
static inline void count_word(const uint8_t *s, size_t n)
{
	uint64_t h = hash_word(s, n);
	uint32_t tag = (uint32_t)(h >> 32);
	size_t i = h & slot_mask;
	struct slot *e;

	if (n > UINT32_MAX) {
		fprintf(stderr, "hashcount: a word of %zu bytes is too long\n", n);
		exit(1);
	}
	for (;;) {
		e = &slots[i];
		if (!e->len)
			break;
		if (e->len == n && e->tag == tag) {
			if (n <= INLINE_MAX ? key_equal(s, e->key.inl, n)
					    : key_equal(s, e->key.ptr, n)) {
				e->count++;
				return;
			}
		}
		i = (i + 1) & slot_mask;
	}
	e->len = (uint32_t)n;
	e->tag = tag;
	e->count = 1;
	if (n <= INLINE_MAX) {
		memset(e->key.inl, 0, INLINE_MAX);
		memcpy(e->key.inl, s, n);
	} else {
		e->key.ptr = arena_copy(s, n);
	}
	if (++nwords * 2 > slot_mask + 1)
		table_grow();
}

/* ---- scanning ---- */

#define ONES 0x0101010101010101ull
#define HIGH 0x8080808080808080ull

/* 0x80 in every byte of v that is not an ASCII letter (non-ASCII included). */
static inline uint64_t nonletters(uint64_t v)
{
	uint64_t y = (v | 0x20 * ONES) & ~HIGH;		/* folded to lower case */
	uint64_t ge_a = (y + (0x80 - 'a') * ONES) & HIGH;
	uint64_t gt_z = (y + (0x80 - 'z' - 1) * ONES) & HIGH;

	return ~(ge_a & ~gt_z & ~v) & HIGH;
}

/*
 * Count the words of p[0 .. len).  Either p[len - 1] is an ASCII separator
 * or p[len] is a NUL; in both cases SLACK readable bytes follow p[len].
 */
static void scan(const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;

	while (p < end) {
		const uint8_t *start;
		size_t w;
		int letter;

		if (cls[*p] == 0) {
			p++;
			continue;
		}
		if (cls[*p] == 2) {
			w = words_char(p, (size_t)(end - p), &letter);
			if (!letter) {
				p += w;
				continue;
			}
		}
		start = p;
		for (;;) {
			/* Skip ASCII letters 8 at a time; stops at the separator. */
			for (;;) {
				uint64_t v, m;

				memcpy(&v, p, 8);
				m = nonletters(v);
				if (m) {
					p += __builtin_ctzll(m) >> 3;
					break;
				}
				p += 8;
			}
			if (p < end && cls[*p] == 2) {
				w = words_char(p, (size_t)(end - p), &letter);
				if (letter) {
					p += w;
					continue;
				}
			}
			break;
		}
		count_word(start, (size_t)(p - start));
	}
}

static int count_file(const char *path, uint8_t **bufp, size_t *capp)
{
	int fd = open(path, O_RDONLY);
	size_t have = 0;	/* bytes in the buffer not yet scanned */
	int eof = 0;

	if (fd < 0) {
		fprintf(stderr, "hashcount: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	while (!eof) {
		size_t cut;
		ssize_t r;

		if (*capp - have < CHUNK / 2) {
			/* One huge word or non-ASCII stretch: make room. */
			*capp *= 2;
			*bufp = realloc(*bufp, *capp + 1 + SLACK);
			if (!*bufp)
				die_nomem();
		}
		r = read(fd, *bufp + have, *capp - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "hashcount: cannot read %s: %s\n", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (r == 0)
			eof = 1;
		have += (size_t)r;
		cut = have;
		if (!eof) {
			/* Scan up to and including the last ASCII non-letter. */
			while (cut > 0 && cls[(*bufp)[cut - 1]] != 0)
				cut--;
			if (cut == 0)
				continue;	/* no safe place yet: read more */
		}
		/*
		 * Zero what follows the data: the sentinel at end of file.
		 * Before that, byte cut - 1 is a separator and stops every word.
		 */
		memset(*bufp + have, 0, 1 + SLACK);
		scan(*bufp, cut);
		memmove(*bufp, *bufp + cut, have - cut);
		have -= cut;
	}
	close(fd);
	return 0;
}

/* ---- output ---- */

static char *out_buf;
static size_t out_used;
#define OUTBUF (1u << 20)

static void out_flush(void)
{
	if (out_used && fwrite(out_buf, 1, out_used, stdout) != out_used) {
		fprintf(stderr, "hashcount: cannot write: %s\n", strerror(errno));
		exit(1);
	}
	out_used = 0;
}

static void print_counts(void)
{
	out_buf = malloc(OUTBUF);
	if (!out_buf)
		die_nomem();
	for (size_t i = 0; i <= slot_mask; i++) {
		const struct slot *e = &slots[i];
		char num[24];
		int k = 24;
		uint64_t c = e->count;

		if (!e->len)
			continue;
		do
			num[--k] = (char)('0' + c % 10);
		while (c /= 10);
		if (out_used + e->len + 2 + (size_t)(24 - k) > OUTBUF)
			out_flush();
		if (e->len + 2 + (size_t)(24 - k) > OUTBUF) {
			out_flush();
			fwrite(slot_key(e), 1, e->len, stdout);	/* a giant word */
		} else {
			memcpy(out_buf + out_used, slot_key(e), e->len);
			out_used += e->len;
		}
		out_buf[out_used++] = ' ';
		memcpy(out_buf + out_used, num + k, (size_t)(24 - k));
		out_used += (size_t)(24 - k);
		out_buf[out_used++] = '\n';
	}
	out_flush();
	if (fflush(stdout) != 0) {
		fprintf(stderr, "hashcount: cannot write: %s\n", strerror(errno));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	size_t cap = CHUNK;
	uint8_t *buf = malloc(cap + 1 + SLACK);
	int rc = 0;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(argc < 2 ? stderr : stdout, "usage: hashcount FILE...\n"
			"Count the words of the FILEs; print \"WORD COUNT\" lines.\n");
		return argc < 2 ? 2 : 0;
	}
	cls_init();
	table_init();
	if (!buf)
		die_nomem();
	for (int i = 1; i < argc; i++)
		if (count_file(argv[i], &buf, &cap) < 0)
			rc = 1;
	if (rc == 0)
		print_counts();
	free(out_buf);
	free(buf);
	table_release();
	return rc;
}
