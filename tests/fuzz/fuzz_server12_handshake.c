/*
 * fuzz_server12_handshake: the TLS 1.2 server after a fixed ClientHello.
 *
 *   input := flags(1) rest
 *
 * The server gets a fixed TLS 1.2 ClientHello (no supported_versions, EMS,
 * encrypt-then-MAC, secure renegotiation SCSV, an empty session ticket, the
 * usual groups and signature schemes) and answers with its whole first
 * flight; `rest` is then fed as raw record bytes: the client's second flight
 * (Certificate, ClientKeyExchange, CertificateVerify, CCS, Finished) in any
 * order and shape. flags choose the server side:
 *   bit 0: ask for a client certificate (Certificate / CertificateVerify
 *          parsing), bit 1: require it;
 *   bits 2-3: the suite: ECDHE-ECDSA-AES128-GCM, ECDHE-RSA-AES128-GCM,
 *          DHE-RSA-AES128-GCM, RSA key transport AES128-GCM (the last two
 *          only once core implements them: otherwise no shared cipher).
 * Keys are made once at start-up.
 *
 * Properties: the fixed ClientHello is answered without error, then those of
 * fuzz_common.h (no handshake completes: the client's Finished needs the
 * server's fresh key share or RSA key; no internal_error; the connection
 * fails once the input ends; sticky errors).
 */
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static X509 *ec_cert, *rsa_cert;
static EVP_PKEY *ec_key, *rsa_key;

static X509 *self_signed(EVP_PKEY *key)
{
    X509 *x = X509_new();
    if (x == NULL)
        return NULL;
    X509_NAME *name = X509_get_subject_name(x);
    if (!ASN1_INTEGER_set(X509_get_serialNumber(x), 1) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost",
                                    -1, -1, 0) ||
        !X509_set_issuer_name(x, name) || !X509_gmtime_adj(X509_getm_notBefore(x), 0) ||
        !X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365) || !X509_set_pubkey(x, key) ||
        !X509_sign(x, key, EVP_sha256())) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static int identities(void)
{
    if (rsa_cert != NULL)
        return 1;
    ec_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    if (ec_key == NULL || rsa_key == NULL)
        return 0;
    ec_cert = self_signed(ec_key);
    rsa_cert = self_signed(rsa_key);
    return ec_cert != NULL && rsa_cert != NULL;
}

/* A TLS 1.2 ClientHello record as OpenSSL's client would send it. */
static size_t client_hello(uint8_t *out, uint16_t suite)
{
    static const uint8_t exts[] = {
        0xff, 0x01, 0x00, 0x01, 0x00,                         /* renegotiation_info */
        0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,                   /* ec_point_formats */
        0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x17, /* groups */
        0x00, 0x23, 0x00, 0x00,                               /* session_ticket */
        0x00, 0x16, 0x00, 0x00,                               /* encrypt_then_mac */
        0x00, 0x17, 0x00, 0x00,                               /* extended_master_secret */
        0x00, 0x0d, 0x00, 0x0a, 0x00, 0x08, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x01,
    };
    size_t n = 0;
    uint8_t *body;
    out[n++] = 22;
    out[n++] = 3;
    out[n++] = 1;
    n += 2; /* record length */
    out[n++] = 1;
    n += 3; /* message length */
    body = out + n;
    out[n++] = 3;
    out[n++] = 3;
    for (int i = 0; i < 32; i++)
        out[n++] = (uint8_t)(0x40 + i);
    out[n++] = 0; /* session id */
    out[n++] = 0;
    out[n++] = 4;
    out[n++] = (uint8_t)(suite >> 8);
    out[n++] = (uint8_t)suite;
    out[n++] = 0x00;
    out[n++] = 0xff; /* TLS_EMPTY_RENEGOTIATION_INFO_SCSV */
    out[n++] = 1;
    out[n++] = 0; /* null compression */
    out[n++] = 0;
    out[n++] = (uint8_t)sizeof exts;
    memcpy(out + n, exts, sizeof exts);
    n += sizeof exts;
    size_t blen = (size_t)(out + n - body);
    out[6] = 0;
    out[7] = (uint8_t)(blen >> 8);
    out[8] = (uint8_t)blen;
    out[3] = (uint8_t)((blen + 4) >> 8);
    out[4] = (uint8_t)(blen + 4);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint16_t suites[] = {0xC02B, 0xC02F, 0x009E, 0x009C};
    if (size < 1 || size > 4 * TLS_MAX_RECORD || !identities())
        return 0;
    uint8_t flags = data[0];
    uint16_t suite = suites[(flags >> 2) & 3];

    tls_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.max_version = TLS_V12;
    cfg.cert = suite == 0xC02B ? ec_cert : rsa_cert;
    cfg.key = suite == 0xC02B ? ec_key : rsa_key;
    cfg.tls12_suites = &suite;
    cfg.n_tls12_suites = 1;
    if (flags & 1)
        cfg.flags |= TLS_CFG_REQUEST_CERT;
    if (flags & 2)
        cfg.flags |= TLS_CFG_REQUIRE_CERT;
    fuzz_watch w;
    fuzz_watch_config(&cfg, &w);
    tls_conn *c = tls_conn_new(&cfg, 1);
    if (c == NULL)
        return 0;
    uint8_t ch[512];
    size_t ch_len = client_hello(ch, suite);
    /* The hello alone (fuzz_pump would report EOF after it). */
    size_t off = 0;
    while (off < ch_len) {
        size_t want = 0;
        uint8_t *dst = tls_conn_rbuf(c, &want);
        if (want == 0)
            break;
        size_t n = ch_len - off < want ? ch_len - off : want;
        memcpy(dst, ch + off, n);
        tls_conn_rbuf_commit(c, n);
        off += n;
        (void)fuzz_step(c);
    }
    /* The fixed hello is valid: the server must have answered it. */
    FUZZ_REQUIRE(tls_conn_error(c) == 0 && w.fatal_sent == 0, "hello",
                 "the server refused the fixed ClientHello");
    fuzz_pump(c, data + 1, size - 1, (size_t)-1);
    fuzz_finish(c, &w);
    tls_conn_free(c);
    return 0;
}
