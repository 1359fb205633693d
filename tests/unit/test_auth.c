/*
 * test_auth.c - unit tests of src/net/auth.c: the handshake and the MAC
 * framing.  The wire format of auth.h is checked against libcrypto called
 * another way (one-shot HMAC(), EVP_PKEY HKDF, one-shot EVP_Q_mac "GMAC"
 * where auth.c drives an AES-256-GCM EVP_CIPHER_CTX), so the header's
 * formulas are what goes on the wire.
 */
#include "unit.h"

#include "net/auth.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

static unsigned char key_a[48] = "the shared secret of job A, 48 bytes long......";
static unsigned char key_b[48] = "the shared secret of job B, 48 bytes long......";
static const struct secret secret_a = { key_a, sizeof(key_a) };
static const struct secret secret_b = { key_b, sizeof(key_b) };

/* The whole handshake; sessions of client and server.  0, or -1 at the step that failed. */
struct hs_result {
	int step;                    /* 0 ok, 2 client refused CHALLENGE, 3 server refused PROOF */
	unsigned char hello[AUTH_HELLO_LEN], chal[AUTH_CHALLENGE_LEN], proof[AUTH_PROOF_LEN];
	struct auth_hs c, s;
	struct auth_session cs, ss;
};

static void handshake(const struct secret *kc, const struct secret *ks, struct hs_result *r)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(auth_client_hello(&r->c, kc, r->hello), 0);
	assert_int_equal(auth_server_challenge(&r->s, ks, r->hello, r->chal), 0);
	if (auth_client_finish(&r->c, r->chal, r->proof, &r->cs) < 0) {
		r->step = 2;
		return;
	}
	if (auth_server_finish(&r->s, r->proof, &r->ss) < 0) {
		r->step = 3;
		return;
	}
}

/* HMAC-SHA256(key, a | b | c) by the one-shot API. */
static void ref_hmac(const void *key, size_t klen, const void *a, size_t alen,
		     const void *b, size_t blen, const void *c, size_t clen,
		     unsigned char out[AUTH_MAC_LEN])
{
	unsigned char msg[4096];
	unsigned int outlen = 0;

	assert_true(alen + blen + clen <= sizeof(msg));
	memcpy(msg, a, alen);
	memcpy(msg + alen, b, blen);
	memcpy(msg + alen + blen, c, clen);
	assert_non_null(HMAC(EVP_sha256(), key, (int)klen, msg, alen + blen + clen, out, &outlen));
	assert_int_equal(outlen, AUTH_MAC_LEN);
}

/*
 * A frame's tag as auth.h defines it, by the one-shot EVP_MAC API: GMAC
 * (AES-256-GCM) under key, IV 0000 | u64 seq (big-endian), over
 * frame[0 .. AUTH_HEADER_LEN + len).
 */
static void ref_gmac(const unsigned char key[32], uint64_t seq, const unsigned char *frame,
		     size_t len, unsigned char out[AUTH_TAG_LEN])
{
	unsigned char iv[12] = { 0 };
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_IV, iv, sizeof(iv)),
		OSSL_PARAM_construct_end(),
	};
	size_t outlen = 0;

	for (int i = 0; i < 8; i++)
		iv[4 + i] = (unsigned char)(seq >> (56 - 8 * i));
	assert_non_null(EVP_Q_mac(NULL, "GMAC", NULL, "AES-256-GCM", params, key, 32, frame,
				  AUTH_HEADER_LEN + len, out, AUTH_TAG_LEN, &outlen));
	assert_int_equal(outlen, AUTH_TAG_LEN);
}

/* HKDF-SHA256 by the EVP_PKEY API. */
static void ref_hkdf(const struct secret *k, const unsigned char *nc, const unsigned char *ns,
		     const char *info, unsigned char out[32])
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
	unsigned char salt[2 * AUTH_NONCE_LEN];
	size_t outlen = 32;

	memcpy(salt, nc, AUTH_NONCE_LEN);
	memcpy(salt + AUTH_NONCE_LEN, ns, AUTH_NONCE_LEN);
	assert_non_null(ctx);
	assert_true(EVP_PKEY_derive_init(ctx) > 0);
	assert_true(EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) > 0);
	assert_true(EVP_PKEY_CTX_set1_hkdf_salt(ctx, salt, sizeof(salt)) > 0);
	assert_true(EVP_PKEY_CTX_set1_hkdf_key(ctx, k->key, (int)k->len) > 0);
	assert_true(EVP_PKEY_CTX_add1_hkdf_info(ctx, (const unsigned char *)info,
						(int)strlen(info)) > 0);
	assert_true(EVP_PKEY_derive(ctx, out, &outlen) > 0);
	assert_int_equal(outlen, 32);
	EVP_PKEY_CTX_free(ctx);
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static int is_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i])
			return 0;
	return 1;
}

/* Seal `text` (a string) into frame[] with s; its payload length. */
static size_t seal_text(struct auth_session *s, const char *text, unsigned char *frame)
{
	size_t n = strlen(text);

	assert_int_equal(auth_seal(s, text, n, frame), 0);
	return n;
}

/* The next frame from `from` opens on `to`, with its payload intact. */
static void round_trip(struct auth_session *from, struct auth_session *to, const char *text)
{
	unsigned char frame[AUTH_FRAME_LEN(256)];
	size_t n = seal_text(from, text, frame), len = 0;

	assert_int_equal(auth_frame_length(frame, 256, &len), 0);
	assert_int_equal(len, n);
	if (auth_open(to, frame, n) != 0)
		unit_fail("frame \"%s\" did not open: %s", text, auth_why(to));
	assert_memory_equal(frame + AUTH_HEADER_LEN, text, n);
}

/* Both ways, several frames each, interleaved; sequence numbers advance. */
static void test_handshake_both_ways(void **state)
{
	struct hs_result r;

	(void)state;
	handshake(&secret_a, &secret_a, &r);
	if (r.step)
		unit_fail("handshake failed at step %d: %s / %s", r.step, auth_why_hs(&r.c),
			  auth_why_hs(&r.s));
	/* two directions, two distinct keys, mirrored on each side */
	assert_memory_equal(r.cs.send_key, r.ss.recv_key, 32);
	assert_memory_equal(r.cs.recv_key, r.ss.send_key, 32);
	assert_memory_not_equal(r.cs.send_key, r.cs.recv_key, 32);
	/* the contexts are made by the handshake, not by the first frame */
	assert_non_null(r.cs.send_gcm);
	assert_non_null(r.cs.recv_gcm);
	assert_non_null(r.ss.send_gcm);
	assert_non_null(r.ss.recv_gcm);
	round_trip(&r.cs, &r.ss, "mr_ask 1");
	round_trip(&r.ss, &r.cs, "map pg-being_ernest.txt");
	round_trip(&r.cs, &r.ss, "mr_report ok");
	round_trip(&r.cs, &r.ss, "");
	round_trip(&r.ss, &r.cs, "exit");
	assert_int_equal(r.cs.send_seq, 3);
	assert_int_equal(r.ss.recv_seq, 3);
	assert_int_equal(r.ss.send_seq, 2);
	assert_int_equal(r.cs.recv_seq, 2);
	/* a fresh handshake gives fresh keys */
	{
		struct hs_result r2;

		handshake(&secret_a, &secret_a, &r2);
		assert_int_equal(r2.step, 0);
		assert_memory_not_equal(r.cs.send_key, r2.cs.send_key, 32);
		auth_session_clear(&r2.cs);
		auth_session_clear(&r2.ss);
	}
	auth_session_clear(&r.cs);
	assert_true(is_zero(r.cs.send_key, 32) && is_zero(r.cs.recv_key, 32));
	assert_null(r.cs.send_gcm);
	assert_null(r.cs.recv_gcm);
	auth_session_clear(&r.ss);
	/* clearing twice is harmless */
	auth_session_clear(&r.ss);
}

/* The bytes on the wire are those auth.h describes. */
static void test_wire_format(void **state)
{
	static const char *const text[] = { "hello", "hello", "",
		"a longer payload, of more than one AES block and not a multiple of 16 bytes" };
	unsigned char want[AUTH_MAC_LEN], frame[AUTH_FRAME_LEN(128)];
	const unsigned char *nc, *ns;
	struct hs_result r;

	(void)state;
	handshake(&secret_a, &secret_a, &r);
	assert_int_equal(r.step, 0);
	nc = r.hello + 8;
	ns = r.chal + 8;
	assert_memory_equal(r.hello, "MRA1\0\0\0\1", 8);
	assert_memory_equal(r.chal, "MRA1\0\0\0\1", 8);
	assert_memory_not_equal(nc, ns, AUTH_NONCE_LEN);
	ref_hmac(key_a, sizeof(key_a), "mr server", 9, nc, AUTH_NONCE_LEN, ns, AUTH_NONCE_LEN, want);
	assert_memory_equal(r.chal + 8 + AUTH_NONCE_LEN, want, AUTH_MAC_LEN);
	ref_hmac(key_a, sizeof(key_a), "mr client", 9, nc, AUTH_NONCE_LEN, ns, AUTH_NONCE_LEN, want);
	assert_memory_equal(r.proof, want, AUTH_MAC_LEN);
	ref_hkdf(&secret_a, nc, ns, "mr c2s", want);
	assert_memory_equal(r.cs.send_key, want, 32);
	ref_hkdf(&secret_a, nc, ns, "mr s2c", want);
	assert_memory_equal(r.cs.recv_key, want, 32);

	/* u32 length | payload | 16-byte tag */
	assert_int_equal(AUTH_TAG_LEN, 16);
	assert_int_equal(AUTH_FRAME_LEN(5), 4 + 5 + 16);
	assert_int_equal(auth_seal(&r.cs, "hello", 5, frame), 0);
	assert_memory_equal(frame, "\0\0\0\5hello", 9);
	ref_gmac(r.ss.recv_key, 0, frame, 5, want);
	assert_memory_equal(frame + 9, want, AUTH_TAG_LEN);
	assert_int_equal(auth_open(&r.ss, frame, 5), 0);
	/* frames 1 .. 3 from the client (the same payload again, empty, longer) */
	for (size_t i = 1; i < sizeof(text) / sizeof(text[0]); i++) {
		size_t n = strlen(text[i]);

		assert_int_equal(auth_seal(&r.cs, text[i], n, frame), 0);
		put_be32(want, (uint32_t)n);
		assert_memory_equal(frame, want, AUTH_HEADER_LEN);
		assert_memory_equal(frame + AUTH_HEADER_LEN, text[i], n);
		ref_gmac(r.ss.recv_key, i, frame, n, want);
		assert_memory_equal(frame + AUTH_HEADER_LEN + n, want, AUTH_TAG_LEN);
		assert_int_equal(auth_open(&r.ss, frame, n), 0);
	}
	/* and the server's frame 0, under the other key */
	assert_int_equal(auth_seal(&r.ss, "hello", 5, frame), 0);
	ref_gmac(r.cs.recv_key, 0, frame, 5, want);
	assert_memory_equal(frame + 9, want, AUTH_TAG_LEN);
	auth_session_clear(&r.cs);
	auth_session_clear(&r.ss);
}

/*
 * A session built by hand (as the fuzz targets do): its contexts are made
 * on first use, the IV's sequence number is big-endian in its last 8
 * bytes, and a clear frees the contexts.
 */
static void test_session_by_hand(void **state)
{
	unsigned char frame[AUTH_FRAME_LEN(16)], want[AUTH_TAG_LEN];
	struct auth_session tx, rx;
	const uint64_t seq = 0x0102030405060708ull;

	(void)state;
	memset(&tx, 0, sizeof(tx));
	memset(&rx, 0, sizeof(rx));
	for (int i = 0; i < 32; i++)
		tx.send_key[i] = rx.recv_key[i] = (unsigned char)(i * 37 + 11);
	tx.send_seq = rx.recv_seq = seq;
	assert_int_equal(auth_seal(&tx, "by hand", 7, frame), 0);
	assert_non_null(tx.send_gcm);
	assert_null(tx.recv_gcm);
	assert_int_equal(tx.send_seq, seq + 1);
	ref_gmac(tx.send_key, seq, frame, 7, want);
	assert_memory_equal(frame + AUTH_HEADER_LEN + 7, want, AUTH_TAG_LEN);
	/* one number off either way: refused */
	rx.recv_seq = seq + 1;
	assert_int_equal(auth_open(&rx, frame, 7), -1);
	assert_non_null(rx.recv_gcm);
	rx.recv_seq = seq - 1;
	assert_int_equal(auth_open(&rx, frame, 7), -1);
	rx.recv_seq = seq;
	assert_int_equal(auth_open(&rx, frame, 7), 0);
	assert_int_equal(rx.recv_seq, seq + 1);
	/* a second session with the same key and number seals the same frame */
	{
		unsigned char again[AUTH_FRAME_LEN(16)];
		struct auth_session tx2;

		memset(&tx2, 0, sizeof(tx2));
		memcpy(tx2.send_key, tx.send_key, 32);
		tx2.send_seq = seq;
		assert_int_equal(auth_seal(&tx2, "by hand", 7, again), 0);
		assert_memory_equal(again, frame, AUTH_FRAME_LEN(7));
		auth_session_clear(&tx2);
	}
	auth_session_clear(&tx);
	auth_session_clear(&rx);
	assert_null(tx.send_gcm);
	assert_null(rx.recv_gcm);
}

/* Client with secret A, server with secret B: the client refuses the CHALLENGE. */
static void test_wrong_key_server(void **state)
{
	struct hs_result r;

	(void)state;
	handshake(&secret_a, &secret_b, &r);
	assert_int_equal(r.step, 2);
	assert_non_null(strstr(auth_why_hs(&r.c), "server's proof is wrong"));
	/* the client wrote no session keys and ended its handshake */
	assert_true(is_zero(r.cs.send_key, 32) && is_zero(r.cs.recv_key, 32));
	assert_null(r.c.secret);
	auth_hs_clear(&r.s);
	assert_null(r.s.secret);
}

/*
 * A client that does not know the secret cannot finish: a PROOF made with
 * secret B (or of all zeros, or the server's own MAC reflected back) is
 * refused at step 3, and the server writes no session.
 */
static void test_wrong_key_client(void **state)
{
	unsigned char hello[AUTH_HELLO_LEN], chal[AUTH_CHALLENGE_LEN], proof[AUTH_PROOF_LEN];
	struct auth_session ss;
	struct auth_hs c, s;

	(void)state;
	for (int how = 0; how < 4; how++) {
		assert_int_equal(auth_client_hello(&c, &secret_b, hello), 0);
		assert_int_equal(auth_server_challenge(&s, &secret_a, hello, chal), 0);
		/* the client cannot check the CHALLENGE with B: it refuses it */
		assert_int_equal(auth_client_finish(&c, chal, proof, &ss), -1);
		if (how == 0)
			ref_hmac(key_b, sizeof(key_b), "mr client", 9, s.nc, AUTH_NONCE_LEN, s.ns,
				 AUTH_NONCE_LEN, proof);
		else if (how == 1)
			memset(proof, 0, sizeof(proof));
		else if (how == 2)
			memcpy(proof, chal + 8 + AUTH_NONCE_LEN, AUTH_PROOF_LEN);
		else /* the right proof: the way the test builds it is sound */
			ref_hmac(key_a, sizeof(key_a), "mr client", 9, s.nc, AUTH_NONCE_LEN, s.ns,
				 AUTH_NONCE_LEN, proof);
		memset(&ss, 0, sizeof(ss));
		if (how < 3) {
			assert_int_equal(auth_server_finish(&s, proof, &ss), -1);
			assert_non_null(strstr(auth_why_hs(&s), "client's proof is wrong"));
			assert_true(is_zero(ss.send_key, 32) && is_zero(ss.recv_key, 32));
		} else {
			assert_int_equal(auth_server_finish(&s, proof, &ss), 0);
			auth_session_clear(&ss);
		}
		/* either way the handshake is over: no second try */
		assert_int_equal(auth_server_finish(&s, proof, &ss), -1);
		auth_hs_clear(&c);
		auth_hs_clear(&s);
	}
}

/* HELLO or CHALLENGE with a bad magic or version: refused before any MAC. */
static void test_not_ours(void **state)
{
	unsigned char hello[AUTH_HELLO_LEN], chal[AUTH_CHALLENGE_LEN], proof[AUTH_PROOF_LEN];
	struct auth_session cs;
	struct auth_hs c, s;

	(void)state;
	assert_int_equal(auth_client_hello(&c, &secret_a, hello), 0);
	hello[0] = 'G';
	assert_int_equal(auth_server_challenge(&s, &secret_a, hello, chal), -1);
	assert_non_null(strstr(auth_why_hs(&s), "bad magic"));
	assert_int_equal(auth_server_finish(&s, proof, &cs), -1);
	hello[0] = 'M';
	hello[7] = 2;
	assert_int_equal(auth_server_challenge(&s, &secret_a, hello, chal), -1);
	assert_non_null(strstr(auth_why_hs(&s), "version"));
	hello[7] = 1;
	assert_int_equal(auth_server_challenge(&s, &secret_a, hello, chal), 0);
	memcpy(chal, "HTTP", 4);
	assert_int_equal(auth_client_finish(&c, chal, proof, &cs), -1);
	assert_non_null(strstr(auth_why_hs(&c), "bad magic"));
	auth_hs_clear(&s);
}

/* Every single-bit change anywhere in a frame is caught. */
static void test_flipped_bits(void **state)
{
	unsigned char frame[AUTH_FRAME_LEN(10)], bad[sizeof(frame)];
	struct hs_result r;
	size_t n, len;

	(void)state;
	handshake(&secret_a, &secret_a, &r);
	assert_int_equal(r.step, 0);
	n = seal_text(&r.cs, "0123456789", frame);
	for (size_t bit = 0; bit < 8 * sizeof(frame); bit++) {
		memcpy(bad, frame, sizeof(frame));
		bad[bit / 8] ^= (unsigned char)(1u << bit % 8);
		/* a changed header may announce another length: both must fail */
		if (auth_open(&r.ss, bad, n) == 0)
			unit_fail("a flipped bit %zu (byte %zu) went unnoticed", bit, bit / 8);
		if (auth_frame_length(bad, sizeof(frame), &len) == 0 &&
		    AUTH_FRAME_LEN(len) <= sizeof(bad) && auth_open(&r.ss, bad, len) == 0)
			unit_fail("a flipped header bit %zu went unnoticed", bit);
		assert_int_equal(r.ss.recv_seq, 0); /* a failure does not advance */
	}
	assert_non_null(strstr(auth_why(&r.ss), "bad MAC"));
	assert_int_equal(auth_open(&r.ss, frame, n), 0);
	auth_session_clear(&r.cs);
	auth_session_clear(&r.ss);
}

/* A frame opened once does not open again; frames out of order do not open. */
static void test_replay_and_reorder(void **state)
{
	unsigned char f0[AUTH_FRAME_LEN(16)], f1[AUTH_FRAME_LEN(16)], f2[AUTH_FRAME_LEN(16)];
	struct hs_result r;
	size_t n0, n1, n2;

	(void)state;
	handshake(&secret_a, &secret_a, &r);
	assert_int_equal(r.step, 0);
	n0 = seal_text(&r.cs, "call 0", f0);
	n1 = seal_text(&r.cs, "call 1", f1);
	n2 = seal_text(&r.cs, "call 2", f2);
	assert_int_equal(auth_open(&r.ss, f0, n0), 0);
	/* replayed: the same frame, same sequence number, again */
	assert_int_equal(auth_open(&r.ss, f0, n0), -1);
	/* reordered (or f1 dropped): f2 where f1 is due */
	assert_int_equal(auth_open(&r.ss, f2, n2), -1);
	assert_int_equal(auth_open(&r.ss, f1, n1), 0);
	assert_int_equal(auth_open(&r.ss, f1, n1), -1);
	assert_int_equal(auth_open(&r.ss, f2, n2), 0);
	/* reflected: the client's own frame back at the client */
	n0 = seal_text(&r.cs, "call 3", f0);
	assert_int_equal(auth_open(&r.cs, f0, n0), -1);
	/* the server's frame 0 differs from the client's frame 0 */
	n1 = seal_text(&r.ss, "call 3", f1);
	assert_memory_not_equal(f0 + AUTH_HEADER_LEN + n0, f1 + AUTH_HEADER_LEN + n1,
				AUTH_TAG_LEN);
	assert_int_equal(auth_open(&r.cs, f1, n1), 0);
	assert_int_equal(auth_open(&r.ss, f0, n0), 0);
	auth_session_clear(&r.cs);
	auth_session_clear(&r.ss);
}

/* A frame cut short (and its header made to match) or read with the wrong length fails. */
static void test_truncated(void **state)
{
	unsigned char frame[AUTH_FRAME_LEN(32)], cut[AUTH_FRAME_LEN(32)];
	struct hs_result r;
	size_t n;

	(void)state;
	handshake(&secret_a, &secret_a, &r);
	assert_int_equal(r.step, 0);
	n = seal_text(&r.cs, "a payload of some length", frame);
	/* the header says n, the caller believes n - 1 */
	assert_int_equal(auth_open(&r.ss, frame, n - 1), -1);
	assert_non_null(strstr(auth_why(&r.ss), "length"));
	/* payload cut by one byte, header rewritten, tag moved up */
	memcpy(cut, frame, AUTH_HEADER_LEN + n - 1);
	put_be32(cut, (uint32_t)(n - 1));
	memcpy(cut + AUTH_HEADER_LEN + n - 1, frame + AUTH_HEADER_LEN + n, AUTH_TAG_LEN);
	assert_int_equal(auth_open(&r.ss, cut, n - 1), -1);
	/* payload empty, tag kept */
	put_be32(cut, 0);
	memcpy(cut + AUTH_HEADER_LEN, frame + AUTH_HEADER_LEN + n, AUTH_TAG_LEN);
	assert_int_equal(auth_open(&r.ss, cut, 0), -1);
	/* the frame cut inside its tag (the rest of the buffer is not the tag) */
	memcpy(cut, frame, AUTH_FRAME_LEN(n) - 1);
	cut[AUTH_FRAME_LEN(n) - 1] = (unsigned char)~frame[AUTH_FRAME_LEN(n) - 1];
	assert_int_equal(auth_open(&r.ss, cut, n), -1);
	assert_int_equal(r.ss.recv_seq, 0);
	assert_int_equal(auth_open(&r.ss, frame, n), 0);
	auth_session_clear(&r.cs);
	auth_session_clear(&r.ss);
}

/*
 * A handshake recorded and played again: the old HELLO gets a new
 * CHALLENGE (a fresh server nonce), so the old PROOF is refused; an old
 * CHALLENGE played to a new client is refused too.
 */
static void test_replayed_handshake(void **state)
{
	unsigned char chal[AUTH_CHALLENGE_LEN], proof[AUTH_PROOF_LEN], hello[AUTH_HELLO_LEN];
	struct auth_session ss;
	struct hs_result old;
	struct auth_hs s, c;

	(void)state;
	handshake(&secret_a, &secret_a, &old);
	assert_int_equal(old.step, 0);
	assert_int_equal(auth_server_challenge(&s, &secret_a, old.hello, chal), 0);
	assert_memory_not_equal(chal, old.chal, AUTH_CHALLENGE_LEN);
	assert_int_equal(auth_server_finish(&s, old.proof, &ss), -1);
	assert_non_null(strstr(auth_why_hs(&s), "client's proof is wrong"));

	assert_int_equal(auth_client_hello(&c, &secret_a, hello), 0);
	assert_int_equal(auth_client_finish(&c, old.chal, proof, &ss), -1);
	assert_non_null(strstr(auth_why_hs(&c), "server's proof is wrong"));
	auth_session_clear(&old.cs);
	auth_session_clear(&old.ss);
}

static void test_length_limits(void **state)
{
	unsigned char hdr[AUTH_HEADER_LEN], small[AUTH_FRAME_LEN(4)];
	struct auth_session s;
	size_t len = 7;

	(void)state;
	memset(&s, 0, sizeof(s));
	put_be32(hdr, 4096);
	assert_int_equal(auth_frame_length(hdr, 4096, &len), 0);
	assert_int_equal(len, 4096);
	len = 7;
	put_be32(hdr, 4097);
	assert_int_equal(auth_frame_length(hdr, 4096, &len), -1);
	assert_int_equal(len, 7);
	put_be32(hdr, 0);
	assert_int_equal(auth_frame_length(hdr, 0, &len), 0);
	assert_int_equal(len, 0);
	/* the caller's limit is capped at AUTH_MAX_PAYLOAD */
	put_be32(hdr, AUTH_MAX_PAYLOAD);
	assert_int_equal(auth_frame_length(hdr, SIZE_MAX, &len), 0);
	put_be32(hdr, AUTH_MAX_PAYLOAD + 1);
	assert_int_equal(auth_frame_length(hdr, SIZE_MAX, &len), -1);
	put_be32(hdr, 0xffffffffu);
	assert_int_equal(auth_frame_length(hdr, SIZE_MAX, &len), -1);
	/* sealing too much fails before writing anything or using a number */
	memset(small, 0xee, sizeof(small));
	assert_int_equal(auth_seal(&s, small, (size_t)AUTH_MAX_PAYLOAD + 1, small), -1);
	assert_non_null(strstr(auth_why(&s), "too large"));
	assert_int_equal(s.send_seq, 0);
	assert_int_equal(small[0], 0xee);
	/* opening a frame said to be that long fails too */
	assert_int_equal(auth_open(&s, small, (size_t)AUTH_MAX_PAYLOAD + 1), -1);
	/* neither made a context */
	assert_null(s.send_gcm);
	assert_null(s.recv_gcm);
	/* the last sequence number is never used: a GMAC IV must not repeat */
	s.send_seq = UINT64_MAX;
	assert_int_equal(auth_seal(&s, "x", 1, small), -1);
	assert_non_null(strstr(auth_why(&s), "sequence numbers used up"));
	assert_int_equal(s.send_seq, UINT64_MAX);
	assert_int_equal(small[0], 0xee);
	s.send_seq = UINT64_MAX - 1;
	assert_int_equal(auth_seal(&s, "x", 1, small), 0);
	assert_int_equal(s.send_seq, UINT64_MAX);
	auth_session_clear(&s);
}

/* A payload already in place at out + AUTH_HEADER_LEN gives the same frame as a copy. */
static void test_seal_in_place(void **state)
{
	static const char text[] = "payload written where the frame wants it";
	unsigned char a[AUTH_FRAME_LEN(sizeof(text))], b[AUTH_FRAME_LEN(sizeof(text))];
	struct hs_result r;
	struct auth_session twin;
	size_t n = sizeof(text) - 1;

	(void)state;
	handshake(&secret_a, &secret_a, &r);
	assert_int_equal(r.step, 0);
	/* a twin of r.cs: by hand, not by value (a session owns its contexts) */
	memset(&twin, 0, sizeof(twin));
	memcpy(twin.send_key, r.cs.send_key, 32);
	twin.send_seq = r.cs.send_seq;
	memcpy(b + AUTH_HEADER_LEN, text, n);
	assert_int_equal(auth_seal(&r.cs, text, n, a), 0);
	assert_int_equal(auth_seal(&twin, b + AUTH_HEADER_LEN, n, b), 0);
	assert_memory_equal(a, b, AUTH_FRAME_LEN(n));
	/* overlapping but not in place: moved, not garbled */
	memcpy(b, text, n);
	assert_int_equal(auth_seal(&twin, b, n, b), 0);
	assert_int_equal(auth_open(&r.ss, a, n), 0);
	assert_int_equal(auth_open(&r.ss, b, n), 0);
	assert_memory_equal(b + AUTH_HEADER_LEN, text, n);
	auth_session_clear(&r.cs);
	auth_session_clear(&twin);
	auth_session_clear(&r.ss);
}

/* Calls out of turn are refused, and why texts are never NULL. */
static void test_out_of_turn(void **state)
{
	unsigned char hello[AUTH_HELLO_LEN], chal[AUTH_CHALLENGE_LEN], proof[AUTH_PROOF_LEN];
	struct auth_session s;
	struct auth_hs c, sv;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_string_equal(auth_why(&s), "no error");
	assert_int_equal(auth_client_hello(&c, &secret_a, hello), 0);
	assert_string_equal(auth_why_hs(&c), "no error");
	/* a client handshake cannot finish as a server, nor the reverse */
	assert_int_equal(auth_server_finish(&c, proof, &s), -1);
	assert_int_equal(auth_server_challenge(&sv, &secret_a, hello, chal), 0);
	assert_int_equal(auth_client_finish(&sv, chal, proof, &s), -1);
	assert_non_null(auth_why_hs(&sv));
	auth_hs_clear(&c);
	auth_hs_clear(&sv);
	assert_true(is_zero(c.nc, AUTH_NONCE_LEN) && is_zero(sv.ns, AUTH_NONCE_LEN));
	/* a cleared handshake cannot finish */
	assert_int_equal(auth_client_finish(&c, chal, proof, &s), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_both_ways),
		cmocka_unit_test(test_wire_format),
		cmocka_unit_test(test_session_by_hand),
		cmocka_unit_test(test_wrong_key_server),
		cmocka_unit_test(test_wrong_key_client),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_flipped_bits),
		cmocka_unit_test(test_replay_and_reorder),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_replayed_handshake),
		cmocka_unit_test(test_length_limits),
		cmocka_unit_test(test_seal_in_place),
		cmocka_unit_test(test_out_of_turn),
	};

	UNIT_MAIN("auth", tests);
}
