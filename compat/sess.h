/*
 * Sessions inside compat: the SSL_SESSION layout, the per-SSL_CTX session
 * cache and ticket keys, and the per-SSL resumption state. Shared by
 * ssl_session.c (the object and its encodings), ssl_sess_cache.c (the
 * cache, its counters and callbacks), ssl_ticket.c (ticket keys, sealing
 * and opening) and ssl_early.c (0-RTT). Nothing else includes this.
 */
#ifndef SHIMSSL_COMPAT_SESS_H
#define SHIMSSL_COMPAT_SESS_H

#include "compat/compat.h"

#include <time.h>

struct ssl_session_st {
    int references; /* atomic */
    int ssl_version;
    const SSL_CIPHER *cipher;
    X509 *peer;
    STACK_OF(X509) * peer_chain;
    long verify_result;
    time_t time;
    long timeout;
    char *hostname;
    unsigned char *alpn;
    size_t alpn_len;
    unsigned char id[SSL_MAX_SSL_SESSION_ID_LENGTH];
    unsigned int id_len;
    unsigned char sid_ctx[SSL_MAX_SID_CTX_LENGTH];
    unsigned int sid_ctx_len;
    unsigned char master_key[EVP_MAX_MD_SIZE];
    size_t master_key_len;
    unsigned char *ticket;
    size_t ticket_len;
    unsigned long ticket_lifetime_hint;
    uint32_t ticket_age_add;
    void *ticket_appdata;
    size_t ticket_appdata_len;
    uint32_t max_early_data;
    int ems;                       /* TLS 1.2 extended master secret */
    unsigned int comp_id;          /* TLS 1.2 compression method (0 = none) */
    uint8_t max_fragment_len_mode; /* RFC 6066 code negotiated (0 = none) */
    uint32_t kex_group;            /* key exchange group of the handshake (IANA) */
    int not_resumable;             /* removed from a cache: never offered again */
    CRYPTO_EX_DATA ex_data;
};

/* OpenSSL's SSL_SESSION flag bit for the extended master secret. */
#define SHIMSSL_SESS_FLAG_EMS 0x1

/* --- ssl_session.c ---------------------------------------------------------- */
/* Core's view of a session (0 if it cannot be resumed: no cipher / secret). */
int shimssl_session_to_state(const SSL_SESSION *ss, tls_session_state *st);
/* A new session from core's state plus what the SSL knows (peer
 * certificates, verify result, session id context, host name). */
SSL_SESSION *shimssl_session_from_state(SSL *s, const tls_session_state *st, const uint8_t *ticket,
                                        size_t ticket_len);
/* The connection's session from core (or, if core has none to resume, a
 * non-resumable one describing the connection). */
SSL_SESSION *shimssl_session_from_conn(SSL *s);
/* Make ss the connection's own session (takes the reference). */
void shimssl_session_set_own(SSL *s, SSL_SESSION *ss);
/* Server inside its handshake: the session being negotiated (the one
 * resumed, else a new one from core's state st), made the connection's own
 * so that SSL_get_session sees it, as OpenSSL's s->session. Borrowed. */
SSL_SESSION *shimssl_session_server_current(SSL *s, tls_conn *c, const tls_session_state *st);
/* Has the session outlived its timeout at time now? */
int shimssl_session_expired(const SSL_SESSION *ss, time_t now);

/* --- ssl_sess_cache.c --------------------------------------------------------- */
#define SHIMSSL_REPLAY_SLOTS 4096

typedef struct shimssl_ticket_key {
    unsigned char name[16];
    unsigned char hmac_key[32];
    unsigned char aes_key[32];
    time_t created;
    int valid;
} shimssl_ticket_key;

struct shimssl_cache_node;

typedef struct shimssl_sess_ctx {
    CRYPTO_RWLOCK *lock;
    /* The internal cache: chained hash on the session id, plus a list in
     * order of use (head = most recent) for eviction when full. */
    struct shimssl_cache_node **buckets;
    size_t n_buckets;
    size_t count;
    struct shimssl_cache_node *lru_head, *lru_tail;
    unsigned long handshakes; /* for the flush every 255 connections */
    long stats[12];           /* indexed by SSL_CTRL_SESS_* - SSL_CTRL_SESS_NUMBER */
    /* SSL_CTX_sessions: an LHASH kept in step with the cache (no references
     * of its own) once an application asked for it. */
    OPENSSL_LHASH *lh;

    /* The ticket key: made at SSL_CTX_new (or set by the application) and
     * kept for the context's life, as OpenSSL's. */
    shimssl_ticket_key key;
    int (*ticket_cb)(SSL *, unsigned char *, unsigned char *, EVP_CIPHER_CTX *, void *, int);
    int ticket_cb_is_evp; /* 1: EVP_MAC_CTX form, 0: deprecated HMAC_CTX */
    /* SSL_CTX_set_session_ticket_cb: application data in tickets. */
    SSL_CTX_generate_session_ticket_fn appdata_gen_cb;
    SSL_CTX_decrypt_session_ticket_fn appdata_dec_cb;
    void *appdata_cb_arg;

    /* 0-RTT anti-replay: digests of tickets whose early data was taken. */
    struct {
        unsigned char digest[16];
        time_t expires;
    } replay[SHIMSSL_REPLAY_SLOTS];
} shimssl_sess_ctx;

/* Per connection. */
typedef struct shimssl_sess_ssl {
    /* Client: what tls_config.resume points at. */
    tls_session_state resume_state;
    int resume_offered;
    int resume_synced; /* the resumed session's facts copied into the SSL */
    /* Server: the session a ticket / session id turned up (used if core
     * resumes it), and the state of a TLS 1.2 session id core issued. */
    SSL_SESSION *found;
    tls_session_state new_state;
    int have_new_state;
    int counted_start;
    /* SSL_new_session_ticket: tickets queued; armed when queued with no
     * write pending (the next SSL_do_handshake / SSL_read sends them). */
    size_t tickets_queued;
    int tickets_armed;
    /* 0-RTT. */
    int early_wanted;                       /* client: SSL_write_early_data was called */
    int early_state;                        /* SHIMSSL_EARLY_* */
    int early_started;                      /* the engine took the first early write */
    size_t early_pend_done, early_pend_len; /* a write that would block */
} shimssl_sess_ssl;

int shimssl_sess_ctx_init(SSL_CTX *ctx);
void shimssl_sess_ctx_free(SSL_CTX *ctx);
int shimssl_sess_ssl_init(SSL *s);
void shimssl_sess_ssl_free(SSL *s);
void shimssl_sess_ssl_clear(SSL *s);
/* tls_config entries for sessions (called from the ssl_config hook). */
int shimssl_sess_config(SSL *s, tls_config *cfg);
/* An engine event (TLS_EV_*). */
void shimssl_sess_event(SSL *s, int where, int value);
/* SSL_CTX_ctrl's SSL_CTRL_SESS_* statistics. */
long shimssl_sess_stat(SSL_CTX *ctx, int cmd);
void shimssl_sess_count(SSL_CTX *ctx, int cmd);
/* Cache lookups: a new reference, or NULL. */
SSL_SESSION *shimssl_cache_get(SSL *s, const unsigned char *id, size_t id_len);
/* Hand a new session to the cache (if store) and the new-session callback
 * as the cache mode says (side: SSL_SESS_CACHE_CLIENT / SERVER). */
void shimssl_cache_new_session(SSL *s, SSL_SESSION *ss, int side, int store);
/* tls_config.session_new / session_get. */
void shimssl_cache_session_new(void *arg, tls_conn *c, const tls_session_state *st);
int shimssl_cache_session_get(void *arg, tls_conn *c, const uint8_t *id, size_t id_len,
                              tls_session_state *st);
/* Server: keep the session found for this handshake (takes the reference). */
void shimssl_sess_found(SSL *s, SSL_SESSION *ss);
/* May a found session be resumed here? 0 yes (st filled), 1 no, < 0 fail. */
int shimssl_sess_check_found(SSL *s, tls_conn *c, SSL_SESSION *ss, tls_session_state *st);

/* --- ssl_ticket.c ------------------------------------------------------------ */
int shimssl_ticket_seal(void *arg, tls_conn *c, const tls_session_state *st, uint8_t *out,
                        size_t cap, size_t *len);
int shimssl_ticket_open(void *arg, tls_conn *c, const uint8_t *ticket, size_t len,
                        tls_session_state *st);
/* The decoder alone, for the fuzzer: a session (new reference) or NULL, and
 * *renew when the key is old. */
SSL_SESSION *shimssl_ticket_decode(SSL_CTX *ctx, SSL *s, const uint8_t *ticket, size_t len,
                                   int *renew);
int shimssl_ticket_keys_new(SSL_CTX *ctx, shimssl_sess_ctx *sc);
long shimssl_ticket_keys_ctrl(SSL_CTX *ctx, int set, void *keys, long len);
long shimssl_ticket_set_hmac_cb(SSL_CTX *ctx, void (*fp)(void));

/* --- ssl_early.c --------------------------------------------------------------- */
enum { SHIMSSL_EARLY_NONE = 0, SHIMSSL_EARLY_WRITING, SHIMSSL_EARLY_READING, SHIMSSL_EARLY_DONE };
int shimssl_early_data_ok(void *arg, tls_conn *c, const tls_session_state *st);

static inline shimssl_sess_ssl *shimssl_sess(const SSL *s)
{
    return s->api_sess;
}

#endif
