/*
 * TLS 1.3 messages shared by the client and server state machines (see
 * tls13_common.h). The state machines decide *when* these run; this file
 * only knows the wire form and the RFC checks of each message.
 */
#include <string.h>

#include <openssl/x509.h>

#include "core/extensions.h"
#include "core/handshake.h"
#include "core/ocsp_status.h"
#include "core/tls13_common.h"

/*
 * struct {
 *     opaque cert_data<1..2^24-1>;
 *     Extension extensions<0..2^16-1>;
 * } CertificateEntry;
 */
static int write_cert_entry(tls_writer *w, X509 *x, const tls_conn *status)
{
    size_t m, exts, e;
    int n = i2d_X509(x, NULL);
    uint8_t *p;
    if (n <= 0)
        return TLS_ERR_INTERNAL;
    TRY(tls_wr_open(w, 3, &m));
    TRY(tls_wr_space(w, (size_t)n, &p));
    if (i2d_X509(x, &p) != n)
        return TLS_ERR_INTERNAL;
    TRY(tls_wr_close(w, 3, m));
    if (!status)
        return tls_wr_u16(w, 0); /* no per-certificate extensions */
    /* RFC 8446 4.4.2.1: the OCSP response rides in the leaf's entry. */
    TRY(tls_wr_open(w, 2, &exts));
    TRY(tls_wr_u16(w, TLS_EXT_STATUS_REQUEST));
    TRY(tls_wr_open(w, 2, &e));
    TRY(tls_ocsp_write_status(status, w));
    TRY(tls_wr_close(w, 2, e));
    return tls_wr_close(w, 2, exts);
}

/* struct {
 *     opaque certificate_request_context<0..2^8-1>;
 *     CertificateEntry certificate_list<0..2^24-1>;
 * } Certificate; */
int tls13_write_certificate(tls_writer *w, const uint8_t *ctx, size_t ctx_len, X509 *leaf,
                            STACK_OF(X509) * chain)
{
    return tls13_write_certificate_status(w, ctx, ctx_len, leaf, chain, NULL);
}

int tls13_write_certificate_status(tls_writer *w, const uint8_t *ctx, size_t ctx_len, X509 *leaf,
                                   STACK_OF(X509) * chain, const tls_conn *status)
{
    size_t msg, list;
    ENSURE(ctx_len <= 255, TLS_ERR_INTERNAL);
    TRY(tls_wr_u8(w, TLS_HS_CERTIFICATE));
    TRY(tls_wr_open(w, 3, &msg));
    TRY(tls_wr_u8(w, (uint8_t)ctx_len));
    TRY(tls_wr_bytes(w, ctx, ctx_len));
    TRY(tls_wr_open(w, 3, &list));
    if (leaf != NULL) {
        TRY(write_cert_entry(w, leaf, status));
        for (int i = 0; chain != NULL && i < sk_X509_num(chain); i++)
            TRY(write_cert_entry(w, sk_X509_value(chain, i), NULL));
    }
    TRY(tls_wr_close(w, 3, list));
    return tls_wr_close(w, 3, msg);
}

/* struct { SignatureScheme algorithm; opaque signature<0..2^16-1>; } CertificateVerify; */
int tls13_write_certificate_verify(const tls_crypto *cr, tls_writer *w, int server, uint16_t scheme,
                                   EVP_PKEY *key, const uint8_t *th, size_t hash_len)
{
    uint8_t tbs[TLS13_CV_CONTENT_MAX], *sig;
    size_t tbs_len, sig_len, msg, m;
    tls13_cv_content(server, th, hash_len, tbs, &tbs_len);
    int cap = EVP_PKEY_get_size(key);
    if (cap <= 0 || cap > 0xffff)
        return TLS_ERR_INTERNAL;
    TRY(tls_wr_u8(w, TLS_HS_CERTIFICATE_VERIFY));
    TRY(tls_wr_open(w, 3, &msg));
    TRY(tls_wr_u16(w, scheme));
    TRY(tls_wr_open(w, 2, &m));
    /* Reserve the key's maximum signature size, then give back the rest. */
    TRY(tls_wr_space(w, (size_t)cap, &sig));
    TRY(tls_sig_sign(cr, scheme, key, 1, tbs, tbs_len, sig, (size_t)cap, &sig_len));
    w->len -= (size_t)cap - sig_len;
    TRY(tls_wr_close(w, 2, m));
    return tls_wr_close(w, 3, msg);
}

/* struct { opaque verify_data[Hash.length]; } Finished; */
int tls13_check_finished(const tls_suite *s, const uint8_t *base_key, const uint8_t *th,
                         const uint8_t *msg, size_t len)
{
    uint8_t expect[TLS_MAX_HASH];
    size_t hl = s->hash_len;
    if (len - 4 != hl)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_BAD_DIGEST_LENGTH);
    TRY(tls_ks_finished(s->cr, s->md, base_key, th, expect));
    /* RFC 8446 4.4.4: a wrong verify_data is decrypt_error. */
    int ok = tls_ct_equal(expect, msg + 4, hl);
    OPENSSL_cleanse(expect, sizeof(expect));
    if (!ok)
        return TLS_FAIL(TLS_AD_DECRYPT_ERROR, TLS_R_DIGEST_CHECK_FAILED);
    return 0;
}

/* struct { KeyUpdateRequest request_update; } KeyUpdate; */
int tls13_on_key_update(tls_conn *c, const uint8_t *msg, size_t len)
{
    if (len != 5)
        return TLS_ERR_DECODE;
    /* RFC 8446 4.6.3: any other value is illegal_parameter. */
    if (msg[4] > 1)
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_KEY_UPDATE);
    return tls_conn_peer_key_update(c, msg[4]);
}
