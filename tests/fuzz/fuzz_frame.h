/*
 * fuzz_frame.h - what fuzz_frame.c and the seed writer (gen_seeds.c) must
 * agree on: the selector byte that starts every input, the payload limit,
 * and the fixed session the frames are sealed and opened with (the same
 * key both ways, sequence numbers from 0), so that the seeds hold frames
 * that really open.  The session is built by hand: auth.c makes its
 * AES-256-GCM contexts on first use, so auth_session_clear it after.
 */
#ifndef MR_FUZZ_FRAME_H
#define MR_FUZZ_FRAME_H

#include "net/auth.h"

#include <string.h>

/* The first input byte, modulo FRAME_SEL_COUNT, says what the rest is. */
enum { FRAME_SEL_STREAM, FRAME_SEL_HANDSHAKE, FRAME_SEL_SEAL, FRAME_SEL_FETCH, FRAME_SEL_COUNT };

/* The receiver's limit on a frame's payload. */
#define FRAME_FUZZ_MAX 4096

static inline void frame_fuzz_session(struct auth_session *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < 32; i++) {
		s->send_key[i] = (unsigned char)(0x5a ^ (i * 7));
		s->recv_key[i] = (unsigned char)(0x5a ^ (i * 7));
	}
}

#endif
