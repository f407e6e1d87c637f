// The names compat attaches to core's code points (compat/ssl_names.c and
// the SSL_CIPHER table): every suite, group and scheme core implements has
// OpenSSL 3.0's name, and the names read back to the same code point.
// Expected names are OpenSSL's (`openssl ciphers -stdname`, the groups and
// sigalgs lists of SSL_CTX_set1_groups_list(3) / SSL_CTX_set1_sigalgs_list(3)).
#include <gtest/gtest.h>

#include <openssl/ssl.h>

#include <string>

extern "C" {
#include "compat/compat.h"
#include "compat/init.h"
}

TEST(Names, EveryCoreSuiteHasAnSslCipher)
{
    size_t n = 0;
    const tls_suite_info *all = tls_suites(&n);
    for (size_t i = 0; i < n; i++) {
        const SSL_CIPHER *c = shimssl_cipher_by_id(all[i].id);
        ASSERT_NE(c, nullptr) << std::hex << all[i].id;
        EXPECT_EQ(SSL_CIPHER_get_protocol_id(c), all[i].id);
        EXPECT_EQ(std::string(OPENSSL_cipher_name(SSL_CIPHER_standard_name(c))),
                  SSL_CIPHER_get_name(c));
    }
    EXPECT_STREQ(SSL_CIPHER_get_name(shimssl_cipher_by_id(TLS_SUITE_ECDHE_RSA_WITH_AES_128_GCM_SHA256)),
                 "ECDHE-RSA-AES128-GCM-SHA256");
    EXPECT_STREQ(
        SSL_CIPHER_standard_name(shimssl_cipher_by_id(TLS_SUITE_ECDHE_RSA_WITH_AES_128_GCM_SHA256)),
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    EXPECT_STREQ(SSL_CIPHER_get_name(shimssl_cipher_by_id(TLS_SUITE_AES_128_GCM_SHA256)),
                 "TLS_AES_128_GCM_SHA256");
}

TEST(Names, Groups)
{
    size_t n = 0;
    const tls_group *all = tls_groups(&n);
    for (size_t i = 0; i < n; i++) {
        const char *name = shimssl_group_list_name(all[i].id);
        ASSERT_NE(name, nullptr) << all[i].id;
        EXPECT_EQ(shimssl_group_by_name(name), all[i].id) << name;
        EXPECT_EQ(shimssl_group_from_nid(all[i].nid), all[i].id) << name;
        EXPECT_NE(SSL_group_to_name(nullptr, all[i].nid), nullptr) << name;
    }
    EXPECT_STREQ(shimssl_group_list_name(TLS_GROUP_X25519), "X25519");
    EXPECT_STREQ(shimssl_group_list_name(TLS_GROUP_SECP256R1), "P-256");
    EXPECT_STREQ(shimssl_group_list_name(TLS_GROUP_SECP384R1), "P-384");
    EXPECT_STREQ(shimssl_group_list_name(TLS_GROUP_SECP521R1), "P-521");
    EXPECT_STREQ(shimssl_group_list_name(TLS_GROUP_X448), "X448");
    EXPECT_EQ(shimssl_group_list_name(0x1234), nullptr);
    EXPECT_EQ(shimssl_group_by_name("X25519"), TLS_GROUP_X25519);
    EXPECT_EQ(shimssl_group_by_name("x25519"), TLS_GROUP_X25519);
    EXPECT_EQ(shimssl_group_by_name("P-256"), TLS_GROUP_SECP256R1);
    EXPECT_EQ(shimssl_group_by_name("prime256v1"), TLS_GROUP_SECP256R1);
    EXPECT_EQ(shimssl_group_by_name("secp256r1"), TLS_GROUP_SECP256R1);
    EXPECT_EQ(shimssl_group_by_name("secp384r1"), TLS_GROUP_SECP384R1);
    EXPECT_EQ(shimssl_group_by_name("nonsense"), 0);
    EXPECT_EQ(shimssl_group_by_name(nullptr), 0);
    EXPECT_STREQ(SSL_group_to_name(nullptr, NID_X25519), "x25519");
    EXPECT_STREQ(SSL_group_to_name(nullptr, NID_X9_62_prime256v1), "secp256r1");
    EXPECT_STREQ(SSL_group_to_name(nullptr, TLSEXT_nid_unknown | TLS_GROUP_FFDHE2048), "ffdhe2048");
}

TEST(Names, Sigalgs)
{
    size_t n = 0;
    const tls_sigalg *all = tls_sigalgs(&n);
    for (size_t i = 0; i < n; i++) {
        // OpenSSL 3.0 has no list name for ecdsa_sha1 (`openssl s_client
        // -sigalgs ecdsa_sha1` is refused): "ECDSA+SHA1" names it.
        const char *name = shimssl_sigalg_name(all[i].id);
        if (all[i].id == TLS_SIG_ECDSA_SHA1) {
            EXPECT_EQ(name, nullptr);
            continue;
        }
        ASSERT_NE(name, nullptr) << all[i].id;
        EXPECT_EQ(shimssl_sigalg_by_name(name), all[i].id) << name;
    }
    EXPECT_EQ(shimssl_sigalg_by_pair(EVP_PKEY_EC, NID_sha1), TLS_SIG_ECDSA_SHA1);
    EXPECT_STREQ(shimssl_sigalg_name(TLS_SIG_RSA_PSS_RSAE_SHA256), "rsa_pss_rsae_sha256");
    EXPECT_STREQ(shimssl_sigalg_name(TLS_SIG_RSA_PSS_PSS_SHA256), "rsa_pss_pss_sha256");
    EXPECT_STREQ(shimssl_sigalg_name(TLS_SIG_ECDSA_SECP256R1_SHA256), "ecdsa_secp256r1_sha256");
    EXPECT_STREQ(shimssl_sigalg_name(TLS_SIG_ED25519), "ed25519");
    EXPECT_STREQ(shimssl_sigalg_name(TLS_SIG_RSA_PKCS1_SHA256), "rsa_pkcs1_sha256");
    EXPECT_STREQ(shimssl_sigalg_name(TLS_SIG_RSA_PKCS1_SHA1), "rsa_pkcs1_sha1");
    EXPECT_EQ(shimssl_sigalg_name(0xfefe), nullptr);
    EXPECT_EQ(shimssl_sigalg_by_name("ecdsa_secp384r1_sha384"), TLS_SIG_ECDSA_SECP384R1_SHA384);
    EXPECT_EQ(shimssl_sigalg_by_name("ed448"), TLS_SIG_ED448);
    EXPECT_EQ(shimssl_sigalg_by_name("bogus"), 0);
    EXPECT_EQ(shimssl_sigalg_by_pair(EVP_PKEY_RSA_PSS, NID_sha384), TLS_SIG_RSA_PSS_RSAE_SHA384);
    EXPECT_EQ(shimssl_sigalg_by_pair(EVP_PKEY_DSA, NID_sha256), TLS_SIG_DSA_SHA256);
}
