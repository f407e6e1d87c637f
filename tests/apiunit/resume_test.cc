// Session resumption end to end, as applications do it: a first handshake
// hands the client its sessions (new-session callback, SSL_get1_session),
// a second one offers one with SSL_set_session and both sides report
// SSL_session_reused. Our client against our server in memory; our client
// against the system's `openssl s_server`; the system's `openssl s_client
// -sess_out / -sess_in` against our server. Plus what must NOT resume
// (expired, another session id context, a stateful ticket used twice) and
// 0-RTT with its anti-replay.
#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "testlib/testlib.h"

namespace
{

std::vector<SSL_SESSION *> got;
int keep_session(SSL *, SSL_SESSION *ss)
{
    got.push_back(ss);
    return 1;
}

void drop_sessions()
{
    for (SSL_SESSION *ss : got)
        SSL_SESSION_free(ss);
    got.clear();
}

// Both ends close properly (close_notify) before they are freed: a
// connection freed without SSL_shutdown leaves a bad session that is never
// resumed (SSL_free(3), as on OpenSSL; see BadSessions below).
void close_and_free(SSL *c, SSL *s)
{
    if (c != nullptr)
        (void)SSL_shutdown(c);
    if (s != nullptr)
        (void)SSL_shutdown(s);
    SSL_free(c);
    SSL_free(s);
}

struct Pair {
    SSL *c = nullptr, *s = nullptr;
    ~Pair() { close_and_free(c, s); }
};

// Handshake our client and our server over a BIO pair; then let the client
// read so that it processes the server's tickets.
bool connect_pair(Pair &p, SSL_CTX *cctx, SSL_CTX *sctx, SSL_SESSION *resume = nullptr,
                  const char *sni = nullptr)
{
    p.c = SSL_new(cctx);
    p.s = SSL_new(sctx);
    if (sni != nullptr && SSL_set_tlsext_host_name(p.c, sni) != 1)
        return false;
    BIO *a, *b;
    if (BIO_new_bio_pair(&a, 0, &b, 0) != 1)
        return false;
    SSL_set_bio(p.c, a, a);
    SSL_set_bio(p.s, b, b);
    SSL_set_connect_state(p.c);
    SSL_set_accept_state(p.s);
    if (resume != nullptr && SSL_set_session(p.c, resume) != 1)
        return false;
    int rc = 0, rs = 0;
    for (int i = 0; i < 200 && (rc != 1 || rs != 1); i++) {
        if (rc != 1)
            rc = SSL_do_handshake(p.c);
        if (rs != 1)
            rs = SSL_do_handshake(p.s);
        if ((rc <= 0 && SSL_get_error(p.c, rc) != SSL_ERROR_WANT_READ) ||
            (rs <= 0 && SSL_get_error(p.s, rs) != SSL_ERROR_WANT_READ))
            return false;
    }
    if (rc != 1 || rs != 1)
        return false;
    // Application data both ways carries the tickets along.
    char buf[16];
    if (SSL_write(p.s, "ping", 4) != 4)
        return false;
    for (int i = 0; i < 10; i++) {
        int n = SSL_read(p.c, buf, sizeof(buf));
        if (n == 4)
            return memcmp(buf, "ping", 4) == 0;
        if (SSL_get_error(p.c, n) != SSL_ERROR_WANT_READ)
            return false;
    }
    return false;
}

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

class Resume : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        alarm(60);
        ASSERT_EQ(OPENSSL_init_ssl(0, nullptr), 1);
        sctx = SSL_CTX_new(TLS_server_method());
        cctx = SSL_CTX_new(TLS_client_method());
        ASSERT_EQ(SSL_CTX_use_certificate_chain_file(sctx, shimtest::cert("server.pem").c_str()), 1);
        ASSERT_EQ(SSL_CTX_use_PrivateKey_file(sctx, shimtest::cert("server.key").c_str(), SSL_FILETYPE_PEM), 1);
        ASSERT_EQ(SSL_CTX_set_session_id_context(sctx, (const unsigned char *)"resume", 6), 1);
        ASSERT_EQ(SSL_CTX_load_verify_locations(cctx, shimtest::cert("ca.pem").c_str(), nullptr), 1);
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, nullptr);
        SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(cctx, keep_session);
        drop_sessions();
    }
    void TearDown() override
    {
        drop_sessions();
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
        ERR_clear_error();
        alarm(0);
    }
    // A first connection; returns the newest session the callback got.
    SSL_SESSION *first()
    {
        Pair p;
        EXPECT_TRUE(connect_pair(p, cctx, sctx)) << ERR_error_string(ERR_peek_error(), nullptr);
        EXPECT_EQ(SSL_session_reused(p.c), 0);
        return got.empty() ? nullptr : got.back();
    }
    SSL_CTX *sctx = nullptr, *cctx = nullptr;
};

TEST_F(Resume, Tls13TicketResumesAndKeepsThePeerCertificate)
{
    SSL_SESSION *ss = first();
    ASSERT_NE(ss, nullptr);
    EXPECT_EQ(got.size(), 2u); // two tickets: two sessions, each its own object
    EXPECT_NE(got[0], got[1]);
    EXPECT_EQ(SSL_SESSION_is_resumable(ss), 1);
    EXPECT_EQ(SSL_SESSION_has_ticket(ss), 1);
    EXPECT_EQ(SSL_SESSION_get_protocol_version(ss), TLS1_3_VERSION);
    EXPECT_GT(SSL_SESSION_get_master_key(ss, nullptr, 0), 0u);
    EXPECT_EQ(SSL_SESSION_get_ticket_lifetime_hint(ss), 7200u);
    EXPECT_NE(SSL_SESSION_get0_peer(ss), nullptr);

    Pair p;
    ASSERT_TRUE(connect_pair(p, cctx, sctx, ss)) << ERR_error_string(ERR_peek_error(), nullptr);
    EXPECT_EQ(SSL_session_reused(p.c), 1);
    EXPECT_EQ(SSL_session_reused(p.s), 1);
    // No Certificate message came: the session's certificate and verify result show.
    X509 *peer = SSL_get0_peer_certificate(p.c);
    ASSERT_NE(peer, nullptr);
    EXPECT_EQ(X509_cmp(peer, SSL_SESSION_get0_peer(ss)), 0);
    EXPECT_EQ(SSL_get_verify_result(p.c), X509_V_OK);
    EXPECT_EQ(SSL_CTX_sess_hits(cctx), 1);
    EXPECT_EQ(SSL_CTX_sess_hits(sctx), 1);
    EXPECT_EQ(SSL_CTX_sess_accept_good(sctx), 2);
    // The resumed connection's new tickets replace the session it used:
    // with client caching on, the client never offers that ticket again.
    EXPECT_EQ(SSL_SESSION_is_resumable(ss), 0);
    EXPECT_EQ(SSL_SESSION_is_resumable(got.back()), 1);
}

// A server that switches SSL_CTX in its servername callback (nginx's
// virtual hosts), the vhost context with ticket keys of its own: sessions
// stay with the context the SSL was made from (OpenSSL's "session_ctx"),
// so resumption works by ticket and by session id, in TLS 1.3 and TLS 1.2,
// and the counters land where OpenSSL 3.0 puts them (this file also
// builds against the system libssl, where the test passes too).
SSL_CTX *vhost_ctx;
int switch_to_vhost(SSL *s, int *, void *)
{
    const char *name = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name);
    if (name != nullptr && strcmp(name, "vhost.test") == 0)
        SSL_set_SSL_CTX(s, vhost_ctx);
    return SSL_TLSEXT_ERR_OK;
}

TEST_F(Resume, SessionsStayWithTheOriginalContextAcrossAnSniSwitch)
{
    for (int v : {TLS1_3_VERSION, TLS1_2_VERSION}) {
        for (int tickets : {1, 0}) {
            SCOPED_TRACE(std::string(v == TLS1_3_VERSION ? "TLS 1.3" : "TLS 1.2") +
                         (tickets ? " tickets" : " session ids"));
            drop_sessions();
            vhost_ctx = SSL_CTX_new(TLS_server_method());
            ASSERT_NE(vhost_ctx, nullptr);
            ASSERT_EQ(SSL_CTX_use_certificate_chain_file(vhost_ctx, shimtest::cert("server.pem").c_str()), 1);
            ASSERT_EQ(SSL_CTX_use_PrivateKey_file(vhost_ctx, shimtest::cert("server.key").c_str(),
                                                  SSL_FILETYPE_PEM),
                      1);
            ASSERT_EQ(SSL_CTX_set_session_id_context(vhost_ctx, (const unsigned char *)"resume", 6), 1);
            SSL_CTX_set_tlsext_servername_callback(sctx, switch_to_vhost);
            SSL_CTX_set_max_proto_version(cctx, v);
            SSL_CTX_clear_options(sctx, SSL_OP_NO_TICKET);
            if (!tickets) {
                SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
                SSL_CTX_set_options(vhost_ctx, SSL_OP_NO_TICKET);
            }
            long accepts = SSL_CTX_sess_accept(sctx);
            long hits = SSL_CTX_sess_hits(sctx);
            long cached = SSL_CTX_sess_number(sctx);
            SSL_SESSION *ss = nullptr;
            // First connection, with SNI; the second offers its session.
            {
                Pair p;
                ASSERT_TRUE(connect_pair(p, cctx, sctx, nullptr, "vhost.test"))
                    << ERR_error_string(ERR_peek_error(), nullptr);
                EXPECT_EQ(SSL_get_SSL_CTX(p.s), vhost_ctx);
                ss = SSL_get1_session(p.c);
            }
            ASSERT_NE(ss, nullptr);
            ASSERT_EQ(SSL_SESSION_is_resumable(ss), 1);
            {
                Pair p;
                ASSERT_TRUE(connect_pair(p, cctx, sctx, ss, "vhost.test"))
                    << ERR_error_string(ERR_peek_error(), nullptr);
                EXPECT_EQ(SSL_session_reused(p.c), 1);
                EXPECT_EQ(SSL_session_reused(p.s), 1);
            }
            SSL_SESSION_free(ss);
            // The counters as OpenSSL 3.0 keeps them: handshakes on the
            // context chosen by the callback; hits and the cache (stateful
            // tickets and TLS 1.2 session ids, never stateless tickets) on
            // the one the SSL was made from.
            EXPECT_EQ(SSL_CTX_sess_accept(sctx), accepts);
            EXPECT_EQ(SSL_CTX_sess_accept(vhost_ctx), 2);
            EXPECT_EQ(SSL_CTX_sess_accept_good(vhost_ctx), 2);
            EXPECT_EQ(SSL_CTX_sess_hits(sctx), hits + 1);
            EXPECT_EQ(SSL_CTX_sess_hits(vhost_ctx), 0);
            EXPECT_EQ(SSL_CTX_sess_number(vhost_ctx), 0);
            // TLS 1.3 stateful: two tickets, one used up, then new ones
            // (OpenSSL sends two after this resumption, ShimSSL one).
            long added = SSL_CTX_sess_number(sctx) - cached;
            if (tickets)
                EXPECT_EQ(added, 0);
            else if (v == TLS1_3_VERSION)
                EXPECT_TRUE(added == 2 || added == 3) << added;
            else
                EXPECT_EQ(added, 1);
            SSL_CTX_free(vhost_ctx);
            vhost_ctx = nullptr;
        }
    }
}

// SSL_free(3), SSL_set_shutdown(3): a connection freed without our
// close_notify may have been truncated, so its session is bad: never
// resumed, and gone from the server's cache. SSL_set_shutdown with
// SSL_SENT_SHUTDOWN (what servers do for a quiet close) keeps it good.
TEST_F(Resume, SessionOfAConnectionFreedWithoutShutdownIsBad)
{
    for (int v : {TLS1_3_VERSION, TLS1_2_VERSION}) {
        SCOPED_TRACE(v == TLS1_3_VERSION ? "TLS 1.3" : "TLS 1.2");
        SSL_CTX_set_max_proto_version(cctx, v);
        SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET); // TLS 1.2: the server's cache
        for (int how = 0; how < 3; how++) {
            SCOPED_TRACE(how == 0 ? "SSL_shutdown" : how == 1 ? "SSL_set_shutdown" : "neither");
            drop_sessions();
            Pair p;
            ASSERT_TRUE(connect_pair(p, cctx, sctx)) << ERR_error_string(ERR_peek_error(), nullptr);
            SSL_SESSION *ss = SSL_get1_session(p.c);
            ASSERT_NE(ss, nullptr);
            ASSERT_EQ(SSL_SESSION_is_resumable(ss), 1);
            long cached = SSL_CTX_sess_number(sctx);
            if (how == 0) {
                (void)SSL_shutdown(p.c);
                (void)SSL_shutdown(p.s);
            } else if (how == 1) {
                SSL_set_shutdown(p.c, SSL_SENT_SHUTDOWN);
                SSL_set_shutdown(p.s, SSL_SENT_SHUTDOWN);
            }
            SSL_free(p.c);
            SSL_free(p.s);
            p.c = p.s = nullptr;
            EXPECT_EQ(SSL_SESSION_is_resumable(ss), how < 2 ? 1 : 0);
            if (v == TLS1_2_VERSION) {
                EXPECT_EQ(SSL_CTX_sess_number(sctx), how < 2 ? cached : cached - 1);
            }
            Pair q;
            ASSERT_TRUE(connect_pair(q, cctx, sctx, ss)) << ERR_error_string(ERR_peek_error(), nullptr);
            EXPECT_EQ(SSL_session_reused(q.c), how < 2 ? 1 : 0);
            SSL_SESSION_free(ss);
        }
    }
}

// The server's session timeout is the ticket lifetime the client sees; the
// client's session keeps its own context's timeout (as OpenSSL 3.0).
TEST_F(Resume, ServerTimeoutIsTheTicketLifetime)
{
    SSL_CTX_set_timeout(sctx, 600);
    SSL_CTX_set_timeout(cctx, 1234);
    SSL_SESSION *ss = first();
    ASSERT_NE(ss, nullptr);
    EXPECT_EQ(SSL_SESSION_get_ticket_lifetime_hint(ss), 600u);
    EXPECT_EQ(SSL_SESSION_get_timeout(ss), 1234);
}

TEST_F(Resume, DerRoundTripThenResume)
{
    SSL_SESSION *ss = first();
    ASSERT_NE(ss, nullptr);
    BIO *mem = BIO_new(BIO_s_mem());
    ASSERT_EQ(PEM_write_bio_SSL_SESSION(mem, ss), 1);
    SSL_SESSION *back = PEM_read_bio_SSL_SESSION(mem, nullptr, nullptr, nullptr);
    BIO_free(mem);
    ASSERT_NE(back, nullptr);
    Pair p;
    ASSERT_TRUE(connect_pair(p, cctx, sctx, back));
    EXPECT_EQ(SSL_session_reused(p.c), 1);
    EXPECT_NE(SSL_get0_peer_certificate(p.c), nullptr);
    SSL_SESSION_free(back);
}

TEST_F(Resume, ExpiredSessionIsNotResumed)
{
    SSL_SESSION *ss = first();
    ASSERT_NE(ss, nullptr);
    SSL_SESSION_set_time(ss, (long)time(nullptr) - 100000);
    Pair p;
    ASSERT_TRUE(connect_pair(p, cctx, sctx, ss));
    EXPECT_EQ(SSL_session_reused(p.c), 0);
    EXPECT_EQ(SSL_session_reused(p.s), 0);
}

TEST_F(Resume, AnotherSessionIdContextIsNotResumed)
{
    SSL_SESSION *ss = first();
    ASSERT_NE(ss, nullptr);
    ASSERT_EQ(SSL_CTX_set_session_id_context(sctx, (const unsigned char *)"other", 5), 1);
    Pair p;
    ASSERT_TRUE(connect_pair(p, cctx, sctx, ss));
    EXPECT_EQ(SSL_session_reused(p.s), 0);
    EXPECT_EQ(SSL_session_reused(p.c), 0);
}

TEST_F(Resume, StatefulTicketsWorkOnce)
{
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    SSL_SESSION *ss = first();
    ASSERT_NE(ss, nullptr);
    EXPECT_EQ(SSL_CTX_sess_number(sctx), 2); // one cache entry per ticket
    {
        Pair p;
        ASSERT_TRUE(connect_pair(p, cctx, sctx, ss));
        EXPECT_EQ(SSL_session_reused(p.s), 1);
    }
    Pair p;
    ASSERT_TRUE(connect_pair(p, cctx, sctx, ss));
    EXPECT_EQ(SSL_session_reused(p.s), 0); // single use (RFC 8446 8.1)
}

int enc_calls, dec_calls, dec_ret = 1;
unsigned char kname[16] = {'k', 'e', 'y', 'n', 'a', 'm', 'e', '-', '-', '-', '-', '-', '-', '-', '-', '1'};
unsigned char kaes[32], khmac[32];
int key_cb(SSL *, unsigned char *name, unsigned char *iv, EVP_CIPHER_CTX *c, EVP_MAC_CTX *h, int enc)
{
    OSSL_PARAM params[3];
    params[0] = OSSL_PARAM_construct_octet_string("key", khmac, 32);
    params[1] = OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0);
    params[2] = OSSL_PARAM_construct_end();
    if (enc) {
        enc_calls++;
        memcpy(name, kname, 16);
        memset(iv, 0x33, 16);
        return EVP_EncryptInit_ex(c, EVP_aes_256_cbc(), nullptr, kaes, iv) && EVP_MAC_CTX_set_params(h, params) ? 1 : -1;
    }
    dec_calls++;
    if (memcmp(name, kname, 16) != 0)
        return 0;
    if (!EVP_DecryptInit_ex(c, EVP_aes_256_cbc(), nullptr, kaes, iv) || !EVP_MAC_CTX_set_params(h, params))
        return -1;
    return dec_ret;
}

TEST_F(Resume, TicketKeyCallbackSealsAndOpens)
{
    memset(kaes, 1, sizeof(kaes));
    memset(khmac, 2, sizeof(khmac));
    enc_calls = dec_calls = 0;
    dec_ret = 1;
    ASSERT_EQ(SSL_CTX_set_tlsext_ticket_key_evp_cb(sctx, key_cb), 1);
    SSL_SESSION *ss = first();
    ASSERT_NE(ss, nullptr);
    EXPECT_EQ(enc_calls, 2);
    const unsigned char *t;
    size_t tl;
    SSL_SESSION_get0_ticket(ss, &t, &tl);
    ASSERT_GT(tl, 16u);
    EXPECT_EQ(memcmp(t, kname, 16), 0);
    Pair p;
    ASSERT_TRUE(connect_pair(p, cctx, sctx, ss));
    EXPECT_EQ(dec_calls, 1);
    EXPECT_EQ(SSL_session_reused(p.s), 1);
    // Unknown to the callback: a full handshake.
    dec_ret = 0;
    Pair q;
    ASSERT_TRUE(connect_pair(q, cctx, sctx, ss));
    EXPECT_EQ(SSL_session_reused(q.s), 0);
}

int gen_calls;
std::vector<std::string> dec_seen;
SSL_TICKET_RETURN dec_answer = SSL_TICKET_RETURN_USE;
int gen_cb(SSL *s, void *arg)
{
    gen_calls++;
    EXPECT_EQ(arg, &gen_calls);
    return SSL_SESSION_set1_ticket_appdata(SSL_get_session(s), "stunnel", 7);
}
SSL_TICKET_RETURN dec_cb(SSL *, SSL_SESSION *ss, const unsigned char *, size_t, SSL_TICKET_STATUS status,
                         void *)
{
    void *data = nullptr;
    size_t len = 0;
    if ((status == SSL_TICKET_SUCCESS || status == SSL_TICKET_SUCCESS_RENEW) &&
        SSL_SESSION_get0_ticket_appdata(ss, &data, &len))
        dec_seen.emplace_back(std::string((const char *)data, len) + " " + std::to_string(status));
    else
        dec_seen.emplace_back("status " + std::to_string(status));
    return dec_answer;
}

// stunnel's use: application data inside the ticket, seen when it comes back.
TEST_F(Resume, TicketAppDataCallbacks)
{
    gen_calls = 0;
    dec_seen.clear();
    dec_answer = SSL_TICKET_RETURN_USE;
    ASSERT_EQ(SSL_CTX_set_session_ticket_cb(sctx, gen_cb, dec_cb, &gen_calls), 1);
    SSL_SESSION *ss = first();
    ASSERT_NE(ss, nullptr);
    EXPECT_EQ(gen_calls, 2);
    {
        Pair p;
        ASSERT_TRUE(connect_pair(p, cctx, sctx, ss));
        EXPECT_EQ(SSL_session_reused(p.s), 1);
        ASSERT_EQ(dec_seen.size(), 1u);
        // A good TLS 1.3 ticket is always one to renew (OpenSSL's status).
        EXPECT_EQ(dec_seen[0], "stunnel " + std::to_string(SSL_TICKET_SUCCESS_RENEW));
        void *data = nullptr;
        size_t len = 0;
        ASSERT_EQ(SSL_SESSION_get0_ticket_appdata(SSL_get_session(p.s), &data, &len), 1);
        EXPECT_EQ(std::string((const char *)data, len), "stunnel");
    }
    dec_answer = SSL_TICKET_RETURN_IGNORE; // the application refuses it
    Pair q;
    ASSERT_TRUE(connect_pair(q, cctx, sctx, ss));
    EXPECT_EQ(SSL_session_reused(q.s), 0);
}

TEST_F(Resume, EarlyDataIsAcceptedOnceAndReadByTheServer)
{
    SSL_CTX_set_max_early_data(sctx, 16384);
    SSL_SESSION *ss = first();
    ASSERT_NE(ss, nullptr);
    EXPECT_EQ(SSL_SESSION_get_max_early_data(ss), 16384u);
    // The replay: a copy of the session made before it is used (OpenSSL's
    // client will not offer the used session object itself again).
    unsigned char der[8192], *w = der;
    int der_len = i2d_SSL_SESSION(ss, &w);
    ASSERT_GT(der_len, 0);
    for (int round = 0; round < 2; round++) {
        SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
        BIO *a, *b;
        ASSERT_EQ(BIO_new_bio_pair(&a, 0, &b, 0), 1);
        SSL_set_bio(c, a, a);
        SSL_set_bio(s, b, b);
        SSL_SESSION *offer = ss;
        if (round == 1) {
            const unsigned char *r = der;
            offer = d2i_SSL_SESSION(nullptr, &r, der_len);
            ASSERT_NE(offer, nullptr);
        }
        ASSERT_EQ(SSL_set_session(c, offer), 1);
        if (offer != ss)
            SSL_SESSION_free(offer);
        size_t n = 0;
        ASSERT_EQ(SSL_write_early_data(c, "early", 5, &n), 1) << ERR_error_string(ERR_peek_error(), nullptr);
        EXPECT_EQ(n, 5u);
        char buf[32];
        std::string early;
        int r;
        for (int i = 0; i < 20; i++) {
            r = SSL_read_early_data(s, buf, sizeof(buf), &n);
            if (r == SSL_READ_EARLY_DATA_SUCCESS)
                early.append(buf, n);
            else if (r == SSL_READ_EARLY_DATA_FINISH)
                break;
            else if (SSL_get_error(s, 0) == SSL_ERROR_WANT_READ)
                (void)SSL_do_handshake(c);
            else
                break;
        }
        EXPECT_EQ(r, SSL_READ_EARLY_DATA_FINISH);
        int rc = 0, rs = 0;
        for (int i = 0; i < 50 && (rc != 1 || rs != 1); i++) {
            if (rc != 1)
                rc = SSL_do_handshake(c);
            if (rs != 1)
                rs = SSL_do_handshake(s);
        }
        ASSERT_EQ(rc, 1);
        ASSERT_EQ(rs, 1);
        if (round == 0) {
            EXPECT_EQ(early, "early");
            EXPECT_EQ(SSL_get_early_data_status(s), SSL_EARLY_DATA_ACCEPTED);
            EXPECT_EQ(SSL_get_early_data_status(c), SSL_EARLY_DATA_ACCEPTED);
            EXPECT_EQ(SSL_session_reused(s), 1);
        } else {
            // The same ticket again: a replay, its early data refused and
            // the connection goes on in 1-RTT. (OpenSSL then also refuses
            // the ticket and makes a full handshake; ShimSSL resumes.)
            EXPECT_EQ(early, "");
            EXPECT_EQ(SSL_get_early_data_status(s), SSL_EARLY_DATA_REJECTED);
            EXPECT_EQ(SSL_get_early_data_status(c), SSL_EARLY_DATA_REJECTED);
        }
        close_and_free(c, s);
    }
}

// A server that enables early data (SSL_CTX_set_max_early_data) but then
// just completes the handshake without SSL_read_early_data refuses it, as
// OpenSSL does: the client learns its 0-RTT data was not taken (and sends
// it again), and the server's SSL_read never returns those replayable bytes.
TEST_F(Resume, EarlyDataRefusedWhenTheServerDoesNotReadIt)
{
    SSL_CTX_set_max_early_data(sctx, 16384);
    SSL_SESSION *ss = first();
    ASSERT_NE(ss, nullptr);
    SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
    BIO *a, *b;
    ASSERT_EQ(BIO_new_bio_pair(&a, 0, &b, 0), 1);
    SSL_set_bio(c, a, a);
    SSL_set_bio(s, b, b);
    SSL_set_accept_state(s);
    ASSERT_EQ(SSL_set_session(c, ss), 1);
    size_t n = 0;
    ASSERT_EQ(SSL_write_early_data(c, "early", 5, &n), 1) << ERR_error_string(ERR_peek_error(), nullptr);
    int rc = 0, rs = 0;
    for (int i = 0; i < 50 && (rc != 1 || rs != 1); i++) {
        if (rs != 1)
            rs = SSL_do_handshake(s);
        if (rc != 1)
            rc = SSL_do_handshake(c);
    }
    ASSERT_EQ(rc, 1) << ERR_error_string(ERR_peek_error(), nullptr);
    ASSERT_EQ(rs, 1) << ERR_error_string(ERR_peek_error(), nullptr);
    EXPECT_EQ(SSL_get_early_data_status(s), SSL_EARLY_DATA_REJECTED);
    EXPECT_EQ(SSL_get_early_data_status(c), SSL_EARLY_DATA_REJECTED);
    EXPECT_EQ(SSL_session_reused(s), 1);
    // 1-RTT data arrives, the 0-RTT bytes never do.
    ASSERT_EQ(SSL_write(c, "late", 4), 4);
    char buf[32];
    int got = 0;
    for (int i = 0; i < 10 && got <= 0; i++)
        got = SSL_read(s, buf, sizeof(buf));
    ASSERT_EQ(got, 4);
    EXPECT_EQ(std::string(buf, 4), "late");
    close_and_free(c, s);
}

// TLS 1.2 between our client and our server: by ticket, then by session id.
TEST_F(Resume, Tls12OurClientResumesByTicketAndById)
{
    SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
    for (int by_id = 0; by_id < 2; by_id++) {
        drop_sessions();
        if (by_id)
            SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
        SSL_SESSION *ss = first();
        ASSERT_NE(ss, nullptr) << by_id;
        EXPECT_EQ(got.size(), 1u); // one session per TLS 1.2 handshake
        EXPECT_EQ(SSL_SESSION_get_protocol_version(ss), TLS1_2_VERSION);
        EXPECT_EQ(SSL_SESSION_has_ticket(ss), by_id ? 0 : 1);
        EXPECT_EQ(SSL_SESSION_get_master_key(ss, nullptr, 0), 48u);
        EXPECT_EQ(SSL_SESSION_is_resumable(ss), 1);
        Pair p;
        ASSERT_TRUE(connect_pair(p, cctx, sctx, ss)) << ERR_error_string(ERR_peek_error(), nullptr);
        EXPECT_EQ(SSL_session_reused(p.c), 1) << by_id;
        EXPECT_EQ(SSL_session_reused(p.s), 1) << by_id;
        EXPECT_NE(SSL_get0_peer_certificate(p.c), nullptr);
        EXPECT_EQ(SSL_get_verify_result(p.c), X509_V_OK);
        // Resumed without a new ticket: still the same session object.
        if (by_id) {
            EXPECT_EQ(SSL_get_session(p.c), ss);
        }
    }
}

TEST_F(Resume, Tls12OurClientResumesWithOpenSslServer)
{
    shimtest::Process server;
    int port = shimtest::start_openssl_server(server, {"-tls1_2", "-rev"});
    ASSERT_NE(port, 0);
    SSL_SESSION *ss = nullptr;
    for (int round = 0; round < 2; round++) {
        int fd = connect_port(port);
        ASSERT_GE(fd, 0);
        SSL *c = SSL_new(cctx);
        SSL_set_fd(c, fd);
        if (ss != nullptr) {
            ASSERT_EQ(SSL_set_session(c, ss), 1);
        }
        ASSERT_EQ(SSL_connect(c), 1) << ERR_error_string(ERR_peek_error(), nullptr);
        EXPECT_EQ(SSL_version(c), TLS1_2_VERSION);
        EXPECT_EQ(SSL_session_reused(c), round);
        if (ss == nullptr) {
            ASSERT_FALSE(got.empty());
            ss = got.back();
        }
        SSL_shutdown(c);
        SSL_free(c);
        close(fd);
    }
    server.stop();
}

// Small transport buffers: SSL_write_early_data reports WANT_WRITE and is
// called again with the same arguments until all of it went out.
TEST_F(Resume, EarlyDataOverABlockingTransport)
{
    SSL_CTX_set_max_early_data(sctx, 16384);
    SSL_SESSION *ss = first();
    ASSERT_NE(ss, nullptr);
    SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
    BIO *a, *b;
    ASSERT_EQ(BIO_new_bio_pair(&a, 256, &b, 256), 1);
    SSL_set_bio(c, a, a);
    SSL_set_bio(s, b, b);
    ASSERT_EQ(SSL_set_session(c, ss), 1);
    std::string msg(3000, 'x');
    for (size_t i = 0; i < msg.size(); i++)
        msg[i] = (char)('a' + i % 26);
    std::string early;
    size_t n = 0;
    int blocked = 0, wrote = 0, r = SSL_READ_EARLY_DATA_ERROR;
    char buf[512];
    for (int i = 0; i < 500 && r != SSL_READ_EARLY_DATA_FINISH; i++) {
        if (!wrote) {
            int w = SSL_write_early_data(c, msg.data(), msg.size(), &n);
            if (w == 1) {
                wrote = 1;
                EXPECT_EQ(n, msg.size());
            } else {
                ASSERT_EQ(SSL_get_error(c, w), SSL_ERROR_WANT_WRITE);
                blocked++;
            }
        } else {
            (void)SSL_do_handshake(c); // EndOfEarlyData and Finished
        }
        r = SSL_read_early_data(s, buf, sizeof(buf), &n);
        if (r == SSL_READ_EARLY_DATA_SUCCESS) {
            early.append(buf, n);
        } else if (r == SSL_READ_EARLY_DATA_ERROR) {
            ASSERT_EQ(SSL_get_error(s, 0), SSL_ERROR_WANT_READ);
        }
    }
    EXPECT_GT(blocked, 0);
    EXPECT_EQ(r, SSL_READ_EARLY_DATA_FINISH);
    EXPECT_EQ(early, msg);
    int rc = 0, rs = 0;
    for (int i = 0; i < 100 && (rc != 1 || rs != 1); i++) {
        if (rc != 1)
            rc = SSL_do_handshake(c);
        else
            (void)SSL_read(c, buf, sizeof(buf)); // takes the tickets the server sends
        if (rs != 1)
            rs = SSL_do_handshake(s);
    }
    EXPECT_EQ(rc, 1) << SSL_get_error(c, rc) << " " << ERR_error_string(ERR_peek_error(), nullptr) << " rs=" << rs;
    EXPECT_EQ(rs, 1) << SSL_get_error(s, rs) << " " << ERR_error_string(ERR_peek_error(), nullptr);
    EXPECT_EQ(SSL_get_early_data_status(s), SSL_EARLY_DATA_ACCEPTED);
    close_and_free(c, s);
}

// --- against the system's OpenSSL -----------------------------------------------


TEST_F(Resume, OurClientResumesWithOpenSslServer)
{
    shimtest::Process server;
    int port = shimtest::start_openssl_server(server, {"-tls1_3", "-rev"});
    ASSERT_NE(port, 0);
    SSL_SESSION *ss = nullptr;
    for (int round = 0; round < 2; round++) {
        int fd = connect_port(port);
        ASSERT_GE(fd, 0);
        SSL *c = SSL_new(cctx);
        SSL_set_fd(c, fd);
        if (ss != nullptr) {
            ASSERT_EQ(SSL_set_session(c, ss), 1);
        }
        ASSERT_EQ(SSL_connect(c), 1) << ERR_error_string(ERR_peek_error(), nullptr);
        ASSERT_EQ(SSL_write(c, "abc\n", 4), 4);
        char buf[16];
        int n = SSL_read(c, buf, sizeof(buf)); // tickets come first
        while (n <= 0 && SSL_get_error(c, n) == SSL_ERROR_WANT_READ)
            n = SSL_read(c, buf, sizeof(buf));
        ASSERT_GT(n, 0);
        EXPECT_EQ(SSL_session_reused(c), round == 1 ? 1 : 0);
        if (round == 1) {
            EXPECT_NE(SSL_get0_peer_certificate(c), nullptr);
        }
        if (ss == nullptr) {
            ASSERT_FALSE(got.empty());
            ss = got.back();
        }
        SSL_shutdown(c);
        SSL_free(c);
        close(fd);
    }
    server.stop();
}

// Our server on a loopback socket, one connection at a time.
void serve(SSL_CTX *sctx, int lfd, int conns)
{
    for (int i = 0; i < conns; i++) {
        int fd = accept(lfd, nullptr, nullptr);
        if (fd < 0)
            return;
        SSL *s = SSL_new(sctx);
        SSL_set_fd(s, fd);
        if (SSL_accept(s) == 1) {
            char buf[64];
            int n = SSL_read(s, buf, sizeof(buf));
            if (n > 0)
                SSL_write(s, buf, n);
            SSL_shutdown(s);
        }
        SSL_free(s);
        close(fd);
    }
}

// The system's `openssl s_client -sess_out` then `-sess_in` against our
// server on a loopback socket; returns both outputs.
std::pair<std::string, std::string> openssl_client_twice(SSL_CTX *sctx, const std::string &version)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(lfd, (sockaddr *)&a, sizeof(a)), 0);
    EXPECT_EQ(listen(lfd, 4), 0);
    socklen_t al = sizeof(a);
    getsockname(lfd, (sockaddr *)&a, &al);
    int port = ntohs(a.sin_port);
    std::thread t(serve, sctx, lfd, 2);
    std::string dir = shimtest::make_temp_dir("resume");
    std::string sess = dir + "/sess.pem";
    std::string addr = "127.0.0.1:" + std::to_string(port);
    shimtest::RunOptions opt;
    opt.stdin_data = "hello\n";
    opt.timeout_ms = 20000;
    shimtest::RunResult r1 = shimtest::run(
        {"openssl", "s_client", "-connect", addr, version, "-sess_out", sess, "-ign_eof"}, opt);
    shimtest::RunResult r2 = shimtest::run(
        {"openssl", "s_client", "-connect", addr, version, "-sess_in", sess, "-ign_eof"}, opt);
    t.join();
    close(lfd);
    return {r1.out + r1.err, r2.out + r2.err};
}

TEST_F(Resume, OpenSslClientResumesWithOurServer)
{
    auto out = openssl_client_twice(sctx, "-tls1_3");
    EXPECT_NE(out.first.find("New, TLSv1.3"), std::string::npos) << out.first;
    EXPECT_NE(out.second.find("Reused, TLSv1.3"), std::string::npos) << out.second;
    EXPECT_EQ(SSL_CTX_sess_hits(sctx), 1);
}

std::vector<SSL_SESSION *> server_new;
int server_keep(SSL *, SSL_SESSION *ss)
{
    server_new.push_back(ss);
    return 1;
}

TEST_F(Resume, Tls12TicketsAndSessionIdsWithOpenSslClient)
{
    server_new.clear();
    SSL_CTX_sess_set_new_cb(sctx, server_keep);
    auto out = openssl_client_twice(sctx, "-tls1_2");
    EXPECT_NE(out.first.find("New, TLSv1.2"), std::string::npos) << out.first;
    EXPECT_NE(out.second.find("Reused, TLSv1.2"), std::string::npos) << out.second;
    EXPECT_EQ(SSL_CTX_sess_hits(sctx), 1);
    // A session that travels in a ticket has no id: nothing for the cache
    // or the new-session callback (as OpenSSL).
    EXPECT_EQ(server_new.size(), 0u);
    EXPECT_EQ(SSL_CTX_sess_number(sctx), 0);
    // Session ids only: the internal cache resumes.
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    out = openssl_client_twice(sctx, "-tls1_2");
    EXPECT_NE(out.second.find("Reused, TLSv1.2"), std::string::npos) << out.second;
    EXPECT_EQ(SSL_CTX_sess_hits(sctx), 2);
    EXPECT_EQ(SSL_CTX_sess_number(sctx), 1);
    ASSERT_EQ(server_new.size(), 1u); // the full handshake's session, once
    EXPECT_EQ(SSL_SESSION_get_protocol_version(server_new[0]), TLS1_2_VERSION);
    EXPECT_EQ(SSL_SESSION_get_master_key(server_new[0], nullptr, 0), 48u);
    for (SSL_SESSION *ss : server_new)
        SSL_SESSION_free(ss);
    server_new.clear();
}

SSL_SESSION *ext_get(SSL *, const unsigned char *id, int len, int *copy)
{
    for (SSL_SESSION *ss : server_new) {
        unsigned int n;
        const unsigned char *p = SSL_SESSION_get_id(ss, &n);
        if ((int)n == len && memcmp(p, id, n) == 0) {
            *copy = 1;
            return ss;
        }
    }
    return nullptr;
}

// nginx's shared cache: no internal store, the callbacks keep sessions.
TEST_F(Resume, Tls12ExternalCacheAsNginx)
{
    server_new.clear();
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL);
    SSL_CTX_sess_set_new_cb(sctx, server_keep);
    SSL_CTX_sess_set_get_cb(sctx, ext_get);
    auto out = openssl_client_twice(sctx, "-tls1_2");
    EXPECT_NE(out.second.find("Reused, TLSv1.2"), std::string::npos) << out.second;
    EXPECT_EQ(SSL_CTX_sess_number(sctx), 0);
    EXPECT_EQ(SSL_CTX_sess_cb_hits(sctx), 1);
    EXPECT_EQ(server_new.size(), 1u);
    for (SSL_SESSION *ss : server_new)
        SSL_SESSION_free(ss);
    server_new.clear();
}

} // namespace
