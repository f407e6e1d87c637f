// The client-hello callback as servers use it (haproxy picks its certificate
// there): every SSL_client_hello_get* getter reports what the client sent,
// an extension the client did not send is a plain 0 with nothing on the
// error queue, and the callback's verdict decides the handshake.
#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "testlib/ssl_pair.h"
#include "testlib/testlib.h"

namespace
{

struct Seen {
    int calls = 0;
    int isv2 = -1;
    unsigned legacy_version = 0;
    size_t random_len = 0;
    size_t sid_len = 0;
    std::vector<unsigned char> ciphers;
    std::vector<unsigned char> comp;
    std::vector<int> exts;
    std::vector<unsigned char> sni_ext;
    int has_bogus = -1;
    unsigned long err_after = 1;
    int verdict = SSL_CLIENT_HELLO_SUCCESS;
};

int on_hello(SSL *s, int *al, void *arg)
{
    Seen *seen = static_cast<Seen *>(arg);
    seen->calls++;
    ERR_clear_error();
    seen->isv2 = SSL_client_hello_isv2(s);
    seen->legacy_version = SSL_client_hello_get0_legacy_version(s);
    const unsigned char *p = nullptr;
    seen->random_len = SSL_client_hello_get0_random(s, &p);
    seen->sid_len = SSL_client_hello_get0_session_id(s, &p);
    size_t n = SSL_client_hello_get0_ciphers(s, &p);
    seen->ciphers.assign(p, p + n);
    n = SSL_client_hello_get0_compression_methods(s, &p);
    seen->comp.assign(p, p + n);
    int *types = nullptr;
    size_t ntypes = 0;
    if (SSL_client_hello_get1_extensions_present(s, &types, &ntypes) == 1) {
        seen->exts.assign(types, types + ntypes);
        OPENSSL_free(types);
    }
    size_t len = 0;
    if (SSL_client_hello_get0_ext(s, TLSEXT_TYPE_server_name, &p, &len) == 1)
        seen->sni_ext.assign(p, p + len);
    seen->has_bogus = SSL_client_hello_get0_ext(s, 0xfafa, &p, &len);
    seen->err_after = ERR_peek_error();
    if (seen->verdict != SSL_CLIENT_HELLO_SUCCESS)
        *al = SSL_AD_ACCESS_DENIED;
    return seen->verdict;
}

class ClientHelloCb : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        alarm(60);
        sctx = SSL_CTX_new(TLS_server_method());
        cctx = SSL_CTX_new(TLS_client_method());
        ASSERT_EQ(SSL_CTX_use_certificate_chain_file(sctx, shimtest::cert("server.pem").c_str()), 1);
        ASSERT_EQ(SSL_CTX_use_PrivateKey_file(sctx, shimtest::cert("server.key").c_str(), SSL_FILETYPE_PEM), 1);
        SSL_CTX_set_client_hello_cb(sctx, on_hello, &seen);
    }
    void TearDown() override
    {
        SSL_free(c);
        SSL_free(s);
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
    }
    // 1 when both sides completed, 0 when either failed.
    int handshake()
    {
        c = SSL_new(cctx);
        s = SSL_new(sctx);
        if (!shimtest::connect_pair(c, s))
            return 0;
        SSL_set_tlsext_host_name(c, "hello.example");
        return shimtest::handshake_pair(c, s) ? 1 : 0;
    }
    SSL_CTX *sctx = nullptr, *cctx = nullptr;
    SSL *c = nullptr, *s = nullptr;
    Seen seen;
};

TEST_F(ClientHelloCb, GettersReportTheTls13ClientHello)
{
    ASSERT_EQ(handshake(), 1);
    EXPECT_EQ(seen.calls, 1);
    EXPECT_EQ(seen.isv2, 0);
    EXPECT_EQ(seen.legacy_version, (unsigned)TLS1_2_VERSION);
    EXPECT_EQ(seen.random_len, 32u);
    EXPECT_EQ(seen.sid_len, 32u); // middlebox compatibility session id
    // Our client offers TLS_AES_256_GCM_SHA384 first.
    ASSERT_GE(seen.ciphers.size(), 2u);
    EXPECT_EQ(seen.ciphers.size() % 2, 0u);
    EXPECT_EQ(seen.ciphers[0], 0x13);
    EXPECT_EQ(seen.comp, std::vector<unsigned char>({0}));
    // server_name, supported_versions and key_share are among the extensions.
    auto has = [&](int t) { return std::find(seen.exts.begin(), seen.exts.end(), t) != seen.exts.end(); };
    EXPECT_TRUE(has(TLSEXT_TYPE_server_name));
    EXPECT_TRUE(has(TLSEXT_TYPE_supported_versions));
    EXPECT_TRUE(has(TLSEXT_TYPE_key_share));
    // The server_name body: list length, type host_name, name length, name.
    const char *name = "hello.example";
    ASSERT_EQ(seen.sni_ext.size(), 5 + strlen(name));
    EXPECT_EQ(memcmp(seen.sni_ext.data() + 5, name, strlen(name)), 0);
    // Absent extension: 0, and nothing on the error queue.
    EXPECT_EQ(seen.has_bogus, 0);
    EXPECT_EQ(seen.err_after, 0ul);
}

TEST_F(ClientHelloCb, GettersReportATls12ClientHello)
{
    ASSERT_EQ(SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION), 1);
    ASSERT_EQ(handshake(), 1);
    EXPECT_EQ(SSL_version(s), TLS1_2_VERSION);
    EXPECT_EQ(seen.calls, 1);
    EXPECT_EQ(seen.legacy_version, (unsigned)TLS1_2_VERSION);
    EXPECT_EQ(seen.sid_len, 0u);
    ASSERT_GE(seen.ciphers.size(), 2u);
    EXPECT_NE(seen.ciphers[0], 0x13); // no TLS 1.3 suites offered
    auto has = [&](int t) { return std::find(seen.exts.begin(), seen.exts.end(), t) != seen.exts.end(); };
    EXPECT_TRUE(has(TLSEXT_TYPE_server_name));
    EXPECT_FALSE(has(TLSEXT_TYPE_supported_versions));
    EXPECT_EQ(seen.err_after, 0ul);
}

TEST_F(ClientHelloCb, ErrorVerdictFailsTheHandshakeWithItsAlert)
{
    seen.verdict = SSL_CLIENT_HELLO_ERROR;
    ASSERT_EQ(handshake(), 0);
    EXPECT_EQ(seen.calls, 1);
    // The server failed with the callback's reason; the client reads the
    // callback's alert.
    ERR_clear_error();
    int rc = SSL_do_handshake(c);
    EXPECT_EQ(SSL_get_error(c, rc), SSL_ERROR_SSL);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_AD_REASON_OFFSET + SSL_AD_ACCESS_DENIED);
}

TEST_F(ClientHelloCb, GettersOutsideTheCallbackReportNothing)
{
    ASSERT_EQ(handshake(), 1);
    const unsigned char *p = nullptr;
    size_t len = 0;
    EXPECT_EQ(SSL_client_hello_get0_random(s, &p), 0u);
    EXPECT_EQ(SSL_client_hello_get0_ext(s, TLSEXT_TYPE_server_name, &p, &len), 0);
    EXPECT_EQ(SSL_client_hello_get0_legacy_version(c), 0u);
}

} // namespace
