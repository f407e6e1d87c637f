/*
 * core/tls12_crypto: the TLS 1.2 building blocks of core/tls12.h.
 *
 * The suite facts TLS 1.2 needs (key exchange, MAC, IV sizes) come from the
 * suite's descriptor (core/algs.c); the EVP objects are crypto.c's, fetched
 * once, so nothing here fetches per call.
 * Key derivation is the TLS 1.2 PRF of keysched.c (libcrypto's TLS1-PRF
 * KDF). Record protection itself is record.c's: this file derives the key
 * block and installs each direction's half.
 */
#include "core/tls12.h"

#include <pthread.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "core/keysched.h"

/* ------------------------------------------------------------- suites */

void tls12_suite_fill(tls12_suite *s, const tls_suite *base)
{
    memset(s, 0, sizeof(*s));
    const tls_suite_info *f = base->info;
    if (f == NULL || f->max_version < TLS_V12 || f->min_version > TLS_V12 || base->cipher == NULL ||
        base->md == NULL)
        return; /* not TLS 1.2, or the context lacks the cipher: unavailable */
    s->kx = f->kx;
    s->au = f->au;
    s->prf_md = base->md;
    s->cbc = !f->aead;
    s->enc_key_len = base->key_len;
    if (s->cbc) {
        s->mac_md = tls_md_by_nid(base->cr, f->mac_nid);
        if (s->mac_md == NULL)
            return;
        s->mac_key_len = (size_t)EVP_MD_get_size(s->mac_md);
        s->fixed_iv_len = 0;
        s->record_iv_len = 16; /* RFC 5246 6.2.3.2: one AES block */
    } else if (base->nonce_mode == TLS_NONCE_EXPLICIT) {
        s->fixed_iv_len = 4; /* RFC 5288 3: salt */
        s->record_iv_len = 8;
    } else {
        s->fixed_iv_len = TLS_AEAD_IV_LEN; /* RFC 7905 2 */
        s->record_iv_len = 0;
    }
    /* Set last: a NULL suite means "not available". */
    s->suite = base;
}

/* ------------------------------------------------------ master secret */

int tls12_master_secret(const tls12_suite *s, const uint8_t *pms, size_t pms_len, int ems,
                        const uint8_t *session_hash, size_t sh_len, const uint8_t client_random[32],
                        const uint8_t server_random[32], uint8_t ms[48])
{
    ENSURE(s != NULL && pms != NULL && pms_len > 0, TLS_ERR_INTERNAL);
    if (ems) {
        /* RFC 7627 4: the session hash replaces the two randoms. */
        ENSURE(session_hash != NULL && sh_len > 0 && sh_len <= TLS_MAX_HASH, TLS_ERR_INTERNAL);
        return tls12_prf(s->suite->cr, s->prf_md, pms, pms_len, "extended master secret",
                         session_hash, sh_len, NULL, 0, ms, 48);
    }
    /* RFC 5246 8.1 */
    return tls12_prf(s->suite->cr, s->prf_md, pms, pms_len, "master secret", client_random, 32,
                     server_random, 32, ms, 48);
}

/* ---------------------------------------------------------- key block */

/*
 * RFC 5246 6.3: key_block = PRF(master_secret, "key expansion",
 * server_random || client_random), cut into
 *   client_write_MAC_key, server_write_MAC_key,
 *   client_write_key,     server_write_key,
 *   client_write_IV,      server_write_IV.
 */
#define MAX_KEY_BLOCK (2 * (TLS_MAX_HASH + TLS_MAX_KEY + TLS_AEAD_IV_LEN))

int tls_rec_set_tls12(tls_rec_dir *d, int sending, int is_server, const tls12_suite *s,
                      const uint8_t ms[48], const uint8_t client_random[32],
                      const uint8_t server_random[32], int etm)
{
    ENSURE(s != NULL && s->suite != NULL, TLS_ERR_INTERNAL);
    size_t mk = s->mac_key_len, ek = s->enc_key_len, iv = s->fixed_iv_len;
    size_t total = 2 * (mk + ek + iv);
    ENSURE(mk <= TLS_MAX_HASH && ek <= TLS_MAX_KEY && iv <= TLS_AEAD_IV_LEN, TLS_ERR_INTERNAL);
    uint8_t kb[MAX_KEY_BLOCK];
    int rc = tls12_prf(s->suite->cr, s->prf_md, ms, 48, "key expansion", server_random, 32,
                       client_random, 32, kb, total);
    if (rc == 0) {
        /* The client's write keys protect what the client sends and the
         * server receives. */
        int client_half = (sending != 0) != (is_server != 0);
        size_t off = client_half ? 0 : 1;
        const uint8_t *mac_key = kb + off * mk;
        const uint8_t *key = kb + 2 * mk + off * ek;
        const uint8_t *fixed_iv = kb + 2 * mk + 2 * ek + off * iv;
        if (s->cbc)
            rc = tls_rec_set_cbc(d, sending, s->suite, s->mac_md, mac_key, key, etm);
        else
            rc = tls_rec_set_key(d, sending, TLS_REC_TLS12, s->suite, key, fixed_iv, iv);
    }
    OPENSSL_cleanse(kb, sizeof(kb));
    if (rc < 0)
        return rc;
    /* TLS 1.2 has no KeyUpdate: a key lives until renegotiation or the
     * end of the 2^64 sequence space. */
    d->limit = UINT64_MAX;
    return tls_rec_start_compression(d, sending);
}

/* ----------------------------------------------------------- Finished */

int tls12_finished(const tls12_suite *s, const uint8_t ms[48], int from_server, const uint8_t *hash,
                   size_t hash_len, uint8_t out[12])
{
    ENSURE(s != NULL && hash != NULL && hash_len <= TLS_MAX_HASH, TLS_ERR_INTERNAL);
    /* RFC 5246 7.4.9 */
    return tls12_prf(s->suite->cr, s->prf_md, ms, 48,
                     from_server ? "server finished" : "client finished", hash, hash_len, NULL, 0,
                     out, 12);
}

/* ----------------------------------------------------------- exporter */

/* RFC 5705 4: labels that would collide with the PRF uses of TLS itself. */
static int reserved_label(const char *label, size_t len)
{
    static const char *const reserved[] = {"client finished", "server finished", "master secret",
                                           "extended master secret", "key expansion"};
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (strlen(reserved[i]) == len && memcmp(reserved[i], label, len) == 0)
            return 1;
    return 0;
}

int tls12_export(const tls12_suite *s, const uint8_t ms[48], const uint8_t client_random[32],
                 const uint8_t server_random[32], const char *label, size_t label_len,
                 const uint8_t *context, size_t context_len, int use_context, uint8_t *out,
                 size_t out_len)
{
    ENSURE(s != NULL && (label != NULL || label_len == 0), TLS_ERR_INTERNAL);
    ENSURE(!reserved_label(label, label_len),
           TLS_ERR(TLS_AD_NONE, TLS_R_TLS_ILLEGAL_EXPORTER_LABEL));
    /* RFC 5705 4: seed = client_random + server_random
     *                    [+ context_value_length + context_value] */
    ENSURE(!use_context || context_len <= 0xffff, TLS_ERR_INTERNAL);
    uint8_t clen[2] = {(uint8_t)(context_len >> 8), (uint8_t)context_len};
    tls_prf_part parts[] = {
        {(const uint8_t *)label, label_len},
        {client_random, 32},
        {server_random, 32},
        {clen, 2},
        {context, context_len},
    };
    return tls12_prf_parts(s->suite->cr, s->prf_md, ms, 48, parts, use_context ? 5 : 3, out,
                           out_len);
}

/* --------------------------------------------------------------- DHE */

#define ERR_BAD_DH   TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_DH_VALUE)
#define ERR_DH_SMALL TLS_ERR(TLS_AD_HANDSHAKE_FAILURE, TLS_R_DH_KEY_TOO_SMALL)
#define DH_MAX_BYTES 1024 /* 8192-bit groups; larger ones are refused */

/* RFC 7919 groups and their strength (RFC 7919 Appendix A, NIST SP 800-57). */
static const struct {
    const char *name;
    int bits;
    int security;
} ffdhe[] = {
    {"ffdhe2048", 2048, 112}, {"ffdhe3072", 3072, 128}, {"ffdhe4096", 4096, 152},
    {"ffdhe6144", 6144, 176}, {"ffdhe8192", 8192, 192},
};
#define N_FFDHE (sizeof(ffdhe) / sizeof(ffdhe[0]))

/* One parameter object per group and library context, made once
 * (tls_crypto_dh_template): a context created from it reuses its key
 * manager, so per-connection key generation costs no fetch (as crypto.c
 * does for the ECDHE groups). */
static EVP_PKEY *ffdhe_template(const tls_crypto *cr, size_t i)
{
    return tls_crypto_dh_template(cr, i, ffdhe[i].name);
}

static int is_dh(EVP_PKEY *k)
{
    return k != NULL &&
           (EVP_PKEY_get_base_id(k) == EVP_PKEY_DH || EVP_PKEY_get_base_id(k) == EVP_PKEY_DHX);
}

/* A new key pair on the parameters of params. */
static int dh_keygen(const tls_crypto *cr, EVP_PKEY *params, EVP_PKEY **out)
{
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = tls_crypto_pkey_ctx(cr, params);
    int ok = ctx != NULL && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_keygen(ctx, &pkey) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) {
        EVP_PKEY_free(pkey);
        return TLS_ERR_INTERNAL;
    }
    *out = pkey;
    return 0;
}

/*
 * Automatic parameters: the RFC 7919 group whose strength matches the
 * certificate key (RSA-2048: 112 bits -> ffdhe2048, RSA-3072: 128 bits ->
 * ffdhe3072, ...), as OpenSSL's automatic DH does with its groups, and at
 * least min_bits.
 */
static int ffdhe_auto(const tls_crypto *cr, EVP_PKEY *cert_key, int min_bits, EVP_PKEY **tmpl)
{
    int want = cert_key != NULL ? EVP_PKEY_get_security_bits(cert_key) : 0;
    size_t i = 0;
    while (i + 1 < N_FFDHE && ffdhe[i].security < want)
        i++;
    while (i < N_FFDHE && ffdhe[i].bits < min_bits)
        i++;
    ENSURE(i < N_FFDHE, ERR_DH_SMALL);
    *tmpl = ffdhe_template(cr, i);
    ENSURE(*tmpl != NULL, TLS_ERR_INTERNAL);
    return 0;
}

/* opaque v<1..2^16-1> holding a big-endian BIGNUM. */
static int write_bn16(tls_writer *w, const BIGNUM *bn)
{
    size_t mark, n = (size_t)BN_num_bytes(bn);
    uint8_t *p;
    ENSURE(n >= 1 && n <= 0xffff, TLS_ERR_INTERNAL);
    TRY(tls_wr_open(w, 2, &mark));
    TRY(tls_wr_space(w, n, &p));
    ENSURE(BN_bn2bin(bn, p) == (int)n, TLS_ERR_INTERNAL);
    return tls_wr_close(w, 2, mark);
}

/*
 * struct {
 *     opaque dh_p<1..2^16-1>;
 *     opaque dh_g<1..2^16-1>;
 *     opaque dh_Ys<1..2^16-1>;
 * } ServerDHParams;                                (RFC 5246 7.4.3)
 */
static int write_server_dh_params(EVP_PKEY *priv, tls_writer *w)
{
    BIGNUM *p = NULL, *g = NULL;
    uint8_t *pub = NULL;
    size_t pub_len = 0, mark;
    int rc = TLS_ERR_INTERNAL;
    if (EVP_PKEY_get_bn_param(priv, OSSL_PKEY_PARAM_FFC_P, &p) != 1 ||
        EVP_PKEY_get_bn_param(priv, OSSL_PKEY_PARAM_FFC_G, &g) != 1)
        goto out;
    /* Ys padded with zeros to the size of p, as RFC 7919 3 asks. */
    pub_len = EVP_PKEY_get1_encoded_public_key(priv, &pub);
    if (pub_len == 0 || pub_len > 0xffff)
        goto out;
    rc = write_bn16(w, p);
    if (rc == 0)
        rc = write_bn16(w, g);
    if (rc == 0)
        rc = tls_wr_open(w, 2, &mark);
    if (rc == 0)
        rc = tls_wr_bytes(w, pub, pub_len);
    if (rc == 0)
        rc = tls_wr_close(w, 2, mark);
out:
    BN_free(p);
    BN_free(g);
    OPENSSL_free(pub);
    return rc;
}

int tls_dhe_server_params(const tls_crypto *cr, EVP_PKEY *params, EVP_PKEY *cert_key, int min_bits,
                          EVP_PKEY **priv, tls_writer *w)
{
    EVP_PKEY *tmpl = params;
    if (params != NULL) {
        ENSURE(is_dh(params), TLS_ERR_INTERNAL);
        ENSURE(EVP_PKEY_get_bits(params) >= min_bits, ERR_DH_SMALL);
        ENSURE(EVP_PKEY_get_bits(params) <= DH_MAX_BYTES * 8, TLS_ERR_INTERNAL);
    } else {
        TRY(ffdhe_auto(cr, cert_key, min_bits, &tmpl));
    }
    EVP_PKEY *key = NULL;
    TRY(dh_keygen(cr, tmpl, &key));
    int rc = write_server_dh_params(key, w);
    if (rc < 0) {
        EVP_PKEY_free(key);
        return rc;
    }
    *priv = key;
    return 0;
}

/* 1 < y < p - 1 (RFC 7919 5.1, NIST SP 800-56A 5.6.2.3.1). */
static int dh_value_ok(const BIGNUM *y, const BIGNUM *p)
{
    BIGNUM *pm1 = BN_dup(p);
    int ok = pm1 != NULL && BN_sub_word(pm1, 1) == 1 && BN_cmp(y, BN_value_one()) > 0 &&
             BN_cmp(y, pm1) < 0;
    BN_free(pm1);
    return ok;
}

/* Z = peer^priv mod p, leading zero bytes stripped (RFC 5246 8.1.2). */
static int dh_derive(const tls_crypto *cr, EVP_PKEY *priv, EVP_PKEY *peer, uint8_t *out, size_t cap,
                     size_t *out_len)
{
    size_t n = cap;
    EVP_PKEY_CTX *ctx = tls_crypto_pkey_ctx(cr, priv);
    int rc = 0;
    if (ctx == NULL || EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_CTX_set_dh_pad(ctx, 0) != 1)
        rc = TLS_ERR_INTERNAL;
    else if (EVP_PKEY_derive_set_peer_ex(ctx, peer, 1) != 1)
        rc = ERR_BAD_DH;
    else if (EVP_PKEY_derive(ctx, out, &n) != 1 || n == 0)
        rc = ERR_BAD_DH;
    EVP_PKEY_CTX_free(ctx);
    if (rc < 0) {
        OPENSSL_cleanse(out, cap);
        return rc;
    }
    *out_len = n;
    return 0;
}

int tls_dhe_server_derive(const tls_crypto *cr, EVP_PKEY *priv, const uint8_t *yc, size_t yc_len,
                          uint8_t *out, size_t cap, size_t *out_len)
{
    ENSURE(is_dh(priv), TLS_ERR_INTERNAL);
    BIGNUM *p = NULL, *y = NULL;
    EVP_PKEY *peer = NULL;
    int rc = 0;
    if (EVP_PKEY_get_bn_param(priv, OSSL_PKEY_PARAM_FFC_P, &p) != 1) {
        rc = TLS_ERR_INTERNAL;
        goto out;
    }
    if (cap < (size_t)BN_num_bytes(p)) {
        rc = TLS_ERR_INTERNAL;
        goto out;
    }
    /* dh_Yc may carry leading zeros up to the size of p, no more. */
    if (yc == NULL || yc_len == 0 || yc_len > (size_t)BN_num_bytes(p) ||
        (y = BN_bin2bn(yc, (int)yc_len, NULL)) == NULL || !dh_value_ok(y, p)) {
        rc = ERR_BAD_DH;
        goto out;
    }
    peer = EVP_PKEY_new();
    if (peer == NULL || EVP_PKEY_copy_parameters(peer, priv) != 1) {
        rc = TLS_ERR_INTERNAL;
        goto out;
    }
    if (EVP_PKEY_set1_encoded_public_key(peer, yc, yc_len) != 1) {
        rc = ERR_BAD_DH;
        goto out;
    }
    rc = dh_derive(cr, priv, peer, out, cap, out_len);
out:
    BN_free(p);
    BN_free(y);
    EVP_PKEY_free(peer);
    return rc;
}

/* A BIGNUM from an opaque<1..2^16-1> of r. */
static int read_bn16(tls_reader *r, BIGNUM **bn, size_t *len)
{
    tls_reader v;
    const uint8_t *p;
    TRY(tls_rd_vec_bounded(r, 2, 1, 0xffff, &v));
    *len = tls_rd_left(&v);
    TRY(tls_rd_bytes(&v, *len, &p));
    *bn = BN_bin2bn(p, (int)*len, NULL);
    ENSURE(*bn != NULL, TLS_ERR_INTERNAL);
    return 0;
}

/* The server's parameters and public value as a key (checked). */
static int dh_peer_key(const tls_crypto *cr, const BIGNUM *p, const BIGNUM *g, const BIGNUM *ys,
                       EVP_PKEY **out)
{
    EVP_PKEY *tmpl = ffdhe_template(cr, 0);
    ENSURE(tmpl != NULL, TLS_ERR_INTERNAL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL, *chk = NULL;
    EVP_PKEY *peer = NULL;
    int rc = TLS_ERR_INTERNAL;
    if (bld == NULL || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, ys) != 1 ||
        (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
        goto out;
    /* From the template: its key manager, no fetch. */
    ctx = tls_crypto_pkey_ctx(cr, tmpl);
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1)
        goto out;
    if (EVP_PKEY_fromdata(ctx, &peer, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        rc = ERR_BAD_DH;
        goto out;
    }
    chk = tls_crypto_pkey_ctx(cr, peer);
    if (chk == NULL)
        goto out;
    if (EVP_PKEY_param_check_quick(chk) != 1 || EVP_PKEY_public_check(chk) != 1) {
        rc = ERR_BAD_DH;
        goto out;
    }
    *out = peer;
    peer = NULL;
    rc = 0;
out:
    EVP_PKEY_CTX_free(chk);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(peer);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    return rc;
}

int tls_dhe_client(const tls_crypto *cr, tls_reader *r, int min_bits, EVP_PKEY **peer_out,
                   uint8_t *yc, size_t yc_cap, size_t *yc_len, uint8_t *secret, size_t secret_cap,
                   size_t *secret_len)
{
    BIGNUM *p = NULL, *g = NULL, *ys = NULL;
    EVP_PKEY *peer = NULL, *priv = NULL;
    uint8_t *pub = NULL;
    size_t p_len = 0, g_len = 0, ys_len = 0;
    int rc = read_bn16(r, &p, &p_len);
    if (rc == 0)
        rc = read_bn16(r, &g, &g_len);
    if (rc == 0)
        rc = read_bn16(r, &ys, &ys_len);
    if (rc < 0)
        goto out;
    /* A usable prime: odd, at most 8192 bits; g and Ys in (1, p-1). */
    if (!BN_is_odd(p) || BN_num_bits(p) < 3 || BN_num_bytes(p) > DH_MAX_BYTES ||
        !dh_value_ok(g, p) || !dh_value_ok(ys, p)) {
        rc = ERR_BAD_DH;
        goto out;
    }
    if ((rc = dh_peer_key(cr, p, g, ys, &peer)) < 0)
        goto out;
    /* Only now the size: a malformed group is illegal_parameter, a small
     * one a handshake failure (as OpenSSL's client). */
    if (BN_num_bits(p) < min_bits) {
        rc = ERR_DH_SMALL;
        goto out;
    }
    if ((rc = dh_keygen(cr, peer, &priv)) < 0)
        goto out;
    size_t n = EVP_PKEY_get1_encoded_public_key(priv, &pub);
    if (n == 0 || n > yc_cap || secret_cap < (size_t)BN_num_bytes(p)) {
        rc = TLS_ERR_INTERNAL;
        goto out;
    }
    if ((rc = dh_derive(cr, priv, peer, secret, secret_cap, secret_len)) < 0)
        goto out;
    memcpy(yc, pub, n);
    *yc_len = n;
    EVP_PKEY_free(*peer_out);
    *peer_out = peer;
    peer = NULL;
out:
    BN_free(p);
    BN_free(g);
    BN_free(ys);
    OPENSSL_free(pub);
    EVP_PKEY_free(peer);
    EVP_PKEY_free(priv);
    return rc;
}

/* ------------------------------------------------- RSA key transport */

static int is_rsa(EVP_PKEY *k)
{
    return k != NULL && EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA;
}

int tls_rsa_kx_encrypt(const tls_crypto *cr, EVP_PKEY *server_key, uint16_t client_version,
                       uint8_t pms[48], uint8_t *out, size_t cap, size_t *out_len)
{
    ENSURE(is_rsa(server_key), TLS_ERR_INTERNAL);
    /* The server's key comes from the peer: one too small to carry the
     * premaster in PKCS#1 (48 bytes + 11) is refused as OpenSSL's security
     * check refuses a small end-entity key, not as an internal error. */
    ENSURE(EVP_PKEY_get_size(server_key) >= 48 + 11,
           TLS_ERR(TLS_AD_HANDSHAKE_FAILURE, TLS_R_EE_KEY_TOO_SMALL));
    /* RFC 5246 7.4.7.1: client_version (the ClientHello's) || random[46]. */
    pms[0] = (uint8_t)(client_version >> 8);
    pms[1] = (uint8_t)client_version;
    TRY(tls_random(cr, pms + 2, 46));
    size_t n = 0;
    EVP_PKEY_CTX *ctx = tls_crypto_pkey_ctx(cr, server_key);
    int ready = ctx != NULL && EVP_PKEY_encrypt_init(ctx) == 1 &&
                EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
                EVP_PKEY_encrypt(ctx, NULL, &n, pms, 48) == 1 && n <= cap;
    int ok = ready && EVP_PKEY_encrypt(ctx, out, &n, pms, 48) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ready) {
        OPENSSL_cleanse(pms, 48);
        return TLS_ERR_INTERNAL;
    }
    if (!ok) {
        /* The key is the peer's (a certificate whose RSA key libcrypto
         * cannot encrypt with): OpenSSL says BAD_RSA_ENCRYPT with
         * internal_error; the fault is the peer's, so the alert says so. */
        OPENSSL_cleanse(pms, 48);
        return TLS_FAIL(TLS_AD_HANDSHAKE_FAILURE, TLS_R_BAD_RSA_ENCRYPT);
    }
    *out_len = n;
    return 0;
}

/*
 * RFC 5246 7.4.7.1 done by libcrypto in constant time: the
 * RSA_PKCS1_WITH_TLS_PADDING mode decrypts, checks the PKCS#1 padding, the
 * length and the embedded version, and returns either the premaster or a
 * random one without branching on which.
 */
int tls_rsa_kx_decrypt(const tls_crypto *cr, EVP_PKEY *key, uint16_t client_version,
                       const uint8_t *enc, size_t enc_len, uint8_t pms[48])
{
    ENSURE(is_rsa(key) && EVP_PKEY_get_size(key) >= 48, TLS_ERR_INTERNAL);
    /* Only the ClientHello's version is accepted in the premaster. (The
     * TLS_NEGOTIATED_VERSION parameter would also accept the negotiated
     * one: OpenSSL's SSL_OP_TLS_ROLLBACK_BUG workaround, off by default.) */
    unsigned int cv = client_version;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_uint(OSSL_ASYM_CIPHER_PARAM_TLS_CLIENT_VERSION, &cv),
        OSSL_PARAM_construct_end(),
    };
    size_t n = 48;
    EVP_PKEY_CTX *ctx = tls_crypto_pkey_ctx(cr, key);
    int rc = 0;
    if (ctx == NULL || EVP_PKEY_decrypt_init(ctx) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_WITH_TLS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_params(ctx, params) != 1)
        rc = TLS_ERR_INTERNAL;
    /* Fails only for a ciphertext that is no RSA input at all (longer
     * than, or numerically above, the modulus): public facts. */
    else if (enc_len == 0 || EVP_PKEY_decrypt(ctx, pms, &n, enc, enc_len) != 1 || n != 48)
        rc = TLS_ERR(TLS_AD_DECRYPT_ERROR, TLS_R_DECRYPTION_FAILED);
    EVP_PKEY_CTX_free(ctx);
    if (rc < 0)
        OPENSSL_cleanse(pms, 48);
    return rc;
}
