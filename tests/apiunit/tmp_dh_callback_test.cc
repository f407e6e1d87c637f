// The application's tmp_dh callback (SSL_CTX_set_tmp_dh_callback) is asked
// exactly when OpenSSL 3.0 asks it: only once a DHE suite was chosen, while
// ServerKeyExchange is written, with is_export 0 and keylength 1024; never
// for TLS 1.3 or ECDHE (dovecot logs an error each time it is asked and has
// no parameters). A callback that returns nothing fails that handshake with
// internal_error. Built against ShimSSL and, as the reference, against the
// system OpenSSL: both must pass.
#include <gtest/gtest.h>

#include <openssl/dh.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "testlib/ssl_pair.h"
#include "testlib/testlib.h"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace
{

struct CallbackLog {
    int calls = 0;
    int is_export = -1;
    int keylength = -1;
    DH *give = nullptr;
} g_log;

DH *tmp_dh_cb(SSL *, int is_export, int keylength)
{
    g_log.calls++;
    g_log.is_export = is_export;
    g_log.keylength = keylength;
    return g_log.give;
}

class TmpDhCallback : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        g_log = CallbackLog();
        dh = DH_new_by_nid(NID_ffdhe2048);
        ASSERT_NE(dh, nullptr);
        sctx = SSL_CTX_new(TLS_server_method());
        cctx = SSL_CTX_new(TLS_client_method());
        ASSERT_EQ(SSL_CTX_use_certificate_chain_file(sctx, shimtest::cert("server.pem").c_str()), 1);
        ASSERT_EQ(SSL_CTX_use_PrivateKey_file(sctx, shimtest::cert("server.key").c_str(), SSL_FILETYPE_PEM),
                  1);
        SSL_CTX_set_tmp_dh_callback(sctx, tmp_dh_cb);
    }
    void TearDown() override
    {
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
        DH_free(dh);
        ERR_clear_error();
    }
    // A TLS 1.2 client offering only `suite`.
    void client12(const char *suite)
    {
        ASSERT_EQ(SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION), 1);
        ASSERT_EQ(SSL_CTX_set_cipher_list(cctx, suite), 1);
    }
    DH *dh = nullptr;
    SSL_CTX *sctx = nullptr, *cctx = nullptr;
};

TEST_F(TmpDhCallback, NotAskedForTls13)
{
    g_log.give = dh;
    shimtest::SslPair p(cctx, sctx);
    ASSERT_TRUE(p.handshake());
    EXPECT_STREQ(SSL_get_version(p.server), "TLSv1.3");
    EXPECT_EQ(g_log.calls, 0);
}

TEST_F(TmpDhCallback, NotAskedForEcdhe)
{
    g_log.give = dh;
    client12("ECDHE-RSA-AES128-GCM-SHA256");
    shimtest::SslPair p(cctx, sctx);
    ASSERT_TRUE(p.handshake());
    EXPECT_STREQ(SSL_get_cipher_name(p.server), "ECDHE-RSA-AES128-GCM-SHA256");
    EXPECT_EQ(g_log.calls, 0);
}

TEST_F(TmpDhCallback, AskedOnceForDheWithOpenSslArguments)
{
    g_log.give = dh;
    client12("DHE-RSA-AES128-GCM-SHA256");
    shimtest::SslPair p(cctx, sctx);
    ASSERT_TRUE(p.handshake());
    EXPECT_STREQ(SSL_get_cipher_name(p.client), "DHE-RSA-AES128-GCM-SHA256");
    EXPECT_EQ(g_log.calls, 1);
    EXPECT_EQ(g_log.is_export, 0);
    EXPECT_EQ(g_log.keylength, 1024);
    EVP_PKEY *peer = nullptr;
    ASSERT_EQ(SSL_get_peer_tmp_key(p.client, &peer), 1);
    EXPECT_EQ(EVP_PKEY_get_bits(peer), 2048);
    EVP_PKEY_free(peer);
}

TEST_F(TmpDhCallback, NothingGivenFailsTheDheHandshakeWithInternalError)
{
    g_log.give = nullptr;
    client12("DHE-RSA-AES128-GCM-SHA256");
    shimtest::SslPair p(cctx, sctx);
    ERR_clear_error();
    ASSERT_FALSE(p.handshake());
    EXPECT_EQ(g_log.calls, 1);
    // The server's failure, then the client reads its internal_error alert.
    EXPECT_EQ(SSL_get_error(p.server, p.server_rc), SSL_ERROR_SSL);
    unsigned long e = ERR_get_error();
    EXPECT_EQ(ERR_GET_LIB(e), ERR_LIB_SSL);
    EXPECT_EQ(ERR_GET_REASON(e), ERR_R_INTERNAL_ERROR);
    ERR_clear_error();
    int rc = SSL_do_handshake(p.client);
    EXPECT_EQ(rc, -1);
    EXPECT_EQ(SSL_get_error(p.client, rc), SSL_ERROR_SSL);
    EXPECT_EQ(ERR_GET_REASON(ERR_get_error()), SSL_R_TLSV1_ALERT_INTERNAL_ERROR);
}

} // namespace
