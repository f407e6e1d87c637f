/*
 * The one place that builds the engine's configuration (tls_config) from an
 * SSL and its SSL_CTX, when the engine connection is created: the common
 * settings here, then each feature's section through the function its file
 * exports (shimssl_config_features lists them), called from here only.
 * After that it changes in two ways only: a callback that switched the
 * certificate (shimssl_config_identity, here), and the verify mode of a
 * post-handshake request (SSL_verify_client_post_handshake).
 */
#include "compat/compat.h"
#include "compat/custom_ext.h"
#include "compat/init.h"
#include "compat/sess.h"
#include "compat/ssl_status.h"

#include <string.h>

/* The protocol range allowed by the method, min/max settings and the
 * SSL_OP_NO_TLSv1_x options, clipped to what ShimSSL implements. An empty
 * range (lo > hi) goes to the engine as it is: its start fails with a
 * protocol_version alert and NO_PROTOCOLS_AVAILABLE, as OpenSSL 3.0's. */
static void shimssl_version_range(const SSL *s, uint16_t *lo, uint16_t *hi)
{
    int min = s->min_proto_version, max = s->max_proto_version;

    if (s->method->version != 0)
        min = max = s->method->version;
    if (min < TLS1_2_VERSION)
        min = TLS1_2_VERSION;
    if (max == 0 || max > TLS1_3_VERSION)
        max = TLS1_3_VERSION;
    if ((s->options & SSL_OP_NO_TLSv1_3) && max == TLS1_3_VERSION)
        max = TLS1_2_VERSION;
    if ((s->options & SSL_OP_NO_TLSv1_2) && min == TLS1_2_VERSION)
        min = TLS1_3_VERSION;
    *lo = (uint16_t)min;
    *hi = (uint16_t)max;
}

/*
 * Copy every list the engine will point at into one allocation owned by the
 * SSL, so that changing a setting mid-connection cannot change what the
 * engine sees (tls_config must stay unchanged while the tls_conn lives).
 */
int shimssl_config_build(SSL *s)
{
    tls_config *cfg = &s->cfg;
    const shimssl_u16_list *groups = shimssl_ssl_groups(s), *sigalgs = shimssl_ssl_sigalgs(s);
    const uint16_t *suites = s->tls13_suites != NULL ? s->tls13_suites : s->ctx->tls13_suites;
    size_t n_suites = s->tls13_suites != NULL ? s->n_tls13_suites : s->ctx->n_tls13_suites;
    /* SSL_set_alpn_protos is what a client offers. A server chooses only
     * through its select callback: OpenSSL's negotiates nothing without
     * one, whatever list it was given, so the engine gets no list of its
     * own to choose from. */
    const unsigned char *alpn = s->server ? NULL : s->alpn != NULL ? s->alpn : s->ctx->alpn;
    size_t alpn_len = s->server ? 0 : s->alpn != NULL ? s->alpn_len : s->ctx->alpn_len;
    size_t host_len = s->hostname != NULL && !s->server ? strlen(s->hostname) + 1 : 0;
    const shimssl_u16_list *csig =
        s->client_sigalgs.n > 0 ? &s->client_sigalgs : &s->ctx->client_sigalgs;
    size_t n16 = n_suites + groups->n + sigalgs->n + csig->n;
    uint8_t *blob;
    uint16_t *p16;

    memset(cfg, 0, sizeof(*cfg));
    shimssl_version_range(s, &cfg->min_version, &cfg->max_version);
    blob = OPENSSL_malloc(n16 * sizeof(uint16_t) + alpn_len + host_len + 1);
    if (blob == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
        return 0;
    }
    OPENSSL_free(s->cfg_storage);
    s->cfg_storage = (uint16_t *)blob;
    p16 = (uint16_t *)blob;
    if (n_suites > 0) {
        memcpy(p16, suites, n_suites * sizeof(uint16_t));
        cfg->tls13_suites = p16;
        cfg->n_tls13_suites = n_suites;
        p16 += n_suites;
    }
    if (groups->n > 0) {
        memcpy(p16, groups->v, groups->n * sizeof(uint16_t));
        cfg->groups = p16;
        cfg->n_groups = groups->n;
        p16 += groups->n;
    }
    if (sigalgs->n > 0) {
        memcpy(p16, sigalgs->v, sigalgs->n * sizeof(uint16_t));
        cfg->sigalgs = p16;
        cfg->n_sigalgs = sigalgs->n;
        p16 += sigalgs->n;
    }
    if (csig->n > 0) {
        memcpy(p16, csig->v, csig->n * sizeof(uint16_t));
        cfg->client_sigalgs = p16;
        cfg->n_client_sigalgs = csig->n;
        p16 += csig->n;
    }
    blob = (uint8_t *)p16;
    if (alpn_len > 0) {
        memcpy(blob, alpn, alpn_len);
        cfg->alpn = blob;
        cfg->alpn_len = alpn_len;
        blob += alpn_len;
    }
    if (host_len > 0) {
        memcpy(blob, s->hostname, host_len);
        cfg->server_name = (const char *)blob;
    }
    cfg->n_key_shares = 1;
    if (s->crypto != s->ctx->crypto) {
        tls_crypto_up_ref(s->ctx->crypto);
        tls_crypto_free(s->crypto);
        s->crypto = s->ctx->crypto;
    }
    cfg->crypto = s->crypto;

    if (!(s->options & SSL_OP_ENABLE_MIDDLEBOX_COMPAT))
        cfg->flags |= TLS_CFG_NO_MIDDLEBOX_COMPAT;
    if (s->options & SSL_OP_NO_TICKET)
        cfg->flags |= TLS_CFG_NO_TICKET;
    if (s->options & SSL_OP_CIPHER_SERVER_PREFERENCE)
        cfg->flags |= TLS_CFG_SERVER_PREFERENCE;
    if (s->options & SSL_OP_PRIORITIZE_CHACHA)
        cfg->flags |= TLS_CFG_PRIORITIZE_CHACHA;

    shimssl_config_identity(s);
    cfg->verify_chain = shimssl_verify_chain;
    cfg->keylog = s->ctx->keylog_cb != NULL ? shimssl_cb_keylog : NULL;
    cfg->msg = shimssl_cb_msg;
    cfg->event = shimssl_cb_event;
    cfg->client_hello = s->server ? shimssl_cb_client_hello : NULL;
    cfg->cb_arg = s;
    return shimssl_config_features(s, cfg);
}

/* The certificate, key, chain and further identities the engine offers:
 * at the start, and again after a callback that may have changed them
 * (servername, client_hello, cert_cb, client_cert_cb). */
void shimssl_config_identity(SSL *s)
{
    tls_config *cfg = &s->cfg;

    cfg->cert = s->cert;
    cfg->key = s->key;
    cfg->chain = s->chain != NULL                       ? s->chain
                 : sk_X509_num(s->ctx->extra_certs) > 0 ? s->ctx->extra_certs
                                                        : NULL;
    cfg->n_ids = shimssl_cert_fill_ids(cfg->ids, s->other_ids);
}

/*
 * The feature sections, each filled by the file that owns the feature
 * (sessions, client authentication, OCSP, custom extensions, TLS 1.2,
 * record sizes), in this order, then the check that the highest version
 * enabled has a suite to use. Separate from shimssl_config_build so that
 * a test can run it on a configuration of its own.
 */
int shimssl_config_features(SSL *s, tls_config *cfg)
{
    const uint16_t *v13 = s->tls13_suites != NULL ? s->tls13_suites : s->ctx->tls13_suites;
    size_t n13 = s->tls13_suites != NULL ? s->n_tls13_suites : s->ctx->n_tls13_suites;
    const uint16_t *ids;
    size_t n12;

    cfg->verify_chain = shimssl_verify_chain;
    if (!shimssl_sess_config(s, cfg))
        return 0;
    if (!shimssl_clientauth_config(s, cfg))
        return 0;
    if (!shimssl_status_config(s, cfg))
        return 0;
    shimssl_cext_config(s, cfg);
    n12 = shimssl_cipher_tls12_ids(s, &ids);
    cfg->tls12_suites = ids;
    cfg->n_tls12_suites = n12;
    /* TLS 1.2 flags, security level, DH; narrows the suites. */
    shimssl_tls12_config(s, cfg);
    shimssl_recsize_config(s, cfg);
    n12 = cfg->n_tls12_suites;
    /* As OpenSSL 3.0 (tls_setup_handshake, tls_construct_ciphers): the
     * highest version enabled must have a suite, else both sides fail
     * before anything is sent. An emptied TLS 1.3 list therefore needs
     * TLS 1.3 switched off as well. */
    if (v13 != NULL && n13 == 0 && cfg->max_version == TLS_V13) {
        SHIMSSL_ERR(SSL_R_NO_CIPHERS_AVAILABLE);
        return 0;
    }
    /* No TLS 1.2 suite the engine implements: only TLS 1.3 remains. */
    if (n12 == 0) {
        if (cfg->max_version == TLS_V12) {
            SHIMSSL_ERR(SSL_R_NO_CIPHERS_AVAILABLE);
            return 0;
        }
        cfg->min_version = TLS_V13;
    }
    return 1;
}
