// Hostile servers, part 1: hand-built plaintext server messages fed to our
// core TLS 1.3 client (no real server needed). Each test checks what the
// user of the client sees: the failure value (alert + reason), the alert
// record actually queued on the wire, and that the failure is sticky.
// Part 2 (tls13_hostile_vs_openssl_test.cc) edits a real OpenSSL server's
// protected flight.
#include <gtest/gtest.h>

#include "unit/tls13_client_harness.h"

using namespace tls13test;

namespace
{

// --- hand-built ServerHello ------------------------------------------------

struct ShTest : ::testing::Test {
    Client p;
    std::string sid;
    void SetUp() override
    {
        p.start();
        ASSERT_EQ(TLS_WANT_INPUT, p.run_client([&] { return tls_conn_handshake(p.c); }));
        // ClientHello record: header 5, hs header 4, version 2, random 32.
        size_t n = (uint8_t)p.wire_out[43];
        sid = p.wire_out.substr(44, n);
    }
    std::string sh_body(const std::string &exts, uint16_t suite = 0x1302,
                        const std::string &random = std::string(32, '\x11'),
                        uint16_t version = 0x0303, uint8_t comp = 0)
    {
        return u16(version) + random + u8(sid.size()) + sid + u16(suite) + u8(comp) +
               u16(exts.size()) + exts;
    }
    std::string good_exts()
    {
        return ext(43, u16(0x0304)) + ext(51, u16(0x1d) + u16(32) + x25519_share());
    }
    int feed(const std::string &bytes)
    {
        mark = p.wire_out.size();
        p.to_client += bytes;
        return p.run_client([&] { return tls_conn_handshake(p.c); });
    }
    void expect_fail(int rc, int alert, int reason)
    {
        EXPECT_EQ(TLS_ERR(alert, reason), rc);
        EXPECT_EQ(alert, sent_alert(p, mark, "CLIENT_HANDSHAKE_TRAFFIC_SECRET"));
        expect_sticky(p, rc);
    }
    size_t mark = 0;
};

TEST_F(ShTest, ValidHandBuiltServerHelloIsAccepted)
{
    // Control: the hand-built hello passes, and the client waits for more.
    EXPECT_EQ(TLS_WANT_INPUT, feed(record(22, hs(2, sh_body(good_exts())))));
    EXPECT_EQ(0, tls_conn_error(p.c));
    EXPECT_EQ(0x1302, tls_conn_cipher_suite(p.c));
}

TEST_F(ShTest, TruncatedSessionIdVector)
{
    std::string body = u16(0x0303) + std::string(32, '\x11') + u8(32) + sid.substr(0, 10);
    expect_fail(feed(record(22, hs(2, body))), TLS_AD_DECODE_ERROR, TLS_R_BAD_PACKET);
}

TEST_F(ShTest, OverlongExtensionsVector)
{
    std::string body = sh_body(good_exts());
    body[body.size() - good_exts().size() - 1] += 5; // extensions length claims 5 more
    expect_fail(feed(record(22, hs(2, body))), TLS_AD_DECODE_ERROR, TLS_R_BAD_PACKET);
}

TEST_F(ShTest, ExtensionBodyLongerThanItsBlock)
{
    std::string exts = ext(43, u16(0x0304)) + u16(51) + u16(200) + u16(0x1d);
    expect_fail(feed(record(22, hs(2, sh_body(exts)))), TLS_AD_DECODE_ERROR, TLS_R_BAD_PACKET);
}

TEST_F(ShTest, UnknownSuite)
{
    expect_fail(feed(record(22, hs(2, sh_body(good_exts(), 0x13ff)))), TLS_AD_ILLEGAL_PARAMETER,
                TLS_R_UNKNOWN_CIPHER_RETURNED);
}

TEST_F(ShTest, SessionIdNotEchoed)
{
    sid[0] ^= 1;
    expect_fail(feed(record(22, hs(2, sh_body(good_exts())))), TLS_AD_ILLEGAL_PARAMETER, 999);
}

TEST_F(ShTest, CompressionMethodNotNull)
{
    expect_fail(
        feed(record(22, hs(2, sh_body(good_exts(), 0x1302, std::string(32, '\x11'), 0x0303, 1)))),
        TLS_AD_ILLEGAL_PARAMETER, 257);
}

TEST_F(ShTest, MissingSupportedVersionsMeansTls12)
{
    // TLS 1.2 was offered too: the TLS 1.2 client checks this ServerHello,
    // whose TLS 1.3 suite is not a TLS 1.2 one.
    std::string exts = ext(51, u16(0x1d) + u16(32) + x25519_share());
    expect_fail(feed(record(22, hs(2, sh_body(exts)))), TLS_AD_ILLEGAL_PARAMETER,
                TLS_R_WRONG_CIPHER_RETURNED);
}

TEST_F(ShTest, DowngradeSentinel)
{
    std::string random = std::string(24, '\x11') + "DOWNGRD" + u8(1);
    std::string body = u16(0x0303) + random + u8(sid.size()) + sid + u16(0xc02f) + u8(0) + u16(0);
    expect_fail(feed(record(22, hs(2, body))), TLS_AD_ILLEGAL_PARAMETER, 373);
}

// A TLS 1.3-only client: a TLS 1.2 ServerHello is out of its range, which
// OpenSSL's client reports before it looks at the downgrade sentinel
// (ssl_choose_client_version): protocol_version + SSL_R_UNSUPPORTED_PROTOCOL,
// with or without the sentinel.
struct ShTestTls13Only : ShTest {
    void SetUp() override
    {
        p.cfg.min_version = TLS_V13;
        ShTest::SetUp();
    }
};

TEST_F(ShTestTls13Only, Tls12ServerHelloWithDowngradeSentinel)
{
    std::string random = std::string(24, '\x11') + "DOWNGRD" + u8(1);
    std::string body = u16(0x0303) + random + u8(sid.size()) + sid + u16(0xc02f) + u8(0) + u16(0);
    expect_fail(feed(record(22, hs(2, body))), TLS_AD_PROTOCOL_VERSION, TLS_R_UNSUPPORTED_PROTOCOL);
}

TEST_F(ShTestTls13Only, Tls12ServerHelloWithoutSentinel)
{
    std::string body = u16(0x0303) + std::string(32, '\x11') + u8(sid.size()) + sid + u16(0xc02f) +
                       u8(0) + u16(0);
    expect_fail(feed(record(22, hs(2, body))), TLS_AD_PROTOCOL_VERSION, TLS_R_UNSUPPORTED_PROTOCOL);
}

TEST_F(ShTest, SupportedVersionsSelectsTls12)
{
    std::string exts = ext(43, u16(0x0303)) + ext(51, u16(0x1d) + u16(32) + x25519_share());
    expect_fail(feed(record(22, hs(2, sh_body(exts)))), TLS_AD_ILLEGAL_PARAMETER, 116);
}

TEST_F(ShTest, MissingKeyShare)
{
    expect_fail(feed(record(22, hs(2, sh_body(ext(43, u16(0x0304)))))), TLS_AD_MISSING_EXTENSION,
                TLS_R_NO_SUITABLE_KEY_SHARE);
}

TEST_F(ShTest, KeyShareForGroupNotOffered)
{
    std::string exts =
        ext(43, u16(0x0304)) + ext(51, u16(0x18) + u16(97) + u8(4) + std::string(96, '\x01'));
    expect_fail(feed(record(22, hs(2, sh_body(exts)))), TLS_AD_ILLEGAL_PARAMETER,
                TLS_R_BAD_KEY_SHARE);
}

TEST_F(ShTest, BadX25519PointLength)
{
    std::string exts =
        ext(43, u16(0x0304)) + ext(51, u16(0x1d) + u16(31) + std::string(31, '\x09'));
    expect_fail(feed(record(22, hs(2, sh_body(exts)))), TLS_AD_ILLEGAL_PARAMETER,
                TLS_R_BAD_ECPOINT);
}

TEST_F(ShTest, AllZeroX25519Point)
{
    // The all-zero point yields an all-zero shared secret (RFC 7748 6.1).
    std::string exts = ext(43, u16(0x0304)) + ext(51, u16(0x1d) + u16(32) + std::string(32, '\0'));
    expect_fail(feed(record(22, hs(2, sh_body(exts)))), TLS_AD_ILLEGAL_PARAMETER,
                TLS_R_BAD_ECPOINT);
}

TEST_F(ShTest, UnsolicitedExtension)
{
    // ALPN was not offered by this client.
    std::string exts = good_exts() + ext(16, u16(3) + u8(2) + "h2");
    expect_fail(feed(record(22, hs(2, sh_body(exts)))), TLS_AD_UNSUPPORTED_EXTENSION,
                TLS_R_UNSOLICITED_EXTENSION);
}

TEST_F(ShTest, ExtensionNotAllowedInServerHello)
{
    // supported_groups was offered, but belongs in EncryptedExtensions.
    std::string exts = good_exts() + ext(10, u16(2) + u16(0x1d));
    expect_fail(feed(record(22, hs(2, sh_body(exts)))), TLS_AD_ILLEGAL_PARAMETER,
                TLS_R_BAD_EXTENSION);
}

TEST_F(ShTest, DuplicateExtension)
{
    std::string exts = good_exts() + ext(43, u16(0x0304));
    expect_fail(feed(record(22, hs(2, sh_body(exts)))), TLS_AD_ILLEGAL_PARAMETER,
                TLS_R_BAD_EXTENSION);
}

TEST_F(ShTest, HelloRetryRequestTwice)
{
    std::string hrr1 = sh_body(ext(43, u16(0x0304)) + ext(51, u16(0x17)), 0x1302, kHrrRandom);
    EXPECT_EQ(TLS_WANT_INPUT, feed(record(22, hs(2, hrr1))));
    EXPECT_TRUE(tls_conn_did_hrr(p.c));
    // The compatibility CCS (before the second ClientHello, as OpenSSL
    // sends it), then a second ClientHello, now with a P-256 share.
    std::vector<Rec> recs = split(p.wire_out.substr(mark));
    ASSERT_EQ(2u, recs.size());
    EXPECT_EQ(20, recs[0].type);
    EXPECT_EQ(1, recs[1].body[0]);
    std::string hrr2 = sh_body(ext(43, u16(0x0304)) + ext(51, u16(0x18)), 0x1302, kHrrRandom);
    expect_fail(feed(record(22, hs(2, hrr2))), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
}

TEST_F(ShTest, HelloRetryRequestWithCookieOnly)
{
    std::string ch1 = split(p.wire_out).back().body;
    std::string hrr = sh_body(ext(43, u16(0x0304)) + ext(44, u16(5) + "yummy"), 0x1302, kHrrRandom);
    EXPECT_EQ(TLS_WANT_INPUT, feed(record(22, hs(2, hrr))));
    EXPECT_EQ(0, tls_conn_error(p.c));
    // The compatibility CCS, then the second ClientHello.
    std::vector<Rec> recs = split(p.wire_out.substr(mark));
    ASSERT_EQ(2u, recs.size());
    EXPECT_EQ(20, recs[0].type);
    std::string ch2 = recs[1].body;
    // The cookie is echoed, and the same X25519 share is sent again.
    EXPECT_NE(std::string::npos, ch2.find(ext(44, u16(5) + "yummy")));
    size_t at = ch1.find(u16(0x1d) + u16(32));
    ASSERT_NE(std::string::npos, at);
    EXPECT_NE(std::string::npos, ch2.find(ch1.substr(at, 36)));
    // Same random and session id.
    EXPECT_EQ(ch1.substr(6, 32 + 1 + 32), ch2.substr(6, 32 + 1 + 32));
}

TEST_F(ShTest, HelloRetryRequestForGroupAlreadySent)
{
    std::string hrr = sh_body(ext(43, u16(0x0304)) + ext(51, u16(0x1d)), 0x1302, kHrrRandom);
    expect_fail(feed(record(22, hs(2, hrr))), TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_KEY_SHARE);
}

// The client offers X25519 and P-256 only; an HRR naming P-384 (a group it
// could do, but did not offer) is refused as OpenSSL's client refuses it
// (RFC 8446 4.2.8; illegal_parameter, SSL_R_BAD_KEY_SHARE).
struct ShTestTwoGroups : ShTest {
    void SetUp() override
    {
        static const uint16_t groups[] = {0x001d, 0x0017};
        p.cfg.groups = groups;
        p.cfg.n_groups = 2;
        ShTest::SetUp();
    }
};

TEST_F(ShTestTwoGroups, HelloRetryRequestForGroupNotOffered)
{
    std::string hrr = sh_body(ext(43, u16(0x0304)) + ext(51, u16(0x18)), 0x1302, kHrrRandom);
    expect_fail(feed(record(22, hs(2, hrr))), TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_KEY_SHARE);
    // No second ClientHello went out: the alert is all the client sent.
    std::vector<Rec> recs = split(p.wire_out.substr(mark));
    ASSERT_EQ(1u, recs.size());
    EXPECT_EQ(TLS_CT_ALERT, recs[0].type);
}

TEST_F(ShTestTwoGroups, HelloRetryRequestForOfferedGroupIsFollowed)
{
    // Control for the test above: P-256 was offered, so the HRR is taken.
    std::string hrr = sh_body(ext(43, u16(0x0304)) + ext(51, u16(0x17)), 0x1302, kHrrRandom);
    EXPECT_EQ(TLS_WANT_INPUT, feed(record(22, hs(2, hrr))));
    EXPECT_EQ(0, tls_conn_error(p.c));
}

TEST_F(ShTest, HelloRetryRequestChangingNothing)
{
    std::string hrr = sh_body(ext(43, u16(0x0304)), 0x1302, kHrrRandom);
    expect_fail(feed(record(22, hs(2, hrr))), TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION);
}

TEST_F(ShTest, ServerHelloAfterHrrChangesSuite)
{
    std::string hrr = sh_body(ext(43, u16(0x0304)) + ext(51, u16(0x17)), 0x1302, kHrrRandom);
    EXPECT_EQ(TLS_WANT_INPUT, feed(record(22, hs(2, hrr))));
    EVP_PKEY *k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    uint8_t pt[65];
    unsigned char *enc = nullptr;
    size_t n = EVP_PKEY_get1_encoded_public_key(k, &enc);
    ASSERT_EQ(65u, n);
    memcpy(pt, enc, n);
    OPENSSL_free(enc);
    EVP_PKEY_free(k);
    std::string exts =
        ext(43, u16(0x0304)) + ext(51, u16(0x17) + u16(n) + std::string((char *)pt, n));
    expect_fail(feed(record(22, hs(2, sh_body(exts, 0x1301)))), TLS_AD_ILLEGAL_PARAMETER,
                TLS_R_WRONG_CIPHER_RETURNED);
}

TEST_F(ShTest, WrongFirstMessage)
{
    expect_fail(feed(record(22, hs(8, u16(0)))), TLS_AD_UNEXPECTED_MESSAGE,
                TLS_R_UNEXPECTED_MESSAGE);
}

TEST_F(ShTest, ServerHelloMustEndItsRecord)
{
    std::string rec = hs(2, sh_body(good_exts())) + hs(8, u16(0));
    expect_fail(feed(record(22, rec)), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_NOT_ON_RECORD_BOUNDARY);
}

TEST_F(ShTest, ServerHelloSplitAcrossRecordsIsFine)
{
    std::string m = hs(2, sh_body(good_exts()));
    EXPECT_EQ(TLS_WANT_INPUT, feed(record(22, m.substr(0, 3)) + record(22, m.substr(3, 30)) +
                                   record(22, m.substr(33))));
    EXPECT_EQ(0, tls_conn_error(p.c));
}

TEST_F(ShTest, OtherRecordInsideFragmentedMessage)
{
    std::string m = hs(2, sh_body(good_exts()));
    expect_fail(feed(record(22, m.substr(0, 10)) + record(21, "\x01\x00")),
                TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_RECORD);
}

TEST_F(ShTest, ExcessiveMessageLength)
{
    expect_fail(feed(record(22, u8(2) + u24(0xffffff))), TLS_AD_ILLEGAL_PARAMETER,
                TLS_R_EXCESSIVE_MESSAGE_SIZE);
}

TEST_F(ShTest, UnknownRecordType)
{
    expect_fail(feed(record(24, "\x01\x02")), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_RECORD);
}

TEST_F(ShTest, PlaintextRecordOverflow)
{
    std::string hdr = u8(22) + "\x03\x03" + u16(16385);
    expect_fail(feed(hdr), TLS_AD_RECORD_OVERFLOW, TLS_R_DATA_LENGTH_TOO_LONG);
}

TEST_F(ShTest, CcsBeforeServerHelloIsDroppedOnce)
{
    // RFC 8446 5: dropped any time after the ClientHello; a second is too many.
    EXPECT_EQ(TLS_WANT_INPUT, feed(record(20, "\x01")));
    EXPECT_EQ(0, tls_conn_error(p.c));
    expect_fail(feed(record(20, "\x01")), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
}

TEST_F(ShTest, ApplicationDataBeforeKeys)
{
    expect_fail(feed(record(23, "hello")), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_RECORD);
}

TEST_F(ShTest, FatalAlertFromServer)
{
    int rc = feed(record(21, "\x02\x28"));
    EXPECT_EQ(TLS_ERR(TLS_AD_NONE, TLS_R_ALERT_OFFSET + TLS_AD_HANDSHAKE_FAILURE), rc);
    EXPECT_EQ(TLS_AD_HANDSHAKE_FAILURE, tls_conn_alert_received(p.c));
    EXPECT_EQ(-1, sent_alert(p, mark, "")); // we do not answer an alert
    expect_sticky(p, rc);
}

TEST_F(ShTest, WarningAlertBeforeServerHelloIsIgnored)
{
    // Before a version is chosen TLS 1.2's alert rules apply, as on OpenSSL
    // (tests/apiunit/alert_rules_test.cc, OtherWarningsAreIgnored).
    EXPECT_EQ(TLS_WANT_INPUT, feed(record(21, "\x01\x2a")));
    EXPECT_EQ(0, tls_conn_error(p.c));
}

TEST_F(ShTest, UnexpectedEofDuringHandshake)
{
    tls_conn_transport_eof(p.c);
    int rc = tls_conn_handshake(p.c);
    EXPECT_EQ(TLS_ERR(TLS_AD_NONE, TLS_R_UNEXPECTED_EOF_WHILE_READING), rc);
    expect_sticky(p, rc);
}

} // namespace
