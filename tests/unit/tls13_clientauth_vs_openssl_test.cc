// Client authentication in TLS 1.3 with the system's OpenSSL 3.0 as the
// peer, in one process over memory BIOs: our core server asking an OpenSSL
// client for its certificate (in the handshake and after it), and our core
// client answering an OpenSSL server's post-handshake request. What is
// checked is what each side reports: the certificate the other side got,
// its verification, the alert and reason of a refusal, data still flowing.
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

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

// DistinguishedName list body (as tls_config.ca_names wants it) of the
// subjects of the given certificates.
std::string dn_list(const std::vector<std::string> &certs)
{
    std::string out;
    for (auto &name : certs) {
        X509_NAME *n = X509_get_subject_name(load_cert(name));
        unsigned char *der = nullptr;
        int len = i2d_X509_NAME(n, &der);
        out += u16((unsigned)len) + std::string((char *)der, (size_t)len);
        OPENSSL_free(der);
    }
    return out;
}

// Our server and an OpenSSL client, with what our verify_chain hook saw.
struct AuthPair : shimtest::CoreServerPair {
    int verify_calls = 0;
    int verify_answer = 0;
    int last_chain_len = -1;
    std::string ca_names;

    AuthPair() : CoreServerPair("server-ec")
    {
        SSL_CTX_set_min_proto_version(cctx, TLS1_3_VERSION);
        cfg.flags |= TLS_CFG_REQUEST_CERT;
        cfg.verify_chain = [](void *arg, STACK_OF(X509) *chain) {
            AuthPair *p = (AuthPair *)(Server *)arg;
            p->verify_calls++;
            p->last_chain_len = chain ? sk_X509_num(chain) : -1;
            return p->verify_answer;
        };
    }
    void client_cert(const std::string &cert, const std::string &key)
    {
        ASSERT_EQ(1, SSL_CTX_use_certificate_file(cctx, cert_path(cert).c_str(), SSL_FILETYPE_PEM));
        ASSERT_EQ(1, SSL_CTX_use_PrivateKey_file(cctx, cert_path(key).c_str(), SSL_FILETYPE_PEM));
    }
    void set_ca_names(const std::vector<std::string> &certs)
    {
        ca_names = dn_list(certs);
        cfg.ca_names = (const uint8_t *)ca_names.data();
        cfg.ca_names_len = ca_names.size();
    }
    // The client writes, the server reads it back (processing whatever
    // handshake messages come first).
    int up(const std::string &data, std::string &got)
    {
        if (SSL_write(s, data.data(), (int)data.size()) != (int)data.size())
            return -1;
        client_to_server();
        uint8_t buf[4096];
        int rc = TLS_OK;
        while (got.size() < data.size()) {
            size_t n = 0;
            rc = run([&] { return tls_conn_read(c, buf, sizeof(buf), &n, 0); });
            server_to_client();
            if (rc != TLS_OK)
                return rc;
            got.append((const char *)buf, n);
        }
        return rc;
    }
    // The client reads what is pending (a post-handshake request, data).
    std::string client_read()
    {
        char buf[4096];
        int n = SSL_read(s, buf, sizeof(buf));
        client_to_server();
        return n > 0 ? std::string(buf, (size_t)n) : std::string();
    }
};

TEST(Tls13ClientAuth, ClientCertificateAcceptedAndVerified)
{
    AuthPair p;
    p.client_cert("client.pem", "client.key");
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(1, p.verify_calls);
    EXPECT_EQ(1, p.last_chain_len);
    STACK_OF(X509) *chain = tls_conn_peer_chain(p.c);
    ASSERT_NE(nullptr, chain);
    ASSERT_EQ(1, sk_X509_num(chain));
    EXPECT_EQ(0, X509_cmp(sk_X509_value(chain, 0), load_cert("client.pem")));
    EXPECT_NE(0, tls_conn_peer_sigalg(p.c));
    std::string got;
    ASSERT_EQ(TLS_OK, p.up("after client auth", got));
    EXPECT_EQ("after client auth", got);
}

TEST(Tls13ClientAuth, CertificateRequestCarriesCaNamesAndSigalgs)
{
    AuthPair p;
    p.set_ca_names({"ca.pem", "untrusted-ca.pem"});
    p.client_cert("client.pem", "client.key");
    ASSERT_EQ(TLS_OK, p.handshake());
    const STACK_OF(X509_NAME) *names = SSL_get0_peer_CA_list(p.s);
    ASSERT_NE(nullptr, names);
    ASSERT_EQ(2, sk_X509_NAME_num(names));
    EXPECT_EQ(0, X509_NAME_cmp(sk_X509_NAME_value(names, 0),
                               X509_get_subject_name(load_cert("ca.pem"))));
    EXPECT_EQ(0, X509_NAME_cmp(sk_X509_NAME_value(names, 1),
                               X509_get_subject_name(load_cert("untrusted-ca.pem"))));
    // OpenSSL's client_CA_list on a client is what the server sent too.
    EXPECT_EQ(2, sk_X509_NAME_num(SSL_get_client_CA_list(p.s)));
}

TEST(Tls13ClientAuth, NoCertificateAcceptedWhenOnlyRequested)
{
    AuthPair p;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(1, p.verify_calls);
    EXPECT_EQ(0, p.last_chain_len);
    EXPECT_EQ(nullptr, tls_conn_peer_chain(p.c));
    std::string got;
    ASSERT_EQ(TLS_OK, p.up("anonymous", got));
}

TEST(Tls13ClientAuth, MissingCertificateRefusedWithCertificateRequired)
{
    AuthPair p;
    p.cfg.flags |= TLS_CFG_REQUIRE_CERT;
    int rc = p.handshake();
    EXPECT_EQ(TLS_ERR(TLS_AD_CERTIFICATE_REQUIRED, TLS_R_PEER_DID_NOT_RETURN_A_CERTIFICATE), rc);
    // The client learns it from the alert (TLS 1.3 client completes its
    // handshake first, so it sees the alert on its next read).
    char buf[16];
    EXPECT_LE(SSL_read(p.s, buf, sizeof(buf)), 0);
    unsigned long e = ERR_peek_last_error();
    EXPECT_EQ(SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED, ERR_GET_REASON(e));
    ERR_clear_error();
}

TEST(Tls13ClientAuth, VerifyRefusalSendsItsAlert)
{
    AuthPair p;
    p.client_cert("client.pem", "client.key");
    p.verify_answer = TLS_ERR(TLS_AD_UNKNOWN_CA, TLS_R_CERTIFICATE_VERIFY_FAILED);
    EXPECT_EQ(p.verify_answer, p.handshake());
    char buf[16];
    EXPECT_LE(SSL_read(p.s, buf, sizeof(buf)), 0);
    EXPECT_EQ(SSL_R_TLSV1_ALERT_UNKNOWN_CA, ERR_GET_REASON(ERR_peek_last_error()));
    ERR_clear_error();
}

TEST(Tls13ClientAuth, EcdsaAndRsaClientKeys)
{
    for (const char *name : {"server", "server-ed25519"}) {
        AuthPair p;
        p.client_cert(std::string(name) + ".pem", std::string(name) + ".key");
        ASSERT_EQ(TLS_OK, p.handshake()) << name;
        ASSERT_NE(nullptr, tls_conn_peer_chain(p.c));
        EXPECT_EQ(0, X509_cmp(sk_X509_value(tls_conn_peer_chain(p.c), 0),
                              load_cert(std::string(name) + ".pem")));
    }
}

TEST(Tls13ClientAuth, PostHandshakeRequestAnsweredByOpenSsl)
{
    AuthPair p;
    p.cfg.flags |= TLS_CFG_POST_HANDSHAKE_AUTH;
    p.client_cert("client.pem", "client.key");
    p.start_both();
    SSL_set_post_handshake_auth(p.s, 1);
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(0, p.verify_calls); // deferred: nothing asked in the handshake
    EXPECT_EQ(nullptr, tls_conn_peer_chain(p.c));
    ASSERT_EQ(0, tls_conn_request_cert(p.c));
    p.server_to_client();
    // The client processes the request while reading, and answers.
    EXPECT_EQ("", p.client_read());
    std::string got;
    ASSERT_EQ(TLS_OK, p.up("data after the answer", got));
    EXPECT_EQ("data after the answer", got);
    EXPECT_EQ(1, p.verify_calls);
    ASSERT_NE(nullptr, tls_conn_peer_chain(p.c));
    EXPECT_EQ(0, X509_cmp(sk_X509_value(tls_conn_peer_chain(p.c), 0), load_cert("client.pem")));
    // A second request gets a second answer.
    ASSERT_EQ(0, tls_conn_request_cert(p.c));
    p.server_to_client();
    p.client_read();
    got.clear();
    ASSERT_EQ(TLS_OK, p.up("again", got));
    EXPECT_EQ(2, p.verify_calls);
}

TEST(Tls13ClientAuth, PostHandshakeDataInFlightIsNotLost)
{
    AuthPair p;
    p.cfg.flags |= TLS_CFG_POST_HANDSHAKE_AUTH;
    p.client_cert("client.pem", "client.key");
    p.start_both();
    SSL_set_post_handshake_auth(p.s, 1);
    ASSERT_EQ(TLS_OK, p.handshake());
    // The client sends data before it sees the request, then answers.
    ASSERT_EQ(5, SSL_write(p.s, "early", 5));
    p.client_to_server();
    ASSERT_EQ(0, tls_conn_request_cert(p.c));
    p.server_to_client();
    p.client_read();
    // The server reads the data sent before the answer, then the answer
    // and the data after it.
    std::string got;
    ASSERT_EQ(TLS_OK, p.up("late-and-longer", got));
    while (got.size() < 20) {
        uint8_t buf[64];
        size_t n = 0;
        ASSERT_EQ(TLS_OK, p.run([&] { return tls_conn_read(p.c, buf, sizeof(buf), &n, 0); }));
        got.append((const char *)buf, n);
    }
    EXPECT_EQ("earlylate-and-longer", got);
    EXPECT_EQ(1, p.verify_calls);
}

TEST(Tls13ClientAuth, PostHandshakeRefusedWithoutExtension)
{
    AuthPair p;
    p.cfg.flags |= TLS_CFG_POST_HANDSHAKE_AUTH;
    ASSERT_EQ(TLS_OK, p.handshake());
    EXPECT_EQ(TLS_ERR(TLS_AD_NONE, TLS_R_EXTENSION_NOT_RECEIVED), tls_conn_request_cert(p.c));
    // The connection is still usable.
    std::string got;
    ASSERT_EQ(TLS_OK, p.up("fine", got));
}

TEST(Tls13ClientAuth, PostHandshakeEmptyAnswerRefusedWhenRequired)
{
    AuthPair p;
    p.cfg.flags |= TLS_CFG_POST_HANDSHAKE_AUTH | TLS_CFG_REQUIRE_CERT;
    p.start_both();
    SSL_set_post_handshake_auth(p.s, 1);
    ASSERT_EQ(TLS_OK, p.handshake());
    ASSERT_EQ(0, tls_conn_request_cert(p.c));
    p.server_to_client();
    p.client_read();
    std::string got;
    EXPECT_EQ(TLS_ERR(TLS_AD_CERTIFICATE_REQUIRED, TLS_R_PEER_DID_NOT_RETURN_A_CERTIFICATE),
              p.up("x", got));
    ERR_clear_error();
}

} // namespace
