/*
 * The ClientHello a server keeps while its handshake runs, as the
 * application's client-hello callback sees it (SSL_client_hello_get0_* in
 * compat): the fields hello.c parsed once, and a walk over its validated
 * extension block.
 */
#include "core/conn.h"

/*
 * struct {
 *     ProtocolVersion legacy_version;
 *     Random random;
 *     opaque legacy_session_id<0..32>;
 *     CipherSuite cipher_suites<2..2^16-2>;
 *     opaque legacy_compression_methods<1..2^8-1>;
 *     Extension extensions<0..2^16-1>;   (absent in a bare TLS 1.2 hello)
 * } ClientHello;
 */
int tls_conn_client_hello_view(const tls_conn *c, tls_client_hello_view *v)
{
    const tls_client_hello *ch = &c->ch;
    if (c->ch_copy == NULL)
        return TLS_ERR_INTERNAL;
    v->legacy_version = ch->legacy_version;
    v->random = ch->random;
    v->session_id = ch->session_id;
    v->session_id_len = ch->session_id_len;
    v->suites = ch->suites;
    v->suites_len = ch->suites_len;
    v->compression = ch->comp;
    v->compression_len = ch->comp_len;
    v->extensions = ch->have_exts ? ch->exts.p + ch->exts.off : NULL;
    v->extensions_len = ch->have_exts ? tls_rd_left(&ch->exts) : 0;
    return 0;
}

int tls_client_hello_next_ext(const tls_client_hello_view *v, size_t *cursor, uint16_t *type,
                              const uint8_t **body, size_t *len)
{
    tls_reader r, b;

    if (v->extensions == NULL || *cursor >= v->extensions_len)
        return 0;
    tls_rd_init(&r, v->extensions + *cursor, v->extensions_len - *cursor);
    if (tls_rd_u16(&r, type) < 0 || tls_rd_vec(&r, 2, &b) < 0)
        return 0;
    *body = b.p + b.off;
    *len = tls_rd_left(&b);
    *cursor += r.off;
    return 1;
}
