/*
 * The sans-I/O TLS engine: the whole interface compat/ uses.
 *
 * A tls_conn never touches a socket or a BIO. The caller
 *   1. asks where to put received bytes (tls_conn_rbuf) and how many the
 *      engine wants: never more than the rest of the current record, so
 *      nothing beyond the TLS stream is ever consumed from the transport
 *      (OpenSSL's behaviour without read_ahead);
 *   2. reports how many it put there (tls_conn_rbuf_commit);
 *   3. drives the engine (tls_conn_handshake / tls_conn_read / tls_conn_write);
 *   4. drains what the engine wants sent (tls_conn_out / tls_conn_out_consume),
 *      including any alert, after every call, success or failure.
 *
 * Return values: TLS_OK (0), TLS_WANT_INPUT, TLS_EOF, or a failure < 0 as in
 * core/err.h. Failures are sticky: once a connection has failed, every call
 * returns the same failure (tls_conn_error tells which), and the alert for it
 * has been queued for sending (unless it was TLS_AD_NONE).
 *
 * core/ may use libcrypto types because the ABI hands them over; it never
 * uses an SSL_* name.
 */
#ifndef SHIMSSL_CORE_TLS_H
#define SHIMSSL_CORE_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/algs.h"
#include "core/err.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    TLS_OK = 0,
    TLS_WANT_INPUT = 1, /* feed more bytes, then call again */
    TLS_EOF = 2,        /* the peer sent close_notify: no more application data */
    /*
     * A hook (client_hello, verify_chain ...) returned TLS_WANT_CALLBACK to
     * suspend the handshake (the application's callback asked to be retried:
     * asynchronous certificate, OCSP or key lookups). Nothing was consumed:
     * the message that called the hook stays buffered and unacted on, and
     * the next tls_conn_handshake runs it again from its start, hook
     * included. Nothing is sent meanwhile. Which callback is waiting is the
     * caller's own knowledge (it ran it). Value 3 is TLS_EARLY_END below.
     */
    TLS_WANT_CALLBACK = 4,
};

/* Wire protocol versions. */
#define TLS_V12 0x0303
#define TLS_V13 0x0304

/* Maximum record plaintext (RFC 8446 5.1) and the largest record on the wire:
 * TLS 1.3 ciphertext may be 2^14 + 256, TLS 1.2 (CBC padding, compression)
 * 2^14 + 2048 (RFC 5246 6.2.3), plus the 5-byte header. */
#define TLS_MAX_PLAINTEXT 16384
#define TLS_MAX_RECORD    (5 + 16384 + 2048)

/* tls_config.flags */
enum {
    TLS_CFG_NO_MIDDLEBOX_COMPAT = 1u << 0, /* do not send the compatibility CCS / session id */
    TLS_CFG_NO_TICKET = 1u << 1,           /* neither request nor accept tickets */
    TLS_CFG_SERVER_PREFERENCE = 1u << 4,   /* server picks by its own order (server side) */
    /* Client authentication (issue 3). Server: REQUEST_CERT sends a
     * CertificateRequest; REQUIRE_CERT fails a handshake whose client sends
     * no certificate (certificate_required in 1.3 / handshake_failure in 1.2,
     * TLS_R_PEER_DID_NOT_RETURN_A_CERTIFICATE); CLIENT_ONCE: no new request
     * on resumption / renegotiation. POST_HANDSHAKE_AUTH: client offers the
     * post_handshake_auth extension; server defers the request until
     * tls_conn_request_cert. */
    TLS_CFG_REQUEST_CERT = 1u << 6,
    TLS_CFG_REQUIRE_CERT = 1u << 7,
    TLS_CFG_CLIENT_ONCE = 1u << 8,
    TLS_CFG_POST_HANDSHAKE_AUTH = 1u << 9,
    /* TLS 1.2 (issue 4). */
    TLS_CFG_COMPRESSION = 1u << 10,  /* offer / accept DEFLATE (SSL_OP_NO_COMPRESSION clear) */
    TLS_CFG_NO_ETM = 1u << 11,       /* SSL_OP_NO_ENCRYPT_THEN_MAC */
    TLS_CFG_NO_EMS = 1u << 12,       /* SSL_OP_NO_EXTENDED_MASTER_SECRET */
    TLS_CFG_LEGACY_RENEG = 1u << 13, /* SSL_OP_LEGACY_SERVER_CONNECT: peer may lack RFC 5746 */
    TLS_CFG_EARLY_DATA = 1u << 14,   /* client: send early data when the session allows */
    /* OCSP stapling: client asks for the server's OCSP response
     * (status_request, RFC 6066 8); see tls_config.ocsp_status. */
    TLS_CFG_STATUS_REQUEST = 1u << 15,
    /* Server, with SERVER_PREFERENCE: when the client's first suite is a
     * ChaCha20-Poly1305 one, our ChaCha20 suites go first
     * (SSL_OP_PRIORITIZE_CHACHA). */
    TLS_CFG_PRIORITIZE_CHACHA = 1u << 16,
};

/*
 * A resumable session as core sees it, for both versions. Everything else an
 * SSL_SESSION holds (peer certificates, session id context, host name, times
 * as the application sees them) is compat's.
 */
#define TLS_MAX_SECRET 48
typedef struct tls_session_state {
    uint16_t version;               /* TLS_V12 / TLS_V13 */
    uint16_t suite;                 /* IANA cipher suite */
    uint8_t secret[TLS_MAX_SECRET]; /* 1.3: the PSK of this ticket; 1.2: master secret */
    size_t secret_len;
    uint8_t session_id[32]; /* 1.2 session id (1.3: empty) */
    size_t session_id_len;
    int ems;                 /* 1.2: extended master secret was used */
    uint64_t time;           /* creation, seconds since the epoch */
    uint32_t lifetime;       /* ticket_lifetime / timeout, seconds */
    uint32_t age_add;        /* 1.3 ticket_age_add */
    uint32_t max_early_data; /* 1.3: early data the ticket allows (0 = none) */
    uint8_t alpn[255];       /* ALPN negotiated with it (0-RTT must match) */
    size_t alpn_len;
    uint16_t compression;      /* 1.2: TLS_COMP_* of the session */
    uint8_t max_fragment_code; /* RFC 6066 max_fragment_length code (0 = none) */
} tls_session_state;

typedef struct tls_conn tls_conn;

/*
 * The algorithms of one library context: everything fetched from one
 * (OSSL_LIB_CTX, property query) pair (core/crypto.c). Entries are shared
 * and reference counted: tls_crypto_get returns a new reference (made on
 * first use of the pair), tls_crypto_free drops one. NULL libctx is the
 * default context. Algorithms the context lacks are simply unavailable
 * (their suites, groups and schemes are neither offered nor accepted);
 * tls_crypto_get fails only on allocation failure.
 */
typedef struct tls_crypto tls_crypto;
tls_crypto *tls_crypto_get(OSSL_LIB_CTX *libctx, const char *propq);
void tls_crypto_up_ref(tls_crypto *cr);
void tls_crypto_free(tls_crypto *cr);
/* 1 if at least one cipher suite can be used (OpenSSL's SSL_CTX_new_ex
 * fails with SSL_R_LIBRARY_HAS_NO_CIPHERS otherwise). */
int tls_crypto_usable(const tls_crypto *cr);
int tls_crypto_suite_available(const tls_crypto *cr, uint16_t suite);
int tls_crypto_group_available(const tls_crypto *cr, uint16_t group);
int tls_crypto_sigalg_available(const tls_crypto *cr, uint16_t scheme);
OSSL_LIB_CTX *tls_crypto_libctx(const tls_crypto *cr);
const char *tls_crypto_propq(const tls_crypto *cr);
/* Fetched objects for compat's own crypto (session tickets): the cipher of
 * a suite by NID (NID_aes_256_cbc ...), HMAC, a digest by NID. NULL if the
 * context lacks it. Owned by the entry. */
const EVP_CIPHER *tls_crypto_cipher(const tls_crypto *cr, int nid);
EVP_MAC *tls_crypto_hmac(const tls_crypto *cr);
const EVP_MD *tls_crypto_md(const tls_crypto *cr, int nid);

/*
 * What compat tells core about one connection. Compat builds it from the
 * SSL_CTX and SSL settings when the handshake starts, owns it, and keeps it
 * alive and unchanged for the life of the tls_conn. Arrays are in preference
 * order; zero-length arrays mean "core's defaults".
 */
/* One server certificate with its key and chain (see tls_config.ids). */
#define TLS_MAX_IDENTITIES 5
typedef struct tls_identity {
    X509 *cert;
    EVP_PKEY *key;
    STACK_OF(X509) * chain;
} tls_identity;

/*
 * The application's own extensions (SSL_CTX_add_custom_ext; rules in
 * core/custom_ext.h). context is a mask of TLS_EXTCTX_* (OpenSSL's
 * SSL_EXT_* values); role says which side registered it.
 */
enum {
    TLS_EXTCTX_TLS_ONLY = 0x0001,
    TLS_EXTCTX_DTLS_ONLY = 0x0002,
    TLS_EXTCTX_TLS_IMPLEMENTATION_ONLY = 0x0004,
    TLS_EXTCTX_SSL3_ALLOWED = 0x0008,
    TLS_EXTCTX_TLS1_2_AND_BELOW_ONLY = 0x0010,
    TLS_EXTCTX_TLS1_3_ONLY = 0x0020,
    TLS_EXTCTX_IGNORE_ON_RESUMPTION = 0x0040,
    TLS_EXTCTX_CLIENT_HELLO = 0x0080,
    TLS_EXTCTX_TLS1_2_SERVER_HELLO = 0x0100,
    TLS_EXTCTX_TLS1_3_SERVER_HELLO = 0x0200,
    TLS_EXTCTX_TLS1_3_ENCRYPTED_EXTENSIONS = 0x0400,
    TLS_EXTCTX_TLS1_3_HELLO_RETRY_REQUEST = 0x0800,
    TLS_EXTCTX_TLS1_3_CERTIFICATE = 0x1000,
    TLS_EXTCTX_TLS1_3_NEW_SESSION_TICKET = 0x2000,
    TLS_EXTCTX_TLS1_3_CERTIFICATE_REQUEST = 0x4000,
};
enum { TLS_CEXT_BOTH = 0, TLS_CEXT_CLIENT = 1, TLS_CEXT_SERVER = 2 };
typedef struct tls_custom_ext {
    uint16_t type;
    unsigned context; /* TLS_EXTCTX_* */
    int role;         /* TLS_CEXT_* */
} tls_custom_ext;

typedef struct tls_config {
    /* Where every algorithm comes from (SSL_CTX_new_ex's library context
     * and property query); NULL = the default context. The caller keeps a
     * reference for the life of the tls_conn. */
    const tls_crypto *crypto;
    uint16_t min_version; /* TLS_V12 or TLS_V13 (0 = lowest supported) */
    uint16_t max_version; /* (0 = highest supported) */
    uint32_t flags;       /* TLS_CFG_* */

    const uint16_t *tls13_suites; /* IANA cipher suite values */
    size_t n_tls13_suites;
    const uint16_t *tls12_suites; /* (TLS 1.2 suites, later issue) */
    size_t n_tls12_suites;
    const uint16_t *groups; /* NamedGroup values for supported_groups */
    size_t n_groups;
    size_t n_key_shares;     /* key shares sent in the first ClientHello (>= 1) */
    const uint16_t *sigalgs; /* SignatureScheme values for signature_algorithms */
    size_t n_sigalgs;
    /* SSL_CTX_set1_client_sigalgs (empty: sigalgs above). Server: the
     * schemes a CertificateRequest lists (and the client's CertificateVerify
     * must use); client: the schemes it may sign its certificate with. */
    const uint16_t *client_sigalgs;
    size_t n_client_sigalgs;

    const char *server_name; /* SNI host name, or NULL (client) */
    const uint8_t *alpn;     /* ProtocolNameList wire body (no outer length), or NULL */
    size_t alpn_len;

    /* Client certificate / server certificate (issue 3). */
    X509 *cert;
    EVP_PKEY *key;
    STACK_OF(X509) * chain;

    /*
     * Certificate path decision, made by compat (X509_STORE, verify mode,
     * verify callback, host checks). Called with the peer's chain, leaf
     * first. Returns 0 to accept, or TLS_ERR(alert, reason) to fail the
     * handshake with that alert (e.g. bad_certificate / unknown_ca with
     * TLS_R_CERTIFICATE_VERIFY_FAILED), or (client) TLS_WANT_CALLBACK to
     * suspend: it is called again on the same Certificate message by the
     * next tls_conn_handshake. NULL accepts everything.
     */
    int (*verify_chain)(void *arg, STACK_OF(X509) * chain);
    /* NSS key log lines ("CLIENT_HANDSHAKE_TRAFFIC_SECRET <hex cr> <hex secret>"), or NULL. */
    void (*keylog)(void *arg, const char *line);
    /*
     * Protocol message trace (for SSL_CTX_set_msg_callback / info callback):
     * write = 1 for sent; content_type is the record type (22 handshake,
     * 21 alert, 20 ccs, 23 data, 256 = record header). May be NULL.
     */
    void (*msg)(void *arg, int write, int version, int content_type, const uint8_t *buf,
                size_t len);
    /* A state change worth an info callback: where is a TLS_EV_* below. */
    void (*event)(void *arg, int where, int value);
    void *cb_arg;
    /*
     * Server: called once, after the first ClientHello is parsed and before
     * the certificate, ALPN protocol or anything else is chosen from it, so
     * that the application's SNI / ALPN callbacks can decide. The tls_config
     * is compat's own storage: the hook may replace cert/key/chain in it
     * (SNI-based certificate switch); core reads them only after it returns.
     * Returns 0 to go on, TLS_WANT_CALLBACK to suspend (it is called again,
     * on the same ClientHello, by the next tls_conn_handshake), or
     * TLS_ERR(alert, reason) to refuse the handshake. NULL: no hook.
     */
    int (*client_hello)(void *arg, tls_conn *c);
    /*
     * Server: further certificates besides cert/key/chain, one per key type
     * (an RSA and an ECDSA certificate side by side, as nginx configures
     * them). The handshake walks the client's signature_algorithms in its
     * order and signs with the first identity, cert/key/chain first, whose
     * key fits a scheme, so each client gets a certificate it can verify.
     * References stay compat's.
     */
    tls_identity ids[TLS_MAX_IDENTITIES];
    size_t n_ids;

    /* --- custom extensions (core/custom_ext.h) ------------------------- */
    /* Registered extensions in registration order; n_custom_exts = 0 (the
     * default) costs nothing. The hooks get the index i into the array:
     * ext_add returns 1 with *out / *len set (sent, then ext_free is
     * called with out), 0 (not sent), or TLS_ERR(alert, reason); ext_parse
     * returns 0 or TLS_ERR(alert, reason). x / chainidx: the certificate
     * of a TLS 1.3 CertificateEntry, else NULL / 0. */
    const tls_custom_ext *custom_exts;
    size_t n_custom_exts;
    int (*ext_add)(void *arg, tls_conn *c, size_t i, unsigned ctx, X509 *x, size_t chainidx,
                   const uint8_t **out, size_t *len);
    void (*ext_free)(void *arg, tls_conn *c, size_t i, unsigned ctx, const uint8_t *out);
    int (*ext_parse)(void *arg, tls_conn *c, size_t i, unsigned ctx, const uint8_t *in, size_t len,
                     X509 *x, size_t chainidx);

    /* --- sessions (issue 3 / issue 4) ----------------------------------- */
    /*
     * Client: resume this session (NULL: full handshake). ticket is what to
     * present: the TLS 1.3 PSK identity, or the TLS 1.2 SessionTicket (NULL
     * for TLS 1.2 resumption by session id). Compat owns the storage.
     */
    const tls_session_state *resume;
    const uint8_t *resume_ticket;
    size_t resume_ticket_len;
    /* Server, TLS 1.3: NewSessionTickets sent after the handshake. */
    size_t num_tickets;
    /* Server: the session timeout in seconds (SSL_CTX_set_timeout; 0 =
     * 7200), OpenSSL's ticket lifetime: TLS 1.3's ticket_lifetime (at most
     * 7 days on the wire), TLS 1.2's lifetime hint of a new session. Also
     * st.lifetime of the state handed to ticket_seal. */
    uint32_t ticket_lifetime;
    /* Server: early data accepted per connection (0 = 0-RTT refused). */
    uint32_t max_early_data;
    /*
     * Server: make a ticket for st (stateless: sealed state; stateful: a
     * cache key). Writes at most cap bytes to out. Returns 0 (ticket made),
     * 1 (issue no ticket), or < 0. NULL: no tickets are issued.
     */
    int (*ticket_seal)(void *arg, tls_conn *c, const tls_session_state *st, uint8_t *out,
                       size_t cap, size_t *len);
    /*
     * Server: a ticket (TLS 1.3 PSK identity / TLS 1.2 SessionTicket, which
     * may be empty: the client asks for one) came in. Returns 0 with st
     * filled (resume), 2 (resume, and send fresh tickets), 1 (unknown,
     * expired or empty: full handshake, and send tickets), 3 (ignored by the
     * application: no new ticket for it), or < 0.
     */
    int (*ticket_open)(void *arg, tls_conn *c, const uint8_t *ticket, size_t len,
                       tls_session_state *st);
    /* Server, TLS 1.2 session ids: a full handshake made st (with the session
     * id core chose); cache it or not. NULL: no session ids issued. */
    void (*session_new)(void *arg, tls_conn *c, const tls_session_state *st);
    /* Server, TLS 1.2: look a session id up. 0 = found (st filled), 1 = not. */
    int (*session_get)(void *arg, tls_conn *c, const uint8_t *id, size_t id_len,
                       tls_session_state *st);
    /* Server: may the early data of this resumed session be accepted
     * (anti-replay, the application's allow_early_data callback)? 1 = yes. */
    int (*early_data_ok)(void *arg, tls_conn *c, const tls_session_state *st);

    /* --- client authentication (issue 3) -------------------------------- */
    /* Server: DistinguishedName list body sent as certificate_authorities
     * (TLS 1.3) / in the TLS 1.2 CertificateRequest; NULL = none. */
    const uint8_t *ca_names;
    size_t ca_names_len;
    /* Client: a CertificateRequest arrived (during or after the handshake);
     * the hook may set cert/key/chain above (client_cert_cb). 0 or < 0. */
    int (*client_cert)(void *arg, tls_conn *c);

    /* --- TLS 1.2 (issue 4) ---------------------------------------------- */
    /* Server DHE parameters (SSL_CTX_set_tmp_dh / set0_tmp_dh_pkey), or NULL
     * for RFC 7919 groups chosen automatically. */
    EVP_PKEY *dh_params;
    /* Server: when set and dh_params is NULL, DHE parameters come from this
     * hook, asked only once a DHE suite was chosen, when ServerKeyExchange
     * is written (the application's tmp_dh callback: OpenSSL asks it there,
     * never for TLS 1.3 or ECDHE). The hook keeps ownership; NULL fails the
     * handshake with internal_error. */
    EVP_PKEY *(*dh_params_hook)(void *arg, tls_conn *c);
    /* Security level (SSL_CTX_set_security_level): minimum DH/RSA sizes. */
    int security_level;

    /* --- record sizes (core/maxfrag.c) ---------------------------------- */
    /* Client: RFC 6066 max_fragment_length code to offer (1..4 = 512, 1024,
     * 2048, 4096 bytes), 0 = none. A server always accepts a valid offer. */
    uint8_t max_fragment_code;
    /* Largest plaintext sent in one record, every record type (512..16384;
     * 0 = 16384). A negotiated max_fragment_length takes precedence. */
    size_t max_send_fragment;
    /* TLS 1.3: zero bytes to pad a protected record with; len counts the
     * content and its type byte (TLSInnerPlaintext without padding), type
     * is the real content type. Core lowers the answer so the padded inner
     * plaintext stays within the record size limit. NULL = no padding. */
    size_t (*record_padding)(void *arg, int type, size_t len);
    /* --- OCSP stapling (RFC 6066 8, RFC 8446 4.4.2.1) ----------------- */
    /*
     * Client (only with TLS_CFG_STATUS_REQUEST): called once the server's
     * first flight is in, stapled or not (tls_conn_ocsp_response tells):
     * TLS 1.2 at ServerHelloDone (full handshakes), TLS 1.3 at the server's
     * Finished. Returns 0 to go on, or TLS_ERR(alert, reason) to fail.
     * Server: called when the client asked for an OCSP response and our
     * certificate is chosen and about to be sent; it provides the response
     * with tls_conn_set_ocsp_response. Returns 0 (staple what was set, if
     * anything), 1 (no staple), or TLS_ERR(alert, reason). NULL: a client
     * does not check, a server staples nothing.
     */
    int (*ocsp_status)(void *arg, tls_conn *c);
    /* Client: what the request names (SSL_set_tlsext_status_ids / _exts):
     * the responder_id_list body (each ResponderID DER with its 2-byte
     * length) and the request_extensions (DER Extensions); NULL = empty. */
    const uint8_t *ocsp_ids;
    size_t ocsp_ids_len;
    const uint8_t *ocsp_exts;
    size_t ocsp_exts_len;
} tls_config;

/* tls_config.event `where` values */
enum {
    TLS_EV_HANDSHAKE_START = 1,
    TLS_EV_HANDSHAKE_DONE = 2,
    TLS_EV_ALERT_SENT = 3,     /* value = level << 8 | description */
    TLS_EV_ALERT_RECEIVED = 4, /* value = level << 8 | description */
    TLS_EV_SESSION_TICKET = 5, /* a NewSessionTicket was received (client) */
    TLS_EV_SESSION_READY = 6,  /* client: a resumable session exists (1.2: after Finished) */
    TLS_EV_STATE = 7,          /* value = the TLS_STATE_* entered (core/handshake.h) */
};

/* Create a client (is_server = 0) or server connection. NULL on allocation failure. */
tls_conn *tls_conn_new(const tls_config *cfg, int is_server);
void tls_conn_free(tls_conn *c);

/* --- input ------------------------------------------------------------ */
/* Where to write received bytes, and how many the engine wants now (>= 1
 * unless an error is pending). */
uint8_t *tls_conn_rbuf(tls_conn *c, size_t *want);
/* n bytes were written at tls_conn_rbuf()'s pointer (n <= want). */
void tls_conn_rbuf_commit(tls_conn *c, size_t n);
/* The transport reached EOF. Marks the connection so that the next
 * call reports TLS_R_UNEXPECTED_EOF_WHILE_READING unless close_notify came. */
void tls_conn_transport_eof(tls_conn *c);

/* --- output ----------------------------------------------------------- */
/* Bytes waiting to be sent (records, possibly several): returns their count
 * and sets *data. 0 when nothing is pending. */
size_t tls_conn_out(tls_conn *c, const uint8_t **data);
void tls_conn_out_consume(tls_conn *c, size_t n);

/* --- driving ---------------------------------------------------------- */
/* Run the handshake as far as buffered input allows. TLS_OK when complete. */
TLS_MUST_CHECK int tls_conn_handshake(tls_conn *c);
int tls_conn_handshake_done(const tls_conn *c);
/*
 * Application data. tls_conn_read copies up to len bytes into buf (peek:
 * without consuming them), processing post-handshake messages on the way.
 * TLS_OK with *n > 0, TLS_WANT_INPUT, TLS_EOF, or failure.
 */
TLS_MUST_CHECK int tls_conn_read(tls_conn *c, uint8_t *buf, size_t len, size_t *n, int peek);
/* Decrypted application bytes ready without further input. */
size_t tls_conn_pending(const tls_conn *c);
/* Is there buffered, not yet processed, record input? */
int tls_conn_has_unprocessed_input(const tls_conn *c);
/*
 * Protect up to len bytes into the output queue: at most one full record per
 * call (so the caller can flush between records without the queue growing).
 * *n is how many plaintext bytes were taken.
 */
TLS_MUST_CHECK int tls_conn_write(tls_conn *c, const uint8_t *buf, size_t len, size_t *n);
/* Queue close_notify (once). */
TLS_MUST_CHECK int tls_conn_close(tls_conn *c);
int tls_conn_close_sent(const tls_conn *c);
int tls_conn_close_received(const tls_conn *c);
/* TLS 1.3 KeyUpdate: queue one, asking the peer to update too if request. */
TLS_MUST_CHECK int tls_conn_key_update(tls_conn *c, int request);

/* --- state ------------------------------------------------------------ */
/* The sticky failure (< 0), or 0. */
int tls_conn_error(const tls_conn *c);
/* Where the sticky failure arose (file relative to the source tree, line,
 * function), or NULL if its site did not note itself. */
const tls_err_origin *tls_conn_error_origin(const tls_conn *c);
/* Alert received from the peer: description, or -1 if none. */
int tls_conn_alert_received(const tls_conn *c);

uint16_t tls_conn_version(const tls_conn *c);      /* 0 before ServerHello */
uint16_t tls_conn_cipher_suite(const tls_conn *c); /* IANA value, 0 before ServerHello */
uint16_t tls_conn_group(const tls_conn *c);        /* key exchange group */
/* Server: the host name the client sent in server_name, or NULL. */
const char *tls_conn_server_name(const tls_conn *c);
/* Server, inside tls_config.client_hello only: the client's ALPN
 * ProtocolNameList body (no outer length), or *len = 0 if it sent none. */
void tls_conn_offered_alpn(const tls_conn *c, const uint8_t **list, size_t *len);
/* Server, inside tls_config.client_hello only: the protocol to select
 * (len 0 = none), replacing core's own choice from tls_config.alpn. It must
 * be one the client offered (RFC 7301 3.2). */
TLS_MUST_CHECK int tls_conn_set_alpn(tls_conn *c, const uint8_t *proto, size_t len);
/* Server, inside tls_config.client_hello only: the client's cipher_suites
 * vector body (2-byte IANA values, in its order). */
void tls_conn_offered_suites(const tls_conn *c, const uint8_t **list, size_t *len);
/* The peer's ephemeral key share as a public key, owned by the connection
 * (NULL before the key exchange). */
EVP_PKEY *tls_conn_peer_tmp_key(const tls_conn *c);
uint16_t tls_conn_peer_sigalg(const tls_conn *c); /* scheme of the peer's CertificateVerify */
/* Negotiated ALPN protocol (not NUL-terminated), or len 0. */
void tls_conn_alpn(const tls_conn *c, const uint8_t **proto, size_t *len);
/* Peer chain, leaf first, owned by the connection (NULL if none). */
STACK_OF(X509) * tls_conn_peer_chain(const tls_conn *c);
/* Client/server random (32 bytes each). */
const uint8_t *tls_conn_client_random(const tls_conn *c);
const uint8_t *tls_conn_server_random(const tls_conn *c);
/* Was a HelloRetryRequest part of this handshake? */
int tls_conn_did_hrr(const tls_conn *c);
/* RFC 8446 7.5 exporter / RFC 5705. */
TLS_MUST_CHECK int tls_conn_export(tls_conn *c, uint8_t *out, size_t outlen, const char *label,
                                   size_t label_len, const uint8_t *context, size_t context_len,
                                   int use_context);
/* RFC 8446 7.5 exporter from the early exporter secret (TLS 1.3 0-RTT:
 * a client that sent early data, a server that accepted it). */
TLS_MUST_CHECK int tls_conn_export_early(tls_conn *c, uint8_t *out, size_t outlen,
                                         const char *label, size_t label_len,
                                         const uint8_t *context, size_t context_len);
/* Finished messages as sent/received (for SSL_get_finished). Returns length copied. */
size_t tls_conn_finished(const tls_conn *c, int peer, uint8_t *buf, size_t len);

/* --- sessions ---------------------------------------------------------- */
/*
 * The newest resumable session of this connection (client: from the latest
 * NewSessionTicket in 1.3, the handshake itself in 1.2; server: the one
 * just established). *ticket (owned by the connection, NULL if none) is the
 * ticket to present next time. 0, or TLS_ERR if there is nothing to resume.
 */
TLS_MUST_CHECK int tls_conn_session(const tls_conn *c, tls_session_state *st,
                                    const uint8_t **ticket, size_t *ticket_len);
/* Was this handshake a resumption (PSK / abbreviated)? */
int tls_conn_session_reused(const tls_conn *c);
/* Server, TLS 1.3: send n more NewSessionTickets now (SSL_new_session_ticket). */
TLS_MUST_CHECK int tls_conn_send_tickets(tls_conn *c, size_t n);

/* --- early data (TLS 1.3 0-RTT) ------------------------------------------ */
enum { TLS_EARLY_NOT_SENT = 0, TLS_EARLY_REJECTED = 1, TLS_EARLY_ACCEPTED = 2 };
/* Client: send early data (starts the handshake with the early_data
 * extension if not started). Fails if the session allows none. */
TLS_MUST_CHECK int tls_conn_write_early(tls_conn *c, const uint8_t *buf, size_t len, size_t *n);
/* Server: read early data. TLS_OK with *n > 0, TLS_WANT_INPUT, or
 * TLS_EARLY_END (3): there is no (more) early data and the handshake goes on
 * with tls_conn_handshake. */
#define TLS_EARLY_END 3
TLS_MUST_CHECK int tls_conn_read_early(tls_conn *c, uint8_t *buf, size_t len, size_t *n);
int tls_conn_early_status(const tls_conn *c); /* TLS_EARLY_* */

/* --- client authentication -------------------------------------------- */
/* Server, TLS 1.3 after the handshake: send a CertificateRequest (needs the
 * client's post_handshake_auth extension; else TLS_R_EXTENSION_NOT_RECEIVED).
 * With TLS_CFG_CLIENT_ONCE, once any CertificateRequest was sent on the
 * connection: TLS_ERR(TLS_AD_NONE, TLS_R_INVALID_CONFIG), nothing sent. */
TLS_MUST_CHECK int tls_conn_request_cert(tls_conn *c);
/* Client: the certificate_authorities of the server's CertificateRequest
 * (DistinguishedName list body), *len = 0 if none. *list is NULL when no
 * list came (no CertificateRequest; TLS 1.3 without the extension), and
 * non-NULL with *len = 0 for a TLS 1.2 request's empty list. */
void tls_conn_peer_ca_names(const tls_conn *c, const uint8_t **list, size_t *len);
/* Server, from the ClientHello (valid after it was parsed): its raw message
 * (header included), and the client's supported_groups / signature_algorithms
 * vector bodies (for the client-hello callback, SSL_get_shared_*). */
void tls_conn_client_hello(const tls_conn *c, const uint8_t **msg, size_t *len);
/*
 * The fields of the kept ClientHello (server, while the handshake runs), for
 * the application's client-hello callback. Pointers are into the
 * connection's copy. 0, or TLS_ERR when there is no ClientHello.
 */
typedef struct tls_client_hello_view {
    uint16_t legacy_version;
    const uint8_t *random; /* 32 bytes */
    const uint8_t *session_id;
    size_t session_id_len;
    const uint8_t *suites; /* cipher_suites vector body */
    size_t suites_len;
    const uint8_t *compression; /* compression_methods vector body */
    size_t compression_len;
    const uint8_t *extensions; /* extensions block body (may be empty) */
    size_t extensions_len;
} tls_client_hello_view;
TLS_MUST_CHECK int tls_conn_client_hello_view(const tls_conn *c, tls_client_hello_view *v);
/* Server: the first hello came SSLv2-compatible (RFC 5246 E.2; its view is the
 * equivalent TLS ClientHello). */
int tls_conn_client_hello_v2(const tls_conn *c);
/* Walk the extensions of v: *cursor starts at 0. Returns 1 with the next
 * extension's type and body, 0 after the last one. */
int tls_client_hello_next_ext(const tls_client_hello_view *v, size_t *cursor, uint16_t *type,
                              const uint8_t **body, size_t *len);
/* The peer's supported_groups / signature_algorithms vector bodies (no
 * length): a server's from the ClientHello (both versions); a client's
 * signature_algorithms from the server's latest CertificateRequest (both
 * versions; no groups). *list = NULL, *len = 0 when there are none. */
void tls_conn_peer_groups(const tls_conn *c, const uint8_t **list, size_t *len);
void tls_conn_peer_sigalgs(const tls_conn *c, const uint8_t **list, size_t *len);
/* Server: the ClientHello's signature_algorithms_cert vector body (when well
 * formed), and whether its supported_versions lists TLS 1.3. */
void tls_conn_peer_cert_sigalgs(const tls_conn *c, const uint8_t **list, size_t *len);
int tls_conn_client_offers_tls13(const tls_conn *c);
/* The SignatureScheme we signed our CertificateVerify / ServerKeyExchange
 * with, or chose for our certificate (TLS 1.2 RSA key transport); 0 if we
 * did not authenticate (resumption, no client certificate). */
uint16_t tls_conn_own_sigalg(const tls_conn *c);

/* --- OCSP stapling ---------------------------------------------------- */
/* Client: the OCSPResponse (DER) the server stapled, owned by the
 * connection; *len = 0 if none. Server: the response being stapled. */
void tls_conn_ocsp_response(const tls_conn *c, const uint8_t **resp, size_t *len);
/* Server, inside tls_config.ocsp_status: the OCSPResponse to staple
 * (copied; 1 <= len < 2^24). */
TLS_MUST_CHECK int tls_conn_set_ocsp_response(tls_conn *c, const uint8_t *resp, size_t len);
/* Server, inside tls_config.ocsp_status: the certificate (with its key and
 * chain) that will be sent, i.e. the one the response must be for. */
const tls_identity *tls_conn_ocsp_identity(const tls_conn *c);
/* Server: did the client ask for an OCSP response? 1 with the bodies of its
 * responder_id_list (ResponderID entries, each opaque<1..2^16-1> DER) and
 * request_extensions (DER Extensions, possibly empty); 0 if it did not. */
int tls_conn_ocsp_request(const tls_conn *c, const uint8_t **ids, size_t *ids_len,
                          const uint8_t **exts, size_t *exts_len);

/* --- custom extensions ------------------------------------------------ */
/* Server: the certificate the handshake chose (NULL before the choice). */
X509 *tls_conn_own_cert(const tls_conn *c);

/* --- TLS 1.2 facts ----------------------------------------------------- */
int tls_conn_compression(const tls_conn *c);  /* TLS_COMP_* in use */
int tls_conn_ems(const tls_conn *c);          /* extended master secret negotiated */
int tls_conn_secure_reneg(const tls_conn *c); /* peer supports RFC 5746 */
int tls_conn_etm(const tls_conn *c);          /* encrypt-then-MAC in use */

/* --- record sizes (core/maxfrag.c) -------------------------------------- */
/* The negotiated RFC 6066 max_fragment_length code (1..4), 0 if none. */
uint8_t tls_conn_max_fragment_code(const tls_conn *c);
/* The largest plaintext a record may carry from now on, each direction:
 * 2^(8+code) when max_fragment_length is in force, else 16384 (sending:
 * further lowered by tls_config.max_send_fragment). */
size_t tls_conn_send_limit(const tls_conn *c);
size_t tls_conn_recv_limit(const tls_conn *c);

/* --- algorithm descriptors: core/algs.h (suites, groups, schemes, code
 * points); included above. ------------------------------------------------ */

#ifdef __cplusplus
}
#endif

#endif
