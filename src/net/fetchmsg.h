/*
 * fetchmsg.h - the messages of the fetch service, through which a worker
 * serves the map output it holds to the reduces that need it (TCP jobs).
 *
 * Each message is the payload of one authenticated frame (net/auth.h);
 * all integers big-endian:
 *   request   "MRF1" u32 map_id, u32 reduce_id              (FETCH_REQUEST_LEN)
 *   answer    "MRF1" u32 status, u64 size                   (FETCH_ANSWER_LEN)
 *   data      `size` bytes of the run mr-M-R, in frames of at most
 *             FETCH_CHUNK bytes, following an answer with status FETCH_OK
 * A connection carries any number of request/answer exchanges, one at a
 * time.  Status FETCH_MISSING means the server does not hold that run
 * (authoritative: the map must run again); FETCH_ERROR that it holds it
 * but could not read it.
 *
 * Pure functions over buffers: no I/O, nothing printed.
 */
#ifndef MR_FETCHMSG_H
#define MR_FETCHMSG_H

#include <stddef.h>
#include <stdint.h>

#define FETCH_REQUEST_LEN 12
#define FETCH_ANSWER_LEN 16
#define FETCH_CHUNK (1u << 20)

enum fetch_status { FETCH_OK = 0, FETCH_MISSING = 1, FETCH_ERROR = 2 };

void fetch_encode_request(unsigned char out[FETCH_REQUEST_LEN], int map_id, int reduce_id);
/* 0 and the ids (both >= 0), or -1 when `p` is not a request. */
int fetch_decode_request(const unsigned char *p, size_t len, int *map_id, int *reduce_id);

void fetch_encode_answer(unsigned char out[FETCH_ANSWER_LEN], enum fetch_status st,
			 uint64_t size);
/* 0 with the status and size, or -1 when `p` is not an answer. */
int fetch_decode_answer(const unsigned char *p, size_t len, enum fetch_status *st,
			uint64_t *size);

#endif
