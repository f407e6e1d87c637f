/*
 * core/crypto: the only module that calls libcrypto for primitives.
 *
 * Everything the protocol needs from libcrypto is described by the const
 * descriptor tables of core/algs.h (cipher suites, named groups, signature
 * schemes). The EVP_CIPHER / EVP_MD /
 * EVP_MAC / EVP_KDF objects behind them are fetched once per library
 * context: a tls_crypto (core/tls.h) holds what one (OSSL_LIB_CTX, property
 * query) pair provides and is shared by every SSL_CTX made with that pair;
 * nothing is fetched per connection or per record. Every function that
 * fetches, makes keys or draws random bytes takes the tls_crypto to use;
 * NULL there means the default context (tls_crypto_default).
 *
 * Sizes: hashes are at most TLS_MAX_HASH bytes (SHA-384 is the largest hash
 * a suite uses; SHA-512 only appears inside signatures).
 */
#ifndef SHIMSSL_CORE_CRYPTO_H
#define SHIMSSL_CORE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "core/codec.h"
#include "core/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Inside the guard: core/tls.h has no C++ guard of its own. */
#include "core/tls.h"

#define TLS_MAX_HASH          48  /* SHA-384 */
#define TLS_MAX_KEY           32  /* AES-256 / ChaCha20 */
#define TLS_AEAD_IV_LEN       12  /* every AEAD we use has a 96-bit nonce */
#define TLS_AEAD_TAG_LEN      16  /* the largest; the CCM_8 suites use 8 */
#define TLS_MAX_SHARE         133 /* secp521r1 uncompressed point */
#define TLS_MAX_SHARED_SECRET 66
#define TLS_MAX_SIG           1024 /* RSA-8192 signature; larger keys are refused */

/* The default context's entry (NULL, NULL), made on first use and kept;
 * NULL if the default context has no usable suite (no provider loaded). */
const tls_crypto *tls_crypto_default(void);
/* The lazily made parameters of RFC 7919 group i (< TLS_MAX_FFDHE) named
 * group_name ("ffdhe2048"...), NULL if the context cannot make them. */
#define TLS_MAX_FFDHE 5
EVP_PKEY *tls_crypto_dh_template(const tls_crypto *cr, size_t i, const char *group_name);
/* A secret of TLS_COOKIE_KEY_LEN random bytes made once per entry (from
 * its RAND_priv_bytes_ex), for HelloRetryRequest cookies; NULL if the
 * context could not make one. */
#define TLS_COOKIE_KEY_LEN 32
const uint8_t *tls_crypto_cookie_key(const tls_crypto *cr);
/* EVP_PKEY_CTX_new_from_pkey in the entry's context. */
EVP_PKEY_CTX *tls_crypto_pkey_ctx(const tls_crypto *cr, EVP_PKEY *key);
/* HKDF (prf = 0) or TLS1-PRF (prf = 1) of the entry, NULL if missing. */
EVP_KDF *tls_crypto_kdf(const tls_crypto *cr, int prf);
/* A certificate from DER in the entry's context (its key decoded there):
 * d2i_X509 semantics, *pp advanced. */
X509 *tls_x509_d2i(const tls_crypto *cr, const uint8_t **pp, size_t len);

/* --- cipher suites ----------------------------------------------------- */
/* How the record nonce is formed (room for TLS 1.2 later). */
enum {
    TLS_NONCE_XOR = 0,      /* TLS 1.3, and TLS 1.2 ChaCha20: iv XOR seq */
    TLS_NONCE_EXPLICIT = 1, /* TLS 1.2 AES-GCM: 4-byte salt || 8-byte explicit */
};

typedef struct tls_suite {
    const tls_suite_info *info; /* its descriptor (core/algs.h) */
    uint16_t id;
    size_t key_len;
    size_t iv_len;   /* TLS_AEAD_IV_LEN */
    size_t tag_len;  /* TLS_AEAD_TAG_LEN */
    size_t hash_len; /* of md */
    int nonce_mode;  /* TLS_NONCE_* */
    /* RFC 8446 5.5: records that may be protected under one key before a
     * key update is due. */
    uint64_t record_limit;
    const EVP_CIPHER *cipher; /* fetched once; NULL if libcrypto lacks it */
    const EVP_MD *md;
    const tls_crypto *cr; /* the context both come from (and every key of it) */
} tls_suite;

/* The internal descriptor of an IANA suite in cr, or NULL if unknown or
 * unavailable there. */
const tls_suite *tls_suite_get(const tls_crypto *cr, uint16_t id);
/* SHA-1/256/384/512 of cr (NULL if nid is not one we fetch or cr lacks it). */
const EVP_MD *tls_md_by_nid(const tls_crypto *cr, int nid);
/* A ChaCha20-Poly1305 suite (TLS 1.3's, or RFC 7905's for TLS 1.2)? */
int tls_suite_is_chacha(uint16_t id);
/*
 * Server preference with TLS_CFG_PRIORITIZE_CHACHA: does the client's
 * cipher_suites list (wire bytes) start with a ChaCha20-Poly1305 suite?
 * Values we do not know (GREASE, signalling values) are passed over, as
 * OpenSSL reads the list.
 */
int tls_client_prefers_chacha(const uint8_t *suites, size_t len);

/* --- AEAD -------------------------------------------------------------- */
/*
 * One AEAD key for one direction. The EVP_CIPHER_CTX is allocated once per
 * key (tls_aead_init) and only re-nonced per record.
 */
typedef struct tls_aead {
    EVP_CIPHER_CTX *ctx;
    const tls_suite *suite;
    uint8_t iv[TLS_AEAD_IV_LEN]; /* static IV (TLS 1.2 GCM: 4-byte salt first) */
    int enc;                     /* 1 seal, 0 open */
    int ccm;                     /* AES-CCM: lengths and tag go in first */
} tls_aead;

/* Zero-initialised tls_aead is "no key". iv_len is suite->iv_len (TLS 1.3)
 * or 4 for TLS 1.2 AES-GCM. Re-init of a live key clears the old one. */
TLS_MUST_CHECK int tls_aead_init(tls_aead *a, const tls_suite *s, int enc, const uint8_t *key,
                                 const uint8_t *iv, size_t iv_len);
void tls_aead_clear(tls_aead *a);
/* The per-record nonce (RFC 8446 5.3): iv XOR left-padded big-endian seq. */
void tls_aead_nonce(const tls_aead *a, uint64_t seq, uint8_t nonce[TLS_AEAD_IV_LEN]);
/* Encrypt buf[0..len) in place and write the tag to buf[len..len+tag_len). */
TLS_MUST_CHECK int tls_aead_seal(tls_aead *a, const uint8_t nonce[TLS_AEAD_IV_LEN],
                                 const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len);
/* Decrypt buf[0..len) in place, where the last tag_len bytes are the tag;
 * *pt_len = len - tag_len. A bad tag or a too-short input is bad_record_mac
 * + TLS_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC. */
TLS_MUST_CHECK int tls_aead_open(tls_aead *a, const uint8_t nonce[TLS_AEAD_IV_LEN],
                                 const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len,
                                 size_t *pt_len);

/* --- hashing ------------------------------------------------------------ */
TLS_MUST_CHECK int tls_hash(const EVP_MD *md, const uint8_t *data, size_t len, uint8_t *out);
/* HMAC(key, data) with md; out holds EVP_MD_get_size(md) bytes. */
TLS_MUST_CHECK int tls_hmac(const tls_crypto *cr, const EVP_MD *md, const uint8_t *key,
                            size_t key_len, const uint8_t *data, size_t len, uint8_t *out);
/* A keyed HMAC context (the EVP_MAC is fetched once), for keys used many
 * times: EVP_MAC_init(ctx, NULL, 0, NULL) restarts it with the same key.
 * NULL on failure; free with EVP_MAC_CTX_free. */
EVP_MAC_CTX *tls_hmac_ctx_new(const tls_crypto *cr, const EVP_MD *md, const uint8_t *key,
                              size_t key_len);
/* Constant-time comparison: 1 if equal. */
int tls_ct_equal(const uint8_t *a, const uint8_t *b, size_t len);

/*
 * The handshake transcript. Until the hash is known (before ServerHello)
 * messages are buffered; tls_transcript_set_md() hashes the buffer and from
 * then on the running hash is updated directly. keep_buffer keeps a copy of
 * all messages too (TLS 1.2 client auth may need it).
 */
typedef struct tls_transcript {
    EVP_MD_CTX *ctx; /* NULL until set_md */
    const EVP_MD *md;
    size_t hash_len;
    tls_writer buf; /* messages not yet hashed (or all, with keep_buffer) */
    int keep_buffer;
} tls_transcript;

void tls_transcript_init(tls_transcript *t);
void tls_transcript_free(tls_transcript *t);
TLS_MUST_CHECK int tls_transcript_update(tls_transcript *t, const uint8_t *msg, size_t len);
TLS_MUST_CHECK int tls_transcript_set_md(tls_transcript *t, const EVP_MD *md);
/* Hash of everything so far, without disturbing the running hash; out has
 * room for hash_len bytes. Fails (internal) before set_md. */
TLS_MUST_CHECK int tls_transcript_hash(const tls_transcript *t, uint8_t *out);
/* RFC 8446 4.4.1: after a HelloRetryRequest, replace ClientHello1 (all that
 * has been added so far) by message_hash = FE 00 00 Hash.length Hash(CH1).
 * Call it after set_md and before adding the HRR itself. */
TLS_MUST_CHECK int tls_transcript_hrr(tls_transcript *t);

/* --- random ------------------------------------------------------------ */
/* RAND_bytes_ex / RAND_priv_bytes_ex of cr's library context. */
TLS_MUST_CHECK int tls_random(const tls_crypto *cr, uint8_t *buf, size_t n);
TLS_MUST_CHECK int tls_random_priv(const tls_crypto *cr, uint8_t *buf, size_t n);

/* --- named groups (key exchange) --------------------------------------- */
/* New ephemeral key for group; its key_share bytes into share (share_len
 * bytes, cap >= TLS_MAX_SHARE is always enough). */
TLS_MUST_CHECK int tls_kex_keygen(const tls_crypto *cr, uint16_t group, EVP_PKEY **priv,
                                  uint8_t *share, size_t cap, size_t *share_len);
/*
 * Shared secret from our private key and the peer's key_share bytes.
 * A malformed share (wrong length, compressed or off-curve point) or an
 * all-zero X25519/X448 result fails with illegal_parameter +
 * TLS_R_BAD_ECPOINT. out has room for TLS_MAX_SHARED_SECRET.
 */
TLS_MUST_CHECK int tls_kex_derive(const tls_crypto *cr, uint16_t group, EVP_PKEY *priv,
                                  const uint8_t *peer, size_t peer_len, uint8_t *out,
                                  size_t *out_len);
/* Same, also handing over the peer's share as a public key (the application
 * can ask for it: SSL_get_peer_tmp_key), decoded and checked only once. On
 * success *peer_out owns a reference; on failure it is left untouched. */
TLS_MUST_CHECK int tls_kex_derive_keep(const tls_crypto *cr, uint16_t group, EVP_PKEY *priv,
                                       const uint8_t *peer, size_t peer_len, uint8_t *out,
                                       size_t *out_len, EVP_PKEY **peer_out);

/* --- signature schemes ------------------------------------------------- */
/* Is key usable with scheme (key type, RSA-PSS params, ECDSA curve when
 * tls13)? 1 yes, 0 no. */
int tls_sigalg_key_ok(uint16_t scheme, EVP_PKEY *key, int tls13);
/*
 * Verify sig over tbs. Fails with illegal_parameter + TLS_R_WRONG_SIGNATURE_TYPE
 * when the key does not fit the scheme, decrypt_error + TLS_R_BAD_SIGNATURE
 * when the signature is wrong.
 */
TLS_MUST_CHECK int tls_sig_verify(const tls_crypto *cr, uint16_t scheme, EVP_PKEY *key, int tls13,
                                  const uint8_t *tbs, size_t tbs_len, const uint8_t *sig,
                                  size_t sig_len);
/* Sign tbs; sig has room for cap bytes (EVP_PKEY_get_size(key) suffices). */
TLS_MUST_CHECK int tls_sig_sign(const tls_crypto *cr, uint16_t scheme, EVP_PKEY *key, int tls13,
                                const uint8_t *tbs, size_t tbs_len, uint8_t *sig, size_t cap,
                                size_t *sig_len);
/* RFC 8446 4.4.3: the content a CertificateVerify signs: 64 spaces, the
 * context string for the server/client, a zero byte, the transcript hash.
 * out has room for 64 + 34 + 1 + TLS_MAX_HASH bytes. */
#define TLS13_CV_CONTENT_MAX (64 + 34 + 1 + TLS_MAX_HASH)
void tls13_cv_content(int server, const uint8_t *hash, size_t hash_len, uint8_t *out,
                      size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif
