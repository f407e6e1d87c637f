// The record size controls of the libssl API (SSL_CTX_set_split_send_fragment(3),
// SSL_CTX_set_record_padding_callback(3)), ShimSSL on both ends in memory:
//   - the setters' checks, return values and ERR entries as OpenSSL 3.0's;
//   - SSL_CTX_set_tlsext_max_fragment_length on a client: both ends report
//     the length through SSL_SESSION_get_max_fragment_length, every record
//     (seen through the message callback's record headers) is within it,
//     100 KB arrive intact; the session keeps it through i2d/d2i, dup and
//     resumption (TLS 1.2 and 1.3);
//   - SSL_set_max_send_fragment limits handshake records too;
//   - TLS 1.3 padding: SSL_CTX_set_block_padding and the padding callback
//     (its type, length and argument).
#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <functional>
#include <string>
#include <vector>

#include "testlib/testlib.h"

namespace
{

int last_reason()
{
    unsigned long e = ERR_peek_last_error();
    return e != 0 && ERR_GET_LIB(e) == ERR_LIB_SSL ? ERR_GET_REASON(e) : 0;
}

TEST(RecordSizeApi, SettersCheckAsOpenSSL)
{
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    ASSERT_NE(nullptr, ctx);
    for (uint8_t m = 0; m <= 4; m++)
        EXPECT_EQ(1, SSL_CTX_set_tlsext_max_fragment_length(ctx, m));
    EXPECT_EQ(0, ERR_peek_error());
    EXPECT_EQ(0, SSL_CTX_set_tlsext_max_fragment_length(ctx, 5));
    EXPECT_EQ(SSL_R_SSL3_EXT_INVALID_MAX_FRAGMENT_LENGTH, last_reason());
    ERR_clear_error();

    EXPECT_EQ(0, SSL_CTX_set_max_send_fragment(ctx, 511));
    EXPECT_EQ(0, SSL_CTX_set_max_send_fragment(ctx, 16385));
    EXPECT_EQ(1, SSL_CTX_set_max_send_fragment(ctx, 512));
    EXPECT_EQ(1, SSL_CTX_set_split_send_fragment(ctx, 100));
    EXPECT_EQ(1, SSL_CTX_set_split_send_fragment(ctx, 512));
    EXPECT_EQ(0, SSL_CTX_set_split_send_fragment(ctx, 513));
    EXPECT_EQ(0, SSL_CTX_set_split_send_fragment(ctx, 0));
    EXPECT_EQ(0, SSL_CTX_set_max_pipelines(ctx, 0));
    EXPECT_EQ(0, SSL_CTX_set_max_pipelines(ctx, 33));
    EXPECT_EQ(1, SSL_CTX_set_max_pipelines(ctx, 32));
    EXPECT_EQ(0, SSL_CTX_get_read_ahead(ctx));

    EXPECT_EQ(1, SSL_CTX_set_block_padding(ctx, 0));
    EXPECT_EQ(1, SSL_CTX_set_block_padding(ctx, 1));
    EXPECT_EQ(1, SSL_CTX_set_block_padding(ctx, 16384));
    EXPECT_EQ(0, SSL_CTX_set_block_padding(ctx, 16385));
    SSL_CTX_set_default_read_buffer_len(ctx, 100000);

    SSL *s = SSL_new(ctx);
    ASSERT_NE(nullptr, s);
    // A CTX with several pipelines keeps its own read_ahead (0) but turns it
    // on for the SSLs it makes, and so does setting them on an SSL (as
    // OpenSSL 3.0's SSL_new and SSL_ctrl).
    EXPECT_EQ(1, SSL_get_read_ahead(s));
    SSL_set_read_ahead(s, 0);
    EXPECT_EQ(1, SSL_set_max_pipelines(s, 4));
    EXPECT_EQ(1, SSL_get_read_ahead(s));
    EXPECT_EQ(1, SSL_CTX_set_max_pipelines(ctx, 1));
    SSL *s1 = SSL_new(ctx);
    EXPECT_EQ(0, SSL_get_read_ahead(s1));
    SSL_free(s1);
    EXPECT_EQ(0, SSL_set_tlsext_max_fragment_length(s, 255));
    EXPECT_EQ(SSL_R_SSL3_EXT_INVALID_MAX_FRAGMENT_LENGTH, last_reason());
    ERR_clear_error();
    EXPECT_EQ(0, SSL_set_block_padding(s, 16385));
    EXPECT_EQ(0, ERR_peek_error());
    EXPECT_EQ(1, SSL_set_split_send_fragment(s, 512));
    SSL_set_default_read_buffer_len(s, 100);

    int tag = 0;
    SSL_CTX_set_record_padding_callback_arg(ctx, &tag);
    EXPECT_EQ(&tag, SSL_CTX_get_record_padding_callback_arg(ctx));
    SSL_set_record_padding_callback_arg(s, &tag);
    EXPECT_EQ(&tag, SSL_get_record_padding_callback_arg(s));
    EXPECT_EQ(1, SSL_set_record_padding_callback(s, nullptr));

    SSL_SESSION *ss = SSL_SESSION_new();
    EXPECT_EQ(TLSEXT_max_fragment_length_DISABLED, SSL_SESSION_get_max_fragment_length(ss));
    SSL_SESSION_free(ss);
    SSL_free(s);
    SSL_CTX_free(ctx);
}

// Record headers seen by the message callback (content type 256).
struct Trace {
    std::vector<std::pair<int, size_t>> sent; // (type, length)
};

void on_msg(int write_p, int, int content_type, const void *buf, size_t len, SSL *,
            void *arg)
{
    if (content_type != SSL3_RT_HEADER || len != 5 || !write_p)
        return;
    const unsigned char *p = (const unsigned char *)buf;
    ((Trace *)arg)->sent.push_back({p[0], (size_t)(p[3] << 8 | p[4])});
}

// Two ShimSSL ends joined by a BIO pair.
struct Pair {
    SSL_CTX *cctx, *sctx;
    SSL *c = nullptr, *s = nullptr;
    Trace ct, st;

    explicit Pair(int version)
    {
        cctx = SSL_CTX_new(TLS_client_method());
        sctx = SSL_CTX_new(TLS_server_method());
        for (SSL_CTX *x : {cctx, sctx}) {
            SSL_CTX_set_min_proto_version(x, version);
            SSL_CTX_set_max_proto_version(x, version);
        }
        SSL_CTX_set_cipher_list(cctx, "ECDHE-ECDSA-AES128-GCM-SHA256");
        SSL_CTX_use_certificate_file(sctx, shimtest::cert("server-ec.pem").c_str(),
                                     SSL_FILETYPE_PEM);
        SSL_CTX_use_PrivateKey_file(sctx, shimtest::cert("server-ec.key").c_str(),
                                    SSL_FILETYPE_PEM);
        SSL_CTX_set_session_id_context(sctx, (const unsigned char *)"t", 1);
        SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT);
    }
    ~Pair()
    {
        SSL_free(c);
        SSL_free(s);
        SSL_CTX_free(cctx);
        SSL_CTX_free(sctx);
    }
    void start()
    {
        // A connection freed without close_notify leaves a bad session
        // (SSL_free(3)): close the previous one properly.
        if (c != nullptr)
            (void)SSL_shutdown(c);
        if (s != nullptr)
            (void)SSL_shutdown(s);
        SSL_free(c);
        SSL_free(s);
        ct = st = Trace();
        c = SSL_new(cctx);
        s = SSL_new(sctx);
        BIO *b1, *b2;
        BIO_new_bio_pair(&b1, 1 << 18, &b2, 1 << 18);
        SSL_set_bio(c, b1, b1);
        SSL_set_bio(s, b2, b2);
        SSL_set_connect_state(c);
        SSL_set_accept_state(s);
        SSL_set_msg_callback(c, on_msg);
        SSL_set_msg_callback_arg(c, &ct);
        SSL_set_msg_callback(s, on_msg);
        SSL_set_msg_callback_arg(s, &st);
    }
    bool handshake()
    {
        for (int i = 0; i < 50; i++) {
            int a = SSL_do_handshake(c), b = SSL_do_handshake(s);
            if (a == 1 && b == 1)
                return true;
            if ((a <= 0 && SSL_get_error(c, a) != SSL_ERROR_WANT_READ) ||
                (b <= 0 && SSL_get_error(s, b) != SSL_ERROR_WANT_READ))
                return false;
        }
        return false;
    }
    // Send data from one end to the other, reading as it goes.
    std::string transfer(SSL *from, SSL *to, const std::string &data)
    {
        std::string got;
        size_t off = 0;
        char buf[20000];
        for (int i = 0; i < 100000 && got.size() < data.size(); i++) {
            size_t n = 0;
            if (off < data.size() &&
                SSL_write_ex(from, data.data() + off, std::min<size_t>(data.size() - off, 8192), &n))
                off += n;
            while (SSL_read_ex(to, buf, sizeof(buf), &n))
                got.append(buf, n);
        }
        return got;
    }
};

std::string pattern(size_t n)
{
    std::string s(n, 0);
    for (size_t i = 0; i < n; i++)
        s[i] = (char)(i * 17 + (i >> 9));
    return s;
}

size_t ovh(int version)
{
    return version == TLS1_3_VERSION ? 17 : 24;
}

class Versions : public ::testing::TestWithParam<int>
{
};

TEST_P(Versions, ClientModeNegotiatedAndReportedBothEnds)
{
    int v = GetParam();
    Pair p(v);
    ASSERT_EQ(1, SSL_CTX_set_tlsext_max_fragment_length(p.cctx, TLSEXT_max_fragment_length_1024));
    // A server's own setting does not matter: it accepts the client's.
    ASSERT_EQ(1, SSL_CTX_set_tlsext_max_fragment_length(p.sctx, TLSEXT_max_fragment_length_4096));
    p.start();
    ASSERT_TRUE(p.handshake());
    EXPECT_EQ(v, SSL_version(p.c));
    EXPECT_EQ(TLSEXT_max_fragment_length_1024,
              SSL_SESSION_get_max_fragment_length(SSL_get_session(p.c)));
    EXPECT_EQ(TLSEXT_max_fragment_length_1024,
              SSL_SESSION_get_max_fragment_length(SSL_get_session(p.s)));
    std::string d = pattern(100000);
    EXPECT_EQ(d, p.transfer(p.c, p.s, d));
    EXPECT_EQ(d, p.transfer(p.s, p.c, d));
    for (Trace *t : {&p.ct, &p.st}) {
        size_t full = 0;
        for (auto &r : t->sent) {
            EXPECT_LE(r.second, 1024 + ovh(v));
            full += r.first == 23 && r.second == 1024 + ovh(v);
        }
        EXPECT_GE(full, 97u);
    }

    // The session keeps it: DER round trip, dup, and resumption.
    SSL_SESSION *sess = SSL_get1_session(p.c);
    ASSERT_NE(nullptr, sess);
    unsigned char *der = nullptr;
    int len = i2d_SSL_SESSION(sess, &der);
    ASSERT_GT(len, 0);
    const unsigned char *q = der;
    SSL_SESSION *back = d2i_SSL_SESSION(nullptr, &q, len);
    ASSERT_NE(nullptr, back);
    EXPECT_EQ(TLSEXT_max_fragment_length_1024, SSL_SESSION_get_max_fragment_length(back));
    SSL_SESSION *dup = SSL_SESSION_dup(sess);
    EXPECT_EQ(TLSEXT_max_fragment_length_1024, SSL_SESSION_get_max_fragment_length(dup));
    SSL_SESSION_free(back);
    SSL_SESSION_free(dup);
    OPENSSL_free(der);

    p.start();
    ASSERT_EQ(1, SSL_set_session(p.c, sess));
    ASSERT_TRUE(p.handshake());
    EXPECT_EQ(1, SSL_session_reused(p.c));
    EXPECT_EQ(1, SSL_session_reused(p.s));
    EXPECT_EQ(TLSEXT_max_fragment_length_1024,
              SSL_SESSION_get_max_fragment_length(SSL_get_session(p.c)));
    EXPECT_EQ(TLSEXT_max_fragment_length_1024,
              SSL_SESSION_get_max_fragment_length(SSL_get_session(p.s)));
    std::string e = pattern(5000);
    EXPECT_EQ(e, p.transfer(p.s, p.c, e));
    for (auto &r : p.st.sent)
        EXPECT_LE(r.second, 1024 + ovh(v));
    SSL_SESSION_free(sess);
}

TEST_P(Versions, NoModeNoLength)
{
    Pair p(GetParam());
    p.start();
    ASSERT_TRUE(p.handshake());
    EXPECT_EQ(TLSEXT_max_fragment_length_DISABLED,
              SSL_SESSION_get_max_fragment_length(SSL_get_session(p.c)));
    EXPECT_EQ(TLSEXT_max_fragment_length_DISABLED,
              SSL_SESSION_get_max_fragment_length(SSL_get_session(p.s)));
}

// max_send_fragment binds the handshake too: the server's certificate
// flight goes out in records of at most 600 bytes.
TEST_P(Versions, MaxSendFragmentLimitsHandshakeRecords)
{
    int v = GetParam();
    Pair p(v);
    ASSERT_EQ(1, SSL_CTX_set_max_send_fragment(p.sctx, 600));
    p.start();
    ASSERT_TRUE(p.handshake());
    std::string d = pattern(20000);
    EXPECT_EQ(d, p.transfer(p.s, p.c, d));
    size_t hs = 0;
    for (auto &r : p.st.sent) {
        EXPECT_LE(r.second, 600 + ovh(v));
        hs += r.first == 22 || (v == TLS1_3_VERSION && r.first == 23 && r.second < 600 + ovh(v));
    }
    EXPECT_GE(hs, 2u);
    // Changed on the live connection, it applies to the next writes.
    ASSERT_EQ(1, SSL_set_max_send_fragment(p.s, 512));
    p.st = Trace();
    EXPECT_EQ(d, p.transfer(p.s, p.c, d));
    for (auto &r : p.st.sent)
        EXPECT_LE(r.second, 512 + ovh(v));
}

INSTANTIATE_TEST_SUITE_P(Both, Versions, ::testing::Values(TLS1_3_VERSION, TLS1_2_VERSION),
                         [](const ::testing::TestParamInfo<int> &i) {
                             return std::string(i.param == TLS1_3_VERSION ? "Tls13" : "Tls12");
                         });

TEST(RecordPaddingApi, BlockPaddingRoundsTls13Records)
{
    Pair p(TLS1_3_VERSION);
    ASSERT_EQ(1, SSL_CTX_set_block_padding(p.sctx, 256));
    p.start();
    ASSERT_TRUE(p.handshake());
    std::string d = pattern(3000);
    EXPECT_EQ(d, p.transfer(p.s, p.c, d));
    size_t n = 0;
    for (auto &r : p.st.sent) {
        if (r.first != 23)
            continue;
        n++;
        EXPECT_EQ(0u, (r.second - 16) % 256) << r.second;
    }
    EXPECT_GE(n, 3u); // the encrypted flight, the ticket(s), the data
    // Turned off on the live connection (1 = no padding).
    ASSERT_EQ(1, SSL_set_block_padding(p.s, 1));
    p.st = Trace();
    std::string e = pattern(1000);
    EXPECT_EQ(e, p.transfer(p.s, p.c, e));
    ASSERT_EQ(1u, p.st.sent.size());
    EXPECT_EQ(1000u + 17, p.st.sent[0].second);
}

struct PadSeen {
    std::vector<std::pair<int, size_t>> calls;
};

size_t pad_cb(SSL *, int type, size_t len, void *arg)
{
    ((PadSeen *)arg)->calls.push_back({type, len});
    return 10;
}

// The callback is asked per record (type, inner length with the type
// byte) and wins over block padding; TLS 1.2 records are never padded.
TEST(RecordPaddingApi, CallbackDecidesPerRecord)
{
    PadSeen seen;
    Pair p(TLS1_3_VERSION);
    SSL_CTX_set_block_padding(p.cctx, 512);
    SSL_CTX_set_record_padding_callback(p.cctx, pad_cb);
    SSL_CTX_set_record_padding_callback_arg(p.cctx, &seen);
    p.start();
    ASSERT_TRUE(p.handshake());
    seen.calls.clear();
    p.ct = Trace();
    std::string d = pattern(777);
    EXPECT_EQ(d, p.transfer(p.c, p.s, d));
    ASSERT_EQ(1u, seen.calls.size());
    EXPECT_EQ(SSL3_RT_APPLICATION_DATA, seen.calls[0].first);
    EXPECT_EQ(778u, seen.calls[0].second);
    ASSERT_EQ(1u, p.ct.sent.size());
    EXPECT_EQ(777u + 1 + 10 + 16, p.ct.sent[0].second);

    PadSeen seen12;
    Pair q(TLS1_2_VERSION);
    SSL_CTX_set_record_padding_callback(q.cctx, pad_cb);
    SSL_CTX_set_record_padding_callback_arg(q.cctx, &seen12);
    q.start();
    ASSERT_TRUE(q.handshake());
    EXPECT_EQ(d, q.transfer(q.c, q.s, d));
    EXPECT_TRUE(seen12.calls.empty());
}

// --- hostile peers, as the application sees them ---------------------------------

// Two ShimSSL ends on memory BIOs, every flight passing through a tamper
// function, for the errors an application gets (SSL_get_error, ERR).
struct Tampered {
    SSL_CTX *cctx, *sctx;
    SSL *c, *s;
    BIO *c_in, *c_out, *s_in, *s_out;
    std::function<void(std::string &)> to_server, to_client;

    explicit Tampered(int version)
    {
        cctx = SSL_CTX_new(TLS_client_method());
        sctx = SSL_CTX_new(TLS_server_method());
        for (SSL_CTX *x : {cctx, sctx}) {
            SSL_CTX_set_min_proto_version(x, version);
            SSL_CTX_set_max_proto_version(x, version);
        }
        SSL_CTX_use_certificate_file(sctx, shimtest::cert("server-ec.pem").c_str(),
                                     SSL_FILETYPE_PEM);
        SSL_CTX_use_PrivateKey_file(sctx, shimtest::cert("server-ec.key").c_str(),
                                    SSL_FILETYPE_PEM);
        c = SSL_new(cctx);
        s = SSL_new(sctx);
        c_in = BIO_new(BIO_s_mem());
        c_out = BIO_new(BIO_s_mem());
        s_in = BIO_new(BIO_s_mem());
        s_out = BIO_new(BIO_s_mem());
        SSL_set_bio(c, c_in, c_out);
        SSL_set_bio(s, s_in, s_out);
        SSL_set_connect_state(c);
        SSL_set_accept_state(s);
    }
    ~Tampered()
    {
        SSL_free(c);
        SSL_free(s);
        SSL_CTX_free(cctx);
        SSL_CTX_free(sctx);
    }
    static std::string drain(BIO *b)
    {
        std::string out;
        char buf[4096];
        int n;
        while ((n = BIO_read(b, buf, sizeof(buf))) > 0)
            out.append(buf, (size_t)n);
        return out;
    }
    // Run both handshakes; the first failure's SSL_get_error and reason.
    struct Result {
        int c_err = 0, s_err = 0;
        int c_reason = 0, s_reason = 0;
    } r;
    void run()
    {
        bool c_done = false, s_done = false;
        for (int i = 0; i < 20 && !(c_done && s_done); i++) {
            if (!c_done && r.c_err == 0) {
                int rc = SSL_do_handshake(c);
                c_done = rc == 1;
                if (rc <= 0 && SSL_get_error(c, rc) != SSL_ERROR_WANT_READ) {
                    r.c_err = SSL_get_error(c, rc);
                    r.c_reason = ERR_GET_REASON(ERR_peek_error());
                }
                ERR_clear_error();
            }
            std::string a = drain(c_out);
            if (to_server && !a.empty())
                to_server(a);
            BIO_write(s_in, a.data(), (int)a.size());
            if (!s_done && r.s_err == 0) {
                int rc = SSL_do_handshake(s);
                s_done = rc == 1;
                if (rc <= 0 && SSL_get_error(s, rc) != SSL_ERROR_WANT_READ) {
                    r.s_err = SSL_get_error(s, rc);
                    r.s_reason = ERR_GET_REASON(ERR_peek_error());
                }
                ERR_clear_error();
            }
            std::string b = drain(s_out);
            if (to_client && !b.empty())
                to_client(b);
            BIO_write(c_in, b.data(), (int)b.size());
            if (a.empty() && b.empty() && (r.c_err || r.s_err))
                break;
        }
    }
};

// Change the code of the max_fragment_length extension (type 1, length 1)
// inside a plaintext hello; the surrounding lengths stay valid.
bool set_code(std::string &flight, uint8_t from, uint8_t to)
{
    const std::string ext = std::string("\x00\x01\x00\x01", 4) + (char)from;
    size_t p = flight.find(ext, 5 + 4 + 2 + 32);
    if (p == std::string::npos)
        return false;
    flight[p + 4] = (char)to;
    return true;
}

class HostileApi : public ::testing::TestWithParam<int>
{
};

// An invalid code in the ClientHello: the server's handshake fails with
// SSL_ERROR_SSL and SSL_R_SSL3_EXT_INVALID_MAX_FRAGMENT_LENGTH; the client
// gets the illegal_parameter alert (SSL_R_SSLV3_ALERT_ILLEGAL_PARAMETER).
TEST_P(HostileApi, InvalidCodeInClientHello)
{
    Tampered t(GetParam());
    ASSERT_EQ(1, SSL_set_tlsext_max_fragment_length(t.c, TLSEXT_max_fragment_length_512));
    bool done = false;
    t.to_server = [&](std::string &f) {
        if (!done)
            done = set_code(f, 1, 5);
    };
    t.run();
    ASSERT_TRUE(done);
    EXPECT_EQ(SSL_ERROR_SSL, t.r.s_err);
    EXPECT_EQ(SSL_R_SSL3_EXT_INVALID_MAX_FRAGMENT_LENGTH, t.r.s_reason);
    EXPECT_EQ(SSL_ERROR_SSL, t.r.c_err);
    EXPECT_EQ(SSL_R_SSLV3_ALERT_ILLEGAL_PARAMETER, t.r.c_reason);
}

INSTANTIATE_TEST_SUITE_P(Both, HostileApi, ::testing::Values(TLS1_3_VERSION, TLS1_2_VERSION),
                         [](const ::testing::TestParamInfo<int> &i) {
                             return std::string(i.param == TLS1_3_VERSION ? "Tls13" : "Tls12");
                         });

// A TLS 1.2 ServerHello whose echo is not the offer: the client fails with
// SSL_R_SSL3_EXT_INVALID_MAX_FRAGMENT_LENGTH, the server gets the alert.
TEST(HostileApi12, MismatchedEchoInServerHello)
{
    Tampered t(TLS1_2_VERSION);
    ASSERT_EQ(1, SSL_set_tlsext_max_fragment_length(t.c, TLSEXT_max_fragment_length_2048));
    bool done = false;
    t.to_client = [&](std::string &f) {
        if (!done)
            done = set_code(f, 3, 4);
    };
    t.run();
    ASSERT_TRUE(done);
    EXPECT_EQ(SSL_ERROR_SSL, t.r.c_err);
    EXPECT_EQ(SSL_R_SSL3_EXT_INVALID_MAX_FRAGMENT_LENGTH, t.r.c_reason);
    EXPECT_EQ(SSL_ERROR_SSL, t.r.s_err);
    EXPECT_EQ(SSL_R_SSLV3_ALERT_ILLEGAL_PARAMETER, t.r.s_reason);
}

} // namespace
