/*
 * utf8.h - telling well-formed UTF-8 from other bytes.
 *
 * File names, a worker's error text and a plugin's counter names are any
 * bytes, but JSON (mr-report.json) and XML (mrctl timeline) carry
 * Unicode text only.  Well-formed means RFC 3629: no overlong forms, no
 * surrogates, nothing beyond U+10FFFF.
 */
#ifndef MR_UTF8_H
#define MR_UTF8_H

#include <stddef.h>

/* U+FFFD REPLACEMENT CHARACTER, in UTF-8, what a bad byte becomes. */
#define UTF8_REPLACEMENT "\xef\xbf\xbd"

/*
 * The length of the well-formed character at p (n > 0 bytes left): 1 for
 * ASCII (NUL included), 2 to 4, or 0 when the byte at p starts none.
 */
size_t utf8_len(const char *p, size_t n);

/*
 * `s` with every byte that is not part of a well-formed character
 * replaced by U+FFFD (one per byte): a malloc'd copy the caller frees
 * (dies on out-of-memory, as xmalloc), or NULL, allocating nothing, when
 * `s` is well-formed already.
 */
char *utf8_repair(const char *s);

#endif
