/*
 * test_xmlesc.c - xml_escape() of src/tools/xmlesc.c (markup, controls,
 * bad UTF-8) and utf8_repair() of src/common/utf8.c, which it stands on.
 */
#include "unit.h"

#include "common/utf8.h"
#include "tools/xmlesc.h"

#define FFFD "\xef\xbf\xbd"

/* Escape s[0 .. len) and compare with `want`. */
static void expect(const char *s, size_t len, const char *want)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	assert_non_null(f);
	xml_escape(f, s, len);
	assert_int_equal(fclose(f), 0);
	if (strcmp(buf, want) != 0)
		unit_fail("xml_escape of %zu bytes gave \"%s\", expected \"%s\"", len, buf, want);
	free(buf);
}

#define EXPECT(lit, want) expect(lit, sizeof(lit) - 1, want)

static void test_plain(void **state)
{
	(void)state;
	EXPECT("", "");
	EXPECT("mr-out-0 pg-grimm.txt", "mr-out-0 pg-grimm.txt");
	EXPECT("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

static void test_markup(void **state)
{
	(void)state;
	EXPECT("<a href=\"x\">&'", "&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
	EXPECT("]]>", "]]&gt;");
}

static void test_controls(void **state)
{
	(void)state;
	EXPECT("a\tb\nc\rd", "a&#9;b&#10;c&#13;d");
	EXPECT("\x01\x1f\x7f", FFFD FFFD "\x7f");
	EXPECT("a\0b", "a" FFFD "b");
	EXPECT("\xef\xbf\xbe\xef\xbf\xbf", FFFD FFFD); /* U+FFFE, U+FFFF */
	EXPECT("\xef\xbf\xbd", FFFD);                   /* U+FFFD itself stays */
}

static void test_bad_utf8(void **state)
{
	(void)state;
	EXPECT("\xff", FFFD);
	EXPECT("a\x80z", "a" FFFD "z");
	EXPECT("\xc0\xaf", FFFD FFFD);              /* overlong '/' */
	EXPECT("\xe0\x80\xaf", FFFD FFFD FFFD);     /* overlong, 3 bytes */
	EXPECT("\xed\xa0\x80", FFFD FFFD FFFD);     /* a surrogate */
	EXPECT("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD); /* beyond U+10FFFF */
	EXPECT("\xe2\x82", FFFD FFFD);              /* truncated at the end */
	EXPECT("\xe2\x82<", FFFD FFFD "&lt;");      /* truncated before markup */
	EXPECT("\xc3\xa9\xc3", "\xc3\xa9" FFFD);
}

/* A sequence cut by the length given stays cut, whatever follows it. */
static void test_length_bound(void **state)
{
	(void)state;
	expect("\xc3\xa9", 1, FFFD);
	expect("ab<cd", 2, "ab");
}

static void repair(const char *s, const char *want)
{
	char *got = utf8_repair(s);

	if (!want && got)
		unit_fail("utf8_repair(\"%s\") copied well-formed text", s);
	if (want && (!got || strcmp(got, want) != 0))
		unit_fail("utf8_repair gave \"%s\", expected \"%s\"", got ? got : "(null)", want);
	free(got);
}

static void test_utf8_repair(void **state)
{
	(void)state;
	repair("", NULL);
	repair("pg-grimm.txt", NULL);
	repair("caf\xc3\xa9 \xf0\x9f\x98\x80", NULL);
	repair("bad\xff.txt", "bad" FFFD ".txt");
	repair("\xc3", FFFD);
	repair("\xed\xa0\x80x", FFFD FFFD FFFD "x");
	repair("\xe2\x82\xac\x80\xe2\x82\xac", "\xe2\x82\xac" FFFD "\xe2\x82\xac");
	assert_int_equal(utf8_len("\xf4\x8f\xbf\xbf", 4), 4);  /* U+10FFFF */
	assert_int_equal(utf8_len("\xf4\x8f\xbf\xbf", 3), 0);  /* cut short */
	assert_int_equal(utf8_len("A", 1), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_markup),
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_bad_utf8),
		cmocka_unit_test(test_length_bound),
		cmocka_unit_test(test_utf8_repair),
	};

	UNIT_MAIN("xmlesc", tests);
}
