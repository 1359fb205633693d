/*
 * indexer.c - inverted index.
 *
 * Map emits (word, file) once for every distinct word of the file (words as
 * in words.h).  Reduce sorts the key's files bytewise, drops duplicates and
 * emits (word, "N file1,file2,...") where N is the number of files.
 */
#define MR_APP "indexer"

#include "applib.h"
#include "mapreduce.h"
#include "words.h"

MR_PLUGIN_ABI;

/*
 * The distinct words of one input: an open-addressing hash set of strings
 * borrowed from the map's data.  An empty slot has p == NULL.
 */
struct word_slot {
	const char *p;
	size_t len;
};

struct word_set {
	struct word_slot *slots;
	size_t cap;	/* a power of two, or 0 */
	size_t n;
};

static void word_set_release(struct word_set *set)
{
	free(set->slots);
	set->slots = NULL;
	set->cap = set->n = 0;
}

/* The slot holding p[0..len), or the empty slot where it belongs. */
static struct word_slot *word_set_find(struct word_slot *slots, size_t cap,
				       const char *p, size_t len)
{
	size_t i = mr_fnv1a32(p, len) & (cap - 1);

	while (slots[i].p &&
	       (slots[i].len != len || memcmp(slots[i].p, p, len) != 0))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

/* Double the table (or create it) and rehash. */
static int word_set_grow(struct word_set *set)
{
	size_t ncap = set->cap ? set->cap * 2 : 1024, i;
	struct word_slot *nslots;

	if (ncap > SIZE_MAX / sizeof(*nslots) || ncap < set->cap)
		return app_error("out of memory");
	nslots = calloc(ncap, sizeof(*nslots));
	if (!nslots)
		return app_error("out of memory");
	for (i = 0; i < set->cap; i++)
		if (set->slots[i].p)
			*word_set_find(nslots, ncap, set->slots[i].p,
				       set->slots[i].len) = set->slots[i];
	free(set->slots);
	set->slots = nslots;
	set->cap = ncap;
	return 0;
}

/* Add p[0..len) (borrowed) unless it is already there. */
static int word_set_add(struct word_set *set, const char *p, size_t len)
{
	struct word_slot *slot;

	/* Keep the load at most one half. */
	if (set->n + 1 > set->cap / 2 && word_set_grow(set) < 0)
		return -1;
	slot = word_set_find(set->slots, set->cap, p, len);
	if (!slot->p) {
		slot->p = p;
		slot->len = len;
		set->n++;
	}
	return 0;
}

MR_EXPORT int mr_map(struct mr_ctx *ctx, const char *file, const char *data,
		     size_t len)
{
	struct word_set set = { NULL, 0, 0 };
	size_t flen = strlen(file), wlen, i;
	const char *word;
	struct words w;
	int ret = -1;

	words_init(&w, data, len);
	while (words_next(&w, &word, &wlen))
		if (word_set_add(&set, word, wlen) < 0)
			goto out;
	for (i = 0; i < set.cap; i++)
		if (set.slots[i].p &&
		    app_emit(ctx, set.slots[i].p, set.slots[i].len,
			     file, flen) < 0)
			goto out;
	ret = 0;
out:
	word_set_release(&set);
	return ret;
}

/*
 * Per-record map, for --skip-bad-records: a line is mapped like a whole
 * input of one line (the line is not NUL-terminated; nothing here needs it).
 */
MR_EXPORT int mr_map_record(struct mr_ctx *ctx, const char *file, int64_t offset,
			    const char *line, size_t len)
{
	(void)offset;
	return mr_map(ctx, file, line, len);
}

MR_EXPORT int mr_reduce(struct mr_ctx *ctx, const char *key, size_t klen)
{
	struct vlist docs = VLIST_INIT;
	char *line = NULL, count[24];
	size_t llen = 0;
	int clen, ret = -1;

	if (vlist_collect(&docs, ctx) < 0)
		goto out;
	vlist_sort(&docs);
	vlist_uniq(&docs);
	clen = snprintf(count, sizeof(count), "%zu ", docs.n);
	if (vlist_join(&docs, count, (size_t)clen, ',', &line, &llen) < 0)
		goto out;
	ret = app_emit(ctx, key, klen, line, llen);
out:
	free(line);
	vlist_release(&docs);
	return ret;
}
