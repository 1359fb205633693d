/* ifile.c - see ifile.h. */
#include "worker/ifile.h"

#include "common/log.h"
#include "common/util.h"
#include "worker/afile.h"
#include "worker/fileio.h"

#include <stdlib.h>
#include <string.h>

#define END_MARK 0xffffffffu

static void put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

int ifile_write(const char *path, const struct kvbuf *b)
{
	unsigned char hdr[12];
	struct afile f;

	if (afile_open(&f, path) < 0)
		return -1;
	memcpy(hdr, IFILE_MAGIC, 4);
	put_u32(hdr + 4, IFILE_VERSION);
	afile_write(&f, hdr, 8);
	for (size_t i = 0; i < b->n; i++) {
		const struct kv *r = &b->recs[i];

		put_u32(hdr, r->klen);
		put_u32(hdr + 4, r->vlen);
		afile_write(&f, hdr, 8);
		afile_write(&f, kv_key(b, r), r->klen);
		afile_write(&f, kv_val(b, r), r->vlen);
	}
	put_u32(hdr, END_MARK);
	put_u32(hdr + 4, (uint32_t)b->n);
	put_u32(hdr + 8, (uint32_t)((uint64_t)b->n >> 32));
	afile_write(&f, hdr, 12);
	return afile_commit(&f);
}

int ifile_parse(const char *name, const char *data, size_t len, struct kvbuf *into)
{
	const unsigned char *p = (const unsigned char *)data;
	size_t pos = 8;
	uint64_t count = 0, want;

	if (len < 8 || memcmp(p, IFILE_MAGIC, 4) != 0)
		return error("%s is not an intermediate file (bad magic)", name);
	if (get_u32(p + 4) != IFILE_VERSION)
		return error("%s has intermediate format version %u; expected %u",
			     name, get_u32(p + 4), IFILE_VERSION);
	for (;;) {
		uint32_t klen, vlen;

		if (len - pos < 4)
			return error("%s is truncated at byte %zu (no trailer)", name, pos);
		klen = get_u32(p + pos);
		if (klen == END_MARK)
			break;
		if (len - pos < 8)
			return error("%s is truncated at byte %zu (record header)", name, pos);
		vlen = get_u32(p + pos + 4);
		pos += 8;
		if (len - pos < (uint64_t)klen + vlen)
			return error("%s is truncated at byte %zu (record of %u+%u bytes)",
				     name, pos, klen, vlen);
		if (kvbuf_add(into, data + pos, klen, data + pos + klen, vlen) < 0)
			return -1;
		pos += (size_t)klen + vlen;
		count++;
	}
	if (len - pos != 12)
		return error("%s has a bad trailer at byte %zu", name, pos);
	want = (uint64_t)get_u32(p + pos + 4) | (uint64_t)get_u32(p + pos + 8) << 32;
	if (want != count)
		return error("%s holds %llu records but its trailer says %llu", name,
			     (unsigned long long)count, (unsigned long long)want);
	return 0;
}

int ifile_read(const char *path, struct kvbuf *into)
{
	struct filebuf fb;
	int rc;

	if (filebuf_read(&fb, path, 0, -1) < 0)
		return -1;
	rc = ifile_parse(path, fb.data, fb.len, into);
	filebuf_release(&fb);
	return rc;
}
