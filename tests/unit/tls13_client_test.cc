// The ClientHello our TLS 1.3 client puts on the wire, parsed field by field
// (RFC 8446 4.1.2), for several configurations. No peer is needed.
#include <gtest/gtest.h>

#include <map>

#include "unit/tls13_client_harness.h"

extern "C" {
#include "core/extensions.h"
}

using namespace tls13test;

namespace
{

struct Hello {
    uint16_t record_version = 0, legacy_version = 0;
    std::string random, session_id, compression;
    std::vector<uint16_t> suites;
    std::vector<uint16_t> ext_order;
    std::map<uint16_t, std::string> ext;
};

unsigned be(const std::string &s, size_t off, int n)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | (uint8_t)s.at(off + i);
    return v;
}

Hello parse_hello(const std::string &wire)
{
    Hello h;
    h.record_version = (uint16_t)be(wire, 1, 2);
    std::string m = split(wire).at(0).body;
    EXPECT_EQ(1, m.at(0));
    EXPECT_EQ(m.size() - 4, be(m, 1, 3));
    size_t o = 4;
    h.legacy_version = (uint16_t)be(m, o, 2);
    o += 2;
    h.random = m.substr(o, 32);
    o += 32;
    size_t n = be(m, o, 1);
    h.session_id = m.substr(o + 1, n);
    o += 1 + n;
    n = be(m, o, 2);
    for (size_t i = 0; i < n; i += 2)
        h.suites.push_back((uint16_t)be(m, o + 2 + i, 2));
    o += 2 + n;
    n = be(m, o, 1);
    h.compression = m.substr(o + 1, n);
    o += 1 + n;
    size_t end = o + 2 + be(m, o, 2);
    EXPECT_EQ(m.size(), end);
    o += 2;
    while (o < end) {
        uint16_t t = (uint16_t)be(m, o, 2);
        size_t l = be(m, o + 2, 2);
        EXPECT_EQ(0u, h.ext.count(t)) << "duplicate " << t;
        h.ext[t] = m.substr(o + 4, l);
        h.ext_order.push_back(t);
        o += 4 + l;
    }
    return h;
}

Hello hello_for(Client &c)
{
    c.start();
    EXPECT_EQ(TLS_WANT_INPUT, c.run_client([&] { return tls_conn_handshake(c.c); }));
    return parse_hello(c.wire_out);
}

// The groups of a key_share extension body.
std::vector<uint16_t> share_groups(const std::string &ks)
{
    std::vector<uint16_t> g;
    size_t end = 2 + be(ks, 0, 2);
    EXPECT_EQ(ks.size(), end);
    for (size_t o = 2; o < end;) {
        g.push_back((uint16_t)be(ks, o, 2));
        o += 4 + be(ks, o + 2, 2);
    }
    return g;
}

TEST(ClientHello, Defaults)
{
    Client c;
    c.cfg.min_version = TLS_V13; // the TLS 1.3-only hello (TLS 1.2: tls12_client_test)
    Hello h = hello_for(c);
    EXPECT_EQ(0x0301, h.record_version);
    EXPECT_EQ(0x0303, h.legacy_version);
    EXPECT_EQ(0, memcmp(h.random.data(), tls_conn_client_random(c.c), 32));
    EXPECT_EQ(32u, h.session_id.size()); // middlebox compatibility
    // TLS_EMPTY_RENEGOTIATION_INFO_SCSV last, as OpenSSL's TLS 1.3-only hello.
    EXPECT_EQ((std::vector<uint16_t>{0x1302, 0x1303, 0x1301, 0x00ff}), h.suites);
    EXPECT_EQ(std::string(1, '\0'), h.compression);
    EXPECT_EQ(std::string("\x02\x03\x04", 3), h.ext.at(TLS_EXT_SUPPORTED_VERSIONS));
    EXPECT_EQ(std::string("\x01\x01", 2), h.ext.at(TLS_EXT_PSK_KEX_MODES));
    EXPECT_EQ(std::vector<uint16_t>{0x001d}, share_groups(h.ext.at(TLS_EXT_KEY_SHARE)));
    EXPECT_EQ(2u + 2 + 2 + 32, h.ext.at(TLS_EXT_KEY_SHARE).size());
    size_t n;
    const uint16_t *groups = tls_default_groups(&n);
    std::string sg = h.ext.at(TLS_EXT_SUPPORTED_GROUPS);
    ASSERT_EQ(2 + 2 * n, sg.size());
    for (size_t i = 0; i < n; i++)
        EXPECT_EQ(groups[i], be(sg, 2 + 2 * i, 2));
    EXPECT_EQ(1u, h.ext.count(TLS_EXT_SIGNATURE_ALGORITHMS));
    EXPECT_EQ(0u, h.ext.count(TLS_EXT_SERVER_NAME));
    EXPECT_EQ(0u, h.ext.count(TLS_EXT_ALPN));
    EXPECT_EQ(0u, h.ext.count(TLS_EXT_COOKIE));
    EXPECT_EQ(0u, h.ext.count(TLS_EXT_PRE_SHARED_KEY));
    EXPECT_EQ(0, tls_conn_version(c.c));
    EXPECT_EQ(0, tls_conn_cipher_suite(c.c));
}

TEST(ClientHello, TwoHellosDifferInRandomAndShare)
{
    Client a, b;
    Hello ha = hello_for(a), hb = hello_for(b);
    EXPECT_NE(ha.random, hb.random);
    EXPECT_NE(ha.session_id, hb.session_id);
    EXPECT_NE(ha.ext.at(TLS_EXT_KEY_SHARE), hb.ext.at(TLS_EXT_KEY_SHARE));
}

TEST(ClientHello, ConfiguredListsInOrder)
{
    Client c;
    c.cfg.min_version = TLS_V13; // the TLS 1.3-only hello (TLS 1.2: tls12_client_test)
    uint16_t suites[] = {0x1301, 0x1303};
    uint16_t groups[] = {0x0018, 0x0017, 0x001d};
    uint16_t sigalgs[] = {0x0804, 0x0403};
    c.cfg.tls13_suites = suites;
    c.cfg.n_tls13_suites = 2;
    c.cfg.groups = groups;
    c.cfg.n_groups = 3;
    c.cfg.n_key_shares = 2;
    c.cfg.sigalgs = sigalgs;
    c.cfg.n_sigalgs = 2;
    Hello h = hello_for(c);
    EXPECT_EQ((std::vector<uint16_t>{0x1301, 0x1303, 0x00ff}), h.suites);
    EXPECT_EQ(std::string("\x00\x06\x00\x18\x00\x17\x00\x1d", 8),
              h.ext.at(TLS_EXT_SUPPORTED_GROUPS));
    EXPECT_EQ((std::vector<uint16_t>{0x0018, 0x0017}), share_groups(h.ext.at(TLS_EXT_KEY_SHARE)));
    EXPECT_EQ(std::string("\x00\x04\x08\x04\x04\x03", 6), h.ext.at(TLS_EXT_SIGNATURE_ALGORITHMS));
}

TEST(ClientHello, UnknownAndTls12SuitesAreNotOffered)
{
    Client c;
    c.cfg.min_version = TLS_V13; // the TLS 1.3-only hello (TLS 1.2: tls12_client_test)
    uint16_t suites[] = {0xc02f, 0x1399, 0x1303};
    c.cfg.tls13_suites = suites;
    c.cfg.n_tls13_suites = 3;
    Hello h = hello_for(c);
    EXPECT_EQ((std::vector<uint16_t>{0x1303, 0x00ff}), h.suites);
}

TEST(ClientHello, NoUsableSuiteFails)
{
    Client c;
    c.cfg.min_version = TLS_V13; // the TLS 1.3-only hello (TLS 1.2: tls12_client_test)
    uint16_t suites[] = {0x1399};
    c.cfg.tls13_suites = suites;
    c.cfg.n_tls13_suites = 1;
    c.start();
    EXPECT_EQ(TLS_ERR(TLS_AD_NONE, TLS_R_NO_CIPHERS_AVAILABLE), tls_conn_handshake(c.c));
    c.client_to_server();
    EXPECT_TRUE(c.wire_out.empty());
}

TEST(ClientHello, ServerNameAndAlpn)
{
    Client c;
    c.cfg.server_name = "www.example.com";
    static const uint8_t alpn[] = "\x02h2\x08http/1.1";
    c.cfg.alpn = alpn;
    c.cfg.alpn_len = sizeof(alpn) - 1;
    Hello h = hello_for(c);
    std::string host = "www.example.com";
    EXPECT_EQ(u16(host.size() + 3) + u8(0) + u16(host.size()) + host,
              h.ext.at(TLS_EXT_SERVER_NAME));
    EXPECT_EQ(u16(sizeof(alpn) - 1) + std::string((const char *)alpn, sizeof(alpn) - 1),
              h.ext.at(TLS_EXT_ALPN));
}

TEST(ClientHello, IpLiteralsAreNotServerNames)
{
    for (const char *ip : {"192.0.2.1", "::1", "2001:db8::5"}) {
        Client c;
        c.cfg.server_name = ip;
        Hello h = hello_for(c);
        EXPECT_EQ(0u, h.ext.count(TLS_EXT_SERVER_NAME)) << ip;
    }
}

TEST(ClientHello, NoMiddleboxCompatMeansEmptySessionId)
{
    Client c;
    c.cfg.flags = TLS_CFG_NO_MIDDLEBOX_COMPAT;
    Hello h = hello_for(c);
    EXPECT_TRUE(h.session_id.empty());
}

TEST(ClientHello, HandshakeStartEventOnce)
{
    Client c;
    static int starts;
    starts = 0;
    c.cfg.event = [](void *, int where, int) { starts += where == TLS_EV_HANDSHAKE_START; };
    hello_for(c);
    EXPECT_EQ(TLS_WANT_INPUT, tls_conn_handshake(c.c));
    EXPECT_EQ(1, starts);
    c.client_to_server();
    EXPECT_EQ(1u, split(c.wire_out).size()); // the hello is not sent twice
}

TEST(ClientConn, NothingToReadOrWriteBeforeHandshake)
{
    Client c;
    c.start();
    uint8_t buf[4];
    size_t n = 7;
    EXPECT_EQ(TLS_WANT_INPUT, tls_conn_read(c.c, buf, sizeof(buf), &n, 0));
    EXPECT_EQ(0u, n);
    EXPECT_EQ(TLS_WANT_INPUT, tls_conn_write(c.c, buf, sizeof(buf), &n));
    EXPECT_EQ(0u, n);
    EXPECT_FALSE(tls_conn_handshake_done(c.c));
    EXPECT_EQ(0u, tls_conn_pending(c.c));
    uint8_t out[8];
    EXPECT_EQ(TLS_ERR(TLS_AD_NONE, TLS_R_UNEXPECTED_MESSAGE),
              tls_conn_export(c.c, out, sizeof(out), "x", 1, nullptr, 0, 0));
    EXPECT_EQ(TLS_ERR(TLS_AD_NONE, TLS_R_UNEXPECTED_MESSAGE), tls_conn_key_update(c.c, 0));
    EXPECT_EQ(0u, tls_conn_finished(c.c, 0, out, sizeof(out)));
    EXPECT_EQ(nullptr, tls_conn_peer_chain(c.c));
    EXPECT_EQ(-1, tls_conn_alert_received(c.c));
}

TEST(ClientConn, RbufAsksForHeaderThenBody)
{
    Client c;
    hello_for(c);
    size_t want;
    uint8_t *p = tls_conn_rbuf(c.c, &want);
    ASSERT_EQ(5u, want);
    memcpy(p, "\x16\x03\x03\x00\x30", 3);
    tls_conn_rbuf_commit(c.c, 3);
    p = tls_conn_rbuf(c.c, &want);
    EXPECT_EQ(2u, want);
    memcpy(p, "\x00\x30", 2);
    tls_conn_rbuf_commit(c.c, 2);
    tls_conn_rbuf(c.c, &want);
    EXPECT_EQ(0x30u, want); // exactly the body, never beyond the record
}

TEST(ClientConn, CloseBeforeHandshakeSendsPlainCloseNotify)
{
    Client c;
    hello_for(c);
    size_t mark = c.wire_out.size();
    ASSERT_EQ(TLS_OK, tls_conn_close(c.c));
    ASSERT_EQ(TLS_OK, tls_conn_close(c.c)); // once
    c.client_to_server();
    EXPECT_EQ(std::string("\x15\x03\x03\x00\x02\x01\x00", 7), c.wire_out.substr(mark));
}

} // namespace
