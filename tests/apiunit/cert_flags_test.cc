// SSL_CTRL_CERT_FLAGS / SSL_CTRL_CLEAR_CERT_FLAGS (SSL_CTX_set_cert_flags,
// SSL_set_cert_flags, the SSL_CONF "strict" option) and what strict mode
// (SSL_CERT_FLAG_TLS_STRICT) changes: a client sends its certificate only if
// it suits the server's CertificateRequest. Built against ShimSSL and, as
// the reference, against the system OpenSSL: every expectation is OpenSSL
// 3.0's.
#include <gtest/gtest.h>

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "testlib/ssl_pair.h"
#include "testlib/testlib.h"

namespace
{

X509 *load(const std::string &file)
{
    FILE *f = fopen(shimtest::cert(file).c_str(), "r");
    if (f == nullptr)
        return nullptr;
    X509 *x = PEM_read_X509(f, nullptr, nullptr, nullptr);
    fclose(f);
    return x;
}

TEST(CertFlags, SetAndClearAnswerWithTheFlags)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    ASSERT_NE(ctx, nullptr);
    EXPECT_EQ(SSL_CTX_set_cert_flags(ctx, 0), 0);
    EXPECT_EQ(SSL_CTX_set_cert_flags(ctx, SSL_CERT_FLAG_TLS_STRICT), (long)SSL_CERT_FLAG_TLS_STRICT);
    EXPECT_EQ(SSL_CTX_set_cert_flags(ctx, 0), (long)SSL_CERT_FLAG_TLS_STRICT);
    SSL *s = SSL_new(ctx); // a connection starts with its context's flags
    EXPECT_EQ(SSL_set_cert_flags(s, 0), (long)SSL_CERT_FLAG_TLS_STRICT);
    EXPECT_EQ(SSL_clear_cert_flags(s, SSL_CERT_FLAG_TLS_STRICT), 0);
    EXPECT_EQ(SSL_CTX_set_cert_flags(ctx, 0), (long)SSL_CERT_FLAG_TLS_STRICT);
    EXPECT_EQ(SSL_CTX_clear_cert_flags(ctx, SSL_CERT_FLAG_TLS_STRICT), 0);
    SSL_free(s);

    // SSL_CONF's -strict switch (s_client -strict) sets it.
    SSL_CONF_CTX *cctx = SSL_CONF_CTX_new();
    SSL_CONF_CTX_set_flags(cctx, SSL_CONF_FLAG_CMDLINE | SSL_CONF_FLAG_CLIENT |
                                     SSL_CONF_FLAG_SERVER | SSL_CONF_FLAG_CERTIFICATE);
    SSL_CONF_CTX_set_ssl_ctx(cctx, ctx);
    EXPECT_EQ(SSL_CONF_cmd(cctx, "-strict", nullptr), 1);
    EXPECT_EQ(SSL_CTX_set_cert_flags(ctx, 0), (long)SSL_CERT_FLAG_TLS_STRICT);
    SSL_CONF_CTX_free(cctx);
    SSL_CTX_free(ctx);
}

// Whether the server receives the client's certificate, with the server
// asking for certificates issued by `ca_name` (none: any).
bool client_cert_sent(int version, bool strict, const char *ca_name)
{
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method()), *cctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_use_certificate_file(sctx, shimtest::cert("server.pem").c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_use_PrivateKey_file(sctx, shimtest::cert("server.key").c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER, [](int, X509_STORE_CTX *) { return 1; });
    if (ca_name != nullptr) {
        X509 *ca = load(ca_name);
        SSL_CTX_add_client_CA(sctx, ca);
        X509_free(ca);
    }
    SSL_CTX_set_max_proto_version(cctx, version);
    SSL_CTX_use_certificate_file(cctx, shimtest::cert("client.pem").c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_use_PrivateKey_file(cctx, shimtest::cert("client.key").c_str(), SSL_FILETYPE_PEM);
    if (strict)
        SSL_CTX_set_cert_flags(cctx, SSL_CERT_FLAG_TLS_STRICT);
    bool sent = false;
    {
        shimtest::SslPair p(cctx, sctx);
        EXPECT_TRUE(p.handshake());
        sent = SSL_get0_peer_certificate(p.server) != nullptr;
    }
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    return sent;
}

TEST(CertFlags, StrictClientSendsOnlyACertificateThatSuits)
{
    for (int v : {TLS1_2_VERSION, TLS1_3_VERSION}) {
        SCOPED_TRACE(v);
        EXPECT_TRUE(client_cert_sent(v, false, nullptr));
        EXPECT_TRUE(client_cert_sent(v, false, "untrusted-ca.pem"));
        EXPECT_EQ(client_cert_sent(v, true, nullptr), v == TLS1_2_VERSION);
        EXPECT_EQ(client_cert_sent(v, true, "ca.pem"), v == TLS1_2_VERSION);
        EXPECT_FALSE(client_cert_sent(v, true, "untrusted-ca.pem"));
    }
}

} // namespace
