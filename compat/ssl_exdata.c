/*
 * Application data attached to SSL and SSL_CTX objects (SSL_SESSION's is
 * with the session code, ssl_session.c). The
 * index allocation (SSL_get_ex_new_index and friends) is a macro over
 * libcrypto's CRYPTO_get_ex_new_index, so the storage must be libcrypto's
 * CRYPTO_EX_DATA, created and freed with the object (ssl_ctx.c, ssl_conn.c)
 * so that applications' new/free callbacks run.
 */
#include "compat/compat.h"

int SSL_set_ex_data(SSL *s, int idx, void *data)
{
    return CRYPTO_set_ex_data(&s->ex_data, idx, data);
}

void *SSL_get_ex_data(const SSL *s, int idx)
{
    return CRYPTO_get_ex_data(&s->ex_data, idx);
}

int SSL_CTX_set_ex_data(SSL_CTX *ctx, int idx, void *data)
{
    return CRYPTO_set_ex_data(&ctx->ex_data, idx, data);
}

void *SSL_CTX_get_ex_data(const SSL_CTX *ctx, int idx)
{
    return CRYPTO_get_ex_data(&ctx->ex_data, idx);
}
