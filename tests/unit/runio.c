/* runio.c - see runio.h. */
#include "runio.h"

#include "shuffle/ifile.h"

int runio_write(const char *path, const struct kvbuf *b)
{
	struct ifile_writer w;

	if (ifile_writer_open(&w, path) < 0)
		return -1;
	for (size_t i = 0; i < b->n; i++) {
		const struct kv *rec = &b->recs[i];

		if (ifile_writer_add(&w, kv_key(b, rec), rec->klen, kv_val(b, rec),
				     rec->vlen) < 0) {
			ifile_writer_abort(&w);
			return -1;
		}
	}
	return ifile_writer_commit(&w);
}

/* Append the records left in `r` to `into`: 0 at a valid end, or -1. */
static int drain(struct ifile_reader *r, struct kvbuf *into)
{
	const char *k, *v;
	uint32_t kl, vl;
	int rc;

	while ((rc = ifile_reader_next(r, &k, &kl, &v, &vl)) > 0)
		if (kvbuf_add(into, k, kl, v, vl) < 0)
			return -1;
	return rc;
}

int runio_parse(const char *name, const char *data, size_t len, struct kvbuf *into)
{
	struct ifile_reader r;
	int rc;

	if (ifile_reader_open_mem(&r, name, data, len) < 0)
		return -1;
	rc = drain(&r, into);
	ifile_reader_close(&r);
	return rc;
}

int runio_read(const char *path, struct kvbuf *into)
{
	struct ifile_reader r;
	int rc;

	if (ifile_reader_open(&r, path, 1u << 16) < 0)
		return -1;
	rc = drain(&r, into);
	ifile_reader_close(&r);
	return rc;
}
