/*
 * Record size controls inside core (core/maxfrag.c): the RFC 6066
 * max_fragment_length extension on both sides and both versions, the
 * sending limit that follows from it and from tls_config.max_send_fragment,
 * the receiving check, and TLS 1.3 record padding. The handshake state
 * machines call the extension hooks; conn.c calls the record hooks.
 */
#ifndef SHIMSSL_CORE_MAXFRAG_H
#define SHIMSSL_CORE_MAXFRAG_H

#include <stddef.h>
#include <stdint.h>

#include "core/codec.h"
#include "core/conn.h"
#include "core/err.h"

/* Client: append the extension to the ClientHello's block if configured,
 * marking it in *offered (tls_ext_index bits). */
TLS_MUST_CHECK int tls_mfl_write_offer(const tls_conn *c, tls_writer *w, uint64_t *offered);
/* Client: the server's answer (TLS 1.2 ServerHello / TLS 1.3
 * EncryptedExtensions); it must repeat our code exactly (RFC 6066 4). */
TLS_MUST_CHECK int tls_mfl_client_echo(tls_conn *c, tls_reader *body);
/* Server: look for the extension in the ClientHello just kept
 * (tls13_auth_keep_client_hello) and accept it. */
TLS_MUST_CHECK int tls_mfl_server_client_hello(tls_conn *c);
/* Server, TLS 1.2 resumption: RFC 6066 4 makes the length part of the
 * session; a client asking for another one is refused. */
TLS_MUST_CHECK int tls_mfl_server_resume(const tls_conn *c, const tls_session_state *st);
/* Server: the echo (ServerHello / EncryptedExtensions), if accepted. */
TLS_MUST_CHECK int tls_mfl_write_echo(const tls_conn *c, tls_writer *w);

/* A received record of len plaintext bytes (type already known). */
TLS_MUST_CHECK int tls_mfl_check_received(const tls_conn *c, size_t len);
/* TLS 1.3 padding for a record of len content bytes about to be sealed. */
size_t tls_mfl_padding(const tls_conn *c, int type, size_t len);

#endif
