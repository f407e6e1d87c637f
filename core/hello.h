/*
 * The ClientHello, parsed once (hello.c) into a struct that every consumer
 * shares: both server versions, the application's client-hello and
 * certificate callbacks (through tls_conn_client_hello_view and the
 * tls_conn_peer_* getters), custom extensions, max_fragment_length and
 * OCSP status requests. Pointers point into the message the struct was
 * parsed from; a server keeps that message (tls_conn.ch_copy) together with
 * the struct (tls_conn.ch) for as long as the callbacks may look at it.
 */
#ifndef SHIMSSL_CORE_HELLO_H
#define SHIMSSL_CORE_HELLO_H

#include <stddef.h>
#include <stdint.h>

#include "core/codec.h"
#include "core/err.h"

typedef struct tls_client_hello {
    uint16_t legacy_version;
    const uint8_t *random; /* 32 bytes */
    const uint8_t *session_id;
    size_t session_id_len;
    const uint8_t *suites; /* cipher_suites body: 2-byte values */
    size_t suites_len;
    const uint8_t *comp; /* legacy_compression_methods body */
    size_t comp_len;
    tls_reader exts; /* the extension block body (empty without one), validated */
    int have_exts;

    /* Both versions. */
    const uint8_t *groups; /* supported_groups: 2-byte values, all of them */
    size_t n_groups;
    int have_groups;
    const uint8_t *sigalgs; /* signature_algorithms: 2-byte values */
    size_t n_sigalgs;
    int have_sigalgs;
    /* signature_algorithms_cert, when well formed (only the certificate
     * choice reads it, and an ill-formed one is ignored as before). */
    const uint8_t *sigalgs_cert;
    size_t n_sigalgs_cert;
    tls_reader alpn; /* ProtocolName list, validated */
    int have_alpn;
    const uint8_t *sni; /* the first host_name */
    size_t sni_len;
    int have_sni;
    int have_sni_ext;      /* server_name present at all */
    tls_reader status_req; /* status_request body (ocsp_status.c reads it) */
    int have_status_req;
    tls_reader mfl; /* max_fragment_length body (maxfrag.c checks it) */
    int have_mfl;
    int have_reneg_ext; /* renegotiation_info present (any body) */
    int have_versions;  /* supported_versions, and what it lists */
    int has13;
    int has12;

    /* TLS 1.3. */
    tls_reader shares; /* KeyShareEntry list, validated */
    int have_shares;
    size_t n_shares;
    int have_psk;
    int have_psk_modes;
    int psk_dhe_ke;     /* psk_key_exchange_modes lists psk_dhe_ke */
    tls_reader psk_ids; /* identities vector body, validated */
    tls_reader psk_binders;
    size_t psk_binders_total; /* the binders vector with its length prefix */
    int have_cookie;
    const uint8_t *cookie; /* its body: opaque cookie<1..2^16-1> */
    size_t cookie_len;
    int have_early_data;
    int have_pha;

    /* TLS 1.2. Their bodies are decoded here too, but an ill-formed one
     * only matters when TLS 1.2 is chosen: its error waits in tls12_err. */
    int have_point_formats;
    int point_uncompressed;
    int have_ems;
    int have_etm;
    int have_reneg; /* renegotiation_info (empty) or the SCSV */
    int have_ticket_ext;
    const uint8_t *ticket;
    size_t ticket_len;
    int tls12_err; /* 0, or the first TLS 1.2-only error (TLS_ERR_DECODE raw) */
} tls_client_hello;

/*
 * Parse msg (header included) into *ch: framing, the extension block's
 * rules (no type twice, pre_shared_key last, allowed in a ClientHello) and
 * every body this engine reads. A malformed message is TLS_ERR_DECODE
 * (the caller reports it with its own reason) or an error with OpenSSL's
 * alert and reason.
 */
TLS_MUST_CHECK int tls_client_hello_parse(const uint8_t *msg, size_t len, tls_client_hello *ch);
/* What a TLS 1.3 ClientHello must carry besides the version. */
TLS_MUST_CHECK int tls_client_hello_check13(const tls_client_hello *ch);
/* The share the client sent for group, or *p = NULL. */
TLS_MUST_CHECK int tls_client_hello_share(const tls_client_hello *ch, uint16_t group,
                                          const uint8_t **p, size_t *n);
/*
 * The parser of each extension body in a ClientHello: the "ch" column of
 * the extension table (extensions.c), which runs them in the order the
 * client sent them. Each fills its fields of *ch.
 */
typedef int (*tls_ch_ext_fn)(tls_client_hello *ch, tls_reader *body);
TLS_MUST_CHECK int tls_ch_ext_sni(tls_client_hello *ch, tls_reader *body);
TLS_MUST_CHECK int tls_ch_ext_mfl(tls_client_hello *ch, tls_reader *body);
TLS_MUST_CHECK int tls_ch_ext_status_request(tls_client_hello *ch, tls_reader *body);
TLS_MUST_CHECK int tls_ch_ext_groups(tls_client_hello *ch, tls_reader *body);
TLS_MUST_CHECK int tls_ch_ext_point_formats(tls_client_hello *ch, tls_reader *body);
TLS_MUST_CHECK int tls_ch_ext_sigalgs(tls_client_hello *ch, tls_reader *body);
TLS_MUST_CHECK int tls_ch_ext_alpn(tls_client_hello *ch, tls_reader *body);
TLS_MUST_CHECK int tls_ch_ext_etm(tls_client_hello *ch, tls_reader *body);
TLS_MUST_CHECK int tls_ch_ext_ems(tls_client_hello *ch, tls_reader *body);
TLS_MUST_CHECK int tls_ch_ext_ticket(tls_client_hello *ch, tls_reader *body);
TLS_MUST_CHECK int tls_ch_ext_psk(tls_client_hello *ch, tls_reader *body);
TLS_MUST_CHECK int tls_ch_ext_early_data(tls_client_hello *ch, tls_reader *body);
TLS_MUST_CHECK int tls_ch_ext_versions(tls_client_hello *ch, tls_reader *body);
TLS_MUST_CHECK int tls_ch_ext_cookie(tls_client_hello *ch, tls_reader *body);
TLS_MUST_CHECK int tls_ch_ext_psk_modes(tls_client_hello *ch, tls_reader *body);
TLS_MUST_CHECK int tls_ch_ext_pha(tls_client_hello *ch, tls_reader *body);
TLS_MUST_CHECK int tls_ch_ext_sigalgs_cert(tls_client_hello *ch, tls_reader *body);
TLS_MUST_CHECK int tls_ch_ext_shares(tls_client_hello *ch, tls_reader *body);
TLS_MUST_CHECK int tls_ch_ext_reneg(tls_client_hello *ch, tls_reader *body);

/* Is suite id in the client's cipher_suites? */
int tls_client_hello_has_suite(const tls_client_hello *ch, uint16_t id);

#endif
