/*
 * journal.h - an append-only file of length-framed, checksummed records
 * (the storage layer of the coordinator's job journal, issue 12).
 *
 * File format, every integer little-endian:
 *
 *   header  "MRJRNL\r\n" (8 bytes) | u32 version (1) | u32 zero      16 bytes
 *   record  u32 length | u32 type | payload (length bytes)
 *           | u64 XXH3-64 of (length, type, payload)             16 + length
 *
 * length is at most JOURNAL_MAX_PAYLOAD.  Types are the caller's; the
 * journal gives them no meaning.
 *
 * Durability (group commit, as redis AOF and SQLite WAL): journal_append
 * only buffers; journal_sync writes every buffered record with one write
 * and makes them durable with one fdatasync.  A record is durable only once
 * a journal_sync that followed its append has returned 0.  A new file is
 * created with mode 0600, its header synced and its directory fsynced, so
 * the file itself survives a crash.
 *
 * Room ahead: a batch that would grow the file first fills it with zeros
 * up to the next 64 KiB boundary past one more 64 KiB, in the same write and
 * sync; later batches overwrite zeros, so their fdatasync has no file size
 * to commit (on ext4 an append's sync commits the file system's journal,
 * which in ordered mode writes out every other file's new data too).
 * journal_close cuts what is left of the room.
 *
 * Tails (as LevelDB's log reader): the first bad record ends the readable
 * journal; nothing at or after it is ever returned.  It is
 *  - a CLEAN end when everything from it to the end of the file is zero
 *    bytes (the room made ahead, or a record never written: a file system
 *    that extended the file but never wrote the data);
 *  - TORN when it is the last thing in the file: it claims to run up to or
 *    past the end of the file, or only zero bytes follow its claimed end
 *    (a write killed midway, in the room or at the end);
 *  - CORRUPT otherwise: a bad checksum, or a length above the maximum,
 *    with more non-zero data after it.  A bit flip in a record's length
 *    that makes it run past the end looks like a torn tail; nothing can
 *    tell the two apart.
 * Opening for append cuts a torn tail (so new records follow the last good
 * one) and refuses a corrupt journal unless the caller asks for the cut
 * (JOURNAL_CUT_CORRUPT): for instance because it knows the unsynced last
 * batch may have reached the disk out of order.
 *
 * Fault points (common/faults.h), matched on the journal's base name
 * ("mr-journal"): write and fsync, once each for a new file's header and
 * for every journal_sync that has records to write (its one write and its
 * one fdatasync); a fault fails the call as the system call would.
 *
 * Errors: every function that can fail prints one message naming the path
 * (and errno's text when it comes from a system call) and returns -1.
 * Out-of-memory dies, as every x* allocation.  Called from one thread;
 * journal_sync_start's batch is written by a thread of the journal's own
 * (syncer.h), which touches nothing else.  No hidden state outside the
 * structs.  journal_open takes an exclusive flock(2) on
 * the file, held until journal_close: a second journal_open of the same
 * file (in any process) fails, saying so.  Readers take no lock.
 */
#ifndef MR_JOURNAL_H
#define MR_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#define JOURNAL_VERSION 1
#define JOURNAL_HEADER_SIZE 16
#define JOURNAL_RECORD_OVERHEAD 16               /* length, type, checksum */
#define JOURNAL_MAX_PAYLOAD (16u * 1024 * 1024)  /* 16 MiB */

enum journal_tail {
	JOURNAL_CLEAN,    /* the file ends right after the last good record */
	JOURNAL_TORN,     /* an incomplete last record (see above) */
	JOURNAL_CORRUPT,  /* a bad record with more data after it */
};

/* What journal_open found in an existing file (all zero for a new one). */
struct journal_scan {
	uint64_t records;         /* good records kept */
	uint64_t end;             /* offset where appends start */
	enum journal_tail tail;   /* what was after the last good record */
	uint64_t dropped;         /* bytes cut from `end` to the old end of file */
	int created;              /* 1: the file was new (or a torn header) */
};

/* Flags of journal_open. */
#define JOURNAL_CUT_CORRUPT 1   /* cut a CORRUPT tail as well as a TORN one */

struct journal;
struct journal_reader;

/*
 * Open `path` for appending.  A missing or empty file, or one holding only
 * a prefix of the header (killed while being created), is (re)created with
 * a fresh header.  An existing one is scanned: a bad magic or version is
 * refused; a torn tail is cut (ftruncate + fsync) and reported as a warning
 * line; a corrupt one is refused ("corrupt at offset N") unless `flags` has
 * JOURNAL_CUT_CORRUPT.  `scan` (may be NULL) receives what was found.
 * On success *jp is a journal the caller closes with journal_close.
 */
int journal_open(struct journal **jp, const char *path, int flags,
		 struct journal_scan *scan);

/* 1 when some process holds `path` open with journal_open (its lock), else 0. */
int journal_in_use(const char *path);

/*
 * Buffer one record; `payload` (may be NULL when len is 0) is copied.  No
 * system call.  -1 (with a message) when len > JOURNAL_MAX_PAYLOAD, and -1
 * with errno EIO but no message once the journal has failed (see below).
 */
int journal_append(struct journal *j, uint32_t type, const void *payload, size_t len);

/*
 * Write every buffered record and fdatasync once.  0 when all records
 * appended so far are durable (0 at once when there is nothing new).  On a
 * write or sync error: one message with the path and errno, -1, and the
 * journal is failed for good: appends and syncs return -1 from then on
 * (after a failed fsync, the kernel may have dropped the dirty pages: a
 * retry could report success for data that is gone).  What reached the
 * file may end in a torn record, which the next journal_open cuts.
 */
int journal_sync(struct journal *j);

/*
 * Group commit off the caller's thread (coordinator/syncer.h): start
 * writing and syncing every buffered record in the background, as one
 * batch; appends go on into a fresh buffer meanwhile.  0 started (or
 * nothing buffered: nothing started), 1 a batch is in flight already
 * (one at a time), -1 the journal has failed (or the thread could not
 * start: reported).  The batch is durable once journal_sync_reap says 0.
 * journal_sync and journal_close wait for a batch in flight first.
 */
int journal_sync_start(struct journal *j);
/* The batch in flight has ended when this fd polls readable. */
int journal_sync_fd(const struct journal *j);
/* 1 while a batch is in flight (started, not reaped). */
int journal_sync_busy(const struct journal *j);
/*
 * The batch's outcome: 1 still in flight (wait 0 only), 0 durable (or no
 * batch), -1 the write or sync failed (reported, as journal_sync's; the
 * journal has failed for good).  `wait`: block until it ends.
 */
int journal_sync_reap(struct journal *j, int wait);

/* 1 when the journal has failed (a write or sync error), else 0. */
int journal_failed(const struct journal *j);
/* Records buffered and not yet written by journal_sync. */
size_t journal_pending(const struct journal *j);

/*
 * journal_sync, then close the file and free the journal.  0, or -1 when
 * the final sync failed or had failed before (already reported) or close
 * failed.  NULL is a no-op.  The journal is freed either way.
 */
int journal_close(struct journal *j);

/*
 * Read a journal from the start.  -1 (with a message) when `path` cannot be
 * opened or its header has a bad magic or version.  A file shorter than
 * the header whose bytes are a prefix of it reads as empty with a TORN tail.
 */
int journal_read_open(struct journal_reader **rp, const char *path);

/*
 * The next good record: 1, with *type, *payload and *len set; the payload
 * lives in the reader and is valid until the next call or
 * journal_read_close.  0 at the end: the clean end of the file or a bad
 * record (journal_read_tail says which); it prints nothing, the caller
 * decides.  -1 on an I/O error (printed).  After 0 or -1 it keeps
 * returning the same.
 */
int journal_next(struct journal_reader *r, uint32_t *type, const void **payload,
		 size_t *len);

/*
 * How the records ended, once journal_next has returned 0: CLEAN, TORN or
 * CORRUPT; *offset (may be NULL) is the offset of the bad record (the file
 * size when CLEAN) and *why (may be NULL) a static phrase: "checksum
 * mismatch", "length above the maximum", "record runs past the end of the
 * file", "zero bytes to the end of the file" or "" when CLEAN.
 */
enum journal_tail journal_read_tail(const struct journal_reader *r, uint64_t *offset,
				    const char **why);
/* Good records returned so far. */
uint64_t journal_read_count(const struct journal_reader *r);

/* Close and free; NULL is a no-op. */
void journal_read_close(struct journal_reader *r);

#endif
