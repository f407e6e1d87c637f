/*
 * fuzz_client_handshake: structure-aware input for the client's handshake
 * parsers. Random bytes rarely form a valid record header, so this target
 * builds the framing itself and lets the fuzzer mutate message contents:
 *
 *   input    := flags(1) message*
 *   message  := msg_type(1) body_len(2, big endian) body(body_len)
 *
 * Each message becomes Handshake { msg_type; uint24 length; body } and the
 * messages are packed into TLSPlaintext records of content type 22
 * (RFC 8446 5.1: type(1) legacy_record_version(2) length(2) fragment), of at
 * most a size chosen by `flags`, so messages also span and share records.
 * flags bit 7 puts a ChangeCipherSpec record first, as a middlebox-compatible
 * server would (RFC 8446 D.4).
 *
 * Properties: those of fuzz_common.h (no handshake completes, no
 * internal_error, the connection fails once the input ends, sticky errors).
 */
#include <stdlib.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t put_record(uint8_t *out, uint8_t type, const uint8_t *frag, size_t len)
{
    out[0] = type;
    out[1] = 0x03;
    out[2] = 0x03;
    out[3] = (uint8_t)(len >> 8);
    out[4] = (uint8_t)len;
    memcpy(out + 5, frag, len);
    return 5 + len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t record_sizes[] = {TLS_MAX_PLAINTEXT,    1, 4, 17, 100, 512, 2048,
                                          TLS_MAX_PLAINTEXT + 1};
    if (size < 1 || size > 4 * TLS_MAX_PLAINTEXT)
        return 0;
    uint8_t flags = data[0];
    size_t rec_max = record_sizes[flags % (sizeof record_sizes / sizeof record_sizes[0])];

    /* Handshake messages, concatenated. */
    uint8_t *msgs = malloc(size * 2 + 16);
    if (msgs == NULL)
        return 0;
    size_t mlen = 0;
    size_t off = 1;
    while (off + 3 <= size) {
        uint8_t type = data[off];
        size_t blen = (size_t)data[off + 1] << 8 | data[off + 2];
        off += 3;
        if (blen > size - off)
            blen = size - off;
        msgs[mlen++] = type;
        msgs[mlen++] = (uint8_t)(blen >> 16);
        msgs[mlen++] = (uint8_t)(blen >> 8);
        msgs[mlen++] = (uint8_t)blen;
        memcpy(msgs + mlen, data + off, blen);
        mlen += blen;
        off += blen;
    }

    /* Records. */
    size_t nrec = mlen / rec_max + 2;
    uint8_t *stream = malloc(mlen + nrec * 5 + 6);
    if (stream == NULL) {
        free(msgs);
        return 0;
    }
    size_t slen = 0;
    if (flags & 0x80) {
        static const uint8_t ccs = 1;
        slen += put_record(stream + slen, 20, &ccs, 1);
    }
    for (size_t p = 0; p < mlen;) {
        size_t n = mlen - p < rec_max ? mlen - p : rec_max;
        slen += put_record(stream + slen, 22, msgs + p, n);
        p += n;
    }

    tls_config cfg;
    fuzz_watch w;
    tls_conn *c = fuzz_client_new(&cfg, &w);
    if (c != NULL) {
        fuzz_pump(c, stream, slen, TLS_MAX_RECORD);
        fuzz_finish(c, &w);
        tls_conn_free(c);
    }
    free(stream);
    free(msgs);
    return 0;
}
