/* auth.c - see auth.h.  Every primitive is OpenSSL's: EVP_MAC "HMAC",
 * EVP_KDF "HKDF", EVP_CIPHER "AES-256-GCM" (for GMAC: additional data
 * only, then EVP_CTRL_AEAD_GET_TAG), RAND_bytes, CRYPTO_memcmp,
 * OPENSSL_cleanse. */
#include "net/auth.h"
#include "common/bytes.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <string.h>

#define AUTH_MAGIC "MRA1"
#define AUTH_VERSION 1u

/* HMAC input labels: fixed length, so label and nonces cannot be shifted. */
#define LABEL_SERVER "mr server"
#define LABEL_CLIENT "mr client"
#define INFO_C2S "mr c2s"
#define INFO_S2C "mr s2c"

/* One piece of a MAC's input. */
struct piece {
	const void *p;
	size_t n;
};

/* HMAC-SHA256 under key over the concatenation of parts.  0 or -1. */
static int hmac(const unsigned char *key, size_t keylen, const struct piece *parts,
		int nparts, unsigned char out[AUTH_MAC_LEN])
{
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	size_t outlen = 0;
	int ok = ctx && EVP_MAC_init(ctx, key, keylen, params);

	for (int i = 0; ok && i < nparts; i++)
		ok = EVP_MAC_update(ctx, parts[i].p, parts[i].n);
	ok = ok && EVP_MAC_final(ctx, out, &outlen, AUTH_MAC_LEN) && outlen == AUTH_MAC_LEN;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok ? 0 : -1;
}

/* HKDF-SHA256(secret, salt Nc Ns, info) into out[32].  0 or -1. */
static int derive(const struct auth_hs *hs, const char *info, unsigned char out[32])
{
	unsigned char salt[2 * AUTH_NONCE_LEN];
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, hs->secret->key,
						  hs->secret->len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt, sizeof(salt)),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info,
						  strlen(info)),
		OSSL_PARAM_construct_end(),
	};
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	int ok;

	memcpy(salt, hs->nc, AUTH_NONCE_LEN);
	memcpy(salt + AUTH_NONCE_LEN, hs->ns, AUTH_NONCE_LEN);
	ok = ctx && EVP_KDF_derive(ctx, out, 32, params) > 0;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok ? 0 : -1;
}

/* The handshake MAC a side proves itself with: HMAC(K, label Nc Ns). */
static int hs_mac(const struct auth_hs *hs, const char *label, unsigned char out[AUTH_MAC_LEN])
{
	struct piece parts[] = {
		{ label, strlen(label) },
		{ hs->nc, AUTH_NONCE_LEN },
		{ hs->ns, AUTH_NONCE_LEN },
	};

	return hmac(hs->secret->key, hs->secret->len, parts, 3, out);
}

/* Compare `got` with the MAC hs_mac computes for `label`, in constant time. */
static int hs_check(struct auth_hs *hs, const char *label, const unsigned char *got,
		    const char *why_bad)
{
	unsigned char want[AUTH_MAC_LEN];
	int rc = 0;

	if (hs_mac(hs, label, want) < 0) {
		hs->why = "HMAC failed in libcrypto";
		rc = -1;
	} else if (CRYPTO_memcmp(want, got, AUTH_MAC_LEN) != 0) {
		hs->why = why_bad;
		rc = -1;
	}
	OPENSSL_cleanse(want, sizeof(want));
	return rc;
}

/* Magic, version and a fresh nonce into out[0 .. 8 + AUTH_NONCE_LEN). */
static int put_greeting(struct auth_hs *hs, unsigned char *out, unsigned char *nonce)
{
	memcpy(out, AUTH_MAGIC, 4);
	put_be32(out + 4, AUTH_VERSION);
	if (RAND_bytes(nonce, AUTH_NONCE_LEN) != 1) {
		hs->why = "no random bytes from libcrypto";
		return -1;
	}
	memcpy(out + 8, nonce, AUTH_NONCE_LEN);
	return 0;
}

/* Check a greeting's magic and version; copy its nonce.  0 or -1. */
static int take_greeting(struct auth_hs *hs, const unsigned char *in, unsigned char *nonce,
			 const char *what_bad)
{
	if (memcmp(in, AUTH_MAGIC, 4) != 0) {
		hs->why = what_bad;
		return -1;
	}
	if (get_be32(in + 4) != AUTH_VERSION) {
		hs->why = "the peer speaks another version of the handshake";
		return -1;
	}
	memcpy(nonce, in + 8, AUTH_NONCE_LEN);
	return 0;
}

static void hs_start(struct auth_hs *hs, const struct secret *k, int server)
{
	memset(hs, 0, sizeof(*hs));
	hs->secret = k;
	hs->server = server;
}

/* A finished handshake (either way) cannot be finished again: wipe all but why. */
static int hs_end(struct auth_hs *hs, int rc)
{
	const char *why = hs->why;

	auth_hs_clear(hs);
	hs->why = why;
	return rc;
}

int auth_client_hello(struct auth_hs *hs, const struct secret *k,
		      unsigned char out[AUTH_HELLO_LEN])
{
	hs_start(hs, k, 0);
	if (put_greeting(hs, out, hs->nc) < 0)
		return hs_end(hs, -1);
	return 0;
}

int auth_server_challenge(struct auth_hs *hs, const struct secret *k,
			  const unsigned char hello[AUTH_HELLO_LEN],
			  unsigned char out[AUTH_CHALLENGE_LEN])
{
	hs_start(hs, k, 1);
	if (take_greeting(hs, hello, hs->nc, "the HELLO is not ours (bad magic)") < 0 ||
	    put_greeting(hs, out, hs->ns) < 0)
		return hs_end(hs, -1);
	if (hs_mac(hs, LABEL_SERVER, out + 8 + AUTH_NONCE_LEN) < 0) {
		hs->why = "HMAC failed in libcrypto";
		return hs_end(hs, -1);
	}
	return 0;
}

/*
 * An AES-256-GCM context keyed with key[32], ready for gmac(): the one
 * place an algorithm is fetched or memory allocated.  NULL on failure.
 */
static EVP_CIPHER_CTX *gcm_new(const unsigned char key[32])
{
	EVP_CIPHER *aes = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	EVP_CIPHER_CTX *ctx = aes ? EVP_CIPHER_CTX_new() : NULL;

	if (ctx && !EVP_EncryptInit_ex(ctx, aes, NULL, key, NULL)) {
		EVP_CIPHER_CTX_free(ctx);
		ctx = NULL;
	}
	EVP_CIPHER_free(aes); /* ctx holds its own reference */
	return ctx;
}

/* Make a direction's context if the session was built by hand.  0 or -1. */
static int gcm_ready(struct auth_session *s, EVP_CIPHER_CTX **ctx, const unsigned char key[32])
{
	if (!*ctx && !(*ctx = gcm_new(key))) {
		s->why = "AES-256-GCM unavailable in libcrypto";
		return -1;
	}
	return 0;
}

/* Both sides: the two direction keys, from where this side stands. */
static int session_start(struct auth_hs *hs, struct auth_session *s)
{
	unsigned char *c2s = hs->server ? s->recv_key : s->send_key;
	unsigned char *s2c = hs->server ? s->send_key : s->recv_key;

	memset(s, 0, sizeof(*s));
	if (derive(hs, INFO_C2S, c2s) < 0 || derive(hs, INFO_S2C, s2c) < 0) {
		auth_session_clear(s);
		hs->why = "HKDF failed in libcrypto";
		return -1;
	}
	if (gcm_ready(s, &s->send_gcm, s->send_key) < 0 ||
	    gcm_ready(s, &s->recv_gcm, s->recv_key) < 0) {
		auth_session_clear(s);
		hs->why = "AES-256-GCM unavailable in libcrypto";
		return -1;
	}
	return 0;
}

static int client_finish(struct auth_hs *hs, const unsigned char *challenge,
			 unsigned char *proof, struct auth_session *s)
{
	if (take_greeting(hs, challenge, hs->ns, "the CHALLENGE is not ours (bad magic)") < 0)
		return -1;
	if (hs_check(hs, LABEL_SERVER, challenge + 8 + AUTH_NONCE_LEN,
		     "the server's proof is wrong: it does not know our secret") < 0)
		return -1;
	if (hs_mac(hs, LABEL_CLIENT, proof) < 0) {
		hs->why = "HMAC failed in libcrypto";
		return -1;
	}
	return session_start(hs, s);
}

int auth_client_finish(struct auth_hs *hs, const unsigned char challenge[AUTH_CHALLENGE_LEN],
		       unsigned char proof[AUTH_PROOF_LEN], struct auth_session *s)
{
	if (hs->server || !hs->secret) {
		hs->why = "not a client handshake in progress";
		return -1;
	}
	return hs_end(hs, client_finish(hs, challenge, proof, s));
}

int auth_server_finish(struct auth_hs *hs, const unsigned char proof[AUTH_PROOF_LEN],
		       struct auth_session *s)
{
	int rc;

	if (!hs->server || !hs->secret) {
		hs->why = "not a server handshake in progress";
		return -1;
	}
	rc = hs_check(hs, LABEL_CLIENT, proof,
		      "the client's proof is wrong: it does not know our secret");
	if (rc == 0)
		rc = session_start(hs, s);
	return hs_end(hs, rc);
}

void auth_hs_clear(struct auth_hs *hs)
{
	OPENSSL_cleanse(hs, sizeof(*hs));
	hs->secret = NULL;
	hs->why = NULL;
}

void auth_session_clear(struct auth_session *s)
{
	EVP_CIPHER_CTX_free(s->send_gcm);
	EVP_CIPHER_CTX_free(s->recv_gcm);
	OPENSSL_cleanse(s, sizeof(*s));
	s->send_gcm = NULL;
	s->recv_gcm = NULL;
	s->why = NULL;
}

/*
 * The tag of a frame: GMAC under ctx's key with IV 0000 | u64 seq, over
 * the header and payload (contiguous: AUTH_HEADER_LEN + len bytes at
 * frame) as additional data.  0 or -1.
 */
static int gmac(EVP_CIPHER_CTX *ctx, uint64_t seq, const unsigned char *frame, size_t len,
		unsigned char tag[AUTH_TAG_LEN])
{
	unsigned char iv[12] = { 0 }, none[16];
	int outl;

	put_be64(iv + 4, seq);
	/* len <= AUTH_MAX_PAYLOAD: the int cannot overflow */
	if (!EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, iv) ||
	    !EVP_EncryptUpdate(ctx, NULL, &outl, frame, (int)(AUTH_HEADER_LEN + len)) ||
	    !EVP_EncryptFinal_ex(ctx, none, &outl) ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, AUTH_TAG_LEN, tag) <= 0)
		return -1;
	return 0;
}

int auth_seal(struct auth_session *s, const void *payload, size_t len, unsigned char *out)
{
	if (len > AUTH_MAX_PAYLOAD) {
		s->why = "payload too large for one frame";
		return -1;
	}
	if (s->send_seq == UINT64_MAX) {
		s->why = "sequence numbers used up: a GMAC IV must never repeat";
		return -1;
	}
	if (gcm_ready(s, &s->send_gcm, s->send_key) < 0)
		return -1;
	if (payload != out + AUTH_HEADER_LEN)
		memmove(out + AUTH_HEADER_LEN, payload, len);
	put_be32(out, (uint32_t)len);
	if (gmac(s->send_gcm, s->send_seq, out, len, out + AUTH_HEADER_LEN + len) < 0) {
		s->why = "GMAC failed in libcrypto";
		return -1;
	}
	s->send_seq++;
	return 0;
}

int auth_frame_length(const unsigned char hdr[AUTH_HEADER_LEN], size_t max, size_t *len)
{
	uint32_t n = get_be32(hdr);

	if (max > AUTH_MAX_PAYLOAD)
		max = AUTH_MAX_PAYLOAD;
	if (n > max)
		return -1;
	*len = n;
	return 0;
}

int auth_open(struct auth_session *s, const unsigned char *frame, size_t len)
{
	unsigned char want[AUTH_TAG_LEN];
	int rc = -1;

	if (len > AUTH_MAX_PAYLOAD || get_be32(frame) != len) {
		s->why = "the frame's length is not the one announced";
		return -1;
	}
	if (gcm_ready(s, &s->recv_gcm, s->recv_key) < 0)
		return -1;
	if (gmac(s->recv_gcm, s->recv_seq, frame, len, want) < 0)
		s->why = "GMAC failed in libcrypto";
	else if (CRYPTO_memcmp(want, frame + AUTH_HEADER_LEN + len, AUTH_TAG_LEN) != 0)
		s->why = "bad MAC: the frame was altered, replayed, reordered or forged";
	else
		rc = 0;
	if (rc == 0)
		s->recv_seq++;
	return rc;
}

const char *auth_why_hs(const struct auth_hs *hs)
{
	return hs->why ? hs->why : "no error";
}

const char *auth_why(const struct auth_session *s)
{
	return s->why ? s->why : "no error";
}
