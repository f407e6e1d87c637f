/*
 * The ClientHello, parsed once (see hello.h). Every extension this engine
 * reads is decoded and bounded here, whichever version is chosen later;
 * what only one version needs is checked by that version's server
 * (tls_client_hello_check13, tls12_err).
 */
#include "core/hello.h"

#include <string.h>

#include "core/algs.h"
#include "core/extensions.h"
#include "core/tls.h"

int tls_client_hello_has_suite(const tls_client_hello *ch, uint16_t id)
{
    return tls_u16s_wire_has(ch->suites, ch->suites_len / 2, id);
}

/* ---------------------------------------------------------------------
 * The extension bodies both versions read.
 */

/* NamedGroup named_group_list<2..2^16-1>; (RFC 8446 4.2.7) */
int tls_ch_ext_groups(tls_client_hello *ch, tls_reader *body)
{
    tls_reader l;
    TRY(tls_rd_vec_bounded(body, 2, 2, 0xffff, &l));
    TRY(tls_rd_done(body));
    if (tls_rd_left(&l) % 2)
        return TLS_ERR_DECODE;
    /* The whole list, however long: the message bounds it. */
    ch->n_groups = tls_rd_left(&l) / 2;
    TRY(tls_rd_bytes(&l, tls_rd_left(&l), &ch->groups));
    ch->have_groups = 1;
    return 0;
}

/* SignatureScheme supported_signature_algorithms<2..2^16-2>; (RFC 8446 4.2.3) */
int tls_ch_ext_sigalgs(tls_client_hello *ch, tls_reader *body)
{
    tls_reader l;
    TRY(tls_rd_vec_bounded(body, 2, 2, 0xfffe, &l));
    TRY(tls_rd_done(body));
    if (tls_rd_left(&l) % 2)
        return TLS_ERR_DECODE;
    ch->n_sigalgs = tls_rd_left(&l) / 2;
    TRY(tls_rd_bytes(&l, tls_rd_left(&l), &ch->sigalgs));
    ch->have_sigalgs = 1;
    return 0;
}

/*
 * struct {
 *     NamedGroup group;
 *     opaque key_exchange<1..2^16-1>;
 * } KeyShareEntry;
 * struct { KeyShareEntry client_shares<0..2^16-1>; } KeyShareClientHello;
 *
 * Checked after supported_groups is known (see check_shares).
 */
int tls_ch_ext_shares(tls_client_hello *ch, tls_reader *body)
{
    TRY(tls_rd_vec(body, 2, &ch->shares));
    TRY(tls_rd_done(body));
    tls_reader l = ch->shares;
    while (tls_rd_left(&l) > 0) {
        uint16_t g;
        tls_reader kx;
        TRY(tls_rd_u16(&l, &g));
        TRY(tls_rd_vec_bounded(&l, 2, 1, 0xffff, &kx));
        ch->n_shares++;
    }
    ch->have_shares = 1;
    return 0;
}

/* RFC 8446 4.2.8: "Clients MUST NOT offer multiple KeyShareEntry values for
 * the same group. Clients MUST NOT offer any KeyShareEntry values for groups
 * not listed in the client's "supported_groups" extension", and the shares
 * come in supported_groups order. Servers may check: we do.
 *
 * Each share's group must first appear in supported_groups after the
 * previous share's. One pass over both lists (a hostile hello may carry
 * thousands of each): `passed` marks the groups of the list already walked,
 * so a group that first appeared there is out of order or repeated. */
static int check_shares(const tls_client_hello *ch)
{
    uint8_t passed[65536 / 8] = {0};
    tls_reader l = ch->shares;
    size_t pos = 0;
    while (tls_rd_left(&l) > 0) {
        uint16_t g;
        tls_reader kx;
        TRY(tls_rd_u16(&l, &g));
        TRY(tls_rd_vec(&l, 2, &kx));
        if (passed[g / 8] & (1u << (g % 8)))
            return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_KEY_SHARE);
        uint16_t at;
        do {
            if (pos == ch->n_groups)
                return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_KEY_SHARE);
            at = tls_u16_at(ch->groups, pos++);
            passed[at / 8] |= (uint8_t)(1u << (at % 8));
        } while (at != g);
    }
    return 0;
}

/* The share the client sent for group, or NULL. */
int tls_client_hello_share(const tls_client_hello *ch, uint16_t group, const uint8_t **p, size_t *n)
{
    tls_reader l = ch->shares;
    while (tls_rd_left(&l) > 0) {
        uint16_t g;
        tls_reader kx;
        TRY(tls_rd_u16(&l, &g));
        TRY(tls_rd_vec(&l, 2, &kx));
        if (g == group) {
            *n = tls_rd_left(&kx);
            return tls_rd_bytes(&kx, *n, p);
        }
    }
    *p = NULL;
    *n = 0;
    return 0;
}

/*
 * struct {
 *     NameType name_type;
 *     select (name_type) { case host_name: HostName; } name;
 * } ServerName;
 * enum { host_name(0), (255) } NameType;
 * opaque HostName<1..2^16-1>;
 * struct { ServerName server_name_list<1..2^16-1> } ServerNameList;
 * (RFC 6066 3)
 */
int tls_ch_ext_sni(tls_client_hello *ch, tls_reader *body)
{
    ch->have_sni_ext = 1;
    tls_reader list;
    TRY(tls_rd_vec_bounded(body, 2, 1, 0xffff, &list));
    TRY(tls_rd_done(body));
    while (tls_rd_left(&list) > 0) {
        uint8_t type;
        tls_reader name;
        TRY(tls_rd_u8(&list, &type));
        TRY(tls_rd_vec_bounded(&list, 2, 1, 0xffff, &name));
        if (type != 0 || ch->have_sni)
            continue;
        size_t n = tls_rd_left(&name);
        const uint8_t *p;
        TRY(tls_rd_bytes(&name, n, &p));
        /* A name we cannot hand out as a C string is not a host name. */
        if (n > 255 || memchr(p, 0, n))
            return TLS_FAIL(TLS_AD_UNRECOGNIZED_NAME, TLS_R_BAD_EXTENSION);
        ch->sni = p;
        ch->sni_len = n;
        ch->have_sni = 1;
    }
    return 0;
}

/* opaque ProtocolName<1..2^8-1>;
 * struct { ProtocolName protocol_name_list<2..2^16-1> } ProtocolNameList;
 * (RFC 7301 3.1) */
int tls_ch_ext_alpn(tls_client_hello *ch, tls_reader *body)
{
    TRY(tls_rd_vec_bounded(body, 2, 2, 0xffff, &ch->alpn));
    TRY(tls_rd_done(body));
    tls_reader l = ch->alpn;
    while (tls_rd_left(&l) > 0) {
        tls_reader name;
        TRY(tls_rd_vec_bounded(&l, 1, 1, 255, &name));
    }
    ch->have_alpn = 1;
    return 0;
}

/* PskKeyExchangeMode ke_modes<1..255>; (RFC 8446 4.2.9) */
int tls_ch_ext_psk_modes(tls_client_hello *ch, tls_reader *body)
{
    tls_reader l;
    TRY(tls_rd_vec_bounded(body, 1, 1, 255, &l));
    TRY(tls_rd_done(body));
    while (tls_rd_left(&l) > 0) {
        uint8_t mode;
        TRY(tls_rd_u8(&l, &mode));
        if (mode == 1)
            ch->psk_dhe_ke = 1;
    }
    ch->have_psk_modes = 1;
    return 0;
}

/*
 * struct { opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age; } PskIdentity;
 * opaque PskBinderEntry<32..255>;
 * struct {
 *     PskIdentity identities<7..2^16-1>;
 *     PskBinderEntry binders<33..2^16-1>;
 * } OfferedPsks;
 * (RFC 8446 4.2.11) Checked for form here; tls13_psk_server_offer tries
 * the identities. A malformed offer is decode_error with OpenSSL's reason.
 */
static int parse_psk_form(tls_client_hello *ch, tls_reader *body);
int tls_ch_ext_psk(tls_client_hello *ch, tls_reader *body)
{
    int rc = parse_psk_form(ch, body);
    if (rc == TLS_ERR_DECODE)
        rc = TLS_ERR(TLS_AD_DECODE_ERROR, TLS_R_BAD_EXTENSION);
    return rc;
}

static int parse_psk_form(tls_client_hello *ch, tls_reader *body)
{
    tls_reader ids, binders;
    size_t n_ids = 0, n_binders = 0;
    TRY(tls_rd_vec_bounded(body, 2, 7, 0xffff, &ids));
    TRY(tls_rd_vec_bounded(body, 2, 33, 0xffff, &binders));
    TRY(tls_rd_done(body));
    ch->psk_ids = ids;
    ch->psk_binders = binders;
    ch->psk_binders_total = 2 + tls_rd_left(&binders);
    while (tls_rd_left(&ids) > 0) {
        tls_reader id;
        uint32_t age;
        TRY(tls_rd_vec_bounded(&ids, 2, 1, 0xffff, &id));
        TRY(tls_rd_u32(&ids, &age));
        n_ids++;
    }
    while (tls_rd_left(&binders) > 0) {
        tls_reader b;
        TRY(tls_rd_vec_bounded(&binders, 1, 32, 255, &b));
        n_binders++;
    }
    /* RFC 8446 4.2.11: one binder per identity. */
    if (n_ids != n_binders)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_BAD_EXTENSION);
    ch->have_psk = 1;
    return 0;
}

/* ProtocolVersion versions<2..254>; (RFC 8446 4.2.1) */
int tls_ch_ext_versions(tls_client_hello *ch, tls_reader *body)
{
    tls_reader l;
    TRY(tls_rd_vec_bounded(body, 1, 2, 254, &l));
    TRY(tls_rd_done(body));
    if (tls_rd_left(&l) % 2)
        return TLS_ERR_DECODE;
    while (tls_rd_left(&l) > 0) {
        uint16_t v;
        TRY(tls_rd_u16(&l, &v));
        if (v == TLS_V13)
            ch->has13 = 1;
        if (v == TLS_V12)
            ch->has12 = 1;
    }
    ch->have_versions = 1;
    return 0;
}

/* struct { opaque cookie<1..2^16-1>; } Cookie; (RFC 8446 4.2.2) */
int tls_ch_ext_cookie(tls_client_hello *ch, tls_reader *body)
{
    tls_reader v;
    TRY(tls_rd_vec_bounded(body, 2, 1, 0xffff, &v));
    TRY(tls_rd_done(body));
    ch->have_cookie = 1;
    ch->cookie = v.p + v.off;
    ch->cookie_len = tls_rd_left(&v);
    return 0;
}

/* RFC 8446 4.2.6: the body is empty. */
int tls_ch_ext_pha(tls_client_hello *ch, tls_reader *body)
{
    TRY(tls_rd_done(body));
    ch->have_pha = 1;
    return 0;
}

/* RFC 8446 4.2.10: in a ClientHello the body is empty. */
int tls_ch_ext_early_data(tls_client_hello *ch, tls_reader *body)
{
    TRY(tls_rd_done(body));
    ch->have_early_data = 1;
    return 0;
}

/* Read by ocsp_status.c once the server knows it answers (RFC 6066 8). */
int tls_ch_ext_status_request(tls_client_hello *ch, tls_reader *body)
{
    ch->status_req = *body;
    ch->have_status_req = 1;
    return 0;
}

/* Read by maxfrag.c, whose error comes after the version is chosen. */
int tls_ch_ext_mfl(tls_client_hello *ch, tls_reader *body)
{
    ch->mfl = *body;
    ch->have_mfl = 1;
    return 0;
}

/* ---------------------------------------------------------------------
 * The TLS 1.2-only bodies. Their errors wait in ch->tls12_err.
 */

/* ECPointFormat ec_point_format_list<1..2^8-1>; (RFC 8422 5.1.2) */
static int parse_point_formats(tls_client_hello *ch, tls_reader *body)
{
    tls_reader l;
    TRY(tls_rd_vec_bounded(body, 1, 1, 255, &l));
    TRY(tls_rd_done(body));
    while (tls_rd_left(&l) > 0) {
        uint8_t f;
        TRY(tls_rd_u8(&l, &f));
        if (f == 0)
            ch->point_uncompressed = 1;
    }
    ch->have_point_formats = 1;
    return 0;
}

/* struct { opaque renegotiated_connection<0..255>; } RenegotiationInfo;
 * (RFC 5746 3.6: in an initial ClientHello it must be empty) */
static int parse_reneg(tls_client_hello *ch, tls_reader *body)
{
    tls_reader l;
    TRY(tls_rd_vec(body, 1, &l));
    TRY(tls_rd_done(body));
    if (tls_rd_left(&l) != 0)
        return TLS_FAIL(TLS_AD_HANDSHAKE_FAILURE, TLS_R_RENEGOTIATION_MISMATCH);
    ch->have_reneg = 1;
    return 0;
}

/* A TLS 1.2-only body's error waits until TLS 1.2 is chosen. */
static int tls12_only(tls_client_hello *ch, int rc)
{
    if (rc < 0 && !ch->tls12_err)
        ch->tls12_err = rc;
    return 0;
}

int tls_ch_ext_point_formats(tls_client_hello *ch, tls_reader *body)
{
    return tls12_only(ch, parse_point_formats(ch, body));
}

/* RFC 7627 5.1 and RFC 7366 2: the extension data is empty. */
int tls_ch_ext_ems(tls_client_hello *ch, tls_reader *body)
{
    if (tls_rd_left(body) != 0)
        return tls12_only(ch, TLS_ERR_DECODE);
    ch->have_ems = 1;
    return 0;
}

int tls_ch_ext_etm(tls_client_hello *ch, tls_reader *body)
{
    if (tls_rd_left(body) != 0)
        return tls12_only(ch, TLS_ERR_DECODE);
    ch->have_etm = 1;
    return 0;
}

int tls_ch_ext_reneg(tls_client_hello *ch, tls_reader *body)
{
    ch->have_reneg_ext = 1;
    return tls12_only(ch, parse_reneg(ch, body));
}

/* RFC 5077 3.2: opaque ticket, the whole extension body. */
int tls_ch_ext_ticket(tls_client_hello *ch, tls_reader *body)
{
    ch->have_ticket_ext = 1;
    ch->ticket_len = tls_rd_left(body);
    return tls12_only(ch, tls_rd_bytes(body, ch->ticket_len, &ch->ticket));
}

/* SignatureScheme supported_signature_algorithms_cert<2..2^16-2>;
 * (RFC 8446 4.2.3) Kept only when well formed. */
int tls_ch_ext_sigalgs_cert(tls_client_hello *ch, tls_reader *body)
{
    tls_reader l;
    if (tls_rd_vec(body, 2, &l) < 0 || tls_rd_done(body) < 0 || tls_rd_left(&l) % 2)
        return 0;
    ch->n_sigalgs_cert = tls_rd_left(&l) / 2;
    if (tls_rd_bytes(&l, tls_rd_left(&l), &ch->sigalgs_cert) < 0)
        ch->n_sigalgs_cert = 0;
    return 0;
}

/* ---------------------------------------------------------------------
 * The extension block and the message.
 */
static int parse_extensions(tls_client_hello *ch, tls_reader *exts)
{
    /* The table (extensions.c) checks the block and runs each parser. */
    TRY(tls_ext_parse_client_hello(exts, ch));
    /* RFC 8446 4.2.1: without supported_versions the client speaks TLS 1.2
     * or older (choose_version decides). */
    if (!ch->have_versions)
        ch->has12 = ch->legacy_version >= TLS_V12;
    /* RFC 8422 5.1.2: a client that lists point formats must list the
     * uncompressed one. */
    if (!ch->tls12_err && ch->have_point_formats && !ch->point_uncompressed)
        ch->tls12_err = TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_ILLEGAL_POINT_COMPRESSION);
    /* RFC 5746 3.3: TLS_EMPTY_RENEGOTIATION_INFO_SCSV counts as the empty
     * extension. */
    if (tls_client_hello_has_suite(ch, TLS_SUITE_EMPTY_RENEGOTIATION_INFO_SCSV))
        ch->have_reneg = 1;
    return 0;
}

int tls_client_hello_check13(const tls_client_hello *ch)
{
    /* RFC 8446 4.2.9: a PSK offer needs psk_key_exchange_modes. */
    if (ch->have_psk && !ch->have_psk_modes)
        return TLS_FAIL(TLS_AD_MISSING_EXTENSION, TLS_R_MISSING_PSK_KEX_MODES_EXTENSION);
    /* RFC 8446 9.2: without a PSK, a certificate-authenticated handshake
     * needs signature_algorithms, supported_groups and key_share. The PSK
     * is ignored here (no resumption yet), so all three are required. */
    if (!ch->have_sigalgs)
        return TLS_FAIL(TLS_AD_MISSING_EXTENSION, TLS_R_MISSING_SIGALGS_EXTENSION);
    if (!ch->have_groups)
        return TLS_FAIL(TLS_AD_MISSING_EXTENSION, TLS_R_MISSING_SUPPORTED_GROUPS_EXTENSION);
    if (!ch->have_shares)
        return TLS_FAIL(TLS_AD_MISSING_EXTENSION, TLS_R_NO_SUITABLE_KEY_SHARE);
    return check_shares(ch);
}

/*
 * struct {
 *     ProtocolVersion legacy_version = 0x0303;
 *     Random random;
 *     opaque legacy_session_id<0..32>;
 *     CipherSuite cipher_suites<2..2^16-2>;
 *     opaque legacy_compression_methods<1..2^8-1>;
 *     Extension extensions<8..2^16-1>;
 * } ClientHello;
 */
int tls_client_hello_parse(const uint8_t *msg, size_t len, tls_client_hello *ch)
{
    tls_reader r, sid, suites, comp, exts;
    memset(ch, 0, sizeof(*ch));
    tls_rd_init(&r, msg + 4, len - 4);
    TRY(tls_rd_u16(&r, &ch->legacy_version));
    TRY(tls_rd_bytes(&r, 32, &ch->random));
    TRY(tls_rd_vec_bounded(&r, 1, 0, 32, &sid));
    TRY(tls_rd_vec(&r, 2, &suites));
    TRY(tls_rd_vec(&r, 1, &comp));
    if (tls_rd_left(&r) == 0)
        memset(&exts, 0, sizeof(exts)); /* no extensions: TLS 1.2 or older */
    else
        TRY(tls_rd_vec(&r, 2, &exts));
    TRY(tls_rd_done(&r));

    ch->session_id_len = tls_rd_left(&sid);
    TRY(tls_rd_bytes(&sid, ch->session_id_len, &ch->session_id));
    /* CipherSuite cipher_suites<2..2^16-2>: OpenSSL reports an empty list
     * as illegal_parameter and an odd one as decode_error. */
    ch->suites_len = tls_rd_left(&suites);
    if (ch->suites_len == 0)
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_NO_CIPHERS_SPECIFIED);
    if (ch->suites_len % 2)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_ERROR_IN_RECEIVED_CIPHER_LIST);
    TRY(tls_rd_bytes(&suites, ch->suites_len, &ch->suites));

    /* RFC 8446 4.1.3: legacy_version below TLS 1.0 cannot be a TLS 1.3
     * ClientHello (OpenSSL's check). */
    if (ch->legacy_version < 0x0301)
        return TLS_FAIL(TLS_AD_PROTOCOL_VERSION, TLS_R_BAD_LEGACY_VERSION);
    ch->exts = exts;
    ch->have_exts = exts.p != NULL;
    TRY(parse_extensions(ch, &exts));

    /* RFC 8446 4.1.2: "For every TLS 1.3 ClientHello, this vector MUST
     * contain exactly one byte, set to zero". A list without the null
     * method at all is decode_error, as OpenSSL answers. */
    const uint8_t *cm;
    size_t cn = tls_rd_left(&comp);
    TRY(tls_rd_bytes(&comp, cn, &cm));
    ch->comp = cm;
    ch->comp_len = cn;
    if (!memchr(cm, 0, cn))
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_NO_COMPRESSION_SPECIFIED);
    if (cn != 1 && ch->has13)
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_INVALID_COMPRESSION_ALGORITHM);
    return 0;
}
