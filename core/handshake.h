/*
 * Handshake message types (RFC 8446 4) and the largest body the engine will
 * reassemble for each. The limits exist so that a peer cannot make us buffer
 * 16 MiB by announcing a huge u24 length; they follow what real stacks send
 * (certificate chains are the only big messages; OpenSSL's own default
 * max_cert_list is 100 KiB).
 */
#ifndef SHIMSSL_CORE_HANDSHAKE_H
#define SHIMSSL_CORE_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

enum {
    TLS_HS_HELLO_REQUEST = 0, /* TLS 1.2 */
    TLS_HS_CLIENT_HELLO = 1,
    TLS_HS_SERVER_HELLO = 2,
    TLS_HS_NEW_SESSION_TICKET = 4,
    TLS_HS_END_OF_EARLY_DATA = 5,
    TLS_HS_ENCRYPTED_EXTENSIONS = 8,
    TLS_HS_CERTIFICATE = 11,
    TLS_HS_SERVER_KEY_EXCHANGE = 12, /* TLS 1.2 */
    TLS_HS_CERTIFICATE_REQUEST = 13,
    TLS_HS_SERVER_HELLO_DONE = 14, /* TLS 1.2 */
    TLS_HS_CERTIFICATE_VERIFY = 15,
    TLS_HS_CLIENT_KEY_EXCHANGE = 16, /* TLS 1.2 */
    TLS_HS_FINISHED = 20,
    TLS_HS_CERTIFICATE_STATUS = 22, /* TLS 1.2 (RFC 6066 8) */
    TLS_HS_KEY_UPDATE = 24,
    TLS_HS_MESSAGE_HASH = 254,
};

/*
 * The handshake states core reports (tls_config.event, TLS_EV_STATE), one
 * report per transition, made by the state machines as they write or read
 * each message: the message's TLS_HS_* type (or TLS_STATE_CCS), with
 * TLS_STATE_WRITE when it is ours; or a point between messages. compat
 * names them as OpenSSL's OSSL_HANDSHAKE_STATE.
 */
enum {
    TLS_STATE_WRITE = 0x100,      /* flag: we write the message */
    TLS_STATE_CCS = 0x200,        /* ChangeCipherSpec (TLS 1.2; our 1.3 compatibility CCS) */
    TLS_STATE_EARLY_DATA = 0x201, /* 1.3 server, written: our flight (or HRR) is out, the
                                   * client's comes next, early data first if accepted */
    TLS_STATE_OK = 0x202,         /* the handshake, or a post-handshake exchange, is over */
};

/* RFC 8446 5.1: messages after which the keys change, so that they must
 * end their record. ServerHello is listed whether or not it turns out to
 * be a HelloRetryRequest: nothing may follow an HRR in its record either,
 * since the server must wait for the second ClientHello. */
static inline int tls_hs_ends_record(uint8_t type)
{
    return type == TLS_HS_SERVER_HELLO || type == TLS_HS_END_OF_EARLY_DATA ||
           type == TLS_HS_FINISHED || type == TLS_HS_KEY_UPDATE;
}

static inline size_t tls_hs_max_len(uint8_t type)
{
    switch (type) {
    case TLS_HS_CLIENT_HELLO:
        /* OpenSSL 3.0's CLIENT_HELLO_MAX_LENGTH: a hello may carry 64 KiB
         * of padding, thousands of extensions or signature schemes. */
        return 131396;
    case TLS_HS_SERVER_HELLO:
        return 65607; /* OpenSSL 3.0's SERVER_HELLO_MAX_LENGTH */
    case TLS_HS_CERTIFICATE:
    case TLS_HS_CERTIFICATE_REQUEST:
        return 102400;
    case TLS_HS_NEW_SESSION_TICKET:
    case TLS_HS_ENCRYPTED_EXTENSIONS:
    case TLS_HS_CERTIFICATE_VERIFY:
        return 4 + 4 + 256 + 2 + 65535 + 2 + 65535;
    case TLS_HS_FINISHED:
        return 64;
    case TLS_HS_KEY_UPDATE:
        return 1;
    case TLS_HS_HELLO_REQUEST:
    case TLS_HS_SERVER_HELLO_DONE:
        return 0;
    default:
        return 16384 + 2048;
    }
}

#endif
