/*
 * The TLS 1.2 client (RFC 5246) as tls13_client.c and conn.c see it.
 *
 * tls13_client.c writes the one ClientHello for both versions (with the
 * TLS 1.2 parts from tls12_client_write_exts) and reads the ServerHello far
 * enough to know the version. A ServerHello without supported_versions is
 * handed over whole to tls12_client_server_hello together with what was
 * offered (tls12_client_offer); from then on conn.c sends every handshake
 * message and ChangeCipherSpec to tls12_client_message / tls12_client_ccs
 * (c->cl12 says the TLS 1.2 machine runs).
 */
#ifndef SHIMSSL_CORE_TLS12_CLIENT_H
#define SHIMSSL_CORE_TLS12_CLIENT_H

#include "core/conn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the ClientHello offered, for the ServerHello checks. */
typedef struct tls12_client_offer {
    tls_transcript *th; /* the transcript so far (ClientHello): taken over */
    uint64_t offered;   /* tls_ext_index bits of the extensions sent */
    const uint16_t *suites;
    size_t n_suites;
    const uint16_t *groups;
    size_t n_groups;
    const uint16_t *sigalgs;
    size_t n_sigalgs;
    const uint8_t *session_id; /* legacy_session_id sent */
    size_t session_id_len;
    int offered_tls13; /* supported_versions listed TLS 1.3 too */
} tls12_client_offer;

/* Does the configuration allow TLS 1.2 / TLS 1.3 (the version range)? */
int tls12_client_wants12(const tls_config *cfg);
int tls12_client_wants13(const tls_config *cfg);
/* The TLS 1.2 suites to offer (cfg->tls12_suites filtered, or the
 * defaults), at most cap, in order. */
size_t tls12_client_suites(const tls_config *cfg, uint16_t *out, size_t cap);
/* The TLS 1.2 ClientHello extensions: ec_point_formats, session_ticket,
 * encrypt_then_mac, extended_master_secret. *offered gets their bits.
 * cbc: a CBC suite is offered (encrypt_then_mac is only useful then). */
TLS_MUST_CHECK int tls12_client_write_exts(tls_conn *c, tls_writer *w, int cbc, uint64_t *offered);
/* ServerHello msg (header included): is it a TLS 1.2 one (no
 * supported_versions)? 0 if not, or if it does not parse. */
int tls12_client_sh_is_tls12(const uint8_t *msg, size_t len);

TLS_MUST_CHECK int tls12_client_server_hello(tls_conn *c, const tls12_client_offer *o,
                                             const uint8_t *msg, size_t len);
TLS_MUST_CHECK int tls12_client_message(tls_conn *c, const uint8_t *msg, size_t len);
TLS_MUST_CHECK int tls12_client_ccs(tls_conn *c);
void tls12_client_free(tls_conn *c);

/* tls_conn_session / tls_conn_session_reused / tls_conn_export of a TLS 1.2
 * client connection. */
TLS_MUST_CHECK int tls12_client_session(const tls_conn *c, tls_session_state *st,
                                        const uint8_t **ticket, size_t *ticket_len);
int tls12_client_reused(const tls_conn *c);
TLS_MUST_CHECK int tls12_client_export(tls_conn *c, uint8_t *out, size_t outlen, const char *label,
                                       size_t label_len, const uint8_t *context, size_t context_len,
                                       int use_context);

#ifdef __cplusplus
}
#endif

#endif
