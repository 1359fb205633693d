/* xmlesc.c - see xmlesc.h. */
#include "tools/xmlesc.h"

#include "common/utf8.h"

#include <string.h>

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
			n = *p < 0x80 ? 0 : utf8_len((const char *)p, (size_t)(end - p));
			if (n == 0) {
				fputs(UTF8_REPLACEMENT, out);
				break;
			}
			/* U+FFFE and U+FFFF are not XML characters: one U+FFFD each. */
			if (n == 3 && p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xbe)
				fputs(UTF8_REPLACEMENT, out);
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
