/*
 * jrec.h - the records of the coordinator's job journal (mr-journal): their
 * types and payloads.  The file format around them (framing, checksums,
 * torn tails) is coordinator/journal.h's; this module only turns records
 * into bytes and back.
 *
 * A journal holds, in order:
 *   SPEC     the job: its id, nreduce, split size, option flags, a digest of
 *            its --param pairs, how many inputs;
 *   OUTPUT   the job's --output directory, as given (only with --output);
 *   INPUT    one per input, in the order of the job's expanded input list
 *            (common/inputs.h): name, size, mtime;
 *   START    one per coordinator run over the journal (the first, and one
 *            per --recover): its incarnation number and wall-clock time;
 *   DONE     a task finished: kind, id, attempt, the fetch address of the
 *            worker holding a map's runs on a TCP job ("" when they are in
 *            the job directory), the sizes of its published files (a map in
 *            the job directory: mr-M-0 .. mr-M-(nreduce-1), or none when
 *            nreduce is large; a reduce: mr-out-R; a map held by a worker:
 *            none) and its counters;
 *   RERUN    a finished map's output was lost and the map runs again;
 *   END      the job finished (written only with --keep-journal).
 *
 * Payload integers are little-endian (common/bytes.h); a string is a u32
 * length and its bytes (no NUL).  A payload that does not decode as its
 * type says (too short, a count or length past its end, bytes left over)
 * is refused, never half-read.
 *
 * Encoding appends to a caller-owned `struct jbuf` (grown with x*
 * allocations, which die on out-of-memory).  Decoding borrows: strings and
 * arrays in a decoded record point into the payload (strings are NOT
 * NUL-terminated: use the length) or into storage the record owns, freed
 * by the matching *_release.  Pure: no I/O, no log lines.
 */
#ifndef MR_JREC_H
#define MR_JREC_H

#include <stddef.h>
#include <stdint.h>

enum jrec_type {
	JREC_SPEC = 1,
	JREC_INPUT = 2,
	JREC_START = 3,
	JREC_DONE = 4,
	JREC_RERUN = 5,
	JREC_END = 6,
	JREC_OUTPUT = 7,
};

/* SPEC flags: the options that change a job's output. */
#define JREC_SKIP_BAD_RECORDS 1u

/* A growing byte buffer. */
struct jbuf {
	unsigned char *p;
	size_t len, cap;
};

/* A string inside a payload: not NUL-terminated. */
struct jstr {
	const char *s;
	uint32_t len;
};

struct jrec_spec {
	uint64_t job_id;         /* random, chosen when the job started */
	uint32_t nreduce;
	uint64_t split_size;
	uint32_t flags;          /* JREC_* */
	uint32_t ninputs;
	uint64_t params_hash;    /* of the job's --param pairs (params_hash): 0 for none */
};

struct jrec_input {
	struct jstr name;
	int64_t size;
	int64_t mtime_ns;        /* st_mtim as nanoseconds since the epoch */
};

struct jrec_start {
	uint32_t incarnation;    /* 0 for the first run, then 1, 2, ... */
	int64_t time_ms;         /* wall clock */
};

/* Task kinds in DONE records. */
#define JREC_MAP 0
#define JREC_REDUCE 1

struct jrec_counter {
	struct jstr name;
	int64_t value;
};

struct jrec_done {
	uint32_t kind;           /* JREC_MAP or JREC_REDUCE */
	uint32_t id;
	uint64_t attempt;
	struct jstr holder;      /* fetch address, or empty */
	uint32_t nsizes;
	int64_t *sizes;          /* decoded: malloc'd (nsizes); -1 = no such file */
	uint32_t ncounters;
	struct jrec_counter *counters; /* decoded: malloc'd (ncounters) */
};

struct jrec_rerun {
	uint32_t map;
	uint32_t why;            /* enum lost_reason (coordinator/tasks.h) */
};

struct jrec_end {
	uint32_t status;         /* 0: done */
};

void jbuf_reset(struct jbuf *b);
void jbuf_release(struct jbuf *b);

/* Encoders: append the payload to b (after jbuf_reset for one record). */
void jrec_put_spec(struct jbuf *b, const struct jrec_spec *r);
void jrec_put_input(struct jbuf *b, const char *name, int64_t size, int64_t mtime_ns);
void jrec_put_start(struct jbuf *b, const struct jrec_start *r);
/* DONE; the holder is a C string, counter names C strings. */
void jrec_put_done(struct jbuf *b, uint32_t kind, uint32_t id, uint64_t attempt,
		   const char *holder, const int64_t *sizes, uint32_t nsizes,
		   const char *const *cnames, const int64_t *cvalues, uint32_t ncounters);
void jrec_put_rerun(struct jbuf *b, const struct jrec_rerun *r);
void jrec_put_end(struct jbuf *b, const struct jrec_end *r);
/* OUTPUT: the --output directory, a C string. */
void jrec_put_output(struct jbuf *b, const char *dir);

/* Decoders: 0, or -1 when the payload is not a record of that type. */
int jrec_get_spec(const void *p, size_t len, struct jrec_spec *r);
int jrec_get_input(const void *p, size_t len, struct jrec_input *r);
int jrec_get_start(const void *p, size_t len, struct jrec_start *r);
/* On success r->sizes and r->counters are malloc'd: jrec_done_release. */
int jrec_get_done(const void *p, size_t len, struct jrec_done *r);
void jrec_done_release(struct jrec_done *r);
int jrec_get_rerun(const void *p, size_t len, struct jrec_rerun *r);
int jrec_get_end(const void *p, size_t len, struct jrec_end *r);
int jrec_get_output(const void *p, size_t len, struct jstr *dir);

/* "spec", "input", ... or "unknown". */
const char *jrec_type_name(uint32_t type);

/* 1 when the string equals the C string s. */
int jstr_eq(struct jstr a, const char *s);

#endif
