/* fetchmsg.c - see fetchmsg.h. */
#include "net/fetchmsg.h"

#include "common/bytes.h"

#include <string.h>

#define MAGIC "MRF1"

void fetch_encode_request(unsigned char out[FETCH_REQUEST_LEN], int map_id, int reduce_id)
{
	memcpy(out, MAGIC, 4);
	put_be32(out + 4, (uint32_t)map_id);
	put_be32(out + 8, (uint32_t)reduce_id);
}

int fetch_decode_request(const unsigned char *p, size_t len, int *map_id, int *reduce_id)
{
	uint32_t m, r;

	if (len != FETCH_REQUEST_LEN || memcmp(p, MAGIC, 4) != 0)
		return -1;
	m = get_be32(p + 4);
	r = get_be32(p + 8);
	if (m > INT32_MAX || r > INT32_MAX)
		return -1;
	*map_id = (int)m;
	*reduce_id = (int)r;
	return 0;
}

void fetch_encode_answer(unsigned char out[FETCH_ANSWER_LEN], enum fetch_status st,
			 uint64_t size)
{
	memcpy(out, MAGIC, 4);
	put_be32(out + 4, (uint32_t)st);
	put_be64(out + 8, size);
}

int fetch_decode_answer(const unsigned char *p, size_t len, enum fetch_status *st,
			uint64_t *size)
{
	uint32_t s;

	if (len != FETCH_ANSWER_LEN || memcmp(p, MAGIC, 4) != 0)
		return -1;
	s = get_be32(p + 4);
	if (s > FETCH_ERROR)
		return -1;
	*st = (enum fetch_status)s;
	*size = get_be64(p + 8);
	return 0;
}
