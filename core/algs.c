/*
 * core/algs: the descriptor tables of core/algs.h.
 *
 * One row per algorithm, typed facts only. Order matters where it is
 * OpenSSL 3.0's default preference order (suites: `openssl ciphers -s`;
 * groups and schemes: the default supported_groups / signature_algorithms).
 */
#include "core/algs.h"

#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "core/tls.h"

/* --------------------------------------------------------- cipher suites */

#define V13 TLS_V13, TLS_V13
#define V12 TLS_V12, TLS_V12
/* AEAD suites: no MAC hash. */
#define AES128GCM   1, 128, 128, NID_aes_128_gcm, "AES-128-GCM", 16
#define AES256GCM   1, 256, 256, NID_aes_256_gcm, "AES-256-GCM", 16
#define CHACHA      1, 256, 256, NID_chacha20_poly1305, "ChaCha20-Poly1305", 16
#define AES128CCM   1, 128, 128, NID_aes_128_ccm, "AES-128-CCM", 16
#define AES128CCM8  1, 128, 128, NID_aes_128_ccm, "AES-128-CCM", 8
#define AES128CBC   0, 128, 128, NID_aes_128_cbc, "AES-128-CBC", 0
#define AES256CBC   0, 256, 256, NID_aes_256_cbc, "AES-256-CBC", 0
#define KA_ANY      TLS_KX_ANY, TLS_AU_ANY
#define ECDHE_ECDSA TLS_KX_ECDHE, TLS_AU_ECDSA
#define ECDHE_RSA   TLS_KX_ECDHE, TLS_AU_RSA
#define DHE_RSA     TLS_KX_DHE, TLS_AU_RSA
#define RSA_RSA     TLS_KX_RSA, TLS_AU_RSA
#define DEF         TLS_SUITE_F_DEFAULT

static const tls_suite_info suites[] = {
    /* id, versions, kx, au, aead, bits, cipher, PRF hash, MAC hash, flags */
    {TLS_SUITE_AES_256_GCM_SHA384, V13, KA_ANY, AES256GCM, NID_sha384, NID_undef, DEF},
    {TLS_SUITE_CHACHA20_POLY1305_SHA256, V13, KA_ANY, CHACHA, NID_sha256, NID_undef, DEF},
    {TLS_SUITE_AES_128_GCM_SHA256, V13, KA_ANY, AES128GCM, NID_sha256, NID_undef, DEF},
    /* Not in OpenSSL 3.0's default TLS 1.3 list (SSL_CTX_set_ciphersuites(3)). */
    {TLS_SUITE_AES_128_CCM_SHA256, V13, KA_ANY, AES128CCM, NID_sha256, NID_undef, 0},
    {TLS_SUITE_AES_128_CCM_8_SHA256, V13, KA_ANY, AES128CCM8, NID_sha256, NID_undef, 0},
    /* TLS 1.2, in OpenSSL 3.0's default order (openssl ciphers -s -tls1_2). */
    {TLS_SUITE_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, V12, ECDHE_ECDSA, AES256GCM, NID_sha384,
     NID_undef, DEF},
    {TLS_SUITE_ECDHE_RSA_WITH_AES_256_GCM_SHA384, V12, ECDHE_RSA, AES256GCM, NID_sha384, NID_undef,
     DEF},
    {TLS_SUITE_DHE_RSA_WITH_AES_256_GCM_SHA384, V12, DHE_RSA, AES256GCM, NID_sha384, NID_undef,
     DEF},
    {TLS_SUITE_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, V12, ECDHE_ECDSA, CHACHA, NID_sha256,
     NID_undef, DEF},
    {TLS_SUITE_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, V12, ECDHE_RSA, CHACHA, NID_sha256,
     NID_undef, DEF},
    {TLS_SUITE_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256, V12, DHE_RSA, CHACHA, NID_sha256, NID_undef,
     DEF},
    {TLS_SUITE_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, V12, ECDHE_ECDSA, AES128GCM, NID_sha256,
     NID_undef, DEF},
    {TLS_SUITE_ECDHE_RSA_WITH_AES_128_GCM_SHA256, V12, ECDHE_RSA, AES128GCM, NID_sha256, NID_undef,
     DEF},
    {TLS_SUITE_DHE_RSA_WITH_AES_128_GCM_SHA256, V12, DHE_RSA, AES128GCM, NID_sha256, NID_undef,
     DEF},
    /* AES-CCM (RFC 6655, RFC 7251): in OpenSSL's "ALL" order, not its default. */
    {TLS_SUITE_ECDHE_ECDSA_WITH_AES_128_CCM_8, V12, ECDHE_ECDSA, AES128CCM8, NID_sha256, NID_undef,
     0},
    {TLS_SUITE_ECDHE_ECDSA_WITH_AES_128_CCM, V12, ECDHE_ECDSA, AES128CCM, NID_sha256, NID_undef, 0},
    {TLS_SUITE_DHE_RSA_WITH_AES_128_CCM_8, V12, DHE_RSA, AES128CCM8, NID_sha256, NID_undef, 0},
    {TLS_SUITE_DHE_RSA_WITH_AES_128_CCM, V12, DHE_RSA, AES128CCM, NID_sha256, NID_undef, 0},
    {TLS_SUITE_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, V12, ECDHE_ECDSA, AES256CBC, NID_sha384,
     NID_sha384, DEF},
    {TLS_SUITE_ECDHE_RSA_WITH_AES_256_CBC_SHA384, V12, ECDHE_RSA, AES256CBC, NID_sha384, NID_sha384,
     DEF},
    {TLS_SUITE_DHE_RSA_WITH_AES_256_CBC_SHA256, V12, DHE_RSA, AES256CBC, NID_sha256, NID_sha256,
     DEF},
    {TLS_SUITE_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, V12, ECDHE_ECDSA, AES128CBC, NID_sha256,
     NID_sha256, DEF},
    {TLS_SUITE_ECDHE_RSA_WITH_AES_128_CBC_SHA256, V12, ECDHE_RSA, AES128CBC, NID_sha256, NID_sha256,
     DEF},
    {TLS_SUITE_DHE_RSA_WITH_AES_128_CBC_SHA256, V12, DHE_RSA, AES128CBC, NID_sha256, NID_sha256,
     DEF},
    {TLS_SUITE_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, V12, ECDHE_ECDSA, AES256CBC, NID_sha256, NID_sha1,
     DEF},
    {TLS_SUITE_ECDHE_RSA_WITH_AES_256_CBC_SHA, V12, ECDHE_RSA, AES256CBC, NID_sha256, NID_sha1,
     DEF},
    {TLS_SUITE_DHE_RSA_WITH_AES_256_CBC_SHA, V12, DHE_RSA, AES256CBC, NID_sha256, NID_sha1, DEF},
    {TLS_SUITE_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, V12, ECDHE_ECDSA, AES128CBC, NID_sha256, NID_sha1,
     DEF},
    {TLS_SUITE_ECDHE_RSA_WITH_AES_128_CBC_SHA, V12, ECDHE_RSA, AES128CBC, NID_sha256, NID_sha1,
     DEF},
    {TLS_SUITE_DHE_RSA_WITH_AES_128_CBC_SHA, V12, DHE_RSA, AES128CBC, NID_sha256, NID_sha1, DEF},
    {TLS_SUITE_RSA_WITH_AES_256_GCM_SHA384, V12, RSA_RSA, AES256GCM, NID_sha384, NID_undef, DEF},
    {TLS_SUITE_RSA_WITH_AES_128_GCM_SHA256, V12, RSA_RSA, AES128GCM, NID_sha256, NID_undef, DEF},
    {TLS_SUITE_RSA_WITH_AES_256_CBC_SHA256, V12, RSA_RSA, AES256CBC, NID_sha256, NID_sha256, DEF},
    {TLS_SUITE_RSA_WITH_AES_128_CBC_SHA256, V12, RSA_RSA, AES128CBC, NID_sha256, NID_sha256, DEF},
    {TLS_SUITE_RSA_WITH_AES_256_CBC_SHA, V12, RSA_RSA, AES256CBC, NID_sha256, NID_sha1, DEF},
    {TLS_SUITE_RSA_WITH_AES_128_CBC_SHA, V12, RSA_RSA, AES128CBC, NID_sha256, NID_sha1, DEF},
};

const tls_suite_info *tls_suites(size_t *n)
{
    *n = sizeof(suites) / sizeof(suites[0]);
    return suites;
}

const tls_suite_info *tls_suite_by_id(uint16_t id)
{
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
        if (suites[i].id == id)
            return &suites[i];
    return NULL;
}

size_t tls_default_suites(uint16_t version, uint16_t *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]) && k < cap; i++)
        if ((suites[i].flags & TLS_SUITE_F_DEFAULT) && suites[i].min_version == version)
            out[k++] = suites[i].id;
    return k;
}

/* ---------------------------------------------------------------- groups */

static const tls_group groups[] = {
    /* id, key type, EVP group, NID, share bytes, secret bytes, bits */
    {TLS_GROUP_X25519, "X25519", NULL, NID_X25519, 32, 32, 128},
    {TLS_GROUP_SECP256R1, "EC", "prime256v1", NID_X9_62_prime256v1, 65, 32, 128},
    {TLS_GROUP_X448, "X448", NULL, NID_X448, 56, 56, 224},
    {TLS_GROUP_SECP521R1, "EC", "secp521r1", NID_secp521r1, 133, 66, 256},
    {TLS_GROUP_SECP384R1, "EC", "secp384r1", NID_secp384r1, 97, 48, 192},
};

/* OpenSSL 3.0's default supported_groups order (the table's order). */
static const uint16_t default_groups[] = {TLS_GROUP_X25519, TLS_GROUP_SECP256R1, TLS_GROUP_X448,
                                          TLS_GROUP_SECP521R1, TLS_GROUP_SECP384R1};

const tls_group *tls_groups(size_t *n)
{
    *n = sizeof(groups) / sizeof(groups[0]);
    return groups;
}

const tls_group *tls_group_get(uint16_t id)
{
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
        if (groups[i].id == id)
            return &groups[i];
    return NULL;
}

int tls_group_nid(uint16_t group)
{
    const tls_group *g = tls_group_get(group);
    return g != NULL ? g->nid : NID_undef;
}

const uint16_t *tls_default_groups(size_t *n)
{
    *n = sizeof(default_groups) / sizeof(default_groups[0]);
    return default_groups;
}

/* ------------------------------------------------------------- sigalgs */

static const tls_sigalg sigalgs[] = {
    /* id, key type, TLS 1.3 curve, hash, PSS, TLS 1.3, signature type */
    {TLS_SIG_ECDSA_SECP256R1_SHA256, EVP_PKEY_EC, NID_X9_62_prime256v1, NID_sha256, 0, 1,
     EVP_PKEY_EC},
    {TLS_SIG_ECDSA_SECP384R1_SHA384, EVP_PKEY_EC, NID_secp384r1, NID_sha384, 0, 1, EVP_PKEY_EC},
    {TLS_SIG_ECDSA_SECP521R1_SHA512, EVP_PKEY_EC, NID_secp521r1, NID_sha512, 0, 1, EVP_PKEY_EC},
    {TLS_SIG_ED25519, EVP_PKEY_ED25519, NID_undef, NID_undef, 0, 1, EVP_PKEY_ED25519},
    {TLS_SIG_ED448, EVP_PKEY_ED448, NID_undef, NID_undef, 0, 1, EVP_PKEY_ED448},
    {TLS_SIG_RSA_PSS_PSS_SHA256, EVP_PKEY_RSA_PSS, NID_undef, NID_sha256, 1, 1, EVP_PKEY_RSA_PSS},
    {TLS_SIG_RSA_PSS_PSS_SHA384, EVP_PKEY_RSA_PSS, NID_undef, NID_sha384, 1, 1, EVP_PKEY_RSA_PSS},
    {TLS_SIG_RSA_PSS_PSS_SHA512, EVP_PKEY_RSA_PSS, NID_undef, NID_sha512, 1, 1, EVP_PKEY_RSA_PSS},
    {TLS_SIG_RSA_PSS_RSAE_SHA256, EVP_PKEY_RSA, NID_undef, NID_sha256, 1, 1, EVP_PKEY_RSA_PSS},
    {TLS_SIG_RSA_PSS_RSAE_SHA384, EVP_PKEY_RSA, NID_undef, NID_sha384, 1, 1, EVP_PKEY_RSA_PSS},
    {TLS_SIG_RSA_PSS_RSAE_SHA512, EVP_PKEY_RSA, NID_undef, NID_sha512, 1, 1, EVP_PKEY_RSA_PSS},
    {TLS_SIG_RSA_PKCS1_SHA256, EVP_PKEY_RSA, NID_undef, NID_sha256, 0, 0, EVP_PKEY_RSA},
    {TLS_SIG_RSA_PKCS1_SHA384, EVP_PKEY_RSA, NID_undef, NID_sha384, 0, 0, EVP_PKEY_RSA},
    {TLS_SIG_RSA_PKCS1_SHA512, EVP_PKEY_RSA, NID_undef, NID_sha512, 0, 0, EVP_PKEY_RSA},
    {TLS_SIG_ECDSA_SHA1, EVP_PKEY_EC, NID_undef, NID_sha1, 0, 0, EVP_PKEY_EC},
    {TLS_SIG_RSA_PKCS1_SHA1, EVP_PKEY_RSA, NID_undef, NID_sha1, 0, 0, EVP_PKEY_RSA},
};

/* OpenSSL 3.0's default signature_algorithms order, without SHA-224/SHA-1. */
static const uint16_t default_sigalgs[] = {
    TLS_SIG_ECDSA_SECP256R1_SHA256,
    TLS_SIG_ECDSA_SECP384R1_SHA384,
    TLS_SIG_ECDSA_SECP521R1_SHA512,
    TLS_SIG_ED25519,
    TLS_SIG_ED448,
    TLS_SIG_RSA_PSS_PSS_SHA256,
    TLS_SIG_RSA_PSS_PSS_SHA384,
    TLS_SIG_RSA_PSS_PSS_SHA512,
    TLS_SIG_RSA_PSS_RSAE_SHA256,
    TLS_SIG_RSA_PSS_RSAE_SHA384,
    TLS_SIG_RSA_PSS_RSAE_SHA512,
    TLS_SIG_RSA_PKCS1_SHA256,
    TLS_SIG_RSA_PKCS1_SHA384,
    TLS_SIG_RSA_PKCS1_SHA512,
};

const tls_sigalg *tls_sigalgs(size_t *n)
{
    *n = sizeof(sigalgs) / sizeof(sigalgs[0]);
    return sigalgs;
}

const tls_sigalg *tls_sigalg_get(uint16_t id)
{
    for (size_t i = 0; i < sizeof(sigalgs) / sizeof(sigalgs[0]); i++)
        if (sigalgs[i].id == id)
            return &sigalgs[i];
    return NULL;
}

const uint16_t *tls_default_sigalgs(size_t *n)
{
    *n = sizeof(default_sigalgs) / sizeof(default_sigalgs[0]);
    return default_sigalgs;
}
