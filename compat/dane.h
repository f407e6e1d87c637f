/*
 * DANE (RFC 6698 / RFC 7671) state of an SSL_CTX and an SSL (compat/ssl_dane.c).
 *
 * The matching itself is libcrypto's: X509_verify_cert checks the TLSA
 * records of the SSL_DANE attached with X509_STORE_CTX_set0_dane, and writes
 * its findings (matched record, certificate, depths) back into it. So the
 * three structs below are not ours to design: their layout is dictated by
 * the libcrypto.so.3 ABI (OpenSSL 3.0's struct ssl_dane_st, struct
 * dane_ctx_st and danetls_record, which libcrypto reads and writes field by
 * field). Do not reorder, add or remove fields. SSL_get0_dane hands the
 * struct ssl_dane_st to the application.
 */
#ifndef SHIMSSL_COMPAT_DANE_H
#define SHIMSSL_COMPAT_DANE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/safestack.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

/* RFC 6698 2.1.1-2.1.3 code points (certificate usage, selector, matching type). */
enum {
    SHIMSSL_DANE_PKIX_TA = 0,
    SHIMSSL_DANE_PKIX_EE = 1,
    SHIMSSL_DANE_DANE_TA = 2,
    SHIMSSL_DANE_DANE_EE = 3,
    SHIMSSL_DANE_USAGE_MAX = SHIMSSL_DANE_DANE_EE,
    SHIMSSL_DANE_SEL_CERT = 0,
    SHIMSSL_DANE_SEL_SPKI = 1,
    SHIMSSL_DANE_SEL_MAX = SHIMSSL_DANE_SEL_SPKI,
    SHIMSSL_DANE_MATCH_FULL = 0,
    SHIMSSL_DANE_MATCH_SHA256 = 1,
    SHIMSSL_DANE_MATCH_SHA512 = 2,
    SHIMSSL_DANE_MATCH_MAX = SHIMSSL_DANE_MATCH_SHA512,
};

/* One TLSA record (libcrypto ABI). */
typedef struct danetls_record_st {
    uint8_t usage;
    uint8_t selector;
    uint8_t mtype;
    unsigned char *data; /* owned */
    size_t dlen;
    EVP_PKEY *spki; /* DANE-TA(2) SPKI(1) Full(0): the decoded key, owned */
} danetls_record;

DEFINE_STACK_OF(danetls_record)

/* Per SSL_CTX: matching type -> digest and preference (libcrypto ABI). */
struct dane_ctx_st {
    const EVP_MD **mdevp; /* [0..mdmax], owned array */
    uint8_t *mdord;       /* [0..mdmax], owned array; higher = preferred */
    uint8_t mdmax;        /* 0 = DANE not enabled on the context */
    unsigned long flags;  /* DANE_FLAG_* given to each new SSL */
};

/* Per SSL (libcrypto ABI). */
struct ssl_dane_st {
    struct dane_ctx_st *dctx;         /* the SSL_CTX's */
    STACK_OF(danetls_record) * trecs; /* sorted as libcrypto expects; NULL = off */
    STACK_OF(X509) * certs;           /* certificates of TA Cert(0) Full(0) records */
    danetls_record *mtlsa;            /* written by X509_verify_cert: the match */
    X509 *mcert;                      /* ... the matched certificate (owned) */
    uint32_t umask;                   /* bit per usage present */
    int mdpth;                        /* depth of the match, -1 none */
    int pdpth;                        /* depth of PKIX trust, -1 none */
    unsigned long flags;              /* DANE_FLAG_* */
};

void shimssl_dane_ctx_free(SSL_CTX *ctx);
void shimssl_dane_ssl_init(SSL *s);
void shimssl_dane_ssl_free(SSL *s);
/* SSL_clear: forget the last verification's findings (records stay). */
void shimssl_dane_ssl_clear(SSL *s);
/* Attach the SSL's records to a verification, if DANE is on for it. */
void shimssl_dane_attach(SSL *s, X509_STORE_CTX *xs);

#endif
