/* runner.c - see runner.h. */
#include "worker/runner.h"

#include "common/log.h"
#include "common/util.h"
#include "worker/afile.h"
#include "worker/fileio.h"
#include "worker/ifile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The engine side of struct mr_ctx; `pub` must stay first. */
struct run_ctx {
	struct mr_ctx pub;
	const struct plugin *plugin;
	/* map: where emitted pairs go */
	struct kvbuf *parts;
	unsigned nparts;
	/* reduce: the current key's records and the output */
	const struct kvbuf *src;
	size_t next, end;
	struct afile *out;
	int failed;          /* an emit failed; the step fails even if the plugin says 0 */
};

static int map_emit(struct mr_ctx *c, const char *key, size_t klen,
		    const char *val, size_t vlen)
{
	struct run_ctx *ctx = (struct run_ctx *)c;
	unsigned part = 0;

	if (ctx->nparts > 1)
		part = plugin_partition(ctx->plugin, key, klen, ctx->nparts);
	if (kvbuf_add(&ctx->parts[part], key, klen, val, vlen) < 0) {
		ctx->failed = 1;
		return -1;
	}
	return 0;
}

static int no_values(struct mr_ctx *c, const char **val, size_t *vlen)
{
	(void)c;
	*val = NULL;
	*vlen = 0;
	return 0;
}

static int reduce_emit(struct mr_ctx *c, const char *key, size_t klen,
		       const char *val, size_t vlen)
{
	struct run_ctx *ctx = (struct run_ctx *)c;

	if (afile_write(ctx->out, key, klen) < 0 || afile_write(ctx->out, " ", 1) < 0 ||
	    afile_write(ctx->out, val, vlen) < 0 || afile_write(ctx->out, "\n", 1) < 0) {
		ctx->failed = 1;
		return -1;
	}
	return 0;
}

static int next_value(struct mr_ctx *c, const char **val, size_t *vlen)
{
	struct run_ctx *ctx = (struct run_ctx *)c;
	const struct kv *r;

	if (ctx->next >= ctx->end) {
		*val = NULL;
		*vlen = 0;
		return 0;
	}
	r = &ctx->src->recs[ctx->next++];
	*val = kv_val(ctx->src, r);
	*vlen = r->vlen;
	return 1;
}

static const struct mr_host map_host = {
	.size = sizeof(struct mr_host),
	.emit = map_emit,
	.next_value = no_values,
};

static const struct mr_host reduce_host = {
	.size = sizeof(struct mr_host),
	.emit = reduce_emit,
	.next_value = next_value,
};

int runner_map_input(const struct plugin *p, const struct map_spec *spec,
		     struct kvbuf *parts, unsigned nparts)
{
	struct run_ctx ctx = { .pub.host = &map_host, .plugin = p,
			       .parts = parts, .nparts = nparts };
	struct filebuf in;
	int rc;

	if (filebuf_read(&in, spec->file, spec->offset, spec->length) < 0)
		return -1;
	log_clear_last_error();
	rc = p->map(&ctx.pub, spec->file, in.data, in.len);
	filebuf_release(&in);
	if (rc != 0 || ctx.failed)
		return error("map of %s failed in plugin %s%s%s", spec->file, p->path,
			     *log_last_error() ? ": " : "", log_last_error());
	return 0;
}

int runner_reduce_to(const struct plugin *p, const struct kvbuf *b, const char *out_path)
{
	struct afile out;
	struct run_ctx ctx = { .pub.host = &reduce_host, .plugin = p, .src = b, .out = &out };
	size_t i = 0;

	if (afile_open(&out, out_path) < 0)
		return -1;
	while (i < b->n) {
		const struct kv *first = &b->recs[i];
		const char *key = kv_key(b, first);
		size_t j = i + 1;

		while (j < b->n && kv_keycmp(key, first->klen, kv_key(b, &b->recs[j]),
					     b->recs[j].klen) == 0)
			j++;
		ctx.next = i;
		ctx.end = j;
		log_clear_last_error();
		if (p->reduce(&ctx.pub, key, first->klen) != 0 || ctx.failed) {
			error("reduce of key '%.*s' for %s failed in plugin %s%s%s",
			      first->klen > 64 ? 64 : (int)first->klen, key, out_path,
			      p->path, *log_last_error() ? ": " : "", log_last_error());
			afile_abort(&out);
			return -1;
		}
		i = j;
	}
	return afile_commit(&out);
}

int runner_map_task(const struct plugin *p, const struct map_spec *spec)
{
	unsigned n = (unsigned)spec->nreduce;
	struct kvbuf *parts = xcalloc(n, sizeof(*parts));
	char name[64];
	int rc = -1;

	if (runner_map_input(p, spec, parts, n) < 0)
		goto out;
	for (unsigned r = 0; r < n; r++) {
		kvbuf_sort(&parts[r]);
		snprintf(name, sizeof(name), "mr-%d-%u", spec->map_id, r);
		if (ifile_write(name, &parts[r]) < 0)
			goto out;
		kvbuf_release(&parts[r]);
	}
	rc = 0;
out:
	for (unsigned r = 0; r < n; r++)
		kvbuf_release(&parts[r]);
	free(parts);
	return rc;
}

int runner_reduce_task(const struct plugin *p, int reduce_id, int nmap)
{
	struct kvbuf b;
	char name[64];
	int rc = -1;

	kvbuf_init(&b);
	for (int m = 0; m < nmap; m++) {
		snprintf(name, sizeof(name), "mr-%d-%d", m, reduce_id);
		if (ifile_read(name, &b) < 0)
			goto out;
	}
	kvbuf_sort(&b);
	snprintf(name, sizeof(name), "mr-out-%d", reduce_id);
	rc = runner_reduce_to(p, &b, name);
out:
	kvbuf_release(&b);
	return rc;
}
