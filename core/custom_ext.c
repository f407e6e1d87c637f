/*
 * The application's own extensions (see custom_ext.h for the rules).
 *
 * Per connection, each registered extension has two flags: SENT (it went
 * out in our ClientHello / CertificateRequest, so a response may carry
 * it) and RECEIVED (it came in the peer's ClientHello / CertificateRequest,
 * so our response may carry it). The flags live in c->cext_flags, made on
 * first use: a connection without custom extensions never allocates them.
 */
#include "core/custom_ext.h"

#include <stdlib.h>
#include <string.h>

#include "core/handshake.h"
#include "core/ocsp_status.h"
#include "core/tls13_auth.h"

enum { FLAG_RECEIVED = 1, FLAG_SENT = 2 };

/* Contexts whose extensions answer a request. */
#define RESPONSE_CTX                                                                               \
    (TLS_EXTCTX_TLS1_2_SERVER_HELLO | TLS_EXTCTX_TLS1_3_SERVER_HELLO |                             \
     TLS_EXTCTX_TLS1_3_ENCRYPTED_EXTENSIONS | TLS_EXTCTX_TLS1_3_CERTIFICATE |                      \
     TLS_EXTCTX_TLS1_3_HELLO_RETRY_REQUEST)
/* Responses that may only carry what our request carried. */
#define ANSWER_CTX                                                                                 \
    (TLS_EXTCTX_TLS1_2_SERVER_HELLO | TLS_EXTCTX_TLS1_3_SERVER_HELLO |                             \
     TLS_EXTCTX_TLS1_3_ENCRYPTED_EXTENSIONS)
/* Requests: what they carry may be answered. */
#define REQUEST_CTX (TLS_EXTCTX_CLIENT_HELLO | TLS_EXTCTX_TLS1_3_CERTIFICATE_REQUEST)

static uint8_t *flags(tls_conn *c)
{
    if (!c->cext_flags)
        c->cext_flags = calloc(c->cfg->n_custom_exts, 1);
    return c->cext_flags;
}

static void clear_flags(tls_conn *c)
{
    if (c->cext_flags)
        memset(c->cext_flags, 0, c->cfg->n_custom_exts);
}

/*
 * The registered extension of this type that a block of context ctx is
 * looked up in: a ClientHello is read by a server (server or common
 * registrations), a TLS 1.2 ServerHello by a client; other messages by
 * any registration. -1 if none.
 */
static int find(const tls_conn *c, uint16_t type, unsigned ctx)
{
    int want = TLS_CEXT_BOTH;
    if (ctx & TLS_EXTCTX_CLIENT_HELLO)
        want = c->is_server ? TLS_CEXT_SERVER : TLS_CEXT_CLIENT;
    else if (ctx & TLS_EXTCTX_TLS1_2_SERVER_HELLO)
        want = TLS_CEXT_CLIENT;
    for (size_t i = 0; i < c->cfg->n_custom_exts; i++) {
        const tls_custom_ext *e = &c->cfg->custom_exts[i];
        if (e->type == type &&
            (want == TLS_CEXT_BOTH || e->role == TLS_CEXT_BOTH || e->role == want))
            return (int)i;
    }
    return -1;
}

int tls_cext_owns(const tls_conn *c, uint16_t type, unsigned ctx)
{
    return tls_cext_any(c) && find(c, type, ctx) >= 0;
}

/*
 * Does an extension of context mask ext belong in a message of context
 * ctx of this handshake? The version is known once ServerHello is read or
 * written (an HRR means TLS 1.3); a ClientHello being built has none yet.
 */
static int relevant(const tls_conn *c, unsigned ext, unsigned ctx)
{
    uint16_t v = c->version ? c->version : c->cext_version;
    int tls13 = (ctx & TLS_EXTCTX_TLS1_3_HELLO_RETRY_REQUEST) || v == TLS_V13;
    if (ext & TLS_EXTCTX_DTLS_ONLY)
        return 0;
    if (tls13 && (ext & TLS_EXTCTX_TLS1_2_AND_BELOW_ONLY))
        return 0;
    if (!tls13 && (ext & TLS_EXTCTX_TLS1_3_ONLY) &&
        (c->is_server || !(ctx & TLS_EXTCTX_CLIENT_HELLO)))
        return 0;
    if ((ext & TLS_EXTCTX_IGNORE_ON_RESUMPTION) && c->version && tls_conn_session_reused(c))
        return 0;
    return 1;
}

int tls_cext_write(tls_conn *c, unsigned ctx, X509 *x, size_t chainidx, tls_writer *w)
{
    const tls_config *cfg = c->cfg;
    if (!tls_cext_any(c))
        return 0;
    uint8_t *fl = flags(c);
    if (!fl)
        return TLS_ERR_INTERNAL;
    /* A new ClientHello (the second one after an HRR too) starts afresh. */
    if (ctx & TLS_EXTCTX_CLIENT_HELLO)
        clear_flags(c);
    for (size_t i = 0; i < cfg->n_custom_exts; i++) {
        const tls_custom_ext *e = &cfg->custom_exts[i];
        if (!(e->context & ctx) || !relevant(c, e->context, ctx))
            continue;
        /* The other side's registration of the older API (both may exist
         * for one type) is not ours to send. */
        if (e->role == (c->is_server ? TLS_CEXT_CLIENT : TLS_CEXT_SERVER))
            continue;
        /* A ClientHello that cannot negotiate TLS 1.3 leaves its own out. */
        if ((e->context & TLS_EXTCTX_TLS1_3_ONLY) && (ctx & TLS_EXTCTX_CLIENT_HELLO) &&
            cfg->max_version && cfg->max_version < TLS_V13)
            continue;
        if ((ctx & RESPONSE_CTX) && !(fl[i] & FLAG_RECEIVED))
            continue;
        const uint8_t *out = NULL;
        size_t len = 0;
        int rc = cfg->ext_add ? cfg->ext_add(cfg->cb_arg, c, i, ctx, x, chainidx, &out, &len) : 1;
        if (rc < 0)
            return rc;
        if (rc == 0)
            continue;
        if (len > 0xffff || (len > 0 && !out)) {
            if (cfg->ext_free)
                cfg->ext_free(cfg->cb_arg, c, i, ctx, out);
            return TLS_ERR_INTERNAL;
        }
        size_t m;
        rc = tls_wr_u16(w, e->type);
        if (rc == 0)
            rc = tls_wr_open(w, 2, &m);
        if (rc == 0)
            rc = tls_wr_bytes(w, out, len);
        if (rc == 0)
            rc = tls_wr_close(w, 2, m);
        if (cfg->ext_free)
            cfg->ext_free(cfg->cb_arg, c, i, ctx, out);
        TRY(rc);
        if (ctx & REQUEST_CTX)
            fl[i] |= FLAG_SENT;
    }
    return 0;
}

/* The registered extensions of a received block: a type twice, or in a
 * message its context does not list, is illegal_parameter. */
int tls_cext_check(tls_conn *c, unsigned ctx, tls_reader exts)
{
    if (!tls_cext_any(c))
        return 0;
    while (tls_rd_left(&exts) > 0) {
        uint16_t type;
        tls_reader body;
        TRY(tls_rd_u16(&exts, &type));
        TRY(tls_rd_vec(&exts, 2, &body));
        int i = find(c, type, ctx);
        if (i < 0)
            continue;
        if (!(c->cfg->custom_exts[i].context & ctx))
            return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION);
        /* RFC 8446 4.2 / RFC 5246 7.4.1.4: one extension of a type. */
        tls_reader rest = exts;
        while (tls_rd_left(&rest) > 0) {
            uint16_t t2;
            tls_reader b2;
            TRY(tls_rd_u16(&rest, &t2));
            TRY(tls_rd_vec(&rest, 2, &b2));
            if (t2 == type)
                return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION);
        }
    }
    return 0;
}

struct skip_arg {
    tls_conn *c;
    unsigned ctx;
};

static int skip_owned(void *arg, uint16_t type)
{
    struct skip_arg *a = arg;
    return find(a->c, type, a->ctx) >= 0;
}

int tls_cext_ext_parse(tls_conn *c, tls_reader *r, unsigned msg, uint64_t offered, int is_response,
                       unsigned ctx, tls_ext_block *out)
{
    if (!tls_cext_any(c))
        return tls_ext_parse(r, msg, offered, is_response, out);
    TRY(tls_cext_check(c, ctx, *r));
    struct skip_arg a = {c, ctx};
    return tls_ext_parse_skip(r, msg, offered, is_response, out, skip_owned, &a);
}

/* The body of type in a checked block, or NULL. */
static int find_in_block(tls_reader exts, uint16_t type, tls_reader *body)
{
    while (tls_rd_left(&exts) > 0) {
        uint16_t t;
        TRY(tls_rd_u16(&exts, &t));
        TRY(tls_rd_vec(&exts, 2, body));
        if (t == type)
            return 1;
    }
    return 0;
}

int tls_cext_parse(tls_conn *c, unsigned ctx, tls_reader exts, X509 *x, size_t chainidx)
{
    const tls_config *cfg = c->cfg;
    if (!tls_cext_any(c))
        return 0;
    uint8_t *fl = flags(c);
    if (!fl)
        return TLS_ERR_INTERNAL;
    for (size_t i = 0; i < cfg->n_custom_exts; i++) {
        const tls_custom_ext *e = &cfg->custom_exts[i];
        tls_reader body;
        /* Only the registration the block is looked up in counts. */
        int found = find_in_block(exts, e->type, &body);
        if (found <= 0) {
            TRY(found);
            continue;
        }
        if (find(c, e->type, ctx) != (int)i || !relevant(c, e->context, ctx))
            continue;
        /* A response may only carry what we sent. */
        if ((ctx & ANSWER_CTX) && !(fl[i] & FLAG_SENT))
            return TLS_FAIL(TLS_AD_UNSUPPORTED_EXTENSION, TLS_R_BAD_EXTENSION);
        if (ctx & REQUEST_CTX)
            fl[i] |= FLAG_RECEIVED;
        if (!cfg->ext_parse)
            continue;
        const uint8_t *p = NULL;
        size_t n = tls_rd_left(&body);
        if (n)
            TRY(tls_rd_bytes(&body, n, &p));
        TRY(cfg->ext_parse(cfg->cb_arg, c, i, ctx, p ? p : (const uint8_t *)"", n, x, chainidx));
    }
    return 0;
}

/*
 * struct {
 *     ProtocolVersion legacy_version; Random random;
 *     opaque legacy_session_id<0..32>; CipherSuite cipher_suites<2..2^16-2>;
 *     opaque legacy_compression_methods<1..2^8-1>; Extension extensions<8..2^16-1>;
 * } ClientHello;
 * (parsed once by hello.c: its extension block is read here)
 */
int tls_cext_client_hello(tls_conn *c, const tls_client_hello *ch, uint16_t version)
{
    if (!tls_cext_any(c))
        return 0;
    c->cext_version = version;
    uint8_t *fl = flags(c);
    if (!fl)
        return TLS_ERR_INTERNAL;
    /* What a previous ClientHello (before an HRR) carried no longer counts. */
    clear_flags(c);
    if (!ch->have_exts)
        return 0;
    TRY(tls_cext_check(c, TLS_EXTCTX_CLIENT_HELLO, ch->exts));
    return tls_cext_parse(c, TLS_EXTCTX_CLIENT_HELLO, ch->exts, NULL, 0);
}

/*
 * struct {
 *     opaque cert_data<1..2^24-1>;
 *     Extension extensions<0..2^16-1>;
 * } CertificateEntry;
 * struct {
 *     opaque certificate_request_context<0..2^8-1>;
 *     CertificateEntry certificate_list<0..2^24-1>;
 * } Certificate;
 */
static int write_entry(tls_conn *c, tls_writer *w, X509 *x, size_t idx, const tls_conn *status)
{
    int n = i2d_X509(x, NULL);
    ENSURE(n > 0, TLS_ERR_INTERNAL);
    uint8_t *p;
    size_t m;
    TRY(tls_wr_u24(w, (uint32_t)n));
    TRY(tls_wr_space(w, (size_t)n, &p));
    ENSURE(i2d_X509(x, &p) == n, TLS_ERR_INTERNAL);
    TRY(tls_wr_open(w, 2, &m));
    TRY(tls_cext_write(c, TLS_EXTCTX_TLS1_3_CERTIFICATE, x, idx, w));
    if (status) {
        /* RFC 8446 4.4.2.1: the OCSP response rides in the leaf's entry. */
        size_t e;
        TRY(tls_wr_u16(w, TLS_EXT_STATUS_REQUEST));
        TRY(tls_wr_open(w, 2, &e));
        TRY(tls_ocsp_write_status(status, w));
        TRY(tls_wr_close(w, 2, e));
    }
    return tls_wr_close(w, 2, m);
}

int tls_cext_write_certificate(tls_conn *c, tls_writer *w, const uint8_t *ctx, size_t ctx_len,
                               X509 *leaf, STACK_OF(X509) * chain, const tls_conn *status)
{
    size_t msg, list;
    ENSURE(ctx_len <= 255, TLS_ERR_INTERNAL);
    TRY(tls_wr_u8(w, TLS_HS_CERTIFICATE));
    TRY(tls_wr_open(w, 3, &msg));
    TRY(tls_wr_u8(w, (uint8_t)ctx_len));
    TRY(tls_wr_bytes(w, ctx, ctx_len));
    TRY(tls_wr_open(w, 3, &list));
    if (leaf != NULL) {
        TRY(write_entry(c, w, leaf, 0, status));
        for (int i = 0; chain != NULL && i < sk_X509_num(chain); i++)
            TRY(write_entry(c, w, sk_X509_value(chain, i), (size_t)i + 1, NULL));
    }
    TRY(tls_wr_close(w, 3, list));
    return tls_wr_close(w, 3, msg);
}

X509 *tls_conn_own_cert(const tls_conn *c)
{
    if (!c->is_server)
        return NULL;
    if (c->sv12)
        return tls12_server_own_cert(c);
    return tls13_server_own_cert(c);
}

/*
 * Append the application's extensions to the extension block that ends the
 * message at w->buf + start (CertificateRequest, NewSessionTicket); ext_at
 * is the offset of that block's 2-byte length from start.
 */
int tls_cext_append(tls_conn *c, unsigned ctx, tls_writer *w, size_t start, size_t ext_at)
{
    if (!tls_cext_any(c))
        return 0;
    ENSURE(!w->failed && w->len >= start + ext_at + 2 && w->len - start >= 4, TLS_ERR_INTERNAL);
    size_t before = w->len;
    TRY(tls_cext_write(c, ctx, NULL, 0, w));
    ENSURE(!w->failed, TLS_ERR_INTERNAL);
    size_t added = w->len - before;
    if (added == 0)
        return 0;
    uint8_t *m = w->buf + start;
    size_t body = (size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3];
    size_t exts = (size_t)m[ext_at] << 8 | m[ext_at + 1];
    ENSURE(exts + added <= 0xffff && body + added <= 0xffffff, TLS_ERR_INTERNAL);
    body += added;
    exts += added;
    m[1] = (uint8_t)(body >> 16);
    m[2] = (uint8_t)(body >> 8);
    m[3] = (uint8_t)body;
    m[ext_at] = (uint8_t)(exts >> 8);
    m[ext_at + 1] = (uint8_t)exts;
    return 0;
}

/* The certificate_list of a TLS 1.3 Certificate message (header included). */
static int cert_list(const uint8_t *msg, size_t len, tls_reader *ctx, tls_reader *list)
{
    tls_reader r;
    tls_rd_init(&r, msg + 4, len - 4);
    TRY(tls_rd_vec_bounded(&r, 1, 0, 255, ctx));
    TRY(tls_rd_vec(&r, 3, list));
    return tls_rd_done(&r);
}

/* The same message without the application's per-entry extensions, which
 * are checked here (core's reader would refuse them as unsolicited). */
static int strip_certificate(tls_conn *c, const uint8_t *msg, size_t len, tls_writer *w)
{
    tls_reader ctx, list;
    size_t m, l, e;
    TRY(cert_list(msg, len, &ctx, &list));
    TRY(tls_wr_u8(w, msg[0]));
    TRY(tls_wr_open(w, 3, &m));
    TRY(tls_wr_u8(w, (uint8_t)tls_rd_left(&ctx)));
    TRY(tls_wr_bytes(w, ctx.p + ctx.off, tls_rd_left(&ctx)));
    TRY(tls_wr_open(w, 3, &l));
    while (tls_rd_left(&list) > 0) {
        tls_reader data, exts;
        TRY(tls_rd_vec_bounded(&list, 3, 1, 0xffffff, &data));
        TRY(tls_rd_vec(&list, 2, &exts));
        TRY(tls_cext_check(c, TLS_EXTCTX_TLS1_3_CERTIFICATE, exts));
        TRY(tls_wr_u24(w, (uint32_t)tls_rd_left(&data)));
        TRY(tls_wr_bytes(w, data.p + data.off, tls_rd_left(&data)));
        TRY(tls_wr_open(w, 2, &e));
        while (tls_rd_left(&exts) > 0) {
            uint16_t type;
            tls_reader body;
            size_t at = exts.off;
            TRY(tls_rd_u16(&exts, &type));
            TRY(tls_rd_vec(&exts, 2, &body));
            if (find(c, type, TLS_EXTCTX_TLS1_3_CERTIFICATE) < 0)
                TRY(tls_wr_bytes(w, exts.p + at, exts.off - at));
        }
        TRY(tls_wr_close(w, 2, e));
    }
    TRY(tls_wr_close(w, 3, l));
    TRY(tls_wr_close(w, 3, m));
    return w->failed ? TLS_ERR_INTERNAL : 0;
}

int tls_cext_read_certificate(tls_conn *c, const uint8_t *msg, size_t len, const uint8_t *ctx,
                              size_t ctx_len, uint64_t offered, STACK_OF(X509) * *out)
{
    if (!tls_cext_any(c))
        return tls13_read_certificate(c->cr, msg, len, ctx, ctx_len, offered, out);
    tls_writer w;
    tls_wr_init(&w);
    int rc = strip_certificate(c, msg, len, &w);
    /* A malformed message is the reader's to report, with its reasons. */
    if (rc == TLS_ERR_DECODE)
        rc = tls13_read_certificate(c->cr, msg, len, ctx, ctx_len, offered, out);
    else if (rc == 0)
        rc = tls13_read_certificate(c->cr, w.buf, w.len, ctx, ctx_len, offered, out);
    tls_wr_free(&w);
    TRY(rc);
    /* The parse callbacks, entry by entry, with each certificate. */
    tls_reader rctx, list;
    rc = cert_list(msg, len, &rctx, &list);
    for (int i = 0; rc == 0 && tls_rd_left(&list) > 0; i++) {
        tls_reader data, exts;
        rc = tls_rd_vec_bounded(&list, 3, 1, 0xffffff, &data);
        if (rc == 0)
            rc = tls_rd_vec(&list, 2, &exts);
        if (rc == 0)
            rc = tls_cext_parse(c, TLS_EXTCTX_TLS1_3_CERTIFICATE, exts, sk_X509_value(*out, i),
                                (size_t)i);
    }
    if (rc < 0) {
        sk_X509_pop_free(*out, X509_free);
        *out = NULL;
    }
    return rc;
}
