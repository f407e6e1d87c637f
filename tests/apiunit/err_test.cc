// The ERR_LIB_SSL texts a user reads in error messages: OpenSSL 3.0's exact
// reason strings, loaded by OPENSSL_init_ssl or implicitly by SSL_CTX_new,
// and the equality of core's TLS_R_* reasons with SSL_R_* (a reason the
// engine reports must print as the OpenSSL reason of the same name).
// ERR_load_SSL_strings is deprecated in 3.0 but exported and still called.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <fstream>
#include <map>
#include <cstdio>
#include <sstream>
#include <string>

#include "testlib/ssl_pair.h"
#include "testlib/testlib.h"

namespace
{

const char *reason(int r)
{
    return ERR_reason_error_string(ERR_PACK(ERR_LIB_SSL, 0, r));
}

// SSL_R_ name (without the prefix) -> value, from the system's sslerr.h.
std::map<std::string, long> header_reasons()
{
    std::map<std::string, long> m;
    std::ifstream h("/usr/include/openssl/sslerr.h");
    std::string line;
    while (std::getline(h, line)) {
        char name[128];
        long value;
        if (std::sscanf(line.c_str(), " # define SSL_R_%127[A-Z0-9_] %ld", name, &value) == 2)
            m[name] = value;
    }
    return m;
}

// Forked: the strings must not have been loaded by an earlier test.
TEST(ErrStrings, SslCtxNewLoadsThemImplicitly)
{
    EXPECT_EXIT(
        {
            SSL_CTX *ctx = SSL_CTX_new(TLS_method());
            const char *s = reason(SSL_R_CERTIFICATE_VERIFY_FAILED);
            _exit(ctx != nullptr && s != nullptr && std::string(s) == "certificate verify failed"
                      ? 0
                      : 1);
        },
        ::testing::ExitedWithCode(0), "");
}

// OpenSSL 3.0: OPENSSL_init_ssl loads the texts only when asked, and the
// first LOAD / NO_LOAD decides for good; ERR_load_SSL_strings always loads.
TEST(ErrStrings, NoLoadOptionHoldsUntilErrLoadSslStrings)
{
    EXPECT_EXIT(
        {
            OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_SSL_STRINGS, nullptr);
            bool ok = reason(SSL_R_WRONG_VERSION_NUMBER) == nullptr;
            OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS, nullptr);
            SSL_CTX_free(SSL_CTX_new(TLS_method()));
            ok = ok && reason(SSL_R_WRONG_VERSION_NUMBER) == nullptr;
            ok = ok && ERR_load_SSL_strings() == 1;
            const char *after = reason(SSL_R_WRONG_VERSION_NUMBER);
            _exit(ok && after != nullptr && std::string(after) == "wrong version number" ? 0 : 1);
        },
        ::testing::ExitedWithCode(0), "");
}

TEST(ErrStrings, InitWithoutTheLoadOptionLoadsNothing)
{
    EXPECT_EXIT(
        {
            OPENSSL_init_ssl(0, nullptr);
            bool ok = reason(SSL_R_WRONG_VERSION_NUMBER) == nullptr;
            OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS, nullptr);
            const char *after = reason(SSL_R_WRONG_VERSION_NUMBER);
            _exit(ok && after != nullptr && std::string(after) == "wrong version number" ? 0 : 1);
        },
        ::testing::ExitedWithCode(0), "");
}

TEST(ErrStrings, CommonReasonsReadAsInOpenSsl)
{
    ASSERT_EQ(OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS, nullptr), 1);
    EXPECT_STREQ(reason(134), "certificate verify failed");
    EXPECT_STREQ(reason(SSL_R_WRONG_VERSION_NUMBER), "wrong version number");
    EXPECT_STREQ(reason(SSL_R_UNEXPECTED_EOF_WHILE_READING), "unexpected eof while reading");
    EXPECT_STREQ(reason(SSL_R_NO_SHARED_CIPHER), "no shared cipher");
    EXPECT_STREQ(reason(SSL_R_NO_CIPHER_MATCH), "no cipher match");
    EXPECT_STREQ(reason(SSL_R_TLSV1_ALERT_UNKNOWN_CA), "tlsv1 alert unknown ca");
    EXPECT_STREQ(reason(SSL_AD_REASON_OFFSET + SSL_AD_BAD_CERTIFICATE),
                 "sslv3 alert bad certificate");
    EXPECT_STREQ(reason(SSL_R_TLSV1_ALERT_PROTOCOL_VERSION), "tlsv1 alert protocol version");
    EXPECT_STREQ(reason(SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED),
                 "tlsv13 alert certificate required");
    EXPECT_STREQ(ERR_lib_error_string(ERR_PACK(ERR_LIB_SSL, 0, 134)), "SSL routines");
    char buf[256];
    ERR_error_string_n(ERR_PACK(ERR_LIB_SSL, 0, 134), buf, sizeof(buf));
    EXPECT_STREQ(buf, "error:0A000086:SSL routines::certificate verify failed");
    EXPECT_EQ(ERR_load_SSL_strings(), 1);
}

// Every reason in sslerr.h has a text (spot checks above give the exact
// ones); the table is generated from the system library.
TEST(ErrStrings, EveryHeaderReasonHasAText)
{
    ASSERT_EQ(OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS, nullptr), 1);
    std::map<std::string, long> reasons = header_reasons();
    for (const auto &r : reasons)
        EXPECT_NE(reason((int)r.second), nullptr) << "SSL_R_" << r.first;
    EXPECT_GT(reasons.size(), 300u);
}

// core/err.h's TLS_R_x must have the value of SSL_R_x: parse both headers
// so that a reason added to core later is covered without editing this.
TEST(ErrStrings, CoreReasonsEqualOpenSslReasons)
{
    std::map<std::string, long> ssl_r = header_reasons();
    std::ifstream core(std::string(SHIMSSL_SOURCE_DIR) + "/core/err.h");
    ASSERT_TRUE(core.good());
    std::string line;
    int checked = 0;
    while (std::getline(core, line)) {
        // enum lines of the form "    TLS_R_NAME = 123,"
        char name[128];
        long value;
        char comma;
        if (std::sscanf(line.c_str(), " TLS_R_%127[A-Z0-9_] = %ld %c", name, &value, &comma) != 3 ||
            comma != ',')
            continue;
        std::string n = name;
        if (n == "ALERT_OFFSET")
            continue;
        auto found = ssl_r.find(n);
        ASSERT_NE(found, ssl_r.end()) << "TLS_R_" << n << " has no SSL_R_ counterpart";
        EXPECT_EQ(value, found->second) << "TLS_R_" << n;
        checked++;
    }
    EXPECT_GT(checked, 50);
}

// Alert texts as info callbacks print them ("SSL3 alert read:fatal:unknown CA").
TEST(AlertStrings, ReadAsInOpenSsl)
{
    EXPECT_STREQ(SSL_alert_type_string_long(SSL3_AL_FATAL << 8 | 48), "fatal");
    EXPECT_STREQ(SSL_alert_type_string(SSL3_AL_FATAL << 8 | 48), "F");
    EXPECT_STREQ(SSL_alert_type_string_long(SSL3_AL_WARNING << 8), "warning");
    EXPECT_STREQ(SSL_alert_type_string(SSL3_AL_WARNING << 8), "W");
    EXPECT_STREQ(SSL_alert_type_string_long(3 << 8), "unknown");
    EXPECT_STREQ(SSL_alert_desc_string_long(SSL3_AL_FATAL << 8 | 48), "unknown CA");
    EXPECT_STREQ(SSL_alert_desc_string(48), "CA");
    EXPECT_STREQ(SSL_alert_desc_string_long(0), "close notify");
    EXPECT_STREQ(SSL_alert_desc_string_long(10), "unexpected_message");
    EXPECT_STREQ(SSL_alert_desc_string_long(42), "bad certificate");
    EXPECT_STREQ(SSL_alert_desc_string_long(70), "protocol version");
    EXPECT_STREQ(SSL_alert_desc_string_long(120), "no application protocol");
    // 3.0 has no text for these TLS 1.3 alerts.
    EXPECT_STREQ(SSL_alert_desc_string_long(116), "unknown");
    EXPECT_STREQ(SSL_alert_desc_string(116), "UK");
    EXPECT_STREQ(SSL_alert_desc_string_long(109), "unknown");
}

// A failed handshake's ERR entry says where the failure was detected, as
// OpenSSL's do (its state-machine function, "../ssl/statem/..."): a source
// file relative to the source tree (never the build machine's absolute
// path, which would also make builds irreproducible), a line, and the
// detecting function rather than a generic reporting helper.
TEST(ErrOrigin, HandshakeFailureNamesWhereItWasDetected)
{
    for (int max : {TLS1_3_VERSION, TLS1_2_VERSION}) {
        SSL_CTX *sctx = SSL_CTX_new(TLS_server_method()), *cctx = SSL_CTX_new(TLS_client_method());
        ASSERT_EQ(SSL_CTX_use_certificate_chain_file(sctx, shimtest::cert("server.pem").c_str()), 1);
        ASSERT_EQ(SSL_CTX_use_PrivateKey_file(sctx, shimtest::cert("server.key").c_str(), SSL_FILETYPE_PEM), 1);
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, nullptr); // no trusted CA: the server's chain fails
        SSL_CTX_set_max_proto_version(cctx, max);
        {
            shimtest::SslPair p(cctx, sctx);
            ERR_clear_error();
            ASSERT_FALSE(p.handshake());
            const char *file = nullptr, *func = nullptr;
            int line = 0;
            unsigned long e = ERR_peek_error_all(&file, &line, &func, nullptr, nullptr);
            ASSERT_EQ(ERR_GET_REASON(e), SSL_R_CERTIFICATE_VERIFY_FAILED);
            ASSERT_NE(file, nullptr);
            ASSERT_NE(func, nullptr);
            EXPECT_NE(file[0], '/') << file;
            EXPECT_NE(std::string(file).find(".c"), std::string::npos) << file;
            EXPECT_GT(line, 0);
            EXPECT_NE(std::string(func), "") << file;
            EXPECT_EQ(std::string(func).find("err"), std::string::npos)
                << func << ": a reporting helper, not the place the failure was detected";
        }
        ERR_clear_error();
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
    }
}

} // namespace
