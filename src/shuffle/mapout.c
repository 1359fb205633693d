/* mapout.c - see mapout.h. */
#include "shuffle/mapout.h"

#include "common/log.h"
#include "common/util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mapout_cache_init(struct mapout_cache *c)
{
	memset(c, 0, sizeof(*c));
	sumtab_init(&c->sum);
	sumview_init(&c->view);
}

/* Free the kept partition buffers. */
static void drop_kept_parts(struct mapout_cache *c)
{
	for (unsigned r = 0; r < c->nparts; r++)
		kvbuf_release(&c->parts[r]);
	free(c->parts);
	c->parts = NULL;
	c->nparts = 0;
}

void mapout_cache_release(struct mapout_cache *c)
{
	sumtab_release(&c->sum);
	sumview_release(&c->view);
	drop_kept_parts(c);
	kvsort_scratch_release(&c->sort);
}

struct combine_io {
	struct mapout *mo;
	struct cvalues cv;       /* values from a ctab entry ... */
	struct mgroup *g;        /* ... or from a merge group */
	int failed;              /* an io call failed (printed) */
};

int combine_io_next(struct combine_io *io, const char **val, size_t *vlen)
{
	uint32_t len;
	int rc;

	if (io->g) {
		rc = mgroup_next_value(io->g, val, &len);
		if (rc < 0)
			io->failed = 1;
	} else {
		rc = ctab_next_value(&io->cv, val, &len);
	}
	io->mo->combine_in += rc > 0;
	*vlen = rc > 0 ? len : 0;
	return rc;
}

int combine_io_next_many(struct combine_io *io, const char **vals, size_t *vlens, size_t max)
{
	uint32_t len;
	size_t n = 0;

	/*
	 * A merge group's value lives in its read buffer, which the next read
	 * may refill: one at a time.  A ctab block stays put during a combine.
	 */
	if (io->g)
		return combine_io_next(io, vals, vlens);
	if (max > INT_MAX)
		max = INT_MAX;
	while (n < max && ctab_next_value(&io->cv, &vals[n], &len))
		vlens[n++] = len;
	io->mo->combine_in += n;
	return (int)n;
}

int combine_io_emit(struct combine_io *io, const char *val, size_t vlen)
{
	if (kvbuf_add(&io->mo->scratch, "", 0, val, vlen) < 0) {
		io->failed = 1;
		return -1;
	}
	io->mo->combine_out++;
	return 0;
}

/* A failure that the ops are to blame for (printed): -1. */
static int ops_fault(struct mapout *mo)
{
	mo->fault = SHUFFLE_FAULT_OPS;
	return -1;
}

/* Run the ops' combine over `key`, its values read through `io`; output in mo->scratch. */
static int run_combine(struct mapout *mo, const char *key, size_t klen, struct combine_io *io)
{
	kvbuf_clear(&mo->scratch);
	io->mo = mo;
	mo->combines++;
	if (mo->ops.combine(mo->ops.arg, key, klen, io) != 0 || io->failed)
		return io->failed ? -1 : ops_fault(mo);
	return 0;
}

/* Combine the values of ctab entry `i` into (usually) one. */
static int combine_entry(struct mapout *mo, size_t i)
{
	struct ctab *t = &mo->ctab;
	struct centry *e = &t->ent[i];
	struct combine_io io = { .g = NULL };

	ctab_values(t, e, &io.cv);
	if (run_combine(mo, ctab_key(t, e), ctab_klen(e), &io) < 0)
		return -1;
	if (mo->scratch.n > mo->vcap) {
		xgrow((void **)&mo->vals, &mo->vcap, mo->scratch.n, sizeof(*mo->vals));
		mo->vlens = xrealloc(mo->vlens, mo->vcap * sizeof(*mo->vlens));
	}
	for (size_t k = 0; k < mo->scratch.n; k++) {
		mo->vals[k] = kv_val(&mo->scratch, &mo->scratch.recs[k]);
		mo->vlens[k] = mo->scratch.recs[k].vlen;
	}
	ctab_set_values(t, i, mo->vals, mo->vlens, mo->scratch.n);
	return 0;
}

/*
 * Take the sum table and view the cache kept from the last task, when they
 * fit, and start a new epoch (sumtab.h).
 */
static void take_kept_sum(struct mapout *mo)
{
	struct mapout_cache *c = mo->cache;

	mo->sum = c->sum;
	mo->view = c->view;
	sumtab_init(&c->sum);
	sumview_init(&c->view);
	/*
	 * The table and its view together get the combine table's share of
	 * the budget; keep them only with room to spare.
	 */
	if (sumtab_bytes(&mo->sum) + sumview_bytes(&mo->view) > mo->budget.combine / 4 * 3) {
		sumtab_release(&mo->sum);
		sumview_release(&mo->view);
	}
	sumtab_new_epoch(&mo->sum);
	mo->view_bytes = sumview_bytes(&mo->view);
	/* Rather than outgrow the share, the table fills up to 3/4 and drains. */
	mo->sum.max_bytes = mo->budget.combine > mo->view_bytes
			    ? mo->budget.combine - mo->view_bytes : 1;
	if (!mo->sum.cap && c->last_keys)
		sumtab_reserve(&mo->sum, c->last_keys * 64 < mo->budget.combine / 2
					 ? c->last_keys : mo->budget.combine / 2 / 64);
}

void mapout_init(struct mapout *mo, const struct shuffle_ops *ops, unsigned nparts,
		 const struct budget *b, struct mapout_cache *cache)
{
	memset(mo, 0, sizeof(*mo));
	mo->ops = *ops;
	mo->fault = SHUFFLE_FAULT_ENGINE;
	mo->nparts = nparts;
	mo->budget = *b;
	mo->cache = cache;
	if (cache->parts && cache->nparts == nparts) {
		mo->parts = cache->parts;
		cache->parts = NULL;
		cache->nparts = 0;
	} else {
		drop_kept_parts(cache);
		mo->parts = xcalloc(nparts, sizeof(*mo->parts));
	}
	mo->spill_runs = xcalloc(nparts, sizeof(*mo->spill_runs));
	for (unsigned r = 0; r < nparts; r++)
		runlist_init(&mo->spill_runs[r]);
	mo->max_spill_fds = budget_spill_fds(nparts);
	mo->use_sum = ops->combiner == SHUFFLE_COMBINE_SUM;
	mo->use_ctab = ops->combiner == SHUFFLE_COMBINE_USER;
	mo->budget.parts = budget_parts(b, mo->use_sum || mo->use_ctab);
	ctab_init(&mo->ctab);
	sumtab_init(&mo->sum);
	/*
	 * The tasks of one job tend to see the same keys: start the table at
	 * the size the last task's reached, within the budget.
	 */
	if (mo->use_ctab && cache->last_keys)
		ctab_reserve(&mo->ctab, cache->last_keys * 64 * 2 < mo->budget.combine / 2
					? cache->last_keys : mo->budget.combine / 2 / 64 / 2);
	sumview_init(&mo->view);
	if (mo->use_sum)
		take_kept_sum(mo);
	kvbuf_init(&mo->scratch);
}

void mapout_expect_input(struct mapout *mo, size_t len)
{
	size_t keys = len / 256, most = mo->budget.combine / 2 / 64;

	if (!mo->use_sum || mo->sum.cap)
		return;
	sumtab_reserve(&mo->sum, keys < most ? keys : most);
}

void mapout_release(struct mapout *mo)
{
	struct mapout_cache *c = mo->cache;

	if ((mo->use_ctab || mo->use_sum) && mo->max_keys > c->last_keys / 2)
		c->last_keys = mo->max_keys;
	for (unsigned r = 0; r < mo->nparts; r++)
		runlist_release(&mo->spill_runs[r]);
	free(mo->spill_runs);
	ctab_release(&mo->ctab);
	if (mo->use_sum && mo->sum.cap) {
		sumtab_release(&c->sum);
		sumview_release(&c->view);
		c->sum = mo->sum;
		c->view = mo->view;
	} else {
		sumtab_release(&mo->sum);
		sumview_release(&mo->view);
	}
	/* The buffers stay for the next task (mapout_init), emptied. */
	if (mo->parts) {
		drop_kept_parts(c);
		for (unsigned r = 0; r < mo->nparts; r++)
			kvbuf_clear(&mo->parts[r]);
		c->parts = mo->parts;
		c->nparts = mo->nparts;
	}
	kvbuf_release(&mo->scratch);
	free(mo->vals);
	free(mo->vlens);
	memset(mo, 0, sizeof(*mo));
}

static int part_add(struct mapout *mo, const char *key, size_t klen,
		    const char *val, size_t vlen)
{
	unsigned r = 0;

	if (mo->nparts > 1)
		r = shuffle_partition(mo->ops.partition, key, klen, mo->nparts);
	if (kvbuf_add(&mo->parts[r], key, klen, val, vlen) < 0)
		return -1;
	mo->pbytes += klen + vlen + 2 + sizeof(struct kv);
	return 0;
}

/*
 * Too many spill runs open: merge each partition's spills into one run, so
 * nparts descriptors stay open instead of nspills * nparts.  Equal keys are
 * left for the final merge to combine.
 */
static int compact_spills(struct mapout *mo)
{
	for (unsigned r = 0; r < mo->nparts; r++)
		if (runlist_shrink(&mo->spill_runs[r], 1, SIZE_MAX, &mo->budget) < 0)
			return -1;
	mo->nspills = 1;
	return 0;
}

/*
 * Append the records of sorted buffer `b` to `w`, in order.  0, or -1
 * (printed; w is left to the caller).
 */
static int write_buffer(const struct kvbuf *b, struct ifile_writer *w)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct kv *rec = &b->recs[i];

		KVBUF_PREFETCH(b, i + KVBUF_PREFETCH_AHEAD);
		if (ifile_writer_add(w, kv_key(b, rec), rec->klen, kv_val(b, rec),
				     rec->vlen) < 0)
			return -1;
	}
	return 0;
}

/* Sort every partition buffer and write it out as an anonymous run. */
static int spill(struct mapout *mo)
{
	char name[64];

	mo->spills++;
	for (unsigned r = 0; r < mo->nparts; r++) {
		struct kvbuf *b = &mo->parts[r];
		struct ifile_writer w;
		int fd;

		kvbuf_sort_with(b, &mo->cache->sort);
		if (ifile_writer_open_anon(&w, ".") < 0)
			return -1;
		if (write_buffer(b, &w) < 0) {
			ifile_writer_abort(&w);
			return -1;
		}
		if (ifile_writer_finish_fd(&w, &fd) < 0)
			return -1;
		snprintf(name, sizeof(name), "spill %llu of partition %u",
			 (unsigned long long)mo->spills - 1, r);
		runlist_add_fd(&mo->spill_runs[r], fd, name);
		kvbuf_clear(b);
	}
	mo->nspills++;
	mo->pbytes = 0;
	if (mo->nspills > 1 && mo->nspills * mo->nparts > mo->max_spill_fds)
		return compact_spills(mo);
	return 0;
}

/* Spill when the partition buffers have outgrown their share.  0 or -1. */
static int spill_if_full(struct mapout *mo)
{
	return mo->pbytes > mo->budget.parts ? spill(mo) : 0;
}

/* Count a drain of the combine or sum table, which held `keys` keys. */
static void count_drain(struct mapout *mo, size_t keys)
{
	if (keys > mo->max_keys)
		mo->max_keys = keys;
	mo->drains++;
}

/* Combine what is left in the table, move it to the partitions, empty it. */
static int flush_ctab(struct mapout *mo)
{
	struct ctab *t = &mo->ctab;

	for (size_t i = 0; i < t->cap; i++) {
		struct centry *e = &t->ent[i];

		if (!ctab_live(e))
			continue;
		if (e->nvals > 1 && combine_entry(mo, i) < 0)
			return -1;
		struct cvalues cv;
		const char *v;
		uint32_t vlen;

		e = &t->ent[i];
		ctab_values(t, e, &cv);
		while (ctab_next_value(&cv, &v, &vlen))
			if (part_add(mo, ctab_key(t, e), ctab_klen(e), v, vlen) < 0)
				return -1;
	}
	count_drain(mo, t->n);
	ctab_clear(t);
	/* A table of many distinct keys stays big when emptied: start afresh. */
	if (ctab_bytes(t) > mo->budget.combine / 2)
		ctab_release(t); /* empty, ready for use, `moves` going on */
	return spill_if_full(mo);
}

/* Print n in decimal at the end of buf[24]; returns where it starts. */
static char *format_u64(char buf[24], uint64_t n)
{
	char *p = buf + 24;

	do
		*--p = (char)('0' + n % 10);
	while (n /= 10);
	return p;
}

static int sum_overflow(struct mapout *mo, const char *key, size_t klen)
{
	error("the total of key '%.*s' passes 2^64 - 1 (built-in sum "
	      "combiner of plugin %s)", klen > 64 ? 64 : (int)klen, key, mo->ops.name);
	return ops_fault(mo);
}

/* Move the sum table's totals to the partitions, empty it. */
static int flush_sum(struct mapout *mo)
{
	struct sumtab *t = &mo->sum;
	size_t live = 0;
	int was_full;

	for (size_t i = 0; i < t->cap; i++) {
		const struct sentry *e = &t->ent[i];
		char kbuf[SUMTAB_INLINE], buf[24], *num;

		if (!sumtab_live(t, e))
			continue;
		num = format_u64(buf, e->sum);
		if (part_add(mo, sumtab_key(t, e, kbuf), e->klen1 - 1, num,
			     (size_t)(buf + 24 - num)) < 0)
			return -1;
		live++;
	}
	mo->combine_out += live;
	count_drain(mo, t->n);
	/*
	 * A table that filled up at its limit is kept, emptied: the keys to
	 * come need it as big.  Another big one is let go.
	 */
	was_full = t->full;
	sumtab_clear(t);
	if (!was_full && sumtab_bytes(t) > mo->budget.combine / 2) {
		uint32_t epoch = t->epoch;
		size_t max_bytes = t->max_bytes;

		sumtab_release(t);
		t->epoch = epoch;
		t->max_bytes = max_bytes;
	}
	return spill_if_full(mo);
}

/*
 * A value for the built-in sum: one or more ASCII digits (leading zeros
 * allowed, as wc's own parser does), below 2^64.  0, or -1 after saying
 * which key's value is wrong.
 */
static int parse_sum_value(struct mapout *mo, const char *key, size_t klen,
			   const char *val, size_t vlen, uint64_t *out)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < vlen; i++) {
		unsigned d = (unsigned char)val[i] - '0';

		if (d > 9 || n > (UINT64_MAX - d) / 10)
			break;
		n = n * 10 + d;
	}
	if (vlen == 0 || i < vlen) {
		error("value '%.*s' of key '%.*s' is not a decimal count below 2^64, "
		      "which plugin %s promised by declaring the built-in sum combiner",
		      vlen > 32 ? 32 : (int)vlen, val, klen > 64 ? 64 : (int)klen, key,
		      mo->ops.name);
		return ops_fault(mo);
	}
	*out = n;
	return 0;
}

/* A decimal count below 2^64 (parse_sum_value's rule, silent): 0 or -1. */
static int parse_u64(const char *val, size_t vlen, uint64_t *out)
{
	uint64_t n = 0;

	if (vlen == 0)
		return -1;
	for (size_t i = 0; i < vlen; i++) {
		unsigned d = (unsigned char)val[i] - '0';

		if (d > 9 || n > (UINT64_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*out = n;
	return 0;
}

/* After sumtab_add() returned rc: count it, drain or report an overflow. */
static int sum_added(struct mapout *mo, int rc)
{
	mo->combine_in++;
	if (rc > 0 && (mo->sum.full ||
		       sumtab_bytes(&mo->sum) + mo->view_bytes > mo->budget.combine))
		return flush_sum(mo);
	if (rc < 0)
		return sum_overflow(mo, mo->sum.overflow_key, mo->sum.overflow_klen);
	return 0;
}

/* Append a value to ctab slot `i`, combining and draining as needed. */
static int ctab_add(struct mapout *mo, size_t i, const char *val, size_t vlen)
{
	struct ctab *t = &mo->ctab;

	if (ctab_push(t, i, val, vlen, 1)) {
		if (combine_entry(mo, i) < 0)
			return -1;
		ctab_push(t, i, val, vlen, 0);
	}
	if (ctab_bytes(t) > mo->budget.combine) {
		if (t->garbage > t->alen / 4)
			ctab_compact(t);
		if (ctab_bytes(t) > mo->budget.combine)
			return flush_ctab(mo);
	}
	return 0;
}

/* Add the staged pairs, in order.  0 or -1 (the rest dropped: the task is over). */
static int flush_batch(struct mapout *mo)
{
	struct mapout_batch *bt = &mo->batch;
	unsigned n = bt->n;

	bt->n = 0;
	bt->used = 0;
	if (mo->use_sum) {
		for (unsigned k = 0; k < n; k++) {
			const struct mapout_staged *p = &bt->p[k];

			if (sum_added(mo, sumtab_add_short(&mo->sum, p->a, p->b, p->klen,
							   p->hash, p->v)) < 0)
				return -1;
		}
		return 0;
	}

	struct ctab *t = &mo->ctab;
	uint64_t moves = t->moves;

	/* Their slots were asked for when staged: find them, ask for their blocks' tails. */
	for (unsigned k = 0; k < n; k++) {
		struct mapout_staged *p = &bt->p[k];

		p->slot = ctab_lookup(t, (uint32_t)p->hash, bt->bytes + p->off, p->klen);
		if (p->slot != CTAB_NONE && t->ent[p->slot].bcap)
			__builtin_prefetch(ctab_tail(t, p->slot), 1);
	}
	for (unsigned k = 0; k < n; k++) {
		const struct mapout_staged *p = &bt->p[k];
		const char *key = bt->bytes + p->off;
		size_t i = p->slot;

		/*
		 * A key new to the table, slots moved since (a rehash, a drain),
		 * or a table that ctab_find would grow first, as mapout_emit's does.
		 */
		if (i == CTAB_NONE || t->moves != moves || ctab_will_grow(t))
			i = ctab_find(t, (uint32_t)p->hash, key, p->klen);
		if (ctab_add(mo, i, key + p->klen, p->vlen) < 0)
			return -1;
	}
	return 0;
}

int mapout_flush(struct mapout *mo)
{
	return mo->batch.n ? flush_batch(mo) : 0;
}

int mapout_emit(struct mapout *mo, const char *key, size_t klen,
		const char *val, size_t vlen)
{
	if (mapout_flush(mo) < 0)
		return -1;
	if (mo->use_sum) {
		uint64_t v;

		if (vlen == 1 && (unsigned)(val[0] - '0') < 10u)
			v = (uint64_t)(val[0] - '0'); /* the usual "1" */
		else if (parse_sum_value(mo, key, klen, val, vlen, &v) < 0)
			return -1;
		if (klen >= UINT32_MAX - 1)
			return error("record too large (key %zu bytes; it must be under 4 GiB)",
				     klen);
		return sum_added(mo, sumtab_add(&mo->sum, key, klen, v));
	}

	if (klen >= UINT32_MAX - 1 || vlen >= UINT32_MAX - 1)
		return error("record too large (key %zu bytes, value %zu bytes; "
			     "each must be under 4 GiB)", klen, vlen);
	if (mo->use_ctab)
		return ctab_add(mo, ctab_find(&mo->ctab, ctab_hash(key, klen), key, klen),
				val, vlen);
	if (part_add(mo, key, klen, val, vlen) < 0)
		return -1;
	return spill_if_full(mo);
}

/* Stage a pair for the sum table: a short key and a count, else emitted now. */
static int stage_sum(struct mapout *mo, const char *key, size_t klen,
		     const char *val, size_t vlen)
{
	struct mapout_batch *bt = &mo->batch;
	struct mapout_staged *p;
	const struct sentry *home;
	uint64_t v;

	if (vlen == 1 && (unsigned)(val[0] - '0') < 10u)
		v = (uint64_t)(val[0] - '0'); /* the usual "1" */
	else if (parse_u64(val, vlen, &v) < 0)
		return mapout_emit(mo, key, klen, val, vlen); /* says what is wrong */
	if (klen > SUMTAB_INLINE)
		return mapout_emit(mo, key, klen, val, vlen);
	p = &bt->p[bt->n];
	sumtab_words(key, klen, &p->a, &p->b);
	p->hash = sumtab_short_hash(p->a, p->b, klen);
	p->klen = (uint32_t)klen;
	p->v = v;
	home = sumtab_home(&mo->sum, p->hash);
	if (home)
		__builtin_prefetch(home, 1);
	return ++bt->n == MAPOUT_BATCH ? flush_batch(mo) : 0;
}

/* Copy n bytes: a short string without a call (words, mostly). */
static inline void copy_small(char *dst, const char *src, size_t n)
{
	if (n >= 8 && n <= 16) {
		uint64_t a, b;

		memcpy(&a, src, 8);
		memcpy(&b, src + n - 8, 8);
		memcpy(dst, &a, 8);
		memcpy(dst + n - 8, &b, 8);
	} else if (n >= 4 && n < 8) {
		uint32_t a, b;

		memcpy(&a, src, 4);
		memcpy(&b, src + n - 4, 4);
		memcpy(dst, &a, 4);
		memcpy(dst + n - 4, &b, 4);
	} else if (n < 4) {
		for (size_t i = 0; i < n; i++)
			dst[i] = src[i];
	} else {
		memcpy(dst, src, n);
	}
}

/* Stage a pair for the combine table: copied, its slot asked for. */
static int stage_ctab(struct mapout *mo, const char *key, size_t klen,
		      const char *val, size_t vlen)
{
	struct mapout_batch *bt = &mo->batch;
	struct mapout_staged *p;
	const struct centry *home;

	if (klen + vlen > MAPOUT_BATCH_BYTES / 4)
		return mapout_emit(mo, key, klen, val, vlen);
	if (bt->used + klen + vlen > MAPOUT_BATCH_BYTES && flush_batch(mo) < 0)
		return -1;
	p = &bt->p[bt->n];
	p->off = bt->used;
	p->klen = (uint32_t)klen;
	p->vlen = (uint32_t)vlen;
	copy_small(bt->bytes + bt->used, key, klen);
	copy_small(bt->bytes + bt->used + klen, val, vlen);
	bt->used += (uint32_t)(klen + vlen);
	p->hash = ctab_hash(key, klen);
	home = ctab_home(&mo->ctab, (uint32_t)p->hash);
	if (home)
		__builtin_prefetch(home);
	return ++bt->n == MAPOUT_BATCH ? flush_batch(mo) : 0;
}

int mapout_stage(struct mapout *mo, const char *key, size_t klen,
		 const char *val, size_t vlen)
{
	if (mo->use_sum)
		return stage_sum(mo, key, klen, val, vlen);
	if (mo->use_ctab)
		return stage_ctab(mo, key, klen, val, vlen);
	return mapout_emit(mo, key, klen, val, vlen);
}

int mapout_finish(struct mapout *mo)
{
	if (mapout_flush(mo) < 0)
		return -1;
	if (mo->use_ctab && flush_ctab(mo) < 0)
		return -1;
	if (mo->use_sum) {
		if (mo->drains == 0 && mo->nspills == 0) {
			/*
			 * Written straight from the table, in the view's order.
			 * A table past 3/8 full grows now rather than in a later
			 * task, where moving the slots would make the view start
			 * over (room for the keys of the next tasks).
			 */
			if (mo->sum.n * 8 > mo->sum.cap * 3 &&
			    sumtab_bytes(&mo->sum) * 2 + mo->view_bytes <= mo->budget.combine / 2)
				sumtab_reserve(&mo->sum, mo->sum.cap);
			sumview_update(&mo->view, &mo->sum, mo->ops.partition, mo->nparts);
			mo->use_view = 1;
			count_drain(mo, mo->sum.n);
		} else if (flush_sum(mo) < 0) {
			return -1;
		}
	}
	for (unsigned r = 0; r < mo->nparts; r++)
		kvbuf_sort_with(&mo->parts[r], &mo->cache->sort);
	return 0;
}

/*
 * The next entry of partition r's view, from *k on, whose key has a total in
 * this task: 1 with its key (a short one rebuilt in kbuf from the prefix,
 * which holds all of it: no trip to its copy) and total, 0 after the last.
 */
static int view_next(const struct mapout *mo, unsigned r, size_t *k,
		     const char **key, uint32_t *klen, char kbuf[16], uint64_t *sum)
{
	const struct sumtab *t = &mo->sum;
	const struct sortkey *part = mo->view.part[r];
	size_t n = mo->view.n[r];

	for (; *k < n; (*k)++) {
		const struct sortkey *s = &part[*k];
		const struct sentry *e = &t->ent[s->idx];

		/* Slots come in key order, not memory order: ask for them early. */
		if (*k + 8 < n)
			__builtin_prefetch(&t->ent[part[*k + 8].idx]);
		if (!sumtab_live(t, e))
			continue;
		*key = s->key;
		if (s->klen <= 16) {
			uint64_t a = __builtin_bswap64(s->p0), b = __builtin_bswap64(s->p1);

			memcpy(kbuf, &a, 8);
			memcpy(kbuf + 8, &b, 8);
			*key = kbuf;
		}
		*klen = s->klen;
		*sum = e->sum;
		(*k)++;
		return 1;
	}
	return 0;
}

/* Partition r of the view as decimal (key, total) records, in order. */
static int view_to_part(struct mapout *mo, unsigned r)
{
	const char *key;
	char kbuf[16], buf[24], *num;
	uint32_t klen;
	uint64_t sum;
	size_t k = 0;

	while (view_next(mo, r, &k, &key, &klen, kbuf, &sum)) {
		num = format_u64(buf, sum);
		if (kvbuf_add(&mo->parts[r], key, klen, num, (size_t)(buf + 24 - num)) < 0)
			return -1;
		mo->combine_out++;
	}
	return 0;
}

int mapout_merger(struct mapout *mo, unsigned r, struct merger *m)
{
	merger_init(m);
	if (mo->use_view && view_to_part(mo, r) < 0)
		return -1;
	/* The spills are open already (budget_spill_fds bounds them): one pass. */
	return runlist_merger(&mo->spill_runs[r], &mo->parts[r], SIZE_MAX, &mo->budget, m);
}

/* Write one key's values, combined. */
static int write_group(struct mapout *mo, struct mgroup *g, struct ifile_writer *w)
{
	struct combine_io io = { .g = g };

	if (run_combine(mo, g->key, g->klen, &io) < 0)
		return -1;
	for (size_t k = 0; k < mo->scratch.n; k++) {
		const struct kv *rec = &mo->scratch.recs[k];

		if (ifile_writer_add(w, g->key, g->klen, kv_val(&mo->scratch, rec),
				     rec->vlen) < 0)
			return -1;
	}
	return 0;
}

/* Write one key's values, summed by the built-in combiner. */
static int write_group_sum(struct mapout *mo, struct mgroup *g, struct ifile_writer *w)
{
	uint64_t total = 0, v;
	const char *val;
	uint32_t vlen;
	char buf[24], *num;
	int rc;

	while ((rc = mgroup_next_value(g, &val, &vlen)) > 0) {
		if (parse_sum_value(mo, g->key, g->klen, val, vlen, &v) < 0)
			return -1;
		if (v > UINT64_MAX - total)
			return sum_overflow(mo, g->key, g->klen);
		total += v;
		mo->combine_in++;
	}
	if (rc < 0)
		return -1;
	mo->combines++;
	mo->combine_out++;
	num = format_u64(buf, total);
	return ifile_writer_add(w, g->key, g->klen, num, (uint32_t)(buf + 24 - num));
}

/* Write partition r of the view as the run to be published at `path`, into `set`. */
static int write_view(struct mapout *mo, unsigned r, const char *path, struct afile_set *set)
{
	struct ifile_writer w;
	const char *key;
	char kbuf[16], buf[24], *num;
	uint32_t klen;
	uint64_t sum;
	size_t k = 0;

	if (ifile_writer_open(&w, path) < 0)
		return -1;
	while (view_next(mo, r, &k, &key, &klen, kbuf, &sum)) {
		num = format_u64(buf, sum);
		if (ifile_writer_add(&w, key, klen, num, (size_t)(buf + 24 - num)) < 0) {
			ifile_writer_abort(&w);
			return -1;
		}
		mo->combine_out++;
	}
	return ifile_writer_finish_into(&w, set);
}

int mapout_write(struct mapout *mo, unsigned r, const char *path, struct afile_set *set)
{
	struct ifile_writer w;
	struct merger m;
	int rc = -1;

	if (mo->use_view)
		return write_view(mo, r, path, set);
	/*
	 * Nothing spilled and no key twice (no combiner, or a single drain):
	 * the sorted buffer is the run, written without a merge.
	 */
	if (mo->nspills == 0 && !((mo->use_ctab || mo->use_sum) && mo->drains > 1)) {
		if (ifile_writer_open(&w, path) < 0)
			return -1;
		if (write_buffer(&mo->parts[r], &w) < 0) {
			ifile_writer_abort(&w);
			return -1;
		}
		return ifile_writer_finish_into(&w, set);
	}
	if (mapout_merger(mo, r, &m) < 0)
		goto out_merger;
	if (ifile_writer_open(&w, path) < 0)
		goto out_merger;
	/*
	 * With a combiner, a key may come from several spills and from several
	 * drains of the combine table: combine it once more on the way out.
	 * After a single drain and no spill every key is there once already.
	 */
	if ((mo->use_ctab || mo->use_sum) && (mo->nspills > 0 || mo->drains > 1)) {
		struct mgroup g;
		int more;

		mgroup_init(&g, &m);
		while ((more = mgroup_next_key(&g)) > 0)
			if ((mo->use_sum ? write_group_sum(mo, &g, &w)
					 : write_group(mo, &g, &w)) < 0)
				break;
		mgroup_release(&g);
		if (more != 0)
			goto out_writer;
	} else if (merger_copy(&m, &w) < 0) {
		goto out_writer;
	}
	rc = ifile_writer_finish_into(&w, set);
	goto out_merger;
out_writer:
	ifile_writer_abort(&w);
out_merger:
	merger_release(&m);
	return rc;
}
