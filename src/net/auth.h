/*
 * auth.h - mutual authentication and message integrity for TCP peers,
 * without I/O: the caller moves the bytes (a non-blocking loop in the
 * coordinator, blocking calls in net/channel.h), this module only builds
 * and checks them.  All cryptography is OpenSSL's libcrypto (HMAC-SHA256,
 * HKDF, AES-256-GCM, RAND_bytes, CRYPTO_memcmp); nothing is written by hand.
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
 * server's nonce is new every time.  (HMAC is HMAC-SHA256 throughout.)
 *
 * Frames (every message after the handshake, both directions):
 *   u32 length (big-endian) | payload (length bytes) | tag (16 bytes)
 *   tag = GMAC(direction key, IV = 0000 | u64 sequence (big-endian),
 *              u32 length | payload)
 * GMAC is AES-256-GCM used as a MAC: header and payload are its
 * additional authenticated data, nothing is encrypted, and the tag is
 * GCM's 16-byte tag (AUTH_TAG_LEN).  The IV is 12 bytes: 4 zero bytes,
 * then the frame's sequence number.  Sequence numbers count frames per
 * direction from 0 and are not sent: a replayed, dropped, reordered,
 * truncated or altered frame fails its tag, and the caller drops the
 * connection.  Payloads are at most AUTH_MAX_PAYLOAD bytes; each user
 * sets its own lower limit.  Confidentiality is out of scope: payloads
 * travel in clear.
 *
 * Why GMAC and not HMAC-SHA256 for frames: speed.  With AES-NI and
 * PCLMULQDQ, libcrypto's GMAC runs at 5 GB/s and more where SHA-256
 * manages 1.5 GB/s (this machine, 1 MiB frames, one side: about 7
 * against 1.5 GB/s); HMAC held a 1 GB shuffle over TCP to about 1 GB/s.
 * GMAC is only safe while (key, IV) never repeats: one repeat gives away
 * the hash key and lets anyone forge tags under that key.  Here it cannot
 * repeat: each direction of each connection has a key of its own (HKDF
 * over both sides' fresh nonces, so never the key of another connection
 * or of the other direction), and within a direction the IV is the
 * sequence number, which only goes up - auth_seal uses each number once,
 * and refuses to wrap (2^64 - 1 frames: never in practice).  This is the
 * deterministic IV construction of NIST SP 800-38D, 8.2.1.
 *
 * Errors: functions return 0 / -1 and print nothing (the caller knows the
 * peer's address and decides how to log); auth_why() says what failed.
 * Not thread-safe per object; distinct objects may be used by distinct
 * threads.
 */
#ifndef MR_AUTH_H
#define MR_AUTH_H

#include "net/secret.h"

#include <openssl/types.h>
#include <stddef.h>
#include <stdint.h>

#define AUTH_NONCE_LEN 32
#define AUTH_MAC_LEN 32                  /* the handshake's HMAC-SHA256 proofs */
#define AUTH_TAG_LEN 16                  /* a frame's GMAC tag */
#define AUTH_HELLO_LEN (8 + AUTH_NONCE_LEN)
#define AUTH_CHALLENGE_LEN (8 + AUTH_NONCE_LEN + AUTH_MAC_LEN)
#define AUTH_PROOF_LEN AUTH_MAC_LEN
#define AUTH_HEADER_LEN 4
#define AUTH_MAX_PAYLOAD (64u << 20)
/* Bytes a frame of payload length n takes on the wire. */
#define AUTH_FRAME_LEN(n) (AUTH_HEADER_LEN + (size_t)(n) + AUTH_TAG_LEN)

/* A handshake in progress (either side). */
struct auth_hs {
	const struct secret *secret;     /* borrowed */
	int server;
	unsigned char nc[AUTH_NONCE_LEN], ns[AUTH_NONCE_LEN];
	const char *why;                 /* static text: what failed */
};

/*
 * An authenticated connection's keys, counters and, per direction, an
 * AES-256-GCM context already keyed with that direction's key, so that a
 * frame neither fetches an algorithm nor allocates.  The handshake makes
 * the contexts; auth_session_clear frees them.  A session may also be
 * built by hand (zeroed, then keys and sequence numbers set, contexts
 * NULL): its contexts are made on first use, so it must be cleared too.
 * A session owns its contexts: never copy one by value (the copies would
 * share them, and the second clear would free them twice).
 */
struct auth_session {
	unsigned char send_key[32], recv_key[32];
	uint64_t send_seq, recv_seq;
	EVP_CIPHER_CTX *send_gcm, *recv_gcm;   /* owned; NULL until made */
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
 * session.  -1 when the server does not know the secret (or is not ours),
 * or libcrypto fails.  *s is overwritten: pass a zeroed or cleared
 * session, never a live one (its contexts would leak); a failure
 * allocates nothing in it.
 */
int auth_client_finish(struct auth_hs *hs, const unsigned char challenge[AUTH_CHALLENGE_LEN],
		       unsigned char proof[AUTH_PROOF_LEN], struct auth_session *s);
/*
 * Server: check the client's PROOF and set up the session (*s as for the
 * client).  -1 when wrong, or libcrypto fails.
 */
int auth_server_finish(struct auth_hs *hs, const unsigned char proof[AUTH_PROOF_LEN],
		       struct auth_session *s);
/*
 * Wipe a handshake's or a session's secrets (OPENSSL_cleanse); a
 * session's contexts are freed (libcrypto wipes their key schedules).
 * The session must be zeroed, cleared or set up: not uninitialised.
 */
void auth_hs_clear(struct auth_hs *hs);
void auth_session_clear(struct auth_session *s);

/*
 * Seal `len` bytes of payload into out[0 .. AUTH_FRAME_LEN(len)) with the
 * next send sequence number.  `payload` may already sit at
 * out + AUTH_HEADER_LEN (no copy then), or overlap out anywhere else (it
 * is moved).  0, or -1 when len is above AUTH_MAX_PAYLOAD, the sequence
 * numbers are used up or libcrypto fails making the context (out
 * untouched, no sequence number used in each case), or when libcrypto
 * fails computing the tag (no sequence number used).
 */
int auth_seal(struct auth_session *s, const void *payload, size_t len, unsigned char *out);

/*
 * The payload length a frame header announces: 0 and *len, or -1 when it
 * is above `max` (the caller's limit, at most AUTH_MAX_PAYLOAD).
 */
int auth_frame_length(const unsigned char hdr[AUTH_HEADER_LEN], size_t max, size_t *len);

/*
 * Check a whole received frame (header, payload, tag: AUTH_FRAME_LEN(len)
 * bytes at `frame`) against the next receive sequence number; the tag is
 * compared in constant time (CRYPTO_memcmp).  0 (the payload is at
 * frame + AUTH_HEADER_LEN; the sequence number advances), or -1 when the
 * header does not announce `len`, the tag is wrong or libcrypto fails;
 * the sequence number then stays, but the caller drops the connection.
 */
int auth_open(struct auth_session *s, const unsigned char *frame, size_t len);

/* What the last failed call on hs / s found wrong (static text; "no error"). */
const char *auth_why_hs(const struct auth_hs *hs);
const char *auth_why(const struct auth_session *s);

#endif
