/*
 * TLS 1.3 client authentication messages (see tls13_auth.h). The state
 * machines (tls13_server.c, tls13_client.c) decide when a CertificateRequest
 * goes out or may come in; this file knows the wire forms and their checks,
 * so the in-handshake and the post-handshake exchanges share one copy.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "core/extensions.h"
#include "core/handshake.h"
#include "core/tls13_auth.h"

size_t tls13_auth_sigalgs(const tls_config *cfg, uint16_t *out, size_t cap)
{
    const uint16_t *l = cfg->n_client_sigalgs ? cfg->client_sigalgs : cfg->sigalgs;
    size_t n = cfg->n_client_sigalgs ? cfg->n_client_sigalgs : cfg->n_sigalgs, k = 0;
    if (!n)
        l = tls_default_sigalgs(&n);
    /* RFC 8446 4.2.3: the list also speaks for the certificates, so
     * rsa_pkcs1_* stay in it (as OpenSSL sends them); the CertificateVerify
     * itself is held to the TLS 1.3 schemes when it arrives. */
    for (size_t i = 0; i < n && k < cap; i++) {
        const tls_sigalg *sa = tls_sigalg_get(l[i]);
        if (sa && !tls_u16s_has(out, k, l[i]))
            out[k++] = l[i];
    }
    return k;
}

/*
 * struct {
 *     opaque certificate_request_context<0..2^8-1>;
 *     Extension extensions<2..2^16-1>;
 * } CertificateRequest;
 *
 * opaque DistinguishedName<1..2^16-1>;
 * struct { DistinguishedName authorities<3..2^16-1>; } CertificateAuthoritiesExtension;
 */
int tls13_write_certificate_request(tls_writer *w, const tls_config *cfg, const uint8_t *ctx,
                                    size_t ctx_len)
{
    uint16_t algs[TLS13_AUTH_MAX_SIGALGS];
    size_t n = tls13_auth_sigalgs(cfg, algs, TLS13_AUTH_MAX_SIGALGS);
    size_t msg, exts, m, l;
    ENSURE(ctx_len <= 255 && n > 0, TLS_ERR_INTERNAL);
    TRY(tls_wr_u8(w, TLS_HS_CERTIFICATE_REQUEST));
    TRY(tls_wr_open(w, 3, &msg));
    TRY(tls_wr_u8(w, (uint8_t)ctx_len));
    TRY(tls_wr_bytes(w, ctx, ctx_len));
    TRY(tls_wr_open(w, 2, &exts));
    TRY(tls_wr_u16(w, TLS_EXT_SIGNATURE_ALGORITHMS));
    TRY(tls_wr_open(w, 2, &m));
    TRY(tls_wr_open(w, 2, &l));
    for (size_t i = 0; i < n; i++)
        TRY(tls_wr_u16(w, algs[i]));
    TRY(tls_wr_close(w, 2, l));
    TRY(tls_wr_close(w, 2, m));
    /* The list is compat's encoding; too long for the extension means we
     * send none rather than a truncated one. */
    if (cfg->ca_names && cfg->ca_names_len >= 3 && cfg->ca_names_len <= 0xfff0) {
        TRY(tls_wr_u16(w, TLS_EXT_CERTIFICATE_AUTHORITIES));
        TRY(tls_wr_open(w, 2, &m));
        TRY(tls_wr_open(w, 2, &l));
        TRY(tls_wr_bytes(w, cfg->ca_names, cfg->ca_names_len));
        TRY(tls_wr_close(w, 2, l));
        TRY(tls_wr_close(w, 2, m));
    }
    TRY(tls_wr_close(w, 2, exts));
    TRY(tls_wr_close(w, 3, msg));
    return w->failed ? TLS_ERR_INTERNAL : 0;
}

/*
 * struct {
 *     opaque cert_data<1..2^24-1>;
 *     Extension extensions<0..2^16-1>;
 * } CertificateEntry;
 * struct {
 *     opaque certificate_request_context<0..2^8-1>;
 *     CertificateEntry certificate_list<0..2^24-1>;
 * } Certificate;
 */
static int read_chain(const tls_crypto *cr, tls_reader *list, uint64_t offered,
                      STACK_OF(X509) * chain)
{
    while (tls_rd_left(list) > 0) {
        tls_reader data, exts;
        tls_ext_block eb;
        TRY(tls_rd_vec_bounded(list, 3, 1, 0xffffff, &data));
        TRY(tls_rd_vec(list, 2, &exts));
        /* RFC 8446 4.4.2: per-certificate extensions answer the request. */
        TRY(tls_ext_parse(&exts, TLS_EXTM_CT, offered, 1, &eb));
        size_t n = tls_rd_left(&data);
        const uint8_t *p, *q;
        TRY(tls_rd_bytes(&data, n, &p));
        q = p;
        X509 *x = tls_x509_d2i(cr, &q, n);
        if (!x)
            return TLS_FAIL(TLS_AD_BAD_CERTIFICATE, TLS_R_BAD_PACKET);
        if ((size_t)(q - p) != n) {
            X509_free(x);
            return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_CERT_LENGTH_MISMATCH);
        }
        if (!sk_X509_push(chain, x)) {
            X509_free(x);
            return TLS_ERR_INTERNAL;
        }
    }
    return 0;
}

int tls13_read_certificate(const tls_crypto *cr, const uint8_t *msg, size_t len, const uint8_t *ctx,
                           size_t ctx_len, uint64_t offered, STACK_OF(X509) * *out)
{
    tls_reader r, rctx, list;
    *out = NULL;
    tls_rd_init(&r, msg + 4, len - 4);
    TRY(tls_rd_vec_bounded(&r, 1, 0, 255, &rctx));
    TRY(tls_rd_vec(&r, 3, &list));
    TRY(tls_rd_done(&r));
    /* RFC 8446 4.4.2: the context echoes the CertificateRequest's (the RFC
     * names no alert; OpenSSL sends decode_error). */
    if (tls_rd_left(&rctx) != ctx_len || (ctx_len && memcmp(rctx.p + rctx.off, ctx, ctx_len) != 0))
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_INVALID_CONTEXT);
    STACK_OF(X509) *chain = sk_X509_new_null();
    if (!chain)
        return TLS_ERR_INTERNAL;
    int rc = read_chain(cr, &list, offered, chain);
    if (rc == 0 && sk_X509_num(chain) > 0 && !X509_get0_pubkey(sk_X509_value(chain, 0)))
        rc = TLS_ERR(TLS_AD_BAD_CERTIFICATE, TLS_R_UNKNOWN_CERTIFICATE_TYPE);
    if (rc < 0) {
        sk_X509_pop_free(chain, X509_free);
        return rc;
    }
    *out = chain;
    return 0;
}

/* struct { SignatureScheme algorithm; opaque signature<0..2^16-1>; } CertificateVerify; */
int tls13_check_certificate_verify(const tls_crypto *cr, const uint8_t *msg, size_t len,
                                   int from_server, const uint16_t *ok, size_t n_ok, EVP_PKEY *key,
                                   const uint8_t *th, size_t hash_len, uint16_t *scheme)
{
    tls_reader r, sig;
    uint16_t s;
    tls_rd_init(&r, msg + 4, len - 4);
    TRY(tls_rd_u16(&r, &s));
    TRY(tls_rd_vec(&r, 2, &sig));
    TRY(tls_rd_done(&r));
    /* RFC 8446 4.4.3: a scheme we offered, valid for TLS 1.3. */
    const tls_sigalg *sa = tls_sigalg_get(s);
    if (!tls_u16s_has(ok, n_ok, s) || !sa || !sa->tls13)
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_WRONG_SIGNATURE_TYPE);
    if (!key)
        return TLS_ERR_INTERNAL;
    uint8_t tbs[TLS13_CV_CONTENT_MAX];
    size_t tbs_len;
    tls13_cv_content(from_server, th, hash_len, tbs, &tbs_len);
    size_t n = tls_rd_left(&sig);
    const uint8_t *p;
    TRY(tls_rd_bytes(&sig, n, &p));
    TRY(tls_sig_verify(cr, s, key, 1, tbs, tbs_len, p, n));
    *scheme = s;
    return 0;
}

void tls13_auth_keep_client_hello(tls_conn *c, uint8_t *copy, size_t len,
                                  const tls_client_hello *ch)
{
    free(c->ch_copy);
    c->ch_copy = copy;
    c->ch_copy_len = len;
    c->ch = *ch;
}

int tls13_auth_keep_ca_names(tls_conn *c, tls_reader *body)
{
    tls_reader l, dn;
    TRY(tls_rd_vec_bounded(body, 2, 3, 0xffff, &l));
    TRY(tls_rd_done(body));
    tls_reader walk = l;
    while (tls_rd_left(&walk) > 0)
        TRY(tls_rd_vec_bounded(&walk, 2, 1, 0xffff, &dn));
    size_t n = tls_rd_left(&l);
    uint8_t *copy = malloc(n);
    if (!copy)
        return TLS_ERR_INTERNAL;
    if (tls_rd_copy(&l, copy, n) < 0) {
        free(copy);
        return TLS_ERR_INTERNAL;
    }
    free(c->peer_ca_names);
    c->peer_ca_names = copy;
    c->peer_ca_names_len = n;
    return 0;
}

void tls_conn_peer_ca_names(const tls_conn *c, const uint8_t **list, size_t *len)
{
    *list = c->peer_ca_names;
    *len = c->peer_ca_names ? c->peer_ca_names_len : 0;
}

void tls_conn_client_hello(const tls_conn *c, const uint8_t **msg, size_t *len)
{
    *msg = c->ch_copy;
    *len = c->ch_copy ? c->ch_copy_len : 0;
}

void tls_conn_peer_groups(const tls_conn *c, const uint8_t **list, size_t *len)
{
    int have = c->ch_copy && c->ch.have_groups;
    *list = have ? c->ch.groups : NULL;
    *len = have ? 2 * c->ch.n_groups : 0;
}

void tls_conn_peer_sigalgs(const tls_conn *c, const uint8_t **list, size_t *len)
{
    if (!c->is_server) {
        *list = c->peer_cr_sigalgs;
        *len = c->peer_cr_sigalgs ? c->peer_cr_sigalgs_len : 0;
        return;
    }
    int have = c->ch_copy && c->ch.have_sigalgs;
    *list = have ? c->ch.sigalgs : NULL;
    *len = have ? 2 * c->ch.n_sigalgs : 0;
}

void tls_conn_peer_cert_sigalgs(const tls_conn *c, const uint8_t **list, size_t *len)
{
    int have = c->ch_copy && c->ch.n_sigalgs_cert;
    *list = have ? c->ch.sigalgs_cert : NULL;
    *len = have ? 2 * c->ch.n_sigalgs_cert : 0;
}

int tls_conn_client_offers_tls13(const tls_conn *c)
{
    return c->ch_copy && c->ch.has13;
}

int tls13_auth_transcript_copy(tls_transcript *dst, const tls_transcript *base)
{
    tls_transcript_init(dst);
    ENSURE(base->ctx != NULL, TLS_ERR_INTERNAL);
    dst->ctx = EVP_MD_CTX_new();
    ENSURE(dst->ctx != NULL, TLS_ERR_INTERNAL);
    dst->md = base->md;
    dst->hash_len = base->hash_len;
    ENSURE(EVP_MD_CTX_copy_ex(dst->ctx, base->ctx) == 1, TLS_ERR_INTERNAL);
    return 0;
}
