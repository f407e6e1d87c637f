/*
 * Decoded views of the peer's lists for compat/ (see core/peer_view.h).
 * The engine keeps the vectors as it received them (already bounded and
 * checked when the message was parsed); the decoding here goes through the
 * bounded reader like every other read of peer input.
 */
#include "core/peer_view.h"

/* A 2-byte code-point vector body to values: count all, store cap. */
static size_t u16_list(const uint8_t *wire, size_t len, uint16_t *out, size_t cap)
{
    tls_reader r;
    uint16_t v;
    size_t n = 0;

    if (wire == NULL)
        return 0;
    tls_rd_init(&r, wire, len);
    while (tls_rd_left(&r) >= 2 && tls_rd_u16(&r, &v) == 0) {
        if (n < cap)
            out[n] = v;
        n++;
    }
    return n;
}

size_t tls_conn_peer_group_ids(const tls_conn *c, uint16_t *out, size_t cap)
{
    const uint8_t *wire;
    size_t len;

    tls_conn_peer_groups(c, &wire, &len);
    return u16_list(wire, len, out, cap);
}

size_t tls_conn_peer_sigalg_ids(const tls_conn *c, uint16_t *out, size_t cap)
{
    const uint8_t *wire;
    size_t len;

    tls_conn_peer_sigalgs(c, &wire, &len);
    return u16_list(wire, len, out, cap);
}

size_t tls_conn_offered_suite_ids(const tls_conn *c, uint16_t *out, size_t cap)
{
    tls_client_hello_view v;

    if (tls_conn_client_hello_view(c, &v) < 0)
        return 0;
    return u16_list(v.suites, v.suites_len, out, cap);
}

/*
 *   opaque DistinguishedName<1..2^16-1>;   (RFC 8446 4.2.4, RFC 5246 7.4.4)
 *   opaque ResponderID<1..2^16-1>;         (RFC 6066 8)
 */
int tls_der_iter_next(tls_der_iter *it, const uint8_t **der, size_t *len)
{
    tls_reader item;

    if (tls_rd_left(&it->r) == 0 || tls_rd_vec(&it->r, 2, &item) < 0)
        return 0;
    *len = tls_rd_left(&item);
    return tls_rd_bytes(&item, *len, der) == 0;
}

int tls_conn_peer_ca_name_iter(const tls_conn *c, tls_der_iter *it)
{
    const uint8_t *wire;
    size_t len;

    tls_conn_peer_ca_names(c, &wire, &len);
    tls_rd_init(&it->r, wire, wire != NULL ? len : 0);
    return wire != NULL;
}

int tls_conn_ocsp_request_items(const tls_conn *c, tls_der_iter *ids, const uint8_t **exts,
                                size_t *exts_len)
{
    const uint8_t *wire;
    size_t len;
    int asked = tls_conn_ocsp_request(c, &wire, &len, exts, exts_len);

    tls_rd_init(&ids->r, wire, wire != NULL ? len : 0);
    return asked;
}

int tls_der_list_put(tls_writer *w, const uint8_t *der, size_t len)
{
    size_t mark;

    ENSURE(len > 0 && len <= 0xffff, TLS_ERR_INTERNAL);
    TRY(tls_wr_open(w, 2, &mark));
    TRY(tls_wr_bytes(w, der, len));
    return tls_wr_close(w, 2, mark);
}

int tls_protocol_name_next(tls_reader *list, const uint8_t **name, size_t *len)
{
    tls_reader n;

    if (tls_rd_left(list) == 0)
        return 0;
    if (tls_rd_vec(list, 1, &n) < 0 || tls_rd_left(&n) == 0)
        return -1;
    *len = tls_rd_left(&n);
    return tls_rd_bytes(&n, *len, name) < 0 ? -1 : 1;
}
