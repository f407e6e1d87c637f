// Handshake callbacks that suspend the handshake and resume it on the next
// call, as nginx/OpenResty and haproxy use them for asynchronous certificate,
// OCSP and key lookups: a client-hello callback returning
// SSL_CLIENT_HELLO_RETRY (SSL_ERROR_WANT_CLIENT_HELLO_CB) and a server
// cert_cb returning -1 (SSL_ERROR_WANT_X509_LOOKUP). While suspended nothing
// is sent and nothing lands on the error queue; the next call runs the
// waiting callback again (and only it) and the handshake completes. Public
// API only: also built against the system OpenSSL (label reference).
#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <unistd.h>

#include <string>

#include "testlib/ssl_pair.h"
#include "testlib/testlib.h"

namespace
{

struct Counts {
    int retries_left = 0; // how many more calls ask to be retried
    int hello_calls = 0;
    int cert_calls = 0;
    int sni_calls = 0;
    size_t ciphers_len = 0; // SSL_client_hello_get0_ciphers in the last call
    int ext_ok = 0;         // SSL_client_hello_get1_extensions_present in the last call
    int cert_fail = 0;      // cert_cb returns 0
};

int hello_cb(SSL *s, int *al, void *arg)
{
    (void)al;
    Counts *n = static_cast<Counts *>(arg);
    n->hello_calls++;
    const unsigned char *p = nullptr;
    n->ciphers_len = SSL_client_hello_get0_ciphers(s, &p);
    int *types = nullptr;
    size_t ntypes = 0;
    n->ext_ok = SSL_client_hello_get1_extensions_present(s, &types, &ntypes);
    OPENSSL_free(types);
    if (n->retries_left > 0) {
        n->retries_left--;
        return SSL_CLIENT_HELLO_RETRY;
    }
    return SSL_CLIENT_HELLO_SUCCESS;
}

int cert_cb(SSL *s, void *arg)
{
    (void)s;
    Counts *n = static_cast<Counts *>(arg);
    n->cert_calls++;
    if (n->cert_fail)
        return 0;
    if (n->retries_left > 0) {
        n->retries_left--;
        return -1;
    }
    return 1;
}

int sni_cb(SSL *s, int *al, void *arg)
{
    (void)s;
    (void)al;
    static_cast<Counts *>(arg)->sni_calls++;
    return SSL_TLSEXT_ERR_OK;
}

class SuspendCb : public ::testing::TestWithParam<int>
{
  protected:
    void SetUp() override
    {
        alarm(60);
        sctx = SSL_CTX_new(TLS_server_method());
        cctx = SSL_CTX_new(TLS_client_method());
        ASSERT_NE(sctx, nullptr);
        ASSERT_NE(cctx, nullptr);
        ASSERT_EQ(SSL_CTX_use_certificate_chain_file(sctx, shimtest::cert("server.pem").c_str()),
                  1);
        ASSERT_EQ(SSL_CTX_use_PrivateKey_file(sctx, shimtest::cert("server.key").c_str(),
                                              SSL_FILETYPE_PEM),
                  1);
        ASSERT_EQ(SSL_CTX_set_max_proto_version(cctx, GetParam()), 1);
        SSL_CTX_set_tlsext_servername_callback(sctx, sni_cb);
        SSL_CTX_set_tlsext_servername_arg(sctx, &n);
    }
    void TearDown() override
    {
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
        alarm(0);
    }

    // The client's ClientHello is in flight; the server's next call
    // suspends with want, sending nothing and leaving no error.
    void expect_suspended(shimtest::SslPair &p, int want)
    {
        ERR_clear_error();
        int rc = SSL_do_handshake(p.server);
        EXPECT_EQ(rc, -1);
        EXPECT_EQ(SSL_get_error(p.server, rc), want);
        EXPECT_EQ(ERR_peek_error(), 0UL);
        EXPECT_EQ(BIO_ctrl_pending(SSL_get_rbio(p.client)), 0U) << "sent while suspended";
    }

    // One client call (sends its ClientHello), then the server suspended
    // `times` times with want, then both to the end.
    void run(int want, int times)
    {
        shimtest::SslPair p(cctx, sctx);
        ASSERT_NE(p.client, nullptr);
        ASSERT_NE(p.server, nullptr);
        SSL_set_tlsext_host_name(p.client, "localhost");
        int rc = SSL_do_handshake(p.client);
        ASSERT_EQ(rc, -1);
        ASSERT_EQ(SSL_get_error(p.client, rc), SSL_ERROR_WANT_READ);
        for (int i = 0; i < times; i++)
            expect_suspended(p, want);
        if (want == SSL_ERROR_WANT_CLIENT_HELLO_CB)
            EXPECT_TRUE(SSL_want_client_hello_cb(p.server));
        else
            EXPECT_TRUE(SSL_want_x509_lookup(p.server));
        ASSERT_TRUE(p.handshake()) << "client " << SSL_get_error(p.client, p.client_rc)
                                   << " server " << SSL_get_error(p.server, p.server_rc);
        EXPECT_EQ(SSL_version(p.client), GetParam());
        EXPECT_EQ(SSL_version(p.server), GetParam());
        EXPECT_FALSE(SSL_want_client_hello_cb(p.server));
        EXPECT_FALSE(SSL_want_x509_lookup(p.server));
    }

    SSL_CTX *sctx = nullptr;
    SSL_CTX *cctx = nullptr;
    Counts n;
};

TEST_P(SuspendCb, ClientHelloRetryResumes)
{
    SSL_CTX_set_client_hello_cb(sctx, hello_cb, &n);
    n.retries_left = 2;
    run(SSL_ERROR_WANT_CLIENT_HELLO_CB, 2);
    EXPECT_EQ(n.hello_calls, 3);
    // The getters still work in the retried call.
    EXPECT_GT(n.ciphers_len, 0U);
    EXPECT_EQ(n.ext_ok, 1);
    // servername comes after the client-hello callback succeeded, once.
    EXPECT_EQ(n.sni_calls, 1);
}

TEST_P(SuspendCb, CertCbRetryResumes)
{
    SSL_CTX_set_cert_cb(sctx, cert_cb, &n);
    // hello_cb sees retries_left 0 and succeeds; then cert_cb retries twice.
    struct Arm {
        static int hello(SSL *s, int *al, void *arg)
        {
            int r = hello_cb(s, al, arg);
            static_cast<Counts *>(arg)->retries_left = 2;
            return r;
        }
    };
    SSL_CTX_set_client_hello_cb(sctx, Arm::hello, &n);
    run(SSL_ERROR_WANT_X509_LOOKUP, 2);
    EXPECT_EQ(n.cert_calls, 3);
    // What ran before the suspending callback is not run again.
    EXPECT_EQ(n.hello_calls, 1);
    EXPECT_EQ(n.sni_calls, 1);
}

TEST_P(SuspendCb, CertCbZeroReason)
{
    SSL_CTX_set_cert_cb(sctx, cert_cb, &n);
    n.cert_fail = 1;
    shimtest::SslPair p(cctx, sctx);
    ERR_clear_error();
    ASSERT_EQ(SSL_do_handshake(p.client), -1);
    int rc = SSL_do_handshake(p.server);
    EXPECT_EQ(rc, -1);
    EXPECT_EQ(SSL_get_error(p.server, rc), SSL_ERROR_SSL);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_CERT_CB_ERROR);
    EXPECT_EQ(n.cert_calls, 1);
    // The client hears internal_error.
    ERR_clear_error();
    rc = SSL_do_handshake(p.client);
    EXPECT_EQ(rc, -1);
    EXPECT_EQ(SSL_get_error(p.client, rc), SSL_ERROR_SSL);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_TLSV1_ALERT_INTERNAL_ERROR);
}

TEST_P(SuspendCb, ClientCertCbZeroIsCallbackFailed)
{
    // OpenSSL's client: cert_cb returning 0 is SSL_R_CALLBACK_FAILED.
    SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_cert_cb(cctx, cert_cb, &n);
    n.cert_fail = 1;
    shimtest::SslPair p(cctx, sctx);
    ERR_clear_error();
    int rc = 0;
    for (int i = 0; i < 8; i++) {
        rc = SSL_do_handshake(p.client);
        if (rc == -1 && SSL_get_error(p.client, rc) != SSL_ERROR_WANT_READ)
            break;
        (void)SSL_do_handshake(p.server);
    }
    EXPECT_EQ(SSL_get_error(p.client, rc), SSL_ERROR_SSL);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_CALLBACK_FAILED);
    EXPECT_EQ(n.cert_calls, 1);
}

TEST_P(SuspendCb, ClientHelloErrorUsesAlert)
{
    struct Deny {
        static int hello(SSL *s, int *al, void *arg)
        {
            (void)s;
            static_cast<Counts *>(arg)->hello_calls++;
            *al = SSL_AD_ACCESS_DENIED;
            return SSL_CLIENT_HELLO_ERROR;
        }
    };
    SSL_CTX_set_client_hello_cb(sctx, Deny::hello, &n);
    shimtest::SslPair p(cctx, sctx);
    ERR_clear_error();
    ASSERT_EQ(SSL_do_handshake(p.client), -1);
    int rc = SSL_do_handshake(p.server);
    EXPECT_EQ(rc, -1);
    EXPECT_EQ(SSL_get_error(p.server, rc), SSL_ERROR_SSL);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_CALLBACK_FAILED);
    ERR_clear_error();
    rc = SSL_do_handshake(p.client);
    EXPECT_EQ(SSL_get_error(p.client, rc), SSL_ERROR_SSL);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), SSL_R_TLSV1_ALERT_ACCESS_DENIED);
    EXPECT_EQ(n.hello_calls, 1);
}

// OpenSSL 3.0's retry_verify (sslapitest's test_client_cert_verify_cb): a
// client's verify callback that calls SSL_set_retry_verify (and returns its
// 1) suspends with SSL_ERROR_WANT_RETRY_VERIFY; the application completes
// SSL_get_peer_cert_chain's stack and the next call verifies again.
int verify_calls = 0;

int retry_verify_cb(X509_STORE_CTX *ctx, void *arg)
{
    (void)arg;
    verify_calls++;
    int res = X509_verify_cert(ctx);
    SSL *ssl =
        static_cast<SSL *>(X509_STORE_CTX_get_ex_data(ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
    if (ssl == nullptr)
        return 0;
    if (res == 0 && X509_STORE_CTX_get_error(ctx) == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY)
        return SSL_set_retry_verify(ssl);
    return res;
}

TEST_P(SuspendCb, RetryVerifyResumesWithCompletedChain)
{
    SSL_CTX_free(sctx);
    sctx = SSL_CTX_new(TLS_server_method());
    ASSERT_EQ(SSL_CTX_use_certificate_file(sctx, shimtest::cert("chain-server.pem").c_str(),
                                           SSL_FILETYPE_PEM),
              1);
    ASSERT_EQ(SSL_CTX_use_PrivateKey_file(sctx, shimtest::cert("chain-server.key").c_str(),
                                          SSL_FILETYPE_PEM),
              1);
    ASSERT_EQ(SSL_CTX_load_verify_locations(cctx, shimtest::cert("ca.pem").c_str(), nullptr), 1);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_cert_verify_callback(cctx, retry_verify_cb, nullptr);
    verify_calls = 0;
    shimtest::SslPair p(cctx, sctx);
    int rc = 0;
    for (int i = 0; i < 8; i++) {
        rc = SSL_do_handshake(p.client);
        if (rc == -1 && SSL_get_error(p.client, rc) != SSL_ERROR_WANT_READ)
            break;
        (void)SSL_do_handshake(p.server);
    }
    ASSERT_EQ(rc, -1);
    EXPECT_EQ(SSL_get_error(p.client, rc), SSL_ERROR_WANT_RETRY_VERIFY);
    EXPECT_TRUE(SSL_want_retry_verify(p.client));
    EXPECT_EQ(ERR_peek_error(), 0UL);
    EXPECT_EQ(verify_calls, 1);
    // Asked again without a change: the same answer, nothing sent.
    size_t before = BIO_ctrl_pending(SSL_get_rbio(p.server));
    rc = SSL_do_handshake(p.client);
    EXPECT_EQ(rc, -1);
    EXPECT_EQ(SSL_get_error(p.client, rc), SSL_ERROR_WANT_RETRY_VERIFY);
    EXPECT_EQ(verify_calls, 2);
    EXPECT_EQ(BIO_ctrl_pending(SSL_get_rbio(p.server)), before) << "sent while suspended";
    // The application supplies the missing intermediate.
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(p.client);
    ASSERT_NE(chain, nullptr);
    BIO *b = BIO_new_file(shimtest::cert("chain-inter.pem").c_str(), "r");
    ASSERT_NE(b, nullptr);
    X509 *inter = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
    BIO_free(b);
    ASSERT_NE(inter, nullptr);
    ASSERT_GT(sk_X509_push(chain, inter), 0);
    ASSERT_TRUE(p.handshake());
    EXPECT_EQ(verify_calls, 3);
    EXPECT_EQ(SSL_get_verify_result(p.client), X509_V_OK);
    EXPECT_EQ(SSL_version(p.client), GetParam());
    EXPECT_FALSE(SSL_want_retry_verify(p.client));
}

// The client's certificate callbacks: cert_cb and then client_cert_cb each
// returning -1 suspend with SSL_ERROR_WANT_X509_LOOKUP before any of the
// client's second flight is sent; a retry resumes at the callback that
// asked (cert_cb is not run again for client_cert_cb's retries).
struct ClientCounts {
    int cert_calls = 0, cert_retries = 0;
    int ccb_calls = 0, ccb_retries = 0;
};
ClientCounts cc;

int client_cert_cb_fn(SSL *s, X509 **x509, EVP_PKEY **pkey)
{
    (void)s;
    cc.ccb_calls++;
    if (cc.ccb_retries > 0) {
        cc.ccb_retries--;
        return -1;
    }
    BIO *b = BIO_new_file(shimtest::cert("client.pem").c_str(), "r");
    *x509 = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
    BIO_free(b);
    b = BIO_new_file(shimtest::cert("client.key").c_str(), "r");
    *pkey = PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr);
    BIO_free(b);
    return *x509 != nullptr && *pkey != nullptr ? 1 : 0;
}

int client_cert_cb_retry(SSL *s, void *arg)
{
    (void)s;
    (void)arg;
    cc.cert_calls++;
    if (cc.cert_retries > 0) {
        cc.cert_retries--;
        return -1;
    }
    return 1;
}

int accept_any(int ok, X509_STORE_CTX *ctx)
{
    (void)ok;
    (void)ctx;
    return 1;
}

TEST_P(SuspendCb, ClientCertCallbacksRetryResume)
{
    SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any);
    SSL_CTX_set_cert_cb(cctx, client_cert_cb_retry, nullptr);
    SSL_CTX_set_client_cert_cb(cctx, client_cert_cb_fn);
    cc = ClientCounts();
    cc.cert_retries = 1;
    cc.ccb_retries = 2;
    shimtest::SslPair p(cctx, sctx);
    int rc = 0, suspended = 0;
    for (int i = 0; i < 16; i++) {
        size_t before = BIO_ctrl_pending(SSL_get_rbio(p.server));
        rc = SSL_do_handshake(p.client);
        int err = SSL_get_error(p.client, rc);
        if (err == SSL_ERROR_WANT_X509_LOOKUP) {
            suspended++;
            EXPECT_TRUE(SSL_want_x509_lookup(p.client));
            EXPECT_EQ(ERR_peek_error(), 0UL);
            EXPECT_EQ(BIO_ctrl_pending(SSL_get_rbio(p.server)), before) << "sent while suspended";
            continue;
        }
        if (rc == 1)
            break;
        ASSERT_EQ(err, SSL_ERROR_WANT_READ);
        (void)SSL_do_handshake(p.server);
    }
    EXPECT_EQ(suspended, 3);
    EXPECT_EQ(cc.cert_calls, 2);
    EXPECT_EQ(cc.ccb_calls, 3);
    ASSERT_TRUE(p.handshake());
    X509 *peer = SSL_get_peer_certificate(p.server);
    EXPECT_NE(peer, nullptr);
    X509_free(peer);
    EXPECT_EQ(SSL_version(p.client), GetParam());
}

// The message callback sees the received ClientHello once, however often
// the handshake was suspended on it.
int hello_msgs = 0;

void count_msgs(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl,
                void *arg)
{
    (void)version;
    (void)ssl;
    (void)arg;
    if (!write_p && content_type == SSL3_RT_HANDSHAKE && len > 0 &&
        static_cast<const unsigned char *>(buf)[0] == SSL3_MT_CLIENT_HELLO)
        hello_msgs++;
}

TEST_P(SuspendCb, SuspendedClientHelloIsTracedOnce)
{
    SSL_CTX_set_client_hello_cb(sctx, hello_cb, &n);
    SSL_CTX_set_msg_callback(sctx, count_msgs);
    n.retries_left = 3;
    hello_msgs = 0;
    run(SSL_ERROR_WANT_CLIENT_HELLO_CB, 3);
    EXPECT_EQ(n.hello_calls, 4);
    EXPECT_EQ(hello_msgs, 1);
}

// SSL_read_early_data on a server whose client-hello callback retries:
// SSL_READ_EARLY_DATA_ERROR with SSL_ERROR_WANT_CLIENT_HELLO_CB, then the
// early data is still accepted and read.
TEST(SuspendEarlyData, ClientHelloRetryBeforeEarlyData)
{
    alarm(60);
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    ASSERT_NE(sctx, nullptr);
    ASSERT_NE(cctx, nullptr);
    ASSERT_EQ(SSL_CTX_use_certificate_chain_file(sctx, shimtest::cert("server.pem").c_str()), 1);
    ASSERT_EQ(
        SSL_CTX_use_PrivateKey_file(sctx, shimtest::cert("server.key").c_str(), SSL_FILETYPE_PEM),
        1);
    Counts n;
    SSL_CTX_set_max_early_data(sctx, 16384);
    SSL_SESSION *ss = nullptr;
    {
        shimtest::SslPair p(cctx, sctx);
        ASSERT_TRUE(p.handshake());
        size_t w = 0, r = 0;
        char b[4];
        ASSERT_EQ(SSL_write_ex(p.server, "x", 1, &w), 1);
        ASSERT_EQ(SSL_read_ex(p.client, b, 1, &r), 1);
        ss = SSL_get1_session(p.client);
        ASSERT_NE(ss, nullptr);
        ASSERT_EQ(SSL_SESSION_get_max_early_data(ss), 16384u);
        // Freed without a shutdown, OpenSSL marks the session unusable.
        (void)SSL_shutdown(p.client);
        (void)SSL_shutdown(p.server);
    }
    SSL_CTX_set_client_hello_cb(sctx, hello_cb, &n);
    n.retries_left = 2;
    shimtest::SslPair p(cctx, sctx);
    ASSERT_EQ(SSL_set_session(p.client, ss), 1);
    SSL_SESSION_free(ss);
    size_t len = 0;
    ASSERT_EQ(SSL_write_early_data(p.client, "early", 5, &len), 1);
    char buf[32];
    std::string early;
    int r = 0, suspended = 0;
    for (int i = 0; i < 20; i++) {
        r = SSL_read_early_data(p.server, buf, sizeof(buf), &len);
        if (r == SSL_READ_EARLY_DATA_SUCCESS) {
            early.append(buf, len);
            continue;
        }
        if (r == SSL_READ_EARLY_DATA_FINISH)
            break;
        int err = SSL_get_error(p.server, 0);
        if (err == SSL_ERROR_WANT_CLIENT_HELLO_CB) {
            suspended++;
            continue;
        }
        ASSERT_EQ(err, SSL_ERROR_WANT_READ);
        (void)SSL_do_handshake(p.client);
    }
    EXPECT_EQ(r, SSL_READ_EARLY_DATA_FINISH);
    EXPECT_EQ(suspended, 2);
    EXPECT_EQ(n.hello_calls, 3);
    ASSERT_TRUE(p.handshake());
    EXPECT_EQ(early, "early");
    EXPECT_EQ(SSL_get_early_data_status(p.server), SSL_EARLY_DATA_ACCEPTED);
    EXPECT_EQ(SSL_version(p.server), TLS1_3_VERSION);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    alarm(0);
}

INSTANTIATE_TEST_SUITE_P(Versions, SuspendCb, ::testing::Values(TLS1_3_VERSION, TLS1_2_VERSION),
                         [](const ::testing::TestParamInfo<int> &i) {
                             return std::string(i.param == TLS1_3_VERSION ? "TLS13" : "TLS12");
                         });

} // namespace
