/*
 * fuzz_client12_handshake: the TLS 1.2 client's handshake parsers
 * (core/tls12_client.c) fed arbitrary server messages after a fixed kind of
 * ClientHello. Like fuzz_client_handshake, the framing is built here so that
 * the fuzzer mutates message contents:
 *
 *   input    := flags(1) item*
 *   item     := msg_type(1) body_len(2, big endian) body(body_len)
 *
 * Each item is a handshake message Handshake { msg_type; uint24 length;
 * body }, packed into records of content type 22 of at most a size chosen by
 * flags (so messages span and share records); msg_type 0xFF instead puts a
 * ChangeCipherSpec record {1} at that point (its body is ignored), so the
 * order of CCS and messages can be explored.
 *
 * flags: bits 0-2 record size; bit 4: TLS 1.2 only (a pure TLS 1.2 hello,
 * no downgrade check) else TLS 1.2 and 1.3 offered; bit 5: DEFLATE offered;
 * bit 6: a server without renegotiation_info is accepted; bit 3: encrypt-
 * then-MAC and extended master secret not offered; bit 7: an OCSP staple is
 * asked for (status_request), so CertificateStatus is parsed.
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

/* Pack the pending handshake bytes into records. */
static size_t flush(uint8_t *stream, size_t slen, const uint8_t *msgs, size_t mlen, size_t rec_max)
{
    for (size_t p = 0; p < mlen;) {
        size_t n = mlen - p < rec_max ? mlen - p : rec_max;
        slen += put_record(stream + slen, 22, msgs + p, n);
        p += n;
    }
    return slen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t record_sizes[] = {TLS_MAX_PLAINTEXT, 1, 4, 17, 100, 512, 2048, 16383};
    if (size < 1 || size > 4 * TLS_MAX_PLAINTEXT)
        return 0;
    uint8_t flags = data[0];
    size_t rec_max = record_sizes[flags & 7];

    uint8_t *msgs = malloc(size * 2 + 16);
    /* Worst case: every item a 1-byte-record message or a CCS record. */
    uint8_t *stream = malloc(size * 12 + 64);
    if (msgs == NULL || stream == NULL) {
        free(msgs);
        free(stream);
        return 0;
    }
    size_t mlen = 0, slen = 0, off = 1;
    while (off + 3 <= size) {
        uint8_t type = data[off];
        size_t blen = (size_t)data[off + 1] << 8 | data[off + 2];
        off += 3;
        if (blen > size - off)
            blen = size - off;
        if (type == 0xFF) {
            static const uint8_t ccs = 1;
            slen = flush(stream, slen, msgs, mlen, rec_max);
            mlen = 0;
            slen += put_record(stream + slen, 20, &ccs, 1);
        } else {
            msgs[mlen++] = type;
            msgs[mlen++] = (uint8_t)(blen >> 16);
            msgs[mlen++] = (uint8_t)(blen >> 8);
            msgs[mlen++] = (uint8_t)blen;
            memcpy(msgs + mlen, data + off, blen);
            mlen += blen;
        }
        off += blen;
    }
    slen = flush(stream, slen, msgs, mlen, rec_max);

    tls_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.server_name = "localhost";
    static const uint8_t alpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    cfg.alpn = alpn;
    cfg.alpn_len = sizeof alpn;
    if (flags & 0x10)
        cfg.max_version = TLS_V12;
    if (flags & 0x20)
        cfg.flags |= TLS_CFG_COMPRESSION;
    if (flags & 0x40)
        cfg.flags |= TLS_CFG_LEGACY_RENEG;
    if (flags & 0x08)
        cfg.flags |= TLS_CFG_NO_ETM | TLS_CFG_NO_EMS;
    if (flags & 0x80)
        cfg.flags |= TLS_CFG_STATUS_REQUEST;
    fuzz_watch w;
    fuzz_watch_config(&cfg, &w);
    tls_conn *c = tls_conn_new(&cfg, 0);
    if (c != NULL) {
        int rc = tls_conn_handshake(c); /* queues the ClientHello */
        fuzz_drain(c);
        if (rc == TLS_WANT_INPUT) {
            fuzz_pump(c, stream, slen, TLS_MAX_RECORD);
            fuzz_finish(c, &w);
        }
        tls_conn_free(c);
    }
    free(stream);
    free(msgs);
    return 0;
}
