/*
 * core/crypto: descriptor tables and the calls into libcrypto (see crypto.h).
 *
 * Design: the public facts of each algorithm (names, sizes, IANA values) are
 * const tables. The libcrypto objects behind them (EVP_CIPHER, EVP_MD,
 * EVP_MAC, EVP_KDF, key templates) are fetched once per library context and
 * property query (a tls_crypto entry, shared by the SSL_CTXs made with that
 * pair): OpenSSL 3.0 pays a lock and a hash lookup for every fetch, which is
 * why nothing here fetches per connection or record.
 */
#include "core/crypto.h"
#include "core/tls12.h"

#include <limits.h>
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

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

/* --------------------------------------------------------- cipher suites */

/* The descriptors are core/algs.c's; an entry holds what is fetched for
 * each, at the same index. */
#define MAX_SUITES 48

static size_t suite_count(void)
{
    size_t n;
    tls_suites(&n);
    return n;
}

static const tls_suite_info *suite_at(size_t i)
{
    size_t n;
    return &tls_suites(&n)[i];
}

/*
 * RFC 8446 5.5: AES-GCM keys may protect at most 2^24.5 full-size records
 * (about 24 million); ChaCha20-Poly1305 has no practical limit below the
 * 2^64 sequence space. AES-CCM gets AES-GCM's limit (its confidentiality
 * bound is the same order, RFC 9147 4.5.3).
 */
#define AES_GCM_RECORD_LIMIT 23726566ull
#define UNLIMITED_RECORDS    UINT64_MAX

/* -------------------------------------------------- library contexts */

/*
 * Everything fetched from one (OSSL_LIB_CTX, property query) pair. Entries
 * live in a registry so that every SSL_CTX made with the same pair shares
 * one set of fetched objects; an entry is freed with its last reference
 * (the application frees its OSSL_LIB_CTX after its SSL_CTXs, and a freed
 * context's address may be reused by a new one). The default context's
 * entry, once it has a usable suite, is kept for the life of the process.
 *
 * Key templates (one key per group, one parameter set per RFC 7919 group)
 * are made on first use, under the entry's lock, and published with an
 * atomic store; a failed attempt is remembered (TMPL_FAILED) so that an
 * unavailable group costs nothing per connection.
 */
#define MAX_GROUPS   8
#define MAX_SIGALGS  24
#define MAX_TEMPLATE (MAX_GROUPS + TLS_MAX_FFDHE)
#define TMPL_FAILED  ((EVP_PKEY *)&tmpl_failed_marker)
static const char tmpl_failed_marker;

struct tls_crypto {
    tls_crypto *next; /* registry list */
    int refs;         /* atomic; 0 -> 1 and 1 -> 0 only under g_reg_lock */
    int pinned;
    OSSL_LIB_CTX *libctx;
    char *propq;
    EVP_MD *md[MD_COUNT];
    EVP_MAC *hmac;
    EVP_KDF *hkdf;
    EVP_KDF *prf;
    EVP_CIPHER *ciphers[MAX_SUITES]; /* owned; parallel to tls_suites() */
    tls_suite suites[MAX_SUITES];
    tls12_suite suites12[MAX_SUITES];
    uint8_t sigalg_ok[MAX_SIGALGS];
    int have_ecdh, have_dh, have_ecdsa;
    uint8_t cookie_key[TLS_COOKIE_KEY_LEN];
    int cookie_key_ok;
    pthread_mutex_t tmpl_lock;
    EVP_PKEY *tmpl[MAX_TEMPLATE]; /* NULL not tried, TMPL_FAILED, or a key */
};

static pthread_mutex_t g_reg_lock = PTHREAD_MUTEX_INITIALIZER;
static tls_crypto *g_registry;
static tls_crypto *g_default; /* pinned default entry */

static const EVP_MD *cr_md(const tls_crypto *cr, int nid)
{
    for (int i = 0; i < MD_COUNT; i++)
        if (md_names[i].nid == nid)
            return cr->md[i];
    return NULL;
}

static void init_suite(tls_crypto *cr, size_t i)
{
    const tls_suite_info *info = suite_at(i);
    tls_suite *s = &cr->suites[i];
    s->info = info;
    s->cr = cr;
    s->id = info->id;
    /* TLS 1.2 CBC suites: iv_len is the block (the explicit per-record
     * IV), no tag (the HMAC is the record layer's). */
    s->iv_len = info->aead ? TLS_AEAD_IV_LEN : 16;
    s->tag_len = info->tag_len;
    /* RFC 5288 3: TLS 1.2 AES-GCM carries an explicit nonce; RFC 7905 2:
     * TLS 1.2 ChaCha20-Poly1305 forms it like TLS 1.3. */
    s->nonce_mode =
        info->min_version == TLS_V12 && info->aead && info->cipher_nid != NID_chacha20_poly1305
            ? TLS_NONCE_EXPLICIT
            : TLS_NONCE_XOR;
    s->md = cr_md(cr, info->digest_nid);
    s->hash_len = s->md != NULL ? (size_t)EVP_MD_get_size(s->md) : 0;
    s->record_limit = info->cipher_nid == NID_chacha20_poly1305 || !info->aead
                          ? UNLIMITED_RECORDS
                          : AES_GCM_RECORD_LIMIT;
    /* Same cipher for several suites: fetch it once per entry. */
    EVP_CIPHER *c = NULL;
    for (size_t j = 0; j < i && c == NULL; j++)
        if (suite_at(j)->cipher_nid == info->cipher_nid)
            c = cr->ciphers[j];
    if (c != NULL && EVP_CIPHER_up_ref(c) != 1)
        c = NULL;
    if (c == NULL)
        c = EVP_CIPHER_fetch(cr->libctx, info->cipher_fetch, cr->propq);
    cr->ciphers[i] = c;
    s->cipher = c;
    s->key_len = c != NULL ? (size_t)EVP_CIPHER_get_key_length(c) : 0;
}

static int sigalgs_probe(tls_crypto *cr);

/* What OpenSSL also checks when it makes an SSL_CTX: key exchange and
 * signature algorithms a TLS 1.2 suite depends on. */
static void kx_probe(tls_crypto *cr)
{
    EVP_KEYEXCH *kx = EVP_KEYEXCH_fetch(cr->libctx, "ECDH", cr->propq);
    cr->have_ecdh = kx != NULL;
    EVP_KEYEXCH_free(kx);
    kx = EVP_KEYEXCH_fetch(cr->libctx, "DH", cr->propq);
    cr->have_dh = kx != NULL;
    EVP_KEYEXCH_free(kx);
    EVP_SIGNATURE *sig = EVP_SIGNATURE_fetch(cr->libctx, "ECDSA", cr->propq);
    cr->have_ecdsa = sig != NULL;
    EVP_SIGNATURE_free(sig);
}

static void crypto_entry_free(tls_crypto *cr)
{
    if (cr == NULL)
        return;
    for (int i = 0; i < MD_COUNT; i++)
        EVP_MD_free(cr->md[i]);
    EVP_MAC_free(cr->hmac);
    EVP_KDF_free(cr->hkdf);
    EVP_KDF_free(cr->prf);
    for (size_t i = 0; i < suite_count(); i++)
        EVP_CIPHER_free(cr->ciphers[i]);
    for (size_t i = 0; i < MAX_TEMPLATE; i++)
        if (cr->tmpl[i] != TMPL_FAILED)
            EVP_PKEY_free(cr->tmpl[i]);
    pthread_mutex_destroy(&cr->tmpl_lock);
    OPENSSL_cleanse(cr->cookie_key, sizeof(cr->cookie_key));
    OPENSSL_free(cr->propq);
    OPENSSL_free(cr);
}

/* Fetch everything for (libctx, propq). Missing algorithms leave their
 * suites / groups / schemes unavailable; only allocation failures fail.
 * Fetch failures are expected and leave nothing on the error queue. */
static tls_crypto *crypto_entry_new(OSSL_LIB_CTX *libctx, const char *propq)
{
    if (suite_count() > MAX_SUITES)
        return NULL;
    tls_crypto *cr = OPENSSL_zalloc(sizeof(*cr));
    if (cr == NULL)
        return NULL;
    if (pthread_mutex_init(&cr->tmpl_lock, NULL) != 0) {
        OPENSSL_free(cr);
        return NULL;
    }
    cr->libctx = libctx;
    if (propq != NULL && (cr->propq = OPENSSL_strdup(propq)) == NULL) {
        crypto_entry_free(cr);
        return NULL;
    }
    ERR_set_mark();
    for (int i = 0; i < MD_COUNT; i++)
        cr->md[i] = EVP_MD_fetch(libctx, md_names[i].name, cr->propq);
    cr->hmac = EVP_MAC_fetch(libctx, "HMAC", cr->propq);
    cr->hkdf = EVP_KDF_fetch(libctx, "HKDF", cr->propq);
    cr->prf = EVP_KDF_fetch(libctx, "TLS1-PRF", cr->propq);
    for (size_t i = 0; i < suite_count(); i++)
        init_suite(cr, i);
    kx_probe(cr);
    for (size_t i = 0; i < suite_count(); i++)
        tls12_suite_fill(&cr->suites12[i], &cr->suites[i]);
    int ok = sigalgs_probe(cr);
    cr->cookie_key_ok = RAND_priv_bytes_ex(libctx, cr->cookie_key, sizeof(cr->cookie_key), 0) == 1;
    ERR_pop_to_mark();
    if (!ok) {
        crypto_entry_free(cr);
        return NULL;
    }
    return cr;
}

static int same_propq(const char *a, const char *b)
{
    return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/* A suite needs its cipher, its hash, and the KDF / MAC of its version. */
static int suite_usable(const tls_crypto *cr, const tls_suite *s)
{
    if (s->cipher == NULL || s->md == NULL || cr->hmac == NULL)
        return 0;
    return s->info->min_version == TLS_V13 ? cr->hkdf != NULL : cr->prf != NULL;
}

static int crypto_has_suite(const tls_crypto *cr)
{
    for (size_t i = 0; i < suite_count(); i++)
        if (suite_usable(cr, &cr->suites[i]))
            return 1;
    return 0;
}

tls_crypto *tls_crypto_get(OSSL_LIB_CTX *libctx, const char *propq)
{
    tls_crypto *cr;
    pthread_mutex_lock(&g_reg_lock);
    for (cr = g_registry; cr != NULL; cr = cr->next)
        if (cr->libctx == libctx && same_propq(cr->propq, propq))
            break;
    if (cr == NULL && (cr = crypto_entry_new(libctx, propq)) != NULL) {
        cr->next = g_registry;
        g_registry = cr;
        /* The default context's algorithms are kept for good once they
         * are usable (as before library contexts: fetched once per
         * process); an unusable entry is retried next time. */
        if (libctx == NULL && propq == NULL && crypto_has_suite(cr)) {
            cr->pinned = 1;
            __atomic_store_n(&g_default, cr, __ATOMIC_RELEASE);
        }
    }
    if (cr != NULL)
        __atomic_add_fetch(&cr->refs, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&g_reg_lock);
    return cr;
}

/* Only a holder of a reference calls this, so it never revives an entry
 * that tls_crypto_free is taking down: no lock (one per connection). */
void tls_crypto_up_ref(tls_crypto *cr)
{
    if (cr != NULL)
        __atomic_add_fetch(&cr->refs, 1, __ATOMIC_RELAXED);
}

void tls_crypto_free(tls_crypto *cr)
{
    if (cr == NULL)
        return;
    /* Not the last reference: drop it without the lock. */
    int r = __atomic_load_n(&cr->refs, __ATOMIC_RELAXED);
    while (r > 1)
        if (__atomic_compare_exchange_n(&cr->refs, &r, r - 1, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED))
            return;
    /* Perhaps the last: decide under the lock, where tls_crypto_get could
     * hand out a new reference meanwhile. */
    pthread_mutex_lock(&g_reg_lock);
    if (__atomic_sub_fetch(&cr->refs, 1, __ATOMIC_ACQ_REL) > 0 || cr->pinned) {
        pthread_mutex_unlock(&g_reg_lock);
        return;
    }
    for (tls_crypto **pp = &g_registry; *pp != NULL; pp = &(*pp)->next)
        if (*pp == cr) {
            *pp = cr->next;
            break;
        }
    pthread_mutex_unlock(&g_reg_lock);
    crypto_entry_free(cr);
}

const tls_crypto *tls_crypto_default(void)
{
    tls_crypto *cr = __atomic_load_n(&g_default, __ATOMIC_ACQUIRE);
    if (cr != NULL)
        return cr;
    cr = tls_crypto_get(NULL, NULL);
    if (cr == NULL)
        return NULL;
    if (!cr->pinned) {
        tls_crypto_free(cr);
        return NULL;
    }
    /* Pinned: the reference just taken is never dropped. */
    return cr;
}

/* The entry a core function works with: NULL means the default context. */
static const tls_crypto *cr_or_default(const tls_crypto *cr)
{
    return cr != NULL ? cr : tls_crypto_default();
}

int tls_crypto_usable(const tls_crypto *cr)
{
    cr = cr_or_default(cr);
    return cr != NULL && crypto_has_suite(cr);
}

OSSL_LIB_CTX *tls_crypto_libctx(const tls_crypto *cr)
{
    cr = cr_or_default(cr);
    return cr != NULL ? cr->libctx : NULL;
}

const char *tls_crypto_propq(const tls_crypto *cr)
{
    cr = cr_or_default(cr);
    return cr != NULL ? cr->propq : NULL;
}

EVP_MAC *tls_crypto_hmac(const tls_crypto *cr)
{
    cr = cr_or_default(cr);
    return cr != NULL ? cr->hmac : NULL;
}

EVP_KDF *tls_crypto_kdf(const tls_crypto *cr, int prf)
{
    cr = cr_or_default(cr);
    return cr == NULL ? NULL : prf ? cr->prf : cr->hkdf;
}

const EVP_CIPHER *tls_crypto_cipher(const tls_crypto *cr, int nid)
{
    cr = cr_or_default(cr);
    if (cr == NULL)
        return NULL;
    for (size_t i = 0; i < suite_count(); i++)
        if (suite_at(i)->cipher_nid == nid)
            return cr->ciphers[i];
    return NULL;
}

const EVP_MD *tls_md_by_nid(const tls_crypto *cr, int nid)
{
    cr = cr_or_default(cr);
    return cr != NULL ? cr_md(cr, nid) : NULL;
}

const EVP_MD *tls_crypto_md(const tls_crypto *cr, int nid)
{
    return tls_md_by_nid(cr, nid);
}

const tls_suite *tls_suite_get(const tls_crypto *cr, uint16_t id)
{
    cr = cr_or_default(cr);
    if (cr == NULL)
        return NULL;
    for (size_t i = 0; i < suite_count(); i++)
        if (cr->suites[i].id == id)
            return suite_usable(cr, &cr->suites[i]) ? &cr->suites[i] : NULL;
    return NULL;
}

int tls_suite_is_chacha(uint16_t id)
{
    /* RFC 7905 numbers its seven TLS 1.2 ChaCha20 suites consecutively. */
    return id == TLS_SUITE_CHACHA20_POLY1305_SHA256 ||
           (id >= TLS_SUITE_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 &&
            id <= TLS_SUITE_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256);
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

const tls12_suite *tls12_suite_get(const tls_crypto *cr, uint16_t id)
{
    cr = cr_or_default(cr);
    if (cr == NULL)
        return NULL;
    for (size_t i = 0; i < suite_count(); i++)
        if (cr->suites[i].id == id) {
            const tls12_suite *s = &cr->suites12[i];
            if (s->suite == NULL || !suite_usable(cr, s->suite))
                return NULL;
            /* OpenSSL disables a suite whose key exchange or signature
             * algorithm the context lacks. */
            if ((s->kx == TLS12_KX_ECDHE && !cr->have_ecdh) ||
                (s->kx == TLS12_KX_DHE && !cr->have_dh) ||
                (s->au == TLS12_AU_ECDSA && !cr->have_ecdsa))
                return NULL;
            return s;
        }
    return NULL;
}

int tls_crypto_suite_available(const tls_crypto *cr, uint16_t id)
{
    const tls_suite_info *info = tls_suite_by_id(id);
    if (info == NULL)
        return 0;
    return info->min_version == TLS_V13 ? tls_suite_get(cr, id) != NULL
                                        : tls12_suite_get(cr, id) != NULL;
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
    a->ccm = EVP_CIPHER_get_mode(s->cipher) == EVP_CIPH_CCM_MODE;
    int ok;
    if (!a->ccm) {
        ok = EVP_CipherInit_ex2(a->ctx, s->cipher, key, NULL, a->enc, NULL) == 1;
    } else {
        /* RFC 6655 3 / RFC 8446 5.3: CCM with a 12-byte nonce (libcrypto's
         * default is 7) and the suite's tag length, both fixed before the
         * key is set (the key schedule takes them in, both directions). */
        ok = EVP_CipherInit_ex2(a->ctx, s->cipher, NULL, NULL, a->enc, NULL) == 1 &&
             EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_IVLEN, TLS_AEAD_IV_LEN, NULL) == 1 &&
             EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG, (int)s->tag_len, NULL) == 1 &&
             EVP_CipherInit_ex2(a->ctx, NULL, key, NULL, a->enc, NULL) == 1;
    }
    if (!ok) {
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

/* Set the nonce on the already keyed context, the expected tag when
 * opening, and feed the AAD: the only per-record setup, and no allocation.
 * CCM also needs the tag before anything else is fed, and the length of
 * the data (len) before the AAD. */
static int aead_start(tls_aead *a, const uint8_t *nonce, const uint8_t *aad, size_t aad_len,
                      size_t len, const uint8_t *tag)
{
    int outl;
    ENSURE(a->ctx != NULL, TLS_ERR_INTERNAL);
    ENSURE(aad_len <= 64, TLS_ERR_INTERNAL);
    ENSURE(EVP_CipherInit_ex2(a->ctx, NULL, NULL, nonce, -1, NULL) == 1, TLS_ERR_INTERNAL);
    if (tag != NULL)
        ENSURE(EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG, (int)a->suite->tag_len,
                                   (void *)tag) == 1,
               TLS_ERR_INTERNAL);
    if (a->ccm)
        ENSURE(EVP_CipherUpdate(a->ctx, NULL, &outl, NULL, (int)len) == 1, TLS_ERR_INTERNAL);
    if (aad_len > 0)
        ENSURE(EVP_CipherUpdate(a->ctx, NULL, &outl, aad, (int)aad_len) == 1, TLS_ERR_INTERNAL);
    return 0;
}

int tls_aead_seal(tls_aead *a, const uint8_t nonce[TLS_AEAD_IV_LEN], const uint8_t *aad,
                  size_t aad_len, uint8_t *buf, size_t len)
{
    int outl, finl;
    ENSURE(a->enc && len <= (size_t)1 << 24, TLS_ERR_INTERNAL);
    TRY(aead_start(a, nonce, aad, aad_len, len, NULL));
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
    TRY(aead_start(a, nonce, aad, aad_len, n, buf + n));
    /* CCM checks the tag in the update, the others in the final. */
    if (EVP_CipherUpdate(a->ctx, buf, &outl, buf, (int)n) != 1 ||
        EVP_CipherFinal_ex(a->ctx, buf + outl, &finl) != 1) {
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

/* The HMAC's digest by name, fetched by the MAC from its own context with
 * our property query. */
static void hmac_params(const tls_crypto *cr, const EVP_MD *md, OSSL_PARAM params[3])
{
    size_t k = 0;
    params[k++] =
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0);
    if (cr->propq != NULL)
        params[k++] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_PROPERTIES, cr->propq, 0);
    params[k] = OSSL_PARAM_construct_end();
}

int tls_hmac(const tls_crypto *cr, const EVP_MD *md, const uint8_t *key, size_t key_len,
             const uint8_t *data, size_t len, uint8_t *out)
{
    cr = cr_or_default(cr);
    ENSURE(cr != NULL && cr->hmac != NULL && md != NULL, TLS_ERR_INTERNAL);
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(cr->hmac);
    ENSURE(ctx != NULL, TLS_ERR_INTERNAL);
    OSSL_PARAM params[3];
    hmac_params(cr, md, params);
    size_t outl = 0;
    int ok = EVP_MAC_init(ctx, key, key_len, params) == 1 && EVP_MAC_update(ctx, data, len) == 1 &&
             EVP_MAC_final(ctx, out, &outl, (size_t)EVP_MD_get_size(md)) == 1;
    EVP_MAC_CTX_free(ctx);
    ENSURE(ok && outl == (size_t)EVP_MD_get_size(md), TLS_ERR_INTERNAL);
    return 0;
}

EVP_MAC_CTX *tls_hmac_ctx_new(const tls_crypto *cr, const EVP_MD *md, const uint8_t *key,
                              size_t key_len)
{
    cr = cr_or_default(cr);
    if (cr == NULL || cr->hmac == NULL || md == NULL)
        return NULL;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(cr->hmac);
    if (ctx == NULL)
        return NULL;
    OSSL_PARAM params[3];
    hmac_params(cr, md, params);
    if (EVP_MAC_init(ctx, key, key_len, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

X509 *tls_x509_d2i(const tls_crypto *cr, const uint8_t **pp, size_t len)
{
    cr = cr_or_default(cr);
    if (cr == NULL || len > LONG_MAX)
        return NULL;
    /* Made in the entry's context first, so that decoding its public key
     * fetches from there too (d2i into an X509_new_ex object). */
    X509 *x = X509_new_ex(cr->libctx, cr->propq);
    if (x == NULL)
        return NULL;
    if (d2i_X509(&x, pp, (long)len) == NULL) {
        /* d2i frees *x on failure and sets it to NULL */
        X509_free(x);
        return NULL;
    }
    return x;
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

int tls_random(const tls_crypto *cr, uint8_t *buf, size_t n)
{
    cr = cr_or_default(cr);
    ENSURE(cr != NULL && n <= INT32_MAX, TLS_ERR_INTERNAL);
    ENSURE(RAND_bytes_ex(cr->libctx, buf, n, 0) == 1, TLS_ERR_INTERNAL);
    return 0;
}

int tls_random_priv(const tls_crypto *cr, uint8_t *buf, size_t n)
{
    cr = cr_or_default(cr);
    ENSURE(cr != NULL && n <= INT32_MAX, TLS_ERR_INTERNAL);
    ENSURE(RAND_priv_bytes_ex(cr->libctx, buf, n, 0) == 1, TLS_ERR_INTERNAL);
    return 0;
}

/* ---------------------------------------------------------------- groups */

#define ERR_BAD_POINT TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_ECPOINT)

/* Key generation by name (fetches the key manager): only used once per
 * group and entry, to make its template. curve NULL: no group parameter;
 * paramgen: make parameters (RFC 7919 DH groups) instead of a key. */
static EVP_PKEY *keygen_by_name(const tls_crypto *cr, const char *alg, const char *curve,
                                int paramgen)
{
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(cr->libctx, alg, cr->propq);
    if (ctx == NULL)
        return NULL;
    int ok = paramgen ? EVP_PKEY_paramgen_init(ctx) == 1 : EVP_PKEY_keygen_init(ctx) == 1;
    if (ok && curve != NULL)
        ok = EVP_PKEY_CTX_set_group_name(ctx, curve) == 1;
    if (ok)
        ok = paramgen ? EVP_PKEY_paramgen(ctx, &pkey) == 1 : EVP_PKEY_keygen(ctx, &pkey) == 1;
    if (!ok) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

/*
 * The template of slot i, made on first use: a context created from it
 * reuses its already fetched key manager, and key generation takes the
 * group (curve) from it, so per-connection keygen costs no fetch. NULL if
 * the entry's providers cannot make it (the group is unavailable).
 */
static EVP_PKEY *template_get(const tls_crypto *cr_const, size_t i, const char *alg,
                              const char *curve, int paramgen)
{
    tls_crypto *cr = (tls_crypto *)cr_const; /* only the lazily filled slots change */
    EVP_PKEY *t = __atomic_load_n(&cr->tmpl[i], __ATOMIC_ACQUIRE);
    if (t == NULL) {
        pthread_mutex_lock(&cr->tmpl_lock);
        t = cr->tmpl[i];
        if (t == NULL) {
            ERR_set_mark();
            t = keygen_by_name(cr, alg, curve, paramgen);
            ERR_pop_to_mark();
            if (t == NULL)
                t = TMPL_FAILED;
            __atomic_store_n(&cr->tmpl[i], t, __ATOMIC_RELEASE);
        }
        pthread_mutex_unlock(&cr->tmpl_lock);
    }
    return t == TMPL_FAILED ? NULL : t;
}

static EVP_PKEY *group_template(const tls_crypto *cr, const tls_group *g)
{
    size_t n;
    size_t i = (size_t)(g - tls_groups(&n));
    return i < n && i < MAX_GROUPS ? template_get(cr, i, g->alg, g->curve, 0) : NULL;
}

EVP_PKEY *tls_crypto_dh_template(const tls_crypto *cr, size_t i, const char *group_name)
{
    cr = cr_or_default(cr);
    if (cr == NULL || i >= TLS_MAX_FFDHE)
        return NULL;
    return template_get(cr, MAX_GROUPS + i, "DH", group_name, 1);
}

int tls_crypto_group_available(const tls_crypto *cr, uint16_t group)
{
    const tls_group *g = tls_group_get(group);
    cr = cr_or_default(cr);
    return g != NULL && cr != NULL && group_template(cr, g) != NULL;
}

const uint8_t *tls_crypto_cookie_key(const tls_crypto *cr)
{
    cr = cr_or_default(cr);
    return cr != NULL && cr->cookie_key_ok ? cr->cookie_key : NULL;
}

EVP_PKEY_CTX *tls_crypto_pkey_ctx(const tls_crypto *cr, EVP_PKEY *key)
{
    cr = cr_or_default(cr);
    return cr != NULL ? EVP_PKEY_CTX_new_from_pkey(cr->libctx, key, cr->propq) : NULL;
}

static EVP_PKEY *group_keygen(const tls_crypto *cr, const tls_group *g)
{
    EVP_PKEY *tmpl = group_template(cr, g);
    if (tmpl == NULL)
        return NULL;
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(cr->libctx, tmpl, cr->propq);
    if (ctx == NULL)
        return NULL;
    if (EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &pkey) != 1) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

int tls_kex_keygen(const tls_crypto *cr, uint16_t group, EVP_PKEY **priv, uint8_t *share,
                   size_t cap, size_t *share_len)
{
    const tls_group *g = tls_group_get(group);
    cr = cr_or_default(cr);
    ENSURE(g != NULL, TLS_ERR(TLS_AD_INTERNAL_ERROR, TLS_R_UNSUPPORTED_ELLIPTIC_CURVE));
    ENSURE(cr != NULL && cap >= g->share_len, TLS_ERR_INTERNAL);
    EVP_PKEY *pkey = group_keygen(cr, g);
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

int tls_kex_derive(const tls_crypto *cr, uint16_t group, EVP_PKEY *priv, const uint8_t *peer,
                   size_t peer_len, uint8_t *out, size_t *out_len)
{
    return tls_kex_derive_keep(cr, group, priv, peer, peer_len, out, out_len, NULL);
}

int tls_kex_derive_keep(const tls_crypto *cr, uint16_t group, EVP_PKEY *priv, const uint8_t *peer,
                        size_t peer_len, uint8_t *out, size_t *out_len, EVP_PKEY **peer_out)
{
    const tls_group *g = tls_group_get(group);
    cr = cr_or_default(cr);
    ENSURE(cr != NULL && g != NULL && priv != NULL, TLS_ERR_INTERNAL);
    EVP_PKEY *pk = NULL;
    TRY(peer_key(g, priv, peer, peer_len, &pk));
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(cr->libctx, priv, cr->propq);
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

static const EVP_MD *sigalg_md(const tls_crypto *cr, const tls_sigalg *a)
{
    return a->hash_nid == NID_undef ? NULL : cr_md(cr, a->hash_nid);
}

/* The key type name a scheme needs a key manager for. */
static const char *sigalg_keytype(const tls_sigalg *a)
{
    switch (a->pkey_type) {
    case EVP_PKEY_RSA:
        return "RSA";
    case EVP_PKEY_RSA_PSS:
        return "RSA-PSS";
    case EVP_PKEY_EC:
        return "EC";
    case EVP_PKEY_ED25519:
        return "ED25519";
    case EVP_PKEY_ED448:
        return "ED448";
    }
    return NULL;
}

/* As OpenSSL when it makes an SSL_CTX: a scheme is available when its hash
 * is, and a context can be made for its key type. 0 only on allocation
 * failure. */
static int sigalgs_probe(tls_crypto *cr)
{
    size_t n_sigalgs;
    const tls_sigalg *sigalgs = tls_sigalgs(&n_sigalgs);
    if (n_sigalgs > MAX_SIGALGS)
        return 0;
    static const int types[] = {EVP_PKEY_RSA, EVP_PKEY_RSA_PSS, EVP_PKEY_EC, EVP_PKEY_ED25519,
                                EVP_PKEY_ED448};
    int type_ok[sizeof(types) / sizeof(types[0])] = {0};
    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
        const tls_sigalg probe = {.pkey_type = types[t]};
        EVP_PKEY_CTX *pctx =
            EVP_PKEY_CTX_new_from_name(cr->libctx, sigalg_keytype(&probe), cr->propq);
        type_ok[t] = pctx != NULL;
        EVP_PKEY_CTX_free(pctx);
    }
    for (size_t i = 0; i < n_sigalgs; i++) {
        const tls_sigalg *a = &sigalgs[i];
        int ok = a->hash_nid == NID_undef || sigalg_md(cr, a) != NULL;
        int known = 0;
        for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
            if (types[t] == a->pkey_type)
                known = type_ok[t];
        cr->sigalg_ok[i] = (uint8_t)(ok && known);
    }
    return 1;
}

int tls_crypto_sigalg_available(const tls_crypto *cr, uint16_t scheme)
{
    cr = cr_or_default(cr);
    const tls_sigalg *a = tls_sigalg_get(scheme);
    size_t n;
    if (cr == NULL || a == NULL)
        return 0;
    return cr->sigalg_ok[a - tls_sigalgs(&n)] != 0;
}

/* Set up mctx for signing or verifying with the scheme's hash and padding. */
static int sig_ctx_init(const tls_crypto *cr, EVP_MD_CTX *mctx, const tls_sigalg *a, EVP_PKEY *key,
                        int sign)
{
    const EVP_MD *md = sigalg_md(cr, a);
    ENSURE(a->hash_nid == NID_undef || md != NULL, TLS_ERR_INTERNAL);
    const char *mdname = md != NULL ? EVP_MD_get0_name(md) : NULL;
    EVP_PKEY_CTX *pctx = NULL;
    int ok = sign ? EVP_DigestSignInit_ex(mctx, &pctx, mdname, cr->libctx, cr->propq, key, NULL)
                  : EVP_DigestVerifyInit_ex(mctx, &pctx, mdname, cr->libctx, cr->propq, key, NULL);
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

int tls_sig_verify(const tls_crypto *cr, uint16_t scheme, EVP_PKEY *key, int tls13,
                   const uint8_t *tbs, size_t tbs_len, const uint8_t *sig, size_t sig_len)
{
    cr = cr_or_default(cr);
    ENSURE(cr != NULL, TLS_ERR_INTERNAL);
    const tls_sigalg *a = tls_sigalg_get(scheme);
    TRY(sigalg_key_check(a, key, tls13));
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    ENSURE(mctx != NULL, TLS_ERR_INTERNAL);
    int rc = sig_ctx_init(cr, mctx, a, key, 0);
    if (rc == 0 && EVP_DigestVerify(mctx, sig, sig_len, tbs, tbs_len) != 1)
        rc = TLS_ERR(TLS_AD_DECRYPT_ERROR, TLS_R_BAD_SIGNATURE);
    EVP_MD_CTX_free(mctx);
    return rc;
}

int tls_sig_sign(const tls_crypto *cr, uint16_t scheme, EVP_PKEY *key, int tls13,
                 const uint8_t *tbs, size_t tbs_len, uint8_t *sig, size_t cap, size_t *sig_len)
{
    cr = cr_or_default(cr);
    ENSURE(cr != NULL, TLS_ERR_INTERNAL);
    const tls_sigalg *a = tls_sigalg_get(scheme);
    if (sigalg_key_check(a, key, tls13) < 0)
        return TLS_FAIL(TLS_AD_INTERNAL_ERROR, TLS_R_WRONG_SIGNATURE_TYPE);
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    ENSURE(mctx != NULL, TLS_ERR_INTERNAL);
    size_t n = 0;
    int rc = sig_ctx_init(cr, mctx, a, key, 1);
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
