/*
 * BIO_f_ssl: a filter BIO that turns BIO_read/BIO_write on a chain into
 * SSL_read/SSL_write on an SSL whose transport is the rest of the chain.
 *
 * The BIO's retry flags mirror SSL_get_error, so code written for
 * non-blocking BIO chains (BIO_should_retry, BIO_should_read) works
 * unchanged. Pushing the SSL BIO onto a transport BIO makes that transport
 * the SSL's rbio/wbio (BIO_CTRL_PUSH), popping it detaches it again.
 */
#include "compat/compat.h"

#include <limits.h>
#include <string.h>

#include <openssl/buffer.h>

static int shimssl_bio_new(BIO *b)
{
    BIO_set_data(b, NULL);
    BIO_set_init(b, 0);
    return 1;
}

static void shimssl_bio_release(BIO *b)
{
    SSL *s = BIO_get_data(b);

    if (s != NULL && BIO_get_shutdown(b))
        SSL_free(s);
    BIO_set_data(b, NULL);
    BIO_set_init(b, 0);
}

static int shimssl_bio_free(BIO *b)
{
    if (b == NULL)
        return 0;
    shimssl_bio_release(b);
    return 1;
}

/* Translate the SSL's last result into the BIO's retry flags. Returns 1 if
 * the operation should be reported as "try again". */
static int shimssl_bio_retry(BIO *b, SSL *s, int ret)
{
    switch (SSL_get_error(s, ret)) {
    case SSL_ERROR_WANT_READ:
        BIO_set_retry_read(b);
        return 1;
    case SSL_ERROR_WANT_WRITE:
        BIO_set_retry_write(b);
        return 1;
    case SSL_ERROR_WANT_X509_LOOKUP:
        BIO_set_retry_special(b);
        BIO_set_retry_reason(b, BIO_RR_SSL_X509_LOOKUP);
        return 1;
    case SSL_ERROR_WANT_CONNECT:
        BIO_set_retry_special(b);
        BIO_set_retry_reason(b, BIO_RR_CONNECT);
        return 1;
    case SSL_ERROR_WANT_ACCEPT:
        BIO_set_retry_special(b);
        BIO_set_retry_reason(b, BIO_RR_ACCEPT);
        return 1;
    default:
        return 0;
    }
}

static int shimssl_bio_read(BIO *b, char *buf, size_t len, size_t *readbytes)
{
    SSL *s = BIO_get_data(b);
    int ret;

    if (s == NULL || buf == NULL)
        return 0;
    BIO_clear_retry_flags(b);
    ret = SSL_read_ex(s, buf, len, readbytes);
    if (ret > 0)
        return ret;
    shimssl_bio_retry(b, s, ret);
    /* BIO_read reports a failure or a retry as -1 and only the peer's
     * close_notify as 0: a filter above (BIO_f_buffer under BIO_gets in
     * s_server -www) takes 0 for end of input and drops the error. */
    return SSL_get_error(s, ret) == SSL_ERROR_ZERO_RETURN ? 0 : -1;
}

static int shimssl_bio_write(BIO *b, const char *buf, size_t len, size_t *written)
{
    SSL *s = BIO_get_data(b);
    int ret;

    if (s == NULL || buf == NULL)
        return 0;
    BIO_clear_retry_flags(b);
    ret = SSL_write_ex(s, buf, len, written);
    if (ret > 0)
        return ret;
    shimssl_bio_retry(b, s, ret);
    return SSL_get_error(s, ret) == SSL_ERROR_ZERO_RETURN ? 0 : -1;
}

static int shimssl_bio_puts(BIO *b, const char *str)
{
    size_t written = 0;
    size_t len = strlen(str);

    if (len > INT_MAX)
        return -1;
    return shimssl_bio_write(b, str, len, &written) > 0 ? (int)written : -1;
}

static long shimssl_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    SSL *s = BIO_get_data(b);
    BIO *next = BIO_next(b);
    long ret = 1;

    if (s == NULL && cmd != BIO_C_SET_SSL)
        return 0;
    switch (cmd) {
    case BIO_C_SET_SSL:
        shimssl_bio_release(b);
        BIO_set_shutdown(b, (int)num);
        BIO_set_data(b, ptr);
        if (ptr != NULL) {
            /* An SSL arriving with its own transport keeps it; otherwise
             * whatever follows this BIO in the chain becomes it. */
            if (next != NULL && SSL_get_rbio(ptr) == NULL) {
                BIO_up_ref(next);
                SSL_set_bio(ptr, next, next);
            }
            BIO_set_init(b, 1);
        }
        return 1;
    case BIO_C_GET_SSL:
        if (ptr == NULL)
            return 0;
        *(SSL **)ptr = s;
        return 1;
    case BIO_C_SSL_MODE:
        if (num)
            SSL_set_connect_state(s);
        else
            SSL_set_accept_state(s);
        return 1;
    case BIO_C_SET_SSL_RENEGOTIATE_TIMEOUT:
    case BIO_C_SET_SSL_RENEGOTIATE_BYTES:
    case BIO_C_GET_SSL_NUM_RENEGOTIATES:
        return 0; /* renegotiation does not exist in TLS 1.3 */
    case BIO_CTRL_RESET:
        SSL_shutdown(s);
        SSL_clear(s);
        if (s->server)
            SSL_set_accept_state(s);
        else
            SSL_set_connect_state(s);
        return s->rbio != NULL ? BIO_ctrl(s->rbio, cmd, num, ptr) : 1;
    case BIO_CTRL_PENDING:
        ret = SSL_pending(s);
        if (ret == 0 && s->rbio != NULL)
            ret = BIO_pending(s->rbio);
        return ret;
    case BIO_CTRL_WPENDING:
        return s->wbio != NULL ? BIO_ctrl(s->wbio, cmd, num, ptr) : 0;
    case BIO_CTRL_FLUSH:
        BIO_clear_retry_flags(b);
        if (s->wbio == NULL)
            return 1;
        ret = BIO_ctrl(s->wbio, cmd, num, ptr);
        /* The transport is the SSL's wbio, which need not be this BIO's
         * next in a chain (s_server -www sets it with SSL_set_bio and has
         * no next): BIO_copy_next_retry would dereference NULL. */
        BIO_set_flags(b, BIO_get_retry_flags(s->wbio));
        BIO_set_retry_reason(b, BIO_get_retry_reason(s->wbio));
        return ret;
    case BIO_CTRL_PUSH:
        if (next != NULL && next != s->rbio) {
            BIO_up_ref(next);
            SSL_set_bio(s, next, next);
        }
        return 1;
    case BIO_CTRL_POP:
        /* Only when this BIO is being popped (ptr == b) does the SSL lose
         * its transport. */
        if (ptr == b && s->rbio != NULL && s->rbio == s->wbio)
            SSL_set_bio(s, NULL, NULL);
        return 1;
    case BIO_C_DO_STATE_MACHINE:
        BIO_clear_retry_flags(b);
        ret = SSL_do_handshake(s);
        if (ret <= 0)
            shimssl_bio_retry(b, s, (int)ret);
        return ret;
    case BIO_CTRL_GET_CLOSE:
        return BIO_get_shutdown(b);
    case BIO_CTRL_SET_CLOSE:
        BIO_set_shutdown(b, (int)num);
        return 1;
    case BIO_CTRL_EOF:
        return (SSL_get_shutdown(s) & SSL_RECEIVED_SHUTDOWN) != 0;
    case BIO_CTRL_DUP:
        return 0; /* duplicating a live TLS connection is not supported */
    default:
        return s->rbio != NULL ? BIO_ctrl(s->rbio, cmd, num, ptr) : 0;
    }
}

static long shimssl_bio_callback_ctrl(BIO *b, int cmd, BIO_info_cb *fp)
{
    SSL *s = BIO_get_data(b);

    if (s == NULL)
        return 0;
    if (cmd == BIO_CTRL_SET_CALLBACK) {
        SSL_set_info_callback(s, (void (*)(const SSL *, int, int))(void (*)(void))fp);
        return 1;
    }
    return s->rbio != NULL ? BIO_callback_ctrl(s->rbio, cmd, fp) : 0;
}

static BIO_METHOD *shimssl_bio_method;
static CRYPTO_ONCE shimssl_bio_once = CRYPTO_ONCE_STATIC_INIT;

static void shimssl_bio_method_init(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_TYPE_SSL, "ssl");

    if (m == NULL || !BIO_meth_set_write_ex(m, shimssl_bio_write) ||
        !BIO_meth_set_read_ex(m, shimssl_bio_read) || !BIO_meth_set_puts(m, shimssl_bio_puts) ||
        !BIO_meth_set_ctrl(m, shimssl_bio_ctrl) || !BIO_meth_set_create(m, shimssl_bio_new) ||
        !BIO_meth_set_destroy(m, shimssl_bio_free) ||
        !BIO_meth_set_callback_ctrl(m, shimssl_bio_callback_ctrl)) {
        BIO_meth_free(m);
        return;
    }
    shimssl_bio_method = m;
}

const BIO_METHOD *BIO_f_ssl(void)
{
    if (!CRYPTO_THREAD_run_once(&shimssl_bio_once, shimssl_bio_method_init))
        return NULL;
    return shimssl_bio_method;
}

BIO *BIO_new_ssl(SSL_CTX *ctx, int client)
{
    BIO *b = BIO_new(BIO_f_ssl());
    SSL *s;

    if (b == NULL)
        return NULL;
    if ((s = SSL_new(ctx)) == NULL) {
        BIO_free(b);
        return NULL;
    }
    if (client)
        SSL_set_connect_state(s);
    else
        SSL_set_accept_state(s);
    BIO_set_ssl(b, s, BIO_CLOSE);
    return b;
}

BIO *BIO_new_ssl_connect(SSL_CTX *ctx)
{
    BIO *con, *ssl;

    if ((con = BIO_new(BIO_s_connect())) == NULL)
        return NULL;
    if ((ssl = BIO_new_ssl(ctx, 1)) == NULL) {
        BIO_free(con);
        return NULL;
    }
    return BIO_push(ssl, con);
}

BIO *BIO_new_buffer_ssl_connect(SSL_CTX *ctx)
{
    BIO *buf, *ssl;

    if ((buf = BIO_new(BIO_f_buffer())) == NULL)
        return NULL;
    if ((ssl = BIO_new_ssl_connect(ctx)) == NULL) {
        BIO_free(buf);
        return NULL;
    }
    return BIO_push(buf, ssl);
}

int BIO_ssl_copy_session_id(BIO *t, BIO *f)
{
    SSL *to = NULL, *from = NULL;
    BIO *bt = BIO_find_type(t, BIO_TYPE_SSL), *bf = BIO_find_type(f, BIO_TYPE_SSL);

    if (bt == NULL || bf == NULL)
        return 0;
    BIO_get_ssl(bt, &to);
    BIO_get_ssl(bf, &from);
    if (to == NULL || from == NULL)
        return 0;
    return SSL_copy_session_id(to, from);
}

void BIO_ssl_shutdown(BIO *b)
{
    SSL *s = NULL;

    for (; b != NULL; b = BIO_next(b)) {
        if (BIO_method_type(b) != BIO_TYPE_SSL)
            continue;
        BIO_get_ssl(b, &s);
        if (s != NULL)
            SSL_shutdown(s);
        return;
    }
}
