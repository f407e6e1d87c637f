// Our core TLS 1.3 client against the system's OpenSSL 3.0 server, in one
// process over memory BIOs. What is checked is what each side observes: the
// negotiated parameters as both report them, the bytes delivered, the key
// log lines and exporter values (which only agree if the key schedules do).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "unit/tls13_client_harness.h"

using tls13test::Peer;

namespace
{

std::string pattern(size_t n, unsigned seed)
{
    std::string s(n, '\0');
    for (size_t i = 0; i < n; i++)
        s[i] = (char)((i * 131 + seed) & 0xff);
    return s;
}

void expect_exporters_agree(Peer &p)
{
    uint8_t ours[48], theirs[48];
    const char *label = "EXPERIMENTAL shimssl";
    const uint8_t ctx[] = {1, 2, 3};
    ASSERT_EQ(0,
              tls_conn_export(p.c, ours, sizeof(ours), label, strlen(label), ctx, sizeof(ctx), 1));
    ASSERT_EQ(1, SSL_export_keying_material(p.s, theirs, sizeof(theirs), label, strlen(label), ctx,
                                            sizeof(ctx), 1));
    EXPECT_EQ(0, memcmp(ours, theirs, sizeof(ours)));
    ASSERT_EQ(0, tls_conn_export(p.c, ours, 20, label, strlen(label), nullptr, 0, 0));
    ASSERT_EQ(1, SSL_export_keying_material(p.s, theirs, 20, label, strlen(label), nullptr, 0, 0));
    EXPECT_EQ(0, memcmp(ours, theirs, 20));
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

class Suites : public ::testing::TestWithParam<uint16_t>
{
};

TEST_P(Suites, HandshakeDataExporter)
{
    Peer p;
    uint16_t suite = GetParam();
    p.cfg.tls13_suites = &suite;
    p.cfg.n_tls13_suites = 1;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_TRUE(tls_conn_handshake_done(p.c));
    EXPECT_EQ(TLS_V13, tls_conn_version(p.c));
    EXPECT_EQ(suite, tls_conn_cipher_suite(p.c));
    EXPECT_EQ(suite, SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(p.s)));
    EXPECT_EQ(TLS1_3_VERSION, SSL_version(p.s));
    EXPECT_EQ(1, p.handshake_done_events);
    expect_data_both_ways(p, 1000);
    expect_exporters_agree(p);
}

INSTANTIATE_TEST_SUITE_P(Tls13, Suites, ::testing::Values(0x1301, 0x1302, 0x1303));

// RFC 8446 B.4's AES-CCM suites (CCM_8: an 8-byte tag). They are not in
// OpenSSL 3.0's default TLS 1.3 list, so the server enables them.
class CcmSuites : public ::testing::TestWithParam<uint16_t>
{
};

TEST_P(CcmSuites, HandshakeDataExporter)
{
    Peer p;
    ASSERT_EQ(1, SSL_CTX_set_ciphersuites(p.sctx, "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256"));
    uint16_t suite = GetParam();
    p.cfg.tls13_suites = &suite;
    p.cfg.n_tls13_suites = 1;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(suite, tls_conn_cipher_suite(p.c));
    EXPECT_EQ(suite, SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(p.s)));
    expect_data_both_ways(p, 1000);
    expect_data_both_ways(p, 20000);
    expect_exporters_agree(p);
}

INSTANTIATE_TEST_SUITE_P(Tls13, CcmSuites,
                         ::testing::Values(TLS_SUITE_AES_128_CCM_SHA256,
                                           TLS_SUITE_AES_128_CCM_8_SHA256));

TEST(Tls13Interop, CcmIsNotOfferedByDefault)
{
    // As OpenSSL's client: the default list has no CCM suite, so a server
    // that only takes CCM finds nothing in common.
    Peer p;
    ASSERT_EQ(1, SSL_CTX_set_ciphersuites(p.sctx, "TLS_AES_128_CCM_SHA256"));
    EXPECT_LT(p.handshake(), 0);
}

TEST(Tls13Interop, DefaultSuiteIsOpenSslsFirstChoice)
{
    Peer p;
    ASSERT_EQ(TLS_OK, p.handshake());
    // Both sides prefer TLS_AES_256_GCM_SHA384 by default.
    EXPECT_EQ(0x1302, tls_conn_cipher_suite(p.c));
    EXPECT_EQ(0x001d, tls_conn_group(p.c)); // X25519 by default
    EXPECT_FALSE(tls_conn_did_hrr(p.c));
}

class Groups : public ::testing::TestWithParam<uint16_t>
{
};

TEST_P(Groups, KeyExchange)
{
    Peer p;
    uint16_t g = GetParam();
    p.cfg.groups = &g;
    p.cfg.n_groups = 1;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(g, tls_conn_group(p.c));
    EXPECT_EQ(tls_group_nid(g), SSL_get_negotiated_group(p.s));
    EXPECT_FALSE(tls_conn_did_hrr(p.c));
    expect_data_both_ways(p, 100);
}

INSTANTIATE_TEST_SUITE_P(Tls13, Groups, ::testing::Values(0x001d, 0x0017, 0x0018));

TEST(Tls13Interop, HelloRetryRequest)
{
    Peer p;
    SSL_CTX_set1_groups_list(p.sctx, "P-384");
    uint16_t groups[] = {0x001d, 0x0018};
    p.cfg.groups = groups;
    p.cfg.n_groups = 2;
    p.cfg.n_key_shares = 1;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_TRUE(tls_conn_did_hrr(p.c));
    EXPECT_EQ(0x0018, tls_conn_group(p.c));
    EXPECT_EQ(NID_secp384r1, SSL_get_negotiated_group(p.s));
    expect_data_both_ways(p, 100);
    expect_exporters_agree(p);
}

TEST(Tls13Interop, HelloRetryRequestWithoutCompatMode)
{
    Peer p;
    SSL_CTX_set1_groups_list(p.sctx, "P-256");
    SSL_CTX_clear_options(p.sctx, SSL_OP_ENABLE_MIDDLEBOX_COMPAT);
    p.cfg.flags = TLS_CFG_NO_MIDDLEBOX_COMPAT;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_TRUE(tls_conn_did_hrr(p.c));
    EXPECT_EQ(0x0017, tls_conn_group(p.c));
    // No compatibility CCS was sent by us.
    EXPECT_EQ(std::string::npos, p.wire_out.find(std::string("\x14\x03\x03\x00\x01\x01", 6)));
    expect_data_both_ways(p, 100);
}

TEST(Tls13Interop, CompatModeSendsCcsAndSessionId)
{
    Peer p;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_NE(std::string::npos, p.wire_out.find(std::string("\x14\x03\x03\x00\x01\x01", 6)));
    // ClientHello: record header (5) + hs header (4) + version (2) + random (32),
    // then the session id length.
    ASSERT_GT(p.wire_out.size(), 44u);
    EXPECT_EQ(32, (uint8_t)p.wire_out[43]);
    EXPECT_EQ(0x03, (uint8_t)p.wire_out[1]);
    EXPECT_EQ(0x01, (uint8_t)p.wire_out[2]); // 0x0301 in the first record
}

TEST(Tls13Interop, Alpn)
{
    Peer p;
    static const uint8_t alpn[] = "\x02h2\x08http/1.1";
    p.cfg.alpn = alpn;
    p.cfg.alpn_len = sizeof(alpn) - 1;
    SSL_CTX_set_alpn_select_cb(
        p.sctx,
        [](SSL *, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
           unsigned inlen, void *) {
            // Choose http/1.1 (the second of the client's list) to show the
            // server's choice, not the client's first, comes back.
            for (unsigned i = 0; i < inlen; i += 1 + in[i])
                if (in[i] == 8 && memcmp(in + i + 1, "http/1.1", 8) == 0) {
                    *out = in + i + 1;
                    *outlen = 8;
                    return SSL_TLSEXT_ERR_OK;
                }
            return SSL_TLSEXT_ERR_NOACK;
        },
        nullptr);
    ASSERT_EQ(TLS_OK, p.handshake());
    const uint8_t *proto;
    size_t len;
    tls_conn_alpn(p.c, &proto, &len);
    ASSERT_EQ(8u, len);
    EXPECT_EQ(0, memcmp(proto, "http/1.1", 8));
}

TEST(Tls13Interop, NoAlpnWhenServerDoesNotSelect)
{
    Peer p;
    static const uint8_t alpn[] = "\x02h2";
    p.cfg.alpn = alpn;
    p.cfg.alpn_len = 3;
    ASSERT_EQ(TLS_OK, p.handshake());
    const uint8_t *proto;
    size_t len;
    tls_conn_alpn(p.c, &proto, &len);
    EXPECT_EQ(0u, len);
}

TEST(Tls13Interop, ServerNameReachesServer)
{
    Peer p;
    p.cfg.server_name = "example.test";
    ASSERT_EQ(TLS_OK, p.handshake());
    const char *sni = SSL_get_servername(p.s, TLSEXT_NAMETYPE_host_name);
    ASSERT_NE(nullptr, sni);
    EXPECT_STREQ("example.test", sni);
}

TEST(Tls13Interop, IpLiteralIsNotSentAsServerName)
{
    Peer p;
    p.cfg.server_name = "127.0.0.1";
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(nullptr, SSL_get_servername(p.s, TLSEXT_NAMETYPE_host_name));
}

struct KeyCase {
    const char *kind;
    uint16_t expect_scheme;
};

class ServerKeys : public ::testing::TestWithParam<KeyCase>
{
};

TEST_P(ServerKeys, CertificateVerify)
{
    Peer p(GetParam().kind);
    X509 *seen = nullptr;
    // cb_arg belongs to the harness; reach the test's variable through a static.
    static X509 **slot;
    slot = &seen;
    p.cfg.verify_chain = [](void *, STACK_OF(X509) * chain) {
        *slot = sk_X509_value(chain, 0);
        return 0;
    };
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(GetParam().expect_scheme, tls_conn_peer_sigalg(p.c));
    ASSERT_NE(nullptr, seen);
    EXPECT_EQ(0, X509_cmp(seen, tls13test::test_cert(GetParam().kind)));
    STACK_OF(X509) *chain = tls_conn_peer_chain(p.c);
    ASSERT_NE(nullptr, chain);
    ASSERT_EQ(1, sk_X509_num(chain));
    EXPECT_EQ(0, X509_cmp(sk_X509_value(chain, 0), tls13test::test_cert(GetParam().kind)));
    expect_data_both_ways(p, 100);
}

INSTANTIATE_TEST_SUITE_P(Tls13, ServerKeys,
                         ::testing::Values(KeyCase{"rsa", 0x0804}, KeyCase{"p256", 0x0403},
                                           KeyCase{"p384", 0x0503}, KeyCase{"ed25519", 0x0807}),
                         [](const ::testing::TestParamInfo<KeyCase> &i) {
                             return std::string(i.param.kind);
                         });

TEST(Tls13Interop, ServerUsesOnlyOfferedScheme)
{
    Peer p("rsa");
    uint16_t only = 0x0805; // rsa_pss_rsae_sha384
    p.cfg.sigalgs = &only;
    p.cfg.n_sigalgs = 1;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(0x0805, tls_conn_peer_sigalg(p.c));
    int nid = 0;
    ASSERT_EQ(1, SSL_get_signature_nid(p.s, &nid));
    EXPECT_EQ(NID_sha384, nid);
}

TEST(Tls13Interop, VerifyChainRejectionFailsHandshake)
{
    Peer p;
    p.cfg.verify_chain = [](void *, STACK_OF(X509) *) {
        return TLS_ERR(TLS_AD_UNKNOWN_CA, TLS_R_CERTIFICATE_VERIFY_FAILED);
    };
    int rc = p.handshake();
    EXPECT_EQ(TLS_ERR(TLS_AD_UNKNOWN_CA, TLS_R_CERTIFICATE_VERIFY_FAILED), rc);
    EXPECT_EQ(rc, tls_conn_error(p.c));
    // The server sees our unknown_ca alert (sent under the handshake key).
    EXPECT_NE(1, SSL_do_handshake(p.s));
    unsigned long e = ERR_peek_last_error();
    EXPECT_EQ(SSL_R_TLSV1_ALERT_UNKNOWN_CA, ERR_GET_REASON(e));
    ERR_clear_error();
    // Sticky.
    EXPECT_EQ(rc, tls_conn_handshake(p.c));
    size_t n;
    uint8_t b[4];
    EXPECT_EQ(rc, tls_conn_read(p.c, b, sizeof(b), &n, 0));
}

TEST(Tls13Interop, LargeTransferBothWays)
{
    Peer p;
    ASSERT_EQ(TLS_OK, p.handshake());
    expect_data_both_ways(p, 100 * 1024);
}

TEST(Tls13Interop, WriteTakesAtMostOneRecord)
{
    Peer p;
    ASSERT_EQ(TLS_OK, p.handshake());
    std::string big = pattern(40000, 3);
    size_t n = 0;
    ASSERT_EQ(TLS_OK, tls_conn_write(p.c, (const uint8_t *)big.data(), big.size(), &n));
    EXPECT_EQ(16384u, n);
}

TEST(Tls13Interop, PeekDoesNotConsume)
{
    Peer p;
    ASSERT_EQ(TLS_OK, p.handshake());
    ASSERT_TRUE(p.server_write("hello"));
    uint8_t buf[16];
    size_t n = 0;
    ASSERT_EQ(TLS_OK, p.run_client([&] { return tls_conn_read(p.c, buf, sizeof(buf), &n, 1); }));
    EXPECT_EQ(5u, n);
    EXPECT_EQ(5u, tls_conn_pending(p.c));
    ASSERT_EQ(TLS_OK, tls_conn_read(p.c, buf, 2, &n, 0));
    EXPECT_EQ(0, memcmp(buf, "he", 2));
    EXPECT_EQ(3u, tls_conn_pending(p.c));
    ASSERT_EQ(TLS_OK, tls_conn_read(p.c, buf, sizeof(buf), &n, 0));
    EXPECT_EQ(3u, n);
    EXPECT_EQ(0, memcmp(buf, "llo", 3));
}

TEST(Tls13Interop, ClientCloseNotify)
{
    Peer p;
    ASSERT_EQ(TLS_OK, p.handshake());
    ASSERT_EQ(TLS_OK, tls_conn_close(p.c));
    EXPECT_TRUE(tls_conn_close_sent(p.c));
    p.client_to_server();
    char buf[10];
    EXPECT_EQ(0, SSL_read(p.s, buf, sizeof(buf)));
    EXPECT_EQ(SSL_ERROR_ZERO_RETURN, SSL_get_error(p.s, 0));
    size_t n;
    EXPECT_EQ(TLS_ERR(TLS_AD_NONE, TLS_R_PROTOCOL_IS_SHUTDOWN),
              tls_conn_write(p.c, (const uint8_t *)"x", 1, &n));
}

TEST(Tls13Interop, ServerCloseNotify)
{
    Peer p;
    ASSERT_EQ(TLS_OK, p.handshake());
    ASSERT_TRUE(p.server_write("bye"));
    SSL_shutdown(p.s);
    p.server_to_client();
    std::string got;
    EXPECT_EQ(TLS_EOF, p.client_read(got, 100));
    EXPECT_EQ("bye", got);
    EXPECT_TRUE(tls_conn_close_received(p.c));
    EXPECT_EQ(0, tls_conn_error(p.c));
    uint8_t b[4];
    size_t n = 1;
    EXPECT_EQ(TLS_EOF, tls_conn_read(p.c, b, sizeof(b), &n, 0));
    EXPECT_EQ(0u, n);
}

TEST(Tls13Interop, TransportEofWithoutCloseNotify)
{
    Peer p;
    ASSERT_EQ(TLS_OK, p.handshake());
    std::string got;
    EXPECT_EQ(TLS_WANT_INPUT, p.client_read(got, 1));
    tls_conn_transport_eof(p.c);
    uint8_t b[4];
    size_t n;
    int rc = tls_conn_read(p.c, b, sizeof(b), &n, 0);
    EXPECT_EQ(TLS_ERR(TLS_AD_NONE, TLS_R_UNEXPECTED_EOF_WHILE_READING), rc);
    EXPECT_EQ(rc, tls_conn_error(p.c));
    const uint8_t *d;
    EXPECT_EQ(0u, tls_conn_out(p.c, &d)); // no alert for a transport failure
}

TEST(Tls13Interop, ServerKeyUpdateRequested)
{
    Peer p;
    ASSERT_EQ(TLS_OK, p.handshake());
    ASSERT_EQ(1, SSL_key_update(p.s, SSL_KEY_UPDATE_REQUESTED));
    ASSERT_TRUE(p.server_write("after update"));
    std::string got;
    ASSERT_EQ(TLS_OK, p.client_read(got, 12));
    EXPECT_EQ("after update", got);
    // We answered with our own KeyUpdate; the server can still read us.
    ASSERT_EQ(TLS_OK, p.client_write("client data"));
    EXPECT_EQ("client data", p.server_read(11));
    ASSERT_TRUE(p.server_write("again"));
    got.clear();
    ASSERT_EQ(TLS_OK, p.client_read(got, 5));
    EXPECT_EQ("again", got);
}

TEST(Tls13Interop, ClientKeyUpdate)
{
    Peer p;
    ASSERT_EQ(TLS_OK, p.handshake());
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ(TLS_OK, tls_conn_key_update(p.c, 1));
        p.client_to_server();
        ASSERT_EQ(TLS_OK, p.client_write("ping"));
        EXPECT_EQ("ping", p.server_read(4));
        ASSERT_TRUE(p.server_write("pong"));
        std::string got;
        ASSERT_EQ(TLS_OK, p.client_read(got, 4));
        EXPECT_EQ("pong", got);
    }
}

TEST(Tls13Interop, NewSessionTicketsReceived)
{
    Peer p;
    ASSERT_EQ(TLS_OK, p.handshake());
    ASSERT_TRUE(p.server_write("x"));
    std::string got;
    ASSERT_EQ(TLS_OK, p.client_read(got, 1));
    // OpenSSL 3.0 sends two tickets after a full handshake by default.
    EXPECT_EQ(2, p.tickets);
}

TEST(Tls13Interop, NoTicketFlagIgnoresTickets)
{
    Peer p;
    p.cfg.flags = TLS_CFG_NO_TICKET;
    ASSERT_EQ(TLS_OK, p.handshake());
    ASSERT_TRUE(p.server_write("x"));
    std::string got;
    ASSERT_EQ(TLS_OK, p.client_read(got, 1));
    EXPECT_EQ(0, p.tickets);
}

TEST(Tls13Interop, KeylogMatchesServer)
{
    Peer p;
    ASSERT_EQ(TLS_OK, p.handshake());
    std::set<std::string> ours(p.client_keylog.begin(), p.client_keylog.end());
    std::set<std::string> theirs(p.server_keylog.begin(), p.server_keylog.end());
    EXPECT_EQ(5u, ours.size());
    EXPECT_EQ(theirs, ours);
    for (const char *label :
         {"CLIENT_HANDSHAKE_TRAFFIC_SECRET ", "SERVER_HANDSHAKE_TRAFFIC_SECRET ",
          "CLIENT_TRAFFIC_SECRET_0 ", "SERVER_TRAFFIC_SECRET_0 ", "EXPORTER_SECRET "})
        EXPECT_TRUE(std::any_of(ours.begin(), ours.end(), [&](const std::string &l) {
            return l.rfind(label, 0) == 0;
        })) << label;
}

TEST(Tls13Interop, FinishedAndRandoms)
{
    Peer p;
    ASSERT_EQ(TLS_OK, p.handshake());
    uint8_t ours[64], theirs[64];
    size_t n = tls_conn_finished(p.c, 0, ours, sizeof(ours));
    ASSERT_EQ(48u, n); // SHA-384 suite by default
    ASSERT_EQ(n, SSL_get_peer_finished(p.s, theirs, sizeof(theirs)));
    EXPECT_EQ(0, memcmp(ours, theirs, n));
    n = tls_conn_finished(p.c, 1, ours, sizeof(ours));
    ASSERT_EQ(n, SSL_get_finished(p.s, theirs, sizeof(theirs)));
    EXPECT_EQ(0, memcmp(ours, theirs, n));
    uint8_t cr[32], sr[32];
    SSL_get_client_random(p.s, cr, 32);
    SSL_get_server_random(p.s, sr, 32);
    EXPECT_EQ(0, memcmp(cr, tls_conn_client_random(p.c), 32));
    EXPECT_EQ(0, memcmp(sr, tls_conn_server_random(p.c), 32));
}

TEST(Tls13Interop, ClientCertificate)
{
    Peer p;
    SSL_CTX_set_verify(p.sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       [](int, X509_STORE_CTX *) { return 1; });
    p.cfg.cert = tls13test::test_cert("ed25519");
    p.cfg.key = tls13test::test_key("ed25519");
    ASSERT_EQ(TLS_OK, p.handshake());
    X509 *peer = SSL_get0_peer_certificate(p.s);
    ASSERT_NE(nullptr, peer);
    EXPECT_EQ(0, X509_cmp(peer, p.cfg.cert));
    expect_data_both_ways(p, 100);
}

TEST(Tls13Interop, EmptyClientCertificateWhenNoneConfigured)
{
    Peer p;
    SSL_CTX_set_verify(p.sctx, SSL_VERIFY_PEER, [](int, X509_STORE_CTX *) { return 1; });
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(nullptr, SSL_get0_peer_certificate(p.s));
    expect_data_both_ways(p, 10);
}

TEST(Tls13Interop, ServerRequiresCertificateWeHaveNone)
{
    Peer p;
    SSL_CTX_set_verify(p.sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       [](int, X509_STORE_CTX *) { return 1; });
    // Our side of the handshake completes; the server's does not.
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_NE(1, p.ssl_hs);
    // The server rejects us with certificate_required; we see its alert.
    std::string got;
    int rc = p.client_read(got, 1);
    EXPECT_EQ(TLS_ERR(TLS_AD_NONE, TLS_R_ALERT_OFFSET + TLS_AD_CERTIFICATE_REQUIRED), rc);
    EXPECT_EQ(TLS_AD_CERTIFICATE_REQUIRED, tls_conn_alert_received(p.c));
    ERR_clear_error();
}

} // namespace

namespace
{

struct Trace {
    std::vector<std::pair<int, int>> hs;     // (write, handshake type)
    std::vector<std::pair<int, int>> alerts; // (write, description)
    int ccs_sent = 0, headers_in = 0, headers_out = 0, inner_in = 0;
    std::vector<std::pair<int, int>> events;
};

TEST(Tls13Interop, MessageTraceAndEvents)
{
    Peer p;
    static Trace *t;
    Trace tr;
    t = &tr;
    p.cfg.msg = [](void *, int write, int, int type, const uint8_t *buf, size_t len) {
        if (type == 22)
            t->hs.push_back({write, buf[0]});
        else if (type == 21 && len == 2)
            t->alerts.push_back({write, buf[1]});
        else if (type == 20 && write)
            t->ccs_sent++;
        else if (type == 256)
            (write ? t->headers_out : t->headers_in)++;
        else if (type == 257 && !write)
            t->inner_in++;
    };
    p.cfg.event = [](void *, int where, int value) { t->events.push_back({where, value}); };
    ASSERT_EQ(TLS_OK, p.handshake());
    ASSERT_TRUE(p.server_write("x"));
    std::string got;
    ASSERT_EQ(TLS_OK, p.client_read(got, 1));
    ASSERT_EQ(TLS_OK, tls_conn_close(p.c));
    p.client_to_server();

    std::vector<std::pair<int, int>> expect_hs = {{1, 1},  {0, 2},  {0, 8}, {0, 11}, {0, 15},
                                                  {0, 20}, {1, 20}, {0, 4}, {0, 4}};
    EXPECT_EQ(expect_hs, tr.hs);
    EXPECT_EQ(1, tr.ccs_sent);
    std::vector<std::pair<int, int>> expect_alerts = {{1, 0}};
    EXPECT_EQ(expect_alerts, tr.alerts);
    // SH, CCS, EE, CT, CV, Fin, 2 tickets, data: one header each.
    EXPECT_EQ(9, tr.headers_in);
    EXPECT_EQ(7, tr.inner_in);
    // CH, CCS, Fin, close_notify.
    EXPECT_EQ(4, tr.headers_out);
    ASSERT_GE(tr.events.size(), 5u);
    EXPECT_EQ(TLS_EV_HANDSHAKE_START, tr.events.front().first);
    int done = 0, tickets = 0, alert_sent = 0;
    for (auto &e : tr.events) {
        done += e.first == TLS_EV_HANDSHAKE_DONE;
        tickets += e.first == TLS_EV_SESSION_TICKET;
        if (e.first == TLS_EV_ALERT_SENT) {
            alert_sent++;
            EXPECT_EQ(1 << 8 | 0, e.second); // warning close_notify
        }
    }
    EXPECT_EQ(1, done);
    EXPECT_EQ(2, tickets);
    EXPECT_EQ(1, alert_sent);
}

TEST(Tls13Interop, UnprocessedInputIsReported)
{
    Peer p;
    ASSERT_EQ(TLS_OK, p.handshake());
    ASSERT_TRUE(p.server_write("abc"));
    EXPECT_FALSE(tls_conn_has_unprocessed_input(p.c));
    // Give the client exactly one whole record without driving it: the two
    // tickets come first.
    size_t want;
    uint8_t *buf = tls_conn_rbuf(p.c, &want);
    ASSERT_EQ(5u, want);
    memcpy(buf, p.to_client.data(), 5);
    tls_conn_rbuf_commit(p.c, 5);
    buf = tls_conn_rbuf(p.c, &want);
    ASSERT_GT(want, 0u);
    memcpy(buf, p.to_client.data() + 5, want);
    tls_conn_rbuf_commit(p.c, want);
    p.to_client.erase(0, 5 + want);
    EXPECT_TRUE(tls_conn_has_unprocessed_input(p.c));
    buf = tls_conn_rbuf(p.c, &want);
    EXPECT_EQ(0u, want); // nothing more until this record is processed
    std::string got;
    ASSERT_EQ(TLS_OK, p.client_read(got, 3));
    EXPECT_EQ("abc", got);
    EXPECT_FALSE(tls_conn_has_unprocessed_input(p.c));
}

} // namespace

namespace
{

TEST(Tls13Interop, Tls12OnlyServerRefusesCleanly)
{
    Peer p;
    SSL_CTX_set_min_proto_version(p.sctx, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(p.sctx, TLS1_2_VERSION);
    p.cfg.min_version = TLS_V13;
    int rc = p.handshake();
    // We offer TLS 1.3 only; the server says so with protocol_version.
    EXPECT_EQ(TLS_ERR(TLS_AD_NONE, TLS_R_ALERT_OFFSET + TLS_AD_PROTOCOL_VERSION), rc);
    EXPECT_EQ(TLS_AD_PROTOCOL_VERSION, tls_conn_alert_received(p.c));
    EXPECT_EQ(0, tls_conn_version(p.c));
    ERR_clear_error();
}

TEST(Tls13Interop, EmptyVersionRangeHasNothingToOffer)
{
    Peer p;
    p.cfg.min_version = TLS_V13;
    p.cfg.max_version = TLS_V12;
    int rc = p.handshake();
    // The peer is told with a fatal protocol_version alert, as by OpenSSL 3.0
    // (tests/apiunit/compat_io_test.cc compares the bytes with OpenSSL's).
    EXPECT_EQ(TLS_ERR(TLS_AD_PROTOCOL_VERSION, TLS_R_NO_PROTOCOLS_AVAILABLE), rc);
    EXPECT_EQ(p.wire_out, std::string("\x15\x03\x03\x00\x02\x02\x46", 7));
}

TEST(Tls13Interop, RsaClientCertificate)
{
    Peer p;
    SSL_CTX_set_verify(p.sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       [](int, X509_STORE_CTX *) { return 1; });
    p.cfg.cert = tls13test::test_cert("rsa");
    p.cfg.key = tls13test::test_key("rsa");
    ASSERT_EQ(TLS_OK, p.handshake());
    ASSERT_NE(nullptr, SSL_get0_peer_certificate(p.s));
    EXPECT_EQ(0, X509_cmp(SSL_get0_peer_certificate(p.s), p.cfg.cert));
    int nid = 0;
    ASSERT_EQ(1, SSL_get_peer_signature_type_nid(p.s, &nid));
    EXPECT_EQ(EVP_PKEY_RSA_PSS, nid);
    expect_data_both_ways(p, 10);
}

} // namespace
