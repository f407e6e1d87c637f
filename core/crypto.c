/*
 * core/crypto: descriptor tables and the calls into libcrypto (see crypto.h).
 *
 * Design: the public facts of each algorithm (names, sizes, IANA values) are
 * const tables. The libcrypto objects behind them (EVP_CIPHER, EVP_MD,
 * EVP_MAC) are fetched exactly once per process under pthread_once and kept
 * for the life of the process: OpenSSL 3.0 pays a lock and a hash lookup for
 * every fetch, which is why nothing here fetches per connection or record.
 */
#include "core/crypto.h"

#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

/* ------------------------------------------------------ fetched objects */

enum { MD_SHA1, MD_SHA256, MD_SHA384, MD_SHA512, MD_COUNT };

static const struct {
    const char *name;
    int nid;
} md_names[MD_COUNT] = {
    [MD_SHA1] = {"SHA1", NID_sha1},
    [MD_SHA256] = {"SHA256", NID_sha256},
    [MD_SHA384] = {"SHA384", NID_sha384},
    [MD_SHA512] = {"SHA512", NID_sha512},
};

static EVP_MD *g_md[MD_COUNT];
static EVP_MAC *g_hmac;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_init_ok;

/* --------------------------------------------------------- cipher suites */

/* A TLS 1.2 suite: IANA name "TLS_" iana, OpenSSL's name ossl; AEAD, or
 * CBC with an HMAC. */
#define SUITE12(id, iana, ossl, bits, kx, au, enc, md, cipher)                                     \
    {                                                                                              \
        id, "TLS_" iana, ossl, TLS_V12, bits, bits, 1, kx, au, enc, "AEAD", md, cipher             \
    }
#define SUITE12_CBC(id, iana, ossl, bits, kx, au, enc, mac, md, cipher)                            \
    {                                                                                              \
        id, "TLS_" iana, ossl, TLS_V12, bits, bits, 0, kx, au, enc, mac, md, cipher                \
    }

static const tls_suite_info suite_infos[] = {
    {0x1302, "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", TLS_V13, 256, 256, 1, "any", "any",
     "AESGCM(256)", "AEAD", NID_sha384, NID_aes_256_gcm},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256", TLS_V13, 256, 256, 1,
     "any", "any", "CHACHA20/POLY1305(256)", "AEAD", NID_sha256, NID_chacha20_poly1305},
    {0x1301, "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", TLS_V13, 128, 128, 1, "any", "any",
     "AESGCM(128)", "AEAD", NID_sha256, NID_aes_128_gcm},
    /* TLS 1.2, in OpenSSL 3.0's default order (openssl ciphers -s -tls1_2).
     * digest_nid is the PRF / handshake hash. */
    SUITE12(0xC02C, "ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384", 256,
            "ECDH", "ECDSA", "AESGCM(256)", NID_sha384, NID_aes_256_gcm),
    SUITE12(0xC030, "ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", 256, "ECDH",
            "RSA", "AESGCM(256)", NID_sha384, NID_aes_256_gcm),
    SUITE12(0x009F, "DHE_RSA_WITH_AES_256_GCM_SHA384", "DHE-RSA-AES256-GCM-SHA384", 256, "DH",
            "RSA", "AESGCM(256)", NID_sha384, NID_aes_256_gcm),
    SUITE12(0xCCA9, "ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305",
            256, "ECDH", "ECDSA", "CHACHA20/POLY1305(256)", NID_sha256, NID_chacha20_poly1305),
    SUITE12(0xCCA8, "ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305", 256,
            "ECDH", "RSA", "CHACHA20/POLY1305(256)", NID_sha256, NID_chacha20_poly1305),
    SUITE12(0xCCAA, "DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "DHE-RSA-CHACHA20-POLY1305", 256, "DH",
            "RSA", "CHACHA20/POLY1305(256)", NID_sha256, NID_chacha20_poly1305),
    SUITE12(0xC02B, "ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", 128,
            "ECDH", "ECDSA", "AESGCM(128)", NID_sha256, NID_aes_128_gcm),
    SUITE12(0xC02F, "ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", 128, "ECDH",
            "RSA", "AESGCM(128)", NID_sha256, NID_aes_128_gcm),
    SUITE12(0x009E, "DHE_RSA_WITH_AES_128_GCM_SHA256", "DHE-RSA-AES128-GCM-SHA256", 128, "DH",
            "RSA", "AESGCM(128)", NID_sha256, NID_aes_128_gcm),
    SUITE12_CBC(0xC024, "ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "ECDHE-ECDSA-AES256-SHA384", 256,
                "ECDH", "ECDSA", "AES(256)", "SHA384", NID_sha384, NID_aes_256_cbc),
    SUITE12_CBC(0xC028, "ECDHE_RSA_WITH_AES_256_CBC_SHA384", "ECDHE-RSA-AES256-SHA384", 256, "ECDH",
                "RSA", "AES(256)", "SHA384", NID_sha384, NID_aes_256_cbc),
    SUITE12_CBC(0x006B, "DHE_RSA_WITH_AES_256_CBC_SHA256", "DHE-RSA-AES256-SHA256", 256, "DH",
                "RSA", "AES(256)", "SHA256", NID_sha256, NID_aes_256_cbc),
    SUITE12_CBC(0xC023, "ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256", 128,
                "ECDH", "ECDSA", "AES(128)", "SHA256", NID_sha256, NID_aes_128_cbc),
    SUITE12_CBC(0xC027, "ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256", 128, "ECDH",
                "RSA", "AES(128)", "SHA256", NID_sha256, NID_aes_128_cbc),
    SUITE12_CBC(0x0067, "DHE_RSA_WITH_AES_128_CBC_SHA256", "DHE-RSA-AES128-SHA256", 128, "DH",
                "RSA", "AES(128)", "SHA256", NID_sha256, NID_aes_128_cbc),
    SUITE12_CBC(0xC00A, "ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA", 256, "ECDH",
                "ECDSA", "AES(256)", "SHA1", NID_sha256, NID_aes_256_cbc),
    SUITE12_CBC(0xC014, "ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA", 256, "ECDH",
                "RSA", "AES(256)", "SHA1", NID_sha256, NID_aes_256_cbc),
    SUITE12_CBC(0x0039, "DHE_RSA_WITH_AES_256_CBC_SHA", "DHE-RSA-AES256-SHA", 256, "DH", "RSA",
                "AES(256)", "SHA1", NID_sha256, NID_aes_256_cbc),
    SUITE12_CBC(0xC009, "ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA", 128, "ECDH",
                "ECDSA", "AES(128)", "SHA1", NID_sha256, NID_aes_128_cbc),
    SUITE12_CBC(0xC013, "ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", 128, "ECDH",
                "RSA", "AES(128)", "SHA1", NID_sha256, NID_aes_128_cbc),
    SUITE12_CBC(0x0033, "DHE_RSA_WITH_AES_128_CBC_SHA", "DHE-RSA-AES128-SHA", 128, "DH", "RSA",
                "AES(128)", "SHA1", NID_sha256, NID_aes_128_cbc),
    SUITE12(0x009D, "RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384", 256, "RSA", "RSA",
            "AESGCM(256)", NID_sha384, NID_aes_256_gcm),
    SUITE12(0x009C, "RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256", 128, "RSA", "RSA",
            "AESGCM(128)", NID_sha256, NID_aes_128_gcm),
    SUITE12_CBC(0x003D, "RSA_WITH_AES_256_CBC_SHA256", "AES256-SHA256", 256, "RSA", "RSA",
                "AES(256)", "SHA256", NID_sha256, NID_aes_256_cbc),
    SUITE12_CBC(0x003C, "RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256", 128, "RSA", "RSA",
                "AES(128)", "SHA256", NID_sha256, NID_aes_128_cbc),
    SUITE12_CBC(0x0035, "RSA_WITH_AES_256_CBC_SHA", "AES256-SHA", 256, "RSA", "RSA", "AES(256)",
                "SHA1", NID_sha256, NID_aes_256_cbc),
    SUITE12_CBC(0x002F, "RSA_WITH_AES_128_CBC_SHA", "AES128-SHA", 128, "RSA", "RSA", "AES(128)",
                "SHA1", NID_sha256, NID_aes_128_cbc),
};
#undef SUITE12
#undef SUITE12_CBC
#define N_SUITES (sizeof(suite_infos) / sizeof(suite_infos[0]))

/* Parallel to suite_infos; completed by crypto_init_once. */
static tls_suite g_suites[N_SUITES];

/*
 * RFC 8446 5.5: AES-GCM keys may protect at most 2^24.5 full-size records
 * (about 24 million); ChaCha20-Poly1305 has no practical limit below the
 * 2^64 sequence space.
 */
#define AES_GCM_RECORD_LIMIT 23726566ull
#define UNLIMITED_RECORDS    UINT64_MAX

static const char *cipher_fetch_name(int nid)
{
    switch (nid) {
    case NID_aes_128_gcm:
        return "AES-128-GCM";
    case NID_aes_256_gcm:
        return "AES-256-GCM";
    case NID_chacha20_poly1305:
        return "ChaCha20-Poly1305";
    case NID_aes_128_cbc:
        return "AES-128-CBC";
    case NID_aes_256_cbc:
        return "AES-256-CBC";
    }
    return NULL;
}

/* Lookup without tls_crypto_init: usable inside crypto_init_once, where
 * calling pthread_once again would deadlock. */
static const EVP_MD *md_lookup(int nid)
{
    for (int i = 0; i < MD_COUNT; i++)
        if (md_names[i].nid == nid)
            return g_md[i];
    return NULL;
}

static void init_suite(size_t i)
{
    const tls_suite_info *info = &suite_infos[i];
    tls_suite *s = &g_suites[i];
    s->info = info;
    s->id = info->id;
    /* TLS 1.2 CBC suites: iv_len is the block (the explicit per-record
     * IV), no tag (the HMAC is the record layer's). */
    s->iv_len = info->aead ? TLS_AEAD_IV_LEN : 16;
    s->tag_len = info->aead ? TLS_AEAD_TAG_LEN : 0;
    /* RFC 5288 3: TLS 1.2 AES-GCM carries an explicit nonce; RFC 7905 2:
     * TLS 1.2 ChaCha20-Poly1305 forms it like TLS 1.3. */
    s->nonce_mode =
        info->min_version == TLS_V12 && info->aead && info->cipher_nid != NID_chacha20_poly1305
            ? TLS_NONCE_EXPLICIT
            : TLS_NONCE_XOR;
    s->md = md_lookup(info->digest_nid);
    s->hash_len = s->md != NULL ? (size_t)EVP_MD_get_size(s->md) : 0;
    s->record_limit = info->cipher_nid == NID_aes_128_gcm || info->cipher_nid == NID_aes_256_gcm
                          ? AES_GCM_RECORD_LIMIT
                          : UNLIMITED_RECORDS;
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, cipher_fetch_name(info->cipher_nid), NULL);
    s->cipher = c;
    s->key_len = c != NULL ? (size_t)EVP_CIPHER_get_key_length(c) : 0;
}

static void crypto_init_once(void)
{
    for (int i = 0; i < MD_COUNT; i++)
        g_md[i] = EVP_MD_fetch(NULL, md_names[i].name, NULL);
    g_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    for (size_t i = 0; i < N_SUITES; i++)
        init_suite(i);
    /* SHA-1 is only needed for legacy TLS 1.2 signatures; the rest is not
     * optional. A suite whose cipher is missing (FIPS without ChaCha) is
     * simply unavailable. */
    g_init_ok = g_md[MD_SHA256] != NULL && g_md[MD_SHA384] != NULL && g_hmac != NULL;
}

int tls_crypto_init(void)
{
    ENSURE(pthread_once(&g_once, crypto_init_once) == 0, TLS_ERR_INTERNAL);
    ENSURE(g_init_ok, TLS_ERR_INTERNAL);
    return 0;
}

const EVP_MD *tls_md_by_nid(int nid)
{
    if (tls_crypto_init() < 0)
        return NULL;
    return md_lookup(nid);
}

const tls_suite_info *tls_suites(size_t *n)
{
    *n = N_SUITES;
    return suite_infos;
}

const tls_suite_info *tls_suite_by_id(uint16_t id)
{
    for (size_t i = 0; i < N_SUITES; i++)
        if (suite_infos[i].id == id)
            return &suite_infos[i];
    return NULL;
}

const tls_suite_info *tls_suite_by_name(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < N_SUITES; i++)
        if (strcmp(suite_infos[i].iana_name, name) == 0 ||
            strcmp(suite_infos[i].ossl_name, name) == 0)
            return &suite_infos[i];
    return NULL;
}

const tls_suite *tls_suite_get(uint16_t id)
{
    if (tls_crypto_init() < 0)
        return NULL;
    for (size_t i = 0; i < N_SUITES; i++)
        if (g_suites[i].id == id)
            return g_suites[i].cipher != NULL && g_suites[i].md != NULL ? &g_suites[i] : NULL;
    return NULL;
}

int tls_suite_is_chacha(uint16_t id)
{
    return id == 0x1303 || (id >= 0xCCA8 && id <= 0xCCAE);
}

int tls_client_prefers_chacha(const uint8_t *suites, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        uint16_t id = (uint16_t)(suites[i] << 8 | suites[i + 1]);

        if (tls_suite_is_chacha(id))
            return 1;
        if (tls_suite_by_id(id) != NULL)
            return 0;
    }
    return 0;
}

/* ------------------------------------------------------------------ AEAD */

#define ERR_BAD_MAC TLS_ERR(TLS_AD_BAD_RECORD_MAC, TLS_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC)

void tls_aead_clear(tls_aead *a)
{
    /* EVP_CIPHER_CTX_free wipes the key schedule held by the provider. */
    EVP_CIPHER_CTX_free(a->ctx);
    OPENSSL_cleanse(a, sizeof(*a));
    a->ctx = NULL;
}

int tls_aead_init(tls_aead *a, const tls_suite *s, int enc, const uint8_t *key, const uint8_t *iv,
                  size_t iv_len)
{
    tls_aead_clear(a);
    ENSURE(s != NULL && s->cipher != NULL, TLS_ERR_INTERNAL);
    ENSURE(iv_len <= TLS_AEAD_IV_LEN, TLS_ERR_INTERNAL);
    a->ctx = EVP_CIPHER_CTX_new();
    ENSURE(a->ctx != NULL, TLS_ERR_INTERNAL);
    a->suite = s;
    a->enc = enc ? 1 : 0;
    memcpy(a->iv, iv, iv_len);
    if (EVP_CipherInit_ex2(a->ctx, s->cipher, key, NULL, a->enc, NULL) != 1) {
        tls_aead_clear(a);
        return TLS_ERR_INTERNAL;
    }
    return 0;
}

void tls_aead_nonce(const tls_aead *a, uint64_t seq, uint8_t nonce[TLS_AEAD_IV_LEN])
{
    memcpy(nonce, a->iv, TLS_AEAD_IV_LEN);
    if (a->suite != NULL && a->suite->nonce_mode == TLS_NONCE_EXPLICIT) {
        /* RFC 5288 3: salt || 64-bit explicit part; we use the sequence
         * number as the explicit part, as RFC 5288 suggests. */
        for (int i = 0; i < 8; i++)
            nonce[4 + i] = (uint8_t)(seq >> (56 - 8 * i));
        return;
    }
    for (int i = 0; i < 8; i++)
        nonce[TLS_AEAD_IV_LEN - 1 - i] ^= (uint8_t)(seq >> (8 * i));
}

/* Set the nonce on the already keyed context and feed the AAD: the only
 * per-record setup, and no allocation. */
static int aead_start(tls_aead *a, const uint8_t *nonce, const uint8_t *aad, size_t aad_len)
{
    int outl;
    ENSURE(a->ctx != NULL, TLS_ERR_INTERNAL);
    ENSURE(aad_len <= 64, TLS_ERR_INTERNAL);
    ENSURE(EVP_CipherInit_ex2(a->ctx, NULL, NULL, nonce, -1, NULL) == 1, TLS_ERR_INTERNAL);
    if (aad_len > 0)
        ENSURE(EVP_CipherUpdate(a->ctx, NULL, &outl, aad, (int)aad_len) == 1, TLS_ERR_INTERNAL);
    return 0;
}

int tls_aead_seal(tls_aead *a, const uint8_t nonce[TLS_AEAD_IV_LEN], const uint8_t *aad,
                  size_t aad_len, uint8_t *buf, size_t len)
{
    int outl, finl;
    ENSURE(a->enc && len <= (size_t)1 << 24, TLS_ERR_INTERNAL);
    TRY(aead_start(a, nonce, aad, aad_len));
    ENSURE(EVP_CipherUpdate(a->ctx, buf, &outl, buf, (int)len) == 1, TLS_ERR_INTERNAL);
    ENSURE(EVP_CipherFinal_ex(a->ctx, buf + outl, &finl) == 1, TLS_ERR_INTERNAL);
    ENSURE((size_t)outl + (size_t)finl == len, TLS_ERR_INTERNAL);
    ENSURE(EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_GET_TAG, (int)a->suite->tag_len, buf + len) ==
               1,
           TLS_ERR_INTERNAL);
    return 0;
}

int tls_aead_open(tls_aead *a, const uint8_t nonce[TLS_AEAD_IV_LEN], const uint8_t *aad,
                  size_t aad_len, uint8_t *buf, size_t len, size_t *pt_len)
{
    int outl, finl;
    ENSURE(!a->enc && a->suite != NULL && len <= (size_t)1 << 24, TLS_ERR_INTERNAL);
    size_t tag_len = a->suite->tag_len;
    ENSURE(len >= tag_len, ERR_BAD_MAC);
    size_t n = len - tag_len;
    TRY(aead_start(a, nonce, aad, aad_len));
    ENSURE(EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG, (int)tag_len, buf + n) == 1,
           TLS_ERR_INTERNAL);
    ENSURE(EVP_CipherUpdate(a->ctx, buf, &outl, buf, (int)n) == 1, ERR_BAD_MAC);
    if (EVP_CipherFinal_ex(a->ctx, buf + outl, &finl) != 1) {
        /* Do not leave unauthenticated plaintext behind. */
        OPENSSL_cleanse(buf, n);
        return ERR_BAD_MAC;
    }
    *pt_len = n;
    return 0;
}

/* --------------------------------------------------------------- hashing */

int tls_hash(const EVP_MD *md, const uint8_t *data, size_t len, uint8_t *out)
{
    ENSURE(md != NULL, TLS_ERR_INTERNAL);
    ENSURE(EVP_Digest(data, len, out, NULL, md, NULL) == 1, TLS_ERR_INTERNAL);
    return 0;
}

int tls_hmac(const EVP_MD *md, const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
             uint8_t *out)
{
    TRY(tls_crypto_init());
    ENSURE(md != NULL, TLS_ERR_INTERNAL);
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(g_hmac);
    ENSURE(ctx != NULL, TLS_ERR_INTERNAL);
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0),
        OSSL_PARAM_construct_end(),
    };
    size_t outl = 0;
    int ok = EVP_MAC_init(ctx, key, key_len, params) == 1 && EVP_MAC_update(ctx, data, len) == 1 &&
             EVP_MAC_final(ctx, out, &outl, (size_t)EVP_MD_get_size(md)) == 1;
    EVP_MAC_CTX_free(ctx);
    ENSURE(ok && outl == (size_t)EVP_MD_get_size(md), TLS_ERR_INTERNAL);
    return 0;
}

EVP_MAC_CTX *tls_hmac_ctx_new(const EVP_MD *md, const uint8_t *key, size_t key_len)
{
    if (tls_crypto_init() < 0 || md == NULL)
        return NULL;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(g_hmac);
    if (ctx == NULL)
        return NULL;
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_init(ctx, key, key_len, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

int tls_ct_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
    return CRYPTO_memcmp(a, b, len) == 0;
}

/* ------------------------------------------------------------ transcript */

void tls_transcript_init(tls_transcript *t)
{
    memset(t, 0, sizeof(*t));
    tls_wr_init(&t->buf);
}

void tls_transcript_free(tls_transcript *t)
{
    EVP_MD_CTX_free(t->ctx);
    tls_wr_free(&t->buf);
    memset(t, 0, sizeof(*t));
}

int tls_transcript_update(tls_transcript *t, const uint8_t *msg, size_t len)
{
    if (t->ctx == NULL || t->keep_buffer)
        TRY(tls_wr_bytes(&t->buf, msg, len));
    if (t->ctx != NULL)
        ENSURE(EVP_DigestUpdate(t->ctx, msg, len) == 1, TLS_ERR_INTERNAL);
    return 0;
}

int tls_transcript_set_md(tls_transcript *t, const EVP_MD *md)
{
    ENSURE(t->ctx == NULL && md != NULL, TLS_ERR_INTERNAL);
    t->ctx = EVP_MD_CTX_new();
    ENSURE(t->ctx != NULL, TLS_ERR_INTERNAL);
    t->md = md;
    t->hash_len = (size_t)EVP_MD_get_size(md);
    ENSURE(EVP_DigestInit_ex2(t->ctx, md, NULL) == 1, TLS_ERR_INTERNAL);
    ENSURE(EVP_DigestUpdate(t->ctx, t->buf.buf, t->buf.len) == 1, TLS_ERR_INTERNAL);
    if (!t->keep_buffer)
        tls_wr_reset(&t->buf);
    return 0;
}

int tls_transcript_hash(const tls_transcript *t, uint8_t *out)
{
    ENSURE(t->ctx != NULL, TLS_ERR_INTERNAL);
    EVP_MD_CTX *copy = EVP_MD_CTX_new();
    ENSURE(copy != NULL, TLS_ERR_INTERNAL);
    int ok = EVP_MD_CTX_copy_ex(copy, t->ctx) == 1 && EVP_DigestFinal_ex(copy, out, NULL) == 1;
    EVP_MD_CTX_free(copy);
    ENSURE(ok, TLS_ERR_INTERNAL);
    return 0;
}

int tls_transcript_hrr(tls_transcript *t)
{
    uint8_t msg[4 + TLS_MAX_HASH];
    TRY(tls_transcript_hash(t, msg + 4));
    /* RFC 8446 4.4.1: handshake type message_hash (254), 24-bit length. */
    msg[0] = 254;
    msg[1] = 0;
    msg[2] = 0;
    msg[3] = (uint8_t)t->hash_len;
    ENSURE(EVP_DigestInit_ex2(t->ctx, t->md, NULL) == 1, TLS_ERR_INTERNAL);
    tls_wr_reset(&t->buf);
    return tls_transcript_update(t, msg, 4 + t->hash_len);
}

/* ---------------------------------------------------------------- random */

int tls_random(uint8_t *buf, size_t n)
{
    ENSURE(n <= INT32_MAX, TLS_ERR_INTERNAL);
    ENSURE(RAND_bytes(buf, (int)n) == 1, TLS_ERR_INTERNAL);
    return 0;
}

/* ---------------------------------------------------------------- groups */

static const tls_group groups[] = {
    {0x001d, "X25519", "X25519", NULL, NID_X25519, 32, 32, 128},
    {0x0017, "P-256", "EC", "prime256v1", NID_X9_62_prime256v1, 65, 32, 128},
    {0x001e, "X448", "X448", NULL, NID_X448, 56, 56, 224},
    {0x0019, "P-521", "EC", "secp521r1", NID_secp521r1, 133, 66, 256},
    {0x0018, "P-384", "EC", "secp384r1", NID_secp384r1, 97, 48, 192},
};
#define N_GROUPS (sizeof(groups) / sizeof(groups[0]))

/* OpenSSL 3.0's default supported_groups order (the table's order). */
static const uint16_t default_groups[] = {0x001d, 0x0017, 0x001e, 0x0019, 0x0018};

/* Other spellings OpenSSL accepts in a groups list. */
static const struct {
    const char *alias;
    uint16_t id;
} group_aliases[] = {
    {"x25519", 0x001d},     {"x448", 0x001e},      {"secp256r1", 0x0017},
    {"prime256v1", 0x0017}, {"secp384r1", 0x0018}, {"secp521r1", 0x0019},
};

const tls_group *tls_group_get(uint16_t id)
{
    for (size_t i = 0; i < N_GROUPS; i++)
        if (groups[i].id == id)
            return &groups[i];
    return NULL;
}

const char *tls_group_name(uint16_t group)
{
    const tls_group *g = tls_group_get(group);
    return g != NULL ? g->name : NULL;
}

int tls_group_nid(uint16_t group)
{
    const tls_group *g = tls_group_get(group);
    return g != NULL ? g->nid : NID_undef;
}

uint16_t tls_group_by_name(const char *name)
{
    if (name == NULL)
        return 0;
    for (size_t i = 0; i < N_GROUPS; i++)
        if (strcmp(groups[i].name, name) == 0)
            return groups[i].id;
    for (size_t i = 0; i < sizeof(group_aliases) / sizeof(group_aliases[0]); i++)
        if (strcmp(group_aliases[i].alias, name) == 0)
            return group_aliases[i].id;
    return 0;
}

const uint16_t *tls_default_groups(size_t *n)
{
    *n = sizeof(default_groups) / sizeof(default_groups[0]);
    return default_groups;
}

#define ERR_BAD_POINT TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_ECPOINT)

/* Key generation by name: fetches the key manager, so it is only used once
 * per group, to make the template below. */
static EVP_PKEY *group_keygen_by_name(const tls_group *g)
{
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, g->alg, NULL);
    if (ctx == NULL)
        return NULL;
    if (EVP_PKEY_keygen_init(ctx) != 1 ||
        (g->curve != NULL && EVP_PKEY_CTX_set_group_name(ctx, g->curve) != 1) ||
        EVP_PKEY_keygen(ctx, &pkey) != 1) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

/*
 * One key per group, made once and never used for key exchange: a context
 * created from it reuses its already fetched key manager, and key
 * generation takes the group (curve) from it as a template, so per
 * connection keygen costs no fetch.
 */
static EVP_PKEY *g_group_template[N_GROUPS];
static pthread_once_t g_group_once = PTHREAD_ONCE_INIT;

static void group_init_once(void)
{
    for (size_t i = 0; i < N_GROUPS; i++)
        g_group_template[i] = group_keygen_by_name(&groups[i]);
}

static EVP_PKEY *group_keygen(const tls_group *g)
{
    if (pthread_once(&g_group_once, group_init_once) != 0)
        return NULL;
    EVP_PKEY *tmpl = g_group_template[g - groups];
    if (tmpl == NULL)
        return group_keygen_by_name(g);
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, tmpl, NULL);
    if (ctx == NULL)
        return NULL;
    if (EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &pkey) != 1) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

int tls_kex_keygen(uint16_t group, EVP_PKEY **priv, uint8_t *share, size_t cap, size_t *share_len)
{
    const tls_group *g = tls_group_get(group);
    ENSURE(g != NULL, TLS_ERR(TLS_AD_INTERNAL_ERROR, TLS_R_UNSUPPORTED_ELLIPTIC_CURVE));
    ENSURE(cap >= g->share_len, TLS_ERR_INTERNAL);
    EVP_PKEY *pkey = group_keygen(g);
    ENSURE(pkey != NULL, TLS_ERR_INTERNAL);
    uint8_t *pub = NULL;
    size_t n = EVP_PKEY_get1_encoded_public_key(pkey, &pub);
    if (n != g->share_len) {
        OPENSSL_free(pub);
        EVP_PKEY_free(pkey);
        return TLS_ERR_INTERNAL;
    }
    memcpy(share, pub, n);
    OPENSSL_free(pub);
    *share_len = n;
    *priv = pkey;
    return 0;
}

/* The peer's key_share as a key of the same group as ours. */
static int peer_key(const tls_group *g, EVP_PKEY *priv, const uint8_t *peer, size_t peer_len,
                    EVP_PKEY **out)
{
    /* RFC 8446 4.2.8.2: X25519/X448 shares are the raw 32/56 bytes; NIST
     * curve shares are the uncompressed point, legacy_form 4. */
    ENSURE(peer_len == g->share_len, ERR_BAD_POINT);
    ENSURE(g->curve == NULL || peer[0] == 0x04, ERR_BAD_POINT);
    EVP_PKEY *pk = EVP_PKEY_new();
    ENSURE(pk != NULL, TLS_ERR_INTERNAL);
    if (EVP_PKEY_copy_parameters(pk, priv) != 1) {
        EVP_PKEY_free(pk);
        return TLS_ERR_INTERNAL;
    }
    /* For EC this decodes the point and rejects one not on the curve. */
    if (EVP_PKEY_set1_encoded_public_key(pk, peer, peer_len) != 1) {
        EVP_PKEY_free(pk);
        return ERR_BAD_POINT;
    }
    *out = pk;
    return 0;
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

int tls_kex_derive(uint16_t group, EVP_PKEY *priv, const uint8_t *peer, size_t peer_len,
                   uint8_t *out, size_t *out_len)
{
    return tls_kex_derive_keep(group, priv, peer, peer_len, out, out_len, NULL);
}

int tls_kex_derive_keep(uint16_t group, EVP_PKEY *priv, const uint8_t *peer, size_t peer_len,
                        uint8_t *out, size_t *out_len, EVP_PKEY **peer_out)
{
    const tls_group *g = tls_group_get(group);
    ENSURE(g != NULL && priv != NULL, TLS_ERR_INTERNAL);
    EVP_PKEY *pk = NULL;
    TRY(peer_key(g, priv, peer, peer_len, &pk));
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
    size_t n = TLS_MAX_SHARED_SECRET;
    int rc = 0;
    if (ctx == NULL || EVP_PKEY_derive_init(ctx) != 1)
        rc = TLS_ERR_INTERNAL;
    else if (EVP_PKEY_derive_set_peer_ex(ctx, pk, 1) != 1)
        rc = ERR_BAD_POINT; /* public key check failed */
    else if (EVP_PKEY_derive(ctx, out, &n) != 1)
        /* libcrypto's X25519/X448 refuse an all-zero result themselves. */
        rc = g->curve == NULL ? ERR_BAD_POINT : TLS_ERR_INTERNAL;
    else if (n != g->secret_len)
        rc = TLS_ERR_INTERNAL;
    else if (all_zero(out, n))
        /* RFC 8446 7.4.2 / RFC 7748 6: an all-zero X25519 output means a
         * small-order peer point. */
        rc = ERR_BAD_POINT;
    EVP_PKEY_CTX_free(ctx);
    if (rc < 0) {
        EVP_PKEY_free(pk);
        OPENSSL_cleanse(out, TLS_MAX_SHARED_SECRET);
        return rc;
    }
    if (peer_out != NULL) {
        EVP_PKEY_free(*peer_out);
        *peer_out = pk;
    } else {
        EVP_PKEY_free(pk);
    }
    *out_len = n;
    return 0;
}

/* ------------------------------------------------------------- sigalgs */

static const tls_sigalg sigalgs[] = {
    {0x0403, "ecdsa_secp256r1_sha256", EVP_PKEY_EC, NID_X9_62_prime256v1, NID_sha256, 0, 1,
     EVP_PKEY_EC},
    {0x0503, "ecdsa_secp384r1_sha384", EVP_PKEY_EC, NID_secp384r1, NID_sha384, 0, 1, EVP_PKEY_EC},
    {0x0603, "ecdsa_secp521r1_sha512", EVP_PKEY_EC, NID_secp521r1, NID_sha512, 0, 1, EVP_PKEY_EC},
    {0x0807, "ed25519", EVP_PKEY_ED25519, NID_undef, NID_undef, 0, 1, EVP_PKEY_ED25519},
    {0x0808, "ed448", EVP_PKEY_ED448, NID_undef, NID_undef, 0, 1, EVP_PKEY_ED448},
    {0x0809, "rsa_pss_pss_sha256", EVP_PKEY_RSA_PSS, NID_undef, NID_sha256, 1, 1, EVP_PKEY_RSA_PSS},
    {0x080a, "rsa_pss_pss_sha384", EVP_PKEY_RSA_PSS, NID_undef, NID_sha384, 1, 1, EVP_PKEY_RSA_PSS},
    {0x080b, "rsa_pss_pss_sha512", EVP_PKEY_RSA_PSS, NID_undef, NID_sha512, 1, 1, EVP_PKEY_RSA_PSS},
    {0x0804, "rsa_pss_rsae_sha256", EVP_PKEY_RSA, NID_undef, NID_sha256, 1, 1, EVP_PKEY_RSA_PSS},
    {0x0805, "rsa_pss_rsae_sha384", EVP_PKEY_RSA, NID_undef, NID_sha384, 1, 1, EVP_PKEY_RSA_PSS},
    {0x0806, "rsa_pss_rsae_sha512", EVP_PKEY_RSA, NID_undef, NID_sha512, 1, 1, EVP_PKEY_RSA_PSS},
    {0x0401, "rsa_pkcs1_sha256", EVP_PKEY_RSA, NID_undef, NID_sha256, 0, 0, EVP_PKEY_RSA},
    {0x0501, "rsa_pkcs1_sha384", EVP_PKEY_RSA, NID_undef, NID_sha384, 0, 0, EVP_PKEY_RSA},
    {0x0601, "rsa_pkcs1_sha512", EVP_PKEY_RSA, NID_undef, NID_sha512, 0, 0, EVP_PKEY_RSA},
    {0x0203, "ecdsa_sha1", EVP_PKEY_EC, NID_undef, NID_sha1, 0, 0, EVP_PKEY_EC},
    {0x0201, "rsa_pkcs1_sha1", EVP_PKEY_RSA, NID_undef, NID_sha1, 0, 0, EVP_PKEY_RSA},
};
#define N_SIGALGS (sizeof(sigalgs) / sizeof(sigalgs[0]))

/* OpenSSL 3.0's default signature_algorithms order, without SHA-224/SHA-1. */
static const uint16_t default_sigalgs[] = {
    0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080a,
    0x080b, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601,
};

const tls_sigalg *tls_sigalg_get(uint16_t id)
{
    for (size_t i = 0; i < N_SIGALGS; i++)
        if (sigalgs[i].id == id)
            return &sigalgs[i];
    return NULL;
}

const char *tls_sigalg_name(uint16_t scheme)
{
    const tls_sigalg *a = tls_sigalg_get(scheme);
    return a != NULL ? a->name : NULL;
}

uint16_t tls_sigalg_by_name(const char *name)
{
    if (name == NULL)
        return 0;
    for (size_t i = 0; i < N_SIGALGS; i++)
        if (strcmp(sigalgs[i].name, name) == 0)
            return sigalgs[i].id;
    return 0;
}

const uint16_t *tls_default_sigalgs(size_t *n)
{
    *n = sizeof(default_sigalgs) / sizeof(default_sigalgs[0]);
    return default_sigalgs;
}

static int ec_key_curve_nid(EVP_PKEY *key)
{
    char name[80];
    size_t len = 0;
    if (EVP_PKEY_get_group_name(key, name, sizeof(name), &len) != 1)
        return NID_undef;
    int nid = OBJ_sn2nid(name);
    if (nid == NID_undef)
        nid = EC_curve_nist2nid(name);
    return nid;
}

/* Why the key does not fit, or 0. */
static int sigalg_key_check(const tls_sigalg *a, EVP_PKEY *key, int tls13)
{
    const int wrong_type = TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_WRONG_SIGNATURE_TYPE);
    ENSURE(a != NULL && key != NULL, wrong_type);
    /* RFC 8446 4.4.3: PKCS#1 v1.5 and SHA-1 schemes are not for
     * CertificateVerify in TLS 1.3. */
    ENSURE(!tls13 || a->tls13, wrong_type);
    ENSURE(EVP_PKEY_get_base_id(key) == a->pkey_type, wrong_type);
    /* RFC 8446 4.2.3: in TLS 1.3 an ECDSA scheme names its curve. */
    if (tls13 && a->curve_nid != NID_undef)
        ENSURE(ec_key_curve_nid(key) == a->curve_nid,
               TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_WRONG_CURVE));
    return 0;
}

int tls_sigalg_key_ok(uint16_t scheme, EVP_PKEY *key, int tls13)
{
    return sigalg_key_check(tls_sigalg_get(scheme), key, tls13) == 0;
}

static const EVP_MD *sigalg_md(const tls_sigalg *a)
{
    return a->hash_nid == NID_undef ? NULL : tls_md_by_nid(a->hash_nid);
}

/* Set up mctx for signing or verifying with the scheme's hash and padding. */
static int sig_ctx_init(EVP_MD_CTX *mctx, const tls_sigalg *a, EVP_PKEY *key, int sign)
{
    const EVP_MD *md = sigalg_md(a);
    ENSURE(a->hash_nid == NID_undef || md != NULL, TLS_ERR_INTERNAL);
    const char *mdname = md != NULL ? EVP_MD_get0_name(md) : NULL;
    EVP_PKEY_CTX *pctx = NULL;
    int ok = sign ? EVP_DigestSignInit_ex(mctx, &pctx, mdname, NULL, NULL, key, NULL)
                  : EVP_DigestVerifyInit_ex(mctx, &pctx, mdname, NULL, NULL, key, NULL);
    ENSURE(ok == 1, TLS_ERR_INTERNAL);
    if (a->pss) {
        /* RFC 8446 4.2.3: salt as long as the digest, MGF1 with the same hash. */
        ENSURE(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                   EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
                   EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1,
               TLS_ERR_INTERNAL);
    }
    return 0;
}

int tls_sig_verify(uint16_t scheme, EVP_PKEY *key, int tls13, const uint8_t *tbs, size_t tbs_len,
                   const uint8_t *sig, size_t sig_len)
{
    TRY(tls_crypto_init());
    const tls_sigalg *a = tls_sigalg_get(scheme);
    TRY(sigalg_key_check(a, key, tls13));
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    ENSURE(mctx != NULL, TLS_ERR_INTERNAL);
    int rc = sig_ctx_init(mctx, a, key, 0);
    if (rc == 0 && EVP_DigestVerify(mctx, sig, sig_len, tbs, tbs_len) != 1)
        rc = TLS_ERR(TLS_AD_DECRYPT_ERROR, TLS_R_BAD_SIGNATURE);
    EVP_MD_CTX_free(mctx);
    return rc;
}

int tls_sig_sign(uint16_t scheme, EVP_PKEY *key, int tls13, const uint8_t *tbs, size_t tbs_len,
                 uint8_t *sig, size_t cap, size_t *sig_len)
{
    TRY(tls_crypto_init());
    const tls_sigalg *a = tls_sigalg_get(scheme);
    if (sigalg_key_check(a, key, tls13) < 0)
        return TLS_ERR(TLS_AD_INTERNAL_ERROR, TLS_R_WRONG_SIGNATURE_TYPE);
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    ENSURE(mctx != NULL, TLS_ERR_INTERNAL);
    size_t n = 0;
    int rc = sig_ctx_init(mctx, a, key, 1);
    if (rc == 0 && (EVP_DigestSign(mctx, NULL, &n, tbs, tbs_len) != 1 || n > cap))
        rc = TLS_ERR_INTERNAL;
    if (rc == 0 && EVP_DigestSign(mctx, sig, &n, tbs, tbs_len) != 1)
        rc = TLS_ERR_INTERNAL;
    EVP_MD_CTX_free(mctx);
    if (rc == 0)
        *sig_len = n;
    return rc;
}

void tls13_cv_content(int server, const uint8_t *hash, size_t hash_len, uint8_t *out,
                      size_t *out_len)
{
    /* RFC 8446 4.4.3: the context strings include no terminating NUL; the
     * zero byte that follows is a separator. */
    static const char srv[] = "TLS 1.3, server CertificateVerify";
    static const char cli[] = "TLS 1.3, client CertificateVerify";
    const char *label = server ? srv : cli;
    size_t label_len = sizeof(srv) - 1;
    if (hash_len > TLS_MAX_HASH)
        hash_len = TLS_MAX_HASH;
    memset(out, 0x20, 64);
    memcpy(out + 64, label, label_len);
    out[64 + label_len] = 0;
    memcpy(out + 64 + label_len + 1, hash, hash_len);
    *out_len = 64 + label_len + 1 + hash_len;
}
