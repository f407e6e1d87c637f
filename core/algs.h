/*
 * core/algs: one typed descriptor per cipher suite, named group and
 * signature scheme, and a named constant for every code point.
 *
 * This is the only place that states what an algorithm *is* (its code
 * point, versions, key exchange, cipher, hashes, sizes). It holds no
 * display text: the names OpenSSL shows (cipher names, "Kx=ECDH", group
 * and sigalg names) are compat's, attached by id (compat/ssl_names.c and
 * the generated compat/ssl_cipher_table.h). Fetching the EVP objects behind
 * a descriptor is core/crypto.c's business, once per library context.
 *
 * To add an algorithm: a constant below and an entry in core/algs.c (see
 * docs/HACKING.md, "How to add a suite, group or signature scheme").
 */
#ifndef SHIMSSL_CORE_ALGS_H
#define SHIMSSL_CORE_ALGS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* --- cipher suite code points (IANA TLS Cipher Suites registry) ---------- */
/* TLS 1.3 (RFC 8446 B.4) */
#define TLS_SUITE_AES_128_GCM_SHA256       0x1301
#define TLS_SUITE_AES_256_GCM_SHA384       0x1302
#define TLS_SUITE_CHACHA20_POLY1305_SHA256 0x1303
#define TLS_SUITE_AES_128_CCM_SHA256       0x1304
#define TLS_SUITE_AES_128_CCM_8_SHA256     0x1305
/* TLS 1.2: RSA key transport (RFC 5246, RFC 5288) */
#define TLS_SUITE_RSA_WITH_AES_128_CBC_SHA    0x002F
#define TLS_SUITE_RSA_WITH_AES_256_CBC_SHA    0x0035
#define TLS_SUITE_RSA_WITH_AES_128_CBC_SHA256 0x003C
#define TLS_SUITE_RSA_WITH_AES_256_CBC_SHA256 0x003D
#define TLS_SUITE_RSA_WITH_AES_128_GCM_SHA256 0x009C
#define TLS_SUITE_RSA_WITH_AES_256_GCM_SHA384 0x009D
/* TLS 1.2: finite-field DHE (RFC 5246, RFC 5288, RFC 7905) */
#define TLS_SUITE_DHE_RSA_WITH_AES_128_CBC_SHA          0x0033
#define TLS_SUITE_DHE_RSA_WITH_AES_256_CBC_SHA          0x0039
#define TLS_SUITE_DHE_RSA_WITH_AES_128_CBC_SHA256       0x0067
#define TLS_SUITE_DHE_RSA_WITH_AES_256_CBC_SHA256       0x006B
#define TLS_SUITE_DHE_RSA_WITH_AES_128_GCM_SHA256       0x009E
#define TLS_SUITE_DHE_RSA_WITH_AES_256_GCM_SHA384       0x009F
#define TLS_SUITE_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 0xCCAA
/* TLS 1.2: AES-CCM (RFC 6655, RFC 7251) */
#define TLS_SUITE_DHE_RSA_WITH_AES_128_CCM       0xC09E
#define TLS_SUITE_DHE_RSA_WITH_AES_128_CCM_8     0xC0A2
#define TLS_SUITE_ECDHE_ECDSA_WITH_AES_128_CCM   0xC0AC
#define TLS_SUITE_ECDHE_ECDSA_WITH_AES_128_CCM_8 0xC0AE
/* TLS 1.2: ECDHE (RFC 8422, RFC 5289, RFC 7905) */
#define TLS_SUITE_ECDHE_ECDSA_WITH_AES_128_CBC_SHA          0xC009
#define TLS_SUITE_ECDHE_ECDSA_WITH_AES_256_CBC_SHA          0xC00A
#define TLS_SUITE_ECDHE_RSA_WITH_AES_128_CBC_SHA            0xC013
#define TLS_SUITE_ECDHE_RSA_WITH_AES_256_CBC_SHA            0xC014
#define TLS_SUITE_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256       0xC023
#define TLS_SUITE_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384       0xC024
#define TLS_SUITE_ECDHE_RSA_WITH_AES_128_CBC_SHA256         0xC027
#define TLS_SUITE_ECDHE_RSA_WITH_AES_256_CBC_SHA384         0xC028
#define TLS_SUITE_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256       0xC02B
#define TLS_SUITE_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384       0xC02C
#define TLS_SUITE_ECDHE_RSA_WITH_AES_128_GCM_SHA256         0xC02F
#define TLS_SUITE_ECDHE_RSA_WITH_AES_256_GCM_SHA384         0xC030
#define TLS_SUITE_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256   0xCCA8
#define TLS_SUITE_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 0xCCA9
/* RFC 7905's PSK ChaCha20 suites: not implemented, but OpenSSL counts them
 * as ChaCha20 when it reads a client's preference (tls_suite_is_chacha). */
#define TLS_SUITE_PSK_WITH_CHACHA20_POLY1305_SHA256     0xCCAB
#define TLS_SUITE_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256 0xCCAE
/* Signalling values that stand in a cipher_suites list */
#define TLS_SUITE_EMPTY_RENEGOTIATION_INFO_SCSV 0x00FF /* RFC 5746 3.3 */
#define TLS_SUITE_FALLBACK_SCSV                 0x5600 /* RFC 7507 */

/* --- NamedGroup code points (RFC 8446 4.2.7, RFC 7919) ------------------- */
#define TLS_GROUP_SECP256R1       0x0017
#define TLS_GROUP_SECP384R1       0x0018
#define TLS_GROUP_SECP521R1       0x0019
#define TLS_GROUP_BRAINPOOLP256R1 0x001A
#define TLS_GROUP_BRAINPOOLP384R1 0x001B
#define TLS_GROUP_BRAINPOOLP512R1 0x001C
#define TLS_GROUP_X25519          0x001D
#define TLS_GROUP_X448            0x001E
#define TLS_GROUP_FFDHE2048       0x0100
#define TLS_GROUP_FFDHE3072       0x0101
#define TLS_GROUP_FFDHE4096       0x0102
#define TLS_GROUP_FFDHE6144       0x0103
#define TLS_GROUP_FFDHE8192       0x0104

/* --- SignatureScheme code points (RFC 8446 4.2.3; RFC 5246 7.4.1.4.1
 * hash/signature pairs for the legacy ones) ------------------------------ */
#define TLS_SIG_RSA_PKCS1_SHA1         0x0201
#define TLS_SIG_DSA_SHA1               0x0202
#define TLS_SIG_ECDSA_SHA1             0x0203
#define TLS_SIG_RSA_PKCS1_SHA224       0x0301
#define TLS_SIG_DSA_SHA224             0x0302
#define TLS_SIG_ECDSA_SHA224           0x0303
#define TLS_SIG_RSA_PKCS1_SHA256       0x0401
#define TLS_SIG_DSA_SHA256             0x0402
#define TLS_SIG_ECDSA_SECP256R1_SHA256 0x0403
#define TLS_SIG_RSA_PKCS1_SHA384       0x0501
#define TLS_SIG_DSA_SHA384             0x0502
#define TLS_SIG_ECDSA_SECP384R1_SHA384 0x0503
#define TLS_SIG_RSA_PKCS1_SHA512       0x0601
#define TLS_SIG_DSA_SHA512             0x0602
#define TLS_SIG_ECDSA_SECP521R1_SHA512 0x0603
#define TLS_SIG_RSA_PSS_RSAE_SHA256    0x0804
#define TLS_SIG_RSA_PSS_RSAE_SHA384    0x0805
#define TLS_SIG_RSA_PSS_RSAE_SHA512    0x0806
#define TLS_SIG_ED25519                0x0807
#define TLS_SIG_ED448                  0x0808
#define TLS_SIG_RSA_PSS_PSS_SHA256     0x0809
#define TLS_SIG_RSA_PSS_PSS_SHA384     0x080A
#define TLS_SIG_RSA_PSS_PSS_SHA512     0x080B

/* --- cipher suites ------------------------------------------------------- */
/* Key exchange and authentication. TLS 1.3 suites name neither (ANY). */
enum { TLS_KX_ANY = 0, TLS_KX_ECDHE = 1, TLS_KX_DHE = 2, TLS_KX_RSA = 3 };
enum { TLS_AU_ANY = 0, TLS_AU_RSA = 1, TLS_AU_ECDSA = 2, TLS_AU_NONE = 3 };

typedef struct tls_suite_info {
    uint16_t id;          /* TLS_SUITE_* */
    uint16_t min_version; /* TLS_V12 or TLS_V13 (core/tls.h) */
    uint16_t max_version;
    uint8_t kx;        /* TLS_KX_* */
    uint8_t au;        /* TLS_AU_* */
    uint8_t aead;      /* 1 AEAD, 0 CBC + HMAC (TLS 1.2 only) */
    int strength_bits; /* security bits of the record protection */
    int alg_bits;
    int cipher_nid;           /* NID of the record cipher */
    const char *cipher_fetch; /* its EVP_CIPHER_fetch name */
    uint8_t tag_len;          /* AEAD tag bytes (16, or 8 for the CCM_8 suites); 0 CBC */
    int digest_nid;           /* PRF / handshake hash (SHA-256 or SHA-384) */
    int mac_nid;              /* CBC suites: the HMAC's hash; NID_undef for AEAD */
    unsigned flags;           /* TLS_SUITE_F_* */
} tls_suite_info;

/* Enabled by default (in OpenSSL 3.0's default list for its version): core
 * offers and accepts it when the configuration names no suites. */
#define TLS_SUITE_F_DEFAULT 0x1u

/* All suites core implements, in OpenSSL 3.0's default preference order
 * (TLS 1.3 first); *n set. */
const tls_suite_info *tls_suites(size_t *n);
const tls_suite_info *tls_suite_by_id(uint16_t id);
/* The suites of `version` (TLS_V12 or TLS_V13) that OpenSSL 3.0 enables by
 * default, in its order (the table's): up to cap of them into out. */
size_t tls_default_suites(uint16_t version, uint16_t *out, size_t cap);
#define TLS_MAX_DEFAULT_SUITES 32

/* --- named groups (key exchange) ----------------------------------------- */
typedef struct tls_group {
    uint16_t id;       /* TLS_GROUP_* */
    const char *alg;   /* key type for EVP_PKEY_CTX_new_from_name: "X25519", "EC" */
    const char *curve; /* EVP group name "prime256v1"... for EC groups, else NULL */
    int nid;           /* NID_X25519, NID_X9_62_prime256v1 ... */
    size_t share_len;  /* key_share bytes: 32, 56, 65, 97, 133 */
    size_t secret_len; /* shared secret bytes */
    int bits;          /* security bits */
} tls_group;

/* The groups core implements for (EC)DHE key shares, in OpenSSL 3.0's
 * default supported_groups order; *n set. */
const tls_group *tls_groups(size_t *n);
const tls_group *tls_group_get(uint16_t id);
int tls_group_nid(uint16_t group); /* NID_undef if unknown */
/* Core's default supported_groups list. */
const uint16_t *tls_default_groups(size_t *n);

/* --- signature schemes --------------------------------------------------- */
typedef struct tls_sigalg {
    uint16_t id;   /* TLS_SIG_* */
    int pkey_type; /* EVP_PKEY_RSA, EVP_PKEY_RSA_PSS, EVP_PKEY_EC, EVP_PKEY_ED25519 ... */
    int curve_nid; /* ECDSA in TLS 1.3: the curve it is bound to, else NID_undef */
    int hash_nid;  /* NID_sha256 ...; NID_undef for EdDSA */
    int pss;       /* RSASSA-PSS padding */
    int tls13;     /* usable in a TLS 1.3 CertificateVerify */
    int sig_nid;   /* what SSL_get_peer_signature_type_nid reports (pkey NID) */
} tls_sigalg;

const tls_sigalg *tls_sigalgs(size_t *n);
const tls_sigalg *tls_sigalg_get(uint16_t id);
/* Core's default signature_algorithms list (OpenSSL 3.0's, without SHA-1
 * and SHA-224). */
const uint16_t *tls_default_sigalgs(size_t *n);

#ifdef __cplusplus
}
#endif

#endif
