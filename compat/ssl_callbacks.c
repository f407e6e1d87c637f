/*
 * Application callbacks that report on the connection (info callback,
 * message trace, key log) and the trampolines core calls through
 * tls_config. Core knows nothing of SSL *: cb_arg is the SSL, and these
 * functions translate core's events into OpenSSL's callback conventions.
 *
 * SSL_get_state is driven from the message trace: the handshake type of
 * every message sent or received moves the reported state, which is what
 * OpenSSL's state names describe (and what `openssl s_client -state`
 * prints through the info callback).
 */
#include "compat/compat.h"

#include <limits.h>

void SSL_CTX_set_info_callback(SSL_CTX *ctx, void (*cb)(const SSL *ssl, int type, int val))
{
    ctx->info_callback = cb;
}

void (*SSL_CTX_get_info_callback(SSL_CTX *ctx))(const SSL *ssl, int type, int val)
{
    return ctx->info_callback;
}

void SSL_set_info_callback(SSL *s, void (*cb)(const SSL *ssl, int type, int val))
{
    s->info_callback = cb;
}

void (*SSL_get_info_callback(const SSL *s))(const SSL *ssl, int type, int val)
{
    return s->info_callback;
}

void SSL_CTX_set_msg_callback(SSL_CTX *ctx,
                              void (*cb)(int write_p, int version, int content_type,
                                         const void *buf, size_t len, SSL *ssl, void *arg))
{
    ctx->msg_callback = cb;
}

void SSL_set_msg_callback(SSL *s, void (*cb)(int write_p, int version, int content_type,
                                             const void *buf, size_t len, SSL *ssl, void *arg))
{
    s->msg_callback = cb;
}

void shimssl_info(const SSL *s, int where, int ret)
{
    void (*cb)(const SSL *, int, int) =
        s->info_callback != NULL ? s->info_callback : s->ctx->info_callback;

    if (cb != NULL)
        cb(s, where, ret);
}

/* Handshake message types (RFC 8446 4, RFC 5246 7.4). */
enum {
    HS_CLIENT_HELLO = 1,
    HS_SERVER_HELLO = 2,
    HS_NEW_SESSION_TICKET = 4,
    HS_ENCRYPTED_EXTENSIONS = 8,
    HS_CERTIFICATE = 11,
    HS_SERVER_KEY_EXCHANGE = 12,
    HS_CERTIFICATE_REQUEST = 13,
    HS_SERVER_HELLO_DONE = 14,
    HS_CERTIFICATE_VERIFY = 15,
    HS_CLIENT_KEY_EXCHANGE = 16,
    HS_FINISHED = 20,
    HS_CERTIFICATE_STATUS = 22,
    HS_KEY_UPDATE = 24,
};

/* The OpenSSL state named after a handshake message, from the point of view
 * of the side (client/server) and direction; -1 if none. */
static int shimssl_state_for(int server, int sent, int type)
{
    static const struct {
        int type;
        int client_read, client_write, server_read, server_write;
    } map[] = {
        {HS_CLIENT_HELLO, -1, TLS_ST_CW_CLNT_HELLO, TLS_ST_SR_CLNT_HELLO, -1},
        {HS_SERVER_HELLO, TLS_ST_CR_SRVR_HELLO, -1, -1, TLS_ST_SW_SRVR_HELLO},
        {HS_NEW_SESSION_TICKET, TLS_ST_CR_SESSION_TICKET, -1, -1, TLS_ST_SW_SESSION_TICKET},
        {HS_ENCRYPTED_EXTENSIONS, TLS_ST_CR_ENCRYPTED_EXTENSIONS, -1, -1,
         TLS_ST_SW_ENCRYPTED_EXTENSIONS},
        {HS_CERTIFICATE, TLS_ST_CR_CERT, TLS_ST_CW_CERT, TLS_ST_SR_CERT, TLS_ST_SW_CERT},
        {HS_SERVER_KEY_EXCHANGE, TLS_ST_CR_KEY_EXCH, -1, -1, TLS_ST_SW_KEY_EXCH},
        {HS_CERTIFICATE_REQUEST, TLS_ST_CR_CERT_REQ, -1, -1, TLS_ST_SW_CERT_REQ},
        {HS_CERTIFICATE_STATUS, TLS_ST_CR_CERT_STATUS, -1, -1, TLS_ST_SW_CERT_STATUS},
        {HS_SERVER_HELLO_DONE, TLS_ST_CR_SRVR_DONE, -1, -1, TLS_ST_SW_SRVR_DONE},
        {HS_CERTIFICATE_VERIFY, TLS_ST_CR_CERT_VRFY, TLS_ST_CW_CERT_VRFY, TLS_ST_SR_CERT_VRFY,
         TLS_ST_SW_CERT_VRFY},
        {HS_CLIENT_KEY_EXCHANGE, -1, TLS_ST_CW_KEY_EXCH, TLS_ST_SR_KEY_EXCH, -1},
        {HS_FINISHED, TLS_ST_CR_FINISHED, TLS_ST_CW_FINISHED, TLS_ST_SR_FINISHED,
         TLS_ST_SW_FINISHED},
        {HS_KEY_UPDATE, TLS_ST_CR_KEY_UPDATE, TLS_ST_CW_KEY_UPDATE, TLS_ST_SR_KEY_UPDATE,
         TLS_ST_SW_KEY_UPDATE},
    };

    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (map[i].type != type)
            continue;
        if (server)
            return sent ? map[i].server_write : map[i].server_read;
        return sent ? map[i].client_write : map[i].client_read;
    }
    return -1;
}

static void shimssl_loop(SSL *s)
{
    shimssl_info(s, s->server ? SSL_CB_ACCEPT_LOOP : SSL_CB_CONNECT_LOOP, 1);
}

enum { INFO_DIR_NONE = 0, INFO_DIR_SENT = 1, INFO_DIR_RECEIVED = 2 };

/*
 * One LOOP info callback per state entered, in the rhythm OpenSSL's state
 * machine has (programs print these lines, s_client -state for one): a
 * switch from writing to reading reports the current state once more, and
 * a post-handshake message (ticket, key update) passes through its own
 * state, reporting the return to "finished" when the next one arrives.
 */
static void shimssl_enter_state(SSL *s, int state, int sent)
{
    int done = s->hs_phase == SHIMSSL_HS_DONE;

    if (state < 0)
        return;
    if (done && s->info_back_ok) {
        s->info_back_ok = 0;
        shimssl_loop(s);
    }
    if (!sent && s->info_dir != INFO_DIR_RECEIVED)
        shimssl_loop(s);
    s->info_dir = sent ? INFO_DIR_SENT : INFO_DIR_RECEIVED;
    s->hs_state = state;
    shimssl_loop(s);
    if (done) {
        /* SSL_get_state reports "finished" again right away. */
        s->hs_state = TLS_ST_OK;
        s->info_back_ok = 1;
        s->info_dir = INFO_DIR_NONE;
    }
}

void shimssl_cb_msg(void *arg, int write, int version, int content_type, const uint8_t *buf,
                    size_t len)
{
    SSL *s = arg;

    /* SSL_read without SSL_MODE_AUTO_RETRY returns after such a record. */
    if (!write && content_type != SSL3_RT_APPLICATION_DATA && content_type != SSL3_RT_HEADER &&
        content_type != SSL3_RT_INNER_CONTENT_TYPE)
        s->rx_records++;
    /* Only the type byte is looked at: the message itself is core's. */
    if (content_type == SSL3_RT_HANDSHAKE && len >= 1) {
        shimssl_enter_state(s, shimssl_state_for(s->server, write, buf[0]), write);
        /* OpenSSL also runs the servername callback on a client once the
         * server's extensions are in; programs use it to report whether the
         * name was acknowledged. A client cannot refuse at that point in
         * this design, so its answer is not acted on. */
        if (!s->server && !write && buf[0] == HS_ENCRYPTED_EXTENSIONS &&
            s->ctx->servername_cb != NULL) {
            int al = SSL_AD_UNRECOGNIZED_NAME;

            (void)s->ctx->servername_cb(s, &al, s->ctx->servername_arg);
        }
    } else if (content_type == SSL3_RT_CHANGE_CIPHER_SPEC && write)
        shimssl_enter_state(s, s->server ? TLS_ST_SW_CHANGE : TLS_ST_CW_CHANGE, 1);
    if (s->msg_callback != NULL)
        s->msg_callback(write, version, content_type, buf, len, s, s->msg_callback_arg);
}

void shimssl_cb_event(void *arg, int where, int value)
{
    SSL *s = arg;

    switch (where) {
    case TLS_EV_HANDSHAKE_START:
        if (s->hs_phase == SHIMSSL_HS_BEFORE)
            s->hs_phase = SHIMSSL_HS_RUNNING;
        shimssl_info(s, SSL_CB_HANDSHAKE_START, 1);
        break;
    case TLS_EV_HANDSHAKE_DONE:
        /* OpenSSL 3.0 reports a state when it leaves it: "finished" shows
         * when the next message (a ticket, a key update) arrives or goes
         * out, not at the end of SSL_connect / SSL_accept. */
        s->hs_phase = SHIMSSL_HS_DONE;
        s->hs_state = TLS_ST_OK;
        s->info_dir = INFO_DIR_NONE;
        s->info_back_ok = 1;
        shimssl_info(s, SSL_CB_HANDSHAKE_DONE, 1);
        break;
    case TLS_EV_ALERT_SENT:
        shimssl_info(s, SSL_CB_WRITE_ALERT, value);
        break;
    case TLS_EV_ALERT_RECEIVED:
        shimssl_info(s, SSL_CB_READ_ALERT, value);
        break;
    default:
        break;
    }
    if (shimssl_api_ssl_event != NULL)
        shimssl_api_ssl_event(s, where, value);
}

void shimssl_cb_keylog(void *arg, const char *line)
{
    SSL *s = arg;

    if (s->ctx->keylog_cb != NULL)
        s->ctx->keylog_cb(s, line);
}

/*
 * Server: the first ClientHello is parsed and nothing is chosen yet. Runs
 * the application's servername callback (which may switch the SSL_CTX and
 * with it the certificate) and then its ALPN select callback, with
 * OpenSSL's outcomes: a fatal answer refuses the handshake with the alert
 * the callback chose (servername) or no_application_protocol (ALPN).
 */
int shimssl_cb_client_hello(void *arg, tls_conn *c)
{
    SSL *s = arg;
    const char *name = tls_conn_server_name(c);
    const uint8_t *offered;
    size_t offered_len;

    /* Kept for SSL_get0_raw_cipherlist, which servers call at any time. */
    tls_conn_offered_suites(c, &offered, &offered_len);
    OPENSSL_free(s->peer_ciphers);
    s->peer_ciphers = NULL;
    s->peer_ciphers_len = 0;
    if (offered_len > 0) {
        if ((s->peer_ciphers = OPENSSL_memdup(offered, offered_len)) == NULL)
            return TLS_ERR_INTERNAL;
        s->peer_ciphers_len = offered_len;
    }
    /* SSL_get_servername on a server returns what the client sent. */
    OPENSSL_free(s->hostname);
    s->hostname = NULL;
    if (name != NULL && (s->hostname = OPENSSL_strdup(name)) == NULL)
        return TLS_ERR_INTERNAL;
    if (s->ctx->servername_cb != NULL) {
        int al = SSL_AD_UNRECOGNIZED_NAME;

        switch (s->ctx->servername_cb(s, &al, s->ctx->servername_arg)) {
        case SSL_TLSEXT_ERR_ALERT_FATAL:
            return TLS_ERR(al, SSL_R_CALLBACK_FAILED);
        default:
            break; /* OK, NOACK, and warnings (which TLS 1.3 does not have) */
        }
        /* SSL_set_SSL_CTX may have switched the certificate: the engine
         * reads it only after this returns. */
        s->cfg.cert = s->cert;
        s->cfg.key = s->key;
        s->cfg.chain = s->chain != NULL                       ? s->chain
                       : sk_X509_num(s->ctx->extra_certs) > 0 ? s->ctx->extra_certs
                                                              : NULL;
        s->cfg.n_ids = shimssl_cert_fill_ids(s->cfg.ids, s->other_ids);
    }
    tls_conn_offered_alpn(c, &offered, &offered_len);
    if (s->ctx->alpn_select_cb != NULL && offered_len > 0 && offered_len <= UINT_MAX) {
        const unsigned char *sel = NULL;
        unsigned char sel_len = 0;

        switch (s->ctx->alpn_select_cb(s, &sel, &sel_len, offered, (unsigned int)offered_len,
                                       s->ctx->alpn_select_cb_arg)) {
        case SSL_TLSEXT_ERR_OK:
            if (sel == NULL || sel_len == 0)
                return TLS_ERR(TLS_AD_NO_APPLICATION_PROTOCOL, SSL_R_NO_APPLICATION_PROTOCOL);
            return tls_conn_set_alpn(c, sel, sel_len);
        case SSL_TLSEXT_ERR_ALERT_FATAL:
            return TLS_ERR(TLS_AD_NO_APPLICATION_PROTOCOL, SSL_R_NO_APPLICATION_PROTOCOL);
        default:
            return tls_conn_set_alpn(c, NULL, 0); /* NOACK: no ALPN at all */
        }
    }
    return 0;
}
