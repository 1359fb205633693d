/* params.c - see params.h. */
#include "common/params.h"

#include "common/log.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

void params_init(struct params *ps)
{
	memset(ps, 0, sizeof(*ps));
}

void params_clear(struct params *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->v[i].key);
		free(ps->v[i].value);
	}
	ps->n = 0;
}

void params_release(struct params *ps)
{
	params_clear(ps);
	free(ps->v);
	params_init(ps);
}

static int key_ok(const char *key, size_t klen)
{
	if (klen == 0 || klen > PARAMS_MAX_KEY)
		return 0;
	for (size_t i = 0; i < klen; i++) {
		unsigned char c = (unsigned char)key[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

/* Where `key` is, or where it would go (*found says which). */
static size_t find(const struct params *ps, const char *key, size_t klen, int *found)
{
	size_t lo = 0, hi = ps->n;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *k = ps->v[mid].key;
		size_t kl = strlen(k);
		int c = memcmp(k, key, kl < klen ? kl : klen);

		if (c == 0)
			c = kl < klen ? -1 : kl > klen ? 1 : 0;
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int params_add(struct params *ps, const char *key, size_t klen,
	       const char *value, size_t vlen)
{
	size_t at;
	int found;

	if (!key_ok(key, klen))
		return error("parameter key '%.*s' is not 1 to %d bytes of [A-Za-z0-9_.-]",
			     klen > 80 ? 80 : (int)klen, key, PARAMS_MAX_KEY);
	if (vlen > PARAMS_MAX_VALUE)
		return error("parameter '%.*s': value of %zu bytes is longer than %d",
			     (int)klen, key, vlen, PARAMS_MAX_VALUE);
	if (memchr(value, '\0', vlen))
		return error("parameter '%.*s': value holds a NUL byte", (int)klen, key);
	at = find(ps, key, klen, &found);
	if (found)
		return error("parameter '%.*s' given twice", (int)klen, key);
	if (ps->n >= PARAMS_MAX)
		return error("more than %d parameters", PARAMS_MAX);
	xgrow((void **)&ps->v, &ps->cap, ps->n + 1, sizeof(*ps->v));
	memmove(ps->v + at + 1, ps->v + at, (ps->n - at) * sizeof(*ps->v));
	ps->v[at].key = xstrndup(key, klen);
	ps->v[at].value = xstrndup(value, vlen);
	ps->v[at].vlen = vlen;
	ps->n++;
	return 0;
}

int params_add_arg(struct params *ps, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (!eq)
		return error("--param '%.80s': expected KEY=VALUE", arg);
	return params_add(ps, arg, (size_t)(eq - arg), eq + 1, strlen(eq + 1));
}

const char *params_get(const struct params *ps, const char *key)
{
	int found;
	size_t at;

	if (!key)
		return NULL;
	at = find(ps, key, strlen(key), &found);
	return found ? ps->v[at].value : NULL;
}

int params_equal(const struct params *a, const struct params *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].key, b->v[i].key) != 0 || a->v[i].vlen != b->v[i].vlen ||
		    memcmp(a->v[i].value, b->v[i].value, a->v[i].vlen) != 0)
			return 0;
	return 1;
}

uint64_t params_hash(const struct params *ps)
{
	XXH3_state_t *st;
	uint64_t h;

	if (ps->n == 0)
		return 0;
	st = XXH3_createState();
	if (!st)
		die("out of memory");
	XXH3_64bits_reset(st);
	for (size_t i = 0; i < ps->n; i++) {
		/* Key and value each end in a NUL: neither holds one. */
		XXH3_64bits_update(st, ps->v[i].key, strlen(ps->v[i].key) + 1);
		XXH3_64bits_update(st, ps->v[i].value, ps->v[i].vlen + 1);
	}
	h = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	return h ? h : 1;
}
