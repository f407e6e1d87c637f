// core/extensions: the per-message rules of RFC 8446 4.2 that every
// extension block obeys, checked on hand-made blocks.
#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "core/alert.h"
#include "core/extensions.h"
}

namespace
{

std::string u16(unsigned v)
{
    return std::string{(char)(v >> 8), (char)(v & 0xff)};
}
std::string ext(unsigned type, const std::string &body)
{
    return u16(type) + u16(body.size()) + body;
}

uint64_t bit(uint16_t type)
{
    return 1ull << tls_ext_index(type);
}

int parse(const std::string &block, unsigned msg, uint64_t offered, int is_response,
          tls_ext_block *out)
{
    tls_reader r;
    tls_rd_init(&r, (const uint8_t *)block.data(), block.size());
    return tls_ext_parse(&r, msg, offered, is_response, out);
}

TEST(Extensions, ParsesAllowedBlockAndFindsBodies)
{
    tls_ext_block b;
    std::string block = ext(TLS_EXT_SERVER_NAME, "") + ext(TLS_EXT_ALPN, u16(3) + "\x02h2");
    ASSERT_EQ(0, parse(block, TLS_EXTM_EE, bit(TLS_EXT_SERVER_NAME) | bit(TLS_EXT_ALPN), 1, &b));
    ASSERT_EQ(2u, b.n);
    tls_ext *alpn = tls_ext_find(&b, TLS_EXT_ALPN);
    ASSERT_NE(nullptr, alpn);
    EXPECT_EQ(5u, tls_rd_left(&alpn->body));
    EXPECT_EQ(nullptr, tls_ext_find(&b, TLS_EXT_KEY_SHARE));
}

TEST(Extensions, DuplicateIsIllegalParameter)
{
    tls_ext_block b;
    std::string block = ext(TLS_EXT_SERVER_NAME, "") + ext(TLS_EXT_SERVER_NAME, "");
    EXPECT_EQ(TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION),
              parse(block, TLS_EXTM_EE, bit(TLS_EXT_SERVER_NAME), 1, &b));
}

TEST(Extensions, UnsolicitedInResponseIsUnsupportedExtension)
{
    tls_ext_block b;
    EXPECT_EQ(TLS_ERR(TLS_AD_UNSUPPORTED_EXTENSION, TLS_R_UNSOLICITED_EXTENSION),
              parse(ext(TLS_EXT_ALPN, u16(3) + "\x02h2"), TLS_EXTM_EE, 0, 1, &b));
    // An extension type nobody knows is unsolicited too.
    EXPECT_EQ(TLS_ERR(TLS_AD_UNSUPPORTED_EXTENSION, TLS_R_UNSOLICITED_EXTENSION),
              parse(ext(0x7777, ""), TLS_EXTM_EE, ~0ull, 1, &b));
}

TEST(Extensions, KnownButWrongMessageIsIllegalParameter)
{
    tls_ext_block b;
    EXPECT_EQ(TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION),
              parse(ext(TLS_EXT_KEY_SHARE, u16(0x1d)), TLS_EXTM_EE, bit(TLS_EXT_KEY_SHARE), 1, &b));
    EXPECT_EQ(TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION),
              parse(ext(TLS_EXT_COOKIE, u16(1) + "c"), TLS_EXTM_SH, bit(TLS_EXT_COOKIE), 1, &b));
    // Cookie is fine in a HelloRetryRequest.
    EXPECT_EQ(0,
              parse(ext(TLS_EXT_COOKIE, u16(1) + "c"), TLS_EXTM_HRR, bit(TLS_EXT_COOKIE), 1, &b));
}

TEST(Extensions, UnknownIgnoredInRequestsAndTickets)
{
    tls_ext_block b;
    std::string block = ext(0x7777, "abc") + ext(TLS_EXT_EARLY_DATA, std::string(4, '\0'));
    ASSERT_EQ(0, parse(block, TLS_EXTM_NST, 0, 0, &b));
    ASSERT_EQ(1u, b.n);
    EXPECT_EQ(TLS_EXT_EARLY_DATA, b.ext[0].type);
}

TEST(Extensions, TruncatedBlockIsDecodeError)
{
    tls_ext_block b;
    std::string block = ext(TLS_EXT_SERVER_NAME, "");
    block += u16(TLS_EXT_ALPN) + u16(10) + "ab"; // body shorter than announced
    EXPECT_EQ(TLS_ERR_DECODE, parse(block, TLS_EXTM_EE, ~0ull, 1, &b));
    EXPECT_EQ(TLS_ERR_DECODE, parse(std::string(1, '\0'), TLS_EXTM_EE, ~0ull, 1, &b));
}

TEST(Alerts, OnlyCloseNotifyIsAClosure)
{
    EXPECT_TRUE(tls_alert_is_closure(TLS_AD_CLOSE_NOTIFY));
    EXPECT_FALSE(tls_alert_is_closure(TLS_AD_USER_CANCELLED));
    EXPECT_FALSE(tls_alert_is_closure(TLS_AD_HANDSHAKE_FAILURE));
    EXPECT_STREQ("decrypt_error", tls_alert_name(TLS_AD_DECRYPT_ERROR));
    EXPECT_STREQ("unknown", tls_alert_name(200));
}

} // namespace
