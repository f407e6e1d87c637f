/*
 * Application callbacks that report on the connection (info callback,
 * message trace, key log) and the trampolines core calls through
 * tls_config. Core knows nothing of SSL *: cb_arg is the SSL, and these
 * functions translate core's events into OpenSSL's callback conventions.
 *
 * SSL_get_state follows the states core reports (TLS_EV_STATE), named as
 * OpenSSL names them, with the info callbacks in OpenSSL's rhythm (what
 * `openssl s_client -state` and dovecot's verbose_ssl print).
 */
#include "compat/compat.h"
#include "core/handshake.h"

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

/*
 * Core reports every state it enters (TLS_EV_STATE with a TLS_STATE_* of
 * core/handshake.h: the message it writes or reads, or a point between
 * messages); this table names each as OpenSSL's OSSL_HANDSHAKE_STATE, for
 * the client and the server. -1: not a state of that side.
 */
static const struct {
    int core; /* TLS_HS_* message type, TLS_STATE_CCS or TLS_STATE_EARLY_DATA */
    int client_read, client_write, server_read, server_write;
} shimssl_state_map[] = {
    {TLS_HS_HELLO_REQUEST, TLS_ST_CR_HELLO_REQ, -1, -1, TLS_ST_SW_HELLO_REQ},
    {TLS_HS_CLIENT_HELLO, -1, TLS_ST_CW_CLNT_HELLO, TLS_ST_SR_CLNT_HELLO, -1},
    {TLS_HS_SERVER_HELLO, TLS_ST_CR_SRVR_HELLO, -1, -1, TLS_ST_SW_SRVR_HELLO},
    {TLS_HS_NEW_SESSION_TICKET, TLS_ST_CR_SESSION_TICKET, -1, -1, TLS_ST_SW_SESSION_TICKET},
    {TLS_HS_END_OF_EARLY_DATA, -1, TLS_ST_CW_END_OF_EARLY_DATA, TLS_ST_SR_END_OF_EARLY_DATA, -1},
    {TLS_HS_ENCRYPTED_EXTENSIONS, TLS_ST_CR_ENCRYPTED_EXTENSIONS, -1, -1,
     TLS_ST_SW_ENCRYPTED_EXTENSIONS},
    {TLS_HS_CERTIFICATE, TLS_ST_CR_CERT, TLS_ST_CW_CERT, TLS_ST_SR_CERT, TLS_ST_SW_CERT},
    {TLS_HS_SERVER_KEY_EXCHANGE, TLS_ST_CR_KEY_EXCH, -1, -1, TLS_ST_SW_KEY_EXCH},
    {TLS_HS_CERTIFICATE_REQUEST, TLS_ST_CR_CERT_REQ, -1, -1, TLS_ST_SW_CERT_REQ},
    {TLS_HS_SERVER_HELLO_DONE, TLS_ST_CR_SRVR_DONE, -1, -1, TLS_ST_SW_SRVR_DONE},
    {TLS_HS_CERTIFICATE_VERIFY, TLS_ST_CR_CERT_VRFY, TLS_ST_CW_CERT_VRFY, TLS_ST_SR_CERT_VRFY,
     TLS_ST_SW_CERT_VRFY},
    {TLS_HS_CLIENT_KEY_EXCHANGE, -1, TLS_ST_CW_KEY_EXCH, TLS_ST_SR_KEY_EXCH, -1},
    {TLS_HS_FINISHED, TLS_ST_CR_FINISHED, TLS_ST_CW_FINISHED, TLS_ST_SR_FINISHED,
     TLS_ST_SW_FINISHED},
    {TLS_HS_CERTIFICATE_STATUS, TLS_ST_CR_CERT_STATUS, -1, -1, TLS_ST_SW_CERT_STATUS},
    {TLS_HS_KEY_UPDATE, TLS_ST_CR_KEY_UPDATE, TLS_ST_CW_KEY_UPDATE, TLS_ST_SR_KEY_UPDATE,
     TLS_ST_SW_KEY_UPDATE},
    {TLS_STATE_CCS, TLS_ST_CR_CHANGE, TLS_ST_CW_CHANGE, TLS_ST_SR_CHANGE, TLS_ST_SW_CHANGE},
    {TLS_STATE_EARLY_DATA, -1, TLS_ST_EARLY_DATA, -1, TLS_ST_EARLY_DATA},
};

static int shimssl_state_for(int server, int state)
{
    int write = (state & TLS_STATE_WRITE) != 0, core = state & ~TLS_STATE_WRITE;

    for (size_t i = 0; i < sizeof(shimssl_state_map) / sizeof(shimssl_state_map[0]); i++) {
        if (shimssl_state_map[i].core != core)
            continue;
        if (server)
            return write ? shimssl_state_map[i].server_write : shimssl_state_map[i].server_read;
        return write ? shimssl_state_map[i].client_write : shimssl_state_map[i].client_read;
    }
    return -1;
}

enum { SHIMSSL_FLOW_NONE = 0, SHIMSSL_FLOW_WRITE, SHIMSSL_FLOW_READ };

static void shimssl_loop(SSL *s)
{
    s->info_in_cb = 1;
    shimssl_info(s, s->server ? SSL_CB_ACCEPT_LOOP : SSL_CB_CONNECT_LOOP, 1);
    s->info_in_cb = 0;
}

static void shimssl_exit(SSL *s, int ret)
{
    s->info_in_cb = 1;
    shimssl_info(s, s->server ? SSL_CB_ACCEPT_EXIT : SSL_CB_CONNECT_EXIT, ret);
    s->info_in_cb = 0;
}

/* The handshake-done callback, made once the state after the last message
 * is entered (OK, or a TLS 1.3 server's first ticket), outside "init". */
static void shimssl_done_now(SSL *s)
{
    if (!s->info_done_pending)
        return;
    s->info_done_pending = 0;
    s->info_done_cb = 1;
    shimssl_info(s, SSL_CB_HANDSHAKE_DONE, 1);
    s->info_done_cb = 0;
}

/*
 * The rhythm of OpenSSL's state machine, which programs print (dovecot's
 * verbose_ssl, s_client -state): it moves between writing and reading
 * messages, and reports a LOOP callback, still in the old state, before
 * each move. Writing: before each message, and once more when nothing is
 * left to write. Reading: when a message arrives. Back in OK after a
 * post-handshake exchange, its call ends (an EXIT with 1).
 */
static void shimssl_enter(SSL *s, int state)
{
    int st;

    if (state == TLS_STATE_OK) {
        shimssl_loop(s);
        s->hs_state = TLS_ST_OK;
        s->info_flow = SHIMSSL_FLOW_NONE;
        shimssl_done_now(s);
        if (s->info_post) {
            s->info_post = 0;
            shimssl_exit(s, 1);
        }
        return;
    }
    if ((st = shimssl_state_for(s->server, state)) < 0)
        return;
    /* After the handshake, each exchange starts from OK, writing. */
    if (s->hs_state == TLS_ST_OK && s->info_flow == SHIMSSL_FLOW_NONE) {
        s->info_post = 1;
        s->info_flow = SHIMSSL_FLOW_WRITE;
    }
    if (state & TLS_STATE_WRITE) {
        s->info_flow = SHIMSSL_FLOW_WRITE;
    } else {
        if (s->info_flow == SHIMSSL_FLOW_WRITE)
            shimssl_loop(s);
        s->info_flow = SHIMSSL_FLOW_READ;
    }
    shimssl_loop(s);
    s->hs_state = st;
    if (st == TLS_ST_SW_SESSION_TICKET)
        shimssl_done_now(s);
    /* OpenSSL also runs the servername callback on a client once the
     * server's extensions are in; programs use it to report whether the
     * name was acknowledged. A client cannot refuse at that point in this
     * design, so its answer is not acted on. */
    if (st == TLS_ST_CR_ENCRYPTED_EXTENSIONS && s->ctx->servername_cb != NULL) {
        int al = SSL_AD_UNRECOGNIZED_NAME;

        (void)s->ctx->servername_cb(s, &al, s->ctx->servername_arg);
    }
}

void shimssl_info_exit(SSL *s, int ret)
{
    /* Stopped for input after writing: the move to reading was made. */
    if (ret < 0 && s->fatal_rc == 0 && s->rwstate == SSL_READING &&
        s->info_flow == SHIMSSL_FLOW_WRITE) {
        shimssl_loop(s);
        s->info_flow = SHIMSSL_FLOW_READ;
    }
    shimssl_exit(s, ret);
}

int shimssl_in_init(const SSL *s)
{
    if (s->fatal_rc != 0 || s->hs_phase == SHIMSSL_HS_FAILED || s->info_error)
        return 1;
    if (s->info_done_cb)
        return 0;
    /* A post-handshake exchange is "in init" for its own callbacks only:
     * between calls the application (s_server) must go on reading, which
     * is what finishes it here, not SSL_do_handshake. */
    if (s->info_post || s->hs_state != TLS_ST_OK)
        return s->hs_phase != SHIMSSL_HS_DONE || s->info_in_cb;
    return s->hs_phase != SHIMSSL_HS_DONE;
}

int shimssl_in_error(const SSL *s)
{
    return s->hs_phase == SHIMSSL_HS_FAILED || s->info_error ||
           (s->fatal_rc != 0 && s->hs_phase != SHIMSSL_HS_DONE);
}

void shimssl_cb_msg(void *arg, int write, int version, int content_type, const uint8_t *buf,
                    size_t len)
{
    SSL *s = arg;

    /* SSL_read without SSL_MODE_AUTO_RETRY returns after such a record. */
    if (!write && content_type != SSL3_RT_APPLICATION_DATA && content_type != SSL3_RT_HEADER &&
        content_type != SSL3_RT_INNER_CONTENT_TYPE)
        s->rx_records++;
    if (s->msg_callback != NULL)
        s->msg_callback(write, version, content_type, buf, len, s, s->msg_callback_arg);
}

void shimssl_cb_event(void *arg, int where, int value)
{
    SSL *s = arg;

    switch (where) {
    case TLS_EV_HANDSHAKE_START:
        shimssl_info(s, SSL_CB_HANDSHAKE_START, 1);
        if (s->hs_phase == SHIMSSL_HS_BEFORE)
            s->hs_phase = SHIMSSL_HS_RUNNING;
        s->info_flow = SHIMSSL_FLOW_WRITE;
        break;
    case TLS_EV_HANDSHAKE_DONE:
        s->hs_phase = SHIMSSL_HS_DONE;
        s->info_done_pending = 1;
        break;
    case TLS_EV_STATE:
        /* OpenSSL 3.0 gives its TLS 1.2 session its cipher when a
         * ChangeCipherSpec is written or read (SSL_get_current_cipher). */
        if ((value & ~TLS_STATE_WRITE) == TLS_STATE_CCS)
            s->ccs_seen = 1;
        shimssl_enter(s, value);
        break;
    case TLS_EV_ALERT_SENT:
        /* A fatal alert is sent from OpenSSL's error state. */
        if ((value >> 8) == SSL3_AL_FATAL)
            s->info_error = 1;
        shimssl_info(s, SSL_CB_WRITE_ALERT, value);
        break;
    case TLS_EV_ALERT_RECEIVED:
        shimssl_info(s, SSL_CB_READ_ALERT, value);
        break;
    default:
        break;
    }
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
        shimssl_config_identity(s);
        /* As OpenSSL: tickets turned off by the callback (the new
         * context's options) mean none is taken or issued. */
        if (s->options & SSL_OP_NO_TICKET)
            s->cfg.flags |= TLS_CFG_NO_TICKET;
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
