/*
 * core/record: the TLS record layer, sans-I/O (RFC 8446 5, RFC 5246 6.2).
 *
 * Works on whole records already in memory. The caller (core/conn.c) gathers
 * bytes with tls_rec_need() until one record is complete, then opens it in
 * place with tls_rec_open(), which yields the content type and a span of
 * plaintext inside the caller's buffer. Outgoing data is sealed with
 * tls_rec_seal() straight into the output writer: the header is written in
 * front, the body encrypted in place, so no record costs an allocation once
 * the writer has grown to its working size.
 *
 * Each direction has its own protection state (tls_rec_dir): plaintext at
 * first, then the handshake key, then the application key, each switch
 * resetting the sequence number to 0 (RFC 8446 5.3).
 */
#ifndef SHIMSSL_CORE_RECORD_H
#define SHIMSSL_CORE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "core/codec.h"
#include "core/crypto.h"
#include "core/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ContentType (RFC 8446 5.1). */
enum {
    TLS_CT_CHANGE_CIPHER_SPEC = 20,
    TLS_CT_ALERT = 21,
    TLS_CT_HANDSHAKE = 22,
    TLS_CT_APPLICATION_DATA = 23,
};

#define TLS_REC_HEADER_LEN   5
#define TLS_REC_MAX_PLAIN    16384          /* 2^14 */
#define TLS_REC_MAX_CIPHER   (16384 + 256)  /* 2^14 + 256, TLS 1.3 */
#define TLS_REC_MAX_CIPHER12 (16384 + 2048) /* 2^14 + 2048, TLS 1.2 */
/* What OpenSSL 3.0 reads (measured on 3.0.22): a TLS 1.2 record body up to
 * 2^14 + 320 (its 2^14 + 2048 less the 1024 compression allowance and its
 * own MAC allowance), and no length field past 2^14 + 323 (its read buffer);
 * both 1024 more with compression. */
#define TLS_REC_MAX_CIPHER_RD (16384 + 320)
#define TLS_REC_MAX_PACKET    (16384 + 323)

typedef struct tls_rec_header {
    uint8_t type;
    uint16_t version; /* legacy_record_version */
    uint16_t length;
} tls_rec_header;

/* Protection mode of one direction. */
enum {
    TLS_REC_PLAIN = 0,
    TLS_REC_TLS13 = 1,     /* TLSInnerPlaintext under an AEAD (RFC 8446 5.2) */
    TLS_REC_TLS12 = 2,     /* TLS 1.2 AEAD (RFC 5246 6.2.3.3, RFC 7905) */
    TLS_REC_TLS12_CBC = 3, /* TLS 1.2 AES-CBC + HMAC (RFC 5246 6.2.3.2, RFC 7366) */
};

/*
 * TLS 1.2 CBC state of one direction: the cipher and HMAC contexts are keyed
 * once per key; a record costs no allocation. The timing of opening a
 * MAC-then-encrypt record does not depend on the padding (see record.c).
 */
typedef struct tls_rec_cbc {
    EVP_CIPHER_CTX *cipher; /* AES-CBC, no padding, keyed */
    EVP_MAC_CTX *mac;       /* HMAC, keyed; re-initialised per record */
    EVP_MD_CTX *dummy;      /* the same hash, for constant-time padding work */
    size_t mac_len;         /* HMAC output bytes (20, 32, 48) */
    size_t md_block;        /* hash block size (64, 128) */
    size_t md_lenfield;     /* bytes of the hash's length encoding (8, 16) */
    int etm;                /* RFC 7366 encrypt-then-MAC */
    const tls_crypto *cr;   /* the suite's library context (random IVs) */
} tls_rec_cbc;

typedef struct tls_rec_dir {
    int mode; /* TLS_REC_* */
    tls_aead aead;
    uint64_t seq;   /* next sequence number */
    uint64_t limit; /* records allowed under this key (RFC 8446 5.5) */
    /*
     * Sending: the legacy_record_version written (0x0301 for a first
     * ClientHello, 0x0303 otherwise; default 0x0303).
     * Receiving: 0 accepts 0x0301..0x0303 (the peer's first records, before
     * the version is known); otherwise the exact value required.
     */
    uint16_t version;
    /*
     * Receiving, TLS 1.3: also pass through an unprotected alert record (a
     * server whose ClientHello reply the client rejected gets the client's
     * alert in plaintext after the server switched keys). Off by default.
     */
    int allow_plain_alerts;
    tls_rec_cbc cbc; /* mode TLS_REC_TLS12_CBC */
    /*
     * TLS 1.2 record compression (RFC 3749 DEFLATE, one stream per
     * direction): comp_pending is what tls_rec_set_compression asked for,
     * comp what is in force since the last tls_rec_set_tls12. zbuf holds
     * the compressed output (sending) or the decompressed record
     * (receiving, returned by tls_rec_open); both live as long as the key.
     */
    int comp_pending;
    int comp;
    int zsend; /* zs deflates (else inflates) */
    struct z_stream_s *zs;
    uint8_t *zbuf;
} tls_rec_dir;

/* Plaintext, seq 0, version 0x0303 (send) / lenient (receive). */
void tls_rec_dir_init(tls_rec_dir *d, int sending);
/* Wipe the key. The direction is plaintext again. */
void tls_rec_dir_clear(tls_rec_dir *d);

/* Install TLS 1.3 traffic keys derived from a traffic secret (RFC 8446 7.3):
 * mode TLS13, seq 0, receive version 0x0303. */
TLS_MUST_CHECK int tls_rec_set_tls13(tls_rec_dir *d, int sending, const tls_suite *s,
                                     const uint8_t *traffic_secret);
/* Same from an explicit key and 12-byte IV (tests, and TLS 1.2 ChaCha20). */
TLS_MUST_CHECK int tls_rec_set_key(tls_rec_dir *d, int sending, int mode, const tls_suite *s,
                                   const uint8_t *key, const uint8_t *iv, size_t iv_len);

/*
 * TLS 1.2 CBC + HMAC keys (tls12.h's tls_rec_set_tls12 derives them):
 * cipher suite s (AES-128/256-CBC), HMAC with mac_md and mac_key
 * (EVP_MD_get_size(mac_md) bytes), enc_key (s->key_len bytes). etm: RFC 7366
 * encrypt-then-MAC, else MAC-then-encrypt. Mode TLS12_CBC, seq 0.
 */
TLS_MUST_CHECK int tls_rec_set_cbc(tls_rec_dir *d, int sending, const tls_suite *s,
                                   const EVP_MD *mac_md, const uint8_t *mac_key,
                                   const uint8_t *enc_key, int etm);

/* Put the compression asked for by tls_rec_set_compression (tls12.h) in
 * force, with a fresh stream; called by tls_rec_set_tls12 once the keys are
 * installed (compression and keys change at the same CCS). */
TLS_MUST_CHECK int tls_rec_start_compression(tls_rec_dir *d, int sending);

/*
 * Parse and check a 5-byte header against the direction's state:
 *  - type must be 20..23, else unexpected_message + TLS_R_BAD_RECORD_TYPE;
 *  - a protected TLS 1.3 direction only takes application_data records and
 *    the unprotected change_cipher_spec (RFC 8446 5: it may arrive during the
 *    handshake; the handshake layer decides whether to drop it);
 *  - legacy_record_version as described in tls_rec_dir (protocol_version +
 *    TLS_R_WRONG_VERSION_NUMBER; an HTTP request/proxy verb in the first
 *    record gives TLS_R_HTTP_REQUEST / TLS_R_HTTPS_PROXY_REQUEST);
 *  - length <= 2^14 for plaintext (record_overflow + TLS_R_DATA_LENGTH_TOO_LONG),
 *    <= 2^14+256 protected (record_overflow + TLS_R_ENCRYPTED_LENGTH_TOO_LONG).
 */
TLS_MUST_CHECK int tls_rec_parse_header(const tls_rec_dir *d, const uint8_t *hdr,
                                        tls_rec_header *h);
/*
 * Record assembly: buf holds the first have bytes of the next record. Sets
 * *need to how many more bytes complete it (0 = complete, the record is
 * TLS_REC_HEADER_LEN + h.length bytes). Checks the header once it is there.
 */
TLS_MUST_CHECK int tls_rec_need(const tls_rec_dir *d, const uint8_t *buf, size_t have,
                                size_t *need);

/*
 * Open one complete record (header included) in place. On success *type is
 * the real content type (the inner one for TLS 1.3) and [*data, *data+*len)
 * the plaintext, inside rec. Unprotected CCS records in a TLS 1.3 direction
 * are passed through as they are (type 20). Errors:
 *   bad tag -> bad_record_mac + TLS_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC,
 *   plaintext > 2^14 -> record_overflow + TLS_R_DATA_LENGTH_TOO_LONG,
 *   inner plaintext all zeros / bad inner type -> unexpected_message +
 *   TLS_R_BAD_RECORD_TYPE, sequence number exhausted -> internal error.
 */
TLS_MUST_CHECK int tls_rec_open(tls_rec_dir *d, uint8_t *rec, size_t rec_len, uint8_t *type,
                                uint8_t **data, size_t *len);

/*
 * Append one record carrying data[0..len) (len <= 2^14) of the given type to
 * out, protected per the direction, with pad zero bytes of TLS 1.3 padding.
 * data must not point into out.
 */
TLS_MUST_CHECK int tls_rec_seal(tls_rec_dir *d, uint8_t type, const uint8_t *data, size_t len,
                                size_t pad, tls_writer *out);
/* Bytes a sealed record of len plaintext bytes takes on the wire. */
size_t tls_rec_sealed_len(const tls_rec_dir *d, size_t len, size_t pad);

/* RFC 8446 5.5: 1 when the key has protected enough records that it should
 * be updated (the sender then sends a KeyUpdate). */
int tls_rec_update_due(const tls_rec_dir *d);

#ifdef __cplusplus
}
#endif

#endif
