/*
 * fuzz_ifile.c - libFuzzer target: the intermediate file reader (ifile.h)
 * a reduce task runs over every mr-M-R file and a map over its spills.
 *
 * The input is the file.  It is read twice: from memory by runio_parse(),
 * into a kvbuf that already holds one record (runio_parse appends), and
 * from a file (a memfd) by the streaming reader with a small buffer, the
 * way the engine reads runs.  Each result is judged against an independent
 * reading of the format of ifile.h (version 3):
 *   - the read succeeds exactly when the input is well formed: magic,
 *     version, whole records, then a trailer - end mark, a record count
 *     equal to the number of records and the XXH3-64 of every byte
 *     before the trailer - with nothing after it;
 *   - success or not, the records handed out are the complete records
 *     before the point of failure, no more: from memory every record that
 *     fits; from a file every record followed by at least one more byte
 *     (a valid run always has its trailer there);
 *   - in the kvbuf every record's key and value lie inside the arena, are
 *     '\0'-terminated there, do not overlap another record, and equal the
 *     input's bytes; the earlier record is untouched;
 *   - the file reader hands out the input's bytes and puts a '\0' after
 *     every value.
 * Its error messages go to stderr, which tests/fuzz.sh silences.
 */
#include "common/log.h"
#include "shuffle/ifile.h"
#include "shuffle/kvbuf.h"
#include "fuzz.h"
#include "../unit/runio.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

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

/* The records the format walk finds. */
struct rec {
	size_t off;       /* of the key in the input */
	uint32_t klen, vlen;
};

struct walk {
	struct rec *recs;
	size_t n, cap;
	int valid;        /* the whole input is a well-formed run */
};

static void walk_add(struct walk *w, size_t off, uint32_t klen, uint32_t vlen)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 16;
		w->recs = realloc(w->recs, w->cap * sizeof(*w->recs));
		CHECK(w->recs != NULL);
	}
	w->recs[w->n++] = (struct rec){ off, klen, vlen };
}

/*
 * Walk `d` by the format.  `from_file`: a record counts only when at least
 * one byte follows it (the streaming reader's rule).
 */
static void walk(const uint8_t *d, size_t len, int from_file, struct walk *w)
{
	size_t pos = IFILE_HEADER_SIZE;

	w->n = 0;
	w->valid = 0;
	if (len < IFILE_HEADER_SIZE || memcmp(d, "MRKV", 4) != 0 || le32(d + 4) != 3)
		return;
	while (len - pos >= 4) {
		uint32_t klen = le32(d + pos), vlen;
		uint64_t rlen;

		if (klen == 0xffffffffu) {
			w->valid = len - pos == 20 && le64(d + pos + 4) == w->n &&
				   le64(d + pos + 12) == XXH3_64bits(d, pos);
			return;
		}
		if (len - pos < 8)
			return;
		vlen = le32(d + pos + 4);
		if (vlen == 0xffffffffu)
			return;
		rlen = 8 + (uint64_t)klen + vlen;
		if (from_file ? rlen >= len - pos : rlen > len - pos)
			return;
		walk_add(w, pos + 8, klen, vlen);
		pos += (size_t)rlen;
	}
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

static void from_memory(const uint8_t *data, size_t size, struct walk *w)
{
	struct kvbuf b;
	size_t end = 0;
	int rc;

	kvbuf_init(&b);
	CHECK(kvbuf_add(&b, PRE_KEY, strlen(PRE_KEY), PRE_VAL, strlen(PRE_VAL)) == 0);
	rc = runio_parse("fuzz-input", (const char *)data, size, &b);
	CHECK(rc == 0 || rc == -1);
	CHECK(b.n >= 1);
	CHECK(b.len <= b.cap);
	CHECK(b.n <= b.ncap);
	check_record(&b, 0, &end, PRE_KEY, strlen(PRE_KEY), PRE_VAL, strlen(PRE_VAL));
	walk(data, size, 0, w);
	CHECK(b.n == 1 + w->n);
	for (size_t i = 0; i < w->n; i++) {
		const struct rec *r = &w->recs[i];

		check_record(&b, 1 + i, &end, data + r->off, r->klen,
			     data + r->off + r->klen, r->vlen);
	}
	CHECK(end <= b.len);
	CHECK(rc == (w->valid ? 0 : -1));
	kvbuf_release(&b);
}

static void from_file(const uint8_t *data, size_t size, struct walk *w)
{
	struct ifile_reader r;
	const char *k, *v;
	uint32_t kl, vl;
	size_t n = 0, done = 0;
	int fd, rc;

	fd = memfd_create("fuzz-input", MFD_CLOEXEC);
	CHECK(fd >= 0);
	while (done < size) {
		ssize_t put = write(fd, data + done, size - done);

		CHECK(put > 0);
		done += (size_t)put;
	}
	walk(data, size, 1, w);
	/* the reader owns fd from here, failure or not */
	if (ifile_reader_open_fd(&r, fd, "fuzz-input", 16) < 0) {
		CHECK(w->n == 0 && !w->valid);
		return;
	}
	while ((rc = ifile_reader_next(&r, &k, &kl, &v, &vl)) > 0) {
		const struct rec *want;

		CHECK(n < w->n);
		want = &w->recs[n++];
		CHECK(kl == want->klen);
		CHECK(vl == want->vlen);
		CHECK(memcmp(k, data + want->off, kl) == 0);
		CHECK(memcmp(v, data + want->off + kl, vl) == 0);
		CHECK(v[vl] == '\0');
	}
	CHECK(rc == 0 || rc == -1);
	CHECK(n == w->n);
	CHECK(rc == (w->valid ? 0 : -1));
	ifile_reader_close(&r);
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
	struct walk w = { 0 };

	from_memory(data, size, &w);
	from_file(data, size, &w);
	free(w.recs);
	return 0;
}
