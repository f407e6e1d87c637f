/*
 * The SSLv2-compatible ClientHello (RFC 5246 Appendix E.2): a server's first
 * record may be one, as OpenSSL 3.0 accepts. sslv2_hello.c recognises its
 * 2-byte record header, turns the message into the equivalent TLS
 * ClientHello for the handshake (no extensions, so TLS 1.2 at most) and
 * keeps the original bytes, which are what the transcript hashes.
 */
#ifndef SHIMSSL_CORE_SSLV2_HELLO_H
#define SHIMSSL_CORE_SSLV2_HELLO_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct tls_conn;

/* With the first 5 bytes of a server's first record in rbuf: 1 if they start
 * an SSLv2-compatible ClientHello (its length is then noted in c->v2_len),
 * 0 if not, an error for a length OpenSSL refuses. */
TLS_MUST_CHECK int tls_v2_hello_header(struct tls_conn *c);

/* The whole record is in rbuf: append the equivalent ClientHello to the
 * handshake buffer and keep the message for the transcript. */
TLS_MUST_CHECK int tls_v2_hello_record(struct tls_conn *c);

/* The bytes of the client's first hello as the transcript takes them: msg
 * itself, or the SSLv2-compatible message it was made from. */
void tls_v2_hello_wire(const struct tls_conn *c, const uint8_t **msg, size_t *len);

#endif
