/*
 * The TLS 1.2 side of the configuration: what the SSL_OP_* options, the
 * security level and the DH settings turn into in tls_config, and the TLS
 * 1.2 facts of a connection as the SSL_ctrl getters report them.
 *
 * Finite-field DH (server) follows OpenSSL 3.0: parameters come from
 * SSL_CTX_set0_tmp_dh_pkey / SSL_CTX_set_tmp_dh (checked against the
 * security level when they are set, SSL_R_DH_KEY_TOO_SMALL), or automatic
 * (SSL_CTX_set_dh_auto: core picks an RFC 7919 group matched to the
 * certificate), or the application's tmp_dh callback. With none of the
 * three a server does not negotiate DHE suites at all, as OpenSSL.
 *
 * The security level (OpenSSL 3.0's default callback) removes suites from
 * what is offered / accepted: weaker than the level's bits, MD5, anonymous,
 * SHA-1 MACs above 160 bits, and from level 3 on the suites without forward
 * secrecy. The application's security callback, when set, decides instead.
 */
#include "compat/compat.h"
#include "compat/init.h"

#include <string.h>

#include <openssl/dh.h>
#include <openssl/obj_mac.h>

int shimssl_tls12_compression(const tls_conn *c)
{
    return c != NULL ? tls_conn_compression(c) : 0;
}

/* --- security level ---------------------------------------------------------- */

/* Bits of security each level asks for (SSL_CTX_set_security_level(3)). */
static int shimssl_level_bits(int level)
{
    static const int bits[] = {0, 80, 112, 128, 192, 256};

    if (level <= 0)
        return 0;
    return bits[level > 5 ? 5 : level];
}

/* OpenSSL 3.0's default answer for a DH key of `bits` security bits: below
 * the level refused, and never under 80 bits even at level 0. */
static int shimssl_dh_bits_ok(int level, int bits)
{
    if (level <= 0)
        return bits >= 80;
    return bits >= shimssl_level_bits(level);
}

static int shimssl_ctx_dh_ok(SSL_CTX *ctx, EVP_PKEY *pkey)
{
    int bits = EVP_PKEY_get_security_bits(pkey);

    if (ctx->security_cb != NULL)
        return ctx->security_cb(NULL, ctx, SSL_SECOP_TMP_DH, bits, 0, pkey, ctx->security_ex_data);
    return shimssl_dh_bits_ok(ctx->security_level, bits);
}

static int shimssl_ssl_dh_ok(SSL *s, EVP_PKEY *pkey)
{
    int bits = EVP_PKEY_get_security_bits(pkey);

    if (s->security_cb != NULL)
        return s->security_cb(s, NULL, SSL_SECOP_TMP_DH, bits, 0, pkey, s->security_ex_data);
    return shimssl_dh_bits_ok(s->security_level, bits);
}

/* May this TLS 1.2 suite be used at the SSL's security level? */
static int shimssl_suite_secure(const SSL *s, uint16_t id)
{
    const tls_suite_info *info = tls_suite_by_id(id);
    int level = s->security_level, min = shimssl_level_bits(level);

    if (info == NULL)
        return 0;
    if (s->security_cb != NULL) {
        const SSL_CIPHER *c = shimssl_cipher_by_id(id);

        return c != NULL && s->security_cb(s, NULL, SSL_SECOP_CIPHER_SUPPORTED, info->strength_bits,
                                           info->cipher_nid, (void *)c, s->security_ex_data);
    }
    if (level <= 0)
        return 1;
    if (info->strength_bits < min)
        return 0;
    if (info->au == TLS_AU_NONE || info->mac_nid == NID_md5)
        return 0;
    /* HMAC-SHA1 gives 160 bits. */
    if (min > 160 && info->mac_nid == NID_sha1)
        return 0;
    /* Level 3 and up: forward secrecy only. */
    if (level >= 3 && info->kx != TLS_KX_DHE && info->kx != TLS_KX_ECDHE)
        return 0;
    return 1;
}

/* --- DH parameters --------------------------------------------------------------- */

int SSL_CTX_set0_tmp_dh_pkey(SSL_CTX *ctx, EVP_PKEY *dhpkey)
{
    if (ctx == NULL || dhpkey == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }
    /* On failure the key stays the caller's. */
    if (!shimssl_ctx_dh_ok(ctx, dhpkey)) {
        SHIMSSL_ERR(SSL_R_DH_KEY_TOO_SMALL);
        return 0;
    }
    EVP_PKEY_free(ctx->api_dh_tmp);
    ctx->api_dh_tmp = dhpkey;
    return 1;
}

int SSL_set0_tmp_dh_pkey(SSL *s, EVP_PKEY *dhpkey)
{
    if (s == NULL || dhpkey == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }
    if (!shimssl_ssl_dh_ok(s, dhpkey)) {
        SHIMSSL_ERR(SSL_R_DH_KEY_TOO_SMALL);
        return 0;
    }
    EVP_PKEY_free(s->api_dh_tmp);
    s->api_dh_tmp = dhpkey;
    return 1;
}

/* The deprecated DH type, as SSL_CTX_set_tmp_dh and the tmp_dh callback
 * hand it over (the caller keeps its own reference). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static EVP_PKEY *shimssl_dh_to_pkey(DH *dh)
{
    EVP_PKEY *pkey = EVP_PKEY_new();

    if (pkey == NULL || !EVP_PKEY_set1_DH(pkey, dh)) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    return pkey;
}
#pragma GCC diagnostic pop

/* SSL_CTRL_SET_TMP_DH on an SSL_CTX (ctx != NULL) or an SSL. */
long shimssl_tls12_set_tmp_dh(SSL_CTX *ctx, SSL *s, void *dh)
{
    EVP_PKEY *pkey;
    int ok;

    if (dh == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }
    if ((pkey = shimssl_dh_to_pkey(dh)) == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
        return 0;
    }
    ok = ctx != NULL ? SSL_CTX_set0_tmp_dh_pkey(ctx, pkey) : SSL_set0_tmp_dh_pkey(s, pkey);
    if (!ok)
        EVP_PKEY_free(pkey);
    return ok;
}

long shimssl_tls12_set_dh_auto(SSL_CTX *ctx, SSL *s, long onoff)
{
    if (ctx != NULL)
        ctx->api_dh_auto = onoff != 0;
    else
        s->api_dh_auto = onoff != 0;
    return 1;
}

void SSL_CTX_set_tmp_dh_callback(SSL_CTX *ctx, DH *(*dh)(SSL *ssl, int is_export, int keylength))
{
    ctx->api_dh_tmp_cb = dh;
}

void SSL_set_tmp_dh_callback(SSL *s, DH *(*dh)(SSL *ssl, int is_export, int keylength))
{
    s->api_dh_tmp_cb = dh;
}

/* --- lifecycle ------------------------------------------------------------------ */

void shimssl_tls12_ctx_free(SSL_CTX *ctx)
{
    EVP_PKEY_free(ctx->api_dh_tmp);
    ctx->api_dh_tmp = NULL;
}

int shimssl_tls12_ssl_init(SSL *s)
{
    SSL_CTX *ctx = s->ctx;

    if (ctx->api_dh_tmp != NULL && !EVP_PKEY_up_ref(ctx->api_dh_tmp))
        return 0;
    s->api_dh_tmp = ctx->api_dh_tmp;
    s->api_dh_auto = ctx->api_dh_auto;
    s->api_dh_tmp_cb = ctx->api_dh_tmp_cb;
    return 1;
}

void shimssl_tls12_ssl_free(SSL *s)
{
    EVP_PKEY_free(s->api_dh_tmp);
    EVP_PKEY_free(s->api_dh_cb_key);
    s->api_dh_tmp = s->api_dh_cb_key = NULL;
}

/* --- the engine's configuration -------------------------------------------------- */

/*
 * core's dh_params_hook: the application's tmp_dh callback, asked when a
 * DHE ServerKeyExchange is written, as OpenSSL 3.0 asks it (is_export 0,
 * keylength 1024; the result is checked against the security level by
 * core). Not cached: OpenSSL asks at every DHE handshake.
 */
static EVP_PKEY *shimssl_dh_from_callback(void *arg, tls_conn *c)
{
    SSL *s = arg;
    DH *dh = s->api_dh_tmp_cb(s, 0, 1024);

    (void)c;
    EVP_PKEY_free(s->api_dh_cb_key);
    s->api_dh_cb_key = dh != NULL ? shimssl_dh_to_pkey(dh) : NULL;
    return s->api_dh_cb_key;
}

/*
 * Server: where DHE parameters come from, in OpenSSL's order: automatic,
 * then set parameters, then the callback (asked only when a DHE suite is
 * chosen). 0 when DHE is not available at all.
 */
static int shimssl_dh_for_config(SSL *s, tls_config *cfg)
{
    cfg->dh_params = NULL;
    cfg->dh_params_hook = NULL;
    if (s->api_dh_auto)
        return 1;
    if (s->api_dh_tmp != NULL) {
        cfg->dh_params = s->api_dh_tmp;
        return 1;
    }
    if (s->api_dh_tmp_cb == NULL)
        return 0;
    cfg->dh_params_hook = shimssl_dh_from_callback;
    return 1;
}

/*
 * Called while tls_config is built (shimssl_config_features), after
 * cfg->tls12_suites was set from the SSL's cipher list: the TLS 1.2 flags,
 * the security level, the DH parameters, and the suite list narrowed to
 * what the security level and the DH settings allow (in place: the list is
 * the SSL's own copy, s->api_tls12_ids).
 */
void shimssl_tls12_config(SSL *s, tls_config *cfg)
{
    size_t k = 0;
    int dhe = 1;

    /*
     * Compression only when the application cleared SSL_OP_NO_COMPRESSION
     * (set by default in SSL_CTX_new). TLS compression under encryption
     * lets an attacker who can inject chosen plaintext next to a secret
     * (a cookie) recover it from the record lengths: CRIME (2012). Only
     * for closed setups that know their data contains no secrets.
     */
    if (!(s->options & SSL_OP_NO_COMPRESSION) && shimssl_comp_deflate_listed())
        cfg->flags |= TLS_CFG_COMPRESSION;
    if (s->options & SSL_OP_NO_ENCRYPT_THEN_MAC)
        cfg->flags |= TLS_CFG_NO_ETM;
    if (s->options & SSL_OP_NO_EXTENDED_MASTER_SECRET)
        cfg->flags |= TLS_CFG_NO_EMS;
    /* RFC 5746: by default (OpenSSL 3.0) a client refuses a server that
     * does not support secure renegotiation. */
    if (s->options & SSL_OP_LEGACY_SERVER_CONNECT)
        cfg->flags |= TLS_CFG_LEGACY_RENEG;
    cfg->security_level = s->security_level;
    if (s->server)
        dhe = shimssl_dh_for_config(s, cfg);

    for (size_t i = 0; i < cfg->n_tls12_suites && s->api_tls12_ids != NULL; i++) {
        uint16_t id = s->api_tls12_ids[i];
        const tls_suite_info *info = tls_suite_by_id(id);

        if (info == NULL || !shimssl_suite_secure(s, id))
            continue;
        if (!dhe && info->kx == TLS_KX_DHE)
            continue;
        s->api_tls12_ids[k++] = id;
    }
    cfg->n_tls12_suites = k;
    if (k == 0)
        cfg->tls12_suites = NULL;
}

/* --- what the connection negotiated ----------------------------------------------- */

/* SSL_get_secure_renegotiation_support: the peer supports RFC 5746. */
long shimssl_tls12_ri_support(const SSL *s)
{
    tls_conn *c = shimssl_conn(s);

    return c != NULL ? tls_conn_secure_reneg(c) != 0 : 0;
}

/* SSL_get_extms_support: -1 while there is no finished handshake, else
 * whether the extended master secret (RFC 7627) was used. */
long shimssl_tls12_extms_support(const SSL *s)
{
    tls_conn *c = shimssl_conn(s);

    if (c == NULL || s->hs_phase != SHIMSSL_HS_DONE)
        return -1;
    return tls_conn_ems(c) != 0;
}
