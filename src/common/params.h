/*
 * params.h - job parameters: `--param KEY=VALUE` on mrcoordinator and
 * mrsequential, carried to workers in every assignment and read by plugins
 * with mr_param() (src/apps/mapreduce.h).
 *
 * Rules (also in the README and proto/mr.x):
 *   - a key is 1 to PARAMS_MAX_KEY bytes of [A-Za-z0-9_.-];
 *   - a value is 0 to PARAMS_MAX_VALUE bytes, any byte but NUL (it comes
 *     from a command line, and a plugin reads it as a C string);
 *   - at most PARAMS_MAX of them; a key given twice is a usage error.
 * A set is kept sorted by key (bytewise), so two sets with the same pairs
 * are equal whatever order they were given in (params_hash).
 *
 * A set owns its strings.  Not thread-safe; nothing hidden.
 */
#ifndef MR_PARAMS_H
#define MR_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#define PARAMS_MAX 64
#define PARAMS_MAX_KEY 64
#define PARAMS_MAX_VALUE 4096

struct param {
	char *key;      /* malloc'd, terminated */
	char *value;    /* malloc'd, terminated (no NUL inside) */
	size_t vlen;
};

struct params {
	struct param *v; /* n entries sorted by key; malloc'd */
	size_t n, cap;
};

void params_init(struct params *ps);
void params_release(struct params *ps);
/* Drop every pair; keep the memory for the next set. */
void params_clear(struct params *ps);

/*
 * Add KEY=VALUE (a command-line argument).  Returns 0, or -1 after
 * printing what is wrong with it (naming `arg` and the rule broken).
 */
int params_add_arg(struct params *ps, const char *arg);

/*
 * Add one pair of `klen` + `vlen` bytes (from the wire: not terminated).
 * Same rules and failure as params_add_arg.
 */
int params_add(struct params *ps, const char *key, size_t klen,
	       const char *value, size_t vlen);

/* The value of `key` (terminated, borrowed until the set changes), or NULL. */
const char *params_get(const struct params *ps, const char *key);

/* Whether both sets hold the same pairs. */
int params_equal(const struct params *a, const struct params *b);

/* A 64-bit digest of the pairs (the journal keeps it): 0 for an empty set. */
uint64_t params_hash(const struct params *ps);

#endif
