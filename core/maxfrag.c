/*
 * Record size controls: RFC 6066 section 4 max_fragment_length, the
 * sending limit (max_send_fragment), and TLS 1.3 record padding.
 *
 *   enum { 2^9(1), 2^10(2), 2^11(3), 2^12(4), (255) } MaxFragmentLength;
 *
 * The client offers one code; a server that accepts repeats it exactly
 * (TLS 1.2 ServerHello, TLS 1.3 EncryptedExtensions). From then on neither
 * side sends a record with more plaintext than 2^(8+code), and a larger one
 * received is record_overflow, as OpenSSL does (DATA_LENGTH_TOO_LONG). The
 * limit binds every record type: handshake messages are fragmented too.
 *
 * Reasons follow OpenSSL 3.0: a malformed body is decode_error +
 * BAD_EXTENSION; an unknown code, or an answer that is not our offer, is
 * illegal_parameter + SSL3_EXT_INVALID_MAX_FRAGMENT_LENGTH.
 */
#include "core/maxfrag.h"

#include "core/extensions.h"
#include "core/record.h"
#include "core/tls13_psk.h"

#define ERR_BAD_BODY TLS_ERR(TLS_AD_DECODE_ERROR, TLS_R_BAD_EXTENSION)
#define ERR_BAD_CODE TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_SSL3_EXT_INVALID_MAX_FRAGMENT_LENGTH)

static int code_valid(uint8_t code)
{
    return code >= 1 && code <= 4;
}

static size_t code_bytes(uint8_t code)
{
    return (size_t)1 << (8 + code);
}

/* opaque extension_data[1]: exactly one MaxFragmentLength byte. */
static int read_code(tls_reader *body, uint8_t *code)
{
    if (tls_rd_u8(body, code) < 0 || tls_rd_left(body) != 0)
        return ERR_BAD_BODY;
    ENSURE(code_valid(*code), ERR_BAD_CODE);
    return 0;
}

uint8_t tls_conn_max_fragment_code(const tls_conn *c)
{
    return c->mfl_code;
}

size_t tls_conn_recv_limit(const tls_conn *c)
{
    return c->mfl_code ? code_bytes(c->mfl_code) : TLS_MAX_PLAINTEXT;
}

size_t tls_conn_send_limit(const tls_conn *c)
{
    size_t limit = TLS_MAX_PLAINTEXT;
    size_t cfg = c->cfg->max_send_fragment;
    if (cfg >= 512 && cfg < limit)
        limit = cfg;
    /* OpenSSL lets a negotiated max_fragment_length replace the setting. */
    if (c->mfl_code)
        return code_bytes(c->mfl_code);
    /* 0-RTT data goes out before the server answered. OpenSSL's server
     * holds it to the length of the resumed session, ours to the length
     * offered: stay within both. */
    if (!c->is_server && c->psk.early_phase == TLS_EPH_SENDING) {
        uint8_t offer = c->cfg->max_fragment_code;
        uint8_t kept = c->cfg->resume ? c->cfg->resume->max_fragment_code : 0;
        if (code_valid(offer) && code_bytes(offer) < limit)
            limit = code_bytes(offer);
        if (code_valid(kept) && code_bytes(kept) < limit)
            limit = code_bytes(kept);
    }
    return limit;
}

int tls_mfl_write_offer(const tls_conn *c, tls_writer *w, uint64_t *offered)
{
    uint8_t code = c->cfg->max_fragment_code;
    if (code == 0)
        return 0;
    ENSURE(code_valid(code), TLS_ERR_INTERNAL);
    TRY(tls_wr_u16(w, TLS_EXT_MAX_FRAGMENT_LENGTH));
    TRY(tls_wr_u16(w, 1));
    TRY(tls_wr_u8(w, code));
    *offered |= 1ull << tls_ext_index(TLS_EXT_MAX_FRAGMENT_LENGTH);
    return 0;
}

int tls_mfl_client_echo(tls_conn *c, tls_reader *body)
{
    uint8_t code;
    TRY(read_code(body, &code));
    /* RFC 6066 4: "If a client receives a maximum fragment length
     * negotiation response that differs from the length it requested, it
     * MUST also abort the handshake with an illegal_parameter alert." */
    ENSURE(code == c->cfg->max_fragment_code, ERR_BAD_CODE);
    c->mfl_code = code;
    return 0;
}

int tls_mfl_server_client_hello(tls_conn *c)
{
    tls_client_hello_view v;
    size_t cursor = 0, len;
    uint16_t type;
    const uint8_t *p;
    TRY(tls_conn_client_hello_view(c, &v));
    c->mfl_code = 0;
    while (tls_client_hello_next_ext(&v, &cursor, &type, &p, &len)) {
        if (type != TLS_EXT_MAX_FRAGMENT_LENGTH)
            continue;
        tls_reader body;
        uint8_t code;
        tls_rd_init(&body, p, len);
        /* RFC 6066 4: a value outside the enumeration is illegal_parameter. */
        TRY(read_code(&body, &code));
        c->mfl_code = code;
        break;
    }
    return 0;
}

int tls_mfl_server_resume(const tls_conn *c, const tls_session_state *st)
{
    /* RFC 6066 4: "The negotiated length applies for the duration of the
     * session including session resumptions." */
    if (c->mfl_code && c->mfl_code != st->max_fragment_code)
        return ERR_BAD_CODE;
    return 0;
}

int tls_mfl_write_echo(const tls_conn *c, tls_writer *w)
{
    if (c->mfl_code == 0)
        return 0;
    TRY(tls_wr_u16(w, TLS_EXT_MAX_FRAGMENT_LENGTH));
    TRY(tls_wr_u16(w, 1));
    return tls_wr_u8(w, c->mfl_code);
}

int tls_mfl_check_received(const tls_conn *c, size_t len)
{
    if (c->mfl_code == 0 || len <= code_bytes(c->mfl_code))
        return 0;
    /* A TLS 1.3 server agrees before the client knows: a second ClientHello
     * (after HelloRetryRequest) is still written without the limit. */
    if (c->is_server && c->version == TLS_V13 && c->rd.mode == TLS_REC_PLAIN)
        return 0;
    return TLS_FAIL(TLS_AD_RECORD_OVERFLOW, TLS_R_DATA_LENGTH_TOO_LONG);
}

/*
 * As OpenSSL: the application's callback decides, else block padding
 * rounds the inner plaintext (content + type byte) up to a multiple of the
 * block; either way the padded inner plaintext stays within the sending
 * limit.
 */
size_t tls_mfl_padding(const tls_conn *c, int type, size_t len)
{
    if (c->cfg->record_padding == NULL || c->wr.mode != TLS_REC_TLS13)
        return 0;
    size_t inner = len + 1, limit = tls_conn_send_limit(c);
    if (inner >= limit)
        return 0;
    size_t pad = c->cfg->record_padding(c->cfg->cb_arg, type, inner);
    return pad > limit - inner ? limit - inner : pad;
}
