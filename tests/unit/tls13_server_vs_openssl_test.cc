// Our core TLS 1.3 server against the system's OpenSSL 3.0 client, in one
// process over memory BIOs. What is checked is what each side observes: the
// negotiated parameters as both report them, the client's verification of
// our certificate, the bytes delivered, and key log lines and exporter
// values, which only agree if both key schedules do.
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
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
#include "core/handshake.h"
}

#include "unit/tls13_server_harness.h"

namespace
{
using namespace tls13srv;

// Our server and an OpenSSL client limited to TLS 1.3.
struct Pair : shimtest::CoreServerPair {
    explicit Pair(const std::string &cert = "server-ec") : CoreServerPair(cert)
    {
        SSL_CTX_set_min_proto_version(cctx, TLS1_3_VERSION);
        SSL_CTX_set_max_proto_version(cctx, TLS1_3_VERSION);
        log_client_keys();
    }
};

using shimtest::expect_data_both_ways;
using shimtest::pattern;

void expect_exporters_agree(Pair &p)
{
    uint8_t ours[48], theirs[48];
    const char *label = "EXPERIMENTAL shimssl server";
    const uint8_t ctx[] = {9, 8, 7};
    ASSERT_EQ(0,
              tls_conn_export(p.c, ours, sizeof(ours), label, strlen(label), ctx, sizeof(ctx), 1));
    ASSERT_EQ(1, SSL_export_keying_material(p.s, theirs, sizeof(theirs), label, strlen(label), ctx,
                                            sizeof(ctx), 1));
    EXPECT_EQ(0, memcmp(ours, theirs, sizeof(ours)));
    ASSERT_EQ(0, tls_conn_export(p.c, ours, 32, label, strlen(label), nullptr, 0, 0));
    ASSERT_EQ(1, SSL_export_keying_material(p.s, theirs, 32, label, strlen(label), nullptr, 0, 0));
    EXPECT_EQ(0, memcmp(ours, theirs, 32));
}

class Suites : public ::testing::TestWithParam<uint16_t>
{
};

TEST_P(Suites, HandshakeDataExporterKeylog)
{
    Pair p;
    uint16_t suite = GetParam();
    p.cfg.tls13_suites = &suite;
    p.cfg.n_tls13_suites = 1;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_TRUE(tls_conn_handshake_done(p.c));
    EXPECT_EQ(TLS_V13, tls_conn_version(p.c));
    EXPECT_EQ(suite, tls_conn_cipher_suite(p.c));
    EXPECT_EQ(suite, SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(p.s)));
    EXPECT_EQ(TLS1_3_VERSION, SSL_version(p.s));
    EXPECT_EQ(0, memcmp(
                     tls_conn_client_random(p.c),
                     [&] {
                         static uint8_t r[32];
                         SSL_get_client_random(p.s, r, 32);
                         return r;
                     }(),
                     32));
    // The same five secrets, in the key log of both sides.
    std::vector<std::string> ours = p.keylog, theirs = p.client_keylog;
    std::sort(ours.begin(), ours.end());
    std::sort(theirs.begin(), theirs.end());
    EXPECT_EQ(5u, ours.size());
    EXPECT_EQ(theirs, ours);
    EXPECT_EQ(1, std::count(p.events.begin(), p.events.end(), (int)TLS_EV_HANDSHAKE_DONE));
    EXPECT_EQ(1, std::count(p.events.begin(), p.events.end(), (int)TLS_EV_HANDSHAKE_START));
    expect_data_both_ways(p, 1000);
    expect_exporters_agree(p);
}

INSTANTIATE_TEST_SUITE_P(Tls13Server, Suites, ::testing::Values(0x1301, 0x1302, 0x1303));

// The AES-CCM suites, which an OpenSSL client only offers when told to.
class CcmSuites : public ::testing::TestWithParam<uint16_t>
{
};

TEST_P(CcmSuites, HandshakeAndData)
{
    Pair p;
    ASSERT_EQ(1, SSL_CTX_set_ciphersuites(p.cctx, "TLS_AES_128_CCM_8_SHA256:TLS_AES_128_CCM_SHA256"));
    uint16_t suite = GetParam();
    p.cfg.tls13_suites = &suite;
    p.cfg.n_tls13_suites = 1;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(suite, tls_conn_cipher_suite(p.c));
    EXPECT_EQ(suite, SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(p.s)));
    expect_data_both_ways(p, 1000);
    expect_exporters_agree(p);
}

INSTANTIATE_TEST_SUITE_P(Tls13Server, CcmSuites,
                         ::testing::Values(TLS_SUITE_AES_128_CCM_SHA256,
                                           TLS_SUITE_AES_128_CCM_8_SHA256));

TEST(Tls13ServerInterop, DefaultsAgreeWithOpenSsl)
{
    Pair p;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(0x1302, tls_conn_cipher_suite(p.c));
    EXPECT_EQ(0x001d, tls_conn_group(p.c));
    EXPECT_FALSE(tls_conn_did_hrr(p.c));
    // Finished messages as each side saw them.
    uint8_t ours[64], theirs[64];
    size_t n = tls_conn_finished(p.c, 0, ours, sizeof(ours));
    ASSERT_EQ(48u, n);
    ASSERT_EQ(n, SSL_get_peer_finished(p.s, theirs, sizeof(theirs)));
    EXPECT_EQ(0, memcmp(ours, theirs, n));
    n = tls_conn_finished(p.c, 1, ours, sizeof(ours));
    ASSERT_EQ(n, SSL_get_finished(p.s, theirs, sizeof(theirs)));
    EXPECT_EQ(0, memcmp(ours, theirs, n));
}

// The NID OpenSSL gives a group list name ("X25519", "P-256").
static int ossl_group_nid(const char *name)
{
    int nid = EC_curve_nist2nid(name);
    return nid != NID_undef ? nid : OBJ_sn2nid(name);
}

class Groups : public ::testing::TestWithParam<const char *>
{
};

TEST_P(Groups, KeyExchange)
{
    Pair p;
    p.start_both();
    ASSERT_EQ(1, SSL_set1_groups_list(p.s, GetParam()));
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(ossl_group_nid(GetParam()), tls_group_nid(tls_conn_group(p.c)));
    EXPECT_EQ(tls_group_nid(tls_conn_group(p.c)), SSL_get_negotiated_group(p.s));
    EXPECT_FALSE(tls_conn_did_hrr(p.c));
    // The client's share, as a key the application can look at, is the
    // client's ephemeral public key (the same one OpenSSL's server keeps).
    EVP_PKEY *k = tls_conn_peer_tmp_key(p.c);
    ASSERT_NE(nullptr, k);
    EXPECT_EQ(std::string(GetParam()) == "X25519" ? EVP_PKEY_X25519 : EVP_PKEY_EC,
              EVP_PKEY_get_base_id(k));
    expect_data_both_ways(p, 100);
}

INSTANTIATE_TEST_SUITE_P(Tls13Server, Groups, ::testing::Values("X25519", "P-256", "P-384"));

TEST(Tls13ServerInterop, HelloRetryRequest)
{
    Pair p;
    uint16_t ours = 0x0018; // P-384 only
    p.cfg.groups = &ours;
    p.cfg.n_groups = 1;
    p.start_both();
    // The client shares X25519 only (its first group) but also supports P-384.
    ASSERT_EQ(1, SSL_set1_groups_list(p.s, "X25519:P-384"));
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_TRUE(tls_conn_did_hrr(p.c));
    EXPECT_EQ(0x0018, tls_conn_group(p.c));
    EXPECT_EQ(NID_secp384r1, SSL_get_negotiated_group(p.s));
    expect_data_both_ways(p, 100);
    expect_exporters_agree(p);
}

TEST(Tls13ServerInterop, HelloRetryRequestWithoutCompatMode)
{
    Pair p;
    uint16_t ours = 0x0017;
    p.cfg.groups = &ours;
    p.cfg.n_groups = 1;
    SSL_CTX_clear_options(p.cctx, SSL_OP_ENABLE_MIDDLEBOX_COMPAT);
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_TRUE(tls_conn_did_hrr(p.c));
    EXPECT_EQ(0x0017, tls_conn_group(p.c));
    // The client sent an empty session id; as OpenSSL's (tls13ccstest), our
    // compatibility CCS still follows the HelloRetryRequest, and only it.
    int ccs = 0;
    for (const Rec &r : split(p.wire_out))
        ccs += r.type == TLS_CT_CHANGE_CIPHER_SPEC;
    EXPECT_EQ(1, ccs);
    expect_data_both_ways(p, 100);
}

TEST(Tls13ServerInterop, NoSharedGroupFailsBothSides)
{
    Pair p;
    uint16_t ours = 0x0018;
    p.cfg.groups = &ours;
    p.cfg.n_groups = 1;
    p.start_both();
    ASSERT_EQ(1, SSL_set1_groups_list(p.s, "X25519:P-256"));
    int rc = p.handshake();
    EXPECT_EQ(TLS_ERR(TLS_AD_HANDSHAKE_FAILURE, TLS_R_NO_SUITABLE_KEY_SHARE), rc);
    EXPECT_EQ(rc, tls_conn_error(p.c));
    EXPECT_EQ(-1, SSL_do_handshake(p.s));
    unsigned long e = ERR_peek_last_error();
    EXPECT_EQ(SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE, ERR_GET_REASON(e));
    ERR_clear_error();
}

// The flight after ServerHello (and the compatibility CCS) is one record.
TEST(Tls13ServerInterop, FlightIsCoalescedWithCompatCcs)
{
    Pair p;
    p.start_both();
    ASSERT_EQ(-1, SSL_do_handshake(p.s));
    p.client_to_server();
    ASSERT_EQ(TLS_WANT_INPUT, p.run([&] { return tls_conn_handshake(p.c); }));
    std::vector<Rec> recs = split(p.drain());
    ASSERT_EQ(3u, recs.size());
    EXPECT_EQ(TLS_CT_HANDSHAKE, recs[0].type);
    EXPECT_EQ(TLS_HS_SERVER_HELLO, (uint8_t)recs[0].body[0]);
    EXPECT_EQ(TLS_CT_CHANGE_CIPHER_SPEC, recs[1].type);
    EXPECT_EQ(TLS_CT_APPLICATION_DATA, recs[2].type);
    // The session id is echoed (38 = version 2 + random 32 + hs header 4).
    EXPECT_EQ(32, (uint8_t)recs[0].body[38]);
}

struct KeyCase {
    const char *cert;
    int sig_type_nid;
};

class Keys : public ::testing::TestWithParam<KeyCase>
{
};

TEST_P(Keys, ClientVerifiesChainAndSignature)
{
    Pair p(GetParam().cert);
    p.trust("ca.pem");
    p.start_both();
    SSL_set1_host(p.s, "localhost");
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(X509_V_OK, SSL_get_verify_result(p.s));
    X509 *peer = SSL_get0_peer_certificate(p.s);
    ASSERT_NE(nullptr, peer);
    EXPECT_EQ(0, X509_cmp(peer, p.cfg.cert));
    int nid = 0;
    ASSERT_EQ(1, SSL_get_peer_signature_type_nid(p.s, &nid));
    EXPECT_EQ(GetParam().sig_type_nid, nid);
    expect_data_both_ways(p, 100);
}

INSTANTIATE_TEST_SUITE_P(Tls13Server, Keys,
                         ::testing::Values(KeyCase{"server", EVP_PKEY_RSA_PSS},
                                           KeyCase{"server-ec", EVP_PKEY_EC},
                                           KeyCase{"server-ed25519", EVP_PKEY_ED25519}),
                         [](const ::testing::TestParamInfo<KeyCase> &i) {
                             std::string n = i.param.cert;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

TEST(Tls13ServerInterop, ChainIsSent)
{
    Pair p("server");
    STACK_OF(X509) *chain = sk_X509_new_null();
    sk_X509_push(chain, load_cert("ca.pem"));
    p.cfg.chain = chain;
    ASSERT_EQ(TLS_OK, p.handshake());
    STACK_OF(X509) *got = SSL_get_peer_cert_chain(p.s);
    ASSERT_NE(nullptr, got);
    ASSERT_EQ(2, sk_X509_num(got));
    EXPECT_EQ(0, X509_cmp(sk_X509_value(got, 1), load_cert("ca.pem")));
    sk_X509_free(chain);
}

TEST(Tls13ServerInterop, UntrustedCertificateIsRejectedByClient)
{
    Pair p("server");
    p.trust("untrusted-ca.pem");
    int rc = p.handshake();
    // The client's unknown_ca alert reaches us (in plaintext or protected).
    EXPECT_LT(rc, 0);
    EXPECT_EQ(TLS_AD_UNKNOWN_CA, tls_conn_alert_received(p.c));
    EXPECT_EQ(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, SSL_get_verify_result(p.s));
    ERR_clear_error();
}

TEST(Tls13ServerInterop, OnlyPkcs1OfferedMeansNoSuitableSignature)
{
    Pair p("server");
    p.start_both();
    // rsa_pkcs1_* are not valid in a TLS 1.3 CertificateVerify.
    ASSERT_EQ(1, SSL_set1_sigalgs_list(p.s, "RSA+SHA256:ECDSA+SHA256"));
    int rc = p.handshake();
    EXPECT_EQ(TLS_ERR(TLS_AD_HANDSHAKE_FAILURE, TLS_R_NO_SUITABLE_SIGNATURE_ALGORITHM), rc);
    ERR_clear_error();
}

TEST(Tls13ServerInterop, AlpnServerPreference)
{
    Pair p;
    static const uint8_t ours[] = "\x08http/1.1\x02h2";
    p.cfg.alpn = ours;
    p.cfg.alpn_len = sizeof(ours) - 1;
    static const uint8_t theirs[] = "\x02h2\x08http/1.1";
    p.start_both();
    ASSERT_EQ(0, SSL_set_alpn_protos(p.s, theirs, sizeof(theirs) - 1));
    ASSERT_EQ(TLS_OK, p.handshake());
    const uint8_t *proto;
    size_t len;
    tls_conn_alpn(p.c, &proto, &len);
    ASSERT_EQ(8u, len);
    EXPECT_EQ(0, memcmp(proto, "http/1.1", 8));
    const unsigned char *cp;
    unsigned cl;
    SSL_get0_alpn_selected(p.s, &cp, &cl);
    ASSERT_EQ(8u, cl);
    EXPECT_EQ(0, memcmp(cp, "http/1.1", 8));
}

TEST(Tls13ServerInterop, AlpnNoOverlapSendsNothing)
{
    Pair p;
    static const uint8_t ours[] = "\x02h2";
    p.cfg.alpn = ours;
    p.cfg.alpn_len = 3;
    static const uint8_t theirs[] = "\x08http/1.1";
    p.start_both();
    ASSERT_EQ(0, SSL_set_alpn_protos(p.s, theirs, sizeof(theirs) - 1));
    ASSERT_EQ(TLS_OK, p.handshake());
    const uint8_t *proto;
    size_t len;
    tls_conn_alpn(p.c, &proto, &len);
    EXPECT_EQ(0u, len);
    const unsigned char *cp;
    unsigned cl;
    SSL_get0_alpn_selected(p.s, &cp, &cl);
    EXPECT_EQ(0u, cl);
}

TEST(Tls13ServerInterop, ServerNameIsKept)
{
    Pair p;
    p.start_both();
    EXPECT_EQ(nullptr, tls_conn_server_name(p.c));
    ASSERT_EQ(1, SSL_set_tlsext_host_name(p.s, "www.example.test"));
    ASSERT_EQ(TLS_OK, p.handshake());
    ASSERT_NE(nullptr, tls_conn_server_name(p.c));
    EXPECT_STREQ("www.example.test", tls_conn_server_name(p.c));
}

TEST(Tls13ServerInterop, NoServerNameIsNull)
{
    Pair p;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(nullptr, tls_conn_server_name(p.c));
}

TEST(Tls13ServerInterop, HundredKilobytesBothWays)
{
    Pair p;
    ASSERT_EQ(TLS_OK, p.handshake());
    expect_data_both_ways(p, 100 * 1024);
}

TEST(Tls13ServerInterop, ServerClosesFirst)
{
    Pair p;
    ASSERT_EQ(TLS_OK, p.handshake());
    ASSERT_EQ(TLS_OK, tls_conn_close(p.c));
    EXPECT_TRUE(tls_conn_close_sent(p.c));
    p.server_to_client();
    char b[16];
    EXPECT_EQ(0, SSL_read(p.s, b, sizeof(b)));
    EXPECT_EQ(SSL_ERROR_ZERO_RETURN, SSL_get_error(p.s, 0));
    size_t n;
    EXPECT_EQ(TLS_ERR(TLS_AD_NONE, TLS_R_PROTOCOL_IS_SHUTDOWN),
              tls_conn_write(p.c, (const uint8_t *)"x", 1, &n));
    // The client answers; we see its close_notify.
    EXPECT_EQ(1, SSL_shutdown(p.s));
    p.client_to_server();
    uint8_t buf[16];
    EXPECT_EQ(TLS_EOF, p.run([&] { return tls_conn_read(p.c, buf, sizeof(buf), &n, 0); }));
    EXPECT_TRUE(tls_conn_close_received(p.c));
}

TEST(Tls13ServerInterop, ClientClosesFirst)
{
    Pair p;
    ASSERT_EQ(TLS_OK, p.handshake());
    ASSERT_TRUE(p.client_write("last words"));
    EXPECT_EQ(0, SSL_shutdown(p.s));
    p.client_to_server();
    std::string got;
    EXPECT_EQ(TLS_OK, p.server_read(got, 10));
    EXPECT_EQ("last words", got);
    uint8_t buf[16];
    size_t n;
    EXPECT_EQ(TLS_EOF, p.run([&] { return tls_conn_read(p.c, buf, sizeof(buf), &n, 0); }));
    EXPECT_TRUE(tls_conn_close_received(p.c));
    ASSERT_EQ(TLS_OK, tls_conn_close(p.c));
    p.server_to_client();
    EXPECT_EQ(1, SSL_shutdown(p.s));
}

TEST(Tls13ServerInterop, ServerKeyUpdateRequested)
{
    Pair p;
    ASSERT_EQ(TLS_OK, p.handshake());
    ASSERT_EQ(TLS_OK, tls_conn_key_update(p.c, 1));
    ASSERT_EQ(TLS_OK, p.server_write("after our update"));
    EXPECT_EQ("after our update", p.client_read(16));
    // The client answered with its own KeyUpdate before this data: only a
    // server that moved its read key on can decrypt it.
    ASSERT_TRUE(p.client_write("after theirs"));
    std::string got;
    ASSERT_EQ(TLS_OK, p.server_read(got, 12));
    EXPECT_EQ("after theirs", got);
    expect_data_both_ways(p, 3000);
}

TEST(Tls13ServerInterop, ClientKeyUpdateRequested)
{
    Pair p;
    ASSERT_EQ(TLS_OK, p.handshake());
    ASSERT_EQ(1, SSL_key_update(p.s, SSL_KEY_UPDATE_REQUESTED));
    ASSERT_TRUE(p.client_write("after client update"));
    std::string got;
    ASSERT_EQ(TLS_OK, p.server_read(got, 19));
    EXPECT_EQ("after client update", got);
    // We answered with our own update; the client still reads us.
    ASSERT_EQ(TLS_OK, p.server_write("answer"));
    EXPECT_EQ("answer", p.client_read(6));
    expect_exporters_agree(p);
}

TEST(Tls13ServerInterop, ClientPreferenceByDefault)
{
    Pair p;
    uint16_t ours[] = {0x1303, 0x1301};
    p.cfg.tls13_suites = ours;
    p.cfg.n_tls13_suites = 2;
    p.start_both();
    ASSERT_EQ(1, SSL_set_ciphersuites(p.s, "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"));
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(0x1301, tls_conn_cipher_suite(p.c));
    EXPECT_EQ(0x1301, SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(p.s)));
}

TEST(Tls13ServerInterop, ServerPreferenceWhenAsked)
{
    Pair p;
    uint16_t ours[] = {0x1303, 0x1301};
    p.cfg.tls13_suites = ours;
    p.cfg.n_tls13_suites = 2;
    p.cfg.flags = TLS_CFG_SERVER_PREFERENCE;
    p.start_both();
    ASSERT_EQ(1, SSL_set_ciphersuites(p.s, "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"));
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(0x1303, tls_conn_cipher_suite(p.c));
    EXPECT_EQ(0x1303, SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(p.s)));
}

TEST(Tls13ServerInterop, NoSharedCipher)
{
    Pair p;
    uint16_t ours = 0x1303;
    p.cfg.tls13_suites = &ours;
    p.cfg.n_tls13_suites = 1;
    p.start_both();
    ASSERT_EQ(1, SSL_set_ciphersuites(p.s, "TLS_AES_128_GCM_SHA256"));
    EXPECT_EQ(TLS_ERR(TLS_AD_HANDSHAKE_FAILURE, TLS_R_NO_SHARED_CIPHER), p.handshake());
    ERR_clear_error();
}

TEST(Tls13ServerInterop, MessageTraceAndEvents)
{
    Pair p;
    ASSERT_EQ(TLS_OK, p.handshake());
    // Sent: SH, EE, CT, CV, FIN as handshake messages; received: CH, FIN.
    int sent_hs = 0, rcvd_hs = 0;
    for (auto &m : p.msgs) {
        if (m.second == TLS_CT_HANDSHAKE)
            (m.first ? sent_hs : rcvd_hs)++;
    }
    EXPECT_EQ(5, sent_hs);
    EXPECT_EQ(2, rcvd_hs);
}

} // namespace

// --- several certificates at once (one per key type) ------------------------

// Our server with RSA (as cfg.cert) plus ECDSA P-256 and Ed25519 identities;
// the client offers only `sigalgs` and verifies against the test CA.
struct MultiCert : Pair {
    explicit MultiCert(const char *sigalgs) : Pair("server")
    {
        cfg.ids[0] = {load_cert("server-ec.pem"), load_key("server-ec.key"), nullptr};
        cfg.ids[1] = {load_cert("server-ed25519.pem"), load_key("server-ed25519.key"), nullptr};
        cfg.n_ids = 2;
        trust("ca.pem");
        start_both();
        EXPECT_EQ(1, SSL_set1_sigalgs_list(s, sigalgs));
    }
    int peer_key_type()
    {
        X509 *x = SSL_get0_peer_certificate(s);
        return x ? EVP_PKEY_get_base_id(X509_get0_pubkey(x)) : EVP_PKEY_NONE;
    }
    int peer_sig_nid()
    {
        int nid = NID_undef;
        return SSL_get_peer_signature_type_nid(s, &nid) ? nid : NID_undef;
    }
};

TEST(Tls13ServerInterop, MultiCertEcdsaOffered)
{
    MultiCert p("ecdsa_secp256r1_sha256");
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(EVP_PKEY_EC, p.peer_key_type());
    EXPECT_EQ(NID_X9_62_id_ecPublicKey, p.peer_sig_nid());
    EXPECT_EQ(X509_V_OK, SSL_get_verify_result(p.s));
}

TEST(Tls13ServerInterop, MultiCertRsaPssOffered)
{
    MultiCert p("rsa_pss_rsae_sha256");
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(EVP_PKEY_RSA, p.peer_key_type());
    EXPECT_EQ(NID_rsassaPss, p.peer_sig_nid());
    EXPECT_EQ(X509_V_OK, SSL_get_verify_result(p.s));
}

TEST(Tls13ServerInterop, MultiCertEd25519Offered)
{
    MultiCert p("ed25519");
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(EVP_PKEY_ED25519, p.peer_key_type());
    EXPECT_EQ(X509_V_OK, SSL_get_verify_result(p.s));
}

TEST(Tls13ServerInterop, MultiCertClientOrderDecides)
{
    // Both schemes fit one of our certificates: the client's first one wins,
    // whichever identity holds it.
    MultiCert p("ed25519:ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256");
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(EVP_PKEY_ED25519, p.peer_key_type());
}

TEST(Tls13ServerInterop, MultiCertNoneFits)
{
    MultiCert p("ecdsa_secp384r1_sha384:ed448");
    int rc = p.handshake();
    EXPECT_EQ(TLS_ERR(TLS_AD_HANDSHAKE_FAILURE, TLS_R_NO_SUITABLE_SIGNATURE_ALGORITHM), rc);
    EXPECT_EQ(nullptr, SSL_get0_peer_certificate(p.s));
    ERR_clear_error();
}
