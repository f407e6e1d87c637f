/*
 * fuzz_record12: TLS 1.2 record protection opened from arbitrary bytes.
 *
 * A receiving direction is keyed with a fixed master secret and fixed
 * randoms (tls_rec_set_tls12, the server's view of what a client sends) in
 * one of the modes below, and the input is a stream of records opened one
 * after the other in place, until one fails. This reaches the AES-GCM
 * (explicit nonce) and ChaCha20-Poly1305 opening, the CBC MAC-then-encrypt
 * path (constant-time padding and MAC handling, run on whatever the
 * decryption of random bytes gives), encrypt-then-MAC, the TLS 1.2 length
 * limits and DEFLATE decompression.
 *
 * Input: byte 0 selects the mode (modes[] index); with bit 0x80 set the
 * rest is instead plaintext, cut into records of a size chosen by byte 1,
 * sealed by the matching sending direction, opened again and compared.
 *
 * Properties (fuzz_common.h's FUZZ_REQUIRE, abort() on violation):
 *  - a record that fails to open fails with an alert a peer's bad record
 *    deserves (bad_record_mac, record_overflow, decode_error,
 *    decompression_failure, unexpected_message, protocol_version), never
 *    internal_error;
 *  - an opened record keeps its content type, and its plaintext lies in the
 *    record or the direction's buffer, at most 2^14 bytes;
 *  - the same record with its last byte changed (tag, MAC or padding) does
 *    not open under the same key and sequence number: bad_record_mac
 *    (uncompressed modes; a compressed stream cannot be re-opened alone);
 *  - round trip: what is sealed opens to the same type and bytes.
 *
 * The seed corpus (corpus/fuzz_record12) holds records sealed under the
 * fixed key: build this file with -DFUZZ_RECORD12_SEEDS into a program
 * linked with shimssl_corelib and run it in the corpus directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tls12.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
    uint16_t suite;
    int etm;
    int comp;
} modes[] = {
    {0xC02F, 0, 0}, {0xC030, 0, 0}, {0xCCA8, 0, 0}, {0xC013, 0, 0}, {0xC013, 1, 0},
    {0xC028, 0, 0}, {0xC028, 1, 0}, {0x003C, 0, 0}, {0xC02F, 0, 1}, {0xC013, 0, 1},
    {0xC013, 1, 1},
};
#define N_MODES (sizeof(modes) / sizeof(modes[0]))

static int keyed(tls_rec_dir *d, int sending, size_t mode)
{
    uint8_t ms[48], cr[32], sr[32];
    memset(ms, 0x5a, sizeof(ms));
    memset(cr, 0x11, sizeof(cr));
    memset(sr, 0x22, sizeof(sr));
    const tls12_suite *s = tls12_suite_get(NULL, modes[mode].suite);
    tls_rec_dir_init(d, sending);
    if (s == NULL)
        return -1;
    if (tls_rec_set_compression(d, modes[mode].comp ? TLS_COMP_DEFLATE : TLS_COMP_NULL) < 0)
        return -1;
    /* The client sends, the server receives. */
    return tls_rec_set_tls12(d, sending, !sending, s, ms, cr, sr, modes[mode].etm);
}

/* A plaintext span must lie in the record or in the direction's buffer. */
static void check_span(const tls_rec_dir *d, const uint8_t *rec, size_t rec_len,
                       const uint8_t *p, size_t len)
{
    int in_rec = p >= rec && len <= rec_len && p - rec <= (ptrdiff_t)(rec_len - len);
    int in_zbuf = d->zbuf != NULL && p >= d->zbuf && p + len <= d->zbuf + TLS_REC_MAX_PLAIN;
    FUZZ_REQUIRE(len <= TLS_REC_MAX_PLAIN && (in_rec || in_zbuf), "span",
                 "the plaintext lies outside the record and the buffer");
}

/* A peer's bad record may cost these alerts, nothing else. */
static void check_failure(int rc)
{
    int a = TLS_ERR_ALERT(rc);
    FUZZ_REQUIRE(rc < 0, "alert", "a failure that is not negative");
    FUZZ_REQUIRE(a != TLS_AD_INTERNAL_ERROR && TLS_ERR_REASON(rc) != TLS_R_INTERNAL, "alert",
                 "internal error for a peer's record");
    FUZZ_REQUIRE(a == TLS_AD_BAD_RECORD_MAC || a == TLS_AD_RECORD_OVERFLOW ||
                     a == TLS_AD_DECODE_ERROR || a == TLS_AD_DECOMPRESSION_FAILURE ||
                     a == TLS_AD_UNEXPECTED_MESSAGE || a == TLS_AD_PROTOCOL_VERSION,
                 "alert", "unexpected alert for a bad record");
}

/* rec (total bytes, already opened once at sequence seq) with its last byte
 * flipped must not open under a fresh direction at that sequence number. */
static void check_tampered(size_t mode, const uint8_t *rec, size_t total, uint64_t seq)
{
    if (modes[mode].comp || total <= TLS_REC_HEADER_LEN)
        return;
    uint8_t *copy = malloc(total);
    tls_rec_dir d;
    if (copy == NULL)
        return;
    memcpy(copy, rec, total);
    copy[total - 1] ^= 0x01;
    if (keyed(&d, 0, mode) == 0) {
        d.seq = seq;
        uint8_t type, *p;
        size_t len;
        int rc = tls_rec_open(&d, copy, total, &type, &p, &len);
        FUZZ_REQUIRE(rc < 0, "tamper", "a record with a changed last byte opened");
        if (rc < 0)
            FUZZ_REQUIRE(TLS_ERR_ALERT(rc) == TLS_AD_BAD_RECORD_MAC, "tamper",
                         "a changed record failed without bad_record_mac");
    }
    tls_rec_dir_clear(&d);
    free(copy);
}

static void open_stream(size_t mode, uint8_t *buf, size_t n)
{
    tls_rec_dir rd;
    if (keyed(&rd, 0, mode) < 0) {
        tls_rec_dir_clear(&rd);
        return;
    }
    size_t off = 0;
    while (n - off >= TLS_REC_HEADER_LEN) {
        tls_rec_header h;
        int rc = tls_rec_parse_header(&rd, buf + off, &h);
        if (rc < 0) {
            check_failure(rc);
            break;
        }
        size_t total = TLS_REC_HEADER_LEN + (size_t)h.length;
        if (total > n - off)
            break;
        uint8_t type, *p, orig[TLS_REC_HEADER_LEN];
        size_t len;
        uint64_t seq = rd.seq;
        uint8_t *saved = malloc(total);
        if (saved == NULL)
            break;
        memcpy(saved, buf + off, total);
        memcpy(orig, buf + off, sizeof orig);
        rc = tls_rec_open(&rd, buf + off, total, &type, &p, &len);
        if (rc < 0) {
            free(saved);
            check_failure(rc);
            break;
        }
        FUZZ_REQUIRE(type == orig[0], "type", "the content type changed");
        check_span(&rd, buf + off, total, p, len);
        check_tampered(mode, saved, total, seq);
        free(saved);
        off += total;
    }
    tls_rec_dir_clear(&rd);
}

static void round_trip(size_t mode, const uint8_t *data, size_t size)
{
    static const size_t chunks[] = {0, 1, 15, 16, 17, 100, 1000, TLS_REC_MAX_PLAIN};
    if (size < 1)
        return;
    size_t chunk = chunks[data[0] % (sizeof(chunks) / sizeof(chunks[0]))];
    data++;
    size--;
    tls_rec_dir wr, rd;
    tls_writer w;
    tls_wr_init(&w);
    if (keyed(&wr, 1, mode) < 0 || keyed(&rd, 0, mode) < 0)
        goto out;
    size_t off = 0;
    do {
        size_t n = size - off < chunk ? size - off : chunk;
        tls_wr_reset(&w);
        FUZZ_REQUIRE(tls_rec_seal(&wr, TLS_CT_APPLICATION_DATA, data + off, n, 0, &w) >= 0,
                     "roundtrip", "sealing failed");
        FUZZ_REQUIRE(w.len - TLS_REC_HEADER_LEN <= TLS_REC_MAX_CIPHER12, "roundtrip",
                     "a sealed record is too long");
        uint8_t type, *p;
        size_t len;
        FUZZ_REQUIRE(tls_rec_open(&rd, w.buf, w.len, &type, &p, &len) >= 0, "roundtrip",
                     "a sealed record does not open");
        FUZZ_REQUIRE(type == TLS_CT_APPLICATION_DATA && len == n &&
                         (n == 0 || memcmp(p, data + off, n) == 0),
                     "roundtrip", "a record opened to other bytes");
        off += n;
    } while (off < size && chunk > 0);
out:
    tls_wr_free(&w);
    tls_rec_dir_clear(&wr);
    tls_rec_dir_clear(&rd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t mode = (data[0] & 0x7f) % N_MODES;
    if (data[0] & 0x80) {
        round_trip(mode, data + 1, size - 1);
        return 0;
    }
    uint8_t *buf = malloc(size);
    if (buf == NULL)
        return 0;
    memcpy(buf, data + 1, size - 1);
    open_stream(mode, buf, size - 1);
    free(buf);
    return 0;
}

#ifdef FUZZ_RECORD12_SEEDS
/* Seeds: for each mode, a few records of each content type as a client
 * would send them, and a round-trip input. */
int main(void)
{
    static const char text[] = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
    for (size_t m = 0; m < N_MODES; m++) {
        tls_rec_dir wr;
        tls_writer w;
        tls_wr_init(&w);
        if (keyed(&wr, 1, m) < 0)
            return 1;
        uint8_t mode = (uint8_t)m;
        if (tls_wr_bytes(&w, &mode, 1) < 0)
            return 1;
        uint8_t fin[16] = {20, 0, 0, 12};
        uint8_t big[3000];
        memset(big, 'a', sizeof(big));
        if (tls_rec_seal(&wr, TLS_CT_HANDSHAKE, fin, sizeof(fin), 0, &w) < 0 ||
            tls_rec_seal(&wr, TLS_CT_APPLICATION_DATA, (const uint8_t *)text, sizeof(text) - 1, 0,
                         &w) < 0 ||
            tls_rec_seal(&wr, TLS_CT_APPLICATION_DATA, big, sizeof(big), 0, &w) < 0 ||
            tls_rec_seal(&wr, TLS_CT_APPLICATION_DATA, big, 0, 0, &w) < 0 ||
            tls_rec_seal(&wr, TLS_CT_ALERT, (const uint8_t *)"\x01\x00", 2, 0, &w) < 0)
            return 1;
        char name[64];
        const char *kind = !tls12_suite_get(NULL, modes[m].suite)->cbc ? "aead"
                           : modes[m].etm                              ? "etm"
                                                                       : "mte";
        snprintf(name, sizeof(name), "%04x_%s%s", modes[m].suite, kind,
                 modes[m].comp ? "_deflate" : "");
        FILE *f = fopen(name, "wb");
        if (f == NULL || fwrite(w.buf, 1, w.len, f) != w.len)
            return 1;
        fclose(f);
        snprintf(name, sizeof(name), "roundtrip_%04x_%s%s", modes[m].suite, kind,
                 modes[m].comp ? "_deflate" : "");
        f = fopen(name, "wb");
        uint8_t hdr[2] = {(uint8_t)(0x80 | m), (uint8_t)m};
        if (f == NULL || fwrite(hdr, 1, 2, f) != 2 || fwrite(text, 1, sizeof(text) - 1, f) == 0)
            return 1;
        fclose(f);
        tls_wr_free(&w);
        tls_rec_dir_clear(&wr);
    }
    return 0;
}
#endif
