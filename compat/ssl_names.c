/*
 * The names OpenSSL 3.0 gives to groups and signature schemes, attached to
 * core's code points (core/algs.h) in one id-keyed place. Cipher suite names
 * and texts are the generated compat/ssl_cipher_table.h (SSL_CIPHER objects).
 *
 * Core's descriptors carry no names; everything an application can spell
 * or read back (SSL_CTX_set1_groups_list, SSL_group_to_name,
 * SSL_CTX_set1_sigalgs_list, SSL_get0_group_name...) goes through here.
 * Decisions are never taken on these strings: compat asks core's typed
 * descriptors (tls_group_get, tls_sigalg_get, tls_suite_by_id).
 */
#include "compat/compat.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/obj_mac.h>

/* --- groups -------------------------------------------------------------------- */

/*
 * Per NamedGroup: its NID, the name OpenSSL's group lists take first
 * ("X25519", "P-256"; NULL: not accepted in a list), and the name
 * SSL_group_to_name returns (the RFC's).
 */
static const struct {
    uint16_t id;
    int nid;
    const char *list_name;
    const char *tls_name;
} group_names[] = {
    {TLS_GROUP_SECP256R1, NID_X9_62_prime256v1, "P-256", "secp256r1"},
    {TLS_GROUP_SECP384R1, NID_secp384r1, "P-384", "secp384r1"},
    {TLS_GROUP_SECP521R1, NID_secp521r1, "P-521", "secp521r1"},
    {TLS_GROUP_BRAINPOOLP256R1, NID_brainpoolP256r1, NULL, "brainpoolP256r1"},
    {TLS_GROUP_BRAINPOOLP384R1, NID_brainpoolP384r1, NULL, "brainpoolP384r1"},
    {TLS_GROUP_BRAINPOOLP512R1, NID_brainpoolP512r1, NULL, "brainpoolP512r1"},
    {TLS_GROUP_X25519, NID_X25519, "X25519", "x25519"},
    {TLS_GROUP_X448, NID_X448, "X448", "x448"},
    {TLS_GROUP_FFDHE2048, NID_ffdhe2048, NULL, "ffdhe2048"},
    {TLS_GROUP_FFDHE3072, NID_ffdhe3072, NULL, "ffdhe3072"},
    {TLS_GROUP_FFDHE4096, NID_ffdhe4096, NULL, "ffdhe4096"},
    {TLS_GROUP_FFDHE6144, NID_ffdhe6144, NULL, "ffdhe6144"},
    {TLS_GROUP_FFDHE8192, NID_ffdhe8192, NULL, "ffdhe8192"},
};
#define N_GROUP_NAMES (sizeof(group_names) / sizeof(group_names[0]))

/* Other spellings OpenSSL accepts in a groups list. */
static const struct {
    const char *alias;
    uint16_t id;
} group_aliases[] = {
    {"x25519", TLS_GROUP_X25519},       {"x448", TLS_GROUP_X448},
    {"secp256r1", TLS_GROUP_SECP256R1}, {"prime256v1", TLS_GROUP_SECP256R1},
    {"secp384r1", TLS_GROUP_SECP384R1}, {"secp521r1", TLS_GROUP_SECP521R1},
};

uint16_t shimssl_group_by_name(const char *name)
{
    if (name == NULL)
        return 0;
    for (size_t i = 0; i < N_GROUP_NAMES; i++)
        if (group_names[i].list_name != NULL && strcmp(group_names[i].list_name, name) == 0)
            return tls_group_get(group_names[i].id) != NULL ? group_names[i].id : 0;
    for (size_t i = 0; i < sizeof(group_aliases) / sizeof(group_aliases[0]); i++)
        if (strcmp(group_aliases[i].alias, name) == 0)
            return group_aliases[i].id;
    return 0;
}

const char *shimssl_group_list_name(uint16_t id)
{
    for (size_t i = 0; i < N_GROUP_NAMES; i++)
        if (group_names[i].id == id && tls_group_get(id) != NULL)
            return group_names[i].list_name;
    return NULL;
}

uint16_t shimssl_group_from_nid(int nid)
{
    for (size_t i = 0; i < N_GROUP_NAMES; i++)
        if (group_names[i].nid == nid && tls_group_get(group_names[i].id) != NULL)
            return group_names[i].id;
    return 0;
}

const char *SSL_group_to_name(SSL *s, int nid)
{
    (void)s;
    for (size_t i = 0; i < N_GROUP_NAMES; i++) {
        if ((nid & TLSEXT_nid_unknown) ? group_names[i].id == (nid & 0xFFFF)
                                       : group_names[i].nid == nid)
            return group_names[i].tls_name;
    }
    return NULL;
}

/* --- signature schemes ------------------------------------------------------- */

/*
 * OpenSSL 3.0's view of each SignatureScheme it knows: its list name (RFC
 * 8446's; NULL: OpenSSL accepts it as a "SIG+HASH" pair only), the
 * signature key type, hash and combined signature+hash NIDs (NID_undef
 * where OpenSSL has none). A "SIG+HASH" pair names the first row with that
 * key type and hash, so RSA-PSS means the rsae variant.
 */
static const shimssl_sigalg_info sigalg_names[] = {
    {TLS_SIG_ECDSA_SECP256R1_SHA256, "ecdsa_secp256r1_sha256", EVP_PKEY_EC, NID_sha256,
     NID_ecdsa_with_SHA256},
    {TLS_SIG_ECDSA_SECP384R1_SHA384, "ecdsa_secp384r1_sha384", EVP_PKEY_EC, NID_sha384,
     NID_ecdsa_with_SHA384},
    {TLS_SIG_ECDSA_SECP521R1_SHA512, "ecdsa_secp521r1_sha512", EVP_PKEY_EC, NID_sha512,
     NID_ecdsa_with_SHA512},
    {TLS_SIG_ED25519, "ed25519", EVP_PKEY_ED25519, NID_undef, NID_undef},
    {TLS_SIG_ED448, "ed448", EVP_PKEY_ED448, NID_undef, NID_undef},
    {TLS_SIG_ECDSA_SHA224, NULL, EVP_PKEY_EC, NID_sha224, NID_ecdsa_with_SHA224},
    {TLS_SIG_ECDSA_SHA1, NULL, EVP_PKEY_EC, NID_sha1, NID_ecdsa_with_SHA1},
    {TLS_SIG_RSA_PSS_RSAE_SHA256, "rsa_pss_rsae_sha256", EVP_PKEY_RSA_PSS, NID_sha256, NID_undef},
    {TLS_SIG_RSA_PSS_RSAE_SHA384, "rsa_pss_rsae_sha384", EVP_PKEY_RSA_PSS, NID_sha384, NID_undef},
    {TLS_SIG_RSA_PSS_RSAE_SHA512, "rsa_pss_rsae_sha512", EVP_PKEY_RSA_PSS, NID_sha512, NID_undef},
    {TLS_SIG_RSA_PSS_PSS_SHA256, "rsa_pss_pss_sha256", EVP_PKEY_RSA_PSS, NID_sha256, NID_undef},
    {TLS_SIG_RSA_PSS_PSS_SHA384, "rsa_pss_pss_sha384", EVP_PKEY_RSA_PSS, NID_sha384, NID_undef},
    {TLS_SIG_RSA_PSS_PSS_SHA512, "rsa_pss_pss_sha512", EVP_PKEY_RSA_PSS, NID_sha512, NID_undef},
    {TLS_SIG_RSA_PKCS1_SHA256, "rsa_pkcs1_sha256", EVP_PKEY_RSA, NID_sha256,
     NID_sha256WithRSAEncryption},
    {TLS_SIG_RSA_PKCS1_SHA384, "rsa_pkcs1_sha384", EVP_PKEY_RSA, NID_sha384,
     NID_sha384WithRSAEncryption},
    {TLS_SIG_RSA_PKCS1_SHA512, "rsa_pkcs1_sha512", EVP_PKEY_RSA, NID_sha512,
     NID_sha512WithRSAEncryption},
    {TLS_SIG_RSA_PKCS1_SHA224, "rsa_pkcs1_sha224", EVP_PKEY_RSA, NID_sha224,
     NID_sha224WithRSAEncryption},
    {TLS_SIG_RSA_PKCS1_SHA1, "rsa_pkcs1_sha1", EVP_PKEY_RSA, NID_sha1, NID_sha1WithRSAEncryption},
    {TLS_SIG_DSA_SHA256, NULL, EVP_PKEY_DSA, NID_sha256, NID_dsa_with_SHA256},
    {TLS_SIG_DSA_SHA384, NULL, EVP_PKEY_DSA, NID_sha384, NID_undef},
    {TLS_SIG_DSA_SHA512, NULL, EVP_PKEY_DSA, NID_sha512, NID_undef},
    {TLS_SIG_DSA_SHA224, NULL, EVP_PKEY_DSA, NID_sha224, NID_undef},
    {TLS_SIG_DSA_SHA1, NULL, EVP_PKEY_DSA, NID_sha1, NID_dsaWithSHA1},
};
#define N_SIGALG_NAMES (sizeof(sigalg_names) / sizeof(sigalg_names[0]))

const shimssl_sigalg_info *shimssl_sigalg_info_get(uint16_t id)
{
    for (size_t i = 0; i < N_SIGALG_NAMES; i++)
        if (sigalg_names[i].id == id)
            return &sigalg_names[i];
    return NULL;
}

const char *shimssl_sigalg_name(uint16_t id)
{
    const shimssl_sigalg_info *a = shimssl_sigalg_info_get(id);

    return a != NULL ? a->name : NULL;
}

uint16_t shimssl_sigalg_by_name(const char *name)
{
    for (size_t i = 0; i < N_SIGALG_NAMES; i++)
        if (sigalg_names[i].name != NULL && strcmp(sigalg_names[i].name, name) == 0)
            return sigalg_names[i].id;
    return 0;
}

uint16_t shimssl_sigalg_by_pair(int sig, int hash_nid)
{
    for (size_t i = 0; i < N_SIGALG_NAMES; i++)
        if (sigalg_names[i].sig == sig && sigalg_names[i].hash == hash_nid)
            return sigalg_names[i].id;
    return 0;
}
