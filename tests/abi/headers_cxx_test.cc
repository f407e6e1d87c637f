// C++ programs (nginx modules, Qt, grpc...) include ssl.h too: our headers
// must compile as C++, keep C linkage, and give the expected types there.
// Everything here is unevaluated, so nothing needs linking.
#include <openssl/ssl.h>
#include <openssl/tls1.h>
#include <openssl/srtp.h>
#include <openssl/sslerr.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <type_traits>

static_assert(std::is_same<decltype(&SSL_read), int (*)(SSL *, void *, int)>::value, "SSL_read");
static_assert(std::is_same<decltype(&SSL_CTX_set_options), uint64_t (*)(SSL_CTX *, uint64_t)>::value,
              "SSL_CTX_set_options takes and returns uint64_t in 3.0");
static_assert(std::is_same<decltype(&SSL_get_info_callback),
                           void (*(*)(const SSL *))(const SSL *, int, int)>::value,
              "SSL_get_info_callback");
static_assert(std::is_same<decltype(SSL_OP_NO_TLSv1_3), uint64_t>::value, "SSL_OP_* are uint64_t");
static_assert(SSL_OP_NO_TLSv1_3 == (uint64_t)1 << 29, "SSL_OP_NO_TLSv1_3");
static_assert(TLS1_3_VERSION == 0x0304, "TLS1_3_VERSION");
static_assert(SSL_ERROR_WANT_READ == 2 && SSL_ERROR_ZERO_RETURN == 6, "SSL_ERROR_*");
static_assert(SSL_R_WRONG_VERSION_NUMBER == 267, "SSL_R_WRONG_VERSION_NUMBER");
static_assert(SSL_CT_VALIDATION_STRICT == 1, "CT validation enum");

// ctrl wrappers expand to calls with the right result type
static_assert(std::is_same<decltype(SSL_CTX_set_mode((SSL_CTX *)nullptr, SSL_MODE_AUTO_RETRY)),
                           long>::value,
              "SSL_CTX_set_mode");
static_assert(std::is_same<decltype(SSL_set_tlsext_host_name((SSL *)nullptr, "example.com")),
                           long>::value,
              "SSL_set_tlsext_host_name");
static_assert(std::is_same<decltype(sk_SSL_CIPHER_value((STACK_OF(SSL_CIPHER) *)nullptr, 0)),
                           const SSL_CIPHER *>::value,
              "sk_SSL_CIPHER_value");

TEST(HeadersCxx, ConstantsUsableAtRunTime)
{
    // string constants and expressions survive as values a program can use
    EXPECT_STREQ(TLS1_TXT_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256");
    EXPECT_STREQ(SSL_TXT_TLSV1_2, "TLSv1.2");
    EXPECT_EQ(SSL3_RT_MAX_PLAIN_LENGTH, 16384);
    EXPECT_EQ(SRTP_AES128_CM_SHA1_80, 0x0001UL);
    EXPECT_EQ(sizeof(SRTP_PROTECTION_PROFILE), sizeof(const char *) + sizeof(unsigned long));
}
