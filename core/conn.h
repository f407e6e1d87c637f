/*
 * Internal layout of a tls_conn, shared by conn.c (records, alerts,
 * application data, the sans-I/O plumbing) and the handshake state machines
 * (tls13_client.c). Nothing outside core/ includes this.
 *
 * Why one struct and not per-layer objects: the layers are tightly coupled by
 * the rules of RFC 8446 (a key change must end a record, an alert is sent
 * under whatever keys are active, the handshake buffer must be empty when a
 * non-handshake record arrives), and those rules are easiest to enforce when
 * the state is in one place.
 */
#ifndef SHIMSSL_CORE_CONN_H
#define SHIMSSL_CORE_CONN_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/codec.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/hello.h"
#include "core/keysched.h"
#include "core/record.h"
#include "core/tls.h"

#define TLS_CONN_MAX_HASH TLS_MAX_HASH

/* A NewSessionTicket kept for resumption (issue 3 consumes it). */
typedef struct tls_conn_ticket {
    uint32_t lifetime;
    uint32_t age_add;
    uint32_t max_early_data;
    uint8_t *ticket;
    size_t ticket_len;
    uint8_t psk[TLS_CONN_MAX_HASH]; /* already derived from the resumption secret */
    size_t psk_len;
    uint16_t suite;
    int valid;
    uint64_t time; /* when it arrived, seconds since the epoch */
} tls_conn_ticket;

#define TLS_CONN_TICKETS 2

/* TLS 1.3 PSK resumption and 0-RTT, both sides (tls13_psk.c, early.c). */
typedef struct tls_conn_psk {
    int offered;            /* client: our ClientHello carries pre_shared_key */
    int accepted;           /* this handshake is a PSK resumption */
    uint16_t selected;      /* server: index of the accepted identity */
    uint32_t obf_age;       /* server: obfuscated_ticket_age of that identity */
    int ccs_sent;           /* client: compatibility CCS already sent (0-RTT) */
    const tls_suite *suite; /* the PSK's suite (client: the session's) */
    uint8_t key[TLS_MAX_HASH];
    size_t key_len;
    tls_session_state st; /* server: the resumed state, then the last one sealed */
    int have_st;
    uint64_t nonce_ctr; /* server: ticket_nonce of the next NewSessionTicket */
    int no_tickets;     /* server: the PSKs offered owe no new ticket (OpenSSL's
                           ticket_expected unset) */
    /* 0-RTT */
    int early_status;     /* TLS_EARLY_* */
    int early_phase;      /* TLS_EPH_* (early.c) */
    int early_want;       /* client: tls_conn_write_early came before the start */
    uint32_t early_max;   /* bytes allowed */
    uint32_t early_count; /* bytes sent / received / skipped */
    int early_skip;       /* server: drop records we cannot read (rejected 0-RTT) */
    int early_app;        /* server: app_off/app_len hold early data */
    /* RFC 8446 7.5: early_exporter_master_secret (client: early data sent;
     * server: accepted), for SSL_export_keying_material_early. */
    uint8_t early_exporter[TLS_MAX_HASH];
    int have_early_exporter;
} tls_conn_psk;

struct tls_conn {
    const tls_config *cfg;
    const tls_crypto *cr; /* cfg->crypto, or the default context's */
    int is_server;
    int err;                   /* sticky failure, 0 if none */
    tls_err_origin err_origin; /* where err arose, if noted (core/err.h) */
    int alert_rcvd;            /* description of a received alert, -1 if none */
    int transport_eof;
    int close_sent;
    int close_rcvd;
    int record_read; /* a record has been read (the first may be SSLv2's) */
    /* An SSLv2-compatible ClientHello (sslv2_hello.c): the record's length
     * while it is in rbuf, then the message as it came, for the transcript. */
    uint16_t v2_len;
    uint8_t *v2_msg;
    size_t v2_msg_len;

    /* Input: exactly one record at a time. */
    uint8_t rbuf[TLS_MAX_RECORD];
    size_t rlen;    /* bytes of the current record received */
    size_t app_off; /* unread application data inside rbuf */
    size_t app_len;

    /* Output queue. */
    tls_writer out;
    size_t out_off;

    tls_rec_dir rd, wr;
    tls_ks ks; /* the key schedule; current application secrets live here */
    const tls_suite *suite;
    uint16_t version;
    uint16_t group;
    uint16_t peer_sigalg;
    EVP_PKEY *peer_tmp_key; /* the peer's key share as a key (SSL_get_peer_tmp_key) */

    /* Handshake message reassembly (handshake records are appended here). */
    tls_writer hs;
    size_t hs_off;
    /* The message at hs_off suspended the handshake (TLS_WANT_CALLBACK):
     * already traced, run again on the next call. */
    int hs_suspended;

    uint8_t client_random[32];
    uint8_t server_random[32];
    uint8_t alpn[256];
    size_t alpn_len;
    STACK_OF(X509) * peer_chain;
    int did_hrr;
    int hs_done;
    int ok_reported; /* TLS_STATE_OK reported for the handshake */
    /* TLS 1.2 facts (tls_conn_ems and friends). */
    int ems;
    int secure_reneg;
    int etm;
    int compression;

    uint8_t fin_sent[TLS_CONN_MAX_HASH];
    uint8_t fin_rcvd[TLS_CONN_MAX_HASH];
    size_t fin_len;

    tls_conn_ticket tickets[TLS_CONN_TICKETS]; /* newest first */
    int key_updates_in_a_row;                  /* bound on KeyUpdate floods */

    tls_conn_psk psk;

    struct tls13_client *cl;   /* client handshake state, freed when done */
    struct tls13_server *sv;   /* server handshake state (tls13_server.c) */
    struct tls12_server *sv12; /* TLS 1.2 server state (tls12_server.c), once 1.2 is chosen */
    struct tls12_client *cl12; /* TLS 1.2 client state (tls12_client.c), once 1.2 is chosen */
    int warn_alerts;           /* warning alerts in a row (on_alert) */

    /* Custom extensions (custom_ext.c): per registered extension, sent /
     * received flags (NULL until first needed); the version a server chose
     * from the ClientHello, before c->version is set. */
    uint8_t *cext_flags;
    uint16_t cext_version;

    /* Client authentication (tls13_auth.c). Server: the first ClientHello,
     * kept for the application's callbacks; client: the certificate
     * authorities of the latest CertificateRequest. */
    uint8_t *ch_copy;
    size_t ch_copy_len;
    tls_client_hello ch; /* ch_copy parsed (hello.c); pointers into ch_copy */
    uint8_t *peer_ca_names;
    size_t peer_ca_names_len;

    /* RFC 6066 max_fragment_length code in force (core/maxfrag.c), 0 none. */
    uint8_t mfl_code;

    /* peer_offer.c. Client: the signature_algorithms of the server's
     * latest CertificateRequest (wire body, NULL until one arrives). Both
     * sides: the scheme we signed with (0 = none yet). */
    uint8_t *peer_cr_sigalgs;
    size_t peer_cr_sigalgs_len;
    uint16_t own_sigalg;

    /* OCSP stapling (ocsp_status.c). */
    struct {
        int requested; /* server: the ClientHello asked for OCSP */
        int expected;  /* client, 1.2: acknowledged in ServerHello; server: we staple */
        int window;    /* client, 1.2: a CertificateStatus may come next */
        uint8_t *resp; /* client: the stapled response; server: the one to send */
        size_t resp_len;
        uint8_t *ids; /* server: the request's responder_id_list body */
        size_t ids_len;
        uint8_t *exts; /* server: its request_extensions body */
        size_t exts_len;
        const tls_identity *id; /* server, during the hook: the certificate chosen */
    } ocsp;
};

/* --- keys (conn.c) --------------------------------------------------- */
/* Install a TLS 1.3 traffic secret for one direction (write = 1: sending). */
TLS_MUST_CHECK int tls_conn_set_secret(tls_conn *c, int write, const uint8_t *secret);
/* A KeyUpdate arrived: move the receive key on, and answer if requested. */
TLS_MUST_CHECK int tls_conn_peer_key_update(tls_conn *c, int requested);
/* Report a state transition (TLS_STATE_*, core/handshake.h). */
void tls_conn_state(tls_conn *c, int state);
/* NSS key log line for secret (hash_len bytes) if the application asked. */
void tls_conn_keylog(tls_conn *c, const char *label, const uint8_t *secret, size_t len);

/* --- output (conn.c) -------------------------------------------------- */
/* Queue a record (fragmented at 2^14), protected if write keys are on. */
TLS_MUST_CHECK int tls_conn_send(tls_conn *c, int type, const uint8_t *data, size_t len);
/* Queue one handshake message (header included) and trace it. */
TLS_MUST_CHECK int tls_conn_send_hs(tls_conn *c, const uint8_t *msg, size_t len);
/* Queue a warning alert (TLS 1.2: no_renegotiation). */
void tls_conn_send_warning(tls_conn *c, uint8_t desc);
/* Record the first failure, queue its alert; returns the sticky failure. */
int tls_conn_fail(tls_conn *c, int rc);

/* --- the handshake side (tls13_client.c) ------------------------------ */
TLS_MUST_CHECK int tls13_client_start(tls_conn *c);
/* One complete handshake message (header included). */
TLS_MUST_CHECK int tls13_client_message(tls_conn *c, const uint8_t *msg, size_t len);
/* A ChangeCipherSpec record whose body is exactly {0x01}. */
TLS_MUST_CHECK int tls13_client_ccs(tls_conn *c);
void tls13_client_free(tls_conn *c);

/* --- the server side (tls13_server.c), same contract as the client's ---- */
TLS_MUST_CHECK int tls13_server_start(tls_conn *c);
TLS_MUST_CHECK int tls13_server_message(tls_conn *c, const uint8_t *msg, size_t len);
TLS_MUST_CHECK int tls13_server_ccs(tls_conn *c);
void tls13_server_free(tls_conn *c);
/* --- the TLS 1.2 server (tls12_server.c): tls13_server.c hands it the
 * ClientHello once 1.2 is chosen; conn.c then sends it every message, CCS. */
TLS_MUST_CHECK int tls12_server_client_hello(tls_conn *c, const tls_client_hello *ch,
                                             const uint8_t *msg, size_t len, int downgrade);
TLS_MUST_CHECK int tls12_server_message(tls_conn *c, const uint8_t *msg, size_t len);
TLS_MUST_CHECK int tls12_server_ccs(tls_conn *c);
void tls12_server_free(tls_conn *c);
/* Was this TLS 1.2 server handshake abbreviated (tls_conn_session_reused)? */
int tls12_server_reused(const tls_conn *c);
/* tls_conn_session / tls_conn_export for a TLS 1.2 server connection. */
TLS_MUST_CHECK int tls12_server_session(const tls_conn *c, tls_session_state *st,
                                        const uint8_t **ticket, size_t *ticket_len);
TLS_MUST_CHECK int tls12_server_export(tls_conn *c, uint8_t *out, size_t outlen, const char *label,
                                       size_t label_len, const uint8_t *context, size_t context_len,
                                       int use_context);
/* --- what the peer offered (peer_offer.c) ------------------------------ */
TLS_MUST_CHECK int tls_conn_keep_peer_cr_sigalgs(tls_conn *c, const uint16_t *v, size_t n);
void tls_conn_free_peer_offer(tls_conn *c);
/* Host name from the client's server_name extension (server side), or NULL. */
const char *tls_conn_server_name(const tls_conn *c);

#endif
