/* xmlesc.c - see xmlesc.h. */
#include "tools/xmlesc.h"

#include <string.h>

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD in UTF-8 */

/*
 * Length of the well-formed UTF-8 sequence of 2 to 4 bytes at p (n bytes
 * left), 0 when there is none (RFC 3629: no overlong forms, no
 * surrogates, nothing beyond U+10FFFF).
 */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

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

void xml_escape(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		size_t n;

		switch (*p) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&apos;", out);
			break;
		case '\t':
		case '\n':
		case '\r':
			fprintf(out, "&#%d;", *p);
			break;
		default:
			if (*p >= 0x20 && *p < 0x80) {
				putc(*p, out);
				break;
			}
			n = *p < 0x80 ? 0 : utf8_seq(p, (size_t)(end - p));
			if (n == 0) {
				fputs(REPLACEMENT, out);
				break;
			}
			/* U+FFFE and U+FFFF are not XML characters: one U+FFFD each. */
			if (n == 3 && p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xbe)
				fputs(REPLACEMENT, out);
			else
				fwrite(p, 1, n, out);
			p += n;
			continue;
		}
		p++;
	}
}

void xml_escape_str(FILE *out, const char *s)
{
	if (s)
		xml_escape(out, s, strlen(s));
}
