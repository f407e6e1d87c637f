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
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "compat/sess.h"

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

static void open_ticket(const uint8_t *t, size_t len)
{
    SSL *s = SSL_new(server_ctx());
    tls_session_state st;

    if (s == NULL)
        return;
    (void)shimssl_ticket_open(s, NULL, t, len, &st);
    SSL_free(s);
}

static void der_round_trip(const uint8_t *p, size_t len)
{
    const unsigned char *q = p;
    SSL_SESSION *ss = d2i_SSL_SESSION(NULL, &q, (long)len);
    unsigned char *a = NULL, *b = NULL;
    int alen, blen;

    if (ss == NULL)
        return;
    alen = i2d_SSL_SESSION(ss, &a);
    SSL_SESSION_free(ss);
    if (alen > 0) {
        q = a;
        ss = d2i_SSL_SESSION(NULL, &q, alen);
        if (ss == NULL)
            abort(); /* we cannot read what we wrote */
        blen = i2d_SSL_SESSION(ss, &b);
        if (blen != alen || memcmp(a, b, (size_t)alen) != 0)
            abort(); /* the encoding is not stable */
        SSL_SESSION_free(ss);
    }
    OPENSSL_free(a);
    OPENSSL_free(b);
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
