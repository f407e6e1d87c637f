/*
 * compat-api's side of the object lifecycles (the hooks compat.h declares),
 * and the small setters client programs call at start-up that belong to no
 * other file: key log, PSK callbacks, post-handshake authentication.
 *
 * A setter the engine cannot act on yet stores its value and succeeds, so a
 * program configuring an optional feature keeps working; the getters return
 * what was stored.
 */
#include "compat/compat.h"
#include "compat/chain.h"
#include "compat/custom_ext.h"
#include "compat/init.h"
#include "compat/sess.h"
#include "compat/ssl_status.h"

#include <string.h>

#include <openssl/obj_mac.h>

/* --- lifecycle hooks -------------------------------------------------------- */

int shimssl_api_ctx_init(SSL_CTX *ctx)
{
    ctx->api_recv_max_early_data = SSL3_RT_MAX_PLAIN_LENGTH;
    if (!shimssl_cipher_ctx_init(ctx) || !shimssl_sess_ctx_init(ctx))
        return 0;
    shimssl_conf_apply_system(ctx);
    return 1;
}

void shimssl_api_ctx_free(SSL_CTX *ctx)
{
    shimssl_cipher_ctx_free(ctx);
    shimssl_cert_ctx_free(ctx);
    shimssl_sess_ctx_free(ctx);
    shimssl_cext_ctx_free(ctx);
    shimssl_tls12_ctx_free(ctx);
    shimssl_dane_ctx_free(ctx);
    OPENSSL_free(ctx->api_psk_identity_hint);
    ctx->api_psk_identity_hint = NULL;
}

int shimssl_api_ssl_init(SSL *s)
{
    SSL_CTX *ctx = s->ctx;

    memcpy(s->api_sid_ctx, ctx->api_sid_ctx, ctx->api_sid_ctx_len);
    s->api_sid_ctx_len = ctx->api_sid_ctx_len;
    s->api_cert_cb = ctx->api_cert_cb;
    s->api_cert_cb_arg = ctx->api_cert_cb_arg;
    s->api_post_handshake_auth = ctx->api_post_handshake_auth;
    s->api_psk_client_cb = ctx->api_psk_client_cb;
    s->api_psk_server_cb = ctx->api_psk_server_cb;
    s->api_psk_use_session_cb = ctx->api_psk_use_session_cb;
    s->api_psk_find_session_cb = ctx->api_psk_find_session_cb;
    s->api_max_early_data = ctx->api_max_early_data;
    s->api_recv_max_early_data = ctx->api_recv_max_early_data;
    s->api_allow_early_data_cb = ctx->api_allow_early_data_cb;
    s->api_allow_early_data_arg = ctx->api_allow_early_data_arg;
    s->api_gen_session_cb = ctx->api_gen_session_cb;
    s->api_not_resumable_cb = ctx->api_not_resumable_cb;
    if (ctx->api_psk_identity_hint != NULL &&
        (s->api_psk_identity_hint = OPENSSL_strdup(ctx->api_psk_identity_hint)) == NULL)
        return 0;
    if (!shimssl_sess_ssl_init(s))
        return 0;
    if (!shimssl_cext_ssl_init(s))
        return 0;
    /* The SSL's cipher lists start as copies so that SSL_get_ciphers
     * returns the same list object for the life of the SSL. */
    if (ctx->api_tls12_ciphers != NULL &&
        (s->api_tls12_ciphers = sk_SSL_CIPHER_dup(ctx->api_tls12_ciphers)) == NULL)
        return 0;
    if (ctx->api_ciphers != NULL && (s->api_ciphers = sk_SSL_CIPHER_dup(ctx->api_ciphers)) == NULL)
        return 0;
    if (!shimssl_tls12_ssl_init(s))
        return 0;
    shimssl_recsize_ssl_init(s);
    shimssl_dane_ssl_init(s);
    return 1;
}

void shimssl_api_ssl_free(SSL *s)
{
    shimssl_cipher_ssl_free(s);
    shimssl_verify_ssl_free(s);
    shimssl_session_ssl_free(s);
    shimssl_sess_ssl_free(s);
    shimssl_cext_ssl_free(s);
    shimssl_cert_ssl_free(s);
    shimssl_tls12_ssl_free(s);
    shimssl_clientauth_ssl_free(s);
    shimssl_status_ssl_free(s);
    shimssl_chain_ssl_free(s);
    shimssl_dane_ssl_free(s);
    OPENSSL_free(s->api_psk_identity_hint);
    s->api_psk_identity_hint = NULL;
}

void shimssl_api_ssl_clear(SSL *s)
{
    shimssl_verify_ssl_free(s);
    shimssl_session_ssl_clear(s);
    shimssl_sess_ssl_clear(s);
    shimssl_dane_ssl_clear(s);
}

/* Engine events compat-api acts on (sessions, counters). */
void shimssl_api_ssl_event(SSL *s, int where, int value)
{
    shimssl_sess_event(s, where, value);
}

/* --- key log -------------------------------------------------------------------- */

void SSL_CTX_set_keylog_callback(SSL_CTX *ctx, SSL_CTX_keylog_cb_func cb)
{
    ctx->keylog_cb = cb;
}

SSL_CTX_keylog_cb_func SSL_CTX_get_keylog_callback(const SSL_CTX *ctx)
{
    return ctx->keylog_cb;
}

/* --- post-handshake client authentication (TLS 1.3) ---------------------------- */

void SSL_CTX_set_post_handshake_auth(SSL_CTX *ctx, int val)
{
    ctx->api_post_handshake_auth = val;
}

void SSL_set_post_handshake_auth(SSL *s, int val)
{
    s->api_post_handshake_auth = val;
}

/* SSL_verify_client_post_handshake: ssl_clientauth.c. */

/* --- PSK callbacks (stored: the engine does external PSKs later) ------------- */

void SSL_CTX_set_psk_client_callback(SSL_CTX *ctx, SSL_psk_client_cb_func cb)
{
    ctx->api_psk_client_cb = cb;
}
void SSL_set_psk_client_callback(SSL *s, SSL_psk_client_cb_func cb)
{
    s->api_psk_client_cb = cb;
}
void SSL_CTX_set_psk_server_callback(SSL_CTX *ctx, SSL_psk_server_cb_func cb)
{
    ctx->api_psk_server_cb = cb;
}
void SSL_set_psk_server_callback(SSL *s, SSL_psk_server_cb_func cb)
{
    s->api_psk_server_cb = cb;
}

void SSL_CTX_set_psk_use_session_callback(SSL_CTX *ctx, SSL_psk_use_session_cb_func cb)
{
    ctx->api_psk_use_session_cb = cb;
}

void SSL_set_psk_use_session_callback(SSL *s, SSL_psk_use_session_cb_func cb)
{
    s->api_psk_use_session_cb = cb;
}

void SSL_CTX_set_psk_find_session_callback(SSL_CTX *ctx, SSL_psk_find_session_cb_func cb)
{
    ctx->api_psk_find_session_cb = cb;
}

void SSL_set_psk_find_session_callback(SSL *s, SSL_psk_find_session_cb_func cb)
{
    s->api_psk_find_session_cb = cb;
}

static int set_hint(char **slot, const char *hint)
{
    char *h = NULL;

    if (hint != NULL && strlen(hint) > PSK_MAX_IDENTITY_LEN) {
        SHIMSSL_ERR(SSL_R_DATA_LENGTH_TOO_LONG);
        return 0;
    }
    if (hint != NULL && (h = OPENSSL_strdup(hint)) == NULL)
        return 0;
    OPENSSL_free(*slot);
    *slot = h;
    return 1;
}

int SSL_CTX_use_psk_identity_hint(SSL_CTX *ctx, const char *hint)
{
    return set_hint(&ctx->api_psk_identity_hint, hint);
}
int SSL_use_psk_identity_hint(SSL *s, const char *hint)
{
    return set_hint(&s->api_psk_identity_hint, hint);
}
/* The hint a server sent in a TLS 1.2 PSK key exchange, kept in the session
 * (OpenSSL 3.0: NULL without a session, never the hint this side set).
 * ShimSSL has no TLS 1.2 PSK key exchange, so no session carries one. */
const char *SSL_get_psk_identity_hint(const SSL *s)
{
    (void)s;
    return NULL;
}

/* No PSK handshake happens yet, so there is no identity to report. */
const char *SSL_get_psk_identity(const SSL *s)
{
    (void)s;
    return NULL;
}

/* Early data: compat/ssl_early.c. */

/* --- alert texts (info callbacks print them: "SSL3 alert read:fatal:...") ------ */

static const struct {
    unsigned char desc;
    char code[3];
    const char *text;
} alert_texts[] = {
    {0, "CN", "close notify"},
    {10, "UM", "unexpected_message"},
    {20, "BM", "bad record mac"},
    {21, "DC", "decryption failed"},
    {22, "RO", "record overflow"},
    {30, "DF", "decompression failure"},
    {40, "HF", "handshake failure"},
    {41, "NC", "no certificate"},
    {42, "BC", "bad certificate"},
    {43, "UC", "unsupported certificate"},
    {44, "CR", "certificate revoked"},
    {45, "CE", "certificate expired"},
    {46, "CU", "certificate unknown"},
    {47, "IP", "illegal parameter"},
    {48, "CA", "unknown CA"},
    {49, "AD", "access denied"},
    {50, "DE", "decode error"},
    {51, "CY", "decrypt error"},
    {60, "ER", "export restriction"},
    {70, "PV", "protocol version"},
    {71, "IS", "insufficient security"},
    {80, "IE", "internal error"},
    {90, "US", "user canceled"},
    {100, "NR", "no renegotiation"},
    {110, "UE", "unsupported extension"},
    {111, "CO", "certificate unobtainable"},
    {112, "UN", "unrecognized name"},
    {113, "BR", "bad certificate status response"},
    {114, "BH", "bad certificate hash value"},
    {115, "UP", "unknown PSK identity"},
    /* OpenSSL 3.0 has no text for the TLS 1.3 alerts 109 and 116. */
    {120, "UK", "no application protocol"},
};

/* value is (level << 8) | description, as info callbacks receive it. */
static int alert_index(int value)
{
    for (size_t i = 0; i < sizeof(alert_texts) / sizeof(alert_texts[0]); i++)
        if (alert_texts[i].desc == (value & 0xff))
            return (int)i;
    return -1;
}

const char *SSL_alert_desc_string(int value)
{
    int i = alert_index(value);

    return i >= 0 ? alert_texts[i].code : "UK";
}

const char *SSL_alert_desc_string_long(int value)
{
    int i = alert_index(value);

    return i >= 0 ? alert_texts[i].text : "unknown";
}

const char *SSL_alert_type_string(int value)
{
    switch (value >> 8) {
    case SSL3_AL_WARNING:
        return "W";
    case SSL3_AL_FATAL:
        return "F";
    default:
        return "U";
    }
}

const char *SSL_alert_type_string_long(int value)
{
    switch (value >> 8) {
    case SSL3_AL_WARNING:
        return "warning";
    case SSL3_AL_FATAL:
        return "fatal";
    default:
        return "unknown";
    }
}

/* Records are always read header first; OpenSSL reports the same state
 * between calls. */
const char *SSL_rstate_string(const SSL *s)
{
    (void)s;
    return "RH";
}

const char *SSL_rstate_string_long(const SSL *s)
{
    (void)s;
    return "read header";
}

/* --- session id generation and resumability (stored for the server side) ----- */

int SSL_CTX_set_generate_session_id(SSL_CTX *ctx, GEN_SESSION_CB cb)
{
    ctx->api_gen_session_cb = cb;
    return 1;
}

int SSL_set_generate_session_id(SSL *s, GEN_SESSION_CB cb)
{
    s->api_gen_session_cb = cb;
    return 1;
}

/* SSL_has_matching_session_id: compat/ssl_sess_cache.c. */

void SSL_CTX_set_not_resumable_session_callback(SSL_CTX *ctx,
                                                int (*cb)(SSL *s, int is_forward_secure))
{
    ctx->api_not_resumable_cb = cb;
}

void SSL_set_not_resumable_session_callback(SSL *s, int (*cb)(SSL *s, int is_forward_secure))
{
    s->api_not_resumable_cb = cb;
}

/* --- our certificate, dropped ------------------------------------------------- */

void SSL_certs_clear(SSL *s)
{
    X509_free(s->cert);
    EVP_PKEY_free(s->key);
    sk_X509_pop_free(s->chain, X509_free);
    s->cert = NULL;
    s->key = NULL;
    s->chain = NULL;
}

/* SSL_group_to_name: compat/ssl_names.c. */
