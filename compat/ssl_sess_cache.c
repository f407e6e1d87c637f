/*
 * The session cache of an SSL_CTX and everything around it: the
 * SSL_CTX_add/remove/flush API, the new/get/remove callbacks, the
 * SSL_CTX_sess_* counters, and the glue between the engine's session
 * events and the application (which session a connection has, when the
 * new-session callback runs, what a client offers for resumption).
 *
 * The cache is a chained hash table on the session id with a list in order
 * of use, so that a full cache drops its least recently used session (as
 * OpenSSL does, counting it in SSL_CTX_sess_cache_full). One lock per
 * SSL_CTX guards it; application callbacks run outside the lock, so a
 * callback may call back into the cache.
 *
 * Counters follow the man page of SSL_CTX_sess_number: connect/accept at
 * each handshake start, *_good at each successful end, hits for resumed
 * handshakes (client and server), misses / timeouts / cb_hits for server
 * lookups by session id, cache_full for evictions.
 */
#include "compat/sess.h"
#include "compat/init.h"

#include <string.h>

#define CACHE_MIN_BUCKETS 256

typedef struct shimssl_cache_node {
    SSL_SESSION *ss; /* one reference held */
    unsigned char id[SSL_MAX_SSL_SESSION_ID_LENGTH];
    size_t id_len;
    struct shimssl_cache_node *hnext;       /* hash chain; also the removal list */
    struct shimssl_cache_node *prev, *next; /* order of use */
} cache_node;

static shimssl_sess_ctx *sctx(const SSL_CTX *ctx)
{
    return ctx->api_sess;
}

/* --- counters ------------------------------------------------------------------- */

void shimssl_sess_count(SSL_CTX *ctx, int cmd)
{
    shimssl_sess_ctx *sc = sctx(ctx);

    if (sc != NULL && cmd > SSL_CTRL_SESS_NUMBER && cmd <= SSL_CTRL_SESS_CACHE_FULL)
        __atomic_add_fetch(&sc->stats[cmd - SSL_CTRL_SESS_NUMBER], 1, __ATOMIC_RELAXED);
}

long shimssl_sess_stat(SSL_CTX *ctx, int cmd)
{
    shimssl_sess_ctx *sc = sctx(ctx);
    long n;

    if (sc == NULL || cmd < SSL_CTRL_SESS_NUMBER || cmd > SSL_CTRL_SESS_CACHE_FULL)
        return 0;
    if (cmd == SSL_CTRL_SESS_NUMBER) {
        CRYPTO_THREAD_read_lock(sc->lock);
        n = (long)sc->count;
        CRYPTO_THREAD_unlock(sc->lock);
        return n;
    }
    return __atomic_load_n(&sc->stats[cmd - SSL_CTRL_SESS_NUMBER], __ATOMIC_RELAXED);
}

/* --- the table (callers hold the lock) -------------------------------------------- */

static size_t bucket_of(const shimssl_sess_ctx *sc, const unsigned char *id, size_t len)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */

    for (size_t i = 0; i < len; i++)
        h = (h ^ id[i]) * 1099511628211ull;
    return (size_t)(h % sc->n_buckets);
}

static cache_node *find_node(shimssl_sess_ctx *sc, const unsigned char *id, size_t len)
{
    for (cache_node *n = sc->buckets[bucket_of(sc, id, len)]; n != NULL; n = n->hnext)
        if (n->id_len == len && memcmp(n->id, id, len) == 0)
            return n;
    return NULL;
}

static void lru_unlink(shimssl_sess_ctx *sc, cache_node *n)
{
    if (n->prev != NULL)
        n->prev->next = n->next;
    else
        sc->lru_head = n->next;
    if (n->next != NULL)
        n->next->prev = n->prev;
    else
        sc->lru_tail = n->prev;
    n->prev = n->next = NULL;
}

static void lru_push_front(shimssl_sess_ctx *sc, cache_node *n)
{
    n->prev = NULL;
    n->next = sc->lru_head;
    if (sc->lru_head != NULL)
        sc->lru_head->prev = n;
    sc->lru_head = n;
    if (sc->lru_tail == NULL)
        sc->lru_tail = n;
}

static void unlink_node(shimssl_sess_ctx *sc, cache_node *n)
{
    if (sc->lh != NULL)
        (void)OPENSSL_LH_delete(sc->lh, n->ss);
    cache_node **pp = &sc->buckets[bucket_of(sc, n->id, n->id_len)];

    while (*pp != n)
        pp = &(*pp)->hnext;
    *pp = n->hnext;
    n->hnext = NULL;
    lru_unlink(sc, n);
    sc->count--;
}

/* Double the table when chains get long (allocation failure: keep going). */
static void maybe_grow(shimssl_sess_ctx *sc)
{
    cache_node **nb;
    size_t nn = sc->n_buckets * 2, old = sc->n_buckets;

    if (sc->count < sc->n_buckets * 2 || (nb = OPENSSL_zalloc(nn * sizeof(*nb))) == NULL)
        return;
    for (size_t i = 0; i < old; i++) {
        cache_node *n = sc->buckets[i], *next;

        for (; n != NULL; n = next) {
            next = n->hnext;
            sc->n_buckets = nn;
            size_t b = bucket_of(sc, n->id, n->id_len);
            n->hnext = nb[b];
            nb[b] = n;
        }
    }
    OPENSSL_free(sc->buckets);
    sc->buckets = nb;
    sc->n_buckets = nn;
}

/*
 * Finish removals outside the lock: the remove callback sees each session,
 * which can never be offered again, then the cache's reference goes.
 */
static void release_removed(SSL_CTX *ctx, cache_node *list, int callback)
{
    cache_node *next;

    for (; list != NULL; list = next) {
        next = list->hnext;
        list->ss->not_resumable = 1;
        if (callback && ctx->api_remove_session_cb != NULL)
            ctx->api_remove_session_cb(ctx, list->ss);
        SSL_SESSION_free(list->ss);
        OPENSSL_free(list);
    }
}

/* --- the public cache API ------------------------------------------------------------- */

int SSL_CTX_add_session(SSL_CTX *ctx, SSL_SESSION *ss)
{
    shimssl_sess_ctx *sc = ctx != NULL ? sctx(ctx) : NULL;
    cache_node *n, *old, *removed = NULL, *replaced = NULL;

    if (sc == NULL || ss == NULL || ss->id_len == 0)
        return 0;
    if ((n = OPENSSL_zalloc(sizeof(*n))) == NULL)
        return 0;
    SSL_SESSION_up_ref(ss);
    n->ss = ss;
    memcpy(n->id, ss->id, ss->id_len);
    n->id_len = ss->id_len;
    CRYPTO_THREAD_write_lock(sc->lock);
    if ((old = find_node(sc, n->id, n->id_len)) != NULL) {
        if (old->ss == ss) {
            /* Already there: only its place in the order of use changes. */
            lru_unlink(sc, old);
            lru_push_front(sc, old);
            CRYPTO_THREAD_unlock(sc->lock);
            SSL_SESSION_free(ss);
            OPENSSL_free(n);
            return 0;
        }
        unlink_node(sc, old); /* same id, another object: replaced */
        replaced = old;
    }
    while (ctx->session_cache_size > 0 && sc->count >= (size_t)ctx->session_cache_size &&
           sc->lru_tail != NULL) {
        cache_node *victim = sc->lru_tail;

        unlink_node(sc, victim);
        victim->hnext = removed;
        removed = victim;
        sc->stats[SSL_CTRL_SESS_CACHE_FULL - SSL_CTRL_SESS_NUMBER]++;
    }
    size_t b = bucket_of(sc, n->id, n->id_len);
    n->hnext = sc->buckets[b];
    sc->buckets[b] = n;
    lru_push_front(sc, n);
    sc->count++;
    if (sc->lh != NULL)
        (void)OPENSSL_LH_insert(sc->lh, ss);
    maybe_grow(sc);
    CRYPTO_THREAD_unlock(sc->lock);
    if (replaced != NULL) {
        SSL_SESSION_free(replaced->ss);
        OPENSSL_free(replaced);
    }
    release_removed(ctx, removed, 1);
    return 1;
}

int SSL_CTX_remove_session(SSL_CTX *ctx, SSL_SESSION *ss)
{
    shimssl_sess_ctx *sc = ctx != NULL ? sctx(ctx) : NULL;
    cache_node *n;

    if (ss == NULL || ss->id_len == 0)
        return 0;
    /* Never resumed again, whether the cache held it or not (a client's
     * session, one the cache already dropped): as OpenSSL. */
    ss->not_resumable = 1;
    if (sc == NULL)
        return 0;
    CRYPTO_THREAD_write_lock(sc->lock);
    n = find_node(sc, ss->id, ss->id_len);
    if (n != NULL && n->ss == ss)
        unlink_node(sc, n);
    else
        n = NULL;
    CRYPTO_THREAD_unlock(sc->lock);
    if (n == NULL) {
        /* OpenSSL tells the remove callback even of a session its cache
         * does not hold (an external cache's, a client's never stored). */
        if (ctx->api_remove_session_cb != NULL)
            ctx->api_remove_session_cb(ctx, ss);
        return 0;
    }
    release_removed(ctx, n, 1);
    return 1;
}

/* tm == 0 empties the cache (SSL_CTX_free does that). */
static void flush_sessions(SSL_CTX *ctx, long tm)
{
    shimssl_sess_ctx *sc = sctx(ctx);
    cache_node *removed = NULL, *n, *prev;

    if (sc == NULL)
        return;
    CRYPTO_THREAD_write_lock(sc->lock);
    for (n = sc->lru_tail; n != NULL; n = prev) {
        prev = n->prev;
        if (tm == 0 || shimssl_session_expired(n->ss, (time_t)tm)) {
            unlink_node(sc, n);
            n->hnext = removed;
            removed = n;
        }
    }
    CRYPTO_THREAD_unlock(sc->lock);
    release_removed(ctx, removed, 1);
}

void SSL_CTX_flush_sessions(SSL_CTX *ctx, long tm)
{
    if (ctx != NULL)
        flush_sessions(ctx, tm);
}

/* SSL_CTX_sessions' table: sessions hashed and compared by id, as OpenSSL's. */
static unsigned long lh_sess_hash(const void *p)
{
    const SSL_SESSION *ss = p;
    unsigned long h = 0;

    for (unsigned int i = 0; i < ss->id_len; i++)
        h = h * 31 + ss->id[i];
    return h;
}

static int lh_sess_cmp(const void *a, const void *b)
{
    const SSL_SESSION *x = a, *y = b;

    if (x->id_len != y->id_len)
        return 1;
    return memcmp(x->id, y->id, x->id_len);
}

/* The cache as an LHASH (read it under no other thread's changes, as with
 * OpenSSL's): made on first use from what the cache holds, then kept in
 * step by every insertion and removal. */
LHASH_OF(SSL_SESSION) * SSL_CTX_sessions(SSL_CTX *ctx)
{
    shimssl_sess_ctx *sc = ctx != NULL ? sctx(ctx) : NULL;
    OPENSSL_LHASH *lh;

    if (sc == NULL)
        return NULL;
    CRYPTO_THREAD_write_lock(sc->lock);
    if (sc->lh == NULL && (sc->lh = OPENSSL_LH_new(lh_sess_hash, lh_sess_cmp)) != NULL) {
        for (cache_node *n = sc->lru_head; n != NULL; n = n->next)
            (void)OPENSSL_LH_insert(sc->lh, n->ss);
    }
    lh = sc->lh;
    CRYPTO_THREAD_unlock(sc->lock);
    return (LHASH_OF(SSL_SESSION) *)lh;
}

int SSL_has_matching_session_id(const SSL *s, const unsigned char *id, unsigned int id_len)
{
    shimssl_sess_ctx *sc = s != NULL ? sctx(shimssl_session_ctx(s)) : NULL;
    int found;

    if (sc == NULL || id == NULL || id_len == 0 || id_len > SSL_MAX_SSL_SESSION_ID_LENGTH)
        return 0;
    CRYPTO_THREAD_read_lock(sc->lock);
    found = find_node(sc, id, id_len) != NULL;
    CRYPTO_THREAD_unlock(sc->lock);
    return found;
}

/*
 * Server lookup by session id (TLS 1.2 session ids, TLS 1.3 stateful
 * tickets): the internal cache unless NO_INTERNAL_LOOKUP, then the
 * application's get callback (always asked, whatever the mode). A session
 * that timed out is counted and dropped; one made under another session
 * id context is not resumed.
 */
SSL_SESSION *shimssl_cache_get(SSL *s, const unsigned char *id, size_t id_len)
{
    SSL_CTX *ctx = shimssl_session_ctx(s);
    shimssl_sess_ctx *sc = sctx(ctx);
    long mode = ctx->session_cache_mode;
    SSL_SESSION *ss = NULL;
    cache_node *n;

    if (sc == NULL || id_len == 0 || id_len > SSL_MAX_SSL_SESSION_ID_LENGTH)
        return NULL;
    if (!(mode & SSL_SESS_CACHE_NO_INTERNAL_LOOKUP)) {
        CRYPTO_THREAD_write_lock(sc->lock);
        if ((n = find_node(sc, id, id_len)) != NULL) {
            ss = n->ss;
            SSL_SESSION_up_ref(ss);
            lru_unlink(sc, n);
            lru_push_front(sc, n);
        }
        CRYPTO_THREAD_unlock(sc->lock);
    }
    if (ss == NULL && ctx->api_get_session_cb != NULL) {
        int copy = 1;

        ss = ctx->api_get_session_cb(s, id, (int)id_len, &copy);
        if (ss != NULL) {
            if (copy)
                SSL_SESSION_up_ref(ss);
            shimssl_sess_count(ctx, SSL_CTRL_SESS_CB_HIT);
            if (!(mode & SSL_SESS_CACHE_NO_INTERNAL_STORE))
                (void)SSL_CTX_add_session(ctx, ss);
        }
    }
    if (ss == NULL) {
        shimssl_sess_count(ctx, SSL_CTRL_SESS_MISSES);
        return NULL;
    }
    if (shimssl_session_expired(ss, time(NULL))) {
        shimssl_sess_count(ctx, SSL_CTRL_SESS_TIMEOUTS);
        (void)SSL_CTX_remove_session(ctx, ss);
        SSL_SESSION_free(ss);
        return NULL;
    }
    if (ss->sid_ctx_len != s->api_sid_ctx_len ||
        memcmp(ss->sid_ctx, s->api_sid_ctx, ss->sid_ctx_len) != 0 || ss->not_resumable) {
        SSL_SESSION_free(ss);
        return NULL;
    }
    if (mode & SSL_SESS_CACHE_UPDATE_TIME)
        ss->time = time(NULL);
    return ss;
}

/*
 * A session was established (side: SSL_SESS_CACHE_CLIENT or _SERVER):
 * into the internal cache if the mode says so and store is allowed (a
 * stateless TLS 1.3 ticket needs no server-side copy), and to the
 * application's new-session callback, which keeps our reference when it
 * returns 1.
 */
void shimssl_cache_new_session(SSL *s, SSL_SESSION *ss, int side, int store)
{
    SSL_CTX *ctx = shimssl_session_ctx(s);
    long mode = ctx->session_cache_mode;

    /* No id, nothing to find it by: a TLS 1.2 session sent as a ticket
     * (OpenSSL's server neither caches it nor tells the callback). */
    if (!(mode & side) || (side == SSL_SESS_CACHE_SERVER && ss->id_len == 0))
        return;
    /* OpenSSL's rule: a server that verifies clients but has no session id
     * context caches nothing (resuming would skip the verification). */
    if (side == SSL_SESS_CACHE_SERVER && s->api_sid_ctx_len == 0 &&
        (s->verify_mode & SSL_VERIFY_PEER))
        return;
    if (store && !(mode & SSL_SESS_CACHE_NO_INTERNAL_STORE) && ss->id_len > 0)
        (void)SSL_CTX_add_session(ctx, ss);
    if (ctx->api_new_session_cb != NULL) {
        /* OpenSSL runs the callback inside its state machine: there
         * SSL_in_init is 1 and SSL_is_init_finished 0, also for a TLS 1.3
         * ticket that arrives after the handshake. */
        int post = s->info_post, in_cb = s->info_in_cb;

        s->info_post = s->info_in_cb = 1;
        SSL_SESSION_up_ref(ss);
        if (!ctx->api_new_session_cb(s, ss))
            SSL_SESSION_free(ss);
        s->info_post = post;
        s->info_in_cb = in_cb;
    }
}

/* --- callbacks ---------------------------------------------------------------------- */

void SSL_CTX_sess_set_new_cb(SSL_CTX *ctx, int (*cb)(SSL *, SSL_SESSION *))
{
    ctx->api_new_session_cb = cb;
}

int (*SSL_CTX_sess_get_new_cb(SSL_CTX *ctx))(SSL *, SSL_SESSION *)
{
    return ctx->api_new_session_cb;
}

void SSL_CTX_sess_set_remove_cb(SSL_CTX *ctx, void (*cb)(SSL_CTX *, SSL_SESSION *))
{
    ctx->api_remove_session_cb = cb;
}

void (*SSL_CTX_sess_get_remove_cb(SSL_CTX *ctx))(SSL_CTX *, SSL_SESSION *)
{
    return ctx->api_remove_session_cb;
}

void SSL_CTX_sess_set_get_cb(SSL_CTX *ctx,
                             SSL_SESSION *(*cb)(SSL *, const unsigned char *, int, int *))
{
    ctx->api_get_session_cb = cb;
}

SSL_SESSION *(*SSL_CTX_sess_get_get_cb(SSL_CTX *ctx))(SSL *, const unsigned char *, int, int *)
{
    return ctx->api_get_session_cb;
}

/* --- lifecycle ------------------------------------------------------------------------ */

int shimssl_sess_ctx_init(SSL_CTX *ctx)
{
    shimssl_sess_ctx *sc = OPENSSL_zalloc(sizeof(*sc));

    if (sc == NULL)
        return 0;
    sc->n_buckets = CACHE_MIN_BUCKETS;
    if ((sc->lock = CRYPTO_THREAD_lock_new()) == NULL ||
        (sc->buckets = OPENSSL_zalloc(sc->n_buckets * sizeof(*sc->buckets))) == NULL ||
        !shimssl_ticket_keys_new(ctx, sc)) {
        CRYPTO_THREAD_lock_free(sc->lock);
        OPENSSL_free(sc->buckets);
        OPENSSL_free(sc);
        return 0;
    }
    ctx->api_sess = sc;
    return 1;
}

void shimssl_sess_ctx_free(SSL_CTX *ctx)
{
    shimssl_sess_ctx *sc = sctx(ctx);

    if (sc == NULL)
        return;
    flush_sessions(ctx, 0);
    OPENSSL_LH_free(sc->lh);
    ctx->api_sess = NULL;
    CRYPTO_THREAD_lock_free(sc->lock);
    OPENSSL_free(sc->buckets);
    OPENSSL_clear_free(sc, sizeof(*sc));
}

int shimssl_sess_ssl_init(SSL *s)
{
    return (s->api_sess = OPENSSL_zalloc(sizeof(*s->api_sess))) != NULL;
}

void shimssl_sess_ssl_free(SSL *s)
{
    if (s->api_sess == NULL)
        return;
    SSL_SESSION_free(s->api_sess->found);
    OPENSSL_clear_free(s->api_sess, sizeof(*s->api_sess));
    s->api_sess = NULL;
}

void shimssl_sess_ssl_clear(SSL *s)
{
    shimssl_sess_ssl *ps = shimssl_sess(s);

    if (ps == NULL)
        return;
    SSL_SESSION_free(ps->found);
    OPENSSL_cleanse(ps, sizeof(*ps));
}

/* --- the engine's configuration --------------------------------------------------------- */

/* Can the client offer ss on this connection (version range, suite)? */
static int client_can_offer(SSL *s, const SSL_SESSION *ss, const tls_config *cfg)
{
    if (!SSL_SESSION_is_resumable(ss) || ss->cipher == NULL)
        return 0;
    if (ss->ssl_version < cfg->min_version || ss->ssl_version > cfg->max_version)
        return 0;
    /* A TLS 1.2 ticket with SSL_OP_NO_TICKET is not offered (OpenSSL sends
     * no session_ticket extension then); its session id still is. */
    if (ss->ssl_version == TLS1_2_VERSION && ss->id_len == 0 && (s->options & SSL_OP_NO_TICKET))
        return 0;
    return !shimssl_session_expired(ss, time(NULL));
}

int shimssl_sess_config(SSL *s, tls_config *cfg)
{
    shimssl_sess_ssl *ps = shimssl_sess(s);
    SSL_SESSION *ss = s->api_session;

    if (ps == NULL)
        return 1;
    if (s->server) {
        cfg->ticket_seal = shimssl_ticket_seal;
        cfg->ticket_open = shimssl_ticket_open;
        cfg->num_tickets = s->num_tickets;
        /* OpenSSL's TLS 1.3 ticket lifetime is the session timeout. */
        long timeout = shimssl_session_ctx(s)->session_timeout;
        if (timeout > 0)
            cfg->ticket_lifetime = timeout > (long)UINT32_MAX ? UINT32_MAX : (uint32_t)timeout;
        cfg->max_early_data = s->api_max_early_data;
        cfg->early_data_ok = shimssl_early_data_ok;
        cfg->session_new = shimssl_cache_session_new;
        cfg->session_get = shimssl_cache_session_get;
        return 1;
    }
    if (ss != NULL && !s->api_session_is_own && client_can_offer(s, ss, cfg) &&
        shimssl_session_to_state(ss, &ps->resume_state)) {
        cfg->resume = &ps->resume_state;
        if (ss->ticket_len > 0) {
            cfg->resume_ticket = ss->ticket;
            cfg->resume_ticket_len = ss->ticket_len;
        }
        ps->resume_offered = 1;
    }
    if (ps->early_wanted)
        cfg->flags |= TLS_CFG_EARLY_DATA;
    return 1;
}

/* --- the engine's server hooks for TLS 1.2 session ids ------------------------------------ */

/* The id core chose for a full handshake: the session is completed (peer
 * certificate and all) and cached when the handshake ends. */
void shimssl_cache_session_new(void *arg, tls_conn *c, const tls_session_state *st)
{
    SSL *s = arg;
    shimssl_sess_ssl *ps = shimssl_sess(s);

    (void)c;
    if (ps == NULL)
        return;
    ps->new_state = *st;
    ps->have_new_state = 1;
}

/* Keep a session the server found for this handshake (ticket or id). */
void shimssl_sess_found(SSL *s, SSL_SESSION *ss)
{
    shimssl_sess_ssl *ps = shimssl_sess(s);

    if (ps == NULL) {
        SSL_SESSION_free(ss);
        return;
    }
    SSL_SESSION_free(ps->found);
    ps->found = ss;
}

/* Checks shared by session ids and tickets before a found session may be
 * resumed. 0: resume; 1: full handshake; < 0: fail. */
int shimssl_sess_check_found(SSL *s, tls_conn *c, SSL_SESSION *ss, tls_session_state *st)
{
    uint16_t v = c != NULL ? tls_conn_version(c) : 0;

    if (!shimssl_session_to_state(ss, st))
        return 1;
    if (v != 0 && v != st->version)
        return 1;
    /* A session of another id context is a full handshake; only then does
     * a verifying server without a context fail (OpenSSL's order in
     * ssl_get_prev_session: the session may not be reused out of context,
     * and an application that forgot the context must notice). */
    if (ss->sid_ctx_len != s->api_sid_ctx_len ||
        memcmp(ss->sid_ctx, s->api_sid_ctx, ss->sid_ctx_len) != 0)
        return 1;
    if ((s->verify_mode & SSL_VERIFY_PEER) && s->api_sid_ctx_len == 0)
        return TLS_ERR(TLS_AD_INTERNAL_ERROR, SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED);
    return 0;
}

int shimssl_cache_session_get(void *arg, tls_conn *c, const uint8_t *id, size_t id_len,
                              tls_session_state *st)
{
    SSL *s = arg;
    SSL_SESSION *ss = shimssl_cache_get(s, id, id_len);
    int rc;

    if (ss == NULL)
        return 1;
    if ((rc = shimssl_sess_check_found(s, c, ss, st)) != 0) {
        SSL_SESSION_free(ss);
        return rc;
    }
    shimssl_sess_found(s, ss);
    return 0;
}

/* --- engine events ---------------------------------------------------------------------- */

/* After a resumed handshake the connection shows the session's peer
 * certificate and verify result: no Certificate message came. */
static void resume_sync(SSL *s)
{
    shimssl_sess_ssl *ps = shimssl_sess(s);
    SSL_SESSION *ss = s->server ? ps->found : s->api_session;
    STACK_OF(X509) *chain = NULL;

    if (ps->resume_synced || ss == NULL || !SSL_session_reused(s))
        return;
    ps->resume_synced = 1;
    if (ss->peer != NULL && X509_up_ref(ss->peer)) {
        X509_free(s->api_peer_cert);
        s->api_peer_cert = ss->peer;
    }
    if (ss->peer_chain != NULL && (chain = X509_chain_up_ref(ss->peer_chain)) != NULL) {
        sk_X509_pop_free(s->api_peer_chain, X509_free);
        s->api_peer_chain = chain;
    }
    s->verify_result = ss->verify_result;
}

/* Client: the engine has a new resumable session (a TLS 1.3 ticket, or a
 * TLS 1.2 handshake's session). Each one is a new SSL_SESSION. */
static void client_new_session(SSL *s)
{
    tls_conn *c = shimssl_conn(s);
    tls_session_state st;
    const uint8_t *ticket = NULL;
    size_t ticket_len = 0;
    SSL_SESSION *ss;

    if (tls_conn_session(c, &st, &ticket, &ticket_len) != 0) {
        /* Nothing to resume: still a session describing the connection
         * for the application (s_client -sess_out, curl's cache). */
        if ((ss = shimssl_session_from_conn(s)) == NULL)
            return;
        shimssl_session_set_own(s, ss);
        shimssl_cache_new_session(s, ss, SSL_SESS_CACHE_CLIENT, 0);
        return;
    }
    resume_sync(s);
    /* TLS 1.2 resumed without a new ticket: the session stays the same. */
    if (st.version == TLS_V12 && SSL_session_reused(s) && s->api_session != NULL &&
        s->api_session->ticket_len == ticket_len &&
        (ticket_len == 0 || memcmp(s->api_session->ticket, ticket, ticket_len) == 0)) {
        s->api_session_is_own = 1;
        return;
    }
    /* TLS 1.2: a new ticket replaces the session in use, which (with
     * client caching on, as OpenSSL) leaves the cache and is never offered
     * again. A TLS 1.3 ticket leaves the earlier ones alone: a client may
     * keep every session it was given (the one it resumed left the cache
     * when the handshake ended). */
    if (st.version == TLS_V12 && ticket_len > 0 && s->api_session != NULL &&
        s->api_session->id_len > 0 &&
        (shimssl_session_ctx(s)->session_cache_mode & SSL_SESS_CACHE_CLIENT))
        (void)SSL_CTX_remove_session(shimssl_session_ctx(s), s->api_session);
    if ((ss = shimssl_session_from_state(s, &st, ticket, ticket_len)) == NULL)
        return;
    shimssl_session_set_own(s, ss);
    shimssl_cache_new_session(s, ss, SSL_SESS_CACHE_CLIENT, 1);
}

static void handshake_done(SSL *s)
{
    shimssl_sess_ssl *ps = shimssl_sess(s);
    SSL_CTX *ctx = shimssl_session_ctx(s);
    tls_conn *c = shimssl_conn(s);
    long mode = ctx->session_cache_mode;
    int reused = SSL_session_reused(s);

    /* As OpenSSL: completed handshakes count on the current context (the
     * one a servername callback chose), hits on the session context. */
    shimssl_sess_count(s->ctx, s->server ? SSL_CTRL_SESS_ACCEPT_GOOD : SSL_CTRL_SESS_CONNECT_GOOD);
    if (reused)
        shimssl_sess_count(ctx, SSL_CTRL_SESS_HIT);
    resume_sync(s);
    if (s->server) {
        if (reused && ps->found != NULL) {
            shimssl_session_set_own(s, ps->found);
            ps->found = NULL;
        } else if (!reused && tls_conn_version(c) == TLS_V12 && SSL_get_session(s) != NULL) {
            /* TLS 1.2: the handshake's session (TLS 1.3 servers report
             * theirs ticket by ticket). */
            shimssl_cache_new_session(s, s->api_session, SSL_SESS_CACHE_SERVER, ps->have_new_state);
        }
    } else if (reused && s->api_session != NULL) {
        s->api_session_is_own = 1;
        /* OpenSSL: a TLS 1.3 ticket is meant to be used once, so with client
         * caching on the session resumed leaves the cache (and is never
         * offered again) as the handshake ends. */
        if (tls_conn_version(c) == TLS_V13 && (mode & SSL_SESS_CACHE_CLIENT))
            (void)SSL_CTX_remove_session(ctx, s->api_session);
    }
    if (!(mode & SSL_SESS_CACHE_NO_AUTO_CLEAR) &&
        __atomic_add_fetch(&sctx(ctx)->handshakes, 1, __ATOMIC_RELAXED) % 255 == 0)
        flush_sessions(ctx, (long)time(NULL));
}

/* OpenSSL moves the accept counted at the start to the context a
 * servername callback switched to. */
void shimssl_sess_ctx_switched(SSL *s, SSL_CTX *from, SSL_CTX *to)
{
    shimssl_sess_ssl *ps = shimssl_sess(s);
    shimssl_sess_ctx *a = sctx(from), *b = sctx(to);

    if (ps == NULL || !ps->counted_start || a == NULL || b == NULL)
        return;
    __atomic_sub_fetch(&a->stats[SSL_CTRL_SESS_ACCEPT - SSL_CTRL_SESS_NUMBER], 1, __ATOMIC_RELAXED);
    shimssl_sess_count(to, SSL_CTRL_SESS_ACCEPT);
}

void shimssl_sess_event(SSL *s, int where, int value)
{
    shimssl_sess_ssl *ps = shimssl_sess(s);
    tls_conn *c = shimssl_conn(s);

    (void)value;
    if (ps == NULL || c == NULL || sctx(s->ctx) == NULL || sctx(shimssl_session_ctx(s)) == NULL)
        return;
    switch (where) {
    case TLS_EV_HANDSHAKE_START:
        if (!ps->counted_start) {
            ps->counted_start = 1;
            shimssl_sess_count(s->ctx, s->server ? SSL_CTRL_SESS_ACCEPT : SSL_CTRL_SESS_CONNECT);
        }
        break;
    case TLS_EV_HANDSHAKE_DONE:
        handshake_done(s);
        break;
    case TLS_EV_SESSION_TICKET:
        if (!s->server)
            client_new_session(s);
        break;
    case TLS_EV_SESSION_READY:
        /* TLS 1.3 sessions come with their tickets. */
        if (!s->server && tls_conn_version(c) != TLS_V13)
            client_new_session(s);
        break;
    default:
        break;
    }
}
