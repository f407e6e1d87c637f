// The certificates a peer receives after our leaf (SSL_get_peer_cert_chain),
// public API only, so the same file runs on OpenSSL (chain_auto_test_openssl)
// whose results are the expectations:
//  * automatic chain completion from the certificate store
//    (load_verify_locations) or the chain store, as server and as client;
//  * what turns it off: SSL_MODE_NO_AUTO_CHAIN, a chain of the certificate's
//    own (even an empty one), the SSL_CTX's extra chain certificates;
//  * SSL_CTX_build_cert_chain / SSL_build_cert_chain with each flag.
// PKI (tests/certs): ca.pem (root) -> chain-inter.pem (intermediate) ->
// chain-server.pem / chain-client.pem; chain-cafile.pem = intermediate+root.
#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <string>
#include <vector>

#include "testlib/ssl_pair.h"
#include "testlib/testlib.h"

namespace
{

const std::string kLeaf = "localhost";
const std::string kInter = "ShimSSL Test Intermediate CA";
const std::string kRoot = "ShimSSL Test Root CA";
const std::string kClient = "ShimSSL Test Chain Client";

std::string path(const char *name)
{
    return shimtest::cert(name);
}

X509 *load_cert(const char *name)
{
    BIO *b = BIO_new_file(path(name).c_str(), "r");
    X509 *x = b != nullptr ? PEM_read_bio_X509(b, nullptr, nullptr, nullptr) : nullptr;
    BIO_free(b);
    return x;
}

std::string cn(X509 *x)
{
    char buf[256] = "";
    X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, sizeof(buf));
    return buf;
}

std::vector<std::string> cns(const STACK_OF(X509) * sk)
{
    std::vector<std::string> v;
    for (int i = 0; i < sk_X509_num(sk); i++)
        v.push_back(cn(sk_X509_value(sk, i)));
    return v;
}

X509_STORE *store_of(std::initializer_list<const char *> files)
{
    X509_STORE *st = X509_STORE_new();
    for (const char *f : files)
        EXPECT_EQ(1, X509_STORE_load_file(st, path(f).c_str())) << f;
    return st;
}

// A server context with the chain leaf alone (and its key).
SSL_CTX *server_ctx(int version)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    EXPECT_EQ(
        1, SSL_CTX_use_certificate_file(ctx, path("chain-server.pem").c_str(), SSL_FILETYPE_PEM));
    EXPECT_EQ(1,
              SSL_CTX_use_PrivateKey_file(ctx, path("chain-server.key").c_str(), SSL_FILETYPE_PEM));
    SSL_CTX_set_min_proto_version(ctx, version);
    SSL_CTX_set_max_proto_version(ctx, version);
    return ctx;
}

// A client trusting the root alone.
SSL_CTX *client_ctx(int version)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    EXPECT_EQ(1, SSL_CTX_load_verify_locations(ctx, path("ca.pem").c_str(), nullptr));
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_min_proto_version(ctx, version);
    SSL_CTX_set_max_proto_version(ctx, version);
    return ctx;
}

struct Result {
    bool ok = false;
    std::vector<std::string> client_saw; // SSL_get_peer_cert_chain on the client
    std::vector<std::string> server_saw; // ... on the server (leaf excluded there)
    long client_verify = -1;
};

Result handshake(SSL_CTX *cctx, SSL_CTX *sctx, void (*tweak_server)(SSL *) = nullptr)
{
    Result r;
    SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
    if (!shimtest::connect_pair(c, s))
        return r;
    if (tweak_server != nullptr)
        tweak_server(s);
    r.ok = shimtest::handshake_pair(c, s);
    r.client_saw = cns(SSL_get_peer_cert_chain(c));
    r.server_saw = cns(SSL_get_peer_cert_chain(s));
    r.client_verify = SSL_get_verify_result(c);
    SSL_free(c);
    SSL_free(s);
    ERR_clear_error();
    return r;
}

class AutoChain : public ::testing::TestWithParam<int>
{
  protected:
    void SetUp() override
    {
        sctx = server_ctx(GetParam());
        cctx = client_ctx(GetParam());
    }
    void TearDown() override
    {
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
    }
    SSL_CTX *sctx = nullptr, *cctx = nullptr;
};

INSTANTIATE_TEST_SUITE_P(Versions, AutoChain, ::testing::Values(TLS1_3_VERSION, TLS1_2_VERSION),
                         [](const ::testing::TestParamInfo<int> &i) {
                             return std::string(i.param == TLS1_3_VERSION ? "Tls13" : "Tls12");
                         });

const std::vector<std::string> kFull = {kLeaf, kInter, kRoot};
const std::vector<std::string> kNoRoot = {kLeaf, kInter};
const std::vector<std::string> kAlone = {kLeaf};

TEST_P(AutoChain, LeafOnlyIsCompletedFromTheVerifyStoreRootIncluded)
{
    ASSERT_EQ(1, SSL_CTX_load_verify_locations(sctx, path("chain-cafile.pem").c_str(), nullptr));
    Result r = handshake(cctx, sctx);
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(kFull, r.client_saw);
    EXPECT_EQ(X509_V_OK, r.client_verify);
}

TEST_P(AutoChain, StoreWithoutTheRootSendsWhatCouldBeBuilt)
{
    ASSERT_EQ(1, SSL_CTX_load_verify_locations(sctx, path("chain-inter.pem").c_str(), nullptr));
    Result r = handshake(cctx, sctx);
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(kNoRoot, r.client_saw);
}

TEST_P(AutoChain, WithoutAnyStoreTheLeafGoesAlone)
{
    Result r = handshake(cctx, sctx);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, r.client_verify);
}

TEST_P(AutoChain, ChainFileWithTheLeafAloneStillCompletes)
{
    ASSERT_EQ(1, SSL_CTX_use_certificate_chain_file(sctx, path("chain-server.pem").c_str()));
    ASSERT_EQ(1, SSL_CTX_load_verify_locations(sctx, path("chain-cafile.pem").c_str(), nullptr));
    Result r = handshake(cctx, sctx);
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(kFull, r.client_saw);
}

TEST_P(AutoChain, NoAutoChainModeOnTheContext)
{
    ASSERT_EQ(1, SSL_CTX_load_verify_locations(sctx, path("chain-cafile.pem").c_str(), nullptr));
    SSL_CTX_set_mode(sctx, SSL_MODE_NO_AUTO_CHAIN);
    Result r = handshake(cctx, sctx);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, r.client_verify);
}

TEST_P(AutoChain, NoAutoChainModeOnTheConnection)
{
    ASSERT_EQ(1, SSL_CTX_load_verify_locations(sctx, path("chain-cafile.pem").c_str(), nullptr));
    Result r = handshake(cctx, sctx, [](SSL *s) { SSL_set_mode(s, SSL_MODE_NO_AUTO_CHAIN); });
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, r.client_verify);
}

TEST_P(AutoChain, ExplicitChainIsSentAsIs)
{
    ASSERT_EQ(1, SSL_CTX_load_verify_locations(sctx, path("chain-cafile.pem").c_str(), nullptr));
    X509 *inter = load_cert("chain-inter.pem");
    ASSERT_EQ(1, SSL_CTX_add0_chain_cert(sctx, inter));
    Result r = handshake(cctx, sctx);
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(kNoRoot, r.client_saw);
}

TEST_P(AutoChain, EmptyExplicitChainTurnsCompletionOff)
{
    ASSERT_EQ(1, SSL_CTX_load_verify_locations(sctx, path("chain-cafile.pem").c_str(), nullptr));
    STACK_OF(X509) *none = sk_X509_new_null();
    ASSERT_EQ(1, SSL_CTX_set1_chain(sctx, none));
    sk_X509_free(none);
    Result r = handshake(cctx, sctx);
    EXPECT_FALSE(r.ok);
}

TEST_P(AutoChain, ExtraChainCertificatesTurnCompletionOff)
{
    ASSERT_EQ(1, SSL_CTX_load_verify_locations(sctx, path("chain-cafile.pem").c_str(), nullptr));
    ASSERT_EQ(1, SSL_CTX_add_extra_chain_cert(sctx, load_cert("chain-inter.pem")));
    Result r = handshake(cctx, sctx);
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(kNoRoot, r.client_saw);
    // Cleared again: completion is back.
    ASSERT_EQ(1, SSL_CTX_clear_extra_chain_certs(sctx));
    r = handshake(cctx, sctx);
    EXPECT_EQ(kFull, r.client_saw);
}

TEST_P(AutoChain, ChainStoreComesBeforeTheVerifyStore)
{
    ASSERT_EQ(1, SSL_CTX_load_verify_locations(sctx, path("chain-cafile.pem").c_str(), nullptr));
    X509_STORE *st = store_of({"chain-inter.pem"});
    ASSERT_EQ(1, SSL_CTX_set1_chain_cert_store(sctx, st));
    X509_STORE_free(st);
    Result r = handshake(cctx, sctx);
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(kNoRoot, r.client_saw);
}

TEST_P(AutoChain, VerifyCertStoreIsNotUsed)
{
    X509_STORE *st = store_of({"chain-cafile.pem"});
    ASSERT_EQ(1, SSL_CTX_set1_verify_cert_store(sctx, st));
    X509_STORE_free(st);
    Result r = handshake(cctx, sctx);
    EXPECT_FALSE(r.ok);
}

TEST_P(AutoChain, ClientCertificateIsCompletedToo)
{
    // The server trusts the root alone and asks for a certificate.
    X509_STORE *st = store_of({"ca.pem"});
    SSL_CTX_set_cert_store(sctx, st);
    SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    // The server's own chain is given explicitly.
    ASSERT_EQ(1, SSL_CTX_add0_chain_cert(sctx, load_cert("chain-inter.pem")));
    ASSERT_EQ(
        1, SSL_CTX_use_certificate_file(cctx, path("chain-client.pem").c_str(), SSL_FILETYPE_PEM));
    ASSERT_EQ(
        1, SSL_CTX_use_PrivateKey_file(cctx, path("chain-client.key").c_str(), SSL_FILETYPE_PEM));
    // The client's store holds the root already (client_ctx): both go.
    ASSERT_EQ(1, SSL_CTX_load_verify_locations(cctx, path("chain-inter.pem").c_str(), nullptr));
    Result r = handshake(cctx, sctx);
    EXPECT_TRUE(r.ok);
    // A server's SSL_get_peer_cert_chain leaves the client's leaf out.
    EXPECT_EQ(std::vector<std::string>({kInter, kRoot}), r.server_saw);
}

TEST_P(AutoChain, ClientCertificateNoAutoChain)
{
    X509_STORE *st = store_of({"ca.pem"});
    SSL_CTX_set_cert_store(sctx, st);
    SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    ASSERT_EQ(1, SSL_CTX_add0_chain_cert(sctx, load_cert("chain-inter.pem")));
    ASSERT_EQ(
        1, SSL_CTX_use_certificate_file(cctx, path("chain-client.pem").c_str(), SSL_FILETYPE_PEM));
    ASSERT_EQ(
        1, SSL_CTX_use_PrivateKey_file(cctx, path("chain-client.key").c_str(), SSL_FILETYPE_PEM));
    ASSERT_EQ(1, SSL_CTX_load_verify_locations(cctx, path("chain-cafile.pem").c_str(), nullptr));
    SSL_CTX_set_mode(cctx, SSL_MODE_NO_AUTO_CHAIN);
    Result r = handshake(cctx, sctx);
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.server_saw.empty());
}

// --- SSL_CTX_build_cert_chain / SSL_build_cert_chain ---------------------------

class BuildChain : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        sctx = server_ctx(TLS1_3_VERSION);
        cctx = client_ctx(TLS1_3_VERSION);
        ERR_clear_error();
    }
    void TearDown() override
    {
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
        ERR_clear_error();
    }
    std::vector<std::string> ctx_chain()
    {
        STACK_OF(X509) *sk = nullptr;
        EXPECT_EQ(1, SSL_CTX_get0_chain_certs(sctx, &sk));
        return cns(sk);
    }
    void use_store(std::initializer_list<const char *> files)
    {
        SSL_CTX_set_cert_store(sctx, store_of(files));
    }
    SSL_CTX *sctx = nullptr, *cctx = nullptr;
};

int last_reason()
{
    return ERR_GET_REASON(ERR_peek_last_error());
}

TEST_F(BuildChain, NeedsACertificate)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    EXPECT_EQ(0, SSL_CTX_build_cert_chain(ctx, 0));
    EXPECT_EQ(SSL_R_NO_CERTIFICATE_SET, last_reason());
    SSL_CTX_free(ctx);
}

TEST_F(BuildChain, FromTheStoreRootIncluded)
{
    use_store({"chain-cafile.pem"});
    EXPECT_EQ(1, SSL_CTX_build_cert_chain(sctx, 0));
    EXPECT_EQ(std::vector<std::string>({kInter, kRoot}), ctx_chain());
    // The built chain is the certificate's own now: sent as is.
    Result r = handshake(cctx, sctx);
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(kFull, r.client_saw);
}

TEST_F(BuildChain, NoRootDropsTheSelfSignedTop)
{
    use_store({"chain-cafile.pem"});
    EXPECT_EQ(1, SSL_CTX_build_cert_chain(sctx, SSL_BUILD_CHAIN_FLAG_NO_ROOT));
    EXPECT_EQ(std::vector<std::string>({kInter}), ctx_chain());
    Result r = handshake(cctx, sctx);
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(kNoRoot, r.client_saw);
}

TEST_F(BuildChain, IncompleteChainFailsAndChangesNothing)
{
    use_store({"chain-inter.pem"});
    EXPECT_EQ(0, SSL_CTX_build_cert_chain(sctx, 0));
    EXPECT_EQ(SSL_R_CERTIFICATE_VERIFY_FAILED, last_reason());
    EXPECT_TRUE(ctx_chain().empty());
}

TEST_F(BuildChain, IgnoreErrorKeepsWhatWasBuilt)
{
    use_store({"chain-inter.pem"});
    EXPECT_EQ(1, SSL_CTX_build_cert_chain(sctx, SSL_BUILD_CHAIN_FLAG_IGNORE_ERROR));
    EXPECT_EQ(std::vector<std::string>({kInter}), ctx_chain());
}

TEST_F(BuildChain, IgnoreErrorWithNothingBuiltReturnsTwo)
{
    use_store({});
    EXPECT_EQ(2, SSL_CTX_build_cert_chain(sctx, SSL_BUILD_CHAIN_FLAG_IGNORE_ERROR |
                                                    SSL_BUILD_CHAIN_FLAG_CLEAR_ERROR));
    EXPECT_EQ(0UL, ERR_peek_error());
    EXPECT_TRUE(ctx_chain().empty());
}

TEST_F(BuildChain, CheckUsesOnlyTheConfiguredChainAndReordersIt)
{
    use_store({});
    // Configured out of order: root first.
    ASSERT_EQ(1, SSL_CTX_add0_chain_cert(sctx, load_cert("ca.pem")));
    ASSERT_EQ(1, SSL_CTX_add0_chain_cert(sctx, load_cert("chain-inter.pem")));
    EXPECT_EQ(1, SSL_CTX_build_cert_chain(sctx, SSL_BUILD_CHAIN_FLAG_CHECK));
    EXPECT_EQ(std::vector<std::string>({kInter, kRoot}), ctx_chain());
    EXPECT_EQ(1, SSL_CTX_build_cert_chain(sctx, SSL_BUILD_CHAIN_FLAG_CHECK |
                                                    SSL_BUILD_CHAIN_FLAG_NO_ROOT));
    EXPECT_EQ(std::vector<std::string>({kInter}), ctx_chain());
}

TEST_F(BuildChain, CheckFailsWithoutTheRootInTheChain)
{
    use_store({"chain-cafile.pem"}); // not consulted under CHECK
    ASSERT_EQ(1, SSL_CTX_add0_chain_cert(sctx, load_cert("chain-inter.pem")));
    EXPECT_EQ(0, SSL_CTX_build_cert_chain(sctx, SSL_BUILD_CHAIN_FLAG_CHECK));
    EXPECT_EQ(SSL_R_CERTIFICATE_VERIFY_FAILED, last_reason());
    EXPECT_EQ(std::vector<std::string>({kInter}), ctx_chain());
}

TEST_F(BuildChain, UntrustedLetsTheConfiguredChainHelp)
{
    use_store({"ca.pem"});
    ASSERT_EQ(1, SSL_CTX_add0_chain_cert(sctx, load_cert("chain-inter.pem")));
    EXPECT_EQ(0, SSL_CTX_build_cert_chain(sctx, 0));
    ERR_clear_error();
    EXPECT_EQ(1, SSL_CTX_build_cert_chain(sctx, SSL_BUILD_CHAIN_FLAG_UNTRUSTED));
    EXPECT_EQ(std::vector<std::string>({kInter, kRoot}), ctx_chain());
}

TEST_F(BuildChain, ChainStoreIsPreferred)
{
    use_store({"chain-inter.pem"});
    X509_STORE *st = store_of({"chain-cafile.pem"});
    ASSERT_EQ(1, SSL_CTX_set1_chain_cert_store(sctx, st));
    X509_STORE_free(st);
    EXPECT_EQ(1, SSL_CTX_build_cert_chain(sctx, 0));
    EXPECT_EQ(std::vector<std::string>({kInter, kRoot}), ctx_chain());
}

TEST_F(BuildChain, OnTheConnection)
{
    use_store({"chain-cafile.pem"});
    SSL *s = SSL_new(sctx);
    EXPECT_EQ(1, SSL_build_cert_chain(s, SSL_BUILD_CHAIN_FLAG_NO_ROOT));
    STACK_OF(X509) *sk = nullptr;
    EXPECT_EQ(1, SSL_get0_chain_certs(s, &sk));
    EXPECT_EQ(std::vector<std::string>({kInter}), cns(sk));
    // The context's chain is untouched.
    EXPECT_TRUE(ctx_chain().empty());
    SSL_free(s);
}

} // namespace
