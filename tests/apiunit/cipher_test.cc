// SSL_CIPHER objects and the cipher configuration calls, as an application
// sees them: names, texts and numbers of single suites, and the lists that
// cipher strings produce, compared with what the system's OpenSSL 3.0
// (`openssl ciphers`, run without the shim) lists for the same string.
#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include <string>
#include <vector>

#include "apiunit/divergence.h"
#include "testlib/testlib.h"

namespace
{

const SSL_CIPHER *find(SSL *s, uint16_t id)
{
    unsigned char b[2] = {(unsigned char)(id >> 8), (unsigned char)id};
    return SSL_CIPHER_find(s, b);
}

int tls13_count(STACK_OF(SSL_CIPHER) * sk)
{
    int n = 0;
    for (int i = 0; i < sk_SSL_CIPHER_num(sk); i++)
        n += std::string(SSL_CIPHER_get_version(sk_SSL_CIPHER_value(sk, i))) == "TLSv1.3";
    return n;
}

std::vector<std::string> names(STACK_OF(SSL_CIPHER) * sk)
{
    std::vector<std::string> v;
    for (int i = 0; i < sk_SSL_CIPHER_num(sk); i++)
        v.push_back(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(sk, i)));
    return v;
}

std::vector<std::string> tls12_names(STACK_OF(SSL_CIPHER) * sk)
{
    std::vector<std::string> v;
    for (int i = 0; i < sk_SSL_CIPHER_num(sk); i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(sk, i);
        if (std::string(SSL_CIPHER_get_version(c)) != "TLSv1.3")
            v.push_back(SSL_CIPHER_get_name(c));
    }
    return v;
}

std::string join(const std::vector<std::string> &v)
{
    std::string s;
    for (const auto &n : v)
        s += (s.empty() ? "" : ":") + n;
    return s;
}

class CipherApi : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        ASSERT_EQ(OPENSSL_init_ssl(0, nullptr), 1);
        ctx = SSL_CTX_new(TLS_method());
        ASSERT_NE(ctx, nullptr);
        ssl = SSL_new(ctx);
        ASSERT_NE(ssl, nullptr);
    }
    void TearDown() override
    {
        SSL_free(ssl);
        SSL_CTX_free(ctx);
        ERR_clear_error();
    }
    SSL_CTX *ctx = nullptr;
    SSL *ssl = nullptr;
};

TEST_F(CipherApi, Tls13SuiteGetters)
{
    const SSL_CIPHER *c = find(ssl, 0x1301);
    ASSERT_NE(c, nullptr);
    EXPECT_STREQ(SSL_CIPHER_get_name(c), "TLS_AES_128_GCM_SHA256");
    EXPECT_STREQ(SSL_CIPHER_standard_name(c), "TLS_AES_128_GCM_SHA256");
    EXPECT_STREQ(SSL_CIPHER_get_version(c), "TLSv1.3");
    int alg = 0;
    EXPECT_EQ(SSL_CIPHER_get_bits(c, &alg), 128);
    EXPECT_EQ(alg, 128);
    EXPECT_EQ(SSL_CIPHER_get_id(c), 0x03001301u);
    EXPECT_EQ(SSL_CIPHER_get_protocol_id(c), 0x1301);
    EXPECT_EQ(SSL_CIPHER_is_aead(c), 1);
    EXPECT_EQ(SSL_CIPHER_get_cipher_nid(c), NID_aes_128_gcm);
    EXPECT_EQ(SSL_CIPHER_get_digest_nid(c), NID_undef);
    EXPECT_EQ(SSL_CIPHER_get_kx_nid(c), NID_kx_any);
    EXPECT_EQ(SSL_CIPHER_get_auth_nid(c), NID_auth_any);
    ASSERT_NE(SSL_CIPHER_get_handshake_digest(c), nullptr);
    EXPECT_EQ(EVP_MD_get_type(SSL_CIPHER_get_handshake_digest(c)), NID_sha256);
    char buf[128];
    EXPECT_STREQ(SSL_CIPHER_description(c, buf, sizeof(buf)),
                 "TLS_AES_128_GCM_SHA256         TLSv1.3 Kx=any      Au=any   Enc=AESGCM(128)      "
                 "      Mac=AEAD\n");
    EXPECT_EQ(SSL_CIPHER_description(c, buf, 64), nullptr);
    char *owned = SSL_CIPHER_description(c, nullptr, 0);
    ASSERT_NE(owned, nullptr);
    EXPECT_EQ(std::string(owned), std::string(buf));
    OPENSSL_free(owned);
    EXPECT_STREQ(SSL_CIPHER_get_name(find(ssl, 0x1303)), "TLS_CHACHA20_POLY1305_SHA256");
    EXPECT_EQ(SSL_CIPHER_get_cipher_nid(find(ssl, 0x1303)), NID_chacha20_poly1305);
}

TEST_F(CipherApi, Tls12SuiteGetters)
{
    const SSL_CIPHER *c = find(ssl, 0xC02F);
    ASSERT_NE(c, nullptr);
    EXPECT_STREQ(SSL_CIPHER_get_name(c), "ECDHE-RSA-AES128-GCM-SHA256");
    EXPECT_STREQ(SSL_CIPHER_standard_name(c), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    EXPECT_STREQ(SSL_CIPHER_get_version(c), "TLSv1.2");
    EXPECT_EQ(SSL_CIPHER_get_kx_nid(c), NID_kx_ecdhe);
    EXPECT_EQ(SSL_CIPHER_get_auth_nid(c), NID_auth_rsa);
    char buf[128];
    EXPECT_STREQ(SSL_CIPHER_description(c, buf, sizeof(buf)),
                 "ECDHE-RSA-AES128-GCM-SHA256    TLSv1.2 Kx=ECDH     Au=RSA   Enc=AESGCM(128)      "
                 "      Mac=AEAD\n");
    const SSL_CIPHER *cbc = find(ssl, 0xC013);
    ASSERT_NE(cbc, nullptr);
    EXPECT_STREQ(SSL_CIPHER_get_name(cbc), "ECDHE-RSA-AES128-SHA");
    EXPECT_STREQ(SSL_CIPHER_get_version(cbc), "TLSv1.0");
    EXPECT_EQ(SSL_CIPHER_is_aead(cbc), 0);
    EXPECT_EQ(SSL_CIPHER_get_digest_nid(cbc), NID_sha1);
    EXPECT_EQ(find(ssl, 0x0000), nullptr);
    EXPECT_STREQ(OPENSSL_cipher_name("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
                 "ECDHE-RSA-AES128-GCM-SHA256");
    EXPECT_STREQ(OPENSSL_cipher_name("nope"), "(NONE)");
    EXPECT_STREQ(SSL_CIPHER_get_name(nullptr), "(NONE)");
}

TEST_F(CipherApi, DefaultListIsOpenSslsDefault)
{
    std::vector<std::string> v = names(SSL_CTX_get_ciphers(ctx));
    ASSERT_GE(v.size(), 4u);
    EXPECT_EQ(v[0], "TLS_AES_256_GCM_SHA384");
    EXPECT_EQ(v[1], "TLS_CHACHA20_POLY1305_SHA256");
    EXPECT_EQ(v[2], "TLS_AES_128_GCM_SHA256");
    shimtest::RunResult r = shimtest::run({"openssl", "ciphers", "-ciphersuites", "", "DEFAULT"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string expected = r.out.substr(0, r.out.find('\n'));
    EXPECT_EQ(join(tls12_names(SSL_CTX_get_ciphers(ctx))), expected);
    // SSL_new copies the list; SSL_get_cipher_list indexes it.
    EXPECT_EQ(names(SSL_get_ciphers(ssl)), v);
    EXPECT_STREQ(SSL_get_cipher_list(ssl, 0), "TLS_AES_256_GCM_SHA384");
    EXPECT_EQ(SSL_get_cipher_list(ssl, (int)v.size()), nullptr);
}

// Strings programs pass, compared suite by suite with the system OpenSSL.
TEST_F(CipherApi, CipherStringsMatchTheSystemOpenSsl)
{
    const char *strings[] = {
        "DEFAULT",
        "HIGH:!aNULL:!MD5",
        "ALL:@SECLEVEL=0",
        "ALL:COMPLEMENTOFALL",
        "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM",
        "DEFAULT:!aNULL:!eNULL:!MD5:!3DES:!DES:!RC4:!IDEA:!SEED:!aDSS:!SRP:!PSK",
        "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384",
        "AESGCM+AES128:!ECDSA:!DSS:!PSK",
        "AES128-SHA:AES256-SHA:+AES128-SHA",
        "AES128-SHA:AES256-SHA:-AES128-SHA:AES128-SHA",
        "FOO:AES128-SHA",
        "AES128-SHA:DEFAULT",
        "kRSA+AESGCM",
        "TLSv1.2+AESGCM+kRSA",
        "CHACHA20:AESGCM:-ECDSA:+DHE",
        "ECDHE:DHE:!CBC",
        "HIGH:MEDIUM:!LOW:@STRENGTH",
        "AES128-SHA AES256-SHA,NULL-MD5",
        "EECDH+AESGCM:EDH+AESGCM",
    };
    for (const char *s : strings) {
        shimtest::RunResult r = shimtest::run({"openssl", "ciphers", "-ciphersuites", "", s});
        ASSERT_EQ(r.exit_code, 0) << s << ": " << r.err;
        std::string expected = r.out.substr(0, r.out.find('\n'));
        ASSERT_EQ(SSL_CTX_set_cipher_list(ctx, s), 1) << s;
        EXPECT_EQ(join(tls12_names(SSL_CTX_get_ciphers(ctx))), expected) << s;
    }
}

TEST_F(CipherApi, StringMatchingNothingFailsAndLeavesOnlyTls13)
{
    std::vector<std::string> before = names(SSL_CTX_get_ciphers(ctx));
    for (const char *s : {"FOO", "", "!ALL", "@SECLEVEL=0", "!AES128-SHA:AES128-SHA",
                          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}) {
        ERR_clear_error();
        EXPECT_EQ(SSL_CTX_set_cipher_list(ctx, s), 0) << s;
        EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_NO_CIPHER_MATCH) << s;
        // The system agrees that these match nothing.
        shimtest::RunResult r = shimtest::run({"openssl", "ciphers", "-ciphersuites", "", s});
        EXPECT_NE(r.exit_code, 0) << s;
    }
    // OpenSSL 3.0 installs the (empty) TLS 1.2 list before it refuses it:
    // only the TLS 1.3 suites are left.
    std::vector<std::string> tls13_only(before.begin(), before.begin() + 3);
    EXPECT_EQ(names(SSL_CTX_get_ciphers(ctx)),
              tls13_only);
    // A syntax error is refused before anything changes.
    ASSERT_EQ(SSL_CTX_set_cipher_list(ctx, "DEFAULT"), 1);
    before = names(SSL_CTX_get_ciphers(ctx));
    ERR_clear_error();
    EXPECT_EQ(SSL_CTX_set_cipher_list(ctx, "@NOTACOMMAND:ALL"), 0);
    EXPECT_EQ(names(SSL_CTX_get_ciphers(ctx)), before);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_INVALID_COMMAND);
}

TEST_F(CipherApi, SeclevelInCipherStringSetsTheLevel)
{
    EXPECT_EQ(SSL_CTX_get_security_level(ctx), 2);
    ASSERT_EQ(SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0"), 1);
    EXPECT_EQ(SSL_CTX_get_security_level(ctx), 0);
    ASSERT_EQ(SSL_set_cipher_list(ssl, "DEFAULT:@SECLEVEL=1"), 1);
    EXPECT_EQ(SSL_get_security_level(ssl), 1);
}

TEST_F(CipherApi, SslListIsIndependentOfTheContext)
{
    ASSERT_EQ(SSL_set_cipher_list(ssl, "AES128-SHA"), 1);
    std::vector<std::string> v = names(SSL_get_ciphers(ssl));
    ASSERT_EQ(v.size(), 4u);
    EXPECT_EQ(v[3], "AES128-SHA");
    EXPECT_GT(sk_SSL_CIPHER_num(SSL_CTX_get_ciphers(ctx)), 4);
}

TEST_F(CipherApi, Ciphersuites)
{
    ASSERT_EQ(SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"),
              1);
    std::vector<std::string> v = names(SSL_CTX_get_ciphers(ctx));
    ASSERT_GE(v.size(), 3u);
    EXPECT_EQ(v[0], "TLS_AES_128_GCM_SHA256");
    EXPECT_EQ(v[1], "TLS_CHACHA20_POLY1305_SHA256");
    EXPECT_EQ(std::string(SSL_CIPHER_get_version(sk_SSL_CIPHER_value(SSL_CTX_get_ciphers(ctx), 2))),
              "TLSv1.2");
    // Unknown names among known ones are skipped; CCM suites are known.
    ASSERT_EQ(SSL_CTX_set_ciphersuites(ctx, "FOO:TLS_AES_128_CCM_8_SHA256"), 1);
    EXPECT_EQ(names(SSL_CTX_get_ciphers(ctx))[0], "TLS_AES_128_CCM_8_SHA256");
    EXPECT_EQ(tls13_count(SSL_CTX_get_ciphers(ctx)), 1);
    EXPECT_EQ(SSL_CIPHER_get_protocol_id(sk_SSL_CIPHER_value(SSL_CTX_get_ciphers(ctx), 0)), 0x1305);
    // Nothing known, wrong separator, wrong case, a TLS 1.2 name: refused.
    for (const char *s : {"FOO", "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384",
                          "tls_aes_128_gcm_sha256", "ECDHE-RSA-AES128-GCM-SHA256"}) {
        ERR_clear_error();
        EXPECT_EQ(SSL_CTX_set_ciphersuites(ctx, s), 0) << s;
        EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_NO_CIPHER_MATCH) << s;
    }
    // The empty string switches the TLS 1.3 suites off.
    ASSERT_EQ(SSL_CTX_set_ciphersuites(ctx, ""), 1);
    EXPECT_EQ(std::string(SSL_CIPHER_get_version(sk_SSL_CIPHER_value(SSL_CTX_get_ciphers(ctx), 0))),
              "TLSv1.2");
    ASSERT_EQ(SSL_set_ciphersuites(ssl, "TLS_AES_256_GCM_SHA384"), 1);
    EXPECT_EQ(names(SSL_get_ciphers(ssl))[0], "TLS_AES_256_GCM_SHA384");
    EXPECT_EQ(tls13_count(SSL_get_ciphers(ssl)), 1);
}

TEST_F(CipherApi, NothingNegotiatedYet)
{
    EXPECT_EQ(SSL_get_current_cipher(ssl), nullptr);
    EXPECT_EQ(SSL_get_pending_cipher(ssl), nullptr);
    EXPECT_EQ(SSL_get_current_compression(ssl), nullptr);
    EXPECT_EQ(SSL_get_current_expansion(ssl), nullptr);
    STACK_OF(SSL_COMP) *m = SSL_COMP_get_compression_methods();
    ASSERT_NE(m, nullptr);
    // ShimSSL has DEFLATE (Debian's libssl, built without zlib, lists
    // nothing): see tls12_compat_test.cc.
    EXPECT_EQ(sk_SSL_COMP_num(m), SHIMSSL_DIVERGENCE(COMPRESSION_METHODS, 0, 1));
}

} // namespace
