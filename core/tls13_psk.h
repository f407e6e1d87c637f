/*
 * TLS 1.3 session resumption with tickets (RFC 8446 2.2, 4.2.11, 4.6.1) and
 * 0-RTT early data (RFC 8446 2.3, 4.2.10), for both state machines.
 *
 * The state machines (tls13_client.c, tls13_server.c) decide *when*; these
 * functions know the wire form, the binder and the key schedule of a PSK,
 * and the rules of early data. Their state lives in tls_conn.psk.
 */
#ifndef SHIMSSL_CORE_TLS13_PSK_H
#define SHIMSSL_CORE_TLS13_PSK_H

#include "core/conn.h"
#include "core/extensions.h"

#ifdef __cplusplus
extern "C" {
#endif

/* tls_conn_psk.early_phase */
enum {
    TLS_EPH_NONE = 0,
    TLS_EPH_OFFER,   /* client: the first ClientHello will carry early_data */
    TLS_EPH_SENDING, /* client: 0-RTT keys on, early data may be written */
    TLS_EPH_READING, /* server: accepted; early data until EndOfEarlyData */
    TLS_EPH_DONE,    /* no (more) early data in this handshake */
};

/* Hash with md of everything in transcript t followed by part (the
 * truncated ClientHello of a binder; part may be NULL). */
TLS_MUST_CHECK int tls13_psk_partial_hash(const tls_transcript *t, const EVP_MD *md,
                                          const uint8_t *part, size_t len, uint8_t *out);
/* RFC 8446 4.2.11.2: the binder of a resumption PSK over transcript hash th. */
TLS_MUST_CHECK int tls13_psk_binder(const tls_suite *s, const uint8_t *psk, size_t psk_len,
                                    const uint8_t *th, uint8_t *out);

/* --- client -------------------------------------------------------------- */
/* Decide whether the first ClientHello offers cfg->resume (and early data). */
TLS_MUST_CHECK int tls13_psk_client_setup(tls_conn *c, const uint16_t *suites, size_t n);
/* The body of pre_shared_key (one identity, binder left zero). */
TLS_MUST_CHECK int tls13_psk_client_write(tls_conn *c, tls_writer *w);
/* w holds the complete ClientHello ending with pre_shared_key: fill the binder. */
TLS_MUST_CHECK int tls13_psk_client_bind(tls_conn *c, const tls_transcript *t, tls_writer *w);
/* After the first ClientHello went out: 0-RTT keys for early data. */
TLS_MUST_CHECK int tls13_early_client_start(tls_conn *c, const tls_transcript *t);
/* A HelloRetryRequest selected suite s: no early data; keep the PSK only if
 * its hash is s's. */
TLS_MUST_CHECK int tls13_psk_client_hrr(tls_conn *c, const tls_suite *s);
/* The server answered with TLS 1.2: fatal if 0-RTT data went out. */
TLS_MUST_CHECK int tls13_early_client_tls12(tls_conn *c);
/* ServerHello's pre_shared_key (NULL if absent) for suite s. */
TLS_MUST_CHECK int tls13_psk_client_server_hello(tls_conn *c, tls_ext *e, const tls_suite *s);
/* After ServerHello's key schedule: the client's write key. */
TLS_MUST_CHECK int tls13_early_client_after_sh(tls_conn *c);
/* EncryptedExtensions said (or not) that early data was accepted. */
TLS_MUST_CHECK int tls13_early_client_ee(tls_conn *c, int accepted);
/* Server Finished checked: EndOfEarlyData if 0-RTT was accepted, then the
 * handshake write key. */
TLS_MUST_CHECK int tls13_early_client_end(tls_conn *c, tls_transcript *t);

/* --- server -------------------------------------------------------------- */
/*
 * The ClientHello (msg, len) offered PSKs (ids, binders: the bodies of the
 * two vectors; binders_total: the binders vector with its length prefix),
 * and suite s was selected. Tries the identities in order through
 * cfg->ticket_open; on success checks the binder over transcript t plus
 * the truncated ClientHello and sets c->psk.accepted.
 */
TLS_MUST_CHECK int tls13_psk_server_offer(tls_conn *c, const tls_transcript *t, const uint8_t *msg,
                                          size_t len, const tls_suite *s, tls_reader ids,
                                          tls_reader binders, size_t binders_total);
/* Decide 0-RTT for a ClientHello that carried early_data (or not), answered
 * with suite s (hrr: by a HelloRetryRequest). */
void tls13_early_server_decide(tls_conn *c, int have_early_data, int hrr, const tls_suite *s);
/* Key schedule up to the early secret (PSK or zeros) and the 0-RTT key;
 * t holds the ClientHello (and nothing after it). */
TLS_MUST_CHECK int tls13_psk_server_early(tls_conn *c, const tls_transcript *t);
/* EndOfEarlyData (header included) arrived. */
TLS_MUST_CHECK int tls13_early_server_eoed(tls_conn *c, const uint8_t *msg, size_t len);
/* Send n NewSessionTickets now (one record write). */
TLS_MUST_CHECK int tls13_psk_server_tickets(tls_conn *c, size_t n);

/* --- record layer hooks (conn.c) ------------------------------------------ */
/* A record of outer type application_data during the handshake, before it
 * is opened: 1 = drop it (rejected 0-RTT), 0 = process it, < 0 = failure.
 * open_rc is tls_rec_open's result when the record was tried. */
TLS_MUST_CHECK int tls13_early_skip(tls_conn *c, int open_rc, size_t body_len);
/* Opened 0-RTT application data of len bytes (server): count it. */
TLS_MUST_CHECK int tls13_early_count(tls_conn *c, size_t len);

/* 1.3 branch of tls_conn_session. */
TLS_MUST_CHECK int tls13_psk_session(const tls_conn *c, tls_session_state *st,
                                     const uint8_t **ticket, size_t *ticket_len);

#ifdef __cplusplus
}
#endif

#endif
