/*
 * core/tls12_crypto: the TLS 1.2 building blocks of core/tls12.h.
 *
 * The suite facts that only TLS 1.2 needs (key exchange, MAC, IV sizes) are
 * one const table next to crypto.c's descriptor of the same suite; the
 * EVP objects are crypto.c's, fetched once, so nothing here fetches per call.
 * Key derivation is the TLS 1.2 PRF of keysched.c (libcrypto's TLS1-PRF
 * KDF). Record protection itself is record.c's: this file derives the key
 * block and installs each direction's half.
 */
#include "core/tls12.h"

#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/objects.h>

#include "core/keysched.h"

/* ------------------------------------------------------------- suites */

/* What the table says; the EVP objects are filled in once. */
typedef struct suite12_fact {
    uint16_t id;
    int kx;
    int au;
    int cbc;
    int mac_nid; /* CBC suites only */
} suite12_fact;

static const suite12_fact facts[] = {
    {0xC02C, TLS12_KX_ECDHE, TLS12_AU_ECDSA, 0, NID_undef},
    {0xC030, TLS12_KX_ECDHE, TLS12_AU_RSA, 0, NID_undef},
    {0x009F, TLS12_KX_DHE, TLS12_AU_RSA, 0, NID_undef},
    {0xCCA9, TLS12_KX_ECDHE, TLS12_AU_ECDSA, 0, NID_undef},
    {0xCCA8, TLS12_KX_ECDHE, TLS12_AU_RSA, 0, NID_undef},
    {0xCCAA, TLS12_KX_DHE, TLS12_AU_RSA, 0, NID_undef},
    {0xC02B, TLS12_KX_ECDHE, TLS12_AU_ECDSA, 0, NID_undef},
    {0xC02F, TLS12_KX_ECDHE, TLS12_AU_RSA, 0, NID_undef},
    {0x009E, TLS12_KX_DHE, TLS12_AU_RSA, 0, NID_undef},
    {0xC024, TLS12_KX_ECDHE, TLS12_AU_ECDSA, 1, NID_sha384},
    {0xC028, TLS12_KX_ECDHE, TLS12_AU_RSA, 1, NID_sha384},
    {0x006B, TLS12_KX_DHE, TLS12_AU_RSA, 1, NID_sha256},
    {0xC023, TLS12_KX_ECDHE, TLS12_AU_ECDSA, 1, NID_sha256},
    {0xC027, TLS12_KX_ECDHE, TLS12_AU_RSA, 1, NID_sha256},
    {0x0067, TLS12_KX_DHE, TLS12_AU_RSA, 1, NID_sha256},
    {0xC00A, TLS12_KX_ECDHE, TLS12_AU_ECDSA, 1, NID_sha1},
    {0xC014, TLS12_KX_ECDHE, TLS12_AU_RSA, 1, NID_sha1},
    {0x0039, TLS12_KX_DHE, TLS12_AU_RSA, 1, NID_sha1},
    {0xC009, TLS12_KX_ECDHE, TLS12_AU_ECDSA, 1, NID_sha1},
    {0xC013, TLS12_KX_ECDHE, TLS12_AU_RSA, 1, NID_sha1},
    {0x0033, TLS12_KX_DHE, TLS12_AU_RSA, 1, NID_sha1},
    {0x009D, TLS12_KX_RSA, TLS12_AU_RSA, 0, NID_undef},
    {0x009C, TLS12_KX_RSA, TLS12_AU_RSA, 0, NID_undef},
    {0x003D, TLS12_KX_RSA, TLS12_AU_RSA, 1, NID_sha256},
    {0x003C, TLS12_KX_RSA, TLS12_AU_RSA, 1, NID_sha256},
    {0x0035, TLS12_KX_RSA, TLS12_AU_RSA, 1, NID_sha1},
    {0x002F, TLS12_KX_RSA, TLS12_AU_RSA, 1, NID_sha1},
};
#define N_FACTS (sizeof(facts) / sizeof(facts[0]))

static tls12_suite g_suites12[N_FACTS];
static pthread_once_t g_once12 = PTHREAD_ONCE_INIT;

static void suites12_init_once(void)
{
    for (size_t i = 0; i < N_FACTS; i++) {
        const suite12_fact *f = &facts[i];
        tls12_suite *s = &g_suites12[i];
        const tls_suite *base = tls_suite_get(f->id);
        if (base == NULL)
            continue; /* libcrypto lacks the cipher: the suite is unavailable */
        s->kx = f->kx;
        s->au = f->au;
        s->prf_md = base->md;
        s->cbc = f->cbc;
        s->enc_key_len = base->key_len;
        if (f->cbc) {
            s->mac_md = tls_md_by_nid(f->mac_nid);
            if (s->mac_md == NULL)
                continue;
            s->mac_key_len = (size_t)EVP_MD_get_size(s->mac_md);
            s->fixed_iv_len = 0;
            s->record_iv_len = 16; /* RFC 5246 6.2.3.2: one AES block */
        } else if (base->nonce_mode == TLS_NONCE_EXPLICIT) {
            s->fixed_iv_len = 4; /* RFC 5288 3: salt */
            s->record_iv_len = 8;
        } else {
            s->fixed_iv_len = TLS_AEAD_IV_LEN; /* RFC 7905 2 */
            s->record_iv_len = 0;
        }
        /* Published last: a NULL suite means "not available". */
        s->suite = base;
    }
}

const tls12_suite *tls12_suite_get(uint16_t id)
{
    if (tls_crypto_init() < 0 || pthread_once(&g_once12, suites12_init_once) != 0)
        return NULL;
    for (size_t i = 0; i < N_FACTS; i++)
        if (facts[i].id == id)
            return g_suites12[i].suite != NULL ? &g_suites12[i] : NULL;
    return NULL;
}

/* ------------------------------------------------------ master secret */

int tls12_master_secret(const tls12_suite *s, const uint8_t *pms, size_t pms_len, int ems,
                        const uint8_t *session_hash, size_t sh_len, const uint8_t client_random[32],
                        const uint8_t server_random[32], uint8_t ms[48])
{
    ENSURE(s != NULL && pms != NULL && pms_len > 0, TLS_ERR_INTERNAL);
    if (ems) {
        /* RFC 7627 4: the session hash replaces the two randoms. */
        ENSURE(session_hash != NULL && sh_len > 0 && sh_len <= TLS_MAX_HASH, TLS_ERR_INTERNAL);
        return tls12_prf(s->prf_md, pms, pms_len, "extended master secret", session_hash, sh_len,
                         NULL, 0, ms, 48);
    }
    /* RFC 5246 8.1 */
    return tls12_prf(s->prf_md, pms, pms_len, "master secret", client_random, 32, server_random, 32,
                     ms, 48);
}

/* ---------------------------------------------------------- key block */

/*
 * RFC 5246 6.3: key_block = PRF(master_secret, "key expansion",
 * server_random || client_random), cut into
 *   client_write_MAC_key, server_write_MAC_key,
 *   client_write_key,     server_write_key,
 *   client_write_IV,      server_write_IV.
 */
#define MAX_KEY_BLOCK (2 * (TLS_MAX_HASH + TLS_MAX_KEY + TLS_AEAD_IV_LEN))

int tls_rec_set_tls12(tls_rec_dir *d, int sending, int is_server, const tls12_suite *s,
                      const uint8_t ms[48], const uint8_t client_random[32],
                      const uint8_t server_random[32], int etm)
{
    ENSURE(s != NULL && s->suite != NULL, TLS_ERR_INTERNAL);
    size_t mk = s->mac_key_len, ek = s->enc_key_len, iv = s->fixed_iv_len;
    size_t total = 2 * (mk + ek + iv);
    ENSURE(mk <= TLS_MAX_HASH && ek <= TLS_MAX_KEY && iv <= TLS_AEAD_IV_LEN, TLS_ERR_INTERNAL);
    uint8_t kb[MAX_KEY_BLOCK];
    int rc = tls12_prf(s->prf_md, ms, 48, "key expansion", server_random, 32, client_random, 32, kb,
                       total);
    if (rc == 0) {
        /* The client's write keys protect what the client sends and the
         * server receives. */
        int client_half = (sending != 0) != (is_server != 0);
        size_t off = client_half ? 0 : 1;
        const uint8_t *mac_key = kb + off * mk;
        const uint8_t *key = kb + 2 * mk + off * ek;
        const uint8_t *fixed_iv = kb + 2 * mk + 2 * ek + off * iv;
        if (s->cbc)
            rc = tls_rec_set_cbc(d, sending, s->suite, s->mac_md, mac_key, key, etm);
        else
            rc = tls_rec_set_key(d, sending, TLS_REC_TLS12, s->suite, key, fixed_iv, iv);
    }
    OPENSSL_cleanse(kb, sizeof(kb));
    if (rc < 0)
        return rc;
    /* TLS 1.2 has no KeyUpdate: a key lives until renegotiation or the
     * end of the 2^64 sequence space. */
    d->limit = UINT64_MAX;
    return 0;
}

/* ----------------------------------------------------------- Finished */

int tls12_finished(const tls12_suite *s, const uint8_t ms[48], int from_server, const uint8_t *hash,
                   size_t hash_len, uint8_t out[12])
{
    ENSURE(s != NULL && hash != NULL && hash_len <= TLS_MAX_HASH, TLS_ERR_INTERNAL);
    /* RFC 5246 7.4.9 */
    return tls12_prf(s->prf_md, ms, 48, from_server ? "server finished" : "client finished", hash,
                     hash_len, NULL, 0, out, 12);
}

/* ----------------------------------------------------------- exporter */

/* RFC 5705 4: labels that would collide with the PRF uses of TLS itself. */
static int reserved_label(const char *label, size_t len)
{
    static const char *const reserved[] = {"client finished", "server finished", "master secret",
                                           "extended master secret", "key expansion"};
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (strlen(reserved[i]) == len && memcmp(reserved[i], label, len) == 0)
            return 1;
    return 0;
}

int tls12_export(const tls12_suite *s, const uint8_t ms[48], const uint8_t client_random[32],
                 const uint8_t server_random[32], const char *label, size_t label_len,
                 const uint8_t *context, size_t context_len, int use_context, uint8_t *out,
                 size_t out_len)
{
    ENSURE(s != NULL && (label != NULL || label_len == 0), TLS_ERR_INTERNAL);
    ENSURE(!reserved_label(label, label_len),
           TLS_ERR(TLS_AD_NONE, TLS_R_TLS_ILLEGAL_EXPORTER_LABEL));
    /* RFC 5705 4: seed = client_random + server_random
     *                    [+ context_value_length + context_value] */
    ENSURE(!use_context || context_len <= 0xffff, TLS_ERR_INTERNAL);
    uint8_t clen[2] = {(uint8_t)(context_len >> 8), (uint8_t)context_len};
    tls_prf_part parts[] = {
        {(const uint8_t *)label, label_len},
        {client_random, 32},
        {server_random, 32},
        {clen, 2},
        {context, context_len},
    };
    return tls12_prf_parts(s->prf_md, ms, 48, parts, use_context ? 5 : 3, out, out_len);
}

/* ------------------------------------------- not implemented yet (stubs) */

int tls_dhe_server_params(EVP_PKEY *params, EVP_PKEY *cert_key, int min_bits, EVP_PKEY **priv,
                          tls_writer *w)
{
    (void)params, (void)cert_key, (void)min_bits, (void)priv, (void)w;
    return TLS_ERR_INTERNAL;
}

int tls_dhe_server_derive(EVP_PKEY *priv, const uint8_t *yc, size_t yc_len, uint8_t *out,
                          size_t cap, size_t *out_len)
{
    (void)priv, (void)yc, (void)yc_len, (void)out, (void)cap, (void)out_len;
    return TLS_ERR_INTERNAL;
}

int tls_dhe_client(tls_reader *r, int min_bits, EVP_PKEY **peer_out, uint8_t *yc, size_t yc_cap,
                   size_t *yc_len, uint8_t *secret, size_t secret_cap, size_t *secret_len)
{
    (void)r, (void)min_bits, (void)peer_out, (void)yc, (void)yc_cap, (void)yc_len, (void)secret,
        (void)secret_cap, (void)secret_len;
    return TLS_ERR_INTERNAL;
}

int tls_rsa_kx_encrypt(EVP_PKEY *server_key, uint16_t client_version, uint8_t pms[48], uint8_t *out,
                       size_t cap, size_t *out_len)
{
    (void)server_key, (void)client_version, (void)pms, (void)out, (void)cap, (void)out_len;
    return TLS_ERR_INTERNAL;
}

int tls_rsa_kx_decrypt(EVP_PKEY *key, uint16_t client_version, const uint8_t *enc, size_t enc_len,
                       uint8_t pms[48])
{
    (void)key, (void)client_version, (void)enc, (void)enc_len, (void)pms;
    return TLS_ERR_INTERNAL;
}

int tls_rec_set_compression(tls_rec_dir *d, int method)
{
    (void)d;
    return method == TLS_COMP_NULL ? 0 : TLS_ERR_INTERNAL;
}
