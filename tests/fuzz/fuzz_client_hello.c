/*
 * fuzz_client_hello: the server's ClientHello parser and everything a
 * client can make it do before its Finished. (The client's ServerHello
 * parser is fuzzed by fuzz_client_handshake and fuzz_client12_handshake.)
 *
 *   input := flags(1) rest
 *
 * flags bit 0 clear: `rest` is the body of one ClientHello; it is wrapped as
 * Handshake { client_hello(1); uint24 length; body } and packed into
 * handshake records of a size chosen by flags bits 1-3 (RFC 8446 5.1), so
 * the fuzzer spends its effort on the ClientHello fields and extensions,
 * not on framing. flags bit 0 set: `rest` is fed to the server as raw
 * record bytes (second flights, HelloRetryRequest answers, framing bugs).
 *
 * The server has a P-256 key and a self-signed certificate made once at
 * start-up, so inputs can reach certificate and signature selection.
 *
 * Properties: those of fuzz_common.h (no handshake completes, no
 * internal_error, the connection fails once the input ends, sticky errors).
 */
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static X509 *fuzz_cert;
static EVP_PKEY *fuzz_key;

static int fuzz_server_identity(void)
{
    if (fuzz_cert != NULL)
        return 1;
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    if (key == NULL || x == NULL)
        goto fail;
    X509_NAME *name = X509_get_subject_name(x);
    if (!ASN1_INTEGER_set(X509_get_serialNumber(x), 1) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost",
                                    -1, -1, 0) ||
        !X509_set_issuer_name(x, name) || !X509_gmtime_adj(X509_getm_notBefore(x), 0) ||
        !X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365) || !X509_set_pubkey(x, key) ||
        !X509_sign(x, key, EVP_sha256()))
        goto fail;
    fuzz_cert = x;
    fuzz_key = key;
    return 1;
fail:
    X509_free(x);
    EVP_PKEY_free(key);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t record_sizes[] = {TLS_MAX_PLAINTEXT, 1, 3, 40, 200, 1000, 4096,
                                          TLS_MAX_PLAINTEXT + 1};
    if (size < 1 || size > 2 * TLS_MAX_PLAINTEXT || !fuzz_server_identity())
        return 0;
    uint8_t flags = data[0];
    const uint8_t *rest = data + 1;
    size_t rest_len = size - 1;

    tls_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.cert = fuzz_cert;
    cfg.key = fuzz_key;
    static const uint8_t alpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    cfg.alpn = alpn;
    cfg.alpn_len = sizeof alpn;
    fuzz_watch w;
    fuzz_watch_config(&cfg, &w);
    tls_conn *c = tls_conn_new(&cfg, 1);
    if (c == NULL)
        return 0;

    if (flags & 1) {
        fuzz_pump(c, rest, rest_len, (size_t)-1);
        fuzz_finish(c, &w);
        tls_conn_free(c);
        return 0;
    }

    size_t rec_max = record_sizes[(flags >> 1) & 7];
    size_t msg_len = 4 + rest_len;
    uint8_t *msg = malloc(msg_len);
    /* Each fragment gets its own 5-byte header (at least 1 byte a record). */
    uint8_t *wire = malloc(msg_len * 6 + 16);
    if (msg == NULL || wire == NULL) {
        free(msg);
        free(wire);
        tls_conn_free(c);
        return 0;
    }
    msg[0] = 1; /* client_hello */
    msg[1] = (uint8_t)(rest_len >> 16);
    msg[2] = (uint8_t)(rest_len >> 8);
    msg[3] = (uint8_t)rest_len;
    memcpy(msg + 4, rest, rest_len);
    size_t wlen = 0;
    for (size_t off = 0; off < msg_len;) {
        size_t n = msg_len - off < rec_max ? msg_len - off : rec_max;
        wire[wlen++] = 22;
        wire[wlen++] = 0x03;
        wire[wlen++] = 0x01; /* what clients put in their first record */
        wire[wlen++] = (uint8_t)(n >> 8);
        wire[wlen++] = (uint8_t)n;
        memcpy(wire + wlen, msg + off, n);
        wlen += n;
        off += n;
    }
    fuzz_pump(c, wire, wlen, (size_t)-1);
    fuzz_finish(c, &w);
    free(msg);
    free(wire);
    tls_conn_free(c);
    return 0;
}
