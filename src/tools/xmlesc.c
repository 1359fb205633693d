/* xmlesc.c - see xmlesc.h. */
#include "tools/xmlesc.h"

#include <string.h>
#include <unistr.h>

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD in UTF-8 */

void xml_escape(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		ucs4_t uc;
		int n;

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
			/* libunistring: -1 or -2 unless a well-formed character */
			n = *p < 0x80 ? -1 : u8_mbtoucr(&uc, p, (size_t)(end - p));
			if (n <= 0) {
				fputs(REPLACEMENT, out);
				break;
			}
			/* U+FFFE and U+FFFF are not XML characters: one U+FFFD each. */
			if (uc == 0xfffe || uc == 0xffff)
				fputs(REPLACEMENT, out);
			else
				fwrite(p, 1, (size_t)n, out);
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
