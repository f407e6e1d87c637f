// Our core TLS 1.2 client against the system's OpenSSL 3.0 server, in one
// process over memory BIOs (tls13_client_harness.h). What is checked is
// what each side observes: the version and suite both report, the bytes
// delivered, the key log lines and exporter values (equal only if the
// master secrets are), the TLS 1.2 facts (EMS, secure renegotiation), and for
// hostile servers the alert our client sends and the reason it reports.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/tls13_client_harness.h"

extern "C" {
#include "core/tls12.h"
}

using namespace tls13test;

namespace
{

// The OpenSSL server limited to TLS 1.2 (or up to 1.3 with max13).
struct Peer12 : Peer {
    explicit Peer12(const std::string &key = "p256", bool max13 = false) : Peer(key)
    {
        SSL_CTX_set_min_proto_version(sctx, TLS1_2_VERSION);
        SSL_CTX_set_max_proto_version(sctx, max13 ? TLS1_3_VERSION : TLS1_2_VERSION);
        SSL_CTX_set_security_level(sctx, 0);
    }
    // Share another peer's server context (session cache, ticket keys).
    void share_ctx(Peer12 &other)
    {
        SSL_CTX_up_ref(other.sctx);
        SSL_CTX_free(sctx);
        sctx = other.sctx;
    }
    void server_ciphers(const char *list) { ASSERT_EQ(1, SSL_CTX_set_cipher_list(sctx, list)); }
};

std::string pattern(size_t n, unsigned seed)
{
    std::string s(n, '\0');
    for (size_t i = 0; i < n; i++)
        s[i] = (char)((i * 131 + seed) & 0xff);
    return s;
}

void expect_data_both_ways(Peer &p, size_t n)
{
    std::string up = pattern(n, 7), down = pattern(n, 11);
    ASSERT_EQ(TLS_OK, p.client_write(up));
    EXPECT_EQ(up, p.server_read(up.size()));
    ASSERT_TRUE(p.server_write(down));
    std::string got;
    ASSERT_EQ(TLS_OK, p.client_read(got, down.size()));
    EXPECT_EQ(down, got);
}

void expect_exporters_agree(Peer &p)
{
    uint8_t ours[40], theirs[40];
    const char *label = "EXPERIMENTAL shimssl12";
    const uint8_t ctx[] = {9, 8, 7};
    ASSERT_EQ(0,
              tls_conn_export(p.c, ours, sizeof(ours), label, strlen(label), ctx, sizeof(ctx), 1));
    ASSERT_EQ(1, SSL_export_keying_material(p.s, theirs, sizeof(theirs), label, strlen(label), ctx,
                                            sizeof(ctx), 1));
    EXPECT_EQ(0, memcmp(ours, theirs, sizeof(ours)));
    // TLS 1.2 (RFC 5705) tells no context from an empty one.
    ASSERT_EQ(0, tls_conn_export(p.c, ours, 20, label, strlen(label), nullptr, 0, 0));
    ASSERT_EQ(1, SSL_export_keying_material(p.s, theirs, 20, label, strlen(label), nullptr, 0, 0));
    EXPECT_EQ(0, memcmp(ours, theirs, 20));
    ASSERT_EQ(0, tls_conn_export(p.c, ours, 20, label, strlen(label), nullptr, 0, 1));
    EXPECT_NE(0, memcmp(ours, theirs, 20));
}

// Body of the first handshake message of `type` in a byte stream of plain
// records (what the client sent, or a server flight before its CCS).
std::string first_msg(const std::string &wire, uint8_t type)
{
    std::string hsbuf;
    for (const Rec &r : split(wire))
        if (r.type == TLS_CT_HANDSHAKE)
            hsbuf += r.body;
        else
            break;
    size_t o = 0;
    while (o + 4 <= hsbuf.size()) {
        size_t len = (uint8_t)hsbuf[o + 1] << 16 | (uint8_t)hsbuf[o + 2] << 8 | (uint8_t)hsbuf[o + 3];
        if ((uint8_t)hsbuf[o] == type)
            return hsbuf.substr(o + 4, len);
        o += 4 + len;
    }
    return "";
}

struct Hello {
    std::string random, sid, suites, comp;
    std::vector<std::pair<unsigned, std::string>> exts;
    bool has(unsigned t) const
    {
        for (auto &e : exts)
            if (e.first == t)
                return true;
        return false;
    }
};

Hello parse_client_hello(const std::string &b)
{
    Hello h;
    size_t o = 2;
    h.random = b.substr(o, 32);
    o += 32;
    h.sid = b.substr(o + 1, (uint8_t)b[o]);
    o += 1 + h.sid.size();
    size_t sl = (uint8_t)b[o] << 8 | (uint8_t)b[o + 1];
    h.suites = b.substr(o + 2, sl);
    o += 2 + sl;
    h.comp = b.substr(o + 1, (uint8_t)b[o]);
    o += 1 + h.comp.size();
    size_t el = (uint8_t)b[o] << 8 | (uint8_t)b[o + 1];
    o += 2;
    size_t end = o + el;
    while (o + 4 <= end) {
        unsigned t = (uint8_t)b[o] << 8 | (uint8_t)b[o + 1];
        size_t l = (uint8_t)b[o + 2] << 8 | (uint8_t)b[o + 3];
        h.exts.push_back({t, b.substr(o + 4, l)});
        o += 4 + l;
    }
    return h;
}

// ServerHello: rewrite its extension list.
struct ServerHello {
    std::string fixed; // version .. compression method
    std::vector<std::pair<unsigned, std::string>> exts;
    static ServerHello parse(const std::string &b)
    {
        ServerHello sh;
        size_t o = 2 + 32;
        o += 1 + (uint8_t)b[o];
        o += 3;
        sh.fixed = b.substr(0, o);
        if (o < b.size()) {
            size_t end = o + 2 + ((uint8_t)b[o] << 8 | (uint8_t)b[o + 1]);
            o += 2;
            while (o + 4 <= end) {
                unsigned t = (uint8_t)b[o] << 8 | (uint8_t)b[o + 1];
                size_t l = (uint8_t)b[o + 2] << 8 | (uint8_t)b[o + 3];
                sh.exts.push_back({t, b.substr(o + 4, l)});
                o += 4 + l;
            }
        }
        return sh;
    }
    std::string body() const
    {
        std::string e;
        for (auto &x : exts)
            e += ext(x.first, x.second);
        return fixed + u16(e.size()) + e;
    }
    void drop(unsigned t)
    {
        for (size_t i = 0; i < exts.size(); i++)
            if (exts[i].first == t)
                exts.erase(exts.begin() + (long)i--);
    }
};

// Apply edit to the server's first flight (plain records) once.
void edit_first_flight(Peer &p, std::function<void(std::vector<Rec> &)> edit)
{
    auto done = std::make_shared<bool>(false);
    p.tamper = [edit, done](std::string &s) {
        if (*done)
            return;
        *done = true;
        std::vector<Rec> recs = split(s);
        edit(recs);
        s.clear();
        for (auto &r : recs)
            s += record(r.type, r.body);
    };
}

void edit_server_hello(Peer &p, std::function<void(ServerHello &)> edit)
{
    edit_first_flight(p, [edit](std::vector<Rec> &recs) {
        size_t ri, off;
        ASSERT_TRUE(find_msg(recs, 2, &ri, &off));
        std::string &b = recs[ri].body;
        size_t len = (uint8_t)b[off + 1] << 16 | (uint8_t)b[off + 2] << 8 | (uint8_t)b[off + 3];
        ServerHello sh = ServerHello::parse(b.substr(off + 4, len));
        edit(sh);
        b.replace(off, 4 + len, hs(2, sh.body()));
    });
}

void expect_fail(Peer &p, int rc, int alert, int reason)
{
    EXPECT_EQ(TLS_ERR(alert, reason), rc)
        << "alert " << TLS_ERR_ALERT(rc) << " reason " << TLS_ERR_REASON(rc);
    std::vector<Rec> recs = split(p.wire_out);
    ASSERT_FALSE(recs.empty());
    if (alert != TLS_AD_NONE && recs.back().type == TLS_CT_ALERT && recs.back().body.size() == 2) {
        EXPECT_EQ(2, recs.back().body[0]);
        EXPECT_EQ(alert, (uint8_t)recs.back().body[1]);
    }
    expect_sticky(p, rc);
}

// --- suites --------------------------------------------------------------

struct SuiteCase {
    uint16_t id;
    const char *key;
};

class Suites : public ::testing::TestWithParam<SuiteCase>
{
};

TEST_P(Suites, HandshakeDataExporterFacts)
{
    SuiteCase sc = GetParam();
    Peer12 p(sc.key);
    uint16_t suite = sc.id;
    p.cfg.tls12_suites = &suite;
    p.cfg.n_tls12_suites = 1;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(TLS_V12, tls_conn_version(p.c));
    EXPECT_EQ(TLS1_2_VERSION, SSL_version(p.s));
    EXPECT_EQ(suite, tls_conn_cipher_suite(p.c));
    EXPECT_EQ(suite, SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(p.s)));
    EXPECT_EQ(1, p.handshake_done_events);
    // RFC 7627 and RFC 5746 by default on both sides.
    EXPECT_EQ(1, tls_conn_ems(p.c));
    EXPECT_EQ(1, SSL_get_extms_support(p.s));
    EXPECT_EQ(1, tls_conn_secure_reneg(p.c));
    EXPECT_EQ(1, SSL_get_secure_renegotiation_support(p.s));
    EXPECT_EQ(0, tls_conn_etm(p.c)); // AEAD
    EXPECT_EQ(TLS_COMP_NULL, tls_conn_compression(p.c));
    // Same master secret on both sides (NSS key log CLIENT_RANDOM).
    std::string ours = secret_from(p.client_keylog, "CLIENT_RANDOM");
    ASSERT_EQ(48u, ours.size());
    EXPECT_EQ(ours, secret_from(p.server_keylog, "CLIENT_RANDOM"));
    expect_data_both_ways(p, 1000);
    expect_data_both_ways(p, 40000);
    expect_exporters_agree(p);
    // Finished as both sides saw it.
    uint8_t a[64], b[64];
    EXPECT_EQ(12u, tls_conn_finished(p.c, 0, a, sizeof(a)));
    EXPECT_EQ(12u, SSL_get_peer_finished(p.s, b, sizeof(b)));
    EXPECT_EQ(0, memcmp(a, b, 12));
}

// RFC 7251's ECDHE-ECDSA AES-CCM suites (CCM8: an 8-byte tag), which
// OpenSSL 3.0 implements but leaves out of its default list.
TEST(Tls12Interop, EcdsaCcmSuites)
{
    for (uint16_t suite : {TLS_SUITE_ECDHE_ECDSA_WITH_AES_128_CCM,
                           TLS_SUITE_ECDHE_ECDSA_WITH_AES_128_CCM_8}) {
        Peer12 p("p256");
        p.server_ciphers("ECDHE-ECDSA-AES128-CCM:ECDHE-ECDSA-AES128-CCM8");
        p.cfg.tls12_suites = &suite;
        p.cfg.n_tls12_suites = 1;
        ASSERT_EQ(TLS_OK, p.handshake()) << suite;
        EXPECT_EQ(suite, tls_conn_cipher_suite(p.c));
        EXPECT_EQ(suite, SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(p.s)));
        expect_data_both_ways(p, 1000);
        expect_data_both_ways(p, 40000);
        expect_exporters_agree(p);
    }
}

INSTANTIATE_TEST_SUITE_P(Aead, Suites,
                         ::testing::Values(SuiteCase{0xC02B, "p256"}, SuiteCase{0xC02C, "p256"},
                                           SuiteCase{0xCCA9, "p256"}, SuiteCase{0xC02F, "rsa"},
                                           SuiteCase{0xC030, "rsa"}, SuiteCase{0xCCA8, "rsa"},
                                           SuiteCase{0xC02B, "ed25519"}),
                         [](const ::testing::TestParamInfo<SuiteCase> &i) {
                             char n[48];
                             snprintf(n, sizeof(n), "%04X_%s", i.param.id, i.param.key);
                             return std::string(n);
                         });

struct CbcCase {
    uint16_t id;
    const char *key;
    bool etm;
};

class Cbc : public ::testing::TestWithParam<CbcCase>
{
};

TEST_P(Cbc, HandshakeDataExporterWithAndWithoutEtm)
{
    CbcCase cc = GetParam();
    Peer12 p(cc.key);
    uint16_t suite = cc.id;
    p.cfg.tls12_suites = &suite;
    p.cfg.n_tls12_suites = 1;
    if (!cc.etm)
        p.cfg.flags |= TLS_CFG_NO_ETM;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(suite, tls_conn_cipher_suite(p.c));
    EXPECT_EQ(suite, SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(p.s)));
    EXPECT_EQ(cc.etm ? 1 : 0, tls_conn_etm(p.c));
    EXPECT_EQ(cc.etm, parse_client_hello(first_msg(p.wire_out, 1)).has(22));
    expect_data_both_ways(p, 1);
    expect_data_both_ways(p, 1000);
    expect_data_both_ways(p, 40000);
    expect_exporters_agree(p);
}

TEST(Tls12Client, CbcWithServerRefusingEtm)
{
    for (uint16_t suite : {0xC028, 0xC014}) {
        Peer12 p("rsa");
        SSL_CTX_set_options(p.sctx, SSL_OP_NO_ENCRYPT_THEN_MAC);
        p.cfg.tls12_suites = &suite;
        p.cfg.n_tls12_suites = 1;
        ASSERT_EQ(TLS_OK, p.handshake());
        EXPECT_TRUE(parse_client_hello(first_msg(p.wire_out, 1)).has(22));
        EXPECT_EQ(0, tls_conn_etm(p.c));
        expect_data_both_ways(p, 1000);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Tls12, Cbc,
    ::testing::Values(CbcCase{0xC024, "p256", true}, CbcCase{0xC024, "p256", false},
                      CbcCase{0xC028, "rsa", true}, CbcCase{0xC028, "rsa", false},
                      CbcCase{0xC023, "p256", true}, CbcCase{0xC027, "rsa", false},
                      CbcCase{0xC00A, "p256", true}, CbcCase{0xC014, "rsa", true},
                      CbcCase{0xC009, "p256", false}, CbcCase{0xC013, "rsa", true}),
    [](const ::testing::TestParamInfo<CbcCase> &i) {
        char n[48];
        snprintf(n, sizeof(n), "%04X_%s_%s", i.param.id, i.param.key, i.param.etm ? "EtM" : "MtE");
        return std::string(n);
    });

class Groups : public ::testing::TestWithParam<uint16_t>
{
};

TEST_P(Groups, EcdheGroup)
{
    // RSA: an OpenSSL server only uses an ECDSA certificate whose curve the
    // client lists.
    Peer12 p("rsa");
    uint16_t g = GetParam();
    p.cfg.groups = &g;
    p.cfg.n_groups = 1;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(g, tls_conn_group(p.c));
    ASSERT_NE(nullptr, tls_conn_peer_tmp_key(p.c));
    EXPECT_EQ(tls_group_nid(g), SSL_get_negotiated_group(p.s));
    EXPECT_EQ(EVP_PKEY_get_security_bits(tls_conn_peer_tmp_key(p.c)), tls_group_get(g)->bits);
    expect_data_both_ways(p, 100);
}

INSTANTIATE_TEST_SUITE_P(Tls12, Groups, ::testing::Values(0x001d, 0x0017, 0x0018, 0x0019, 0x001e));

// --- version negotiation ---------------------------------------------------

TEST(Tls12Client, DefaultConfigOffersBothAndServerPicksTls12)
{
    Peer12 p;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(TLS_V12, tls_conn_version(p.c));
    Hello h = parse_client_hello(first_msg(p.wire_out, 1));
    ASSERT_TRUE(h.has(43));
    for (auto &e : h.exts) {
        if (e.first == 43) {
            EXPECT_EQ(std::string("\x04\x03\x04\x03\x03", 5), e.second);
        }
    }
    // TLS 1.3 suites first, then TLS 1.2 ones, then the renegotiation SCSV.
    EXPECT_EQ(std::string("\x13\x02", 2), h.suites.substr(0, 2));
    EXPECT_EQ(std::string("\x00\xff", 2), h.suites.substr(h.suites.size() - 2));
    EXPECT_TRUE(h.has(23)); // extended_master_secret
    EXPECT_TRUE(h.has(11)); // ec_point_formats
    EXPECT_TRUE(h.has(35)); // session_ticket
    EXPECT_TRUE(h.has(22)); // encrypt_then_mac: CBC suites are offered
    EXPECT_EQ(32u, h.sid.size());
    expect_data_both_ways(p, 10);
}

TEST(Tls12Client, BothTls13GivesTls13)
{
    Peer12 p("p256", true);
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(TLS_V13, tls_conn_version(p.c));
    EXPECT_EQ(TLS1_3_VERSION, SSL_version(p.s));
    expect_data_both_ways(p, 10);
}

TEST(Tls12Client, MaxTls12SendsAPureTls12HelloAndIgnoresTheSentinel)
{
    // The server could do TLS 1.3, so its random carries DOWNGRD 01; a
    // client that did not offer TLS 1.3 has nothing to check.
    Peer12 p("p256", true);
    p.cfg.max_version = TLS_V12;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(TLS_V12, tls_conn_version(p.c));
    EXPECT_EQ(std::string("DOWNGRD\x01", 8),
              std::string((const char *)tls_conn_server_random(p.c) + 24, 8));
    std::string ch = first_msg(p.wire_out, 1);
    EXPECT_EQ(std::string("\x03\x03", 2), ch.substr(0, 2));
    Hello h = parse_client_hello(ch);
    EXPECT_FALSE(h.has(43)); // supported_versions
    EXPECT_FALSE(h.has(51)); // key_share
    EXPECT_FALSE(h.has(45)); // psk_key_exchange_modes
    EXPECT_TRUE(h.sid.empty());
    EXPECT_EQ(std::string("\x00", 1), h.comp);
    for (size_t i = 0; i + 1 < h.suites.size(); i += 2)
        EXPECT_NE(0x13, (uint8_t)h.suites[i]) << "a TLS 1.3 suite in a TLS 1.2 hello";
    expect_data_both_ways(p, 10);
}

TEST(Tls12Client, DowngradeSentinelIsRefused)
{
    Peer12 p;
    edit_server_hello(p, [](ServerHello &sh) { sh.fixed.replace(2 + 24, 8, "DOWNGRD\x01"); });
    expect_fail(p, p.handshake(), TLS_AD_ILLEGAL_PARAMETER, TLS_R_INAPPROPRIATE_FALLBACK);
}

TEST(Tls12Client, DowngradeSentinelForOlderVersionsIsRefused)
{
    Peer12 p;
    edit_server_hello(p, [](ServerHello &sh) { sh.fixed.replace(2 + 24, 8, std::string("DOWNGRD\x00", 8)); });
    expect_fail(p, p.handshake(), TLS_AD_ILLEGAL_PARAMETER, TLS_R_INAPPROPRIATE_FALLBACK);
}

TEST(Tls12Client, Tls13OnlyClientAndTls12OnlyServerDoNotMeet)
{
    Peer12 p;
    p.cfg.min_version = TLS_V13;
    EXPECT_EQ(TLS_ERR(TLS_AD_NONE, TLS_R_ALERT_OFFSET + TLS_AD_PROTOCOL_VERSION), p.handshake());
    EXPECT_FALSE(parse_client_hello(first_msg(p.wire_out, 1)).has(23)); // no TLS 1.2 extension
}

TEST(Tls12Client, Tls12ServerHelloToATls13OnlyClient)
{
    // A TLS 1.2 ServerHello answering a TLS 1.3-only ClientHello.
    Peer12 p("p256", true);
    p.cfg.min_version = TLS_V13;
    edit_server_hello(p, [](ServerHello &sh) {
        sh.drop(43);
        sh.drop(51);
    });
    expect_fail(p, p.handshake(), TLS_AD_PROTOCOL_VERSION, TLS_R_UNSUPPORTED_PROTOCOL);
}

// --- extensions ----------------------------------------------------------

TEST(Tls12Client, NoEmsWhenClientDoesNotAsk)
{
    Peer12 p;
    p.cfg.flags |= TLS_CFG_NO_EMS;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(0, tls_conn_ems(p.c));
    EXPECT_EQ(0, SSL_get_extms_support(p.s));
    EXPECT_FALSE(parse_client_hello(first_msg(p.wire_out, 1)).has(23));
    EXPECT_EQ(secret_from(p.client_keylog, "CLIENT_RANDOM"),
              secret_from(p.server_keylog, "CLIENT_RANDOM"));
    expect_data_both_ways(p, 100);
    expect_exporters_agree(p);
}

TEST(Tls12Client, NoEmsWhenServerRefuses)
{
    Peer12 p;
    SSL_CTX_set_options(p.sctx, SSL_OP_NO_EXTENDED_MASTER_SECRET);
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(0, tls_conn_ems(p.c));
    expect_data_both_ways(p, 100);
}

TEST(Tls12Client, MissingRenegotiationInfoIsRefused)
{
    Peer12 p;
    edit_server_hello(p, [](ServerHello &sh) { sh.drop(0xff01); });
    expect_fail(p, p.handshake(), TLS_AD_HANDSHAKE_FAILURE,
                TLS_R_UNSAFE_LEGACY_RENEGOTIATION_DISABLED);
}

TEST(Tls12Client, MissingRenegotiationInfoAllowedWithLegacyFlag)
{
    // The ServerHello without the extension is accepted; the handshake then
    // fails only because the server's transcript differs from ours: the
    // server finds our Finished wrong.
    Peer12 p;
    p.cfg.flags |= TLS_CFG_LEGACY_RENEG;
    edit_server_hello(p, [](ServerHello &sh) { sh.drop(0xff01); });
    // The server no longer derives the same keys (EMS hashes the transcript).
    EXPECT_EQ(TLS_ERR(TLS_AD_NONE, TLS_R_ALERT_OFFSET + TLS_AD_BAD_RECORD_MAC), p.handshake());
    EXPECT_EQ(0, tls_conn_secure_reneg(p.c));
    EXPECT_EQ(TLS_V12, tls_conn_version(p.c));
}

TEST(Tls12Client, NonEmptyRenegotiationInfoIsRefused)
{
    Peer12 p;
    edit_server_hello(p, [](ServerHello &sh) {
        for (auto &e : sh.exts)
            if (e.first == 0xff01)
                e.second = u8(12) + std::string(12, 'x');
    });
    expect_fail(p, p.handshake(), TLS_AD_HANDSHAKE_FAILURE, TLS_R_RENEGOTIATION_MISMATCH);
}

TEST(Tls12Client, UnsolicitedExtensionIsRefused)
{
    Peer12 p;
    p.cfg.flags |= TLS_CFG_NO_EMS;
    edit_server_hello(p, [](ServerHello &sh) { sh.exts.push_back({23, ""}); });
    expect_fail(p, p.handshake(), TLS_AD_UNSUPPORTED_EXTENSION, TLS_R_UNSOLICITED_EXTENSION);
}

TEST(Tls12Client, UnknownExtensionIsRefused)
{
    Peer12 p;
    edit_server_hello(p, [](ServerHello &sh) { sh.exts.push_back({0x1234, ""}); });
    expect_fail(p, p.handshake(), TLS_AD_UNSUPPORTED_EXTENSION, TLS_R_UNSOLICITED_EXTENSION);
}

TEST(Tls12Client, SuiteNotOfferedIsRefused)
{
    Peer12 p;
    uint16_t suite = 0xC02B;
    p.cfg.tls12_suites = &suite;
    p.cfg.n_tls12_suites = 1;
    edit_server_hello(p, [](ServerHello &sh) {
        size_t at = sh.fixed.size() - 3;
        sh.fixed.replace(at, 2, u16(0xC02C));
    });
    expect_fail(p, p.handshake(), TLS_AD_ILLEGAL_PARAMETER, TLS_R_WRONG_CIPHER_RETURNED);
}

TEST(Tls12Client, CompressionNotOfferedIsRefused)
{
    Peer12 p;
    edit_server_hello(p, [](ServerHello &sh) { sh.fixed.back() = 1; });
    expect_fail(p, p.handshake(), TLS_AD_ILLEGAL_PARAMETER,
                TLS_R_UNSUPPORTED_COMPRESSION_ALGORITHM);
}

TEST(Tls12Client, ServerFlightInOneRecordIsFine)
{
    // Servers other than OpenSSL pack ServerHello .. ServerHelloDone into
    // one record: a TLS 1.2 ServerHello changes no keys.
    Peer12 p;
    edit_first_flight(p, [](std::vector<Rec> &recs) {
        std::string all;
        std::vector<Rec> out;
        for (auto &r : recs)
            if (r.type == TLS_CT_HANDSHAKE)
                all += r.body;
        out.push_back({TLS_CT_HANDSHAKE, all, false});
        recs = out;
    });
    ASSERT_EQ(TLS_OK, p.handshake());
    expect_data_both_ways(p, 10);
}

TEST(Tls12Client, Alpn)
{
    Peer12 p;
    static const uint8_t protos[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    p.cfg.alpn = protos;
    p.cfg.alpn_len = sizeof(protos);
    SSL_CTX_set_alpn_select_cb(
        p.sctx,
        [](SSL *, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
           unsigned int inlen, void *) {
            return SSL_select_next_proto((unsigned char **)out, outlen,
                                         (const unsigned char *)"\x08http/1.1", 9, in, inlen) ==
                           OPENSSL_NPN_NEGOTIATED
                       ? SSL_TLSEXT_ERR_OK
                       : SSL_TLSEXT_ERR_NOACK;
        },
        nullptr);
    ASSERT_EQ(TLS_OK, p.handshake());
    const uint8_t *proto;
    size_t len;
    tls_conn_alpn(p.c, &proto, &len);
    EXPECT_EQ("http/1.1", std::string((const char *)proto, len));
}

// The failure as the user sees it, strictly: the value, the fatal alert as
// the last (plaintext) record we sent, and stickiness.
void expect_plain_alert_fail(Peer &p, int rc, int alert, int reason)
{
    EXPECT_EQ(TLS_ERR(alert, reason), rc)
        << "alert " << TLS_ERR_ALERT(rc) << " reason " << TLS_ERR_REASON(rc);
    std::vector<Rec> recs = split(p.wire_out);
    ASSERT_FALSE(recs.empty());
    ASSERT_EQ(TLS_CT_ALERT, recs.back().type);
    ASSERT_EQ(2u, recs.back().body.size());
    EXPECT_EQ(2, recs.back().body[0]);
    EXPECT_EQ(alert, (uint8_t)recs.back().body[1]);
    expect_sticky(p, rc);
}

TEST(Tls12Client, AlpnNotOfferedIsRefused)
{
    // RFC 7301 3.1: the server picks one of the client's protocols. OpenSSL's
    // client refuses any other with decode_error + SSL_R_BAD_EXTENSION
    // (tls_parse_stoc_alpn); OpenSSL's server does not check what its select
    // callback returns, so it sends this one as it is.
    Peer12 p;
    static const uint8_t protos[] = {2, 'h', '2'};
    p.cfg.alpn = protos;
    p.cfg.alpn_len = sizeof(protos);
    SSL_CTX_set_alpn_select_cb(
        p.sctx,
        [](SSL *, const unsigned char **out, unsigned char *outlen, const unsigned char *,
           unsigned int, void *) {
            *out = (const unsigned char *)"http/1.1";
            *outlen = 8;
            return SSL_TLSEXT_ERR_OK;
        },
        nullptr);
    expect_plain_alert_fail(p, p.handshake(), TLS_AD_DECODE_ERROR, TLS_R_BAD_EXTENSION);
    const uint8_t *proto = nullptr;
    size_t len = 99;
    tls_conn_alpn(p.c, &proto, &len);
    EXPECT_EQ(0u, len);
}

// --- client authentication ---------------------------------------------------

struct CertHook {
    int calls = 0;
    std::string ca_names;
};

TEST(Tls12Client, ClientCertificateEcdsa)
{
    Peer12 p("rsa");
    SSL_CTX_set_verify(p.sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       [](int, X509_STORE_CTX *) { return 1; });
    p.cfg.cert = test_cert("p256");
    p.cfg.key = test_key("p256");
    ASSERT_EQ(TLS_OK, p.handshake());
    X509 *peer = SSL_get0_peer_certificate(p.s);
    ASSERT_NE(nullptr, peer);
    EXPECT_EQ(0, X509_cmp(peer, test_cert("p256")));
    expect_data_both_ways(p, 100);
}

TEST(Tls12Client, ClientCertificateRsaFromTheHook)
{
    Peer12 p("p256");
    SSL_CTX_set_verify(p.sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       [](int, X509_STORE_CTX *) { return 1; });
    STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();
    sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(test_cert("rsa"))));
    SSL_CTX_set_client_CA_list(p.sctx, names);
    static int calls;
    calls = 0;
    p.cfg.client_cert = [](void *arg, tls_conn *) {
        Peer12 *pp = (Peer12 *)arg;
        calls++;
        pp->cfg.cert = test_cert("rsa");
        pp->cfg.key = test_key("rsa");
        return 0;
    };
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(1, calls);
    X509 *peer = SSL_get0_peer_certificate(p.s);
    ASSERT_NE(nullptr, peer);
    EXPECT_EQ(0, X509_cmp(peer, test_cert("rsa")));
    expect_data_both_ways(p, 100);
}

TEST(Tls12Client, NoClientCertificateSendsEmptyList)
{
    Peer12 p;
    SSL_CTX_set_verify(p.sctx, SSL_VERIFY_PEER, [](int, X509_STORE_CTX *) { return 1; });
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(nullptr, SSL_get0_peer_certificate(p.s));
    expect_data_both_ways(p, 10);
}

// --- sessions -------------------------------------------------------------

struct SessionCounter : Peer12 {
    int ready = 0;
    explicit SessionCounter(const std::string &key = "p256") : Peer12(key)
    {
        cfg.event = [](void *arg, int where, int) {
            SessionCounter *p = (SessionCounter *)arg;
            if (where == TLS_EV_SESSION_READY)
                p->ready++;
            if (where == TLS_EV_HANDSHAKE_DONE)
                p->handshake_done_events++;
        };
    }
};

TEST(Tls12Client, ResumeBySessionId)
{
    SessionCounter a;
    SSL_CTX_set_options(a.sctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_id_context(a.sctx, (const unsigned char *)"t", 1);
    ASSERT_EQ(TLS_OK, a.handshake());
    EXPECT_EQ(0, tls_conn_session_reused(a.c));
    EXPECT_EQ(1, a.ready);
    tls_session_state st;
    const uint8_t *ticket;
    size_t ticket_len;
    ASSERT_EQ(0, tls_conn_session(a.c, &st, &ticket, &ticket_len));
    EXPECT_EQ(TLS_V12, st.version);
    EXPECT_EQ(nullptr, ticket);
    EXPECT_EQ(0u, ticket_len);
    unsigned int idlen;
    const unsigned char *id = SSL_SESSION_get_id(SSL_get_session(a.s), &idlen);
    ASSERT_EQ(idlen, st.session_id_len);
    EXPECT_EQ(0, memcmp(id, st.session_id, idlen));
    uint8_t mk[48];
    ASSERT_EQ(48u, SSL_SESSION_get_master_key(SSL_get_session(a.s), mk, sizeof(mk)));
    EXPECT_EQ(0, memcmp(mk, st.secret, 48));
    EXPECT_EQ(1, st.ems);
    expect_data_both_ways(a, 10);

    SessionCounter b;
    b.share_ctx(a);
    b.cfg.resume = &st;
    ASSERT_EQ(TLS_OK, b.handshake());
    EXPECT_EQ(1, tls_conn_session_reused(b.c));
    EXPECT_EQ(1, SSL_session_reused(b.s));
    Hello h = parse_client_hello(first_msg(b.wire_out, 1));
    EXPECT_EQ(std::string((const char *)st.session_id, st.session_id_len), h.sid);
    // Abbreviated: no Certificate from the server.
    EXPECT_EQ(nullptr, tls_conn_peer_chain(b.c));
    EXPECT_EQ(1, b.handshake_done_events);
    expect_data_both_ways(b, 1000);
    expect_exporters_agree(b);
    tls_session_state st2;
    ASSERT_EQ(0, tls_conn_session(b.c, &st2, &ticket, &ticket_len));
    EXPECT_EQ(0, memcmp(st.secret, st2.secret, 48));
}

TEST(Tls12Client, ResumeByTicket)
{
    SessionCounter a;
    SSL_CTX_set_session_cache_mode(a.sctx, SSL_SESS_CACHE_OFF);
    ASSERT_EQ(TLS_OK, a.handshake());
    EXPECT_EQ(1, a.ready);
    tls_session_state st;
    const uint8_t *ticket;
    size_t ticket_len;
    ASSERT_EQ(0, tls_conn_session(a.c, &st, &ticket, &ticket_len));
    ASSERT_NE(nullptr, ticket);
    ASSERT_GT(ticket_len, 0u);
    std::string tk((const char *)ticket, ticket_len);
    expect_data_both_ways(a, 10);

    SessionCounter b;
    b.share_ctx(a);
    b.cfg.resume = &st;
    b.cfg.resume_ticket = (const uint8_t *)tk.data();
    b.cfg.resume_ticket_len = tk.size();
    ASSERT_EQ(TLS_OK, b.handshake());
    EXPECT_EQ(1, tls_conn_session_reused(b.c));
    EXPECT_EQ(1, SSL_session_reused(b.s));
    Hello h = parse_client_hello(first_msg(b.wire_out, 1));
    EXPECT_EQ(32u, h.sid.size()); // RFC 5077 3.4
    for (auto &e : h.exts) {
        if (e.first == 35) {
            EXPECT_EQ(tk, e.second);
        }
    }
    expect_data_both_ways(b, 1000);
    expect_exporters_agree(b);
    EXPECT_EQ(1, b.ready);
    // The session now to use has a ticket (the same or a renewed one).
    ASSERT_EQ(0, tls_conn_session(b.c, &st, &ticket, &ticket_len));
    EXPECT_GT(ticket_len, 0u);
}

TEST(Tls12Client, UnknownSessionFallsBackToFullHandshake)
{
    Peer12 a;
    tls_session_state st{};
    st.version = TLS_V12;
    st.suite = 0xC02B;
    st.secret_len = 48;
    st.session_id_len = 32;
    memset(st.session_id, 0x42, 32);
    a.cfg.resume = &st;
    ASSERT_EQ(TLS_OK, a.handshake());
    EXPECT_EQ(0, tls_conn_session_reused(a.c));
    ASSERT_NE(nullptr, tls_conn_peer_chain(a.c));
    expect_data_both_ways(a, 10);
}

TEST(Tls12Client, ResumedSessionMustKeepEms)
{
    Peer12 a;
    SSL_CTX_set_options(a.sctx, SSL_OP_NO_TICKET);
    ASSERT_EQ(TLS_OK, a.handshake());
    tls_session_state st;
    const uint8_t *ticket;
    size_t ticket_len;
    ASSERT_EQ(0, tls_conn_session(a.c, &st, &ticket, &ticket_len));
    Peer12 b;
    b.share_ctx(a);
    b.cfg.resume = &st;
    // The server resumes with EMS; a session without it cannot be resumed so.
    st.ems = 0;
    expect_fail(b, b.handshake(), TLS_AD_HANDSHAKE_FAILURE, TLS_R_INCONSISTENT_EXTMS);
}

TEST(Tls12Client, ResumptionWithAnotherSuiteIsRefused)
{
    // RFC 5246 7.4.1.3: a resumed session keeps its cipher suite. The
    // resuming ServerHello (echoing our session id) names the other suite we
    // offered; OpenSSL's client refuses it with illegal_parameter +
    // SSL_R_OLD_SESSION_CIPHER_NOT_RETURNED (set_client_ciphersuite).
    static const uint16_t suites[] = {0xC02B, 0xC02C};
    Peer12 a;
    a.cfg.tls12_suites = suites;
    a.cfg.n_tls12_suites = 2;
    SSL_CTX_set_options(a.sctx, SSL_OP_NO_TICKET);
    ASSERT_EQ(TLS_OK, a.handshake());
    tls_session_state st;
    const uint8_t *ticket;
    size_t ticket_len;
    ASSERT_EQ(0, tls_conn_session(a.c, &st, &ticket, &ticket_len));
    ASSERT_GT(st.session_id_len, 0u);
    uint16_t other = st.suite == 0xC02B ? 0xC02C : 0xC02B;

    Peer12 b;
    b.share_ctx(a);
    b.cfg.tls12_suites = suites;
    b.cfg.n_tls12_suites = 2;
    b.cfg.resume = &st;
    bool resumed = false;
    edit_server_hello(b, [&](ServerHello &sh) {
        // Only meaningful when the server does resume (echoes our id).
        size_t sid_len = (uint8_t)sh.fixed[34];
        resumed = sh.fixed.substr(35, sid_len) ==
                  std::string((const char *)st.session_id, st.session_id_len);
        size_t at = sh.fixed.size() - 3;
        sh.fixed.replace(at, 2, u16(other));
    });
    int rc = b.handshake();
    ASSERT_TRUE(resumed);
    expect_plain_alert_fail(b, rc, TLS_AD_ILLEGAL_PARAMETER,
                            TLS_R_OLD_SESSION_CIPHER_NOT_RETURNED);
}

// --- after the handshake --------------------------------------------------

TEST(Tls12Client, CloseNotifyBothWays)
{
    Peer12 p;
    ASSERT_EQ(TLS_OK, p.handshake());
    ASSERT_EQ(TLS_OK, tls_conn_close(p.c));
    p.client_to_server();
    char b[10];
    EXPECT_EQ(0, SSL_read(p.s, b, sizeof(b)));
    EXPECT_EQ(SSL_ERROR_ZERO_RETURN, SSL_get_error(p.s, 0));
    EXPECT_EQ(1, SSL_shutdown(p.s) >= 0);
    p.server_to_client();
    std::string got;
    EXPECT_EQ(TLS_EOF, p.client_read(got, 1));
}

TEST(Tls12Client, HelloRequestIsDeclinedWithAWarning)
{
    Peer12 p;
    ASSERT_EQ(TLS_OK, p.handshake());
    size_t mark = p.wire_out.size();
    ASSERT_EQ(1, SSL_renegotiate(p.s));
    SSL_do_handshake(p.s);
    p.server_to_client();
    ASSERT_TRUE(p.server_write("after"));
    std::string got;
    ASSERT_EQ(TLS_OK, p.client_read(got, 5));
    EXPECT_EQ("after", got);
    // Our answer: one warning alert, protected (so seen as a 21 record).
    std::vector<Rec> recs = split(p.wire_out.substr(mark));
    ASSERT_EQ(1u, recs.size());
    EXPECT_EQ(TLS_CT_ALERT, recs[0].type);
    EXPECT_EQ(0, tls_conn_error(p.c));
}

TEST(Tls12Client, RepeatedHelloRequestsAreAnsweredOnce)
{
    Peer12 p;
    ASSERT_EQ(TLS_OK, p.handshake());
    size_t mark = p.wire_out.size();
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ(1, SSL_renegotiate(p.s));
        SSL_do_handshake(p.s);
        p.server_to_client();
        std::string got;
        ASSERT_TRUE(p.server_write("x"));
        ASSERT_EQ(TLS_OK, p.client_read(got, 1));
        EXPECT_EQ("x", got);
    }
    EXPECT_EQ(1u, split(p.wire_out.substr(mark)).size());
    EXPECT_EQ(0, tls_conn_error(p.c));
}

TEST(Tls12Client, AWarningAlertIsNotFatal)
{
    Peer12 p;
    edit_first_flight(p, [](std::vector<Rec> &recs) {
        recs.insert(recs.begin() + 1, Rec{TLS_CT_ALERT, std::string("\x01\x5a", 2), false});
    });
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(-1, tls_conn_alert_received(p.c));
    expect_data_both_ways(p, 10);
}

TEST(Tls12Client, TooManyWarningAlertsInARow)
{
    Peer12 p;
    edit_first_flight(p, [](std::vector<Rec> &recs) {
        for (int i = 0; i < 6; i++)
            recs.insert(recs.begin() + 1, Rec{TLS_CT_ALERT, std::string("\x01\x5a", 2), false});
    });
    expect_fail(p, p.handshake(), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_TOO_MANY_WARN_ALERTS);
}

// --- hostile servers -----------------------------------------------------

TEST(Tls12Client, BadServerKeyExchangeSignature)
{
    Peer12 p;
    edit_first_flight(p, [](std::vector<Rec> &recs) {
        size_t ri, off;
        ASSERT_TRUE(find_msg(recs, 12, &ri, &off));
        std::string &b = recs[ri].body;
        size_t len = (uint8_t)b[off + 1] << 16 | (uint8_t)b[off + 2] << 8 | (uint8_t)b[off + 3];
        b[off + 4 + len - 5] ^= 0x01; // inside the signature
    });
    expect_fail(p, p.handshake(), TLS_AD_DECRYPT_ERROR, TLS_R_BAD_SIGNATURE);
}

TEST(Tls12Client, ServerKeyExchangeSchemeNotOffered)
{
    Peer12 p;
    static const uint16_t algs[] = {0x0503}; // ecdsa_secp384r1_sha384 only
    p.cfg.sigalgs = algs;
    p.cfg.n_sigalgs = 1;
    edit_first_flight(p, [](std::vector<Rec> &recs) {
        size_t ri, off;
        ASSERT_TRUE(find_msg(recs, 12, &ri, &off));
        std::string &b = recs[ri].body;
        // X25519: curve_type(1) group(2) point<1>(33) then the scheme.
        b.replace(off + 4 + 36, 2, u16(0x0403));
    });
    expect_fail(p, p.handshake(), TLS_AD_ILLEGAL_PARAMETER, TLS_R_WRONG_SIGNATURE_TYPE);
}

TEST(Tls12Client, InvalidEcdhPoint)
{
    Peer12 p;
    uint16_t g = 0x0017;
    p.cfg.groups = &g;
    p.cfg.n_groups = 1;
    edit_first_flight(p, [](std::vector<Rec> &recs) {
        size_t ri, off;
        ASSERT_TRUE(find_msg(recs, 12, &ri, &off));
        std::string &b = recs[ri].body;
        // P-256: curve_type(1) group(2) len(1)=65 then 04 X Y: break Y.
        b[off + 4 + 4 + 64] ^= 0x55;
    });
    expect_fail(p, p.handshake(), TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_ECPOINT);
}

TEST(Tls12Client, GroupNotOffered)
{
    Peer12 p("rsa");
    uint16_t g = 0x001d;
    p.cfg.groups = &g;
    p.cfg.n_groups = 1;
    edit_first_flight(p, [](std::vector<Rec> &recs) {
        size_t ri, off;
        ASSERT_TRUE(find_msg(recs, 12, &ri, &off));
        recs[ri].body.replace(off + 5, 2, u16(0x0017));
    });
    expect_fail(p, p.handshake(), TLS_AD_ILLEGAL_PARAMETER, TLS_R_WRONG_CURVE);
}

TEST(Tls12Client, WrongServerFinished)
{
    // The ticket is plaintext but part of the transcript: change it and the
    // server's Finished no longer matches what we computed.
    Peer12 p;
    p.tamper = [](std::string &s) {
        std::vector<Rec> recs = split(s);
        size_t ri, off;
        if (!find_msg(recs, 4, &ri, &off))
            return;
        recs[ri].body[off + 4 + 6] ^= 1;
        s.clear();
        for (auto &r : recs)
            s += record(r.type, r.body);
    };
    expect_fail(p, p.handshake(), TLS_AD_DECRYPT_ERROR, TLS_R_DIGEST_CHECK_FAILED);
}

TEST(Tls12Client, EarlyCcsBeforeServerHelloDone)
{
    Peer12 p;
    edit_first_flight(p, [](std::vector<Rec> &recs) {
        recs.insert(recs.end() - 1, Rec{TLS_CT_CHANGE_CIPHER_SPEC, "\x01", false});
    });
    expect_fail(p, p.handshake(), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_CCS_RECEIVED_EARLY);
}

TEST(Tls12Client, EarlyCcsBeforeTicket)
{
    Peer12 p;
    p.tamper = [](std::string &s) {
        std::vector<Rec> recs = split(s);
        size_t ri, off;
        if (!find_msg(recs, 4, &ri, &off))
            return;
        recs.insert(recs.begin() + (long)ri, Rec{TLS_CT_CHANGE_CIPHER_SPEC, "\x01", false});
        s.clear();
        for (auto &r : recs)
            s += record(r.type, r.body);
    };
    expect_fail(p, p.handshake(), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_CCS_RECEIVED_EARLY);
}

TEST(Tls12Client, MessageOutOfOrder)
{
    Peer12 p;
    edit_first_flight(p, [](std::vector<Rec> &recs) {
        // ServerHelloDone before the ServerKeyExchange.
        std::swap(recs[recs.size() - 1], recs[recs.size() - 2]);
    });
    expect_fail(p, p.handshake(), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
}

TEST(Tls12Client, TruncatedRecordThenEof)
{
    Peer12 p;
    ASSERT_EQ(TLS_OK, p.handshake());
    ASSERT_TRUE(p.server_write("hello"));
    p.to_client.resize(p.to_client.size() - 3);
    std::string got;
    EXPECT_EQ(TLS_WANT_INPUT, p.client_read(got, 5));
    tls_conn_transport_eof(p.c);
    EXPECT_EQ(TLS_ERR(TLS_AD_NONE, TLS_R_UNEXPECTED_EOF_WHILE_READING), p.client_read(got, 5));
}

TEST(Tls12Client, TamperedRecordIsBadRecordMac)
{
    Peer12 p;
    ASSERT_EQ(TLS_OK, p.handshake());
    ASSERT_TRUE(p.server_write("hello"));
    p.to_client[p.to_client.size() - 1] ^= 1;
    std::string got;
    expect_fail(p, p.client_read(got, 5), TLS_AD_BAD_RECORD_MAC,
                TLS_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC);
}

// --- OCSP stapling (RFC 6066 8) ----------------------------------------------

const std::string kOcsp("\x30\x03\x0a\x01\x00", 5);

int staple_cb(SSL *s, void *)
{
    unsigned char *copy = (unsigned char *)OPENSSL_memdup(kOcsp.data(), kOcsp.size());
    SSL_set_tlsext_status_ocsp_resp(s, copy, (long)kOcsp.size());
    return SSL_TLSEXT_ERR_OK;
}

// An OpenSSL server that staples whenever asked; ask = our client asks.
struct Stapled12 : Peer12 {
    explicit Stapled12(bool ask = true)
    {
        SSL_CTX_set_tlsext_status_cb(sctx, staple_cb);
        if (ask)
            cfg.flags |= TLS_CFG_STATUS_REQUEST;
    }
};

// The whole handshake message of `type` (header included), cut out of the flight.
std::string take_msg(std::vector<Rec> &recs, uint8_t type)
{
    size_t ri, off;
    if (!find_msg(recs, type, &ri, &off))
        return "";
    std::string &b = recs[ri].body;
    size_t len = (uint8_t)b[off + 1] << 16 | (uint8_t)b[off + 2] << 8 | (uint8_t)b[off + 3];
    std::string m = b.substr(off, 4 + len);
    b.erase(off, 4 + len);
    if (b.empty())
        recs.erase(recs.begin() + (long)ri);
    return m;
}

// Put message m right after the message of `type`.
void insert_after(std::vector<Rec> &recs, uint8_t type, const std::string &m)
{
    size_t ri, off;
    ASSERT_TRUE(find_msg(recs, type, &ri, &off));
    std::string &b = recs[ri].body;
    size_t len = (uint8_t)b[off + 1] << 16 | (uint8_t)b[off + 2] << 8 | (uint8_t)b[off + 3];
    b.insert(off + 4 + len, m);
}

void edit_status(Peer &p, const std::string &body)
{
    edit_first_flight(p, [body](std::vector<Rec> &recs) { replace_msg(recs, 22, body); });
}

TEST(Tls12Client, StapledResponseIsKept)
{
    Stapled12 p;
    ASSERT_EQ(TLS_OK, p.handshake());
    const uint8_t *r;
    size_t n;
    tls_conn_ocsp_response(p.c, &r, &n);
    EXPECT_EQ(kOcsp, std::string((const char *)r, n));
    // Our ClientHello asked for it.
    Hello ch = parse_client_hello(first_msg(p.wire_out, 1));
    EXPECT_TRUE(ch.has(5));
}

TEST(Tls12Client, CertificateStatusOfUnknownType)
{
    Stapled12 p;
    edit_status(p, u8(2) + u24(kOcsp.size()) + kOcsp);
    expect_fail(p, p.handshake(), TLS_AD_DECODE_ERROR, TLS_R_UNSUPPORTED_STATUS_TYPE);
}

TEST(Tls12Client, CertificateStatusLongerThanItsMessage)
{
    Stapled12 p;
    edit_status(p, u8(1) + u24(kOcsp.size() + 1) + kOcsp);
    expect_fail(p, p.handshake(), TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
}

TEST(Tls12Client, CertificateStatusShorterThanItsMessage)
{
    Stapled12 p;
    edit_status(p, u8(1) + u24(kOcsp.size() - 1) + kOcsp);
    expect_fail(p, p.handshake(), TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
}

TEST(Tls12Client, CertificateStatusWithEmptyResponse)
{
    // opaque OCSPResponse<1..2^24-1>
    Stapled12 p;
    edit_status(p, u8(1) + u24(0));
    expect_fail(p, p.handshake(), TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
}

TEST(Tls12Client, CertificateStatusTruncated)
{
    Stapled12 p;
    edit_status(p, u8(1) + u8(0));
    expect_fail(p, p.handshake(), TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
}

TEST(Tls12Client, EmptyCertificateStatus)
{
    Stapled12 p;
    edit_status(p, "");
    expect_fail(p, p.handshake(), TLS_AD_DECODE_ERROR, TLS_R_UNSUPPORTED_STATUS_TYPE);
}

TEST(Tls12Client, CertificateStatusNotAnnounced)
{
    // The ServerHello does not acknowledge status_request: a CertificateStatus
    // must not come.
    Stapled12 p;
    edit_server_hello(p, [](ServerHello &sh) { sh.drop(5); });
    expect_fail(p, p.handshake(), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
}

TEST(Tls12Client, CertificateStatusNobodyAskedFor)
{
    Stapled12 p(false);
    edit_first_flight(p, [](std::vector<Rec> &recs) {
        insert_after(recs, 11, hs(22, u8(1) + u24(kOcsp.size()) + kOcsp));
    });
    expect_fail(p, p.handshake(), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
}

TEST(Tls12Client, CertificateStatusAfterServerKeyExchange)
{
    Stapled12 p;
    edit_first_flight(p, [](std::vector<Rec> &recs) {
        std::string m = take_msg(recs, 22);
        ASSERT_FALSE(m.empty());
        insert_after(recs, 12, m);
    });
    expect_fail(p, p.handshake(), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
}

TEST(Tls12Client, TwoCertificateStatusMessages)
{
    Stapled12 p;
    edit_first_flight(p, [](std::vector<Rec> &recs) {
        insert_after(recs, 22, hs(22, u8(1) + u24(kOcsp.size()) + kOcsp));
    });
    expect_fail(p, p.handshake(), TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE);
}

TEST(Tls12Client, StatusRequestAcknowledgedWithoutBeingAsked)
{
    Peer12 p;
    edit_server_hello(p, [](ServerHello &sh) { sh.exts.push_back({5, ""}); });
    expect_fail(p, p.handshake(), TLS_AD_UNSUPPORTED_EXTENSION, TLS_R_UNSOLICITED_EXTENSION);
}

TEST(Tls12Client, StatusRequestAcknowledgementNotEmpty)
{
    Stapled12 p;
    edit_server_hello(p, [](ServerHello &sh) {
        for (auto &e : sh.exts)
            if (e.first == 5)
                e.second = u8(1);
    });
    expect_fail(p, p.handshake(), TLS_AD_DECODE_ERROR, TLS_R_BAD_EXTENSION);
}

TEST(Tls12Client, StatusHookRejects)
{
    Stapled12 p;
    p.cfg.ocsp_status = [](void *, tls_conn *c) {
        const uint8_t *r;
        size_t n;
        tls_conn_ocsp_response(c, &r, &n);
        return n == 5 ? TLS_ERR(TLS_AD_BAD_CERTIFICATE_STATUS_RESPONSE,
                                TLS_R_INVALID_STATUS_RESPONSE)
                      : 0;
    };
    expect_fail(p, p.handshake(), TLS_AD_BAD_CERTIFICATE_STATUS_RESPONSE,
                TLS_R_INVALID_STATUS_RESPONSE);
}

} // namespace
