// The session cache as sslapitest's execute_test_session drives it
// (test_session_with_only_int_cache, _only_ext_cache, _both_cache), minus
// what reads OpenSSL's private fields (SSL_SESSION's owner) and the TLS 1.1
// step: how many times the new- and remove-session callbacks run for the
// client and the server, in TLS 1.3 and TLS 1.2, with the internal cache,
// the application's (external) one, or both; SSL_get_session returning the
// session SSL_set_session gave; SSL_CTX_add/remove_session's results. Built
// against both libraries (label reference): the counts are OpenSSL's.
#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <unistd.h>

#include <cstring>

#include "testlib/ssl_pair.h"
#include "testlib/testlib.h"

namespace
{

int new_called, remove_called, get_called;
SSL_SESSION *get_sess_val;

int new_cb(SSL *, SSL_SESSION *ss)
{
    new_called++;
    SSL_SESSION_free(ss);
    return 1;
}

void remove_cb(SSL_CTX *, SSL_SESSION *)
{
    remove_called++;
}

SSL_SESSION *get_cb(SSL *, const unsigned char *, int, int *copy)
{
    get_called++;
    *copy = 1;
    return get_sess_val;
}

struct Conn {
    SSL *c = nullptr, *s = nullptr;
    ~Conn() { drop(); }
    void drop()
    {
        SSL_free(c);
        SSL_free(s);
        c = s = nullptr;
    }
    bool open(SSL_CTX *cctx, SSL_CTX *sctx, SSL_SESSION *resume = nullptr)
    {
        drop();
        c = SSL_new(cctx);
        s = SSL_new(sctx);
        BIO *a = nullptr, *b = nullptr;
        if (c == nullptr || s == nullptr || BIO_new_bio_pair(&a, 0, &b, 0) != 1)
            return false;
        SSL_set_bio(c, a, a);
        SSL_set_bio(s, b, b);
        SSL_set_connect_state(c);
        SSL_set_accept_state(s);
        return resume == nullptr || SSL_set_session(c, resume) == 1;
    }
    // A handshake, then a read on each side as sslapitest's
    // create_ssl_connection does (the client takes the tickets).
    bool connect()
    {
        int rc = 0, rs = 0;
        for (int i = 0; i < 64 && (rc != 1 || rs != 1); i++) {
            if (rc != 1)
                rc = SSL_do_handshake(c);
            if (rs != 1)
                rs = SSL_do_handshake(s);
            if ((rc <= 0 && SSL_get_error(c, rc) != SSL_ERROR_WANT_READ) ||
                (rs <= 0 && SSL_get_error(s, rs) != SSL_ERROR_WANT_READ))
                return false;
        }
        if (rc != 1 || rs != 1)
            return false;
        unsigned char buf;
        size_t n;
        for (int i = 0; i < 3; i++) {
            if (SSL_read_ex(c, &buf, 1, &n) || SSL_get_error(c, 0) != SSL_ERROR_WANT_READ)
                return false;
            if (SSL_read_ex(s, &buf, 1, &n) || SSL_get_error(s, 0) != SSL_ERROR_WANT_READ)
                return false;
        }
        return true;
    }
    void shutdown()
    {
        (void)SSL_shutdown(c);
        (void)SSL_shutdown(s);
    }
};

struct Case {
    int maxprot;
    bool int_cache, ext_cache;
};

class SessionCacheCounts : public ::testing::TestWithParam<Case>
{
  protected:
    void SetUp() override
    {
        alarm(60);
        new_called = remove_called = get_called = 0;
        get_sess_val = nullptr;
        sctx = SSL_CTX_new(TLS_server_method());
        cctx = SSL_CTX_new(TLS_client_method());
        ASSERT_EQ(SSL_CTX_use_certificate_chain_file(sctx, shimtest::cert("server.pem").c_str()), 1);
        ASSERT_EQ(SSL_CTX_use_PrivateKey_file(sctx, shimtest::cert("server.key").c_str(),
                                              SSL_FILETYPE_PEM),
                  1);
    }
    void TearDown() override
    {
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
        ERR_clear_error();
        alarm(0);
    }
    SSL_CTX *sctx = nullptr, *cctx = nullptr;
};

TEST_P(SessionCacheCounts, AsOpenSsl)
{
    const Case k = GetParam();
    const bool tls13 = k.maxprot == TLS1_3_VERSION;
    const int numnewsesstick = tls13 ? 2 : 1;
    SSL_CTX_set_min_proto_version(cctx, k.maxprot);
    SSL_CTX_set_max_proto_version(cctx, k.maxprot);
    if (k.ext_cache) {
        SSL_CTX_sess_set_new_cb(cctx, new_cb);
        SSL_CTX_sess_set_remove_cb(cctx, remove_cb);
    }
    SSL_CTX_set_session_cache_mode(cctx, k.int_cache ? SSL_SESS_CACHE_CLIENT
                                                     : SSL_SESS_CACHE_CLIENT |
                                                           SSL_SESS_CACHE_NO_INTERNAL_STORE);

    Conn one, two;
    ASSERT_TRUE(one.open(cctx, sctx));
    ASSERT_TRUE(one.connect());
    SSL_SESSION *sess1 = SSL_get1_session(one.c);
    ASSERT_NE(sess1, nullptr);
    if (k.int_cache) {
        EXPECT_EQ(SSL_CTX_add_session(cctx, sess1), 0); // already there
    }
    if (k.ext_cache) {
        EXPECT_EQ(new_called, numnewsesstick);
        EXPECT_EQ(remove_called, 0);
    }

    new_called = remove_called = 0;
    ASSERT_TRUE(two.open(cctx, sctx, sess1));
    ASSERT_TRUE(two.connect());
    EXPECT_EQ(SSL_session_reused(two.c), 1);
    if (k.ext_cache) {
        // TLS 1.3: a new session, and the ticket used leaves the cache.
        EXPECT_EQ(new_called, tls13 ? 1 : 0);
        EXPECT_EQ(remove_called, tls13 ? 1 : 0);
    }
    SSL_SESSION_free(sess1);
    sess1 = SSL_get1_session(two.c);
    ASSERT_NE(sess1, nullptr);
    two.shutdown();
    two.drop();

    new_called = remove_called = 0;
    ASSERT_TRUE(two.open(cctx, sctx));
    ASSERT_TRUE(two.connect());
    SSL_SESSION *sess2 = SSL_get1_session(two.c);
    ASSERT_NE(sess2, nullptr);
    if (k.ext_cache) {
        EXPECT_EQ(new_called, numnewsesstick);
        EXPECT_EQ(remove_called, 0);
    }

    // Replacing the session of a connection not shut down: a bad session,
    // out of the cache (SSL_set_session(3)).
    new_called = remove_called = 0;
    ASSERT_EQ(SSL_set_session(two.c, sess1), 1);
    if (k.ext_cache) {
        EXPECT_EQ(new_called, 0);
        EXPECT_EQ(remove_called, 1);
    }
    EXPECT_EQ(SSL_get_session(two.c), sess1);
    if (k.int_cache) {
        EXPECT_EQ(SSL_CTX_add_session(cctx, sess2), 1);
        EXPECT_EQ(SSL_CTX_remove_session(cctx, sess2), 1);
    }
    new_called = remove_called = 0;
    EXPECT_EQ(SSL_CTX_remove_session(cctx, sess2), 0); // not in the cache
    if (k.ext_cache) {
        EXPECT_EQ(new_called, 0);
        EXPECT_EQ(remove_called, 1);
    }

    // The server side.
    if (k.ext_cache) {
        SSL_CTX_sess_set_new_cb(cctx, nullptr);
        SSL_CTX_sess_set_remove_cb(cctx, nullptr);
        SSL_CTX_sess_set_new_cb(sctx, new_cb);
        SSL_CTX_sess_set_remove_cb(sctx, remove_cb);
        SSL_CTX_sess_set_get_cb(sctx, get_cb);
    }
    SSL_CTX_set_session_cache_mode(cctx, 0);
    if (!k.int_cache)
        SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    one.drop();
    two.drop();
    SSL_SESSION_free(sess1);
    SSL_SESSION_free(sess2);
    if (!tls13)
        SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);

    new_called = remove_called = get_called = 0;
    ASSERT_TRUE(one.open(cctx, sctx));
    ASSERT_TRUE(one.connect());
    sess1 = SSL_get1_session(one.c);
    sess2 = SSL_get1_session(one.s);
    ASSERT_NE(sess1, nullptr);
    ASSERT_NE(sess2, nullptr);
    if (k.int_cache) {
        if (tls13 && !k.ext_cache) {
            // Stateless TLS 1.3 tickets: nothing in the server's cache...
            EXPECT_EQ(SSL_CTX_remove_session(sctx, sess2), 0);
        } else {
            // ...except to give the remove callback its events.
            EXPECT_EQ(SSL_CTX_add_session(sctx, sess2), 0);
        }
    }
    if (k.ext_cache) {
        SSL_SESSION *tmp = sess2;
        EXPECT_EQ(new_called, numnewsesstick);
        EXPECT_EQ(remove_called, 0);
        EXPECT_EQ(get_called, 0);
        // Out of the internal cache, so that the get callback is asked.
        if (k.int_cache && !tls13) {
            tmp = SSL_SESSION_dup(sess2);
            ASSERT_NE(tmp, nullptr);
            EXPECT_EQ(SSL_CTX_remove_session(sctx, sess2), 1);
            SSL_SESSION_free(sess2);
        }
        sess2 = tmp;
    }
    new_called = remove_called = get_called = 0;
    get_sess_val = sess2;
    ASSERT_TRUE(two.open(cctx, sctx, sess1));
    ASSERT_TRUE(two.connect());
    EXPECT_EQ(SSL_session_reused(two.c), 1);
    if (k.ext_cache) {
        EXPECT_EQ(remove_called, 0);
        EXPECT_EQ(new_called, tls13 ? 1 : 0);
        EXPECT_EQ(get_called, tls13 ? 0 : 1);
    }
    one.drop();
    two.drop();
    SSL_SESSION_free(sess1);
    SSL_SESSION_free(sess2);
}

// SSL_CTX_sessions: the cache as an LHASH of sessions keyed by id (Apache
// counts it, others look sessions up in it).
TEST(SessionCacheTable, SessionsIsTheCache)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    ASSERT_NE(ctx, nullptr);
    OPENSSL_LHASH *lh = (OPENSSL_LHASH *)SSL_CTX_sessions(ctx);
    ASSERT_NE(lh, nullptr);
    EXPECT_EQ(OPENSSL_LH_num_items(lh), 0u);
    SSL_SESSION *ss[3];
    for (int i = 0; i < 3; i++) {
        unsigned char id[32];
        memset(id, i + 1, sizeof(id));
        ss[i] = SSL_SESSION_new();
        ASSERT_EQ(SSL_SESSION_set1_id(ss[i], id, sizeof(id)), 1);
        ASSERT_EQ(SSL_CTX_add_session(ctx, ss[i]), 1);
    }
    lh = (OPENSSL_LHASH *)SSL_CTX_sessions(ctx);
    EXPECT_EQ(OPENSSL_LH_num_items(lh), 3u);
    unsigned char id2[32];
    memset(id2, 2, sizeof(id2));
    SSL_SESSION *key = SSL_SESSION_new();
    ASSERT_EQ(SSL_SESSION_set1_id(key, id2, sizeof(id2)), 1);
    EXPECT_EQ(OPENSSL_LH_retrieve(lh, key), ss[1]);
    EXPECT_EQ(SSL_CTX_remove_session(ctx, ss[1]), 1);
    EXPECT_EQ(OPENSSL_LH_num_items(lh), 2u);
    EXPECT_EQ(OPENSSL_LH_retrieve(lh, key), nullptr);
    SSL_SESSION_free(key);
    for (SSL_SESSION *s : ss)
        SSL_SESSION_free(s);
    SSL_CTX_free(ctx);
}

INSTANTIATE_TEST_SUITE_P(Caches, SessionCacheCounts,
                         ::testing::Values(Case{TLS1_3_VERSION, true, false},
                                           Case{TLS1_2_VERSION, true, false},
                                           Case{TLS1_3_VERSION, false, true},
                                           Case{TLS1_2_VERSION, false, true},
                                           Case{TLS1_3_VERSION, true, true},
                                           Case{TLS1_2_VERSION, true, true}),
                         [](const ::testing::TestParamInfo<Case> &i) {
                             return std::string(i.param.maxprot == TLS1_3_VERSION ? "Tls13" : "Tls12") +
                                    (i.param.int_cache ? "Int" : "") + (i.param.ext_cache ? "Ext" : "");
                         });

} // namespace
