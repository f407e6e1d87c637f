/*
 * The SSLv2-compatible ClientHello (RFC 5246 Appendix E.2).
 *
 * Old clients, and scanners that probe for them, open with an SSL 2.0
 * record carrying a CLIENT-HELLO that offers SSL 3.0 or later:
 *
 *   uint16 msg_length;            high bit set: a 2-byte record header
 *   uint8 msg_type;               1, CLIENT-HELLO
 *   Version version;              the highest version the client supports
 *   uint16 cipher_spec_length;    a multiple of 3
 *   uint16 session_id_length;
 *   uint16 challenge_length;
 *   V2CipherSpec cipher_specs[cipher_spec_length];   3 bytes each
 *   opaque session_id[session_id_length];
 *   opaque challenge[challenge_length];
 *
 * OpenSSL 3.0 accepts it as a server's first record and so do we, with its
 * limits and reasons: the record length is at least 9 and fits its read
 * buffer; the version's major byte is 3; a session id of at most 32 bytes
 * (never resumed); the challenge becomes the client random, right-aligned
 * and zero-filled in front (its first 32 bytes if longer); cipher specs
 * whose first byte is not 0 are SSL 2.0's own and skipped, the others are
 * TLS suites. The handshake then runs on the equivalent TLS ClientHello
 * (no extensions: TLS 1.2 at most), but the transcript hashes the message
 * as it came, from msg_type on.
 */
#include "core/sslv2_hello.h"

#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/conn.h"
#include "core/handshake.h"
#include "core/record.h"

#define V2_HEADER_LEN      2
#define V2_MIN_LEN         9 /* msg_type, version and the three lengths */
#define V2_CLIENT_HELLO    1
#define V2_CIPHER_SPEC_LEN 3
#define V2_MAX_SESSION_ID  32
/* What OpenSSL's read buffer holds after the 2-byte header (it is sized
 * for a 5-byte header and TLS_REC_MAX_PACKET). */
#define V2_MAX_LEN (TLS_REC_MAX_PACKET + TLS_REC_HEADER_LEN - V2_HEADER_LEN)

int tls_v2_hello_header(tls_conn *c)
{
    const uint8_t *h = c->rbuf;
    if (!c->is_server || c->record_read || !(h[0] & 0x80) || h[2] != V2_CLIENT_HELLO)
        return 0;
    size_t len = (size_t)(h[0] & 0x7f) << 8 | h[1];
    if (len > V2_MAX_LEN)
        return TLS_FAIL(TLS_AD_RECORD_OVERFLOW, TLS_R_PACKET_LENGTH_TOO_LONG);
    if (len < V2_MIN_LEN)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_LENGTH_TOO_SHORT);
    c->v2_len = (uint16_t)len;
    return 1;
}

typedef struct v2_hello {
    uint16_t version;
    tls_reader specs;
    tls_reader session_id;
    tls_reader challenge;
} v2_hello;

static int parse(const uint8_t *p, size_t n, v2_hello *v)
{
    const int mismatch = TLS_ERR(TLS_AD_DECODE_ERROR, TLS_R_RECORD_LENGTH_MISMATCH);
    tls_reader r;
    uint8_t type;
    uint16_t specs_len, sid_len, challenge_len;
    tls_rd_init(&r, p, n);
    if (tls_rd_u8(&r, &type) < 0 || tls_rd_u16(&r, &v->version) < 0)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_LENGTH_TOO_SHORT);
    if (tls_rd_u16(&r, &specs_len) < 0 || tls_rd_u16(&r, &sid_len) < 0 ||
        tls_rd_u16(&r, &challenge_len) < 0)
        return mismatch;
    if (sid_len > V2_MAX_SESSION_ID)
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_LENGTH_MISMATCH);
    const uint8_t *b;
    if (tls_rd_bytes(&r, specs_len, &b) < 0)
        return mismatch;
    tls_rd_init(&v->specs, b, specs_len);
    if (tls_rd_bytes(&r, sid_len, &b) < 0)
        return mismatch;
    tls_rd_init(&v->session_id, b, sid_len);
    if (tls_rd_bytes(&r, challenge_len, &b) < 0 || tls_rd_left(&r) != 0)
        return mismatch;
    tls_rd_init(&v->challenge, b, challenge_len);
    /* SSL 2.0 itself (version 0x0002) and anything not SSL 3.0 or later. */
    if ((v->version >> 8) != 3)
        return TLS_FAIL(TLS_AD_PROTOCOL_VERSION, TLS_R_UNKNOWN_PROTOCOL);
    if (specs_len == 0)
        return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_NO_CIPHERS_SPECIFIED);
    if (specs_len % V2_CIPHER_SPEC_LEN != 0)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_ERROR_IN_RECEIVED_CIPHER_LIST);
    return 0;
}

/* The TLS suites among the cipher specs. When none is left the list holds
 * TLS_NULL_WITH_NULL_NULL, which no server selects: OpenSSL likewise goes
 * on with an empty list and fails for want of a shared cipher. */
static int write_suites(tls_writer *w, tls_reader specs)
{
    size_t mark;
    int any = 0;
    TRY(tls_wr_open(w, 2, &mark));
    while (tls_rd_left(&specs) > 0) {
        uint8_t v2_only;
        uint16_t suite;
        TRY(tls_rd_u8(&specs, &v2_only));
        TRY(tls_rd_u16(&specs, &suite));
        if (v2_only)
            continue;
        TRY(tls_wr_u16(w, suite));
        any = 1;
    }
    if (!any)
        TRY(tls_wr_u16(w, 0x0000));
    return tls_wr_close(w, 2, mark);
}

/*
 * The equivalent ClientHello (RFC 5246 7.4.1.2) without extensions. The
 * session id is left out: OpenSSL never resumes from an SSLv2-compatible
 * hello.
 */
static int write_client_hello(tls_writer *w, const v2_hello *v)
{
    uint8_t random[32] = {0};
    tls_reader ch = v->challenge;
    size_t take = tls_rd_left(&ch) > sizeof random ? sizeof random : tls_rd_left(&ch);
    TRY(tls_rd_copy(&ch, random + sizeof random - take, take));
    size_t mark;
    TRY(tls_wr_u8(w, TLS_HS_CLIENT_HELLO));
    TRY(tls_wr_open(w, 3, &mark));
    TRY(tls_wr_u16(w, v->version));
    TRY(tls_wr_bytes(w, random, sizeof random));
    TRY(tls_wr_u8(w, 0)); /* session id */
    TRY(write_suites(w, v->specs));
    TRY(tls_wr_u8(w, 1)); /* compression methods: null */
    TRY(tls_wr_u8(w, 0));
    return tls_wr_close(w, 3, mark);
}

int tls_v2_hello_record(tls_conn *c)
{
    const uint8_t *msg = c->rbuf + V2_HEADER_LEN;
    size_t n = c->v2_len;
    v2_hello v;
    TRY(parse(msg, n, &v));
    c->v2_msg = malloc(n);
    ENSURE(c->v2_msg != NULL, TLS_ERR_INTERNAL);
    memcpy(c->v2_msg, msg, n);
    c->v2_msg_len = n;
    return write_client_hello(&c->hs, &v);
}

void tls_v2_hello_wire(const tls_conn *c, const uint8_t **msg, size_t *len)
{
    if (c->v2_msg == NULL)
        return;
    *msg = c->v2_msg;
    *len = c->v2_msg_len;
}

int tls_conn_client_hello_v2(const tls_conn *c)
{
    return c->v2_msg != NULL;
}
