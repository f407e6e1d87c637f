/*
 * Server session tickets: what tls_config.ticket_seal / ticket_open do.
 *
 * A stateless ticket is RFC 5077 section 4's recommended layout:
 *
 *   struct {
 *       opaque key_name[16];
 *       opaque iv[16];                  (the cipher's IV length with a callback)
 *       opaque encrypted_state<..>;     AES-256-CBC of i2d_SSL_SESSION
 *       opaque mac[32];                 HMAC-SHA256 over everything before
 *   } ticket;
 *
 * The keys belong to the SSL_CTX: random at SSL_CTX_new and kept for its
 * life, as OpenSSL's, so that every process forked after the context was
 * made (nginx, Apache, postfix workers) seals and opens with the same keys;
 * unless the application set its own (SSL_CTX_set_tlsext_ticket_keys) or
 * took over with a ticket key callback (the deprecated HMAC_CTX form or the
 * EVP_MAC_CTX form nginx uses), whose return values are OpenSSL's
 * documented ones.
 *
 * Opening treats every byte as hostile: lengths are checked before use,
 * the MAC is compared in constant time before anything is decrypted, the
 * plaintext is decoded into a fresh session, and that session must suit
 * this connection (version, session id context) before it is resumed.
 *
 * TLS 1.3 with SSL_OP_NO_TICKET, or taking early data with anti-replay on:
 * stateful tickets, as OpenSSL. The ticket is the session's id in the
 * SSL_CTX's cache, and it can be used once.
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* HMAC_CTX: the callback's documented type */

#include "compat/sess.h"
#include "compat/init.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#define TICKET_NAME_LEN 16
#define TICKET_MAX_DER  65536 /* no session we make is near this */

/* AES-256-CBC and HMAC come from the SSL_CTX's library context, where
 * they were fetched once (core's tls_crypto); NULL if it lacks them. */
static const EVP_CIPHER *ticket_cipher(const SSL_CTX *ctx)
{
    return tls_crypto_cipher(ctx->crypto, NID_aes_256_cbc);
}

static int algs_ready(const SSL_CTX *ctx)
{
    return ticket_cipher(ctx) != NULL && tls_crypto_hmac(ctx->crypto) != NULL;
}

/* --- keys ------------------------------------------------------------------------ */

static int key_new(OSSL_LIB_CTX *libctx, shimssl_ticket_key *k)
{
    if (RAND_bytes_ex(libctx, k->name, sizeof(k->name), 0) <= 0 ||
        RAND_priv_bytes_ex(libctx, k->hmac_key, sizeof(k->hmac_key), 0) <= 0 ||
        RAND_priv_bytes_ex(libctx, k->aes_key, sizeof(k->aes_key), 0) <= 0)
        return 0;
    k->created = time(NULL);
    k->valid = 1;
    return 1;
}

int shimssl_ticket_keys_new(SSL_CTX *ctx, shimssl_sess_ctx *sc)
{
    memset(&sc->key, 0, sizeof(sc->key));
    return key_new(ctx->libctx, &sc->key);
}

/* The sealing key (never rotated: see the top). */
static int current_key(SSL_CTX *ctx, shimssl_ticket_key *out)
{
    shimssl_sess_ctx *sc = ctx->api_sess;
    int ok;

    CRYPTO_THREAD_read_lock(sc->lock);
    *out = sc->key;
    ok = out->valid;
    CRYPTO_THREAD_unlock(sc->lock);
    return ok;
}

/* The key named name: 0, or -1 if unknown (another context's, or a key
 * this one no longer has after SSL_CTX_set_tlsext_ticket_keys). */
static int find_key(SSL_CTX *ctx, const unsigned char *name, shimssl_ticket_key *out)
{
    shimssl_sess_ctx *sc = ctx->api_sess;
    int which = -1;

    CRYPTO_THREAD_read_lock(sc->lock);
    if (sc->key.valid && CRYPTO_memcmp(sc->key.name, name, TICKET_NAME_LEN) == 0) {
        *out = sc->key;
        which = 0;
    }
    CRYPTO_THREAD_unlock(sc->lock);
    return which;
}

/* SSL_CTRL_GET/SET_TLSEXT_TICKET_KEYS: name(16) || HMAC key(32) || AES key(32). */
long shimssl_ticket_keys_ctrl(SSL_CTX *ctx, int set, void *keys, long len)
{
    shimssl_sess_ctx *sc = ctx->api_sess;
    unsigned char *p = keys;

    if (keys == NULL)
        return 80;
    if (len != 80) {
        SHIMSSL_ERR(SSL_R_INVALID_TICKET_KEYS_LENGTH);
        return 0;
    }
    CRYPTO_THREAD_write_lock(sc->lock);
    if (set) {
        memset(&sc->key, 0, sizeof(sc->key));
        memcpy(sc->key.name, p, 16);
        memcpy(sc->key.hmac_key, p + 16, 32);
        memcpy(sc->key.aes_key, p + 48, 32);
        sc->key.created = time(NULL);
        sc->key.valid = 1;
    } else {
        memcpy(p, sc->key.name, 16);
        memcpy(p + 16, sc->key.hmac_key, 32);
        memcpy(p + 48, sc->key.aes_key, 32);
    }
    CRYPTO_THREAD_unlock(sc->lock);
    return 1;
}

int SSL_CTX_set_tlsext_ticket_key_evp_cb(SSL_CTX *ctx,
                                         int (*fp)(SSL *, unsigned char *, unsigned char *,
                                                   EVP_CIPHER_CTX *, EVP_MAC_CTX *, int))
{
    if (ctx == NULL || ctx->api_sess == NULL)
        return 0;
    ctx->api_sess->ticket_cb =
        (int (*)(SSL *, unsigned char *, unsigned char *, EVP_CIPHER_CTX *, void *, int))fp;
    ctx->api_sess->ticket_cb_is_evp = 1;
    return 1;
}

/* SSL_CTX_set_tlsext_ticket_key_cb (through SSL_CTX_callback_ctrl). */
long shimssl_ticket_set_hmac_cb(SSL_CTX *ctx, void (*fp)(void))
{
    if (ctx == NULL || ctx->api_sess == NULL)
        return 0;
    ctx->api_sess->ticket_cb =
        (int (*)(SSL *, unsigned char *, unsigned char *, EVP_CIPHER_CTX *, void *, int))fp;
    ctx->api_sess->ticket_cb_is_evp = 0;
    return 1;
}

int SSL_CTX_set_session_ticket_cb(SSL_CTX *ctx, SSL_CTX_generate_session_ticket_fn gen_cb,
                                  SSL_CTX_decrypt_session_ticket_fn dec_cb, void *arg)
{
    if (ctx == NULL || ctx->api_sess == NULL)
        return 0;
    ctx->api_sess->appdata_gen_cb = gen_cb;
    ctx->api_sess->appdata_dec_cb = dec_cb;
    ctx->api_sess->appdata_cb_arg = arg;
    return 1;
}

/* --- the MAC, whichever form the callback uses ---------------------------------------- */

typedef struct ticket_mac {
    EVP_MAC_CTX *evp;
    HMAC_CTX *legacy;
} ticket_mac;

static int mac_new(const SSL_CTX *ctx, ticket_mac *m, int legacy)
{
    memset(m, 0, sizeof(*m));
    if (legacy)
        return (m->legacy = HMAC_CTX_new()) != NULL; /* the callback keys it */
    return (m->evp = EVP_MAC_CTX_new(tls_crypto_hmac(ctx->crypto))) != NULL;
}

static void mac_free(ticket_mac *m)
{
    EVP_MAC_CTX_free(m->evp);
    HMAC_CTX_free(m->legacy);
}

static int mac_set_key(ticket_mac *m, const unsigned char *key, size_t len)
{
    OSSL_PARAM params[2];

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    return EVP_MAC_init(m->evp, key, len, params);
}

/* The callback set key and digest as parameters: start the computation. */
static int mac_start(ticket_mac *m)
{
    if (m->legacy != NULL)
        return HMAC_Init_ex(m->legacy, NULL, 0, NULL, NULL);
    return EVP_MAC_init(m->evp, NULL, 0, NULL);
}

static size_t mac_size(ticket_mac *m)
{
    return m->legacy != NULL ? HMAC_size(m->legacy) : EVP_MAC_CTX_get_mac_size(m->evp);
}

static int mac_compute(ticket_mac *m, const unsigned char *p, size_t len, unsigned char *out,
                       size_t *out_len)
{
    if (m->legacy != NULL) {
        unsigned int n = 0;

        if (!HMAC_Update(m->legacy, p, len) || !HMAC_Final(m->legacy, out, &n))
            return 0;
        *out_len = n;
        return 1;
    }
    return EVP_MAC_update(m->evp, p, len) && EVP_MAC_final(m->evp, out, out_len, EVP_MAX_MD_SIZE);
}

/*
 * TLS 1.3 tickets are stateful (cache keys) with SSL_OP_NO_TICKET, and also,
 * as OpenSSL, while the server takes early data with anti-replay on: the
 * cache then lets each ticket be used once.
 */
static int tls13_stateful(const SSL *s)
{
    return (s->options & SSL_OP_NO_TICKET) ||
           (s->api_max_early_data > 0 && !(s->options & SSL_OP_NO_ANTI_REPLAY));
}

/* --- sealing ------------------------------------------------------------------------------ */

/*
 * Encrypt the DER of ss into out. Returns 0 (made), 1 (no ticket: the
 * callback declined or it does not fit), or < 0.
 */
static int seal(SSL *s, SSL_SESSION *ss, uint8_t *out, size_t cap, size_t *len)
{
    SSL_CTX *ctx = shimssl_session_ctx(s);
    shimssl_sess_ctx *sc = ctx->api_sess;
    unsigned char *der = NULL, *p;
    unsigned char name[TICKET_NAME_LEN], iv[EVP_MAX_IV_LENGTH];
    EVP_CIPHER_CTX *cctx = EVP_CIPHER_CTX_new();
    ticket_mac m;
    shimssl_ticket_key key;
    int der_len, n, rc = TLS_ERR_INTERNAL;
    size_t iv_len, mac_len, ct_len, total, got;

    memset(&key, 0, sizeof(key));
    if (cctx == NULL || !mac_new(ctx, &m, sc->ticket_cb != NULL && !sc->ticket_cb_is_evp)) {
        EVP_CIPHER_CTX_free(cctx);
        return TLS_ERR_INTERNAL;
    }
    if (sc->ticket_cb != NULL) {
        int cb = sc->ticket_cb(s, name, iv, cctx,
                               m.legacy != NULL ? (void *)m.legacy : (void *)m.evp, 1);

        if (cb == 0) {
            rc = 1;
            goto done;
        }
        if (cb < 0 || !mac_start(&m))
            goto done;
    } else {
        if (!current_key(ctx, &key) || RAND_bytes_ex(ctx->libctx, iv, 16, 0) <= 0)
            goto done;
        memcpy(name, key.name, sizeof(name));
        if (!EVP_EncryptInit_ex(cctx, ticket_cipher(ctx), NULL, key.aes_key, iv) ||
            !mac_set_key(&m, key.hmac_key, sizeof(key.hmac_key)))
            goto done;
    }
    iv_len = (size_t)EVP_CIPHER_CTX_get_iv_length(cctx);
    mac_len = mac_size(&m);
    if (iv_len > sizeof(iv) || mac_len == 0 || mac_len > EVP_MAX_MD_SIZE)
        goto done;
    if ((der_len = i2d_SSL_SESSION(ss, NULL)) <= 0 || der_len > TICKET_MAX_DER ||
        (der = OPENSSL_malloc((size_t)der_len)) == NULL)
        goto done;
    p = der;
    if (i2d_SSL_SESSION(ss, &p) != der_len)
        goto done;
    ct_len = (size_t)der_len + (size_t)EVP_CIPHER_CTX_get_block_size(cctx);
    total = TICKET_NAME_LEN + iv_len + ct_len + mac_len;
    if (total > cap) {
        rc = 1; /* too big for the message: issue none rather than fail */
        goto done;
    }
    memcpy(out, name, TICKET_NAME_LEN);
    memcpy(out + TICKET_NAME_LEN, iv, iv_len);
    p = out + TICKET_NAME_LEN + iv_len;
    if (!EVP_EncryptUpdate(cctx, p, &n, der, der_len))
        goto done;
    ct_len = (size_t)n;
    if (!EVP_EncryptFinal_ex(cctx, p + ct_len, &n))
        goto done;
    ct_len += (size_t)n;
    p += ct_len;
    if (!mac_compute(&m, out, (size_t)(p - out), p, &got) || got != mac_len)
        goto done;
    *len = (size_t)(p - out) + mac_len;
    rc = 0;
done:
    if (der != NULL)
        OPENSSL_clear_free(der, (size_t)(der_len > 0 ? der_len : 0));
    OPENSSL_cleanse(&key, sizeof(key));
    EVP_CIPHER_CTX_free(cctx);
    mac_free(&m);
    return rc;
}

int shimssl_ticket_seal(void *arg, tls_conn *c, const tls_session_state *st, uint8_t *out,
                        size_t cap, size_t *len)
{
    SSL *s = arg;
    SSL_SESSION *ss;
    int rc;

    SSL_SESSION *cur;
    shimssl_sess_ctx *sc = shimssl_session_ctx(s)->api_sess;

    if (sc == NULL || !algs_ready(shimssl_session_ctx(s)))
        return TLS_ERR_INTERNAL;
    /* A TLS 1.2 ticket goes out inside the handshake: the connection's
     * session must exist already (as OpenSSL's does from the ClientHello
     * on), for SSL_get_session in the callback below. */
    if (st->version == TLS_V12 && c != NULL && shimssl_session_server_current(s, c, st) == NULL)
        return TLS_ERR_INTERNAL;
    /* The application may now put its data on the connection's session
     * (SSL_SESSION_set1_ticket_appdata); the ticket carries it. */
    if (sc->appdata_gen_cb != NULL && !sc->appdata_gen_cb(s, sc->appdata_cb_arg))
        return TLS_ERR(TLS_AD_INTERNAL_ERROR, SSL_R_CALLBACK_FAILED);
    if ((ss = shimssl_session_from_state(s, st, NULL, 0)) == NULL)
        return TLS_ERR_INTERNAL;
    cur = SSL_get_session(s);
    if (cur != NULL && cur->ticket_appdata_len > 0 &&
        !SSL_SESSION_set1_ticket_appdata(ss, cur->ticket_appdata, cur->ticket_appdata_len)) {
        SSL_SESSION_free(ss);
        return TLS_ERR_INTERNAL;
    }
    if (st->version == TLS_V13) {
        /* The ticket lives as long as the session timeout says
         * (tls_config.ticket_lifetime, set in shimssl_sess_config). */
        ss->timeout = st->lifetime;
        ss->ticket_lifetime_hint = st->lifetime;
        /* Every TLS 1.3 server session has an id of its own (the callbacks
         * and the stateful cache key on it). */
        if (RAND_bytes_ex(s->ctx->libctx, ss->id, 32, 0) <= 0) {
            SSL_SESSION_free(ss);
            return TLS_ERR_INTERNAL;
        }
        ss->id_len = 32;
        /* As OpenSSL's s->session: the connection's session is the one of
         * its latest ticket (SSL_get_session, SSL_CTX_add_session of it). */
        SSL_SESSION_up_ref(ss);
        shimssl_session_set_own(s, ss);
    }
    if (st->version == TLS_V13 && tls13_stateful(s)) {
        /* Stateful: the ticket is the cache key. */
        if (cap < ss->id_len) {
            SSL_SESSION_free(ss);
            return 1;
        }
        memcpy(out, ss->id, ss->id_len);
        *len = ss->id_len;
        /* Kept where the cache mode says: internally, and/or with the
         * application's callbacks (its get callback finds it again). */
        shimssl_cache_new_session(s, ss, SSL_SESS_CACHE_SERVER, 1);
        SSL_SESSION_free(ss);
        return 0;
    }
    rc = seal(s, ss, out, cap, len);
    /* A stateless TLS 1.3 ticket's session is kept in the internal cache
     * only for an application with a remove callback (OpenSSL: it hears of
     * the timeouts); the new-session callback hears of it anyway. */
    if (rc == 0 && st->version == TLS_V13)
        shimssl_cache_new_session(s, ss, SSL_SESS_CACHE_SERVER,
                                  shimssl_session_ctx(s)->api_remove_session_cb != NULL);
    SSL_SESSION_free(ss);
    return rc;
}

/* --- opening ------------------------------------------------------------------------------- */

/*
 * The session in a stateless ticket, or NULL (not ours, forged, damaged,
 * undecodable). *renew is set when the key that opened it is old or the
 * callback asked for renewal. Callback errors (< 0) give NULL as well:
 * a ticket we cannot open means a full handshake.
 */
SSL_SESSION *shimssl_ticket_decode(SSL_CTX *ctx, SSL *s, const uint8_t *ticket, size_t len,
                                   int *renew)
{
    shimssl_sess_ctx *sc = ctx->api_sess;
    EVP_CIPHER_CTX *cctx = NULL;
    ticket_mac m;
    shimssl_ticket_key key;
    unsigned char name[TICKET_NAME_LEN], iv[EVP_MAX_IV_LENGTH], mac[EVP_MAX_MD_SIZE];
    unsigned char *pt = NULL;
    const unsigned char *p;
    size_t iv_len, mac_len, ct_len = 0, got;
    int n, pt_len = 0;
    SSL_SESSION *ss = NULL;

    *renew = 0;
    memset(&key, 0, sizeof(key));
    memset(&m, 0, sizeof(m));
    ERR_set_mark();
    if (sc == NULL || !algs_ready(ctx) || len < TICKET_NAME_LEN + 16 + 16 + 32 ||
        len > TICKET_MAX_DER + 256)
        goto done;
    memcpy(name, ticket, TICKET_NAME_LEN);
    /* The callback may read up to EVP_MAX_IV_LENGTH bytes of IV. */
    memset(iv, 0, sizeof(iv));
    memcpy(iv, ticket + TICKET_NAME_LEN,
           len - TICKET_NAME_LEN < sizeof(iv) ? len - TICKET_NAME_LEN : sizeof(iv));
    if ((cctx = EVP_CIPHER_CTX_new()) == NULL ||
        !mac_new(ctx, &m, sc->ticket_cb != NULL && !sc->ticket_cb_is_evp))
        goto done;
    if (sc->ticket_cb != NULL) {
        int cb = sc->ticket_cb(s, name, iv, cctx,
                               m.legacy != NULL ? (void *)m.legacy : (void *)m.evp, 0);

        if (cb <= 0 || !mac_start(&m))
            goto done;
        *renew = cb == 2;
    } else {
        int which = find_key(ctx, name, &key);

        if (which < 0)
            goto done;
        if (!EVP_DecryptInit_ex(cctx, ticket_cipher(ctx), NULL, key.aes_key, iv) ||
            !mac_set_key(&m, key.hmac_key, sizeof(key.hmac_key)))
            goto done;
    }
    iv_len = (size_t)EVP_CIPHER_CTX_get_iv_length(cctx);
    mac_len = mac_size(&m);
    if (iv_len > sizeof(iv) || mac_len == 0 || mac_len > sizeof(mac) ||
        len <= TICKET_NAME_LEN + iv_len + mac_len)
        goto done;
    ct_len = len - TICKET_NAME_LEN - iv_len - mac_len;
    /* RFC 5077 4: the MAC first; nothing is decrypted before it holds. */
    if (!mac_compute(&m, ticket, len - mac_len, mac, &got) || got != mac_len ||
        CRYPTO_memcmp(mac, ticket + len - mac_len, mac_len) != 0)
        goto done;
    if ((pt = OPENSSL_malloc(ct_len + EVP_MAX_BLOCK_LENGTH)) == NULL ||
        !EVP_DecryptUpdate(cctx, pt, &n, ticket + TICKET_NAME_LEN + iv_len, (int)ct_len))
        goto done;
    pt_len = n;
    if (!EVP_DecryptFinal_ex(cctx, pt + pt_len, &n))
        goto done;
    pt_len += n;
    p = pt;
    ss = d2i_SSL_SESSION(NULL, &p, pt_len);
    if (ss != NULL && p != pt + pt_len) {
        SSL_SESSION_free(ss);
        ss = NULL;
    }
done:
    ERR_pop_to_mark(); /* a bad ticket is a full handshake, not an error */
    if (pt != NULL)
        OPENSSL_clear_free(pt, ct_len + EVP_MAX_BLOCK_LENGTH);
    OPENSSL_cleanse(&key, sizeof(key));
    EVP_CIPHER_CTX_free(cctx);
    mac_free(&m);
    return ss;
}

/*
 * SSL_CTX_set_session_ticket_cb's decrypt callback sees every ticket, opened
 * or not, and TLS 1.2's empty one. Returns ticket_open's codes: 0 (go on
 * with ss, *renew updated), 1 (full handshake, new ticket), 3 (full
 * handshake, no new ticket) or < 0 (abort), as OpenSSL's tls_decrypt_ticket.
 */
static int ask_dec_cb(SSL *s, SSL_SESSION *ss, const uint8_t *ticket, size_t len, int *renew)
{
    shimssl_sess_ctx *sc = shimssl_session_ctx(s)->api_sess;
    SSL_TICKET_STATUS status = len == 0     ? SSL_TICKET_EMPTY
                               : ss == NULL ? SSL_TICKET_NO_DECRYPT
                               : *renew     ? SSL_TICKET_SUCCESS_RENEW
                                            : SSL_TICKET_SUCCESS;
    SSL_TICKET_RETURN ret = sc->appdata_dec_cb(
        s, ss, ticket, len < TICKET_NAME_LEN ? len : TICKET_NAME_LEN, status, sc->appdata_cb_arg);

    switch (ret) {
    case SSL_TICKET_RETURN_USE:
    case SSL_TICKET_RETURN_USE_RENEW:
        if (ss == NULL) /* documented as an error */
            return TLS_ERR(TLS_AD_INTERNAL_ERROR, SSL_R_CALLBACK_FAILED);
        *renew = ret == SSL_TICKET_RETURN_USE_RENEW;
        return 0;
    case SSL_TICKET_RETURN_IGNORE:
        return 3;
    case SSL_TICKET_RETURN_IGNORE_RENEW:
        return 1;
    default: /* SSL_TICKET_RETURN_ABORT and anything unknown */
        return TLS_ERR(TLS_AD_INTERNAL_ERROR, SSL_R_CALLBACK_FAILED);
    }
}

int shimssl_ticket_open(void *arg, tls_conn *c, const uint8_t *ticket, size_t len,
                        tls_session_state *st)
{
    SSL *s = arg;
    shimssl_sess_ctx *sc = shimssl_session_ctx(s)->api_sess;
    SSL_SESSION *ss = NULL;
    int renew = 0, rc;

    if (sc == NULL)
        return 1;
    /* With SSL_OP_NO_TICKET only TLS 1.3 PSK identities reach here (a
     * TLS 1.2 server then takes no tickets): they are cache keys, and a
     * stateful resumption always gets new tickets. */
    if (tls13_stateful(s) && (c == NULL || tls_conn_version(c) != TLS_V12)) {
        /* Stateful: single use (RFC 8446 8.1), so out of the cache now. */
        if ((ss = shimssl_cache_get(s, ticket, len)) == NULL)
            return 1;
        (void)SSL_CTX_remove_session(shimssl_session_ctx(s), ss);
        renew = 1;
    } else {
        if (len > 0)
            ss = shimssl_ticket_decode(shimssl_session_ctx(s), s, ticket, len, &renew);
        /* OpenSSL renews every TLS 1.3 ticket its own keys open (core sets
         * the version before this only for TLS 1.2). */
        if (ss != NULL && sc->ticket_cb == NULL &&
            (c != NULL ? tls_conn_version(c) != TLS_V12 : ss->ssl_version == TLS1_3_VERSION))
            renew = 1;
        if (sc->appdata_dec_cb != NULL && (rc = ask_dec_cb(s, ss, ticket, len, &renew)) != 0) {
            SSL_SESSION_free(ss);
            return rc;
        }
        if (ss == NULL)
            return 1;
    }
    if (shimssl_session_expired(ss, time(NULL))) {
        SSL_SESSION_free(ss);
        return 1;
    }
    if ((rc = shimssl_sess_check_found(s, c, ss, st)) != 0) {
        SSL_SESSION_free(ss);
        return rc;
    }
    shimssl_sess_found(s, ss);
    return renew ? 2 : 0;
}

/* Server, TLS 1.3: one more ticket, sent with the next write (or
 * SSL_do_handshake / SSL_read when no write is pending), as OpenSSL. */
int SSL_new_session_ticket(SSL *s)
{
    tls_conn *c = s != NULL ? shimssl_conn(s) : NULL;
    shimssl_sess_ssl *ps = s != NULL ? shimssl_sess(s) : NULL;

    if (c == NULL || ps == NULL || !s->server || !tls_conn_handshake_done(c) ||
        tls_conn_version(c) != TLS_V13) {
        SHIMSSL_ERR(ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED);
        return 0;
    }
    ps->tickets_queued++;
    if (s->wpend_len == 0)
        ps->tickets_armed = 1;
    return 1;
}

int shimssl_sess_send_queued_tickets(SSL *s, int at_write)
{
    shimssl_sess_ssl *ps = shimssl_sess(s);
    tls_conn *c = shimssl_conn(s);
    size_t n;
    int rc;

    if (ps == NULL || c == NULL || ps->tickets_queued == 0 || s->wpend_len > 0 ||
        (!at_write && !ps->tickets_armed))
        return 1;
    n = ps->tickets_queued;
    ps->tickets_queued = 0;
    ps->tickets_armed = 0;
    if ((rc = tls_conn_send_tickets(c, n)) < 0)
        return shimssl_io_fail(s, rc);
    return 1;
}
