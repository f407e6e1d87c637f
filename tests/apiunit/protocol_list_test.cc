// Application-supplied ProtocolNameLists (RFC 7301 3.1): what
// SSL_select_next_proto picks and which lists SSL_CTX_set_alpn_protos
// accepts. Built against ShimSSL and, as the reference, the system OpenSSL.
#include <gtest/gtest.h>

#include <openssl/ssl.h>

#include <string>

namespace
{

const unsigned char kServer[] = "\x02h2\x08http/1.1";
const unsigned char kClient11[] = "\x08http/1.1";
const unsigned char kClientOther[] = "\x06spdy/3\x02h3";

std::string Name(const unsigned char *p, unsigned char n)
{
    return std::string(reinterpret_cast<const char *>(p), n);
}

TEST(SelectNextProto, FirstServerProtocolTheClientLists)
{
    unsigned char *out = nullptr;
    unsigned char outlen = 0;
    EXPECT_EQ(OPENSSL_NPN_NEGOTIATED,
              SSL_select_next_proto(&out, &outlen, kServer, sizeof(kServer) - 1, kClient11,
                                    sizeof(kClient11) - 1));
    ASSERT_NE(out, nullptr);
    EXPECT_EQ(Name(out, outlen), "http/1.1");
}

TEST(SelectNextProto, NoOverlapFallsBackToTheClientsFirst)
{
    unsigned char *out = nullptr;
    unsigned char outlen = 0;
    EXPECT_EQ(OPENSSL_NPN_NO_OVERLAP,
              SSL_select_next_proto(&out, &outlen, kServer, sizeof(kServer) - 1, kClientOther,
                                    sizeof(kClientOther) - 1));
    ASSERT_NE(out, nullptr);
    EXPECT_EQ(Name(out, outlen), "spdy/3");
}

TEST(SelectNextProto, MalformedServerEntryEndsTheSearch)
{
    // The second server name overruns the list: only "h3" is looked at.
    const unsigned char server[] = "\x02h3\x09http/1.1";
    unsigned char *out = nullptr;
    unsigned char outlen = 0;
    EXPECT_EQ(OPENSSL_NPN_NO_OVERLAP,
              SSL_select_next_proto(&out, &outlen, server, sizeof(server) - 1, kClient11,
                                    sizeof(kClient11) - 1));
    ASSERT_NE(out, nullptr);
    EXPECT_EQ(Name(out, outlen), "http/1.1");
}

TEST(SetAlpnProtos, RefusesEmptyOrOverrunningNames)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    ASSERT_NE(ctx, nullptr);
    EXPECT_EQ(0, SSL_CTX_set_alpn_protos(ctx, kServer, sizeof(kServer) - 1));
    const unsigned char empty_name[] = "\x02h2\x00";
    EXPECT_NE(0, SSL_CTX_set_alpn_protos(ctx, empty_name, sizeof(empty_name) - 1));
    const unsigned char overrun[] = "\x05h2";
    EXPECT_NE(0, SSL_CTX_set_alpn_protos(ctx, overrun, sizeof(overrun) - 1));
    SSL_CTX_free(ctx);
}

} // namespace
