// Record size controls against the real OpenSSL (the system's libssl, in
// process, through memory BIOs): our core client with OpenSSL's server and
// OpenSSL's client (SSL_CTX_set_tlsext_max_fragment_length) with our core
// server, TLS 1.3 and 1.2, every max_fragment_length code. Both sides'
// records are measured on the wire, 100 KB cross each way intact, and both
// report the same negotiated length (OpenSSL through
// SSL_SESSION_get_max_fragment_length). OpenSSL itself refuses records
// larger than the negotiated length, so it checks ours.
//
// The hostile cases show OpenSSL reacting exactly as our engine does (same
// alert, same reason): an invalid code or a malformed body in a
// ClientHello, an echo that differs from the offer, an oversized record
// after the negotiation.
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "unit/maxfrag_util.h"

namespace
{
using namespace tls13srv;
using namespace maxfrag;

const uint16_t kSuite12 = 0xC02B; // ECDHE-ECDSA-AES128-GCM-SHA256

// OpenSSL's end of the connection.
struct Ossl {
    SSL_CTX *ctx = nullptr;
    SSL *s = nullptr;
    BIO *in = nullptr, *out = nullptr;
    std::string got;
    unsigned long err = 0; // first ERR entry of a failure
    bool failed = false;
    bool read_early = false, early_done = false; // server: SSL_read_early_data first
    std::string early;

    Ossl(bool server, uint16_t version)
    {
        ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
        SSL_CTX_set_min_proto_version(ctx, version);
        SSL_CTX_set_max_proto_version(ctx, version);
        if (version == TLS_V12)
            SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256");
        if (server) {
            SSL_CTX_use_certificate(ctx, load_cert("server-ec.pem"));
            SSL_CTX_use_PrivateKey(ctx, load_key("server-ec.key"));
        }
    }
    ~Ossl()
    {
        SSL_free(s);
        SSL_CTX_free(ctx);
    }
    void start(bool server)
    {
        s = SSL_new(ctx);
        in = BIO_new(BIO_s_mem());
        out = BIO_new(BIO_s_mem());
        SSL_set_bio(s, in, out);
        if (server)
            SSL_set_accept_state(s);
        else
            SSL_set_connect_state(s);
    }
    void fail()
    {
        if (!failed) {
            failed = true;
            err = ERR_peek_error();
        }
        ERR_clear_error();
    }
    void drive()
    {
        if (failed)
            return;
        while (read_early && !early_done) {
            char buf[4096];
            size_t n = 0;
            int r = SSL_read_early_data(s, buf, sizeof(buf), &n);
            if (r == SSL_READ_EARLY_DATA_SUCCESS) {
                early.append(buf, n);
                continue;
            }
            if (r == SSL_READ_EARLY_DATA_FINISH) {
                early_done = true;
                break;
            }
            int e = SSL_get_error(s, 0);
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                fail();
            return;
        }
        if (!SSL_is_init_finished(s)) {
            int rc = SSL_do_handshake(s);
            if (rc <= 0) {
                int e = SSL_get_error(s, rc);
                if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                    fail();
                return;
            }
        }
        char buf[20000];
        size_t n;
        while (SSL_read_ex(s, buf, sizeof(buf), &n))
            got.append(buf, n);
        int e = SSL_get_error(s, 0);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_ZERO_RETURN)
            fail();
    }
    std::string take() { return shimtest::bio_take(out); }
};

// Our core end.
struct Core : shimtest::DrivenEnd {
    std::function<void(tls_conn *)> on_client_hello;

    Core(bool server, uint16_t version)
    {
        cfg.min_version = cfg.max_version = version;
        cfg.tls12_suites = &kSuite12;
        cfg.n_tls12_suites = 1;
        cfg.cb_arg = this;
        if (server) {
            cfg.cert = load_cert("server-ec.pem");
            cfg.key = load_key("server-ec.key");
            cfg.client_hello = [](void *arg, tls_conn *c) {
                Core *k = (Core *)arg;
                if (k->on_client_hello)
                    k->on_client_hello(c);
                return 0;
            };
        }
    }
    std::string take() { return drain(); }
};

// Our core on one side, OpenSSL on the other.
struct Link {
    bool core_is_server;
    uint16_t version;
    Core core;
    Ossl ossl;
    std::string core_wire, ossl_wire; // everything each side sent
    std::function<void(std::string &)> tamper_core_out;

    Link(bool core_server, uint16_t v)
        : core_is_server(core_server), version(v), core(core_server, v), ossl(!core_server, v)
    {
    }
    void start()
    {
        core.c = tls_conn_new(&core.cfg, core_is_server);
        ossl.start(!core_is_server);
    }
    void pump()
    {
        for (int i = 0; i < 400; i++) {
            core.drive();
            std::string a = core.take();
            if (tamper_core_out && !a.empty())
                tamper_core_out(a);
            core_wire += a;
            BIO_write(ossl.in, a.data(), (int)a.size());
            ossl.drive();
            std::string b = ossl.take();
            ossl_wire += b;
            core.in += b;
            if (a.empty() && b.empty() && core.in.empty())
                return;
        }
    }
    bool handshake()
    {
        start();
        pump();
        return tls_conn_handshake_done(core.c) && tls_conn_error(core.c) == 0 &&
               SSL_is_init_finished(ossl.s) && !ossl.failed;
    }
    void core_send(const std::string &d)
    {
        size_t off = 0;
        while (off < d.size()) {
            size_t n = 0;
            ASSERT_EQ(TLS_OK, tls_conn_write(core.c, (const uint8_t *)d.data() + off,
                                             d.size() - off, &n));
            off += n;
            pump();
        }
    }
    void ossl_send(const std::string &d)
    {
        size_t n = 0;
        ASSERT_EQ(1, SSL_write_ex(ossl.s, d.data(), d.size(), &n));
        ASSERT_EQ(d.size(), n);
        pump();
    }
};

struct Case {
    bool core_server;
    uint16_t version;
    int code;
};

class Interop : public ::testing::TestWithParam<Case>
{
};

TEST_P(Interop, NegotiatedLengthBindsBothSides)
{
    Case k = GetParam();
    Link l(k.core_server, k.version);
    if (k.core_server)
        ASSERT_EQ(1, SSL_CTX_set_tlsext_max_fragment_length(l.ossl.ctx, (uint8_t)k.code));
    else
        l.core.cfg.max_fragment_code = (uint8_t)k.code;
    ASSERT_TRUE(l.handshake()) << "core " << TLS_ERR_REASON(tls_conn_error(l.core.c))
                               << " openssl " << ERR_reason_error_string(l.ossl.err);
    EXPECT_EQ(k.version, tls_conn_version(l.core.c));
    EXPECT_EQ(k.code, tls_conn_max_fragment_code(l.core.c));
    EXPECT_EQ(k.code, SSL_SESSION_get_max_fragment_length(SSL_get_session(l.ossl.s)));

    std::string a = pattern(100000, 11), b = pattern(100000, 12);
    l.core_send(a);
    l.ossl_send(b);
    EXPECT_FALSE(l.ossl.failed) << ERR_reason_error_string(l.ossl.err);
    EXPECT_EQ(0, tls_conn_error(l.core.c));
    EXPECT_EQ(a, l.ossl.got);
    EXPECT_EQ(b, l.core.got);
    size_t limit = code_bytes(k.code);
    EXPECT_GE(check_records(l.core_wire, limit, k.version), 100000 / limit - 1);
    EXPECT_GE(check_records(l.ossl_wire, limit, k.version), 100000 / limit - 1);
}

std::vector<Case> all_cases()
{
    std::vector<Case> v;
    for (bool srv : {false, true})
        for (uint16_t ver : {TLS_V13, TLS_V12})
            for (int code = 1; code <= 4; code++)
                v.push_back({srv, ver, code});
    return v;
}

INSTANTIATE_TEST_SUITE_P(Codes, Interop, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<Case> &i) {
                             return std::string(i.param.core_server ? "CoreServer" : "CoreClient") +
                                    (i.param.version == TLS_V13 ? "_Tls13_" : "_Tls12_") +
                                    std::to_string(code_bytes(i.param.code));
                         });

class Hostile : public ::testing::TestWithParam<uint16_t>
{
};

// Our server answers with another length than OpenSSL's client offered:
// OpenSSL refuses exactly as our client does (illegal_parameter,
// SSL3_EXT_INVALID_MAX_FRAGMENT_LENGTH).
TEST_P(Hostile, OpenSSLClientRefusesMismatchedEcho)
{
    Link l(true, GetParam());
    ASSERT_EQ(1, SSL_CTX_set_tlsext_max_fragment_length(l.ossl.ctx, TLSEXT_max_fragment_length_1024));
    l.core.on_client_hello = [](tls_conn *c) { c->mfl_code = 4; };
    EXPECT_FALSE(l.handshake());
    ASSERT_TRUE(l.ossl.failed);
    EXPECT_EQ(SSL_R_SSL3_EXT_INVALID_MAX_FRAGMENT_LENGTH, ERR_GET_REASON(l.ossl.err));
    EXPECT_EQ(TLS_AD_ILLEGAL_PARAMETER, tls_conn_alert_received(l.core.c));
}

// A ClientHello with an invalid code / a malformed body: OpenSSL's server
// answers as our server does (see maxfrag_test.cc BadClientHello).
TEST_P(Hostile, OpenSSLServerRefusesInvalidCodeAndMalformedBody)
{
    struct Bad {
        std::string body;
        int reason;
        int alert;
    };
    for (const Bad &b : {Bad{u8(5), SSL_R_SSL3_EXT_INVALID_MAX_FRAGMENT_LENGTH, 47},
                         Bad{u8(0), SSL_R_SSL3_EXT_INVALID_MAX_FRAGMENT_LENGTH, 47},
                         Bad{"", SSL_R_BAD_EXTENSION, 50}, Bad{u8(1) + u8(1), SSL_R_BAD_EXTENSION, 50}}) {
        Link l(false, GetParam());
        l.core.cfg.max_fragment_code = 1;
        bool first = true;
        l.tamper_core_out = [&](std::string &bytes) {
            if (first) {
                first = false;
                bytes = replace_ext(bytes, kExtMfl, b.body);
            }
        };
        EXPECT_FALSE(l.handshake());
        ASSERT_TRUE(l.ossl.failed);
        EXPECT_EQ(b.reason, ERR_GET_REASON(l.ossl.err)) << ERR_reason_error_string(l.ossl.err);
        EXPECT_EQ(b.alert, tls_conn_alert_received(l.core.c));
    }
}

// After the negotiation a record one byte over the length: OpenSSL fails
// with record_overflow + DATA_LENGTH_TOO_LONG, which is what our engine
// reports for the same (maxfrag_test.cc RecordLargerThanNegotiated).
TEST_P(Hostile, OpenSSLRefusesOversizedRecordAsWeDo)
{
    Link l(false, GetParam());
    l.core.cfg.max_fragment_code = 2;
    ASSERT_TRUE(l.handshake());
    std::string ok = pattern(1024, 13);
    l.core_send(ok);
    EXPECT_EQ(ok, l.ossl.got);
    l.core.c->mfl_code = 0;
    std::string big = pattern(1025, 14);
    size_t n = 0;
    ASSERT_EQ(TLS_OK, tls_conn_write(l.core.c, (const uint8_t *)big.data(), big.size(), &n));
    l.pump();
    ASSERT_TRUE(l.ossl.failed);
    EXPECT_EQ(SSL_R_DATA_LENGTH_TOO_LONG, ERR_GET_REASON(l.ossl.err));
    EXPECT_EQ(TLS_AD_RECORD_OVERFLOW, tls_conn_alert_received(l.core.c));
    EXPECT_EQ(ok, l.ossl.got);
}

INSTANTIATE_TEST_SUITE_P(Both, Hostile, ::testing::Values(TLS_V13, TLS_V12),
                         [](const ::testing::TestParamInfo<uint16_t> &i) {
                             return std::string(i.param == TLS_V13 ? "Tls13" : "Tls12");
                         });

// TLS 1.3 padding from our client is read by OpenSSL, data intact, every
// record's inner plaintext a multiple of the block (or a full fragment).
TEST(PaddingInterop, OpenSSLReadsOurPaddedRecords)
{
    Link l(false, TLS_V13);
    l.core.cfg.record_padding = [](void *, int, size_t len) -> size_t {
        return len % 256 ? 256 - len % 256 : 0;
    };
    ASSERT_TRUE(l.handshake());
    l.core_wire.clear();
    std::string d = pattern(40000, 15);
    l.core_send(d);
    EXPECT_EQ(d, l.ossl.got);
    EXPECT_FALSE(l.ossl.failed);
    for (const Rec &r : split(l.core_wire)) {
        size_t inner = r.body.size() - 16;
        EXPECT_TRUE(inner % 256 == 0 || inner == 16385) << inner;
    }
}

// OpenSSL's padding (SSL_CTX_set_block_padding) read by our client.
TEST(PaddingInterop, WeReadOpenSSLsPaddedRecords)
{
    Link l(false, TLS_V13);
    ASSERT_EQ(1, SSL_CTX_set_block_padding(l.ossl.ctx, 512));
    ASSERT_TRUE(l.handshake());
    l.ossl_wire.clear();
    std::string d = pattern(20000, 16);
    l.ossl_send(d);
    EXPECT_EQ(d, l.core.got);
    size_t padded = 0;
    for (const Rec &r : split(l.ossl_wire))
        padded += (r.body.size() - 16) % 512 == 0;
    EXPECT_GE(padded, 1u);
}

// 0-RTT under a length: OpenSSL's server holds early data to the length of
// the resumed session, so our client writes it in records within it.
TEST(EarlyDataInterop, OpenSSLServerTakesOurEarlyDataUnderLength)
{
    tls_session_state st;
    std::string ticket;
    SSL_CTX *sctx = nullptr;
    {
        Link l(false, TLS_V13);
        ASSERT_EQ(1, SSL_CTX_set_max_early_data(l.ossl.ctx, 5000));
        l.core.cfg.max_fragment_code = 1;
        ASSERT_TRUE(l.handshake());
        l.ossl_send("hello"); // the tickets arrive before it
        EXPECT_EQ("hello", l.core.got);
        const uint8_t *t = nullptr;
        size_t tl = 0;
        ASSERT_EQ(0, tls_conn_session(l.core.c, &st, &t, &tl));
        ASSERT_NE(nullptr, t);
        ticket.assign((const char *)t, tl);
        EXPECT_EQ(1, st.max_fragment_code);
        EXPECT_EQ(5000u, st.max_early_data);
        sctx = l.ossl.ctx; // the ticket keys and the cache live in it
        SSL_CTX_up_ref(sctx);
        // A connection freed without shutdown has its session dropped.
        SSL_set_shutdown(l.ossl.s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    }
    Link l(false, TLS_V13);
    SSL_CTX_free(l.ossl.ctx);
    l.ossl.ctx = sctx;
    l.ossl.read_early = true;
    l.core.cfg.max_fragment_code = 1;
    l.core.cfg.resume = &st;
    l.core.cfg.resume_ticket = (const uint8_t *)ticket.data();
    l.core.cfg.resume_ticket_len = ticket.size();
    l.start();
    std::string early = pattern(3000, 17);
    size_t n = 0;
    ASSERT_EQ(TLS_OK,
              tls_conn_write_early(l.core.c, (const uint8_t *)early.data(), early.size(), &n));
    ASSERT_EQ(early.size(), n);
    l.pump();
    EXPECT_FALSE(l.ossl.failed) << ERR_reason_error_string(l.ossl.err);
    EXPECT_EQ(early.size(), l.ossl.early.size());
    EXPECT_TRUE(early == l.ossl.early);
    EXPECT_EQ(SSL_EARLY_DATA_ACCEPTED, SSL_get_early_data_status(l.ossl.s));
    EXPECT_EQ(TLS_EARLY_ACCEPTED, tls_conn_early_status(l.core.c));
    EXPECT_EQ(1, SSL_session_reused(l.ossl.s));
    EXPECT_EQ(1, tls_conn_max_fragment_code(l.core.c));
    EXPECT_GE(check_records(l.core_wire, 512, TLS_V13), 5u);
}

} // namespace
