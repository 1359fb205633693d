/*
 * words.h - the word tokenizer of wc and indexer.
 *
 * A word is a maximal run of letters.  The input is read as UTF-8; a letter
 * is a code point of Unicode general category L (Lu, Ll, Lt, Lm, Lo), as
 * libunistring classifies it.  Every other code point separates words, and
 * so does every byte of an invalid or truncated sequence, one byte at a time
 * (the way Go's range over a string yields U+FFFD per bad byte).  NUL is an
 * ordinary separator.  Words are case-sensitive and may be any length.
 *
 *	struct words w;
 *	const char *word;
 *	size_t wlen;
 *
 *	words_init(&w, data, len);
 *	while (words_next(&w, &word, &wlen))
 *		... word[0..wlen) is borrowed from data ...
 *
 * Plugins using this header link with -lunistring.
 */
#ifndef MR_WORDS_H
#define MR_WORDS_H

#include <stddef.h>
#include <stdint.h>
#include <unictype.h>
#include <unistr.h>

struct words {
	const uint8_t *s;
	size_t len;
	size_t pos;	/* where the next search starts */
};

static inline void words_init(struct words *w, const char *data, size_t len)
{
	w->s = (const uint8_t *)data;
	w->len = len;
	w->pos = 0;
}

/*
 * Classify the character at s[0..n), n > 0: returns its length in bytes
 * and sets *letter.  ASCII is decided without libunistring.
 */
static inline size_t words_char(const uint8_t *s, size_t n, int *letter)
{
	ucs4_t uc;
	int width;

	if (s[0] < 0x80) {
		*letter = (unsigned)((s[0] | 0x20) - 'a') < 26u;
		return 1;
	}
	width = u8_mbtoucr(&uc, s, n);
	if (width < 0) {
		/* Invalid or truncated: this one byte is a separator. */
		*letter = 0;
		return 1;
	}
	*letter = uc_is_general_category(uc, UC_LETTER);
	return (size_t)width;
}

/* 0x80 in every byte of v that is not an ASCII letter (non-ASCII included). */
static inline uint64_t words_nonletters8(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t y = (v | 0x20 * ones) & ~high;	/* folded to lower case */
	uint64_t ge_a = (y + (0x80 - 'a') * ones) & high;
	uint64_t gt_z = (y + (0x80 - 'z' - 1) * ones) & high;

	return ~(ge_a & ~gt_z & ~v) & high;
}

/* From `pos`, skip ASCII letters eight at a time while eight bytes remain. */
static inline size_t words_skip_ascii(const uint8_t *s, size_t len, size_t pos)
{
	while (pos + 8 <= len) {
		uint64_t v, m;

		__builtin_memcpy(&v, s + pos, 8);
		m = words_nonletters8(v);
		if (m)
			return pos + (size_t)(__builtin_ctzll(m) >> 3);
		pos += 8;
	}
	return pos;
}

/* Find the next word: 1 with *word and *wlen set, or 0 when there is none. */
static inline int words_next(struct words *w, const char **word, size_t *wlen)
{
	size_t pos = w->pos, start, width = 0;
	int letter = 0;

	while (pos < w->len) {
		width = words_char(w->s + pos, w->len - pos, &letter);
		if (letter)
			break;
		pos += width;
	}
	if (pos >= w->len) {
		w->pos = pos;
		return 0;
	}
	start = pos;
	pos += width;
	for (;;) {
		pos = words_skip_ascii(w->s, w->len, pos);
		if (pos >= w->len) {
			letter = 1;
			break;
		}
		width = words_char(w->s + pos, w->len - pos, &letter);
		pos += width;
		if (!letter)
			break;	/* the separator is consumed too */
	}
	*word = (const char *)w->s + start;
	*wlen = letter ? pos - start : pos - width - start;
	w->pos = pos;
	return 1;
}

#endif /* MR_WORDS_H */
