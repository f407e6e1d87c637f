/*
 * What the peer sent, decoded for compat/ (the OpenSSL getters and
 * callbacks): code-point lists as uint16_t arrays, lists of DER items
 * (DistinguishedNames, OCSP ResponderIDs) through an iterator. compat never
 * sees a wire vector.
 *
 * Each list is read from where the engine keeps it today, in one function
 * each (core/peer_view.c), so moving that storage moves one line.
 */
#ifndef SHIMSSL_CORE_PEER_VIEW_H
#define SHIMSSL_CORE_PEER_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "core/codec.h"
#include "core/tls.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Code-point lists, in the peer's order, unknown values included. Each
 * returns how many entries the list has (0 when there is none) and writes
 * the first min(count, cap) of them to out (out may be NULL with cap 0, to
 * count).
 *   groups:  a server's, from the ClientHello's supported_groups;
 *   sigalgs: a server's from the ClientHello's signature_algorithms, a
 *            client's from the server's latest CertificateRequest;
 *   suites:  a server's, while it keeps the ClientHello
 *            (tls_conn_client_hello_view): its cipher_suites.
 */
size_t tls_conn_peer_group_ids(const tls_conn *c, uint16_t *out, size_t cap);
size_t tls_conn_peer_sigalg_ids(const tls_conn *c, uint16_t *out, size_t cap);
size_t tls_conn_offered_suite_ids(const tls_conn *c, uint16_t *out, size_t cap);

/* A list of opaque<1..2^16-1> DER items. */
typedef struct tls_der_iter {
    tls_reader r;
} tls_der_iter;
/* 1 with the next item (DER, *len bytes), 0 after the last (or at a
 * malformed rest, which the engine refused already when it parsed it). */
int tls_der_iter_next(tls_der_iter *it, const uint8_t **der, size_t *len);

/* Client: the DistinguishedNames of the server's CertificateRequest
 * (certificate_authorities). 0 when no list came (no CertificateRequest;
 * TLS 1.3 without the extension), 1 with *it at its first name (a TLS 1.2
 * request's list may be empty). */
int tls_conn_peer_ca_name_iter(const tls_conn *c, tls_der_iter *it);

/* Server: did the client ask for an OCSP response (status_request)? 1 with
 * *ids at its first ResponderID and its request_extensions (one DER
 * Extensions, *exts_len 0 if none); 0 if it did not ask. */
int tls_conn_ocsp_request_items(const tls_conn *c, tls_der_iter *ids, const uint8_t **exts,
                                size_t *exts_len);

/*
 *   opaque ProtocolName<1..2^8-1>;
 *   struct { ProtocolName protocol_name_list<2..2^16-1> } (RFC 7301 3.1)
 * A ProtocolNameList body (no outer length) as applications hand it over
 * (SSL_set_alpn_protos, SSL_select_next_proto): tls_rd_init a reader on it,
 * then 1 with the next name, 0 at its end, -1 at an empty or overrunning
 * name.
 */
int tls_protocol_name_next(tls_reader *list, const uint8_t **name, size_t *len);

/* Our side of the same lists (the CA names we send, the ResponderIDs we
 * ask for): append one DER item as opaque<1..2^16-1>. */
TLS_MUST_CHECK int tls_der_list_put(tls_writer *w, const uint8_t *der, size_t len);

#ifdef __cplusplus
}
#endif

#endif
