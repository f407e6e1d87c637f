/*
 * ALPN (RFC 7301): the client's reading of the server's answer, the same in
 * a TLS 1.2 ServerHello and a TLS 1.3 EncryptedExtensions.
 */
#include <string.h>

#include "core/conn.h"
#include "core/extensions.h"

/*
 * opaque ProtocolName<1..2^8-1>;
 * struct { ProtocolName protocol_name_list<2..2^16-1> } ProtocolNameList;
 * RFC 7301 3.1: the server's list holds exactly one name, one we offered.
 */
int tls_ext_alpn_reply(tls_conn *c, tls_reader *body)
{
    tls_reader list, name, ours;
    TRY(tls_rd_vec_bounded(body, 2, 2, 0xffff, &list));
    TRY(tls_rd_done(body));
    TRY(tls_rd_vec_bounded(&list, 1, 1, 255, &name));
    if (tls_rd_left(&list) != 0)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_BAD_EXTENSION);
    size_t n = tls_rd_left(&name);
    const uint8_t *p;
    TRY(tls_rd_bytes(&name, n, &p));
    tls_rd_init(&ours, c->cfg->alpn, c->cfg->alpn_len);
    while (tls_rd_left(&ours) > 0) {
        tls_reader o;
        TRY(tls_rd_vec(&ours, 1, &o));
        if (tls_rd_left(&o) == n && memcmp(o.p + o.off, p, n) == 0) {
            memcpy(c->alpn, p, n);
            c->alpn_len = n;
            return 0;
        }
    }
    /* Not one we offered: decode_error, as OpenSSL's client answers it. */
    return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_BAD_EXTENSION);
}
