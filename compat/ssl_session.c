/*
 * SSL_SESSION: what a connection established (version, suite, peer
 * certificates, verify result, SNI, ALPN), refcounted, printable, and
 * handed back by SSL_set_session for a later connection.
 *
 * A session is core's resumable state (tls_session_state: version, suite,
 * secret, ticket data) plus compat's facts (peer certificates, verify
 * result, session id context, host name, times). A client's sessions are
 * made when the engine reports them (ssl_sess_cache.c: each TLS 1.3 ticket
 * is a new session); otherwise a connection's session is built on first
 * request once the handshake is done. The layout is in compat/sess.h.
 */
#include "compat/compat.h"
#include "compat/init.h"
#include "compat/sess.h"

#include <string.h>
#include <time.h>

#include <openssl/asn1t.h>
#include <openssl/pem.h>

/* A bare SSL_SESSION_new()'s values in OpenSSL 3.0: 304 seconds, and a
 * verify result that is not X509_V_OK (1, X509_V_ERR_UNSPECIFIED) until a
 * handshake or d2i fills in the real one. Sessions from a handshake take the
 * context's timeout instead. */
#define SESSION_DEFAULT_TIMEOUT       304
#define SESSION_DEFAULT_VERIFY_RESULT X509_V_ERR_UNSPECIFIED

CRYPTO_EX_DATA *shimssl_session_ex_data(SSL_SESSION *sess)
{
    return &sess->ex_data;
}

SSL_SESSION *SSL_SESSION_new(void)
{
    SSL_SESSION *ss = OPENSSL_zalloc(sizeof(*ss));

    if (ss == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
        return NULL;
    }
    ss->references = 1;
    ss->timeout = SESSION_DEFAULT_TIMEOUT;
    ss->time = time(NULL);
    ss->verify_result = SESSION_DEFAULT_VERIFY_RESULT;
    if (!CRYPTO_new_ex_data(CRYPTO_EX_INDEX_SSL_SESSION, ss, &ss->ex_data)) {
        OPENSSL_free(ss);
        return NULL;
    }
    return ss;
}

int SSL_SESSION_up_ref(SSL_SESSION *ss)
{
    shimssl_ref_inc(&ss->references);
    return 1;
}

void SSL_SESSION_free(SSL_SESSION *ss)
{
    if (ss == NULL || shimssl_ref_dec(&ss->references) > 0)
        return;
    CRYPTO_free_ex_data(CRYPTO_EX_INDEX_SSL_SESSION, ss, &ss->ex_data);
    OPENSSL_cleanse(ss->master_key, sizeof(ss->master_key));
    X509_free(ss->peer);
    sk_X509_pop_free(ss->peer_chain, X509_free);
    OPENSSL_free(ss->hostname);
    OPENSSL_free(ss->alpn);
    OPENSSL_free(ss->ticket);
    OPENSSL_free(ss->ticket_appdata);
    OPENSSL_free(ss);
}

static int dup_bytes(unsigned char **dst, size_t *dst_len, const void *src, size_t len)
{
    unsigned char *p = NULL;

    if (src != NULL && len > 0 && (p = OPENSSL_memdup(src, len)) == NULL)
        return 0;
    OPENSSL_free(*dst);
    *dst = p;
    *dst_len = p != NULL ? len : 0;
    return 1;
}

SSL_SESSION *SSL_SESSION_dup(const SSL_SESSION *src)
{
    SSL_SESSION *d = SSL_SESSION_new();

    if (d == NULL)
        return NULL;
    d->ssl_version = src->ssl_version;
    d->cipher = src->cipher;
    d->verify_result = src->verify_result;
    d->time = src->time;
    d->timeout = src->timeout;
    memcpy(d->id, src->id, sizeof(d->id));
    d->id_len = src->id_len;
    memcpy(d->sid_ctx, src->sid_ctx, sizeof(d->sid_ctx));
    d->sid_ctx_len = src->sid_ctx_len;
    memcpy(d->master_key, src->master_key, sizeof(d->master_key));
    d->master_key_len = src->master_key_len;
    d->ticket_lifetime_hint = src->ticket_lifetime_hint;
    d->max_early_data = src->max_early_data;
    d->ticket_age_add = src->ticket_age_add;
    d->kex_group = src->kex_group;
    d->ems = src->ems;
    d->comp_id = src->comp_id;
    d->max_fragment_len_mode = src->max_fragment_len_mode;
    d->not_resumable = src->not_resumable;
    if (src->peer != NULL && X509_up_ref(src->peer))
        d->peer = src->peer;
    if ((src->peer_chain != NULL && (d->peer_chain = X509_chain_up_ref(src->peer_chain)) == NULL) ||
        (src->hostname != NULL && (d->hostname = OPENSSL_strdup(src->hostname)) == NULL) ||
        !dup_bytes(&d->alpn, &d->alpn_len, src->alpn, src->alpn_len) ||
        !dup_bytes(&d->ticket, &d->ticket_len, src->ticket, src->ticket_len) ||
        !dup_bytes((unsigned char **)&d->ticket_appdata, &d->ticket_appdata_len,
                   src->ticket_appdata, src->ticket_appdata_len) ||
        !CRYPTO_dup_ex_data(CRYPTO_EX_INDEX_SSL_SESSION, &d->ex_data, &src->ex_data)) {
        SSL_SESSION_free(d);
        return NULL;
    }
    return d;
}

/* --- core's view of a session ------------------------------------------------ */

int shimssl_session_to_state(const SSL_SESSION *ss, tls_session_state *st)
{
    memset(st, 0, sizeof(*st));
    if (ss->cipher == NULL || ss->master_key_len == 0 || ss->master_key_len > TLS_MAX_SECRET ||
        (ss->ssl_version != TLS1_2_VERSION && ss->ssl_version != TLS1_3_VERSION))
        return 0;
    st->version = (uint16_t)ss->ssl_version;
    st->suite = SSL_CIPHER_get_protocol_id(ss->cipher);
    memcpy(st->secret, ss->master_key, ss->master_key_len);
    st->secret_len = ss->master_key_len;
    if (ss->ssl_version == TLS1_2_VERSION) {
        memcpy(st->session_id, ss->id, ss->id_len);
        st->session_id_len = ss->id_len;
    }
    st->ems = ss->ems;
    st->time = ss->time > 0 ? (uint64_t)ss->time : 0;
    st->lifetime = ss->ssl_version == TLS1_3_VERSION && ss->ticket_lifetime_hint != 0
                       ? (uint32_t)ss->ticket_lifetime_hint
                       : (uint32_t)(ss->timeout > 0 ? ss->timeout : 0);
    st->age_add = ss->ticket_age_add;
    st->max_early_data = ss->max_early_data;
    if (ss->alpn_len > 0 && ss->alpn_len <= sizeof(st->alpn)) {
        memcpy(st->alpn, ss->alpn, ss->alpn_len);
        st->alpn_len = ss->alpn_len;
    }
    st->compression = (uint16_t)ss->comp_id;
    st->max_fragment_code = ss->max_fragment_len_mode;
    return 1;
}

int shimssl_session_expired(const SSL_SESSION *ss, time_t now)
{
    return ss->timeout >= 0 && (long long)now > (long long)ss->time + ss->timeout;
}

/*
 * A session from core's state plus compat's facts. A TLS 1.3 session (and
 * a TLS 1.2 one resumed by ticket) gets the SHA-256 of its ticket as its
 * id, as OpenSSL does, so that caches keyed on the id keep them apart.
 */
SSL_SESSION *shimssl_session_from_state(SSL *s, const tls_session_state *st, const uint8_t *ticket,
                                        size_t ticket_len)
{
    SSL_SESSION *ss = SSL_SESSION_new();
    X509 *peer = SSL_get0_peer_certificate(s);
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(s);

    if (ss == NULL)
        return NULL;
    ss->ssl_version = st->version;
    ss->cipher = shimssl_cipher_by_id(st->suite);
    if (st->secret_len <= sizeof(ss->master_key)) {
        memcpy(ss->master_key, st->secret, st->secret_len);
        ss->master_key_len = st->secret_len;
    }
    if (st->session_id_len > 0 && st->session_id_len <= sizeof(ss->id)) {
        memcpy(ss->id, st->session_id, st->session_id_len);
        ss->id_len = (unsigned int)st->session_id_len;
    } else if (ticket_len > 0 && !s->server) {
        /* A client names a ticket's session by the ticket's SHA-256, as
         * OpenSSL; a server's ticket session has no id. */
        unsigned int n = 0;
        const EVP_MD *sha256 = tls_crypto_md(s->crypto, NID_sha256);

        if (sha256 != NULL && EVP_Digest(ticket, ticket_len, ss->id, &n, sha256, NULL))
            ss->id_len = n;
    }
    ss->ems = st->ems;
    ss->comp_id = st->compression;
    ss->max_fragment_len_mode = st->max_fragment_code;
    if (s->conn != NULL) {
        ss->kex_group = tls_conn_group(s->conn);
        ss->max_fragment_len_mode = tls_conn_max_fragment_code(s->conn);
    }
    ss->time = st->time != 0 ? (time_t)st->time : time(NULL);
    ss->ticket_age_add = st->age_add;
    ss->max_early_data = st->max_early_data;
    /* The timeout is the session context's on both sides, whatever the
     * ticket's lifetime hint says (OpenSSL 3.0 does the same). */
    if (st->version == TLS_V13)
        ss->ticket_lifetime_hint = st->lifetime;
    else
        ss->ticket_lifetime_hint = ticket_len > 0 ? st->lifetime : 0;
    ss->timeout = shimssl_session_ctx(s)->session_timeout;
    ss->verify_result = s->verify_result;
    memcpy(ss->sid_ctx, s->api_sid_ctx, s->api_sid_ctx_len);
    ss->sid_ctx_len = (unsigned int)s->api_sid_ctx_len;
    if ((peer != NULL && !X509_up_ref(peer)) ||
        (chain != NULL && (ss->peer_chain = X509_chain_up_ref(chain)) == NULL) ||
        (s->hostname != NULL && (ss->hostname = OPENSSL_strdup(s->hostname)) == NULL) ||
        !dup_bytes(&ss->alpn, &ss->alpn_len, st->alpn, st->alpn_len) ||
        !dup_bytes(&ss->ticket, &ss->ticket_len, ticket, ticket_len)) {
        if (peer != NULL && ss->peer == NULL)
            ss->peer = peer; /* the reference was taken */
        SSL_SESSION_free(ss);
        return NULL;
    }
    ss->peer = peer;
    return ss;
}

/* --- the connection's session ------------------------------------------------ */

/* Fill a session from a finished handshake: core's resumable state when
 * there is one, else what the getters tell. */
SSL_SESSION *shimssl_session_from_conn(SSL *s)
{
    tls_conn *c = shimssl_conn(s);
    SSL_SESSION *ss;
    const uint8_t *alpn, *ticket = NULL;
    size_t alpn_len, ticket_len = 0;
    tls_session_state st;

    if (tls_conn_session(c, &st, &ticket, &ticket_len) == 0)
        return shimssl_session_from_state(s, &st, ticket, ticket_len);
    memset(&st, 0, sizeof(st));
    st.version = tls_conn_version(c);
    st.suite = tls_conn_cipher_suite(c);
    tls_conn_alpn(c, &alpn, &alpn_len);
    if (alpn_len > 0 && alpn_len <= sizeof(st.alpn)) {
        memcpy(st.alpn, alpn, alpn_len);
        st.alpn_len = alpn_len;
    }
    if ((ss = shimssl_session_from_state(s, &st, NULL, 0)) != NULL)
        ss->not_resumable = 1;
    return ss;
}

/*
 * The session a failed handshake leaves, as OpenSSL 3.0's (which a client
 * makes with its ClientHello and a server with the ClientHello it accepts):
 * not resumable, its version, no master key, a cipher only once
 * SSL_get_current_cipher has one, the peer only if it was accepted.
 */
static SSL_SESSION *failed_session(SSL *s, tls_conn *c)
{
    const SSL_CIPHER *cipher = SSL_get_current_cipher(s);
    tls_session_state st;
    SSL_SESSION *ss;

    memset(&st, 0, sizeof(st));
    st.version = tls_conn_version(c);
    if (st.version == 0 && !s->server)
        st.version = s->cfg.max_version;
    if (st.version == 0)
        return NULL; /* a server that chose no version has no session */
    st.suite = cipher != NULL ? (uint16_t)SSL_CIPHER_get_protocol_id(cipher) : 0;
    st.ems = tls_conn_ems(c);
    if ((ss = shimssl_session_from_state(s, &st, NULL, 0)) == NULL)
        return NULL;
    ss->not_resumable = 1;
    /* OpenSSL records the verification in the session only once it passed. */
    if (s->peer_rejected)
        ss->verify_result = X509_V_OK;
    return ss;
}

/* Make ss the connection's own session (the reference is taken). */
void shimssl_session_set_own(SSL *s, SSL_SESSION *ss)
{
    SSL_SESSION_free(s->api_session);
    s->api_session = ss;
    s->api_session_is_own = 1;
}

SSL_SESSION *shimssl_session_server_current(SSL *s, tls_conn *c, const tls_session_state *st)
{
    shimssl_sess_ssl *ps = shimssl_sess(s);
    SSL_SESSION *ss;

    if (s->api_session_is_own && s->api_session != NULL)
        return s->api_session;
    if (ps != NULL && ps->found != NULL && tls_conn_session_reused(c)) {
        /* ps->found keeps its reference until the handshake ends. */
        SSL_SESSION_up_ref(ps->found);
        shimssl_session_set_own(s, ps->found);
        return s->api_session;
    }
    if ((ss = shimssl_session_from_state(s, st, NULL, 0)) == NULL)
        return NULL;
    shimssl_session_set_own(s, ss);
    return ss;
}

SSL_SESSION *SSL_get_session(const SSL *s)
{
    SSL *m = (SSL *)s; /* the session is built lazily: a cache, not a change */
    tls_conn *c;
    SSL_SESSION *ss;

    if (s == NULL)
        return NULL;
    if (s->api_session_is_own)
        return s->api_session;
    c = shimssl_conn(s);
    /* A failed handshake that resumed nothing leaves a session of its own. */
    if (c != NULL && s->hs_phase == SHIMSSL_HS_FAILED && !tls_conn_session_reused(c) &&
        (s->api_session == NULL || tls_conn_version(c) != 0)) {
        if ((ss = failed_session(m, c)) == NULL)
            return s->api_session;
        shimssl_session_set_own(m, ss);
        return ss;
    }
    if (c == NULL || !tls_conn_handshake_done(c))
        return s->api_session;
    /* A resumed session stays the connection's session. */
    if (s->api_session != NULL && SSL_session_reused(m)) {
        m->api_session_is_own = 1;
        return s->api_session;
    }
    if ((ss = shimssl_session_from_conn(m)) == NULL)
        return s->api_session;
    shimssl_session_set_own(m, ss);
    return ss;
}

/* Kept for callers of the first version (tests): an engine event. */
void shimssl_session_event(SSL *s, int where)
{
    shimssl_sess_event(s, where, 0);
}

SSL_SESSION *SSL_get1_session(SSL *s)
{
    SSL_SESSION *ss = SSL_get_session(s);

    if (ss != NULL)
        SSL_SESSION_up_ref(ss);
    return ss;
}

/*
 * Kept, and offered by the next handshake if it can be resumed with this
 * connection's settings (checked when the handshake starts). NULL drops it.
 */
int SSL_set_session(SSL *s, SSL_SESSION *ss)
{
    shimssl_clear_bad_session(s);
    if (ss != NULL)
        SSL_SESSION_up_ref(ss);
    SSL_SESSION_free(s->api_session);
    s->api_session = ss;
    /* Set after a handshake, it is the connection's session from now on
     * (SSL_get_session returns it, as OpenSSL's); before one, it is what
     * the handshake offers. */
    s->api_session_is_own = s->conn != NULL && tls_conn_handshake_done(s->conn);
    return 1;
}

int SSL_session_reused(const SSL *s)
{
    tls_conn *c = s != NULL ? shimssl_conn(s) : NULL;

    return c != NULL && tls_conn_session_reused(c) ? 1 : 0;
}

int SSL_copy_session_id(SSL *to, const SSL *from)
{
    if (!SSL_set_session(to, SSL_get_session(from)))
        return 0;
    return SSL_set_session_id_context(to, from->api_sid_ctx, (unsigned int)from->api_sid_ctx_len);
}

/*
 * RFC 2246 7.2.1, and OpenSSL (SSL_set_shutdown(3), SSL_free(3)): a
 * connection that completed its handshake but ends (SSL_free, SSL_clear,
 * SSL_set_session) without our close_notify, sent by SSL_shutdown or
 * declared by SSL_set_shutdown(SSL_SENT_SHUTDOWN), may have been truncated:
 * its session is bad, leaves the cache and cannot be resumed.
 */
void shimssl_clear_bad_session(SSL *s)
{
    /* Only a session object that exists can be in a cache or in the
     * application's hands: one never built (SSL_get_session is lazy) is not
     * made now just to be condemned, at every connection's end. */
    if ((s->shutdown & SSL_SENT_SHUTDOWN) || SSL_in_init(s) || SSL_in_before(s))
        return;
    if (s->api_session != NULL)
        (void)SSL_CTX_remove_session(shimssl_session_ctx(s), s->api_session);
}

/* A fatal error, sent or received, condemns the session in use as OpenSSL
 * does (the offered one on a client, the connection's own after it). */
void shimssl_drop_failed_session(SSL *s)
{
    if (s->api_session != NULL)
        (void)SSL_CTX_remove_session(shimssl_session_ctx(s), s->api_session);
}

void shimssl_session_ssl_free(SSL *s)
{
    SSL_SESSION_free(s->api_session);
    s->api_session = NULL;
    s->api_session_is_own = 0;
}

/* SSL_clear keeps the session unless it went bad (as OpenSSL): a client
 * then offers its old connection's session on the next handshake. */
void shimssl_session_ssl_clear(SSL *s)
{
    if (!s->api_session_is_own)
        return;
    if (!s->server && s->api_session != NULL && !s->api_session->not_resumable) {
        s->api_session_is_own = 0;
        return;
    }
    shimssl_session_ssl_free(s);
}

/* --- session id context --------------------------------------------------------- */

int SSL_CTX_set_session_id_context(SSL_CTX *ctx, const unsigned char *sid, unsigned int len)
{
    if (len > sizeof(ctx->api_sid_ctx)) {
        SHIMSSL_ERR(SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG);
        return 0;
    }
    memcpy(ctx->api_sid_ctx, sid, len);
    ctx->api_sid_ctx_len = len;
    return 1;
}

int SSL_set_session_id_context(SSL *s, const unsigned char *sid, unsigned int len)
{
    if (len > sizeof(s->api_sid_ctx)) {
        SHIMSSL_ERR(SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG);
        return 0;
    }
    memcpy(s->api_sid_ctx, sid, len);
    s->api_sid_ctx_len = len;
    return 1;
}

/* --- getters and setters --------------------------------------------------------- */

int SSL_SESSION_get_protocol_version(const SSL_SESSION *s)
{
    return s->ssl_version;
}

int SSL_SESSION_set_protocol_version(SSL_SESSION *s, int version)
{
    s->ssl_version = version;
    return 1;
}

const SSL_CIPHER *SSL_SESSION_get0_cipher(const SSL_SESSION *s)
{
    return s->cipher;
}

int SSL_SESSION_set_cipher(SSL_SESSION *s, const SSL_CIPHER *cipher)
{
    s->cipher = cipher;
    return 1;
}

long SSL_SESSION_get_time(const SSL_SESSION *s)
{
    return s != NULL ? (long)s->time : 0;
}

long SSL_SESSION_set_time(SSL_SESSION *s, long t)
{
    if (s == NULL)
        return 0;
    s->time = (time_t)t;
    return t;
}

long SSL_SESSION_get_timeout(const SSL_SESSION *s)
{
    return s != NULL ? s->timeout : 0;
}

long SSL_SESSION_set_timeout(SSL_SESSION *s, long t)
{
    if (s == NULL || t < 0)
        return 0;
    s->timeout = t;
    return 1;
}

X509 *SSL_SESSION_get0_peer(SSL_SESSION *s)
{
    return s->peer;
}

const char *SSL_SESSION_get0_hostname(const SSL_SESSION *s)
{
    return s->hostname;
}

int SSL_SESSION_set1_hostname(SSL_SESSION *s, const char *hostname)
{
    char *h = NULL;

    if (hostname != NULL && (h = OPENSSL_strdup(hostname)) == NULL)
        return 0;
    OPENSSL_free(s->hostname);
    s->hostname = h;
    return 1;
}

void SSL_SESSION_get0_alpn_selected(const SSL_SESSION *s, const unsigned char **alpn, size_t *len)
{
    *alpn = s->alpn;
    *len = s->alpn_len;
}

int SSL_SESSION_set1_alpn_selected(SSL_SESSION *s, const unsigned char *alpn, size_t len)
{
    return dup_bytes(&s->alpn, &s->alpn_len, alpn, len);
}

const unsigned char *SSL_SESSION_get_id(const SSL_SESSION *s, unsigned int *len)
{
    if (len != NULL)
        *len = s->id_len;
    return s->id;
}

int SSL_SESSION_set1_id(SSL_SESSION *s, const unsigned char *sid, unsigned int len)
{
    if (len > sizeof(s->id)) {
        SHIMSSL_ERR(SSL_R_SSL_SESSION_ID_TOO_LONG);
        return 0;
    }
    s->id_len = len;
    if (sid != s->id)
        memcpy(s->id, sid, len);
    return 1;
}

const unsigned char *SSL_SESSION_get0_id_context(const SSL_SESSION *s, unsigned int *len)
{
    if (len != NULL)
        *len = s->sid_ctx_len;
    return s->sid_ctx;
}

int SSL_SESSION_set1_id_context(SSL_SESSION *s, const unsigned char *sid, unsigned int len)
{
    if (len > sizeof(s->sid_ctx)) {
        SHIMSSL_ERR(SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG);
        return 0;
    }
    s->sid_ctx_len = len;
    if (sid != s->sid_ctx)
        memcpy(s->sid_ctx, sid, len);
    return 1;
}

/* Returns the key length, or the size needed when outlen is 0 (as OpenSSL).
 * Sessions built from our connections have no key yet (see the top). */
size_t SSL_SESSION_get_master_key(const SSL_SESSION *s, unsigned char *out, size_t outlen)
{
    if (outlen == 0)
        return s->master_key_len;
    if (outlen > s->master_key_len)
        outlen = s->master_key_len;
    memcpy(out, s->master_key, outlen);
    return outlen;
}

int SSL_SESSION_set1_master_key(SSL_SESSION *s, const unsigned char *in, size_t len)
{
    if (len > sizeof(s->master_key))
        return 0;
    memcpy(s->master_key, in, len);
    s->master_key_len = len;
    return 1;
}

int SSL_SESSION_is_resumable(const SSL_SESSION *s)
{
    /* Resumable means: there is an id or a ticket to offer, and no cache
     * has thrown the session out. */
    return !s->not_resumable && (s->id_len != 0 || s->ticket_len != 0);
}

int SSL_SESSION_has_ticket(const SSL_SESSION *s)
{
    return s->ticket_len > 0;
}

unsigned long SSL_SESSION_get_ticket_lifetime_hint(const SSL_SESSION *s)
{
    return s->ticket_lifetime_hint;
}

void SSL_SESSION_get0_ticket(const SSL_SESSION *s, const unsigned char **tick, size_t *len)
{
    *len = s->ticket_len;
    if (tick != NULL)
        *tick = s->ticket;
}

uint32_t SSL_SESSION_get_max_early_data(const SSL_SESSION *s)
{
    return s->max_early_data;
}

int SSL_SESSION_set_max_early_data(SSL_SESSION *s, uint32_t max)
{
    s->max_early_data = max;
    return 1;
}

uint8_t SSL_SESSION_get_max_fragment_length(const SSL_SESSION *s)
{
    return s->max_fragment_len_mode;
}

/* The compression method of the session: 1 (DEFLATE) or 0 (none). */
unsigned int SSL_SESSION_get_compress_id(const SSL_SESSION *s)
{
    return s != NULL ? s->comp_id : 0;
}

int SSL_SESSION_set1_ticket_appdata(SSL_SESSION *s, const void *data, size_t len)
{
    return dup_bytes((unsigned char **)&s->ticket_appdata, &s->ticket_appdata_len, data, len);
}

int SSL_SESSION_get0_ticket_appdata(SSL_SESSION *s, void **data, size_t *len)
{
    *data = s->ticket_appdata;
    *len = s->ticket_appdata_len;
    return 1;
}

int SSL_SESSION_set_ex_data(SSL_SESSION *s, int idx, void *arg)
{
    return CRYPTO_set_ex_data(&s->ex_data, idx, arg);
}

void *SSL_SESSION_get_ex_data(const SSL_SESSION *s, int idx)
{
    return CRYPTO_get_ex_data(&s->ex_data, idx);
}

/* --- printing -------------------------------------------------------------------- */

static const char *version_name(int v)
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
    default:
        return "unknown";
    }
}

static int print_hex(BIO *bp, const unsigned char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (BIO_printf(bp, "%02X", p[i]) <= 0)
            return 0;
    return 1;
}

/* The layout of OpenSSL's SSL_SESSION_print, which s_client shows. */
int SSL_SESSION_print(BIO *bp, const SSL_SESSION *x)
{
    if (x == NULL)
        return 0;
    if (BIO_puts(bp, "SSL-Session:\n") <= 0 ||
        BIO_printf(bp, "    Protocol  : %s\n", version_name(x->ssl_version)) <= 0)
        return 0;
    if (x->cipher == NULL) {
        /* OpenSSL prints the 2-byte id it kept: 0000 when it has none (a
         * new session, or one from a failed handshake). */
        if (BIO_puts(bp, "    Cipher    : 0000\n") <= 0)
            return 0;
    } else if (BIO_printf(bp, "    Cipher    : %s\n", SSL_CIPHER_get_name(x->cipher)) <= 0) {
        return 0;
    }
    if (BIO_puts(bp, "    Session-ID: ") <= 0 || !print_hex(bp, x->id, x->id_len) ||
        BIO_puts(bp, "\n    Session-ID-ctx: ") <= 0 || !print_hex(bp, x->sid_ctx, x->sid_ctx_len))
        return 0;
    if (x->ssl_version == TLS1_3_VERSION) {
        if (BIO_puts(bp, "\n    Resumption PSK: ") <= 0)
            return 0;
    } else if (BIO_puts(bp, "\n    Master-Key: ") <= 0) {
        return 0;
    }
    if (!print_hex(bp, x->master_key, x->master_key_len) ||
        BIO_puts(bp, "\n    PSK identity: None") <= 0 ||
        BIO_puts(bp, "\n    PSK identity hint: None") <= 0 ||
        BIO_puts(bp, "\n    SRP username: None") <= 0)
        return 0;
    if (x->ticket_lifetime_hint != 0 &&
        BIO_printf(bp, "\n    TLS session ticket lifetime hint: %lu (seconds)",
                   x->ticket_lifetime_hint) <= 0)
        return 0;
    if (x->ticket_len > 0) {
        if (BIO_puts(bp, "\n    TLS session ticket:\n") <= 0 ||
            BIO_dump_indent(bp, (const char *)x->ticket, (int)x->ticket_len, 4) <= 0)
            return 0;
    }
    if (x->time != 0 && BIO_printf(bp, "\n    Start Time: %lld", (long long)x->time) <= 0)
        return 0;
    if (x->timeout != 0 && BIO_printf(bp, "\n    Timeout   : %ld (sec)", x->timeout) <= 0)
        return 0;
    if (BIO_puts(bp, "\n") <= 0)
        return 0;
    if (BIO_printf(bp, "    Verify return code: %ld (%s)\n", x->verify_result,
                   X509_verify_cert_error_string(x->verify_result)) <= 0)
        return 0;
    if (BIO_printf(bp, "    Extended master secret: %s\n",
                   x->ssl_version != TLS1_3_VERSION && x->ems ? "yes" : "no") <= 0)
        return 0;
    if (x->ssl_version == TLS1_3_VERSION &&
        BIO_printf(bp, "    Max Early Data: %u\n", (unsigned int)x->max_early_data) <= 0)
        return 0;
    return 1;
}

int SSL_SESSION_print_fp(FILE *fp, const SSL_SESSION *x)
{
    BIO *b = BIO_new_fp(fp, BIO_NOCLOSE);
    int ok;

    if (b == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_BUF_LIB);
        return 0;
    }
    ok = SSL_SESSION_print(b, x);
    BIO_free(b);
    return ok;
}

/* "RSA Session-ID:<id> Master-Key:<key>\n", the old NSS key log format;
 * without a master key there is nothing useful to print. */
int SSL_SESSION_print_keylog(BIO *bp, const SSL_SESSION *x)
{
    if (x == NULL || x->id_len == 0 || x->master_key_len == 0)
        return 0;
    if (BIO_puts(bp, "RSA ") <= 0 || BIO_puts(bp, "Session-ID:") <= 0 ||
        !print_hex(bp, x->id, x->id_len) || BIO_puts(bp, " Master-Key:") <= 0 ||
        !print_hex(bp, x->master_key, x->master_key_len) || BIO_puts(bp, "\n") <= 0)
        return 0;
    return 1;
}

/* --- DER and PEM forms (s_client -sess_out / -sess_in, python's session copy) -- */

/*
 * OpenSSL's encoding, so that sessions saved by one library load in the
 * other:
 *
 *   SSL_SESSION_ASN1 ::= SEQUENCE {
 *     version            INTEGER (1),
 *     ssl_version        INTEGER,
 *     cipher             OCTET STRING (SIZE(2)),
 *     session_id         OCTET STRING,
 *     master_key         OCTET STRING,
 *     key_arg            [0] EXPLICIT OCTET STRING OPTIONAL,
 *     time               [1] EXPLICIT INTEGER OPTIONAL,
 *     timeout            [2] EXPLICIT INTEGER OPTIONAL,
 *     peer               [3] EXPLICIT Certificate OPTIONAL,
 *     session_id_context [4] EXPLICIT OCTET STRING OPTIONAL,
 *     verify_result      [5] EXPLICIT INTEGER OPTIONAL,
 *     hostname           [6] EXPLICIT OCTET STRING OPTIONAL,
 *     psk_identity_hint  [7] EXPLICIT OCTET STRING OPTIONAL,
 *     psk_identity       [8] EXPLICIT OCTET STRING OPTIONAL,
 *     ticket_lifetime    [9] EXPLICIT INTEGER OPTIONAL,
 *     ticket             [10] EXPLICIT OCTET STRING OPTIONAL,
 *     comp_id            [11] EXPLICIT OCTET STRING OPTIONAL,
 *     srp_username       [12] EXPLICIT OCTET STRING OPTIONAL,
 *     flags              [13] EXPLICIT INTEGER OPTIONAL,
 *     ticket_age_add     [14] EXPLICIT INTEGER OPTIONAL,
 *     max_early_data     [15] EXPLICIT INTEGER OPTIONAL,
 *     alpn_selected      [16] EXPLICIT OCTET STRING OPTIONAL,
 *     max_fragment_len   [17] EXPLICIT INTEGER OPTIONAL,
 *     ticket_appdata     [18] EXPLICIT OCTET STRING OPTIONAL,
 *     kex_group          [19] EXPLICIT INTEGER OPTIONAL }
 *
 * libcrypto's ASN.1 templates do the encoding; zero integers are omitted.
 */
typedef struct session_der {
    uint32_t version;
    int32_t ssl_version;
    ASN1_OCTET_STRING *cipher;
    ASN1_OCTET_STRING *session_id;
    ASN1_OCTET_STRING *master_key;
    ASN1_OCTET_STRING *key_arg;
    int64_t time;
    int64_t timeout;
    X509 *peer;
    ASN1_OCTET_STRING *sid_ctx;
    int32_t verify_result;
    ASN1_OCTET_STRING *hostname;
    ASN1_OCTET_STRING *psk_identity_hint;
    ASN1_OCTET_STRING *psk_identity;
    uint64_t ticket_lifetime;
    ASN1_OCTET_STRING *ticket;
    ASN1_OCTET_STRING *comp_id;
    ASN1_OCTET_STRING *srp_username;
    uint64_t flags;
    uint32_t ticket_age_add;
    uint32_t max_early_data;
    ASN1_OCTET_STRING *alpn;
    uint32_t max_fragment_len;
    ASN1_OCTET_STRING *ticket_appdata;
    uint32_t kex_group;
} SESSION_DER;

ASN1_SEQUENCE(SESSION_DER) =
    {
        ASN1_EMBED(SESSION_DER, version, UINT32),
        ASN1_EMBED(SESSION_DER, ssl_version, INT32),
        ASN1_SIMPLE(SESSION_DER, cipher, ASN1_OCTET_STRING),
        ASN1_SIMPLE(SESSION_DER, session_id, ASN1_OCTET_STRING),
        ASN1_SIMPLE(SESSION_DER, master_key, ASN1_OCTET_STRING),
        ASN1_EXP_OPT(SESSION_DER, key_arg, ASN1_OCTET_STRING, 0),
        ASN1_EXP_OPT_EMBED(SESSION_DER, time, ZINT64, 1),
        ASN1_EXP_OPT_EMBED(SESSION_DER, timeout, ZINT64, 2),
        ASN1_EXP_OPT(SESSION_DER, peer, X509, 3),
        ASN1_EXP_OPT(SESSION_DER, sid_ctx, ASN1_OCTET_STRING, 4),
        ASN1_EXP_OPT_EMBED(SESSION_DER, verify_result, ZINT32, 5),
        ASN1_EXP_OPT(SESSION_DER, hostname, ASN1_OCTET_STRING, 6),
        ASN1_EXP_OPT(SESSION_DER, psk_identity_hint, ASN1_OCTET_STRING, 7),
        ASN1_EXP_OPT(SESSION_DER, psk_identity, ASN1_OCTET_STRING, 8),
        ASN1_EXP_OPT_EMBED(SESSION_DER, ticket_lifetime, ZUINT64, 9),
        ASN1_EXP_OPT(SESSION_DER, ticket, ASN1_OCTET_STRING, 10),
        ASN1_EXP_OPT(SESSION_DER, comp_id, ASN1_OCTET_STRING, 11),
        ASN1_EXP_OPT(SESSION_DER, srp_username, ASN1_OCTET_STRING, 12),
        ASN1_EXP_OPT_EMBED(SESSION_DER, flags, ZUINT64, 13),
        ASN1_EXP_OPT_EMBED(SESSION_DER, ticket_age_add, ZUINT32, 14),
        ASN1_EXP_OPT_EMBED(SESSION_DER, max_early_data, ZUINT32, 15),
        ASN1_EXP_OPT(SESSION_DER, alpn, ASN1_OCTET_STRING, 16),
        ASN1_EXP_OPT_EMBED(SESSION_DER, max_fragment_len, ZUINT32, 17),
        ASN1_EXP_OPT(SESSION_DER, ticket_appdata, ASN1_OCTET_STRING, 18),
        ASN1_EXP_OPT_EMBED(SESSION_DER, kex_group, ZUINT32, 19),
} static_ASN1_SEQUENCE_END(SESSION_DER)

        IMPLEMENT_STATIC_ASN1_ALLOC_FUNCTIONS(SESSION_DER)
            IMPLEMENT_STATIC_ASN1_ENCODE_FUNCTIONS(SESSION_DER)

#define SESSION_DER_VERSION 1

    /* An OCTET STRING holding a copy of p (NULL when len is 0 and optional). */
    static int octets(ASN1_OCTET_STRING * *out, const void *p, size_t len, int optional)
{
    if (optional && len == 0)
        return 1;
    if ((*out = ASN1_OCTET_STRING_new()) == NULL)
        return 0;
    return ASN1_OCTET_STRING_set(*out, p, (int)len);
}

int i2d_SSL_SESSION(const SSL_SESSION *in, unsigned char **pp)
{
    SESSION_DER *d = SESSION_DER_new();
    unsigned char cs[2] = {0, 0};
    int len = -1;

    if (d == NULL)
        return -1;
    if (in->cipher != NULL) {
        uint16_t id = SSL_CIPHER_get_protocol_id(in->cipher);

        cs[0] = (unsigned char)(id >> 8);
        cs[1] = (unsigned char)id;
    }
    d->version = SESSION_DER_VERSION;
    d->ssl_version = in->ssl_version;
    d->time = (int64_t)in->time;
    d->timeout = in->timeout;
    d->verify_result = (int32_t)in->verify_result;
    d->ticket_lifetime = in->ticket_lifetime_hint;
    d->max_early_data = in->max_early_data;
    d->ticket_age_add = in->ticket_age_add;
    d->kex_group = in->kex_group;
    d->max_fragment_len = in->max_fragment_len_mode;
    d->flags = in->ems ? SHIMSSL_SESS_FLAG_EMS : 0;
    d->peer = in->peer; /* borrowed: detached before the free below */
    ASN1_OCTET_STRING_free(d->cipher);
    ASN1_OCTET_STRING_free(d->session_id);
    ASN1_OCTET_STRING_free(d->master_key);
    d->cipher = d->session_id = d->master_key = NULL;
    if (octets(&d->cipher, cs, 2, 0) && octets(&d->session_id, in->id, in->id_len, 0) &&
        octets(&d->master_key, in->master_key, in->master_key_len, 0) &&
        octets(&d->sid_ctx, in->sid_ctx, in->sid_ctx_len, 1) &&
        octets(&d->hostname, in->hostname, in->hostname != NULL ? strlen(in->hostname) : 0, 1) &&
        octets(&d->ticket, in->ticket, in->ticket_len, 1) &&
        octets(&d->alpn, in->alpn, in->alpn_len, 1) &&
        (in->comp_id == 0 ||
         octets(&d->comp_id, (unsigned char[1]){(unsigned char)in->comp_id}, 1, 0)) &&
        octets(&d->ticket_appdata, in->ticket_appdata, in->ticket_appdata_len, 1))
        len = i2d_SESSION_DER(d, pp);
    d->peer = NULL;
    SESSION_DER_free(d);
    return len;
}

static int copy_octets(unsigned char **dst, size_t *dst_len, const ASN1_OCTET_STRING *o)
{
    if (o == NULL)
        return 1;
    return dup_bytes(dst, dst_len, ASN1_STRING_get0_data(o), (size_t)ASN1_STRING_length(o));
}

SSL_SESSION *d2i_SSL_SESSION(SSL_SESSION **a, const unsigned char **pp, long length)
{
    const unsigned char *p = *pp;
    SESSION_DER *d = d2i_SESSION_DER(NULL, &p, length);
    SSL_SESSION *ss = NULL;
    size_t n;
    const unsigned char *cs;

    if (d == NULL)
        return NULL;
    if (d->version != SESSION_DER_VERSION || ASN1_STRING_length(d->cipher) != 2 ||
        ASN1_STRING_length(d->session_id) > SSL_MAX_SSL_SESSION_ID_LENGTH ||
        ASN1_STRING_length(d->master_key) > (int)sizeof(ss->master_key) ||
        (d->sid_ctx != NULL && ASN1_STRING_length(d->sid_ctx) > SSL_MAX_SID_CTX_LENGTH)) {
        SHIMSSL_ERR(SSL_R_BAD_DATA);
        goto fail;
    }
    /* As OpenSSL: a TLS/SSL 3 or DTLS version, a known cipher suite and a
     * one-byte compression id, or no session (a session without a cipher,
     * or with a compression id it cannot write back, is nothing to resume). */
    if ((d->ssl_version >> 8) != SSL3_VERSION_MAJOR &&
        (d->ssl_version >> 8) != DTLS1_VERSION_MAJOR && d->ssl_version != DTLS1_BAD_VER) {
        SHIMSSL_ERR(SSL_R_UNSUPPORTED_SSL_VERSION);
        goto fail;
    }
    if (d->comp_id != NULL && ASN1_STRING_length(d->comp_id) != 1) {
        SHIMSSL_ERR(SSL_R_BAD_LENGTH);
        goto fail;
    }
    cs = ASN1_STRING_get0_data(d->cipher);
    if (shimssl_cipher_by_id((uint16_t)(cs[0] << 8 | cs[1])) == NULL)
        goto fail;
    if ((ss = SSL_SESSION_new()) == NULL)
        goto fail;
    ss->ssl_version = d->ssl_version;
    ss->cipher = shimssl_cipher_by_id((uint16_t)(cs[0] << 8 | cs[1]));
    ss->id_len = (unsigned int)ASN1_STRING_length(d->session_id);
    memcpy(ss->id, ASN1_STRING_get0_data(d->session_id), ss->id_len);
    ss->master_key_len = (size_t)ASN1_STRING_length(d->master_key);
    memcpy(ss->master_key, ASN1_STRING_get0_data(d->master_key), ss->master_key_len);
    if (d->sid_ctx != NULL) {
        ss->sid_ctx_len = (unsigned int)ASN1_STRING_length(d->sid_ctx);
        memcpy(ss->sid_ctx, ASN1_STRING_get0_data(d->sid_ctx), ss->sid_ctx_len);
    }
    ss->time = (time_t)d->time;
    ss->timeout = (long)d->timeout;
    ss->verify_result = d->verify_result;
    ss->ticket_lifetime_hint = (unsigned long)d->ticket_lifetime;
    ss->max_early_data = d->max_early_data;
    ss->ticket_age_add = d->ticket_age_add;
    ss->kex_group = d->kex_group;
    ss->max_fragment_len_mode = d->max_fragment_len <= 4 ? (uint8_t)d->max_fragment_len : 0;
    ss->ems = (d->flags & SHIMSSL_SESS_FLAG_EMS) != 0;
    if (d->comp_id != NULL)
        ss->comp_id = ASN1_STRING_get0_data(d->comp_id)[0];
    ss->peer = d->peer;
    d->peer = NULL;
    if (d->hostname != NULL &&
        (ss->hostname = OPENSSL_strndup((const char *)ASN1_STRING_get0_data(d->hostname),
                                        (size_t)ASN1_STRING_length(d->hostname))) == NULL)
        goto fail;
    if (!copy_octets(&ss->ticket, &ss->ticket_len, d->ticket) ||
        !copy_octets(&ss->alpn, &ss->alpn_len, d->alpn) ||
        !copy_octets((unsigned char **)&ss->ticket_appdata, &n, d->ticket_appdata))
        goto fail;
    ss->ticket_appdata_len = d->ticket_appdata != NULL ? n : 0;
    SESSION_DER_free(d);
    *pp = p;
    if (a != NULL) {
        SSL_SESSION_free(*a);
        *a = ss;
    }
    return ss;
fail:
    SSL_SESSION_free(ss);
    SESSION_DER_free(d);
    return NULL;
}

static void *d2i_session_void(void **a, const unsigned char **pp, long len)
{
    return d2i_SSL_SESSION((SSL_SESSION **)a, pp, len);
}

static int i2d_session_void(const void *x, unsigned char **pp)
{
    return i2d_SSL_SESSION(x, pp);
}

SSL_SESSION *PEM_read_bio_SSL_SESSION(BIO *bp, SSL_SESSION **x, pem_password_cb *cb, void *u)
{
    return PEM_ASN1_read_bio(d2i_session_void, PEM_STRING_SSL_SESSION, bp, (void **)x, cb, u);
}

int PEM_write_bio_SSL_SESSION(BIO *bp, const SSL_SESSION *x)
{
    return PEM_ASN1_write_bio(i2d_session_void, PEM_STRING_SSL_SESSION, bp, x, NULL, NULL, 0, NULL,
                              NULL);
}

SSL_SESSION *PEM_read_SSL_SESSION(FILE *fp, SSL_SESSION **x, pem_password_cb *cb, void *u)
{
    BIO *b = BIO_new_fp(fp, BIO_NOCLOSE);
    SSL_SESSION *ss;

    if (b == NULL)
        return NULL;
    ss = PEM_read_bio_SSL_SESSION(b, x, cb, u);
    BIO_free(b);
    return ss;
}

int PEM_write_SSL_SESSION(FILE *fp, const SSL_SESSION *x)
{
    BIO *b = BIO_new_fp(fp, BIO_NOCLOSE);
    int ok;

    if (b == NULL)
        return 0;
    ok = PEM_write_bio_SSL_SESSION(b, x);
    BIO_free(b);
    return ok;
}
