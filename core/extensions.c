/*
 * The extension table. Masks follow the "TLS 1.3" column of the IANA
 * registry as listed in RFC 8446 4.2 (CH = ClientHello, SH = ServerHello,
 * HRR = HelloRetryRequest, EE = EncryptedExtensions, CT = Certificate,
 * CR = CertificateRequest, NST = NewSessionTicket). The TLS 1.2-only
 * extensions are listed with CH only: a TLS 1.3 server must not send them.
 *
 * ch: the parser of the extension's body in a ClientHello (hello.c), or
 * NULL for one we know but do not read (padding, heartbeat ...).
 */
#include "core/extensions.h"

#include <string.h>

#include "core/hello.h"

struct ext_desc {
    uint16_t type;
    unsigned msgs;
    tls_ch_ext_fn ch;
};

static const struct ext_desc ext_table[] = {
    {TLS_EXT_SERVER_NAME, TLS_EXTM_CH | TLS_EXTM_EE, tls_ch_ext_sni},
    {TLS_EXT_MAX_FRAGMENT_LENGTH, TLS_EXTM_CH | TLS_EXTM_EE, tls_ch_ext_mfl},
    {TLS_EXT_STATUS_REQUEST, TLS_EXTM_CH | TLS_EXTM_CR | TLS_EXTM_CT, tls_ch_ext_status_request},
    {TLS_EXT_SUPPORTED_GROUPS, TLS_EXTM_CH | TLS_EXTM_EE, tls_ch_ext_groups},
    {TLS_EXT_EC_POINT_FORMATS, TLS_EXTM_CH, tls_ch_ext_point_formats},
    {TLS_EXT_SIGNATURE_ALGORITHMS, TLS_EXTM_CH | TLS_EXTM_CR, tls_ch_ext_sigalgs},
    {TLS_EXT_USE_SRTP, TLS_EXTM_CH | TLS_EXTM_EE, NULL},
    {TLS_EXT_HEARTBEAT, TLS_EXTM_CH | TLS_EXTM_EE, NULL},
    {TLS_EXT_ALPN, TLS_EXTM_CH | TLS_EXTM_EE, tls_ch_ext_alpn},
    {TLS_EXT_SCT, TLS_EXTM_CH | TLS_EXTM_CR | TLS_EXTM_CT, NULL},
    {TLS_EXT_CLIENT_CERT_TYPE, TLS_EXTM_CH | TLS_EXTM_EE, NULL},
    {TLS_EXT_SERVER_CERT_TYPE, TLS_EXTM_CH | TLS_EXTM_EE, NULL},
    {TLS_EXT_PADDING, TLS_EXTM_CH, NULL},
    {TLS_EXT_ENCRYPT_THEN_MAC, TLS_EXTM_CH, tls_ch_ext_etm},
    {TLS_EXT_EXTENDED_MASTER_SECRET, TLS_EXTM_CH, tls_ch_ext_ems},
    {TLS_EXT_RECORD_SIZE_LIMIT, TLS_EXTM_CH | TLS_EXTM_EE, NULL},
    {TLS_EXT_SESSION_TICKET, TLS_EXTM_CH, tls_ch_ext_ticket},
    {TLS_EXT_PRE_SHARED_KEY, TLS_EXTM_CH | TLS_EXTM_SH, tls_ch_ext_psk},
    {TLS_EXT_EARLY_DATA, TLS_EXTM_CH | TLS_EXTM_EE | TLS_EXTM_NST, tls_ch_ext_early_data},
    {TLS_EXT_SUPPORTED_VERSIONS, TLS_EXTM_CH | TLS_EXTM_SH | TLS_EXTM_HRR, tls_ch_ext_versions},
    {TLS_EXT_COOKIE, TLS_EXTM_CH | TLS_EXTM_HRR, tls_ch_ext_cookie},
    {TLS_EXT_PSK_KEX_MODES, TLS_EXTM_CH, tls_ch_ext_psk_modes},
    {TLS_EXT_CERTIFICATE_AUTHORITIES, TLS_EXTM_CH | TLS_EXTM_CR, NULL},
    {TLS_EXT_OID_FILTERS, TLS_EXTM_CR, NULL},
    {TLS_EXT_POST_HANDSHAKE_AUTH, TLS_EXTM_CH, tls_ch_ext_pha},
    {TLS_EXT_SIGNATURE_ALGORITHMS_CERT, TLS_EXTM_CH | TLS_EXTM_CR, tls_ch_ext_sigalgs_cert},
    {TLS_EXT_KEY_SHARE, TLS_EXTM_CH | TLS_EXTM_SH | TLS_EXTM_HRR, tls_ch_ext_shares},
    {TLS_EXT_RENEGOTIATION_INFO, TLS_EXTM_CH, tls_ch_ext_reneg},
};

int tls_ext_index(uint16_t type)
{
    for (size_t i = 0; i < sizeof(ext_table) / sizeof(ext_table[0]); i++)
        if (ext_table[i].type == type)
            return (int)i;
    return -1;
}

/*
 * struct {
 *     ExtensionType extension_type;
 *     opaque extension_data<0..2^16-1>;
 * } Extension;
 */
int tls_ext_parse(tls_reader *r, unsigned msg, uint64_t offered, int is_response,
                  tls_ext_block *out)
{
    return tls_ext_parse_skip(r, msg, offered, is_response, out, NULL, NULL);
}

int tls_ext_parse_skip(tls_reader *r, unsigned msg, uint64_t offered, int is_response,
                       tls_ext_block *out, int (*skip)(void *arg, uint16_t type), void *arg)
{
    uint64_t seen = 0;
    out->n = 0;
    while (tls_rd_left(r) > 0) {
        uint16_t type;
        tls_reader body;
        TRY(tls_rd_u16(r, &type));
        TRY(tls_rd_vec(r, 2, &body));
        /* Someone else's to check (the application's own extensions). */
        if (skip && skip(arg, type))
            continue;
        int idx = tls_ext_index(type);
        if (idx < 0) {
            /* RFC 8446 4.2: a response may only carry what was asked for. */
            if (is_response)
                return TLS_FAIL(TLS_AD_UNSUPPORTED_EXTENSION, TLS_R_UNSOLICITED_EXTENSION);
            /* CertificateRequest and NewSessionTicket: unknown extensions
             * are skipped (RFC 8446 4.3.2, 4.6.1). */
            continue;
        }
        /* RFC 8446 4.2: no more than one extension of the same type. */
        if (seen & (1ull << idx))
            return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION);
        seen |= 1ull << idx;
        if (is_response && !(offered & (1ull << idx)))
            return TLS_FAIL(TLS_AD_UNSUPPORTED_EXTENSION, TLS_R_UNSOLICITED_EXTENSION);
        /* RFC 8446 4.2: a recognized extension in a message it is not
         * specified for is illegal_parameter. */
        if (!(ext_table[idx].msgs & msg))
            return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION);
        if (out->n == TLS_EXT_MAX_IN_BLOCK)
            return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION);
        out->ext[out->n].type = type;
        out->ext[out->n].body = body;
        out->n++;
    }
    return 0;
}

/*
 * Rules about a ClientHello's block as a whole that tls_ext_parse leaves
 * to the caller (it skips unknown types): RFC 8446 4.2 "There MUST NOT be
 * more than one extension of the same type", for unknown types too, and
 * RFC 8446 4.2.11 "pre_shared_key ... MUST be the last extension in the
 * ClientHello". Both illegal_parameter, as OpenSSL answers.
 */
static int check_ch_block(tls_reader exts)
{
    uint8_t seen[65536 / 8];
    memset(seen, 0, sizeof(seen));
    while (tls_rd_left(&exts) > 0) {
        uint16_t type;
        tls_reader body;
        TRY(tls_rd_u16(&exts, &type));
        TRY(tls_rd_vec(&exts, 2, &body));
        if (seen[type >> 3] & (1u << (type & 7)))
            return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION);
        seen[type >> 3] |= (uint8_t)(1u << (type & 7));
        if (type == TLS_EXT_PRE_SHARED_KEY && tls_rd_left(&exts) > 0)
            return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION);
    }
    return 0;
}

int tls_ext_parse_client_hello(tls_reader *r, struct tls_client_hello *ch)
{
    tls_ext_block eb;
    TRY(check_ch_block(*r));
    TRY(tls_ext_parse(r, TLS_EXTM_CH, 0, 0, &eb));
    for (size_t i = 0; i < eb.n; i++) {
        tls_ch_ext_fn parse = ext_table[tls_ext_index(eb.ext[i].type)].ch;
        if (parse)
            TRY(parse(ch, &eb.ext[i].body));
    }
    return 0;
}

tls_ext *tls_ext_find(tls_ext_block *b, uint16_t type)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->ext[i].type == type)
            return &b->ext[i];
    return NULL;
}
