/*
 * The I/O path: SSL_do_handshake, SSL_read, SSL_write, SSL_shutdown and
 * SSL_get_error, driving the sans-I/O engine (core/tls.h) over the SSL's
 * BIOs.
 *
 * Every operation is the same loop: run the engine, drain whatever it
 * queued to the wbio (also after a failure, so the alert goes out), and if
 * it wants input, read exactly as many bytes as it asks for from the rbio
 * (never more, so nothing past the TLS stream is consumed). A BIO that
 * would block ends the call with -1 and rwstate set, which is what
 * SSL_get_error turns into WANT_READ / WANT_WRITE; calling again resumes,
 * because all the state lives in the engine and in the SSL.
 *
 * Errors: a core failure is pushed on the ERR queue with its SSL_R_* reason
 * and remembered; later calls fail again with the same reason.
 */
#include "compat/compat.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

void shimssl_err_from_tls(int rc)
{
    int reason = TLS_ERR_REASON(rc);

    if (reason == TLS_R_INTERNAL || reason == 0)
        ERR_raise(ERR_LIB_SSL, ERR_R_INTERNAL_ERROR);
    else
        ERR_raise(ERR_LIB_SSL, reason);
}

/* Record a failure (sticky), report it, and return -1. */
static int shimssl_fail(SSL *s, int rc)
{
    if (s->fatal_rc == 0)
        shimssl_drop_failed_session(s);
    s->fatal_rc = rc;
    s->rwstate = SSL_NOTHING;
    if (s->hs_phase != SHIMSSL_HS_DONE)
        s->hs_phase = SHIMSSL_HS_FAILED;
    shimssl_err_from_tls(rc);
    /* Name the place in the engine that detected the failure, as OpenSSL's
     * entries name its state-machine function, not this reporting helper. */
    const tls_err_origin *o = s->conn != NULL ? tls_conn_error_origin(s->conn) : NULL;
    if (o != NULL && o->rc == rc)
        ERR_set_debug(o->file, o->line, o->func);
    return -1;
}

/* Create the engine connection on first use. 1 on success, 0 with ERR set. */
static int shimssl_start(SSL *s)
{
    if (s->conn != NULL)
        return 1;
    if (s->rbio == NULL || s->wbio == NULL) {
        SHIMSSL_ERR(SSL_R_BIO_NOT_SET);
        return 0;
    }
    if (!shimssl_config_build(s))
        return 0;
    s->conn = tls_conn_new(&s->cfg, s->server);
    if (s->conn == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
        return 0;
    }
    if (!s->server)
        s->client_version =
            s->cfg.max_version > TLS1_2_VERSION ? TLS1_2_VERSION : s->cfg.max_version;
    return 1;
}

/* --- transport ------------------------------------------------------------- */

enum { IO_OK = 1, IO_BLOCKED = 0, IO_FAILED = -1 };

/*
 * Send everything the engine queued. IO_BLOCKED leaves rwstate at
 * SSL_WRITING (the rest goes out on the next call); IO_FAILED is a
 * transport error (SSL_ERROR_SYSCALL, errno tells).
 */
static int shimssl_flush(SSL *s)
{
    const uint8_t *p;
    size_t n, written;
    int sent = 0;

    while ((n = tls_conn_out(s->conn, &p)) > 0) {
        if (!BIO_write_ex(s->wbio, p, n, &written) || written == 0) {
            if (BIO_should_retry(s->wbio)) {
                s->rwstate = SSL_WRITING;
                return IO_BLOCKED;
            }
            s->rwstate = SSL_NOTHING;
            return IO_FAILED;
        }
        tls_conn_out_consume(s->conn, written);
        sent = 1;
    }
    /* Buffering BIOs in the write chain must see the records go out. */
    if (sent && BIO_flush(s->wbio) <= 0) {
        if (BIO_should_retry(s->wbio)) {
            s->rwstate = SSL_WRITING;
            return IO_BLOCKED;
        }
        return IO_FAILED;
    }
    return IO_OK;
}

/*
 * Read what the engine asks for. EOF is what the BIO says it is (BIO_eof
 * after a read that failed without asking for a retry), as in OpenSSL 3.0:
 * then the engine is told, and the failure is
 * SSL_R_UNEXPECTED_EOF_WHILE_READING as SSL_ERROR_SSL, or a close_notify
 * under SSL_OP_IGNORE_UNEXPECTED_EOF (both handled by the callers). A read
 * of 0 or less from a BIO that does not report EOF is a transport error:
 * SSL_ERROR_SYSCALL with nothing on ERR, and the connection stays usable.
 */
static int shimssl_fill_n(SSL *s, int *got)
{
    size_t want = 0;
    uint8_t *buf = tls_conn_rbuf(s->conn, &want);
    int n;

    *got = -1;

    if (buf == NULL || want == 0) {
        /* A failure is pending: the next engine call reports it. Anything
         * else would loop forever, so it is an internal error. */
        if (tls_conn_error(s->conn) != 0)
            return IO_OK;
        ERR_raise(ERR_LIB_SSL, ERR_R_INTERNAL_ERROR);
        return IO_FAILED;
    }
    if (want > INT_MAX)
        want = INT_MAX;
    n = BIO_read(s->rbio, buf, (int)want);
    *got = n;
    if (n > 0) {
        tls_conn_rbuf_commit(s->conn, (size_t)n);
        return IO_OK;
    }
    if (BIO_should_retry(s->rbio)) {
        s->rwstate = SSL_READING;
        return IO_BLOCKED;
    }
    s->rwstate = SSL_NOTHING;
    if (BIO_eof(s->rbio)) {
        s->eof_seen = 1;
        tls_conn_transport_eof(s->conn);
        return IO_FAILED;
    }
    /* A transport error (or a 0 without EOF): SSL_ERROR_SYSCALL with
     * errno, nothing on ERR. */
    return IO_FAILED;
}

static int shimssl_fill(SSL *s)
{
    int got;

    return shimssl_fill_n(s, &got);
}

/* The transport ended (or failed) while the engine wanted input. */
static int shimssl_input_failed(SSL *s)
{
    if (s->eof_seen)
        return shimssl_fail(s, TLS_ERR(TLS_AD_NONE, TLS_R_UNEXPECTED_EOF_WHILE_READING));
    return -1;
}

/* A sticky failure: the connection stays failed. As in OpenSSL 3.0, only the
 * call that failed reports why; later ones return -1 with nothing on the
 * error queue (SSL_ERROR_SYSCALL). */
static int shimssl_refail(SSL *s)
{
    s->rwstate = SSL_NOTHING;
    return -1;
}

/* --- handshake -------------------------------------------------------------- */

static int shimssl_handshake(SSL *s)
{
    int rc, io;

    s->rwstate = SSL_NOTHING;
    if (!s->role_set) {
        SHIMSSL_ERR(SSL_R_CONNECTION_TYPE_NOT_SET);
        return -1;
    }
    if (s->fatal_rc != 0)
        return shimssl_refail(s);
    /* As OpenSSL's handshake does on every entry while it runs: leftovers on
     * the error queue (a PEM "no start line" from loading certificates, ...)
     * must not turn the next SSL_get_error into SSL_ERROR_SSL. */
    if (s->hs_phase != SHIMSSL_HS_DONE) {
        ERR_clear_error();
        errno = 0;
    }
    if (!shimssl_start(s))
        return -1;
    if (s->hs_phase == SHIMSSL_HS_DONE && (rc = shimssl_sess_send_queued_tickets(s, 0)) <= 0)
        return rc;
    for (;;) {
        rc = tls_conn_handshake(s->conn);
        io = shimssl_flush(s);
        if (rc < 0)
            return shimssl_fail(s, rc);
        if (io != IO_OK)
            return -1;
        if (rc == TLS_WANT_CALLBACK)
            return shimssl_io_suspended(s);
        if (rc == TLS_EOF) {
            /* close_notify in the middle of the handshake: the call fails
             * (-1) and SSL_get_error says SSL_ERROR_ZERO_RETURN, as in
             * OpenSSL 3.0. */
            s->shutdown |= SSL_RECEIVED_SHUTDOWN;
            return -1;
        }
        if (rc == TLS_OK) {
            /* Also when core did not report the event (resumed call). */
            s->hs_phase = SHIMSSL_HS_DONE;
            s->hs_state = TLS_ST_OK;
            s->key_update = SSL_KEY_UPDATE_NONE;
            return 1;
        }
        if (s->hs_phase == SHIMSSL_HS_BEFORE)
            s->hs_phase = SHIMSSL_HS_RUNNING;
        io = shimssl_fill(s);
        if (io == IO_BLOCKED)
            return -1;
        if (io == IO_FAILED) {
            if (s->eof_seen && (s->options & SSL_OP_IGNORE_UNEXPECTED_EOF)) {
                /* As a close_notify: -1 and SSL_ERROR_ZERO_RETURN, as
                 * OpenSSL 3.0 does in the handshake. */
                s->shutdown |= SSL_RECEIVED_SHUTDOWN;
                return -1;
            }
            return shimssl_input_failed(s);
        }
    }
}

int SSL_do_handshake(SSL *s)
{
    int failed = s->fatal_rc != 0, running = s->role_set && SSL_in_init(s);
    int ret = shimssl_handshake(s);

    /* As OpenSSL: only a call that runs the handshake reports to the info
     * callback, not one after it finished (which only sends what is
     * queued, a KeyUpdate) or failed. */
    if (running && !failed)
        shimssl_info_exit(s, ret);
    return ret;
}

int SSL_connect(SSL *s)
{
    if (!s->role_set)
        SSL_set_connect_state(s);
    return SSL_do_handshake(s);
}

int SSL_accept(SSL *s)
{
    if (!s->role_set)
        SSL_set_accept_state(s);
    return SSL_do_handshake(s);
}

/* Before application data can flow: the role must be known, and the
 * handshake is run implicitly (SSL_connect / SSL_accept semantics). */
static int shimssl_ready(SSL *s)
{
    if (!s->role_set) {
        s->rwstate = SSL_NOTHING;
        SHIMSSL_ERR(SSL_R_UNINITIALIZED);
        return -1;
    }
    if (s->fatal_rc != 0)
        return shimssl_refail(s);
    if (s->hs_phase != SHIMSSL_HS_DONE)
        return SSL_do_handshake(s);
    return shimssl_sess_send_queued_tickets(s, 0);
}

/* --- reading ---------------------------------------------------------------- */

static int shimssl_read(SSL *s, void *buf, size_t num, size_t *readbytes, int peek)
{
    int rc, io, got;
    size_t n = 0;

    *readbytes = 0;
    s->rwstate = SSL_NOTHING;
    if (s->role_set && (s->shutdown & SSL_RECEIVED_SHUTDOWN))
        return 0; /* close_notify seen: SSL_ERROR_ZERO_RETURN */
    if ((rc = shimssl_ready(s)) <= 0)
        return rc;
    for (;;) {
        unsigned long records = s->rx_records;

        rc = tls_conn_read(s->conn, buf, num, &n, peek);
        /* Post-handshake responses (KeyUpdate) go out now. */
        io = shimssl_flush(s);
        if (rc < 0) {
            if (s->eof_seen && TLS_ERR_REASON(rc) == TLS_R_UNEXPECTED_EOF_WHILE_READING &&
                (s->options & SSL_OP_IGNORE_UNEXPECTED_EOF)) {
                s->shutdown |= SSL_RECEIVED_SHUTDOWN;
                return 0;
            }
            return shimssl_fail(s, rc);
        }
        if (rc == TLS_OK && n > 0) {
            *readbytes = n;
            return 1;
        }
        if (rc == TLS_EOF) {
            s->shutdown |= SSL_RECEIVED_SHUTDOWN;
            return 0;
        }
        if (rc == TLS_OK) /* num == 0 */
            return 0;
        if (io == IO_BLOCKED)
            return -1;
        if (io == IO_FAILED)
            return -1;
        /*
         * Without SSL_MODE_AUTO_RETRY a record that carried no application
         * data (a session ticket, a KeyUpdate) ends the call with
         * WANT_READ, even on a blocking transport: programs that select()
         * before reading (openssl s_client) rely on it not to block.
         */
        if (s->rx_records != records && !(s->mode & SSL_MODE_AUTO_RETRY) &&
            !tls_conn_has_unprocessed_input(s->conn)) {
            s->rwstate = SSL_READING;
            BIO_clear_retry_flags(s->rbio);
            BIO_set_retry_read(s->rbio);
            return -1;
        }
        io = shimssl_fill_n(s, &got);
        if (io == IO_BLOCKED)
            return -1;
        if (io == IO_FAILED) {
            if (s->eof_seen && (s->options & SSL_OP_IGNORE_UNEXPECTED_EOF)) {
                /* Treated as a close_notify, as OpenSSL documents. */
                s->shutdown |= SSL_RECEIVED_SHUTDOWN;
                return 0;
            }
            /* OpenSSL 3.0 passes the transport's 0 up: SSL_read returns 0
             * (SSL_ERROR_SSL, unexpected eof) the first time, -1 after; a 0
             * without EOF is 0 with SSL_ERROR_SYSCALL, not fatal. */
            if (!s->eof_seen)
                return got == 0 ? 0 : -1;
            (void)shimssl_input_failed(s);
            return 0;
        }
    }
}

int SSL_read_ex(SSL *s, void *buf, size_t num, size_t *readbytes)
{
    size_t dummy;

    return shimssl_read(s, buf, num, readbytes != NULL ? readbytes : &dummy, 0) > 0 ? 1 : 0;
}

int SSL_peek_ex(SSL *s, void *buf, size_t num, size_t *readbytes)
{
    size_t dummy;

    return shimssl_read(s, buf, num, readbytes != NULL ? readbytes : &dummy, 1) > 0 ? 1 : 0;
}

static int shimssl_read_int(SSL *s, void *buf, int num, int peek)
{
    size_t n;
    int ret;

    if (num < 0) {
        SHIMSSL_ERR(SSL_R_BAD_LENGTH);
        return -1;
    }
    ret = shimssl_read(s, buf, (size_t)num, &n, peek);
    return ret > 0 ? (int)n : ret;
}

int SSL_read(SSL *s, void *buf, int num)
{
    return shimssl_read_int(s, buf, num, 0);
}
int SSL_peek(SSL *s, void *buf, int num)
{
    return shimssl_read_int(s, buf, num, 1);
}

int SSL_pending(const SSL *s)
{
    size_t n = s->conn != NULL ? tls_conn_pending(s->conn) : 0;

    return n > INT_MAX ? INT_MAX : (int)n;
}

int SSL_has_pending(const SSL *s)
{
    if (s->conn == NULL)
        return 0;
    return tls_conn_pending(s->conn) > 0 || tls_conn_has_unprocessed_input(s->conn);
}

/* --- writing ---------------------------------------------------------------- */

/*
 * Write all of num (or, with SSL_MODE_ENABLE_PARTIAL_WRITE, at least one
 * record), one record at a time, flushing between records so the output
 * queue never holds more than one record. When the wbio blocks, the bytes
 * already taken by the engine are remembered: the application must call
 * again with the same arguments (the buffer may move only with
 * SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER) and the call completes from there.
 */
static int shimssl_write(SSL *s, const void *buf, size_t num, size_t *written)
{
    size_t done = 0, n, chunk;
    int rc, io;

    *written = 0;
    s->rwstate = SSL_NOTHING;
    if (s->role_set && (s->shutdown & SSL_SENT_SHUTDOWN)) {
        SHIMSSL_ERR(SSL_R_PROTOCOL_IS_SHUTDOWN);
        return -1;
    }
    if ((rc = shimssl_ready(s)) <= 0 || (rc = shimssl_sess_send_queued_tickets(s, 1)) <= 0)
        return rc;
    if (s->wpend_len > 0) {
        if (num < s->wpend_len ||
            (buf != s->wpend_buf && !(s->mode & SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))) {
            /* Fatal, as OpenSSL 3.0's SSLfatal here: what went out of
             * the first buffer cannot be matched with the new one. */
            return shimssl_fail(s, TLS_ERR(TLS_AD_NONE, SSL_R_BAD_WRITE_RETRY));
        }
        done = s->wpend_done;
        num = s->wpend_len;
    }
    for (;;) {
        io = shimssl_flush(s);
        if (io != IO_OK) {
            s->wpend_buf = buf;
            s->wpend_len = num;
            s->wpend_done = done;
            return -1;
        }
        s->key_update = SSL_KEY_UPDATE_NONE; /* a queued KeyUpdate is out */
        if (done == num || (done > 0 && (s->mode & SSL_MODE_ENABLE_PARTIAL_WRITE)))
            break;
        chunk = num - done;
        if (chunk > s->max_send_fragment && s->max_send_fragment > 0)
            chunk = s->max_send_fragment;
        rc = tls_conn_write(s->conn, (const uint8_t *)buf + done, chunk, &n);
        if (rc < 0) {
            (void)shimssl_flush(s);
            s->wpend_len = 0;
            return shimssl_fail(s, rc);
        }
        done += n;
    }
    s->wpend_len = 0;
    s->wpend_done = 0;
    s->wpend_buf = NULL;
    *written = done;
    return 1;
}

int SSL_write_ex(SSL *s, const void *buf, size_t num, size_t *written)
{
    size_t dummy;

    return shimssl_write(s, buf, num, written != NULL ? written : &dummy) > 0 ? 1 : 0;
}

int SSL_write(SSL *s, const void *buf, int num)
{
    size_t n;
    int ret;

    if (num < 0) {
        SHIMSSL_ERR(SSL_R_BAD_LENGTH);
        return -1;
    }
    ret = shimssl_write(s, buf, (size_t)num, &n);
    return ret > 0 ? (int)n : ret;
}

/* --- shutdown --------------------------------------------------------------- */

/*
 * First call: send close_notify, return 0 (or 1 if the peer's close_notify
 * already arrived). Later calls: wait for the peer's close_notify,
 * discarding application data, and return 1 once it is there.
 */
int SSL_shutdown(SSL *s)
{
    uint8_t scratch[256];
    const uint8_t *pending;
    size_t n;
    int rc, io;

    s->rwstate = SSL_NOTHING;
    if (!s->role_set) {
        SHIMSSL_ERR(SSL_R_UNINITIALIZED);
        return -1;
    }
    if (SSL_in_init(s)) { /* also after a fatal error, as OpenSSL */
        SHIMSSL_ERR(SSL_R_SHUTDOWN_WHILE_IN_INIT);
        return -1;
    }
    if (s->quiet_shutdown) {
        s->shutdown = SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN;
        return 1;
    }
    if (!(s->shutdown & SSL_SENT_SHUTDOWN)) {
        s->shutdown |= SSL_SENT_SHUTDOWN;
        if (s->fatal_rc == 0 && tls_conn_close(s->conn) < 0) {
            (void)shimssl_flush(s);
            ERR_raise(ERR_LIB_SSL, ERR_R_INTERNAL_ERROR);
            return shimssl_refail(s);
        }
        io = shimssl_flush(s);
        if (io != IO_OK)
            return -1;
        return (s->shutdown & SSL_RECEIVED_SHUTDOWN) ? 1 : 0;
    }
    /* close_notify may still be queued from a call that blocked: sending it
     * is this call's work, and it reports like the first call would have. */
    if (tls_conn_out(s->conn, &pending) > 0) {
        if ((io = shimssl_flush(s)) != IO_OK)
            return -1;
        return (s->shutdown & SSL_RECEIVED_SHUTDOWN) ? 1 : 0;
    }
    if (s->shutdown & SSL_RECEIVED_SHUTDOWN)
        return 1;
    if (s->fatal_rc != 0)
        return shimssl_refail(s);
    for (;;) {
        rc = tls_conn_read(s->conn, scratch, sizeof(scratch), &n, 0);
        io = shimssl_flush(s);
        if (rc == TLS_EOF) {
            s->shutdown |= SSL_RECEIVED_SHUTDOWN;
            return 1;
        }
        if (rc < 0)
            return shimssl_fail(s, rc);
        if (rc == TLS_OK)
            continue; /* application data after our close_notify is dropped */
        if (io != IO_OK)
            return -1;
        io = shimssl_fill(s);
        if (io == IO_BLOCKED)
            return -1;
        if (io == IO_FAILED) {
            if (s->eof_seen && (s->options & SSL_OP_IGNORE_UNEXPECTED_EOF)) {
                /* The peer's close counts as its close_notify: done. */
                s->shutdown |= SSL_RECEIVED_SHUTDOWN;
                return 1;
            }
            return shimssl_input_failed(s);
        }
    }
}

/* --- SSL_get_error ---------------------------------------------------------- */

static int shimssl_bio_want(BIO *b, int otherwise)
{
    if (b == NULL)
        return SSL_ERROR_SYSCALL;
    if (BIO_should_read(b))
        return SSL_ERROR_WANT_READ;
    if (BIO_should_write(b))
        return SSL_ERROR_WANT_WRITE;
    if (BIO_should_io_special(b)) {
        switch (BIO_get_retry_reason(b)) {
        case BIO_RR_CONNECT:
            return SSL_ERROR_WANT_CONNECT;
        case BIO_RR_ACCEPT:
            return SSL_ERROR_WANT_ACCEPT;
        default:
            return SSL_ERROR_SYSCALL;
        }
    }
    return otherwise;
}

int SSL_get_error(const SSL *s, int ret_code)
{
    unsigned long e;

    if (ret_code > 0)
        return SSL_ERROR_NONE;
    /* An entry on the error queue wins (OpenSSL documents this order). */
    e = ERR_peek_error();
    if (e != 0)
        return ERR_GET_LIB(e) == ERR_LIB_SYS ? SSL_ERROR_SYSCALL : SSL_ERROR_SSL;
    switch (s->rwstate) {
    case SSL_READING:
        return shimssl_bio_want(s->rbio, SSL_ERROR_WANT_READ);
    case SSL_WRITING:
        return shimssl_bio_want(s->wbio, SSL_ERROR_WANT_WRITE);
    case SSL_X509_LOOKUP:
        return SSL_ERROR_WANT_X509_LOOKUP;
    case SSL_RETRY_VERIFY:
        return SSL_ERROR_WANT_RETRY_VERIFY;
    case SSL_ASYNC_PAUSED:
        return SSL_ERROR_WANT_ASYNC;
    case SSL_ASYNC_NO_JOBS:
        return SSL_ERROR_WANT_ASYNC_JOB;
    case SSL_CLIENT_HELLO_CB:
        return SSL_ERROR_WANT_CLIENT_HELLO_CB;
    default:
        break;
    }
    if (s->shutdown & SSL_RECEIVED_SHUTDOWN)
        return SSL_ERROR_ZERO_RETURN;
    return SSL_ERROR_SYSCALL;
}

/* --- buffers, async jobs, renegotiation ----------------------------------------
 * The engine owns its buffers and sizes them itself; there are no async jobs
 * (no engine offload) and no renegotiation. These answer as OpenSSL does on
 * a connection where those features are not in use, without an ERR entry:
 * an entry left behind by such a query would turn the next SSL_get_error
 * into SSL_ERROR_SSL.
 */

int SSL_free_buffers(SSL *s)
{
    const uint8_t *out;

    /* Refused while data is buffered, as documented. */
    if (s->conn != NULL &&
        (tls_conn_pending(s->conn) > 0 || tls_conn_has_unprocessed_input(s->conn) ||
         tls_conn_out(s->conn, &out) > 0))
        return 0;
    return 1;
}

int SSL_alloc_buffers(SSL *s)
{
    (void)s;
    return 1;
}

void SSL_CTX_set_default_read_buffer_len(SSL_CTX *ctx, size_t len)
{
    (void)ctx, (void)len;
}
void SSL_set_default_read_buffer_len(SSL *s, size_t len)
{
    (void)s, (void)len;
}

int SSL_waiting_for_async(SSL *s)
{
    (void)s;
    return 0;
}

int SSL_get_async_status(SSL *s, int *status)
{
    (void)s, (void)status;
    return 0; /* no async wait context */
}

/* No async job ever runs, so there is no wait context: OpenSSL 3.0 answers
 * 0 and leaves the counts alone then. */
int SSL_get_all_async_fds(SSL *s, OSSL_ASYNC_FD *fds, size_t *numfds)
{
    (void)s, (void)fds, (void)numfds;
    return 0;
}

int SSL_get_changed_async_fds(SSL *s, OSSL_ASYNC_FD *addfd, size_t *numaddfds, OSSL_ASYNC_FD *delfd,
                              size_t *numdelfds)
{
    (void)s, (void)addfd, (void)delfd, (void)numaddfds, (void)numdelfds;
    return 0;
}

/* Accepted, never called: no operation ever pauses for an async job. */
int SSL_CTX_set_async_callback(SSL_CTX *ctx, SSL_async_callback_fn callback)
{
    (void)ctx, (void)callback;
    return 1;
}

int SSL_CTX_set_async_callback_arg(SSL_CTX *ctx, void *arg)
{
    (void)ctx, (void)arg;
    return 1;
}

int SSL_set_async_callback(SSL *s, SSL_async_callback_fn callback)
{
    (void)s, (void)callback;
    return 1;
}

int SSL_set_async_callback_arg(SSL *s, void *arg)
{
    (void)s, (void)arg;
    return 1;
}

/* TLS 1.3 has no renegotiation (OpenSSL: SSL_R_WRONG_SSL_VERSION); ShimSSL
 * does not renegotiate TLS 1.2 either. */
static int shimssl_renegotiate(SSL *s)
{
    if (s->conn != NULL && tls_conn_version(s->conn) == TLS_V13)
        SHIMSSL_ERR(SSL_R_WRONG_SSL_VERSION);
    else
        SHIMSSL_ERR(SSL_R_NO_RENEGOTIATION);
    return 0;
}

int SSL_renegotiate(SSL *s)
{
    return shimssl_renegotiate(s);
}
int SSL_renegotiate_abbreviated(SSL *s)
{
    return shimssl_renegotiate(s);
}

int SSL_renegotiate_pending(const SSL *s)
{
    (void)s;
    return 0;
}

void SSL_set_debug(SSL *s, int debug)
{
    (void)s, (void)debug;
}

/* --- steps for compat-api's 0-RTT calls (compat/ssl_early.c) -------------------
 * SSL_write_early_data / SSL_read_early_data run the same loop as the calls
 * above around tls_conn_write_early / tls_conn_read_early.
 */

int shimssl_io_start(SSL *s)
{
    s->rwstate = SSL_NOTHING;
    if (s->fatal_rc != 0)
        return shimssl_refail(s) > 0;
    if (!shimssl_start(s))
        return 0;
    return 1;
}

int shimssl_io_flush(SSL *s)
{
    return shimssl_flush(s);
}

int shimssl_io_fill(SSL *s)
{
    int io = shimssl_fill(s);

    if (io == IO_FAILED)
        (void)shimssl_input_failed(s);
    return io;
}

int shimssl_io_fail(SSL *s, int rc)
{
    return shimssl_fail(s, rc);
}

int shimssl_io_suspended(SSL *s)
{
    s->rwstate = s->api_suspend_want;
    return -1;
}
