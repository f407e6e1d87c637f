/*
 * core/keysched: TLS 1.3 key schedule (RFC 8446 7.1) and TLS 1.2 PRF.
 *
 * HKDF and the TLS 1.2 PRF are libcrypto's EVP_KDF implementations, fetched
 * once per library context (core/crypto.c's tls_crypto, passed in). What lives here is the TLS
 * framing around them (HkdfLabel, Derive-Secret) and the stage discipline: each stage secret is
 * derived from the previous one exactly once, in order, and the previous one
 * is wiped as soon as it has been used.
 */
#include "core/keysched.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

static size_t md_len(const EVP_MD *md)
{
    return md != NULL ? (size_t)EVP_MD_get_size(md) : 0;
}

/* Run the context's HKDF (prf 0) or TLS1-PRF (prf 1) with params; the ctx
 * is freed (and wiped by libcrypto). */
static int kdf_run(const tls_crypto *cr, int prf, const OSSL_PARAM *params, uint8_t *out,
                   size_t out_len)
{
    EVP_KDF *kdf = tls_crypto_kdf(cr, prf);
    ENSURE(kdf != NULL, TLS_ERR_INTERNAL);
    EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
    ENSURE(ctx != NULL, TLS_ERR_INTERNAL);
    int ok = EVP_KDF_derive(ctx, out, out_len, params) == 1;
    EVP_KDF_CTX_free(ctx);
    ENSURE(ok, TLS_ERR_INTERNAL);
    return 0;
}

/* The digest by name (the KDF fetches it from its own provider's context)
 * and our property query, if any: two params. */
static size_t md_params(const tls_crypto *cr, const EVP_MD *md, OSSL_PARAM *p)
{
    const char *propq = tls_crypto_propq(cr);
    p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0);
    if (propq == NULL)
        return 1;
    p[1] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_PROPERTIES, (char *)propq, 0);
    return 2;
}

/* ------------------------------------------------------------------ HKDF */

int tls_hkdf_extract(const tls_crypto *cr, const EVP_MD *md, const uint8_t *salt, size_t salt_len,
                     const uint8_t *ikm, size_t ikm_len, uint8_t *out)
{
    static const uint8_t zeros[TLS_MAX_HASH];
    size_t hl = md_len(md);
    ENSURE(hl > 0 && hl <= TLS_MAX_HASH, TLS_ERR_INTERNAL);
    /* RFC 5869 2.2: a missing salt is HashLen zeros. */
    if (salt == NULL) {
        salt = zeros;
        salt_len = hl;
    }
    int mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
    OSSL_PARAM params[6];
    size_t k = md_params(cr, md, params);
    params[k++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    params[k++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
    params[k++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
    params[k] = OSSL_PARAM_construct_end();
    return kdf_run(cr, 0, params, out, hl);
}

/*
 * struct {
 *     uint16 length = Length;
 *     opaque label<7..255> = "tls13 " + Label;
 *     opaque context<0..255> = Context;
 * } HkdfLabel;                                  (RFC 8446 7.1)
 */
static int hkdf_label(tls_writer *w, const char *label, size_t label_len, const uint8_t *ctx,
                      size_t ctx_len, size_t out_len)
{
    static const char prefix[] = "tls13 ";
    size_t mark;
    ENSURE(out_len <= 0xffff && label_len <= 255 - 6 && ctx_len <= 255, TLS_ERR_INTERNAL);
    TRY(tls_wr_u16(w, (uint16_t)out_len));
    TRY(tls_wr_open(w, 1, &mark));
    TRY(tls_wr_bytes(w, prefix, sizeof(prefix) - 1));
    TRY(tls_wr_bytes(w, label, label_len));
    TRY(tls_wr_close(w, 1, mark));
    TRY(tls_wr_open(w, 1, &mark));
    TRY(tls_wr_bytes(w, ctx, ctx_len));
    return tls_wr_close(w, 1, mark);
}

static int expand_label(const tls_crypto *cr, const EVP_MD *md, const uint8_t *secret,
                        const char *label, size_t label_len, const uint8_t *ctx, size_t ctx_len,
                        uint8_t *out, size_t out_len)
{
    uint8_t info_buf[2 + 1 + 255 + 1 + 255];
    tls_writer info;
    size_t hl = md_len(md);
    ENSURE(hl > 0 && hl <= TLS_MAX_HASH, TLS_ERR_INTERNAL);
    tls_wr_init_fixed(&info, info_buf, sizeof(info_buf));
    TRY(hkdf_label(&info, label, label_len, ctx, ctx_len, out_len));
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM params[6];
    size_t k = md_params(cr, md, params);
    params[k++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    params[k++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, hl);
    params[k++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.buf, info.len);
    params[k] = OSSL_PARAM_construct_end();
    return kdf_run(cr, 0, params, out, out_len);
}

int tls_hkdf_expand_label(const tls_crypto *cr, const EVP_MD *md, const uint8_t *secret,
                          const char *label, const uint8_t *ctx, size_t ctx_len, uint8_t *out,
                          size_t out_len)
{
    return expand_label(cr, md, secret, label, strlen(label), ctx, ctx_len, out, out_len);
}

int tls_derive_secret(const tls_crypto *cr, const EVP_MD *md, const uint8_t *secret,
                      const char *label, const uint8_t *th, uint8_t *out)
{
    size_t hl = md_len(md);
    return tls_hkdf_expand_label(cr, md, secret, label, th, hl, out, hl);
}

/* Derive-Secret over the empty transcript: Hash("") as context. */
static int derive_secret_empty(const tls_crypto *cr, const EVP_MD *md, const uint8_t *secret,
                               const char *label, uint8_t *out)
{
    uint8_t empty[TLS_MAX_HASH];
    TRY(tls_hash(md, NULL, 0, empty));
    return tls_derive_secret(cr, md, secret, label, empty, out);
}

int tls_ks_traffic_keys(const tls_crypto *cr, const EVP_MD *md, const uint8_t *secret,
                        size_t key_len, size_t iv_len, uint8_t *key, uint8_t *iv)
{
    TRY(tls_hkdf_expand_label(cr, md, secret, "key", NULL, 0, key, key_len));
    return tls_hkdf_expand_label(cr, md, secret, "iv", NULL, 0, iv, iv_len);
}

int tls_ks_finished_key(const tls_crypto *cr, const EVP_MD *md, const uint8_t *base, uint8_t *out)
{
    return tls_hkdf_expand_label(cr, md, base, "finished", NULL, 0, out, md_len(md));
}

int tls_ks_finished(const tls_crypto *cr, const EVP_MD *md, const uint8_t *base, const uint8_t *th,
                    uint8_t *out)
{
    uint8_t fk[TLS_MAX_HASH];
    size_t hl = md_len(md);
    int rc = tls_ks_finished_key(cr, md, base, fk);
    if (rc == 0)
        rc = tls_hmac(cr, md, fk, hl, th, hl, out);
    OPENSSL_cleanse(fk, sizeof(fk));
    return rc;
}

int tls_ks_update_secret(const tls_crypto *cr, const EVP_MD *md, uint8_t *secret)
{
    uint8_t next[TLS_MAX_HASH];
    size_t hl = md_len(md);
    int rc = tls_hkdf_expand_label(cr, md, secret, "traffic upd", NULL, 0, next, hl);
    if (rc == 0)
        memcpy(secret, next, hl);
    OPENSSL_cleanse(next, sizeof(next));
    return rc;
}

int tls_ks_export(const tls_crypto *cr, const EVP_MD *md, const uint8_t *exporter,
                  const char *label, size_t label_len, const uint8_t *context, size_t context_len,
                  uint8_t *out, size_t out_len)
{
    /* RFC 8446 7.5:
     *   TLS-Exporter(label, context_value, key_length) =
     *     HKDF-Expand-Label(Derive-Secret(Secret, label, ""),
     *                       "exporter", Hash(context_value), key_length) */
    uint8_t empty[TLS_MAX_HASH], ctx_hash[TLS_MAX_HASH], secret[TLS_MAX_HASH];
    size_t hl = md_len(md);
    ENSURE(label_len <= 255 - 6, TLS_ERR_INTERNAL);
    TRY(tls_hash(md, NULL, 0, empty));
    TRY(tls_hash(md, context, context != NULL ? context_len : 0, ctx_hash));
    int rc = expand_label(cr, md, exporter, label, label_len, empty, hl, secret, hl);
    if (rc == 0)
        rc = expand_label(cr, md, secret, "exporter", 8, ctx_hash, hl, out, out_len);
    OPENSSL_cleanse(secret, sizeof(secret));
    return rc;
}

int tls_ks_ticket_psk(const tls_crypto *cr, const EVP_MD *md, const uint8_t *resumption,
                      const uint8_t *nonce, size_t nonce_len, uint8_t *psk)
{
    return tls_hkdf_expand_label(cr, md, resumption, "resumption", nonce, nonce_len, psk,
                                 md_len(md));
}

/* ------------------------------------------------------ staged schedule */

int tls_ks_init(tls_ks *ks, const tls_crypto *cr, const EVP_MD *md)
{
    memset(ks, 0, sizeof(*ks));
    size_t hl = md_len(md);
    ENSURE(hl > 0 && hl <= TLS_MAX_HASH, TLS_ERR_INTERNAL);
    ks->cr = cr;
    ks->md = md;
    ks->hash_len = hl;
    ks->stage = TLS_KS_NONE;
    return 0;
}

void tls_ks_clear(tls_ks *ks)
{
    OPENSSL_cleanse(ks, sizeof(*ks));
}

int tls_ks_early(tls_ks *ks, const uint8_t *psk, size_t psk_len)
{
    static const uint8_t zeros[TLS_MAX_HASH];
    ENSURE(ks->stage == TLS_KS_NONE && ks->md != NULL, TLS_ERR_INTERNAL);
    if (psk == NULL || psk_len == 0) {
        psk = zeros;
        psk_len = ks->hash_len;
    }
    TRY(tls_hkdf_extract(ks->cr, ks->md, NULL, 0, psk, psk_len, ks->secret));
    ks->stage = TLS_KS_EARLY;
    return 0;
}

int tls_ks_binder_key(const tls_ks *ks, int external, uint8_t *out)
{
    ENSURE(ks->stage == TLS_KS_EARLY, TLS_ERR_INTERNAL);
    return derive_secret_empty(ks->cr, ks->md, ks->secret, external ? "ext binder" : "res binder",
                               out);
}

int tls_ks_early_traffic(tls_ks *ks, const uint8_t *th_ch)
{
    ENSURE(ks->stage == TLS_KS_EARLY, TLS_ERR_INTERNAL);
    return tls_derive_secret(ks->cr, ks->md, ks->secret, "c e traffic", th_ch, ks->client_early);
}

/* stage secret <- HKDF-Extract(Derive-Secret(stage secret, "derived", ""), ikm) */
static int ks_advance(tls_ks *ks, const uint8_t *ikm, size_t ikm_len)
{
    static const uint8_t zeros[TLS_MAX_HASH];
    uint8_t derived[TLS_MAX_HASH];
    if (ikm == NULL || ikm_len == 0) {
        ikm = zeros;
        ikm_len = ks->hash_len;
    }
    int rc = derive_secret_empty(ks->cr, ks->md, ks->secret, "derived", derived);
    if (rc == 0)
        rc = tls_hkdf_extract(ks->cr, ks->md, derived, ks->hash_len, ikm, ikm_len, ks->secret);
    OPENSSL_cleanse(derived, sizeof(derived));
    return rc;
}

int tls_ks_handshake(tls_ks *ks, const uint8_t *ecdhe, size_t ecdhe_len, const uint8_t *th)
{
    if (ks->stage == TLS_KS_NONE)
        TRY(tls_ks_early(ks, NULL, 0));
    ENSURE(ks->stage == TLS_KS_EARLY, TLS_ERR_INTERNAL);
    TRY(ks_advance(ks, ecdhe, ecdhe_len));
    ks->stage = TLS_KS_HANDSHAKE;
    TRY(tls_derive_secret(ks->cr, ks->md, ks->secret, "c hs traffic", th, ks->client_hs));
    return tls_derive_secret(ks->cr, ks->md, ks->secret, "s hs traffic", th, ks->server_hs);
}

int tls_ks_master(tls_ks *ks, const uint8_t *th)
{
    ENSURE(ks->stage == TLS_KS_HANDSHAKE, TLS_ERR_INTERNAL);
    TRY(ks_advance(ks, NULL, 0));
    ks->stage = TLS_KS_MASTER;
    TRY(tls_derive_secret(ks->cr, ks->md, ks->secret, "c ap traffic", th, ks->client_ap));
    TRY(tls_derive_secret(ks->cr, ks->md, ks->secret, "s ap traffic", th, ks->server_ap));
    return tls_derive_secret(ks->cr, ks->md, ks->secret, "exp master", th, ks->exporter);
}

void tls_ks_drop_handshake(tls_ks *ks)
{
    OPENSSL_cleanse(ks->client_early, sizeof(ks->client_early));
    OPENSSL_cleanse(ks->client_hs, sizeof(ks->client_hs));
    OPENSSL_cleanse(ks->server_hs, sizeof(ks->server_hs));
}

int tls_ks_resumption(tls_ks *ks, const uint8_t *th)
{
    ENSURE(ks->stage == TLS_KS_MASTER, TLS_ERR_INTERNAL);
    TRY(tls_derive_secret(ks->cr, ks->md, ks->secret, "res master", th, ks->resumption));
    ks->have_resumption = 1;
    return 0;
}

/* ------------------------------------------------------------ TLS 1.2 PRF */

int tls12_prf(const tls_crypto *cr, const EVP_MD *md, const uint8_t *secret, size_t secret_len,
              const char *label, const uint8_t *seed1, size_t seed1_len, const uint8_t *seed2,
              size_t seed2_len, uint8_t *out, size_t out_len)
{
    ENSURE(md != NULL && label != NULL, TLS_ERR_INTERNAL);
    /* The KDF concatenates repeated seed parameters: label || seed1 || seed2. */
    OSSL_PARAM params[7];
    size_t k = md_params(cr, md, params);
    params[k++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, secret_len);
    params[k++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)label, strlen(label));
    params[k++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed1,
                                                    seed1 != NULL ? seed1_len : 0);
    params[k++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed2,
                                                    seed2 != NULL ? seed2_len : 0);
    params[k] = OSSL_PARAM_construct_end();
    return kdf_run(cr, 1, params, out, out_len);
}

int tls12_prf_parts(const tls_crypto *cr, const EVP_MD *md, const uint8_t *secret,
                    size_t secret_len, const tls_prf_part *parts, size_t n, uint8_t *out,
                    size_t out_len)
{
    enum { MAX_PARTS = 6 };
    OSSL_PARAM params[3 + MAX_PARTS + 1];
    ENSURE(md != NULL && n <= MAX_PARTS, TLS_ERR_INTERNAL);
    size_t k = md_params(cr, md, params);
    params[k++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, secret_len);
    /* The KDF concatenates repeated seed parameters in order. */
    for (size_t i = 0; i < n; i++)
        params[k++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)parts[i].p,
                                                        parts[i].p != NULL ? parts[i].len : 0);
    params[k] = OSSL_PARAM_construct_end();
    return kdf_run(cr, 1, params, out, out_len);
}
