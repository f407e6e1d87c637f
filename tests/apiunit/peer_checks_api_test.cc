// Security checks an application sees through the public API only, with
// both ends in one process (a BIO pair, one library for both): the purpose
// (extended key usage) of the peer's certificate, and a server's ALPN
// without a select callback. Built against ShimSSL and, as the reference,
// against the system's OpenSSL 3.0 (tests/apiunit/CMakeLists.txt): the
// expectations hold on both.
//
// OpenSSL checks the peer certificate for the "SSL client" purpose on a
// server and "SSL server" on a client (ssl_verify_cert_chain sets the store
// context's default to ssl_client / ssl_server); a leaf whose
// extendedKeyUsage lacks that purpose fails with
// X509_V_ERR_INVALID_PURPOSE, sent as unsupported_certificate, reported as
// SSL_R_CERTIFICATE_VERIFY_FAILED. tests/certs/server.pem has EKU serverAuth
// only and client.pem clientAuth only (tests/certs/make.sh).
#include <gtest/gtest.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <string>

namespace
{

std::string cert_path(const std::string &name)
{
    return std::string(SHIMSSL_CERT_DIR) + "/" + name;
}

// What one end saw.
struct Side {
    SSL *ssl = nullptr;
    bool done = false;            // handshake completed
    bool failed = false;          // a call failed with SSL_ERROR_SSL
    int fail_ret = 0;             // the failing call's return value
    unsigned long fail_err = 0;   // first ERR code queued by the failing call
    int alert_written = -1;       // description of the fatal alert it sent
    int alert_read = -1;          // description of the fatal alert it received
};

void info_cb(const SSL *ssl, int where, int ret)
{
    Side *side = (Side *)SSL_get_app_data(ssl);
    if (side == nullptr || (ret >> 8) != SSL3_AL_FATAL)
        return;
    if (where & SSL_CB_WRITE_ALERT)
        side->alert_written = ret & 0xff;
    if (where & SSL_CB_READ_ALERT)
        side->alert_read = ret & 0xff;
}

struct Pair {
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
    Side client, server;

    explicit Pair(int version)
    {
        for (SSL_CTX *ctx : {cctx, sctx}) {
            SSL_CTX_set_min_proto_version(ctx, version);
            SSL_CTX_set_max_proto_version(ctx, version);
            SSL_CTX_set_info_callback(ctx, info_cb);
        }
        SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    }
    ~Pair()
    {
        SSL_free(client.ssl);
        SSL_free(server.ssl);
        SSL_CTX_free(cctx);
        SSL_CTX_free(sctx);
    }
    static void use_cert(SSL_CTX *ctx, const char *name)
    {
        ASSERT_EQ(1, SSL_CTX_use_certificate_file(ctx, cert_path(std::string(name) + ".pem").c_str(),
                                                  SSL_FILETYPE_PEM));
        ASSERT_EQ(1, SSL_CTX_use_PrivateKey_file(ctx, cert_path(std::string(name) + ".key").c_str(),
                                                 SSL_FILETYPE_PEM));
    }
    static void trust_ca(SSL_CTX *ctx, int mode)
    {
        ASSERT_EQ(1, SSL_CTX_load_verify_locations(ctx, cert_path("ca.pem").c_str(), nullptr));
        SSL_CTX_set_verify(ctx, mode, nullptr);
    }

    void start()
    {
        BIO *a = nullptr, *b = nullptr;
        ASSERT_EQ(1, BIO_new_bio_pair(&a, 0, &b, 0));
        client.ssl = SSL_new(cctx);
        server.ssl = SSL_new(sctx);
        SSL_set_bio(client.ssl, a, a);
        SSL_set_bio(server.ssl, b, b);
        SSL_set_app_data(client.ssl, &client);
        SSL_set_app_data(server.ssl, &server);
        SSL_set_connect_state(client.ssl);
        SSL_set_accept_state(server.ssl);
    }

    // One step of one end: the handshake until it is done, then a read
    // (which takes in an alert the peer sent after its own handshake).
    static bool step(Side &side)
    {
        if (side.failed)
            return false;
        ERR_clear_error();
        int ret;
        if (!side.done) {
            ret = SSL_do_handshake(side.ssl);
            if (ret == 1) {
                side.done = true;
                return true;
            }
        } else {
            char b[16];
            ret = SSL_read(side.ssl, b, sizeof(b));
            if (ret > 0)
                return true;
        }
        int err = SSL_get_error(side.ssl, ret);
        if (err == SSL_ERROR_SSL) {
            side.failed = true;
            side.fail_ret = ret;
            side.fail_err = ERR_peek_error();
            ERR_clear_error();
            return true;
        }
        ERR_clear_error();
        return false; // wants more input
    }

    // Use another pair's contexts (its session cache, ticket keys).
    void share(Pair &o)
    {
        SSL_CTX_up_ref(o.cctx);
        SSL_CTX_up_ref(o.sctx);
        SSL_CTX_free(cctx);
        SSL_CTX_free(sctx);
        cctx = o.cctx;
        sctx = o.sctx;
    }

    // Runs both ends until neither moves.
    void run()
    {
        if (client.ssl == nullptr)
            start();
        for (int i = 0; i < 40; i++) {
            bool moved = step(client);
            moved = step(server) || moved;
            if (!moved && i > 4)
                break;
        }
    }
};

// The failure sticks: the next handshake call fails again, and sends nothing
// more (no second alert, no handshake message).
void expect_sticky(Side &side)
{
    BIO *bio = SSL_get_wbio(side.ssl);
    size_t pending = BIO_ctrl_pending(bio);
    ERR_clear_error();
    int ret = SSL_do_handshake(side.ssl);
    EXPECT_EQ(side.fail_ret, ret);
    // OpenSSL 3.0 answers the repeated call with SSL_ERROR_SYSCALL and an
    // empty error queue (its state machine is in its error state and queues
    // nothing); ShimSSL repeats SSL_ERROR_SSL with the first reason. Either
    // way the call fails and the handshake does not go on.
    int err = SSL_get_error(side.ssl, ret);
    EXPECT_TRUE(err == SSL_ERROR_SSL || err == SSL_ERROR_SYSCALL) << err;
    EXPECT_FALSE(SSL_is_init_finished(side.ssl));
    char b[4];
    EXPECT_LE(SSL_read(side.ssl, b, sizeof(b)), 0);
    EXPECT_LE(SSL_write(side.ssl, "x", 1), 0);
    EXPECT_EQ(pending, BIO_ctrl_pending(bio));
    ERR_clear_error();
}

std::string reason(unsigned long e)
{
    const char *r = ERR_reason_error_string(e);
    return std::to_string(ERR_GET_REASON(e)) + " (" + (r ? r : "?") + ")";
}

class PeerPurpose : public ::testing::TestWithParam<int>
{
};

TEST_P(PeerPurpose, ServerCertificateForTheServerPurposeIsAccepted)
{
    Pair p(GetParam());
    Pair::use_cert(p.sctx, "server");
    Pair::trust_ca(p.cctx, SSL_VERIFY_PEER);
    p.run();
    ASSERT_TRUE(p.client.done && p.server.done) << reason(p.client.fail_err);
    EXPECT_EQ(X509_V_OK, SSL_get_verify_result(p.client.ssl));
}

TEST_P(PeerPurpose, ServerWithAClientOnlyCertificateIsRefused)
{
    Pair p(GetParam());
    Pair::use_cert(p.sctx, "client"); // EKU clientAuth only
    Pair::trust_ca(p.cctx, SSL_VERIFY_PEER);
    p.run();
    ASSERT_TRUE(p.client.failed);
    EXPECT_FALSE(p.client.done);
    EXPECT_EQ(X509_V_ERR_INVALID_PURPOSE, SSL_get_verify_result(p.client.ssl));
    EXPECT_EQ(ERR_LIB_SSL, ERR_GET_LIB(p.client.fail_err));
    EXPECT_EQ(SSL_R_CERTIFICATE_VERIFY_FAILED, ERR_GET_REASON(p.client.fail_err))
        << reason(p.client.fail_err);
    EXPECT_EQ(SSL_AD_UNSUPPORTED_CERTIFICATE, p.client.alert_written);
    // The server received it.
    EXPECT_EQ(SSL_AD_UNSUPPORTED_CERTIFICATE, p.server.alert_read);
    ASSERT_TRUE(p.server.failed);
    EXPECT_EQ(SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE, ERR_GET_REASON(p.server.fail_err))
        << reason(p.server.fail_err);
    expect_sticky(p.client);
}

TEST_P(PeerPurpose, ClientCertificateForTheClientPurposeIsAccepted)
{
    Pair p(GetParam());
    Pair::use_cert(p.sctx, "server");
    Pair::use_cert(p.cctx, "client");
    Pair::trust_ca(p.sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
    p.run();
    ASSERT_TRUE(p.client.done && p.server.done) << reason(p.server.fail_err);
    EXPECT_FALSE(p.client.failed || p.server.failed) << reason(p.server.fail_err);
    EXPECT_EQ(X509_V_OK, SSL_get_verify_result(p.server.ssl));
}

TEST_P(PeerPurpose, ClientWithAServerOnlyCertificateIsRefused)
{
    Pair p(GetParam());
    Pair::use_cert(p.sctx, "server");
    Pair::use_cert(p.cctx, "server"); // EKU serverAuth only
    Pair::trust_ca(p.sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
    p.run();
    ASSERT_TRUE(p.server.failed);
    EXPECT_FALSE(p.server.done);
    EXPECT_EQ(X509_V_ERR_INVALID_PURPOSE, SSL_get_verify_result(p.server.ssl));
    EXPECT_EQ(ERR_LIB_SSL, ERR_GET_LIB(p.server.fail_err));
    EXPECT_EQ(SSL_R_CERTIFICATE_VERIFY_FAILED, ERR_GET_REASON(p.server.fail_err))
        << reason(p.server.fail_err);
    EXPECT_EQ(SSL_AD_UNSUPPORTED_CERTIFICATE, p.server.alert_written);
    // The client received it (in TLS 1.3 after its own handshake ended).
    EXPECT_EQ(SSL_AD_UNSUPPORTED_CERTIFICATE, p.client.alert_read);
    ASSERT_TRUE(p.client.failed);
    EXPECT_EQ(SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE, ERR_GET_REASON(p.client.fail_err))
        << reason(p.client.fail_err);
    expect_sticky(p.server);
}

TEST_P(PeerPurpose, VerifyNoneRecordsThePurposeFailureButConnects)
{
    Pair p(GetParam());
    Pair::use_cert(p.sctx, "client");
    Pair::trust_ca(p.cctx, SSL_VERIFY_NONE);
    p.run();
    ASSERT_TRUE(p.client.done && p.server.done) << reason(p.client.fail_err);
    EXPECT_EQ(X509_V_ERR_INVALID_PURPOSE, SSL_get_verify_result(p.client.ssl));
}

INSTANTIATE_TEST_SUITE_P(Versions, PeerPurpose, ::testing::Values(TLS1_2_VERSION, TLS1_3_VERSION),
                         [](const ::testing::TestParamInfo<int> &i) {
                             return std::string(i.param == TLS1_3_VERSION ? "Tls13" : "Tls12");
                         });

// --- session id context ----------------------------------------------------------

// A session made under one session id context is not resumed under another
// (SSL_set_session_id_context). OpenSSL's ssl_get_prev_session compares the
// contexts before it refuses a verifying server without one
// (SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED): a session from another context
// there means a full handshake, not a failure.
struct SidCtxCase {
    int version;
    bool tickets;
};

class SessionIdContext : public ::testing::TestWithParam<SidCtxCase>
{
};

TEST_P(SessionIdContext, SessionFromAnotherContextIsNotResumed)
{
    const unsigned char ctx_a[] = "A";
    Pair first(GetParam().version);
    SSL_CTX_set_session_cache_mode(first.sctx, SSL_SESS_CACHE_SERVER);
    if (GetParam().tickets)
        SSL_CTX_clear_options(first.sctx, SSL_OP_NO_TICKET);
    Pair::use_cert(first.sctx, "server");
    Pair::trust_ca(first.sctx, SSL_VERIFY_PEER);
    first.start();
    ASSERT_EQ(1, SSL_set_session_id_context(first.server.ssl, ctx_a, 1));
    first.run();
    ASSERT_TRUE(first.client.done && first.server.done) << reason(first.server.fail_err);
    SSL_SESSION *sess = SSL_get1_session(first.client.ssl);
    ASSERT_NE(nullptr, sess);
    ASSERT_EQ(1, SSL_SESSION_is_resumable(sess));

    // A server SSL without a context, verifying (the context's settings).
    Pair other(GetParam().version);
    other.share(first);
    other.start();
    ASSERT_EQ(1, SSL_set_session(other.client.ssl, sess));
    other.run();
    EXPECT_TRUE(other.client.done && other.server.done) << reason(other.server.fail_err);
    EXPECT_FALSE(other.server.failed) << reason(other.server.fail_err);
    EXPECT_EQ(0, SSL_session_reused(other.server.ssl));
    EXPECT_EQ(0, SSL_session_reused(other.client.ssl));

    // Control: under context A the same session is resumed.
    Pair same(GetParam().version);
    same.share(first);
    same.start();
    ASSERT_EQ(1, SSL_set_session_id_context(same.server.ssl, ctx_a, 1));
    ASSERT_EQ(1, SSL_set_session(same.client.ssl, sess));
    same.run();
    EXPECT_TRUE(same.client.done && same.server.done) << reason(same.server.fail_err);
    EXPECT_EQ(1, SSL_session_reused(same.server.ssl));
    SSL_SESSION_free(sess);
}

INSTANTIATE_TEST_SUITE_P(Resumption, SessionIdContext,
                         ::testing::Values(SidCtxCase{TLS1_2_VERSION, false},
                                           SidCtxCase{TLS1_2_VERSION, true},
                                           SidCtxCase{TLS1_3_VERSION, true}),
                         [](const ::testing::TestParamInfo<SidCtxCase> &i) {
                             return std::string(i.param.version == TLS1_3_VERSION ? "Tls13"
                                                                                  : "Tls12") +
                                    (i.param.tickets ? "Ticket" : "SessionId");
                         });

// --- ALPN on a server without a select callback -------------------------------

class ServerAlpn : public ::testing::TestWithParam<int>
{
};

const unsigned char kHttp11[] = "\x08http/1.1";
const unsigned char kBoth[] = "\x02h2\x08http/1.1";

std::string selected(SSL *s)
{
    const unsigned char *d = nullptr;
    unsigned int n = 0;
    SSL_get0_alpn_selected(s, &d, &n);
    return std::string((const char *)d, n);
}

TEST_P(ServerAlpn, ProtocolListOnAServerWithoutCallbackNegotiatesNothing)
{
    // SSL_CTX_set_alpn_protos is a client setting: OpenSSL's server chooses
    // only through SSL_CTX_set_alpn_select_cb and sends no ALPN without one.
    Pair p(GetParam());
    Pair::use_cert(p.sctx, "server");
    ASSERT_EQ(0, SSL_CTX_set_alpn_protos(p.sctx, kHttp11, sizeof(kHttp11) - 1));
    ASSERT_EQ(0, SSL_CTX_set_alpn_protos(p.cctx, kBoth, sizeof(kBoth) - 1));
    p.run();
    ASSERT_TRUE(p.client.done && p.server.done) << reason(p.client.fail_err);
    EXPECT_EQ("", selected(p.server.ssl));
    EXPECT_EQ("", selected(p.client.ssl));
}

TEST_P(ServerAlpn, SelectCallbackChooses)
{
    // Control: with a callback, the protocol it picks is negotiated.
    Pair p(GetParam());
    Pair::use_cert(p.sctx, "server");
    ASSERT_EQ(0, SSL_CTX_set_alpn_protos(p.sctx, kHttp11, sizeof(kHttp11) - 1));
    SSL_CTX_set_alpn_select_cb(
        p.sctx,
        [](SSL *, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
           unsigned int inlen, void *) {
            return SSL_select_next_proto((unsigned char **)out, outlen, kHttp11,
                                         sizeof(kHttp11) - 1, in,
                                         inlen) == OPENSSL_NPN_NEGOTIATED
                       ? SSL_TLSEXT_ERR_OK
                       : SSL_TLSEXT_ERR_NOACK;
        },
        nullptr);
    ASSERT_EQ(0, SSL_CTX_set_alpn_protos(p.cctx, kBoth, sizeof(kBoth) - 1));
    p.run();
    ASSERT_TRUE(p.client.done && p.server.done) << reason(p.client.fail_err);
    EXPECT_EQ("http/1.1", selected(p.server.ssl));
    EXPECT_EQ("http/1.1", selected(p.client.ssl));
}

INSTANTIATE_TEST_SUITE_P(Versions, ServerAlpn, ::testing::Values(TLS1_2_VERSION, TLS1_3_VERSION),
                         [](const ::testing::TestParamInfo<int> &i) {
                             return std::string(i.param == TLS1_3_VERSION ? "Tls13" : "Tls12");
                         });

} // namespace
