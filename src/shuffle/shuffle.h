/*
 * shuffle.h - what the shuffle needs to know of the job it serves: how
 * keys are spread over partitions, and how a key's values are combined.
 *
 * The shuffle (src/shuffle/, libshuffle.a) knows nothing of plugins or
 * their ABI: whoever runs it (src/runner/runner.c, or a test) fills in a
 * struct shuffle_ops.  The shuffle copies the struct; `arg` and `name` are
 * borrowed for as long as it is used.
 */
#ifndef MR_SHUFFLE_H
#define MR_SHUFFLE_H

#include <stddef.h>

/*
 * A partition rule: which of `nparts` partitions `key` (klen bytes) belongs
 * to.  Any number will do: shuffle_partition() folds it into range.  It
 * must be a pure function of its arguments, since the shuffle may keep its
 * answers from task to task (sumview.h) for as long as the rule is the
 * same function.
 */
typedef unsigned (*shuffle_partition_fn)(const char *key, size_t klen, unsigned nparts);

enum shuffle_combiner {
	SHUFFLE_COMBINE_NONE,  /* pairs go through as emitted */
	SHUFFLE_COMBINE_SUM,   /* built in: values are decimal counts below 2^64, summed */
	SHUFFLE_COMBINE_USER,  /* shuffle_ops.combine */
};

/*
 * One key's values on their way through a combine, and where its output
 * goes; only the shuffle makes one (mapout.c), for the duration of a
 * combine call.
 */
struct combine_io;

/*
 * The next value of the key being combined: 1 and *val, *vlen (valid until
 * the next call, followed by a '\0' that is not counted), 0 after the
 * last, -1 on a read error (printed).
 */
int combine_io_next(struct combine_io *io, const char **val, size_t *vlen);
/*
 * Up to `max` (>= 1) next values at once: n >= 1 with vals[0..n) and
 * vlens[0..n) set, 0 after the last, -1 on a read error (printed).  The
 * values are valid until the next combine_io_next or combine_io_next_many
 * call; fewer than `max` does not mean the last ones.
 */
int combine_io_next_many(struct combine_io *io, const char **vals, size_t *vlens, size_t max);
/* Emit a value for the key being combined (copied).  0, or -1 (printed). */
int combine_io_emit(struct combine_io *io, const char *val, size_t vlen);

struct shuffle_ops {
	/* Required when there is more than one partition. */
	shuffle_partition_fn partition;
	enum shuffle_combiner combiner;
	/*
	 * SHUFFLE_COMBINE_USER: combine the values of `key` (klen bytes,
	 * followed by a '\0'), read through `io`, into values (usually one)
	 * emitted through `io`.  Called any number of times per key: on the
	 * values of a full block, of a table being drained, of a merge.
	 * Returns 0, or -1 after printing why.  When an io call failed, the
	 * shuffle has printed that already and the call only has to fail.
	 */
	int (*combine)(void *arg, const char *key, size_t klen, struct combine_io *io);
	void *arg;           /* passed to combine */
	const char *name;    /* the plugin path, for messages ("... plugin NAME ...") */
};

/* Whose fault a failed shuffle call was (see mapout.h). */
enum shuffle_fault {
	SHUFFLE_FAULT_ENGINE,  /* I/O, a record too large, a damaged run */
	SHUFFLE_FAULT_OPS,     /* the combine failed, or a value broke the combiner's rule */
};

/* The partition of `key` by `rule`, folded into [0, nparts). */
static inline unsigned shuffle_partition(shuffle_partition_fn rule, const char *key,
					 size_t klen, unsigned nparts)
{
	unsigned r = rule(key, klen, nparts);

	return r < nparts ? r : r % nparts;
}

#endif
