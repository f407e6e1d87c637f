/*
 * TLS 1.2 building blocks shared by the TLS 1.2 client and server state
 * machines (tls12_client.c, tls12_server.c): the suite facts, the key block,
 * Finished, and the three key exchanges (ECDHE reuses crypto.h's
 * tls_kex_keygen / tls_kex_derive; DHE and RSA key transport are here).
 *
 * Implemented in core/tls12_crypto.c (and the record modes in record.c).
 * Every function here is sans-I/O and allocation-light; nothing fetches an
 * algorithm per call (crypto.c fetches once).
 */
#ifndef SHIMSSL_CORE_TLS12_H
#define SHIMSSL_CORE_TLS12_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "core/codec.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Key exchange and authentication of a TLS 1.2 suite: the descriptor's
 * (core/algs.h) values under the names the TLS 1.2 code uses. */
enum {
    TLS12_KX_ECDHE = TLS_KX_ECDHE,
    TLS12_KX_DHE = TLS_KX_DHE,
    TLS12_KX_RSA = TLS_KX_RSA, /* RSA key transport (no ServerKeyExchange) */
};
enum {
    TLS12_AU_RSA = TLS_AU_RSA,
    TLS12_AU_ECDSA = TLS_AU_ECDSA,
};

/*
 * The TLS 1.2 facts of a suite (tls_suite_get(id) keeps working for every
 * suite; this adds what only TLS 1.2 needs). NULL if id is not a TLS 1.2
 * suite core implements.
 *   kx, au:        TLS12_KX_*, TLS12_AU_*
 *   prf_md:        SHA-256, or SHA-384 for the *_SHA384 suites
 *   cbc:           1 for CBC + HMAC suites (mac_md is SHA-1/256/384), 0 AEAD
 *   mac_key_len:   0 for AEAD
 *   fixed_iv_len:  4 for AES-GCM, 12 for ChaCha20-Poly1305, 0 for CBC
 *   record_iv_len: 8 for AES-GCM (explicit nonce), 16 for CBC, 0 ChaCha
 */
typedef struct tls12_suite {
    const tls_suite *suite;
    int kx;
    int au;
    const EVP_MD *prf_md;
    int cbc;
    const EVP_MD *mac_md;
    size_t mac_key_len;
    size_t enc_key_len;
    size_t fixed_iv_len;
    size_t record_iv_len;
} tls12_suite;

/* The suite in cr (NULL = default context), NULL if unavailable there:
 * its cipher, hashes, key exchange or signature algorithm is missing. */
const tls12_suite *tls12_suite_get(const tls_crypto *cr, uint16_t id);
/* crypto.c: fill s from base when a library context entry is made
 * (unavailable: s->suite stays NULL). */
void tls12_suite_fill(tls12_suite *s, const tls_suite *base);

/*
 * master_secret (RFC 5246 8.1, RFC 7627 4): with ems, PRF(pms,
 * "extended master secret", session_hash) where session_hash is the
 * transcript hash through ClientKeyExchange; else PRF(pms, "master secret",
 * client_random || server_random). 48 bytes into ms.
 */
TLS_MUST_CHECK int tls12_master_secret(const tls12_suite *s, const uint8_t *pms, size_t pms_len,
                                       int ems, const uint8_t *session_hash, size_t sh_len,
                                       const uint8_t client_random[32],
                                       const uint8_t server_random[32], uint8_t ms[48]);

/*
 * Install one direction's record keys from the key block (RFC 5246 6.3:
 * PRF(ms, "key expansion", server_random || client_random)). sending and
 * is_server pick which half: a client's write keys are the client_write_*
 * ones. etm: RFC 7366 encrypt-then-MAC for a CBC suite (ignored for AEAD).
 * The direction's sequence number restarts at 0.
 */
TLS_MUST_CHECK int tls_rec_set_tls12(tls_rec_dir *d, int sending, int is_server,
                                     const tls12_suite *s, const uint8_t ms[48],
                                     const uint8_t client_random[32],
                                     const uint8_t server_random[32], int etm);

/* Finished.verify_data (RFC 5246 7.4.9): 12 bytes of PRF(ms, "client
 * finished" / "server finished", handshake_hash). */
TLS_MUST_CHECK int tls12_finished(const tls12_suite *s, const uint8_t ms[48], int from_server,
                                  const uint8_t *hash, size_t hash_len, uint8_t out[12]);

/* RFC 5705 exporter over the TLS 1.2 PRF. */
TLS_MUST_CHECK int tls12_export(const tls12_suite *s, const uint8_t ms[48],
                                const uint8_t client_random[32], const uint8_t server_random[32],
                                const char *label, size_t label_len, const uint8_t *context,
                                size_t context_len, int use_context, uint8_t *out, size_t out_len);

/* --- DHE (RFC 5246 7.4.3, RFC 7919) ------------------------------------ */
/*
 * Server: pick the DH group (params = the application's parameters, or NULL
 * for automatic: an RFC 7919 group at least min_bits and matched to the
 * strength of the certificate key cert_key), generate our key, and write
 * ServerDHParams (dh_p, dh_g, dh_Ys, each opaque<1..2^16-1>) to w.
 * Parameters smaller than min_bits fail with TLS_R_DH_KEY_TOO_SMALL.
 */
TLS_MUST_CHECK int tls_dhe_server_params(const tls_crypto *cr, EVP_PKEY *params, EVP_PKEY *cert_key,
                                         int min_bits, EVP_PKEY **priv, tls_writer *w);
/* Server: the shared secret from the client's dh_Yc (leading zero bytes
 * stripped, RFC 5246 8.1.2). A Yc outside 1 < Yc < p-1 is illegal_parameter
 * + TLS_R_BAD_DH_VALUE. out has room for 1024 bytes (8192-bit groups). */
TLS_MUST_CHECK int tls_dhe_server_derive(const tls_crypto *cr, EVP_PKEY *priv, const uint8_t *yc,
                                         size_t yc_len, uint8_t *out, size_t cap, size_t *out_len);
/*
 * Client: read ServerDHParams from r (advancing it), refuse p smaller than
 * min_bits (handshake_failure + TLS_R_DH_KEY_TOO_SMALL) or a bad Ys
 * (illegal_parameter + TLS_R_BAD_DH_VALUE), generate our key, write our
 * dh_Yc body (no length; padded to the size of p) to yc, and the shared
 * secret to secret (leading zeros stripped; secret_cap >= size of p, 1024
 * always suffices). *peer_out receives the server's public key
 * (SSL_get_peer_tmp_key); a key already there is released. ServerDHParams
 * with p larger than 8192 bits are illegal_parameter + TLS_R_BAD_DH_VALUE.
 */
TLS_MUST_CHECK int tls_dhe_client(const tls_crypto *cr, tls_reader *r, int min_bits,
                                  EVP_PKEY **peer_out, uint8_t *yc, size_t yc_cap, size_t *yc_len,
                                  uint8_t *secret, size_t secret_cap, size_t *secret_len);

/* --- RSA key transport (RFC 5246 7.4.7.1) -------------------------------- */
/* Client: premaster = client_version(2) || 46 random bytes, encrypted with
 * the server certificate's RSA key (PKCS#1 v1.5). pms receives 48 bytes. */
TLS_MUST_CHECK int tls_rsa_kx_encrypt(const tls_crypto *cr, EVP_PKEY *server_key,
                                      uint16_t client_version, uint8_t pms[48], uint8_t *out,
                                      size_t cap, size_t *out_len);
/*
 * Server: decrypt EncryptedPreMasterSecret. Never reports a padding or
 * version failure: a bad ciphertext yields a random premaster through the
 * same code path and timing (implicit rejection), so the handshake then
 * fails at Finished with the same alert as any wrong key (no Bleichenbacher
 * oracle). Only a ciphertext that is no RSA input at all (empty, longer
 * than the modulus or numerically above it: public facts) fails, with
 * decrypt_error + TLS_R_DECRYPTION_FAILED as OpenSSL's server, or an
 * internal failure.
 */
TLS_MUST_CHECK int tls_rsa_kx_decrypt(const tls_crypto *cr, EVP_PKEY *key, uint16_t client_version,
                                      const uint8_t *enc, size_t enc_len, uint8_t pms[48]);

/* --- record compression (RFC 3749) --------------------------------------- */
enum { TLS_COMP_NULL = 0, TLS_COMP_DEFLATE = 1 };
/* Turn on DEFLATE for a direction; takes effect together with the next
 * tls_rec_set_tls12 (compression and the new keys start at the same CCS). */
TLS_MUST_CHECK int tls_rec_set_compression(tls_rec_dir *d, int method);

#ifdef __cplusplus
}
#endif

#endif
