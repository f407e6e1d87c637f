/*
 * fuzz_ticket: what a server does with a session ticket a client presents
 * (compat/ssl_ticket.c, tls_config.ticket_open) and the SSL_SESSION DER
 * decoder (d2i_SSL_SESSION: -sess_in files, tickets' contents).
 *
 *   input := mode(1) rest
 *
 * mode % 3 == 0: rest is a ticket, opened by a server whose SSL_CTX has
 *   fixed ticket keys (the seeds are sealed with them, so mutations reach
 *   the MAC check and, for intact MACs, the decryption and decoding).
 * mode % 3 == 1: rest is DER for d2i_SSL_SESSION; what decodes is encoded
 *   again and must decode to the same bytes.
 * mode % 3 == 2: rest is a ticket's plaintext: sealed here with the fixed
 *   keys (so the fuzzer controls what the decoder sees past the MAC) and
 *   opened as in mode 0.
 *
 * Properties (FUZZ_REQUIRE of fuzz_common.h: abort() on violation):
 *  - a ticket that opens (a session to resume) carries our key name and a
 *    valid HMAC-SHA256, checked here independently of compat/ (RFC 5077 4:
 *    nothing unauthenticated is accepted);
 *  - a bad ticket means a full handshake: shimssl_ticket_open returns 0, 1
 *    or 2, never a failure;
 *  - a session that decodes (mode 1: DER for d2i_SSL_SESSION; modes 0 and
 *    2: a ticket's plaintext) has a cipher suite and a TLS/DTLS version, as
 *    OpenSSL's decoder requires; it encodes (i2d), and that encoding decodes
 *    and re-encodes to the very same bytes, so nothing is lost on the way.
 *    (Not byte for byte against the input: the format, OpenSSL's, accepts
 *    forms it writes differently: explicit zero integers, and fields neither
 *    library keeps, such as key_arg. The unknown-suite case this property
 *    found is now refused, see tests/apiunit/session_der_test.cc.)
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "compat/sess.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* name(16) || HMAC key(32) || AES-256 key(32) */
static const unsigned char fuzz_keys[80] = {
    'f', 'u', 'z', 'z', '-', 't', 'i', 'c', 'k', 'e', 't', '-', 'k', 'e', 'y', '1',
    1,   2,   3,   4,   5,   6,   7,   8,   9,   10,  11,  12,  13,  14,  15,  16,
    17,  18,  19,  20,  21,  22,  23,  24,  25,  26,  27,  28,  29,  30,  31,  32,
    33,  34,  35,  36,  37,  38,  39,  40,  41,  42,  43,  44,  45,  46,  47,  48,
    49,  50,  51,  52,  53,  54,  55,  56,  57,  58,  59,  60,  61,  62,  63,  64,
};

static SSL_CTX *fuzz_ctx;

static SSL_CTX *server_ctx(void)
{
    if (fuzz_ctx == NULL) {
        fuzz_ctx = SSL_CTX_new(TLS_server_method());
        if (fuzz_ctx != NULL &&
            SSL_CTX_set_tlsext_ticket_keys(fuzz_ctx, (void *)fuzz_keys, sizeof(fuzz_keys)) != 1) {
            SSL_CTX_free(fuzz_ctx);
            fuzz_ctx = NULL;
        }
    }
    return fuzz_ctx;
}

/* Independently of compat/: name || iv(16) || ct || HMAC-SHA256(key, all before). */
static int mac_valid(const uint8_t *t, size_t len)
{
    unsigned char mac[32];
    size_t mac_len = 0;

    if (len < 16 + 16 + 32 || memcmp(t, fuzz_keys, 16) != 0)
        return 0;
    if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, fuzz_keys + 16, 32, t, len - 32, mac,
                  sizeof mac, &mac_len) == NULL ||
        mac_len != 32)
        return 0;
    return CRYPTO_memcmp(mac, t + len - 32, 32) == 0;
}

static void check_session(const SSL_SESSION *ss);

/* Opens t as a server would. */
static void open_ticket(const uint8_t *t, size_t len)
{
    SSL *s = SSL_new(server_ctx());
    tls_session_state st;
    int renew = 0;

    if (s == NULL)
        return;
    SSL_SESSION *ss = shimssl_ticket_decode(server_ctx(), s, t, len, &renew);
    if (ss != NULL) {
        FUZZ_REQUIRE(mac_valid(t, len), "mac", "a ticket without our valid MAC decoded");
        check_session(ss);
        SSL_SESSION_free(ss);
    }
    int rc = shimssl_ticket_open(s, NULL, t, len, &st);
    FUZZ_REQUIRE(rc >= 0 && rc <= 2, "open", "a bad ticket failed the handshake");
    if (rc == 0 || rc == 2)
        FUZZ_REQUIRE(mac_valid(t, len), "mac", "a ticket without our valid MAC was accepted");
    SSL_free(s);
}

/* The properties of a session that decoded (see the top). */
static void check_session(const SSL_SESSION *ss)
{
    unsigned char *a = NULL, *b = NULL;
    int alen, blen;
    int v = SSL_SESSION_get_protocol_version(ss);

    FUZZ_REQUIRE(SSL_SESSION_get0_cipher(ss) != NULL, "reencode",
                 "a session without a cipher decoded");
    FUZZ_REQUIRE((v >> 8) == 3 || (v >> 8) == 0xfe || v == 0x100, "reencode",
                 "a session with a version that is not TLS or DTLS decoded");
    alen = i2d_SSL_SESSION(ss, &a);
    FUZZ_REQUIRE(alen > 0, "reencode", "a decoded session does not encode");
    if (alen > 0) {
        const unsigned char *q = a;
        SSL_SESSION *again = d2i_SSL_SESSION(NULL, &q, alen);
        FUZZ_REQUIRE(again != NULL && q == a + alen, "reencode", "we cannot read what we wrote");
        if (again != NULL) {
            blen = i2d_SSL_SESSION(again, &b);
            FUZZ_REQUIRE(blen == alen && memcmp(a, b, (size_t)alen) == 0, "reencode",
                         "the encoding is not stable");
            SSL_SESSION_free(again);
        }
    }
    OPENSSL_free(a);
    OPENSSL_free(b);
}

static void der_round_trip(const uint8_t *p, size_t len)
{
    const unsigned char *q = p;
    SSL_SESSION *ss = d2i_SSL_SESSION(NULL, &q, (long)len);

    if (ss == NULL)
        return;
    FUZZ_REQUIRE(q > p && (size_t)(q - p) <= len, "reencode", "the decoder consumed a bad length");
    check_session(ss);
    SSL_SESSION_free(ss);
}

/* name || iv || AES-256-CBC(plain) || HMAC-SHA256, as compat seals. */
static void seal_and_open(const uint8_t *plain, size_t len)
{
    unsigned char *t = malloc(16 + 16 + len + 16 + 32);
    unsigned char iv[16] = {0};
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n, m;
    size_t mac_len = 0;

    if (t == NULL || c == NULL || len > 70000)
        goto done;
    memcpy(t, fuzz_keys, 16);
    memcpy(t + 16, iv, 16);
    if (!EVP_EncryptInit_ex(c, EVP_aes_256_cbc(), NULL, fuzz_keys + 48, iv) ||
        !EVP_EncryptUpdate(c, t + 32, &n, plain, (int)len) ||
        !EVP_EncryptFinal_ex(c, t + 32 + n, &m))
        goto done;
    if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, fuzz_keys + 16, 32, t, (size_t)(32 + n + m),
                  t + 32 + n + m, 32, &mac_len) == NULL ||
        mac_len != 32)
        goto done;
    open_ticket(t, (size_t)(32 + n + m) + 32);
done:
    EVP_CIPHER_CTX_free(c);
    free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 70000 || server_ctx() == NULL)
        return 0;
    switch (data[0] % 3) {
    case 0:
        open_ticket(data + 1, size - 1);
        break;
    case 1:
        der_round_trip(data + 1, size - 1);
        break;
    default:
        seal_and_open(data + 1, size - 1);
        break;
    }
    ERR_clear_error();
    return 0;
}
