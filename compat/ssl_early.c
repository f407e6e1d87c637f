/*
 * TLS 1.3 early data (0-RTT) as the OpenSSL API has it: the limits, the
 * client's SSL_write_early_data, the server's SSL_read_early_data, the
 * status, and the server's decision whether a resumed session's early data
 * may be taken (tls_config.early_data_ok).
 *
 * Early data can be replayed by an attacker (RFC 8446 8), so a server takes
 * it at most once per ticket: the SSL_CTX remembers a digest of each ticket
 * whose early data it accepted until the ticket expires, in a table of
 * bounded size. When the table is full of live entries, early data is
 * refused (the handshake goes on with 1-RTT). SSL_OP_NO_ANTI_REPLAY turns
 * the check off, as in OpenSSL. Early data stays off unless the application
 * set max_early_data.
 */
#include "compat/sess.h"
#include "compat/init.h"

#include <string.h>

/* RFC 8446 7.5 with the early exporter secret: 1, or 0 (no early data
 * sent / accepted). */
int SSL_export_keying_material_early(SSL *s, unsigned char *out, size_t olen, const char *label,
                                     size_t llen, const unsigned char *context, size_t contextlen)
{
    tls_conn *c = s != NULL ? shimssl_conn(s) : NULL;

    if (c == NULL || out == NULL ||
        tls_conn_export_early(c, out, olen, label, llen, context, contextlen) < 0)
        return 0;
    return 1;
}

/* --- limits ------------------------------------------------------------------ */

int SSL_CTX_set_max_early_data(SSL_CTX *ctx, uint32_t n)
{
    ctx->api_max_early_data = n;
    return 1;
}

uint32_t SSL_CTX_get_max_early_data(const SSL_CTX *ctx)
{
    return ctx->api_max_early_data;
}

int SSL_set_max_early_data(SSL *s, uint32_t n)
{
    s->api_max_early_data = n;
    return 1;
}

uint32_t SSL_get_max_early_data(const SSL *s)
{
    return s->api_max_early_data;
}

int SSL_CTX_set_recv_max_early_data(SSL_CTX *ctx, uint32_t n)
{
    ctx->api_recv_max_early_data = n;
    return 1;
}

uint32_t SSL_CTX_get_recv_max_early_data(const SSL_CTX *ctx)
{
    return ctx->api_recv_max_early_data;
}

int SSL_set_recv_max_early_data(SSL *s, uint32_t n)
{
    s->api_recv_max_early_data = n;
    return 1;
}

uint32_t SSL_get_recv_max_early_data(const SSL *s)
{
    return s->api_recv_max_early_data;
}

void SSL_CTX_set_allow_early_data_cb(SSL_CTX *ctx, SSL_allow_early_data_cb_fn cb, void *arg)
{
    ctx->api_allow_early_data_cb = cb;
    ctx->api_allow_early_data_arg = arg;
}

void SSL_set_allow_early_data_cb(SSL *s, SSL_allow_early_data_cb_fn cb, void *arg)
{
    s->api_allow_early_data_cb = cb;
    s->api_allow_early_data_arg = arg;
}

int SSL_get_early_data_status(const SSL *s)
{
    tls_conn *c = s != NULL ? shimssl_conn(s) : NULL;

    if (c == NULL)
        return SSL_EARLY_DATA_NOT_SENT;
    switch (tls_conn_early_status(c)) {
    case TLS_EARLY_ACCEPTED:
        return SSL_EARLY_DATA_ACCEPTED;
    case TLS_EARLY_REJECTED:
        return SSL_EARLY_DATA_REJECTED;
    default:
        return SSL_EARLY_DATA_NOT_SENT;
    }
}

/* --- client ----------------------------------------------------------------------- */

static int not_now(void)
{
    SHIMSSL_ERR(ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED);
    return 0;
}

/*
 * Before the handshake, with a session that allows early data: starts the
 * handshake (ClientHello with early_data) and sends buf after it. Further
 * calls send more, until SSL_connect / SSL_do_handshake finishes the
 * handshake. A transport that would block: 0 with SSL_ERROR_WANT_WRITE /
 * WANT_READ, and the call must be repeated with the same arguments.
 */
int SSL_write_early_data(SSL *s, const void *buf, size_t num, size_t *written)
{
    shimssl_sess_ssl *ps = s != NULL ? shimssl_sess(s) : NULL;
    size_t dummy, done = 0, n;
    int rc, io;

    if (written == NULL)
        written = &dummy;
    *written = 0;
    if (ps == NULL || s->server)
        return not_now();
    if (ps->early_state == SHIMSSL_EARLY_NONE) {
        if (s->conn != NULL || s->api_session == NULL || s->api_session->max_early_data == 0 ||
            s->api_session->ssl_version != TLS1_3_VERSION)
            return not_now();
        if (!s->role_set)
            SSL_set_connect_state(s);
        ps->early_wanted = 1;
        ps->early_state = SHIMSSL_EARLY_WRITING;
    } else if (ps->early_state != SHIMSSL_EARLY_WRITING) {
        return not_now();
    }
    if (!shimssl_io_start(s))
        return 0;
    if (ps->early_pend_len > 0) {
        if (num < ps->early_pend_len) {
            SHIMSSL_ERR(SSL_R_BAD_WRITE_RETRY);
            return 0;
        }
        done = ps->early_pend_done;
        num = ps->early_pend_len;
    }
    for (;;) {
        if (done < num || !ps->early_started) {
            rc = tls_conn_write_early(s->conn, (const uint8_t *)buf + done, num - done, &n);
            if (rc < 0) {
                (void)shimssl_io_flush(s);
                ps->early_pend_len = 0;
                shimssl_io_fail(s, rc);
                return 0;
            }
            ps->early_started = 1;
            if (n == 0 && done < num) {
                /* The engine takes no more (the session's limit). */
                (void)shimssl_io_flush(s);
                ps->early_pend_len = 0;
                SHIMSSL_ERR(SSL_R_TOO_MUCH_EARLY_DATA);
                return 0;
            }
            done += n;
        }
        io = shimssl_io_flush(s);
        if (io != 1) {
            if (io == 0) {
                ps->early_pend_done = done;
                ps->early_pend_len = num;
            }
            return 0;
        }
        if (done == num)
            break;
    }
    ps->early_pend_len = 0;
    ps->early_pend_done = 0;
    *written = done;
    return 1;
}

/* --- server ---------------------------------------------------------------------- */

/*
 * Before the handshake: runs it up to the early data and returns it piece
 * by piece (SUCCESS), then FINISH once there is no (more) early data, after
 * which SSL_accept / SSL_do_handshake completes the handshake. ERROR with
 * SSL_ERROR_WANT_READ / WANT_WRITE when the transport would block.
 */
int SSL_read_early_data(SSL *s, void *buf, size_t num, size_t *readbytes)
{
    shimssl_sess_ssl *ps = s != NULL ? shimssl_sess(s) : NULL;
    size_t dummy, n = 0;
    int rc, io;

    if (readbytes == NULL)
        readbytes = &dummy;
    *readbytes = 0;
    if (ps == NULL || !s->server) {
        not_now();
        return SSL_READ_EARLY_DATA_ERROR;
    }
    if (ps->early_state == SHIMSSL_EARLY_DONE)
        return SSL_READ_EARLY_DATA_FINISH;
    if (ps->early_state == SHIMSSL_EARLY_NONE) {
        if (s->hs_phase != SHIMSSL_HS_BEFORE) {
            not_now();
            return SSL_READ_EARLY_DATA_ERROR;
        }
        if (!s->role_set)
            SSL_set_accept_state(s);
        ps->early_state = SHIMSSL_EARLY_READING;
    } else if (ps->early_state != SHIMSSL_EARLY_READING) {
        not_now();
        return SSL_READ_EARLY_DATA_ERROR;
    }
    if (!shimssl_io_start(s))
        return SSL_READ_EARLY_DATA_ERROR;
    for (;;) {
        rc = tls_conn_read_early(s->conn, buf, num, &n);
        io = shimssl_io_flush(s);
        if (rc < 0) {
            shimssl_io_fail(s, rc);
            return SSL_READ_EARLY_DATA_ERROR;
        }
        if (rc == TLS_OK && n > 0) {
            *readbytes = n;
            return SSL_READ_EARLY_DATA_SUCCESS;
        }
        if (rc == TLS_WANT_CALLBACK) {
            /* A callback on the ClientHello asked to be retried. */
            (void)shimssl_io_suspended(s);
            return SSL_READ_EARLY_DATA_ERROR;
        }
        if (rc == TLS_EARLY_END) {
            ps->early_state = SHIMSSL_EARLY_DONE;
            return SSL_READ_EARLY_DATA_FINISH;
        }
        if (rc == TLS_EOF) {
            /* close_notify before the handshake ended: SSL_ERROR_ZERO_RETURN. */
            s->shutdown |= SSL_RECEIVED_SHUTDOWN;
            return SSL_READ_EARLY_DATA_ERROR;
        }
        if (io != 1)
            return SSL_READ_EARLY_DATA_ERROR;
        if (rc == TLS_OK && num == 0)
            return SSL_READ_EARLY_DATA_SUCCESS;
        if (shimssl_io_fill(s) != 1)
            return SSL_READ_EARLY_DATA_ERROR;
    }
}

/* --- the server's decision ----------------------------------------------------------- */

/* A digest naming one ticket: its PSK is unique to it. */
static void ticket_digest(const tls_crypto *cr, const tls_session_state *st, unsigned char out[16])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_MD_CTX *m = EVP_MD_CTX_new();

    memset(out, 0, 16);
    const EVP_MD *sha256 = tls_crypto_md(cr, NID_sha256);

    if (m != NULL && sha256 != NULL && EVP_DigestInit_ex(m, sha256, NULL) &&
        EVP_DigestUpdate(m, st->secret, st->secret_len) &&
        EVP_DigestUpdate(m, &st->age_add, sizeof(st->age_add)) &&
        EVP_DigestUpdate(m, &st->time, sizeof(st->time)) && EVP_DigestFinal_ex(m, md, &n) &&
        n >= 16)
        memcpy(out, md, 16);
    EVP_MD_CTX_free(m);
    OPENSSL_cleanse(md, sizeof(md));
}

/* 1 if this ticket's early data was not taken before (and now is), 0 if it
 * was, or the table is full of live entries. */
static int first_use(const tls_crypto *cr, shimssl_sess_ctx *sc, const tls_session_state *st)
{
    unsigned char d[16];
    time_t now = time(NULL);
    size_t start, free_slot = SHIMSSL_REPLAY_SLOTS;
    int fresh = 1;

    ticket_digest(cr, st, d);
    start = ((size_t)d[0] << 8 | d[1]) % SHIMSSL_REPLAY_SLOTS;
    CRYPTO_THREAD_write_lock(sc->lock);
    for (size_t i = 0; i < 64; i++) {
        size_t k = (start + i) % SHIMSSL_REPLAY_SLOTS;

        if (sc->replay[k].expires < now) {
            if (free_slot == SHIMSSL_REPLAY_SLOTS)
                free_slot = k;
            continue;
        }
        if (CRYPTO_memcmp(sc->replay[k].digest, d, sizeof(d)) == 0) {
            fresh = 0;
            break;
        }
    }
    if (fresh && free_slot == SHIMSSL_REPLAY_SLOTS)
        fresh = 0;
    if (fresh) {
        memcpy(sc->replay[free_slot].digest, d, sizeof(d));
        sc->replay[free_slot].expires = (time_t)st->time + (time_t)st->lifetime + 1;
        if (sc->replay[free_slot].expires <= now)
            sc->replay[free_slot].expires = now + 1;
    }
    CRYPTO_THREAD_unlock(sc->lock);
    return fresh;
}

int shimssl_early_data_ok(void *arg, tls_conn *c, const tls_session_state *st)
{
    SSL *s = arg;
    shimssl_sess_ctx *sc = shimssl_session_ctx(s)->api_sess;

    (void)c;
    if (sc == NULL || s->api_max_early_data == 0 || st->max_early_data == 0)
        return 0;
    /* Only for a server reading it with SSL_read_early_data: anything else
     * would have the client believe data arrived that nobody reads
     * (OpenSSL refuses it then too). */
    if (shimssl_sess(s) == NULL || shimssl_sess(s)->early_state != SHIMSSL_EARLY_READING)
        return 0;
    if (s->api_allow_early_data_cb != NULL &&
        !s->api_allow_early_data_cb(s, s->api_allow_early_data_arg))
        return 0;
    if (s->options & SSL_OP_NO_ANTI_REPLAY)
        return 1;
    return first_use(s->crypto, sc, st);
}
