/*
 * fuzz_frame.c - libFuzzer target: the TCP framing and handshake of
 * net/auth.h, what the coordinator and the fetch service run over bytes
 * from anyone who connects.
 *
 * The first input byte (modulo FRAME_SEL_COUNT, fuzz_frame.h) picks what
 * the rest is:
 *   0  a byte stream of frames, read the way a receiver reads them with
 *      the fixed session of fuzz_frame.h: the header (auth_frame_length,
 *      limit FRAME_FUZZ_MAX), then the whole frame (auth_open) from a
 *      buffer of exactly its size, until the bytes run out or a frame is
 *      refused (the connection would be dropped there).  A header is
 *      refused exactly when it announces more than the limit; a frame
 *      opens exactly when it is, byte for byte, what auth_seal makes of
 *      its payload at that sequence number; an opened frame never opens a
 *      second time, nor with another length; a refusal leaves the
 *      sequence number alone.
 *   1  the handshake: the input's first AUTH_HELLO_LEN bytes as a HELLO
 *      and the next AUTH_PROOF_LEN as the PROOF, to a server; the HELLO is
 *      taken exactly when it has our magic and version, and no PROOF made
 *      without the server's fresh nonce is accepted.  The input's first
 *      AUTH_CHALLENGE_LEN bytes are refused as a CHALLENGE by a client.
 *      Then a real client and server shake hands, and the rest of the
 *      input travels both ways over their sessions.
 *   2  a payload, sealed (from a copy and in place, the same frame) and
 *      opened; the frame with one byte changed (where the input says) is
 *      refused, and so is the genuine frame a second time.
 *   3  the fetch service's messages (net/fetchmsg.h), what a worker's
 *      fetch service decodes from any authenticated peer and a reduce
 *      from a fetch service: the rest as a request and as an answer; a
 *      request is taken exactly when it is 12 bytes with our magic and
 *      both ids fit an int, and whatever decodes encodes back to the same
 *      bytes.
 */
#include "net/auth.h"
#include "net/fetchmsg.h"
#include "fuzz.h"
#include "fuzz_frame.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static unsigned char fuzz_key[40] = "the fuzzer's secret, at least 32 bytes..";
static const struct secret fuzz_secret = { fuzz_key, sizeof(fuzz_key) };

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static unsigned char *copy(const uint8_t *d, size_t n)
{
	unsigned char *p = malloc(n ? n : 1);

	CHECK(p != NULL);
	memcpy(p, d, n);
	return p;
}

/* One frame of a stream: 1 when it opened (and the stream goes on), else 0. */
static int stream_frame(struct auth_session *rx, const uint8_t *d, size_t len)
{
	struct auth_session tx;
	unsigned char *frame = copy(d, AUTH_FRAME_LEN(len));
	unsigned char *want = malloc(AUTH_FRAME_LEN(len));
	uint64_t seq = rx->recv_seq;
	int genuine, rc;

	CHECK(want != NULL);
	frame_fuzz_session(&tx);
	tx.send_seq = seq;
	CHECK(auth_seal(&tx, frame + AUTH_HEADER_LEN, len, want) == 0);
	genuine = memcmp(want, frame, AUTH_FRAME_LEN(len)) == 0;
	/* a length other than the header's is refused, whatever the MAC */
	if (len > 0)
		CHECK(auth_open(rx, frame, len - 1) == -1);
	rc = auth_open(rx, frame, len);
	CHECK(rc == (genuine ? 0 : -1));
	if (rc == 0) {
		CHECK(rx->recv_seq == seq + 1);
		CHECK(memcmp(frame, d, AUTH_FRAME_LEN(len)) == 0);
		CHECK(auth_open(rx, frame, len) == -1);
		CHECK(rx->recv_seq == seq + 1);
	} else {
		CHECK(rx->recv_seq == seq);
	}
	auth_session_clear(&tx);
	free(want);
	free(frame);
	return rc == 0;
}

static void stream(const uint8_t *d, size_t n)
{
	struct auth_session rx;

	frame_fuzz_session(&rx);
	while (n >= AUTH_HEADER_LEN) {
		unsigned char *hdr = copy(d, AUTH_HEADER_LEN);
		size_t len = SIZE_MAX;
		int rc = auth_frame_length(hdr, FRAME_FUZZ_MAX, &len);

		free(hdr);
		CHECK(rc == (be32(d) > FRAME_FUZZ_MAX ? -1 : 0));
		if (rc < 0)
			break;
		CHECK(len == be32(d));
		if (n < AUTH_FRAME_LEN(len) || !stream_frame(&rx, d, len))
			break;
		d += AUTH_FRAME_LEN(len);
		n -= AUTH_FRAME_LEN(len);
	}
	auth_session_clear(&rx);
}

/* Every piece of d sent from a to b opens there intact. */
static void carry(struct auth_session *a, struct auth_session *b, const uint8_t *d, size_t n)
{
	while (n > 0) {
		size_t len = n < 1000 ? n : 1000;
		unsigned char *frame = malloc(AUTH_FRAME_LEN(len));

		CHECK(frame != NULL);
		CHECK(auth_seal(a, d, len, frame) == 0);
		CHECK(auth_open(b, frame, len) == 0);
		CHECK(memcmp(frame + AUTH_HEADER_LEN, d, len) == 0);
		free(frame);
		d += len;
		n -= len;
	}
}

/* The input as HELLO + PROOF to a server, and as CHALLENGE to a client. */
static void hostile_handshake(const uint8_t *d, size_t n)
{
	unsigned char chal[AUTH_CHALLENGE_LEN], proof[AUTH_PROOF_LEN], hello[AUTH_HELLO_LEN];
	unsigned char *in = copy(d, n);
	int ours = n >= 8 && memcmp(d, "MRA1\0\0\0\1", 8) == 0;
	struct auth_session ss;
	struct auth_hs s, c;

	memset(proof, 0, sizeof(proof));
	if (n >= AUTH_HELLO_LEN) {
		int rc = auth_server_challenge(&s, &fuzz_secret, in, chal);

		CHECK(rc == (ours ? 0 : -1));
		if (rc == 0 && n >= AUTH_HELLO_LEN + AUTH_PROOF_LEN)
			CHECK(auth_server_finish(&s, in + AUTH_HELLO_LEN, &ss) == -1);
		CHECK(auth_server_finish(&s, proof, &ss) == -1);
		auth_hs_clear(&s);
	}
	if (n >= AUTH_CHALLENGE_LEN) {
		CHECK(auth_client_hello(&c, &fuzz_secret, hello) == 0);
		CHECK(auth_client_finish(&c, in, proof, &ss) == -1);
		auth_hs_clear(&c);
	}
	free(in);
}

static void handshake(const uint8_t *d, size_t n)
{
	unsigned char chal[AUTH_CHALLENGE_LEN], proof[AUTH_PROOF_LEN], hello[AUTH_HELLO_LEN];
	size_t skip = AUTH_HELLO_LEN + AUTH_PROOF_LEN;
	struct auth_session cs, ss;
	struct auth_hs s, c;

	hostile_handshake(d, n);
	CHECK(auth_client_hello(&c, &fuzz_secret, hello) == 0);
	CHECK(auth_server_challenge(&s, &fuzz_secret, hello, chal) == 0);
	CHECK(auth_client_finish(&c, chal, proof, &cs) == 0);
	CHECK(auth_server_finish(&s, proof, &ss) == 0);
	if (n > skip) {
		carry(&cs, &ss, d + skip, n - skip);
		carry(&ss, &cs, d + skip, n - skip);
	}
	auth_session_clear(&cs);
	auth_session_clear(&ss);
}

static void seal(const uint8_t *d, size_t n)
{
	struct auth_session tx, tx2, rx;
	unsigned char *frame, *inplace, *bad;
	size_t flen, pos;

	if (n > FRAME_FUZZ_MAX)
		n = FRAME_FUZZ_MAX;
	flen = AUTH_FRAME_LEN(n);
	frame = malloc(flen);
	inplace = malloc(flen);
	CHECK(frame && inplace);
	frame_fuzz_session(&tx);
	frame_fuzz_session(&tx2);
	frame_fuzz_session(&rx);
	CHECK(auth_seal(&tx, d, n, frame) == 0);
	CHECK(be32(frame) == n && memcmp(frame + AUTH_HEADER_LEN, d, n) == 0);
	memcpy(inplace + AUTH_HEADER_LEN, d, n);
	CHECK(auth_seal(&tx2, inplace + AUTH_HEADER_LEN, n, inplace) == 0);
	CHECK(memcmp(frame, inplace, flen) == 0);
	bad = copy(frame, flen);
	pos = n >= 2 ? ((size_t)d[0] << 8 | d[1]) % flen : n ? d[0] % flen : 0;
	bad[pos] ^= (unsigned char)((n ? d[n - 1] : 0) | 1);
	CHECK(auth_open(&rx, bad, n) == -1);
	CHECK(auth_open(&rx, frame, n) == 0);
	CHECK(auth_open(&rx, inplace, n) == -1);
	auth_session_clear(&tx);
	auth_session_clear(&tx2);
	auth_session_clear(&rx);
	free(bad);
	free(inplace);
	free(frame);
}

/* Selector 3: fetch requests and answers from arbitrary bytes. */
static void fetch_messages(const uint8_t *d, size_t n)
{
	unsigned char again[FETCH_ANSWER_LEN];
	enum fetch_status st;
	uint64_t size;
	int m, r;

	if (fetch_decode_request(d, n, &m, &r) == 0) {
		CHECK(n == FETCH_REQUEST_LEN && m >= 0 && r >= 0);
		fetch_encode_request(again, m, r);
		CHECK(memcmp(again, d, FETCH_REQUEST_LEN) == 0);
	} else {
		CHECK(n != FETCH_REQUEST_LEN || memcmp(d, "MRF1", 4) != 0 || d[4] >= 0x80 ||
		      d[8] >= 0x80);
	}
	if (fetch_decode_answer(d, n, &st, &size) == 0) {
		CHECK(n == FETCH_ANSWER_LEN && st <= FETCH_ERROR);
		fetch_encode_answer(again, st, size);
		CHECK(memcmp(again, d, FETCH_ANSWER_LEN) == 0);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % FRAME_SEL_COUNT) {
	case FRAME_SEL_STREAM:
		stream(data + 1, size - 1);
		break;
	case FRAME_SEL_HANDSHAKE:
		handshake(data + 1, size - 1);
		break;
	case FRAME_SEL_FETCH:
		fetch_messages(data + 1, size - 1);
		break;
	default:
		seal(data + 1, size - 1);
		break;
	}
	return 0;
}
