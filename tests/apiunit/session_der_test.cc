// d2i_SSL_SESSION refuses what OpenSSL 3.0's refuses (ssl/ssl_asn1.c): an
// SSL version that is neither SSL/TLS (major 3) nor DTLS, a cipher suite it
// does not know, a compression id that is not one byte. Found by
// fuzz_ticket's re-encoding property: ShimSSL used to accept such a
// session, with no cipher or without the compression id, and write it back
// as different bytes (cipher 00 00).
//
// Public API only: the same file, built against the system libssl, passes
// too (that is where the expectations come from).
#include <gtest/gtest.h>

#include <openssl/ssl.h>

#include <string>

namespace
{

// SSL_SESSION_ASN1 { version 1, ssl_version, cipher, session_id "",
// master_key "" [, comp_id [11] EXPLICIT OCTET STRING] }.
std::string session_der(uint16_t version, uint16_t suite, const std::string &comp_id = "",
                        bool comp = false)
{
    std::string body = std::string("\x02\x01\x01", 3);
    body += std::string("\x02\x02", 2) + char(version >> 8) + char(version & 0xff);
    body += std::string("\x04\x02", 2) + char(suite >> 8) + char(suite & 0xff);
    body += std::string("\x04\x00\x04\x00", 4);
    if (comp) {
        std::string os = std::string("\x04", 1) + char(comp_id.size()) + comp_id;
        body += std::string("\xab", 1) + char(os.size()) + os;
    }
    return std::string("\x30", 1) + char(body.size()) + body;
}

bool decodes(const std::string &der)
{
    const unsigned char *p = reinterpret_cast<const unsigned char *>(der.data());
    SSL_SESSION *ss = d2i_SSL_SESSION(nullptr, &p, (long)der.size());
    bool ok = ss != nullptr;
    if (ok) {
        // (Not byte for byte: OpenSSL fills in a missing time and timeout.)
        unsigned char *out = nullptr;
        EXPECT_GT(i2d_SSL_SESSION(ss, &out), 0);
        OPENSSL_free(out);
        EXPECT_NE(SSL_SESSION_get0_cipher(ss), nullptr);
    }
    SSL_SESSION_free(ss);
    return ok;
}

TEST(SessionDer, KnownSuiteAndVersionDecode)
{
    EXPECT_TRUE(decodes(session_der(0x0304, 0x1301)));
    EXPECT_TRUE(decodes(session_der(0x0303, 0xC02F)));
}

TEST(SessionDer, UnknownCipherSuiteIsRefused)
{
    EXPECT_FALSE(decodes(session_der(0x0303, 0x912F)));
    EXPECT_FALSE(decodes(session_der(0x0304, 0x0000)));
}

TEST(SessionDer, NonTlsVersionIsRefused)
{
    EXPECT_FALSE(decodes(session_der(0x0204, 0x1301)));
    EXPECT_FALSE(decodes(session_der(0x0004, 0x1301)));
}

TEST(SessionDer, CompressionIdMustBeOneByte)
{
    EXPECT_FALSE(decodes(session_der(0x0303, 0xC02F, std::string("\x01\x00", 2), true)));
    EXPECT_FALSE(decodes(session_der(0x0303, 0xC02F, "", true)));
}

} // namespace
