/*
 * The tls_conn object: sans-I/O plumbing, the TLS 1.3 record layer as the
 * connection sees it, alerts, application data and the handshake message
 * layer (reassembly) in front of the state machine.
 *
 * Input design: the caller writes straight into rbuf, and the engine asks for
 * exactly the rest of the current record (header first, then the body), so
 * that nothing past the TLS stream is ever taken from the transport. A
 * complete record is decrypted in place; application data is handed out of
 * rbuf without a copy, and rbuf is only reused once it is drained.
 *
 * Failure design: tls_conn_fail() is the only place that sets the sticky
 * error, and it queues the alert the error value carries, under whatever
 * write keys are active at that moment (RFC 8446 6: alerts are encrypted once
 * keys are in use).
 */
#include "core/conn.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/alert.h"
#include "core/handshake.h"
#include "core/maxfrag.h"
#include "core/ocsp_status.h"
#include "core/sslv2_hello.h"
#include "core/tls13_psk.h"
#include "core/tls12_client.h"

/* ---------------------------------------------------------------------
 * Keys.
 */
int tls_conn_set_secret(tls_conn *c, int write, const uint8_t *secret)
{
    if (!c->suite)
        return TLS_ERR_INTERNAL;
    return tls_rec_set_tls13(write ? &c->wr : &c->rd, write, c->suite, secret);
}

/* RFC 8446 7.2: each KeyUpdate moves one direction's application secret on. */
static int update_secret(tls_conn *c, int write)
{
    /* Our write direction is the client secret on a client. */
    uint8_t *secret = (write != c->is_server) ? c->ks.client_ap : c->ks.server_ap;
    TRY(tls_ks_update_secret(c->cr, c->suite->md, secret));
    return tls_conn_set_secret(c, write, secret);
}

void tls_conn_keylog(tls_conn *c, const char *label, const uint8_t *secret, size_t len)
{
    if (!c->cfg->keylog)
        return;
    static const char hex[] = "0123456789abcdef";
    char line[48 + 1 + 64 + 1 + 2 * TLS_MAX_HASH + 1];
    size_t n = strlen(label);
    if (n > 48 || len > TLS_MAX_HASH)
        return;
    memcpy(line, label, n);
    line[n++] = ' ';
    for (size_t i = 0; i < 32; i++) {
        line[n++] = hex[c->client_random[i] >> 4];
        line[n++] = hex[c->client_random[i] & 15];
    }
    line[n++] = ' ';
    for (size_t i = 0; i < len; i++) {
        line[n++] = hex[secret[i] >> 4];
        line[n++] = hex[secret[i] & 15];
    }
    line[n] = 0;
    c->cfg->keylog(c->cfg->cb_arg, line);
    OPENSSL_cleanse(line, sizeof(line));
}

/* ---------------------------------------------------------------------
 * Output.
 */
static void trace(tls_conn *c, int write, int type, const uint8_t *p, size_t n);

static int send_one(tls_conn *c, int type, const uint8_t *data, size_t len)
{
    size_t at = c->out.len;
    /* RFC 8446 5: the compatibility CCS always goes out unprotected. */
    if (type == TLS_CT_CHANGE_CIPHER_SPEC && c->wr.mode != TLS_REC_PLAIN) {
        tls_rec_dir plain;
        tls_rec_dir_init(&plain, 1);
        TRY(tls_rec_seal(&plain, (uint8_t)type, data, len, 0, &c->out));
    } else {
        TRY(tls_rec_seal(&c->wr, (uint8_t)type, data, len, tls_mfl_padding(c, type, len), &c->out));
    }
    trace(c, 1, 256, c->out.buf + at, 5);
    if (c->out.buf[at] == TLS_CT_APPLICATION_DATA && c->wr.mode != TLS_REC_PLAIN) {
        /* OpenSSL reports the real type of a protected record as 257. */
        uint8_t t = (uint8_t)type;
        trace(c, 1, 257, &t, 1);
    }
    return 0;
}

int tls_conn_send(tls_conn *c, int type, const uint8_t *data, size_t len)
{
    size_t limit = tls_conn_send_limit(c);
    do {
        size_t n = len > limit ? limit : len;
        TRY(send_one(c, type, data, n));
        data += n;
        len -= n;
    } while (len > 0);
    return 0;
}

static void trace(tls_conn *c, int write, int type, const uint8_t *p, size_t n)
{
    if (c->cfg->msg)
        c->cfg->msg(c->cfg->cb_arg, write, c->version ? c->version : TLS_V13, type, p, n);
}

/* A received handshake message as OpenSSL's message callback shows it: an
 * SSLv2-compatible ClientHello as it came, with version SSL 2.0 and no
 * content type. */
static void trace_message(tls_conn *c, const uint8_t *m, size_t n)
{
    const uint8_t *v2 = m;
    size_t v2n = n;
    tls_v2_hello_wire(c, &v2, &v2n);
    if (v2 != m && m[0] == TLS_HS_CLIENT_HELLO && c->version == 0) {
        if (c->cfg->msg)
            c->cfg->msg(c->cfg->cb_arg, 0, 0x0002, 0, v2, v2n);
        return;
    }
    trace(c, 0, TLS_CT_HANDSHAKE, m, n);
}

void tls_conn_state(tls_conn *c, int state)
{
    if (c->cfg->event)
        c->cfg->event(c->cfg->cb_arg, TLS_EV_STATE, state);
}

int tls_conn_send_hs(tls_conn *c, const uint8_t *msg, size_t len)
{
    tls_conn_state(c, TLS_STATE_WRITE | msg[0]);
    TRY(tls_conn_send(c, TLS_CT_HANDSHAKE, msg, len));
    trace(c, 1, TLS_CT_HANDSHAKE, msg, len);
    return 0;
}

static void send_alert(tls_conn *c, uint8_t level, uint8_t desc)
{
    uint8_t a[2] = {level, desc};
    if (send_one(c, TLS_CT_ALERT, a, 2) < 0)
        return;
    trace(c, 1, TLS_CT_ALERT, a, 2);
    if (c->cfg->event)
        c->cfg->event(c->cfg->cb_arg, TLS_EV_ALERT_SENT, level << 8 | desc);
}

void tls_conn_send_warning(tls_conn *c, uint8_t desc)
{
    send_alert(c, TLS_AL_WARNING, desc);
}

int tls_conn_fail(tls_conn *c, int rc)
{
    if (c->err)
        return c->err;
    if (rc >= 0)
        rc = TLS_ERR_INTERNAL;
    c->err = rc;
    (void)tls_err_take(rc, &c->err_origin);
    int alert = TLS_ERR_ALERT(rc);
    if (alert != TLS_AD_NONE && !c->close_sent)
        send_alert(c, TLS_AL_FATAL, (uint8_t)alert);
    return rc;
}

/* ---------------------------------------------------------------------
 * Object.
 */
tls_conn *tls_conn_new(const tls_config *cfg, int is_server)
{
    tls_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->cfg = cfg;
    c->cr = cfg->crypto != NULL ? cfg->crypto : tls_crypto_default();
    c->is_server = is_server;
    c->alert_rcvd = -1;
    tls_wr_init(&c->out);
    tls_wr_init(&c->hs);
    tls_rec_dir_init(&c->rd, 0);
    tls_rec_dir_init(&c->wr, 1);
    return c;
}

void tls_conn_free(tls_conn *c)
{
    if (!c)
        return;
    tls13_client_free(c);
    tls13_server_free(c);
    tls12_server_free(c);
    tls12_client_free(c);
    tls_rec_dir_clear(&c->rd);
    tls_rec_dir_clear(&c->wr);
    tls_ks_clear(&c->ks);
    tls_wr_free(&c->out);
    tls_wr_free(&c->hs);
    if (c->peer_chain)
        sk_X509_pop_free(c->peer_chain, X509_free);
    EVP_PKEY_free(c->peer_tmp_key);
    free(c->ch_copy);
    free(c->v2_msg);
    free(c->cext_flags);
    free(c->peer_ca_names);
    tls_conn_free_peer_offer(c);
    tls_ocsp_free(c);
    for (int i = 0; i < TLS_CONN_TICKETS; i++)
        free(c->tickets[i].ticket);
    OPENSSL_cleanse(c, sizeof(*c));
    free(c);
}

/* ---------------------------------------------------------------------
 * Input.
 */
static size_t rec_body_len(const tls_conn *c)
{
    return (size_t)c->rbuf[3] << 8 | c->rbuf[4];
}

/* The whole record's size, header included, once 5 bytes are in. */
static size_t rec_total(const tls_conn *c)
{
    if (c->v2_len)
        return 2 + (size_t)c->v2_len;
    return 5 + rec_body_len(c);
}

static int rec_complete(const tls_conn *c)
{
    return c->rlen >= 5 && c->rlen == rec_total(c);
}

uint8_t *tls_conn_rbuf(tls_conn *c, size_t *want)
{
    /* Nothing is read past close_notify, nor while a record is unprocessed
     * or its application data not yet handed out. */
    if (c->err || c->close_rcvd || c->app_len > 0 || rec_complete(c))
        *want = 0;
    else if (c->rlen < 5)
        *want = 5 - c->rlen;
    else
        *want = rec_total(c) - c->rlen;
    return c->rbuf + c->rlen;
}

void tls_conn_rbuf_commit(tls_conn *c, size_t n)
{
    size_t want;
    (void)tls_conn_rbuf(c, &want);
    if (n > want)
        n = want;
    size_t before = c->rlen;
    c->rlen += n;
    if (before < 5 && c->rlen >= 5) {
        int v2 = tls_v2_hello_header(c);
        if (v2 != 0) {
            if (v2 < 0)
                (void)tls_conn_fail(c, v2);
            return;
        }
        size_t need;
        int rc = tls_rec_need(&c->rd, c->rbuf, c->rlen, &need);
        /* 0-RTT records skipped after a HelloRetryRequest are ciphertext
         * although the read direction is still plaintext. */
        if (rc < 0 &&
            !(c->psk.early_skip && c->rd.mode == TLS_REC_PLAIN &&
              c->rbuf[0] == TLS_CT_APPLICATION_DATA && rec_body_len(c) <= TLS_REC_MAX_CIPHER))
            (void)tls_conn_fail(c, rc);
    }
}

void tls_conn_transport_eof(tls_conn *c)
{
    c->transport_eof = 1;
}

size_t tls_conn_out(tls_conn *c, const uint8_t **data)
{
    /* Nothing queued yet may mean no buffer at all (no arithmetic on NULL). */
    *data = c->out.buf ? c->out.buf + c->out_off : c->out.buf;
    return c->out.len - c->out_off;
}

void tls_conn_out_consume(tls_conn *c, size_t n)
{
    size_t left = c->out.len - c->out_off;
    c->out_off += n > left ? left : n;
    if (c->out_off == c->out.len) {
        tls_wr_reset(&c->out);
        c->out_off = 0;
    }
}

/*
 * struct {
 *     AlertLevel level;
 *     AlertDescription description;
 * } Alert;
 *
 * What an alert does, as OpenSSL 3.0 decides it: a warning (or TLS 1.3's
 * user_canceled) counts towards the limit of five in a row; TLS 1.3
 * ignores user_canceled; close_notify closes cleanly when it is a warning or
 * TLS 1.3's; a fatal alert, and every other TLS 1.3 alert, ends the
 * connection with the alert as its reason; TLS 1.2's no_renegotiation is a
 * handshake failure; other TLS 1.2 warnings are ignored; an unknown level is
 * illegal_parameter.
 */
static int on_alert(tls_conn *c, const uint8_t *p, size_t n)
{
    /* RFC 8446 5.1: alerts are never fragmented nor coalesced. */
    if (n != 2)
        return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_INVALID_ALERT);
    trace(c, 0, TLS_CT_ALERT, p, n);
    if (c->cfg->event)
        c->cfg->event(c->cfg->cb_arg, TLS_EV_ALERT_RECEIVED, p[0] << 8 | p[1]);
    uint8_t level = p[0], desc = p[1];
    /* Until a version is chosen TLS 1.2's rules apply, as in OpenSSL
     * (whose TLS_method only becomes TLS 1.3's at that choice). */
    int tls13 = c->version == TLS_V13;
    int user_canceled13 = tls13 && desc == TLS_AD_USER_CANCELLED;
    if ((level == TLS_AL_WARNING || user_canceled13) && ++c->warn_alerts >= 5)
        return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_TOO_MANY_WARN_ALERTS);
    if (user_canceled13)
        return 0;
    if (tls_alert_is_closure(desc) && (tls13 || level == TLS_AL_WARNING)) {
        c->close_rcvd = 1;
        return TLS_EOF;
    }
    if (level == TLS_AL_FATAL || tls13) {
        c->alert_rcvd = desc;
        return TLS_FAIL(TLS_AD_NONE, TLS_R_ALERT_OFFSET + desc);
    }
    if (desc == TLS_AD_NO_RENEGOTIATION)
        return TLS_FAIL(TLS_AD_HANDSHAKE_FAILURE, TLS_R_NO_RENEGOTIATION);
    if (level == TLS_AL_WARNING)
        return 0;
    return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_UNKNOWN_ALERT_TYPE);
}

/* Hand every complete message in the reassembly buffer to the state
 * machine. TLS_WANT_CALLBACK: a hook suspended the handshake in the message
 * at hs_off, which stays there (hs_suspended) to be run again. */
static int hs_messages(tls_conn *c)
{
    for (;;) {
        size_t avail = c->hs.len - c->hs_off;
        const uint8_t *m = c->hs.buf + c->hs_off;
        if (avail < 4)
            break;
        size_t mlen = (size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3];
        if (mlen > tls_hs_max_len(m[0]))
            return TLS_FAIL(TLS_AD_ILLEGAL_PARAMETER, TLS_R_EXCESSIVE_MESSAGE_SIZE);
        if (avail < 4 + mlen)
            break;
        /* RFC 8446 5.1: a message that changes keys must end its record.
         * Checked before the message is acted on, so that nothing (our
         * Finished, a key switch) happens on the strength of it. */
        /* A TLS 1.2 ServerHello changes no keys: the server's flight may
         * follow it in the same record. */
        if (tls_hs_ends_record(m[0]) && avail != 4 + mlen &&
            !(!c->is_server && m[0] == TLS_HS_SERVER_HELLO && !c->cl12 &&
              tls12_client_sh_is_tls12(m, 4 + mlen)))
            return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_NOT_ON_RECORD_BOUNDARY);
        /* A resumed message was traced (and its state reported) when it
         * first arrived. */
        int post = c->hs_done;
        if (!c->hs_suspended) {
            trace_message(c, m, 4 + mlen);
            tls_conn_state(c, m[0]);
        }
        int rc;
        if (c->sv12)
            rc = tls12_server_message(c, m, 4 + mlen);
        else if (c->cl12)
            rc = tls12_client_message(c, m, 4 + mlen);
        else
            rc = c->is_server ? tls13_server_message(c, m, 4 + mlen)
                              : tls13_client_message(c, m, 4 + mlen);
        c->hs_suspended = rc == TLS_WANT_CALLBACK;
        if (rc < 0 || rc == TLS_WANT_CALLBACK)
            return rc;
        c->hs_off += 4 + mlen;
        if (c->err)
            return c->err;
        /* A post-handshake message is an exchange of its own (a server's
         * post-handshake authentication goes on to the Finished). */
        if (post &&
            !(c->is_server && (m[0] == TLS_HS_CERTIFICATE || m[0] == TLS_HS_CERTIFICATE_VERIFY)))
            tls_conn_state(c, TLS_STATE_OK);
    }
    if (c->hs_off == c->hs.len) {
        /* After the handshake only small messages arrive: give back what a
         * large certificate chain made the buffer grow to. */
        if (c->hs_done)
            tls_wr_free(&c->hs);
        tls_wr_reset(&c->hs);
        c->hs_off = 0;
    }
    return 0;
}

/* Feed a handshake record's content to the reassembly buffer and hand every
 * complete message to the state machine. */
static int on_handshake(tls_conn *c, const uint8_t *p, size_t n)
{
    /* RFC 8446 5.1: zero-length handshake fragments are forbidden. */
    if (n == 0)
        return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_BAD_LENGTH);
    TRY(tls_wr_bytes(&c->hs, p, n));
    return hs_messages(c);
}

/* Process one complete record: TLS_WANT_INPUT if there is none, TLS_EOF on
 * close_notify, 0 otherwise (application data is then in app_off/app_len). */
static int step(tls_conn *c)
{
    uint8_t type;
    uint8_t *body;
    size_t len;
    /* A suspended message goes first; no record is read before it is done. */
    if (c->hs_suspended)
        return hs_messages(c);
    if (!rec_complete(c))
        return TLS_WANT_INPUT;
    c->record_read = 1;
    if (c->v2_len) {
        int vrc = tls_v2_hello_record(c);
        c->v2_len = 0;
        c->rlen = 0;
        TRY(vrc);
        return hs_messages(c);
    }
    trace(c, 0, 256, c->rbuf, 5);
    int orc = tls_rec_open(&c->rd, c->rbuf, c->rlen, &type, &body, &len);
    /* RFC 8446 4.2.10: a server that refused 0-RTT drops what it cannot
     * read, up to a bound. */
    if (c->psk.early_skip && c->rbuf[0] == TLS_CT_APPLICATION_DATA) {
        int drop = tls13_early_skip(c, orc, rec_body_len(c));
        if (drop < 0)
            return drop;
        if (drop) {
            c->rlen = 0;
            return 0;
        }
    }
    TRY(orc);
    /* RFC 6066 4: nothing larger than a negotiated max_fragment_length. */
    TRY(tls_mfl_check_received(c, len));
    if (c->rbuf[0] == TLS_CT_APPLICATION_DATA && c->rd.mode != TLS_REC_PLAIN)
        trace(c, 0, 257, &type, 1);
    /* RFC 8446 5: a protected change_cipher_spec is unexpected_message. */
    if (type == TLS_CT_CHANGE_CIPHER_SPEC && c->rbuf[0] != TLS_CT_CHANGE_CIPHER_SPEC)
        return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_BAD_RECORD_TYPE);
    /* Before keys, application data cannot arrive (no early data here). */
    if (type == TLS_CT_APPLICATION_DATA && c->rd.mode == TLS_REC_PLAIN)
        return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_RECORD);
    /* RFC 8446 5.1: handshake messages are not interleaved with other
     * record types. */
    if (type != TLS_CT_HANDSHAKE && c->hs.len > c->hs_off)
        return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_RECORD);
    /* A server expects nothing but its ClientHello until the version is
     * chosen: OpenSSL 3.0 (TLS_server_method) refuses any other record
     * there, a warning or fatal alert included, as unexpected_message. */
    if (c->is_server && c->version == 0 && type != TLS_CT_HANDSHAKE)
        return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
    /* Like OpenSSL, any non-empty record other than an alert ends a run of
     * warning alerts. */
    if (type != TLS_CT_ALERT && len > 0)
        c->warn_alerts = 0;
    int rc = 0;
    switch (type) {
    case TLS_CT_HANDSHAKE:
        rc = on_handshake(c, body, len);
        break;
    case TLS_CT_ALERT:
        rc = on_alert(c, body, len);
        break;
    case TLS_CT_CHANGE_CIPHER_SPEC:
        /* RFC 8446 5: the only acceptable change_cipher_spec is {0x01}. */
        if (len != 1 || body[0] != 1)
            return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_BAD_CHANGE_CIPHER_SPEC);
        /* The compatibility CCS is dropped, not a protocol message: like
         * OpenSSL, the message callback sees its record header only. */
        if (c->sv12 || c->cl12)
            tls_conn_state(c, TLS_STATE_CCS);
        if (c->sv12)
            rc = tls12_server_ccs(c);
        else if (c->cl12)
            rc = tls12_client_ccs(c);
        else
            rc = c->is_server ? tls13_server_ccs(c) : tls13_client_ccs(c);
        break;
    case TLS_CT_APPLICATION_DATA:
        /* Accepted 0-RTT data (server), for tls_conn_read_early. */
        if (!c->hs_done && c->is_server && c->psk.early_phase == TLS_EPH_READING) {
            TRY(tls13_early_count(c, len));
            if (len > 0) {
                c->app_off = (size_t)(body - c->rbuf);
                c->app_len = len;
                c->psk.early_app = 1;
                return 0;
            }
            break;
        }
        if (!c->hs_done)
            return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_RECORD);
        c->key_updates_in_a_row = 0;
        if (len > 0) {
            c->app_off = (size_t)(body - c->rbuf);
            c->app_len = len;
            return 0;
        }
        break;
    default:
        return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_BAD_RECORD_TYPE);
    }
    if (rc >= 0)
        c->rlen = 0;
    return rc;
}

static int eof_error(void)
{
    return TLS_FAIL(TLS_AD_NONE, TLS_R_UNEXPECTED_EOF_WHILE_READING);
}

static void drop_early_app(tls_conn *c)
{
    c->app_len = 0;
    c->rlen = 0;
    c->psk.early_app = 0;
}

int tls_conn_handshake(tls_conn *c)
{
    if (c->err)
        return c->err;
    if (c->is_server ? !c->sv && !c->hs_done : !c->cl && !c->cl12 && !c->hs_done) {
        if (c->cfg->event)
            c->cfg->event(c->cfg->cb_arg, TLS_EV_HANDSHAKE_START, 1);
        int rc = c->is_server ? tls13_server_start(c) : tls13_client_start(c);
        if (rc < 0)
            return tls_conn_fail(c, rc);
    }
    while (!c->hs_done) {
        int rc = step(c);
        if (rc < 0)
            return tls_conn_fail(c, rc);
        /* 0-RTT data nobody asked for with tls_conn_read_early is dropped. */
        if (c->psk.early_app)
            drop_early_app(c);
        if (rc == TLS_EOF || rc == TLS_WANT_CALLBACK)
            return rc;
        if (rc == TLS_WANT_INPUT)
            return c->transport_eof ? tls_conn_fail(c, eof_error()) : TLS_WANT_INPUT;
    }
    /* After the last message of the handshake (a 1.3 server's tickets
     * included). */
    if (!c->ok_reported) {
        c->ok_reported = 1;
        tls_conn_state(c, TLS_STATE_OK);
    }
    return TLS_OK;
}

int tls_conn_handshake_done(const tls_conn *c)
{
    return c->hs_done;
}

int tls_conn_read(tls_conn *c, uint8_t *buf, size_t len, size_t *n, int peek)
{
    *n = 0;
    if (c->err)
        return c->err;
    if (!c->hs_done) {
        int rc = tls_conn_handshake(c);
        if (rc != TLS_OK)
            return rc;
    }
    for (;;) {
        if (c->app_len > 0) {
            size_t k = len < c->app_len ? len : c->app_len;
            memcpy(buf, c->rbuf + c->app_off, k);
            if (!peek) {
                c->app_off += k;
                c->app_len -= k;
                if (c->app_len == 0)
                    c->rlen = 0;
            }
            *n = k;
            return TLS_OK;
        }
        if (c->close_rcvd)
            return TLS_EOF;
        int rc = step(c);
        if (rc < 0)
            return tls_conn_fail(c, rc);
        if (rc == TLS_WANT_CALLBACK)
            return rc;
        if (rc == TLS_WANT_INPUT)
            return c->transport_eof ? tls_conn_fail(c, eof_error()) : TLS_WANT_INPUT;
    }
}

size_t tls_conn_pending(const tls_conn *c)
{
    return c->app_len;
}

int tls_conn_has_unprocessed_input(const tls_conn *c)
{
    return c->rlen > 0 && c->app_len == 0;
}

int tls_conn_write(tls_conn *c, const uint8_t *buf, size_t len, size_t *n)
{
    *n = 0;
    if (c->err)
        return c->err;
    if (!c->hs_done) {
        int rc = tls_conn_handshake(c);
        if (rc != TLS_OK)
            return rc;
    }
    if (c->close_sent)
        return TLS_FAIL(TLS_AD_NONE, TLS_R_PROTOCOL_IS_SHUTDOWN);
    size_t limit = tls_conn_send_limit(c);
    size_t k = len > limit ? limit : len;
    if (k == 0)
        return TLS_OK;
    /* RFC 8446 5.5: change keys before the AEAD's safety limit is reached. */
    if (c->version == TLS_V13 && tls_rec_update_due(&c->wr)) {
        int urc = tls_conn_key_update(c, 0);
        if (urc < 0)
            return urc;
    }
    int rc = send_one(c, TLS_CT_APPLICATION_DATA, buf, k);
    if (rc < 0)
        return tls_conn_fail(c, rc);
    *n = k;
    return TLS_OK;
}

int tls_conn_close(tls_conn *c)
{
    if (c->close_sent)
        return TLS_OK;
    if (c->err)
        return c->err;
    send_alert(c, TLS_AL_WARNING, TLS_AD_CLOSE_NOTIFY);
    c->close_sent = 1;
    return TLS_OK;
}

int tls_conn_close_sent(const tls_conn *c)
{
    return c->close_sent;
}
int tls_conn_close_received(const tls_conn *c)
{
    return c->close_rcvd;
}

/* struct { KeyUpdateRequest request_update; } KeyUpdate; */
int tls_conn_key_update(tls_conn *c, int request)
{
    if (c->err)
        return c->err;
    if (!c->hs_done || c->version != TLS_V13 || c->close_sent)
        return TLS_FAIL(TLS_AD_NONE, TLS_R_UNEXPECTED_MESSAGE);
    uint8_t m[5] = {TLS_HS_KEY_UPDATE, 0, 0, 1, request ? 1 : 0};
    int rc = tls_conn_send_hs(c, m, sizeof(m));
    if (rc == 0)
        rc = update_secret(c, 1);
    if (rc == 0)
        tls_conn_state(c, TLS_STATE_OK);
    return rc < 0 ? tls_conn_fail(c, rc) : TLS_OK;
}

int tls_conn_peer_key_update(tls_conn *c, int requested)
{
    /* Bound how many KeyUpdates may arrive without application data in
     * between, so a peer cannot keep us deriving keys forever. */
    if (++c->key_updates_in_a_row > 32)
        return TLS_FAIL(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_TOO_MANY_KEY_UPDATES);
    TRY(update_secret(c, 0));
    /* RFC 8446 4.6.3: answer update_requested with our own update (not
     * requested) before sending more data. */
    if (requested && !c->close_sent) {
        uint8_t m[5] = {TLS_HS_KEY_UPDATE, 0, 0, 1, 0};
        /* The received one ends its exchange before ours starts. */
        tls_conn_state(c, TLS_STATE_OK);
        TRY(tls_conn_send_hs(c, m, sizeof(m)));
        TRY(update_secret(c, 1));
    }
    return 0;
}

/* ---------------------------------------------------------------------
 * Getters.
 */
const tls_err_origin *tls_conn_error_origin(const tls_conn *c)
{
    return c->err != 0 && c->err_origin.func != NULL ? &c->err_origin : NULL;
}

int tls_conn_error(const tls_conn *c)
{
    return c->err;
}
int tls_conn_alert_received(const tls_conn *c)
{
    return c->alert_rcvd;
}
uint16_t tls_conn_version(const tls_conn *c)
{
    return c->version;
}
uint16_t tls_conn_cipher_suite(const tls_conn *c)
{
    return c->suite ? c->suite->id : 0;
}
uint16_t tls_conn_group(const tls_conn *c)
{
    return c->group;
}

EVP_PKEY *tls_conn_peer_tmp_key(const tls_conn *c)
{
    return c->peer_tmp_key;
}
uint16_t tls_conn_peer_sigalg(const tls_conn *c)
{
    return c->peer_sigalg;
}

void tls_conn_alpn(const tls_conn *c, const uint8_t **proto, size_t *len)
{
    *proto = c->alpn_len ? c->alpn : NULL;
    *len = c->alpn_len;
}

STACK_OF(X509) * tls_conn_peer_chain(const tls_conn *c)
{
    return c->peer_chain;
}
const uint8_t *tls_conn_client_random(const tls_conn *c)
{
    return c->client_random;
}
const uint8_t *tls_conn_server_random(const tls_conn *c)
{
    return c->server_random;
}
int tls_conn_did_hrr(const tls_conn *c)
{
    return c->did_hrr;
}

int tls_conn_export(tls_conn *c, uint8_t *out, size_t outlen, const char *label, size_t label_len,
                    const uint8_t *context, size_t context_len, int use_context)
{
    if (c->sv12)
        return tls12_server_export(c, out, outlen, label, label_len, context, context_len,
                                   use_context);
    if (c->cl12)
        return tls12_client_export(c, out, outlen, label, label_len, context, context_len,
                                   use_context);
    if (!c->hs_done || !c->suite || c->version != TLS_V13)
        return TLS_FAIL(TLS_AD_NONE, TLS_R_UNEXPECTED_MESSAGE);
    /* RFC 8446 7.5 makes no difference between no context and an empty one. */
    if (!use_context) {
        context = NULL;
        context_len = 0;
    }
    return tls_ks_export(c->cr, c->suite->md, c->ks.exporter, label, label_len, context,
                         context_len, out, outlen);
}

size_t tls_conn_finished(const tls_conn *c, int peer, uint8_t *buf, size_t len)
{
    size_t n = c->fin_len < len ? c->fin_len : len;
    memcpy(buf, peer ? c->fin_rcvd : c->fin_sent, n);
    return n;
}

/* ---------------------------------------------------------------------
 * Sessions and 0-RTT (the TLS 1.3 parts are in tls13_psk.c).
 */
static int session_of_version(const tls_conn *c, tls_session_state *st, const uint8_t **ticket,
                              size_t *ticket_len);

int tls_conn_session(const tls_conn *c, tls_session_state *st, const uint8_t **ticket,
                     size_t *ticket_len)
{
    TRY(session_of_version(c, st, ticket, ticket_len));
    /* RFC 6066 4: the negotiated length belongs to the session. */
    st->max_fragment_code = c->mfl_code;
    return 0;
}

static int session_of_version(const tls_conn *c, tls_session_state *st, const uint8_t **ticket,
                              size_t *ticket_len)
{
    switch (c->version) {
    case TLS_V13:
        return tls13_psk_session(c, st, ticket, ticket_len);
    case TLS_V12:
        if (c->sv12)
            return tls12_server_session(c, st, ticket, ticket_len);
        if (c->cl12)
            return tls12_client_session(c, st, ticket, ticket_len);
        return TLS_FAIL(TLS_AD_NONE, TLS_R_SSL_HANDSHAKE_FAILURE);
    default:
        return TLS_FAIL(TLS_AD_NONE, TLS_R_SSL_HANDSHAKE_FAILURE);
    }
}

int tls_conn_session_reused(const tls_conn *c)
{
    switch (c->version) {
    case TLS_V13:
        return c->psk.accepted;
    case TLS_V12:
        return c->cl12 ? tls12_client_reused(c) : tls12_server_reused(c);
    default:
        return 0;
    }
}

int tls_conn_read_early(tls_conn *c, uint8_t *buf, size_t len, size_t *n)
{
    *n = 0;
    if (c->err)
        return c->err;
    if (!c->is_server)
        return TLS_FAIL(TLS_AD_NONE, TLS_R_UNEXPECTED_MESSAGE);
    if (!c->sv && !c->hs_done) {
        if (c->cfg->event)
            c->cfg->event(c->cfg->cb_arg, TLS_EV_HANDSHAKE_START, 1);
        int rc = tls13_server_start(c);
        if (rc < 0)
            return tls_conn_fail(c, rc);
    }
    for (;;) {
        if (c->psk.early_app && c->app_len > 0) {
            size_t k = len < c->app_len ? len : c->app_len;
            memcpy(buf, c->rbuf + c->app_off, k);
            c->app_off += k;
            c->app_len -= k;
            if (c->app_len == 0)
                drop_early_app(c);
            *n = k;
            return TLS_OK;
        }
        /* Decided against 0-RTT, or EndOfEarlyData came: the handshake
         * goes on with tls_conn_handshake. */
        if (c->psk.early_phase == TLS_EPH_DONE || c->hs_done)
            return TLS_EARLY_END;
        int rc = step(c);
        if (rc < 0)
            return tls_conn_fail(c, rc);
        if (rc == TLS_EOF || rc == TLS_WANT_CALLBACK)
            return rc;
        if (rc == TLS_WANT_INPUT)
            return c->transport_eof ? tls_conn_fail(c, eof_error()) : TLS_WANT_INPUT;
    }
}

int tls_conn_compression(const tls_conn *c)
{
    return c->compression;
}
int tls_conn_ems(const tls_conn *c)
{
    return c->ems;
}
int tls_conn_secure_reneg(const tls_conn *c)
{
    return c->secure_reneg;
}
int tls_conn_etm(const tls_conn *c)
{
    return c->etm;
}
