/*
 * DANE: TLSA records authenticate the peer's certificate (RFC 6698, with
 * RFC 7671's operational rules), as postfix's `smtp_tls_security_level =
 * dane` and `openssl s_client -dane_tlsa_domain` use it.
 *
 * Division of work, as in OpenSSL 3.0: this file keeps the configuration
 * (digests per matching type on the SSL_CTX, the records per SSL, checked
 * and ordered as they are added) and hands the records to the chain
 * verification (shimssl_dane_attach from compat/ssl_verify.c). libcrypto's
 * X509_verify_cert does all the matching and RFC 7671 policy: DANE-EE(3)
 * first without expiry checks, DANE-TA(2) anchors (also ones the peer did
 * not send), PKIX-TA(0)/PKIX-EE(1) on top of ordinary validation, name
 * checks unless DANE_FLAG_NO_DANE_EE_NAMECHECKS, and it records the match
 * (mtlsa, mcert, mdpth, pdpth) in the struct that SSL_get0_dane_authority
 * and SSL_get0_dane_tlsa report.
 *
 * The record order matters to libcrypto: it tries records in list order,
 * expecting higher usages first (DANE-EE(3) needs no chain), then higher
 * selectors, then the preferred digests first (digest agility, RFC 7671
 * section 9). So each record is inserted in front of the first one that
 * does not sort before it.
 */
#include "compat/compat.h"
#include "compat/dane.h"

#include <limits.h>
#include <string.h>

#include <openssl/x509_vfy.h>

#include <stddef.h>

/* The layout libcrypto reads and writes (x86-64 / LP64 offsets of OpenSSL
 * 3.0's structs): a change to compat/dane.h must fail here, not at run time. */
#if defined(__LP64__)
_Static_assert(offsetof(danetls_record, data) == 8 && offsetof(danetls_record, spki) == 24 &&
                   sizeof(danetls_record) == 32,
               "danetls_record layout");
_Static_assert(offsetof(struct dane_ctx_st, mdmax) == 16 &&
                   offsetof(struct dane_ctx_st, flags) == 24 && sizeof(struct dane_ctx_st) == 32,
               "dane_ctx_st layout");
_Static_assert(offsetof(struct ssl_dane_st, mtlsa) == 24 &&
                   offsetof(struct ssl_dane_st, umask) == 40 &&
                   offsetof(struct ssl_dane_st, pdpth) == 48 &&
                   offsetof(struct ssl_dane_st, flags) == 56 && sizeof(struct ssl_dane_st) == 64,
               "ssl_dane_st layout");
#endif

#define USAGE_BIT(u) ((uint32_t)1 << (u))
#define TA_USAGES    (USAGE_BIT(SHIMSSL_DANE_PKIX_TA) | USAGE_BIT(SHIMSSL_DANE_DANE_TA))

static int dane_on(const struct ssl_dane_st *d)
{
    return d->trecs != NULL && sk_danetls_record_num(d->trecs) > 0;
}

/* --- SSL_CTX ------------------------------------------------------------------ */

/* Grow the per-matching-type arrays to cover mtype; new slots are off. */
static int dctx_grow(struct dane_ctx_st *dc, uint8_t mtype)
{
    size_t have = dc->mdevp != NULL ? (size_t)dc->mdmax + 1 : 0;
    size_t want = (size_t)mtype + 1;
    const EVP_MD **md;
    uint8_t *ord;

    if (want <= have)
        return 1;
    if ((md = OPENSSL_realloc((void *)dc->mdevp, want * sizeof(*md))) == NULL)
        return 0;
    dc->mdevp = md;
    if ((ord = OPENSSL_realloc(dc->mdord, want)) == NULL)
        return 0;
    dc->mdord = ord;
    for (size_t i = have; i < want; i++) {
        md[i] = NULL;
        ord[i] = 0;
    }
    return 1;
}

int SSL_CTX_dane_enable(SSL_CTX *ctx)
{
    struct dane_ctx_st *dc = &ctx->api_dane;
    /* RFC 6698 2.1.3: 1 = SHA2-256, 2 = SHA2-512; the longer is preferred. */
    static const struct {
        uint8_t mtype, ord;
        int nid;
    } defaults[] = {{SHIMSSL_DANE_MATCH_SHA256, 1, NID_sha256},
                    {SHIMSSL_DANE_MATCH_SHA512, 2, NID_sha512}};

    if (dc->mdevp != NULL)
        return 1;
    if (!dctx_grow(dc, SHIMSSL_DANE_MATCH_MAX)) {
        ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
        return 0;
    }
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
        const EVP_MD *md = EVP_get_digestbynid(defaults[i].nid);

        if (md == NULL)
            continue;
        dc->mdevp[defaults[i].mtype] = md;
        dc->mdord[defaults[i].mtype] = defaults[i].ord;
    }
    dc->mdmax = SHIMSSL_DANE_MATCH_MAX;
    return 1;
}

int SSL_CTX_dane_mtype_set(SSL_CTX *ctx, const EVP_MD *md, uint8_t mtype, uint8_t ord)
{
    struct dane_ctx_st *dc = &ctx->api_dane;

    /* Full(0) compares the data itself: no digest may stand in for it. */
    if (mtype == SHIMSSL_DANE_MATCH_FULL && md != NULL) {
        SHIMSSL_ERR(SSL_R_DANE_CANNOT_OVERRIDE_MTYPE_FULL);
        return 0;
    }
    if (!dctx_grow(dc, mtype)) {
        ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
        return -1;
    }
    if (mtype > dc->mdmax)
        dc->mdmax = mtype;
    dc->mdevp[mtype] = md;
    /* A disabled matching type has no preference. */
    dc->mdord[mtype] = md != NULL ? ord : 0;
    return 1;
}

unsigned long SSL_CTX_dane_set_flags(SSL_CTX *ctx, unsigned long flags)
{
    unsigned long old = ctx->api_dane.flags;

    ctx->api_dane.flags |= flags;
    return old;
}

unsigned long SSL_CTX_dane_clear_flags(SSL_CTX *ctx, unsigned long flags)
{
    unsigned long old = ctx->api_dane.flags;

    ctx->api_dane.flags &= ~flags;
    return old;
}

void shimssl_dane_ctx_free(SSL_CTX *ctx)
{
    OPENSSL_free((void *)ctx->api_dane.mdevp);
    OPENSSL_free(ctx->api_dane.mdord);
    ctx->api_dane.mdevp = NULL;
    ctx->api_dane.mdord = NULL;
    ctx->api_dane.mdmax = 0;
}

/* --- SSL ---------------------------------------------------------------------- */

static void record_free(danetls_record *t)
{
    if (t == NULL)
        return;
    OPENSSL_free(t->data);
    EVP_PKEY_free(t->spki);
    OPENSSL_free(t);
}

void shimssl_dane_ssl_init(SSL *s)
{
    s->api_dane.flags = s->ctx->api_dane.flags;
}

void shimssl_dane_ssl_clear(SSL *s)
{
    struct ssl_dane_st *d = &s->api_dane;

    X509_free(d->mcert);
    d->mcert = NULL;
    d->mtlsa = NULL;
    d->mdpth = -1;
    d->pdpth = -1;
}

void shimssl_dane_ssl_free(SSL *s)
{
    struct ssl_dane_st *d = &s->api_dane;

    sk_danetls_record_pop_free(d->trecs, record_free);
    d->trecs = NULL;
    sk_X509_pop_free(d->certs, X509_free);
    d->certs = NULL;
    shimssl_dane_ssl_clear(s);
}

void shimssl_dane_attach(SSL *s, X509_STORE_CTX *xs)
{
    if (dane_on(&s->api_dane))
        X509_STORE_CTX_set0_dane(xs, &s->api_dane);
}

int SSL_dane_enable(SSL *s, const char *basedomain)
{
    struct ssl_dane_st *d = &s->api_dane;

    if (s->ctx->api_dane.mdmax == 0) {
        SHIMSSL_ERR(SSL_R_CONTEXT_NOT_DANE_ENABLED);
        return 0;
    }
    if (d->trecs != NULL) {
        SHIMSSL_ERR(SSL_R_DANE_ALREADY_ENABLED);
        return 0;
    }
    /* The base domain is the SNI name unless one was set, and the
     * reference identifier for the name checks (RFC 7671 section 7).
     * SNI first: it refuses an empty name, which set1_host would take as
     * "no name checks". */
    if (s->hostname == NULL && !SSL_set_tlsext_host_name(s, basedomain)) {
        SHIMSSL_ERR(SSL_R_ERROR_SETTING_TLSA_BASE_DOMAIN);
        return -1;
    }
    if (!X509_VERIFY_PARAM_set1_host(SSL_get0_param(s), basedomain, 0)) {
        SHIMSSL_ERR(SSL_R_ERROR_SETTING_TLSA_BASE_DOMAIN);
        return -1;
    }
    d->mdpth = -1;
    d->pdpth = -1;
    d->dctx = &s->ctx->api_dane;
    if ((d->trecs = sk_danetls_record_new_null()) == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
        return -1;
    }
    return 1;
}

unsigned long SSL_dane_set_flags(SSL *s, unsigned long flags)
{
    unsigned long old = s->api_dane.flags;

    s->api_dane.flags |= flags;
    return old;
}

unsigned long SSL_dane_clear_flags(SSL *s, unsigned long flags)
{
    unsigned long old = s->api_dane.flags;

    s->api_dane.flags &= ~flags;
    return old;
}

SSL_DANE *SSL_get0_dane(SSL *s)
{
    return &s->api_dane;
}

/* The digest of a matching type, NULL if unknown or disabled. */
static const EVP_MD *mtype_md(const struct ssl_dane_st *d, uint8_t mtype)
{
    return mtype <= d->dctx->mdmax ? d->dctx->mdevp[mtype] : NULL;
}

/*
 * A Full(0) record's data must be a whole DER certificate or SPKI. The
 * trust-anchor usages keep what they decode: a certificate (for chains the
 * peer sent without its anchor) or a DANE-TA(2) key. 1 ok, 0 malformed
 * (ERR set), -1 out of memory.
 */
static int full_record(struct ssl_dane_st *d, danetls_record *t)
{
    const unsigned char *p = t->data;
    long len = (long)t->dlen;

    if (t->selector == SHIMSSL_DANE_SEL_CERT) {
        X509 *x = d2i_X509(NULL, &p, len);

        if (x == NULL || p != t->data + t->dlen || X509_get0_pubkey(x) == NULL) {
            X509_free(x);
            SHIMSSL_ERR(SSL_R_DANE_TLSA_BAD_CERTIFICATE);
            return 0;
        }
        /* An end-entity record is matched against the peer's DER as is. */
        if ((USAGE_BIT(t->usage) & TA_USAGES) == 0) {
            X509_free(x);
            return 1;
        }
        if ((d->certs == NULL && (d->certs = sk_X509_new_null()) == NULL) ||
            !sk_X509_push(d->certs, x)) {
            X509_free(x);
            ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
            return -1;
        }
        return 1;
    }
    EVP_PKEY *k = d2i_PUBKEY(NULL, &p, len);

    if (k == NULL || p != t->data + t->dlen) {
        EVP_PKEY_free(k);
        SHIMSSL_ERR(SSL_R_DANE_TLSA_BAD_PUBLIC_KEY);
        return 0;
    }
    if (t->usage == SHIMSSL_DANE_DANE_TA)
        t->spki = k;
    else
        EVP_PKEY_free(k);
    return 1;
}

/* Does a sort strictly before b (see the top of this file)? */
static int sorts_before(const struct ssl_dane_st *d, const danetls_record *a,
                        const danetls_record *b)
{
    if (a->usage != b->usage)
        return a->usage > b->usage;
    if (a->selector != b->selector)
        return a->selector > b->selector;
    return d->dctx->mdord[a->mtype] > d->dctx->mdord[b->mtype];
}

int SSL_dane_tlsa_add(SSL *s, uint8_t usage, uint8_t selector, uint8_t mtype,
                      const unsigned char *data, size_t dlen)
{
    struct ssl_dane_st *d = &s->api_dane;
    const EVP_MD *md = NULL;
    danetls_record *t;
    int i, n, rc;

    if (d->trecs == NULL) {
        SHIMSSL_ERR(SSL_R_DANE_NOT_ENABLED);
        return -1;
    }
    if (dlen > INT_MAX) {
        SHIMSSL_ERR(SSL_R_DANE_TLSA_BAD_DATA_LENGTH);
        return 0;
    }
    if (usage > SHIMSSL_DANE_USAGE_MAX) {
        SHIMSSL_ERR(SSL_R_DANE_TLSA_BAD_CERTIFICATE_USAGE);
        return 0;
    }
    if (selector > SHIMSSL_DANE_SEL_MAX) {
        SHIMSSL_ERR(SSL_R_DANE_TLSA_BAD_SELECTOR);
        return 0;
    }
    if (mtype != SHIMSSL_DANE_MATCH_FULL && (md = mtype_md(d, mtype)) == NULL) {
        SHIMSSL_ERR(SSL_R_DANE_TLSA_BAD_MATCHING_TYPE);
        return 0;
    }
    if (md != NULL && dlen != (size_t)EVP_MD_get_size(md)) {
        SHIMSSL_ERR(SSL_R_DANE_TLSA_BAD_DIGEST_LENGTH);
        return 0;
    }
    if (data == NULL) {
        SHIMSSL_ERR(SSL_R_DANE_TLSA_NULL_DATA);
        return 0;
    }
    if ((t = OPENSSL_zalloc(sizeof(*t))) == NULL ||
        (t->data = OPENSSL_malloc(dlen > 0 ? dlen : 1)) == NULL) {
        record_free(t);
        ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
        return -1;
    }
    memcpy(t->data, data, dlen);
    t->usage = usage;
    t->selector = selector;
    t->mtype = mtype;
    t->dlen = dlen;
    if (mtype == SHIMSSL_DANE_MATCH_FULL && (rc = full_record(d, t)) <= 0) {
        record_free(t);
        return rc;
    }
    n = sk_danetls_record_num(d->trecs);
    for (i = 0; i < n && sorts_before(d, sk_danetls_record_value(d->trecs, i), t); i++)
        ;
    if (!sk_danetls_record_insert(d->trecs, t, i)) {
        record_free(t);
        ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
        return -1;
    }
    d->umask |= USAGE_BIT(usage);
    return 1;
}

/* --- what verification found -------------------------------------------------- */

int SSL_get0_dane_authority(SSL *s, X509 **mcert, EVP_PKEY **mspki)
{
    struct ssl_dane_st *d = &s->api_dane;

    if (!dane_on(d) || s->verify_result != X509_V_OK)
        return -1;
    /* As OpenSSL: the outputs are written only when a record matched. */
    if (d->mtlsa != NULL) {
        if (mcert != NULL)
            *mcert = d->mcert;
        if (mspki != NULL)
            *mspki = d->mcert == NULL ? d->mtlsa->spki : NULL;
    }
    return d->mdpth;
}

int SSL_get0_dane_tlsa(SSL *s, uint8_t *usage, uint8_t *selector, uint8_t *mtype,
                       const unsigned char **data, size_t *dlen)
{
    struct ssl_dane_st *d = &s->api_dane;

    if (!dane_on(d) || s->verify_result != X509_V_OK)
        return -1;
    if (d->mtlsa != NULL) {
        if (usage != NULL)
            *usage = d->mtlsa->usage;
        if (selector != NULL)
            *selector = d->mtlsa->selector;
        if (mtype != NULL)
            *mtype = d->mtlsa->mtype;
        if (data != NULL)
            *data = d->mtlsa->data;
        if (dlen != NULL)
            *dlen = d->mtlsa->dlen;
    }
    return d->mdpth;
}
