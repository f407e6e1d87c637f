// The session machinery of compat/ as an application and the engine see it:
// the SSL_CTX session cache (add/remove/flush, eviction, counters, the
// new/get/remove callbacks), server lookups by session id, ticket keys and
// the ticket format (sealing, opening, forgery, key callbacks, rotation),
// what a client offers for resumption, 0-RTT anti-replay, and the DER/PEM
// form as the system's `openssl sess_id` reads it.
//
// The engine's session hooks (tls_config.ticket_seal / ticket_open /
// session_get / early_data_ok) are plain functions: they are called here
// directly, with the SSL as their argument, as core calls them.
#define OPENSSL_SUPPRESS_DEPRECATED // the HMAC_CTX ticket key callback is deprecated API
#include <gtest/gtest.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <unistd.h>

#include <cstring>
#include <fstream>
#include <thread>
#include <string>
#include <vector>

#include "testlib/ssl_pair.h"
#include "testlib/testlib.h"

extern "C" {
#include "compat/compat.h"
#include "compat/init.h"
#include "compat/sess.h"
}

namespace
{

const SSL_CIPHER *suite(SSL *s, uint16_t id)
{
    unsigned char b[2] = {(unsigned char)(id >> 8), (unsigned char)id};
    return SSL_CIPHER_find(s, b);
}

SSL_SESSION *make_session(SSL *s, unsigned char idbyte, uint16_t version = TLS1_3_VERSION)
{
    SSL_SESSION *ss = SSL_SESSION_new();
    unsigned char id[32], key[32];
    memset(id, idbyte, sizeof(id));
    memset(key, idbyte ^ 0x5a, sizeof(key));
    EXPECT_EQ(SSL_SESSION_set1_id(ss, id, sizeof(id)), 1);
    EXPECT_EQ(SSL_SESSION_set1_master_key(ss, key, sizeof(key)), 1);
    EXPECT_EQ(SSL_SESSION_set_protocol_version(ss, version), 1);
    EXPECT_EQ(SSL_SESSION_set_cipher(ss, suite(s, version == TLS1_3_VERSION ? 0x1301 : 0xC02F)), 1);
    return ss;
}

tls_session_state make_state(uint8_t fill, uint16_t version = TLS_V13)
{
    tls_session_state st;
    memset(&st, 0, sizeof(st));
    st.version = version;
    st.suite = version == TLS_V13 ? 0x1301 : 0xC02F;
    memset(st.secret, fill, 32);
    st.secret_len = version == TLS_V13 ? 32 : 48;
    st.time = (uint64_t)time(nullptr);
    st.lifetime = 7200;
    st.age_add = 0x01020304u * fill;
    st.max_early_data = 16384;
    memcpy(st.alpn, "h2", 2);
    st.alpn_len = 2;
    if (version == TLS_V12) {
        memset(st.session_id, fill, 32);
        st.session_id_len = 32;
        st.ems = 1;
    }
    return st;
}

std::vector<SSL_SESSION *> removed;
void on_remove(SSL_CTX *, SSL_SESSION *ss)
{
    removed.push_back(ss);
}

std::vector<SSL_SESSION *> added;
int on_new_keep(SSL *, SSL_SESSION *ss)
{
    added.push_back(ss);
    return 1; // the reference is ours now
}

class SessCache : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        ASSERT_EQ(OPENSSL_init_ssl(0, nullptr), 1);
        ctx = SSL_CTX_new(TLS_server_method());
        ASSERT_NE(ctx, nullptr);
        ssl = SSL_new(ctx);
        ASSERT_NE(ssl, nullptr);
        removed.clear();
        added.clear();
    }
    void TearDown() override
    {
        SSL_free(ssl);
        SSL_CTX_free(ctx);
        for (SSL_SESSION *ss : added)
            SSL_SESSION_free(ss);
        added.clear();
        ERR_clear_error();
    }
    SSL_CTX *ctx = nullptr;
    SSL *ssl = nullptr;
};

TEST_F(SessCache, AddRemoveFlushAndTheRemoveCallback)
{
    SSL_CTX_sess_set_remove_cb(ctx, on_remove);
    SSL_SESSION *a = make_session(ssl, 1), *b = make_session(ssl, 2);
    EXPECT_EQ(SSL_CTX_sess_number(ctx), 0);
    EXPECT_EQ(SSL_CTX_add_session(ctx, a), 1);
    EXPECT_EQ(SSL_CTX_add_session(ctx, a), 0); // already there
    EXPECT_EQ(SSL_CTX_add_session(ctx, b), 1);
    EXPECT_EQ(SSL_CTX_sess_number(ctx), 2);
    unsigned char id1[32];
    memset(id1, 1, sizeof(id1));
    EXPECT_EQ(SSL_has_matching_session_id(ssl, id1, sizeof(id1)), 1);

    EXPECT_EQ(SSL_CTX_remove_session(ctx, a), 1);
    EXPECT_EQ(SSL_CTX_remove_session(ctx, a), 0);
    // OpenSSL's remove callback hears of it again, cached or not.
    ASSERT_EQ(removed.size(), 2u);
    EXPECT_EQ(removed[0], a);
    EXPECT_EQ(removed[1], a);
    EXPECT_EQ(SSL_SESSION_is_resumable(a), 0); // removed sessions are never offered again
    EXPECT_EQ(SSL_has_matching_session_id(ssl, id1, sizeof(id1)), 0);

    // Flushing at a time before b expires keeps it; after, removes it.
    SSL_CTX_flush_sessions(ctx, (long)time(nullptr));
    EXPECT_EQ(SSL_CTX_sess_number(ctx), 1);
    SSL_CTX_flush_sessions(ctx, (long)time(nullptr) + SSL_SESSION_get_timeout(b) + 10);
    EXPECT_EQ(SSL_CTX_sess_number(ctx), 0);
    ASSERT_EQ(removed.size(), 3u);
    EXPECT_EQ(removed[2], b);
    SSL_SESSION_free(a);
    SSL_SESSION_free(b);
}

TEST_F(SessCache, FullCacheDropsTheLeastRecentlyUsed)
{
    SSL_CTX_sess_set_remove_cb(ctx, on_remove);
    EXPECT_EQ(SSL_CTX_sess_set_cache_size(ctx, 2), SSL_SESSION_CACHE_MAX_SIZE_DEFAULT);
    EXPECT_EQ(SSL_CTX_sess_get_cache_size(ctx), 2);
    SSL_SESSION *s1 = make_session(ssl, 1), *s2 = make_session(ssl, 2), *s3 = make_session(ssl, 3);
    ASSERT_EQ(SSL_CTX_add_session(ctx, s1), 1);
    ASSERT_EQ(SSL_CTX_add_session(ctx, s2), 1);
    // A lookup makes s1 the most recently used: s2 goes when s3 comes.
    unsigned char id1[32];
    memset(id1, 1, sizeof(id1));
    SSL_SESSION *found = shimssl_cache_get(ssl, id1, sizeof(id1));
    ASSERT_EQ(found, s1);
    SSL_SESSION_free(found);
    ASSERT_EQ(SSL_CTX_add_session(ctx, s3), 1);
    EXPECT_EQ(SSL_CTX_sess_number(ctx), 2);
    EXPECT_EQ(SSL_CTX_sess_cache_full(ctx), 1);
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_EQ(removed[0], s2);
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_SESSION_free(s3);
}

TEST_F(SessCache, FreeingTheContextRemovesEverySession)
{
    SSL_CTX *c2 = SSL_CTX_new(TLS_server_method());
    SSL_CTX_sess_set_remove_cb(c2, on_remove);
    SSL_SESSION *a = make_session(ssl, 7);
    ASSERT_EQ(SSL_CTX_add_session(c2, a), 1);
    SSL_CTX_free(c2);
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_EQ(removed[0], a);
    SSL_SESSION_free(a);
}

TEST_F(SessCache, ServerLookupBySessionId)
{
    const unsigned char sid[] = "app";
    ASSERT_EQ(SSL_set_session_id_context(ssl, sid, 3), 1);
    SSL_SESSION *a = make_session(ssl, 4, TLS1_2_VERSION);
    ASSERT_EQ(SSL_SESSION_set1_id_context(a, sid, 3), 1);
    ASSERT_EQ(SSL_CTX_add_session(ctx, a), 1);

    unsigned char id[32];
    memset(id, 4, sizeof(id));
    tls_session_state st;
    EXPECT_EQ(shimssl_cache_session_get(ssl, nullptr, id, sizeof(id), &st), 0);
    EXPECT_EQ(st.version, TLS_V12);
    EXPECT_EQ(st.suite, 0xC02F);
    unsigned char key[32];
    memset(key, 4 ^ 0x5a, sizeof(key));
    ASSERT_EQ(st.secret_len, 32u);
    EXPECT_EQ(memcmp(st.secret, key, 32), 0);

    // Unknown id: a miss.
    memset(id, 9, sizeof(id));
    EXPECT_EQ(shimssl_cache_session_get(ssl, nullptr, id, sizeof(id), &st), 1);
    EXPECT_EQ(SSL_CTX_sess_misses(ctx), 1);

    // Another session id context: found, not resumed.
    ASSERT_EQ(SSL_set_session_id_context(ssl, (const unsigned char *)"other", 5), 1);
    memset(id, 4, sizeof(id));
    EXPECT_EQ(shimssl_cache_session_get(ssl, nullptr, id, sizeof(id), &st), 1);

    // Expired: counted as a timeout and dropped from the cache.
    ASSERT_EQ(SSL_set_session_id_context(ssl, sid, 3), 1);
    SSL_SESSION_set_time(a, (long)time(nullptr) - 1000);
    SSL_SESSION_set_timeout(a, 10);
    EXPECT_EQ(shimssl_cache_session_get(ssl, nullptr, id, sizeof(id), &st), 1);
    EXPECT_EQ(SSL_CTX_sess_timeouts(ctx), 1);
    EXPECT_EQ(SSL_CTX_sess_number(ctx), 0);
    SSL_SESSION_free(a);
}

TEST_F(SessCache, VerifyingServerWithoutIdContextRefusesToResume)
{
    SSL_SESSION *a = make_session(ssl, 5, TLS1_2_VERSION);
    ASSERT_EQ(SSL_CTX_add_session(ctx, a), 1);
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    unsigned char id[32];
    memset(id, 5, sizeof(id));
    tls_session_state st;
    int rc = shimssl_cache_session_get(ssl, nullptr, id, sizeof(id), &st);
    ASSERT_LT(rc, 0);
    EXPECT_EQ(TLS_ERR_REASON(rc), SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED);
    SSL_SESSION_free(a);
}

SSL_SESSION *external;
int get_calls;
int get_copy_flag = 1;
std::vector<unsigned char> get_id;
SSL_SESSION *get_cb(SSL *, const unsigned char *id, int len, int *copy)
{
    get_calls++;
    get_id.assign(id, id + len);
    *copy = get_copy_flag;
    return external;
}

TEST_F(SessCache, ExternalCacheCallbackAndItsCopyFlag)
{
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL_LOOKUP);
    SSL_CTX_sess_set_get_cb(ctx, get_cb);
    EXPECT_EQ(SSL_CTX_sess_get_get_cb(ctx), get_cb);
    external = make_session(ssl, 6, TLS1_2_VERSION);
    get_calls = 0;
    get_copy_flag = 0; // the library takes our reference
    unsigned char id[32];
    memset(id, 6, sizeof(id));
    tls_session_state st;
    EXPECT_EQ(shimssl_cache_session_get(ssl, nullptr, id, sizeof(id), &st), 0);
    EXPECT_EQ(get_calls, 1);
    EXPECT_EQ(get_id, std::vector<unsigned char>(id, id + 32));
    EXPECT_EQ(SSL_CTX_sess_cb_hits(ctx), 1);
    // Stored internally (not NO_INTERNAL_STORE), but never looked up there.
    EXPECT_EQ(SSL_CTX_sess_number(ctx), 1);
    SSL_SESSION_up_ref(external); // for the second call, copy = 1 keeps ours
    get_copy_flag = 1;
    EXPECT_EQ(shimssl_cache_session_get(ssl, nullptr, id, sizeof(id), &st), 0);
    EXPECT_EQ(get_calls, 2);
    SSL_SESSION_free(external); // ours; the cache's and the SSL's stay balanced
    external = nullptr;
}

TEST_F(SessCache, NewSessionCallbackFollowsTheCacheMode)
{
    SSL_CTX_sess_set_new_cb(ctx, on_new_keep);
    SSL_SESSION *a = make_session(ssl, 8);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
    shimssl_cache_new_session(ssl, a, SSL_SESS_CACHE_SERVER, 1);
    EXPECT_TRUE(added.empty());
    EXPECT_EQ(SSL_CTX_sess_number(ctx), 0);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    shimssl_cache_new_session(ssl, a, SSL_SESS_CACHE_SERVER, 1);
    ASSERT_EQ(added.size(), 1u);
    EXPECT_EQ(added[0], a);
    EXPECT_EQ(SSL_CTX_sess_number(ctx), 0);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    shimssl_cache_new_session(ssl, a, SSL_SESS_CACHE_SERVER, 1);
    EXPECT_EQ(added.size(), 2u);
    EXPECT_EQ(SSL_CTX_sess_number(ctx), 1);
    SSL_SESSION_free(a);
}

// Several threads share one SSL_CTX's cache (python and threaded servers do).
TEST_F(SessCache, CacheIsSafeAcrossThreads)
{
    SSL_CTX_sess_set_cache_size(ctx, 64); // evictions under contention too
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; t++) {
        threads.emplace_back([this, t] {
            SSL *s = SSL_new(ctx);
            for (int i = 0; i < 500; i++) {
                SSL_SESSION *ss = make_session(s, (unsigned char)(t * 50 + i % 50));
                SSL_CTX_add_session(ctx, ss);
                unsigned int len;
                const unsigned char *id = SSL_SESSION_get_id(ss, &len);
                SSL_SESSION *f = shimssl_cache_get(s, id, len);
                SSL_SESSION_free(f);
                if (i % 3 == 0)
                    SSL_CTX_remove_session(ctx, ss);
                SSL_SESSION_free(ss);
            }
            SSL_free(s);
        });
    }
    for (auto &th : threads)
        th.join();
    long n = SSL_CTX_sess_number(ctx);
    EXPECT_GE(n, 0);
    EXPECT_LE(n, 64);
    SSL_CTX_flush_sessions(ctx, 0);
    EXPECT_EQ(SSL_CTX_sess_number(ctx), 0);
}

// --- tickets ----------------------------------------------------------------------

struct Ticket {
    std::vector<uint8_t> b;
};

Ticket seal(SSL *s, const tls_session_state &st, int expect = 0)
{
    Ticket t;
    t.b.resize(65535);
    size_t len = 0;
    EXPECT_EQ(shimssl_ticket_seal(s, nullptr, &st, t.b.data(), t.b.size(), &len), expect);
    t.b.resize(expect == 0 ? len : 0);
    return t;
}

int open_ticket(SSL *s, const Ticket &t, tls_session_state *st)
{
    return shimssl_ticket_open(s, nullptr, t.b.data(), t.b.size(), st);
}

TEST_F(SessCache, TicketRoundTripCarriesTheSession)
{
    SSL_CTX_sess_set_new_cb(ctx, on_new_keep);
    tls_session_state st = make_state(0x11);
    Ticket t = seal(ssl, st);
    // name(16) iv(16) at least one block, HMAC-SHA256(32)
    ASSERT_GE(t.b.size(), 16u + 16 + 16 + 32);
    EXPECT_EQ((t.b.size() - 64) % 16, 0u);
    // TLS 1.3: each ticket is a session handed to the new-session callback.
    ASSERT_EQ(added.size(), 1u);
    EXPECT_EQ(SSL_SESSION_get_protocol_version(added[0]), TLS1_3_VERSION);
    EXPECT_EQ(SSL_SESSION_get_max_early_data(added[0]), 16384u);

    SSL *s2 = SSL_new(ctx);
    tls_session_state out;
    // 2: resumed, and (as OpenSSL does for every TLS 1.3 ticket its own
    // keys open) new tickets follow.
    ASSERT_EQ(open_ticket(s2, t, &out), 2);
    EXPECT_EQ(out.version, TLS_V13);
    EXPECT_EQ(out.suite, 0x1301);
    ASSERT_EQ(out.secret_len, 32u);
    EXPECT_EQ(memcmp(out.secret, st.secret, 32), 0);
    EXPECT_EQ(out.age_add, st.age_add);
    EXPECT_EQ(out.lifetime, 7200u);
    EXPECT_EQ(out.max_early_data, 16384u);
    ASSERT_EQ(out.alpn_len, 2u);
    EXPECT_EQ(memcmp(out.alpn, "h2", 2), 0);
    SSL_free(s2);

    // TLS 1.2 keeps its session id, EMS flag and master secret.
    tls_session_state st12 = make_state(0x22, TLS_V12);
    Ticket t12 = seal(ssl, st12);
    EXPECT_EQ(added.size(), 1u); // TLS 1.2: the handshake's end reports it
    ASSERT_EQ(open_ticket(ssl, t12, &out), 0);
    EXPECT_EQ(out.version, TLS_V12);
    EXPECT_EQ(out.ems, 1);
    EXPECT_EQ(out.secret_len, 48u);
    EXPECT_EQ(memcmp(out.secret, st12.secret, 48), 0);
    EXPECT_EQ(out.session_id_len, 32u);
}

TEST_F(SessCache, ForgedOrDamagedTicketsAreNotResumed)
{
    tls_session_state st = make_state(0x33), out;
    Ticket t = seal(ssl, st);
    ASSERT_FALSE(t.b.empty());
    // Flip one bit in each part: key name, IV, ciphertext, MAC.
    for (size_t pos : {size_t(0), size_t(20), size_t(40), t.b.size() - 1}) {
        Ticket bad = t;
        bad.b[pos] ^= 0x01;
        EXPECT_EQ(open_ticket(ssl, bad, &out), 1) << pos;
    }
    // Truncated, extended, empty, random.
    for (size_t n : {size_t(0), size_t(1), size_t(16), size_t(63), t.b.size() - 1}) {
        Ticket bad = t;
        bad.b.resize(n);
        EXPECT_EQ(open_ticket(ssl, bad, &out), 1) << n;
    }
    Ticket longer = t;
    longer.b.push_back(0);
    EXPECT_EQ(open_ticket(ssl, longer, &out), 1);
    Ticket rnd = t;
    RAND_bytes(rnd.b.data(), (int)rnd.b.size());
    EXPECT_EQ(open_ticket(ssl, rnd, &out), 1);
    EXPECT_EQ(ERR_peek_error(), 0u); // a bad ticket is not an error
}

TEST_F(SessCache, TicketKeysBelongToTheContextAndCanBeShared)
{
    SSL_CTX *c2 = SSL_CTX_new(TLS_server_method());
    SSL *s2 = SSL_new(c2);
    tls_session_state st = make_state(0x44), out;
    Ticket t = seal(ssl, st);
    EXPECT_EQ(open_ticket(s2, t, &out), 1); // another SSL_CTX, other keys

    unsigned char keys[80], back[80];
    EXPECT_EQ(SSL_CTX_get_tlsext_ticket_keys(ctx, keys, sizeof(keys)), 1);
    EXPECT_EQ(SSL_CTX_set_tlsext_ticket_keys(c2, keys, sizeof(keys)), 1);
    EXPECT_EQ(SSL_CTX_get_tlsext_ticket_keys(c2, back, sizeof(back)), 1);
    EXPECT_EQ(memcmp(keys, back, 80), 0);
    EXPECT_EQ(open_ticket(s2, t, &out), 2);
    // 80 bytes exactly.
    EXPECT_EQ(SSL_CTX_set_tlsext_ticket_keys(c2, keys, 48), 0);
    EXPECT_EQ(ERR_GET_REASON(ERR_get_error()), SSL_R_INVALID_TICKET_KEYS_LENGTH);
    SSL_free(s2);
    SSL_CTX_free(c2);
}

TEST_F(SessCache, TicketFromAnotherIdContextOrExpiredIsNotResumed)
{
    ASSERT_EQ(SSL_set_session_id_context(ssl, (const unsigned char *)"A", 1), 1);
    tls_session_state st = make_state(0x55), out;
    Ticket t = seal(ssl, st);
    SSL *s2 = SSL_new(ctx);
    ASSERT_EQ(SSL_set_session_id_context(s2, (const unsigned char *)"B", 1), 1);
    EXPECT_EQ(open_ticket(s2, t, &out), 1);
    ASSERT_EQ(SSL_set_session_id_context(s2, (const unsigned char *)"A", 1), 1);
    EXPECT_EQ(open_ticket(s2, t, &out), 2);

    tls_session_state old = make_state(0x56);
    old.time = (uint64_t)time(nullptr) - 10000;
    old.lifetime = 100;
    Ticket t2 = seal(ssl, old);
    EXPECT_EQ(open_ticket(s2, t2, &out), 1);
    SSL_free(s2);
}

// The automatic key is the context's for its life, as OpenSSL's: however
// old it is (its creation time moved back, as SSL_SESSION_set_time places a
// session in the past), it seals and opens, and nothing asks for renewal.
TEST_F(SessCache, TicketKeyIsKeptForTheContextsLife)
{
    const long period = 1000;
    SSL_CTX_set_timeout(ctx, period);
    tls_session_state st = make_state(0x66);
    Ticket a = seal(ssl, st);
    ctx->api_sess->key.created -= 10 * period;
    Ticket b = seal(ssl, st);
    EXPECT_EQ(memcmp(a.b.data(), b.b.data(), 16), 0); // same key name
    int renew = -1;
    SSL_SESSION *ss = shimssl_ticket_decode(ctx, ssl, a.b.data(), a.b.size(), &renew);
    ASSERT_NE(ss, nullptr);
    EXPECT_EQ(renew, 0);
    SSL_SESSION_free(ss);
}

int evp_calls[2];
int evp_ret_enc = 1, evp_ret_dec = 1;
unsigned char evp_name[16] = {'n', 'g', 'i', 'n', 'x', '-', 'k', 'e', 'y', '-', '0', '0', '0', '0', '0', '1'};
unsigned char evp_aes[32], evp_hmac[32];

int evp_cb(SSL *, unsigned char *name, unsigned char *iv, EVP_CIPHER_CTX *c, EVP_MAC_CTX *h, int enc)
{
    OSSL_PARAM params[3];
    params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, evp_hmac, 32);
    params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    params[2] = OSSL_PARAM_construct_end();
    evp_calls[enc]++;
    if (enc) {
        if (evp_ret_enc <= 0)
            return evp_ret_enc;
        memcpy(name, evp_name, 16);
        if (RAND_bytes(iv, 16) <= 0 || !EVP_EncryptInit_ex(c, EVP_aes_128_cbc(), nullptr, evp_aes, iv) ||
            !EVP_MAC_CTX_set_params(h, params))
            return -1;
        return 1;
    }
    if (memcmp(name, evp_name, 16) != 0)
        return 0;
    if (evp_ret_dec <= 0)
        return evp_ret_dec;
    if (!EVP_DecryptInit_ex(c, EVP_aes_128_cbc(), nullptr, evp_aes, iv) || !EVP_MAC_CTX_set_params(h, params))
        return -1;
    return evp_ret_dec;
}

TEST_F(SessCache, EvpTicketKeyCallbackAsNginxUsesIt)
{
    memset(evp_aes, 0xA5, sizeof(evp_aes));
    memset(evp_hmac, 0x5A, sizeof(evp_hmac));
    evp_calls[0] = evp_calls[1] = 0;
    evp_ret_enc = evp_ret_dec = 1;
    ASSERT_EQ(SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, evp_cb), 1);
    tls_session_state st = make_state(0x77), out;
    Ticket t = seal(ssl, st);
    EXPECT_EQ(evp_calls[1], 1);
    ASSERT_GT(t.b.size(), 64u);
    EXPECT_EQ(memcmp(t.b.data(), evp_name, 16), 0); // the callback's key name leads
    ASSERT_EQ(open_ticket(ssl, t, &out), 0);
    EXPECT_EQ(evp_calls[0], 1);
    EXPECT_EQ(memcmp(out.secret, st.secret, 32), 0);
    evp_ret_dec = 2; // valid, but renew
    EXPECT_EQ(open_ticket(ssl, t, &out), 2);
    evp_ret_dec = 0; // unknown key: full handshake
    EXPECT_EQ(open_ticket(ssl, t, &out), 1);
    evp_ret_dec = 1;
    Ticket bad = t;
    bad.b[bad.b.size() - 5] ^= 0x80;
    EXPECT_EQ(open_ticket(ssl, bad, &out), 1);
    evp_ret_enc = 0; // the callback declines: no ticket is issued
    seal(ssl, st, 1);
    evp_ret_enc = 1;
}

int hmac_calls;
int hmac_cb(SSL *, unsigned char *name, unsigned char *iv, EVP_CIPHER_CTX *c, HMAC_CTX *h, int enc)
{
    hmac_calls++;
    if (enc) {
        memcpy(name, evp_name, 16);
        if (RAND_bytes(iv, 16) <= 0)
            return -1;
        EVP_EncryptInit_ex(c, EVP_aes_256_cbc(), nullptr, evp_aes, iv);
    } else {
        if (memcmp(name, evp_name, 16) != 0)
            return 0;
        EVP_DecryptInit_ex(c, EVP_aes_256_cbc(), nullptr, evp_aes, iv);
    }
    HMAC_Init_ex(h, evp_hmac, 32, EVP_sha256(), nullptr);
    return 1;
}

TEST_F(SessCache, DeprecatedHmacTicketKeyCallback)
{
    hmac_calls = 0;
    ASSERT_EQ(SSL_CTX_set_tlsext_ticket_key_cb(ctx, hmac_cb), 1);
    tls_session_state st = make_state(0x78), out;
    Ticket t = seal(ssl, st);
    ASSERT_FALSE(t.b.empty());
    ASSERT_EQ(open_ticket(ssl, t, &out), 0);
    EXPECT_EQ(hmac_calls, 2);
    EXPECT_EQ(out.age_add, st.age_add);
}

SSL_TICKET_STATUS last_status = -1;
SSL_TICKET_RETURN dec_answer;
SSL_TICKET_RETURN status_cb(SSL *, SSL_SESSION *, const unsigned char *name, size_t name_len,
                            SSL_TICKET_STATUS status, void *)
{
    last_status = status;
    EXPECT_EQ(name_len, 16u);
    (void)name;
    return dec_answer;
}

TEST_F(SessCache, TicketDecryptCallbackSeesEveryTicket)
{
    ASSERT_EQ(SSL_CTX_set_session_ticket_cb(ctx, nullptr, status_cb, nullptr), 1);
    tls_session_state st = make_state(0x7a), out;
    Ticket t = seal(ssl, st);
    dec_answer = SSL_TICKET_RETURN_USE;
    EXPECT_EQ(open_ticket(ssl, t, &out), 0);
    // TLS 1.3: a good ticket is always one to renew (as OpenSSL reports it).
    EXPECT_EQ(last_status, SSL_TICKET_SUCCESS_RENEW);
    dec_answer = SSL_TICKET_RETURN_USE_RENEW;
    EXPECT_EQ(open_ticket(ssl, t, &out), 2);
    Ticket bad = t;
    bad.b[30] ^= 1;
    dec_answer = SSL_TICKET_RETURN_IGNORE_RENEW;
    EXPECT_EQ(open_ticket(ssl, bad, &out), 1);
    EXPECT_EQ(last_status, SSL_TICKET_NO_DECRYPT);
    // "Use" a ticket that did not open, or abort: the handshake fails.
    dec_answer = SSL_TICKET_RETURN_USE;
    int rc = open_ticket(ssl, bad, &out);
    EXPECT_LT(rc, 0);
    EXPECT_EQ(TLS_ERR_REASON(rc), SSL_R_CALLBACK_FAILED);
    dec_answer = SSL_TICKET_RETURN_ABORT;
    EXPECT_LT(open_ticket(ssl, t, &out), 0);
}

TEST_F(SessCache, StatefulTls13TicketsWithNoTicketOption)
{
    SSL_set_options(ssl, SSL_OP_NO_TICKET);
    tls_session_state st = make_state(0x79);
    Ticket t = seal(ssl, st);
    ASSERT_EQ(t.b.size(), 32u); // the ticket is a cache key
    EXPECT_EQ(SSL_CTX_sess_number(ctx), 1);
    EXPECT_EQ(SSL_has_matching_session_id(ssl, t.b.data(), 32), 1);
}

// --- 0-RTT --------------------------------------------------------------------------

int allow_calls;
void *allow_arg;
int allow_ret = 1;
int allow_cb(SSL *, void *arg)
{
    allow_calls++;
    allow_arg = arg;
    return allow_ret;
}

TEST_F(SessCache, EarlyDataIsTakenOncePerTicket)
{
    tls_session_state a = make_state(0x81), b = make_state(0x82);
    // Off unless the server set max_early_data.
    EXPECT_EQ(shimssl_early_data_ok(ssl, nullptr, &a), 0);
    ASSERT_EQ(SSL_set_max_early_data(ssl, 16384), 1);
    EXPECT_EQ(SSL_get_max_early_data(ssl), 16384u);
    // ...and only while the server reads it (SSL_read_early_data).
    EXPECT_EQ(shimssl_early_data_ok(ssl, nullptr, &a), 0);
    shimssl_sess(ssl)->early_state = SHIMSSL_EARLY_READING;
    EXPECT_EQ(shimssl_early_data_ok(ssl, nullptr, &a), 1);
    EXPECT_EQ(shimssl_early_data_ok(ssl, nullptr, &a), 0); // replayed
    EXPECT_EQ(shimssl_early_data_ok(ssl, nullptr, &b), 1);
    SSL *s2 = SSL_new(ctx); // the memory belongs to the SSL_CTX
    SSL_set_max_early_data(s2, 16384);
    shimssl_sess(s2)->early_state = SHIMSSL_EARLY_READING;
    EXPECT_EQ(shimssl_early_data_ok(s2, nullptr, &b), 0);
    // SSL_OP_NO_ANTI_REPLAY: the application takes responsibility.
    SSL_set_options(s2, SSL_OP_NO_ANTI_REPLAY);
    EXPECT_EQ(shimssl_early_data_ok(s2, nullptr, &b), 1);
    EXPECT_EQ(shimssl_early_data_ok(s2, nullptr, &b), 1);
    SSL_free(s2);
    // The application's callback decides first.
    int tag;
    SSL_set_allow_early_data_cb(ssl, allow_cb, &tag);
    allow_ret = 0;
    allow_calls = 0;
    tls_session_state c = make_state(0x83);
    EXPECT_EQ(shimssl_early_data_ok(ssl, nullptr, &c), 0);
    EXPECT_EQ(allow_calls, 1);
    EXPECT_EQ(allow_arg, &tag);
    allow_ret = 1;
    EXPECT_EQ(shimssl_early_data_ok(ssl, nullptr, &c), 1);
}

TEST_F(SessCache, EarlyDataCallsOutsideTheirPlace)
{
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    SSL *c = SSL_new(cctx);
    size_t n = 99;
    // No session allowing early data.
    EXPECT_EQ(SSL_write_early_data(c, "x", 1, &n), 0);
    EXPECT_EQ(n, 0u);
    EXPECT_EQ(ERR_GET_REASON(ERR_get_error()), ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED);
    // A client cannot read early data, a server cannot write it.
    char buf[8];
    EXPECT_EQ(SSL_read_early_data(c, buf, sizeof(buf), &n), SSL_READ_EARLY_DATA_ERROR);
    ERR_clear_error();
    EXPECT_EQ(SSL_write_early_data(ssl, "x", 1, &n), 0);
    EXPECT_EQ(SSL_get_early_data_status(c), SSL_EARLY_DATA_NOT_SENT);
    EXPECT_EQ(SSL_CTX_get_recv_max_early_data(cctx), 16384u);
    SSL_free(c);
    SSL_CTX_free(cctx);
}

// --- what a client offers -------------------------------------------------------------

class ClientOffer : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        ctx = SSL_CTX_new(TLS_client_method());
        ssl = SSL_new(ctx);
        BIO *r = BIO_new(BIO_s_mem()), *w = BIO_new(BIO_s_mem());
        BIO_set_mem_eof_return(r, -1);
        SSL_set_bio(ssl, r, w);
    }
    void TearDown() override
    {
        SSL_free(ssl);
        SSL_CTX_free(ctx);
        ERR_clear_error();
    }
    // Start the handshake (it stops waiting for the server).
    void start()
    {
        EXPECT_EQ(SSL_connect(ssl), -1);
        EXPECT_EQ(SSL_get_error(ssl, -1), SSL_ERROR_WANT_READ);
    }
    SSL_CTX *ctx = nullptr;
    SSL *ssl = nullptr;
};

TEST_F(ClientOffer, ResumableSessionIsOfferedWithItsTicket)
{
    SSL_SESSION *ss = make_session(ssl, 1);
    const unsigned char tick[] = {1, 2, 3, 4, 5, 6, 7, 8};
    // d2i is the way to give a session a ticket from outside.
    SSL_SESSION_set_max_early_data(ss, 0);
    unsigned char *der = nullptr;
    ASSERT_GT(i2d_SSL_SESSION(ss, &der), 0);
    OPENSSL_free(der);
    SSL_SESSION_free(ss);
    tls_session_state st = make_state(0x12);
    ss = shimssl_session_from_state(ssl, &st, tick, sizeof(tick));
    ASSERT_NE(ss, nullptr);
    EXPECT_EQ(SSL_SESSION_has_ticket(ss), 1);
    EXPECT_EQ(SSL_SESSION_get_ticket_lifetime_hint(ss), 7200u);
    unsigned int idlen;
    SSL_SESSION_get_id(ss, &idlen);
    EXPECT_EQ(idlen, 32u); // SHA-256 of the ticket, as OpenSSL
    ASSERT_EQ(SSL_set_session(ssl, ss), 1);
    start();
    ASSERT_NE(ssl->cfg.resume, nullptr);
    EXPECT_EQ(ssl->cfg.resume->version, TLS_V13);
    EXPECT_EQ(memcmp(ssl->cfg.resume->secret, st.secret, 32), 0);
    ASSERT_EQ(ssl->cfg.resume_ticket_len, sizeof(tick));
    EXPECT_EQ(memcmp(ssl->cfg.resume_ticket, tick, sizeof(tick)), 0);
    EXPECT_EQ(SSL_get_session(ssl), ss);
    SSL_SESSION_free(ss);
}

TEST_F(ClientOffer, UnsuitableSessionsAreNotOffered)
{
    const unsigned char tick[] = {9, 9, 9, 9};
    tls_session_state st = make_state(0x13);
    SSL_SESSION *ss = shimssl_session_from_state(ssl, &st, tick, sizeof(tick));
    SSL_SESSION_set_time(ss, (long)time(nullptr) - 100000); // expired
    ASSERT_EQ(SSL_set_session(ssl, ss), 1);
    start();
    EXPECT_EQ(ssl->cfg.resume, nullptr);
    SSL_SESSION_free(ss);

    // A TLS 1.3 session on a connection limited to TLS 1.2.
    SSL *s2 = SSL_new(ctx);
    SSL_set_max_proto_version(s2, TLS1_2_VERSION);
    SSL_set_bio(s2, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
    ss = shimssl_session_from_state(s2, &st, tick, sizeof(tick));
    ASSERT_EQ(SSL_set_session(s2, ss), 1);
    EXPECT_EQ(SSL_connect(s2), -1);
    EXPECT_EQ(s2->cfg.resume, nullptr);
    SSL_SESSION_free(ss);
    SSL_free(s2);
}

// --- counters through real handshakes ----------------------------------------------

// Our client against our server in memory: drive both until done.
bool pump(SSL *c, SSL *srv)
{
    int rc = 0, rs = 0;
    for (int i = 0; i < 200 && (rc != 1 || rs != 1); i++) {
        if (rc != 1)
            rc = SSL_do_handshake(c);
        if (rs != 1)
            rs = SSL_do_handshake(srv);
        if ((rc <= 0 && SSL_get_error(c, rc) != SSL_ERROR_WANT_READ) ||
            (rs <= 0 && SSL_get_error(srv, rs) != SSL_ERROR_WANT_READ))
            return false;
    }
    return rc == 1 && rs == 1;
}

TEST(SessCounters, HandshakesAreCountedOnBothSides)
{
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    ASSERT_EQ(SSL_CTX_use_certificate_chain_file(sctx, shimtest::cert("server.pem").c_str()), 1);
    ASSERT_EQ(SSL_CTX_use_PrivateKey_file(sctx, shimtest::cert("server.key").c_str(), SSL_FILETYPE_PEM), 1);
    for (int round = 0; round < 2; round++) {
        SSL *c = SSL_new(cctx), *srv = SSL_new(sctx);
        ASSERT_TRUE(shimtest::connect_pair(c, srv));
        ASSERT_TRUE(pump(c, srv)) << ERR_error_string(ERR_peek_error(), nullptr);
        // Both sides see the same session facts.
        SSL_SESSION *cs = SSL_get_session(c), *ss = SSL_get_session(srv);
        ASSERT_NE(cs, nullptr);
        ASSERT_NE(ss, nullptr);
        EXPECT_EQ(SSL_SESSION_get0_cipher(cs), SSL_SESSION_get0_cipher(ss));
        EXPECT_NE(SSL_SESSION_get0_peer(cs), nullptr); // the server's certificate
        SSL_free(c);
        SSL_free(srv);
    }
    EXPECT_EQ(SSL_CTX_sess_connect(cctx), 2);
    EXPECT_EQ(SSL_CTX_sess_connect_good(cctx), 2);
    EXPECT_EQ(SSL_CTX_sess_accept(cctx), 0);
    EXPECT_EQ(SSL_CTX_sess_accept(sctx), 2);
    EXPECT_EQ(SSL_CTX_sess_accept_good(sctx), 2);
    EXPECT_EQ(SSL_CTX_sess_connect_renegotiate(cctx), 0);
    EXPECT_EQ(SSL_CTX_sess_accept_renegotiate(sctx), 0);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

// --- encodings ----------------------------------------------------------------------

TEST_F(SessCache, DerRoundTripKeepsWhatResumptionNeeds)
{
    tls_session_state st = make_state(0x21, TLS_V12);
    const unsigned char tick[] = {0xAA, 0xBB, 0xCC};
    ASSERT_EQ(SSL_set_session_id_context(ssl, (const unsigned char *)"ctx", 3), 1);
    SSL_SESSION *ss = shimssl_session_from_state(ssl, &st, tick, sizeof(tick));
    ASSERT_NE(ss, nullptr);
    ASSERT_EQ(SSL_SESSION_set1_hostname(ss, "example.org"), 1);
    BIO *b = BIO_new_file(shimtest::cert("server.pem").c_str(), "r");
    X509 *peer = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
    BIO_free(b);
    ASSERT_NE(peer, nullptr);
    ss->peer = peer;
    SSL_SESSION_set_timeout(ss, 300);

    unsigned char *der = nullptr;
    int len = i2d_SSL_SESSION(ss, &der);
    ASSERT_GT(len, 0);
    const unsigned char *p = der;
    SSL_SESSION *back = d2i_SSL_SESSION(nullptr, &p, len);
    OPENSSL_free(der);
    ASSERT_NE(back, nullptr);
    tls_session_state a, c;
    ASSERT_EQ(shimssl_session_to_state(ss, &a), 1);
    ASSERT_EQ(shimssl_session_to_state(back, &c), 1);
    EXPECT_EQ(memcmp(&a, &c, sizeof(a)), 0);
    EXPECT_STREQ(SSL_SESSION_get0_hostname(back), "example.org");
    EXPECT_EQ(X509_cmp(SSL_SESSION_get0_peer(back), peer), 0);
    unsigned int n;
    const unsigned char *sid = SSL_SESSION_get0_id_context(back, &n);
    ASSERT_EQ(n, 3u);
    EXPECT_EQ(memcmp(sid, "ctx", 3), 0);
    const unsigned char *t;
    size_t tl;
    SSL_SESSION_get0_ticket(back, &t, &tl);
    ASSERT_EQ(tl, sizeof(tick));
    EXPECT_EQ(memcmp(t, tick, tl), 0);
    EXPECT_EQ(SSL_SESSION_get_timeout(back), 300);
    EXPECT_EQ(SSL_SESSION_get_time(back), SSL_SESSION_get_time(ss));
    SSL_SESSION_free(back);

    // The system's `openssl sess_id` (OpenSSL's own decoder) reads ours.
    std::string dir = shimtest::make_temp_dir("sess");
    std::string file = dir + "/s.pem";
    BIO *out = BIO_new_file(file.c_str(), "w");
    ASSERT_EQ(PEM_write_bio_SSL_SESSION(out, ss), 1);
    BIO_free(out);
    shimtest::RunResult r = shimtest::run({"openssl", "sess_id", "-in", file, "-noout", "-text"});
    EXPECT_EQ(r.exit_code, 0) << shimtest::describe({"openssl", "sess_id"}, r);
    EXPECT_NE(r.out.find("Protocol  : TLSv1.2"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("ECDHE-RSA-AES128-GCM-SHA256"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Session-ID-ctx: 637478"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Extended master secret: yes"), std::string::npos) << r.out;
    SSL_SESSION_free(ss);
}

} // namespace
