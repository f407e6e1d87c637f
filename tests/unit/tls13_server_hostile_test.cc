// Hostile ClientHellos (and a hostile client Finished) against our core
// TLS 1.3 server. Each test asserts what a peer and the application would
// see: the failure value (alert + reason, the reason equal to OpenSSL's
// SSL_R_*), the alert record on the wire, and that the failure is sticky
// and nothing else is sent or read afterwards.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

extern "C" {
#include "core/tls.h"
#include "core/conn.h"
#include "core/extensions.h"
#include "core/handshake.h"
#include "core/record.h"
}

#include "unit/tls13_server_harness.h"

namespace
{
using namespace tls13srv;

// OpenSSL reason values not (yet) in core/err.h.
enum {
    R_ERROR_IN_RECEIVED_CIPHER_LIST = 151,
    R_NO_CIPHERS_SPECIFIED = 183,
    R_MISSING_SUPPORTED_GROUPS_EXTENSION = 209,
    R_MISSING_PSK_KEX_MODES_EXTENSION = 310,
    R_INVALID_COMPRESSION_ALGORITHM = 341,
    R_NO_COMPRESSION_SPECIFIED = 187,
};

const std::string kHrrRandom("\xCF\x21\xAD\x74\xE5\x9A\x61\x11\xBE\x1D\x8C\x02\x1E\x65\xB8\x91"
                             "\xC2\xA2\x11\x16\x7A\xBB\x8C\x5E\x07\x9E\x09\xE2\xC8\xA8\x33\x9C",
                             32);

std::string x25519_share()
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
    uint8_t pub[32];
    size_t n = sizeof(pub);
    EVP_PKEY_get_raw_public_key(k, pub, &n);
    EVP_PKEY_free(k);
    return std::string((const char *)pub, n);
}

std::string p256_share()
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    uint8_t pub[65];
    size_t n = 0;
    EVP_PKEY_get_octet_string_param(k, "encoded-pub-key", pub, sizeof(pub), &n);
    EVP_PKEY_free(k);
    return std::string((const char *)pub, n);
}

std::string list16(std::initializer_list<unsigned> v)
{
    std::string s;
    for (unsigned x : v)
        s += u16(x);
    return s;
}

std::string share(unsigned group, const std::string &kx)
{
    return u16(group) + u16(kx.size()) + kx;
}

enum : unsigned {
    X25519 = 0x001d,
    P256 = 0x0017,
    P384 = 0x0018,
};

// A ClientHello that our server accepts, field by field, so that each test
// changes exactly one thing.
struct CH {
    unsigned version = 0x0303;
    std::string random = std::string(32, '\x5a');
    std::string sid = std::string(32, '\x11');
    std::string suites = list16({0x1301, 0x1302, 0x1303});
    std::string comp = std::string(1, '\0');
    std::vector<std::pair<unsigned, std::string>> exts;
    using E = std::pair<unsigned, std::string>;

    CH()
    {
        exts = {
            {TLS_EXT_SUPPORTED_VERSIONS, u8(2) + u16(0x0304)},
            {TLS_EXT_SUPPORTED_GROUPS, u16(4) + list16({X25519, P256})},
            {TLS_EXT_KEY_SHARE, u16(36) + share(X25519, x25519_share())},
            {TLS_EXT_SIGNATURE_ALGORITHMS, u16(4) + list16({0x0403, 0x0804})},
            {TLS_EXT_PSK_KEX_MODES, u8(1) + u8(1)},
        };
    }

    std::string *find(unsigned type)
    {
        for (auto &e : exts)
            if (e.first == type)
                return &e.second;
        return nullptr;
    }
    void drop(unsigned type)
    {
        exts.erase(std::remove_if(
                       exts.begin(), exts.end(),
                       [&](const std::pair<unsigned, std::string> &e) { return e.first == type; }),
                   exts.end());
    }
    std::string ext_block() const
    {
        std::string b;
        for (auto &e : exts)
            b += ext(e.first, e.second);
        return b;
    }
    std::string body() const
    {
        std::string eb = ext_block();
        return u16(version) + random + u8(sid.size()) + sid + u16(suites.size()) + suites +
               u8(comp.size()) + comp + u16(eb.size()) + eb;
    }
    std::string msg() const { return hs(TLS_HS_CLIENT_HELLO, body()); }
    std::string rec() const { return record(TLS_CT_HANDSHAKE, msg(), 0x0301); }
};

int feed(Server &s, const std::string &bytes)
{
    s.to_server += bytes;
    int rc = s.handshake_step();
    s.drain();
    return rc;
}

// The alert the server sent last, if it was a plaintext alert record.
int plain_alert(const Server &s)
{
    std::vector<Rec> recs = split(s.wire_out);
    if (recs.empty() || recs.back().type != TLS_CT_ALERT || recs.back().body.size() != 2)
        return -1;
    EXPECT_EQ(2, (uint8_t)recs.back().body[0]); // fatal
    return (uint8_t)recs.back().body[1];
}

// Every later call reports the same failure and nothing more goes out.
void expect_sticky(Server &s, int rc)
{
    EXPECT_EQ(rc, tls_conn_error(s.c));
    size_t before = s.wire_out.size();
    EXPECT_EQ(rc, tls_conn_handshake(s.c));
    uint8_t b[8];
    size_t n;
    EXPECT_EQ(rc, tls_conn_read(s.c, b, sizeof(b), &n, 0));
    EXPECT_EQ(rc, tls_conn_write(s.c, (const uint8_t *)"x", 1, &n));
    s.drain();
    EXPECT_EQ(before, s.wire_out.size());
    size_t want = 99;
    (void)tls_conn_rbuf(s.c, &want);
    EXPECT_EQ(0u, want);
}

// Feed bytes to a fresh server and check it fails with (alert, reason), the
// alert in plaintext on the wire.
void expect_rejected(Server &s, const std::string &bytes, int alert, int reason)
{
    size_t mark = s.wire_out.size();
    int rc = feed(s, bytes);
    EXPECT_EQ(TLS_ERR(alert, reason), rc)
        << "alert " << TLS_ERR_ALERT(rc) << " reason " << TLS_ERR_REASON(rc);
    EXPECT_EQ(alert, TLS_ERR_ALERT(rc));
    EXPECT_EQ(alert, plain_alert(s));
    // No (further) ServerHello went out.
    for (const Rec &r : split(s.wire_out.substr(mark)))
        EXPECT_NE(TLS_CT_HANDSHAKE, r.type);
    expect_sticky(s, rc);
}

void expect_rejected(const CH &ch, int alert, int reason)
{
    Server s;
    expect_rejected(s, ch.rec(), alert, reason);
}

TEST(Tls13ServerHostile, BaselineHelloIsAccepted)
{
    Server s;
    EXPECT_EQ(TLS_WANT_INPUT, feed(s, CH().rec()));
    EXPECT_EQ(0, tls_conn_error(s.c));
    std::vector<Rec> recs = split(s.wire_out);
    ASSERT_EQ(3u, recs.size()); // ServerHello, CCS (session id sent), flight
    EXPECT_EQ(TLS_HS_SERVER_HELLO, (uint8_t)recs[0].body[0]);
    EXPECT_EQ(0x1301, tls_conn_cipher_suite(s.c));
    EXPECT_EQ(X25519, tls_conn_group(s.c));
}

TEST(Tls13ServerHostile, TruncatedHello)
{
    std::string b = CH().body();
    b.resize(b.size() - 1); // the extension block claims one byte more
    Server s;
    expect_rejected(s, record(TLS_CT_HANDSHAKE, hs(TLS_HS_CLIENT_HELLO, b)), TLS_AD_DECODE_ERROR,
                    TLS_R_LENGTH_MISMATCH);
}

TEST(Tls13ServerHostile, HelloCutInsideTheRandom)
{
    std::string b = CH().body().substr(0, 20);
    Server s;
    expect_rejected(s, record(TLS_CT_HANDSHAKE, hs(TLS_HS_CLIENT_HELLO, b)), TLS_AD_DECODE_ERROR,
                    TLS_R_LENGTH_MISMATCH);
}

TEST(Tls13ServerHostile, TrailingBytesAfterExtensions)
{
    Server s;
    expect_rejected(
        s, record(TLS_CT_HANDSHAKE, hs(TLS_HS_CLIENT_HELLO, CH().body() + std::string(1, '\0'))),
        TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
}

TEST(Tls13ServerHostile, DuplicateKnownExtension)
{
    CH ch;
    ch.exts.push_back({TLS_EXT_SUPPORTED_GROUPS, u16(2) + u16(X25519)});
    expect_rejected(ch, TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION);
}

TEST(Tls13ServerHostile, DuplicateUnknownExtension)
{
    CH ch;
    ch.exts.insert(ch.exts.begin(), {0x7a7a, ""});
    ch.exts.push_back({0x7a7a, "x"});
    expect_rejected(ch, TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION);
}

TEST(Tls13ServerHostile, UnknownExtensionsAreIgnored)
{
    CH ch;
    ch.exts.insert(ch.exts.begin(), {0x7a7a, ""});
    ch.exts.push_back({0xfe0d, "whatever"});
    Server s;
    EXPECT_EQ(TLS_WANT_INPUT, feed(s, ch.rec()));
    EXPECT_EQ(0, tls_conn_error(s.c));
}

TEST(Tls13ServerHostile, CompressionWithoutNull)
{
    CH ch;
    ch.comp = std::string("\x01", 1);
    expect_rejected(ch, TLS_AD_DECODE_ERROR, R_NO_COMPRESSION_SPECIFIED);
}

TEST(Tls13ServerHostile, CompressionNullPlusDeflate)
{
    CH ch;
    ch.comp = std::string("\x00\x01", 2);
    expect_rejected(ch, TLS_AD_ILLEGAL_PARAMETER, R_INVALID_COMPRESSION_ALGORITHM);
}

TEST(Tls13ServerHostile, CompressionEmpty)
{
    CH ch;
    ch.comp = "";
    expect_rejected(ch, TLS_AD_DECODE_ERROR, R_NO_COMPRESSION_SPECIFIED);
}

TEST(Tls13ServerHostile, NoTls13InSupportedVersions)
{
    CH ch;
    *ch.find(TLS_EXT_SUPPORTED_VERSIONS) = u8(4) + list16({0x0303, 0x0302});
    // TLS 1.2 would be served (tls12_server_vs_openssl_test); not by a 1.3-only server.
    Server s;
    s.cfg.min_version = TLS_V13;
    expect_rejected(s, ch.rec(), TLS_AD_PROTOCOL_VERSION, TLS_R_UNSUPPORTED_PROTOCOL);
}

TEST(Tls13ServerHostile, NoSupportedVersions)
{
    CH ch;
    ch.drop(TLS_EXT_SUPPORTED_VERSIONS);
    Server s;
    s.cfg.min_version = TLS_V13;
    expect_rejected(s, ch.rec(), TLS_AD_PROTOCOL_VERSION, TLS_R_UNSUPPORTED_PROTOCOL);
}

TEST(Tls13ServerHostile, NoExtensionsAtAll)
{
    CH ch;
    std::string b = ch.body();
    b.resize(b.size() - ch.ext_block().size() - 2);
    Server s;
    s.cfg.min_version = TLS_V13;
    expect_rejected(s, record(TLS_CT_HANDSHAKE, hs(TLS_HS_CLIENT_HELLO, b)),
                    TLS_AD_PROTOCOL_VERSION, TLS_R_UNSUPPORTED_PROTOCOL);
}

TEST(Tls13ServerHostile, OddSupportedVersions)
{
    CH ch;
    *ch.find(TLS_EXT_SUPPORTED_VERSIONS) = u8(3) + u16(0x0304) + u8(3);
    expect_rejected(ch, TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
}

TEST(Tls13ServerHostile, ShortX25519Share)
{
    CH ch;
    *ch.find(TLS_EXT_KEY_SHARE) = u16(35) + share(X25519, x25519_share().substr(1));
    expect_rejected(ch, TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_ECPOINT);
}

TEST(Tls13ServerHostile, P256PointNotOnCurve)
{
    CH ch;
    std::string bad = "\x04" + std::string(64, '\x01');
    *ch.find(TLS_EXT_SUPPORTED_GROUPS) = u16(2) + u16(P256);
    *ch.find(TLS_EXT_KEY_SHARE) = u16(69) + share(P256, bad);
    expect_rejected(ch, TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_ECPOINT);
}

TEST(Tls13ServerHostile, EmptyShare)
{
    CH ch;
    *ch.find(TLS_EXT_KEY_SHARE) = u16(4) + u16(X25519) + u16(0);
    expect_rejected(ch, TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
}

TEST(Tls13ServerHostile, ShareForGroupNotInSupportedGroups)
{
    CH ch;
    *ch.find(TLS_EXT_SUPPORTED_GROUPS) = u16(2) + u16(P256);
    expect_rejected(ch, TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_KEY_SHARE);
}

TEST(Tls13ServerHostile, TwoSharesForOneGroup)
{
    CH ch;
    *ch.find(TLS_EXT_KEY_SHARE) =
        u16(72) + share(X25519, x25519_share()) + share(X25519, x25519_share());
    expect_rejected(ch, TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_KEY_SHARE);
}

TEST(Tls13ServerHostile, SharesOutOfOrder)
{
    CH ch;
    std::string p = p256_share();
    std::string l = share(P256, p) + share(X25519, x25519_share());
    *ch.find(TLS_EXT_KEY_SHARE) = u16(l.size()) + l; // groups list X25519 first
    expect_rejected(ch, TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_KEY_SHARE);
}

TEST(Tls13ServerHostile, MissingSignatureAlgorithms)
{
    CH ch;
    ch.drop(TLS_EXT_SIGNATURE_ALGORITHMS);
    expect_rejected(ch, TLS_AD_MISSING_EXTENSION, TLS_R_MISSING_SIGALGS_EXTENSION);
}

TEST(Tls13ServerHostile, MissingSupportedGroups)
{
    CH ch;
    ch.drop(TLS_EXT_SUPPORTED_GROUPS);
    expect_rejected(ch, TLS_AD_MISSING_EXTENSION, R_MISSING_SUPPORTED_GROUPS_EXTENSION);
}

TEST(Tls13ServerHostile, MissingKeyShare)
{
    CH ch;
    ch.drop(TLS_EXT_KEY_SHARE);
    expect_rejected(ch, TLS_AD_MISSING_EXTENSION, TLS_R_NO_SUITABLE_KEY_SHARE);
}

TEST(Tls13ServerHostile, NoSignatureSchemeFitsTheKey)
{
    CH ch; // our key is ECDSA P-256
    *ch.find(TLS_EXT_SIGNATURE_ALGORITHMS) = u16(6) + list16({0x0804, 0x0807, 0x0503});
    expect_rejected(ch, TLS_AD_HANDSHAKE_FAILURE, TLS_R_NO_SUITABLE_SIGNATURE_ALGORITHM);
}

TEST(Tls13ServerHostile, PreSharedKeyNotLast)
{
    CH ch;
    std::string ids = u16(5) + "ident" + std::string(4, '\0');
    std::string binders = u8(32) + std::string(32, '\x42');
    std::string psk = u16(ids.size()) + ids + u16(binders.size()) + binders;
    ch.exts.insert(ch.exts.begin(), {TLS_EXT_PRE_SHARED_KEY, psk});
    expect_rejected(ch, TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_EXTENSION);
}

TEST(Tls13ServerHostile, WellFormedPskIsIgnored)
{
    CH ch;
    std::string ids = u16(5) + "ident" + std::string(4, '\0');
    std::string binders = u8(32) + std::string(32, '\x42');
    std::string psk = u16(ids.size()) + ids + u16(binders.size()) + binders;
    ch.exts.push_back({TLS_EXT_PRE_SHARED_KEY, psk});
    Server s;
    EXPECT_EQ(TLS_WANT_INPUT, feed(s, ch.rec()));
    EXPECT_EQ(0, tls_conn_error(s.c));
    // A full handshake's ServerHello: no pre_shared_key answer in it.
    std::vector<Rec> recs = split(s.wire_out);
    ASSERT_FALSE(recs.empty());
    EXPECT_EQ(std::string::npos, recs[0].body.find(u16(TLS_EXT_PRE_SHARED_KEY) + u16(2)));
}

TEST(Tls13ServerHostile, PskWithoutKexModes)
{
    CH ch;
    ch.drop(TLS_EXT_PSK_KEX_MODES);
    std::string ids = u16(5) + "ident" + std::string(4, '\0');
    std::string binders = u8(32) + std::string(32, '\x42');
    ch.exts.push_back(
        {TLS_EXT_PRE_SHARED_KEY, u16(ids.size()) + ids + u16(binders.size()) + binders});
    expect_rejected(ch, TLS_AD_MISSING_EXTENSION, R_MISSING_PSK_KEX_MODES_EXTENSION);
}

TEST(Tls13ServerHostile, EmptyCipherSuites)
{
    CH ch;
    ch.suites = "";
    expect_rejected(ch, TLS_AD_ILLEGAL_PARAMETER, R_NO_CIPHERS_SPECIFIED);
}

TEST(Tls13ServerHostile, OddCipherSuites)
{
    CH ch;
    ch.suites += "\x13";
    expect_rejected(ch, TLS_AD_DECODE_ERROR, R_ERROR_IN_RECEIVED_CIPHER_LIST);
}

TEST(Tls13ServerHostile, OnlyTls12Suites)
{
    CH ch;
    ch.suites = list16({0xc02f, 0xc030});
    expect_rejected(ch, TLS_AD_HANDSHAKE_FAILURE, TLS_R_NO_SHARED_CIPHER);
}

TEST(Tls13ServerHostile, SessionIdTooLong)
{
    CH ch;
    ch.sid = std::string(33, 'x');
    expect_rejected(ch, TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
}

TEST(Tls13ServerHostile, NoCommonGroup)
{
    CH ch;
    *ch.find(TLS_EXT_SUPPORTED_GROUPS) = u16(2) + u16(X25519);
    Server s;
    uint16_t ours = P384;
    s.cfg.groups = &ours;
    s.cfg.n_groups = 1;
    // OpenSSL 3.0's reason for this case.
    expect_rejected(s, ch.rec(), TLS_AD_HANDSHAKE_FAILURE, TLS_R_NO_SUITABLE_KEY_SHARE);
}

TEST(Tls13ServerHostile, NoCertificateConfigured)
{
    Server s;
    s.cfg.cert = nullptr;
    s.cfg.key = nullptr;
    expect_rejected(s, CH().rec(), TLS_AD_PROTOCOL_VERSION, TLS_R_UNSUPPORTED_PROTOCOL);
}

TEST(Tls13ServerHostile, SecondMessageInTheHelloRecord)
{
    Server s;
    CH ch;
    expect_rejected(s, record(TLS_CT_HANDSHAKE, ch.msg() + hs(TLS_HS_FINISHED, std::string(32, 0))),
                    TLS_AD_UNEXPECTED_MESSAGE, TLS_R_NOT_ON_RECORD_BOUNDARY);
}

TEST(Tls13ServerHostile, CcsBeforeHello)
{
    Server s;
    expect_rejected(s, record(TLS_CT_CHANGE_CIPHER_SPEC, "\x01"), TLS_AD_UNEXPECTED_MESSAGE,
                    TLS_R_UNEXPECTED_MESSAGE);
}

TEST(Tls13ServerHostile, FinishedInsteadOfHello)
{
    Server s;
    expect_rejected(s, record(TLS_CT_HANDSHAKE, hs(TLS_HS_FINISHED, std::string(32, 0))),
                    TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
}

TEST(Tls13ServerHostile, HelloSplitOverRecordsIsFine)
{
    Server s;
    std::string m = CH().msg();
    std::string bytes;
    for (size_t i = 0; i < m.size(); i += 50)
        bytes += record(TLS_CT_HANDSHAKE, m.substr(i, 50));
    EXPECT_EQ(TLS_WANT_INPUT, feed(s, bytes));
    EXPECT_EQ(0, tls_conn_error(s.c));
    EXPECT_EQ(TLS_HS_SERVER_HELLO, (uint8_t)split(s.wire_out)[0].body[0]);
}

// --- HelloRetryRequest ----------------------------------------------------

// A server that wants P-256 and a first ClientHello sharing X25519 only.
struct Hrr : Server {
    uint16_t ours = P256;
    CH ch1;
    Hrr()
    {
        cfg.groups = &ours;
        cfg.n_groups = 1;
    }
    void first()
    {
        ASSERT_EQ(TLS_WANT_INPUT, feed(*this, ch1.rec()));
        std::vector<Rec> recs = split(wire_out);
        ASSERT_EQ(2u, recs.size()); // HRR, then the compatibility CCS
        const std::string &b = recs[0].body;
        ASSERT_EQ(TLS_HS_SERVER_HELLO, (uint8_t)b[0]);
        EXPECT_EQ(kHrrRandom, b.substr(6, 32));
        // key_share carries only the selected group.
        EXPECT_NE(std::string::npos, b.find(u16(TLS_EXT_KEY_SHARE) + u16(2) + u16(P256)));
        EXPECT_EQ(TLS_CT_CHANGE_CIPHER_SPEC, recs[1].type);
        EXPECT_TRUE(tls_conn_did_hrr(c));
        // RFC 8446 4.2.2: a cookie of 32 bytes, to be echoed.
        size_t at = b.find(u16(TLS_EXT_COOKIE) + u16(34) + u16(32));
        ASSERT_NE(std::string::npos, at);
        cookie = b.substr(at + 6, 32);
    }
    CH second()
    {
        CH ch2 = ch1;
        *ch2.find(TLS_EXT_KEY_SHARE) = u16(69) + share(P256, p256_share());
        ch2.exts.push_back({TLS_EXT_COOKIE, u16(cookie.size()) + cookie});
        return ch2;
    }
    std::string cookie;
};

TEST(Tls13ServerHostile, HrrThenGoodSecondHello)
{
    Hrr s;
    ASSERT_NO_FATAL_FAILURE(s.first());
    size_t mark = s.wire_out.size();
    // A compatibility CCS may precede the second ClientHello.
    EXPECT_EQ(TLS_WANT_INPUT,
              feed(s, record(TLS_CT_CHANGE_CIPHER_SPEC, "\x01") + s.second().rec()));
    EXPECT_EQ(0, tls_conn_error(s.c));
    std::vector<Rec> recs = split(s.wire_out.substr(mark));
    ASSERT_EQ(2u, recs.size()); // ServerHello and the flight: no second CCS
    EXPECT_EQ(TLS_HS_SERVER_HELLO, (uint8_t)recs[0].body[0]);
    EXPECT_NE(kHrrRandom, recs[0].body.substr(6, 32));
    EXPECT_EQ(P256, tls_conn_group(s.c));
}

TEST(Tls13ServerHostile, HrrSecondHelloWithoutTheCookie)
{
    Hrr s;
    ASSERT_NO_FATAL_FAILURE(s.first());
    CH ch2 = s.second();
    ch2.drop(TLS_EXT_COOKIE);
    expect_rejected(s, ch2.rec(), TLS_AD_ILLEGAL_PARAMETER, TLS_R_COOKIE_MISMATCH);
}

TEST(Tls13ServerHostile, HrrSecondHelloWithAnAlteredCookie)
{
    Hrr s;
    ASSERT_NO_FATAL_FAILURE(s.first());
    s.cookie[31] ^= 1;
    expect_rejected(s, s.second().rec(), TLS_AD_ILLEGAL_PARAMETER, TLS_R_COOKIE_MISMATCH);
}

TEST(Tls13ServerHostile, HrrSecondHelloWithAnEmptyCookie)
{
    Hrr s;
    ASSERT_NO_FATAL_FAILURE(s.first());
    CH ch2 = s.second();
    *ch2.find(TLS_EXT_COOKIE) = u16(0);
    expect_rejected(s, ch2.rec(), TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
}

TEST(Tls13ServerHostile, HrrSecondHelloChangesCipherSuite)
{
    Hrr s;
    ASSERT_NO_FATAL_FAILURE(s.first());
    CH ch2 = s.second();
    ch2.suites = list16({0x1302}); // we picked 0x1301 from the first list
    expect_rejected(s, ch2.rec(), TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_CIPHER);
}

TEST(Tls13ServerHostile, HrrSecondHelloWrongGroup)
{
    Hrr s;
    ASSERT_NO_FATAL_FAILURE(s.first());
    CH ch2 = s.ch1; // the first hello's share again, cookie echoed
    ch2.exts.push_back({TLS_EXT_COOKIE, u16(s.cookie.size()) + s.cookie});
    expect_rejected(s, ch2.rec(), TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_KEY_SHARE);
}

TEST(Tls13ServerHostile, HrrSecondHelloTwoShares)
{
    Hrr s;
    ASSERT_NO_FATAL_FAILURE(s.first());
    CH ch2 = s.second();
    std::string l = share(X25519, x25519_share()) + share(P256, p256_share());
    *ch2.find(TLS_EXT_KEY_SHARE) = u16(l.size()) + l;
    expect_rejected(s, ch2.rec(), TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_KEY_SHARE);
}

TEST(Tls13ServerHostile, HrrSecondHelloChangesSessionId)
{
    Hrr s;
    ASSERT_NO_FATAL_FAILURE(s.first());
    CH ch2 = s.second();
    ch2.sid = std::string(32, '\x22');
    expect_rejected(s, ch2.rec(), TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_PACKET);
}

TEST(Tls13ServerHostile, HrrTwoCcsBeforeSecondHello)
{
    Hrr s;
    ASSERT_NO_FATAL_FAILURE(s.first());
    std::string ccs = record(TLS_CT_CHANGE_CIPHER_SPEC, "\x01");
    expect_rejected(s, ccs + ccs, TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
}

// --- the client's Finished ---------------------------------------------------

std::string unhex(const std::string &h)
{
    std::string out;
    for (size_t i = 0; i + 1 < h.size(); i += 2)
        out += (char)std::stoi(h.substr(i, 2), nullptr, 16);
    return out;
}

std::string secret_from(const std::vector<std::string> &log, const std::string &label)
{
    for (const auto &l : log)
        if (l.rfind(label + " ", 0) == 0)
            return unhex(l.substr(l.rfind(' ') + 1));
    return "";
}

// Seal one record under a traffic secret taken from the server's key log.
std::string seal(const Server &s, const char *label, uint8_t type, const std::string &body)
{
    std::string secret = secret_from(s.keylog, label);
    const tls_suite *suite = tls_suite_get(nullptr, tls_conn_cipher_suite(s.c));
    EXPECT_FALSE(secret.empty());
    tls_rec_dir d;
    tls_rec_dir_init(&d, 1);
    EXPECT_EQ(0, tls_rec_set_tls13(&d, 1, suite, (const uint8_t *)secret.data()));
    tls_writer w;
    tls_wr_init(&w);
    EXPECT_EQ(0, tls_rec_seal(&d, type, (const uint8_t *)body.data(), body.size(), 0, &w));
    std::string out((const char *)w.buf, w.len);
    tls_wr_free(&w);
    tls_rec_dir_clear(&d);
    return out;
}

// The alert in the server's last record, decrypted under `label`.
int protected_alert(const Server &s, const char *label)
{
    std::vector<Rec> recs = split(s.wire_out);
    if (recs.empty() || recs.back().type != TLS_CT_APPLICATION_DATA)
        return -1;
    std::string secret = secret_from(s.keylog, label);
    const tls_suite *suite = tls_suite_get(nullptr, tls_conn_cipher_suite(s.c));
    for (uint64_t seq = 0; seq < 8; seq++) {
        tls_rec_dir d;
        tls_rec_dir_init(&d, 0);
        if (tls_rec_set_tls13(&d, 0, suite, (const uint8_t *)secret.data()) != 0)
            return -1;
        d.seq = seq;
        std::string raw = record(recs.back().type, recs.back().body);
        uint8_t type, *data;
        size_t len;
        int rc = tls_rec_open(&d, (uint8_t *)&raw[0], raw.size(), &type, &data, &len);
        tls_rec_dir_clear(&d);
        if (rc == 0 && type == TLS_CT_ALERT && len == 2)
            return data[1];
    }
    return -1;
}

void expect_bad_client_flight(const std::string &msg, int alert, int reason)
{
    Server s;
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, CH().rec()));
    int rc = feed(s, seal(s, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", TLS_CT_HANDSHAKE, msg));
    EXPECT_EQ(TLS_ERR(alert, reason), rc);
    // Our Finished is out, so the alert goes under our application key.
    EXPECT_EQ(alert, protected_alert(s, "SERVER_TRAFFIC_SECRET_0"));
    EXPECT_FALSE(tls_conn_handshake_done(s.c));
    expect_sticky(s, rc);
}

// Open the server's records after its ServerHello (and CCS) with its
// handshake key: the concatenated handshake messages.
std::string decrypted_flight(const Server &s)
{
    std::vector<Rec> recs = split(s.wire_out);
    std::string secret = secret_from(s.keylog, "SERVER_HANDSHAKE_TRAFFIC_SECRET");
    const tls_suite *suite = tls_suite_get(nullptr, tls_conn_cipher_suite(s.c));
    tls_rec_dir d;
    tls_rec_dir_init(&d, 0);
    EXPECT_EQ(0, tls_rec_set_tls13(&d, 0, suite, (const uint8_t *)secret.data()));
    std::string out;
    for (const Rec &r : recs) {
        if (r.type != TLS_CT_APPLICATION_DATA)
            continue;
        std::string raw = record(r.type, r.body);
        uint8_t type, *data;
        size_t len;
        EXPECT_EQ(0, tls_rec_open(&d, (uint8_t *)&raw[0], raw.size(), &type, &data, &len));
        EXPECT_EQ(TLS_CT_HANDSHAKE, type);
        out.append((const char *)data, len);
    }
    tls_rec_dir_clear(&d);
    return out;
}

TEST(Tls13ServerHostile, FlightIsOneRecordWithSniAckAndAlpn)
{
    CH ch;
    std::string host = "svc.example";
    std::string sni = u8(0) + u16(host.size()) + host;
    ch.exts.insert(ch.exts.begin(), {TLS_EXT_SERVER_NAME, u16(sni.size()) + sni});
    std::string alpn = u8(2) + "h2" + u8(8) + "http/1.1";
    ch.exts.push_back({TLS_EXT_ALPN, u16(alpn.size()) + alpn});
    Server s;
    static const uint8_t ours[] = "\x08http/1.1";
    s.cfg.alpn = ours;
    s.cfg.alpn_len = 9;
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, ch.rec()));
    std::vector<Rec> recs = split(s.wire_out);
    ASSERT_EQ(3u, recs.size());
    std::string f = decrypted_flight(s);
    // EncryptedExtensions { server_name (empty), ALPN "http/1.1" }.
    std::string ee_exts =
        ext(TLS_EXT_SERVER_NAME, "") + ext(TLS_EXT_ALPN, u16(9) + u8(8) + "http/1.1");
    std::string ee = hs(TLS_HS_ENCRYPTED_EXTENSIONS, u16(ee_exts.size()) + ee_exts);
    ASSERT_GE(f.size(), ee.size());
    EXPECT_EQ(ee, f.substr(0, ee.size()));
    // Then Certificate, CertificateVerify and Finished, all in that record.
    std::vector<uint8_t> types;
    for (size_t o = 0; o + 4 <= f.size();) {
        types.push_back((uint8_t)f[o]);
        o += 4 + ((uint8_t)f[o + 1] << 16 | (uint8_t)f[o + 2] << 8 | (uint8_t)f[o + 3]);
    }
    EXPECT_EQ((std::vector<uint8_t>{TLS_HS_ENCRYPTED_EXTENSIONS, TLS_HS_CERTIFICATE,
                                    TLS_HS_CERTIFICATE_VERIFY, TLS_HS_FINISHED}),
              types);
    EXPECT_STREQ("svc.example", tls_conn_server_name(s.c));
}

TEST(Tls13ServerHostile, NoCompatCcsWhenDisabled)
{
    Server s;
    s.cfg.flags = TLS_CFG_NO_MIDDLEBOX_COMPAT;
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, CH().rec()));
    std::vector<Rec> recs = split(s.wire_out);
    ASSERT_EQ(2u, recs.size());
    EXPECT_EQ(TLS_CT_HANDSHAKE, recs[0].type);
    EXPECT_EQ(TLS_CT_APPLICATION_DATA, recs[1].type);
}

// OpenSSL's server sends its compatibility CCS whatever the client's
// session id (tls13ccstest: client compatibility off, server on).
TEST(Tls13ServerHostile, CompatCcsAlsoWithoutSessionId)
{
    CH ch;
    ch.sid = "";
    Server s;
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, ch.rec()));
    std::vector<Rec> recs = split(s.wire_out);
    ASSERT_EQ(3u, recs.size());
    EXPECT_EQ(TLS_CT_CHANGE_CIPHER_SPEC, recs[1].type);
    EXPECT_EQ(TLS_CT_APPLICATION_DATA, recs[2].type);
}

TEST(Tls13ServerHostile, SniWithNulIsRejected)
{
    CH ch;
    std::string host("a\0b", 3);
    std::string sni = u8(0) + u16(host.size()) + host;
    ch.exts.insert(ch.exts.begin(), {TLS_EXT_SERVER_NAME, u16(sni.size()) + sni});
    expect_rejected(ch, TLS_AD_UNRECOGNIZED_NAME, TLS_R_BAD_EXTENSION);
}

TEST(Tls13ServerHostile, WrongClientFinished)
{
    expect_bad_client_flight(hs(TLS_HS_FINISHED, std::string(32, '\x33')), TLS_AD_DECRYPT_ERROR,
                             TLS_R_DIGEST_CHECK_FAILED);
}

TEST(Tls13ServerHostile, ClientFinishedWrongLength)
{
    expect_bad_client_flight(hs(TLS_HS_FINISHED, std::string(31, '\x33')), TLS_AD_DECODE_ERROR,
                             TLS_R_BAD_DIGEST_LENGTH);
}

TEST(Tls13ServerHostile, UnrequestedClientCertificate)
{
    expect_bad_client_flight(hs(TLS_HS_CERTIFICATE, u8(0) + u24(0)), TLS_AD_UNEXPECTED_MESSAGE,
                             TLS_R_UNEXPECTED_MESSAGE);
}

TEST(Tls13ServerHostile, ApplicationDataBeforeFinished)
{
    Server s;
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, CH().rec()));
    int rc = feed(s, seal(s, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", TLS_CT_APPLICATION_DATA, "hi"));
    EXPECT_EQ(TLS_ERR(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_RECORD), rc);
    EXPECT_EQ(TLS_AD_UNEXPECTED_MESSAGE, protected_alert(s, "SERVER_TRAFFIC_SECRET_0"));
    expect_sticky(s, rc);
}

// --- our own client against our own server ----------------------------------

TEST(Tls13ServerHostile, CoreClientAgainstCoreServer)
{
    Server s;
    tls_config ccfg{};
    ccfg.server_name = "core.test";
    tls_conn *cl = tls_conn_new(&ccfg, 0);
    ASSERT_NE(nullptr, cl);
    s.start();
    int crc = TLS_WANT_INPUT, src = TLS_WANT_INPUT;
    auto pump = [&](tls_conn *from, std::string &to) {
        const uint8_t *d;
        size_t n;
        while ((n = tls_conn_out(from, &d)) > 0) {
            to.append((const char *)d, n);
            tls_conn_out_consume(from, n);
        }
    };
    std::string to_client;
    for (int i = 0; i < 10 && (crc != TLS_OK || src != TLS_OK); i++) {
        for (;;) {
            crc = tls_conn_handshake(cl);
            pump(cl, s.to_server);
            size_t want;
            uint8_t *p = tls_conn_rbuf(cl, &want);
            if (crc != TLS_WANT_INPUT || to_client.empty() || want == 0)
                break;
            size_t n = std::min(want, to_client.size());
            memcpy(p, to_client.data(), n);
            to_client.erase(0, n);
            tls_conn_rbuf_commit(cl, n);
        }
        src = s.handshake_step();
        to_client += s.drain();
        ASSERT_GE(crc, 0);
        ASSERT_GE(src, 0);
    }
    EXPECT_EQ(TLS_OK, crc);
    EXPECT_EQ(TLS_OK, src);
    EXPECT_STREQ("core.test", tls_conn_server_name(s.c));
    EXPECT_EQ(tls_conn_cipher_suite(cl), tls_conn_cipher_suite(s.c));
    uint8_t a[32], b[32];
    ASSERT_EQ(0, tls_conn_export(cl, a, 32, "x", 1, nullptr, 0, 0));
    ASSERT_EQ(0, tls_conn_export(s.c, b, 32, "x", 1, nullptr, 0, 0));
    EXPECT_EQ(0, memcmp(a, b, 32));
    EXPECT_EQ(0x0403, tls_conn_peer_sigalg(cl));
    tls_conn_free(cl);
}

} // namespace
