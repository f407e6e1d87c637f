/*
 * SSL_CTX_set_purpose / SSL_set_purpose / SSL_CTX_set_trust / SSL_set_trust:
 * as in OpenSSL, they only record the purpose or trust setting in the
 * verification parameters (SSL_CTX_get0_param / SSL_get0_param), whence the
 * peer's chain verification takes them. libcrypto checks the value (an
 * unknown purpose or trust id fails with X509's own ERR entry, returning 0).
 */
#include "compat/compat.h"

int SSL_CTX_set_purpose(SSL_CTX *ctx, int purpose)
{
    return X509_VERIFY_PARAM_set_purpose(SSL_CTX_get0_param(ctx), purpose);
}

int SSL_set_purpose(SSL *s, int purpose)
{
    return X509_VERIFY_PARAM_set_purpose(SSL_get0_param(s), purpose);
}

int SSL_CTX_set_trust(SSL_CTX *ctx, int trust)
{
    return X509_VERIFY_PARAM_set_trust(SSL_CTX_get0_param(ctx), trust);
}

int SSL_set_trust(SSL *s, int trust)
{
    return X509_VERIFY_PARAM_set_trust(SSL_get0_param(s), trust);
}
