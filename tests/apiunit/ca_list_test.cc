// The CA name lists of a new SSL_CTX and SSL (SSL_CTX_get_client_CA_list,
// SSL_CTX_get0_CA_list, SSL_get_client_CA_list, SSL_get0_CA_list,
// SSL_get0_peer_CA_list) and how setting one shows in the others. Built
// against ShimSSL and, as the reference, against the system OpenSSL: every
// expectation is OpenSSL 3.0's.
#include <gtest/gtest.h>

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "testlib/ssl_pair.h"
#include "testlib/testlib.h"

namespace
{

int count(const STACK_OF(X509_NAME) * names)
{
    return names == nullptr ? -1 : sk_X509_NAME_num(names);
}

TEST(CaLists, NewContextAndConnections)
{
    for (const SSL_METHOD *m : {TLS_method(), TLS_client_method(), TLS_server_method()}) {
        SSL_CTX *ctx = SSL_CTX_new(m);
        ASSERT_NE(ctx, nullptr);
        EXPECT_EQ(count(SSL_CTX_get_client_CA_list(ctx)), 0);
        EXPECT_EQ(count(SSL_CTX_get0_CA_list(ctx)), 0);
        SSL *s = SSL_new(ctx);
        ASSERT_NE(s, nullptr);
        EXPECT_EQ(count(SSL_get0_CA_list(s)), 0);
        EXPECT_EQ(count(SSL_get0_peer_CA_list(s)), -1);
        // A client's "client CA list" is what a server asked for: none yet.
        // A new SSL of TLS_method() is a server until told otherwise.
        EXPECT_EQ(count(SSL_get_client_CA_list(s)), m == TLS_client_method() ? -1 : 0);
        SSL_set_connect_state(s);
        EXPECT_EQ(count(SSL_get_client_CA_list(s)), -1);
        SSL_set_accept_state(s);
        EXPECT_EQ(count(SSL_get_client_CA_list(s)), 0);
        SSL_free(s);
        SSL_CTX_free(ctx);
    }
}

TEST(CaLists, ContextListsShowInConnections)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    ASSERT_EQ(SSL_CTX_add_client_CA(ctx, nullptr), 0);
    FILE *f = fopen(shimtest::cert("ca.pem").c_str(), "r");
    ASSERT_NE(f, nullptr);
    X509 *ca = PEM_read_X509(f, nullptr, nullptr, nullptr);
    fclose(f);
    ASSERT_NE(ca, nullptr);
    ASSERT_EQ(SSL_CTX_add_client_CA(ctx, ca), 1);
    EXPECT_EQ(count(SSL_CTX_get_client_CA_list(ctx)), 1);
    EXPECT_EQ(count(SSL_CTX_get0_CA_list(ctx)), 0);
    SSL *s = SSL_new(ctx);
    SSL_set_accept_state(s);
    EXPECT_EQ(count(SSL_get_client_CA_list(s)), 1);
    EXPECT_EQ(count(SSL_get0_CA_list(s)), 0);
    ASSERT_EQ(SSL_CTX_add1_to_CA_list(ctx, ca), 1);
    EXPECT_EQ(count(SSL_CTX_get0_CA_list(ctx)), 1);
    EXPECT_EQ(count(SSL_get0_CA_list(s)), 1);
    // A list of the connection's own hides the context's.
    SSL_set0_CA_list(s, sk_X509_NAME_new_null());
    EXPECT_EQ(count(SSL_get0_CA_list(s)), 0);
    SSL_set_client_CA_list(s, sk_X509_NAME_new_null());
    EXPECT_EQ(count(SSL_get_client_CA_list(s)), 0);
    SSL_free(s);
    X509_free(ca);
    SSL_CTX_free(ctx);
}

X509 *load(const std::string &file)
{
    FILE *f = fopen(shimtest::cert(file).c_str(), "r");
    if (f == nullptr)
        return nullptr;
    X509 *x = PEM_read_X509(f, nullptr, nullptr, nullptr);
    fclose(f);
    return x;
}

// The names a client sees in the server's CertificateRequest.
int names_requested(int version, bool client_list, bool ca_list)
{
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method()), *cctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_use_certificate_file(sctx, shimtest::cert("server.pem").c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_use_PrivateKey_file(sctx, shimtest::cert("server.key").c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER, [](int, X509_STORE_CTX *) { return 1; });
    SSL_CTX_set_max_proto_version(cctx, version);
    X509 *ca = load("ca.pem"), *other = load("untrusted-ca.pem");
    if (client_list)
        SSL_CTX_add_client_CA(sctx, ca);
    if (ca_list) {
        SSL_CTX_add1_to_CA_list(sctx, ca);
        SSL_CTX_add1_to_CA_list(sctx, other);
    }
    int n = -2;
    {
        shimtest::SslPair p(cctx, sctx);
        if (p.handshake())
            n = count(SSL_get_client_CA_list(p.client));
    }
    X509_free(ca);
    X509_free(other);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    return n;
}

TEST(CaLists, CertificateRequestNamesTheClientListElseTheCaList)
{
    for (int v : {TLS1_2_VERSION, TLS1_3_VERSION}) {
        SCOPED_TRACE(v);
        EXPECT_EQ(names_requested(v, false, false), v == TLS1_2_VERSION ? 0 : -1);
        EXPECT_EQ(names_requested(v, true, false), 1);
        EXPECT_EQ(names_requested(v, false, true), 2);
        EXPECT_EQ(names_requested(v, true, true), 1);
    }
}

} // namespace
