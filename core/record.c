/*
 * core/record: record framing and protection (see record.h).
 *
 * Everything works in place on a buffer holding exactly one record: opening
 * decrypts the body where it lies and returns a span into it; sealing writes
 * the header and the plaintext into the output writer and encrypts that
 * region in place, so the only allocation is the writer growing to its
 * working size once.
 */
#include "core/record.h"

#include <string.h>

#include <openssl/crypto.h>

#include "core/keysched.h"

#define ERR_OVERFLOW_PLAIN  TLS_ERR(TLS_AD_RECORD_OVERFLOW, TLS_R_DATA_LENGTH_TOO_LONG)
#define ERR_OVERFLOW_CIPHER TLS_ERR(TLS_AD_RECORD_OVERFLOW, TLS_R_ENCRYPTED_LENGTH_TOO_LONG)
#define ERR_BAD_TYPE        TLS_ERR(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_BAD_RECORD_TYPE)
#define ERR_SEQ_EXHAUSTED   TLS_ERR(TLS_AD_INTERNAL_ERROR, TLS_R_INVALID_SEQUENCE_NUMBER)

/* TLS 1.2 AES-GCM: 8 explicit nonce bytes precede the ciphertext (RFC 5288 3). */
#define EXPLICIT_NONCE_LEN 8

void tls_rec_dir_init(tls_rec_dir *d, int sending)
{
    memset(d, 0, sizeof(*d));
    d->mode = TLS_REC_PLAIN;
    d->limit = UINT64_MAX;
    d->version = sending ? TLS_V12 : 0;
}

void tls_rec_dir_clear(tls_rec_dir *d)
{
    tls_aead_clear(&d->aead);
    d->mode = TLS_REC_PLAIN;
    d->seq = 0;
    d->limit = UINT64_MAX;
}

int tls_rec_set_key(tls_rec_dir *d, int sending, int mode, const tls_suite *s, const uint8_t *key,
                    const uint8_t *iv, size_t iv_len)
{
    ENSURE(mode == TLS_REC_TLS13 || mode == TLS_REC_TLS12, TLS_ERR_INTERNAL);
    ENSURE(s != NULL, TLS_ERR_INTERNAL);
    int rc = tls_aead_init(&d->aead, s, sending, key, iv, iv_len);
    if (rc < 0) {
        tls_rec_dir_clear(d);
        return rc;
    }
    d->mode = mode;
    /* RFC 8446 5.3: each key starts over at sequence number 0. */
    d->seq = 0;
    d->limit = s->record_limit;
    /* RFC 8446 5.1: protected records always say 0x0303. */
    d->version = TLS_V12;
    return 0;
}

int tls_rec_set_tls13(tls_rec_dir *d, int sending, const tls_suite *s,
                      const uint8_t *traffic_secret)
{
    uint8_t key[TLS_MAX_KEY], iv[TLS_AEAD_IV_LEN];
    ENSURE(s != NULL && s->key_len <= sizeof(key) && s->iv_len == sizeof(iv), TLS_ERR_INTERNAL);
    int rc = tls_ks_traffic_keys(s->md, traffic_secret, s->key_len, s->iv_len, key, iv);
    if (rc == 0)
        rc = tls_rec_set_key(d, sending, TLS_REC_TLS13, s, key, iv, s->iv_len);
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(iv, sizeof(iv));
    return rc;
}

/* ------------------------------------------------------------- header */

/* A first "record" that starts like an HTTP request: someone spoke plain
 * HTTP (or a proxy CONNECT) to a TLS port. */
static int http_verb_reason(const uint8_t *hdr)
{
    static const char *const verbs[] = {"GET ", "POST ", "HEAD ", "PUT "};
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (memcmp(hdr, verbs[i], strlen(verbs[i]) < 5 ? strlen(verbs[i]) : 5) == 0)
            return TLS_R_HTTP_REQUEST;
    if (memcmp(hdr, "CONNE", 5) == 0)
        return TLS_R_HTTPS_PROXY_REQUEST;
    return 0;
}

static int check_version(const tls_rec_dir *d, const uint8_t *hdr, uint16_t version)
{
    if (d->version == 0) {
        /* Before the version is known nothing proves the peer speaks TLS at
         * all, so no alert is sent for a non-TLS first record. */
        if ((version >> 8) != 3) {
            int http = http_verb_reason(hdr);
            return TLS_ERR(TLS_AD_NONE, http != 0 ? http : TLS_R_WRONG_VERSION_NUMBER);
        }
        ENSURE(version >= 0x0301 && version <= TLS_V12,
               TLS_ERR(TLS_AD_PROTOCOL_VERSION, TLS_R_WRONG_VERSION_NUMBER));
        return 0;
    }
    if (version == d->version)
        return 0;
    /* RFC 8446 5.1: protected records carry 0x0303; anything else there is
     * a malformed record rather than a version disagreement. */
    if (d->mode == TLS_REC_TLS13)
        return TLS_ERR(TLS_AD_DECODE_ERROR, TLS_R_WRONG_VERSION_NUMBER);
    return TLS_ERR(TLS_AD_PROTOCOL_VERSION, TLS_R_WRONG_VERSION_NUMBER);
}

/* In a protected TLS 1.3 direction the outer type is always
 * application_data, except the compatibility CCS (RFC 8446 5 and D.4). */
static int check_type(const tls_rec_dir *d, uint8_t type)
{
    if (d->mode == TLS_REC_TLS13) {
        if (type == TLS_CT_APPLICATION_DATA || type == TLS_CT_CHANGE_CIPHER_SPEC)
            return 0;
        if (type == TLS_CT_ALERT && d->allow_plain_alerts)
            return 0;
        return ERR_BAD_TYPE;
    }
    ENSURE(type >= TLS_CT_CHANGE_CIPHER_SPEC && type <= TLS_CT_APPLICATION_DATA,
           TLS_ERR(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_RECORD));
    return 0;
}

/* Is this record protected, given the direction and its outer type? */
static int is_protected(const tls_rec_dir *d, uint8_t outer_type)
{
    if (d->mode == TLS_REC_PLAIN)
        return 0;
    return d->mode == TLS_REC_TLS12 || outer_type == TLS_CT_APPLICATION_DATA;
}

static int check_length(const tls_rec_dir *d, uint8_t type, uint16_t length)
{
    if (!is_protected(d, type)) {
        /* RFC 8446 5.1 / RFC 5246 6.2.1: at most 2^14 plaintext bytes. */
        ENSURE(length <= TLS_REC_MAX_PLAIN, ERR_OVERFLOW_PLAIN);
        return 0;
    }
    /* RFC 8446 5.2: at most 2^14 + 256; RFC 5246 6.2.3: 2^14 + 2048. */
    size_t max = d->mode == TLS_REC_TLS13 ? TLS_REC_MAX_CIPHER : TLS_REC_MAX_CIPHER12;
    ENSURE(length <= max, ERR_OVERFLOW_CIPHER);
    return 0;
}

/*
 * struct {
 *     ContentType type;
 *     ProtocolVersion legacy_record_version;
 *     uint16 length;
 *     opaque fragment[TLSPlaintext.length];
 * } TLSPlaintext;                                  (RFC 8446 5.1)
 */
int tls_rec_parse_header(const tls_rec_dir *d, const uint8_t *hdr, tls_rec_header *h)
{
    tls_reader r;
    tls_rd_init(&r, hdr, TLS_REC_HEADER_LEN);
    TRY(tls_rd_u8(&r, &h->type));
    TRY(tls_rd_u16(&r, &h->version));
    TRY(tls_rd_u16(&r, &h->length));
    TRY(check_version(d, hdr, h->version));
    TRY(check_type(d, h->type));
    return check_length(d, h->type, h->length);
}

int tls_rec_need(const tls_rec_dir *d, const uint8_t *buf, size_t have, size_t *need)
{
    if (have < TLS_REC_HEADER_LEN) {
        *need = TLS_REC_HEADER_LEN - have;
        return 0;
    }
    tls_rec_header h;
    TRY(tls_rec_parse_header(d, buf, &h));
    size_t total = TLS_REC_HEADER_LEN + (size_t)h.length;
    ENSURE(have <= total, TLS_ERR_INTERNAL);
    *need = total - have;
    return 0;
}

/* --------------------------------------------------------------- open */

static int next_seq(tls_rec_dir *d, uint64_t *seq)
{
    /* RFC 8446 5.3: a sequence number must never wrap; we stop one short
     * of 2^64 - 1 so the failure happens before any reuse is possible. */
    ENSURE(d->seq < UINT64_MAX, ERR_SEQ_EXHAUSTED);
    *seq = d->seq;
    return 0;
}

/*
 * struct {
 *     opaque content[TLSPlaintext.length];
 *     ContentType type;
 *     uint8 zeros[length_of_padding];
 * } TLSInnerPlaintext;                             (RFC 8446 5.2)
 */
static int open_tls13(tls_rec_dir *d, uint8_t *rec, size_t body_len, uint8_t *type, uint8_t **data,
                      size_t *len)
{
    uint64_t seq;
    uint8_t nonce[TLS_AEAD_IV_LEN];
    size_t n;
    TRY(next_seq(d, &seq));
    tls_aead_nonce(&d->aead, seq, nonce);
    /* RFC 8446 5.2: additional_data is the record header itself. */
    TRY(tls_aead_open(&d->aead, nonce, rec, TLS_REC_HEADER_LEN, rec + TLS_REC_HEADER_LEN, body_len,
                      &n));
    d->seq++;
    uint8_t *body = rec + TLS_REC_HEADER_LEN;
    /* RFC 8446 5.4: the inner plaintext may be at most 2^14 + 1 bytes. */
    ENSURE(n <= TLS_REC_MAX_PLAIN + 1, ERR_OVERFLOW_PLAIN);
    /* The real type is the last non-zero byte; no non-zero byte at all is
     * unexpected_message (RFC 8446 5.4). */
    while (n > 0 && body[n - 1] == 0)
        n--;
    ENSURE(n > 0, ERR_BAD_TYPE);
    uint8_t inner = body[n - 1];
    n--;
    ENSURE(inner == TLS_CT_ALERT || inner == TLS_CT_HANDSHAKE || inner == TLS_CT_APPLICATION_DATA,
           ERR_BAD_TYPE);
    /* RFC 8446 5.1: no zero-length handshake or alert fragments. */
    ENSURE(n > 0 || inner == TLS_CT_APPLICATION_DATA,
           TLS_ERR(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_BAD_LENGTH));
    *type = inner;
    *data = body;
    *len = n;
    return 0;
}

/* TLS 1.2 additional_data: seq_num || type || version || length (RFC 5246 6.2.3.3). */
static void aad12(uint8_t aad[13], uint64_t seq, uint8_t type, uint16_t version, size_t len)
{
    for (int i = 0; i < 8; i++)
        aad[i] = (uint8_t)(seq >> (56 - 8 * i));
    aad[8] = type;
    aad[9] = (uint8_t)(version >> 8);
    aad[10] = (uint8_t)version;
    aad[11] = (uint8_t)(len >> 8);
    aad[12] = (uint8_t)len;
}

static int open_tls12(tls_rec_dir *d, uint8_t *rec, size_t body_len, uint8_t *type, uint8_t **data,
                      size_t *len)
{
    const int bad_mac = TLS_ERR(TLS_AD_BAD_RECORD_MAC, TLS_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC);
    uint64_t seq;
    uint8_t nonce[TLS_AEAD_IV_LEN], aad[13];
    uint8_t *body = rec + TLS_REC_HEADER_LEN;
    size_t explicit_len = d->aead.suite->nonce_mode == TLS_NONCE_EXPLICIT ? EXPLICIT_NONCE_LEN : 0;
    TRY(next_seq(d, &seq));
    ENSURE(body_len >= explicit_len + d->aead.suite->tag_len, bad_mac);
    tls_aead_nonce(&d->aead, seq, nonce);
    if (explicit_len > 0)
        memcpy(nonce + 4, body, EXPLICIT_NONCE_LEN);
    size_t ct_len = body_len - explicit_len;
    aad12(aad, seq, rec[0], (uint16_t)(rec[1] << 8 | rec[2]), ct_len - d->aead.suite->tag_len);
    size_t n;
    TRY(tls_aead_open(&d->aead, nonce, aad, sizeof(aad), body + explicit_len, ct_len, &n));
    d->seq++;
    ENSURE(n <= TLS_REC_MAX_PLAIN, ERR_OVERFLOW_PLAIN);
    *type = rec[0];
    *data = body + explicit_len;
    *len = n;
    return 0;
}

int tls_rec_open(tls_rec_dir *d, uint8_t *rec, size_t rec_len, uint8_t *type, uint8_t **data,
                 size_t *len)
{
    tls_rec_header h;
    ENSURE(rec_len >= TLS_REC_HEADER_LEN, TLS_ERR_INTERNAL);
    TRY(tls_rec_parse_header(d, rec, &h));
    ENSURE(rec_len == TLS_REC_HEADER_LEN + (size_t)h.length, TLS_ERR_INTERNAL);
    if (!is_protected(d, h.type)) {
        *type = h.type;
        *data = rec + TLS_REC_HEADER_LEN;
        *len = h.length;
        return 0;
    }
    if (d->mode == TLS_REC_TLS13)
        return open_tls13(d, rec, h.length, type, data, len);
    return open_tls12(d, rec, h.length, type, data, len);
}

/* --------------------------------------------------------------- seal */

static size_t overhead(const tls_rec_dir *d, size_t pad)
{
    if (d->mode == TLS_REC_TLS13)
        return 1 + pad + d->aead.suite->tag_len;
    if (d->mode == TLS_REC_TLS12)
        return (d->aead.suite->nonce_mode == TLS_NONCE_EXPLICIT ? EXPLICIT_NONCE_LEN : 0) +
               d->aead.suite->tag_len;
    return 0;
}

size_t tls_rec_sealed_len(const tls_rec_dir *d, size_t len, size_t pad)
{
    return TLS_REC_HEADER_LEN + len + overhead(d, d->mode == TLS_REC_TLS13 ? pad : 0);
}

static void put_header(uint8_t *p, uint8_t type, uint16_t version, size_t len)
{
    p[0] = type;
    p[1] = (uint8_t)(version >> 8);
    p[2] = (uint8_t)version;
    p[3] = (uint8_t)(len >> 8);
    p[4] = (uint8_t)len;
}

static int seal_plain(tls_rec_dir *d, uint8_t type, const uint8_t *data, size_t len,
                      tls_writer *out)
{
    uint8_t *p;
    TRY(tls_wr_space(out, TLS_REC_HEADER_LEN + len, &p));
    put_header(p, type, d->version, len);
    if (len > 0)
        memcpy(p + TLS_REC_HEADER_LEN, data, len);
    return 0;
}

static int seal_tls13(tls_rec_dir *d, uint8_t type, const uint8_t *data, size_t len, size_t pad,
                      tls_writer *out)
{
    uint64_t seq;
    uint8_t nonce[TLS_AEAD_IV_LEN];
    size_t inner = len + 1 + pad;
    size_t body = inner + d->aead.suite->tag_len;
    /* RFC 8446 5.2: the ciphertext may not exceed 2^14 + 256 bytes. */
    ENSURE(inner <= TLS_REC_MAX_PLAIN + 1 && body <= TLS_REC_MAX_CIPHER, TLS_ERR_INTERNAL);
    TRY(next_seq(d, &seq));
    size_t start = out->len;
    uint8_t *p;
    TRY(tls_wr_space(out, TLS_REC_HEADER_LEN + body, &p));
    put_header(p, TLS_CT_APPLICATION_DATA, TLS_V12, body);
    uint8_t *b = p + TLS_REC_HEADER_LEN;
    if (len > 0)
        memcpy(b, data, len);
    b[len] = type;
    memset(b + len + 1, 0, pad);
    tls_aead_nonce(&d->aead, seq, nonce);
    int rc = tls_aead_seal(&d->aead, nonce, p, TLS_REC_HEADER_LEN, b, inner);
    if (rc < 0) {
        /* Never leave plaintext in the output queue. */
        OPENSSL_cleanse(p, TLS_REC_HEADER_LEN + body);
        out->len = start;
        return rc;
    }
    d->seq++;
    return 0;
}

static int seal_tls12(tls_rec_dir *d, uint8_t type, const uint8_t *data, size_t len,
                      tls_writer *out)
{
    uint64_t seq;
    uint8_t nonce[TLS_AEAD_IV_LEN], aad[13];
    size_t explicit_len = d->aead.suite->nonce_mode == TLS_NONCE_EXPLICIT ? EXPLICIT_NONCE_LEN : 0;
    size_t body = explicit_len + len + d->aead.suite->tag_len;
    TRY(next_seq(d, &seq));
    size_t start = out->len;
    uint8_t *p;
    TRY(tls_wr_space(out, TLS_REC_HEADER_LEN + body, &p));
    put_header(p, type, d->version, body);
    tls_aead_nonce(&d->aead, seq, nonce);
    uint8_t *b = p + TLS_REC_HEADER_LEN;
    if (explicit_len > 0)
        memcpy(b, nonce + 4, EXPLICIT_NONCE_LEN);
    if (len > 0)
        memcpy(b + explicit_len, data, len);
    aad12(aad, seq, type, d->version, len);
    int rc = tls_aead_seal(&d->aead, nonce, aad, sizeof(aad), b + explicit_len, len);
    if (rc < 0) {
        OPENSSL_cleanse(p, TLS_REC_HEADER_LEN + body);
        out->len = start;
        return rc;
    }
    d->seq++;
    return 0;
}

int tls_rec_seal(tls_rec_dir *d, uint8_t type, const uint8_t *data, size_t len, size_t pad,
                 tls_writer *out)
{
    /* Fragmenting is the caller's job; a longer input is a bug there. */
    ENSURE(len <= TLS_REC_MAX_PLAIN, TLS_ERR_INTERNAL);
    switch (d->mode) {
    case TLS_REC_PLAIN:
        return seal_plain(d, type, data, len, out);
    case TLS_REC_TLS13:
        return seal_tls13(d, type, data, len, pad, out);
    case TLS_REC_TLS12:
        return seal_tls12(d, type, data, len, out);
    }
    return TLS_ERR_INTERNAL;
}

int tls_rec_update_due(const tls_rec_dir *d)
{
    return d->mode != TLS_REC_PLAIN && d->seq >= d->limit;
}
