/*
 * What the peer offered and what we signed with, kept beyond the handshake
 * state for the application's questions (SSL_get_sigalgs,
 * SSL_get_shared_sigalgs, SSL_get1_groups, SSL_get_signature_type_nid).
 *
 * A server answers from the ClientHello it keeps (tls13_auth.c). A client
 * has no such copy: it keeps the signature_algorithms of the server's
 * CertificateRequest, as a wire body allocated only when one arrives. (The
 * supported_groups a TLS 1.3 server may list in EncryptedExtensions are not
 * kept: OpenSSL's client does not report them either.)
 */
#include <stdlib.h>

#include "core/conn.h"

static int keep_u16s(uint8_t **dst, size_t *dst_len, const uint16_t *v, size_t n)
{
    uint8_t *copy = malloc(n ? 2 * n : 1);
    if (!copy)
        return TLS_ERR_INTERNAL;
    for (size_t i = 0; i < n; i++) {
        copy[2 * i] = (uint8_t)(v[i] >> 8);
        copy[2 * i + 1] = (uint8_t)v[i];
    }
    free(*dst);
    *dst = copy;
    *dst_len = 2 * n;
    return 0;
}

int tls_conn_keep_peer_cr_sigalgs(tls_conn *c, const uint16_t *v, size_t n)
{
    return keep_u16s(&c->peer_cr_sigalgs, &c->peer_cr_sigalgs_len, v, n);
}

void tls_conn_free_peer_offer(tls_conn *c)
{
    free(c->peer_cr_sigalgs);
    c->peer_cr_sigalgs = NULL;
}

uint16_t tls_conn_own_sigalg(const tls_conn *c)
{
    return c->own_sigalg;
}
