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
 * The seed corpus (corpus/fuzz_record12) holds records sealed under the
 * fixed key: build this file with -DFUZZ_RECORD12_SEEDS into a program
 * linked with shimssl_corelib and run it in the corpus directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tls12.h"

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
    const tls12_suite *s = tls12_suite_get(modes[mode].suite);
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
    if (len > TLS_REC_MAX_PLAIN || !(in_rec || in_zbuf))
        abort();
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
        if (tls_rec_parse_header(&rd, buf + off, &h) < 0)
            break;
        size_t total = TLS_REC_HEADER_LEN + (size_t)h.length;
        if (total > n - off)
            break;
        uint8_t type, *p;
        size_t len;
        if (tls_rec_open(&rd, buf + off, total, &type, &p, &len) < 0)
            break;
        if (type != buf[off])
            abort();
        check_span(&rd, buf + off, total, p, len);
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
        if (tls_rec_seal(&wr, TLS_CT_APPLICATION_DATA, data + off, n, 0, &w) < 0)
            abort();
        if (w.len - TLS_REC_HEADER_LEN > TLS_REC_MAX_CIPHER12)
            abort();
        uint8_t type, *p;
        size_t len;
        if (tls_rec_open(&rd, w.buf, w.len, &type, &p, &len) < 0)
            abort();
        if (type != TLS_CT_APPLICATION_DATA || len != n || (n > 0 && memcmp(p, data + off, n)))
            abort();
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
        const char *kind =
            !tls12_suite_get(modes[m].suite)->cbc ? "aead" : modes[m].etm ? "etm" : "mte";
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
