/*
 * core/keysched: the TLS 1.3 key schedule (RFC 8446 7.1) and the TLS 1.2 PRF
 * (RFC 5246 5).
 *
 * The schedule is a value with stages that only move forward:
 *
 *   NONE --early(psk)--> EARLY --handshake(ecdhe, H(CH..SH))--> HANDSHAKE
 *        --master(H(CH..server Finished))--> MASTER
 *
 * Each step replaces (and wipes) the previous stage secret; calling a step
 * out of order is an internal error, never a silent re-derivation. The
 * traffic secrets of a stage are kept in the struct (the handshake layer
 * installs them into the record layer and passes them to the key log) and are
 * wiped by tls_ks_clear(). Secret buffers are TLS_MAX_HASH bytes; hash_len of
 * them are meaningful.
 */
#ifndef SHIMSSL_CORE_KEYSCHED_H
#define SHIMSSL_CORE_KEYSCHED_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "core/crypto.h"
#include "core/err.h"

#ifdef __cplusplus
extern "C" {
#endif

enum tls_ks_stage {
    TLS_KS_NONE = 0,
    TLS_KS_EARLY = 1,
    TLS_KS_HANDSHAKE = 2,
    TLS_KS_MASTER = 3,
};

typedef struct tls_ks {
    const tls_crypto *cr; /* where the HKDF comes from */
    const EVP_MD *md;
    size_t hash_len;
    int stage;                    /* enum tls_ks_stage */
    uint8_t secret[TLS_MAX_HASH]; /* early, then handshake, then master secret */
    /* EARLY (with a PSK): binder keys are derived on demand. */
    uint8_t client_early[TLS_MAX_HASH]; /* set by tls_ks_early_traffic (0-RTT) */
    /* HANDSHAKE */
    uint8_t client_hs[TLS_MAX_HASH];
    uint8_t server_hs[TLS_MAX_HASH];
    /* MASTER */
    uint8_t client_ap[TLS_MAX_HASH]; /* current: KeyUpdate advances it */
    uint8_t server_ap[TLS_MAX_HASH];
    uint8_t exporter[TLS_MAX_HASH];
    uint8_t resumption[TLS_MAX_HASH]; /* set by tls_ks_resumption */
    int have_resumption;
} tls_ks;

/* md: the suite's hash, cr its library context (NULL = default). Stage NONE. */
TLS_MUST_CHECK int tls_ks_init(tls_ks *ks, const tls_crypto *cr, const EVP_MD *md);
/* Wipe every secret; the struct may be re-initialised afterwards. */
void tls_ks_clear(tls_ks *ks);

/* NONE -> EARLY. psk NULL (or psk_len 0): the all-zero IKM of a full handshake. */
TLS_MUST_CHECK int tls_ks_early(tls_ks *ks, const uint8_t *psk, size_t psk_len);
/* In EARLY: binder_key ("ext binder" / "res binder"), then the PSK binder
 * finished key is tls_ks_finished_key(binder_key). */
TLS_MUST_CHECK int tls_ks_binder_key(const tls_ks *ks, int external, uint8_t *out);
/* In EARLY: client_early_traffic_secret = Derive-Secret(., "c e traffic", CH). */
TLS_MUST_CHECK int tls_ks_early_traffic(tls_ks *ks, const uint8_t *th_ch);
/*
 * EARLY (or NONE, which first runs tls_ks_early(NULL)) -> HANDSHAKE.
 * ecdhe: the (EC)DHE shared secret, or NULL for psk_ke. th: H(ClientHello..
 * ServerHello). Sets client_hs / server_hs.
 */
TLS_MUST_CHECK int tls_ks_handshake(tls_ks *ks, const uint8_t *ecdhe, size_t ecdhe_len,
                                    const uint8_t *th);
/* HANDSHAKE -> MASTER. th: H(ClientHello..server Finished). Sets client_ap,
 * server_ap, exporter. The handshake traffic secrets stay (the client
 * Finished still needs client_hs) until tls_ks_drop_handshake(). */
TLS_MUST_CHECK int tls_ks_master(tls_ks *ks, const uint8_t *th);
/* Wipe client_early, client_hs and server_hs (both Finished are done). */
void tls_ks_drop_handshake(tls_ks *ks);
/* In MASTER. th: H(ClientHello..client Finished). Sets resumption. */
TLS_MUST_CHECK int tls_ks_resumption(tls_ks *ks, const uint8_t *th);

/* --- stateless helpers (md-parameterised; cr: the library context whose
 * HKDF / TLS1-PRF / HMAC to use, NULL = default) ------------------------ */
/* HKDF-Extract(salt, ikm) -> hash_len bytes. salt NULL = hash_len zeros. */
TLS_MUST_CHECK int tls_hkdf_extract(const tls_crypto *cr, const EVP_MD *md, const uint8_t *salt,
                                    size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                                    uint8_t *out);
/* HKDF-Expand-Label(secret, label, context, out_len), label without "tls13 ". */
TLS_MUST_CHECK int tls_hkdf_expand_label(const tls_crypto *cr, const EVP_MD *md,
                                         const uint8_t *secret, const char *label,
                                         const uint8_t *ctx, size_t ctx_len, uint8_t *out,
                                         size_t out_len);
/* Derive-Secret(secret, label, th) with th an already computed transcript hash. */
TLS_MUST_CHECK int tls_derive_secret(const tls_crypto *cr, const EVP_MD *md, const uint8_t *secret,
                                     const char *label, const uint8_t *th, uint8_t *out);
/* Record key and IV from a traffic secret ("key", "iv"). */
TLS_MUST_CHECK int tls_ks_traffic_keys(const tls_crypto *cr, const EVP_MD *md,
                                       const uint8_t *secret, size_t key_len, size_t iv_len,
                                       uint8_t *key, uint8_t *iv);
/* finished_key = HKDF-Expand-Label(base, "finished", "", Hash.length). */
TLS_MUST_CHECK int tls_ks_finished_key(const tls_crypto *cr, const EVP_MD *md, const uint8_t *base,
                                       uint8_t *out);
/* verify_data = HMAC(finished_key(base), th) (RFC 8446 4.4.4); hash_len bytes. */
TLS_MUST_CHECK int tls_ks_finished(const tls_crypto *cr, const EVP_MD *md, const uint8_t *base,
                                   const uint8_t *th, uint8_t *out);
/* KeyUpdate (RFC 8446 7.2): secret <- HKDF-Expand-Label(secret, "traffic upd", "", Hash.length). */
TLS_MUST_CHECK int tls_ks_update_secret(const tls_crypto *cr, const EVP_MD *md, uint8_t *secret);
/* RFC 8446 7.5: TLS-Exporter(label, context, length) from the exporter
 * master secret. context NULL means the empty context (TLS 1.3 makes no
 * difference between "no context" and an empty one). */
TLS_MUST_CHECK int tls_ks_export(const tls_crypto *cr, const EVP_MD *md, const uint8_t *exporter,
                                 const char *label, size_t label_len, const uint8_t *context,
                                 size_t context_len, uint8_t *out, size_t out_len);
/* RFC 8446 4.6.1: PSK = HKDF-Expand-Label(resumption, "resumption", nonce, Hash.length). */
TLS_MUST_CHECK int tls_ks_ticket_psk(const tls_crypto *cr, const EVP_MD *md,
                                     const uint8_t *resumption, const uint8_t *nonce,
                                     size_t nonce_len, uint8_t *psk);

/* TLS 1.2 PRF (RFC 5246 5) with md (SHA-256 or SHA-384): out_len bytes of
 * PRF(secret, label, seed1 || seed2). seed2 may be NULL. */
TLS_MUST_CHECK int tls12_prf(const tls_crypto *cr, const EVP_MD *md, const uint8_t *secret,
                             size_t secret_len, const char *label, const uint8_t *seed1,
                             size_t seed1_len, const uint8_t *seed2, size_t seed2_len, uint8_t *out,
                             size_t out_len);

/* The same with the label and seed given as n parts (label first), each
 * (p, len); for labels that are not C strings (RFC 5705 exporters). */
typedef struct tls_prf_part {
    const uint8_t *p;
    size_t len;
} tls_prf_part;
TLS_MUST_CHECK int tls12_prf_parts(const tls_crypto *cr, const EVP_MD *md, const uint8_t *secret,
                                   size_t secret_len, const tls_prf_part *parts, size_t n,
                                   uint8_t *out, size_t out_len);

#ifdef __cplusplus
}
#endif

#endif
