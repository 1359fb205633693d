/* test_xmlesc.c - xml_escape() of src/tools/xmlesc.c: markup, controls, bad UTF-8. */
#include "unit.h"

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
	EXPECT("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"); /* U+10FFFF */
	EXPECT("\xe2\x82\xac\x80\xe2\x82\xac", "\xe2\x82\xac" FFFD "\xe2\x82\xac");
}

/* A sequence cut by the length given stays cut, whatever follows it. */
static void test_length_bound(void **state)
{
	(void)state;
	expect("\xc3\xa9", 1, FFFD);
	expect("ab<cd", 2, "ab");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_markup),
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_bad_utf8),
		cmocka_unit_test(test_length_bound),
	};

	UNIT_MAIN("xmlesc", tests);
}
