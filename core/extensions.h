/*
 * TLS extensions: one table saying, for every extension this engine knows,
 * in which handshake messages RFC 8446 4.2 allows it. Parsing a block checks
 * the three rules that are the same for every message (4.2):
 *   - no extension type twice in one block;
 *   - a known extension in a message it is not listed for: illegal_parameter;
 *   - (for responses) an extension we did not offer: unsupported_extension.
 * Individual extension bodies are parsed by the handshake code that uses them.
 */
#ifndef SHIMSSL_CORE_EXTENSIONS_H
#define SHIMSSL_CORE_EXTENSIONS_H

#include <stddef.h>
#include <stdint.h>

#include "core/codec.h"
#include "core/err.h"

enum {
    TLS_EXT_SERVER_NAME = 0,
    TLS_EXT_MAX_FRAGMENT_LENGTH = 1,
    TLS_EXT_STATUS_REQUEST = 5,
    TLS_EXT_SUPPORTED_GROUPS = 10,
    TLS_EXT_EC_POINT_FORMATS = 11,
    TLS_EXT_SIGNATURE_ALGORITHMS = 13,
    TLS_EXT_USE_SRTP = 14,
    TLS_EXT_HEARTBEAT = 15,
    TLS_EXT_ALPN = 16,
    TLS_EXT_SCT = 18,
    TLS_EXT_CLIENT_CERT_TYPE = 19,
    TLS_EXT_SERVER_CERT_TYPE = 20,
    TLS_EXT_PADDING = 21,
    TLS_EXT_ENCRYPT_THEN_MAC = 22,
    TLS_EXT_EXTENDED_MASTER_SECRET = 23,
    TLS_EXT_RECORD_SIZE_LIMIT = 28,
    TLS_EXT_SESSION_TICKET = 35,
    TLS_EXT_PRE_SHARED_KEY = 41,
    TLS_EXT_EARLY_DATA = 42,
    TLS_EXT_SUPPORTED_VERSIONS = 43,
    TLS_EXT_COOKIE = 44,
    TLS_EXT_PSK_KEX_MODES = 45,
    TLS_EXT_CERTIFICATE_AUTHORITIES = 47,
    TLS_EXT_OID_FILTERS = 48,
    TLS_EXT_POST_HANDSHAKE_AUTH = 49,
    TLS_EXT_SIGNATURE_ALGORITHMS_CERT = 50,
    TLS_EXT_KEY_SHARE = 51,
    TLS_EXT_RENEGOTIATION_INFO = 0xff01,
};

/* The message an extension block belongs to (bit masks). */
enum {
    TLS_EXTM_CH = 1u << 0,
    TLS_EXTM_SH = 1u << 1,
    TLS_EXTM_HRR = 1u << 2,
    TLS_EXTM_EE = 1u << 3,
    TLS_EXTM_CT = 1u << 4,
    TLS_EXTM_CR = 1u << 5,
    TLS_EXTM_NST = 1u << 6,
};

#define TLS_EXT_MAX_IN_BLOCK 32

typedef struct tls_ext {
    uint16_t type;
    tls_reader body;
} tls_ext;

typedef struct tls_ext_block {
    tls_ext ext[TLS_EXT_MAX_IN_BLOCK];
    size_t n;
} tls_ext_block;

/* Small integer index (< 64) for the known types, -1 for unknown ones; used
 * for the bit mask of offered extensions. */
int tls_ext_index(uint16_t type);

/*
 * Parse `Extension extensions<..>` (2-byte length already opened by the
 * caller: r is the vector's body) for message `msg`. offered is the mask of
 * tls_ext_index bits we sent; 0 for messages that are not responses
 * (CertificateRequest, NewSessionTicket), where unknown extensions are
 * ignored as RFC 8446 4.3.2 and 4.6.1 demand.
 */
TLS_MUST_CHECK int tls_ext_parse(tls_reader *r, unsigned msg, uint64_t offered, int is_response,
                                 tls_ext_block *out);
/* The same, leaving out (unchecked, not in *out) every type for which
 * skip(arg, type) is true. */
TLS_MUST_CHECK int tls_ext_parse_skip(tls_reader *r, unsigned msg, uint64_t offered,
                                      int is_response, tls_ext_block *out,
                                      int (*skip)(void *arg, uint16_t type), void *arg);
/*
 * A ClientHello's extension block (r: the vector's body) into *ch: the
 * block's rules (RFC 8446 4.2: no type twice, known or not; pre_shared_key
 * last; a known type must be allowed in a ClientHello), then each known
 * extension's parser from the table, in the client's order.
 */
struct tls_client_hello;
TLS_MUST_CHECK int tls_ext_parse_client_hello(tls_reader *r, struct tls_client_hello *ch);

/* The body of an extension in a parsed block, or NULL. */
tls_ext *tls_ext_find(tls_ext_block *b, uint16_t type);

/* Client: the server's ALPN answer (TLS 1.2 ServerHello, TLS 1.3
 * EncryptedExtensions), ext_alpn.c: sets c->alpn. */
typedef struct tls_conn tls_conn;
TLS_MUST_CHECK int tls_ext_alpn_reply(tls_conn *c, tls_reader *body);

#endif
