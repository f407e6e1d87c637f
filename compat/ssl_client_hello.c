/*
 * SSL_client_hello_*: what the application's client-hello callback
 * (SSL_CTX_set_client_hello_cb, compat/ssl_clientauth.c) may ask about the
 * ClientHello. The engine keeps the message and splits it
 * (tls_conn_client_hello_view); these functions only hand out pointers into
 * it. As in OpenSSL, outside a server handshake they report nothing, and a
 * missing extension is a plain 0, never an error on the queue (haproxy asks
 * for extensions that most clients do not send).
 */
#include "compat/compat.h"

static int view(SSL *s, tls_client_hello_view *v)
{
    return s != NULL && s->server && s->conn != NULL && !tls_conn_handshake_done(s->conn) &&
           tls_conn_client_hello_view(s->conn, v) == 0;
}

int SSL_client_hello_isv2(SSL *s)
{
    tls_client_hello_view v;
    return view(s, &v) && tls_conn_client_hello_v2(s->conn);
}

unsigned int SSL_client_hello_get0_legacy_version(SSL *s)
{
    tls_client_hello_view v;
    return view(s, &v) ? v.legacy_version : 0;
}

size_t SSL_client_hello_get0_random(SSL *s, const unsigned char **out)
{
    tls_client_hello_view v;
    if (!view(s, &v))
        return 0;
    if (out != NULL)
        *out = v.random;
    return 32;
}

size_t SSL_client_hello_get0_session_id(SSL *s, const unsigned char **out)
{
    tls_client_hello_view v;
    if (!view(s, &v))
        return 0;
    if (out != NULL)
        *out = v.session_id;
    return v.session_id_len;
}

size_t SSL_client_hello_get0_ciphers(SSL *s, const unsigned char **out)
{
    tls_client_hello_view v;
    if (!view(s, &v))
        return 0;
    if (out != NULL)
        *out = v.suites;
    return v.suites_len;
}

size_t SSL_client_hello_get0_compression_methods(SSL *s, const unsigned char **out)
{
    tls_client_hello_view v;
    if (!view(s, &v))
        return 0;
    if (out != NULL)
        *out = v.compression;
    return v.compression_len;
}

/* The extension types present, in the order the client sent them. */
int SSL_client_hello_get1_extensions_present(SSL *s, int **out, size_t *outlen)
{
    tls_client_hello_view v;
    size_t cursor = 0, n = 0, len;
    uint16_t type;
    const uint8_t *body;
    int *types;

    if (out == NULL || outlen == NULL || !view(s, &v))
        return 0;
    while (tls_client_hello_next_ext(&v, &cursor, &type, &body, &len))
        n++;
    if (n == 0) {
        *out = NULL;
        *outlen = 0;
        return 1;
    }
    if ((types = OPENSSL_malloc(n * sizeof(*types))) == NULL) {
        SHIMSSL_ERR(ERR_R_MALLOC_FAILURE);
        return 0;
    }
    cursor = 0;
    for (size_t i = 0; i < n && tls_client_hello_next_ext(&v, &cursor, &type, &body, &len); i++)
        types[i] = type;
    *out = types;
    *outlen = n;
    return 1;
}

int SSL_client_hello_get0_ext(SSL *s, unsigned int type, const unsigned char **out, size_t *outlen)
{
    tls_client_hello_view v;
    size_t cursor = 0, len;
    uint16_t t;
    const uint8_t *body;

    if (!view(s, &v))
        return 0;
    while (tls_client_hello_next_ext(&v, &cursor, &t, &body, &len)) {
        if (t == type) {
            if (out != NULL)
                *out = body;
            if (outlen != NULL)
                *outlen = len;
            return 1;
        }
    }
    return 0;
}
