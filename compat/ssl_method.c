/*
 * SSL_METHOD objects. A method only says which role and which protocol
 * versions an SSL_CTX starts with; everything else is per object. The
 * version-specific methods are deprecated in 3.0 but still exported: they
 * pin the version through method->version (as OpenSSL does, the min/max
 * getters keep returning 0 for them). DTLS is not implemented: its methods
 * exist so programs link, and SSL_CTX_new refuses them.
 */
#include "compat/compat.h"

#define SHIMSSL_METHOD(fn, ver, side, dtls)                                                        \
    const SSL_METHOD *fn(void)                                                                     \
    {                                                                                              \
        static const SSL_METHOD m = {ver, side, dtls};                                             \
        return &m;                                                                                 \
    }

SHIMSSL_METHOD(TLS_method, 0, SHIMSSL_SIDE_ANY, 0)
SHIMSSL_METHOD(TLS_client_method, 0, SHIMSSL_SIDE_CLIENT, 0)
SHIMSSL_METHOD(TLS_server_method, 0, SHIMSSL_SIDE_SERVER, 0)
SHIMSSL_METHOD(TLSv1_2_method, TLS1_2_VERSION, SHIMSSL_SIDE_ANY, 0)
SHIMSSL_METHOD(TLSv1_2_client_method, TLS1_2_VERSION, SHIMSSL_SIDE_CLIENT, 0)
SHIMSSL_METHOD(TLSv1_2_server_method, TLS1_2_VERSION, SHIMSSL_SIDE_SERVER, 0)
SHIMSSL_METHOD(TLSv1_1_method, TLS1_1_VERSION, SHIMSSL_SIDE_ANY, 0)
SHIMSSL_METHOD(TLSv1_1_client_method, TLS1_1_VERSION, SHIMSSL_SIDE_CLIENT, 0)
SHIMSSL_METHOD(TLSv1_1_server_method, TLS1_1_VERSION, SHIMSSL_SIDE_SERVER, 0)
SHIMSSL_METHOD(TLSv1_method, TLS1_VERSION, SHIMSSL_SIDE_ANY, 0)
SHIMSSL_METHOD(TLSv1_client_method, TLS1_VERSION, SHIMSSL_SIDE_CLIENT, 0)
SHIMSSL_METHOD(TLSv1_server_method, TLS1_VERSION, SHIMSSL_SIDE_SERVER, 0)
SHIMSSL_METHOD(DTLS_method, 0, SHIMSSL_SIDE_ANY, 1)
SHIMSSL_METHOD(DTLS_client_method, 0, SHIMSSL_SIDE_CLIENT, 1)
SHIMSSL_METHOD(DTLS_server_method, 0, SHIMSSL_SIDE_SERVER, 1)
SHIMSSL_METHOD(DTLSv1_2_method, DTLS1_2_VERSION, SHIMSSL_SIDE_ANY, 1)
SHIMSSL_METHOD(DTLSv1_2_client_method, DTLS1_2_VERSION, SHIMSSL_SIDE_CLIENT, 1)
SHIMSSL_METHOD(DTLSv1_2_server_method, DTLS1_2_VERSION, SHIMSSL_SIDE_SERVER, 1)
SHIMSSL_METHOD(DTLSv1_method, DTLS1_VERSION, SHIMSSL_SIDE_ANY, 1)
SHIMSSL_METHOD(DTLSv1_client_method, DTLS1_VERSION, SHIMSSL_SIDE_CLIENT, 1)
SHIMSSL_METHOD(DTLSv1_server_method, DTLS1_VERSION, SHIMSSL_SIDE_SERVER, 1)

const SSL_METHOD *SSL_CTX_get_ssl_method(const SSL_CTX *ctx)
{
    return ctx->method;
}

const SSL_METHOD *SSL_get_ssl_method(const SSL *s)
{
    return s->method;
}

int SSL_set_ssl_method(SSL *s, const SSL_METHOD *meth)
{
    if (meth == NULL || meth->dtls) {
        SHIMSSL_ERR(SSL_R_WRONG_SSL_VERSION);
        return 0;
    }
    s->method = meth;
    /* A role-specific method fixes the role, as SSL_new would have. */
    if (meth->side == SHIMSSL_SIDE_CLIENT)
        s->server = 0;
    else if (meth->side == SHIMSSL_SIDE_SERVER)
        s->server = 1;
    return 1;
}

int SSL_CTX_set_ssl_version(SSL_CTX *ctx, const SSL_METHOD *meth)
{
    if (meth == NULL || meth->dtls) {
        SHIMSSL_ERR(SSL_R_WRONG_SSL_VERSION);
        return 0;
    }
    ctx->method = meth;
    return 1;
}

int SSL_is_dtls(const SSL *s)
{
    return s->method->dtls ? 1 : 0;
}
