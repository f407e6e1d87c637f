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
#include <openssl/evp.h>

#include <zlib.h>

#include "core/keysched.h"
#include "core/tls12.h"

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

static void cbc_clear(tls_rec_cbc *k)
{
    EVP_CIPHER_CTX_free(k->cipher);
    EVP_MAC_CTX_free(k->mac);
    EVP_MD_CTX_free(k->dummy);
    memset(k, 0, sizeof(*k));
}

static void comp_clear(tls_rec_dir *d);

void tls_rec_dir_clear(tls_rec_dir *d)
{
    tls_aead_clear(&d->aead);
    cbc_clear(&d->cbc);
    comp_clear(d);
    d->comp_pending = TLS_COMP_NULL;
    d->mode = TLS_REC_PLAIN;
    d->seq = 0;
    d->limit = UINT64_MAX;
}

int tls_rec_set_key(tls_rec_dir *d, int sending, int mode, const tls_suite *s, const uint8_t *key,
                    const uint8_t *iv, size_t iv_len)
{
    ENSURE(mode == TLS_REC_TLS13 || mode == TLS_REC_TLS12, TLS_ERR_INTERNAL);
    ENSURE(s != NULL, TLS_ERR_INTERNAL);
    cbc_clear(&d->cbc);
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
    int rc = tls_ks_traffic_keys(s->cr, s->md, traffic_secret, s->key_len, s->iv_len, key, iv);
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
            return TLS_FAIL(TLS_AD_NONE, http != 0 ? http : TLS_R_WRONG_VERSION_NUMBER);
        }
        /* RFC 5246 E.1: any {03,XX} is accepted until the first message
         * is read, as OpenSSL does (SSL 3.0's 0x0300 and values above
         * 0x0303 included); the hello's own version fields decide. */
        return 0;
    }
    if (version == d->version)
        return 0;
    /* RFC 8446 5.1: protected records carry 0x0303; anything else there is
     * a malformed record rather than a version disagreement. */
    if (d->mode == TLS_REC_TLS13)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_WRONG_VERSION_NUMBER);
    return TLS_FAIL(TLS_AD_PROTOCOL_VERSION, TLS_R_WRONG_VERSION_NUMBER);
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
    return d->mode != TLS_REC_TLS13 || outer_type == TLS_CT_APPLICATION_DATA;
}

/*
 * Over-long records get OpenSSL 3.0's reasons, which follow its read buffer
 * rather than the RFC limits (measured on 3.0.22 with a memory BIO, see
 * tests/apiunit/client_hello_tolerance_test.cc): a length field past what
 * the buffer holds is packet_length_too_long; then, whether the record is
 * protected or not, more than the ciphertext limit of the version
 * (2^14 + 256 in TLS 1.3, 2^14 + 320 before: OpenSSL's 2^14 + 2048 bound
 * less its 1024 compression allowance and its smaller MAC allowance) is
 * encrypted_length_too_long; a plaintext over 2^14 is data_length_too_long
 * once it is read. All are record_overflow.
 */
static int check_length(const tls_rec_dir *d, uint8_t type, uint16_t length)
{
    size_t extra = d->comp != TLS_COMP_NULL ? 1024 : 0;
    ENSURE(length <= TLS_REC_MAX_PACKET + extra,
           TLS_ERR(TLS_AD_RECORD_OVERFLOW, TLS_R_PACKET_LENGTH_TOO_LONG));
    size_t max = d->mode == TLS_REC_TLS13 ? TLS_REC_MAX_CIPHER : TLS_REC_MAX_CIPHER_RD + extra;
    ENSURE(length <= max, ERR_OVERFLOW_CIPHER);
    if (!is_protected(d, type))
        ENSURE(length <= TLS_REC_MAX_PLAIN, ERR_OVERFLOW_PLAIN);
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

/* -------------------------------------------------- compression (RFC 3749) */

/* Compressed fragments may be up to 1024 bytes longer (RFC 5246 6.2.2). */
#define COMP_MAX (TLS_REC_MAX_PLAIN + 1024)
/* One byte more than a record may hold: filling it means overflow. */
#define DECOMP_CAP (TLS_REC_MAX_PLAIN + 1)

static void comp_clear(tls_rec_dir *d)
{
    if (d->zs != NULL) {
        if (d->zsend)
            deflateEnd(d->zs);
        else
            inflateEnd(d->zs);
        OPENSSL_cleanse(d->zs, sizeof(*d->zs));
        free(d->zs);
    }
    if (d->zbuf != NULL) {
        OPENSSL_cleanse(d->zbuf, COMP_MAX);
        free(d->zbuf);
    }
    d->zs = NULL;
    d->zbuf = NULL;
    d->comp = TLS_COMP_NULL;
}

int tls_rec_set_compression(tls_rec_dir *d, int method)
{
    ENSURE(method == TLS_COMP_NULL || method == TLS_COMP_DEFLATE, TLS_ERR_INTERNAL);
    d->comp_pending = method;
    return 0;
}

int tls_rec_start_compression(tls_rec_dir *d, int sending)
{
    int method = d->comp_pending;
    comp_clear(d);
    d->comp_pending = TLS_COMP_NULL;
    if (method == TLS_COMP_NULL)
        return 0;
    z_stream *zs = calloc(1, sizeof(*zs));
    uint8_t *buf = malloc(COMP_MAX);
    int zrc = Z_MEM_ERROR;
    if (zs != NULL && buf != NULL)
        zrc = sending ? deflateInit(zs, Z_DEFAULT_COMPRESSION) : inflateInit(zs);
    if (zrc != Z_OK) {
        free(zs);
        free(buf);
        return TLS_ERR_INTERNAL;
    }
    d->zs = zs;
    d->zbuf = buf;
    d->zsend = sending ? 1 : 0;
    d->comp = method;
    return 0;
}

/* Deflate one fragment into zbuf, flushed to a byte boundary so the peer
 * can decompress this record alone (RFC 3749 2.2). */
static int comp_deflate(tls_rec_dir *d, const uint8_t **data, size_t *len)
{
    const int fail = TLS_ERR(TLS_AD_INTERNAL_ERROR, TLS_R_COMPRESSION_FAILURE);
    if (*len == 0) {
        *data = d->zbuf;
        return 0;
    }
    z_stream *zs = d->zs;
    zs->next_in = (Bytef *)*data;
    zs->avail_in = (uInt)*len;
    zs->next_out = d->zbuf;
    zs->avail_out = COMP_MAX;
    ENSURE(deflate(zs, Z_SYNC_FLUSH) == Z_OK && zs->avail_in == 0 && zs->avail_out > 0, fail);
    *data = d->zbuf;
    *len = COMP_MAX - zs->avail_out;
    return 0;
}

/* Inflate the opened fragment into zbuf; *data and *len then describe it. */
static int comp_inflate(tls_rec_dir *d, uint8_t **data, size_t *len)
{
    const int bad = TLS_ERR(TLS_AD_DECOMPRESSION_FAILURE, TLS_R_BAD_DECOMPRESSION);
    if (*len == 0) {
        *data = d->zbuf;
        return 0;
    }
    z_stream *zs = d->zs;
    zs->next_in = *data;
    zs->avail_in = (uInt)*len;
    zs->next_out = d->zbuf;
    zs->avail_out = DECOMP_CAP;
    int zrc = inflate(zs, Z_SYNC_FLUSH);
    size_t n = DECOMP_CAP - zs->avail_out;
    /* RFC 5246 6.2.2: more than 2^14 bytes out is record_overflow. */
    ENSURE(n <= TLS_REC_MAX_PLAIN, ERR_OVERFLOW_PLAIN);
    ENSURE((zrc == Z_OK || (zrc == Z_BUF_ERROR && n == 0)) && zs->avail_in == 0, bad);
    *data = d->zbuf;
    *len = n;
    return 0;
}

/* --------------------------------------------------------------- open */

static int next_seq(tls_rec_dir *d, uint64_t *seq)
{
    /* RFC 8446 5.3: a sequence number must never wrap; we stop one short
     * of 2^64 - 1 so the failure happens before any reuse is possible. */
    *seq = d->seq;
    ENSURE(d->seq < UINT64_MAX, ERR_SEQ_EXHAUSTED);
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
    /* The real type is the last non-zero byte; no non-zero byte at all is
     * unexpected_message (RFC 8446 5.4). */
    while (n > 0 && body[n - 1] == 0)
        n--;
    ENSURE(n > 0, ERR_BAD_TYPE);
    uint8_t inner = body[n - 1];
    n--;
    /* RFC 8446 5.4 bounds the whole inner plaintext by 2^14 + 1; OpenSSL 3.0
     * bounds the content once the padding is gone (the ciphertext limit
     * still caps the padding), and so do we. */
    ENSURE(n <= TLS_REC_MAX_PLAIN, ERR_OVERFLOW_PLAIN);
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

/* RFC 5246 6.2.2: a compressed fragment may be 2^14 + 1024 bytes, the
 * decompressed one 2^14. */
static int check_plain_len(const tls_rec_dir *d, size_t n)
{
    if (d->comp == TLS_COMP_NULL)
        ENSURE(n <= TLS_REC_MAX_PLAIN, ERR_OVERFLOW_PLAIN);
    else
        ENSURE(n <= TLS_REC_MAX_PLAIN + 1024,
               TLS_ERR(TLS_AD_RECORD_OVERFLOW, TLS_R_COMPRESSED_LENGTH_TOO_LONG));
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
    TRY(check_plain_len(d, n));
    *type = rec[0];
    *data = body + explicit_len;
    *len = n;
    return 0;
}

/* ---------------------------------------------------------- TLS 1.2 CBC */

/*
 * GenericBlockCipher (RFC 5246 6.2.3.2), MAC-then-encrypt:
 *
 *   IV[16] || AES-CBC( content || MAC || padding || padding_length )
 *   MAC = HMAC(mac_key, seq_num || type || version || length || content)
 *
 * and RFC 7366 encrypt-then-MAC:
 *
 *   IV[16] || AES-CBC( content || padding || padding_length ) || MAC
 *   MAC = HMAC(mac_key, seq_num || type || version || length || IV || ciphertext)
 *
 * Opening a MAC-then-encrypt record is the Lucky Thirteen / padding oracle
 * ground: the receiver learns the padding length only after decrypting, and
 * the MAC covers a length that depends on it. So nothing the receiver does
 * may depend on the padding in its timing or in its answer:
 *  - the padding bytes are checked with masks over the largest possible
 *    padding (256 bytes, or the whole record if shorter), whatever its value;
 *  - the MAC is copied out of the plaintext by a masked scan of every
 *    position it could start at;
 *  - the HMAC runs over the real content, and a dummy hash of the same
 *    algorithm then absorbs exactly as many extra blocks as the longest
 *    possible content would have cost, so the number of hash compressions
 *    is the same for every padding length;
 *  - a bad padding and a bad MAC give the same alert and reason
 *    (bad_record_mac, DECRYPTION_FAILED_OR_BAD_RECORD_MAC).
 * With encrypt-then-MAC the MAC is checked over the ciphertext first; the
 * padding is only looked at once the record is known to be authentic.
 */
#define CBC_BLOCK 16

static void put_header(uint8_t *p, uint8_t type, uint16_t version, size_t len);
#define ERR_BAD_MAC TLS_ERR(TLS_AD_BAD_RECORD_MAC, TLS_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC)

/* Constant-time helpers on size_t: all-ones masks, no branches. */
static size_t ct_msb(size_t x)
{
    return (size_t)0 - (x >> (sizeof(size_t) * 8 - 1));
}
static size_t ct_lt(size_t a, size_t b)
{
    return ct_msb(a ^ ((a ^ b) | ((a - b) ^ b)));
}
static size_t ct_is_zero(size_t x)
{
    return ct_msb(~x & (x - 1));
}
static size_t ct_eq(size_t a, size_t b)
{
    return ct_is_zero(a ^ b);
}

int tls_rec_set_cbc(tls_rec_dir *d, int sending, const tls_suite *s, const EVP_MD *mac_md,
                    const uint8_t *mac_key, const uint8_t *enc_key, int etm)
{
    ENSURE(s != NULL && s->cipher != NULL && mac_md != NULL, TLS_ERR_INTERNAL);
    ENSURE(EVP_CIPHER_get_block_size(s->cipher) == CBC_BLOCK, TLS_ERR_INTERNAL);
    /* The old keys go; a pending compression change stays for
     * tls_rec_start_compression. */
    tls_aead_clear(&d->aead);
    cbc_clear(&d->cbc);
    d->mode = TLS_REC_PLAIN;
    tls_rec_cbc *k = &d->cbc;
    k->mac_len = (size_t)EVP_MD_get_size(mac_md);
    k->md_block = (size_t)EVP_MD_get_block_size(mac_md);
    /* SHA-1/SHA-256 end with a 64-bit length, SHA-384 with 128 bits. */
    k->md_lenfield = k->md_block == 128 ? 16 : 8;
    k->etm = etm ? 1 : 0;
    k->cipher = EVP_CIPHER_CTX_new();
    k->cr = s->cr;
    k->mac = tls_hmac_ctx_new(s->cr, mac_md, mac_key, k->mac_len);
    k->dummy = EVP_MD_CTX_new();
    int ok = k->cipher != NULL && k->mac != NULL && k->dummy != NULL &&
             k->mac_len <= TLS_MAX_HASH && (k->md_block == 64 || k->md_block == 128) &&
             EVP_CipherInit_ex2(k->cipher, s->cipher, enc_key, NULL, sending ? 1 : 0, NULL) == 1 &&
             EVP_CIPHER_CTX_set_padding(k->cipher, 0) == 1 &&
             EVP_DigestInit_ex2(k->dummy, mac_md, NULL) == 1;
    if (!ok) {
        cbc_clear(k);
        return TLS_ERR_INTERNAL;
    }
    d->mode = TLS_REC_TLS12_CBC;
    d->seq = 0;
    d->limit = UINT64_MAX;
    d->version = TLS_V12;
    return 0;
}

/* AES-CBC over buf[0..n) in place (n a multiple of the block), with iv. */
static int cbc_crypt(tls_rec_cbc *k, const uint8_t *iv, uint8_t *buf, size_t n)
{
    int outl = 0;
    ENSURE(n % CBC_BLOCK == 0 && n <= (size_t)1 << 24, TLS_ERR_INTERNAL);
    ENSURE(EVP_CipherInit_ex2(k->cipher, NULL, NULL, iv, -1, NULL) == 1, TLS_ERR_INTERNAL);
    ENSURE(EVP_CipherUpdate(k->cipher, buf, &outl, buf, (int)n) == 1 && (size_t)outl == n,
           TLS_ERR_INTERNAL);
    return 0;
}

/* HMAC(seq_num || type || version || length, then data[0..n)). */
static int cbc_mac(tls_rec_cbc *k, const uint8_t hdr[13], const uint8_t *data, size_t n,
                   uint8_t *out)
{
    size_t outl = 0;
    ENSURE(EVP_MAC_init(k->mac, NULL, 0, NULL) == 1 && EVP_MAC_update(k->mac, hdr, 13) == 1 &&
               EVP_MAC_update(k->mac, data, n) == 1 &&
               EVP_MAC_final(k->mac, out, &outl, TLS_MAX_HASH) == 1 && outl == k->mac_len,
           TLS_ERR_INTERNAL);
    return 0;
}

/* Bytes after the header for len plaintext bytes. The padding is the
 * minimum (1 to 16 bytes, its own length byte included). */
static size_t cbc_body_len(const tls_rec_cbc *k, size_t len)
{
    size_t covered = k->etm ? len : len + k->mac_len;
    size_t padded = covered + (CBC_BLOCK - covered % CBC_BLOCK);
    return CBC_BLOCK + padded + (k->etm ? k->mac_len : 0);
}

/* Compression calls the inner hash of an HMAC makes over 13 + n bytes
 * (key block, data, then the 0x80 byte and the length field). n may be
 * secret: a division by a power of two is a shift. */
static size_t hmac_blocks(const tls_rec_cbc *k, size_t n)
{
    size_t shift = k->md_block == 128 ? 7 : 6;
    return (k->md_block + 13 + n + 1 + k->md_lenfield + k->md_block - 1) >> shift;
}

static int open_cbc_mte(tls_rec_dir *d, uint64_t seq, uint8_t *rec, size_t body_len,
                        size_t *content_len)
{
    tls_rec_cbc *k = &d->cbc;
    static const uint8_t zeros[8 * 128];
    const size_t m = k->mac_len;
    uint8_t *iv = rec + TLS_REC_HEADER_LEN, *p = iv + CBC_BLOCK;
    /* Public facts first: whole blocks, room for the MAC and one byte of
     * padding (RFC 5246 6.2.3.2). */
    ENSURE(body_len % CBC_BLOCK == 0 && body_len >= CBC_BLOCK + m + 1, ERR_BAD_MAC);
    size_t n = body_len - CBC_BLOCK;
    TRY(cbc_crypt(k, iv, p, n));

    size_t pad = p[n - 1];
    size_t good = ~ct_lt(n, pad + 1 + m);
    size_t to_check = n < 256 ? n : 256;
    for (size_t i = 0; i < to_check; i++) {
        size_t in_pad = ct_lt(i, pad + 1);
        good &= ~(in_pad & ~ct_eq(p[n - 1 - i], pad));
    }
    /* A bad padding continues as if it were empty, so that the MAC work
     * below is the same; the record fails at the end either way. */
    pad &= good;
    const size_t max_content = n - m - 1;
    size_t content = max_content - pad;

    /* Copy the received MAC out of p[content..content+m) without an access
     * pattern that depends on content. */
    uint8_t rmac[TLS_MAX_HASH] = {0}, mac[TLS_MAX_HASH];
    size_t lo = max_content > 255 ? max_content - 255 : 0;
    for (size_t j = lo; j <= max_content; j++) {
        uint8_t mask = (uint8_t)ct_eq(j, content);
        for (size_t t = 0; t < m; t++)
            rmac[t] |= p[j + t] & mask;
    }

    uint8_t hdr[13];
    aad12(hdr, seq, rec[0], (uint16_t)(rec[1] << 8 | rec[2]), content);
    TRY(cbc_mac(k, hdr, p, content, mac));
    /* Even out the hash work: the blocks a maximal content would have cost
     * beyond this one, absorbed by the never-finalised dummy hash. */
    size_t extra = (hmac_blocks(k, max_content) - hmac_blocks(k, content)) * k->md_block;
    ENSURE(extra <= sizeof(zeros), TLS_ERR_INTERNAL);
    ENSURE(EVP_DigestUpdate(k->dummy, zeros, extra) == 1, TLS_ERR_INTERNAL);

    good &= ct_is_zero((size_t)(unsigned)CRYPTO_memcmp(rmac, mac, m));
    OPENSSL_cleanse(rmac, sizeof(rmac));
    if (good == 0) {
        OPENSSL_cleanse(p, n);
        return ERR_BAD_MAC;
    }
    *content_len = content;
    return 0;
}

static int open_cbc_etm(tls_rec_dir *d, uint64_t seq, uint8_t *rec, size_t body_len,
                        size_t *content_len)
{
    tls_rec_cbc *k = &d->cbc;
    const size_t m = k->mac_len;
    uint8_t *iv = rec + TLS_REC_HEADER_LEN, *p = iv + CBC_BLOCK;
    uint8_t hdr[13], mac[TLS_MAX_HASH];
    /* RFC 7366 3: the MAC is checked before anything else is looked at. */
    ENSURE(body_len >= m, TLS_ERR(TLS_AD_DECODE_ERROR, TLS_R_LENGTH_TOO_SHORT));
    size_t ct_len = body_len - m;
    aad12(hdr, seq, rec[0], (uint16_t)(rec[1] << 8 | rec[2]), ct_len);
    TRY(cbc_mac(k, hdr, iv, ct_len, mac));
    ENSURE(CRYPTO_memcmp(mac, iv + ct_len, m) == 0, ERR_BAD_MAC);
    /* Authentic from here on: plain checks are no oracle. */
    ENSURE(ct_len % CBC_BLOCK == 0 && ct_len >= 2 * CBC_BLOCK, ERR_BAD_MAC);
    size_t n = ct_len - CBC_BLOCK;
    TRY(cbc_crypt(k, iv, p, n));
    size_t pad = p[n - 1];
    ENSURE(pad + 1 <= n, ERR_BAD_MAC);
    for (size_t i = 0; i <= pad; i++)
        ENSURE(p[n - 1 - i] == pad, ERR_BAD_MAC);
    *content_len = n - pad - 1;
    return 0;
}

static int open_cbc(tls_rec_dir *d, uint8_t *rec, size_t body_len, uint8_t *type, uint8_t **data,
                    size_t *len)
{
    uint64_t seq;
    size_t n = 0;
    TRY(next_seq(d, &seq));
    if (d->cbc.etm)
        TRY(open_cbc_etm(d, seq, rec, body_len, &n));
    else
        TRY(open_cbc_mte(d, seq, rec, body_len, &n));
    d->seq++;
    TRY(check_plain_len(d, n));
    *type = rec[0];
    *data = rec + TLS_REC_HEADER_LEN + CBC_BLOCK;
    *len = n;
    return 0;
}

static int seal_cbc_body(tls_rec_dir *d, uint64_t seq, uint8_t type, const uint8_t *data,
                         size_t len, uint8_t *p, size_t body)
{
    tls_rec_cbc *k = &d->cbc;
    uint8_t hdr[13];
    uint8_t *iv = p + TLS_REC_HEADER_LEN, *b = iv + CBC_BLOCK;
    put_header(p, type, d->version, body);
    /* RFC 5246 6.2.3.2: a fresh unpredictable IV for every record. */
    TRY(tls_random(k->cr, iv, CBC_BLOCK));
    if (len > 0)
        memcpy(b, data, len);
    size_t covered = len;
    if (!k->etm) {
        aad12(hdr, seq, type, d->version, len);
        TRY(cbc_mac(k, hdr, b, len, b + len));
        covered += k->mac_len;
    }
    size_t padlen = CBC_BLOCK - covered % CBC_BLOCK; /* 1..16, length byte included */
    memset(b + covered, (int)(padlen - 1), padlen);
    size_t ct = covered + padlen;
    TRY(cbc_crypt(k, iv, b, ct));
    if (k->etm) {
        aad12(hdr, seq, type, d->version, CBC_BLOCK + ct);
        TRY(cbc_mac(k, hdr, iv, CBC_BLOCK + ct, b + ct));
    }
    return 0;
}

static int seal_cbc(tls_rec_dir *d, uint8_t type, const uint8_t *data, size_t len, tls_writer *out)
{
    uint64_t seq;
    size_t body = cbc_body_len(&d->cbc, len);
    TRY(next_seq(d, &seq));
    size_t start = out->len;
    uint8_t *p;
    TRY(tls_wr_space(out, TLS_REC_HEADER_LEN + body, &p));
    int rc = seal_cbc_body(d, seq, type, data, len, p, body);
    if (rc < 0) {
        OPENSSL_cleanse(p, TLS_REC_HEADER_LEN + body);
        out->len = start;
        return rc;
    }
    d->seq++;
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
    if (d->mode == TLS_REC_TLS12_CBC)
        TRY(open_cbc(d, rec, h.length, type, data, len));
    else
        TRY(open_tls12(d, rec, h.length, type, data, len));
    if (d->comp != TLS_COMP_NULL)
        return comp_inflate(d, data, len);
    return 0;
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
    if (d->mode == TLS_REC_TLS12_CBC)
        return TLS_REC_HEADER_LEN + cbc_body_len(&d->cbc, len);
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
    if (d->comp != TLS_COMP_NULL && (d->mode == TLS_REC_TLS12 || d->mode == TLS_REC_TLS12_CBC))
        TRY(comp_deflate(d, &data, &len));
    switch (d->mode) {
    case TLS_REC_PLAIN:
        return seal_plain(d, type, data, len, out);
    case TLS_REC_TLS13:
        return seal_tls13(d, type, data, len, pad, out);
    case TLS_REC_TLS12:
        return seal_tls12(d, type, data, len, out);
    case TLS_REC_TLS12_CBC:
        return seal_cbc(d, type, data, len, out);
    }
    return TLS_ERR_INTERNAL;
}

int tls_rec_update_due(const tls_rec_dir *d)
{
    return d->mode != TLS_REC_PLAIN && d->seq >= d->limit;
}
