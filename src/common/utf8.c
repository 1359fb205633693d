/* utf8.c - see utf8.h. */
#include "common/utf8.h"

#include "common/util.h"

#include <string.h>

size_t utf8_len(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;      /* overlong below U+0800 */
	else if (p[0] == 0xed)
		hi = 0x9f;      /* surrogates U+D800..U+DFFF */
	else if (p[0] == 0xf0)
		lo = 0x90;      /* overlong below U+10000 */
	else if (p[0] == 0xf4)
		hi = 0x8f;      /* beyond U+10FFFF */
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

char *utf8_repair(const char *s)
{
	size_t n = strlen(s), bad = 0, i, k, o = 0;
	char *out;

	for (i = 0; i < n; i += k ? k : 1)
		if ((k = utf8_len(s + i, n - i)) == 0)
			bad++;
	if (!bad)
		return NULL;
	out = xmalloc(n + 2 * bad + 1); /* a byte becomes three */
	for (i = 0; i < n; i += k ? k : 1) {
		k = utf8_len(s + i, n - i);
		if (k) {
			memcpy(out + o, s + i, k);
			o += k;
		} else {
			memcpy(out + o, UTF8_REPLACEMENT, 3);
			o += 3;
		}
	}
	out[o] = '\0';
	return out;
}
