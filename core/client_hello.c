/*
 * The ClientHello a server keeps while its handshake runs, split into its
 * fields for the application's client-hello callback (SSL_client_hello_get0_*
 * in compat). The copy was validated when the server parsed it, but it is
 * read again here with the bounded reader all the same: a view never trusts
 * a length it did not check.
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
    tls_reader r, sid, suites, comp, exts;
    const uint8_t *random;
    uint16_t version;

    if (c->ch_copy == NULL || c->ch_copy_len < 4)
        return TLS_ERR_INTERNAL;
    tls_rd_init(&r, c->ch_copy + 4, c->ch_copy_len - 4);
    TRY(tls_rd_u16(&r, &version));
    TRY(tls_rd_bytes(&r, 32, &random));
    TRY(tls_rd_vec(&r, 1, &sid));
    TRY(tls_rd_vec(&r, 2, &suites));
    TRY(tls_rd_vec(&r, 1, &comp));
    if (tls_rd_left(&r) > 0) {
        TRY(tls_rd_vec(&r, 2, &exts));
    } else {
        tls_rd_init(&exts, NULL, 0);
    }
    v->legacy_version = version;
    v->random = random;
    v->session_id = sid.p + sid.off;
    v->session_id_len = tls_rd_left(&sid);
    v->suites = suites.p + suites.off;
    v->suites_len = tls_rd_left(&suites);
    v->compression = comp.p + comp.off;
    v->compression_len = tls_rd_left(&comp);
    v->extensions = exts.p ? exts.p + exts.off : NULL;
    v->extensions_len = tls_rd_left(&exts);
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
