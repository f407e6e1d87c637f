/*
 * Internal definitions shared by every compat/ file: the concrete layout of
 * SSL_METHOD, SSL_CTX and SSL, and the helpers that let one
 * compat file reach what another one owns.
 *
 * Ownership (who writes which fields):
 *   - compat-io (ssl_ctx.c, ssl_conn.c, ssl_io.c, ssl_ctrl.c, ssl_method.c,
 *     bio_ssl.c, ssl_exdata.c, ssl_callbacks.c) owns everything outside the
 *     marked blocks, and the object lifecycles (new/free/up_ref/dup).
 *   - compat-api may add fields only inside the "compat-api fields" block of
 *     each struct. Fields it needs to initialise or release on SSL_CTX_new /
 *     SSL_new / *_free go through the lifecycle hooks declared at the
 *     bottom (compat/ssl_misc.c), which the lifecycle code calls.
 *
 * Fields outside the blocks that are *set* by compat-api functions (verify
 * mode, verify callback, X509 store, certificate/key, suite list, keylog
 * callback) live outside so that the lifecycle code can create, inherit and
 * free them in one place; the comment next to each says who sets it.
 *
 * Every struct is zero-initialised at creation (OPENSSL_zalloc), so a NULL /
 * 0 field always means "not set": inherit from the SSL_CTX or use core's
 * default.
 */
#ifndef SHIMSSL_COMPAT_COMPAT_H
#define SHIMSSL_COMPAT_COMPAT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ct.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "compat/dane.h"
#include "core/peer_view.h"
#include "core/tls.h"

/* ------------------------------------------------------------------------ */
/* SSL_METHOD                                                               */
/* ------------------------------------------------------------------------ */

enum {
    SHIMSSL_SIDE_ANY = 0,    /* TLS_method(): role chosen by set_connect/accept_state */
    SHIMSSL_SIDE_CLIENT = 1, /* *_client_method() */
    SHIMSSL_SIDE_SERVER = 2, /* *_server_method() */
};

struct ssl_method_st {
    /* Protocol version pinned by a version-specific method (TLS1_2_VERSION
     * ...), or 0 for the flexible TLS_method family. */
    int version;
    int side; /* SHIMSSL_SIDE_* */
    int dtls; /* DTLS is not supported: SSL_CTX_new fails for these */
};

/* ------------------------------------------------------------------------ */
/* SSL_CTX                                                                  */
/* ------------------------------------------------------------------------ */

/* A list of 16-bit code points (groups, signature schemes, suites), owned. */
typedef struct shimssl_u16_list {
    uint16_t *v; /* OPENSSL_malloc'd; NULL = "use core's default" */
    size_t n;
} shimssl_u16_list;

struct ssl_ctx_st {
    int references; /* atomic (__atomic builtins) */
    const SSL_METHOD *method;
    OSSL_LIB_CTX *libctx;
    char *propq;
    /* What libctx / propq provide, fetched once per pair and shared by the
     * SSL_CTXs made with it (core/tls.h); one reference held. */
    tls_crypto *crypto;
    /* Certificate Transparency logs (compat/ssl_ct.c), made with libctx /
     * propq, as OpenSSL makes its store in SSL_CTX_new_ex. */
    CTLOG_STORE *ctlog_store;

    uint64_t options;        /* SSL_OP_* */
    uint32_t mode;           /* SSL_MODE_* */
    int min_proto_version;   /* 0 = lowest supported */
    int max_proto_version;   /* 0 = highest supported */
    long session_cache_mode; /* SSL_SESS_CACHE_* (stored) */
    long session_cache_size;
    long session_timeout; /* seconds */
    int read_ahead;
    int several_pipelines; /* max_pipelines > 1: SSL_new turns read_ahead on */
    int quiet_shutdown;
    unsigned int max_send_fragment;
    size_t num_tickets;

    int security_level;
    void *security_ex_data;
    int (*security_cb)(const SSL *s, const SSL_CTX *ctx, int op, int bits, int nid, void *other,
                       void *ex);

    shimssl_u16_list groups;
    shimssl_u16_list sigalgs;
    shimssl_u16_list client_sigalgs;
    /* TLS 1.3 suites as IANA values; set by compat-api's
     * SSL_CTX_set_ciphersuites. NULL = core default order. */
    uint16_t *tls13_suites;
    size_t n_tls13_suites;

    /* ALPN protocol list as sent (wire ProtocolNameList body). */
    unsigned char *alpn;
    size_t alpn_len;
    SSL_CTX_alpn_select_cb_func alpn_select_cb;
    void *alpn_select_cb_arg;

    int (*servername_cb)(SSL *s, int *al, void *arg);
    void *servername_arg;
    /* Cookie callbacks of DTLS and SSL_stateless: stored for the
     * application's sake, never called (neither feature exists here). */
    int (*cookie_gen_cb)(SSL *s, unsigned char *cookie, unsigned int *len);
    int (*cookie_verify_cb)(SSL *s, const unsigned char *cookie, unsigned int len);
    int (*stateless_cookie_gen_cb)(SSL *s, unsigned char *cookie, size_t *len);
    int (*stateless_cookie_verify_cb)(SSL *s, const unsigned char *cookie, size_t len);
    int (*status_cb)(SSL *s, void *arg); /* OCSP status callback (stored) */
    void *status_arg;
    int status_type; /* TLSEXT_STATUSTYPE_ocsp or -1 */

    void (*info_callback)(const SSL *ssl, int type, int val);
    void (*msg_callback)(int write_p, int version, int content_type, const void *buf, size_t len,
                         SSL *ssl, void *arg);
    void *msg_callback_arg;

    pem_password_cb *default_passwd_cb;
    void *default_passwd_cb_userdata;

    /* Set by compat-api (SSL_CTX_set_keylog_callback). */
    SSL_CTX_keylog_cb_func keylog_cb;

    /* Certificate verification: created/freed by the lifecycle code here,
     * configured by compat-api (SSL_CTX_set_verify, load_verify_locations,
     * get0_param ...). SSL_new copies mode/depth/callback and inherits param. */
    X509_STORE *cert_store;
    X509_VERIFY_PARAM *param;
    int verify_mode;
    SSL_verify_cb verify_callback;

    /* Own certificate and key (compat-api's SSL_CTX_use_certificate* /
     * use_PrivateKey* set them; SSL_new takes references). */
    X509 *cert;
    EVP_PKEY *key;
    STACK_OF(X509) * chain;       /* SSL_CTX_set0/1_chain, SSL_CTRL_CHAIN */
    STACK_OF(X509) * extra_certs; /* SSL_CTX_add_extra_chain_cert */
    /* The certificates of the other key types (OpenSSL keeps one per key
     * type; cert/key/chain above is the current one): indexed by
     * shimssl_cert_slot(), references held. */
    tls_identity other_ids[TLS_MAX_IDENTITIES];
    /* SSL_CTX_set1_verify_cert_store / set1_chain_cert_store (NULL = use
     * cert_store); references held. */
    X509_STORE *verify_store;
    X509_STORE *chain_store;
    long max_cert_list;
    unsigned long cert_flags; /* SSL_CERT_FLAG_* (SSL_CTRL_CERT_FLAGS) */

    CRYPTO_EX_DATA ex_data;

    /* --- compat-api fields --- */
    /* TLS 1.2 list from SSL_CTX_set_cipher_list, and the TLS 1.3 + 1.2
     * stack SSL_CTX_get_ciphers returns (rebuilt when either changes). */
    STACK_OF(SSL_CIPHER) * api_tls12_ciphers;
    STACK_OF(SSL_CIPHER) * api_ciphers;
    int (*api_cert_verify_cb)(X509_STORE_CTX *sctx, void *arg);
    void *api_cert_verify_arg;
    int (*api_new_session_cb)(SSL *s, SSL_SESSION *sess);
    void (*api_remove_session_cb)(SSL_CTX *ctx, SSL_SESSION *sess);
    SSL_SESSION *(*api_get_session_cb)(SSL *s, const unsigned char *id, int len, int *copy);
    unsigned char api_sid_ctx[SSL_MAX_SID_CTX_LENGTH];
    size_t api_sid_ctx_len;
    STACK_OF(X509_NAME) * api_client_ca; /* SSL_*_client_CA_list: CertificateRequest */
    STACK_OF(X509_NAME) * api_ca_names;  /* SSL_*_CA_list, used when the above is empty */
    int (*api_client_cert_cb)(SSL *s, X509 **x509, EVP_PKEY **pkey);
    int (*api_cert_cb)(SSL *s, void *arg);
    void *api_cert_cb_arg;
    int api_post_handshake_auth;
    SSL_psk_client_cb_func api_psk_client_cb;
    SSL_psk_server_cb_func api_psk_server_cb;
    SSL_psk_use_session_cb_func api_psk_use_session_cb;
    SSL_psk_find_session_cb_func api_psk_find_session_cb;
    char *api_psk_identity_hint;
    uint32_t api_max_early_data;
    uint32_t api_recv_max_early_data;
    SSL_allow_early_data_cb_fn api_allow_early_data_cb;
    void *api_allow_early_data_arg;
    GEN_SESSION_CB api_gen_session_cb;
    int (*api_not_resumable_cb)(SSL *s, int is_forward_secure);
    struct shimssl_sess_ctx *api_sess; /* session cache, ticket keys (compat/sess.h) */
    /* ssl_custom_ext.c: registered extensions, serverinfo per certificate. */
    struct shimssl_cext *api_cext;
    struct shimssl_serverinfo *api_serverinfo;
    /* TLS 1.2 DHE (ssl_tls12.c): SSL_CTX_set0_tmp_dh_pkey's key (owned),
     * SSL_CTX_set_dh_auto, SSL_CTX_set_tmp_dh_callback. */
    EVP_PKEY *api_dh_tmp;
    int api_dh_auto;
    DH *(*api_dh_tmp_cb)(SSL *ssl, int is_export, int keylength);
    SSL_client_hello_cb_fn api_client_hello_cb; /* ssl_clientauth.c */
    void *api_client_hello_arg;
    /* Record sizes (ssl_record_size.c): max_fragment_length mode to offer,
     * TLS 1.3 block padding / padding callback. */
    uint8_t api_mfl_mode;
    size_t api_block_padding;
    size_t (*api_record_padding_cb)(SSL *s, int type, size_t len, void *arg);
    void *api_record_padding_arg;
    /* ssl_dane.c: SSL_CTX_dane_enable's digests (libcrypto's layout). */
    struct dane_ctx_st api_dane;
    /* --- end compat-api --- */
};

/* ------------------------------------------------------------------------ */
/* SSL                                                                      */
/* ------------------------------------------------------------------------ */

/* Coarse handshake phase, for SSL_get_state / SSL_in_init / state strings. */
enum {
    SHIMSSL_HS_BEFORE = 0, /* nothing sent yet */
    SHIMSSL_HS_RUNNING,    /* first flight sent, handshake in progress */
    SHIMSSL_HS_DONE,       /* handshake complete */
    SHIMSSL_HS_FAILED,     /* the connection failed (sticky) */
};

struct ssl_st {
    int references; /* atomic */
    SSL_CTX *ctx;   /* one reference held */
    /* The context the SSL was made from, one reference held. Sessions
     * stay with it when a servername callback switches ctx (SSL_set_SSL_CTX):
     * its cache, callbacks, ticket keys and hit counters, as in OpenSSL. */
    SSL_CTX *session_ctx;
    const SSL_METHOD *method;

    /* Role: 1 server, 0 client. handshake_role_set tells whether
     * SSL_set_connect_state / SSL_set_accept_state (or SSL_connect /
     * SSL_accept) fixed it; until then SSL_do_handshake fails. */
    int server;
    int role_set;

    BIO *rbio;
    BIO *wbio;

    /* The engine connection, created when the handshake starts; cfg and
     * the arrays it points at stay alive and unchanged while conn lives. */
    tls_conn *conn;
    tls_config cfg;
    /* cfg.crypto: the library context of the SSL_CTX the handshake started
     * with (one reference held until SSL_free, so that switching SSL_CTX
     * mid-handshake cannot free it). */
    tls_crypto *crypto;
    uint16_t *cfg_storage; /* groups/sigalgs/suites copies referenced by cfg */
    int hs_phase;          /* SHIMSSL_HS_* */
    int hs_state;          /* OSSL_HANDSHAKE_STATE reported by SSL_get_state */

    uint64_t options;
    uint32_t mode;
    int min_proto_version;
    int max_proto_version;
    int read_ahead;
    int quiet_shutdown;
    unsigned int max_send_fragment;
    int security_level;
    void *security_ex_data;
    int (*security_cb)(const SSL *s, const SSL_CTX *ctx, int op, int bits, int nid, void *other,
                       void *ex);
    size_t num_tickets;

    shimssl_u16_list groups; /* empty = inherit the SSL_CTX's */
    shimssl_u16_list sigalgs;
    shimssl_u16_list client_sigalgs;
    uint16_t *tls13_suites; /* compat-api; NULL = the SSL_CTX's */
    size_t n_tls13_suites;

    unsigned char *alpn; /* NULL = the SSL_CTX's */
    size_t alpn_len;
    char *hostname; /* SNI to send (client) / received (server) */
    /* Server: the ClientHello's cipher_suites body (SSL_get0_raw_cipherlist). */
    unsigned char *peer_ciphers;
    size_t peer_ciphers_len;
    /* SSL_get_client_ciphers' stack (ssl_negotiated.c), built on the first
     * call from the kept ClientHello whose suites start at client_ciphers_src. */
    STACK_OF(SSL_CIPHER) * client_ciphers;
    const uint8_t *client_ciphers_src;
    int status_type;

    void (*info_callback)(const SSL *ssl, int type, int val);
    void (*msg_callback)(int write_p, int version, int content_type, const void *buf, size_t len,
                         SSL *ssl, void *arg);
    void *msg_callback_arg;
    pem_password_cb *default_passwd_cb;
    void *default_passwd_cb_userdata;

    /* Verification, as in the SSL_CTX (copied at SSL_new; compat-api
     * functions change them afterwards). */
    X509_VERIFY_PARAM *param;
    int verify_mode;
    SSL_verify_cb verify_callback;
    long verify_result; /* X509_V_OK until a chain was checked */

    X509 *cert; /* references taken at SSL_new */
    EVP_PKEY *key;
    STACK_OF(X509) * chain;
    tls_identity other_ids[TLS_MAX_IDENTITIES]; /* as in SSL_CTX */

    /* I/O state. */
    int rwstate; /* SSL_NOTHING, SSL_READING, SSL_WRITING ... */
    /* The engine is suspended in a hook (TLS_WANT_CALLBACK): the rwstate
     * that says which callback waits (SSL_CLIENT_HELLO_CB, SSL_X509_LOOKUP,
     * SSL_RETRY_VERIFY), set by the hook that suspended (ssl_clientauth.c). */
    int api_suspend_want;
    /* The steps of a suspended hook already done, not repeated when it runs
     * again: the server's ClientHello hook, the client's certificate hook
     * (ssl_clientauth.c). */
    int api_hello_stage;
    /* Client: verification asked to be retried (SSL_set_retry_verify); the
     * next run verifies SSL_get_peer_cert_chain's stack, which the
     * application may have completed meanwhile (ssl_verify.c). */
    int api_verify_retry;
    int shutdown;   /* SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN */
    int eof_seen;   /* the transport reported EOF */
    int key_update; /* SSL_KEY_UPDATE_* pending, or SSL_KEY_UPDATE_NONE */
    /* A partially written SSL_write, resumed on the retry. */
    size_t wpend_done; /* plaintext bytes of the pending call already taken */
    size_t wpend_len;  /* len of the pending call (0 = none) */
    const void *wpend_buf;
    uint16_t client_version;  /* highest version offered (SSL_client_version) */
    int fatal_rc;             /* sticky failure (TLS_ERR value) or 0 */
    unsigned long rx_records; /* non-application records received (trace) */
    /* OpenSSL's state-machine rhythm, as the info callback reports it
     * (ssl_callbacks.c). */
    int info_flow;         /* SHIMSSL_FLOW_*: writing or reading messages */
    int info_post;         /* a post-handshake exchange is running */
    int info_in_cb;        /* inside its LOOP / EXIT callbacks */
    int info_done_pending; /* the handshake is done, its callback not yet made */
    int info_done_cb;      /* inside that callback: SSL_in_init says 0 */
    int info_error;        /* a fatal alert went out: the state is "error" */
    /* What a failed handshake leaves visible, as OpenSSL 3.0 leaves it. */
    int ccs_seen;             /* TLS 1.2: a ChangeCipherSpec went out or came in */
    int peer_rejected;        /* the peer's chain failed verification */
    X509_STORE *verify_store; /* as in the SSL_CTX; NULL = the SSL_CTX's */
    X509_STORE *chain_store;
    long max_cert_list;
    unsigned long cert_flags; /* SSL_CERT_FLAG_* (SSL_CTRL_CERT_FLAGS) */

    CRYPTO_EX_DATA ex_data;

    /* --- compat-api fields --- */
    STACK_OF(SSL_CIPHER) * api_tls12_ciphers; /* NULL = the SSL_CTX's */
    STACK_OF(SSL_CIPHER) * api_ciphers;
    uint16_t *api_tls12_ids;             /* what tls_config.tls12_suites points at */
    SSL_SESSION *api_session;            /* SSL_set_session's, or this connection's */
    int api_session_is_own;              /* api_session describes this connection */
    X509 *api_peer_cert;                 /* the peer's leaf (ref held) */
    STACK_OF(X509) * api_peer_chain;     /* as SSL_get_peer_cert_chain shows it */
    STACK_OF(X509) * api_verified_chain; /* from X509_verify_cert */
    unsigned char api_sid_ctx[SSL_MAX_SID_CTX_LENGTH];
    size_t api_sid_ctx_len;
    STACK_OF(X509_NAME) * api_client_ca; /* SSL_*_client_CA_list: CertificateRequest */
    STACK_OF(X509_NAME) * api_ca_names;  /* SSL_*_CA_list, used when the above is empty */
    int (*api_cert_cb)(SSL *s, void *arg);
    void *api_cert_cb_arg;
    int api_post_handshake_auth;
    SSL_psk_client_cb_func api_psk_client_cb;
    SSL_psk_server_cb_func api_psk_server_cb;
    SSL_psk_use_session_cb_func api_psk_use_session_cb;
    SSL_psk_find_session_cb_func api_psk_find_session_cb;
    char *api_psk_identity_hint;
    uint32_t api_max_early_data;
    uint32_t api_recv_max_early_data;
    SSL_allow_early_data_cb_fn api_allow_early_data_cb;
    void *api_allow_early_data_arg;
    GEN_SESSION_CB api_gen_session_cb;
    int (*api_not_resumable_cb)(SSL *s, int is_forward_secure);
    struct shimssl_sess_ssl *api_sess; /* resumption / 0-RTT state (compat/sess.h) */
    struct shimssl_cext *api_cext;     /* ssl_custom_ext.c: the SSL_CTX's, copied at SSL_new */
    /* TLS 1.2 DHE, as in the SSL_CTX; api_dh_cb_key: what the tmp_dh
     * callback returned (owned; cfg.dh_params may point at it). */
    EVP_PKEY *api_dh_tmp;
    int api_dh_auto;
    DH *(*api_dh_tmp_cb)(SSL *ssl, int is_export, int keylength);
    EVP_PKEY *api_dh_cb_key;
    /* ssl_clientauth.c: the CA names sent (encoded for the engine), the
     * ones a server's CertificateRequest carried (decoded on demand). */
    uint8_t *api_ca_der;
    size_t api_ca_der_len;
    STACK_OF(X509_NAME) * api_peer_ca;
    /* Record sizes, as in the SSL_CTX (ssl_record_size.c). */
    uint8_t api_mfl_mode;
    size_t api_block_padding;
    size_t (*api_record_padding_cb)(SSL *s, int type, size_t len, void *arg);
    void *api_record_padding_arg;
    /* ssl_status.c (OCSP stapling): the response to staple (server, owned,
     * SSL_set_tlsext_status_ocsp_resp), the responder ids and request
     * extensions (client: to send; server: the client's), and the engine
     * encoding of the client's request (owned, cfg.ocsp_ids points in). */
    unsigned char *api_ocsp_resp;
    size_t api_ocsp_resp_len;
    STACK_OF(OCSP_RESPID) * api_ocsp_ids;
    STACK_OF(X509_EXTENSION) * api_ocsp_exts;
    uint8_t *api_ocsp_req;
    X509 *api_ocsp_old_cert; /* displaced during the status callback */
    EVP_PKEY *api_ocsp_old_key;
    /* ssl_chain.c: chains completed from a store for this handshake (owned;
     * cfg's chain pointers may point at them): [0] the current certificate,
     * [1 + i] cfg.ids[i]. */
#define SHIMSSL_AUTO_CHAINS (1 + TLS_MAX_IDENTITIES)
    STACK_OF(X509) * api_auto_chain[SHIMSSL_AUTO_CHAINS];
    /* ssl_dane.c: TLSA records and what verification matched (SSL_get0_dane
     * returns it; libcrypto's layout). */
    struct ssl_dane_st api_dane;
    /* --- end compat-api --- */
};

/* SSL_SESSION belongs to compat-api (its own struct ssl_session_st, its
 * ex data functions included); this accessor lets other compat files reach
 * the session's CRYPTO_EX_DATA. */
CRYPTO_EX_DATA *shimssl_session_ex_data(SSL_SESSION *sess);

/* ------------------------------------------------------------------------ */
/* Shared helpers                                                           */
/* ------------------------------------------------------------------------ */

/* Atomic reference counting: returns the new count. */
static inline int shimssl_ref_inc(int *r)
{
    return __atomic_add_fetch(r, 1, __ATOMIC_RELAXED);
}
static inline int shimssl_ref_dec(int *r)
{
    return __atomic_sub_fetch(r, 1, __ATOMIC_ACQ_REL);
}

/* Push an ERR entry for a core failure (TLS_ERR_* value < 0): the reason is
 * SSL_R_* (or ERR_R_INTERNAL_ERROR for TLS_R_INTERNAL; a received alert
 * becomes SSL_AD_REASON_OFFSET + description). */
void shimssl_err_from_tls(int rc);
/* ERR_raise(ERR_LIB_SSL, reason) with our file/line. */
#define SHIMSSL_ERR(reason) ERR_raise(ERR_LIB_SSL, (reason))

/* The effective settings of one SSL (own value, else the SSL_CTX's). */
const shimssl_u16_list *shimssl_ssl_groups(const SSL *s);
const shimssl_u16_list *shimssl_ssl_sigalgs(const SSL *s);

/* Parse "X25519:P-256" / "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256" into a
 * list (via core's name tables). 1 on success, 0 (nothing changed) on an
 * unknown name. */
int shimssl_parse_groups(shimssl_u16_list *out, const char *str);
int shimssl_parse_sigalgs(shimssl_u16_list *out, const char *str);

/* OpenSSL's names of groups and signature schemes, by code point
 * (compat/ssl_names.c; cipher suite names are the SSL_CIPHER table's). */
uint16_t
shimssl_group_by_name(const char *name); /* "X25519", "P-256", "prime256v1" ...; 0 unknown */
const char *shimssl_group_list_name(uint16_t id); /* "X25519", "P-256"; NULL if not core's */
uint16_t shimssl_group_from_nid(int nid);         /* a group core implements, else 0 */
typedef struct shimssl_sigalg_info {
    uint16_t id;
    const char *name; /* OpenSSL's list name; NULL: a "SIG+HASH" pair only */
    int sig;          /* signature key type: EVP_PKEY_RSA, EVP_PKEY_RSA_PSS, EVP_PKEY_EC ... */
    int hash;         /* digest NID; NID_undef for EdDSA */
    int sighash;      /* combined signature+hash NID, NID_undef if OpenSSL has none */
} shimssl_sigalg_info;
const shimssl_sigalg_info *shimssl_sigalg_info_get(uint16_t id); /* NULL if unknown */
const char *shimssl_sigalg_name(uint16_t id);                    /* "rsa_pss_rsae_sha256"; NULL */
uint16_t shimssl_sigalg_by_name(const char *name);               /* 0 if unknown */
uint16_t shimssl_sigalg_by_pair(int sig, int hash_nid);          /* key type + digest NID; 0 */
int shimssl_set_groups_nids(shimssl_u16_list *out, const int *nids, size_t n);
void shimssl_u16_list_free(shimssl_u16_list *l);

/* ssl_negotiated.c: SSL_ctrl's GET_GROUPS (out may be NULL: count only),
 * GET_SHARED_GROUP and GET_SIGNATURE_NID. */
long shimssl_ctrl_get_groups(const SSL *s, int *out);
long shimssl_ctrl_shared_group(const SSL *s, long n);
long shimssl_ctrl_signature_nid(const SSL *s, int *pnid);

/* Report an info-callback event (SSL's callback, else the SSL_CTX's). */
void shimssl_info(const SSL *s, int where, int ret);
/* The EXIT callback of a handshake call returning ret (ssl_callbacks.c). */
void shimssl_info_exit(SSL *s, int ret);
/* SSL_in_init, and whether the state names say "error". */
int shimssl_in_init(const SSL *s);
int shimssl_in_error(const SSL *s);

/* tls_config trampolines (ssl_callbacks.c); cb_arg is the SSL. */
void shimssl_cb_msg(void *arg, int write, int version, int content_type, const uint8_t *buf,
                    size_t len);
void shimssl_cb_event(void *arg, int where, int value);
void shimssl_cb_keylog(void *arg, const char *line);
int shimssl_cb_client_hello(void *arg, tls_conn *c);

/* The engine connection, or NULL before the handshake started. */
static inline tls_conn *shimssl_conn(const SSL *s)
{
    return s->conn;
}

/*
 * Implemented by compat-api: the certificate path decision for the peer's
 * chain (leaf first). ssl is the SSL *. Returns 0 to accept, or
 * TLS_ERR(alert, TLS_R_CERTIFICATE_VERIFY_FAILED) and sets verify_result.
 * Called from core through tls_config.verify_chain.
 */
int shimssl_verify_chain(void *ssl, STACK_OF(X509) * chain);

/* Certificates of several key types (compat/ssl_cert.c): copy the other
 * identities with references (dst's are released first; 0 on failure),
 * and list those complete for a tls_config. */
int shimssl_cert_copy_ids(tls_identity *dst, const tls_identity *src);
size_t shimssl_cert_fill_ids(tls_identity *out, const tls_identity *ids);

/*
 * compat-api's lifecycle hooks (compat/ssl_misc.c), called by the lifecycle
 * code to initialise / copy / release the fields of the compat-api blocks.
 *   ctx_init: end of SSL_CTX_new (return 0 to make SSL_CTX_new fail)
 *   ctx_free: last SSL_CTX_free, after the application's ex_data went
 *   ssl_init: end of SSL_new, s->ctx set (return 0 to make SSL_new fail)
 *   ssl_free: last SSL_free, after ex_data and the engine connection went
 *   ssl_clear: SSL_clear (reset per-connection state)
 *   ssl_event: every engine event (TLS_EV_*), after compat-io's handling:
 *               e.g. TLS_EV_SESSION_TICKET / TLS_EV_HANDSHAKE_DONE for sessions
 */
/* The I/O steps of compat/ssl_io.c, for the 0-RTT calls (compat-api):
 * start the engine (1, or 0 with ERR set), flush / fill (1 done, 0 the BIO
 * would block: rwstate set, -1 failed: reported), fail (sticky, -1). */
int shimssl_io_start(SSL *s);
int shimssl_io_flush(SSL *s);
int shimssl_io_fill(SSL *s);
int shimssl_io_fail(SSL *s, int rc);
/* The engine returned TLS_WANT_CALLBACK: set rwstate to the callback that
 * asked to be retried; returns -1. */
int shimssl_io_suspended(SSL *s);

int shimssl_api_ctx_init(SSL_CTX *ctx);
void shimssl_api_ctx_free(SSL_CTX *ctx);
int shimssl_api_ssl_init(SSL *s);
void shimssl_api_ssl_free(SSL *s);
/* The engine's configuration (compat/ssl_config.c): build s->cfg (1, or 0
 * with ERR set); its feature sections alone; the identities again after a
 * callback may have changed the certificate. */
int shimssl_config_build(SSL *s);
int shimssl_config_features(SSL *s, tls_config *cfg);
void shimssl_config_identity(SSL *s);
/* Record sizes (ssl_record_size.c): copy the SSL_CTX's settings at SSL_new;
 * fill tls_config's max_fragment_code / max_send_fragment / padding. */
void shimssl_recsize_ssl_init(SSL *s);
size_t shimssl_record_padding(void *arg, int type, size_t len); /* tls_config.record_padding */
/* Client authentication settings and hooks (ssl_clientauth.c). 1 / 0. */
int shimssl_clientauth_ca_names(SSL *s, const uint8_t **der, size_t *len);
int shimssl_clientauth_hello_hook(void *arg, tls_conn *c); /* server: tls_config.client_hello */
int shimssl_clientauth_cert_hook(void *arg, tls_conn *c);  /* client: tls_config.client_cert */
void shimssl_clientauth_ssl_free(SSL *s);
const STACK_OF(X509_NAME) * shimssl_peer_ca_list(const SSL *s);
/* The names a server's CertificateRequest carries (ssl_cert.c). */
const STACK_OF(X509_NAME) * shimssl_request_ca_names(const SSL *s);
void shimssl_api_ssl_clear(SSL *s);
/* A connection ended without our close_notify, or failed: its session
 * leaves the cache and is never resumed (ssl_session.c). */
void shimssl_clear_bad_session(SSL *s);
void shimssl_drop_failed_session(SSL *s);
/* Server, TLS 1.3: send the tickets SSL_new_session_ticket queued, as
 * OpenSSL: at_write = 1 from a write that starts on a record boundary (any
 * queued), else (SSL_do_handshake, SSL_read) only those queued when no write
 * was pending (ssl_ticket.c). 1, or <= 0 failed as SSL_do_handshake. */
int shimssl_sess_send_queued_tickets(SSL *s, int at_write);
/* SSL_set_SSL_CTX on a server: the accept counter follows the new context. */
void shimssl_sess_ctx_switched(SSL *s, SSL_CTX *from, SSL_CTX *to);

static inline SSL_CTX *shimssl_session_ctx(const SSL *s)
{
    return s->session_ctx != NULL ? s->session_ctx : s->ctx;
}
void shimssl_api_ssl_event(SSL *s, int where, int value);

#endif
