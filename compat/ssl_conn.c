/*
 * The SSL object: lifecycle, role, transport BIOs, and the state queries
 * that do not drive I/O (those are in ssl_io.c).
 *
 * Settings are copied from the SSL_CTX at SSL_new, as OpenSSL does, so a
 * later change to the SSL_CTX does not affect existing connections; list
 * settings (groups, sigalgs, ALPN) left empty fall back to the SSL_CTX's
 * when the handshake starts, which only differs if the SSL_CTX changes
 * between SSL_new and the handshake.
 */
#include "compat/compat.h"

#include <string.h>

SSL *SSL_new(SSL_CTX *ctx)
{
    SSL *s;

    if (ctx == NULL) {
        SHIMSSL_ERR(SSL_R_NULL_SSL_CTX);
        return NULL;
    }
    s = OPENSSL_zalloc(sizeof(*s));
    if (s == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
        return NULL;
    }
    s->references = 1;
    SSL_CTX_up_ref(ctx);
    s->ctx = ctx;
    SSL_CTX_up_ref(ctx);
    s->session_ctx = ctx;
    s->method = ctx->method;
    /* OpenSSL considers an SSL whose method can accept to be a server until
     * SSL_set_connect_state says otherwise; SSL_is_server shows it. */
    s->server = ctx->method->side != SHIMSSL_SIDE_CLIENT;
    s->options = ctx->options;
    s->mode = ctx->mode;
    s->min_proto_version = ctx->min_proto_version;
    s->max_proto_version = ctx->max_proto_version;
    /* As OpenSSL's SSL_new: a context with several pipelines gives its
     * connections read_ahead. */
    s->read_ahead = ctx->read_ahead || ctx->several_pipelines;
    s->quiet_shutdown = ctx->quiet_shutdown;
    s->max_send_fragment = ctx->max_send_fragment;
    s->security_level = ctx->security_level;
    s->security_ex_data = ctx->security_ex_data;
    s->security_cb = ctx->security_cb;
    s->num_tickets = ctx->num_tickets;
    s->status_type = ctx->status_type;
    s->msg_callback = ctx->msg_callback;
    s->msg_callback_arg = ctx->msg_callback_arg;
    s->default_passwd_cb = ctx->default_passwd_cb;
    s->default_passwd_cb_userdata = ctx->default_passwd_cb_userdata;
    s->verify_mode = ctx->verify_mode;
    s->verify_callback = ctx->verify_callback;
    s->verify_result = X509_V_OK;
    s->rwstate = SSL_NOTHING;
    s->max_cert_list = ctx->max_cert_list;
    s->cert_flags = ctx->cert_flags;
    if (ctx->verify_store != NULL && X509_STORE_up_ref(ctx->verify_store))
        s->verify_store = ctx->verify_store;
    if (ctx->chain_store != NULL && X509_STORE_up_ref(ctx->chain_store))
        s->chain_store = ctx->chain_store;
    s->key_update = SSL_KEY_UPDATE_NONE;
    s->hs_state = TLS_ST_BEFORE;
    s->client_version = ctx->method->version ? (uint16_t)ctx->method->version : 0;
    if ((s->param = X509_VERIFY_PARAM_new()) == NULL ||
        !X509_VERIFY_PARAM_inherit(s->param, ctx->param))
        goto fail;
    if (ctx->cert != NULL && X509_up_ref(ctx->cert))
        s->cert = ctx->cert;
    if (ctx->key != NULL && EVP_PKEY_up_ref(ctx->key))
        s->key = ctx->key;
    if (ctx->chain != NULL && (s->chain = X509_chain_up_ref(ctx->chain)) == NULL)
        goto fail;
    if (!shimssl_cert_copy_ids(s->other_ids, ctx->other_ids))
        goto fail;
    if (!CRYPTO_new_ex_data(CRYPTO_EX_INDEX_SSL, s, &s->ex_data))
        goto fail;
    if (!shimssl_api_ssl_init(s)) {
        SSL_free(s);
        return NULL;
    }
    return s;

fail:
    ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
    SSL_free(s);
    return NULL;
}

/* Forget the engine connection and everything learnt during it. */
static void shimssl_reset_conn(SSL *s)
{
    tls_conn_free(s->conn);
    s->conn = NULL;
    OPENSSL_free(s->cfg_storage);
    s->cfg_storage = NULL;
    memset(&s->cfg, 0, sizeof(s->cfg));
    s->hs_phase = SHIMSSL_HS_BEFORE;
    s->hs_state = TLS_ST_BEFORE;
    s->rwstate = SSL_NOTHING;
    s->api_hello_stage = 0;
    s->api_verify_retry = 0;
    s->shutdown = 0;
    s->eof_seen = 0;
    s->fatal_rc = 0;
    s->info_flow = 0;
    s->info_post = 0;
    s->info_in_cb = 0;
    s->info_done_pending = 0;
    s->info_done_cb = 0;
    s->info_error = 0;
    s->ccs_seen = 0;
    s->peer_rejected = 0;
    s->key_update = SSL_KEY_UPDATE_NONE;
    s->wpend_done = 0;
    s->wpend_len = 0;
    s->wpend_buf = NULL;
    OPENSSL_free(s->peer_ciphers);
    s->peer_ciphers = NULL;
    s->peer_ciphers_len = 0;
    sk_SSL_CIPHER_free(s->client_ciphers);
    s->client_ciphers = NULL;
    s->client_ciphers_src = NULL;
}

int SSL_up_ref(SSL *s)
{
    shimssl_ref_inc(&s->references);
    return 1;
}

void SSL_free(SSL *s)
{
    if (s == NULL || shimssl_ref_dec(&s->references) > 0)
        return;
    /* Applications' ex_data free callbacks still see a complete SSL. */
    CRYPTO_free_ex_data(CRYPTO_EX_INDEX_SSL, s, &s->ex_data);
    if (s->ctx != NULL)
        shimssl_clear_bad_session(s);
    /* The engine goes first: its configuration points into fields that
     * compat-api's hook releases. */
    shimssl_reset_conn(s);
    if (s->ctx != NULL)
        shimssl_api_ssl_free(s);
    /* Each of the two slots holds its own reference, even to one BIO. */
    BIO_free_all(s->wbio);
    BIO_free_all(s->rbio);
    X509_VERIFY_PARAM_free(s->param);
    X509_STORE_free(s->verify_store);
    X509_STORE_free(s->chain_store);
    X509_free(s->cert);
    EVP_PKEY_free(s->key);
    sk_X509_pop_free(s->chain, X509_free);
    shimssl_u16_list_free(&s->groups);
    shimssl_u16_list_free(&s->sigalgs);
    shimssl_u16_list_free(&s->client_sigalgs);
    OPENSSL_free(s->tls13_suites);
    OPENSSL_free(s->alpn);
    OPENSSL_free(s->hostname);
    tls_crypto_free(s->crypto);
    SSL_CTX_free(s->ctx);
    SSL_CTX_free(s->session_ctx);
    OPENSSL_free(s);
}

int SSL_clear(SSL *s)
{
    if (s->ctx != NULL)
        shimssl_clear_bad_session(s);
    shimssl_reset_conn(s);
    s->verify_result = X509_V_OK;
    s->client_version = s->method->version ? (uint16_t)s->method->version : 0;
    shimssl_api_ssl_clear(s);
    return 1;
}

SSL_CTX *SSL_get_SSL_CTX(const SSL *s)
{
    return s->ctx;
}

SSL_CTX *SSL_set_SSL_CTX(SSL *s, SSL_CTX *ctx)
{
    if (ctx == NULL || ctx == s->ctx)
        return s->ctx;
    SSL_CTX_up_ref(ctx);
    /* The certificate follows the context (SNI-based server selection),
     * and so does its chain: the old context's would not match it. */
    if (ctx->cert != NULL && ctx->key != NULL) {
        STACK_OF(X509) *chain = NULL;

        if (ctx->chain != NULL && (chain = X509_chain_up_ref(ctx->chain)) == NULL)
            return NULL;
        sk_X509_pop_free(s->chain, X509_free);
        s->chain = chain;
        X509_up_ref(ctx->cert);
        EVP_PKEY_up_ref(ctx->key);
        X509_free(s->cert);
        EVP_PKEY_free(s->key);
        s->cert = ctx->cert;
        s->key = ctx->key;
        if (!shimssl_cert_copy_ids(s->other_ids, ctx->other_ids))
            return NULL;
    }
    if (s->server)
        shimssl_sess_ctx_switched(s, s->ctx, ctx);
    SSL_CTX_free(s->ctx);
    s->ctx = ctx;
    return ctx;
}

/* --- role ------------------------------------------------------------------ */

void SSL_set_connect_state(SSL *s)
{
    shimssl_reset_conn(s);
    s->server = 0;
    s->role_set = 1;
}

void SSL_set_accept_state(SSL *s)
{
    shimssl_reset_conn(s);
    s->server = 1;
    s->role_set = 1;
}

int SSL_is_server(const SSL *s)
{
    return s->server;
}

/* --- transport ------------------------------------------------------------- */

void SSL_set0_rbio(SSL *s, BIO *rbio)
{
    BIO_free_all(s->rbio);
    s->rbio = rbio;
}

void SSL_set0_wbio(SSL *s, BIO *wbio)
{
    BIO_free_all(s->wbio);
    s->wbio = wbio;
}

/*
 * Ownership as documented in SSL_set_bio(3): the SSL keeps one reference per
 * slot; which of the caller's references are consumed depends on what was
 * set before.
 */
void SSL_set_bio(SSL *s, BIO *rbio, BIO *wbio)
{
    BIO *old_r = s->rbio, *old_w = s->wbio;

    if (rbio == old_r && wbio == old_w)
        return;
    if (rbio != NULL && rbio == wbio) {
        /* One caller reference for two slots: the second slot needs its own. */
        BIO_up_ref(rbio);
        if (rbio != old_r)
            SSL_set0_rbio(s, rbio);
        SSL_set0_wbio(s, wbio);
        return;
    }
    if (rbio == old_r) {
        SSL_set0_wbio(s, wbio);
        return;
    }
    if (wbio == old_w && old_r == old_w) {
        SSL_set0_rbio(s, rbio);
        return;
    }
    SSL_set0_rbio(s, rbio);
    SSL_set0_wbio(s, wbio);
}

BIO *SSL_get_rbio(const SSL *s)
{
    return s->rbio;
}
BIO *SSL_get_wbio(const SSL *s)
{
    return s->wbio;
}

static int shimssl_bio_fd(BIO *b)
{
    int fd = -1;

    if (b == NULL || (b = BIO_find_type(b, BIO_TYPE_DESCRIPTOR)) == NULL)
        return -1;
    if (BIO_get_fd(b, &fd) <= 0)
        return -1;
    return fd;
}

int SSL_get_rfd(const SSL *s)
{
    return shimssl_bio_fd(s->rbio);
}
int SSL_get_wfd(const SSL *s)
{
    return shimssl_bio_fd(s->wbio);
}
int SSL_get_fd(const SSL *s)
{
    return SSL_get_rfd(s);
}

static BIO *shimssl_socket_bio(int fd)
{
    BIO *b = BIO_new(BIO_s_socket());

    if (b == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_BUF_LIB);
        return NULL;
    }
    BIO_set_fd(b, fd, BIO_NOCLOSE);
    return b;
}

int SSL_set_fd(SSL *s, int fd)
{
    BIO *b = shimssl_socket_bio(fd);

    if (b == NULL)
        return 0;
    SSL_set_bio(s, b, b);
    return 1;
}

/* A plain socket BIO already on the other side with the same fd is shared,
 * so SSL_set_rfd + SSL_set_wfd on one fd ends with one BIO. */
static BIO *shimssl_fd_bio_for(BIO *other, int fd)
{
    if (other != NULL && BIO_method_type(other) == BIO_TYPE_SOCKET && shimssl_bio_fd(other) == fd) {
        BIO_up_ref(other);
        return other;
    }
    return shimssl_socket_bio(fd);
}

int SSL_set_rfd(SSL *s, int fd)
{
    BIO *b = shimssl_fd_bio_for(s->wbio, fd);

    if (b == NULL)
        return 0;
    SSL_set0_rbio(s, b);
    return 1;
}

int SSL_set_wfd(SSL *s, int fd)
{
    BIO *b = shimssl_fd_bio_for(s->rbio, fd);

    if (b == NULL)
        return 0;
    SSL_set0_wbio(s, b);
    return 1;
}

void SSL_set_read_ahead(SSL *s, int yes)
{
    s->read_ahead = yes;
}
int SSL_get_read_ahead(const SSL *s)
{
    return s->read_ahead;
}

/* --- state ------------------------------------------------------------------ */

int SSL_get_shutdown(const SSL *s)
{
    return s->shutdown;
}
void SSL_set_shutdown(SSL *s, int mode)
{
    s->shutdown = mode;
}
int SSL_want(const SSL *s)
{
    return s->rwstate;
}

OSSL_HANDSHAKE_STATE SSL_get_state(const SSL *s)
{
    return (OSSL_HANDSHAKE_STATE)s->hs_state;
}
/*
 * A fatal error puts OpenSSL's state machine back "in init" (its error
 * state), even after the handshake: SSL_in_init is 1, SSL_is_init_finished
 * 0 and SSL_shutdown refuses. Servers rely on it to skip the close_notify
 * of a connection that failed (nginx tests SSL_in_init, lighttpd
 * SSL_is_init_finished).
 */
int SSL_in_init(const SSL *s)
{
    return shimssl_in_init(s);
}
int SSL_in_before(const SSL *s)
{
    return s->hs_phase == SHIMSSL_HS_BEFORE;
}
int SSL_is_init_finished(const SSL *s)
{
    /* In the middle of a post-handshake exchange, only its callbacks see
     * the state it is in (see shimssl_in_init). */
    return !shimssl_in_init(s) &&
           (s->hs_state == TLS_ST_OK ||
            (s->hs_phase == SHIMSSL_HS_DONE && !s->info_in_cb && !s->info_done_cb));
}

int SSL_version(const SSL *s)
{
    uint16_t v = s->conn != NULL ? tls_conn_version(s->conn) : 0;

    if (v != 0)
        return v;
    /* Before negotiation OpenSSL reports the method's (highest) version. */
    return s->method->version ? s->method->version : TLS1_3_VERSION;
}

int SSL_client_version(const SSL *s)
{
    /* TLS_ANY_VERSION until a ClientHello went out, as in OpenSSL. */
    return s->client_version ? s->client_version : TLS_ANY_VERSION;
}

static const char *shimssl_version_name(int v)
{
    switch (v) {
    case TLS1_3_VERSION:
        return "TLSv1.3";
    case TLS1_2_VERSION:
        return "TLSv1.2";
    case TLS1_1_VERSION:
        return "TLSv1.1";
    case TLS1_VERSION:
        return "TLSv1";
    case SSL3_VERSION:
        return "SSLv3";
    case DTLS1_VERSION:
        return "DTLSv1";
    case DTLS1_2_VERSION:
        return "DTLSv1.2";
    default:
        return "unknown";
    }
}

const char *SSL_get_version(const SSL *s)
{
    return shimssl_version_name(SSL_version(s));
}

/* Short and long names of the states this implementation reports; the
 * strings are OpenSSL's, which programs print (s_client -state). */
static const struct {
    int state;
    const char *brief, *full;
} shimssl_states[] = {
    {TLS_ST_BEFORE, "PINIT", "before SSL initialization"},
    {TLS_ST_OK, "SSLOK", "SSL negotiation finished successfully"},
    {TLS_ST_CW_CLNT_HELLO, "TWCH", "SSLv3/TLS write client hello"},
    {TLS_ST_CR_SRVR_HELLO, "TRSH", "SSLv3/TLS read server hello"},
    {TLS_ST_CR_CERT, "TRSC", "SSLv3/TLS read server certificate"},
    {TLS_ST_CR_CERT_STATUS, "TRCS", "SSLv3/TLS read certificate status"},
    {TLS_ST_CR_KEY_EXCH, "TRSKE", "SSLv3/TLS read server key exchange"},
    {TLS_ST_CR_CERT_REQ, "TRCR", "SSLv3/TLS read server certificate request"},
    {TLS_ST_CR_SESSION_TICKET, "TRST", "SSLv3/TLS read server session ticket"},
    {TLS_ST_CR_SRVR_DONE, "TRSD", "SSLv3/TLS read server done"},
    {TLS_ST_CW_CERT, "TWCC", "SSLv3/TLS write client certificate"},
    {TLS_ST_CW_KEY_EXCH, "TWCKE", "SSLv3/TLS write client key exchange"},
    {TLS_ST_CW_CERT_VRFY, "TWCV", "SSLv3/TLS write certificate verify"},
    {TLS_ST_CW_CHANGE, "TWCCS", "SSLv3/TLS write change cipher spec"},
    {TLS_ST_SW_CHANGE, "TWCCS", "SSLv3/TLS write change cipher spec"},
    {TLS_ST_CW_FINISHED, "TWFIN", "SSLv3/TLS write finished"},
    {TLS_ST_SW_FINISHED, "TWFIN", "SSLv3/TLS write finished"},
    {TLS_ST_CR_CHANGE, "TRCCS", "SSLv3/TLS read change cipher spec"},
    {TLS_ST_SR_CHANGE, "TRCCS", "SSLv3/TLS read change cipher spec"},
    {TLS_ST_CR_FINISHED, "TRFIN", "SSLv3/TLS read finished"},
    {TLS_ST_SR_FINISHED, "TRFIN", "SSLv3/TLS read finished"},
    {TLS_ST_SR_CLNT_HELLO, "TRCH", "SSLv3/TLS read client hello"},
    {TLS_ST_SW_HELLO_REQ, "TWHR", "SSLv3/TLS write hello request"},
    {TLS_ST_CR_HELLO_REQ, "TRHR", "SSLv3/TLS read hello request"},
    {TLS_ST_SW_SRVR_HELLO, "TWSH", "SSLv3/TLS write server hello"},
    {TLS_ST_SW_CERT, "TWSC", "SSLv3/TLS write certificate"},
    {TLS_ST_SW_CERT_STATUS, "TWCS", "SSLv3/TLS write certificate status"},
    {TLS_ST_SW_KEY_EXCH, "TWSKE", "SSLv3/TLS write key exchange"},
    {TLS_ST_SW_CERT_REQ, "TWCR", "SSLv3/TLS write certificate request"},
    {TLS_ST_SW_SESSION_TICKET, "TWST", "SSLv3/TLS write session ticket"},
    {TLS_ST_SW_SRVR_DONE, "TWSD", "SSLv3/TLS write server done"},
    {TLS_ST_SR_CERT, "TRCC", "SSLv3/TLS read client certificate"},
    {TLS_ST_SR_KEY_EXCH, "TRCKE", "SSLv3/TLS read client key exchange"},
    {TLS_ST_SR_CERT_VRFY, "TRCV", "SSLv3/TLS read certificate verify"},
    {TLS_ST_SW_ENCRYPTED_EXTENSIONS, "TWEE", "TLSv1.3 write encrypted extensions"},
    {TLS_ST_CR_ENCRYPTED_EXTENSIONS, "TREE", "TLSv1.3 read encrypted extensions"},
    {TLS_ST_CR_CERT_VRFY, "TRSCV", "TLSv1.3 read server certificate verify"},
    {TLS_ST_SW_CERT_VRFY, "TWSCV", "TLSv1.3 write server certificate verify"},
    {TLS_ST_SW_KEY_UPDATE, "TWSKU", "TLSv1.3 write server key update"},
    {TLS_ST_CW_KEY_UPDATE, "TWCKU", "TLSv1.3 write client key update"},
    {TLS_ST_SR_KEY_UPDATE, "TRCKU", "TLSv1.3 read client key update"},
    {TLS_ST_CR_KEY_UPDATE, "TRSKU", "TLSv1.3 read server key update"},
    {TLS_ST_EARLY_DATA, "TED", "TLSv1.3 early data"},
    {TLS_ST_PENDING_EARLY_DATA_END, "TPEDE", "TLSv1.3 pending early data end"},
    {TLS_ST_CW_END_OF_EARLY_DATA, "TWEOED", "TLSv1.3 write end of early data"},
    {TLS_ST_SR_END_OF_EARLY_DATA, "TWEOED", "TLSv1.3 read end of early data"},
};

static int shimssl_state_index(const SSL *s)
{
    for (size_t i = 0; i < sizeof(shimssl_states) / sizeof(shimssl_states[0]); i++)
        if (shimssl_states[i].state == s->hs_state)
            return (int)i;
    return -1;
}

const char *SSL_state_string(const SSL *s)
{
    int i;

    if (shimssl_in_error(s))
        return "SSLERR";
    i = shimssl_state_index(s);
    return i < 0 ? "UNKWN " : shimssl_states[i].brief;
}

const char *SSL_state_string_long(const SSL *s)
{
    int i;

    if (shimssl_in_error(s))
        return "error";
    i = shimssl_state_index(s);
    return i < 0 ? "unknown state" : shimssl_states[i].full;
}

/* --- what the handshake produced ------------------------------------------- */

const char *SSL_get_servername(const SSL *s, const int type)
{
    if (type != TLSEXT_NAMETYPE_host_name)
        return NULL;
    return s->hostname;
}

int SSL_get_servername_type(const SSL *s)
{
    return s->hostname != NULL ? TLSEXT_NAMETYPE_host_name : -1;
}

size_t SSL_get_finished(const SSL *s, void *buf, size_t count)
{
    return s->conn != NULL ? tls_conn_finished(s->conn, 0, buf, count) : 0;
}

size_t SSL_get_peer_finished(const SSL *s, void *buf, size_t count)
{
    return s->conn != NULL ? tls_conn_finished(s->conn, 1, buf, count) : 0;
}

/* Random values are all zero until the engine made them, as in OpenSSL. */
static size_t shimssl_copy_random(const uint8_t *r, unsigned char *out, size_t outlen)
{
    if (outlen == 0)
        return SSL3_RANDOM_SIZE;
    if (outlen > SSL3_RANDOM_SIZE)
        outlen = SSL3_RANDOM_SIZE;
    if (r != NULL)
        memcpy(out, r, outlen);
    else
        memset(out, 0, outlen);
    return outlen;
}

size_t SSL_get_client_random(const SSL *s, unsigned char *out, size_t outlen)
{
    return shimssl_copy_random(s->conn != NULL ? tls_conn_client_random(s->conn) : NULL, out,
                               outlen);
}

size_t SSL_get_server_random(const SSL *s, unsigned char *out, size_t outlen)
{
    return shimssl_copy_random(s->conn != NULL ? tls_conn_server_random(s->conn) : NULL, out,
                               outlen);
}

int SSL_export_keying_material(SSL *s, unsigned char *out, size_t olen, const char *label,
                               size_t llen, const unsigned char *context, size_t contextlen,
                               int use_context)
{
    int rc;

    /* No session at all (nothing negotiated, nothing set): -1 and nothing
     * on ERR, as OpenSSL 3.0. */
    if (s->conn == NULL && SSL_get_session(s) == NULL)
        return -1;
    if (s->conn == NULL || s->hs_phase != SHIMSSL_HS_DONE) {
        SHIMSSL_ERR(SSL_R_STILL_IN_INIT);
        return 0;
    }
    rc = tls_conn_export(s->conn, out, olen, label, llen, context, contextlen, use_context);
    if (rc < 0) {
        shimssl_err_from_tls(rc);
        return 0;
    }
    return 1;
}

/* --- key update -------------------------------------------------------------- */

int SSL_key_update(SSL *s, int updatetype)
{
    int rc, version = s->conn != NULL ? tls_conn_version(s->conn) : 0;

    /* OpenSSL 3.0's order: the version (the negotiated one, else the
     * method's: only a TLS 1.3 method knows it before the handshake), then
     * the type, then the handshake state. */
    if (version == 0)
        version = s->method->version;
    if (version != TLS_V13) {
        SHIMSSL_ERR(SSL_R_WRONG_SSL_VERSION);
        return 0;
    }
    if (updatetype != SSL_KEY_UPDATE_NOT_REQUESTED && updatetype != SSL_KEY_UPDATE_REQUESTED) {
        SHIMSSL_ERR(SSL_R_INVALID_KEY_UPDATE_TYPE);
        return 0;
    }
    if (s->conn == NULL || s->hs_phase != SHIMSSL_HS_DONE) {
        SHIMSSL_ERR(SSL_R_STILL_IN_INIT);
        return 0;
    }
    /* Queued now; it goes out with the next SSL_write / SSL_do_handshake. */
    rc = tls_conn_key_update(s->conn, updatetype == SSL_KEY_UPDATE_REQUESTED);
    if (rc < 0) {
        shimssl_err_from_tls(rc);
        return 0;
    }
    s->key_update = updatetype;
    return 1;
}

int SSL_get_key_update_type(const SSL *s)
{
    return s->key_update;
}

/* --- signature algorithms seen in the handshake ------------------------------ */

/* OpenSSL's "signature type" NID of a SignatureScheme core implements. */
static int shimssl_sigalg_type_nid(uint16_t scheme)
{
    const tls_sigalg *a = tls_sigalg_get(scheme);

    return a != NULL ? a->sig_nid : NID_undef;
}

int SSL_get_peer_signature_type_nid(const SSL *s, int *pnid)
{
    int nid;

    if (s->conn == NULL || tls_conn_peer_sigalg(s->conn) == 0)
        return 0;
    if ((nid = shimssl_sigalg_type_nid(tls_conn_peer_sigalg(s->conn))) == NID_undef)
        return 0;
    *pnid = nid;
    return 1;
}

/* SSL_get_sigalgs, SSL_get_shared_sigalgs: ssl_negotiated.c. */

/* SRTP is not implemented: the "not used" answer. */
SRTP_PROTECTION_PROFILE *SSL_get_selected_srtp_profile(SSL *s)
{
    (void)s;
    return NULL;
}

/*
 * Certificate Transparency and DANE are never enabled on a ShimSSL
 * connection; programs that print the connection summary (s_client) ask
 * anyway, and the answer must come without an ERR entry, which would turn
 * the next SSL_get_error into SSL_ERROR_SSL.
 */
int SSL_ct_is_enabled(const SSL *s)
{
    (void)s;
    return 0;
}

/* SSL_get_signature_type_nid: ssl_negotiated.c. */
