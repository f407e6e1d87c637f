// Our core TLS 1.2 server fed hand-made ClientHellos: version negotiation
// (what is served, the RFC 8446 downgrade sentinel, the fallback SCSV), the
// shape of the first flight (one record, only offered extensions answered)
// and refused hellos with OpenSSL's alert and reason.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "core/tls.h"
#include "core/conn.h"
#include "core/extensions.h"
#include "core/handshake.h"
#include "core/record.h"
#include "core/tls12.h"
}

#include "unit/tls13_server_harness.h"

namespace
{
using namespace tls13srv;

const std::string kSentinel12("DOWNGRD\x01", 8);

std::string list16(std::initializer_list<unsigned> v)
{
    std::string s;
    for (unsigned x : v)
        s += u16(x);
    return s;
}

// A TLS 1.2 ClientHello like OpenSSL's (max TLS 1.2), field by field.
struct CH12 {
    unsigned version = 0x0303;
    std::string sid;
    std::string suites = list16({0xC02B, 0xC02F, 0x00FF});
    std::string comp = std::string(1, '\0');
    std::vector<std::pair<unsigned, std::string>> exts = {
        {TLS_EXT_EC_POINT_FORMATS, u8(1) + u8(0)},
        {TLS_EXT_SUPPORTED_GROUPS, u16(4) + list16({0x001d, 0x0017})},
        {TLS_EXT_SESSION_TICKET, ""},
        {TLS_EXT_ENCRYPT_THEN_MAC, ""},
        {TLS_EXT_EXTENDED_MASTER_SECRET, ""},
        {TLS_EXT_SIGNATURE_ALGORITHMS, u16(6) + list16({0x0403, 0x0804, 0x0401})},
    };
    bool no_ext_block = false;

    std::string *find(unsigned type)
    {
        for (auto &e : exts)
            if (e.first == type)
                return &e.second;
        return nullptr;
    }
    std::string rec() const
    {
        std::string b = u16(version) + std::string(32, '\x42') + u8(sid.size()) + sid +
                        u16(suites.size()) + suites + u8(comp.size()) + comp;
        if (!no_ext_block) {
            std::string e;
            for (auto &x : exts)
                e += ext(x.first, x.second);
            b += u16(e.size()) + e;
        }
        return record(TLS_CT_HANDSHAKE, hs(TLS_HS_CLIENT_HELLO, b), 0x0301);
    }
};

int feed(Server &s, const std::string &bytes)
{
    s.to_server += bytes;
    int rc = s.handshake_step();
    s.drain();
    return rc;
}

// The ServerHello our server sent: its body.
std::string server_hello(Server &s)
{
    std::vector<Rec> recs = split(s.wire_out);
    if (recs.empty() || recs[0].type != TLS_CT_HANDSHAKE || recs[0].body.size() < 4 ||
        (uint8_t)recs[0].body[0] != TLS_HS_SERVER_HELLO)
        return "";
    size_t len = (uint8_t)recs[0].body[1] << 16 | (uint8_t)recs[0].body[2] << 8 |
                 (uint8_t)recs[0].body[3];
    return recs[0].body.substr(4, len);
}

// Extension types of a ServerHello body, in order.
std::vector<unsigned> sh_extensions(const std::string &sh)
{
    std::vector<unsigned> out;
    size_t off = 2 + 32;
    off += 1 + (uint8_t)sh[off];
    off += 2 + 1;
    if (off + 2 > sh.size())
        return out;
    off += 2;
    while (off + 4 <= sh.size()) {
        out.push_back((uint8_t)sh[off] << 8 | (uint8_t)sh[off + 1]);
        off += 4 + ((uint8_t)sh[off + 2] << 8 | (uint8_t)sh[off + 3]);
    }
    return out;
}

// Handshake message types in a record's body.
std::vector<unsigned> messages(const std::string &body)
{
    std::vector<unsigned> out;
    size_t off = 0;
    while (off + 4 <= body.size()) {
        out.push_back((uint8_t)body[off]);
        off += 4 + ((uint8_t)body[off + 1] << 16 | (uint8_t)body[off + 2] << 8 |
                    (uint8_t)body[off + 3]);
    }
    return out;
}

void expect_refused(Server &s, const std::string &bytes, int alert, int reason)
{
    int rc = feed(s, bytes);
    EXPECT_EQ(TLS_ERR(alert, reason), rc)
        << "alert " << TLS_ERR_ALERT(rc) << " reason " << TLS_ERR_REASON(rc);
    std::vector<Rec> recs = split(s.wire_out);
    ASSERT_EQ(1u, recs.size()); // the alert, nothing else
    EXPECT_EQ(TLS_CT_ALERT, recs[0].type);
    EXPECT_EQ(std::string("\x02", 1) + (char)alert, recs[0].body);
    EXPECT_EQ(rc, tls_conn_handshake(s.c)); // sticky
}

TEST(Tls12Server, FlightInOneRecordWithOfferedExtensionsOnly)
{
    Server s; // ECDSA certificate
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, CH12().rec()));
    EXPECT_EQ(TLS_V12, tls_conn_version(s.c));
    EXPECT_EQ(0xC02B, tls_conn_cipher_suite(s.c));
    EXPECT_EQ(0x001d, tls_conn_group(s.c));
    std::vector<Rec> recs = split(s.wire_out);
    ASSERT_EQ(1u, recs.size());
    EXPECT_EQ((std::vector<unsigned>{TLS_HS_SERVER_HELLO, TLS_HS_CERTIFICATE, 12, 14}),
              messages(recs[0].body));
    std::string sh = server_hello(s);
    ASSERT_GE(sh.size(), 35u);
    EXPECT_EQ(0x0303, (uint8_t)sh[0] << 8 | (uint8_t)sh[1]);
    EXPECT_EQ(kSentinel12, sh.substr(2 + 24, 8));
    EXPECT_EQ(0, sh[34]); // no session id: nothing to resume it with
    // renegotiation_info (the SCSV), EMS, point formats; no ETM for GCM,
    // no ticket without ticket_seal.
    EXPECT_EQ((std::vector<unsigned>{TLS_EXT_RENEGOTIATION_INFO, TLS_EXT_EXTENDED_MASTER_SECRET,
                                     TLS_EXT_EC_POINT_FORMATS}),
              sh_extensions(sh));
    EXPECT_EQ(1, tls_conn_ems(s.c));
    EXPECT_EQ(1, tls_conn_secure_reneg(s.c));
    EXPECT_EQ(0, tls_conn_etm(s.c));
}

TEST(Tls12Server, NoExtensionsAtAll)
{
    // A bare TLS 1.2 hello: no signature_algorithms means {sha1,ecdsa},
    // which security level 1 forbids, so only RSA key transport could be
    // chosen, and the ECDSA-only server has none.
    Server s;
    s.cfg.security_level = 1;
    CH12 ch;
    ch.no_ext_block = true;
    ch.suites = list16({0xC02B});
    expect_refused(s, ch.rec(), TLS_AD_HANDSHAKE_FAILURE, TLS_R_NO_SHARED_CIPHER);
}

TEST(Tls12Server, ServerMaxTls12HasNoSentinel)
{
    Server s;
    s.cfg.max_version = TLS_V12;
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, CH12().rec()));
    std::string sh = server_hello(s);
    ASSERT_GE(sh.size(), 34u);
    EXPECT_NE(kSentinel12, sh.substr(2 + 24, 8));
}

TEST(Tls12Server, Tls13ClientWithTls13DisabledGetsTls12)
{
    Server s;
    s.cfg.max_version = TLS_V12;
    CH12 ch;
    ch.exts.push_back({TLS_EXT_SUPPORTED_VERSIONS, u8(4) + list16({0x0304, 0x0303})});
    ch.suites = list16({0x1301, 0xC02B});
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, ch.rec()));
    EXPECT_EQ(TLS_V12, tls_conn_version(s.c));
    EXPECT_EQ(0xC02B, tls_conn_cipher_suite(s.c));
}

TEST(Tls12Server, SupportedVersionsDecidesOverLegacyVersion)
{
    Server s;
    CH12 ch;
    ch.exts.push_back({TLS_EXT_SUPPORTED_VERSIONS, u8(4) + list16({0x0302, 0x0301})});
    expect_refused(s, ch.rec(), TLS_AD_PROTOCOL_VERSION, TLS_R_UNSUPPORTED_PROTOCOL);
}

TEST(Tls12Server, Tls10ClientIsRefused)
{
    Server s;
    CH12 ch;
    ch.version = 0x0301;
    expect_refused(s, ch.rec(), TLS_AD_PROTOCOL_VERSION, TLS_R_UNSUPPORTED_PROTOCOL);
}

TEST(Tls12Server, Tls13OnlyServerRefusesTls12)
{
    Server s;
    s.cfg.min_version = TLS_V13;
    expect_refused(s, CH12().rec(), TLS_AD_PROTOCOL_VERSION, TLS_R_UNSUPPORTED_PROTOCOL);
}

TEST(Tls12Server, FallbackScsv)
{
    Server s;
    CH12 ch;
    ch.suites += u16(0x5600);
    expect_refused(s, ch.rec(), TLS_AD_INAPPROPRIATE_FALLBACK, TLS_R_INAPPROPRIATE_FALLBACK);
    Server s2;
    s2.cfg.max_version = TLS_V12; // 1.2 is our best: no fallback happened
    EXPECT_EQ(TLS_WANT_INPUT, feed(s2, ch.rec()));
}

TEST(Tls12Server, RenegotiationInfoMustBeEmpty)
{
    Server s;
    CH12 ch;
    ch.exts.push_back({TLS_EXT_RENEGOTIATION_INFO, u8(12) + std::string(12, 'x')});
    expect_refused(s, ch.rec(), TLS_AD_HANDSHAKE_FAILURE, TLS_R_RENEGOTIATION_MISMATCH);
}

TEST(Tls12Server, ClientWithoutSecureRenegotiationIsServed)
{
    Server s;
    CH12 ch;
    ch.suites = list16({0xC02B});
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, ch.rec()));
    EXPECT_EQ(0, tls_conn_secure_reneg(s.c));
    for (unsigned t : sh_extensions(server_hello(s)))
        EXPECT_NE(TLS_EXT_RENEGOTIATION_INFO, t);
}

TEST(Tls12Server, PointFormatsWithoutUncompressed)
{
    Server s;
    CH12 ch;
    *ch.find(TLS_EXT_EC_POINT_FORMATS) = u8(1) + u8(1);
    expect_refused(s, ch.rec(), TLS_AD_ILLEGAL_PARAMETER, TLS_R_ILLEGAL_POINT_COMPRESSION);
}

TEST(Tls12Server, NoCommonSuite)
{
    Server s;
    CH12 ch;
    ch.suites = list16({0xC02F, 0x00FF}); // RSA suites, ECDSA server
    expect_refused(s, ch.rec(), TLS_AD_HANDSHAKE_FAILURE, TLS_R_NO_SHARED_CIPHER);
}

TEST(Tls12Server, SignatureSchemeFromTheClientsList)
{
    Server s("server"); // RSA
    CH12 ch;
    *ch.find(TLS_EXT_SIGNATURE_ALGORITHMS) = u16(4) + list16({0x0403, 0x0501});
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, ch.rec()));
    EXPECT_EQ(0xC02F, tls_conn_cipher_suite(s.c));
    // The ServerKeyExchange ends with scheme(2) len(2) signature.
    std::vector<Rec> recs = split(s.wire_out);
    ASSERT_EQ(1u, recs.size());
    const std::string &b = recs[0].body;
    size_t off = 0;
    std::string ske;
    while (off + 4 <= b.size()) {
        size_t len = (uint8_t)b[off + 1] << 16 | (uint8_t)b[off + 2] << 8 | (uint8_t)b[off + 3];
        if ((uint8_t)b[off] == 12)
            ske = b.substr(off + 4, len);
        off += 4 + len;
    }
    ASSERT_GT(ske.size(), 4u + 32 + 4);
    // curve_type named_curve, x25519, 32-byte point, then the scheme.
    EXPECT_EQ(3, ske[0]);
    EXPECT_EQ(0x001d, (uint8_t)ske[1] << 8 | (uint8_t)ske[2]);
    EXPECT_EQ(32, ske[3]);
    EXPECT_EQ(0x0501, (uint8_t)ske[4 + 32] << 8 | (uint8_t)ske[5 + 32]);
}

TEST(Tls12Server, SessionIdOnlyWhenSessionsAreKept)
{
    Server s;
    s.cfg.session_new = [](void *, tls_conn *, const tls_session_state *) {};
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, CH12().rec()));
    std::string sh = server_hello(s);
    ASSERT_GE(sh.size(), 35u);
    EXPECT_EQ(32, sh[34]);
}

TEST(Tls12Server, TicketExtensionAnsweredWhenTicketsAreMade)
{
    Server s;
    s.cfg.ticket_seal = [](void *, tls_conn *, const tls_session_state *, uint8_t *, size_t,
                           size_t *) { return 1; };
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, CH12().rec()));
    std::vector<unsigned> e = sh_extensions(server_hello(s));
    EXPECT_NE(e.end(), std::find(e.begin(), e.end(), (unsigned)TLS_EXT_SESSION_TICKET));
    Server s2;
    s2.cfg.ticket_seal = s.cfg.ticket_seal;
    s2.cfg.flags |= TLS_CFG_NO_TICKET;
    ASSERT_EQ(TLS_WANT_INPUT, feed(s2, CH12().rec()));
    e = sh_extensions(server_hello(s2));
    EXPECT_EQ(e.end(), std::find(e.begin(), e.end(), (unsigned)TLS_EXT_SESSION_TICKET));
}

TEST(Tls12Server, CertificateRequestFollowsServerKeyExchange)
{
    Server s;
    s.cfg.flags |= TLS_CFG_REQUEST_CERT;
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, CH12().rec()));
    std::vector<Rec> recs = split(s.wire_out);
    ASSERT_EQ(1u, recs.size());
    EXPECT_EQ((std::vector<unsigned>{TLS_HS_SERVER_HELLO, TLS_HS_CERTIFICATE, 12,
                                     TLS_HS_CERTIFICATE_REQUEST, 14}),
              messages(recs[0].body));
}

TEST(Tls12Server, CcsBeforeClientKeyExchange)
{
    Server s;
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, CH12().rec()));
    s.wire_out.clear();
    expect_refused(s, record(TLS_CT_CHANGE_CIPHER_SPEC, "\x01"), TLS_AD_UNEXPECTED_MESSAGE,
                   TLS_R_UNEXPECTED_MESSAGE);
}

TEST(Tls12Server, FinishedBeforeClientKeyExchange)
{
    Server s;
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, CH12().rec()));
    s.wire_out.clear();
    expect_refused(s, record(TLS_CT_HANDSHAKE, hs(TLS_HS_FINISHED, std::string(12, 0))),
                   TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
}

TEST(Tls12Server, EmptyEcdhePoint)
{
    Server s;
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, CH12().rec()));
    s.wire_out.clear();
    expect_refused(s, record(TLS_CT_HANDSHAKE, hs(16, u8(0))), TLS_AD_DECODE_ERROR,
                   TLS_R_LENGTH_MISMATCH);
}

TEST(Tls12Server, WrongSizeX25519Point)
{
    Server s;
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, CH12().rec()));
    s.wire_out.clear();
    expect_refused(s, record(TLS_CT_HANDSHAKE, hs(16, u8(31) + std::string(31, '\x09'))),
                   TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_ECPOINT);
}

TEST(Tls12Server, RequiredCertificateMissing)
{
    Server s;
    s.cfg.flags |= TLS_CFG_REQUEST_CERT | TLS_CFG_REQUIRE_CERT;
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, CH12().rec()));
    s.wire_out.clear();
    expect_refused(s, record(TLS_CT_HANDSHAKE, hs(TLS_HS_CERTIFICATE, u24(0))),
                   TLS_AD_HANDSHAKE_FAILURE, TLS_R_PEER_DID_NOT_RETURN_A_CERTIFICATE);
}

TEST(Tls12Server, GarbageCertificate)
{
    Server s;
    s.cfg.flags |= TLS_CFG_REQUEST_CERT;
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, CH12().rec()));
    s.wire_out.clear();
    std::string cert = "not a certificate";
    expect_refused(s,
                   record(TLS_CT_HANDSHAKE,
                          hs(TLS_HS_CERTIFICATE, u24(cert.size() + 3) + u24(cert.size()) + cert)),
                   TLS_AD_DECODE_ERROR, TLS_R_BAD_PACKET);
}

// --- resumption (the server side of the abbreviated handshake) -------------

// A session our callbacks hand back for any id / ticket.
tls_session_state g_session;
int g_open_rc;

void known_session(Server &s, uint16_t suite, int ems)
{
    memset(&g_session, 0, sizeof(g_session));
    g_session.version = TLS_V12;
    g_session.suite = suite;
    g_session.secret_len = 48;
    memset(g_session.secret, 0x33, 48);
    g_session.session_id_len = 32;
    memset(g_session.session_id, 0x77, 32);
    g_session.ems = ems;
    s.cfg.session_new = [](void *, tls_conn *, const tls_session_state *) {};
    s.cfg.session_get = [](void *, tls_conn *, const uint8_t *, size_t, tls_session_state *st) {
        *st = g_session;
        return 0;
    };
}

std::string session_id_of(const std::string &sh)
{
    return sh.substr(35, (uint8_t)sh[34]);
}

TEST(Tls12Server, SessionIdResumptionIsAbbreviated)
{
    Server s;
    known_session(s, 0xC02B, 1);
    CH12 ch;
    ch.sid = std::string(32, '\x77');
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, ch.rec()));
    EXPECT_EQ(1, tls_conn_session_reused(s.c));
    std::vector<Rec> recs = split(s.wire_out);
    // ServerHello, CCS, Finished (encrypted): no Certificate, no key exchange.
    ASSERT_EQ(3u, recs.size());
    EXPECT_EQ((std::vector<unsigned>{TLS_HS_SERVER_HELLO}), messages(recs[0].body));
    EXPECT_EQ(TLS_CT_CHANGE_CIPHER_SPEC, recs[1].type);
    EXPECT_EQ(TLS_CT_HANDSHAKE, recs[2].type);
    std::string sh = server_hello(s);
    EXPECT_EQ(ch.sid, session_id_of(sh));
    EXPECT_EQ(0xC02B, (uint8_t)sh[35 + 32] << 8 | (uint8_t)sh[36 + 32]);
    // The client's ClientKeyExchange is not expected any more; the alert
    // goes out under our new keys.
    s.wire_out.clear();
    EXPECT_EQ(TLS_ERR(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE),
              feed(s, record(TLS_CT_HANDSHAKE, hs(16, u8(32) + std::string(32, '\x09')))));
    recs = split(s.wire_out);
    ASSERT_EQ(1u, recs.size());
    EXPECT_EQ(TLS_CT_ALERT, recs[0].type);
    EXPECT_NE(2u, recs[0].body.size()); // encrypted
}

TEST(Tls12Server, SessionWithEmsNeedsEmsAgain)
{
    // RFC 7627 5.3: abort rather than resume without the extension.
    Server s;
    known_session(s, 0xC02B, 1);
    CH12 ch;
    ch.sid = std::string(32, '\x77');
    ch.exts.erase(ch.exts.begin() + 4); // extended_master_secret
    ASSERT_EQ(nullptr, ch.find(TLS_EXT_EXTENDED_MASTER_SECRET));
    expect_refused(s, ch.rec(), TLS_AD_HANDSHAKE_FAILURE, TLS_R_INCONSISTENT_EXTMS);
}

TEST(Tls12Server, SessionWithoutEmsIsNotResumedWithEms)
{
    Server s;
    known_session(s, 0xC02B, 0);
    CH12 ch;
    ch.sid = std::string(32, '\x77');
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, ch.rec()));
    EXPECT_EQ(0, tls_conn_session_reused(s.c));
    EXPECT_NE(ch.sid, session_id_of(server_hello(s))); // a new session
    EXPECT_EQ(1, tls_conn_ems(s.c));
}

TEST(Tls12Server, SessionWhoseSuiteIsNotOfferedIsNotResumed)
{
    Server s;
    known_session(s, 0xC02C, 1);
    CH12 ch;
    ch.sid = std::string(32, '\x77');
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, ch.rec()));
    EXPECT_EQ(0, tls_conn_session_reused(s.c));
    EXPECT_EQ(0xC02B, tls_conn_cipher_suite(s.c));
}

void ticket_callbacks(Server &s, int open_rc)
{
    known_session(s, 0xC02B, 1);
    g_open_rc = open_rc;
    s.cfg.ticket_seal = [](void *, tls_conn *, const tls_session_state *, uint8_t *out, size_t,
                           size_t *len) {
        memcpy(out, "fresh", 5);
        *len = 5;
        return 0;
    };
    s.cfg.ticket_open = [](void *, tls_conn *, const uint8_t *t, size_t len,
                           tls_session_state *st) {
        if (std::string((const char *)t, len) != "old-ticket")
            return -1;
        *st = g_session;
        return g_open_rc;
    };
}

TEST(Tls12Server, TicketResumptionEchoesTheClientsSessionId)
{
    Server s;
    ticket_callbacks(s, 0);
    s.cfg.session_get = nullptr;
    CH12 ch;
    ch.sid = std::string(32, '\x55');
    *ch.find(TLS_EXT_SESSION_TICKET) = "old-ticket";
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, ch.rec()));
    EXPECT_EQ(1, tls_conn_session_reused(s.c));
    std::string sh = server_hello(s);
    EXPECT_EQ(ch.sid, session_id_of(sh));
    // No new ticket: no session_ticket extension, no NewSessionTicket.
    std::vector<unsigned> e = sh_extensions(sh);
    EXPECT_EQ(e.end(), std::find(e.begin(), e.end(), (unsigned)TLS_EXT_SESSION_TICKET));
    std::vector<Rec> recs = split(s.wire_out);
    ASSERT_EQ(3u, recs.size());
    EXPECT_EQ(TLS_CT_CHANGE_CIPHER_SPEC, recs[1].type);
}

TEST(Tls12Server, TicketWithAnOldKeyIsRenewed)
{
    Server s;
    ticket_callbacks(s, 2);
    CH12 ch;
    ch.sid = std::string(32, '\x55');
    *ch.find(TLS_EXT_SESSION_TICKET) = "old-ticket";
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, ch.rec()));
    EXPECT_EQ(1, tls_conn_session_reused(s.c));
    std::vector<unsigned> e = sh_extensions(server_hello(s));
    EXPECT_NE(e.end(), std::find(e.begin(), e.end(), (unsigned)TLS_EXT_SESSION_TICKET));
    std::vector<Rec> recs = split(s.wire_out);
    // ServerHello, NewSessionTicket, CCS, Finished.
    ASSERT_EQ(4u, recs.size());
    EXPECT_EQ((std::vector<unsigned>{TLS_HS_NEW_SESSION_TICKET}), messages(recs[1].body));
    // OpenSSL's lifetime hint in a resumed handshake is 0 (unspecified).
    EXPECT_EQ(hs(TLS_HS_NEW_SESSION_TICKET, std::string("\0\0\0\0\0\x05", 6) + "fresh"),
              recs[1].body);
    EXPECT_EQ(TLS_CT_CHANGE_CIPHER_SPEC, recs[2].type);
}

TEST(Tls12Server, UnknownTicketMeansFullHandshake)
{
    Server s;
    ticket_callbacks(s, 1);
    s.cfg.session_get = nullptr;
    CH12 ch;
    ch.sid = std::string(32, '\x55');
    *ch.find(TLS_EXT_SESSION_TICKET) = "old-ticket";
    ASSERT_EQ(TLS_WANT_INPUT, feed(s, ch.rec()));
    EXPECT_EQ(0, tls_conn_session_reused(s.c));
    std::string sh = server_hello(s);
    EXPECT_NE(ch.sid, session_id_of(sh));
    std::vector<unsigned> e = sh_extensions(sh);
    EXPECT_NE(e.end(), std::find(e.begin(), e.end(), (unsigned)TLS_EXT_SESSION_TICKET));
}

TEST(Tls12Server, TicketCallbackFailureFailsTheHandshake)
{
    Server s;
    ticket_callbacks(s, 0);
    CH12 ch;
    *ch.find(TLS_EXT_SESSION_TICKET) = "forged";
    // The callback's bare -1 becomes internal_error (OpenSSL's answer).
    int rc = feed(s, ch.rec());
    EXPECT_EQ(TLS_AD_INTERNAL_ERROR, TLS_ERR_ALERT(rc));
    EXPECT_FALSE(tls_conn_handshake_done(s.c));
}

// --- compression (RFC 3749) ----------------------------------------------------

TEST(Tls12Server, DeflateOnlyWhenEnabledAndOffered)
{
    CH12 ch;
    ch.comp = std::string("\x01\x00", 2);
    Server off;
    ASSERT_EQ(TLS_WANT_INPUT, feed(off, ch.rec()));
    std::string sh = server_hello(off);
    EXPECT_EQ(0, sh[35 + 2]);
    EXPECT_EQ(TLS_COMP_NULL, tls_conn_compression(off.c));
    Server on;
    on.cfg.flags |= TLS_CFG_COMPRESSION;
    ASSERT_EQ(TLS_WANT_INPUT, feed(on, ch.rec()));
    sh = server_hello(on);
    EXPECT_EQ(1, sh[35 + 2]);
    EXPECT_EQ(TLS_COMP_DEFLATE, tls_conn_compression(on.c));
    Server not_offered;
    not_offered.cfg.flags |= TLS_CFG_COMPRESSION;
    ASSERT_EQ(TLS_WANT_INPUT, feed(not_offered, CH12().rec()));
    EXPECT_EQ(TLS_COMP_NULL, tls_conn_compression(not_offered.c));
}

TEST(Tls12Server, NullCompressionMustBeOffered)
{
    Server s;
    CH12 ch;
    ch.comp = std::string("\x01", 1);
    expect_refused(s, ch.rec(), TLS_AD_DECODE_ERROR, TLS_R_NO_COMPRESSION_SPECIFIED);
}

} // namespace
