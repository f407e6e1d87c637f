/*
 * Our own certificate, key and chain (SSL_CTX_use_* / SSL_use_*), and the
 * lists of CA names (client CA lists, SSL_load_client_CA_file).
 *
 * One certificate/key pair per SSL_CTX or SSL: the engine signs with one
 * key. As in OpenSSL, setting a certificate whose public key does not match
 * the key already set drops that key (the pair must be completed again),
 * and setting a key that does not match the certificate fails.
 */
/* The RSA-typed SSL_*_use_RSAPrivateKey are deprecated but exported. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "compat/compat.h"
#include "compat/init.h"

#include <openssl/pem.h>

/* --- the pair, shared by the SSL_CTX and SSL forms ------------------------ */

typedef struct own_cert {
    X509 **cert;
    EVP_PKEY **key;
    STACK_OF(X509) * *chain;
    tls_identity *others;
    pem_password_cb *pw_cb;
    void *pw_arg;
    OSSL_LIB_CTX *libctx;
    const char *propq;
} own_cert;

static own_cert ctx_own(SSL_CTX *ctx)
{
    own_cert o = {&ctx->cert,
                  &ctx->key,
                  &ctx->chain,
                  ctx->other_ids,
                  ctx->default_passwd_cb,
                  ctx->default_passwd_cb_userdata,
                  ctx->libctx,
                  ctx->propq};
    return o;
}

static own_cert ssl_own(SSL *s)
{
    own_cert o = {&s->cert,
                  &s->key,
                  &s->chain,
                  s->other_ids,
                  s->default_passwd_cb,
                  s->default_passwd_cb_userdata,
                  s->ctx->libctx,
                  s->ctx->propq};
    return o;
}

/* One slot per key type, as OpenSSL has; -1 for a type we cannot sign with. */
static int key_slot(const EVP_PKEY *k)
{
    switch (k != NULL ? EVP_PKEY_get_base_id(k) : EVP_PKEY_NONE) {
    case EVP_PKEY_RSA:
        return 0;
    case EVP_PKEY_RSA_PSS:
        return 1;
    case EVP_PKEY_EC:
        return 2;
    case EVP_PKEY_ED25519:
        return 3;
    case EVP_PKEY_ED448:
        return 4;
    default:
        return -1;
    }
}

static void id_release(tls_identity *id)
{
    X509_free(id->cert);
    EVP_PKEY_free(id->key);
    sk_X509_pop_free(id->chain, X509_free);
    id->cert = NULL;
    id->key = NULL;
    id->chain = NULL;
}

/*
 * A certificate of another key type than the current one does not replace
 * it: the current identity moves to its type's slot, and the new type's
 * slot (if filled before) becomes current, so that nginx's "use_certificate
 * RSA, use_PrivateKey RSA, use_certificate EC, use_PrivateKey EC" ends with
 * both usable and the EC one current.
 */
static void switch_slot(own_cert o, int to)
{
    int from = *o.cert != NULL ? key_slot(X509_get0_pubkey(*o.cert)) : -1;
    tls_identity *dst, *src;

    if (from < 0 || to < 0 || from == to)
        return;
    dst = &o.others[from];
    id_release(dst);
    dst->cert = *o.cert;
    dst->key = *o.key;
    dst->chain = *o.chain;
    src = &o.others[to];
    *o.cert = src->cert;
    *o.key = src->key;
    *o.chain = src->chain;
    src->cert = NULL;
    src->key = NULL;
    src->chain = NULL;
}

int shimssl_cert_copy_ids(tls_identity *dst, const tls_identity *src)
{
    for (int i = 0; i < TLS_MAX_IDENTITIES; i++) {
        id_release(&dst[i]);
        if (src[i].cert != NULL && X509_up_ref(src[i].cert))
            dst[i].cert = src[i].cert;
        if (src[i].key != NULL && EVP_PKEY_up_ref(src[i].key))
            dst[i].key = src[i].key;
        if (src[i].chain != NULL && (dst[i].chain = X509_chain_up_ref(src[i].chain)) == NULL)
            return 0;
    }
    return 1;
}

size_t shimssl_cert_fill_ids(tls_identity *out, const tls_identity *ids)
{
    size_t n = 0;

    for (int i = 0; i < TLS_MAX_IDENTITIES; i++)
        if (ids[i].cert != NULL && ids[i].key != NULL)
            out[n++] = ids[i];
    return n;
}

static int set_cert(own_cert o, X509 *x)
{
    EVP_PKEY *pub;

    if (x == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }
    if ((pub = X509_get0_pubkey(x)) == NULL) {
        SHIMSSL_ERR(SSL_R_X509_LIB);
        return 0;
    }
    switch_slot(o, key_slot(pub));
    if (*o.key != NULL) {
        /* A mismatching key is forgotten, quietly (OpenSSL does the same). */
        ERR_set_mark();
        if (!X509_check_private_key(x, *o.key)) {
            EVP_PKEY_free(*o.key);
            *o.key = NULL;
        }
        ERR_pop_to_mark();
    }
    X509_up_ref(x);
    X509_free(*o.cert);
    *o.cert = x;
    return 1;
}

static int set_key(own_cert o, EVP_PKEY *pkey)
{
    if (pkey == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }
    /* A key fills the slot of its own type, which becomes current (as in
     * OpenSSL) when a certificate of that type is already there. */
    int slot = key_slot(pkey);
    if (slot >= 0 && o.others[slot].cert != NULL)
        switch_slot(o, slot);
    if (*o.cert != NULL && !X509_check_private_key(*o.cert, pkey))
        return 0;
    EVP_PKEY_up_ref(pkey);
    EVP_PKEY_free(*o.key);
    *o.key = pkey;
    return 1;
}

static BIO *open_file(const char *file)
{
    BIO *in = BIO_new_file(file, "r");

    if (in == NULL)
        ERR_raise(ERR_LIB_SSL, ERR_R_SYS_LIB);
    return in;
}

static int cert_file(own_cert o, const char *file, int type)
{
    BIO *in;
    X509 *x = NULL;
    int ok = 0;

    if ((in = open_file(file)) == NULL)
        return 0;
    if ((x = X509_new_ex(o.libctx, o.propq)) == NULL) {
        BIO_free(in);
        return 0;
    }
    if (type == SSL_FILETYPE_PEM) {
        if (PEM_read_bio_X509(in, &x, o.pw_cb, o.pw_arg) == NULL)
            ERR_raise(ERR_LIB_SSL, ERR_R_PEM_LIB);
        else
            ok = set_cert(o, x);
    } else if (type == SSL_FILETYPE_ASN1) {
        if (d2i_X509_bio(in, &x) == NULL)
            ERR_raise(ERR_LIB_SSL, ERR_R_ASN1_LIB);
        else
            ok = set_cert(o, x);
    } else {
        SHIMSSL_ERR(SSL_R_BAD_SSL_FILETYPE);
    }
    X509_free(x);
    BIO_free(in);
    return ok;
}

static int key_file(own_cert o, const char *file, int type)
{
    BIO *in;
    EVP_PKEY *pkey = NULL;
    int ok = 0;

    if ((in = open_file(file)) == NULL)
        return 0;
    if (type == SSL_FILETYPE_PEM) {
        pkey = PEM_read_bio_PrivateKey_ex(in, NULL, o.pw_cb, o.pw_arg, o.libctx, o.propq);
        if (pkey == NULL)
            ERR_raise(ERR_LIB_SSL, ERR_R_PEM_LIB);
    } else if (type == SSL_FILETYPE_ASN1) {
        pkey = d2i_PrivateKey_ex_bio(in, NULL, o.libctx, o.propq);
        if (pkey == NULL)
            ERR_raise(ERR_LIB_SSL, ERR_R_ASN1_LIB);
    } else {
        SHIMSSL_ERR(SSL_R_BAD_SSL_FILETYPE);
    }
    if (pkey != NULL)
        ok = set_key(o, pkey);
    EVP_PKEY_free(pkey);
    BIO_free(in);
    return ok;
}

/* The first PEM certificate is ours, the rest our chain. */
static int chain_file(own_cert o, const char *file)
{
    BIO *in;
    X509 *x;
    STACK_OF(X509) * chain;
    int ok = 0;
    unsigned long err;

    if ((in = open_file(file)) == NULL)
        return 0;
    /* Certificates made in the SSL_CTX's library context, so that their
     * keys are decoded there too. */
    if ((x = X509_new_ex(o.libctx, o.propq)) == NULL) {
        BIO_free(in);
        return 0;
    }
    if (PEM_read_bio_X509_AUX(in, &x, o.pw_cb, o.pw_arg) == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_PEM_LIB);
        X509_free(x);
        BIO_free(in);
        return 0;
    }
    if (!set_cert(o, x) || (chain = sk_X509_new_null()) == NULL)
        goto done;
    for (;;) {
        X509 *ca = X509_new_ex(o.libctx, o.propq);

        if (ca == NULL) {
            sk_X509_pop_free(chain, X509_free);
            goto done;
        }
        if (PEM_read_bio_X509(in, &ca, o.pw_cb, o.pw_arg) == NULL) {
            X509_free(ca);
            break;
        }
        if (!sk_X509_push(chain, ca)) {
            X509_free(ca);
            sk_X509_pop_free(chain, X509_free);
            goto done;
        }
    }
    /* Running out of certificates is the normal end of the file. */
    err = ERR_peek_last_error();
    if (ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE) {
        ERR_clear_error();
        sk_X509_pop_free(*o.chain, X509_free);
        /* A file with the leaf alone leaves no chain set (OpenSSL clears
         * the chain first and adds each certificate after the leaf), so
         * automatic chain completion still applies. */
        if (sk_X509_num(chain) == 0) {
            sk_X509_free(chain);
            chain = NULL;
        }
        *o.chain = chain;
        ok = 1;
    } else {
        sk_X509_pop_free(chain, X509_free);
    }
done:
    X509_free(x);
    BIO_free(in);
    return ok;
}

static int cert_asn1(own_cert o, const unsigned char *d, long len)
{
    X509 *x = X509_new_ex(o.libctx, o.propq);
    int ok;

    if (x == NULL)
        return 0;
    if (d2i_X509(&x, &d, len) == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_ASN1_LIB);
        return 0;
    }
    ok = set_cert(o, x);
    X509_free(x);
    return ok;
}

static int key_asn1(own_cert o, int type, const unsigned char *d, long len)
{
    EVP_PKEY *pkey = d2i_PrivateKey_ex(type, NULL, &d, len, o.libctx, o.propq);
    int ok;

    if (pkey == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_ASN1_LIB);
        return 0;
    }
    ok = set_key(o, pkey);
    EVP_PKEY_free(pkey);
    return ok;
}

static int cert_and_key(own_cert o, X509 *x, EVP_PKEY *pkey, STACK_OF(X509) * chain, int override)
{
    STACK_OF(X509) *dup = NULL;

    if (x == NULL || pkey == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_PASSED_NULL_PARAMETER);
        return 0;
    }
    /* The slot of x's key type is the one that must be free. */
    int to = key_slot(X509_get0_pubkey(x));
    int cur = *o.cert != NULL ? key_slot(X509_get0_pubkey(*o.cert)) : -1;
    int taken = to >= 0 && cur >= 0 && to != cur
                    ? o.others[to].cert != NULL || o.others[to].key != NULL
                    : *o.cert != NULL || *o.key != NULL;
    if (!override && taken) {
        SHIMSSL_ERR(SSL_R_NOT_REPLACING_CERTIFICATE);
        return 0;
    }
    if (!X509_check_private_key(x, pkey)) {
        SHIMSSL_ERR(SSL_R_PRIVATE_KEY_MISMATCH);
        return 0;
    }
    switch_slot(o, to);
    if (chain != NULL && (dup = X509_chain_up_ref(chain)) == NULL)
        return 0;
    X509_up_ref(x);
    EVP_PKEY_up_ref(pkey);
    X509_free(*o.cert);
    EVP_PKEY_free(*o.key);
    sk_X509_pop_free(*o.chain, X509_free);
    *o.cert = x;
    *o.key = pkey;
    *o.chain = dup;
    return 1;
}

static int check_key(X509 *x, EVP_PKEY *k)
{
    if (x == NULL) {
        SHIMSSL_ERR(SSL_R_NO_CERTIFICATE_ASSIGNED);
        return 0;
    }
    if (k == NULL) {
        SHIMSSL_ERR(SSL_R_NO_PRIVATE_KEY_ASSIGNED);
        return 0;
    }
    return X509_check_private_key(x, k);
}

/* --- SSL_CTX ----------------------------------------------------------------- */

int SSL_CTX_use_certificate(SSL_CTX *ctx, X509 *x)
{
    return set_cert(ctx_own(ctx), x);
}
int SSL_CTX_use_PrivateKey(SSL_CTX *ctx, EVP_PKEY *pkey)
{
    return set_key(ctx_own(ctx), pkey);
}
int SSL_CTX_use_certificate_file(SSL_CTX *ctx, const char *file, int type)
{
    return cert_file(ctx_own(ctx), file, type);
}
int SSL_CTX_use_PrivateKey_file(SSL_CTX *ctx, const char *file, int type)
{
    return key_file(ctx_own(ctx), file, type);
}
int SSL_CTX_use_certificate_chain_file(SSL_CTX *ctx, const char *file)
{
    return chain_file(ctx_own(ctx), file);
}
int SSL_CTX_use_certificate_ASN1(SSL_CTX *ctx, int len, const unsigned char *d)
{
    return cert_asn1(ctx_own(ctx), d, len);
}

int SSL_CTX_use_PrivateKey_ASN1(int type, SSL_CTX *ctx, const unsigned char *d, long len)
{
    return key_asn1(ctx_own(ctx), type, d, len);
}

int SSL_CTX_use_cert_and_key(SSL_CTX *ctx, X509 *x, EVP_PKEY *pkey, STACK_OF(X509) * chain,
                             int override)
{
    return cert_and_key(ctx_own(ctx), x, pkey, chain, override);
}

int SSL_CTX_check_private_key(const SSL_CTX *ctx)
{
    return check_key(ctx->cert, ctx->key);
}
X509 *SSL_CTX_get0_certificate(const SSL_CTX *ctx)
{
    return ctx->cert;
}
EVP_PKEY *SSL_CTX_get0_privatekey(const SSL_CTX *ctx)
{
    return ctx->key;
}

/* The RSA-typed forms (deprecated, still exported) go through EVP_PKEY. */
static EVP_PKEY *rsa_pkey(RSA *rsa)
{
    EVP_PKEY *pkey;

    if (rsa == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_PASSED_NULL_PARAMETER);
        return NULL;
    }
    if ((pkey = EVP_PKEY_new()) == NULL)
        return NULL;
    if (EVP_PKEY_set1_RSA(pkey, rsa) <= 0) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    return pkey;
}

int SSL_CTX_use_RSAPrivateKey(SSL_CTX *ctx, RSA *rsa)
{
    EVP_PKEY *pkey = rsa_pkey(rsa);
    int ok = pkey != NULL && set_key(ctx_own(ctx), pkey);

    EVP_PKEY_free(pkey);
    return ok;
}

int SSL_CTX_use_RSAPrivateKey_file(SSL_CTX *ctx, const char *file, int type)
{
    return key_file(ctx_own(ctx), file, type);
}

int SSL_CTX_use_RSAPrivateKey_ASN1(SSL_CTX *ctx, const unsigned char *d, long len)
{
    return key_asn1(ctx_own(ctx), EVP_PKEY_RSA, d, len);
}

/* --- SSL -------------------------------------------------------------------- */

int SSL_use_certificate(SSL *s, X509 *x)
{
    return set_cert(ssl_own(s), x);
}
int SSL_use_PrivateKey(SSL *s, EVP_PKEY *pkey)
{
    return set_key(ssl_own(s), pkey);
}
int SSL_use_certificate_file(SSL *s, const char *file, int type)
{
    return cert_file(ssl_own(s), file, type);
}
int SSL_use_PrivateKey_file(SSL *s, const char *file, int type)
{
    return key_file(ssl_own(s), file, type);
}
int SSL_use_certificate_chain_file(SSL *s, const char *file)
{
    return chain_file(ssl_own(s), file);
}
int SSL_use_certificate_ASN1(SSL *s, const unsigned char *d, int len)
{
    return cert_asn1(ssl_own(s), d, len);
}

int SSL_use_PrivateKey_ASN1(int type, SSL *s, const unsigned char *d, long len)
{
    return key_asn1(ssl_own(s), type, d, len);
}

int SSL_use_cert_and_key(SSL *s, X509 *x, EVP_PKEY *pkey, STACK_OF(X509) * chain, int override)
{
    return cert_and_key(ssl_own(s), x, pkey, chain, override);
}

int SSL_use_RSAPrivateKey(SSL *s, RSA *rsa)
{
    EVP_PKEY *pkey = rsa_pkey(rsa);
    int ok = pkey != NULL && set_key(ssl_own(s), pkey);

    EVP_PKEY_free(pkey);
    return ok;
}

int SSL_use_RSAPrivateKey_file(SSL *s, const char *file, int type)
{
    return key_file(ssl_own(s), file, type);
}

int SSL_use_RSAPrivateKey_ASN1(SSL *s, const unsigned char *d, long len)
{
    return key_asn1(ssl_own(s), EVP_PKEY_RSA, d, len);
}

int SSL_check_private_key(const SSL *s)
{
    return check_key(s->cert, s->key);
}
X509 *SSL_get_certificate(const SSL *s)
{
    return s->cert;
}
EVP_PKEY *SSL_get_privatekey(const SSL *s)
{
    return s->key;
}

/* --- client certificate callbacks (stored for the engine's CertificateRequest) */

void SSL_CTX_set_client_cert_cb(SSL_CTX *ctx, int (*cb)(SSL *ssl, X509 **x509, EVP_PKEY **pkey))
{
    ctx->api_client_cert_cb = cb;
}

int (*SSL_CTX_get_client_cert_cb(SSL_CTX *ctx))(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
    return ctx->api_client_cert_cb;
}

void SSL_CTX_set_cert_cb(SSL_CTX *ctx, int (*cb)(SSL *ssl, void *arg), void *arg)
{
    ctx->api_cert_cb = cb;
    ctx->api_cert_cb_arg = arg;
}

void SSL_set_cert_cb(SSL *s, int (*cb)(SSL *ssl, void *arg), void *arg)
{
    s->api_cert_cb = cb;
    s->api_cert_cb_arg = arg;
}

/* --- CA name lists ------------------------------------------------------------ */

static int name_cmp(const X509_NAME *const *a, const X509_NAME *const *b)
{
    return X509_NAME_cmp(*a, *b);
}

static void set_names(STACK_OF(X509_NAME) * *slot, STACK_OF(X509_NAME) * names)
{
    sk_X509_NAME_pop_free(*slot, X509_NAME_free);
    *slot = names;
}

static int add_name(STACK_OF(X509_NAME) * *slot, const X509 *x)
{
    X509_NAME *n;

    if (x == NULL)
        return 0;
    if (*slot == NULL && (*slot = sk_X509_NAME_new_null()) == NULL)
        return 0;
    if ((n = X509_NAME_dup(X509_get_subject_name(x))) == NULL)
        return 0;
    if (!sk_X509_NAME_push(*slot, n)) {
        X509_NAME_free(n);
        return 0;
    }
    return 1;
}

STACK_OF(X509_NAME) * SSL_dup_CA_list(const STACK_OF(X509_NAME) * sk)
{
    STACK_OF(X509_NAME) *d = sk_X509_NAME_new_reserve(NULL, sk_X509_NAME_num(sk));

    if (d == NULL)
        return NULL;
    for (int i = 0; i < sk_X509_NAME_num(sk); i++) {
        X509_NAME *n = X509_NAME_dup(sk_X509_NAME_value(sk, i));

        if (n == NULL || !sk_X509_NAME_push(d, n)) {
            X509_NAME_free(n);
            sk_X509_NAME_pop_free(d, X509_NAME_free);
            return NULL;
        }
    }
    return d;
}

void SSL_CTX_set_client_CA_list(SSL_CTX *ctx, STACK_OF(X509_NAME) * names)
{
    set_names(&ctx->api_client_ca, names);
}
void SSL_set_client_CA_list(SSL *s, STACK_OF(X509_NAME) * names)
{
    set_names(&s->api_client_ca, names);
}
/*
 * Two lists, as in OpenSSL 3.0: the client CA list (SSL_*_client_CA_list,
 * SSL_*add_client_CA) and the CA list (SSL_*set0_CA_list,
 * SSL_*add1_to_CA_list). A context starts with both empty; a connection
 * uses the context's until it has its own. A server's CertificateRequest
 * names the client CA list, or the CA list when that is empty
 * (shimssl_request_ca_names).
 */
void SSL_CTX_set0_CA_list(SSL_CTX *ctx, STACK_OF(X509_NAME) * names)
{
    set_names(&ctx->api_ca_names, names);
}
void SSL_set0_CA_list(SSL *s, STACK_OF(X509_NAME) * names)
{
    set_names(&s->api_ca_names, names);
}
STACK_OF(X509_NAME) * SSL_CTX_get_client_CA_list(const SSL_CTX *ctx)
{
    return ctx->api_client_ca;
}
const STACK_OF(X509_NAME) * SSL_CTX_get0_CA_list(const SSL_CTX *ctx)
{
    return ctx->api_ca_names;
}

STACK_OF(X509_NAME) * SSL_get_client_CA_list(const SSL *s)
{
    /* A client reports what the server's CertificateRequest listed. */
    if (!s->server)
        return (STACK_OF(X509_NAME) *)shimssl_peer_ca_list(s);
    return s->api_client_ca != NULL ? s->api_client_ca : s->ctx->api_client_ca;
}

const STACK_OF(X509_NAME) * SSL_get0_CA_list(const SSL *s)
{
    return s->api_ca_names != NULL ? s->api_ca_names : s->ctx->api_ca_names;
}

const STACK_OF(X509_NAME) * shimssl_request_ca_names(const SSL *s)
{
    const STACK_OF(X509_NAME) *names = SSL_get_client_CA_list(s);

    return names != NULL && sk_X509_NAME_num(names) > 0 ? names : SSL_get0_CA_list(s);
}

/* Client: the CertificateRequest's authorities (a server does not keep
 * the client's certificate_authorities). */
const STACK_OF(X509_NAME) * SSL_get0_peer_CA_list(const SSL *s)
{
    return shimssl_peer_ca_list(s);
}

int SSL_CTX_add_client_CA(SSL_CTX *ctx, X509 *x)
{
    return add_name(&ctx->api_client_ca, x);
}
int SSL_add_client_CA(SSL *s, X509 *x)
{
    return add_name(&s->api_client_ca, x);
}
int SSL_CTX_add1_to_CA_list(SSL_CTX *ctx, const X509 *x)
{
    return add_name(&ctx->api_ca_names, x);
}
int SSL_add1_to_CA_list(SSL *s, const X509 *x)
{
    return add_name(&s->api_ca_names, x);
}

/* Subject names of the PEM certificates in file, without duplicates. */
static int file_names(STACK_OF(X509_NAME) * out, const char *file, OSSL_LIB_CTX *libctx,
                      const char *propq)
{
    BIO *in;
    X509 *x = NULL;
    int ok = 1;
    sk_X509_NAME_compfunc old = sk_X509_NAME_set_cmp_func(out, name_cmp);

    if ((in = open_file(file)) == NULL) {
        sk_X509_NAME_set_cmp_func(out, old);
        return 0;
    }
    for (;;) {
        X509_NAME *n;

        X509_free(x);
        if ((x = X509_new_ex(libctx, propq)) == NULL) {
            ok = 0;
            break;
        }
        if (PEM_read_bio_X509(in, &x, NULL, NULL) == NULL) {
            unsigned long e = ERR_peek_last_error();

            /* End of file after at least zero certificates is fine. */
            if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
                ERR_clear_error();
            else
                ok = 0;
            break;
        }
        if ((n = X509_NAME_dup(X509_get_subject_name(x))) == NULL) {
            ok = 0;
            break;
        }
        sk_X509_NAME_sort(out);
        if (sk_X509_NAME_find(out, n) >= 0) {
            X509_NAME_free(n);
        } else if (!sk_X509_NAME_push(out, n)) {
            X509_NAME_free(n);
            ok = 0;
            break;
        }
    }
    X509_free(x);
    BIO_free(in);
    sk_X509_NAME_set_cmp_func(out, old);
    return ok;
}

STACK_OF(X509_NAME) *
    SSL_load_client_CA_file_ex(const char *file, OSSL_LIB_CTX *libctx, const char *propq)
{
    STACK_OF(X509_NAME) *sk = sk_X509_NAME_new_null();

    if (sk == NULL)
        return NULL;
    if (!file_names(sk, file, libctx, propq) || sk_X509_NAME_num(sk) == 0) {
        sk_X509_NAME_pop_free(sk, X509_NAME_free);
        return NULL;
    }
    return sk;
}

STACK_OF(X509_NAME) * SSL_load_client_CA_file(const char *file)
{
    return SSL_load_client_CA_file_ex(file, NULL, NULL);
}

int SSL_add_file_cert_subjects_to_stack(STACK_OF(X509_NAME) * stack, const char *file)
{
    return file_names(stack, file, NULL, NULL);
}

void shimssl_cert_ctx_free(SSL_CTX *ctx)
{
    set_names(&ctx->api_client_ca, NULL);
    set_names(&ctx->api_ca_names, NULL);
    for (int i = 0; i < TLS_MAX_IDENTITIES; i++)
        id_release(&ctx->other_ids[i]);
}
void shimssl_cert_ssl_free(SSL *s)
{
    set_names(&s->api_client_ca, NULL);
    set_names(&s->api_ca_names, NULL);
    for (int i = 0; i < TLS_MAX_IDENTITIES; i++)
        id_release(&s->other_ids[i]);
}
