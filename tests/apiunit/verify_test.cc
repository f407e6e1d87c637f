// Peer certificate verification as compat-api decides it (the function core
// calls through tls_config.verify_chain), and the verification settings an
// application sees: verify result, alert chosen for each failure, verified
// chain, peer certificate getters, host name checks, callbacks, stores, and
// our own certificate/key loading.
#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "testlib/testlib.h"

extern "C" {
#include "compat/compat.h"
#include "compat/init.h"
}

namespace
{

std::string cert_path(const char *name)
{
    return std::string(SHIMSSL_CERT_DIR) + "/" + name;
}

X509 *load_cert(const char *name)
{
    FILE *f = fopen(cert_path(name).c_str(), "r");
    if (f == nullptr)
        return nullptr;
    X509 *x = PEM_read_X509(f, nullptr, nullptr, nullptr);
    fclose(f);
    return x;
}

EVP_PKEY *load_key(const char *name)
{
    FILE *f = fopen(cert_path(name).c_str(), "r");
    if (f == nullptr)
        return nullptr;
    EVP_PKEY *k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
    fclose(f);
    return k;
}

// A certificate for CN=localhost signed by the test CA, valid from
// not_before_days to not_after_days relative to now.
X509 *make_leaf(int not_before_days, int not_after_days)
{
    X509 *ca = load_cert("ca.pem");
    EVP_PKEY *ca_key = load_key("ca.key");
    EVP_PKEY *key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    X509V3_CTX v3;
    X509_EXTENSION *san;

    X509_set_version(x, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1,
                               0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, X509_get_subject_name(ca));
    X509_gmtime_adj(X509_getm_notBefore(x), (long)not_before_days * 86400);
    X509_gmtime_adj(X509_getm_notAfter(x), (long)not_after_days * 86400);
    X509_set_pubkey(x, key);
    X509V3_set_ctx(&v3, ca, x, nullptr, nullptr, 0);
    san = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "DNS:localhost");
    X509_add_ext(x, san, -1);
    X509_EXTENSION_free(san);
    X509_sign(x, ca_key, EVP_sha256());
    X509_NAME_free(name);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ca_key);
    X509_free(ca);
    return x;
}

STACK_OF(X509) * chain_of(X509 *leaf)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    sk_X509_push(sk, leaf);
    return sk;
}

class Verify : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        ASSERT_EQ(OPENSSL_init_ssl(0, nullptr), 1);
        ctx = SSL_CTX_new(TLS_client_method());
        ASSERT_NE(ctx, nullptr);
        ssl = SSL_new(ctx);
        ASSERT_NE(ssl, nullptr);
        SSL_set_connect_state(ssl);
        server = load_cert("server.pem");
        ASSERT_NE(server, nullptr);
        chain = chain_of(server);
    }
    void TearDown() override
    {
        sk_X509_pop_free(chain, X509_free);
        SSL_free(ssl);
        SSL_CTX_free(ctx);
        ERR_clear_error();
    }
    void trust_ca()
    {
        ASSERT_EQ(SSL_CTX_load_verify_locations(ctx, cert_path("ca.pem").c_str(), nullptr), 1);
    }

    SSL_CTX *ctx = nullptr;
    SSL *ssl = nullptr;
    X509 *server = nullptr;
    STACK_OF(X509) *chain = nullptr;
};

TEST_F(Verify, TrustedChainWithMatchingHostIsAccepted)
{
    trust_ca();
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    ASSERT_EQ(SSL_set1_host(ssl, "localhost"), 1);
    EXPECT_EQ(shimssl_verify_chain(ssl, chain), 0);
    EXPECT_EQ(SSL_get_verify_result(ssl), X509_V_OK);
    STACK_OF(X509) *verified = SSL_get0_verified_chain(ssl);
    ASSERT_NE(verified, nullptr);
    EXPECT_EQ(sk_X509_num(verified), 2); // leaf + trusted root
    EXPECT_EQ(X509_cmp(SSL_get0_peer_certificate(ssl), server), 0);
    X509 *peer = SSL_get1_peer_certificate(ssl);
    EXPECT_EQ(X509_cmp(peer, server), 0);
    X509_free(peer);
    // A client sees the whole chain as sent, leaf first.
    ASSERT_NE(SSL_get_peer_cert_chain(ssl), nullptr);
    EXPECT_EQ(sk_X509_num(SSL_get_peer_cert_chain(ssl)), 1);
    EXPECT_STREQ(SSL_get0_peername(ssl), "localhost");
}

TEST_F(Verify, UnknownIssuerFailsWithUnknownCa)
{
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    int rc = shimssl_verify_chain(ssl, chain);
    ASSERT_LT(rc, 0);
    EXPECT_EQ(TLS_ERR_ALERT(rc), TLS_AD_UNKNOWN_CA);
    EXPECT_EQ(TLS_ERR_REASON(rc), SSL_R_CERTIFICATE_VERIFY_FAILED);
    EXPECT_EQ(SSL_get_verify_result(ssl), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    OPENSSL_init_ssl(0, nullptr);
    EXPECT_STREQ(ERR_reason_error_string(ERR_PACK(ERR_LIB_SSL, 0, TLS_ERR_REASON(rc))),
                 "certificate verify failed");
}

TEST_F(Verify, VerifyNoneRecordsTheFailureButContinues)
{
    SSL_set_verify(ssl, SSL_VERIFY_NONE, nullptr);
    EXPECT_EQ(shimssl_verify_chain(ssl, chain), 0);
    EXPECT_EQ(SSL_get_verify_result(ssl), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    EXPECT_NE(SSL_get0_peer_certificate(ssl), nullptr);
}

TEST_F(Verify, HostnameMismatchIsBadCertificate)
{
    trust_ca();
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    ASSERT_EQ(SSL_set1_host(ssl, "www.example.org"), 1);
    int rc = shimssl_verify_chain(ssl, chain);
    ASSERT_LT(rc, 0);
    EXPECT_EQ(TLS_ERR_ALERT(rc), TLS_AD_BAD_CERTIFICATE);
    EXPECT_EQ(SSL_get_verify_result(ssl), X509_V_ERR_HOSTNAME_MISMATCH);
}

TEST_F(Verify, IpAddressHostIsCheckedAgainstIpSan)
{
    trust_ca();
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    ASSERT_EQ(SSL_set1_host(ssl, "127.0.0.1"), 1);
    EXPECT_EQ(shimssl_verify_chain(ssl, chain), 0);
    ASSERT_EQ(SSL_set1_host(ssl, "127.0.0.2"), 1);
    int rc = shimssl_verify_chain(ssl, chain);
    ASSERT_LT(rc, 0);
    EXPECT_EQ(SSL_get_verify_result(ssl), X509_V_ERR_IP_ADDRESS_MISMATCH);
    EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST_F(Verify, AddedHostNamesAreAlternatives)
{
    trust_ca();
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    ASSERT_EQ(SSL_set1_host(ssl, "www.example.org"), 1);
    ASSERT_EQ(SSL_add1_host(ssl, "localhost"), 1);
    EXPECT_EQ(shimssl_verify_chain(ssl, chain), 0);
}

TEST_F(Verify, ExpiredCertificateIsCertificateExpired)
{
    trust_ca();
    X509 *expired = load_cert("expired.pem");
    ASSERT_NE(expired, nullptr);
    STACK_OF(X509) *c = chain_of(expired);
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    int rc = shimssl_verify_chain(ssl, c);
    ASSERT_LT(rc, 0);
    EXPECT_EQ(TLS_ERR_ALERT(rc), TLS_AD_CERTIFICATE_EXPIRED);
    EXPECT_EQ(SSL_get_verify_result(ssl), X509_V_ERR_CERT_HAS_EXPIRED);
    sk_X509_pop_free(c, X509_free);
}

TEST_F(Verify, NotYetValidCertificateMadeHereIsRejected)
{
    trust_ca();
    STACK_OF(X509) *c = chain_of(make_leaf(10, 20));
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    int rc = shimssl_verify_chain(ssl, c);
    ASSERT_LT(rc, 0);
    EXPECT_EQ(TLS_ERR_ALERT(rc), TLS_AD_BAD_CERTIFICATE);
    EXPECT_EQ(SSL_get_verify_result(ssl), X509_V_ERR_CERT_NOT_YET_VALID);
    sk_X509_pop_free(c, X509_free);

    // The same construction, currently valid, passes: the failure above is
    // the date, not the way the certificate was made.
    STACK_OF(X509) *good = chain_of(make_leaf(-1, 20));
    EXPECT_EQ(shimssl_verify_chain(ssl, good), 0);
    EXPECT_EQ(SSL_get_verify_result(ssl), X509_V_OK);
    sk_X509_pop_free(good, X509_free);
}

TEST_F(Verify, SelfSignedLeafIsUnknownCa)
{
    X509 *self = load_cert("ca.pem"); // a self-signed certificate, not trusted here
    STACK_OF(X509) *c = chain_of(self);
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    int rc = shimssl_verify_chain(ssl, c);
    ASSERT_LT(rc, 0);
    EXPECT_EQ(TLS_ERR_ALERT(rc), TLS_AD_UNKNOWN_CA);
    EXPECT_EQ(SSL_get_verify_result(ssl), X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    sk_X509_pop_free(c, X509_free);
}

SSL *seen_ssl;
int seen_calls;

int accept_all(int ok, X509_STORE_CTX *xs)
{
    (void)ok;
    seen_ssl =
        static_cast<SSL *>(X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx()));
    seen_calls++;
    return 1;
}

TEST_F(Verify, CallbackFindsTheSslAndCanOverrideFailures)
{
    seen_ssl = nullptr;
    seen_calls = 0;
    SSL_set_verify(ssl, SSL_VERIFY_PEER, accept_all);
    EXPECT_EQ(SSL_get_verify_callback(ssl), &accept_all);
    EXPECT_EQ(shimssl_verify_chain(ssl, chain), 0);
    EXPECT_EQ(seen_ssl, ssl);
    EXPECT_GT(seen_calls, 0);
    // The error the callback waved through is still what the SSL reports.
    EXPECT_NE(SSL_get_verify_result(ssl), X509_V_OK);
}

int refuse(X509_STORE_CTX *xs, void *arg)
{
    (void)xs;
    *static_cast<int *>(arg) += 1;
    return 0;
}

TEST_F(Verify, CertVerifyCallbackReplacesPathValidation)
{
    int calls = 0;
    trust_ca();
    SSL_CTX_set_cert_verify_callback(ctx, refuse, &calls);
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    int rc = shimssl_verify_chain(ssl, chain);
    EXPECT_EQ(calls, 1);
    ASSERT_LT(rc, 0);
    // Refused without an X509 error: OpenSSL's certificate_unknown.
    EXPECT_EQ(TLS_ERR_ALERT(rc), TLS_AD_CERTIFICATE_UNKNOWN);
}

TEST_F(Verify, ModesDepthAndInheritance)
{
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_all);
    SSL_CTX_set_verify_depth(ctx, 3);
    EXPECT_EQ(SSL_CTX_get_verify_mode(ctx), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
    EXPECT_EQ(SSL_CTX_get_verify_callback(ctx), &accept_all);
    EXPECT_EQ(SSL_CTX_get_verify_depth(ctx), 3);
    SSL *s2 = SSL_new(ctx);
    EXPECT_EQ(SSL_get_verify_mode(s2), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
    EXPECT_EQ(SSL_get_verify_depth(s2), 3);
    SSL_set_verify_depth(s2, 1);
    EXPECT_EQ(SSL_get_verify_depth(s2), 1);
    EXPECT_EQ(SSL_CTX_get_verify_depth(ctx), 3);
    SSL_set_verify_result(s2, X509_V_ERR_CERT_REVOKED);
    EXPECT_EQ(SSL_get_verify_result(s2), X509_V_ERR_CERT_REVOKED);
    SSL_free(s2);
}

TEST_F(Verify, ServerRequiringACertificateFailsWithoutOne)
{
    SSL *srv = SSL_new(ctx);
    SSL_set_accept_state(srv);
    SSL_set_verify(srv, SSL_VERIFY_PEER, nullptr);
    EXPECT_EQ(shimssl_verify_chain(srv, nullptr), 0);
    SSL_set_verify(srv, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    int rc = shimssl_verify_chain(srv, nullptr);
    ASSERT_LT(rc, 0);
    EXPECT_EQ(TLS_ERR_REASON(rc), SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE);
    SSL_free(srv);
}

TEST_F(Verify, ServerViewOfPeerChainOmitsTheLeaf)
{
    SSL *srv = SSL_new(ctx);
    SSL_set_accept_state(srv);
    X509 *client = load_cert("client.pem");
    X509 *ca = load_cert("ca.pem");
    STACK_OF(X509) *c = chain_of(client);
    sk_X509_push(c, ca);
    SSL_set_verify(srv, SSL_VERIFY_NONE, nullptr);
    EXPECT_EQ(shimssl_verify_chain(srv, c), 0);
    EXPECT_EQ(X509_cmp(SSL_get0_peer_certificate(srv), client), 0);
    ASSERT_NE(SSL_get_peer_cert_chain(srv), nullptr);
    ASSERT_EQ(sk_X509_num(SSL_get_peer_cert_chain(srv)), 1);
    EXPECT_EQ(X509_cmp(sk_X509_value(SSL_get_peer_cert_chain(srv), 0), ca), 0);
    sk_X509_pop_free(c, X509_free);
    SSL_free(srv);
}

TEST_F(Verify, StoreAndLocationCalls)
{
    EXPECT_EQ(SSL_CTX_load_verify_locations(ctx, nullptr, nullptr), 0);
    ERR_clear_error();
    EXPECT_EQ(SSL_CTX_load_verify_file(ctx, "/nonexistent/ca.pem"), 0);
    ERR_clear_error();
    EXPECT_EQ(SSL_CTX_set_default_verify_paths(ctx), 1);
    EXPECT_EQ(ERR_peek_error(), 0u);
    X509_STORE *st = X509_STORE_new();
    SSL_CTX_set1_cert_store(ctx, st);
    EXPECT_EQ(SSL_CTX_get_cert_store(ctx), st);
    X509_STORE_free(st); // the SSL_CTX kept its own reference
    ASSERT_EQ(SSL_CTX_load_verify_file(ctx, cert_path("ca.pem").c_str()), 1);
    EXPECT_EQ(sk_X509_OBJECT_num(X509_STORE_get0_objects(SSL_CTX_get_cert_store(ctx))), 1);
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    EXPECT_EQ(shimssl_verify_chain(ssl, chain), 0);
}

TEST_F(Verify, ParamsAreCopiedIntoTheCheck)
{
    trust_ca();
    X509_VERIFY_PARAM *p = X509_VERIFY_PARAM_new();
    X509_VERIFY_PARAM_set1_host(p, "nothere.example", 0);
    ASSERT_EQ(SSL_set1_param(ssl, p), 1);
    X509_VERIFY_PARAM_free(p);
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    EXPECT_LT(shimssl_verify_chain(ssl, chain), 0);
    EXPECT_EQ(SSL_get_verify_result(ssl), X509_V_ERR_HOSTNAME_MISMATCH);
    // python's check_hostname path: the host goes into SSL_get0_param.
    X509_VERIFY_PARAM_set1_host(SSL_get0_param(ssl), "localhost", 0);
    EXPECT_EQ(shimssl_verify_chain(ssl, chain), 0);
}

TEST(VerifyAlerts, MappingFollowsOpenSsl)
{
    struct {
        long err;
        int alert;
    } cases[] = {
        {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, TLS_AD_UNKNOWN_CA},
        {X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, TLS_AD_UNKNOWN_CA},
        {X509_V_ERR_CERT_HAS_EXPIRED, TLS_AD_CERTIFICATE_EXPIRED},
        {X509_V_ERR_CERT_REVOKED, TLS_AD_CERTIFICATE_REVOKED},
        {X509_V_ERR_INVALID_PURPOSE, TLS_AD_UNSUPPORTED_CERTIFICATE},
        {X509_V_ERR_CERT_SIGNATURE_FAILURE, TLS_AD_DECRYPT_ERROR},
        {X509_V_ERR_HOSTNAME_MISMATCH, TLS_AD_BAD_CERTIFICATE},
        {X509_V_ERR_OUT_OF_MEM, TLS_AD_INTERNAL_ERROR},
        {X509_V_ERR_APPLICATION_VERIFICATION, TLS_AD_HANDSHAKE_FAILURE},
        {X509_V_ERR_SUBJECT_ISSUER_MISMATCH, TLS_AD_CERTIFICATE_UNKNOWN},
    };
    for (const auto &c : cases)
        EXPECT_EQ(shimssl_verify_alert(c.err), c.alert) << X509_verify_cert_error_string(c.err);
}

// --- our own certificate and key --------------------------------------------

TEST(OwnCert, KeyMustMatchCertificate)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    EXPECT_EQ(SSL_CTX_check_private_key(ctx), 0);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_NO_CERTIFICATE_ASSIGNED);
    ERR_clear_error();
    ASSERT_EQ(SSL_CTX_use_certificate_file(ctx, cert_path("client.pem").c_str(), SSL_FILETYPE_PEM),
              1);
    EXPECT_EQ(SSL_CTX_check_private_key(ctx), 0);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_NO_PRIVATE_KEY_ASSIGNED);
    ERR_clear_error();
    EXPECT_EQ(SSL_CTX_use_PrivateKey_file(ctx, cert_path("server.key").c_str(), SSL_FILETYPE_PEM),
              0);
    ERR_clear_error();
    ASSERT_EQ(SSL_CTX_use_PrivateKey_file(ctx, cert_path("client.key").c_str(), SSL_FILETYPE_PEM),
              1);
    EXPECT_EQ(SSL_CTX_check_private_key(ctx), 1);
    X509 *client = load_cert("client.pem");
    EXPECT_EQ(X509_cmp(SSL_CTX_get0_certificate(ctx), client), 0);
    EXPECT_NE(SSL_CTX_get0_privatekey(ctx), nullptr);
    // An SSL made afterwards carries the pair.
    SSL *s = SSL_new(ctx);
    EXPECT_EQ(X509_cmp(SSL_get_certificate(s), client), 0);
    EXPECT_EQ(SSL_get_privatekey(s), SSL_CTX_get0_privatekey(ctx));
    EXPECT_EQ(SSL_check_private_key(s), 1);
    SSL_free(s);
    X509_free(client);
    EXPECT_EQ(SSL_CTX_use_certificate_file(ctx, cert_path("client.pem").c_str(), 7), 0);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_BAD_SSL_FILETYPE);
    ERR_clear_error();
    SSL_CTX_free(ctx);
}

TEST(OwnCert, ChainFileSetsLeafAndChain)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    ASSERT_EQ(SSL_CTX_use_certificate_chain_file(ctx, cert_path("server-chain.pem").c_str()), 1);
    EXPECT_EQ(ERR_peek_error(), 0u);
    X509 *server = load_cert("server.pem");
    EXPECT_EQ(X509_cmp(SSL_CTX_get0_certificate(ctx), server), 0);
    ASSERT_NE(ctx->chain, nullptr);
    EXPECT_GE(sk_X509_num(ctx->chain), 1);
    X509_free(server);
    SSL_CTX_free(ctx);
}

TEST(CaNames, LoadClientCaFileReadsSubjects)
{
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(cert_path("ca.pem").c_str());
    ASSERT_NE(names, nullptr);
    ASSERT_EQ(sk_X509_NAME_num(names), 1);
    X509 *ca = load_cert("ca.pem");
    EXPECT_EQ(X509_NAME_cmp(sk_X509_NAME_value(names, 0), X509_get_subject_name(ca)), 0);
    // Adding the same file again to the stack adds no duplicate.
    EXPECT_EQ(SSL_add_file_cert_subjects_to_stack(names, cert_path("ca.pem").c_str()), 1);
    EXPECT_EQ(sk_X509_NAME_num(names), 1);
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_client_CA_list(ctx, names);
    EXPECT_EQ(SSL_CTX_get_client_CA_list(ctx), names);
    EXPECT_EQ(SSL_CTX_add_client_CA(ctx, ca), 1);
    EXPECT_EQ(sk_X509_NAME_num(SSL_CTX_get_client_CA_list(ctx)), 2);
    X509_free(ca);
    SSL_CTX_free(ctx);
    EXPECT_EQ(SSL_load_client_CA_file("/nonexistent.pem"), nullptr);
    ERR_clear_error();
}

// --- end to end: the engine calls the decision during a real handshake -------

int connect_port(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

class VerifyHandshake : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        alarm(60); // a hung handshake ends the test binary instead of hanging CI
        ASSERT_EQ(OPENSSL_init_ssl(0, nullptr), 1);
        port = shimtest::start_openssl_server(server, {"-tls1_3", "-www"});
        ASSERT_NE(port, 0);
        ctx = SSL_CTX_new(TLS_client_method());
        ssl = SSL_new(ctx);
        fd = connect_port(port);
        ASSERT_GE(fd, 0);
        SSL_set_fd(ssl, fd);
    }
    void TearDown() override
    {
        SSL_free(ssl);
        SSL_CTX_free(ctx);
        if (fd >= 0)
            close(fd);
        server.stop();
        ERR_clear_error();
        alarm(0);
    }
    shimtest::Process server;
    int port = 0, fd = -1;
    SSL_CTX *ctx = nullptr;
    SSL *ssl = nullptr;
};

TEST_F(VerifyHandshake, VerifiedServerReportsChainCipherAndSession)
{
    ASSERT_EQ(SSL_CTX_load_verify_locations(ctx, cert_path("ca.pem").c_str(), nullptr), 1);
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    ASSERT_EQ(SSL_set1_host(ssl, "localhost"), 1);
    ASSERT_EQ(SSL_connect(ssl), 1) << ERR_error_string(ERR_peek_error(), nullptr);
    EXPECT_EQ(SSL_get_verify_result(ssl), X509_V_OK);
    X509 *expect = load_cert("server.pem");
    EXPECT_EQ(X509_cmp(SSL_get0_peer_certificate(ssl), expect), 0);
    X509_free(expect);
    ASSERT_NE(SSL_get0_verified_chain(ssl), nullptr);
    EXPECT_EQ(sk_X509_num(SSL_get0_verified_chain(ssl)), 2);
    const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
    ASSERT_NE(c, nullptr);
    EXPECT_STREQ(SSL_CIPHER_get_version(c), "TLSv1.3");
    SSL_SESSION *ss = SSL_get_session(ssl);
    ASSERT_NE(ss, nullptr);
    EXPECT_EQ(SSL_SESSION_get_protocol_version(ss), TLS1_3_VERSION);
    EXPECT_EQ(SSL_SESSION_get0_cipher(ss), c);
    EXPECT_EQ(X509_cmp(SSL_SESSION_get0_peer(ss), SSL_get0_peer_certificate(ssl)), 0);
}

TEST_F(VerifyHandshake, UntrustedServerFailsWithCertificateVerifyFailed)
{
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    int rc = SSL_connect(ssl);
    EXPECT_LE(rc, 0);
    EXPECT_EQ(SSL_get_error(ssl, rc), SSL_ERROR_SSL);
    unsigned long e = ERR_peek_error();
    EXPECT_EQ(ERR_GET_LIB(e), ERR_LIB_SSL);
    EXPECT_EQ(ERR_GET_REASON(e), SSL_R_CERTIFICATE_VERIFY_FAILED);
    EXPECT_STREQ(ERR_reason_error_string(e), "certificate verify failed");
    EXPECT_EQ(SSL_get_verify_result(ssl), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    // The server saw our unknown_ca alert.
    EXPECT_TRUE(server.wait_output("alert unknown ca", 5000)) << server.output();
}

TEST_F(VerifyHandshake, VerifyNoneConnectsAndKeepsTheResult)
{
    ASSERT_EQ(SSL_connect(ssl), 1) << ERR_error_string(ERR_peek_error(), nullptr);
    EXPECT_EQ(SSL_get_verify_result(ssl), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    EXPECT_NE(SSL_get0_peer_certificate(ssl), nullptr);
}

SSL_SESSION *cached;

int cache_session(SSL *, SSL_SESSION *ss)
{
    cached = ss;
    return 1; // we keep the reference
}

// What compat-io reports on a NewSessionTicket reaches the cache callback
// with a session describing the connection (s_client -sess_out, curl).
TEST_F(VerifyHandshake, TicketEventHandsTheSessionToTheCacheCallback)
{
    cached = nullptr;
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
    SSL_CTX_sess_set_new_cb(ctx, cache_session);
    ASSERT_EQ(SSL_connect(ssl), 1) << ERR_error_string(ERR_peek_error(), nullptr);
    SSL_SESSION_free(cached); // compat-io may already have reported tickets
    cached = nullptr;
    shimssl_session_event(ssl, TLS_EV_SESSION_TICKET);
    ASSERT_NE(cached, nullptr);
    EXPECT_EQ(SSL_SESSION_get_protocol_version(cached), TLS1_3_VERSION);
    EXPECT_EQ(SSL_SESSION_get0_cipher(cached), SSL_get_current_cipher(ssl));
    EXPECT_EQ(SSL_get_session(ssl), cached);
    SSL_SESSION_free(cached);
    // Without SSL_SESS_CACHE_CLIENT nothing is reported.
    cached = nullptr;
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    shimssl_session_event(ssl, TLS_EV_SESSION_TICKET);
    EXPECT_EQ(cached, nullptr);
}

} // namespace
