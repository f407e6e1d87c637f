// SSL_CTX_set_purpose / SSL_set_purpose / SSL_CTX_set_trust / SSL_set_trust:
// the value lands in the verification parameters and decides the peer's
// chain verification. Public API only; purpose_test_openssl runs the same
// file on OpenSSL. The test server certificates carry extendedKeyUsage
// serverAuth only, so a client asking for the SSL client purpose rejects
// them with X509_V_ERR_INVALID_PURPOSE.
#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <string>

#include "testlib/ssl_pair.h"
#include "testlib/testlib.h"

namespace
{

SSL_CTX *server_ctx()
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    EXPECT_EQ(1, SSL_CTX_use_certificate_file(ctx, shimtest::cert("server.pem").c_str(),
                                              SSL_FILETYPE_PEM));
    EXPECT_EQ(1, SSL_CTX_use_PrivateKey_file(ctx, shimtest::cert("server.key").c_str(),
                                             SSL_FILETYPE_PEM));
    return ctx;
}

SSL_CTX *client_ctx()
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    EXPECT_EQ(1, SSL_CTX_load_verify_locations(ctx, shimtest::cert("ca.pem").c_str(), nullptr));
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    return ctx;
}

// Handshake in memory; the client's verify result (or -1).
long client_verify(SSL_CTX *cctx, SSL_CTX *sctx, void (*tweak)(SSL *) = nullptr, bool *ok = nullptr)
{
    SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
    if (!shimtest::connect_pair(c, s))
        return -1;
    if (tweak != nullptr)
        tweak(c);
    bool done = shimtest::handshake_pair(c, s);
    if (ok != nullptr)
        *ok = done;
    long v = SSL_get_verify_result(c);
    SSL_free(c);
    SSL_free(s);
    ERR_clear_error();
    return v;
}

class Purpose : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        sctx = server_ctx();
        cctx = client_ctx();
    }
    void TearDown() override
    {
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
    }
    SSL_CTX *sctx = nullptr, *cctx = nullptr;
};

TEST_F(Purpose, ServerPurposeAcceptsAServerCertificate)
{
    EXPECT_EQ(1, SSL_CTX_set_purpose(cctx, X509_PURPOSE_SSL_SERVER));
    bool ok = false;
    EXPECT_EQ(X509_V_OK, client_verify(cctx, sctx, nullptr, &ok));
    EXPECT_TRUE(ok);
}

TEST_F(Purpose, ClientPurposeOnTheContextRejectsAServerCertificate)
{
    EXPECT_EQ(1, SSL_CTX_set_purpose(cctx, X509_PURPOSE_SSL_CLIENT));
    bool ok = true;
    EXPECT_EQ(X509_V_ERR_INVALID_PURPOSE, client_verify(cctx, sctx, nullptr, &ok));
    EXPECT_FALSE(ok);
}

TEST_F(Purpose, ClientPurposeOnTheConnectionRejectsAServerCertificate)
{
    bool ok = true;
    EXPECT_EQ(X509_V_ERR_INVALID_PURPOSE,
              client_verify(
                  cctx, sctx,
                  [](SSL *c) { EXPECT_EQ(1, SSL_set_purpose(c, X509_PURPOSE_SSL_CLIENT)); }, &ok));
    EXPECT_FALSE(ok);
}

TEST_F(Purpose, UnknownPurposeOrTrustIsRefused)
{
    EXPECT_EQ(0, SSL_CTX_set_purpose(cctx, 12345));
    EXPECT_NE(0UL, ERR_peek_error());
    ERR_clear_error();
    SSL *s = SSL_new(cctx);
    EXPECT_EQ(0, SSL_set_purpose(s, 12345));
    ERR_clear_error();
    EXPECT_EQ(0, SSL_set_trust(s, 12345));
    ERR_clear_error();
    EXPECT_EQ(0, SSL_CTX_set_trust(cctx, 12345));
    ERR_clear_error();
    EXPECT_EQ(1, SSL_set_trust(s, X509_TRUST_SSL_SERVER));
    EXPECT_EQ(1, SSL_CTX_set_trust(cctx, X509_TRUST_SSL_SERVER));
    SSL_free(s);
}

// A client whose only root is trusted for e-mail protection alone (the
// "TRUSTED CERTIFICATE" auxiliary data).
SSL_CTX *email_root_client()
{
    SSL_CTX *c = SSL_CTX_new(TLS_client_method());
    BIO *in = BIO_new_file(shimtest::cert("ca.pem").c_str(), "r");
    X509 *root = PEM_read_bio_X509(in, nullptr, nullptr, nullptr);
    BIO_free(in);
    EXPECT_NE(nullptr, root);
    X509_add1_trust_object(root, OBJ_nid2obj(NID_email_protect));
    X509_STORE_add_cert(SSL_CTX_get_cert_store(c), root);
    X509_free(root);
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
    return c;
}

TEST_F(Purpose, TrustDecidesWhichRootsCount)
{
    SSL_CTX *c = email_root_client();
    EXPECT_EQ(1, SSL_CTX_set_trust(c, X509_TRUST_SSL_SERVER));
    bool ok = true;
    EXPECT_EQ(X509_V_ERR_CERT_REJECTED, client_verify(c, sctx, nullptr, &ok));
    EXPECT_FALSE(ok);
    EXPECT_EQ(1, SSL_CTX_set_trust(c, X509_TRUST_EMAIL));
    EXPECT_EQ(X509_V_OK, client_verify(c, sctx, nullptr, &ok));
    EXPECT_TRUE(ok);
    // The connection's own setting wins over the context's.
    EXPECT_EQ(
        X509_V_ERR_CERT_REJECTED,
        client_verify(
            c, sctx, [](SSL *s) { EXPECT_EQ(1, SSL_set_trust(s, X509_TRUST_SSL_SERVER)); }, &ok));
    SSL_CTX_free(c);
}

} // namespace
