/*
 * The one place that builds the engine's configuration (tls_config) from an
 * SSL and its SSL_CTX, when the engine connection is created. The feature
 * files supply values and hooks (CA names, the OCSP request, the custom
 * extensions, record padding ...); the fields are set here. Two sections
 * are still filled by their own files, called from here only: sessions
 * (shimssl_sess_config) and TLS 1.2's flags, DH and suite narrowing
 * (shimssl_tls12_config).
 *
 * Afterwards the configuration changes at two points only: a callback that
 * may have switched the certificate (shimssl_config_identity, then
 * shimssl_chain_complete), and the verify mode of a post-handshake request
 * (SSL_verify_client_post_handshake).
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

/* Client authentication: the verify mode as the engine's flags, the CA
 * names a server sends, and the callbacks' hooks. 1, or 0 on failure. */
static int config_clientauth(SSL *s, tls_config *cfg)
{
    int mode = s->verify_mode;

    if (!s->server) {
        if (s->api_post_handshake_auth)
            cfg->flags |= TLS_CFG_POST_HANDSHAKE_AUTH;
        cfg->client_cert = shimssl_clientauth_cert_hook;
        return 1;
    }
    if (mode & SSL_VERIFY_PEER) {
        cfg->flags |= TLS_CFG_REQUEST_CERT;
        if (mode & SSL_VERIFY_FAIL_IF_NO_PEER_CERT)
            cfg->flags |= TLS_CFG_REQUIRE_CERT;
        if (mode & SSL_VERIFY_CLIENT_ONCE)
            cfg->flags |= TLS_CFG_CLIENT_ONCE;
        /* TLS 1.3: ask only when SSL_verify_client_post_handshake says. */
        if (mode & SSL_VERIFY_POST_HANDSHAKE)
            cfg->flags |= TLS_CFG_POST_HANDSHAKE_AUTH;
    }
    /* The client-hello callback, then servername / ALPN, then cert_cb. */
    cfg->client_hello = shimssl_clientauth_hello_hook;
    return shimssl_clientauth_ca_names(s, &cfg->ca_names, &cfg->ca_names_len);
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
    /* Sessions, tickets, early data (ssl_sess_cache.c). */
    if (!shimssl_sess_config(s, cfg))
        return 0;
    if (!config_clientauth(s, cfg))
        return 0;
    /* OCSP stapling: the hook serves both sides; a client asks when
     * SSL_set_tlsext_status_type said so. */
    cfg->ocsp_status = shimssl_status_hook;
    if (!s->server && s->status_type == TLSEXT_STATUSTYPE_ocsp) {
        cfg->flags |= TLS_CFG_STATUS_REQUEST;
        if (!shimssl_status_request(s, &cfg->ocsp_ids, &cfg->ocsp_ids_len, &cfg->ocsp_exts,
                                    &cfg->ocsp_exts_len))
            return 0;
    }
    if ((cfg->custom_exts = shimssl_cext_list(s, &cfg->n_custom_exts)) != NULL) {
        cfg->ext_add = shimssl_cext_hook_add;
        cfg->ext_free = shimssl_cext_hook_free;
        cfg->ext_parse = shimssl_cext_hook_parse;
    }
    n12 = shimssl_cipher_tls12_ids(s, &ids);
    cfg->tls12_suites = ids;
    cfg->n_tls12_suites = n12;
    /* TLS 1.2 flags, security level, DH; narrows the suites. */
    shimssl_tls12_config(s, cfg);
    /* Record sizes: only a client offers max_fragment_length (RFC 6066 4). */
    cfg->max_fragment_code = s->server ? 0 : s->api_mfl_mode;
    cfg->max_send_fragment = s->max_send_fragment;
    cfg->record_padding = shimssl_record_padding;
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
