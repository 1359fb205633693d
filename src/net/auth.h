/*
 * auth.h - mutual authentication and message integrity for TCP peers,
 * without I/O: the caller moves the bytes (a non-blocking loop in the
 * coordinator, blocking calls in net/channel.h), this module only builds
 * and checks them.  All cryptography is OpenSSL's libcrypto (HMAC-SHA256,
 * HKDF, RAND_bytes, CRYPTO_memcmp); nothing is written by hand.
 *
 * Handshake (client = the side that connected), K = the shared secret:
 *   1. client -> server  HELLO      "MRA1" u32 version, Nc (32 random bytes)
 *   2. server -> client  CHALLENGE  "MRA1" u32 version, Ns (32 random bytes),
 *                                   HMAC(K, "mr server" Nc Ns)
 *   3. client -> server  PROOF      HMAC(K, "mr client" Nc Ns)
 * Each side checks the other's HMAC (constant-time compare) before it
 * trusts anything; the labels stop a proof being reflected back.  Both
 * then derive two session keys with HKDF-SHA256(K, salt Nc Ns, info
 * "mr c2s" / "mr s2c"), one per direction, so no message can be sent
 * back to its sender either.  A replayed handshake fails at step 3: the
 * server's nonce is new every time.
 *
 * Frames (every message after the handshake, both directions):
 *   u32 length (big-endian) | payload (length bytes) | MAC (32 bytes)
 *   MAC = HMAC-SHA256(direction key, u64 sequence (big-endian) | u32 length | payload)
 * Sequence numbers count frames per direction from 0 and are not sent:
 * a replayed, dropped, reordered, truncated or altered frame fails its
 * MAC, and the caller drops the connection.  Payloads are at most
 * AUTH_MAX_PAYLOAD bytes; each user sets its own lower limit.
 * Confidentiality is out of scope: payloads travel in clear.
 *
 * Errors: functions return 0 / -1 and print nothing (the caller knows the
 * peer's address and decides how to log); auth_why() says what failed.
 * Not thread-safe per object; distinct objects may be used by distinct
 * threads.
 */
#ifndef MR_AUTH_H
#define MR_AUTH_H

#include "net/secret.h"

#include <stddef.h>
#include <stdint.h>

#define AUTH_NONCE_LEN 32
#define AUTH_MAC_LEN 32
#define AUTH_HELLO_LEN (8 + AUTH_NONCE_LEN)
#define AUTH_CHALLENGE_LEN (8 + AUTH_NONCE_LEN + AUTH_MAC_LEN)
#define AUTH_PROOF_LEN AUTH_MAC_LEN
#define AUTH_HEADER_LEN 4
#define AUTH_MAX_PAYLOAD (64u << 20)
/* Bytes a frame of payload length n takes on the wire. */
#define AUTH_FRAME_LEN(n) (AUTH_HEADER_LEN + (size_t)(n) + AUTH_MAC_LEN)

/* A handshake in progress (either side). */
struct auth_hs {
	const struct secret *secret;     /* borrowed */
	int server;
	unsigned char nc[AUTH_NONCE_LEN], ns[AUTH_NONCE_LEN];
	const char *why;                 /* static text: what failed */
};

/* An authenticated connection's keys and counters. */
struct auth_session {
	unsigned char send_key[32], recv_key[32];
	uint64_t send_seq, recv_seq;
	const char *why;
};

/*
 * A handshake object is used once: a failed call, and either *_finish
 * (success or not), end it - its nonces are wiped (auth_why_hs still
 * answers) and every later call on it fails.  So a PROOF cannot be tried
 * twice against one CHALLENGE.
 */

/* Client: start, writing HELLO into out.  0, or -1 (no random bytes). */
int auth_client_hello(struct auth_hs *hs, const struct secret *k,
		      unsigned char out[AUTH_HELLO_LEN]);
/*
 * Server: check a HELLO and write the CHALLENGE.  0, or -1 when the
 * HELLO is not ours (bad magic or version).
 */
int auth_server_challenge(struct auth_hs *hs, const struct secret *k,
			  const unsigned char hello[AUTH_HELLO_LEN],
			  unsigned char out[AUTH_CHALLENGE_LEN]);
/*
 * Client: check the server's CHALLENGE, write our PROOF and set up the
 * session.  -1 when the server does not know the secret (or is not ours).
 */
int auth_client_finish(struct auth_hs *hs, const unsigned char challenge[AUTH_CHALLENGE_LEN],
		       unsigned char proof[AUTH_PROOF_LEN], struct auth_session *s);
/* Server: check the client's PROOF and set up the session.  -1 when wrong. */
int auth_server_finish(struct auth_hs *hs, const unsigned char proof[AUTH_PROOF_LEN],
		       struct auth_session *s);
/* Wipe a handshake's or a session's secrets (OPENSSL_cleanse). */
void auth_hs_clear(struct auth_hs *hs);
void auth_session_clear(struct auth_session *s);

/*
 * Seal `len` bytes of payload into out[0 .. AUTH_FRAME_LEN(len)) with the
 * next send sequence number.  `payload` may already sit at
 * out + AUTH_HEADER_LEN (no copy then), or overlap out anywhere else (it
 * is moved).  0, or -1 when len is above AUTH_MAX_PAYLOAD (out untouched,
 * no sequence number used).
 */
int auth_seal(struct auth_session *s, const void *payload, size_t len, unsigned char *out);

/*
 * The payload length a frame header announces: 0 and *len, or -1 when it
 * is above `max` (the caller's limit, at most AUTH_MAX_PAYLOAD).
 */
int auth_frame_length(const unsigned char hdr[AUTH_HEADER_LEN], size_t max, size_t *len);

/*
 * Check a whole received frame (header, payload, MAC: AUTH_FRAME_LEN(len)
 * bytes at `frame`) against the next receive sequence number.  0 (the
 * payload is at frame + AUTH_HEADER_LEN; the sequence number advances), or
 * -1 when the header does not announce `len` or the MAC is wrong; the
 * sequence number then stays, but the caller drops the connection.
 */
int auth_open(struct auth_session *s, const unsigned char *frame, size_t len);

/* What the last failed call on hs / s found wrong (static text; "no error"). */
const char *auth_why_hs(const struct auth_hs *hs);
const char *auth_why(const struct auth_session *s);

#endif
