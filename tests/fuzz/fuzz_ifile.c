/*
 * fuzz_ifile.c - libFuzzer target: ifile_parse(), the intermediate file
 * decoder a reduce task runs over every mr-M-R file it reads.
 *
 * The input is the file.  It is parsed into a kvbuf that already holds one
 * record (ifile_parse appends), and the result is judged against a second,
 * independent reading of the format of ifile.h:
 *   - ifile_parse() succeeds exactly when the input is well formed: magic,
 *     version, whole records, an end mark and a record count equal to the
 *     number of records, with nothing after it;
 *   - success or not, the kvbuf holds the earlier record untouched followed
 *     by every complete record before the point of failure, no more;
 *   - every record's key and value lie inside the arena, are '\0'-terminated
 *     there, do not overlap another record, and equal the input's bytes.
 * Its error messages go to stderr, which tests/fuzz.sh silences.
 */
#include "common/log.h"
#include "worker/ifile.h"
#include "worker/kvbuf.h"
#include "fuzz.h"

#include <stdint.h>
#include <string.h>

#define PRE_KEY "earlier"
#define PRE_VAL "record"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Record `i` of `b` is (key, klen, val, vlen) and lies after `*end`. */
static void check_record(const struct kvbuf *b, size_t i, size_t *end,
			 const void *key, uint32_t klen, const void *val, uint32_t vlen)
{
	const struct kv *r = &b->recs[i];

	CHECK(r->klen == klen);
	CHECK(r->vlen == vlen);
	CHECK(r->off >= *end);
	CHECK(r->off <= b->len);
	CHECK((uint64_t)klen + vlen + 2 <= b->len - r->off);
	CHECK(kv_key(b, r) == b->arena + r->off);
	CHECK(kv_val(b, r) == b->arena + r->off + klen + 1);
	CHECK(memcmp(kv_key(b, r), key, klen) == 0);
	CHECK(kv_key(b, r)[klen] == '\0');
	CHECK(memcmp(kv_val(b, r), val, vlen) == 0);
	CHECK(kv_val(b, r)[vlen] == '\0');
	*end = r->off + klen + vlen + 2;
}

/*
 * Walk `d` by the format, comparing each complete record with the one
 * ifile_parse() should have appended.  Returns whether `d` is well formed.
 */
static int walk(const uint8_t *d, size_t len, const struct kvbuf *b, size_t *end)
{
	uint64_t n = 0;
	size_t pos = 8;
	int valid = 0;

	if (len < 8 || memcmp(d, IFILE_MAGIC, 4) != 0 || le32(d + 4) != IFILE_VERSION)
		goto out;
	while (len - pos >= 4) {
		uint32_t klen = le32(d + pos), vlen;

		if (klen == 0xffffffffu) {
			valid = len - pos == 12 && le64(d + pos + 4) == n;
			break;
		}
		if (len - pos < 8)
			break;
		vlen = le32(d + pos + 4);
		if ((uint64_t)klen + vlen > len - pos - 8)
			break;
		CHECK(b->n > 1 + n);
		check_record(b, 1 + n, end, d + pos + 8, klen, d + pos + 8 + klen, vlen);
		pos += 8 + (size_t)klen + vlen;
		n++;
	}
out:
	CHECK(b->n == 1 + n);
	return valid;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	log_init("fuzz_ifile", 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvbuf b;
	size_t end = 0;
	int rc, valid;

	kvbuf_init(&b);
	CHECK(kvbuf_add(&b, PRE_KEY, strlen(PRE_KEY), PRE_VAL, strlen(PRE_VAL)) == 0);
	rc = ifile_parse("fuzz-input", (const char *)data, size, &b);
	CHECK(rc == 0 || rc == -1);
	CHECK(b.n >= 1);
	CHECK(b.len <= b.cap);
	CHECK(b.n <= b.ncap);
	check_record(&b, 0, &end, PRE_KEY, strlen(PRE_KEY), PRE_VAL, strlen(PRE_VAL));
	valid = walk(data, size, &b, &end);
	CHECK(end <= b.len);
	if (valid)
		CHECK(rc == 0);
	else
		CHECK(rc == -1);
	kvbuf_release(&b);
	return 0;
}
