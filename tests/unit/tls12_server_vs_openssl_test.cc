// Our core TLS 1.2 server against the system's OpenSSL 3.0 client, in one
// process over memory BIOs. What is checked is what each side observes: the
// version and suite both report, data both ways, key log lines and exporter
// values (equal only if both sides derived the same master secret), session
// reuse as the OpenSSL client reports it, and for refused handshakes the
// alert on the wire and our reason.
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

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
#include "core/tls12.h"
}

#include "unit/tls13_server_harness.h"

namespace
{
using namespace tls13srv;

const uint8_t kSentinel12[8] = {0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x01};

// Our server (an RSA and an ECDSA certificate, as nginx would configure it)
// and an OpenSSL client limited to TLS 1.2 unless a test says otherwise,
// verifying against the test CA; our alerts reach the client.
struct Pair : shimtest::CoreServerPair {
    explicit Pair(const std::string &cert = "server") : CoreServerPair(cert)
    {
        if (cert == "server") {
            cfg.ids[0].cert = load_cert("server-ec.pem");
            cfg.ids[0].key = load_key("server-ec.key");
            cfg.n_ids = 1;
        }
        SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
        log_client_keys();
        trust("ca.pem");
        client_sees_alert = true;
    }

    // The alert the client got from us (from its info callback), or -1.
    int client_alert_received()
    {
        return last_alert_from_server;
    }
    int last_alert_from_server = -1;
    void watch_client_alerts()
    {
        SSL_CTX_set_info_callback(cctx, [](const SSL *ssl, int where, int ret) {
            if ((where & SSL_CB_READ_ALERT) != 0) {
                Pair *p = (Pair *)SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
                p->last_alert_from_server = ret & 0xff;
            }
        });
    }
};

using shimtest::expect_data_both_ways;
using shimtest::pattern;

void expect_exporters_agree(Pair &p)
{
    uint8_t ours[48], theirs[48];
    const char *label = "EXPERIMENTAL shimssl tls12 server";
    const uint8_t ctx[] = {1, 2, 3};
    ASSERT_EQ(0,
              tls_conn_export(p.c, ours, sizeof(ours), label, strlen(label), ctx, sizeof(ctx), 1));
    ASSERT_EQ(1, SSL_export_keying_material(p.s, theirs, sizeof(theirs), label, strlen(label), ctx,
                                            sizeof(ctx), 1));
    EXPECT_EQ(0, memcmp(ours, theirs, sizeof(ours)));
}

std::string server_random_seen_by_client(Pair &p)
{
    uint8_t r[32];
    EXPECT_EQ(32u, SSL_get_server_random(p.s, r, 32));
    return std::string((const char *)r, 32);
}

bool implemented(uint16_t id)
{
    return tls12_suite_get(nullptr, id) != nullptr;
}

// --- suites ------------------------------------------------------------------

struct SuiteCase {
    const char *name; // OpenSSL's name, as the client's cipher list
    uint16_t id;
};

class Suites : public ::testing::TestWithParam<SuiteCase>
{
};

TEST_P(Suites, HandshakeDataExporterKeylog)
{
    const SuiteCase &sc = GetParam();
    ASSERT_TRUE(implemented(sc.id)) << sc.name;
    Pair p;
    ASSERT_EQ(1, SSL_CTX_set_cipher_list(p.cctx, sc.name));
    ASSERT_EQ(TLS_OK, p.handshake()) << TLS_ERR_REASON(tls_conn_error(p.c));
    EXPECT_EQ(TLS1_2_VERSION, SSL_version(p.s));
    EXPECT_EQ(TLS_V12, tls_conn_version(p.c));
    EXPECT_EQ(sc.id, tls_conn_cipher_suite(p.c));
    EXPECT_EQ(sc.id, SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(p.s)));
    EXPECT_STREQ(sc.name, SSL_CIPHER_get_name(SSL_get_current_cipher(p.s)));
    EXPECT_EQ(X509_V_OK, SSL_get_verify_result(p.s));
    // RFC 7627 and RFC 5746 on both sides by default.
    EXPECT_EQ(1, SSL_get_extms_support(p.s));
    EXPECT_EQ(1, tls_conn_ems(p.c));
    EXPECT_EQ(1, SSL_get_secure_renegotiation_support(p.s));
    EXPECT_EQ(1, tls_conn_secure_reneg(p.c));
    const tls12_suite *s12 = tls12_suite_get(nullptr, sc.id);
    EXPECT_EQ(s12->cbc ? 1 : 0, tls_conn_etm(p.c));
    // The same CLIENT_RANDOM line in both key logs.
    ASSERT_EQ(1u, p.keylog.size());
    EXPECT_EQ(p.client_keylog, p.keylog);
    EXPECT_EQ(0, p.keylog[0].rfind("CLIENT_RANDOM ", 0));
    // Finished as each side saw them.
    uint8_t ours[64], theirs[64];
    size_t n = tls_conn_finished(p.c, 0, ours, sizeof(ours));
    ASSERT_EQ(12u, n);
    ASSERT_EQ(n, SSL_get_peer_finished(p.s, theirs, sizeof(theirs)));
    EXPECT_EQ(0, memcmp(ours, theirs, n));
    n = tls_conn_finished(p.c, 1, ours, sizeof(ours));
    ASSERT_EQ(n, SSL_get_finished(p.s, theirs, sizeof(theirs)));
    EXPECT_EQ(0, memcmp(ours, theirs, n));
    // Sentinel: we could have done TLS 1.3.
    EXPECT_EQ(std::string((const char *)kSentinel12, 8), server_random_seen_by_client(p).substr(24));
    expect_data_both_ways(p, 40000);
    expect_exporters_agree(p);
}

TEST(Tls12ServerInterop, CcmSuitesWhenConfigured)
{
    // RFC 6655 / RFC 7251 AES-CCM: not in OpenSSL 3.0's default list, so
    // both sides name the suite.
    const SuiteCase cases[] = {
        {"ECDHE-ECDSA-AES128-CCM", TLS_SUITE_ECDHE_ECDSA_WITH_AES_128_CCM},
        {"ECDHE-ECDSA-AES128-CCM8", TLS_SUITE_ECDHE_ECDSA_WITH_AES_128_CCM_8},
        {"DHE-RSA-AES128-CCM", TLS_SUITE_DHE_RSA_WITH_AES_128_CCM},
        {"DHE-RSA-AES128-CCM8", TLS_SUITE_DHE_RSA_WITH_AES_128_CCM_8},
    };
    for (const SuiteCase &sc : cases) {
        Pair p;
        ASSERT_EQ(1, SSL_CTX_set_cipher_list(p.cctx, sc.name));
        uint16_t id = sc.id;
        p.cfg.tls12_suites = &id;
        p.cfg.n_tls12_suites = 1;
        ASSERT_EQ(TLS_OK, p.handshake()) << sc.name << " " << TLS_ERR_REASON(tls_conn_error(p.c));
        EXPECT_EQ(sc.id, tls_conn_cipher_suite(p.c));
        EXPECT_STREQ(sc.name, SSL_CIPHER_get_name(SSL_get_current_cipher(p.s)));
        expect_data_both_ways(p, 40000);
        expect_exporters_agree(p);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Tls12Server, Suites,
    ::testing::Values(SuiteCase{"ECDHE-RSA-AES128-GCM-SHA256", 0xC02F},
                      SuiteCase{"ECDHE-RSA-AES256-GCM-SHA384", 0xC030},
                      SuiteCase{"ECDHE-ECDSA-AES128-GCM-SHA256", 0xC02B},
                      SuiteCase{"ECDHE-ECDSA-AES256-GCM-SHA384", 0xC02C},
                      SuiteCase{"ECDHE-RSA-CHACHA20-POLY1305", 0xCCA8},
                      SuiteCase{"ECDHE-ECDSA-CHACHA20-POLY1305", 0xCCA9},
                      SuiteCase{"ECDHE-RSA-AES128-SHA256", 0xC027},
                      SuiteCase{"ECDHE-RSA-AES256-SHA384", 0xC028},
                      SuiteCase{"ECDHE-ECDSA-AES128-SHA", 0xC009},
                      SuiteCase{"ECDHE-ECDSA-AES256-SHA", 0xC00A}),
    [](const ::testing::TestParamInfo<SuiteCase> &i) {
        std::string n = i.param.name;
        std::replace(n.begin(), n.end(), '-', '_');
        return n;
    });

// Records of a client flight.
std::vector<Rec> records(const std::string &s)
{
    return split(s);
}

std::string join(const std::vector<Rec> &recs)
{
    std::string out;
    for (const Rec &r : recs)
        out += record(r.type, r.body);
    return out;
}

// Change the record holding a ClientKeyExchange (plaintext: first flight).
void on_cke(Pair &p, std::function<void(std::string &body)> f)
{
    p.mangle = [f](std::string &bytes) {
        std::vector<Rec> recs = records(bytes);
        for (Rec &r : recs)
            if (r.type == TLS_CT_HANDSHAKE && !r.body.empty() && (uint8_t)r.body[0] == 16)
                f(r.body);
        bytes = join(recs);
    };
}

// --- CBC ------------------------------------------------------------------------

EVP_PKEY *ffdhe_params(const char *group)
{
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr);
    EVP_PKEY *params = nullptr;
    OSSL_PARAM p[2] = {OSSL_PARAM_construct_utf8_string("group", (char *)group, 0),
                       OSSL_PARAM_construct_end()};
    if (pctx && EVP_PKEY_paramgen_init(pctx) == 1 && EVP_PKEY_CTX_set_params(pctx, p) == 1)
        EVP_PKEY_paramgen(pctx, &params);
    EVP_PKEY_CTX_free(pctx);
    return params;
}

int dhe_bits_seen_by_client(Pair &p)
{
    EVP_PKEY *tmp = nullptr;
    if (SSL_get_peer_tmp_key(p.s, &tmp) != 1)
        return -1;
    int bits = EVP_PKEY_get_bits(tmp);
    EVP_PKEY_free(tmp);
    return bits;
}

TEST(Tls12ServerInterop, DheAutomaticGroupMatchesCertificate)
{
    Pair p;
    p.cfg.security_level = 2;
    ASSERT_EQ(1, SSL_CTX_set_cipher_list(p.cctx, "DHE-RSA-AES128-GCM-SHA256"));
    ASSERT_EQ(TLS_OK, p.handshake()) << TLS_ERR_REASON(tls_conn_error(p.c));
    EXPECT_EQ(0x009E, tls_conn_cipher_suite(p.c));
    EXPECT_EQ(2048, dhe_bits_seen_by_client(p)); // RSA-2048 certificate: ffdhe2048
    expect_data_both_ways(p, 1000);
    expect_exporters_agree(p);
}

TEST(Tls12ServerInterop, DheApplicationParameters)
{
    Pair p;
    EVP_PKEY *params = ffdhe_params("ffdhe3072");
    ASSERT_NE(nullptr, params);
    p.cfg.dh_params = params;
    ASSERT_EQ(1, SSL_CTX_set_cipher_list(p.cctx, "DHE-RSA-AES256-GCM-SHA384"));
    ASSERT_EQ(TLS_OK, p.handshake()) << TLS_ERR_REASON(tls_conn_error(p.c));
    EXPECT_EQ(3072, dhe_bits_seen_by_client(p));
    expect_data_both_ways(p, 1000);
    tls_conn_free(p.c);
    p.c = nullptr;
    EVP_PKEY_free(params);
}

TEST(Tls12ServerInterop, RsaKeyTransport)
{
    Pair p;
    ASSERT_EQ(1, SSL_CTX_set_cipher_list(p.cctx, "AES128-GCM-SHA256"));
    ASSERT_EQ(TLS_OK, p.handshake()) << TLS_ERR_REASON(tls_conn_error(p.c));
    EXPECT_EQ(0x009C, tls_conn_cipher_suite(p.c));
    // No ServerKeyExchange: nothing signed, no temporary key.
    EVP_PKEY *tmp = nullptr;
    EXPECT_EQ(0, SSL_get_peer_tmp_key(p.s, &tmp));
    expect_data_both_ways(p, 1000);
    expect_exporters_agree(p);
}

TEST(Tls12ServerInterop, BadRsaPaddingFailsAtFinishedLikeAWrongKey)
{
    // A corrupted EncryptedPreMasterSecret is not reported as such (no
    // Bleichenbacher oracle): the server goes on with a random premaster and
    // the client's Finished record then fails to decrypt, as OpenSSL does.
    Pair p;
    p.watch_client_alerts();
    ASSERT_EQ(1, SSL_CTX_set_cipher_list(p.cctx, "AES128-GCM-SHA256"));
    on_cke(p, [](std::string &b) { b[20] ^= 0x55; });
    EXPECT_EQ(TLS_ERR(TLS_AD_BAD_RECORD_MAC, TLS_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC),
              p.handshake());
    EXPECT_EQ(TLS_AD_BAD_RECORD_MAC, p.client_alert_received());
}

TEST(Tls12ServerInterop, CbcWithAndWithoutEncryptThenMac)
{
    for (int etm = 0; etm < 2; etm++) {
        Pair p;
        if (!etm)
            SSL_CTX_set_options(p.cctx, SSL_OP_NO_ENCRYPT_THEN_MAC);
        ASSERT_EQ(1, SSL_CTX_set_cipher_list(p.cctx, "ECDHE-RSA-AES128-SHA256"));
        ASSERT_EQ(TLS_OK, p.handshake()) << TLS_ERR_REASON(tls_conn_error(p.c));
        EXPECT_EQ(etm, tls_conn_etm(p.c));
        expect_data_both_ways(p, 20000);
    }
    Pair p;
    p.cfg.flags |= TLS_CFG_NO_ETM;
    ASSERT_EQ(1, SSL_CTX_set_cipher_list(p.cctx, "ECDHE-ECDSA-AES256-SHA"));
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(0, tls_conn_etm(p.c));
    expect_data_both_ways(p, 20000);
}

// --- version negotiation -----------------------------------------------------

TEST(Tls12ServerInterop, Tls13ClientGetsTls13)
{
    Pair p;
    SSL_CTX_set_max_proto_version(p.cctx, TLS1_3_VERSION);
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(TLS1_3_VERSION, SSL_version(p.s));
    EXPECT_EQ(TLS_V13, tls_conn_version(p.c));
    expect_data_both_ways(p, 100);
}

TEST(Tls12ServerInterop, ServerMaxTls12HasNoSentinel)
{
    // A 1.3-capable client checks the sentinel: it must not be there when
    // the server itself is limited to 1.2 (RFC 8446 4.1.3).
    Pair p;
    SSL_CTX_set_max_proto_version(p.cctx, TLS1_3_VERSION);
    p.cfg.max_version = TLS_V12;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(TLS1_2_VERSION, SSL_version(p.s));
    std::string r = server_random_seen_by_client(p);
    EXPECT_NE(std::string((const char *)kSentinel12, 8), r.substr(24));
    EXPECT_NE(std::string("DOWNGRD"), r.substr(24, 7));
    expect_data_both_ways(p, 100);
}

TEST(Tls12ServerInterop, Tls13OnlyServerRefusesTls12Client)
{
    Pair p;
    p.watch_client_alerts();
    p.cfg.min_version = TLS_V13;
    int rc = p.handshake();
    EXPECT_EQ(TLS_ERR(TLS_AD_PROTOCOL_VERSION, TLS_R_UNSUPPORTED_PROTOCOL), rc);
    EXPECT_EQ(TLS_AD_PROTOCOL_VERSION, p.client_alert_received());
}

TEST(Tls12ServerInterop, Tls11ClientIsRefused)
{
    Pair p;
    p.watch_client_alerts();
    SSL_CTX_set_security_level(p.cctx, 0);
    SSL_CTX_set_min_proto_version(p.cctx, TLS1_1_VERSION);
    SSL_CTX_set_max_proto_version(p.cctx, TLS1_1_VERSION);
    SSL_CTX_set_cipher_list(p.cctx, "DEFAULT@SECLEVEL=0");
    int rc = p.handshake();
    EXPECT_EQ(TLS_ERR(TLS_AD_PROTOCOL_VERSION, TLS_R_UNSUPPORTED_PROTOCOL), rc);
    EXPECT_EQ(TLS_AD_PROTOCOL_VERSION, p.client_alert_received());
}

TEST(Tls12ServerInterop, FallbackScsvBelowOurMaxIsRefused)
{
    Pair p;
    p.watch_client_alerts();
    p.start_both();
    SSL_set_mode(p.s, SSL_MODE_SEND_FALLBACK_SCSV);
    int rc = p.handshake();
    EXPECT_EQ(TLS_ERR(TLS_AD_INAPPROPRIATE_FALLBACK, TLS_R_INAPPROPRIATE_FALLBACK), rc);
    EXPECT_EQ(TLS_AD_INAPPROPRIATE_FALLBACK, p.client_alert_received());
}

TEST(Tls12ServerInterop, FallbackScsvAtOurMaxIsFine)
{
    Pair p;
    p.cfg.max_version = TLS_V12;
    p.start_both();
    SSL_set_mode(p.s, SSL_MODE_SEND_FALLBACK_SCSV);
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(TLS_V12, tls_conn_version(p.c));
}

// --- selection ---------------------------------------------------------------

TEST(Tls12ServerInterop, CertificateFollowsSuite)
{
    for (const char *suite : {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256"}) {
        Pair p;
        ASSERT_EQ(1, SSL_CTX_set_cipher_list(p.cctx, suite));
        ASSERT_EQ(TLS_OK, p.handshake()) << suite;
        X509 *peer = SSL_get0_peer_certificate(p.s);
        ASSERT_NE(nullptr, peer);
        int want = strstr(suite, "ECDSA") ? EVP_PKEY_EC : EVP_PKEY_RSA;
        EXPECT_EQ(want, EVP_PKEY_get_base_id(X509_get0_pubkey(peer))) << suite;
    }
}

TEST(Tls12ServerInterop, ClientPreferenceByDefault)
{
    Pair p;
    ASSERT_EQ(1, SSL_CTX_set_cipher_list(p.cctx,
                                         "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384"));
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(0xC02F, tls_conn_cipher_suite(p.c));
}

TEST(Tls12ServerInterop, ServerPreferenceWhenAsked)
{
    Pair p;
    static const uint16_t ours[] = {0xC030, 0xC02F};
    p.cfg.tls12_suites = ours;
    p.cfg.n_tls12_suites = 2;
    p.cfg.flags |= TLS_CFG_SERVER_PREFERENCE;
    ASSERT_EQ(1, SSL_CTX_set_cipher_list(p.cctx,
                                         "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384"));
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(0xC030, tls_conn_cipher_suite(p.c));
    EXPECT_EQ(0xC030, SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(p.s)));
}

TEST(Tls12ServerInterop, NoCertificateForTheSuiteMeansNoSharedCipher)
{
    Pair p("server"); // RSA and ECDSA ...
    p.cfg.n_ids = 0;  // ... now RSA only
    p.watch_client_alerts();
    ASSERT_EQ(1, SSL_CTX_set_cipher_list(p.cctx, "ECDHE-ECDSA-AES128-GCM-SHA256"));
    EXPECT_EQ(TLS_ERR(TLS_AD_HANDSHAKE_FAILURE, TLS_R_NO_SHARED_CIPHER), p.handshake());
    EXPECT_EQ(TLS_AD_HANDSHAKE_FAILURE, p.client_alert_received());
}

TEST(Tls12ServerInterop, NoCommonGroupMeansNoEcdhe)
{
    Pair p;
    static const uint16_t ours[] = {0x0018}; // P-384 only
    p.cfg.groups = ours;
    p.cfg.n_groups = 1;
    p.watch_client_alerts();
    ASSERT_EQ(1, SSL_CTX_set1_groups_list(p.cctx, "X25519:P-256"));
    ASSERT_EQ(1, SSL_CTX_set_cipher_list(p.cctx, "ECDHE-RSA-AES128-GCM-SHA256"));
    EXPECT_EQ(TLS_ERR(TLS_AD_HANDSHAKE_FAILURE, TLS_R_NO_SHARED_CIPHER), p.handshake());
    EXPECT_EQ(TLS_AD_HANDSHAKE_FAILURE, p.client_alert_received());
}

// The NID OpenSSL gives a group list name ("X25519", "P-256").
static int ossl_group_nid(const char *name)
{
    int nid = EC_curve_nist2nid(name);
    return nid != NID_undef ? nid : OBJ_sn2nid(name);
}

TEST(Tls12ServerInterop, GroupsAndSignatureSchemeFollowTheClient)
{
    for (const char *g : {"X25519", "P-256", "P-384"}) {
        Pair p;
        ASSERT_EQ(1, SSL_CTX_set1_groups_list(p.cctx, g));
        ASSERT_EQ(1, SSL_CTX_set1_sigalgs_list(p.cctx, "RSA+SHA384"));
        ASSERT_EQ(1, SSL_CTX_set_cipher_list(p.cctx, "ECDHE-RSA-AES128-GCM-SHA256"));
        ASSERT_EQ(TLS_OK, p.handshake()) << g;
        EXPECT_EQ(ossl_group_nid(g), tls_group_nid(tls_conn_group(p.c)));
        int nid = 0;
        ASSERT_EQ(1, SSL_get_peer_signature_nid(p.s, &nid));
        EXPECT_EQ(NID_sha384, nid);
        EVP_PKEY *tmp = nullptr;
        ASSERT_EQ(1, SSL_get_peer_tmp_key(p.s, &tmp));
        EXPECT_EQ(ossl_group_nid(g) == NID_X25519 ? EVP_PKEY_X25519 : EVP_PKEY_EC,
                  EVP_PKEY_get_base_id(tmp));
        EVP_PKEY_free(tmp);
        ASSERT_NE(nullptr, tls_conn_peer_tmp_key(p.c));
    }
}

TEST(Tls12ServerInterop, AlpnIsAnswered)
{
    Pair p;
    static const uint8_t ours[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    p.cfg.alpn = ours;
    p.cfg.alpn_len = sizeof(ours);
    static const uint8_t theirs[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1', 2, 'h', '2'};
    p.start_both();
    ASSERT_EQ(0, SSL_set_alpn_protos(p.s, theirs, sizeof(theirs)));
    ASSERT_EQ(TLS_OK, p.handshake());
    const unsigned char *sel = nullptr;
    unsigned len = 0;
    SSL_get0_alpn_selected(p.s, &sel, &len);
    EXPECT_EQ("h2", std::string((const char *)sel, len));
}

TEST(Tls12ServerInterop, WithoutEmsClientGetsNone)
{
    Pair p;
    SSL_CTX_set_options(p.cctx, SSL_OP_NO_EXTENDED_MASTER_SECRET);
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(0, SSL_get_extms_support(p.s));
    EXPECT_EQ(0, tls_conn_ems(p.c));
    expect_data_both_ways(p, 1000);
    expect_exporters_agree(p);
}

TEST(Tls12ServerInterop, ServerWithoutEms)
{
    Pair p;
    p.cfg.flags |= TLS_CFG_NO_EMS;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(0, SSL_get_extms_support(p.s));
    EXPECT_EQ(0, tls_conn_ems(p.c));
    expect_data_both_ways(p, 1000);
}

// --- client authentication ----------------------------------------------------

void use_client_cert(Pair &p)
{
    ASSERT_EQ(1, SSL_CTX_use_certificate(p.cctx, load_cert("client.pem")));
    ASSERT_EQ(1, SSL_CTX_use_PrivateKey(p.cctx, load_key("client.key")));
}

TEST(Tls12ServerInterop, ClientCertificateAccepted)
{
    Pair p;
    p.cfg.flags |= TLS_CFG_REQUEST_CERT | TLS_CFG_REQUIRE_CERT;
    p.cfg.verify_chain = [](void *arg, STACK_OF(X509) * chain) {
        ((Pair *)arg)->events.push_back(1000 + sk_X509_num(chain));
        return 0;
    };
    use_client_cert(p);
    ASSERT_EQ(TLS_OK, p.handshake()) << TLS_ERR_REASON(tls_conn_error(p.c));
    // The OpenSSL client sends its certificate and the CA it chains to.
    EXPECT_EQ(1, std::count(p.events.begin(), p.events.end(), 1002));
    STACK_OF(X509) *chain = tls_conn_peer_chain(p.c);
    ASSERT_NE(nullptr, chain);
    ASSERT_EQ(2, sk_X509_num(chain));
    EXPECT_EQ(0, X509_cmp(load_cert("client.pem"), sk_X509_value(chain, 0)));
    EXPECT_NE(0, tls_conn_peer_sigalg(p.c));
    expect_data_both_ways(p, 1000);
    expect_exporters_agree(p);
}

TEST(Tls12ServerInterop, ClientWithoutCertificateRefusedWhenRequired)
{
    Pair p;
    p.watch_client_alerts();
    p.cfg.flags |= TLS_CFG_REQUEST_CERT | TLS_CFG_REQUIRE_CERT;
    EXPECT_EQ(TLS_ERR(TLS_AD_HANDSHAKE_FAILURE, TLS_R_PEER_DID_NOT_RETURN_A_CERTIFICATE),
              p.handshake());
    EXPECT_EQ(TLS_AD_HANDSHAKE_FAILURE, p.client_alert_received());
}

TEST(Tls12ServerInterop, ClientWithoutCertificateAcceptedWhenOnlyRequested)
{
    Pair p;
    p.cfg.flags |= TLS_CFG_REQUEST_CERT;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(nullptr, tls_conn_peer_chain(p.c));
    expect_data_both_ways(p, 100);
}

TEST(Tls12ServerInterop, ClientCertificateRejectedByVerifier)
{
    Pair p;
    p.watch_client_alerts();
    p.cfg.flags |= TLS_CFG_REQUEST_CERT;
    p.cfg.verify_chain = [](void *, STACK_OF(X509) *) {
        return TLS_ERR(TLS_AD_UNKNOWN_CA, TLS_R_CERTIFICATE_VERIFY_FAILED);
    };
    use_client_cert(p);
    EXPECT_EQ(TLS_ERR(TLS_AD_UNKNOWN_CA, TLS_R_CERTIFICATE_VERIFY_FAILED), p.handshake());
    EXPECT_EQ(TLS_AD_UNKNOWN_CA, p.client_alert_received());
}

// --- sessions ----------------------------------------------------------------

struct Cache {
    std::map<std::string, tls_session_state> by_id;
    std::map<std::string, tls_session_state> by_ticket;
    int issued = 0;
    int open_result = 0; // what ticket_open returns for a known ticket
    int news = 0;
};

void enable_cache(Pair &p, Cache &cache)
{
    // The callbacks get cfg.cb_arg (the Pair): the cache hangs off a static.
    static Cache *current;
    current = &cache;
    p.cfg.session_new = [](void *, tls_conn *, const tls_session_state *st) {
        current->news++;
        current->by_id[std::string((const char *)st->session_id, st->session_id_len)] = *st;
    };
    p.cfg.session_get = [](void *, tls_conn *, const uint8_t *id, size_t len,
                           tls_session_state *st) {
        auto it = current->by_id.find(std::string((const char *)id, len));
        if (it == current->by_id.end())
            return 1;
        *st = it->second;
        return 0;
    };
    p.cfg.ticket_seal = [](void *, tls_conn *, const tls_session_state *st, uint8_t *out,
                           size_t cap, size_t *len) {
        std::string t = "ticket-" + std::to_string(++current->issued);
        if (t.size() > cap)
            return -1;
        memcpy(out, t.data(), t.size());
        *len = t.size();
        current->by_ticket[t] = *st;
        return 0;
    };
    p.cfg.ticket_open = [](void *, tls_conn *, const uint8_t *t, size_t len,
                           tls_session_state *st) {
        auto it = current->by_ticket.find(std::string((const char *)t, len));
        if (it == current->by_ticket.end())
            return 1;
        *st = it->second;
        return current->open_result;
    };
}

// First connection, then a second one offering its session.
void resume_twice(Cache &cache, bool tickets, bool expect_reuse, const char *suite = nullptr,
                  std::function<void(Pair &)> tweak2 = nullptr)
{
    SSL_SESSION *sess = nullptr;
    {
        Pair p;
        enable_cache(p, cache);
        if (!tickets)
            SSL_CTX_set_options(p.cctx, SSL_OP_NO_TICKET);
        if (suite)
            SSL_CTX_set_cipher_list(p.cctx, suite);
        ASSERT_EQ(TLS_OK, p.handshake());
        EXPECT_EQ(0, SSL_session_reused(p.s));
        EXPECT_EQ(0, tls12_server_reused(p.c));
        expect_data_both_ways(p, 100);
        sess = SSL_get1_session(p.s);
        EXPECT_EQ(1, SSL_SESSION_is_resumable(sess));
        tls_session_state st;
        const uint8_t *t;
        size_t tl;
        ASSERT_EQ(0, tls12_server_session(p.c, &st, &t, &tl));
        EXPECT_EQ(TLS_V12, st.version);
        EXPECT_EQ(tls_conn_cipher_suite(p.c), st.suite);
        unsigned idlen = 0;
        const unsigned char *id = SSL_SESSION_get_id(sess, &idlen);
        // (With a ticket the OpenSSL client names the session after it.)
        if (!tickets) {
            EXPECT_EQ(std::string((const char *)id, idlen),
                      std::string((const char *)st.session_id, st.session_id_len));
        }
        // A session sent as a ticket has no id (as OpenSSL's server).
        EXPECT_EQ(tickets ? 0u : 32u, st.session_id_len);
        EXPECT_EQ(tickets ? 1u : 0u, tl > 0 ? 1u : 0u);
        EXPECT_EQ(tickets ? 1 : 0, SSL_SESSION_has_ticket(sess));
        // A connection freed without close_notify spoils its session.
        SSL_shutdown(p.s);
    }
    Pair p;
    enable_cache(p, cache);
    if (!tickets)
        SSL_CTX_set_options(p.cctx, SSL_OP_NO_TICKET);
    if (suite)
        SSL_CTX_set_cipher_list(p.cctx, suite);
    if (tweak2)
        tweak2(p);
    p.start_both();
    ASSERT_EQ(1, SSL_set_session(p.s, sess));
    SSL_SESSION_free(sess);
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(expect_reuse ? 1 : 0, SSL_session_reused(p.s));
    EXPECT_EQ(expect_reuse ? 1 : 0, tls12_server_reused(p.c));
    EXPECT_EQ(p.client_keylog, p.keylog);
    expect_data_both_ways(p, 1000);
    expect_exporters_agree(p);
}

TEST(Tls12ServerInterop, SessionIdResumption)
{
    Cache cache;
    resume_twice(cache, false, true);
    EXPECT_EQ(1, cache.news);
    EXPECT_EQ(0, cache.issued);
}

TEST(Tls12ServerInterop, TicketResumption)
{
    Cache cache;
    resume_twice(cache, true, true);
    EXPECT_EQ(1, cache.issued); // no new ticket on resumption
}

TEST(Tls12ServerInterop, TicketResumptionWithRenewal)
{
    Cache cache;
    cache.open_result = 2;
    resume_twice(cache, true, true);
    EXPECT_EQ(2, cache.issued);
}

TEST(Tls12ServerInterop, UnknownTicketMeansFullHandshake)
{
    Cache cache;
    resume_twice(cache, true, false, nullptr, [&](Pair &) {
        cache.by_ticket.clear();
        cache.by_id.clear();
    });
    EXPECT_EQ(2, cache.issued);
}

TEST(Tls12ServerInterop, SessionNotResumedWhenItsSuiteIsNotOffered)
{
    Cache cache;
    resume_twice(cache, false, false, "ECDHE-RSA-AES128-GCM-SHA256", [](Pair &p) {
        SSL_CTX_set_cipher_list(p.cctx, "ECDHE-RSA-AES256-GCM-SHA384");
    });
}

// --- after the handshake --------------------------------------------------------

TEST(Tls12ServerInterop, RenegotiationIsDeclined)
{
    Pair p;
    ASSERT_EQ(TLS_OK, p.handshake());
    size_t mark = p.wire_out.size();
    ASSERT_EQ(1, SSL_renegotiate(p.s));
    EXPECT_LE(SSL_do_handshake(p.s), 0);
    p.client_to_server();
    uint8_t buf[100];
    size_t n = 0;
    int rc = p.run([&] { return tls_conn_read(p.c, buf, sizeof(buf), &n, 0); });
    p.server_to_client();
    EXPECT_EQ(TLS_WANT_INPUT, rc);
    // One alert record went out: a warning no_renegotiation (encrypted, so
    // seen by the message trace).
    std::vector<Rec> recs = split(p.wire_out.substr(mark));
    ASSERT_EQ(1u, recs.size());
    EXPECT_EQ(TLS_CT_ALERT, recs[0].type);
    EXPECT_EQ(0, tls_conn_error(p.c));
    // The OpenSSL client gives up its renegotiation (what it does against an
    // OpenSSL server with SSL_OP_NO_RENEGOTIATION).
    ERR_clear_error();
    EXPECT_LE(SSL_do_handshake(p.s), 0);
    EXPECT_EQ(SSL_R_NO_RENEGOTIATION, ERR_GET_REASON(ERR_peek_error()));
    ERR_clear_error();
}

// --- hostile client flights ------------------------------------------------------

TEST(Tls12ServerInterop, BadEcdhePointIsIllegalParameter)
{
    Pair p;
    p.watch_client_alerts();
    ASSERT_EQ(1, SSL_CTX_set1_groups_list(p.cctx, "P-256"));
    ASSERT_EQ(1, SSL_CTX_set_cipher_list(p.cctx, "ECDHE-RSA-AES128-GCM-SHA256"));
    on_cke(p, [](std::string &b) { b[b.size() - 1] ^= 1; }); // off the curve
    EXPECT_EQ(TLS_ERR(TLS_AD_ILLEGAL_PARAMETER, TLS_R_BAD_ECPOINT), p.handshake());
    EXPECT_EQ(TLS_AD_ILLEGAL_PARAMETER, p.client_alert_received());
}

TEST(Tls12ServerInterop, TruncatedClientKeyExchangeIsDecodeError)
{
    Pair p;
    p.watch_client_alerts();
    on_cke(p, [](std::string &b) {
        b.resize(b.size() - 1);
        b[3] = (char)(b[3] - 1); // message length still matches the record
    });
    EXPECT_EQ(TLS_ERR(TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH), p.handshake());
    EXPECT_EQ(TLS_AD_DECODE_ERROR, p.client_alert_received());
}

TEST(Tls12ServerInterop, EarlyCcsIsRefused)
{
    Pair p;
    p.watch_client_alerts();
    p.mangle = [](std::string &bytes) {
        std::vector<Rec> recs = records(bytes), kept;
        for (Rec &r : recs)
            if (!(r.type == TLS_CT_HANDSHAKE && (uint8_t)r.body[0] == 16))
                kept.push_back(r);
        bytes = join(kept);
    };
    // OpenSSL's own server reports it as unexpected_message (the
    // clientauth scenarios check that on the system libssl).
    EXPECT_EQ(TLS_ERR(TLS_AD_UNEXPECTED_MESSAGE, TLS_R_UNEXPECTED_MESSAGE), p.handshake());
    EXPECT_EQ(TLS_AD_UNEXPECTED_MESSAGE, p.client_alert_received());
}

TEST(Tls12ServerInterop, FinishedBeforeCcsIsNotAccepted)
{
    Pair p;
    p.mangle = [](std::string &bytes) {
        std::vector<Rec> recs = records(bytes), kept;
        for (Rec &r : recs)
            if (r.type != TLS_CT_CHANGE_CIPHER_SPEC)
                kept.push_back(r);
        bytes = join(kept);
    };
    // The encrypted Finished is read as plaintext handshake bytes: whatever
    // they claim to be, no state after ClientKeyExchange takes them, and our
    // CCS and Finished never go out.
    size_t mark = 0;
    int rc = p.handshake();
    EXPECT_NE(TLS_OK, rc);
    EXPECT_FALSE(tls_conn_handshake_done(p.c));
    for (const Rec &r : split(p.wire_out.substr(mark)))
        EXPECT_NE(TLS_CT_CHANGE_CIPHER_SPEC, r.type);
}

TEST(Tls12ServerInterop, WrongClientFinishedValueIsDecryptError)
{
    // The client's Finished decrypts fine but its verify_data is wrong: an
    // unused suite in the ClientHello is changed on the way, so both sides
    // derive the same keys (no EMS: the master secret does not cover the
    // transcript) but hash different transcripts (RFC 5246 7.4.9). OpenSSL's
    // server answers decrypt_error + SSL_R_DIGEST_CHECK_FAILED
    // (tls_process_finished), and sends neither CCS nor Finished.
    Pair p;
    p.watch_client_alerts();
    SSL_CTX_set_options(p.cctx, SSL_OP_NO_EXTENDED_MASTER_SECRET);
    ASSERT_EQ(1, SSL_CTX_set_cipher_list(
                     p.cctx, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384"));
    bool edited = false;
    p.mangle = [&edited](std::string &bytes) {
        std::vector<Rec> recs = records(bytes);
        for (Rec &r : recs) {
            if (edited || r.type != TLS_CT_HANDSHAKE || r.body.empty() || (uint8_t)r.body[0] != 1)
                continue;
            // hs header 4, version 2, random 32, session id, suites.
            size_t o = 4 + 2 + 32;
            o += 1 + (uint8_t)r.body[o];
            size_t n = (uint8_t)r.body[o] << 8 | (uint8_t)r.body[o + 1];
            for (size_t i = o + 2; i < o + 2 + n; i += 2)
                if ((uint8_t)r.body[i] == 0xC0 && (uint8_t)r.body[i + 1] == 0x2C) {
                    r.body[i + 1] = 0x30; // ECDHE-RSA-AES256-GCM-SHA384
                    edited = true;
                }
        }
        bytes = join(recs);
    };
    int rc = p.handshake();
    ASSERT_TRUE(edited);
    EXPECT_EQ(TLS_ERR(TLS_AD_DECRYPT_ERROR, TLS_R_DIGEST_CHECK_FAILED), rc)
        << "alert " << TLS_ERR_ALERT(rc) << " reason " << TLS_ERR_REASON(rc);
    EXPECT_FALSE(tls_conn_handshake_done(p.c));
    // On the wire: our flight, then the fatal alert (plaintext: our CCS never
    // went out), and the client received it.
    std::vector<Rec> out = split(p.wire_out);
    ASSERT_FALSE(out.empty());
    for (const Rec &r : out)
        EXPECT_NE(TLS_CT_CHANGE_CIPHER_SPEC, r.type);
    ASSERT_EQ(TLS_CT_ALERT, out.back().type);
    ASSERT_EQ(2u, out.back().body.size());
    EXPECT_EQ(2, out.back().body[0]);
    EXPECT_EQ(TLS_AD_DECRYPT_ERROR, (uint8_t)out.back().body[1]);
    EXPECT_EQ(TLS_AD_DECRYPT_ERROR, p.client_alert_received());
    // Sticky: every later call fails the same way and sends nothing.
    size_t before = p.wire_out.size();
    EXPECT_EQ(rc, tls_conn_error(p.c));
    EXPECT_EQ(rc, p.run([&] { return tls_conn_handshake(p.c); }));
    uint8_t b[8];
    size_t n = 0;
    EXPECT_EQ(rc, tls_conn_read(p.c, b, sizeof(b), &n, 0));
    EXPECT_EQ(rc, tls_conn_write(p.c, (const uint8_t *)"x", 1, &n));
    p.drain();
    EXPECT_EQ(before, p.wire_out.size());
}

TEST(Tls12ServerInterop, TamperedFinishedRecordFails)
{
    Pair p;
    p.mangle = [](std::string &bytes) {
        std::vector<Rec> recs = records(bytes);
        bool after_ccs = false;
        for (Rec &r : recs) {
            if (after_ccs && r.type == TLS_CT_HANDSHAKE)
                r.body[r.body.size() - 1] ^= 0x40;
            if (r.type == TLS_CT_CHANGE_CIPHER_SPEC)
                after_ccs = true;
        }
        bytes = join(recs);
    };
    EXPECT_EQ(TLS_ERR(TLS_AD_BAD_RECORD_MAC, TLS_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC),
              p.handshake());
}

} // namespace
